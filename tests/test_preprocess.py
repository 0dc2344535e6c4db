"""Preprocessing steps are pure image functions; the pipeline records what it did."""

import pytest
from PIL import Image

from ocr.preprocess import STEPS, binarize, grayscale, otsu_threshold, prepare, stretch_contrast


def two_tone(dark: int, light: int) -> Image.Image:
    image = Image.new("L", (100, 20), light)
    image.paste(dark, (0, 0, 30, 20))
    return image


def test_grayscale_converts_colour():
    assert grayscale(Image.new("RGB", (4, 4), (255, 0, 0))).mode == "L"


def test_stretch_contrast_spans_the_range():
    stretched = stretch_contrast(two_tone(100, 140), cutoff_percent=0)
    assert stretched.getextrema() == (0, 255)


def test_otsu_threshold_separates_two_tones():
    assert 100 <= otsu_threshold(two_tone(100, 140)) < 140


def test_binarize_is_black_on_white():
    binary = binarize(two_tone(100, 140), threshold=120)
    assert binary.mode == "1"
    assert binary.getpixel((5, 5)) == 0 and binary.getpixel((90, 5)) == 255


def test_steps_do_not_modify_their_input():
    image = two_tone(100, 140)
    before = image.tobytes()
    stretch_contrast(image)
    binarize(image, threshold=120)
    assert image.tobytes() == before


@pytest.mark.parametrize("name", sorted(STEPS))
def test_every_named_step_runs_alone_and_is_recorded(name):
    prepared = prepare(Image.new("RGB", (60, 40), "white"), (name,))
    assert [step.name for step in prepared.steps] == [name]


def test_none_leaves_the_image_alone():
    image = Image.new("RGB", (60, 40), "white")
    prepared = prepare(image, ())
    assert prepared.image is image and prepared.steps == ()
