"""PP-OCRv6's reading of a page: its lines put in reading order and its boxes fitted to the ink,
read smaller where the page looks handwritten and also unturned where OSD turned it."""

from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

import numpy as np
from PIL import Image

from ocr.input.images import DecodedImage
from ocr.layout import columns
from ocr.model.geometry import Box
from ocr.model.result import Word
from ocr.preprocess import Prepared, otsu_threshold
from ocr.reading.coordinates import in_original
from ocr.reading.orientation import unturned
from ocr.reading.policy import Reading

# PP-OCRv6 reads a page that looks handwritten at most this many pixels on its long side: its
# detector, trained on smaller pictures, splits large strokes apart (docs/decisions/0015).
HANDWRITING_LONG_SIDE = 1100
# Print is read at the size where the x-height of its smaller text is PPOCR_X_HEIGHT_PX, and its
# lines are found at the size where it is DETECT_X_HEIGHT_PX: the detector's work grows with the
# pixels it sees, and larger letters read no better (docs/decisions/0024); recognition scales
# each line to one height, so its work does not grow with them, and its lines are cut from the
# sharper page (docs/decisions/0029). A page is never shrunk below MIN_LONG_SIDE, where its word
# boxes coarsen.
PPOCR_X_HEIGHT_PX, DETECT_X_HEIGHT_PX, MIN_LONG_SIDE = 14.0, 7.0, 1280
# rapidocr's own bound on the long side it reads a page at.
DEFAULT_LONG_SIDE = 2000


class LineReader(Protocol):
    """PP-OCRv6 (ocr.engines.ppocr.Ppocr), or its reading of a page begun ahead (read_ahead.ReadAhead)."""

    def read_lines(
        self,
        image: Image.Image,
        *,
        timeout_s: float,
        long_side: int | None = None,
        detect_long_side: int | None = None,
        known: Sequence[Box] = (),
    ) -> list[tuple[Word, ...]]: ...


def read_with_ppocr(
    ppocr: LineReader,
    prepared: Prepared,
    decoded: DecodedImage,
    *,
    timeout_s: float,
    handwritten: bool = False,
    known: tuple[Box, ...] = (),
) -> Reading:
    """PP-OCRv6's reading of the page as preprocessed (and turned upright) for Tesseract, which it
    reads better than as uploaded when the page is faint, noisy or low in contrast, leaving out
    the lines it finds inside `known` (boxes on `prepared.image` of lines read already). Where OSD
    turned the page, the page is also read unturned, and the reading with more confident letters
    kept: OSD guesses on handwriting, and PP-OCRv6 reads little upside down."""
    long_side, detect_long_side = long_sides(prepared, handwritten=handwritten)
    readings = [
        (
            page,
            ppocr_words(
                ppocr,
                page.image,
                timeout_s=timeout_s,
                long_side=long_side,
                detect_long_side=detect_long_side,
                known=known if page is prepared else (),  # the boxes are on `prepared` as turned
            ),
        )
        for page in [prepared, unturned(prepared)]
        if page is not None
    ]
    prepared, words = max(readings, key=lambda reading: _confident_letters(reading[1]))
    return Reading(prepared, in_original(words, prepared, decoded.image.size), "ppocr")


def megapixels_read(prepared: Prepared, *, handwritten: bool) -> float:
    """How many megapixels PP-OCRv6's detector will see of the page: its work grows with them."""
    width, height = prepared.image.size
    _, detect_long_side = long_sides(prepared, handwritten=handwritten)
    shrink = min(1.0, (detect_long_side or DEFAULT_LONG_SIDE) / max(width, height))
    return width * height * shrink * shrink / 1e6


def long_sides(prepared: Prepared, *, handwritten: bool) -> tuple[int | None, int | None]:
    """The long sides to recognize and to find the page's lines at; None for as it is."""
    if handwritten:
        return HANDWRITING_LONG_SIDE, HANDWRITING_LONG_SIDE
    return _print_long_side(prepared, PPOCR_X_HEIGHT_PX), _print_long_side(prepared, DETECT_X_HEIGHT_PX)


def _print_long_side(prepared: Prepared, x_height: float) -> int | None:
    """The long side at which the page's smaller print is `x_height` high; None for as it is."""
    measures = prepared.measures
    if measures is None or measures.x_height is None:
        return None
    smallest = min(measures.x_height, measures.small_x_height or measures.x_height)
    long_side = max(prepared.image.size)
    wanted = max(MIN_LONG_SIDE, round(long_side * x_height / smallest))
    return wanted if wanted < long_side else None


def ppocr_words(
    ppocr: LineReader,
    image: Image.Image,
    *,
    timeout_s: float,
    long_side: int | None = None,
    detect_long_side: int | None = None,
    known: tuple[Box, ...] = (),
) -> tuple[Word, ...]:
    """PP-OCRv6's words of `image` in reading order, boxes in its pixels and fitted to the ink;
    the lines it finds inside `known` are left out."""
    lines = ppocr.read_lines(
        image, timeout_s=timeout_s, long_side=long_side, detect_long_side=detect_long_side, known=known
    )
    # ordered on the detector's boxes, the geometry the order was tuned on; then fitted
    words = columns.ordered_words(lines)
    gray = image.convert("L")
    return tuple(_fitted_to_ink(word, gray) for word in words)


def _confident_letters(words: tuple[Word, ...]) -> float:
    """Letters read, each counted by the engine's confidence in its word."""
    return sum(word.confidence * len(word.text) for word in words)


def _fitted_to_ink(word: Word, gray: Image.Image) -> Word:
    """The word's box shrunk to the ink inside it: the detector draws its boxes half a line
    taller than the letters, which a text layer or a highlight would show."""
    crop = gray.crop((word.left, word.top, word.left + word.width, word.top + word.height))
    pixels = np.asarray(crop)
    dark = pixels <= otsu_threshold(crop)
    ink = dark if dark.mean() <= 0.5 else ~dark  # the letters are the minority, whatever their polarity
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if not len(rows):
        return word
    return replace(
        word,
        left=word.left + int(cols[0]),
        top=word.top + int(rows[0]),
        width=int(cols[-1] - cols[0]) + 1,
        height=int(rows[-1] - rows[0]) + 1,
    )
