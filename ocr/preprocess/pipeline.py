"""Image -> image steps for OCR, the measurements that choose them, and the pipeline that chains them.

Every step is a pure function of an image with keyword-only parameters. The automatic
pipeline measures the image (polarity, text size, lighting, skew, noise) and runs only the
steps those measurements call for, recording each with the parameters it used.
"""

import functools
import math
import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np
from PIL import Image, ImageOps
from scipy import ndimage

from ocr.input.images import MAX_SIDE_PX
from ocr.model.geometry import Affine
from ocr.preprocess.filters import max_filter, median3, min_filter

# Tesseract reads best when lowercase letters are about this many pixels tall (about
# 10-12 pt at 300 dpi); text far from it is rescaled.
# Tesseract's line recognizer rescales lines itself, so only text far outside its comfort
# zone is rescaled: tiny print up, huge letters in big photos down (which also saves time).
TARGET_X_HEIGHT_PX = 20.0
COMFORTABLE_X_HEIGHT_PX = (10.0, 45.0)
MAX_UPSCALE, MAX_DOWNSCALE = 4.0, 0.25
MAX_PREPARED_PIXELS = 60_000_000
MAX_SKEW_DEG, MIN_SKEW_DEG = 15.0, 0.4
EVEN_LIGHT, WHITE_PAPER = 0.03, 235  # below this background spread, at least this paper level
DARK_INK = 50  # ink this dark on white paper needs no contrast stretch
# A page none of these steps had to correct, with letters at least this tall, is a clean scan.
CORRECTING_STEPS = frozenset({"invert", "denoise", "flatten", "contrast"})
CLEAN_MIN_X_HEIGHT_PX = 16.0
NOISE_SIGMA = 8.0  # estimated noise (gray levels) worth a median filter; clean captures measure 1-4
MEASURE_SIDE = 2400  # text is measured on a copy no bigger than this
QUICK_MEASURE_SIDE = 1600  # ...or this one, where letters stay this many pixels tall in it:
RELIABLE_X_HEIGHT_PX = 8.0
# Polarity is judged per region of like background on a copy this big: regions are found as
# the median over a window of an 8x smaller copy (a few text lines) split at its Otsu level,
# when the dark and light sides differ by at least BACKGROUND_CONTRAST gray levels.
POLARITY_SIDE = 800
BACKGROUND_REDUCE, BACKGROUND_WINDOW = 8, 9
BACKGROUND_CONTRAST = 40
MIN_DETAIL_SHARE = 0.02  # a region decides only with this share of the page's thin detail
LEVEL_SQUARES = np.arange(256, dtype=np.int64) ** 2  # sums of squared detail, from histograms of it
MINORITY_QUANTILE = 0.97  # the level text reaches: it covers more than 3% of a text region
LETTER_MIN_X_HEIGHTS = 0.5  # marks counted as letters are at least this many x-heights tall
HISTOGRAM_SAMPLE = 1_000_000  # pixels counted for gray-level statistics
SKEW_SAMPLE = 30_000  # ink pixels projected for the skew
# Cropping to the text keeps this many x-heights of paper around it (Tesseract wants some
# border). Tesseract's layout pass costs time in proportion to the page, blank margins
# included, so it pays on big pages (0.05 s on an A4 scan); on small images it saves
# nothing worth the change: Tesseract's layout of a small screenshot flips with the border.
CROP_MARGIN_X_HEIGHTS = 3.0
MIN_CROP_SHARE, MIN_CROP_PIXELS = 0.15, 1_000_000  # crop only when it removes this much


@dataclass(frozen=True)
class AppliedStep:
    """A step that ran, with the parameters it measured or used."""

    name: str
    params: dict = field(default_factory=dict)


Box = tuple[int, int, int, int]  # left, top, right, bottom


