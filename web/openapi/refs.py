"""What the parts of the document share: $refs into its components, media types and the example."""

from pathlib import Path

EXAMPLE_IMAGE = Path(__file__).resolve().parents[2] / "static" / "examples" / "hello.png"
EXAMPLE_TEXT = "Hello, OCR 42"
# What a raw body or the form's file may be: each sniffed from its bytes, whatever it is called.
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/tiff", "image/bmp", "image/heic")
TEXT = "text/plain; charset=utf-8"
HTML = "text/html; charset=utf-8"
JSON = "application/json"
PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8"
OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8"


def ref(kind: str, name: str) -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}
