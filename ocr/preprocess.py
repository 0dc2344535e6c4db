"""Image -> image steps for OCR, and the pipeline that chooses and chains them."""

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
from PIL import Image, ImageOps

from .geometry import Affine


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
    transform: Affine = Affine()  # upright original -> this image

    def with_step(self, image: Image.Image, name: str, transform: Affine | None = None, **params) -> "Prepared":
        return replace(
            self,
            image=image,
            steps=(*self.steps, AppliedStep(name, params)),
            transform=self.transform.then(transform) if transform else self.transform,
        )


# --- pure steps ---------------------------------------------------------------


def grayscale(image: Image.Image) -> Image.Image:
    """Luminance, 8-bit."""
    return image if image.mode == "L" else image.convert("L")


def stretch_contrast(image: Image.Image, *, cutoff_percent: float = 1.0) -> Image.Image:
    """Map the darkest and lightest cutoff_percent of pixels to black and white."""
    return ImageOps.autocontrast(image, cutoff=cutoff_percent)


def otsu_threshold(image: Image.Image) -> int:
    """The gray level that best separates the histogram into two classes."""
    hist = np.asarray(image.histogram()[:256], dtype=np.float64)
    levels = np.arange(256)
    weight_dark = np.cumsum(hist)
    weight_light = weight_dark[-1] - weight_dark
    sum_dark = np.cumsum(hist * levels)
    mean_dark = sum_dark / np.maximum(weight_dark, 1)
    mean_light = (sum_dark[-1] - sum_dark) / np.maximum(weight_light, 1)
    between = weight_dark * weight_light * (mean_dark - mean_light) ** 2
    return int(np.argmax(between))


def binarize(image: Image.Image, *, threshold: int) -> Image.Image:
    """Black text on white: pixels above threshold become white."""
    lut = [0 if level <= threshold else 255 for level in range(256)]
    return image.point(lut, mode="1")


# --- the pipeline -------------------------------------------------------------


def _run_grayscale(prepared: Prepared) -> Prepared:
    return prepared.with_step(grayscale(prepared.image), "grayscale")


def _run_contrast(prepared: Prepared) -> Prepared:
    return prepared.with_step(stretch_contrast(grayscale(prepared.image)), "contrast", cutoff_percent=1.0)


def _run_binarize(prepared: Prepared) -> Prepared:
    gray = grayscale(prepared.image)
    threshold = otsu_threshold(gray)
    return prepared.with_step(binarize(gray, threshold=threshold), "binarize", method="otsu", threshold=threshold)


STEPS: dict[str, Callable[[Prepared], Prepared]] = {
    "grayscale": _run_grayscale,
    "contrast": _run_contrast,
    "binarize": _run_binarize,
}
AUTO_STEPS = ("grayscale", "contrast")


def prepare(image: Image.Image, steps: tuple[str, ...] | None) -> Prepared:
    """Run the named steps in order, or the automatic choice when steps is None."""
    prepared = Prepared(image)
    for name in AUTO_STEPS if steps is None else steps:
        prepared = STEPS[name](prepared)
    return prepared
