"""Reading a request: the image bytes and fields (multipart, raw body or JSON), the options
and limits they ask for, and the response format."""

import base64
import binascii
import io
import re

from flask import Request, current_app, request

from ocr.engines import tesseract_data
from ocr.model.errors import InvalidOption, MalformedRequest, MissingImage, TooLarge, UnsupportedImage
from ocr.model.limits import Limits
from ocr.model.options import ENGINES, TESSERACT_ENGINES, OcrOptions, parse_options
from ocr.output import renderings, spreadsheets
from ocr.preprocess import STEPS

# By Accept header; hOCR, ALTO and TSV only by the format field, since browsers accept XML.
NEGOTIABLE = {"text": "text/plain", "json": "application/json", "html": "text/html", "pdf": "application/pdf"}
FORMATS = {**NEGOTIABLE, **renderings.MIMETYPES, **spreadsheets.MIMETYPES}
# fields of a query, form or JSON body
OPTION_FIELDS = ("lang", "psm", "preprocess", "engine", "previews", "format", "table")
MAX_TABLE = 999  # table=N: which table a spreadsheet holds
TABLE_PATTERN = f"[1-9][0-9]{{0,{len(str(MAX_TABLE)) - 1}}}"  # 1 to MAX_TABLE, as the OpenAPI document says


class InMemoryRequest(Request):
    """Keep uploaded files in memory (bounded by MAX_CONTENT_LENGTH): nothing touches the disk."""

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        return io.BytesIO()


def read_request() -> tuple[dict[str, str], bytes]:
    """Options and image bytes from a multipart form, a raw image/* (or PDF) body or a JSON body.

    Options come from the query, and from the form or the JSON body too: there the body's value
    is used, after the query's was checked as well (every value sent must be valid).
    """
    mimetype = request.mimetype
    if mimetype == "application/json":
        return _read_json()
    _refuse_cut_off_body()
    if mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        fields = _merge(_fields_of(request.args), _fields_of(request.form))
        upload = request.files.get("image")
        if upload is None:
            raise MissingImage(_missing_upload_message())
        return fields, upload.read()
    if mimetype.startswith("image/") or mimetype in ("application/pdf", "application/octet-stream"):
        data = request.get_data(cache=False)
        _refuse_cut_off_body()
        return _fields_of(request.args), data
    raise MissingImage(
        "no image in the request: send multipart field 'image' (curl -F image=@photo.jpg), "
        'a raw body with Content-Type image/png or image/jpeg, or JSON {"image": "<base64>"}'
    )


def _fields_of(values) -> dict[str, str]:
    """A query's or a form's fields; a multi-select sends one 'lang' field per language."""
    fields = values.to_dict()
    if len(values.getlist("lang")) > 1:
        fields["lang"] = "+".join(values.getlist("lang"))
    return fields


def _merge(query: dict[str, str], body: dict[str, str]) -> dict[str, str]:
    """The body's fields over the query's, once the query's values they replace are found valid;
    languages named in both are read together."""
    replaced = {name: query[name] for name in OPTION_FIELDS if name in query and name in body and name != "lang"}
    if replaced:
        response_format(replaced)
        ocr_options(replaced)
        table_number(replaced)
    fields = query | body
    if "lang" in query and "lang" in body:
        fields["lang"] = f"{query['lang']}+{body['lang']}"
    return fields


def _refuse_cut_off_body() -> None:
    """Werkzeug stops a chunked body at MAX_CONTENT_LENGTH without an error: call that over the limit."""
    # Without this the first OCR_MAX_UPLOAD_MB of a larger upload would be read as a corrupt image or an empty form.
    if request.content_length is None and getattr(request.stream, "is_exhausted", False):
        raise TooLarge(upload_limit_message())


def _missing_upload_message() -> str:
    """Say what the form held instead of a file named 'image'."""
    if "image" in request.form:
        # curl -F image=<photo.jpg (or a script posting the bytes as a string) sends text, not a file
        return (
            "the form field 'image' holds text, not a file; attach the file itself: "
            "curl -F image=@photo.jpg (the @ makes curl send the file)"
        )
    named = ", ".join(f"'{name}'" for name in request.files) or "none"
    return f"no file in the form field 'image' (file fields sent: {named}); send it as: curl -F image=@photo.jpg"


