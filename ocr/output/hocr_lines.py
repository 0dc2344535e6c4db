"""hOCR's lines as its readers take them: words on one baseline, boxes that do not overlap.

hOCR readers (Scribe, hocr-pdf) place every word of a line on the line's one baseline, and
hocr-check fails a page whose line boxes overlap. Our readings break both in two ways:
- a line of the reading can hold words of two rows: PP-OCRv6 reads across a narrow column gap
  into the next column's row, and a table's header cells of two or three rows become one
  Tesseract line. No one baseline fits such a line, so it is split where the words' own
  baselines and ascender lines both jump (merging it with the rows it reaches into would put
  one row's words on another's baseline). Words stay in their order;
- rows set close together, or word boxes swollen by a speck or a rule, make the boxes of right
  rows overlap. A row's box is its words' union clipped to the row's band (its ascender height
  above the baseline, its descender depth below), as Tesseract's own line box leaves out marks
  above and below its row; where two rows' boxes still overlap, they are cut apart between
  the two baselines. Each word keeps its own box.
"""

import dataclasses
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from ocr.model.geometry import Box, union
from ocr.model.result import Word
from ocr.output import baselines
from ocr.output.baselines import LineMetrics

# A word starts a new row when its baseline is this far from the previous word's, in word heights;
# less across a gap wider than a word space could be (between the cells of a table, or columns).
ROW_JUMP = 0.5
ROW_JUMP_ACROSS = 0.2
CELL_GAP = 3
# How far below its bottom a word's baseline is, by what hangs below it, in its own height.
FOOT = {"base": 0.0, "shallow": 0.12, "deep": 0.25}
# How far above its top a word's ascender line is, by how high its letters reach, in its own height.
HEAD = {"tall": 0.0, "short": 0.4}
# A row's band reaches this share of its height past its ascender and descender lines (overshoot, brackets).
BAND_MARGIN = 0.1


@dataclass(frozen=True)
class Row:
    """One hOCR line: its words, its box and its baseline and sizes (relative to that box)."""

    words: tuple[Word, ...]
    box: Box
    metrics: LineMetrics


def page_rows(lines: Sequence[Sequence[Word]]) -> list[list[Row]]:
    """The rows of each line of a page (each line at least one word, in reading order)."""
    split = [_split(line) for line in lines]
    runs = [run for rows in split for run in rows]
    metrics = baselines.page_metrics(runs)
    bands = [_band(run, m) for run, m in zip(runs, metrics, strict=True)]
    boxes = _kept_apart(bands)
    made = iter(
        Row(tuple(run), box, dataclasses.replace(m, offset=band.base_left - box.bottom))
        for run, m, band, box in zip(runs, metrics, bands, boxes, strict=True)
    )
    return [[next(made) for _ in rows] for rows in split]


def _split(line: Sequence[Word]) -> list[list[Word]]:
    """The line cut wherever a word's baseline and ascender line both move, together, from
    those of the word before it. A box swollen by a speck or a rule moves only one edge, and
    words that overlap across (duplicates, swollen boxes) stay together."""
    height = statistics.median(w.height for w in line)
    rows, last = [[line[0]]], line[0]
    for previous, word in pairwise(line):
        across = word.left - (previous.left + previous.width) > CELL_GAP * height  # another cell or column
        jump = (ROW_JUMP_ACROSS if across else ROW_JUMP) * height
        if _moved(last, word, jump) and _side_by_side(previous, word):
            rows.append([word])
        else:
            rows[-1].append(word)
        last = word if _foot(word) is not None else last
    return rows


def _moved(before: Word, after: Word, jump: float) -> bool:
    foot_before, foot_after = _foot(before), _foot(after)
    if foot_before is None or foot_after is None or abs(foot_after - foot_before) <= jump:
        return False
    head_before, head_after = _head(before), _head(after)
    if head_before is None or head_after is None:  # one edge alone may be a swollen box
        return False
    rise = head_after - head_before
    return rise * (foot_after - foot_before) > 0 and abs(rise) > jump / 2


def _side_by_side(a: Word, b: Word) -> bool:
    return b.left >= a.left + a.width or a.left >= b.left + b.width


def _foot(word: Word) -> float | None:
    """Where the word's own baseline is, roughly: None for a word of no letter or digit."""
    below = baselines.bottom_kind(word.text)
    return word.top + word.height * (1 - FOOT[below]) if below else None


def _head(word: Word) -> float | None:
    """Where the word's own ascender line is, roughly: None if its letters cannot tell."""
    above = baselines.top_kind(word.text)
    return word.top - HEAD[above] * word.height if above else None


@dataclass(frozen=True)
class _Band:
    """A row's words' union clipped to its band, its baseline and its x-height."""

    box: Box
    base_left: float  # the baseline's height at the box's left edge
    slope: float
    x_height: float

    def base(self, x: float) -> float:
        return self.base_left + self.slope * (x - self.box.left)


def _band(words: Sequence[Word], metrics: LineMetrics) -> _Band:
    words_box = union(w.box for w in words)
    base_left = words_box.bottom + metrics.offset
    base_right = base_left + metrics.slope * words_box.width
    margin = BAND_MARGIN * metrics.x_size
    top = math.floor(min(base_left, base_right) - (metrics.x_size - metrics.x_descenders) - margin)
    bottom = math.ceil(max(base_left, base_right) + metrics.x_descenders + margin)
    top = min(max(words_box.top, top), words_box.bottom - 1)
    box = Box(words_box.left, top, words_box.right, max(top + 1, min(words_box.bottom, bottom)))
    x_height = metrics.x_size - metrics.x_descenders - metrics.x_ascenders
    return _Band(box, base_left, metrics.slope, x_height)


def _kept_apart(bands: list[_Band]) -> list[Box]:
    """The rows' boxes, cut where one reaches into the box of the row below: halfway, but never
    above the upper row's baseline nor past the middle of the lower row's x-height. Rows too
    close for that (side by side more than one above the other) are left as they are."""
    tops, bottoms = [b.box.top for b in bands], [b.box.bottom for b in bands]
    order = sorted(range(len(bands)), key=lambda k: bands[k].box.top)
    for place, i in enumerate(order):
        for j in order[place + 1 :]:
            if bands[j].box.top >= bottoms[i]:
                break  # nor can any row after it reach it: tops only grow
            left, right = max(bands[i].box.left, bands[j].box.left), min(bands[i].box.right, bands[j].box.right)
            if left >= right or tops[i] >= bottoms[j]:
                continue
            # which is above, and the room between them, over the stretch the two share
            upper, lower = sorted((i, j), key=lambda k: bands[k].base(left) + bands[k].base(right))
            lowest = math.ceil(max(bands[upper].base(left), bands[upper].base(right)))
            highest = math.floor(min(bands[lower].base(left), bands[lower].base(right)) - bands[lower].x_height / 2)
            if lowest > highest:
                continue
            cut = min(max((bottoms[upper] + tops[lower]) // 2, lowest), highest)
            bottoms[upper] = max(tops[upper] + 1, min(bottoms[upper], cut))
            tops[lower] = min(max(tops[lower], cut), bottoms[lower] - 1)
    return [Box(b.box.left, top, b.box.right, bottom) for b, top, bottom in zip(bands, tops, bottoms, strict=True)]
