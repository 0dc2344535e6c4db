"""Grids of cells: from frames of ruling lines, and from text lines whose words stand in aligned columns."""

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ocr.tables.lines import Placed, TextLine, inside, text_lines
from ocr.tables.rulings import Rule, Rulings

COLUMN_GAP_EM = 1.2  # words further apart than this may stand in two columns; a space between words is less
LINE_GAP_EM = 2.0  # a blank this high between lines ends a table without rules
MIN_ALIGNED_ROWS = 3  # two lines with wide gaps are as often a form's fields as a table
MAX_WORDS_PER_CELL = 4.0  # on average: columns of running text hold more
PROSE_WORDS_PER_CELL = 6.0  # a column at a table's side holding more is the page's text beside it
MIN_FILLED = 0.5  # share of a table's cells that hold words
SPANNING = 0.5  # a rule this long (share of its frame) divides the whole frame
TOUCH_EM = 0.5  # rules this close meet
RULED_ROWS = 0.5  # rules divide the rows when they part at least this share of the text lines


@dataclass(frozen=True)
class Grid:
    """Edges of the columns (left to right) and rows (top to bottom), in the table frame."""

    xs: tuple[float, ...]
    ys: tuple[float, ...]
    gap: float | None = None  # without rules: words closer than this on a line share a cell

    def cells(self, words: Sequence[Placed]) -> list[list[list[Placed]]]:
        """The words in each cell, a list of cells per row; words outside the grid are left out.
        A word goes where its centre is; without rules, a run of close words (a section's label
        running over the next column) goes whole where its first word is."""
        found: list[list[list[Placed]]] = [[[] for _ in self.xs[1:]] for _ in self.ys[1:]]
        if self.gap is None:
            runs = [[word] for word in words]
        else:
            runs = [part for line in text_lines(words) for part in line.segments(gap=self.gap)]
        for run in runs:
            x, y = run[0].centre
            column = int(np.searchsorted(self.xs, x, side="right")) - 1
            row = int(np.searchsorted(self.ys, y, side="right")) - 1
            if 0 <= row < len(found) and 0 <= column < len(found[0]):
                found[row][column].extend(run)
        return found


def ruled_grids(rulings: Rulings, words: Sequence[Placed], *, em: float) -> list[Grid]:
    """A grid for each frame of rules that meet (two across and two down at least) and holds a table."""
    grids = []
    for across, down in _frames(rulings, em=em):
        left, top = min(r.start for r in across), min(r.at for r in across)
        right, bottom = max(r.end for r in across), max(r.at for r in across)
        box = (left, top, right, bottom)
        if right - left < 4 * em or bottom - top < 1.5 * em:
            continue
        grid = _ruled_grid(box, across, down, inside(words, *box), em=em)
        if grid is not None:
            grids.append(grid)
    return grids


