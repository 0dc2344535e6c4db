"""Limits: what one request may cost, and the largest page Tesseract can read."""

from dataclasses import dataclass

MAX_SIDE_PX = 32767  # Tesseract (Leptonica) reads at most this many pixels on a side


@dataclass(frozen=True)
class Limits:
    """What one request may cost."""

    max_pixels: int
    timeout_s: float
    max_pages: int = 50
    pdf_dpi: int = 300
