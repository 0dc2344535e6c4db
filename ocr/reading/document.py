"""A whole upload read: every page in an OCR slot, pages in parallel, into an OcrResult or a rendered document."""

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from ocr.input import images
from ocr.model.errors import OcrError
from ocr.model.limits import Limits
from ocr.model.options import OcrOptions
from ocr.model.result import OcrResult, PageResult
from ocr.output import pdf_overlay, renderings, searchable
from ocr.output.pictures import Picture, picture
from ocr.reading import language, tables
from ocr.reading.engines import Engines
from ocr.slots import SlotPool

T = TypeVar("T")


def recognize(
    data: bytes,
    options: OcrOptions,
    *,
    limits: Limits,
    engines: Engines,
    on_page: Callable[[PageResult], None] | None = None,
) -> OcrResult:
    """Read every page and find its tables; word boxes come back in each upright original page's
    pixels. `on_page` is told of each page read."""
    started = time.perf_counter()
    outcomes = _each_page(
        data,
        limits,
        engines.slots,
        lambda pages, index: tables.read_page(pages, index, options, timeout_s=limits.timeout_s, engines=engines)[0],
    )
    results = [
        outcome if isinstance(outcome, PageResult) else failed_page(index + 1, outcome)
        for index, outcome in enumerate(outcomes)
    ]
    _tell(on_page, outcomes)
    return assemble(results, options, total_ms=round((time.perf_counter() - started) * 1000))


def failed_page(number: int, error: OcrError) -> PageResult:
    """The entry of a page that could not be read."""
    return PageResult(number=number, width=0, height=0, error=error)


def assemble(results: Sequence[PageResult], options: OcrOptions, *, total_ms: int) -> OcrResult:
    """The document's result from its pages' results, in page order; an error when none was read."""
    read = [result for result in results if result.error is None]
    if not read:
        error = results[0].error
        assert error is not None  # no page was read: each has its error
        raise error
    total = {"total": total_ms}
    timings = {**results[0].timings_ms, **total} if len(results) == 1 else total
    return OcrResult(lang=options.lang, psm=options.tesseract_psm, pages=tuple(results), timings_ms=timings)


def render(
    data: bytes,
    options: OcrOptions,
    fmt: str,
    *,
    limits: Limits,
    engines: Engines,
    on_page: Callable[[PageResult], None] | None = None,
) -> bytes:
    """hOCR, ALTO, TSV, a searchable PDF or a Word document of every page, made from the reading
    recognize() gives."""
    # a PDF keeps its own pages, the words laid over them; an image's page is its picture
    pictures = fmt == "pdf" and not images.is_pdf(data)

    def read(pages: images.Pages, index: int) -> tuple[PageResult, Picture | None]:
        result, decoded = language.read_page(pages, index, options, timeout_s=limits.timeout_s, engines=engines)
        return result, picture(decoded) if pictures else None

    outcomes = _each_page(data, limits, engines.slots, read)
    _tell(on_page, [outcome if isinstance(outcome, OcrError) else outcome[0] for outcome in outcomes])
    failed = next((outcome for outcome in outcomes if isinstance(outcome, OcrError)), None)
    if failed is not None:
        raise failed  # a document with a page missing would mislead: say what went wrong
    read_pages = [outcome for outcome in outcomes if not isinstance(outcome, OcrError)]  # every page: none failed
    results = [result for result, _ in read_pages]
    # with pictures, read() gave each page its picture
    return _document(data, results, fmt, [p for _, p in read_pages if p is not None] if pictures else None)


def render_read(data: bytes, results: Sequence[PageResult], fmt: str, *, limits: Limits) -> bytes:
    """Like render(), from pages read before (by a job): a searchable PDF of an image takes
    its pictures from the upload again."""
    failed = next((result.error for result in results if result.error is not None), None)
    if failed is not None:
        raise failed
    if fmt != "pdf" or images.is_pdf(data):
        return _document(data, results, fmt, None)
    with images.open_pages(
        data, max_pixels=limits.max_pixels, max_pages=limits.max_pages, pdf_dpi=limits.pdf_dpi
    ) as pages:
        pictures = [picture(pages.decode(index)) for index in range(len(pages))]
    return _document(data, results, fmt, pictures)


def _document(data: bytes, results: Sequence[PageResult], fmt: str, pictures: Sequence[Picture] | None) -> bytes:
    if fmt != "pdf":
        return renderings.render(list(results), fmt)
    if pictures is not None:
        return searchable.document(list(zip(results, pictures, strict=True)))
    return pdf_overlay.overlay(data, searchable.text_layers(results), [(r.width, r.height) for r in results])


def _tell(on_page: Callable[[PageResult], None] | None, outcomes: Sequence[PageResult | OcrError]) -> None:
    """Tell on_page of each page that was read (a failed page is left out)."""
    if on_page is not None:
        for outcome in outcomes:
            if isinstance(outcome, PageResult):
                on_page(outcome)


def _each_page(
    data: bytes, limits: Limits, slots: SlotPool, work: Callable[[images.Pages, int], T]
) -> list[T | OcrError]:
    """Admit the upload, open its pages and run work(pages, index) for each in an OCR slot,
    pages in parallel up to the bound.

    A single image fails as a whole; in a document, a failed page is returned as its error.
    """
    with (
        slots.admit(),
        images.open_pages(
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
    return outcomes
