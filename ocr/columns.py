"""Reading order for lines found without a layout: columns by whitespace, rows across the page.

PP-OCRv6 finds lines of text but not columns; sorting its lines top to bottom interleaves the
columns of an article. Here the page is split, recursively, where a band of whitespace runs
down a run of lines (a gutter), and each part is read in turn; a gutter between short values
that sit on the rows of the text beside them (a receipt's prices, a form's answers) is not a
column break, so those rows are read across.
"""

from dataclasses import dataclass, replace
from statistics import median

from .reading_order import ALIGNED_SHARE, MAX_VALUE_WORDS
from .result import Word

# A gutter is at least this many median line heights wide; PP-OCRv6's line boxes are about
# 1.5 times the letters' height, and columns of print are set at least an em apart.
GUTTER_HEIGHTS = 0.8
# Rows further apart than this many line heights start a new paragraph.
PARAGRAPH_GAP_HEIGHTS = 0.8
# Columns are read one after the other only when each holds running text: at least
# COLUMN_ROWS rows averaging COLUMN_WORDS words. A form's boxes and labels are read across.
COLUMN_ROWS, COLUMN_WORDS = 3, 4.0
# Two pieces of text are on one row when they share at least this share of the lower one's height.
SAME_ROW_OVERLAP = 0.5


@dataclass(frozen=True)
class Segment:
    """A piece of a line as an engine found it: its box and its words, left to right."""

    left: float
    top: float
    right: float
    bottom: float
    words: tuple[Word, ...]

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2


def ordered_words(segments: list[Segment]) -> tuple[Word, ...]:
    """Every word, numbered by block, paragraph and line in reading order."""
    segments = [segment for segment in segments if segment.words]
    if not segments:
        return ()
    height = median(segment.height for segment in segments)
    words: list[Word] = []
    for block, rows in enumerate(_blocks(segments, height * GUTTER_HEIGHTS), start=1):
        paragraph, previous = 1, None
        for line, row in enumerate(rows, start=1):
            top = min(segment.top for segment in row)
            if previous is not None and top - previous > PARAGRAPH_GAP_HEIGHTS * height:
                paragraph += 1
            previous = max(segment.bottom for segment in row)
            words += [
                replace(word, block=block, paragraph=paragraph, line=line) for segment in row for word in segment.words
            ]
    return tuple(words)


def _blocks(segments: list[Segment], gutter: float) -> list[list[list[Segment]]]:
    """Blocks in reading order, each a list of rows; a row's segments run left to right."""
    blocks = []
    for section in _sections(segments, gutter):
        cut = _column_cut(section, gutter)
        if cut is None:
            blocks.append(_rows(section))
            continue
        left = [segment for segment in section if segment.right <= cut]
        right = [segment for segment in section if segment.right > cut]
        blocks += _blocks(left, gutter) + _blocks(right, gutter)
    return blocks


def _sections(segments: list[Segment], gutter: float) -> list[list[Segment]]:
    """Runs of bands, top to bottom, with the same columns: a band joins the run above it when
    it leaves that run's gutters open, or when neither has a gutter; a title across the
    columns starts a new run."""
    sections: list[list[Segment]] = []
    gutters: list[tuple[float, float]] = []
    for band in _bands(segments):
        gaps = _gaps(band, gutter)
        inner = gaps[1:-1]
        common = _intersect(gutters, gaps, gutter)
        if sections and (common if gutters else not inner):
            sections[-1] += band
            gutters = common
        else:
            sections.append(list(band))
            gutters = inner
    return sections


def _bands(segments: list[Segment]) -> list[list[Segment]]:
    """Split at every height no segment covers, top to bottom."""
    bands: list[list[Segment]] = []
    bottom = None
    for segment in sorted(segments, key=lambda s: s.top):
        if bottom is None or segment.top >= bottom:
            bands.append([])
            bottom = segment.bottom
        bands[-1].append(segment)
        bottom = max(bottom, segment.bottom)
    return bands


def _gaps(band: list[Segment], gutter: float) -> list[tuple[float, float]]:
    """Stretches no segment covers: the open sides left and right of the band's text first and
    last, and between them every gap at least `gutter` wide."""
    gaps, right = [], None
    for segment in sorted(band, key=lambda s: s.left):
        if right is not None and segment.left - right >= gutter:
            gaps.append((right, segment.left))
        right = segment.right if right is None else max(right, segment.right)
    # open-ended: a band with text on one side only leaves the other side free
    return [(-float("inf"), min(s.left for s in band)), *gaps, (max(s.right for s in band), float("inf"))]


def _intersect(
    first: list[tuple[float, float]], second: list[tuple[float, float]], gutter: float
) -> list[tuple[float, float]]:
    common = []
    for a_left, a_right in first:
        for b_left, b_right in second:
            left, right = max(a_left, b_left), min(a_right, b_right)
            if right - left >= gutter:
                common.append((left, right))
    return common


def _column_cut(section: list[Segment], gutter: float) -> float | None:
    """Where the section splits into columns, or None: the widest gutter with text on both
    sides, unless the text on one side is short values on the other side's rows."""
    shared = None
    for band in _bands(section):
        gaps = _gaps(band, gutter)
        shared = gaps if shared is None else _intersect(shared, gaps, gutter)
    left_edge, right_edge = min(s.left for s in section), max(s.right for s in section)
    inner = [(left, right) for left, right in shared or [] if left > left_edge and right < right_edge]
    for left, right in sorted(inner, key=lambda gap: gap[0] - gap[1]):
        cut = (left + right) / 2
        sides = [s for s in section if s.right <= cut], [s for s in section if s.left >= cut]
        if all(_running_text(side) for side in sides) and not _rows_across(*sides):
            return cut
    return None


def _running_text(segments: list[Segment]) -> bool:
    rows = _rows(segments)
    return len(rows) >= COLUMN_ROWS and _words_per_row(segments) >= COLUMN_WORDS


def _rows_across(left: list[Segment], right: list[Segment]) -> bool:
    """True when the side with fewer words a line holds short values that sit on the other side's rows."""
    values, text = sorted((left, right), key=_words_per_row)
    if _words_per_row(values) > MAX_VALUE_WORDS:
        return False
    aligned = sum(any(_same_row(value, other) for other in text) for value in values)
    return aligned >= ALIGNED_SHARE * len(values)


def _words_per_row(segments: list[Segment]) -> float:
    rows = _rows(segments)
    return sum(len(s.words) for row in rows for s in row) / max(1, len(rows))


def _rows(segments: list[Segment]) -> list[list[Segment]]:
    """Segments grouped into rows, top to bottom, each row left to right."""
    rows: list[list[Segment]] = []
    for segment in sorted(segments, key=lambda s: s.middle):
        row = next((row for row in reversed(rows[-3:]) if any(_same_row(segment, s) for s in row)), None)
        if row is None:
            rows.append([segment])
        else:
            row.append(segment)
    return [sorted(row, key=lambda s: s.left) for row in rows]


def _same_row(a: Segment, b: Segment) -> bool:
    overlap = min(a.bottom, b.bottom) - max(a.top, b.top)
    return overlap >= SAME_ROW_OVERLAP * min(a.height, b.height)