def aligned_grids(lines: Sequence[TextLine], *, em: float) -> list[Grid]:
    """A grid for each run of consecutive lines whose words stand in the same columns, wide gaps between."""
    grids = []
    for run in _runs(lines, em=em):
        words = [word for line in run for word in line.words]
        left, right = min(w.left for w in words), max(w.right for w in words)
        # a section's label on a line of its own may run over the columns beside it
        cut = [word for line in run if len(line.segments(gap=COLUMN_GAP_EM * em)) > 1 for word in line.words]
        xs = (left, *column_edges(cut, left, right, em=em, tolerance=len(run) // 10), right + 1)
        grid = _without_prose_beside(Grid(xs, _line_edges(run), gap=COLUMN_GAP_EM * em), run, rows_of_lines=True)
        if grid is not None and _looks_tabular(grid.cells(words)):
            grids.append(grid)
    return grids


def _without_prose_beside(grid: Grid, run: Sequence[TextLine], *, rows_of_lines: bool) -> Grid | None:
    """The grid less a column of running text at its side (a table beside a page's other
    column shares its lines), its rows those of the lines left when they are rows of lines;
    None when fewer than two columns are left."""
    xs = list(grid.xs)
    words = [word for line in run for word in line.words]
    while len(xs) > 2:
        cells = Grid(tuple(xs), grid.ys, grid.gap).cells(words)
        wordy = [edge for edge in (0, -1) if _words_per_cell([row[edge] for row in cells]) > PROSE_WORDS_PER_CELL]
        if not wordy:
            break
        del xs[wordy[0]]  # its inner edge now bounds the table
    if len(xs) < 3:
        return None
    if xs == list(grid.xs) or not rows_of_lines:
        return Grid(tuple(xs), grid.ys, grid.gap)
    kept = [line for line in run if any(xs[0] <= w.centre[0] < xs[-1] for w in line.words)]
    return Grid(tuple(xs), _line_edges(kept), grid.gap)


def _words_per_cell(cells: Sequence[list[Placed]]) -> float:
    filled = [cell for cell in cells if cell]
    return sum(map(len, filled)) / len(filled) if filled else 0.0


def column_edges(words: Sequence[Placed], left: float, right: float, *, em: float, tolerance: int) -> list[float]:
    """The middle of each gap wider than COLUMN_GAP_EM between `left` and `right` that at most
    `tolerance` words cross: a header or a long label may straddle a column's edge."""
    start = int(left)
    covered = np.zeros(int(right) - start + 2, np.int32)
    for word in words:
        covered[max(0, int(word.left) - start) : max(0, int(word.right) - start + 1)] += 1  # a word may jut out
    free = np.concatenate([[False], covered <= tolerance, [False]])
    changes = np.flatnonzero(np.diff(free.astype(np.int8)))
    gaps = zip(changes[::2], changes[1::2], strict=True)
    return [start + (a + b) / 2 for a, b in gaps if b - a > COLUMN_GAP_EM * em and a > 0 and b < len(covered)]


def _frames(rulings: Rulings, *, em: float) -> list[tuple[list[Rule], list[Rule]]]:
    """The rules gathered into frames: sets of rules across and down that meet each other."""
    rules = [*rulings.across, *rulings.down]
    parent = list(range(len(rules)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    reach = TOUCH_EM * em
    for i, a in enumerate(rulings.across):
        for j, d in enumerate(rulings.down, start=len(rulings.across)):
            if d.start - reach <= a.at <= d.end + reach and a.start - reach <= d.at <= a.end + reach:
                parent[root(i)] = root(j)
    groups: dict[int, tuple[list[Rule], list[Rule]]] = {}
    for i, rule in enumerate(rules):
        group = groups.setdefault(root(i), ([], []))
        group[0 if i < len(rulings.across) else 1].append(rule)
    return [(across, down) for across, down in groups.values() if len(across) >= 2 and len(down) >= 2]


def _ruled_grid(
    box: tuple[float, float, float, float], across: list[Rule], down: list[Rule], words: list[Placed], *, em: float
) -> Grid | None:
    """The grid of a frame: its spanning rules, and the text's lines and gaps where rules are missing."""
    left, top, right, bottom = box
    lines = text_lines(words)
    if not lines:
        return None
    row_rules = _interior([r.at for r in across if r.length >= SPANNING * (right - left)], top, bottom, em=em)
    column_rules = _interior([r.at for r in down if r.length >= SPANNING * (bottom - top)], left, right, em=em)
    ys = (top, *row_rules, bottom)
    parted = sum(any(a <= (line.top + line.bottom) / 2 < b for line in lines) for a, b in itertools.pairwise(ys))
    ruled_rows = bool(row_rules) and parted >= RULED_ROWS * len(lines)
    if not ruled_rows:
        ys = (top, *_line_edges(lines)[1:-1], bottom)
    fully_ruled = ruled_rows and bool(column_rules)
    if fully_ruled:
        xs = (left, *column_rules, right)
    else:  # rules where there are, the text's gaps elsewhere
        gaps = column_edges(words, left, right, em=em, tolerance=len(lines) // 10)
        apart = [x for x in gaps if all(abs(x - rule) > COLUMN_GAP_EM * em for rule in column_rules)]
        xs = (left, *sorted([*column_rules, *apart]), right)
    if len(xs) < 3 or len(ys) < 3:
        return None
    if fully_ruled:
        return Grid(xs, ys)
    return _without_prose_beside(Grid(xs, ys), lines, rows_of_lines=not ruled_rows)


def _interior(positions: list[float], low: float, high: float, *, em: float) -> list[float]:
    """Rules inside (not on) a frame's edges, rules closer than half a line taken as one."""
    kept: list[float] = []
    for at in sorted(positions):
        if low + em / 2 < at < high - em / 2 and (not kept or at - kept[-1] > em / 2):
            kept.append(at)
    return kept


def _line_edges(lines: Sequence[TextLine]) -> tuple[float, ...]:
    """Row edges between text lines: halfway between one line's bottom and the next one's top."""
    middles = [(a.bottom + b.top) / 2 for a, b in itertools.pairwise(lines)]
    return (lines[0].top, *middles, lines[-1].bottom + 1)


def _runs(lines: Sequence[TextLine], *, em: float) -> list[list[TextLine]]:
    """Runs of close lines cut by wide gaps; a lone line inside one (a section's label) stays in it."""
    cut = [len(line.segments(gap=COLUMN_GAP_EM * em)) > 1 for line in lines]
    runs: list[list[TextLine]] = []
    current: list[TextLine] = []
    for i, line in enumerate(lines):
        near = bool(current) and line.top - current[-1].bottom <= LINE_GAP_EM * em
        label = near and i + 1 < len(lines) and cut[i + 1] and cut[i - 1]
        if cut[i] or label:
            if not near:
                runs.append(current)
                current = []
            current.append(line)
        else:
            runs.append(current)
            current = []
    runs.append(current)
    return [run for run in runs if len(run) >= MIN_ALIGNED_ROWS]


def _looks_tabular(cells: list[list[list[Placed]]]) -> bool:
    """Short cells, mostly filled, each column holding words on two rows at least: not running text."""
    filled = [cell for row in cells for cell in row if cell]
    total = sum(len(row) for row in cells)
    if not filled or len(filled) < MIN_FILLED * total:
        return False
    if sum(len(cell) for cell in filled) / len(filled) > MAX_WORDS_PER_CELL:
        return False
    return all(sum(bool(row[c]) for row in cells) >= 2 for c in range(len(cells[0])))
