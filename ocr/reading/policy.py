"""Two engines, one reading: when PP-OCRv6 reads a page beside Tesseract, and which words are kept.

Tesseract reads clean print fast and keeps columns; PP-OCRv6 reads handwriting, faint
receipts and noisy forms far better but is far slower (docs/decisions/0013). Every rule here
was chosen on half of ../shared/realscans and of the generated captures and confirmed on the
other half (bench/README.md).
"""

from dataclasses import dataclass
from statistics import median

from ocr.layout import columns, found_columns
from ocr.model.geometry import Box, union
from ocr.model.result import Word, engines_label, mean_confidence
from ocr.preprocess import Prepared

# `auto` asks PP-OCRv6 too when Tesseract's reading looks handwritten, has fewer than
# SECOND_ENGINE_MIN_WORDS words (a faint receipt read as its one bold number), a mean confidence
# under SECOND_ENGINE_BELOW (clean print reads above it; receipts and forms read below it and gain
# most, docs/decisions/0013), left at least UNREAD_ABOVE of the page's letter-like marks unread
# (a table or a column Tesseract dropped), or averages fewer than FORM_WORDS_PER_LINE words a
# line (a form's labels and values, which PP-OCRv6's lines read across, or a line-numbered
# deposition; docs/decisions/0024).
SECOND_ENGINE_BELOW, SECOND_ENGINE_MIN_WORDS, UNREAD_ABOVE, FORM_WORDS_PER_LINE = 88.0, 5, 0.2, 6.0
# `auto` leaves a page to Tesseract, with a warning, where PP-OCRv6 would take more than
# PPOCR_BUDGET_S on the 2-core reference machine: its time grows with the megapixels it sees and
# the letters it reads (fitted on real pages, docs/decisions/0024). Predicted, not timed: the
# same page reads the same however busy the server is. `best` reads whatever it takes.
PPOCR_BUDGET_S, SECONDS_PER_MEGAPIXEL, SECONDS_PER_THOUSAND_LETTERS = 8.0, 0.6, 1.7
# ...and keeps PP-OCRv6's reading of a page of few confident words only when it holds this many
# times the letters: on a sign both read alike, and PP-OCRv6 splits stray letters off short lines.
FEW_WORDS_GAIN = 2.0
# A line keeps Tesseract's words when their mean confidence beats PP-OCRv6's (0-100) by this
# margin; PP-OCRv6 is surer of itself than Tesseract on the same print.
TESSERACT_LINE_MARGIN = 5.0
# Tesseract words outside every PP-OCRv6 line are kept when Tesseract was at least this sure.
UNMATCHED_TESSERACT_CONFIDENCE = 90.0
# `auto` has PP-OCRv6 recognize only the lines Tesseract doubts: a line whose every word Tesseract
# read this surely is left to Tesseract (recognition, line by line, is most of PP-OCRv6's time).
# PP-OCRv6 still looks for lines over the whole page, so what Tesseract dropped is read. A line
# PP-OCRv6 finds counts as Tesseract's when it lies within the Tesseract line grown by
# KNOWN_MARGIN_HEIGHTS of its height on every side: the detector draws its boxes around the ink.
SURE_LINE_CONFIDENCE, KNOWN_MARGIN_HEIGHTS = UNMATCHED_TESSERACT_CONFIDENCE, 0.6


@dataclass(frozen=True)
class Reading:
    """A page's words in the upright original's pixels, the image they were read from, and by whom."""

    prepared: Prepared
    words: tuple[Word, ...]
    engine: str


def wants_second_engine(choice: str, words: tuple[Word, ...], *, handwritten: bool, unread: float) -> bool:
    """Should PP-OCRv6 read the page Tesseract read as `words`, leaving `unread` of its letter-like marks unread?"""
    if choice in ("ppocr", "best"):
        return True
    return choice == "auto" and (
        handwritten
        or mean_confidence(words) < SECOND_ENGINE_BELOW
        or len(words) < SECOND_ENGINE_MIN_WORDS
        or unread >= UNREAD_ABOVE
        or len(words) < FORM_WORDS_PER_LINE * len(_lines(words))
    )


def sure_lines(choice: str, words: tuple[Word, ...], *, handwritten: bool) -> list[tuple[Word, ...]]:
    """Tesseract's lines PP-OCRv6 need not recognize again: under `auto`, on a printed page,
    those Tesseract read surely, along one row. `best` has PP-OCRv6 read everything."""
    if choice != "auto" or handwritten:
        return []
    return [
        line
        for line in _lines(words)
        if min(word.confidence for word in line) >= SURE_LINE_CONFIDENCE and _one_row(line)
    ]


def _one_row(line: tuple[Word, ...]) -> bool:
    """True when the line's words share a band of the page: Tesseract makes one line of a label
    and a value a row above it, whose box would hold a row it never read."""
    return max(word.top for word in line) < min(word.top + word.height for word in line)


