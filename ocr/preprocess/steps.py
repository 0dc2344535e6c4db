"""The pure Image -> Image steps: each a function of an image with keyword-only parameters."""

import numpy as np
from PIL import Image, ImageOps
from scipy import ndimage

from ocr.preprocess.filters import median3


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
    # in place on one float32 buffer, the background cast as it is read: quicker than a
    # (background, gray) lookup table or converting each array first
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
    # bilinear: as legible to Tesseract as bicubic here, and quicker on big photos
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
