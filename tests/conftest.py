"""Shared fixtures: the app, its test client, and images of known text drawn with a TrueType font."""

import io
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from app import create_app

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
SAMPLE_TEXT = "Quick brown foxes jump over 42 lazy dogs"


@pytest.fixture(autouse=True)
def restore_pillow_limit():
    """create_app sets Pillow's process-wide pixel limit; keep one test's limit out of the next."""
    limit = Image.MAX_IMAGE_PIXELS
    yield
    Image.MAX_IMAGE_PIXELS = limit


@pytest.fixture
def app(tmp_path):
    return create_app({"TESTING": True, "SLOT_DIR": str(tmp_path), "TIMEOUT_S": 30})


@pytest.fixture
def client(app):
    return app.test_client()


def draw_text(
    text: str = SAMPLE_TEXT,
    *,
    font_px: int = 36,
    ink: str | tuple = "black",
    paper: str | tuple = "white",
    margin: int = 40,
    mode: str = "RGB",
) -> Image.Image:
    """Render text lines on a page just big enough to hold them."""
    font = ImageFont.truetype(str(FONT), font_px)
    lines = text.split("\n")
    line_height = int(font_px * 1.5)
    width = max(int(font.getlength(line)) for line in lines) + 2 * margin
    image = Image.new(mode, (width, line_height * len(lines) + 2 * margin), paper)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((margin, margin + i * line_height), line, font=font, fill=ink)
    return image


def draw_receipt() -> Image.Image:
    """A receipt: items on the left and their prices far to the right, on the same rows."""
    mono = ImageFont.truetype(str(FONT.with_name("DejaVuSansMono.ttf")), 30)
    rows = [
        ("CORNER CAFE", ""),
        ("Flat white", "3.20"),
        ("Almond croissant", "2.90"),
        ("Orange juice", "3.50"),
        ("Total", "9.60"),
    ]
    receipt = Image.new("L", (900, 80 + 60 * len(rows)), 255)
    draw = ImageDraw.Draw(receipt)
    for row, (item, price) in enumerate(rows):
        draw.text((40, 40 + 60 * row), item, font=mono, fill=0)
        draw.text((760, 40 + 60 * row), price, font=mono, fill=0)
    return receipt


def pixelated_print(text: str = SAMPLE_TEXT) -> Image.Image:
    """Print seen through 8 px cells, an x-height of under three cells: too little is left for sure
    letters. Tesseract still reads eight words, at a mean confidence of 12-36 (sizes 38-42 px, also
    as a JPEG webcam frame), far under the warning's 60. Noise was tried first, but denoising fixes it."""
    page = draw_text(text, font_px=40).convert("L")
    cells = page.resize((page.width // 8, page.height // 8), Image.BOX)
    return cells.resize((cells.width * 8, cells.height * 8), Image.NEAREST)


def encode(image: Image.Image, fmt: str = "PNG", **save_args) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **save_args)
    return buffer.getvalue()


@pytest.fixture
def text_image():
    """Factory: text_image(text, **drawing options) -> PIL image of that text."""
    return draw_text


def words_of(text: str) -> list[str]:
    return text.lower().split()
