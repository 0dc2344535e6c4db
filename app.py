"""Flask web layer: create_app, the pages, POST /ocr, error handling. No OCR logic here."""

import atexit
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

from flask import Blueprint, Flask, current_app, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

import ocr
from ocr import renderings
from ocr.engines import ppocr, tesseract
from ocr.errors import InvalidOption, OcrError
from ocr.imaging import configure_pillow
from ocr.jobs.queue import Jobs
from ocr.jobs.store import JobStore
from ocr.slots import SlotPool
from web.jobs import bp as jobs_api
from web.responses import document_response, result_response
from web.uploads import (
    InMemoryRequest,
    engine_choices,
    limits,
    ocr_options,
    read_request,
    response_format,
    too_large_message,
)

log = logging.getLogger("ocr.server")
bp = Blueprint("ocr", __name__)

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
        BROKER_URL=None,  # the Redis of the job queue (redis://, unix://); without it, no jobs
        JOB_TTL_S=3600,  # a finished job and its upload are removed this long after it finished
        JOB_MAX_PAGES=500,
        JOB_QUEUE=2000,  # pages that may wait in the queue before POST /jobs answers 503
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
    app.extensions["jobs"] = _jobs(app.config, slot_dir, app.extensions["ppocr"])

    app.register_blueprint(bp)
    app.register_blueprint(jobs_api)
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


def _jobs(config, directory: Path, second: ocr.Ppocr | None) -> Jobs | None:
    """The job queue on OCR_BROKER_URL's Redis, or None without one. A worker's page waits for
    an OCR slot as long as a page may run: the slots are shared with the requests of this machine."""
    if not config["BROKER_URL"]:
        return None
    timeout_s = float(config["TIMEOUT_S"])
    return Jobs(
        str(config["BROKER_URL"]),
        store=JobStore(str(config["BROKER_URL"]), ttl_s=float(config["JOB_TTL_S"])),
        slots=SlotPool(directory, size=int(config["CONCURRENCY"]), queue=0, wait_s=timeout_s),
        ppocr=second,
        timeout_s=timeout_s,
        max_waiting=int(config["JOB_QUEUE"]),
    )


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
        template, languages=tesseract.installed_languages(), language_names=LANGUAGE_NAMES, engines=engine_choices()
    )


@bp.post("/ocr")
def recognize():
    """Read the text of a posted image or document."""
    fields, data = read_request()
    g.fields = fields
    answer = response_format(fields)
    second = current_app.extensions["ppocr"]
    options = ocr_options(fields)
    slots = current_app.extensions["ocr_slots"]
    if answer in renderings.MIMETYPES:
        document = ocr.render(data, options, answer, limits=limits(), slots=slots, ppocr=second)
        return document_response(document, answer)
    return result_response(ocr.recognize(data, options, limits=limits(), slots=slots, ppocr=second), answer)


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
    if g.get("json_errors"):
        return "json"
    try:
        answer = response_format(g.get("fields") or request.args.to_dict())
    except InvalidOption:
        answer = response_format({})
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
        return _error_response(413, "too_large", too_large_message())
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
