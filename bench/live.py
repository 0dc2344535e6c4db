"""Live reading on the camera page, measured: headless Chromium with its fake camera showing webcam
frames of several pages in turn (a camera moving over them), Live switched on; readings answered a
second, and how right their text is.

Run from the project root against a running server: python -m bench.live URL [--seconds S] [--seed S]
(python -m bench.speed runs it against each server it starts).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

import numpy as np
from playwright.sync_api import sync_playwright

from bench.score import cer
from bench.speed_images import webcam_frame

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
]
SCENES = 6  # pages the camera moves over; the picture changes between readings, as a held camera's does
FRAMES_PER_SCENE = 2  # at 10 frames a second
CER_LIMIT = 0.05  # a reading's median CER at most this is "the text right" (bench/README.md)
STARTUP_S = 60


def write_video(path: Path, seed: int) -> list[str]:
    """A YUV4MPEG2 video (what Chromium's fake camera plays, in a loop) of SCENES webcam frames of
    different pages; returns their texts."""
    rng = np.random.default_rng(seed)
    scenes = [webcam_frame(rng) for _ in range(SCENES)]
    width, height = scenes[0][0].size
    with path.open("wb") as video:
        video.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for image, _ in scenes:
            frame = b"FRAME\n" + i420(np.asarray(image.convert("RGB"), dtype=np.float32))
            video.write(frame * FRAMES_PER_SCENE)
    return [text for _, text in scenes]


def i420(rgb: np.ndarray) -> bytes:
    """RGB pixels as planar Y, U, V with 2x2-subsampled chroma."""
    height, width, _ = rgb.shape
    y = 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]
    u, v = (rgb[..., 2] - y) * 0.564 + 128, (rgb[..., 0] - y) * 0.713 + 128
    chroma = [plane.reshape(height // 2, 2, width // 2, 2).mean(axis=(1, 3)) for plane in (u, v)]
    return b"".join(np.clip(plane, 0, 255).round().astype(np.uint8).tobytes() for plane in [y, *chroma])


def measure_live(url: str, *, seconds: float, seed: int = 1) -> dict:
    """Switch Live on at url's /camera, fed by the moving fake camera, for `seconds` from its first
    reading; readings answered 200 a second and each one's CER against the nearest page's text."""
    with tempfile.TemporaryDirectory(prefix="bench-live-") as folder:
        video = Path(folder) / "camera.y4m"
        texts = write_video(video, seed)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=[*FLAGS, f"--use-file-for-fake-video-capture={video}"]
            )
            try:
                answers = read_live(browser.new_page(), url, seconds)
            finally:
                browser.close()
    scores = [min(cer(text, answer["text"]) for text in texts) for answer in answers if "text" in answer]
    return {
        "seconds": seconds,
        "readings": len(scores),
        "failed": len(answers) - len(scores),
        "per_second": len(scores) / seconds,
        "median_cer": median(scores) if scores else 1.0,
        "worst_cer": max(scores) if scores else 1.0,
        "cer_limit": CER_LIMIT,
    }


def read_live(page, url: str, seconds: float) -> list[dict]:
    """The answers to the page's POSTs to /ocr in the `seconds` after its first one, Live on."""
    responses = []
    page.on("response", lambda r: responses.append((time.monotonic(), r)) if r.request.method == "POST" else None)
    page.goto(f"{url}/camera")
    page.wait_for_selector("#live-toggle:enabled", timeout=STARTUP_S * 1000)
    page.check("#live-toggle")
    deadline = time.monotonic() + STARTUP_S
    while not responses and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    if not responses:
        raise RuntimeError("live reading gave no answer in a minute")
    start = responses[0][0]
    page.wait_for_timeout(seconds * 1000)
    page.uncheck("#live-toggle")
    window = [response for at, response in responses if start < at <= start + seconds]
    return [json.loads(r.body()) if r.status == 200 else {"status": r.status} for r in window]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="base URL of a running server")
    parser.add_argument("--seconds", type=float, default=30, help="seconds of live reading (default 30)")
    parser.add_argument("--seed", type=int, default=1, help="page generator seed (default 1)")
    args = parser.parse_args(argv)
    print(json.dumps(measure_live(args.url, seconds=args.seconds, seed=args.seed), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
