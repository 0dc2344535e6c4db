"""Seeded pages holding one table whose cells are known: ruled or not, amid text or alone, photographed."""

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from bench.captures import EXIF_ORIENTATION, font

ITEMS = (
    "Green tea", "Flat white", "Almond croissant", "Orange juice", "Bagel", "Muffin", "Sparkling water",
    "Hot chocolate", "Lemon cake", "Ham sandwich", "Fruit salad", "Espresso", "Apple pie", "Cheese scone",
)  # fmt: skip
UNITS = ("box", "kg", "each", "pack", "litre", "dozen")
HEADERS = ("Item", "Code", "Unit", "Qty", "Price")
PROSE = (
    "Prices below are valid from the first of the month until further notice.",
    "Orders over fifty pounds are delivered free of charge within the city.",
)
KINDS = ("ruled", "unruled", "amid_text", "shaded", "skewed_photo", "exif_rotated")


@dataclass
class TablePage:
    """A page image, the cells of its table row by row (header first), and how to save it."""

    image: Image.Image
    cells: list[list[str]]
    orientation: int = 1  # EXIF Orientation the saved JPEG carries

    def encoded(self) -> bytes:
        """The page as a file: PNG, or a JPEG stored turned with its EXIF Orientation."""
        out = io.BytesIO()
        if self.orientation == 1:
            self.image.save(out, "PNG")
        else:
            exif = Image.Exif()
            exif[EXIF_ORIENTATION] = self.orientation
            stored = self.image.transpose(Image.Transpose.ROTATE_90)  # Orientation 6 turns it back
            stored.save(out, "JPEG", quality=92, exif=exif)
        return out.getvalue()


def cells(rng: np.random.Generator, rows: int, columns: int) -> list[list[str]]:
    """A price list: a header, then an item, its code, unit, quantity and price per row."""
    makers = (
        lambda: str(rng.choice(ITEMS)),
        lambda: f"{rng.choice(list('ABCK'))}-{rng.integers(100, 999)}",
        lambda: str(rng.choice(UNITS)),
        lambda: str(rng.integers(1, 250)),
        lambda: f"{rng.integers(1, 2000) / 100 * 10:,.2f}",
    )
    picked = sorted(rng.choice(len(HEADERS) - 1, size=columns - 1, replace=False) + 1)
    chosen = [0, *picked]
    return [[HEADERS[c] for c in chosen]] + [[makers[c]() for c in chosen] for _ in range(rows)]


def draw(
    table: list[list[str]], *, ruled: bool, font_px: int = 30, prose: bool = False, shade_header: bool = False
) -> Image.Image:
    """A white page with the table drawn on it: numbers right-aligned, the header bold."""
    body, bold = font("sans", font_px), font("sans-bold", font_px)
    pad, row_h = font_px, int(font_px * (2.0 if ruled else 1.7))
    widths = [max(bold.getlength(row[c]) if i == 0 else body.getlength(row[c]) for i, row in enumerate(table))
              for c in range(len(table[0]))]  # fmt: skip
    widths = [int(w) + 2 * pad for w in widths]
    margin = 80
    above = len(PROSE) * row_h + font_px if prose else 0
    width = max(sum(widths) + 2 * margin, int(body.getlength(PROSE[0])) + 2 * margin if prose else 0)
    height = above * (2 if prose else 1) + row_h * len(table) + 2 * margin
    page = Image.new("L", (width, height), 255)
    pen = ImageDraw.Draw(page)
    top = margin + above
    if prose:
        for i, line in enumerate(PROSE):
            pen.text((margin, margin + i * row_h), line, font=body, fill=20)
            pen.text((margin, top + row_h * len(table) + font_px + i * row_h), line, font=body, fill=20)
    if shade_header:
        pen.rectangle((margin, top, margin + sum(widths), top + row_h), fill=200)
    for r, row in enumerate(table):
        x = margin
        for c, text in enumerate(row):
            face = bold if r == 0 else body
            numeric = text.replace(",", "").replace(".", "").isdigit()
            left = x + widths[c] - pad - face.getlength(text) if numeric else x + pad
            pen.text((left, top + r * row_h + (row_h - font_px) // 2), text, font=face, fill=20)
            x += widths[c]
    if ruled:
        right, bottom = margin + sum(widths), top + row_h * len(table)
        for r in range(len(table) + 1):
            pen.line((margin, top + r * row_h, right, top + r * row_h), fill=0, width=2)
        x = margin
        for w in [0, *widths]:
            x += w
            pen.line((x, top, x, bottom), fill=0, width=2)
    return page.convert("RGB")


def photographed(page: Image.Image, rng: np.random.Generator, *, degrees: float) -> Image.Image:
    """The page photographed: turned a little, lit unevenly from one side, with sensor noise and blur."""
    turned = page.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(235, 235, 235))
    pixels = np.asarray(turned, np.float32)
    h, w = pixels.shape[:2]
    light = np.linspace(1.0, 0.7, w)[None, :, None] * np.linspace(1.0, 0.85, h)[:, None, None]
    lit = pixels * light + rng.normal(0, 6, pixels.shape)
    return Image.fromarray(np.clip(lit, 0, 255).astype(np.uint8)).resize((w * 3 // 4, h * 3 // 4))


def page(kind: str, seed: int) -> TablePage:
    """One generated page of `kind` (see KINDS), the same for the same seed."""
    rng = np.random.default_rng(seed)
    table = cells(rng, rows=int(rng.integers(3, 8)), columns=int(rng.integers(2, 6)))
    if kind == "ruled":
        return TablePage(draw(table, ruled=True), table)
    if kind == "unruled":
        return TablePage(draw(table, ruled=False), table)
    if kind == "amid_text":
        return TablePage(draw(table, ruled=bool(rng.integers(2)), prose=True), table)
    if kind == "shaded":
        return TablePage(draw(table, ruled=True, shade_header=True), table)
    if kind == "skewed_photo":
        drawn = draw(table, ruled=bool(rng.integers(2)), font_px=36)
        return TablePage(photographed(drawn, rng, degrees=float(rng.uniform(-3, 3))), table)
    if kind == "exif_rotated":
        return TablePage(draw(table, ruled=bool(rng.integers(2))), table, orientation=6)
    raise ValueError(kind)
