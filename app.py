"""Flask web layer: create_app, the pages, POST /ocr, error handling. No OCR logic here."""

import atexit
import base64
import binascii
import io
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

from flask import Blueprint, Flask, Request, current_app, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

import ocr
from ocr import renderings
from ocr.engines import ppocr, tesseract
from ocr.errors import InvalidOption, MalformedRequest, MissingImage, OcrError, TooLarge, UnsupportedImage
from ocr.imaging import configure_pillow
from ocr.options import ENGINES, TESSERACT_ENGINES, parse_options
from ocr.preprocess import STEPS
from ocr.slots import SlotPool

log = logging.getLogger("ocr.server")
bp = Blueprint("ocr", __name__)

# By Accept header; hOCR, ALTO and TSV only by the format field, since browsers accept XML.
NEGOTIABLE = {"text": "text/plain", "json": "application/json", "html": "text/html", "pdf": "application/pdf"}
FORMATS = {**NEGOTIABLE, **renderings.MIMETYPES}
LANGUAGE_NAMES = {
    "eng": "English",
    "deu": "German",
    "fra": "French",
    "spa": "Spanish",
    "ita": "Italian",
    "por": "Portuguese",
    "nld": "Dutch",
    "pol": "Polish",
    "rus": "Russian",
    "ukr": "Ukrainian",
    "tur": "Turkish",
    "swe": "Swedish",
    "dan": "Danish",
    "nor": "Norwegian",
    "fin": "Finnish",
    "ces": "Czech",
    "ell": "Greek",
    "ara": "Arabic",
    "heb": "Hebrew",
    "hin": "Hindi",
    "jpn": "Japanese",
    "kor": "Korean",
    "chi_sim": "Chinese (Simplified)",
    "chi_tra": "Chinese (Traditional)",
    "vie": "Vietnamese",
    "osd": "Orientation and script detection",
}
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob: mediastream:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class InMemoryRequest(Request):
    """Keep uploaded files in memory (bounded by MAX_CONTENT_LENGTH): nothing touches the disk."""

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        return io.BytesIO()


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, then OCR_* environment variables or the test config."""
    app = Flask(__name__)
    app.request_class = InMemoryRequest
    app.config.from_mapping(
        MAX_UPLOAD_MB=20,
        MAX_PIXELS=40_000_000,
        TIMEOUT_S=60,
        MAX_PAGES=50,
        PDF_DPI=300,
        CONCURRENCY=os.cpu_count() or 1,
        QUEUE=None,  # defaults to twice CONCURRENCY
        QUEUE_WAIT_S=10,
        SLOT_DIR=None,
        ENGINES="tesseract,ppocr",  # "tesseract" turns the second engine, PP-OCRv6, off
        # PP-OCRv6 pages read at once, machine-wide: a dense page takes most of a gigabyte
        PPOCR_CONCURRENCY=min(2, os.cpu_count() or 1),
    )
    if test_config is None:
        app.config.from_prefixed_env("OCR")
    else:
        app.config.from_mapping(test_config)
    app.config["MAX_CONTENT_LENGTH"] = int(float(app.config["MAX_UPLOAD_MB"]) * 1024 * 1024)
    configure_pillow(int(app.config["MAX_PIXELS"]))
    slot_dir = _slot_dir(app.config)
    app.extensions["ocr_slots"] = _slot_pool(app.config, slot_dir)
    app.extensions["ppocr"] = _second_engine(app.config, slot_dir)

    app.register_blueprint(bp)
    app.register_error_handler(OcrError, _handle_ocr_error)
    app.register_error_handler(HTTPException, _handle_http_error)
    app.register_error_handler(Exception, _handle_unexpected)
    app.before_request(_start_clock)
    app.after_request(_finish_response)
    return app


def _slot_dir(config) -> Path:
    directory = config["SLOT_DIR"]
    if not directory:
        directory = tempfile.mkdtemp(prefix="ocr-slots-")
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return Path(directory)


def _slot_pool(config, directory: Path) -> SlotPool:
    size = int(config["CONCURRENCY"])
    queue = int(config["QUEUE"]) if config["QUEUE"] is not None else 2 * size
    return SlotPool(directory, size=size, queue=queue, wait_s=float(config["QUEUE_WAIT_S"]))


def _second_engine(config, directory: Path) -> ocr.Ppocr | None:
    """PP-OCRv6 unless OCR_ENGINES leaves it out; its pages are bounded apart from Tesseract's."""
    names = {name.strip() for name in str(config["ENGINES"]).split(",") if name.strip()}
    unknown = names - {"tesseract", ppocr.NAME}
    if unknown or "tesseract" not in names:
        raise ValueError(f"OCR_ENGINES={config['ENGINES']!r}: use 'tesseract,ppocr' or 'tesseract'")
    if ppocr.NAME not in names:
        return None
    size = int(config["PPOCR_CONCURRENCY"])
    return ocr.Ppocr(SlotPool(directory, size=size, queue=0, wait_s=float(config["QUEUE_WAIT_S"]), name=ppocr.NAME))


