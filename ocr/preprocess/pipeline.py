"""The automatic pipeline: measure the image (polarity, text size, lighting, skew, noise), run
only the steps those measurements call for, and record each with the parameters it used."""

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
from PIL import Image

from ocr.model.geometry import Affine
from ocr.model.limits import MAX_SIDE_PX
from ocr.preprocess.ahead import MeasuresAhead
from ocr.preprocess.measure import (
    TextMeasures,
    best_channel,
    estimate_background,
    ink_and_paper_levels,
    lighting_spread,
    noise_sigma,
    otsu_threshold,
    text_measures,
)
from ocr.preprocess.polarity import light_on_dark_regions
from ocr.preprocess.steps import (
    binarize,
    binarize_sauvola,
    denoise,
    flatten_illumination,
    grayscale,
    invert,
    rescale,
    rotate,
    set_levels,
)

# Tesseract reads best when lowercase letters are about this many pixels tall (about
# 10-12 pt at 300 dpi); its line recognizer rescales lines itself, so only text far outside
# the comfortable range is rescaled: tiny print up, huge letters in big photos down.
TARGET_X_HEIGHT_PX = 20.0
COMFORTABLE_X_HEIGHT_PX = (10.0, 45.0)
MAX_UPSCALE, MAX_DOWNSCALE = 4.0, 0.25
MAX_PREPARED_PIXELS = 60_000_000
MIN_SKEW_DEG = 0.4  # a smaller skew is left alone
EVEN_LIGHT, WHITE_PAPER = 0.03, 235  # below this background spread, at least this paper level
DARK_INK = 50  # ink this dark on white paper needs no contrast stretch
# A page none of these steps had to correct, with letters at least this tall, is a clean scan.
CORRECTING_STEPS = frozenset({"invert", "denoise", "flatten", "contrast"})
CLEAN_MIN_X_HEIGHT_PX = 16.0
NOISE_SIGMA = 8.0  # estimated noise (gray levels) worth a median filter; clean captures measure well under it
# Cropping keeps this many x-heights of paper around the text (Tesseract wants some border).
# Tesseract's layout pass costs time in proportion to the page, so cropping pays on big pages;
# on small images Tesseract's layout of a screenshot flips with the border, so they stay whole.
CROP_MARGIN_X_HEIGHTS = 3.0
MIN_CROP_SHARE, MIN_CROP_PIXELS = 0.15, 1_000_000  # crop only when it removes this much


@dataclass(frozen=True)
class AppliedStep:
    """A step that ran, with the parameters it measured or used."""

    name: str
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Prepared:
    """The image handed to Tesseract, the steps that made it and how its pixels map back."""

    image: Image.Image
    steps: tuple[AppliedStep, ...] = ()
    transform: Affine = Affine()  # upright original -> this image  # noqa: RUF009 - frozen, safe to share
    measures: TextMeasures | None = None  # text size and skew in this image's pixels, once measured
    measures_ahead: MeasuresAhead | None = field(default=None, compare=False)  # auto: measuring early

    def with_step(self, image: Image.Image, name: str, transform: Affine | None = None, **params) -> "Prepared":
        return replace(
            self,
            image=image,
            steps=(*self.steps, AppliedStep(name, params)),
            transform=self.transform.then(transform) if transform else self.transform,
        )


# Each _run_* measures, then either applies its step and records it, or passes the image on.


def _run_grayscale(prepared: Prepared) -> Prepared:
    channel = best_channel(prepared.image)
    return prepared.with_step(grayscale(prepared.image, channel=channel), "grayscale", channel=channel)


def _run_invert(prepared: Prepared) -> Prepared:
    gray = grayscale(prepared.image)
    regions = light_on_dark_regions(gray)
    if regions is None:
        return replace(prepared, image=gray)
    return prepared.with_step(invert(gray, regions=regions), "invert", share=round(float(regions.mean()), 2))


def _run_scale(prepared: Prepared) -> Prepared:
    gray = grayscale(prepared.image)
    measures = _measures(prepared)
    x_height = measures.x_height
    if x_height is None or COMFORTABLE_X_HEIGHT_PX[0] <= x_height <= COMFORTABLE_X_HEIGHT_PX[1]:
        return replace(prepared, image=gray, measures=measures)
    assert measures.small_x_height is not None  # measure_text measures it with the x-height
    factor = min(MAX_UPSCALE, max(MAX_DOWNSCALE, TARGET_X_HEIGHT_PX / x_height))
    if factor < 1:  # shrink big letters only as far as the page's smaller text can follow
        factor = max(factor, TARGET_X_HEIGHT_PX / measures.small_x_height)
        if factor >= 1:
            return replace(prepared, image=gray, measures=measures)
    # never grow past what Tesseract (and memory) can take
    factor = min(factor, (MAX_PREPARED_PIXELS / (gray.width * gray.height)) ** 0.5, MAX_SIDE_PX / max(gray.size))
    image = rescale(gray, factor=factor)
    actual = (image.width / gray.width, image.height / gray.height)
    scaled = prepared.with_step(
        image, "scale", Affine.scaling(*actual), factor=round(factor, 3), x_height_px=round(x_height, 1)
    )
    moved = measures.moved(Affine.scaling(*actual), image.size)
    return replace(
        scaled,
        measures=replace(moved, x_height=x_height * actual[1], small_x_height=measures.small_x_height * actual[1]),
    )


