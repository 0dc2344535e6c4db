"""The speed benchmark's test images, drawn with their text: a webcam frame, an A4 scan, a 12 MP
phone photo and a blurred 12 MP photo of a printed page (bench.live and bench.jobs draw from them too)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from bench import texts

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
IMAGES = ("webcam", "a4_scan", "phone_12mp", "print_photo_blurred")
LABELS = {
    "webcam": "640x480 webcam frame (JPEG)",
    "a4_scan": "A4 300-dpi scan (PNG)",
    "phone_12mp": "12 MP phone photo (JPEG)",
    "print_photo_blurred": "12 MP blurred photo of a printed page (JPEG)",
}


def font(name: str, size: int) -> ImageFont.FreeTypeFont:
    """A DejaVu TrueType face at a pixel size."""
    return ImageFont.truetype(str(FONT_DIR / name), size)


def wrap(text: str, face: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy word wrap of text into lines at most width pixels wide."""
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and face.getlength(candidate) > width:
            lines.append(line)
            candidate = word
        line = candidate
    return [*lines, line] if line else lines


def page_lines(rng: np.random.Generator, face: ImageFont.FreeTypeFont, width: int, count: int) -> list[str]:
    """Exactly count wrapped lines of prose, a blank line between paragraphs."""
    lines: list[str] = []
    while len(lines) < count:
        lines += [*wrap(texts.paragraphs(rng, "prose", 1)[0], face, width), ""]
    return lines[:count]


def draw_page(
    size: tuple[int, int],
    lines: list[str],
    face: ImageFont.FreeTypeFont,
    *,
    margin: int,
    leading: float,
    paper: int = 250,
    ink: int = 25,
) -> Image.Image:
    """A grayscale page with lines of text from the top-left margin."""
    page = Image.new("L", size, paper)
    draw = ImageDraw.Draw(page)
    step = round(face.size * leading)
    for i, line in enumerate(lines):
        draw.text((margin, margin + i * step), line, font=face, fill=ink)
    return page


def photograph(
    page: Image.Image,
    frame: tuple[int, int],
    rng: np.random.Generator,
    *,
    angle: float,
    fill: float,
    light: float,
    noise: float,
    blur: float,
) -> Image.Image:
    """Put a page on a darker desk in an RGB frame, slightly turned, unevenly lit, blurred and noisy."""
    scale = fill * min(frame[0] / page.width, frame[1] / page.height)
    page = page.resize((round(page.width * scale), round(page.height * scale)), Image.LANCZOS)
    mask = Image.new("L", page.size, 255).rotate(angle, resample=Image.BICUBIC, expand=True)
    page = page.rotate(angle, resample=Image.BICUBIC, expand=True)
    desk = Image.new("L", frame, 95)
    desk.paste(page, ((frame[0] - page.width) // 2, (frame[1] - page.height) // 2), mask)
    desk = desk.filter(ImageFilter.GaussianBlur(blur))
    # Light falls off from one corner to the opposite one, as from a desk lamp or window.
    xs = np.linspace(0.0, 1.0, frame[0], dtype=np.float32)
    ys = np.linspace(0.0, 1.0, frame[1], dtype=np.float32)
    shade = 1.0 - light * (xs[None, :] + ys[:, None]) / 2
    gray = np.asarray(desk, dtype=np.float32) * shade
    warm = np.array([1.0, 0.97, 0.90], dtype=np.float32)  # indoor light is yellowish
    rgb = gray[:, :, None] * warm + rng.normal(0.0, noise, (frame[1], frame[0], 3)).astype(np.float32)
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")


def webcam_frame(rng: np.random.Generator) -> tuple[Image.Image, str]:
    """A 640x480 frame of a held-up page with about 8 lines of text, and that text."""
    face = font("DejaVuSans.ttf", 40)
    lines = page_lines(rng, face, 1240, 9)
    page = draw_page((1400, 680), lines, face, margin=80, leading=1.4)
    frame = photograph(page, (640, 480), rng, angle=1.2, fill=0.95, light=0.25, noise=5.0, blur=0.6)
    return frame, "\n".join(lines)


def a4_scan(rng: np.random.Generator) -> tuple[Image.Image, str]:
    """An A4 page at 300 dpi (2480x3508), 1-inch margins, full of 11-point serif text, and that text."""
    face = font("DejaVuSerif.ttf", round(11 / 72 * 300))
    lines = page_lines(rng, face, 2480 - 2 * 300, round((3508 - 2 * 300) / (face.size * 1.25)))
    return draw_page((2480, 3508), lines, face, margin=300, leading=1.25, paper=252, ink=20), "\n".join(lines)


def phone_photo(rng: np.random.Generator) -> tuple[Image.Image, str]:
    """A 4000x3000 photo of a page filling the frame, text large, lit unevenly, and that text."""
    face = font("DejaVuSerif.ttf", 64)
    lines = page_lines(rng, face, 2250, 21)
    page = draw_page((2550, 1900), lines, face, margin=150, leading=1.3)
    photo = photograph(page, (4000, 3000), rng, angle=-0.8, fill=0.92, light=0.35, noise=6.0, blur=1.0)
    return photo, "\n".join(lines)


def print_photo_blurred(rng: np.random.Generator) -> tuple[Image.Image, str]:
    """A 3000x4000 photo of a full page of 52 px serif print on grey paper, out of focus: Tesseract
    reads it well but not surely (mean confidence near 88), the case where a second engine at full
    resolution costs most (issue 25)."""
    face = font("DejaVuSerif.ttf", 52)
    lines = page_lines(rng, face, 2760 - 2 * 160, round((3680 - 2 * 160) / (52 * 1.3)))
    page = draw_page((2760, 3680), lines, face, margin=160, leading=1.3, paper=235)
    photo = photograph(page, (3000, 4000), rng, angle=0.5, fill=0.92, light=0.15, noise=4.0, blur=1.2)
    return photo, "\n".join(lines)


def write_images(folder: Path, seed: int) -> dict[str, tuple[Path, str]]:
    """Generate the three test images into folder; return (path, drawn text) by name."""
    rng = np.random.default_rng(seed)
    makers = {
        "webcam": (webcam_frame, "webcam.jpg", {"quality": 80}),
        "a4_scan": (a4_scan, "a4_scan.png", {}),
        "phone_12mp": (phone_photo, "phone_12mp.jpg", {"quality": 90}),
        "print_photo_blurred": (print_photo_blurred, "print_photo_blurred.jpg", {"quality": 88}),
    }
    written = {}
    for name, (make, filename, save_options) in makers.items():
        image, text = make(rng)
        image.save(folder / filename, **save_options)
        written[name] = (folder / filename, text)
    return written
