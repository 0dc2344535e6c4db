"""Each line's baseline and font sizes, as Tesseract writes them in hOCR, estimated from its words.

We have no glyph outlines, only each word's box and text, so everything here is estimated:
- the baseline is fitted through the bottoms of words with no letter that hangs below it
  (g j p q y, commas, brackets...): its slope robustly (Theil-Sen) where the line has
  enough such words, else the page's median slope; its height by their median bottom;
- the ascender height (x_size - x_descenders) is the median rise above the baseline of words
  with a tall letter (capitals but C O S U V W X Z, digits, b d f h k l), the x-height that of
  words of short letters only (a c e m n o r s u v w x z...), the descender depth how far
  g j p q y words hang below it;
- what a line cannot tell (an all-caps heading has no x-height) comes from the page's other
  lines, as ratios to the ascender height, or failing those from typical fonts' proportions.
Tesseract measures the same things on glyphs; bench/README.md says how close these come.
"""

import statistics
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from ocr.model.result import Word

# Hang well below the baseline in most fonts: a word's bottom is its descenders'.
DEEP = frozenset("gjpqyµþ")
# Hang below it by less, or in some fonts only: such words place the baseline only where no word sits on it.
SHALLOW = frozenset("JQ$(),;/@[]\\_{|}\u0327\u0328")  # the last two: combining cedilla and ogonek
# Reach no higher than the x-height.
SHORT = frozenset("acegmnopqrsuvwxyz.,:;-_")
TALL = frozenset("bdfhkl0123456789")  # and capitals, but those shaped as their small letter, which
CASELESS = frozenset("COSUVWXZ")  # readings confuse: Tesseract read "canvas" as "Canvas"
# Typical fonts' proportions (DejaVu, Liberation) to the ascender height: x-height, and how far
# descenders hang, and brackets, commas, $ and @ (half that: see page_metrics).
X_HEIGHT_RATIO = 0.70
DESCENDER_RATIO = 0.29
SHALLOW_RATIO = 0.18
# The x-height measured on a line is kept within these shares of its ascender height: outside,
# the boxes were not letters' (an x-height at the ascenders' would leave x_ascenders at 0).
X_HEIGHT_BOUNDS = (0.45, 0.9)
# A line's own slope is trusted from this many baseline words spread over this share of its width.
SLOPE_WORDS = 4
SLOPE_SPREAD = 0.3
MAX_SLOPE = 0.2  # about 11 degrees: steeper is a bad fit, not a line


@dataclass(frozen=True)
class LineMetrics:
    """A line's baseline, y = bottom + offset + slope * (x - left) in its box's pixels, and its
    row height (x_size) split as Tesseract splits it."""

    slope: float
    offset: float
    x_size: float
    x_descenders: float
    x_ascenders: float

    def title(self) -> str:
        """The hOCR properties, rounded as Tesseract rounds them."""
        return (
            f"baseline {_number(self.slope, 3)} {_number(self.offset, 3)}; x_size {_number(self.x_size, 2)}; "
            f"x_descenders {_number(self.x_descenders, 2)}; x_ascenders {_number(self.x_ascenders, 2)}"
        )


@dataclass(frozen=True)
class _Lines:
    """Where a line's words put its baseline, descender, ascender and x-height lines (y at its left
    edge, on its slope; None where no word tells), and the top and bottom of its box."""

    left: int
    top: int
    bottom: int
    slope: float
    base: float | None
    deep: float | None
    shallow: float | None
    tall: float | None
    short: float | None


def page_metrics(lines: Sequence[Sequence[Word]]) -> list[LineMetrics]:
    """Each line's metrics (the lines of one page, each of at least one word)."""
    slopes = [_own_slope(line) for line in lines]
    known = [s for s in slopes if s is not None]
    page_slope = statistics.median(known) if known else 0.0
    found = [_lines(line, page_slope if s is None else s) for line, s in zip(lines, slopes, strict=True)]
    # the page's proportions, from lines that show them, for lines that do not: within what
    # fonts have, whatever a few odd boxes say
    x_ratio = min(max(_proportion(found, "short", X_HEIGHT_RATIO), X_HEIGHT_BOUNDS[0]), X_HEIGHT_BOUNDS[1])
    deep_ratio = min(max(_proportion(found, "deep", DESCENDER_RATIO), 0.1), 0.6)
    hang = min(_proportion(found, "shallow", SHALLOW_RATIO), 0.4)
    # half the hang: the lines with no word on the baseline are mostly figures with $ and
    # commas, which hang less than the brackets that weigh on the measure (bench/README.md)
    return [_metrics(f, x_ratio, deep_ratio, hang / 2) for f in found]


def _proportion(found: list[_Lines], edge: str, default: float) -> float:
    """How far one of the lines (x-height, descender...) is from the baseline, to the ascender
    height: the median over the page's lines that show all three."""
    shares = []
    for f in found:
        other = getattr(f, edge)
        if f.base is not None and f.tall is not None and other is not None and f.tall < f.base:
            shares.append(abs(other - f.base) / (f.base - f.tall))
    return statistics.median(shares) if shares else default


