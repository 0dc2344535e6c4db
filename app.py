"""Flask web layer: create_app, the pages, error handling. No OCR logic here."""

import atexit
import logging
import logging.config
import os
import shutil
import tempfile
import time
from functools import partial
from pathlib import Path

from flask import Blueprint, Flask, current_app, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from jobs.queue import Jobs
from jobs.store import JobStore
from ocr.engines import ppocr, tesseract
from ocr.engines.ppocr import Ppocr
from ocr.input.images import configure_pillow
from ocr.model.errors import InvalidOption, OcrError
from ocr.slots import SlotPool
from web import api, auth, metrics, openapi, requestlog
from web.export import bp as export_api
from web.jobs import bp as jobs_api
from web.metrics import MeteredSlotPool
from web.uploads import (
    InMemoryRequest,
    engine_choices,
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
SECRETS = ("METRICS_KEY", "API_KEYS")  # settings read from OCR_* as strings, whatever they look like
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
        ENGINE=tesseract.DEFAULT_MODE,  # how Tesseract runs: "api" warm in this process, "cli" a process a page
        # PP-OCRv6 pages read at once, machine-wide: a dense page takes most of a gigabyte
        PPOCR_CONCURRENCY=min(2, os.cpu_count() or 1),
        PPOCR_PRESTART=False,  # true: each process loads PP-OCRv6 as it starts, not at its first page
        BROKER_URL=None,  # the Redis of the job queue (redis://, unix://); without it, no jobs
        JOB_TTL_S=3600,  # a finished job and its upload are removed this long after it finished
        JOB_MAX_PAGES=500,
        JOB_QUEUE=2000,  # pages that may wait in the queue before POST /jobs answers 503
        METRICS_KEY=None,  # when set, GET /metrics wants it (Authorization: Bearer, or X-API-Key)
        API_KEYS=None,  # when set (keys, or @/path/to/file), POST /ocr, /jobs and POST /export want one
        LOG_FORMAT="plain",  # "json": one JSON object a log line
    )
    if test_config is None:
        app.config.from_prefixed_env("OCR")
        for name in SECRETS:  # as written: from_prefixed_env would make "12345" a number
            if f"OCR_{name}" in os.environ:
                app.config[name] = os.environ[f"OCR_{name}"]
    else:
        app.config.from_mapping(test_config)
    _configure_logging(str(app.config["LOG_FORMAT"]))
    app.config["API_KEYS"] = auth.load_keys(app.config["API_KEYS"], "API_KEYS")  # a bad setting stops the start
    app.config["MAX_CONTENT_LENGTH"] = int(float(app.config["MAX_UPLOAD_MB"]) * 1024 * 1024)
    configure_pillow(int(app.config["MAX_PIXELS"]))
    slot_dir = _slot_dir(app.config)
    app.extensions["ocr_slots"] = _slot_pool(app.config, slot_dir)
    app.extensions["ppocr"] = _second_engine(app.config, slot_dir)
    if app.extensions["ppocr"] is not None and app.config["PPOCR_PRESTART"]:
        ppocr.prestart()
    tesseract.use(str(app.config["ENGINE"]), slots=int(app.config["CONCURRENCY"]))
    app.extensions["jobs"] = _jobs(app.config, slot_dir, app.extensions["ppocr"])

    app.register_blueprint(bp)  # the pages and the open routes: /health, /languages
    app.register_blueprint(openapi.bp)  # /openapi.json, built from the code, and /docs
    # the API: POST /ocr, /jobs and POST /export, each blueprint guarded by its OCR_API_KEYS hook
    app.register_blueprint(api.bp)
    app.register_blueprint(jobs_api)
    app.register_blueprint(export_api)
    app.register_blueprint(metrics.bp)
    app.register_error_handler(OcrError, _handle_ocr_error)
    app.register_error_handler(HTTPException, _handle_http_error)
    app.register_error_handler(Exception, _handle_unexpected)
    app.before_request(requestlog.assign_request_id)
    app.before_request(_start_clock)
    app.after_request(_finish_response)
    return app


def _configure_logging(fmt: str) -> None:
    """Log as OCR_LOG_FORMAT says, unless the process set logging up already (gunicorn.conf.py, pytest)."""
    config = requestlog.logging_config(fmt)  # a wrong OCR_LOG_FORMAT stops the start either way
    if not logging.getLogger().handlers:
        logging.config.dictConfig(config)


def _slot_dir(config) -> Path:
    directory = config["SLOT_DIR"]
    if not directory:
        directory = tempfile.mkdtemp(prefix="ocr-slots-")
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return Path(directory)