@dataclass(frozen=True)
class Layout:
    """What the pipeline measured of the text, in the image's pixels: the x-height and that of
    its smaller text (None if no text found), the skew, the box around every mark bigger than
    a speck (None if none) and the centres of the letter-like marks."""

    x_height: float | None
    skew_degrees: float
    marks_box: Box | None = None
    small_x_height: float | None = None
    letters: tuple[np.ndarray, np.ndarray] | None = field(default=None, compare=False)  # centres: xs, ys

    def moved(self, transform: Affine, size: tuple[int, int]) -> "Layout":
        """The same layout after the image went through transform, giving an image of size."""
        if self.marks_box is None:
            return self
        left, top, right, bottom = self.marks_box
        x, y, width, height = transform.map_box(left, top, right - left, bottom - top, bounds=size)
        return replace(self, marks_box=(x, y, x + width, y + height), letters=transform.apply(*self.letters))


@dataclass(frozen=True)
class Prepared:
    """The image handed to Tesseract, the steps that made it and how its pixels map back."""

    image: Image.Image
    steps: tuple[AppliedStep, ...] = ()
    transform: Affine = Affine()  # upright original -> this image
    layout: "Layout | None" = None  # text size and skew in this image's pixels, once measured
    layout_ahead: "LayoutAhead | None" = field(default=None, compare=False)  # auto: measuring early

    def with_step(self, image: Image.Image, name: str, transform: Affine | None = None, **params) -> "Prepared":
        return replace(
            self,
            image=image,
            steps=(*self.steps, AppliedStep(name, params)),
            transform=self.transform.then(transform) if transform else self.transform,
        )


# --- pure steps ---------------------------------------------------------------


def grayscale(image: Image.Image, *, channel: str = "L") -> Image.Image:
    """8-bit gray from luminance ('L') or from one colour channel ('R', 'G', 'B')."""
    if image.mode == "L":
        return image
    if image.mode != "RGB" or channel == "L":
        return image.convert("L")
    return image.getchannel(channel)


def invert(image: Image.Image, *, regions: np.ndarray | None = None) -> Image.Image:
    """Light text on dark becomes dark text on light: everywhere, or only where the boolean
    mask `regions` (any size; stretched over the image) is True."""
    if regions is None or regions.all():
        return ImageOps.invert(image)
    mask = Image.fromarray(regions).resize(image.size, Image.Resampling.NEAREST)
    return Image.composite(ImageOps.invert(image), image, mask)


def rescale(image: Image.Image, *, factor: float) -> Image.Image:
    """Resize by factor: Lanczos for shrinking, bicubic for enlarging small text."""
    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    resample = Image.Resampling.LANCZOS if factor < 1 else Image.Resampling.BICUBIC
    return image.resize(size, resample)


def flatten_illumination(image: Image.Image, *, background: Image.Image) -> Image.Image:
    """Divide out the paper's brightness (shadows, gradients, gray paper) so paper becomes white."""
    background = background.resize(image.size, Image.Resampling.BILINEAR)
    # in place on one float32 buffer, the background cast as it is read: half the time of a
    # (background, gray) lookup table, and a third less than converting each array first
    flat = np.multiply(np.asarray(image), np.float32(255.0), dtype=np.float32)
    flat /= np.maximum(np.asarray(background), 1)
    np.rint(flat, out=flat)
    np.minimum(flat, 255, out=flat)  # never below 0: levels over positive levels
    return Image.fromarray(flat.astype(np.uint8))


def denoise(image: Image.Image) -> Image.Image:
    """3x3 median filter: removes sensor speckle and JPEG mosquito noise, keeps stroke edges."""
    return Image.fromarray(median3(np.asarray(image)))


def set_levels(image: Image.Image, *, black: int, white: int) -> Image.Image:
    """Linear stretch: black and darker become 0, white and lighter become 255."""
    span = max(1, white - black)
    lut = [min(255, max(0, round((level - black) * 255 / span))) for level in range(256)]
    return image.point(lut)


def rotate(image: Image.Image, *, degrees: float) -> Image.Image:
    """Rotate counter-clockwise about the centre, growing the canvas, filling with white."""
    # bilinear: as legible to Tesseract as bicubic here, and under half the time on 12 MP
    return image.rotate(degrees, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=255)


