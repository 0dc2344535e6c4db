"""The array filters: exact, checked against Pillow's and scipy's own implementations."""

import numpy as np
import pytest
from PIL import Image, ImageFilter
from scipy import ndimage

from ocr.preprocess.filters import max_filter, median3, min_filter


@pytest.mark.parametrize("shape", [(1, 1), (2, 7), (57, 83), (120, 64)])
def test_array_filters_match_the_reference_implementations(shape):
    gray = np.random.default_rng(3).integers(0, 256, shape).astype(np.uint8)
    assert np.array_equal(median3(gray), np.asarray(Image.fromarray(gray).filter(ImageFilter.MedianFilter(3))))
    for size in (3, 5, 7):
        assert np.array_equal(min_filter(gray, size), ndimage.grey_erosion(gray, size=size, mode="nearest"))
        assert np.array_equal(max_filter(gray, size), ndimage.grey_dilation(gray, size=size, mode="nearest"))
