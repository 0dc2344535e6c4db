"""The engines a reading uses, made and owned by the app or the job worker that reads."""

from dataclasses import dataclass

from ocr.engines.ppocr import Ppocr
from ocr.engines.tesseract import Reader
from ocr.slots import SlotPool


@dataclass(frozen=True)
class Engines:
    """Tesseract, the second engine (None when it is turned off) and the bound on OCR runs at once."""

    tesseract: Reader
    slots: SlotPool
    ppocr: Ppocr | None = None
