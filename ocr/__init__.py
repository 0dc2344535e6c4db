"""OCR domain: image or document bytes in, OcrResult or a rendered document out. Never imports Flask."""

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from . import imaging, page, pdf, renderings, searchable
from .engines.ppocr import Ppocr
from .errors import OcrError
from .options import OcrOptions
from .pictures import Picture, picture
from .result import OcrResult, PageResult
from .slots import SlotPool

__all__ = ["Limits", "OcrOptions", "OcrResult", "Ppocr", "recognize", "render"]

T = TypeVar("T")


@dataclass(frozen=True)
class Limits:
    """What one request may cost."""

    max_pixels: int
    timeout_s: float
    max_pages: int = 50
    pdf_dpi: int = 300


def recognize(
    data: bytes, options: OcrOptions, *, limits: Limits, slots: SlotPool, ppocr: Ppocr | None = None
) -> OcrResult:
    """Read every page; word boxes come back in each upright original page's pixels. `ppocr`
    is the second engine, None when it is turned off."""
    started = time.perf_counter()
    outcomes = _each_page(
        data,
        limits,
        slots,
        lambda pages, index: page.read_page(pages, index, options, timeout_s=limits.timeout_s, ppocr=ppocr)[0],
    )
    results = tuple(
        outcome if isinstance(outcome, PageResult) else PageResult(number=index + 1, width=0, height=0, error=outcome)
        for index, outcome in enumerate(outcomes)
    )
    total = {"total": round((time.perf_counter() - started) * 1000)}
    timings = {**results[0].timings_ms, **total} if len(results) == 1 else total
    return OcrResult(lang=options.lang, psm=options.tesseract_psm, pages=results, timings_ms=timings)


def render(
    data: bytes, options: OcrOptions, fmt: str, *, limits: Limits, slots: SlotPool, ppocr: Ppocr | None = None
) -> bytes:
    """hOCR, ALTO, TSV or a searchable PDF of every page, made from the reading recognize() gives."""
    # a PDF keeps its own pages, the words laid over them; an image's page is its picture
    pictures = fmt == "pdf" and not imaging.is_pdf(data)

    def read(pages: imaging.Pages, index: int) -> tuple[PageResult, Picture | None]:
        result, decoded = page.read_page(pages, index, options, timeout_s=limits.timeout_s, ppocr=ppocr)
        return result, picture(decoded) if pictures else None

    outcomes = _each_page(data, limits, slots, read)
    failed = next((outcome for outcome in outcomes if isinstance(outcome, OcrError)), None)
    if failed is not None:
        raise failed  # a document with a page missing would mislead: say what went wrong
    results = [result for result, _ in outcomes]
    if fmt != "pdf":
        return renderings.render(results, fmt)
    if pictures:
        return searchable.document(outcomes)
    return pdf.overlay(data, searchable.text_layers(results), [(r.width, r.height) for r in results])


def _each_page(
    data: bytes, limits: Limits, slots: SlotPool, work: Callable[[imaging.Pages, int], T]
) -> list[T | OcrError]:
    """Admit the upload, open its pages and run work(pages, index) for each in an OCR slot,
    pages in parallel up to the bound.

    A single image fails as a whole; in a document, a failed page is returned as its error.
    """
    with (
        slots.admit(),
        imaging.open_pages(
            data, max_pixels=limits.max_pixels, max_pages=limits.max_pages, pdf_dpi=limits.pdf_dpi
        ) as pages,
    ):
        if len(pages) == 1:
            with slots.run():
                return [work(pages, 0)]

        def guarded(index: int) -> T | OcrError:
            try:
                with slots.run():
                    return work(pages, index)
            except OcrError as e:
                return e

        with ThreadPoolExecutor(max_workers=min(len(pages), slots.size)) as pool:
            outcomes = list(pool.map(guarded, range(len(pages))))
    if all(isinstance(outcome, OcrError) for outcome in outcomes):
        raise outcomes[0]
    return outcomes
