"""A page read with its tables, found among the words its reading kept: a table's text is the page's text."""

import time
from dataclasses import replace

from ocr.input.images import DecodedImage, Pages
from ocr.model.options import OcrOptions
from ocr.model.result import PageResult
from ocr.reading import language
from ocr.reading.engines import Engines
from ocr.tables.find import find_tables


def read_page(
    pages: Pages, index: int, options: OcrOptions, *, timeout_s: float, engines: Engines
) -> tuple[PageResult, DecodedImage]:
    """language.read_page(), and the tables among the words it kept (timed as `tables`)."""
    result, decoded = language.read_page(pages, index, options, timeout_s=timeout_s, engines=engines)
    return with_tables(result, decoded), decoded


def with_tables(result: PageResult, decoded: DecodedImage) -> PageResult:
    """The page's result with its tables; their grids are found on the page with its skew undone."""
    started = time.perf_counter()
    skew = result.preprocess_params.get("deskew", {}).get("angle", 0.0)
    tables = find_tables(decoded.image, result.words, skew_degrees=skew)
    spent = round((time.perf_counter() - started) * 1000)
    return replace(result, tables=tables, timings_ms={**result.timings_ms, "tables": spent})
