"""Limits: what one request may cost."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """What one request may cost."""

    max_pixels: int
    timeout_s: float
    max_pages: int = 50
    pdf_dpi: int = 300
