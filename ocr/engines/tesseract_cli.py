"""Tesseract as a command: one `tesseract` process per image through pytesseract, the only
pytesseract user. Nothing stays in memory, and a timeout kills the process."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytesseract
from PIL import Image

from ocr.engines.tesseract_data import command_line_version
from ocr.model.errors import EngineFailure, timed_out
from ocr.model.result import Word


class CommandLine:
    """A `tesseract` process per image: nothing stays in memory, and a timeout kills the process."""

    mode = "cli"

    def recognize_words(
        self, image: Image.Image, *, lang: str, psm: int, timeout_s: float, dpi: int | None
    ) -> tuple[Word, ...]:
        with _tesseract_run(image, timeout_s, "OCR"):
            data = pytesseract.image_to_data(
                image, lang=lang, config=_config(psm, dpi), timeout=timeout_s, output_type=pytesseract.Output.DICT
            )
        return tuple(_words(data))

    def detect_rotation(self, image: Image.Image, *, timeout_s: float) -> tuple[int, float] | None:
        try:
            with _tesseract_run(image, timeout_s, "orientation detection"):
                osd = pytesseract.image_to_osd(
                    image, config="--psm 0", timeout=timeout_s, output_type=pytesseract.Output.DICT
                )
        except EngineFailure:
            return None  # "Too few characters": short text is exactly where OSD guesses badly
        return int(osd["rotate"]), float(osd["orientation_conf"])

    def version(self) -> str:
        return command_line_version()


def _config(psm: int, dpi: int | None) -> str:
    """Command-line options: only validated integers (OcrOptions checked psm; dpi is ours).

    Without a known resolution Tesseract estimates one from the text itself; forcing 300
    read small print far worse (docs/decisions/0008), so --dpi is passed only when known.
    """
    return f"--psm {int(psm)}" + (f" --dpi {int(dpi)}" if dpi else "")


@contextmanager
def _tesseract_run(image: Image.Image, timeout_s: float, what: str) -> Iterator[None]:
    """Hand the image over cheaply and translate pytesseract's failures into OcrErrors."""
    # Uncompressed TIFF is the cheapest file to hand over: as quick to write as netpbm, and
    # Leptonica reads it faster than PGM (docs/decisions/0005), while
    # PNG compression of a big page costs more than the OCR of a webcam frame.
    image.format = "TIFF"
    image.info = {}  # hints from the upload (say, fax compression for a 1-bit TIFF) must not reach the encoder
    try:
        yield
    except (pytesseract.TesseractError, pytesseract.TesseractNotFoundError, OSError) as e:
        raise EngineFailure(f"Tesseract failed: {e}") from e
    except RuntimeError as e:  # pytesseract's way of saying it killed Tesseract on timeout
        raise timed_out(what, timeout_s) from e


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
