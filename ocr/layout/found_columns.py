"""Reading order for lines read on a page whose columns Tesseract's layout analysis found.

The whitespace rules of columns.py read a sidebar of short lines (a table of figures, a list
of names) across the column of running text beside it, as they read a receipt's prices across
its items. Tesseract's layout analysis tells the two apart: where it found blocks of running text
side by side, each line is read in the block it lies in, block by block in Tesseract's order.
"""

import itertools
from dataclasses import replace

from ocr.layout import columns, groups
from ocr.model.geometry import Box, union
from ocr.model.result import Word


def text_columns(words: tuple[Word, ...]) -> list[Box]:
    """The boxes of Tesseract's blocks in its reading order, when two of them holding running
    text sit side by side; else none."""
    blocks = groups.blocks(words)
    text = [block.box for block in blocks if _running_text(block)]
    if any(_side_by_side(a, b) for a, b in itertools.combinations(text, 2)):
        return [block.box for block in blocks]
    return []


def ordered_in(blocks: list[Box], lines: list[tuple[Word, ...]]) -> tuple[Word, ...]:
    """Every word of `lines` (each a line an engine found), read block by block, each block's
    lines ordered as columns.py orders them. A line is read in the block its words lie in, and
    cut where they pass into another (an engine may join the facing lines of two columns).
    Pieces outside every block (what Tesseract did not read) are ordered among themselves, and
    each block of them is read after the text just above it, or first when none is."""
    inside: list[list[tuple[Word, ...]]] = [[] for _ in blocks]
    outside: list[tuple[Word, ...]] = []
    for line in lines:
        for holder, piece in _pieces(blocks, line):
            (outside if holder is None else inside[holder]).append(piece)
    parts = [(box, columns.ordered_words(members)) for box, members in zip(blocks, inside, strict=True) if members]
    for _, run in itertools.groupby(columns.ordered_words(outside), key=lambda word: word.block):
        words = tuple(run)
        box = union(word.box for word in words)
        reach = box.top + words[0].height  # the run's first row, not its whole height
        above = [i for i, (part, _) in enumerate(parts) if part.bottom <= reach and _overlap(part, box)]
        at = max(above, key=lambda i: parts[i][0].bottom) + 1 if above else 0
        parts.insert(at, (box, words))
    return _numbered([words for _, words in parts])


def _pieces(blocks: list[Box], line: tuple[Word, ...]) -> list[tuple[int | None, tuple[Word, ...]]]:
    """The line in runs of words that lie in a common block, each with the first such block
    (None for a run outside every block). Tesseract's blocks may overlap (a logo across a
    column): a word in two is read in the one its neighbours lie in."""
    pieces: list[tuple[set[int], list[Word]]] = []  # the blocks every word of the run lies in, the run
    for word in line:
        holders = _holders(blocks, word)
        common = pieces[-1][0] & holders if pieces else set()
        if common or (pieces and not holders and not pieces[-1][0]):  # one block, or outside them all
            pieces[-1] = (common, [*pieces[-1][1], word])
        else:
            pieces.append((holders, [word]))
    return [(min(holders) if holders else None, tuple(words)) for holders, words in pieces]


def _holders(blocks: list[Box], word: Word) -> set[int]:
    x, y = word.centre
    return {i for i, box in enumerate(blocks) if box.left <= x <= box.right and box.top <= y <= box.bottom}


def _numbered(parts: list[tuple[Word, ...]]) -> tuple[Word, ...]:
    """The parts' words one after the other, their blocks numbered on across the parts."""
    numbered: list[Word] = []
    offset = 0
    for words in parts:
        numbered += [replace(word, block=word.block + offset) for word in words]
        offset = numbered[-1].block
    return tuple(numbered)


def _running_text(block: groups.Block) -> bool:
    lines = [line for paragraph in block.members for line in paragraph.members]
    words = sum(len(line.members) for line in lines)
    return len(lines) >= columns.COLUMN_ROWS and words >= columns.COLUMN_WORDS * len(lines)


def _side_by_side(a: Box, b: Box) -> bool:
    """True when the boxes share rows but no columns: one beside the other."""
    return min(a.bottom, b.bottom) > max(a.top, b.top) and not _overlap(a, b)


def _overlap(a: Box, b: Box) -> bool:
    """True when the boxes share columns."""
    return min(a.right, b.right) > max(a.left, b.left)
