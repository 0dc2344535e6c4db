"""Small JPEG previews of a page as uploaded and as Tesseract saw it, for the result view."""

import base64
import io

from PIL import Image

PREVIEW_SIDE = 1600


def previews(original: Image.Image, prepared: Image.Image) -> dict[str, str]:
    """Data URLs of the page as read and as preprocessed."""
    return {"original": _preview(original), "preprocessed": _preview(prepared)}


def _preview(image: Image.Image) -> str:
    small = image.convert("RGB" if image.mode == "RGB" else "L")
    small.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
    buffer = io.BytesIO()
    small.save(buffer, "JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()
