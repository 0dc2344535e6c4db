"""Measurements that choose the steps: gray levels, noise, lighting, and the size, skew and
extent of the text (TextMeasures)."""

import math
from dataclasses import dataclass, field, replace

import numpy as np
from PIL import Image
from scipy import ndimage

from ocr.model.geometry import Affine, Box
from ocr.preprocess.filters import max_filter, min_filter
from ocr.preprocess.steps import denoise, flatten_illumination, grayscale

MAX_SKEW_DEG = 15.0  # the skew is searched for within this many degrees either way
MEASURE_SIDE = 2400  # text is measured on a copy no bigger than this
QUICK_MEASURE_SIDE = 1600  # ...or this one, where letters stay this many pixels tall in it:
RELIABLE_X_HEIGHT_PX = 8.0
LETTER_MIN_X_HEIGHTS = 0.5  # marks counted as letters are at least this many x-heights tall
HISTOGRAM_SAMPLE = 1_000_000  # pixels counted for gray-level statistics
SKEW_SAMPLE = 30_000  # ink pixels projected for the skew


@dataclass(frozen=True)
class TextMeasures:
    """What the pipeline measured of the text, in the image's pixels: the x-height and that of
    its smaller text (None if no text found), the skew, the box around every mark bigger than
    a speck (None if none) and the centres of the letter-like marks."""

    x_height: float | None
    skew_degrees: float
    marks_box: Box | None = None
    small_x_height: float | None = None
    letters: tuple[np.ndarray, np.ndarray] | None = field(default=None, compare=False)  # centres: xs, ys

    def moved(self, transform: Affine, size: tuple[int, int]) -> "TextMeasures":
        """The same measures after the image went through transform, giving an image of size."""
        if self.marks_box is None:
            return self
        box = self.marks_box
        assert self.letters is not None  # measure_text measures the letters with the marks' box
        x, y, width, height = transform.map_box(box.left, box.top, box.width, box.height, bounds=size)
        return replace(self, marks_box=Box(x, y, x + width, y + height), letters=transform.apply(*self.letters))


# --- gray levels ----------------------------------------------------------------


def otsu_threshold(image: Image.Image) -> int:
    """The gray level that best separates the histogram into two classes."""
    return otsu_level(histogram(image))


def otsu_level(counts: np.ndarray) -> int:
    """The level that best separates 256 counts of gray levels into two classes."""
    return int(np.argmax(_between_class_variance(counts)))


def ink_contrast(image: Image.Image) -> float:
    """Gray-level contrast between the two Otsu classes, weighted by their balance."""
    counts = histogram(image)
    pixels = counts.sum()
    return float(np.sqrt(_between_class_variance(counts).max()) / pixels) if pixels else 0.0


def histogram(image: Image.Image) -> np.ndarray:
    """Counts of the 256 gray levels; on big images, of an evenly spread sample of the pixels.

    A page is mostly one level, and counting the same level over and over is slow, so a
    million exact pixel values stand in for it.
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


def quantile(counts: np.ndarray, share: float) -> int:
    """The lowest value with at least `share` of the counts at or below it."""
    cumulative = np.cumsum(counts)
    return int(np.searchsorted(cumulative, share * cumulative[-1]))


def best_channel(image: Image.Image) -> str:
    """The gray conversion that separates ink from paper best: luminance or one colour channel."""
    if image.mode != "RGB":
        return "L"
    thumb = thumbnail(image, 600)
    scores = {name: ink_contrast(grayscale(thumb, channel=name)) for name in ("L", "R", "G", "B")}
    best = max(scores, key=scores.__getitem__)
    # a single channel is noisier than luminance: switch only for a clear gain
    return best if scores[best] > scores["L"] * 1.08 else "L"


def ink_and_paper_levels(image: Image.Image) -> tuple[int, int]:
    """Gray levels to map to black and white: paper texture and noise end up white.

    Paper is the majority of a page, so its level is the median and its spread the median
    absolute deviation; anything within three deviations of the paper is paper.
    """
    counts = histogram(image)
    paper = quantile(counts, 0.5)
    distance_from_paper = np.abs(np.arange(256) - paper)
    spread = 1.4826 * quantile(np.bincount(distance_from_paper, weights=counts), 0.5)
    black = quantile(counts, 0.005)
    # never whiten the darker 60% of the ink-to-paper range: heavy noise inflates the spread
    white = max(paper - 3 * spread, black + 0.6 * (paper - black))
    return int(black), int(min(paper - 2, max(black + 32, white)))


# --- noise and lighting -----------------------------------------------------------


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
    return quantile(np.bincount(response.ravel()), 0.5) / (0.6745 * 6)


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


def thumbnail(image: Image.Image, side: int) -> Image.Image:
    """A copy at most `side` pixels on its longer side, for measuring."""
    factor = side / max(image.size)
    if factor >= 1:
        return image
    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    # reducing_gap: whole-pixel binning first, then the remainder, which is quicker
    return image.resize(size, Image.Resampling.BOX, reducing_gap=1.0)


# --- the text ---------------------------------------------------------------------


def text_measures(image: Image.Image) -> TextMeasures:
    """A quick look at a small copy suffices for ordinary text; small print needs a closer one."""
    quick = measure_text(image, side=QUICK_MEASURE_SIDE)
    shrink = min(1.0, QUICK_MEASURE_SIDE / max(image.size))
    if quick.x_height is not None and quick.x_height * shrink >= RELIABLE_X_HEIGHT_PX:
        return quick
    return measure_text(image, side=MEASURE_SIDE)


def measure_text(image: Image.Image, *, side: int) -> TextMeasures:
    """Text size, skew and the box around the marks, in the image's own pixels, from one ink
    mask of a copy at most `side` wide."""
    measure = thumbnail(grayscale(image), side)
    ink = ink_mask(denoise(measure))  # specks must not pass for letters
    blobs = find_blobs(ink)
    letters = letter_blobs(blobs, ink.shape)
    heights = text_x_heights(blobs, letters)
    if heights is None:
        return TextMeasures(None, skew_angle(*blobs.pixels))
    grow = image.width / measure.width
    # letters near the text's size: noise and grain also make small letter-shaped blobs
    boxes = blobs.boxes[letters & (blobs.heights >= LETTER_MIN_X_HEIGHTS * heights[0])]
    measures = TextMeasures(
        heights[0] * grow,
        skew_angle(*blobs.pixels),
        marks_box(blobs),
        heights[1] * grow,
        letters=((boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2),
    )
    return measures.moved(Affine.scaling(grow, image.height / measure.height), image.size)


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
    # np.nonzero's two-dimensional walk is slower than the flat one and a division
    rows, columns = np.divmod(np.flatnonzero(ink), ink.shape[1])
    # Boxes and areas from the ink pixels alone: a page is mostly paper, and visiting only its
    # ink is quicker than ndimage.find_objects' walk over every pixel.
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
    return Box(int(marks[:, 0].min()), int(marks[:, 1].min()), int(marks[:, 2].max()), int(marks[:, 3].max()))


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