def known_boxes(lines: list[tuple[Word, ...]], prepared: Prepared) -> tuple[Box, ...]:
    """Where each of `lines` (in the upright original's pixels) lies on `prepared.image`, with the
    margin PP-OCRv6's detector leaves around a line."""
    size = prepared.image.size
    boxes = []
    for line in lines:
        placed = union(
            Box(left, top, left + width, top + height)
            for left, top, width, height in (
                prepared.transform.map_box(w.left, w.top, w.width, w.height, bounds=size) for w in line
            )
        )
        margin = round(KNOWN_MARGIN_HEIGHTS * max(w.height for w in line) * prepared.transform.scale)
        boxes.append(Box(placed.left - margin, placed.top - margin, placed.right + margin, placed.bottom + margin))
    return tuple(boxes)


def ppocr_seconds(megapixels: float, words: tuple[Word, ...]) -> float:
    """About how long PP-OCRv6 takes to read a page it sees at `megapixels`, recognizing again
    the lines Tesseract read as `words`."""
    return SECONDS_PER_MEGAPIXEL * megapixels + SECONDS_PER_THOUSAND_LETTERS * _letters(words) / 1000


def over_budget(choice: str, seconds: float) -> bool:
    """Would PP-OCRv6's `seconds` on the page take `auto` past its budget? `best` has none."""
    return choice == "auto" and seconds > PPOCR_BUDGET_S


def better(tesseract: Reading, ppocr: Reading) -> Reading:
    """The two readings combined line by line; Tesseract's alone where PP-OCRv6 found nothing,
    or where Tesseract read a few words surely and PP-OCRv6 found no more (a label, a sign)."""
    if not ppocr.words:
        return tesseract
    few_sure = (
        len(tesseract.words) < SECOND_ENGINE_MIN_WORDS and mean_confidence(tesseract.words) >= SECOND_ENGINE_BELOW
    )
    if few_sure and _letters(ppocr.words) < FEW_WORDS_GAIN * _letters(tesseract.words):
        return tesseract
    return combined(tesseract, ppocr)


def _letters(words: tuple[Word, ...]) -> int:
    return sum(len(word.text) for word in words)


def combined(tesseract: Reading, ppocr: Reading) -> Reading:
    """Each PP-OCRv6 line, or the Tesseract words on it when they spell the same letters (Tesseract
    splits words at the page's own gaps) or Tesseract was clearly surer of them; plus what
    Tesseract read confidently where PP-OCRv6 read no line (or left the line to Tesseract), line
    by line as Tesseract read it; in our reading order."""
    claimed: set[int] = set()
    lines = []
    for line in _lines(ppocr.words):
        space = median(w.height for w in line)  # the reach across a space between the line's words
        inside = [i for i, word in enumerate(tesseract.words) if i not in claimed and _lies_on(word, line, space)]
        claimed.update(inside)
        theirs = tuple(sorted((tesseract.words[i] for i in inside), key=lambda w: w.left))
        if theirs and (
            _same_letters(theirs, line) or mean_confidence(theirs) > mean_confidence(line) + TESSERACT_LINE_MARGIN
        ):
            lines.append(theirs)
        else:
            lines.append(line)
    lines += _lines(
        tuple(
            word
            for i, word in enumerate(tesseract.words)
            if i not in claimed and word.confidence >= UNMATCHED_TESSERACT_CONFIDENCE
        )
    )
    # Tesseract's columns where it found running text side by side (an article, a sidebar),
    # else the rows of the whole page (a form, a receipt: docs/decisions/0029)
    blocks = found_columns.text_columns(tesseract.words)
    words = found_columns.ordered_in(blocks, lines) if blocks else columns.ordered_words(lines)
    engine = engines_label(word.engine for word in words) or "ppocr"
    return Reading(tesseract.prepared if "tesseract" in engine else ppocr.prepared, words, engine)


def _same_letters(tesseracts: tuple[Word, ...], ppocrs: tuple[Word, ...]) -> bool:
    """True when both engines read the same letters, whatever the spaces between them."""
    return "".join(w.text for w in tesseracts) == "".join(w.text for w in ppocrs)


def _lines(words: tuple[Word, ...]) -> list[tuple[Word, ...]]:
    """Words line by line, as the engine numbered them."""
    lines: dict[tuple[int, int, int], list[Word]] = {}
    for word in words:
        lines.setdefault((word.block, word.paragraph, word.line), []).append(word)
    return [tuple(members) for members in lines.values()]


def _lies_on(word: Word, line: tuple[Word, ...], space: float) -> bool:
    """True when the word's centre lies on one of the line's words, reaching `space` sideways
    across the gaps between them. Not the line's whole box: a line PP-OCRv6 ordered across two
    rows (a number set above its label) would take in the words of a row it never read."""
    x, y = word.centre
    return any(w.top <= y <= w.top + w.height and w.left - space <= x <= w.left + w.width + space for w in line)
