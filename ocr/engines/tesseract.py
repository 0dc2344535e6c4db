"""Tesseract behind one interface, run one of two ways (OCR_ENGINE): `api`, warm engines inside
this process through tesserocr (tesseract_api.py), or `cli`, one `tesseract` process per image
(tesseract_cli.py). The app or worker that reads makes its reader with reader()."""

import os
from typing import Protocol

from PIL import Image

from ocr.model.result import Word

MODES = ("api", "cli")
# The warm engine: faster than a process a page, with the same text when tesserocr is built
# against Debian's libtesseract (docs/decisions/0003 and 0004).
DEFAULT_MODE = "api"


class Reader(Protocol):
    """One way of running Tesseract: words with boxes and confidences, OSD, and its version."""

    mode: str

    def recognize_words(
        self, image: Image.Image, *, lang: str, psm: int, timeout_s: float, dpi: int | None
    ) -> tuple[Word, ...]: ...

    def detect_rotation(self, image: Image.Image, *, timeout_s: float) -> tuple[int, float] | None: ...

    def version(self) -> str: ...


def reader(mode: str = DEFAULT_MODE, *, slots: int | None = None) -> Reader:
    """A new reader that runs Tesseract as `mode` says ('api' or 'cli'); `slots` is how many
    pages it may read at once (the api keeps that many engines warm per language set)."""
    if mode not in MODES:
        raise ValueError(f"OCR_ENGINE={mode!r}: use one of {', '.join(MODES)}")
    if mode == "cli":
        from ocr.engines.tesseract_cli import CommandLine

        return CommandLine()
    from ocr.engines.tesseract_api import InProcess  # loads libtesseract: only when it is wanted
    from ocr.engines.tesseract_data import tessdata

    return InProcess(tessdata(), slots=slots or os.cpu_count() or 1)