def _read_json() -> tuple[dict[str, str], bytes]:
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # deeply nested arrays: json raises this, not the ValueError `silent` catches
        body = None
    _refuse_cut_off_body()
    if not isinstance(body, dict):
        raise MalformedRequest('the body is not a JSON object; send {"image": "<base64 or data: URL>"}')
    fields = _merge(_fields_of(request.args), _json_fields(body))
    image = body.get("image")
    if not isinstance(image, str) or not image.strip():
        raise MissingImage('the JSON has no "image" string; send {"image": "<base64 or data: URL>"}')
    return fields, _decode_base64(image)


def _json_fields(body: dict) -> dict[str, str]:
    """The options of a JSON body as the strings a form would send: numbers as digits, true and
    false as 'true' and 'false'. Other fields are ignored; an option of another type is refused."""
    fields = {}
    for name in OPTION_FIELDS:
        if name not in body:
            continue
        value = body[name]
        if isinstance(value, bool):
            fields[name] = "true" if value else "false"
        elif isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
            fields[name] = str(int(value))
        elif isinstance(value, str):
            fields[name] = value
        else:
            raise InvalidOption(f'the JSON field "{name}" holds {type(value).__name__}; send a string (or a number)')
    return fields


def _decode_base64(value: str) -> bytes:
    value = value.strip()
    if value.startswith("data:"):
        header, _, value = value.partition(",")
        if not header.endswith(";base64"):
            raise MalformedRequest("the data: URL is not base64; use data:image/png;base64,...")
        media_type = header[5:].split(";")[0]
        if media_type and not (media_type.startswith("image/") or media_type == "application/pdf"):
            raise UnsupportedImage(f"the data: URL holds {media_type}, not an image or PDF")
    value = "".join(value.split())
    padded = value + "=" * (-len(value) % 4)
    try:
        data = base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        try:
            # validate, or stray characters are dropped and the rest decodes to garbage
            data = base64.b64decode(padded, altchars=b"-_", validate=True)
        except (binascii.Error, ValueError):
            raise MalformedRequest("the image is not valid base64; encode the file bytes with base64") from None
    if len(data) > current_app.config["MAX_CONTENT_LENGTH"]:
        raise TooLarge(upload_limit_message())
    return data


def response_format(fields: dict[str, str]) -> str:
    """`format` field if present, else the Accept header; */* or none gives text."""
    requested = fields.get("format")
    if requested is not None:
        if requested not in FORMATS:
            raise InvalidOption(f"format {requested[:20]!r} is not offered; use one of: {', '.join(FORMATS)}")
        return requested
    best = request.accept_mimetypes.best_match(list(NEGOTIABLE.values()), default="text/plain")
    return next(name for name, mimetype in NEGOTIABLE.items() if mimetype == best)


def table_number(fields: dict[str, str]) -> int | None:
    """The `table` field: which table (from 1, in page order) a spreadsheet holds; None for the default."""
    asked = fields.get("table")
    if asked is None:
        return None
    if not re.fullmatch(TABLE_PATTERN, asked):
        raise InvalidOption(
            f"table {asked[:20]!r} is not a table's number; send 1 for the first table, 2 for the second..."
        )
    return int(asked)


def upload_limit_message() -> str:
    limit = current_app.config["MAX_UPLOAD_MB"]
    return f"the upload is over the {limit} MB limit; send a smaller or more compressed image"


def too_large_message() -> str:
    """Which limit a 413 hit: the whole upload, or Werkzeug's caps on text fields and form parts."""
    length = request.content_length
    if length is None or length > current_app.config["MAX_CONTENT_LENGTH"]:
        return upload_limit_message()
    return (
        "a text field of the form is too long or the form has too many parts; "
        "send the image as a file: curl -F image=@photo.jpg"
    )


def ocr_options(fields: dict[str, str]) -> OcrOptions:
    """The OCR options the fields ask for, against what this server offers."""
    return parse_options(
        fields, languages=tesseract_data.installed_languages(), step_names=STEPS, engines=engine_choices()
    )


def engine_choices() -> tuple[str, ...]:
    """The engine choices this server offers: without PP-OCRv6, only auto and tesseract."""
    return ENGINES if current_app.extensions["engines"].ppocr is not None else TESSERACT_ENGINES


def limits(*, max_pages: int | None = None) -> Limits:
    """What reading one upload may cost, from the configuration; a job may hold more pages."""
    config = current_app.config
    return Limits(
        max_pixels=int(config["MAX_PIXELS"]),
        timeout_s=float(config["TIMEOUT_S"]),
        max_pages=int(config["MAX_PAGES"]) if max_pages is None else max_pages,
        pdf_dpi=int(config["PDF_DPI"]),
    )
