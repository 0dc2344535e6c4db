"""OCR domain: image or document bytes in, OcrResult or a rendered document out. Never imports Flask."""

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from . import imaging, page, renderings
from .errors import OcrError
from .options import OcrOptions
from .result import OcrResult, PageResult
from .slots import SlotPool

__all__ = ["Limits", "OcrOptions", "OcrResult", "recognize", "render"]

T = TypeVar("T")


@dataclass(frozen=True)
class Limits:
    """What one request may cost."""

    max_pixels: int
    timeout_s: float
    max_pages: int = 50
    pdf_dpi: int = 300


def recognize(data: bytes, options: OcrOptions, *, limits: Limits, slots: SlotPool) -> OcrResult:
    """Read every page; word boxes come back in each upright original page's pixels."""
    started = time.perf_counter()
    with (
        slots.admit(),
        imaging.open_pages(
            data, max_pixels=limits.max_pixels, max_pages=limits.max_pages, pdf_dpi=limits.pdf_dpi
        ) as pages,
    ):
        outcomes = _each_page(
            len(pages), slots, lambda index: page.read_page(pages, index, options, timeout_s=limits.timeout_s)
        )
    results = tuple(
        outcome if isinstance(outcome, PageResult) else PageResult(number=index + 1, width=0, height=0, error=outcome)
        for index, outcome in enumerate(outcomes)
    )
    total = {"total": _ms(started, time.perf_counter())}
    timings = {**results[0].timings_ms, **total} if len(results) == 1 else total
    return OcrResult(lang=options.lang, psm=options.tesseract_psm, pages=results, timings_ms=timings)


def render(data: bytes, options: OcrOptions, fmt: str, *, limits: Limits, slots: SlotPool) -> bytes:
    """Tesseract's own rendering (hocr, tsv, alto, pdf) of every page, merged into one document."""
    with (
        slots.admit(),
        imaging.open_pages(
            data, max_pixels=limits.max_pixels, max_pages=limits.max_pages, pdf_dpi=limits.pdf_dpi
        ) as pages,
    ):
        outcomes = _each_page(
            len(pages), slots, lambda index: page.render_page(pages, index, options, fmt, timeout_s=limits.timeout_s)
        )
    failed = next((outcome for outcome in outcomes if isinstance(outcome, OcrError)), None)
    if failed is not None:
        raise failed  # a document with a page missing would mislead: say what went wrong
    return renderings.merge(fmt, list(outcomes))


def _each_page(count: int, slots: SlotPool, work: Callable[[int], T]) -> list[T | OcrError]:
    """Run work(page index) for every page, each in an OCR slot, pages in parallel up to the bound.

    A single image fails as a whole; in a document, a failed page is returned as its error.
    """
    if count == 1:
        with slots.run():
            return [work(0)]

    def guarded(index: int) -> T | OcrError:
        try:
            with slots.run():
                return work(index)
        except OcrError as e:
            return e

    with ThreadPoolExecutor(max_workers=min(count, slots.size)) as pool:
        outcomes = list(pool.map(guarded, range(count)))
    if all(isinstance(outcome, OcrError) for outcome in outcomes):
        raise outcomes[0]
    return outcomes


def _ms(start: float, end: float) -> int:
    return round((end - start) * 1000)