def _run_crop(prepared: Prepared) -> Prepared:
    gray = grayscale(prepared.image)
    measures = _measures(prepared)
    if measures.marks_box is None:
        return replace(prepared, image=gray, measures=measures)
    assert measures.x_height is not None  # measure_text measures it with the marks' box
    margin = round(CROP_MARGIN_X_HEIGHTS * measures.x_height)
    marks = measures.marks_box
    box = (
        max(0, marks.left - margin),
        max(0, marks.top - margin),
        min(gray.width, marks.right + margin),
        min(gray.height, marks.bottom + margin),
    )
    removed = gray.width * gray.height - (box[2] - box[0]) * (box[3] - box[1])
    if removed < max(MIN_CROP_PIXELS, MIN_CROP_SHARE * gray.width * gray.height):
        return replace(prepared, image=gray, measures=measures)
    transform = Affine.translation(-box[0], -box[1])
    image = gray.crop(box)
    cropped = prepared.with_step(image, "crop", transform, box=list(box))
    return replace(cropped, measures=measures.moved(transform, image.size))


def _run_denoise(prepared: Prepared) -> Prepared:
    gray = grayscale(prepared.image)
    sigma = noise_sigma(gray)
    if sigma < NOISE_SIGMA:
        return replace(prepared, image=gray)
    return prepared.with_step(denoise(gray), "denoise", sigma=round(sigma, 1))


def _run_flatten(prepared: Prepared) -> Prepared:
    gray = grayscale(prepared.image)
    background = estimate_background(gray, text_height=_measures(prepared).x_height or TARGET_X_HEIGHT_PX)
    spread = lighting_spread(background)
    paper = float(np.median(np.asarray(background)))
    if spread < EVEN_LIGHT and paper >= WHITE_PAPER:
        return replace(prepared, image=gray)  # evenly lit white paper: dividing would change nothing
    return prepared.with_step(
        flatten_illumination(gray, background=background), "flatten", spread=round(spread, 3), paper=round(paper)
    )


def _run_contrast(prepared: Prepared) -> Prepared:
    gray = grayscale(prepared.image)
    black, white = ink_and_paper_levels(gray)
    if black <= DARK_INK and white >= WHITE_PAPER:
        # dark ink on clean white paper: Tesseract normalises each line's contrast itself
        return replace(prepared, image=gray)
    return prepared.with_step(set_levels(gray, black=black, white=white), "contrast", black=black, white=white)


def _run_deskew(prepared: Prepared) -> Prepared:
    gray = grayscale(prepared.image)
    measures = _measures(prepared)
    angle = measures.skew_degrees
    if abs(angle) < MIN_SKEW_DEG:
        return replace(prepared, image=gray, measures=measures)
    image = rotate(gray, degrees=-angle)
    transform = Affine.rotation(-angle, old_size=gray.size, new_size=image.size)
    deskewed = prepared.with_step(image, "deskew", transform, angle=angle)
    return replace(deskewed, measures=replace(measures.moved(transform, image.size), skew_degrees=0.0))


def _run_binarize(prepared: Prepared) -> Prepared:
    gray = grayscale(prepared.image)
    threshold = otsu_threshold(gray)
    return prepared.with_step(binarize(gray, threshold=threshold), "binarize", method="otsu", threshold=threshold)


def _run_sauvola(prepared: Prepared) -> Prepared:
    gray = grayscale(prepared.image)
    window = int((_measures(prepared).x_height or TARGET_X_HEIGHT_PX) * 4) | 1
    return prepared.with_step(binarize_sauvola(gray, window=window), "sauvola", method="sauvola", window=window)


def _measures(prepared: Prepared) -> TextMeasures:
    """The measures an earlier step took, else taken now (once per request in auto)."""
    if prepared.measures is not None:
        return prepared.measures
    ahead = prepared.measures_ahead and prepared.measures_ahead.result_for(prepared.image)
    return ahead or text_measures(prepared.image)


STEPS: dict[str, Callable[[Prepared], Prepared]] = {
    "grayscale": _run_grayscale,
    "invert": _run_invert,
    "crop": _run_crop,
    "scale": _run_scale,
    "denoise": _run_denoise,
    "flatten": _run_flatten,
    "contrast": _run_contrast,
    "deskew": _run_deskew,
    "binarize": _run_binarize,
    "sauvola": _run_sauvola,
}
# Crop and scale come early: a smaller image makes every later step cheaper; noise goes
# before them, since enlarged noise grows into blobs that pass for ink.
AUTO_STEPS = ("grayscale", "invert", "denoise", "crop", "scale", "flatten", "contrast", "deskew")


def prepare(image: Image.Image, steps: tuple[str, ...] | None) -> Prepared:
    """Run the named steps in order, or the automatic choice when steps is None."""
    prepared = Prepared(image)
    for name in AUTO_STEPS if steps is None else steps:
        prepared = STEPS[name](prepared)
        if steps is None and name == "grayscale":
            prepared = replace(prepared, measures_ahead=MeasuresAhead.start(prepared.image))
    return _binarize_if_clean(prepared) if steps is None else prepared


def _binarize_if_clean(prepared: Prepared) -> Prepared:
    """A clean scan goes to Tesseract as 1-bit: black ink of readable size on evenly lit white
    paper, so none of the correcting steps ran. Tesseract thresholds it globally with Otsu
    anyway; doing that first spares it the gray image, for the same text. Anything else stays
    gray, which its line recognizer reads better."""
    applied = {step.name: step.params for step in prepared.steps}
    clean = (
        applied.get("grayscale", {}).get("channel") == "L"
        and not CORRECTING_STEPS & applied.keys()
        and applied.get("scale", {}).get("factor", 1.0) <= 1.0
        and prepared.measures is not None
        and (prepared.measures.small_x_height or 0) >= CLEAN_MIN_X_HEIGHT_PX
    )
    return _run_binarize(prepared) if clean else prepared