def _metrics(f: _Lines, x_ratio: float, deep_ratio: float, hang: float) -> LineMetrics:
    if f.base is not None:
        base = f.base
        tall = base - f.tall if f.tall is not None and f.tall < base else None
        if tall is None:  # no tall letter: from the x-height, the descenders, or the box
            if f.short is not None and f.short < base:
                tall = (base - f.short) / x_ratio
            elif f.deep is not None and f.deep > base:
                tall = (f.deep - base) / deep_ratio
            else:
                tall = base - f.top
    else:  # no word sits on the baseline: up from the descenders, brackets and such, or the box's bottom
        lowest, below = (f.deep, deep_ratio) if f.deep is not None else (f.shallow, hang)
        if lowest is None:
            lowest, below = f.bottom, 0.0
        if f.tall is not None:
            tall = (lowest - f.tall) / (1 + below)
        elif f.short is not None:  # from the x-height line down
            tall = (lowest - f.short) / (x_ratio + below)
        else:
            tall = (lowest - f.top) / (1 + below)
        base = lowest - tall * below
    tall = max(tall, 1.0)
    measured = base - f.short if f.short is not None else 0.0
    short = measured if 0 < measured <= X_HEIGHT_BOUNDS[1] * tall else tall * x_ratio
    deep = f.deep - base if f.deep is not None and f.deep > base else tall * deep_ratio
    return LineMetrics(f.slope, base - f.bottom, tall + deep, deep, tall - short)


def _own_slope(line: Sequence[Word]) -> float | None:
    """Theil-Sen slope through the bottoms of the line's words that sit on the baseline, if they
    are enough (words of other kinds hang by different depths: their pairs slope more)."""
    sitting = [w for w in line if bottom_kind(w.text) == "base"]
    centres = [w.left + w.width / 2 for w in sitting]
    if len(sitting) < SLOPE_WORDS or max(centres) - min(centres) < SLOPE_SPREAD * _width(line):
        return None
    slope = _theil_sen([(x, w.top + w.height) for x, w in zip(centres, sitting, strict=True)])
    # a sloping word is lowest at its downhill end: fit again through those
    return _theil_sen([(w.left + w.width if slope > 0 else w.left, w.top + w.height) for w in sitting])


def _theil_sen(points: list[tuple[float, int]]) -> float:
    """The median slope between two points, within MAX_SLOPE."""
    pairs = [(y2 - y1) / (x2 - x1) for i, (x1, y1) in enumerate(points) for x2, y2 in points[i + 1 :] if x2 != x1]
    return max(-MAX_SLOPE, min(MAX_SLOPE, statistics.median(pairs))) if pairs else 0.0


def _width(line: Sequence[Word]) -> int:
    return max(w.left + w.width for w in line) - min(w.left for w in line)


def _lines(words: Sequence[Word], slope: float) -> _Lines:
    left = min(w.left for w in words)
    downhill = [w.left + w.width if slope > 0 else w.left for w in words]
    uphill = [w.left if slope > 0 else w.left + w.width for w in words]
    centre = [w.left + w.width / 2 for w in words]

    def at_left(xs: Sequence[float], ys: Sequence[int], chosen: Sequence[bool]) -> float | None:
        """The median of the chosen points, each slid along the slope to the left edge."""
        at = [y - slope * (x - left) for x, y, c in zip(xs, ys, chosen, strict=True) if c]
        return statistics.median(at) if at else None

    bottoms, tops = [w.top + w.height for w in words], [w.top for w in words]
    below, above = [bottom_kind(w.text) for w in words], [top_kind(w.text) for w in words]
    # Where a word's edge is on a sloping line: a word sitting on the baseline is lowest at its
    # downhill end, one of short letters highest at its uphill end; a descender or a tall letter
    # may be anywhere in its word, so the middle.
    return _Lines(
        left=left,
        top=min(tops),
        bottom=max(bottoms),
        slope=slope,
        base=at_left(downhill, bottoms, [b == "base" for b in below]),
        deep=at_left(centre, bottoms, [b == "deep" for b in below]),
        shallow=at_left(centre, bottoms, [b == "shallow" for b in below]),
        tall=at_left(centre, tops, [a == "tall" for a in above]),
        short=at_left(uphill, tops, [a == "short" for a in above]),
    )


def bottom_kind(text: str) -> str:
    """Where a word's bottom is: 'deep' (descenders), 'shallow' (brackets, commas...), 'base' (the
    baseline) or '' (cannot tell: no letter or digit)."""
    chars = unicodedata.normalize("NFD", text)
    if any(c in DEEP for c in chars):
        return "deep"
    if not any(c.isalnum() for c in chars):
        return ""
    return "shallow" if any(c in SHALLOW for c in chars) else "base"


def top_kind(text: str) -> str:
    """Where a word's top is: 'tall' (ascenders, capitals), 'short' (the x-height) or '' (cannot tell)."""
    if any(c in TALL or (c.isupper() and c not in CASELESS) for c in text):
        return "tall"
    return "short" if text and all(c in SHORT for c in text) and any(c.isalpha() for c in text) else ""


def _number(value: float, places: int) -> str:
    """A number as C++ streams print Tesseract's: no trailing zeros, no '-0'."""
    text = f"{round(value, places):.{places}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
