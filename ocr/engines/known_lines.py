"""Which of the lines PP-OCRv6 found were read already: the one test the child applies before it
recognizes a page's lines, and the server to the lines of a page read ahead (docs/decisions/0030)."""

from collections.abc import Iterable, Sequence

from ocr.model.geometry import Box

Bounds = tuple[float, float, float, float]  # left, top, right, bottom, in the page's pixels


def bounds_of(boxes: Iterable[Box]) -> list[Bounds]:
    """The boxes of lines read already as the bounds within() takes (and the child is sent)."""
    return [(box.left, box.top, box.right, box.bottom) for box in boxes]


def quad_bounds(quad: Iterable[Sequence[float]]) -> Bounds:
    """The bounds of a line the detector found, from its four (x, y) corners."""
    xs, ys = zip(*((float(x), float(y)) for x, y in quad), strict=True)
    return min(xs), min(ys), max(xs), max(ys)


def within(line: Bounds, known: Sequence[Bounds]) -> bool:
    """True when the line found lies inside one of the `known` lines' boxes."""
    left, top, right, bottom = line
    return any(
        left >= k_left and right <= k_right and top >= k_top and bottom <= k_bottom
        for k_left, k_top, k_right, k_bottom in known
    )
