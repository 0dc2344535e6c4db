"""The only module that runs Tesseract (through pytesseract): one run per page."""

import functools
import os

import pytesseract
from PIL import Image

from .errors import EngineFailure, OcrTimeout
from .result import Word

# Debian's Tesseract spins one OpenMP thread per core; with several pages or
# requests in flight that oversubscribes the CPU (8x slower measured on 2 cores).
os.environ.setdefault("OMP_THREAD_LIMIT", "1")



def recognize_words(image: Image.Image, *, lang: str, psm: int, timeout_s: float, dpi: int = 300) -> tuple[Word, ...]:
    """Run Tesseract once and return its words, in the pixel space of `image`."""
    _as_netpbm(image)
    config = f"--psm {psm} --dpi {dpi}"
    try:
        data = pytesseract.image_to_data(
            image, lang=lang, config=config, timeout=timeout_s, output_type=pytesseract.Output.DICT
        )
    except (pytesseract.TesseractError, pytesseract.TesseractNotFoundError, OSError) as e:
        raise EngineFailure(f"Tesseract failed: {e}") from e
    except RuntimeError as e:  # pytesseract's way of saying it killed Tesseract on timeout
        raise OcrTimeout(
            f"OCR took longer than {timeout_s:g} s and was stopped; send a smaller or clearer image"
        ) from e
    return tuple(_words(data))


def detect_rotation(image: Image.Image, *, timeout_s: float) -> tuple[int, float] | None:
    """Clockwise turn (0, 90, 180 or 270) that makes the text upright, with Tesseract's OSD
    confidence; None when OSD cannot tell (too little text, or no osd data installed)."""
    if not has_osd():
        return None
    _as_netpbm(image)
    try:
        osd = pytesseract.image_to_osd(image, config="--psm 0", timeout=timeout_s, output_type=pytesseract.Output.DICT)
    except pytesseract.TesseractError:
        return None  # "Too few characters": short text is exactly where OSD guesses badly
    except RuntimeError as e:
        raise OcrTimeout(f"orientation detection took longer than {timeout_s:g} s and was stopped") from e
    return int(osd["rotate"]), float(osd["orientation_conf"])


def _as_netpbm(image: Image.Image) -> None:
    """Have pytesseract hand the image over as uncompressed PBM/PGM/PPM (by mode).

    It is the cheapest file to write and for Tesseract to read: PNG compression of a
    large page costs more than the OCR of a small webcam frame.
    """
    image.format = "PPM"


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
def installed_languages() -> tuple[str, ...]:
    """Recognition languages Tesseract has data for ('osd' is orientation data, not a language)."""
    return tuple(sorted(lang for lang in pytesseract.get_languages() if lang != "osd"))


@functools.cache
def has_osd() -> bool:
    return "osd" in pytesseract.get_languages()


@functools.cache
def tesseract_version() -> str:
    return str(pytesseract.get_tesseract_version())