# --- views --------------------------------------------------------------------


@bp.get("/")
def index():
    """Upload page."""
    return _page("index.html")


@bp.get("/camera")
def camera():
    """Webcam capture page."""
    return _page("camera.html")


def _page(template: str) -> str:
    return render_template(
        template, languages=tesseract.installed_languages(), language_names=LANGUAGE_NAMES, engines=_engine_choices()
    )


def _engine_choices() -> tuple[str, ...]:
    """The engine choices this server offers: without PP-OCRv6, only auto and tesseract."""
    return ENGINES if current_app.extensions["ppocr"] is not None else TESSERACT_ENGINES


@bp.post("/ocr")
def recognize():
    """Read the text of a posted image or document."""
    fields, data = _read_request()
    g.fields = fields
    answer = _response_format(fields)
    second = current_app.extensions["ppocr"]
    options = parse_options(
        fields,
        languages=tesseract.installed_languages(),
        step_names=STEPS,
        engines=_engine_choices(),
    )
    limits = ocr.Limits(
        max_pixels=int(current_app.config["MAX_PIXELS"]),
        timeout_s=float(current_app.config["TIMEOUT_S"]),
        max_pages=int(current_app.config["MAX_PAGES"]),
        pdf_dpi=int(current_app.config["PDF_DPI"]),
    )
    slots = current_app.extensions["ocr_slots"]
    if answer in renderings.MIMETYPES:
        document = ocr.render(data, options, answer, limits=limits, slots=slots, ppocr=second)
        g.log_details = f"format={answer} bytes_out={len(document)}"
        disposition = f'inline; filename="ocr.{answer if answer != "alto" else "xml"}"'
        return current_app.response_class(
            document, mimetype=renderings.MIMETYPES[answer], headers={"Content-Disposition": disposition}
        )
    result = ocr.recognize(data, options, limits=limits, slots=slots, ppocr=second)
    g.log_details = (
        f"pages={len(result.pages)} pixels={sum(p.width * p.height for p in result.pages)} "
        f"steps={','.join(result.preprocess) or '-'} engine={result.engine}"
    )
    if answer == "json":
        return jsonify(result.to_dict())
    if answer == "html":
        return render_template("result.html", result=result)
    return result.text + "\n", 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.get("/health")
def health():
    """Liveness, and the engines with their versions and languages."""
    return {
        "status": "ok",
        "tesseract": tesseract.tesseract_version(),
        "languages": tesseract.traineddata(),
        "engines": _engines(),
    }


def _engines() -> list[dict]:
    """Each engine this server reads with, and the installed languages it can read."""
    installed = tesseract.installed_languages()
    engines = [{"name": "tesseract", "version": tesseract.tesseract_version(), "languages": list(installed)}]
    if current_app.extensions["ppocr"] is not None:
        readable = [lang for lang in installed if ppocr.reads(lang)]
        engines.append({"name": ppocr.NAME, "version": ppocr.MODEL, "languages": readable})
    return engines


@bp.get("/openapi.json")
def openapi():
    """The HTTP API as an OpenAPI 3 document."""
    return current_app.send_static_file("openapi.json")


@bp.get("/languages")
def languages():
    """Installed languages with human names, and the engines that read each."""
    second = current_app.extensions["ppocr"] is not None
    return {
        "languages": [
            {
                "code": code,
                "name": LANGUAGE_NAMES.get(code, code),
                "engines": ["tesseract"] + ([ppocr.NAME] if second and ppocr.reads(code) else []),
            }
            for code in tesseract.traineddata()
        ],
        "engines": _engines(),
    }


# --- reading the request ------------------------------------------------------


def _read_request() -> tuple[dict[str, str], bytes]:
    """Options and image bytes from a multipart form, a raw image/* (or PDF) body or a JSON body."""
    mimetype = request.mimetype
    if mimetype == "application/json":
        return _read_json()
    fields = request.values.to_dict()
    if len(request.values.getlist("lang")) > 1:  # a multi-select sends one field per language
        fields["lang"] = "+".join(request.values.getlist("lang"))
    _refuse_cut_off_body()
    if mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        upload = request.files.get("image")
        if upload is None:
            raise MissingImage(_missing_upload_message())
        return fields, upload.read()
    if mimetype.startswith("image/") or mimetype in ("application/pdf", "application/octet-stream"):
        data = request.get_data(cache=False)
        _refuse_cut_off_body()
        return request.args.to_dict(), data
    raise MissingImage(
        "no image in the request: send multipart field 'image' (curl -F image=@photo.jpg), "
        'a raw body with Content-Type image/png or image/jpeg, or JSON {"image": "<base64>"}'
    )