def binarize(image: Image.Image, *, threshold: int) -> Image.Image:
    """Black text on white: pixels above threshold become white."""
    lut = [0 if level <= threshold else 255 for level in range(256)]
    return image.point(lut, mode="1")


def binarize_sauvola(image: Image.Image, *, window: int, k: float = 0.2) -> Image.Image:
    """Local threshold mean * (1 + k * (std / 128 - 1)) over a window: survives uneven light."""
    gray = np.asarray(image, dtype=np.float32)
    mean = ndimage.uniform_filter(gray, window)
    mean_sq = ndimage.uniform_filter(gray * gray, window)
    std = np.sqrt(np.maximum(mean_sq - mean * mean, 0))
    threshold = mean * (1 + k * (std / 128.0 - 1))
    return Image.fromarray(gray > threshold).convert("1")


# --- measurements -------------------------------------------------------------


def otsu_threshold(image: Image.Image) -> int:
    """The gray level that best separates the histogram into two classes."""
    return int(np.argmax(_between_class_variance(histogram(image))))


def ink_contrast(image: Image.Image) -> float:
    """Gray-level contrast between the two Otsu classes, weighted by their balance."""
    counts = histogram(image)
    pixels = counts.sum()
    return float(np.sqrt(_between_class_variance(counts).max()) / pixels) if pixels else 0.0


def histogram(image: Image.Image) -> np.ndarray:
    """Counts of the 256 gray levels; on big images, of an evenly spread sample of the pixels.

    A page is mostly one level, and counting the same level over and over is slow (10 ms on
    an A4 crop, six times a noisy image's), so a million exact pixel values stand in for it.
    """
    step = math.ceil(math.sqrt(image.width * image.height / HISTOGRAM_SAMPLE))
    if step > 1:  # nearest-neighbour keeps every step-th pixel's own value: no averaging
        image = image.resize((math.ceil(image.width / step), math.ceil(image.height / step)), Image.Resampling.NEAREST)
    return np.asarray(image.histogram()[:256], dtype=np.int64)


def _between_class_variance(counts: np.ndarray) -> np.ndarray:
    hist = counts.astype(np.float64)
    levels = np.arange(256)
    weight_dark = np.cumsum(hist)
    weight_light = weight_dark[-1] - weight_dark
    sum_dark = np.cumsum(hist * levels)
    mean_dark = sum_dark / np.maximum(weight_dark, 1)
    mean_light = (sum_dark[-1] - sum_dark) / np.maximum(weight_light, 1)
    return weight_dark * weight_light * (mean_dark - mean_light) ** 2


def best_channel(image: Image.Image) -> str:
    """The gray conversion that separates ink from paper best: luminance or one colour channel."""
    if image.mode != "RGB":
        return "L"
    thumb = _thumbnail(image, 600)
    scores = {name: ink_contrast(grayscale(thumb, channel=name)) for name in ("L", "R", "G", "B")}
    best = max(scores, key=scores.get)
    # a single channel is noisier than luminance: switch only for a clear gain
    return best if scores[best] > scores["L"] * 1.08 else "L"


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
    gray = np.asarray(_thumbnail(image, POLARITY_SIDE))
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
    of detail levels, a tenth of the time of summing the squares pixel by pixel."""
    levels = np.bincount((regions.ravel().astype(np.intp) << 8) | detail.ravel(), minlength=(count + 1) * 256)
    return (levels.reshape(count + 1, 256) @ LEVEL_SQUARES)[1:].astype(np.float64)


def _leans_light(counts: np.ndarray) -> bool:
    """True when a region's levels reach further above its background level than below it."""
    low, middle, high = (_quantile(counts, share) for share in (1 - MINORITY_QUANTILE, 0.5, MINORITY_QUANTILE))
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
    level = int(np.argmax(_between_class_variance(np.bincount(background.ravel(), minlength=256))))
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


def ink_mask(image: Image.Image) -> np.ndarray:
    """Dark-on-light ink as a boolean array: flattened, paper levels set to white, then halved."""
    background = estimate_background(image, text_height=max(8.0, min(image.size) / 60))
    flat = flatten_illumination(image, background=background)
    black, white = ink_and_paper_levels(flat)
    return np.asarray(flat) < (black + white) / 2


