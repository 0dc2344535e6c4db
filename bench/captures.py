"""Seeded, reproducible generator of realistic degraded document captures with known text."""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from bench import texts
from bench.texts import pick

FONT_DIRS = (Path("/usr/share/fonts/truetype/liberation"), Path("/usr/share/fonts/truetype/dejavu"))
# Liberation (Debian fonts-liberation) has Times/Arial/Courier metrics; DejaVu is the fallback.
FONT_FILES = {
    "serif": ("LiberationSerif-Regular.ttf", "DejaVuSerif.ttf"),
    "sans": ("LiberationSans-Regular.ttf", "DejaVuSans.ttf"),
    "sans-bold": ("LiberationSans-Bold.ttf", "DejaVuSans-Bold.ttf"),
    "mono": ("LiberationMono-Regular.ttf", "DejaVuSansMono.ttf"),
}
WHITE = (250.0, 249.0, 245.0)
BLACK = (22.0, 22.0, 26.0)
EXIF_ORIENTATION = 0x0112


@dataclass
class Capture:
    """One generated image, its ground-truth text and how to save it."""

    image: Image.Image
    text: str
    format: str = "PNG"
    options: dict = field(default_factory=dict)

    @property
    def suffix(self) -> str:
        """File extension matching the save format."""
        return {"PNG": "png", "JPEG": "jpg"}[self.format]


# --- text layout -------------------------------------------------------------------------


def font(face: str, size: int) -> ImageFont.FreeTypeFont:
    """Load a TrueType face by role name, preferring Liberation over DejaVu."""
    for name in FONT_FILES[face]:
        for folder in FONT_DIRS:
            if (folder / name).exists():
                return ImageFont.truetype(str(folder / name), size)
    raise FileNotFoundError(f"no font for {face!r}; install fonts-liberation or fonts-dejavu")


def size_for_x_height(face: str, x_height: float) -> int:
    """Pixel size at which the face's lowercase x is x_height pixels tall."""
    _, top, _, bottom = font(face, 100).getbbox("x")
    return max(6, round(100 * x_height / (bottom - top)))


