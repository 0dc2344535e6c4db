"""Property: whatever bytes and option strings arrive, POST /ocr answers 2xx or a 4xx, never a 5xx."""

import base64
import io
import struct
import zlib

from conftest import draw_text, encode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageCms

from ocr.model.options import ALLOWED_PSM
from ocr.preprocess import STEPS

# Small pages keep each Tesseract run short; the parsers see the same structures as in a big one.
_PAGE = draw_text("Fuzz 42", font_px=24, margin=8)
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
SEEDS = {
    "png": encode(_PAGE),
    "png-palette": encode(_PAGE.convert("P", palette=Image.Palette.ADAPTIVE, colors=4), transparency=0),
    "jpeg": encode(_PAGE, "JPEG", quality=80),
    "jpeg-icc": encode(_PAGE.convert("CMYK"), "JPEG", quality=80, icc_profile=_SRGB),
    "gif": encode(_PAGE, "GIF"),
    "tiff": encode(_PAGE.convert("L"), "TIFF", compression="tiff_lzw"),
}
ALLOWED = {200, 400, 413, 415}  # sequential requests: never 503, and nothing is slow enough for 504
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def fix_png_checksums(data: bytearray) -> bytearray:
    """Recompute every chunk CRC, so a mutation reaches the PNG parser instead of its checksum test."""
    at = 8
    while at + 12 <= len(data):
        length = struct.unpack(">I", data[at : at + 4])[0]
        end = at + 8 + length
        if end + 4 > len(data):
            break
        data[end : end + 4] = struct.pack(">I", zlib.crc32(bytes(data[at + 4 : end])))
        at = end + 4
    return data


@st.composite
def mutated_images(draw) -> bytes:
    """A seed image after a few bit flips, cuts, splices, insertions or deletions, mostly in its headers."""
    name = draw(st.sampled_from(sorted(SEEDS)))
    data = bytearray(SEEDS[name])
    for _ in range(draw(st.integers(1, 3))):
        if not data:
            break
        at = draw(st.one_of(st.integers(0, min(200, len(data) - 1)), st.integers(0, len(data) - 1)))
        kind = draw(st.sampled_from(["flip", "flip", "flip", "int", "int", "cut", "splice", "insert", "delete"]))
        if kind == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "cut":
            del data[at:]
        elif kind == "splice":
            donor = SEEDS[draw(st.sampled_from(sorted(SEEDS)))]
            start = draw(st.integers(0, len(donor) - 1))
            data[at : at + draw(st.integers(1, 64))] = donor[start : start + draw(st.integers(1, 256))]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        else:  # a 16- or 32-bit field (a size, an offset, a count) set to an extreme
            size = draw(st.sampled_from([2, 4]))
            value = draw(st.sampled_from([0, 1, 60000, 2 ** (8 * size - 1), 2 ** (8 * size) - 1]))
            data[at : at + size] = value.to_bytes(size, draw(st.sampled_from(["big", "little"])))
    if name.startswith("png") and draw(st.integers(0, 3)):  # mostly: a bad checksum ends the story early
        data = fix_png_checksums(data)
    return bytes(data)


free_text = st.text(max_size=30)
step_lists = st.lists(st.sampled_from(sorted(STEPS)), min_size=1, max_size=4).map(",".join)
# Valid options, so a mutated image is decoded instead of the request stopping at a bad option.
valid_options = st.fixed_dictionaries(
    {},
    optional={
        "lang": st.sampled_from(["eng", "eng+eng", ""]),
        "psm": st.sampled_from(["", *map(str, ALLOWED_PSM)]),
        "preprocess": st.one_of(st.sampled_from(["auto", "none"]), step_lists),
        "format": st.sampled_from(["text", "json", "html"]),
    },
)
options = st.fixed_dictionaries(
    {},
    optional={
        "lang": st.one_of(st.sampled_from(["eng", "eng+eng", "osd", "deu", "", "ENG", "eng+", "../eng"]), free_text),
        "psm": st.one_of(st.integers(-2, 15).map(str), st.sampled_from(["", " 7 ", "1e1", "0x3", "\u0663"]), free_text),
        "preprocess": st.one_of(st.sampled_from(["auto", "none", "", "AUTO", ",", "binarize,"]), step_lists, free_text),
        "format": st.one_of(st.sampled_from(["text", "json", "html", "", "xml", "JSON"]), free_text),
    },
)
transports = st.sampled_from(["raw", "multipart", "json", "data-url"])


def post(client, data: bytes, fields: dict[str, str], transport: str):
    """Send the image and options the way a client of this transport would."""
    if transport == "raw":
        return client.post("/ocr", data=data, content_type="image/png", query_string=fields)
    if transport == "multipart":
        return client.post("/ocr", data={"image": (io.BytesIO(data), "photo"), **fields})
    encoded = base64.b64encode(data).decode()
    image = "data:image/png;base64," + encoded if transport == "data-url" else encoded
    return client.post("/ocr", json={"image": image, **fields})


def assert_answered(response) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code in ALLOWED, body
    assert "Traceback" not in body
    if response.status_code >= 400 and response.mimetype == "application/json":
        assert set(response.json["error"]) == {"code", "message", "request_id"}
        assert response.json["error"]["message"]


@FUZZ
@given(data=mutated_images(), fields=valid_options, transport=transports)
def test_mutated_images_never_get_a_5xx(client, data, fields, transport):
    assert_answered(post(client, data, fields, transport))


@FUZZ
@given(fields=options, transport=transports)
def test_random_options_never_get_a_5xx(client, fields, transport):
    assert_answered(post(client, SEEDS["png"], fields, transport))
