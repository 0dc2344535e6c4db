"""Affine maps used to bring word boxes back to the original image."""

import pytest
from PIL import Image

from ocr.model.geometry import Affine


def test_scaling_round_trip():
    forward = Affine.scaling(2.0, 2.0)
    assert forward.inverse().map_box(20, 40, 10, 6, bounds=(100, 100)) == (10, 20, 5, 3)


@pytest.mark.parametrize("degrees", [-7.0, 3.5, 90.0])
def test_rotation_matches_pil(degrees):
    image = Image.new("L", (300, 200), 255)
    image.putpixel((50, 30), 0)
    rotated = image.rotate(degrees, expand=True, fillcolor=255, resample=Image.Resampling.NEAREST)
    forward = Affine.rotation(degrees, old_size=image.size, new_size=rotated.size)
    x, y = forward.apply(50.5, 30.5)  # pixel centre
    assert rotated.getpixel((int(x), int(y))) == 0


def test_composition_applies_left_first():
    transform = Affine.scaling(2, 2).then(Affine(c=10, f=5))
    assert transform.apply(1, 1) == (12, 7)
    assert transform.inverse().apply(12, 7) == pytest.approx((1, 1))


def test_boxes_are_clipped_to_the_image():
    assert Affine().map_box(-5, -5, 20, 20, bounds=(10, 10)) == (0, 0, 10, 10)
