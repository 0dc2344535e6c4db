"""Bytes to upright PIL pages: sniff the format, enforce limits, apply EXIF orientation.

A photo is one page; a multi-frame TIFF has a page per frame; a PDF a page per page.
Pages are decoded one at a time, when asked for, so a long document never sits in memory whole.
"""

import functools
import io
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pillow_heif
from PIL import Image, ImageCms, ImageOps, TiffImagePlugin, UnidentifiedImageError

from ocr.input.pdf_pages import PdfPages
from ocr.model.errors import MissingImage, TooLarge, UnsupportedImage
from ocr.model.limits import MAX_SIDE_PX

pillow_heif.register_heif_opener()  # iPhone photos (HEIC/HEIF)

# Raster formats Tesseract users send; anything else is refused before decoding.
ACCEPTED_FORMATS = ("JPEG", "PNG", "GIF", "BMP", "TIFF", "WEBP", "PPM", "JPEG2000", "HEIF")
SUPPORTED = "PNG, JPEG, HEIC, TIFF, WebP, BMP, GIF or PDF"
_PDF_MAGIC = b"%PDF-"
_SIGNATURES = {
    b"PK\x03\x04": "a ZIP archive (or an Office document)",
    b"<svg": "an SVG drawing: export it as PNG first",
    b"<?xml": "an XML document",
    b"<!DOCTYPE": "an HTML page",
    b"<html": "an HTML page",
}
# Magic numbers of accepted formats, to tell a cut-off file from something that is no image at all.
_MAGIC = {
    b"\x89PNG\r\n\x1a\n": "PNG",
    b"\xff\xd8\xff": "JPEG",
    b"GIF8": "GIF",
    b"II*\x00": "TIFF",
    b"MM\x00*": "TIFF",
}
_SRGB = ImageCms.createProfile("sRGB")
# What Pillow raises on damaged files, by plugin and by stage (it has no single error type).
_PILLOW_READ_ERRORS = (OSError, SyntaxError, ValueError, EOFError, TypeError, KeyError, IndexError, MemoryError)
# Pillow's bomb guard is one limit for the whole process; ours is each request's own (Limits),
# checked on every frame's declared size before it is decoded. So Pillow's is turned off.
Image.MAX_IMAGE_PIXELS = None
IGNORED_DPI = (72,)  # what cameras write for pictures of any size


@dataclass(frozen=True)
class DecodedImage:
    """An upright image in mode L or RGB, with how it got there."""

    image: Image.Image
    source_format: str
    orientation: int = 1  # the EXIF Orientation (2-8) that was applied to turn it upright; 1 if none
    dpi: float | None = None  # from the file (or the PDF rendering), when plausible
    original: bytes | None = None  # the uploaded file, when it is just this image (a PDF can embed a JPEG as it is)

    @property
    def transposed(self) -> bool:
        return self.orientation != 1


class Pages:
    """The pages of one upload, decoded on demand; safe to use from several threads."""

    def __init__(self, count: int, decode_page: Callable[[int], DecodedImage], close: Callable[[], None]):
        self._count, self._decode_page, self._close = count, decode_page, close
        self._lock = threading.Lock()  # a Pillow file or pdfium document reads one page at a time

    def __len__(self) -> int:
        return self._count

    def decode(self, index: int) -> DecodedImage:
        with self._lock:
            return self._decode_page(index)

    def __enter__(self) -> "Pages":
        return self

    def __exit__(self, *exc) -> None:
        self._close()


def open_pages(data: bytes, *, max_pixels: int, max_pages: int, pdf_dpi: int = 300) -> Pages:
    """Open an image or PDF, refusing non-images and too many pages before decoding anything."""
    if not data:
        raise MissingImage(f"the image is empty: send a photo or scan as {SUPPORTED}")
    if is_pdf(data):
        return _pdf_pages(data, max_pixels=max_pixels, max_pages=max_pages, dpi=pdf_dpi)
    image = _open(data)
    count = _page_count(image)
    _check_page_count(count, max_pages)
    original = data if count == 1 else None
    return Pages(
        count, lambda index: _decode_frame(image, index, max_pixels=max_pixels, original=original), image.close
    )


def is_pdf(data: bytes) -> bool:
    return data.lstrip()[:5] == _PDF_MAGIC


def _pdf_pages(data: bytes, *, max_pixels: int, max_pages: int, dpi: int) -> Pages:
    document = PdfPages(data)
    _check_page_count(len(document), max_pages)

    def decode_page(index: int) -> DecodedImage:
        image = document.render(index, dpi=dpi, max_pixels=max_pixels)
        return DecodedImage(image, "PDF", dpi=_resolution(image.info))

    return Pages(len(document), decode_page, document.close)


def _page_count(image: Image.Image) -> int:
    """TIFF frames are pages; GIF, WebP and MPO frames are animation or previews, so one page."""
    if image.format != "TIFF":
        return 1
    assert isinstance(image, TiffImagePlugin.TiffImageFile)  # what Pillow opens a TIFF as
    try:  # counting walks every directory of the file: a damaged one fails here
        return image.n_frames
    except _PILLOW_READ_ERRORS as e:
        raise UnsupportedImage("the TIFF file is truncated or corrupt; send the complete file") from e


def _check_page_count(count: int, max_pages: int) -> None:
    if count > max_pages:
        raise TooLarge(f"the document has {count} pages, over the limit of {max_pages}; send fewer pages at a time")
    if count == 0:
        raise UnsupportedImage("the document has no pages")


