"""One page: preprocess it, read it with Tesseract, and with PP-OCRv6 where the engine choice asks for it."""

import time
from collections.abc import Iterator
from contextlib import contextmanager

from ocr import preprocess
from ocr.engines import ppocr as ppocr_engine
from ocr.input.images import DecodedImage, Pages
from ocr.model.errors import OcrError
from ocr.model.options import OcrOptions
from ocr.model.result import PageResult, ReadingWarning
from ocr.output.previews import previews
from ocr.preprocess import Prepared
from ocr.reading import policy
from ocr.reading.cautions import (
    reading_warnings,
    second_engine_failed,
    second_engine_skipped,
    second_engine_unavailable,
)
from ocr.reading.engines import Engines
from ocr.reading.handwriting import Letters, looks_handwritten, read_as_handwriting, unread_share
from ocr.reading.policy import Reading
from ocr.reading.ppocr_pass import LineReader, long_sides, megapixels_read, read_with_ppocr
from ocr.reading.read_ahead import ReadAhead
from ocr.reading.tesseract_pass import read_with_tesseract


class _Timings(dict[str, int]):
    """Milliseconds each stage of the page took, in the order they ran; a stage stopped by an
    error counts until it stopped."""

    @contextmanager
    def of(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self[stage] = round((time.perf_counter() - started) * 1000)


def read_page(
    pages: Pages, index: int, options: OcrOptions, *, timeout_s: float, engines: Engines
) -> tuple[PageResult, DecodedImage]:
    """Read page `index` with the engines `options.engine` asks for; word boxes come back in the
    upright original page's pixels. Also returns that upright page, which the searchable PDF shows."""
    timings = _Timings()
    with timings.of("decode"):
        decoded = pages.decode(index)
    with timings.of("preprocess"):
        prepared = preprocess.prepare(decoded.image, options.steps)
    second = engines.ppocr if engines.ppocr is not None and ppocr_engine.reads(options.lang) else None
    notes: tuple[ReadingWarning, ...]  # the engines' own warnings, after those of the reading
    if options.engine == "ppocr" and second is not None:
        with timings.of("ppocr"):
            reading = read_with_ppocr(second, prepared, decoded, timeout_s=timeout_s)
        handwritten, notes = False, ()
    else:
        reading, handwritten, notes = _with_tesseract(
            engines, second, decoded, prepared, options, timeout_s=timeout_s, timings=timings
        )

    size = decoded.image.size
    result = PageResult(
        number=index + 1,
        width=size[0],
        height=size[1],
        words=reading.words,
        engine=reading.engine,
        preprocess=_step_names(decoded, reading.prepared),
        preprocess_params={s.name: s.params for s in reading.prepared.steps if s.params},
        timings_ms=dict(timings),
        previews=previews(decoded.image, reading.prepared.image) if options.previews else None,
        warnings=reading_warnings(reading.words, handwritten=handwritten, engine=reading.engine) + notes,
        dpi=decoded.dpi,
    )
    return result, decoded


def _with_tesseract(
    engines: Engines,
    second: ppocr_engine.Ppocr | None,
    decoded: DecodedImage,
    prepared: Prepared,
    options: OcrOptions,
    *,
    timeout_s: float,
    timings: _Timings,
) -> tuple[Reading, bool, tuple[ReadingWarning, ...]]:
    """Tesseract's reading, and PP-OCRv6's beside it where the engine choice asks for it (`second`
    is None when it is off or cannot read the language). Returns the reading kept, whether the
    page looks handwritten, and notes on a second engine that could not help."""
    with _read_ahead(engines, second, prepared, options, timeout_s=timeout_s, timings=timings) as second_reader:
        with timings.of("ocr"):
            reading = read_with_tesseract(engines.tesseract, decoded, prepared, options, timeout_s=timeout_s)
        letters = _letters_in_original(prepared)
        unread = unread_share(reading.words, letters) if letters is not None else 0.0
        grainy = any(step.name == "denoise" for step in prepared.steps)
        handwritten = letters is not None and looks_handwritten(reading.words, len(letters[0]), unread, grainy=grainy)
        if not policy.wants_second_engine(options.engine, reading.words, handwritten=handwritten, unread=unread):
            return reading, handwritten, ()
        if second_reader is None:
            unreadable = engines.ppocr is not None  # on, but not for this language
            return reading, handwritten, (second_engine_unavailable(options.lang),) if unreadable else ()
        sure = policy.sure_lines(options.engine, reading.words, handwritten=handwritten)
        left_to_tesseract = tuple(word for line in sure for word in line)
        kept = frozenset(left_to_tesseract)
        doubted = tuple(word for word in reading.words if word not in kept)
        seconds = policy.ppocr_seconds(megapixels_read(reading.prepared, handwritten=handwritten), doubted)
        if policy.over_budget(options.engine, seconds):
            return reading, handwritten, (second_engine_skipped(seconds),)
        known = policy.known_boxes(sure, reading.prepared)
        try:
            with timings.of("ppocr"):
                other = read_with_ppocr(
                    second_reader, reading.prepared, decoded, timeout_s=timeout_s, handwritten=handwritten, known=known
                )
        except OcrError as e:  # the first reading still stands: give it, and say why it is alone
            return reading, handwritten, (second_engine_failed(e.message),)
    # lines left to Tesseract count as read surely, as PP-OCRv6 reads print: judged on the
    # doubted lines alone, a printed page would look as unsure as handwriting
    handwritten = read_as_handwriting(reading.words, other.words + left_to_tesseract, unread=unread)
    return policy.better(reading, other), handwritten, ()


@contextmanager
def _read_ahead(
    engines: Engines,
    second: ppocr_engine.Ppocr | None,
    prepared: Prepared,
    options: OcrOptions,
    *,
    timeout_s: float,
    timings: _Timings,
) -> Iterator[LineReader | None]:
    """PP-OCRv6 for the reading that follows Tesseract's (None when it is off or cannot read the
    language), reading the page as print on a spare core meanwhile where the engine choice may ask
    for it after Tesseract and its budget allows a reading of the whole page."""
    whole_page = policy.ppocr_seconds(megapixels_read(prepared, handwritten=False), ())
    if second is None or options.engine not in ("auto", "best") or policy.over_budget(options.engine, whole_page):
        yield second
        return
    long_side, detect_long_side = long_sides(prepared, handwritten=False)
    ahead = ReadAhead(
        second,
        engines.slots,
        prepared.image,
        timeout_s=timeout_s,
        long_side=long_side,
        detect_long_side=detect_long_side,
    )
    try:
        yield ahead
    finally:
        ahead.stop()  # read, or not wanted: either way its core is free again
        if ahead.served_ms is not None:  # "ppocr" is then the wait for it after Tesseract
            timings["ppocr_ahead"] = ahead.served_ms


def _letters_in_original(prepared: Prepared) -> Letters | None:
    """The centres of the letter-like marks the pipeline measured, in the upright original's pixels."""
    if prepared.measures is None or prepared.measures.letters is None:
        return None
    return prepared.transform.inverse().apply(*prepared.measures.letters)


def _step_names(decoded: DecodedImage, prepared: Prepared) -> tuple[str, ...]:
    return (("exif_transpose",) if decoded.transposed else ()) + tuple(step.name for step in prepared.steps)