def _slot_pool(config, directory: Path) -> SlotPool:
    size = int(config["CONCURRENCY"])
    queue = int(config["QUEUE"]) if config["QUEUE"] is not None else 2 * size
    return MeteredSlotPool(directory, size=size, queue=queue, wait_s=float(config["QUEUE_WAIT_S"]), pool="ocr")


def _second_engine(config, directory: Path) -> Ppocr | None:
    """PP-OCRv6 unless OCR_ENGINES leaves it out; its pages are bounded apart from Tesseract's."""
    names = {name.strip() for name in str(config["ENGINES"]).split(",") if name.strip()}
    unknown = names - {"tesseract", ppocr.NAME}
    if unknown or "tesseract" not in names:
        raise ValueError(f"OCR_ENGINES={config['ENGINES']!r}: use 'tesseract,ppocr' or 'tesseract'")
    if ppocr.NAME not in names:
        return None
    size = int(config["PPOCR_CONCURRENCY"])
    wait_s = float(config["QUEUE_WAIT_S"])
    return Ppocr(MeteredSlotPool(directory, size=size, queue=0, wait_s=wait_s, name=ppocr.NAME, pool=ppocr.NAME))


def _jobs(config, directory: Path, second: Ppocr | None) -> Jobs | None:
    """The job queue on OCR_BROKER_URL's Redis, or None without one. A worker's page waits for
    an OCR slot as long as a page may run: the slots are shared with the requests of this machine."""
    if not config["BROKER_URL"]:
        return None
    timeout_s = float(config["TIMEOUT_S"])
    return Jobs(
        str(config["BROKER_URL"]),
        store=JobStore(str(config["BROKER_URL"]), ttl_s=float(config["JOB_TTL_S"])),
        slots=MeteredSlotPool(directory, size=int(config["CONCURRENCY"]), queue=0, wait_s=timeout_s, pool="ocr"),
        ppocr=second,
        timeout_s=timeout_s,
        max_waiting=int(config["JOB_QUEUE"]),
        on_page=partial(metrics.observe_page, source="job"),
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


@bp.get("/health")
def health():
    """Liveness, and the engines with their versions and languages."""
    return {
        "status": "ok",
        "engine": tesseract.mode(),  # Tesseract in process (api) or as a command (cli)
        "tesseract": tesseract.tesseract_version(),
        "tessdata": tesseract.tessdata(),
        "languages": tesseract.traineddata(),
        "engines": _engines(),
    }


def _engines() -> list[dict]:
    """Each engine this server reads with, and the installed languages it can read."""
    installed = tesseract.installed_languages()
    engines = [
        {
            "name": "tesseract",
            "version": tesseract.tesseract_version(),
            "mode": tesseract.mode(),
            "languages": list(installed),
        }
    ]
    if current_app.extensions["ppocr"] is not None:
        readable = [lang for lang in installed if ppocr.reads(lang)]
        engines.append({"name": ppocr.NAME, "version": ppocr.MODEL, "languages": readable})
    return engines


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
        response = jsonify({"error": {"code": code, "message": message, "request_id": requestlog.request_id()}})
    elif answer == "html":
        response = current_app.response_class(render_template("error.html", status=status, message=message))
    else:
        response = current_app.response_class(message + "\n", mimetype="text/plain")
    response.status_code = status
    response.headers.update(headers or {})
    return response


def _safe_format() -> str:
    """The error's format, from the fields already read (the body may be what failed).

    A bad format field falls back to the Accept header; document formats get JSON errors, and
    so does every path under /jobs/, a route of its or not (a job's page "-1", an id with a "/").
    """
    if g.get("json_errors") or request.path.startswith("/jobs/"):
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
    """Headers every answer carries, its access line (with its request id) and its metrics."""
    if "request_id" not in g:  # a hook before requestlog's failed
        requestlog.assign_request_id()
    response.headers[requestlog.HEADER] = g.request_id
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    elapsed_s = time.perf_counter() - g.get("started", time.perf_counter())
    metrics.observe_request(response.status_code, elapsed_s)
    size, details = response.calculate_content_length() or 0, g.get("log_details", "")
    fields = {
        "method": request.method,
        "path": request.path,
        "endpoint": metrics.endpoint(),
        "status": response.status_code,
        "bytes": size,
        "duration_ms": round(elapsed_s * 1000),
        "details": details,
    }
    log.info(
        "%s %s %s bytes=%s ms=%d %s",
        request.method,
        request.path,
        response.status_code,
        size,
        fields["duration_ms"],
        details,
        extra={"request_id": g.request_id, "fields": fields},
    )
    return response
