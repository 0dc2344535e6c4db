"""Geometry in pixels: the one box type, and affine maps between the upright original and the preprocessed image."""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import numpy as np

# apply() maps one point, or many at once as arrays of their xs and ys
Coordinate = TypeVar("Coordinate", float, "np.ndarray")


@dataclass(frozen=True)
class Box:
    """An upright rectangle in pixels; `right` and `bottom` are exclusive."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top


def union(boxes: Iterable[Box]) -> Box:
    """The smallest box holding all of `boxes` (at least one)."""
    boxes = list(boxes)
    return Box(
        min(b.left for b in boxes),
        min(b.top for b in boxes),
        max(b.right for b in boxes),
        max(b.bottom for b in boxes),
    )


@dataclass(frozen=True)
class Affine:
    """x' = a*x + b*y + c ; y' = d*x + e*y + f  (original pixels -> processed pixels)."""

    a: float = 1.0
    b: float = 0.0
    c: float = 0.0
    d: float = 0.0
    e: float = 1.0
    f: float = 0.0

    @classmethod
    def scaling(cls, sx: float, sy: float) -> "Affine":
        return cls(a=sx, e=sy)

    @classmethod
    def translation(cls, dx: float, dy: float) -> "Affine":
        return cls(c=dx, f=dy)

    @classmethod
    def rotation(cls, degrees: float, *, old_size: tuple[int, int], new_size: tuple[int, int]) -> "Affine":
        """Counter-clockwise rotation about the centre, as PIL's rotate(expand=True) does."""
        t = math.radians(degrees)
        cos, sin = math.cos(t), math.sin(t)
        (ow, oh), (nw, nh) = old_size, new_size
        # move old centre to origin, rotate (y grows downwards), move to new centre
        return cls(
            a=cos,
            b=sin,
            c=nw / 2 - cos * ow / 2 - sin * oh / 2,
            d=-sin,
            e=cos,
            f=nh / 2 + sin * ow / 2 - cos * oh / 2,
        )

    def then(self, other: "Affine") -> "Affine":
        """The map that applies self first, then other."""
        return Affine(
            a=other.a * self.a + other.b * self.d,
            b=other.a * self.b + other.b * self.e,
            c=other.a * self.c + other.b * self.f + other.c,
            d=other.d * self.a + other.e * self.d,
            e=other.d * self.b + other.e * self.e,
            f=other.d * self.c + other.e * self.f + other.f,
        )

    @property
    def scale(self) -> float:
        """How much lengths grow under this map (rotation aside)."""
        return abs(self.a * self.e - self.b * self.d) ** 0.5

    def inverse(self) -> "Affine":
        det = self.a * self.e - self.b * self.d
        a, b, d, e = self.e / det, -self.b / det, -self.d / det, self.a / det
        return Affine(a=a, b=b, c=-(a * self.c + b * self.f), d=d, e=e, f=-(d * self.c + e * self.f))

    def apply(self, x: Coordinate, y: Coordinate) -> tuple[Coordinate, Coordinate]:
        return self.a * x + self.b * y + self.c, self.d * x + self.e * y + self.f

    def map_box(
        self, left: int, top: int, width: int, height: int, *, bounds: tuple[int, int]
    ) -> tuple[int, int, int, int]:
        """Bounding box of a mapped rectangle, clipped to bounds (width, height)."""
        corners = [self.apply(x, y) for x in (left, left + width) for y in (top, top + height)]
        xs, ys = [p[0] for p in corners], [p[1] for p in corners]
        x0, y0 = max(0, math.floor(min(xs))), max(0, math.floor(min(ys)))
        x1, y1 = min(bounds[0], math.ceil(max(xs))), min(bounds[1], math.ceil(max(ys)))
        return x0, y0, max(0, x1 - x0), max(0, y1 - y0)
