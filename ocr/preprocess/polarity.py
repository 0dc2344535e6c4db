"""Which regions of a page are light text on dark: the measurement that chooses `invert`."""

import numpy as np
from PIL import Image
from scipy import ndimage

from ocr.preprocess.filters import max_filter, min_filter
from ocr.preprocess.measure import otsu_level, quantile, thumbnail

# Polarity is judged per region of like background on a copy this big: regions are found as
# the median over a window of an 8x smaller copy (a few text lines) split at its Otsu level,
# when the dark and light sides differ by at least BACKGROUND_CONTRAST gray levels.
POLARITY_SIDE = 800
BACKGROUND_REDUCE, BACKGROUND_WINDOW = 8, 9
BACKGROUND_CONTRAST = 40
MIN_DETAIL_SHARE = 0.02  # a region decides only with this share of the page's thin detail
LEVEL_SQUARES = np.arange(256, dtype=np.int64) ** 2  # sums of squared detail, from histograms of it
MINORITY_QUANTILE = 0.97  # the level text reaches: it covers more than 3% of a text region


def light_on_dark_regions(image: Image.Image) -> np.ndarray | None:
    """Where text is lighter than its background (a screen, slide or negative), as a boolean
    mask the size of a thumbnail of image; None where nothing is light on dark.

    The thumbnail is split into regions of like background (a dark window, a light band, a
    page on a dark desk). A region holding a real share of the page's detail is light on dark
    when its thin light detail (white top-hat) outweighs its thin dark detail (black top-hat)
    and its level histogram leans the same way: text is the minority, so it lies on the far
    side of the background's level. The gaps between light letters are thin dark detail too,
    which is why the histogram must agree; a page lying on a dark desk stays as it is.
    """
    gray = np.asarray(thumbnail(image, POLARITY_SIDE))
    # the differences are never negative, so they stay in uint8
    light = gray - max_filter(min_filter(gray, 5), 5)
    dark = min_filter(max_filter(gray, 5), 5) - gray
    regions, count = _background_regions(gray)
    light_sum, dark_sum = (_squares_by_region(detail, regions, count) for detail in (light, dark))
    # a region must hold a real share of the page's detail: a specks-only patch decides nothing
    share = light_sum >= MIN_DETAIL_SHARE * (light_sum.sum() + dark_sum.sum())
    candidates = np.arange(1, count + 1)[share & (light_sum > dark_sum)]
    turned = [label for label in candidates if _leans_light(np.bincount(gray[regions == label], minlength=256))]
    if not turned:
        return None
    return np.isin(regions, turned)


def _squares_by_region(detail: np.ndarray, regions: np.ndarray, count: int) -> np.ndarray:
    """The sum of the squared detail in each of regions 1..count, exact: from each region's histogram
    of detail levels, much quicker than summing the squares pixel by pixel."""
    levels = np.bincount((regions.ravel().astype(np.intp) << 8) | detail.ravel(), minlength=(count + 1) * 256)
    return (levels.reshape(count + 1, 256) @ LEVEL_SQUARES)[1:].astype(np.float64)


def _leans_light(counts: np.ndarray) -> bool:
    """True when a region's levels reach further above its background level than below it."""
    low, middle, high = (quantile(counts, share) for share in (1 - MINORITY_QUANTILE, 0.5, MINORITY_QUANTILE))
    return high - middle > middle - low


def _background_regions(gray: np.ndarray) -> tuple[np.ndarray, int]:
    """Label the thumbnail's areas of dark and of light background, split at the Otsu level of
    the background map when the two sides differ clearly; else the whole thumbnail is one.

    The background map is a median over a few text lines of an 8x smaller copy: text is the
    minority of any such window, so the median is the background's level, whatever the polarity.
    """
    height, width = gray.shape
    small = np.asarray(Image.fromarray(gray).reduce(BACKGROUND_REDUCE))
    background = ndimage.median_filter(small, size=BACKGROUND_WINDOW, mode="nearest")
    level = otsu_level(np.bincount(background.ravel(), minlength=256))
    dark_side = background <= level
    if (
        dark_side.all()
        or not dark_side.any()
        or background[~dark_side].mean() - background[dark_side].mean() < BACKGROUND_CONTRAST
    ):
        return np.ones(gray.shape, np.int32), 1
    dark_labels, dark_count = ndimage.label(dark_side)
    light_labels, light_count = ndimage.label(~dark_side)
    labels = np.where(dark_side, dark_labels, light_labels + dark_count).astype(np.int32)
    # back to the thumbnail's size, each small pixel covering its block
    grown = Image.fromarray(labels).resize((width, height), Image.Resampling.NEAREST)
    return np.asarray(grown), dark_count + light_count
