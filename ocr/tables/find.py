"""A page's tables: its words and ruling lines in one frame (shrunk, skew undone), grids found, cells filled."""

from collections.abc import Sequence
from statistics import median

import numpy as np
from PIL import Image

from ocr.model.geometry import Affine
from ocr.model.result import Cell, Table, Word
from ocr.tables.grids import Grid, aligned_grids, ruled_grids
from ocr.tables.lines import Placed, inside, text_lines
from ocr.tables.rulings import find_rulings

# text this high in the frame: a rule a pixel thick on the page still darkens its row, and the frame is small
WORKING_EM_PX = 12
MAX_FRAME_PIXELS = 4_000_000  # a page of small print is shrunk below this all the same: memory stays bounded
MIN_SKEW_DEG = 0.1  # a smaller skew moves no rule out of its row of pixels
RULE_MARKS = frozenset("|¦=")  # what Tesseract reads a stretch of ruling line as: no cell's text


def find_tables(image: Image.Image, words: Sequence[Word], *, skew_degrees: float = 0.0) -> tuple[Table, ...]:
    """The tables of the upright page `image` whose words were read, each cell holding the words
    whose centre lies in it. `skew_degrees` is the page's skew (counter-clockwise), undone first."""
    if len(words) < 4:
        return ()
    em = median(word.height for word in words)
    scale = min(1.0, WORKING_EM_PX / max(em, 1), (MAX_FRAME_PIXELS / (image.width * image.height)) ** 0.5)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    frame = Affine.scaling(size[0] / image.width, size[1] / image.height)
    turned = size
    if abs(skew_degrees) >= MIN_SKEW_DEG:
        turned = _turned_size(size, -skew_degrees)
        frame = frame.then(Affine.rotation(-skew_degrees, old_size=size, new_size=turned))
    placed = [_place(index, word, frame) for index, word in enumerate(words)]
    em *= frame.scale
    lines = text_lines(placed)
    if not aligned_grids(lines, em=em):  # the cheap test: a table ruled or not has columns of words
        return ()
    gray = image.convert("L").resize(size, Image.Resampling.BOX)
    if turned != size:
        gray = gray.rotate(-skew_degrees, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=255)
    ruled = ruled_grids(find_rulings(np.asarray(gray), em=em), placed, em=em)
    elsewhere = [word for word in placed if not any(inside([word], *_box(grid)) for grid in ruled)]
    grids = ruled + aligned_grids(text_lines(elsewhere), em=em)
    order = {word.index: number for number, line in enumerate(lines) for word in line.words}
    back = frame.inverse()
    return tuple(
        _table(grid, placed, words, order, back, bounds=image.size)
        for grid in sorted(grids, key=lambda g: (_box(g)[1], _box(g)[0]))
    )


def _turned_size(size: tuple[int, int], degrees: float) -> tuple[int, int]:
    """The canvas PIL's rotate(expand=True) gives."""
    return Image.new("1", size).rotate(degrees, expand=True).size


def _place(index: int, word: Word, frame: Affine) -> Placed:
    xs, ys = frame.apply(
        np.array([word.left, word.left + word.width] * 2, float),
        np.array([word.top] * 2 + [word.top + word.height] * 2, float),
    )
    return Placed(index, float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()))


def _box(grid: Grid) -> tuple[float, float, float, float]:
    return grid.xs[0], grid.ys[0], grid.xs[-1], grid.ys[-1]


def _table(
    grid: Grid,
    placed: Sequence[Placed],
    words: Sequence[Word],
    order: dict[int, int],
    back: Affine,
    *,
    bounds: tuple[int, int],
) -> Table:
    """The table of a grid, its boxes in the page's pixels, each cell's words in reading order."""

    def box(left: float, top: float, right: float, bottom: float) -> tuple[int, int, int, int]:
        """A box of the frame as the page's pixels hold it, kept within the table's."""
        x, y, width, height = back.map_box(
            round(left), round(top), round(right - left), round(bottom - top), bounds=bounds
        )
        x0, y0 = max(x, outer[0]), max(y, outer[1])
        x1, y1 = min(x + width, outer[0] + outer[2]), min(y + height, outer[1] + outer[3])
        return x0, y0, max(0, x1 - x0), max(0, y1 - y0)

    outer = (0, 0, *bounds)  # the table's own box is kept within the page
    outer = box(*_box(grid))
    cells = []
    for r, row in enumerate(grid.cells(placed)):
        for c, found in enumerate(row):
            kept = [w for w in found if not set(words[w.index].text) <= RULE_MARKS]
            ordered = sorted(kept, key=lambda w: (order[w.index], w.left))
            left, top, width, height = box(grid.xs[c], grid.ys[r], grid.xs[c + 1], grid.ys[r + 1])
            text = " ".join(words[w.index].text for w in ordered)
            cells.append(Cell(row=r + 1, column=c + 1, text=text, left=left, top=top, width=width, height=height))
    rows, columns = len(grid.ys) - 1, len(grid.xs) - 1
    return Table(*outer, rows=rows, columns=columns, cells=tuple(cells))
