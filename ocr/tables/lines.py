"""Words as a table sees them: boxes in the table frame, gathered into text lines and split at wide gaps."""

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

SAME_LINE_OVERLAP = 0.5  # share of the shorter word's height two words of a line overlap by


@dataclass(frozen=True)
class Placed:
    """A word of the page (`index` into its words) and its box in the table frame."""

    index: int
    left: float
    top: float
    right: float
    bottom: float

    @property
    def centre(self) -> tuple[float, float]:
        return (self.left + self.right) / 2, (self.top + self.bottom) / 2

    @property
    def height(self) -> float:
        return self.bottom - self.top


@dataclass
class TextLine:
    """Words side by side on one line of the page, left to right."""

    words: list[Placed] = field(default_factory=list)

    @property
    def top(self) -> float:
        return min(word.top for word in self.words)

    @property
    def bottom(self) -> float:
        return max(word.bottom for word in self.words)

    def add(self, word: Placed) -> None:
        self.words.append(word)
        self.words.sort(key=lambda each: each.left)

    def overlaps(self, word: Placed) -> bool:
        shared = min(self.bottom, word.bottom) - max(self.top, word.top)
        return shared >= SAME_LINE_OVERLAP * min(word.height, self.bottom - self.top)

    def segments(self, *, gap: float) -> list[list[Placed]]:
        """The line cut where words stand more than `gap` apart: the cells it may span."""
        parts = [[self.words[0]]]
        for before, word in itertools.pairwise(self.words):
            if word.left - before.right > gap:
                parts.append([])
            parts[-1].append(word)
        return parts


def text_lines(words: Iterable[Placed]) -> list[TextLine]:
    """The words gathered into lines by their vertical overlap, top to bottom."""
    lines: list[TextLine] = []
    for word in sorted(words, key=lambda each: each.top):
        # only lines still open at this height can take the word
        home = next((line for line in reversed(lines[-8:]) if line.overlaps(word)), None)
        if home is None:
            lines.append(TextLine([word]))
        else:
            home.add(word)
    return sorted(lines, key=lambda line: (line.top + line.bottom) / 2)


def inside(words: Sequence[Placed], left: float, top: float, right: float, bottom: float) -> list[Placed]:
    """The words whose centre lies in the box."""
    return [w for w in words if left <= w.centre[0] < right and top <= w.centre[1] < bottom]