def wrap(paragraphs: list[str], fnt: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Greedy word wrap to a pixel width; lines that already fit keep their inner spacing."""
    lines = []
    for para in paragraphs:
        if fnt.getlength(para) <= width:
            lines.append(para)
            continue
        line = ""
        for word in para.split():
            trial = f"{line} {word}".strip()
            if line and fnt.getlength(trial) > width:
                lines.append(line)
                line = word
            else:
                line = trial
        lines.append(line)
    return lines


def render(
    paragraphs: list[str],
    face: str,
    size: int,
    width: int,
    height: int | None = None,
    margin: int = 0,
    spacing: float = 1.35,
) -> tuple[np.ndarray, str]:
    """Lay text out as an ink-coverage mask in [0, 1]; return it and the text actually drawn."""
    fnt = font(face, size)
    lines = wrap(paragraphs, fnt, width - 2 * margin)
    step = round(size * spacing)
    if height is None:
        height = 2 * margin + step * len(lines)
    lines = lines[: max(0, (height - 2 * margin) // step)]  # a fixed page holds what fits
    img = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(img)
    for k, line in enumerate(lines):
        draw.text((margin, margin + k * step), line, font=fnt, fill=255)
    return np.asarray(img, np.float32) / 255.0, "\n".join(line for line in lines if line.strip())


def crop_to_text(mask: np.ndarray, margin: int) -> np.ndarray:
    """Crop a coverage mask to its inked area plus margin on every side."""
    ys, xs = np.nonzero(mask)
    return np.pad(mask[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1], margin)


def document(rng: np.random.Generator, kinds: tuple[str, ...]) -> list[str]:
    """Paragraphs of one randomly chosen kind of content."""
    kind = pick(rng, kinds)
    if kind == "letter":
        return texts.letter(rng)
    if kind == "prose":
        return texts.paragraphs(rng, "prose", int(rng.integers(2, 5)))
    if kind == "board":
        return texts.board(rng)
    return texts.screen(rng)


# --- pixel helpers -----------------------------------------------------------------------


def compose(mask: np.ndarray, paper, ink) -> np.ndarray:
    """Blend ink over paper by coverage; paper and ink are RGB triples or HxWx3 arrays."""
    m = mask[..., None]
    return np.asarray(paper, np.float32) * (1.0 - m) + np.asarray(ink, np.float32) * m


def smooth_field(rng: np.random.Generator, shape: tuple[int, int], cells: tuple[int, int]) -> np.ndarray:
    """Smooth random field in [0, 1] with about cells=(rows, cols) blobs over the image."""
    small = rng.random((cells[0] + 1, cells[1] + 1)).astype(np.float32)
    big = np.asarray(Image.fromarray(small, "F").resize((shape[1], shape[0]), Image.Resampling.BICUBIC))
    return (big - big.min()) / max(1e-6, float(big.max() - big.min()))


def ramp(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Linear ramp from 0 to 1 across the image in a random direction."""
    h, w = shape
    angle = rng.uniform(0, 2 * math.pi)
    y = np.linspace(-0.5, 0.5, h, dtype=np.float32)[:, None]
    x = np.linspace(-0.5, 0.5, w, dtype=np.float32)[None, :]
    t = x * math.cos(angle) + y * math.sin(angle)
    return (t - t.min()) / (t.max() - t.min())


def vignette(shape: tuple[int, int], strength: float) -> np.ndarray:
    """Radial lens falloff: 1 at the centre, 1 - strength in the corners."""
    h, w = shape
    y = np.linspace(-1, 1, h, dtype=np.float32)[:, None]
    x = np.linspace(-1, 1, w, dtype=np.float32)[None, :]
    return 1.0 - strength * (x * x + y * y) / 2.0


def noise(rng: np.random.Generator, arr: np.ndarray, sigma: float, chroma: float = 0.0) -> np.ndarray:
    """Add Gaussian sensor noise: shared luminance noise plus optional per-channel colour noise."""
    h, w = arr.shape[:2]
    out = arr + sigma * rng.standard_normal((h, w, 1), dtype=np.float32)
    if chroma:
        out += chroma * rng.standard_normal((h, w, 3), dtype=np.float32)
    return out


def to_image(arr: np.ndarray) -> Image.Image:
    """Clip a float array to 8 bits and wrap it as an RGB or L image."""
    return Image.fromarray(np.clip(arr, 0, 255).round().astype(np.uint8))


def blur(img: Image.Image, radius: float) -> Image.Image:
    """Gaussian optical blur."""
    return img.filter(ImageFilter.GaussianBlur(radius))


def desk(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Background surface around a photographed page: a tinted, grained table top."""
    base = np.array(pick(rng, ((118, 84, 56), (88, 90, 96), (52, 48, 46), (160, 150, 135))), np.float32)
    grain = smooth_field(rng, shape, (40, 3)) * 0.25 + smooth_field(rng, shape, (4, 4)) * 0.2
    return base * (0.8 + grain)[..., None]


def perspective_coeffs(src: np.ndarray, dst: np.ndarray) -> tuple:
    """Coefficients for Image.transform(PERSPECTIVE), which maps output points dst to input src."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs += [u, v]
    return tuple(np.linalg.solve(np.array(rows, float), np.array(rhs, float)))


def page_corners(
    rng: np.random.Generator, page: tuple[int, int], scene: tuple[int, int], angle: float, keystone: float
) -> np.ndarray:
    """Where a page's corners land in the scene after keystone, rotation by angle degrees and a shift."""
    w, h = page
    pts = np.array([[-w / 2, -h / 2], [w / 2, -h / 2], [w / 2, h / 2], [-w / 2, h / 2]])
    # The page edge farther from the camera looks shorter.
    i, j = pick(rng, ((0, 1), (1, 2), (2, 3), (3, 0)))
    mid = (pts[i] + pts[j]) / 2
    pts[i], pts[j] = mid + (pts[i] - mid) * (1 - keystone), mid + (pts[j] - mid) * (1 - keystone)
    a = math.radians(angle)
    pts = pts @ np.array([[math.cos(a), math.sin(a)], [-math.sin(a), math.cos(a)]])
    slack = (np.array(scene) - (pts.max(0) - pts.min(0))) / 2
    if (slack < 0).any():
        raise ValueError(f"page {page} at {angle:.1f} deg does not fit the {scene} frame")
    shift = rng.uniform(-0.8, 0.8, 2) * slack
    return pts - (pts.max(0) + pts.min(0)) / 2 + np.array(scene) / 2 + shift


def place(page: np.ndarray, background: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """Warp a page image into the background so its corners land on the given points."""
    h, w = page.shape[:2]
    size = (background.shape[1], background.shape[0])
    coeffs = perspective_coeffs(np.array([[0, 0], [w, 0], [w, h], [0, h]], float), corners)
    warped = to_image(page).transform(size, Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC)
    cover = Image.new("L", (w, h), 255).transform(size, Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BILINEAR)
    alpha = np.asarray(cover, np.float32)[..., None] / 255.0
    return np.asarray(warped, np.float32) * alpha + background * (1 - alpha)


# --- categories --------------------------------------------------------------------------
# Each maker takes its own rng and a difficulty level in [0, 1) that sets its main degradation.


def lerp(lo: float, hi: float, t: float) -> float:
    """Linear interpolation from lo (t=0) to hi (t=1)."""
    return lo + (hi - lo) * t


def clean_scan(rng: np.random.Generator, level: float) -> Capture:
    """Control: a 300 dpi flatbed scan of a letter-size page, black on white, 10-12 pt."""
    size = round(lerp(12, 10, level) * 300 / 72)
    mask, text = render(document(rng, ("letter", "prose")), pick(rng, ("serif", "sans")), size, 2550, 3300, margin=300)
    arr = compose(mask, WHITE, BLACK).mean(axis=2, keepdims=True)
    img = blur(to_image(noise(rng, arr, 2.0)[..., 0]), 0.6)
    return Capture(img, text)


def webcam(rng: np.random.Generator, level: float) -> Capture:
    """A 640x480 webcam frame of a note held up to the camera: tilt, soft focus, noise, JPEG."""
    page_size = (460, 400)
    mask, text = render(
        document(rng, ("letter", "prose", "board")),
        pick(rng, ("sans", "serif")),
        int(rng.integers(17, 21)),
        *page_size,
        margin=22,
        spacing=1.35,
    )
    page = compose(mask, (225, 222, 212), (40, 38, 42))
    tilt = rng.choice([-1, 1]) * lerp(1, 3, level)
    scene = place(page, desk(rng, (480, 640)), page_corners(rng, page_size, (640, 480), tilt, 0.03))
    # Cheap lens: darker corners and a warm white balance.
    scene *= vignette(scene.shape[:2], 0.25)[..., None] * np.array([1.0, 0.97, 0.9], np.float32)
    img = blur(to_image(noise(rng, scene, 4.0, 2.0)), lerp(0.8, 1.2, level))
    return Capture(img, text, "JPEG", {"quality": 80})


def phone_rotated(rng: np.random.Generator, level: float) -> Capture:
    """A 12 MP phone photo stored sideways or upside down, upright only via its EXIF Orientation."""
    # Tag 6 (phone held upright) is the common case; 8 and 3 are the phone turned the other ways.
    orientation = 8 if level < 0.25 else 6 if level < 0.75 else 3
    frame = (3000, 4000) if orientation in (6, 8) else (4000, 3000)
    page_w = int(min(0.8 * frame[0], 0.85 * frame[1] * 8.5 / 11))
    page_h = int(page_w * 11 / 8.5)
    mask, text = render(
        document(rng, ("letter", "prose")),
        pick(rng, ("serif", "sans")),
        round(page_w * rng.uniform(10, 12) / (8.5 * 72)),
        page_w,
        page_h,
        margin=page_w // 9,
    )
    shape = (frame[1], frame[0])
    page = compose(mask, (236, 234, 228), (30, 30, 34))
    scene = place(page, desk(rng, shape), page_corners(rng, (page_w, page_h), frame, rng.uniform(-1.5, 1.5), 0.05))
    scene *= (0.75 + 0.25 * ramp(rng, shape))[..., None]
    upright = blur(to_image(noise(rng, scene, 6.0, 2.0)), 1.6)
    # Viewers apply the tag to get back upright, so store the inverse turn.
    stored = upright.transpose(
        {6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270, 3: Image.Transpose.ROTATE_180}[orientation]
    )
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = orientation
    return Capture(stored, text, "JPEG", {"quality": 90, "exif": exif})


def shadow(rng: np.random.Generator, level: float) -> Capture:
    """A page photographed under a desk lamp: light falloff and a soft cast shadow over part of the text."""
    mask, text = render(
        document(rng, ("letter", "prose")), pick(rng, ("serif", "sans")), int(rng.integers(30, 36)), 1500
    )
    mask = crop_to_text(mask, 100)
    shape = mask.shape
    light = 0.8 + 0.2 * ramp(rng, shape)
    # The shadow of the photographer's arm or phone: a soft edge sweeping over part of the text.
    reach = ramp(rng, shape)
    light *= 1 - rng.uniform(0.5, 0.6) / (1 + np.exp((reach - lerp(0.15, 0.65, level)) / 0.03))
    arr = compose(mask, WHITE, BLACK) * light[..., None]
    img = blur(to_image(noise(rng, arr, 3.0, 1.0)), 0.8)
    return Capture(img, text, "JPEG", {"quality": 90})


def low_contrast(rng: np.random.Generator, level: float) -> Capture:
    """A faded photocopy, cropped to its text: gray text on gray paper with copier grain."""
    mask, text = render(
        document(rng, ("letter", "prose")), pick(rng, ("serif", "sans")), int(rng.integers(28, 34)), 1400
    )
    mask = crop_to_text(mask, 60)
    paper = rng.uniform(150, 180)
    arr = compose(mask, (paper,) * 3, (paper - lerp(19, 14, level),) * 3)
    img = blur(to_image(noise(rng, arr, 5.5)), 0.9)
    return Capture(img.convert("L"), text)


def skew_keystone(rng: np.random.Generator, level: float) -> Capture:
    """A book page shot at an angle: 4-12 degrees of rotation and a mild perspective keystone."""
    w, h = 900, 1300
    mask, text = render(
        document(rng, ("letter", "prose")),
        pick(rng, ("serif", "sans")),
        int(rng.integers(24, 28)),
        w,
        h,
        margin=90,
        spacing=1.5,
    )
    page = compose(mask, (240, 238, 232), (28, 28, 32))
    # Squared: most hand-held shots are only a little off; steep ones are rarer.
    angle = rng.choice([-1, 1]) * lerp(4, 12, level**2)
    scene = place(
        page, desk(rng, (1800, 1350)), page_corners(rng, (w, h), (1350, 1800), angle, rng.uniform(0.03, 0.08))
    )
    img = blur(to_image(noise(rng, scene, 3.0, 1.5)), 0.8)
    return Capture(img, text, "JPEG", {"quality": 88})


def noise_jpeg(rng: np.random.Generator, level: float) -> Capture:
    """A dim low-light photo: heavy sensor noise, then saved as a small, heavily compressed JPEG."""
    w, h = 1400, 1000
    mask, text = render(
        document(rng, ("letter", "prose", "board")),
        pick(rng, ("serif", "sans")),
        int(rng.integers(26, 32)),
        w,
        h,
        margin=90,
    )
    page = compose(mask, (rng.uniform(115, 140),) * 3, (30, 30, 34))
    scene = place(
        page, desk(rng, (1200, 1600)) * 0.5, page_corners(rng, (w, h), (1600, 1200), rng.uniform(-1, 1), 0.02)
    )
    img = to_image(noise(rng, scene, lerp(20, 32, level), 8.0))
    return Capture(img, text, "JPEG", {"quality": round(lerp(30, 15, level))})


def dark_mode(rng: np.random.Generator, level: float) -> Capture:
    """A photo of a dark-themed window from a distance: small light-on-dark text, moire bands, blur."""
    mask, text = render(
        document(rng, ("screen", "board")),
        pick(rng, ("sans", "sans-bold")),
        round(lerp(19, 10, level)),
        1280,
        spacing=1.5,
    )
    mask = crop_to_text(mask, int(rng.integers(30, 90)))
    h, w = mask.shape
    bg, fg = rng.uniform(22, 40), rng.uniform(130, 200)
    arr = compose(mask, (bg, bg, bg + 6), (fg, fg, fg - 8))
    # Moire: the camera sensor grid beating against the screen's pixel grid.
    period, theta = rng.uniform(5, 9), rng.uniform(0, math.pi)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    phase = 2 * math.pi * (x * math.cos(theta) + y * math.sin(theta)) / period
    arr *= 1 + 0.2 * np.stack([np.sin(phase + k * 2.1) for k in range(3)], axis=2)
    img = blur(to_image(noise(rng, arr, 4.0, 2.0)), rng.uniform(0.9, 1.2))
    return Capture(img, text, "JPEG", {"quality": 85})


def small_print(rng: np.random.Generator, level: float) -> Capture:
    """Fine print scanned at low resolution: x-height of only 5-8 pixels."""
    face = pick(rng, ("serif", "sans"))
    # Render 4x larger and average down, as a scanner's sensor does, instead of using hinted tiny glyphs.
    size = size_for_x_height(face, 4 * lerp(7, 5, level))
    mask, text = render(document(rng, ("letter", "prose")), face, size, 60 * size, None, margin=160)
    page = to_image(compose(mask, WHITE, BLACK).mean(axis=2))
    small = np.asarray(page.reduce(4), np.float32)[..., None]
    img = blur(to_image(noise(rng, small, 3.0)[..., 0]), lerp(0.6, 1.0, level))
    return Capture(img, text)


def fibres(rng: np.random.Generator, shape: tuple[int, int], count: int) -> np.ndarray:
    """Coverage in [0, 1] of short dark fibres and flecks, as in recycled or construction paper."""
    h, w = shape
    img = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(img)
    for x, y, length, angle, shade in zip(
        rng.uniform(0, w, count),
        rng.uniform(0, h, count),
        rng.uniform(3, 16, count),
        rng.uniform(0, math.pi, count),
        rng.uniform(60, 255, count),
        strict=True,
    ):
        dx, dy = length * math.cos(angle) / 2, length * math.sin(angle) / 2
        draw.line((x - dx, y - dy, x + dx, y + dy), fill=int(shade), width=int(rng.integers(1, 3)))
    return np.asarray(img.filter(ImageFilter.GaussianBlur(0.7)), np.float32) / 255.0


def coloured_paper(rng: np.random.Generator, level: float) -> Capture:
    """A note on coloured, fibrous recycled paper, often in coloured ink."""
    mask, text = render(
        document(rng, ("board", "letter")), pick(rng, ("sans", "serif")), int(rng.integers(28, 34)), 1400
    )
    # The capture is cropped to the note, so there is little bare paper to misread.
    mask = crop_to_text(mask, 70)
    h, w = mask.shape
    paper = np.array(
        pick(rng, ((245, 228, 120), (246, 190, 205), (175, 205, 240), (190, 228, 185), (196, 164, 122))), np.float32
    )
    # Ballpoint and felt-tip colours, several of them not much darker than the paper.
    ink = pick(rng, ((40, 70, 170), (60, 60, 64), (185, 45, 55), (35, 120, 70), (110, 50, 150)))
    # Fibres take the paper's dye more deeply, so they are a darker shade of the paper.
    cloud = 0.9 + 0.1 * smooth_field(rng, (h, w), (20, 28))
    dark = 1 - 0.35 * fibres(rng, (h, w), int(lerp(300, 1500, level) * h * w / 1e6))
    arr = compose(mask, paper * (cloud * dark)[..., None], ink)
    img = blur(to_image(noise(rng, arr, 6.0, 3.0)), 0.7)
    return Capture(img, text, "JPEG", {"quality": 88})


def thermal_receipt(rng: np.random.Generator, level: float) -> Capture:
    """A scanned thermal till receipt: narrow, faint uneven gray print on crumpled paper."""
    width_chars = int(rng.integers(30, 40))
    size = int(rng.integers(22, 26))
    w = math.ceil(font("mono", size).getlength("M" * width_chars)) + 62
    mask, text = render(texts.receipt(rng, width_chars), "mono", size, w, None, margin=30, spacing=1.25)
    h = mask.shape[0]
    # Heat fades unevenly; dead print-head elements leave faint columns along the paper feed.
    strength = lerp(0.6, 0.32, level) * (1 - 0.5 * smooth_field(rng, (h, w), (3, 2)) * ramp(rng, (h, w)))
    dead = np.where(rng.random(w) < 0.05, rng.uniform(0.2, 0.6, w), 1.0).astype(np.float32)
    # Neighbouring print-head dots never heat quite alike, so strokes are grainy.
    dots = rng.uniform(0.5, 1.0, (h, w)).astype(np.float32)
    crumple = 0.88 + 0.12 * smooth_field(rng, (h, w), (8, 4))
    arr = compose(mask * strength * dead[None, :] * dots, (240 * crumple)[..., None], (40, 40, 45))
    img = blur(to_image(noise(rng, arr, 4.0, 1.0)), 0.7)
    return Capture(img, text)


def mixed_polarity(rng: np.random.Generator, level: float) -> Capture:
    """A photo of a dark screen with both polarities: light text on a textured dark-blue gradient,
    and a light band holding dark text. Held out of tuning: it checks local polarity."""
    face = pick(rng, ("sans", "sans-bold"))
    size = round(lerp(26, 18, level))
    dark_mask, dark_text = render(document(rng, ("screen", "board")), face, size, 1200, spacing=1.5)
    light_mask, light_text = render(texts.paragraphs(rng, "prose", 1), face, size, 1200, spacing=1.5)
    dark_mask, light_mask = crop_to_text(dark_mask, 50), crop_to_text(light_mask, 40)
    width = max(dark_mask.shape[1], light_mask.shape[1])
    dark_mask = np.pad(dark_mask, ((0, 0), (0, width - dark_mask.shape[1])))
    light_mask = np.pad(light_mask, ((0, 0), (0, width - light_mask.shape[1])))
    h_dark = dark_mask.shape[0]
    y, x = np.mgrid[0:h_dark, 0:width].astype(np.float32)
    # a dark-blue gradient with a fine diagonal texture, as a themed window's background
    shade = 0.6 + 0.4 * (x / width) + 0.08 * np.sin((x + y) * 2 * math.pi / rng.uniform(6, 10))
    dark_bg = np.array((18, 32, 70), np.float32) * shade[..., None]
    fg = rng.uniform(190, 235)
    top = compose(dark_mask, dark_bg, (fg, fg, fg))
    band = compose(light_mask, (rng.uniform(215, 235),) * 3, (30, 30, 40))
    order = (top, band) if rng.random() < 0.5 else (band, top)
    arr = np.concatenate(order, axis=0)
    text = "\n".join((dark_text, light_text) if order[0] is top else (light_text, dark_text))
    img = blur(to_image(noise(rng, arr, 4.0, 2.0)), rng.uniform(0.7, 1.0))
    return Capture(img, text, "JPEG", {"quality": 85})


def two_columns(rng: np.random.Generator, level: float) -> Capture:
    """A page of two text columns photographed at an angle. Held out of tuning: reading order
    must keep each column whole."""
    column_w, h, gap, margin = 640, 1500, 70, 70
    face = pick(rng, ("serif", "sans"))
    size = int(rng.integers(24, 28))
    left, left_text = render(texts.paragraphs(rng, "prose", 3), face, size, column_w, h, margin=0)
    right, right_text = render(texts.paragraphs(rng, "prose", 3), face, size, column_w, h, margin=0)
    mask = np.pad(np.concatenate([left, np.zeros((h, gap), np.float32), right], axis=1), margin)
    page = compose(mask, (238, 236, 230), (28, 28, 32))
    w_page, h_page = mask.shape[1], mask.shape[0]
    angle = rng.choice([-1, 1]) * lerp(1, 5, level)
    scene = place(
        page,
        desk(rng, (h_page + 300, w_page + 300)),
        page_corners(rng, (w_page, h_page), (w_page + 300, h_page + 300), angle, rng.uniform(0.02, 0.05)),
    )
    img = blur(to_image(noise(rng, scene, 3.0, 1.5)), 0.8)
    return Capture(img, f"{left_text}\n{right_text}", "JPEG", {"quality": 88})


CATEGORIES: dict[str, Callable[[np.random.Generator, float], Capture]] = {
    "clean_scan": clean_scan,
    "webcam": webcam,
    "phone_rotated": phone_rotated,
    "shadow": shadow,
    "low_contrast": low_contrast,
    "skew_keystone": skew_keystone,
    "noise_jpeg": noise_jpeg,
    "dark_mode": dark_mode,
    "small_print": small_print,
    "coloured_paper": coloured_paper,
    "thermal_receipt": thermal_receipt,
    "mixed_polarity": mixed_polarity,
    "two_columns": two_columns,
}
# Made after the pipeline was tuned, to check that it holds on kinds of capture it never saw.
HELD_OUT = ("mixed_polarity", "two_columns")
GOLDEN = (math.sqrt(5) - 1) / 2


def generate(
    out_dir: Path, *, seed: int = 1, per_category: int = 4, categories: tuple[str, ...] | None = None
) -> list[dict]:
    """Write per_category images of each category (default: all) plus manifest.json into out_dir;
    return the manifest."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = []
    for name in categories or CATEGORIES:
        key = zlib.crc32(name.encode())
        start = np.random.default_rng([seed, key]).random()
        for i in range(per_category):
            # Golden-ratio steps spread any number of images evenly over the difficulty range,
            # which keeps small per-category means stable; keying by name and index keeps an
            # image the same when other categories or the count change.
            level = (start + i * GOLDEN) % 1.0
            capture = CATEGORIES[name](np.random.default_rng([seed, key, i]), level)
            file = f"{name}_{i:02d}.{capture.suffix}"
            capture.image.save(out_dir / file, capture.format, **capture.options)
            manifest.append({"file": file, "category": name, "text": capture.text})
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return manifest
