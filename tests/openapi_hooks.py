"""Schemathesis hooks: a real image where the OpenAPI document says "an image".

JSON Schema can say "bytes" but not "bytes an image decoder reads", so Schemathesis alone
sends random bytes as the upload, which the server rightly refuses (415) though the schema
allows them. These hooks make the uploads small generated images (PNG, JPEG, GIF, WebP, TIFF,
BMP or PDF, of random sizes, colours and marks): the raw bodies and the form's `image` file
through media type strategies (Schemathesis's way for binary formats; the document names each
media type, the form's in its `encoding`), and the JSON body's base64 `image` string by a hook
run before each request, where the string generated is one the schema allows. Everything else,
the options included, is sent as generated; Schemathesis re-checks a request a hook changed,
so one invalid somewhere else is still tested as invalid.

schemathesis.toml loads this file, so `schemathesis run http://127.0.0.1:5000/openapi.json`
run from the repository uses it; from elsewhere: SCHEMATHESIS_HOOKS=tests/openapi_hooks.py.
"""

import base64
import hashlib
import io
import random

import schemathesis
from hypothesis import strategies as st
from PIL import Image, ImageDraw

# Pillow's name of each format, and the modes it saves
FORMATS = {
    "image/png": ("PNG", ("1", "L", "RGB", "RGBA", "P")),
    "image/jpeg": ("JPEG", ("L", "RGB")),
    "image/gif": ("GIF", ("L", "P")),
    "image/webp": ("WEBP", ("RGB", "RGBA")),
    "image/tiff": ("TIFF", ("1", "L", "RGB")),
    "image/bmp": ("BMP", ("1", "L", "RGB")),
    "application/pdf": ("PDF", ("L", "RGB")),
}
UPLOAD_PATHS = ("/ocr", "/jobs")


@schemathesis.hook
def before_call(context, case, kwargs):
    """The JSON body's `image` string, where the schema allows it, becomes a picture's base64."""
    if case.operation.path not in UPLOAD_PATHS or (case.media_type or "").split(";")[0] != "application/json":
        return
    body = case.body
    if isinstance(body, dict) and isinstance(body.get("image"), str) and body["image"]:
        chosen = _rng(body["image"]).choice(sorted(FORMATS))
        case.body = {**body, "image": _as_text(chosen, picture(chosen, body["image"]), body["image"])}


def picture(media_type: str, seed) -> bytes:
    """A small image in `media_type`'s format: a page colour and a few marks, drawn from `seed`."""
    rng = _rng(seed)
    name, modes = FORMATS[media_type]
    width, height = rng.randint(1, 120), rng.randint(1, 120)
    image = Image.new("RGB", (width, height), _colour(rng))
    pen = ImageDraw.Draw(image)
    for _ in range(rng.randint(0, 4)):
        x0, y0 = rng.randrange(width), rng.randrange(height)
        pen.rectangle((x0, y0, rng.randint(x0, width - 1), rng.randint(y0, height - 1)), fill=_colour(rng))
    buffer = io.BytesIO()
    image.convert(rng.choice(modes)).save(buffer, name)
    return buffer.getvalue()


def _as_text(media_type: str, data: bytes, seed: str) -> str:
    encoded = base64.b64encode(data).decode()
    return f"data:{media_type};base64,{encoded}" if _rng(seed + "url").random() < 0.3 else encoded


def _colour(rng: random.Random) -> tuple[int, int, int]:
    return rng.randrange(256), rng.randrange(256), rng.randrange(256)


def _rng(seed) -> random.Random:
    data = seed.encode("utf-8", "surrogatepass") if isinstance(seed, str) else seed
    return random.Random(hashlib.sha256(data).digest())


for _media_type in FORMATS:
    schemathesis.openapi.media_type(
        _media_type, st.binary(min_size=8, max_size=8).map(lambda seed, m=_media_type: picture(m, seed))
    )
