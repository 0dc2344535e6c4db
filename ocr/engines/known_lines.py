"""Which of the lines PP-OCRv6 found were read already: the one test the child applies before it
recognizes a page's lines, and the server to the lines of a page read ahead (docs/decisions/0030)."""

from collections.abc import Sequence

Bounds = tuple[float, float, float, float]  # left, top, right, bottom, in the page's pixels


def within(line: Bounds, known: Sequence[Bounds]) -> bool:
    """True when the line found lies inside one of the `known` lines' boxes."""
    left, top, right, bottom = line
    return any(
        left >= k_left and right <= k_right and top >= k_top and bottom <= k_bottom
        for k_left, k_top, k_right, k_bottom in known
    )
