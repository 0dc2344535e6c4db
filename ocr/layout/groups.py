"""Words grouped as Tesseract groups them (blocks, paragraphs, lines), each group boxed by its words."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby

from ocr.model.geometry import Box, union
from ocr.model.result import Word


@dataclass(frozen=True)
class Group:
    """A block, paragraph or line: its number, members (paragraphs, lines, or a line's words) and their union box."""

    number: int
    members: "tuple[Group, ...] | tuple[Word, ...]"
    box: Box


def blocks(words: Iterable[Word]) -> list[Group]:
    """Blocks of paragraphs of lines of words, in reading order; a group ends where its number changes."""
    return [_group(number, _paragraphs(block)) for number, block in _runs(words, "block")]


def _paragraphs(words: list[Word]) -> list[Group]:
    return [_group(number, _lines(paragraph)) for number, paragraph in _runs(words, "paragraph")]


def _lines(words: list[Word]) -> list[Group]:
    return [_group(number, line) for number, line in _runs(words, "line")]


def _runs(words: Iterable[Word], level: str) -> Iterator[tuple[int, list[Word]]]:
    """Consecutive words with the same block, paragraph or line number, with that number."""
    for number, run in groupby(words, key=lambda word: getattr(word, level)):
        yield number, list(run)


def _group(number: int, members: list) -> Group:
    return Group(number, tuple(members), union(m.box for m in members))
