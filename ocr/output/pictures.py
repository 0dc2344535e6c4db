"""A page's picture for the searchable PDF: the page as uploaded, in its own colours.

A JPEG goes in as the uploaded bytes (DCTDecode), never re-encoded; when its EXIF
Orientation turned it, the PDF places it turned instead of turning its pixels. Pictures
from lossless files go in losslessly (FlateDecode); pictures from other lossy files
(HEIC, CMYK JPEG) as a JPEG of high quality, since a lossless copy of a photo would be
several times the size of the upload and keep nothing the upload had.
"""

import io
import zlib
from dataclasses import dataclass

from PIL import Image, MpoImagePlugin

from ocr.input.images import DecodedImage

LOSSY_FORMATS = ("JPEG", "MPO", "HEIF")
JPEG_QUALITY = 92  # high: a second lossy coding must not blur small print
# A page needs a size on paper; without a declared resolution, the picture fills the long
# side of an A4 sheet, as a photographed page would, but never more than one pixel per point.
DEFAULT_PAGE_INCHES = 297 / 25.4
MIN_DPI = 72
_EOI = b"\xff\xd9"


@dataclass(frozen=True)
class Picture:
    """An image XObject's stream and entries, and how it stands on the page."""

    data: bytes
    width: int  # stored pixels, before the orientation is applied
    height: int
    colour_space: str  # /DeviceGray or /DeviceRGB: what the ICC profile, if any, falls back to
    bits: int
    filter: str
    orientation: int  # EXIF Orientation of the stored pixels (1: already upright)
    dpi: float  # of the upright page
    icc: bytes | None = None

    @property
    def components(self) -> int:
        return 3 if self.colour_space == "/DeviceRGB" else 1


def picture(decoded: DecodedImage) -> Picture:
    """How page `decoded` goes into the PDF."""
    image = decoded.image
    dpi = decoded.dpi or max(MIN_DPI, max(image.size) / DEFAULT_PAGE_INCHES)
    jpeg = _uploaded_jpeg(decoded, dpi)
    if jpeg is not None:
        return jpeg
    space = _colour_space(image.mode)
    if decoded.source_format in LOSSY_FORMATS:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=JPEG_QUALITY)
        return Picture(buffer.getvalue(), *image.size, space, 8, "/DCTDecode", 1, dpi)
    if image.mode == "L" and not any(image.histogram()[1:255]):
        # black and white (a fax, a binarized scan): one bit a pixel, 1 for white as in Pillow
        return Picture(zlib.compress(image.convert("1").tobytes()), *image.size, space, 1, "/FlateDecode", 1, dpi)
    return Picture(zlib.compress(image.tobytes()), *image.size, space, 8, "/FlateDecode", 1, dpi)


def _uploaded_jpeg(decoded: DecodedImage, dpi: float) -> Picture | None:
    """The uploaded JPEG itself, when it is gray or RGB (CMYK JPEGs disagree on inverted inks)."""
    if decoded.source_format not in ("JPEG", "MPO") or decoded.original is None:
        return None
    with Image.open(io.BytesIO(decoded.original)) as header:  # reads the headers, not the pixels
        if header.mode not in ("L", "RGB"):
            return None
        data = decoded.original
        if header.format == "MPO":  # a phone's extra images (depth, HDR gain map) follow the photo
            # Pillow opens an MPO as an MpoImageFile, refusing one without its MP index
            assert isinstance(header, MpoImagePlugin.MpoImageFile) and header.mpinfo is not None
            data = data[: header.mpinfo[0xB002][0]["Size"]]
            if not data.endswith(_EOI):
                return None
        icc = header.info.get("icc_profile")
        space = _colour_space(header.mode)
        # the profile's own colour space (bytes 16-19) must match the pixels, or readers reject it
        if icc and icc[16:20] != (b"RGB " if header.mode == "RGB" else b"GRAY"):
            icc = None
        return Picture(data, *header.size, space, 8, "/DCTDecode", decoded.orientation, dpi, icc or None)


def _colour_space(mode: str) -> str:
    return "/DeviceRGB" if mode == "RGB" else "/DeviceGray"
