"""Two engines, one reading: when PP-OCRv6 reads a page beside Tesseract, and which words are kept.

Tesseract reads clean print fast and keeps columns; PP-OCRv6 reads handwriting, faint
receipts and noisy forms far better but takes ten times as long. Every rule here was chosen
on half of ../shared/realscans and of the generated captures and confirmed on the other half
(bench/README.md).
"""

from dataclasses import dataclass, replace

from .. import columns
from ..preprocess import Prepared
from ..result import Word, mean_confidence

# `auto` asks PP-OCRv6 too when Tesseract's reading looks handwritten or its mean confidence
# is under this: clean print reads at 85-96 and never pays for the second engine.
SECOND_ENGINE_BELOW = 85.0
# `best`: a line keeps Tesseract's words when their mean confidence beats PP-OCRv6's (0-100)
# by this margin; PP-OCRv6 is surer of itself than Tesseract on the same print.
TESSERACT_LINE_MARGIN = 0.0
# Tesseract words outside every PP-OCRv6 line are kept when Tesseract was at least this sure.
UNMATCHED_TESSERACT_CONFIDENCE = 80.0


@dataclass(frozen=True)
class Reading:
    """A page's words in the upright original's pixels, the image they were read from, and by whom."""

    prepared: Prepared
    words: tuple[Word, ...]
    engine: str


def wants_second_engine(choice: str, words: tuple[Word, ...], *, handwritten: bool) -> bool:
    """Should PP-OCRv6 read the page Tesseract read as `words`?"""
    if choice in ("ppocr", "best"):
        return True
    if choice != "auto":
        return False
    return handwritten or not words or mean_confidence(words) < SECOND_ENGINE_BELOW


def better(tesseract: Reading, ppocr: Reading, choice: str) -> Reading:
    """`auto`: PP-OCRv6's reading of a page Tesseract doubted, unless it found nothing.
    `best`: the two combined line by line."""
    if choice == "best":
        return combined(tesseract, ppocr)
    return ppocr if ppocr.words or not tesseract.words else tesseract


def combined(tesseract: Reading, ppocr: Reading) -> Reading:
    """Each PP-OCRv6 line, or the Tesseract words inside it when Tesseract was clearly surer of
    them; plus what Tesseract read confidently where PP-OCRv6 found no line; in our reading order."""
    lines = _lines(ppocr.words)
    claimed: set[int] = set()
    segments = []
    for line in lines:
        inside = [i for i, word in enumerate(tesseract.words) if _centre_in(word, line) and i not in claimed]
        claimed.update(inside)
        theirs = tuple(tesseract.words[i] for i in inside)
        if theirs and mean_confidence(theirs) > mean_confidence(line.words) + TESSERACT_LINE_MARGIN:
            segments.append(replace(line, words=tuple(sorted(theirs, key=lambda w: w.left))))
        else:
            segments.append(line)
    segments += [
        _segment((word,))
        for i, word in enumerate(tesseract.words)
        if i not in claimed and word.confidence >= UNMATCHED_TESSERACT_CONFIDENCE
    ]
    words = columns.ordered_words(segments)
    used = {word.engine for word in words}
    engine = "+".join(sorted(used, key=("tesseract", "ppocr").index)) if used else "ppocr"
    return Reading(tesseract.prepared if "tesseract" in used else ppocr.prepared, words, engine)


def _lines(words: tuple[Word, ...]) -> list[columns.Segment]:
    """PP-OCRv6's words, line by line, as segments boxed by their words."""
    lines: dict[tuple[int, int, int], list[Word]] = {}
    for word in words:
        lines.setdefault((word.block, word.paragraph, word.line), []).append(word)
    return [_segment(tuple(members)) for members in lines.values()]


def _segment(words: tuple[Word, ...]) -> columns.Segment:
    return columns.Segment(
        left=min(w.left for w in words),
        top=min(w.top for w in words),
        right=max(w.left + w.width for w in words),
        bottom=max(w.top + w.height for w in words),
        words=words,
    )


def _centre_in(word: Word, line: columns.Segment) -> bool:
    x, y = word.left + word.width / 2, word.top + word.height / 2
    return line.left <= x <= line.right and line.top <= y <= line.bottom
