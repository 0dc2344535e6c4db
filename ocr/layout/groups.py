"""Words grouped as Tesseract groups them (blocks, paragraphs, lines), each group boxed by its words."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby
from typing import Generic, TypeVar

from ocr.model.geometry import Box, union
from ocr.model.result import Word

M = TypeVar("M", bound="Word | Group")  # what a group holds: words, or groups of the level below


@dataclass(frozen=True)
class Group(Generic[M]):
    """A block, paragraph or line: its number, members (paragraphs, lines, or a line's words) and their union box."""

    number: int
    members: tuple[M, ...]
    box: Box


# the levels, each a group of the one below: typed, so a line's members are known to be words
Line = Group[Word]
Paragraph = Group[Line]
Block = Group[Paragraph]


def blocks(words: Iterable[Word]) -> list[Block]:
    """Blocks of paragraphs of lines of words, in reading order; a group ends where its number changes."""
    return [_group(number, _paragraphs(block)) for number, block in _runs(words, "block")]


def _paragraphs(words: list[Word]) -> list[Paragraph]:
    return [_group(number, _lines(paragraph)) for number, paragraph in _runs(words, "paragraph")]


def _lines(words: list[Word]) -> list[Line]:
    return [_group(number, line) for number, line in _runs(words, "line")]


def _runs(words: Iterable[Word], level: str) -> Iterator[tuple[int, list[Word]]]:
    """Consecutive words with the same block, paragraph or line number, with that number."""
    for number, run in groupby(words, key=lambda word: getattr(word, level)):
        yield number, list(run)


def _group(number: int, members: list[M]) -> Group[M]:
    return Group(number, tuple(members), union(m.box for m in members))
