"""Reading order for lines found without a layout: columns by whitespace, rows across the page.

PP-OCRv6 finds lines of text but not columns; sorting its lines top to bottom interleaves the
columns of an article. Here the page is split, recursively, where a band of whitespace runs
down a run of lines (a gutter), and each part is read in turn; a gutter between short values
that sit on the rows of the text beside them (a receipt's prices, a form's answers) is not a
column break, so those rows are read across.
"""

import itertools
import math
from dataclasses import dataclass, replace
from statistics import median

from ocr.layout.rows import ALIGNED_SHARE, MAX_VALUE_WORDS
from ocr.model.result import Word

# A gutter is at least this many median line heights wide: PP-OCRv6's line boxes are about
# 1.5 times the letters' height, and columns of print are set about an em apart (chosen on the
# tune half of the real multi-column pages, confirmed on the check half: docs/decisions/0014).
GUTTER_HEIGHTS = 0.7
# A line an engine found is taken apart where its words are this many line heights apart:
# wider than the spaces of justified print, as wide as the gutter between columns.
JOINED_GAP_HEIGHTS = 1.5
# Rows further apart than the block's usual gap plus this many line heights start a new paragraph.
PARAGRAPH_GAP_HEIGHTS = 0.5
# Columns are read one after the other only when each holds running text: at least
# COLUMN_ROWS rows averaging COLUMN_WORDS words. A form's boxes and labels are read across.
COLUMN_ROWS, COLUMN_WORDS = 3, 4.0
# Two pieces of text are on one row when they share at least this share of the lower one's height.
SAME_ROW_OVERLAP = 0.5


@dataclass(frozen=True)
class Segment:
    """A piece of a line an engine found: its box on the page turned level, and its words."""

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


def ordered_words(lines: list[tuple[Word, ...]]) -> tuple[Word, ...]:
    """Every word of `lines` (each a line an engine found, its words left to right), numbered
    by block, paragraph and line in reading order.

    The layout is worked out on the page turned level by the lines' own slope, so the rows of
    a tilted photo stay apart; the words keep their boxes.
    """
    lines = [line for line in lines if line]
    if not lines:
        return ()
    slope = _slope(lines)
    height = median(max(w.height for w in line) for line in lines)
    gutter = height * GUTTER_HEIGHTS
    pieces = [_segment(run, slope) for line in lines for run in _split_at_gaps(line, height * JOINED_GAP_HEIGHTS)]
    words: list[Word] = []
    for block, rows in enumerate(_blocks(pieces, gutter), start=1):
        gaps = [min(s.top for s in row) - max(s.bottom for s in above) for above, row in itertools.pairwise(rows)]
        # a paragraph ends where the space between rows outgrows the block's usual leading
        wide = median(gaps) + PARAGRAPH_GAP_HEIGHTS * height if gaps else 0.0
        paragraph = 1
        for line, row in enumerate(rows, start=1):
            if line > 1 and gaps[line - 2] > wide:
                paragraph += 1
            words += [
                replace(word, block=block, paragraph=paragraph, line=line) for segment in row for word in segment.words
            ]
    return tuple(words)


def _slope(lines: list[tuple[Word, ...]]) -> float:
    """The text's slope in radians (positive: running down to the right), from the long lines."""
    slopes = []
    for line in lines:
        first, last = line[0], line[-1]
        run = (last.left + last.width / 2) - (first.left + first.width / 2)
        if len(line) >= 3 and run > 0:
            rise = (last.top + last.height / 2) - (first.top + first.height / 2)
            slopes.append(math.atan2(rise, run))
    return median(slopes) if slopes else 0.0


def _segment(words: tuple[Word, ...], slope: float) -> Segment:
    """The words' box on the page turned level by `slope`."""
    cos, sin = math.cos(slope), math.sin(slope)
    xs, ys = [], []
    for w in words:
        for x, y in (
            (w.left, w.top),
            (w.left + w.width, w.top),
            (w.left, w.top + w.height),
            (w.left + w.width, w.top + w.height),
        ):
            xs.append(x * cos + y * sin)
            ys.append(y * cos - x * sin)
    return Segment(min(xs), min(ys), max(xs), max(ys), words)


def _split_at_gaps(line: tuple[Word, ...], gap: float) -> list[tuple[Word, ...]]:
    """The line cut where its words leave `gap` between them: an engine may join the facing
    lines of two columns into one."""
    runs: list[list[Word]] = []
    for word in sorted(line, key=lambda w: w.left):
        if runs and word.left - max(w.left + w.width for w in runs[-1]) < gap:
            runs[-1].append(word)
        else:
            runs.append([word])
    return [tuple(run) for run in runs]


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
    """Runs of rows, top to bottom, with the same columns: a row joins the run above it when
    it leaves that run's gutters open, or when neither has a gutter; a title across the
    columns starts a new run."""
    sections: list[list[Segment]] = []
    gutters: list[tuple[float, float]] = []
    for band in _rows(segments):
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
    for band in _rows(section):
        gaps = _gaps(band, gutter)
        shared = gaps if shared is None else _intersect(shared, gaps, gutter)
    left_edge, right_edge = min(s.left for s in section), max(s.right for s in section)
    inner = [(left, right) for left, right in shared or [] if left > left_edge and right < right_edge]
    for left, right in sorted(inner, key=lambda gap: gap[0] - gap[1]):
        cut = (left + right) / 2
        left_rows = _rows([s for s in section if s.right <= cut])
        right_rows = _rows([s for s in section if s.left >= cut])
        # what meets at the gutter decides: a table's next column of figures is no column break
        facing = [row[-1] for row in left_rows], [row[0] for row in right_rows]
        if _running_text(left_rows) and _running_text(right_rows) and not _rows_across(*facing):
            return cut
    return None


def _running_text(rows: list[list[Segment]]) -> bool:
    return len(rows) >= COLUMN_ROWS and _words_per_row(rows) >= COLUMN_WORDS


def _rows_across(left: list[Segment], right: list[Segment]) -> bool:
    """True when the side with fewer words a line holds short values that sit on the other side's rows."""
    (values_per_row, values), (_, text) = sorted(
        ((_words_per_row(_rows(side)), side) for side in (left, right)), key=lambda pair: pair[0]
    )
    if values_per_row > MAX_VALUE_WORDS:
        return False
    aligned = sum(any(_same_row(value, other) for other in text) for value in values)
    return aligned >= ALIGNED_SHARE * len(values)


def _words_per_row(rows: list[list[Segment]]) -> float:
    return sum(len(s.words) for row in rows for s in row) / max(1, len(rows))


def _rows(segments: list[Segment]) -> list[list[Segment]]:
    """Segments grouped into rows, top to bottom, each row left to right. Pieces of one row
    never overlap across the page: overlapping ones are lines above each other whose boxes
    meet (tall handwriting, a line still tilted)."""
    rows: list[list[Segment]] = []
    for segment in sorted(segments, key=lambda s: s.middle):
        row = next(
            (
                row
                for row in reversed(rows[-3:])
                if any(_same_row(segment, s) for s in row) and not any(_side_by_side_overlap(segment, s) for s in row)
            ),
            None,
        )
        if row is None:
            rows.append([segment])
        else:
            row.append(segment)
    return [sorted(row, key=lambda s: s.left) for row in rows]


def _side_by_side_overlap(a: Segment, b: Segment) -> bool:
    return min(a.right, b.right) > max(a.left, b.left)


def _same_row(a: Segment, b: Segment) -> bool:
    overlap = min(a.bottom, b.bottom) - max(a.top, b.top)
    return overlap >= SAME_ROW_OVERLAP * min(a.height, b.height)
