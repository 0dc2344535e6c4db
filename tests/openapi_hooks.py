"""Schemathesis hooks: real images where the OpenAPI document says "an image".

JSON Schema can say "bytes" but not "bytes an image decoder reads", so Schemathesis alone sends
random bytes as the upload, which the server rightly refuses (415) though the schema allows
them. These hooks, which Schemathesis documents for such media types, make the uploads small
generated images (PNG, JPEG, GIF, WebP, TIFF, BMP and PDF, of random sizes, colours and marks)
wherever a request is meant to be valid: a raw body, the form's `image` file and the JSON
body's base64 `image`. Everything else, the options included, is generated from the document.

schemathesis.toml loads this file, so `schemathesis run http://127.0.0.1:5000/openapi.json`
run from the repository uses it; elsewhere: SCHEMATHESIS_HOOKS=tests/openapi_hooks.py.
"""

import base64
import io

import schemathesis
from hypothesis import strategies as st
from PIL import Image, ImageDraw

# Pillow's name of each format and the modes it saves
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


@st.composite
def pictures(draw, media_type: str) -> bytes:
    """A small image in the format of `media_type`: a page colour and a few dark marks on it."""
    name, modes = FORMATS[media_type]
    width, height = draw(st.integers(1, 120)), draw(st.integers(1, 120))
    paper = draw(st.tuples(*[st.integers(0, 255)] * 3))
    image = Image.new("RGB", (width, height), paper)
    pen = ImageDraw.Draw(image)
    for _ in range(draw(st.integers(0, 4))):
        x0, y0 = draw(st.integers(0, width - 1)), draw(st.integers(0, height - 1))
        x1, y1 = draw(st.integers(x0, width - 1)), draw(st.integers(y0, height - 1))
        pen.rectangle((x0, y0, x1, y1), fill=draw(st.tuples(*[st.integers(0, 255)] * 3)))
    image = image.convert(draw(st.sampled_from(modes)))
    buffer = io.BytesIO()
    image.save(buffer, name)
    return buffer.getvalue()


any_picture = st.sampled_from(sorted(FORMATS)).flatmap(lambda media_type: st.tuples(st.just(media_type), pictures(media_type)))

for _media_type in FORMATS:
    schemathesis.openapi.media_type(_media_type, pictures(_media_type))


@schemathesis.hook
def flatmap_body(context, body):
    """The JSON body's `image` string becomes a picture in base64 (or as a data: URL); anything
    else in it, and an `image` that is not a string (a negative case), is left as generated."""
    operation = context.operation
    if (
        operation is None
        or operation.path not in UPLOAD_PATHS
        or not isinstance(body, dict)
        or not isinstance(body.get("image"), str)
    ):
        return st.just(body)
    return st.tuples(any_picture, st.booleans()).map(lambda drawn: {**body, "image": _encode(*drawn)})


def _encode(picture: tuple[str, bytes], as_data_url: bool) -> str:
    media_type, data = picture
    encoded = base64.b64encode(data).decode()
    return f"data:{media_type};base64,{encoded}" if as_data_url else encoded