@dataclass(frozen=True)
class Blobs:
    """The connected ink components of a mask: bounding boxes and pixel counts, and the mask's
    ink pixels they were found from."""

    boxes: np.ndarray  # one row per blob: left, top, right, bottom (exclusive)
    area: np.ndarray
    pixels: tuple[np.ndarray, np.ndarray]  # rows and columns of every ink pixel, as np.nonzero gives them

    @property
    def heights(self) -> np.ndarray:
        return (self.boxes[:, 3] - self.boxes[:, 1]).astype(np.float64)

    @property
    def widths(self) -> np.ndarray:
        return (self.boxes[:, 2] - self.boxes[:, 0]).astype(np.float64)


def find_blobs(ink: np.ndarray) -> Blobs:
    labels, count = ndimage.label(ink)
    # np.nonzero's two-dimensional walk takes five times as long as the flat one and a division
    rows, columns = np.divmod(np.flatnonzero(ink), ink.shape[1])
    # Boxes and areas from the ink pixels alone: a page is mostly paper, and visiting only its
    # ink is several times quicker than ndimage.find_objects' walk over every pixel.
    blob = labels[rows, columns] - 1
    left, top = np.full(count, ink.shape[1], np.int64), np.full(count, ink.shape[0], np.int64)
    right, bottom = np.zeros(count, np.int64), np.zeros(count, np.int64)
    np.minimum.at(left, blob, columns)
    np.minimum.at(top, blob, rows)
    np.maximum.at(right, blob, columns + 1)
    np.maximum.at(bottom, blob, rows + 1)
    return Blobs(
        boxes=np.stack([left, top, right, bottom], axis=1),
        area=np.bincount(blob, minlength=count).astype(np.float64),
        pixels=(rows, columns),
    )


def letter_blobs(blobs: Blobs, shape: tuple[int, int]) -> np.ndarray:
    """Which blobs of a mask of shape are letter-sized and letter-shaped (a boolean per blob)."""
    heights, widths, area = blobs.heights, blobs.widths, blobs.area
    fill = area / np.maximum(heights * widths, 1)
    return (
        (heights >= 3)
        & (heights < shape[0] / 6)
        & (widths < shape[1] / 6)
        & (widths < heights * 4)
        & (heights < widths * 8)
        & (fill > 0.1)
        & (fill < 0.95)
        & (area >= 6)
    )


def text_x_heights(blobs: Blobs, letters: np.ndarray) -> tuple[float, float] | None:
    """Typical height of the letter blobs (about the x-height), and that of the smaller text
    (the height a fifth of the letters' ink is at most), or None if there is no text.

    Heights are weighted by blob area so that noise specks, however many, do not decide them.
    """
    if letters.sum() < 8:
        return None
    heights, area = blobs.heights, blobs.area
    order = np.argsort(heights[letters])
    cumulative = np.cumsum(area[letters][order])
    typical, small = heights[letters][order][np.searchsorted(cumulative, cumulative[-1] * np.array([0.5, 0.2]))]
    return float(typical), float(small)


def marks_box(blobs: Blobs, *, min_size: float = 3) -> Box | None:
    """The box around every blob at least min_size tall or wide: text, rules and pictures, not specks."""
    marks = blobs.boxes[np.maximum(blobs.heights, blobs.widths) >= min_size]
    if not len(marks):
        return None
    return (int(marks[:, 0].min()), int(marks[:, 1].min()), int(marks[:, 2].max()), int(marks[:, 3].max()))


