"""Bad input never falls over: every row gets its 4xx and error code, and the next request still reads text.

Odd but valid images (unusual modes, frames, sizes, broken metadata) are read, not refused.
Every input is built here; patches only observe or inject a failure.
"""

import base64
import io
import json
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from unittest import mock

import numpy as np
import pytesseract
import pytest
from conftest import INSTALLED, PPOCR_POOL, SAMPLE_TEXT, draw_text, encode, words_of
from PIL import Image, ImageCms, ImageFile

from app import create_app

EXPECTED = words_of(SAMPLE_TEXT)
UPLOAD_LIMIT = 20 * 1024 * 1024  # create_app's default OCR_MAX_UPLOAD_MB
UPLOAD_LIMIT_MESSAGE = "the upload is over the 20 MB limit; send a smaller or more compressed image"


# --- building inputs ----------------------------------------------------------


def small_png() -> bytes:
    return encode(draw_text("OK 42", font_px=32, margin=10))


def text_png() -> bytes:
    return encode(draw_text())


def text_jpeg() -> bytes:
    return encode(draw_text(), "JPEG", quality=90)


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_declaring(width: int, height: int) -> bytes:
    """A valid PNG header for a gray image of any size, with one row of pixel data: a few hundred bytes."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    row = zlib.compress(b"\0" * (width + 1), 9)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", row) + png_chunk(b"IEND", b"")


def corrupt_png() -> bytes:
    """A PNG whose pixel data was damaged in transit (the chunk checksum no longer matches)."""
    data = bytearray(text_png())
    idat = data.index(b"IDAT")
    data[idat + 20] ^= 0xFF
    return bytes(data)


def zip_archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("page.png", text_png())
    return buffer.getvalue()


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text y="9">Hi</text></svg>'
SVG_WITH_PROLOG = b'<?xml version="1.0" encoding="UTF-8"?>\n<!-- drawn by hand -->\n' + SVG
HTML = b"<!DOCTYPE html>\n<html><body><img src=photo.jpg></body></html>"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# --- sending it ---------------------------------------------------------------
# Each builder returns keyword arguments for client.open(); the request is built when the row runs.


def raw(data: bytes, content_type: str | None = "image/png", **query) -> dict:
    return {"data": data, "content_type": content_type, "query_string": query}


def upload(data: bytes, field: str = "image", filename: str = "photo.png", **fields) -> dict:
    return {"data": {field: (io.BytesIO(data), filename), **fields}, "content_type": "multipart/form-data"}


def multipart(body: bytes, boundary: str | None = "XyZ") -> dict:
    content_type = "multipart/form-data" + (f"; boundary={boundary}" if boundary else "")
    return {"data": body, "content_type": content_type}


def form_text_field(value: bytes) -> bytes:
    """A multipart form whose 'image' part is a text field (no filename), as curl -F image=<file sends."""
    return b'--XyZ\r\nContent-Disposition: form-data; name="image"\r\n\r\n' + value + b"\r\n--XyZ--\r\n"


def cut_off_multipart() -> bytes:
    head = b'--XyZ\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n'
    return head + text_png()[:300]  # the connection dropped: no closing boundary


def as_json(body, **query) -> dict:
    text = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return {"data": text, "content_type": "application/json", "query_string": query}


MISSING, MALFORMED, INVALID = "missing_image", "malformed_request", "invalid_option"
UNSUPPORTED, TOO_LARGE = "unsupported_image", "too_large"


@dataclass(frozen=True)
class Case:
    """One bad request: how to send it, and the status, error code and hint it must get back."""

    name: str
    send: Callable[[], dict]
    status: int
    code: str
    hint: str = ""
    method: str = "POST"


CASES = [
    # nothing, or the image in the wrong place
    Case("empty raw body", lambda: raw(b""), 400, MISSING, "empty"),
    Case("empty file in the form", lambda: upload(b""), 400, MISSING, "empty"),
    Case("no body and no content type", dict, 400, MISSING, "curl -F image=@photo.jpg"),
    Case("plain text body", lambda: raw(b"hello", "text/plain"), 400, MISSING, "Content-Type image/png"),
    Case("file under another field name", lambda: upload(text_png(), field="file"), 400, MISSING, "'file'"),
    Case("image field sent as text", lambda: multipart(form_text_field(b"hello")), 400, MISSING, "@"),
    Case("url-encoded base64 field", lambda: {"data": {"image": b64(small_png())}}, 400, MISSING, "holds text"),
    # malformed multipart
    Case("multipart without boundary", lambda: multipart(b"garbage", boundary=None), 400, MISSING, "curl -F"),
    Case("multipart with a garbage body", lambda: multipart(b"\x00\xff" * 50), 400, MISSING, "curl -F"),
    Case("multipart cut off mid-file", lambda: multipart(cut_off_multipart()), 400, MISSING, "curl -F"),
    # other things posing as images
    Case("text posing as PNG", lambda: raw(b"hello, world\n"), 415, UNSUPPORTED, "PNG, JPEG"),
    Case("HTML posing as JPEG", lambda: raw(HTML, "image/jpeg"), 415, UNSUPPORTED, "HTML"),
    Case("SVG", lambda: raw(SVG, "image/svg+xml"), 415, UNSUPPORTED, "export it as PNG"),
    Case("SVG behind an XML prolog", lambda: upload(SVG_WITH_PROLOG, filename="a.svg"), 415, UNSUPPORTED, "SVG"),
    Case("ZIP archive", lambda: upload(zip_archive(), filename="pages.zip"), 415, UNSUPPORTED, "ZIP"),
    Case("broken PDF posing as PNG", lambda: raw(PDF), 415, UNSUPPORTED, "PDF"),
    Case("broken PDF upload", lambda: upload(PDF, filename="scan.pdf"), 415, UNSUPPORTED, "damaged"),
    Case("random bytes", lambda: raw(np.random.default_rng(7).bytes(4096)), 415, UNSUPPORTED, "PNG, JPEG"),
    # cut-off and damaged images
    Case("PNG cut in half", lambda: raw(text_png()[: len(text_png()) // 2]), 415, UNSUPPORTED, "truncated"),
    Case("PNG signature only", lambda: raw(text_png()[:8]), 415, UNSUPPORTED, "truncated"),
    Case("JPEG cut off mid-scan", lambda: raw(text_jpeg()[:1500], "image/jpeg"), 415, UNSUPPORTED, "truncated"),
    Case("JPEG header only", lambda: raw(text_jpeg()[:200], "image/jpeg"), 415, UNSUPPORTED, "truncated"),
    Case("PNG with damaged pixel data", lambda: raw(corrupt_png()), 415, UNSUPPORTED, "corrupt"),
    # over the limits
    Case("60000x60000 PNG bomb", lambda: raw(png_declaring(60_000, 60_000)), 413, TOO_LARGE, "scale it down"),
    Case("49-megapixel PNG", lambda: upload(png_declaring(7000, 7000)), 413, TOO_LARGE, "7000x7000"),
    Case("strip wider than Tesseract reads", lambda: raw(png_declaring(40_000, 20)), 413, TOO_LARGE, "on a side"),
    Case("raw body over the upload limit", lambda: raw(bytes(UPLOAD_LIMIT + 1)), 413, TOO_LARGE, "20 MB"),
    Case("upload over the limit", lambda: upload(bytes(UPLOAD_LIMIT + 1)), 413, TOO_LARGE, "20 MB"),
    Case("JSON over the limit", lambda: as_json({"image": "A" * (UPLOAD_LIMIT + 4)}), 413, TOO_LARGE, "20 MB"),
    Case("huge text field", lambda: multipart(form_text_field(b"A" * 600_000)), 413, TOO_LARGE, "as a file"),
    # JSON, base64 and data: URLs
    Case("truncated JSON", lambda: as_json('{"image": "iVBOR'), 400, MALFORMED, "JSON object"),
    Case("JSON array", lambda: as_json([b64(small_png())]), 400, MALFORMED, "JSON object"),
    Case("JSON nested 100000 deep", lambda: as_json("[" * 100_000 + "]" * 100_000), 400, MALFORMED, "JSON"),
    Case("JSON not in UTF-8", lambda: as_json(b'{"image": "\xff\xfe"}'), 400, MALFORMED, "JSON"),
    Case("JSON without image", lambda: as_json({"picture": b64(small_png())}), 400, MISSING, '"image"'),
    Case("JSON image is a number", lambda: as_json({"image": 42}), 400, MISSING, '"image"'),
    Case("base64 of impossible length", lambda: as_json({"image": "abcde"}), 400, MALFORMED, "base64"),
    Case("base64 of punctuation", lambda: as_json({"image": "!!!!"}), 400, MALFORMED, "base64"),
    Case("base64 with non-ASCII", lambda: as_json({"image": "iVBOR\u00e9\u00e9"}), 400, MALFORMED, "base64"),
    Case("data URL not base64", lambda: as_json({"image": "data:image/png,abc"}), 400, MALFORMED, ";base64"),
    Case("data URL of HTML", lambda: as_json({"image": "data:text/html;base64,PGI+"}), 415, UNSUPPORTED, "text/html"),
    Case("base64 of a broken PDF", lambda: as_json({"image": b64(PDF)}), 415, UNSUPPORTED, "PDF"),
    Case("empty data URL", lambda: as_json({"image": "data:image/png;base64,"}), 400, MISSING, "empty"),
    # hostile option values
    Case("lang as a path", lambda: raw(small_png(), lang="../../tessdata/eng"), 400, INVALID, INSTALLED),
    Case("lang with a space", lambda: raw(small_png(), lang="eng deu"), 400, INVALID, "joined by '+'"),
    Case("lang as a flag", lambda: raw(small_png(), lang="--tessdata-dir"), 400, INVALID, "installed"),
    Case("lang with a dash", lambda: raw(small_png(), lang="chi-sim"), 400, INVALID, "installed"),
    Case("lang with shell syntax", lambda: raw(small_png(), lang="eng;rm -rf ~"), 400, INVALID, "installed"),
    Case("lang with a NUL", lambda: raw(small_png(), lang="eng\x00"), 400, INVALID, "installed"),
    Case("lang ending in +", lambda: raw(small_png(), lang="eng+"), 400, INVALID, "installed"),
    Case("lang not installed", lambda: raw(small_png(), lang="xx"), 400, INVALID, INSTALLED),
    Case("lang osd", lambda: raw(small_png(), lang="osd"), 400, INVALID, INSTALLED),
    Case("psm 0", lambda: raw(small_png(), psm="0"), 400, INVALID, "allowed: 1, 3"),
    Case("psm 2", lambda: raw(small_png(), psm="2"), 400, INVALID, "allowed"),
    Case("psm 14", lambda: raw(small_png(), psm="14"), 400, INVALID, "allowed"),
    Case("psm -1", lambda: raw(small_png(), psm="-1"), 400, INVALID, "allowed"),
    Case("psm 3.5", lambda: raw(small_png(), psm="3.5"), 400, INVALID, "not a number"),
    Case("psm 1e3", lambda: raw(small_png(), psm="1e3"), 400, INVALID, "not a number"),
    Case("psm with 5000 digits", lambda: raw(small_png(), psm="9" * 5000), 400, INVALID, "allowed"),
    Case("psm with a config flag", lambda: raw(small_png(), psm="3 -c tessedit_do_invert=0"), 400, INVALID, "number"),
    Case("preprocess with shell syntax", lambda: raw(small_png(), preprocess="contrast;ls"), 400, INVALID, "comma"),
    Case("preprocess of commas", lambda: raw(small_png(), preprocess=",,"), 400, INVALID, "comma list"),
    Case("preprocess as a path", lambda: raw(small_png(), preprocess="../grayscale"), 400, INVALID, "comma list"),
    Case("lang in the JSON body", lambda: as_json({"image": b64(small_png()), "lang": "../x"}), 400, INVALID, "lang"),
    Case("psm in the form", lambda: upload(small_png(), psm="x"), 400, INVALID, "not a number"),
    # wrong method
    Case("GET /ocr", dict, 405, "method_not_allowed", "POST", method="GET"),
    Case("PUT /ocr", lambda: raw(small_png()), 405, "method_not_allowed", "POST", method="PUT"),
]


def read_small_png(client) -> list[str]:
    response = client.post("/ocr", data=small_png(), content_type="image/png", query_string={"psm": "7"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return words_of(response.get_data(as_text=True))


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input_gets_its_4xx_and_the_server_keeps_serving(client, case):
    response = client.open("/ocr", method=case.method, headers={"Accept": "application/json"}, **case.send())
    body = response.get_data(as_text=True)
    assert (response.status_code, response.mimetype) == (case.status, "application/json"), body
    error = response.json["error"]
    assert error.pop("request_id") == response.headers["X-Request-ID"]
    assert set(error) == {"code", "message"}
    assert error["code"] == case.code
    assert case.hint in error["message"]
    assert "Traceback" not in body
    assert read_small_png(client) == ["ok", "42"]


def test_the_table_is_big_enough():
    assert len(CASES) >= 30
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize(
    ("accept", "mimetype"),
    [("application/json", "application/json"), ("text/html", "text/html"), ("*/*", "text/plain")],
)
def test_a_refusal_comes_in_the_negotiated_format(client, accept, mimetype):
    response = client.post("/ocr", data=PDF, content_type="image/png", headers={"Accept": accept})
    assert (response.status_code, response.mimetype) == (415, mimetype)
    assert "PDF" in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


# --- limits -------------------------------------------------------------------


def test_bomb_is_refused_before_any_pixel_is_decoded(client):
    bomb = png_declaring(60_000, 60_000)
    assert len(bomb) < 1000  # declares 3.6 gigapixels
    # ImageFile.load decodes file images and ends in Image.load: watch both, change neither.
    with (
        mock.patch.object(ImageFile.ImageFile, "load", autospec=True, side_effect=ImageFile.ImageFile.load) as decode,
        mock.patch.object(Image.Image, "load", autospec=True, side_effect=Image.Image.load) as load,
    ):
        response = client.post("/ocr", data=bomb, content_type="image/png", headers={"Accept": "application/json"})
        assert response.status_code == 413
        assert response.json["error"]["code"] == "too_large"
        assert decode.call_count == load.call_count == 0
        # the same watch does see an ordinary upload decode
        assert read_small_png(client) == ["ok", "42"]
        assert decode.call_count > 0 and load.call_count > 0


def test_the_pixel_limit_is_ocr_max_pixels_even_far_past_it(monkeypatch, tmp_path):
    monkeypatch.setenv("OCR_MAX_PIXELS", "1234567")
    monkeypatch.setenv("OCR_SLOT_DIR", str(tmp_path))
    client = create_app(ppocr_children=PPOCR_POOL).test_client()
    for width, height in ((1200, 1100), (4000, 4000)):  # just over, and past twice the limit
        response = client.post(
            "/ocr", data=png_declaring(width, height), content_type="image/png", headers={"Accept": "application/json"}
        )
        assert response.status_code == 413
        assert "over the limit of 1,234,567" in response.json["error"]["message"]
    assert read_small_png(client) == ["ok", "42"]


class CountingStream(io.RawIOBase):
    """A request body of `size` zero bytes that counts how much the server read."""

    def __init__(self, size: int):
        self.size, self.position, self.consumed = size, 0, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True  # the test client measures the body by seeking to its end and back

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self.position = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence] + offset
        return self.position

    def tell(self) -> int:
        return self.position

    def readinto(self, buffer) -> int:
        count = max(0, min(len(buffer), self.size - self.position))
        buffer[:count] = bytes(count)
        self.position += count
        self.consumed += count
        return count


@pytest.mark.parametrize("content_type", ["image/png", "multipart/form-data; boundary=XyZ", "application/json"])
def test_declared_oversized_body_is_refused_unread(client, content_type):
    body = CountingStream(200 * 1024 * 1024)
    response = client.post("/ocr", input_stream=body, content_type=content_type, headers={"Accept": "application/json"})
    assert response.status_code == 413
    assert response.json["error"]["code"] == "too_large"
    assert body.consumed == 0


@pytest.mark.parametrize("content_type", ["image/png", "multipart/form-data; boundary=XyZ", "application/json"])
def test_chunked_oversized_body_is_refused_at_the_limit(client, content_type):
    body = CountingStream(200 * 1024 * 1024)
    response = client.post(
        "/ocr",
        input_stream=body,
        content_type=content_type,
        headers={"Accept": "application/json", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},  # as gunicorn marks a chunked body
    )
    assert response.status_code == 413
    assert response.json["error"] == {
        "code": "too_large",
        "message": UPLOAD_LIMIT_MESSAGE,
        "request_id": response.headers["X-Request-ID"],
    }
    assert body.consumed <= UPLOAD_LIMIT


def test_chunked_body_under_the_limit_is_read(client):
    response = client.post(
        "/ocr",
        input_stream=io.BytesIO(small_png()),
        content_type="image/png",
        query_string={"psm": "7"},
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 200
    assert words_of(response.get_data(as_text=True)) == ["ok", "42"]


# --- options that are not options ---------------------------------------------


@pytest.fixture
def cli_client(tmp_path):
    """A server running the `tesseract` command (OCR_ENGINE=cli), whose arguments and files are watched here."""
    return create_app(
        {"TESTING": True, "SLOT_DIR": str(tmp_path), "TIMEOUT_S": 30, "ENGINE": "cli"}, ppocr_children=PPOCR_POOL
    ).test_client()


def test_free_form_tesseract_settings_are_ignored(cli_client):
    client = cli_client
    fields = {"config": "--tessdata-dir /tmp", "oem": "0", "tessdata-dir": "/tmp", "c": "tessedit_write_images=1"}
    with mock.patch("pytesseract.image_to_data", wraps=pytesseract.image_to_data) as image_to_data:
        response = client.post(
            "/ocr",
            data={"image": (io.BytesIO(small_png()), "a.png"), "psm": "7", **fields},
            headers={"Accept": "application/json"},
        )
    assert response.status_code == 200
    assert words_of(response.json["text"]) == ["ok", "42"]
    sent = json.dumps([image_to_data.call_args.args[1:], image_to_data.call_args.kwargs], default=str)
    assert "tmp" not in sent and "oem" not in sent and "tessedit" not in sent


# --- no leftovers -------------------------------------------------------------


def test_a_failed_tesseract_run_leaves_no_temp_file(cli_client, tmp_path, monkeypatch):
    client = cli_client
    assert read_small_png(client) == ["ok", "42"]  # the language list is cached before Tesseract breaks
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "false")  # inject: Tesseract exits 1
    response = client.post("/ocr", data=small_png(), content_type="image/png", headers={"Accept": "application/json"})
    assert (response.status_code, response.json["error"]["code"]) == (500, "engine_error")
    assert list(scratch.iterdir()) == []


def test_a_successful_run_leaves_no_temp_file(client, tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    assert read_small_png(client) == ["ok", "42"]
    assert list(scratch.iterdir()) == []


# --- odd but valid images -----------------------------------------------------


def text_mask() -> np.ndarray:
    """True where the sample text has ink."""
    return np.asarray(draw_text(mode="L")) < 128


def sixteen_bit_png() -> bytes:
    gray = np.asarray(draw_text(mode="L"), dtype=np.uint16) * 257
    return encode(Image.fromarray(gray))  # mode I;16: a 16-bit grayscale PNG


def invisible_without_alpha(mode: str) -> bytes:
    """Black text on transparent black: only the alpha channel tells text from background."""
    alpha = text_mask().astype(np.uint8) * 255
    channels = 1 if mode == "LA" else 3
    pixels = np.dstack([np.zeros_like(alpha)] * channels + [alpha])
    return encode(Image.fromarray(pixels, mode))


def palette_with_transparency() -> bytes:
    image = Image.fromarray(text_mask().astype(np.uint8), "L").convert("P")
    image.putpalette([0, 0, 0] * 2)  # background and ink are both black; index 0 is transparent
    return encode(image, "PNG", transparency=0)


def premultiplied_gray_alpha_tiff() -> bytes:
    """Gray with associated alpha (ExtraSamples=1), which Pillow opens in mode La."""
    data = bytearray(encode(draw_text(mode="LA"), "TIFF"))
    ifd = struct.unpack("<I", data[4:8])[0]
    for i in range(struct.unpack("<H", data[ifd : ifd + 2])[0]):
        entry = ifd + 2 + 12 * i
        if struct.unpack("<H", data[entry : entry + 2])[0] == 338:  # ExtraSamples
            data[entry + 8] = 1
    assert Image.open(io.BytesIO(data)).mode == "La"
    return bytes(data)


def frames(fmt: str) -> bytes:
    first, second = draw_text(), draw_text("Something else entirely")
    buffer = io.BytesIO()
    first.save(buffer, fmt, save_all=True, append_images=[second], **({"duration": 100} if fmt == "GIF" else {}))
    return buffer.getvalue()


def with_exif(block: bytes) -> bytes:
    return encode(draw_text(), "JPEG", quality=95, exif=block)


def exif_orientation(field_type: int, value: bytes, count: int = 1) -> bytes:
    """An EXIF block whose one entry is Orientation, of any TIFF field type (Pillow writes only SHORT)."""
    after_ifd = 8 + 2 + 12 + 4
    inline = value.ljust(4, b"\0") if len(value) <= 4 else struct.pack("<I", after_ifd)
    entry = struct.pack("<HHI", 0x0112, field_type, count) + inline
    tiff = b"II*\x00" + struct.pack("<IH", 8, 1) + entry + struct.pack("<I", 0)
    return b"Exif\x00\x00" + tiff + (value if len(value) > 4 else b"")


def with_icc(profile: bytes) -> bytes:
    return encode(draw_text(), "JPEG", quality=95, icc_profile=profile)


SRGB_ICC = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()

FAX_PAGE = {"compression": "group4"}
CUT_OFF_EXIF = b"Exif\x00\x00II*\x00\x08\x00\x00\x00\x05\x00\x12\x01\x03\x00"  # 5 entries promised, half of one sent


@dataclass(frozen=True)
class Odd:
    """A valid image an OCR server rarely sees, and the words it must give back ([] for no text)."""

    name: str
    build: Callable[[], bytes]
    words: tuple[str, ...] = tuple(EXPECTED)
    preprocess: str = "auto"


ODD_IMAGES = [
    Odd("CMYK JPEG", lambda: encode(draw_text().convert("CMYK"), "JPEG", quality=95)),
    Odd("CMYK TIFF", lambda: encode(draw_text().convert("CMYK"), "TIFF")),
    Odd("16-bit gray PNG", sixteen_bit_png),
    Odd("16-bit gray TIFF", lambda: encode(Image.open(io.BytesIO(sixteen_bit_png())), "TIFF")),
    Odd("RGBA, text only in alpha", lambda: invisible_without_alpha("RGBA")),
    Odd("LA, text only in alpha", lambda: invisible_without_alpha("LA")),
    Odd("palette with a transparent index", palette_with_transparency),
    Odd("gray with premultiplied alpha TIFF", premultiplied_gray_alpha_tiff),
    Odd("CIELAB TIFF", lambda: encode(draw_text().convert("LAB"), "TIFF")),
    Odd("1-bit PNG", lambda: encode(draw_text(mode="1", ink=0, paper=1))),
    Odd("1-bit fax TIFF", lambda: encode(draw_text(mode="1", ink=0, paper=1), "TIFF", **FAX_PAGE)),
    Odd("animated GIF reads frame one", lambda: frames("GIF")),
    Odd("multi-page TIFF reads every page", lambda: frames("TIFF"), (*EXPECTED, "something", "else", "entirely")),
    Odd("WebP", lambda: encode(draw_text(), "WEBP", lossless=True)),
    Odd("BMP", lambda: encode(draw_text(), "BMP")),
    Odd("JPEG with an sRGB profile", lambda: with_icc(SRGB_ICC)),
    Odd("JPEG with a garbage ICC profile", lambda: with_icc(b"not a colour profile" * 10)),
    Odd("JPEG without EXIF", text_jpeg),
    Odd("EXIF orientation as text", lambda: with_exif(exif_orientation(2, b"6\0", count=2))),
    Odd("EXIF orientation -1", lambda: with_exif(exif_orientation(8, struct.pack("<h", -1)))),
    Odd("EXIF orientation 1/3", lambda: with_exif(exif_orientation(5, struct.pack("<II", 1, 3)))),
    Odd("EXIF block of garbage", lambda: with_exif(b"Exif\x00\x00" + bytes(range(256)) * 2)),
    Odd("EXIF with a cut-off directory", lambda: with_exif(CUT_OFF_EXIF)),
    Odd("1x1 pixel", lambda: encode(Image.new("RGB", (1, 1), "white")), words=()),
    Odd("1x1 1-bit without preprocessing", lambda: encode(Image.new("1", (1, 1), 1)), words=(), preprocess="none"),
    Odd("blank A4 page", lambda: encode(Image.new("L", (2480, 3508), 255)), words=()),
    Odd("20000x12 strip", lambda: encode(Image.new("L", (20_000, 12), 255)), words=()),
    Odd("12x20000 strip", lambda: encode(Image.new("L", (12, 20_000), 255)), words=()),
]


@pytest.mark.parametrize("odd", ODD_IMAGES, ids=[odd.name for odd in ODD_IMAGES])
def test_odd_but_valid_image_is_read(client, odd):
    data = odd.build()
    response = client.post(
        "/ocr", data={"image": (io.BytesIO(data), "upload"), "preprocess": odd.preprocess, "format": "json"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    result = response.json
    assert words_of(result["text"]) == list(odd.words)
    assert (result["image"]["width"], result["image"]["height"]) == Image.open(io.BytesIO(data)).size


@pytest.mark.parametrize("steps", ["binarize", "sauvola"])
def test_a_tiny_binarized_image_is_read(client, steps):
    tiny = encode(Image.new("L", (3, 3), 255))
    query = {"preprocess": steps, "format": "json"}
    response = client.post("/ocr", data=tiny, content_type="image/png", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["text"] == ""
