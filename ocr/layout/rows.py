"""Reading-order checks on Tesseract's words: does a page read as rows split into columns?"""

from collections import Counter, defaultdict
from dataclasses import dataclass

from ocr.model.result import Word

# A narrow block of short values beside wider text whose lines sit on the same rows: a
# receipt's prices, a list of labels and values. Columns of running text are left alone, even
# narrow ones whose lines happen to share rows with their neighbour: their lines hold sentences.
NARROW_SHARE = 0.5  # the narrow block is at most this share of the width of the text to its left
ALIGNED_SHARE = 0.6  # at least this share of the narrow block's lines sit on rows of that text
MAX_VALUE_WORDS = 3.0  # a block of values averages at most this many words a line
# A page with more than this share of its words on lines of RUNNING_LINE_WORDS or more is
# running text (articles, newsletters, books): its columns are read one after the other.
RUNNING_TEXT_SHARE, RUNNING_LINE_WORDS = 0.6, 6


@dataclass(frozen=True)
class _Block:
    """What the row check needs of a block: its left and right edges and its lines."""

    left: int
    right: int
    lines: tuple[float, ...]  # vertical centres of the block's lines
    line_height: float
    words_per_line: float


def split_rows(words: tuple[Word, ...]) -> bool:
    """True when a narrow block of short values continues lines of the wider text to its left,
    on a page that is not running text."""
    if _running_text_share(words) > RUNNING_TEXT_SHARE:
        return False
    blocks = _blocks(words)
    for narrow in blocks:
        left_of_it = [block for block in blocks if block.right <= narrow.left]
        if left_of_it and _continues(narrow, left_of_it):
            return True
    return False


def _running_text_share(words: tuple[Word, ...]) -> float:
    """The share of the words that sit on lines of running text."""
    lines = Counter((word.block, word.paragraph, word.line) for word in words)
    return sum(count for count in lines.values() if count >= RUNNING_LINE_WORDS) / max(1, len(words))


def _continues(narrow: _Block, left_of_it: list[_Block]) -> bool:
    width = max(b.right for b in left_of_it) - min(b.left for b in left_of_it)
    if (
        len(narrow.lines) < 2
        or narrow.words_per_line > MAX_VALUE_WORDS
        or narrow.right - narrow.left > NARROW_SHARE * width
    ):
        return False
    rows = [(centre, block.line_height) for block in left_of_it for centre in block.lines]
    aligned = sum(
        any(abs(centre - row) <= 0.4 * max(narrow.line_height, height) for row, height in rows)
        for centre in narrow.lines
    )
    return aligned >= ALIGNED_SHARE * len(narrow.lines)


def _blocks(words: tuple[Word, ...]) -> list[_Block]:
    lines: dict[int, dict[tuple[int, int], list[Word]]] = defaultdict(lambda: defaultdict(list))
    for word in words:
        lines[word.block][(word.paragraph, word.line)].append(word)
    boxes = []
    for block_lines in lines.values():
        members = [w for line in block_lines.values() for w in line]
        centres = tuple(sum(w.top + w.height / 2 for w in line) / len(line) for line in block_lines.values())
        heights = sorted(w.height for w in members)
        boxes.append(
            _Block(
                left=min(w.left for w in members),
                right=max(w.left + w.width for w in members),
                lines=centres,
                line_height=heights[len(heights) // 2],
                words_per_line=len(members) / len(block_lines),
            )
        )
    return boxes