def measure_layout(image: Image.Image, *, side: int) -> Layout:
    """Text size, skew and the box around the marks, in the image's own pixels, from one ink
    mask of a copy at most `side` wide."""
    measure = _thumbnail(grayscale(image), side)
    ink = ink_mask(denoise(measure))  # specks must not pass for letters
    blobs = find_blobs(ink)
    letters = letter_blobs(blobs, ink.shape)
    heights = text_x_heights(blobs, letters)
    if heights is None:
        return Layout(None, skew_angle(*blobs.pixels))
    grow = image.width / measure.width
    # letters near the text's size: noise and grain also make small letter-shaped blobs
    boxes = blobs.boxes[letters & (blobs.heights >= LETTER_MIN_X_HEIGHTS * heights[0])]
    layout = Layout(
        heights[0] * grow,
        skew_angle(*blobs.pixels),
        marks_box(blobs),
        heights[1] * grow,
        letters=((boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2),
    )
    return layout.moved(Affine.scaling(grow, image.height / measure.height), image.size)


def skew_angle(ys: np.ndarray, xs: np.ndarray, *, max_degrees: float = MAX_SKEW_DEG) -> float:
    """Angle (degrees, counter-clockwise) that makes text lines horizontal, by projection profiles
    of the ink pixels at rows ys and columns xs."""
    if ys.size < 200:
        return 0.0
    step = ys.size // SKEW_SAMPLE + 1  # every step-th ink pixel keeps the profile and bounds the cost
    ys, xs = ys[::step], xs[::step]
    ys, xs = ys.astype(np.float64), xs - xs.mean()

    def sharpness(degrees: float) -> float:
        rows = np.round(ys + xs * np.tan(np.radians(degrees))).astype(np.int64)
        profile = np.bincount(rows - rows.min())
        return float(np.square(profile, dtype=np.float64).sum())

    coarse = np.arange(-max_degrees, max_degrees + 0.01, 0.5)
    best = max(coarse, key=sharpness)
    fine = np.arange(best - 0.5, best + 0.51, 0.1)
    return round(float(max(fine, key=sharpness)), 1)


def noise_sigma(image: Image.Image) -> float:
    """Noise level in gray levels: Immerkaer's Laplacian estimate, made robust by a median.

    Measured on a full-resolution crop and again at half resolution, keeping the larger:
    JPEG smooths single-pixel noise into grain two or three pixels wide.
    """
    width, height = min(1024, image.width), min(1024, image.height)
    left, top = (image.width - width) // 2, (image.height - height) // 2
    crop = image.crop((left, top, left + width, top + height))
    half = crop.resize((max(1, width // 2), max(1, height // 2)), Image.Resampling.BOX)
    # averaging 2x2 pixels halves independent noise: scale the half-size estimate back up
    return max(_laplacian_sigma(crop), 2 * _laplacian_sigma(half))


def _laplacian_sigma(image: Image.Image) -> float:
    # Immerkaer's kernel [[1,-2,1],[-2,4,-2],[1,-2,1]] is a second difference across, then down
    gray = np.pad(np.asarray(image, dtype=np.int16), 1, mode="edge")
    across = gray[:, :-2] - 2 * gray[:, 1:-1] + gray[:, 2:]
    response = np.abs(across[:-2] - 2 * across[1:-1] + across[2:])
    # the kernel turns noise of sigma s into noise of sigma 6s; letter edges are a minority
    return _quantile(np.bincount(response.ravel()), 0.5) / (0.6745 * 6)


def ink_and_paper_levels(image: Image.Image) -> tuple[int, int]:
    """Gray levels to map to black and white: paper texture and noise end up white.

    Paper is the majority of a page, so its level is the median and its spread the median
    absolute deviation; anything within three deviations of the paper is paper.
    """
    counts = histogram(image)
    paper = _quantile(counts, 0.5)
    distance_from_paper = np.abs(np.arange(256) - paper)
    spread = 1.4826 * _quantile(np.bincount(distance_from_paper, weights=counts), 0.5)
    black = _quantile(counts, 0.005)
    # never whiten the darker 60% of the ink-to-paper range: heavy noise inflates the spread
    white = max(paper - 3 * spread, black + 0.6 * (paper - black))
    return int(black), int(min(paper - 2, max(black + 32, white)))


def _quantile(counts: np.ndarray, share: float) -> int:
    """The lowest value with at least `share` of the counts at or below it."""
    cumulative = np.cumsum(counts)
    return int(np.searchsorted(cumulative, share * cumulative[-1]))


def lighting_spread(background: Image.Image) -> float:
    """How unevenly lit the paper is: spread of the background over its level."""
    low, high = np.percentile(np.asarray(background), [5, 95])
    return float((high - low) / max(high, 1.0))


def estimate_background(image: Image.Image, *, text_height: float) -> Image.Image:
    """The paper without the ink, at low resolution: a brightness closing wider than the strokes, smoothed."""
    shrink = max(1.0, text_height / 3)
    size = (max(1, round(image.width / shrink)), max(1, round(image.height / shrink)))
    paper = min_filter(max_filter(np.asarray(image.resize(size, Image.Resampling.BOX)), 7), 7)
    paper = ndimage.gaussian_filter(paper.astype(np.float32), 2)
    return Image.fromarray(np.clip(paper, 0, 255).astype(np.uint8))


def _thumbnail(image: Image.Image, side: int) -> Image.Image:
    """A copy at most `side` pixels on its longer side, for measuring."""
    factor = side / max(image.size)
    if factor >= 1:
        return image
    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    # reducing_gap: whole-pixel binning first, then the remainder; 40% quicker on an A4 page
    return image.resize(size, Image.Resampling.BOX, reducing_gap=1.0)


# --- the pipeline -------------------------------------------------------------
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
    layout = _layout(prepared)
    x_height = layout.x_height
    if x_height is None or COMFORTABLE_X_HEIGHT_PX[0] <= x_height <= COMFORTABLE_X_HEIGHT_PX[1]:
        return replace(prepared, image=gray, layout=layout)
    factor = min(MAX_UPSCALE, max(MAX_DOWNSCALE, TARGET_X_HEIGHT_PX / x_height))
    if factor < 1:  # shrink big letters only as far as the page's smaller text can follow
        factor = max(factor, TARGET_X_HEIGHT_PX / layout.small_x_height)
        if factor >= 1:
            return replace(prepared, image=gray, layout=layout)
    # never grow past what Tesseract (and memory) can take
    factor = min(factor, (MAX_PREPARED_PIXELS / (gray.width * gray.height)) ** 0.5, MAX_SIDE_PX / max(gray.size))
    image = rescale(gray, factor=factor)
    actual = (image.width / gray.width, image.height / gray.height)
    scaled = prepared.with_step(
        image, "scale", Affine.scaling(*actual), factor=round(factor, 3), x_height_px=round(x_height, 1)
    )
    moved = layout.moved(Affine.scaling(*actual), image.size)
    return replace(
        scaled,
        layout=replace(moved, x_height=x_height * actual[1], small_x_height=layout.small_x_height * actual[1]),
    )


def _run_crop(prepared: Prepared) -> Prepared:
    gray = grayscale(prepared.image)
    layout = _layout(prepared)
    if layout.marks_box is None:
        return replace(prepared, image=gray, layout=layout)
    margin = round(CROP_MARGIN_X_HEIGHTS * layout.x_height)
    left, top, right, bottom = layout.marks_box
    box = (
        max(0, left - margin),
        max(0, top - margin),
        min(gray.width, right + margin),
        min(gray.height, bottom + margin),
    )
    removed = gray.width * gray.height - (box[2] - box[0]) * (box[3] - box[1])
    if removed < max(MIN_CROP_PIXELS, MIN_CROP_SHARE * gray.width * gray.height):
        return replace(prepared, image=gray, layout=layout)
    transform = Affine.translation(-box[0], -box[1])
    image = gray.crop(box)
    cropped = prepared.with_step(image, "crop", transform, box=list(box))
    return replace(cropped, layout=layout.moved(transform, image.size))


def _run_denoise(prepared: Prepared) -> Prepared:
    gray = grayscale(prepared.image)
    sigma = noise_sigma(gray)
    if sigma < NOISE_SIGMA:
        return replace(prepared, image=gray)
    return prepared.with_step(denoise(gray), "denoise", sigma=round(sigma, 1))


def _run_flatten(prepared: Prepared) -> Prepared:
    gray = grayscale(prepared.image)
    background = estimate_background(gray, text_height=_layout(prepared).x_height or TARGET_X_HEIGHT_PX)
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
    layout = _layout(prepared)
    angle = layout.skew_degrees
    if abs(angle) < MIN_SKEW_DEG:
        return replace(prepared, image=gray, layout=layout)
    image = rotate(gray, degrees=-angle)
    transform = Affine.rotation(-angle, old_size=gray.size, new_size=image.size)
    deskewed = prepared.with_step(image, "deskew", transform, angle=angle)
    return replace(deskewed, layout=replace(layout.moved(transform, image.size), skew_degrees=0.0))


def _run_binarize(prepared: Prepared) -> Prepared:
    gray = grayscale(prepared.image)
    threshold = otsu_threshold(gray)
    return prepared.with_step(binarize(gray, threshold=threshold), "binarize", method="otsu", threshold=threshold)


def _run_sauvola(prepared: Prepared) -> Prepared:
    gray = grayscale(prepared.image)
    window = int((_layout(prepared).x_height or TARGET_X_HEIGHT_PX) * 4) | 1
    return prepared.with_step(binarize_sauvola(gray, window=window), "sauvola", method="sauvola", window=window)


def _layout(prepared: Prepared) -> Layout:
    """The layout an earlier step measured, else measured now (once per request in auto)."""
    if prepared.layout is not None:
        return prepared.layout
    ahead = prepared.layout_ahead and prepared.layout_ahead.result_for(prepared.image)
    return ahead or _measured_layout(prepared.image)


def _measured_layout(image: Image.Image) -> Layout:
    """A quick look at a small copy suffices for ordinary text; small print needs a closer one."""
    quick = measure_layout(image, side=QUICK_MEASURE_SIDE)
    shrink = min(1.0, QUICK_MEASURE_SIDE / max(image.size))
    if quick.x_height is not None and quick.x_height * shrink >= RELIABLE_X_HEIGHT_PX:
        return quick
    return measure_layout(image, side=MEASURE_SIDE)


@dataclass(frozen=True)
class LayoutAhead:
    """The layout of `image`, being measured on another thread while the page's polarity and
    noise are judged: the longest measurement, done on a core that would otherwise wait (an A4
    page prepares in 100-130 ms instead of 170). If neither step changes the page, the layout is
    of the page as it is."""

    image: Image.Image
    future: Future

    @classmethod
    def start(cls, image: Image.Image) -> "LayoutAhead":
        return cls(image, _measuring_thread().submit(_measured_layout, image))

    def result_for(self, image: Image.Image) -> Layout | None:
        """The layout if it is of this image, else None; not yet started (this process's thread
        busy with another page's) is also None: measuring here is then sooner than waiting."""
        if self.future.cancel() or image is not self.image:
            return None
        return self.future.result()


@functools.cache
def _measuring_thread() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="layout ahead")


# a forked worker has none of its parent's threads: it starts its own
os.register_at_fork(after_in_child=_measuring_thread.cache_clear)


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
            prepared = replace(prepared, layout_ahead=LayoutAhead.start(prepared.image))
    return _binarize_if_clean(prepared) if steps is None else prepared


def _binarize_if_clean(prepared: Prepared) -> Prepared:
    """A clean scan goes to Tesseract as 1-bit: black ink of readable size on evenly lit white
    paper, so none of the correcting steps ran. Tesseract thresholds it globally with Otsu
    anyway; doing that first spares it the gray image (A4 page: 4% less Tesseract time,
    the same text). Anything else stays gray, which its line recognizer reads better."""
    applied = {step.name: step.params for step in prepared.steps}
    clean = (
        applied.get("grayscale", {}).get("channel") == "L"
        and not CORRECTING_STEPS & applied.keys()
        and applied.get("scale", {}).get("factor", 1.0) <= 1.0
        and prepared.layout is not None
        and (prepared.layout.small_x_height or 0) >= CLEAN_MIN_X_HEIGHT_PX
    )
    return _run_binarize(prepared) if clean else prepared