def _decode_frame(image: Image.Image, index: int, *, max_pixels: int, original: bytes | None) -> DecodedImage:
    """Frame `index`, checked against the limits before it is decoded, upright and in L or RGB."""
    try:
        image.seek(index)
    except _PILLOW_READ_ERRORS as e:
        raise UnsupportedImage(
            f"page {index + 1} of the {image.format} file cannot be read; send the complete file"
        ) from e
    width, height = image.size
    if width * height > max_pixels:
        raise TooLarge(
            f"the image is {width}x{height} = {width * height:,} pixels, over the limit of "
            f"{max_pixels:,}; scale it down and try again"
        )
    if max(width, height) > MAX_SIDE_PX:
        raise TooLarge(
            f"the image is {width}x{height} pixels and Tesseract reads at most {MAX_SIDE_PX:,} on a side; "
            "scale it down or cut it into parts"
        )
    _load(image)
    upright, orientation = _exif_transpose(image)
    if upright is image:
        upright = image.copy()  # the next seek() would change the shared frame under us
    assert image.format is not None  # opened from a file (_open), whose format Pillow names
    return DecodedImage(_normalize_mode(upright), image.format, orientation, _resolution(image.info), original)


def _resolution(info: dict) -> float | None:
    """The horizontal dpi a file declares, if it is one a scanner could mean.

    72 is what phones and cameras write when there is no page to measure; told 72 dpi,
    Tesseract laid out a phone photo of a letter in the wrong order. 96 is kept: it is true of
    Windows screenshots, and scans that declare it were laid out in reading order with it
    (real multi-column pages read far better with it than with Tesseract's own estimate:
    docs/decisions/0008).
    """
    try:
        dpi = float(info.get("dpi", (0, 0))[0])
    except (TypeError, ValueError, IndexError):
        return None
    return dpi if 70 <= dpi <= 2400 and round(dpi) not in IGNORED_DPI else None


def _open(data: bytes) -> Image.Image:
    _refuse_known_non_images(data)
    try:
        return Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        raise UnsupportedImage(_unreadable_message(data)) from e


def _refuse_known_non_images(data: bytes) -> None:
    """Name the documents people send instead of pictures, and say how to convert them."""
    head = data[:1024].removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    what = next((what for signature, what in _SIGNATURES.items() if head.startswith(signature.lower())), None)
    if head.startswith(b"<") and b"<svg" in head:
        what = _SIGNATURES[b"<svg"]  # drawing programs put an XML prolog, doctype or comment first
    if what:
        raise UnsupportedImage(f"this is {what}; send a photo or scan as {SUPPORTED}")


def _unreadable_message(data: bytes) -> str:
    """Tell a cut-off upload (send it again) from a file that is no image (convert it)."""
    for magic, name in _MAGIC.items():
        if data.startswith(magic):
            return f"the {name} file is truncated or corrupt; send the complete file"
    return f"this is not an image we can read; send a photo or scan as {SUPPORTED}"


def _load(image: Image.Image) -> None:
    try:
        image.load()
    except _PILLOW_READ_ERRORS as e:
        raise UnsupportedImage(f"the {image.format} image is truncated or corrupt ({e}); send the complete file") from e


def _exif_transpose(image: Image.Image) -> tuple[Image.Image, int]:
    """Apply the EXIF Orientation tag, and say which was applied (1: none); a broken tag must never fail the request."""
    try:
        orientation = image.getexif().get(0x0112, 1)
    except Exception:  # noqa: BLE001 - Pillow raises many types on malformed EXIF blocks
        return image, 1
    if orientation not in range(2, 9):
        return image, 1
    try:
        return ImageOps.exif_transpose(image), int(orientation)
    except Exception:  # noqa: BLE001 - as above: a broken tag must never fail the request
        return image, 1


def _normalize_mode(image: Image.Image) -> Image.Image:
    """Bring any mode to L or RGB: colour-manage to sRGB, flatten alpha onto white."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        return _to_8bit_gray(image)
    if image.mode == "1":
        # Tesseract (leptonica) cannot read the PBM file of a tiny 1-bit image; gray costs little
        return image.convert("L")
    if image.mode == "La":
        image = image.convert("LA")  # premultiplied alpha (TIFF) converts to nothing else
    icc = image.info.get("icc_profile")
    if icc and image.mode in ("RGB", "RGBA", "CMYK"):
        image = _to_srgb(image, icc)
    if image.mode in ("L", "RGB"):
        return image
    # Not "A" in getbands(): LAB's second band is named A too, and it is colour, not alpha.
    if image.has_transparency_data:
        rgba = image.convert("RGBA")
        flattened = Image.new("RGB", image.size, (255, 255, 255))
        flattened.paste(rgba, mask=rgba.getchannel("A"))
        return flattened
    return image.convert("RGB")


def _to_srgb(image: Image.Image, icc: bytes) -> Image.Image:
    try:
        transform = _srgb_transform(icc, image.mode, "RGBA" if image.mode == "RGBA" else "RGB")
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image  # an unreadable profile is no reason to refuse the picture
    converted = ImageCms.applyTransform(image, transform)
    assert converted is not None  # None only when applied in place
    return converted


@functools.lru_cache(maxsize=8)
def _srgb_transform(icc: bytes, in_mode: str, out_mode: str) -> ImageCms.ImageCmsTransform:
    """The transform from a picture's profile to sRGB, made once per profile: a browser or a phone
    sends the same one with every picture, and making it is a good part of a camera frame's
    colour management (bench/README.md). Without LittleCMS's one-pixel cache, threads may share it."""
    profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    return ImageCms.buildTransform(profile, _SRGB, in_mode, out_mode, flags=ImageCms.Flags.NOCACHE)


def _to_8bit_gray(image: Image.Image) -> Image.Image:
    values = np.asarray(image, dtype=np.float64)
    low, high = float(values.min()), float(values.max())
    scale = 255.0 / (high - low) if high > low else 0.0
    return Image.fromarray(np.rint((values - low) * scale).astype(np.uint8), mode="L")
