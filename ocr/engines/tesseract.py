"""The only module that runs Tesseract (through pytesseract): one run per page."""

import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytesseract
from PIL import Image

from ..errors import EngineFailure, OcrTimeout
from ..result import Word

# Debian's Tesseract spins one OpenMP thread per core; with several pages or
# requests in flight that oversubscribes the CPU (8x slower measured on 2 cores).
os.environ.setdefault("OMP_THREAD_LIMIT", "1")


def recognize_words(
    image: Image.Image, *, lang: str, psm: int, timeout_s: float, dpi: int | None = None
) -> tuple[Word, ...]:
    """Run Tesseract once and return its words, in the pixel space of `image`."""
    with _tesseract_run(image, timeout_s, "OCR"):
        data = pytesseract.image_to_data(
            image, lang=lang, config=_config(psm, dpi), timeout=timeout_s, output_type=pytesseract.Output.DICT
        )
    return tuple(_words(data))


def detect_rotation(image: Image.Image, *, timeout_s: float) -> tuple[int, float] | None:
    """Clockwise turn (0, 90, 180 or 270) that makes the text upright, with Tesseract's OSD
    confidence; None when OSD cannot tell (too little text, or no osd data installed)."""
    if not has_osd():
        return None
    try:
        with _tesseract_run(image, timeout_s, "orientation detection"):
            osd = pytesseract.image_to_osd(
                image, config="--psm 0", timeout=timeout_s, output_type=pytesseract.Output.DICT
            )
    except EngineFailure:
        return None  # "Too few characters": short text is exactly where OSD guesses badly
    return int(osd["rotate"]), float(osd["orientation_conf"])


def _config(psm: int, dpi: int | None) -> str:
    """Command-line options: only validated integers (OcrOptions checked psm; dpi is ours).

    Without a known resolution Tesseract estimates one from the text itself; forcing 300
    measured worse (small print: CER 0.05 -> 0.72), so --dpi is passed only when known.
    """
    return f"--psm {int(psm)}" + (f" --dpi {int(dpi)}" if dpi else "")


@contextmanager
def _tesseract_run(image: Image.Image, timeout_s: float, what: str) -> Iterator[None]:
    """Hand the image over cheaply and translate pytesseract's failures into OcrErrors."""
    # Uncompressed TIFF is the cheapest file to hand over: as quick to write as netpbm, and
    # Leptonica reads it faster (0.11 s less Tesseract CPU on an A4 page than PGM), while
    # PNG compression of a big page costs more than the OCR of a webcam frame.
    image.format = "TIFF"
    image.info = {}  # hints from the upload (say, fax compression for a 1-bit TIFF) must not reach the encoder
    try:
        yield
    except (pytesseract.TesseractError, pytesseract.TesseractNotFoundError, OSError) as e:
        raise EngineFailure(f"Tesseract failed: {e}") from e
    except RuntimeError as e:  # pytesseract's way of saying it killed Tesseract on timeout
        raise OcrTimeout(
            f"{what} took longer than {timeout_s:g} s and was stopped; send a smaller or clearer image"
        ) from e


def _words(data: dict) -> list[Word]:
    words = []
    for i, text in enumerate(data["text"]):
        confidence = float(data["conf"][i])
        if confidence < 0 or not str(text).strip():
            continue  # layout rows (page, block, line) carry conf -1
        words.append(
            Word(
                text=str(text).strip(),
                confidence=round(confidence, 1),
                left=int(data["left"][i]),
                top=int(data["top"][i]),
                width=int(data["width"][i]),
                height=int(data["height"][i]),
                block=int(data["block_num"][i]),
                paragraph=int(data["par_num"][i]),
                line=int(data["line_num"][i]),
            )
        )
    return words


@functools.cache
def traineddata() -> tuple[str, ...]:
    """Every traineddata Tesseract has, read once: `tesseract --list-langs` is a process start."""
    return tuple(sorted(pytesseract.get_languages()))


def installed_languages() -> tuple[str, ...]:
    """Recognition languages Tesseract has data for ('osd' is orientation data, not a language)."""
    return tuple(lang for lang in traineddata() if lang != "osd")


def has_osd() -> bool:
    return "osd" in traineddata()


@functools.cache
def tesseract_version() -> str:
    return str(pytesseract.get_tesseract_version())
