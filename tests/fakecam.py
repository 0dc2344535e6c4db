"""Video for Chromium's fake camera: a still document frame written as YUV4MPEG2."""

from pathlib import Path

import numpy as np
from conftest import SAMPLE_TEXT, draw_text


def write_y4m(path: Path, frame_rgb: np.ndarray, *, frames: int = 5) -> None:
    """A YUV4MPEG2 video of one still frame, the format Chromium's fake camera plays."""
    write_y4m_scenes(path, [frame_rgb], frames=frames)


def write_y4m_scenes(path: Path, scenes_rgb: list[np.ndarray], *, frames: int = 5) -> None:
    """A YUV4MPEG2 video showing each RGB scene in turn for `frames` frames (10 a second);
    Chromium's fake camera plays it in a loop."""
    height, width, _ = scenes_rgb[0].shape
    with path.open("wb") as video:
        video.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for scene in scenes_rgb:
            planes = _yuv420(scene)
            for _ in range(frames):
                video.write(b"FRAME\n" + planes)


def _yuv420(frame_rgb: np.ndarray) -> bytes:
    height, width, _ = frame_rgb.shape
    rgb = frame_rgb.astype(np.float32)
    y = 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]
    u = (rgb[..., 2] - y) * 0.564 + 128
    v = (rgb[..., 0] - y) * 0.713 + 128

    def subsample(plane):  # 4:2:0 chroma: average each 2x2 block
        return plane.reshape(height // 2, 2, width // 2, 2).mean(axis=(1, 3))

    planes = [np.clip(p, 0, 255).round().astype(np.uint8).tobytes() for p in (y, subsample(u), subsample(v))]
    return b"".join(planes)


def document_frame(width: int = 640, height: int = 480, text: str = SAMPLE_TEXT) -> np.ndarray:
    """A webcam's view of a page: dark desk around a white sheet with the text (the sample text)."""
    page = draw_text(text.replace("over", "\nover"), font_px=34, margin=24)
    frame = np.full((height, width, 3), 60, dtype=np.uint8)
    sheet = np.asarray(page.convert("RGB"))[: height - 40, : width - 40]
    top, left = (height - sheet.shape[0]) // 2, (width - sheet.shape[1]) // 2
    frame[top : top + sheet.shape[0], left : left + sheet.shape[1]] = sheet
    return frame
