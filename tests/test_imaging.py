"""Decoding: formats, limits, EXIF orientation and odd image modes."""

import io

import pytest
from conftest import encode
from PIL import Image

from ocr.input.images import open_pages
from ocr.model.errors import MissingImage, TooLarge, UnsupportedImage

LIMIT = 40_000_000


def decode(data: bytes, *, max_pixels: int):
    """The first page of an upload."""
    with open_pages(data, max_pixels=max_pixels, max_pages=50) as pages:
        return pages.decode(0)


def exif_with(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif.tobytes()


def test_exif_orientation_makes_the_image_upright():
    upright = Image.new("RGB", (200, 100), "white")
    upright.paste((0, 0, 0), (0, 0, 20, 20))  # mark the top-left corner
    stored = upright.transpose(Image.Transpose.ROTATE_90)
    decoded = decode(encode(stored, "JPEG", exif=exif_with(6)), max_pixels=LIMIT)
    assert decoded.transposed
    assert decoded.image.size == (200, 100)
    assert decoded.image.convert("L").getpixel((5, 5)) < 60


@pytest.mark.parametrize("orientation", [0, 1, 9, 400])
def test_invalid_or_neutral_orientation_changes_nothing(orientation):
    decoded = decode(encode(Image.new("RGB", (30, 20)), "JPEG", exif=exif_with(orientation)), max_pixels=LIMIT)
    assert not decoded.transposed
    assert decoded.image.size == (30, 20)


@pytest.mark.parametrize(
    ("mode", "fmt"),
    [("CMYK", "JPEG"), ("RGBA", "PNG"), ("LA", "PNG"), ("P", "GIF"), ("1", "PNG"), ("I;16", "PNG"), ("L", "TIFF")],
)
def test_modes_come_out_as_l_or_rgb(mode, fmt):
    decoded = decode(encode(Image.new(mode, (40, 30)), fmt), max_pixels=LIMIT)
    assert decoded.image.mode in ("1", "L", "RGB")
    assert decoded.image.size == (40, 30)


def test_transparent_pixels_become_white():
    image = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    decoded = decode(encode(image, "PNG"), max_pixels=LIMIT)
    assert decoded.image.getpixel((5, 5)) == (255, 255, 255)


def test_sixteen_bit_keeps_its_contrast():
    image = Image.new("I;16", (10, 10), 1000)
    image.paste(60000, (0, 0, 5, 10))
    decoded = decode(encode(image, "PNG"), max_pixels=LIMIT)
    assert decoded.image.getpixel((1, 1)) == 255 and decoded.image.getpixel((8, 1)) == 0


def test_first_frame_of_an_animation():
    frames = [Image.new("L", (20, 20), shade) for shade in (0, 255)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])
    assert decode(buffer.getvalue(), max_pixels=LIMIT).image.convert("L").getpixel((1, 1)) == 0


def test_empty_is_missing():
    with pytest.raises(MissingImage):
        decode(b"", max_pixels=LIMIT)


@pytest.mark.parametrize(
    ("data", "hint"),
    [
        (b"%PDF-1.7\n...", "PDF"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "SVG"),
        (b"<!DOCTYPE html><html></html>", "HTML"),
        (b"PK\x03\x04zipzip", "ZIP"),
        (b"just some text", "PNG, JPEG"),
    ],
)
def test_non_images_are_unsupported(data, hint):
    with pytest.raises(UnsupportedImage) as caught:
        decode(data, max_pixels=LIMIT)
    assert hint in caught.value.message


def test_over_the_pixel_limit_is_refused_before_decoding():
    with pytest.raises(TooLarge) as caught:
        decode(encode(Image.new("L", (300, 200))), max_pixels=50_000)
    assert "300x200" in caught.value.message


@pytest.mark.parametrize(
    ("fmt", "declared", "expected"),
    [("PNG", 300, 300), ("TIFF", 600, 600), ("JPEG", 72, None), ("PNG", 96, 96), ("JPEG", 20, None)],
)
def test_a_cameras_72_dpi_is_not_believed(fmt, declared, expected):
    """Phones write 72 dpi for pictures of any size; a screenshot's 96 is true."""
    data = encode(Image.new("L", (80, 60), 255), fmt, dpi=(declared, declared))
    dpi = decode(data, max_pixels=LIMIT).dpi
    assert (dpi and round(dpi)) == expected