def _refuse_cut_off_body() -> None:
    """Werkzeug stops a chunked body at MAX_CONTENT_LENGTH without an error: call that over the limit."""
    # Without this the first 20 MB of a larger upload would be read as a corrupt image or an empty form.
    if request.content_length is None and getattr(request.stream, "is_exhausted", False):
        raise TooLarge(_upload_limit_message())


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
    fields = request.args.to_dict()
    fields.update({k: str(v) for k, v in body.items() if k != "image" and isinstance(v, (str, int))})
    image = body.get("image")
    if not isinstance(image, str) or not image.strip():
        raise MissingImage('the JSON has no "image" string; send {"image": "<base64 or data: URL>"}')
    return fields, _decode_base64(image)


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
        raise TooLarge(_upload_limit_message())
    return data


def _response_format(fields: dict[str, str]) -> str:
    """`format` field if present, else the Accept header; */* or none gives text."""
    requested = fields.get("format", "").strip().lower()
    if requested:
        if requested not in FORMATS:
            raise InvalidOption(f"format {requested[:20]!r} is not offered; use one of: {', '.join(FORMATS)}")
        return requested
    best = request.accept_mimetypes.best_match(list(NEGOTIABLE.values()), default="text/plain")
    return next(name for name, mimetype in NEGOTIABLE.items() if mimetype == best)


def _upload_limit_message() -> str:
    limit = current_app.config["MAX_UPLOAD_MB"]
    return f"the upload is over the {limit} MB limit; send a smaller or more compressed image"


def _too_large_message() -> str:
    """Which limit a 413 hit: the whole upload, or Werkzeug's caps on text fields and form parts."""
    length = request.content_length
    if length is None or length > current_app.config["MAX_CONTENT_LENGTH"]:
        return _upload_limit_message()
    return (
        "a text field of the form is too long or the form has too many parts; "
        "send the image as a file: curl -F image=@photo.jpg"
    )


# --- errors and response hooks ------------------------------------------------


def _error_response(status: int, code: str, message: str, headers: dict | None = None):
    g.log_details = f"error={code}"
    answer = _safe_format()
    if answer == "json":
        response = jsonify({"error": {"code": code, "message": message}})
    elif answer == "html":
        response = current_app.response_class(render_template("error.html", status=status, message=message))
    else:
        response = current_app.response_class(message + "\n", mimetype="text/plain")
    response.status_code = status
    response.headers.update(headers or {})
    return response


def _safe_format() -> str:
    """The error's format, from the fields already read (the body may be what failed).

    A bad format field falls back to the Accept header; document formats get JSON errors.
    """
    try:
        answer = _response_format(g.get("fields") or request.args.to_dict())
    except InvalidOption:
        answer = _response_format({})
    return answer if answer in ("text", "json", "html") else "json"


def _handle_ocr_error(error: OcrError):
    if error.status_code in (503, 504):
        log.warning("%s: %s", error.code, error.message)
    elif error.status_code >= 500:
        log.error("%s: %s", error.code, error.message, exc_info=error)
    else:
        log.info("%s: %s", error.code, error.message)
    return _error_response(error.status_code, error.code, error.message, error.headers)


def _handle_http_error(error: HTTPException):
    if error.code == 413:
        return _error_response(413, "too_large", _too_large_message())
    code = (error.name or "error").lower().replace(" ", "_")
    message = {
        404: "no such page; the API is POST /ocr, the pages are / and /camera",
        405: f"{request.method} is not allowed here; POST images to /ocr",
    }.get(error.code, error.description or error.name)
    allowed = getattr(error, "valid_methods", None)
    return _error_response(error.code or 500, code, message, {"Allow": ", ".join(allowed)} if allowed else None)


def _handle_unexpected(error: Exception):
    log.exception("unexpected error on %s %s", request.method, request.path)
    return _error_response(500, "internal_error", "the server failed unexpectedly; the error was logged, try again")


def _start_clock() -> None:
    g.started = time.perf_counter()


def _finish_response(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    elapsed_ms = round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000)
    log.info(
        "%s %s %s bytes=%s ms=%d %s",
        request.method,
        request.path,
        response.status_code,
        response.calculate_content_length() or 0,
        elapsed_ms,
        g.get("log_details", ""),
    )
    return response
