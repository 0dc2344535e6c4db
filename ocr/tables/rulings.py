"""Ruling lines of a page: long, thin runs of dark pixels across (rows) and down (columns), dotted ones too."""

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

DARKER_THAN_AROUND = 30  # grey levels under the local mean that make a pixel ink
GAP_BRIDGED_PX = 2  # a dotted or broken rule's gaps, at the working scale
ACROSS_MIN_EM = 4.0  # a rule across is longer than the longest word...
DOWN_MIN_EM = 2.0  # ...a rule down longer than any letter's stem
THICKEST_EM = 0.6  # thicker than this is a filled shape, not a rule


@dataclass(frozen=True)
class Rule:
    """A ruling line: `at` is its y (across) or x (down); it runs from `start` to `end` along it."""

    at: float
    start: float
    end: float

    @property
    def length(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Rulings:
    """A page's rules: across (at a y, top to bottom) and down (at an x, left to right)."""

    across: tuple[Rule, ...]
    down: tuple[Rule, ...]


def find_rulings(gray: np.ndarray, *, em: float) -> Rulings:
    """The rules across and down a grey page (uint8, dark ink on light) whose text is `em` pixels high."""
    ink = _ink(gray, window=max(15, round(2 * em) | 1))
    across = _long_runs(ink, round(ACROSS_MIN_EM * em))
    down = _long_runs(ink.T, round(DOWN_MIN_EM * em))  # the page transposed: its columns as rows
    return Rulings(across=_rules(across, em=em), down=_rules(down, em=em))


def _ink(gray: np.ndarray, *, window: int) -> np.ndarray:
    """Pixels clearly darker than their surroundings: ink on paper, shaded or unevenly lit."""
    mean = ndimage.uniform_filter(gray.astype(np.float32), size=window)
    return gray < mean - DARKER_THAN_AROUND


def _long_runs(mask: np.ndarray, length: int) -> np.ndarray:
    """The pixels of runs along each row at least `length` long, gaps of GAP_BRIDGED_PX bridged."""
    bridged = mask.copy()
    for gap in range(1, GAP_BRIDGED_PX + 1):
        # a pixel lies in a gap when ink is near it on both sides
        before = np.zeros_like(mask)
        after = np.zeros_like(mask)
        before[:, gap:] = mask[:, :-gap]
        after[:, :-gap] = mask[:, gap:]
        bridged |= before & after
    width = mask.shape[1]
    if length >= width:
        return np.zeros_like(mask)
    sums = np.cumsum(bridged, axis=1, dtype=np.int32)
    sums = np.concatenate([np.zeros((mask.shape[0], 1), np.int32), sums], axis=1)
    starts = (sums[:, length:] - sums[:, :-length]) == length  # a full window starts here
    # a pixel is on a long run when a full window starting at most length-1 before it covers it
    counts = np.cumsum(starts, axis=1, dtype=np.int32)
    counts = np.concatenate([np.zeros((mask.shape[0], 1), np.int32), counts], axis=1)
    columns = np.arange(width)
    upto = np.minimum(columns + 1, starts.shape[1])
    since = np.maximum(columns - length + 1, 0)
    return (counts[:, upto] - counts[:, since]) > 0


def _rules(runs: np.ndarray, *, em: float) -> tuple[Rule, ...]:
    """Each connected run of `runs` (rows of pixels) thin enough to be a rule."""
    labels, _ = ndimage.label(runs, structure=np.ones((3, 3)))
    found = []
    for rows, columns in ndimage.find_objects(labels):
        if rows.stop - rows.start > max(3.0, THICKEST_EM * em):
            continue
        found.append(Rule(at=(rows.start + rows.stop - 1) / 2, start=columns.start, end=columns.stop))
    return tuple(sorted(found, key=lambda rule: (rule.at, rule.start)))
