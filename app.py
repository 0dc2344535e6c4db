"""create_app(): the settings, the engines the app owns, its blueprints, error handlers and hooks."""

import atexit
import dataclasses
import shutil
import tempfile
from functools import partial
from pathlib import Path

from flask import Flask
from werkzeug.exceptions import HTTPException

from jobs.queue import Jobs
from jobs.store import JobStore
from ocr.engines import ppocr, tesseract
from ocr.engines.ppocr import ChildPool, Ppocr
from ocr.model.errors import OcrError
from ocr.reading.engines import Engines
from settings import Settings
from web import api, auth, errors, headers, health, metrics, openapi, page_settings, pages, requestlog, suggestions
from web.export import bp as export_api
from web.jobs import bp as jobs_api
from web.metrics import MeteredSlotPool
from web.uploads import InMemoryRequest


def create_app(
    test_config: dict | None = None, *, settings: Settings | None = None, ppocr_children: ChildPool | None = None
) -> Flask:
    """Build the app: settings from the OCR_* environment variables, or defaults and the test config.

    app.config holds every setting under its upper-case name (TIMEOUT_S), and the test config's
    other keys (TESTING). A setting that cannot be used stops the start (SettingError, a ValueError).
    PP-OCRv6's warm children are the app's own unless `ppocr_children` lends a pool.
    """
    if settings is None:
        settings = Settings.from_env() if test_config is None else Settings.from_config(test_config)
    app = Flask(__name__)
    app.request_class = InMemoryRequest
    app.config.from_mapping(test_config or {})
    app.config.from_mapping(settings.config())
    requestlog.configure_logging(settings.log_format)
    app.config["API_KEYS"] = auth.load_keys(settings.api_keys, "API_KEYS")  # a bad setting stops the start
    app.config["MAX_CONTENT_LENGTH"] = int(settings.max_upload_mb * 1024 * 1024)

    slot_dir = _slot_dir(settings)
    engines = _engines(settings, slot_dir, ppocr_children)
    app.extensions["engines"] = engines
    app.extensions["jobs"] = _jobs(settings, slot_dir, engines)

    app.register_blueprint(pages.bp)  # the pages and /languages
    app.register_blueprint(suggestions.bp)  # /suggestions, open: a dictionary lookup for the editor
    app.register_blueprint(health.bp)  # /health, /health/live and /health/ready, open
    app.register_blueprint(openapi.bp)  # /openapi.json, built from the code, and /docs
    # the API: POST /ocr, /jobs and POST /export, each blueprint guarded by its OCR_API_KEYS hook
    app.register_blueprint(api.bp)
    app.register_blueprint(jobs_api)
    app.register_blueprint(export_api)
    app.register_blueprint(metrics.bp)
    page_settings.register(app)
    app.register_error_handler(OcrError, errors.handle_ocr_error)
    app.register_error_handler(HTTPException, errors.handle_http_error)
    app.register_error_handler(Exception, errors.handle_unexpected)
    app.before_request(requestlog.start_request)
    # Flask runs after_request hooks last registered first: X-Request-ID stays the first header
    app.after_request(headers.add_security_headers)
    app.after_request(metrics.count_request)
    app.after_request(requestlog.finish_request)
    return app


def _slot_dir(settings: Settings) -> Path:
    """OCR_SLOT_DIR, or a folder of this app's own: processes sharing one share the bound on OCR runs."""
    directory = settings.slot_dir
    if not directory:
        directory = tempfile.mkdtemp(prefix="ocr-slots-")
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return Path(directory)


def _engines(settings: Settings, directory: Path, children: ChildPool | None) -> Engines:
    """Tesseract as OCR_ENGINE says, and PP-OCRv6 unless OCR_ENGINES leaves it out; its pages are
    bounded apart from Tesseract's, machine-wide, since each takes hundreds of megabytes."""
    wait_s = settings.queue_wait_s
    slots = MeteredSlotPool(directory, size=settings.concurrency, queue=settings.waiting, wait_s=wait_s, pool="ocr")
    second = None
    if ppocr.NAME in settings.engines:
        size = settings.ppocr_concurrency
        bound = MeteredSlotPool(directory, size=size, queue=0, wait_s=wait_s, name=ppocr.NAME, pool=ppocr.NAME)
        second = Ppocr(bound, children)
        if settings.ppocr_prestart:
            second.children.prestart()
    return Engines(tesseract=tesseract.reader(settings.engine, slots=settings.concurrency), slots=slots, ppocr=second)


def _jobs(settings: Settings, directory: Path, engines: Engines) -> Jobs | None:
    """The job queue on OCR_BROKER_URL's Redis, or None without one. A worker's page waits for
    an OCR slot as long as a page may run: the slots are shared with the requests of this machine."""
    if not settings.broker_url:
        return None
    timeout_s = settings.timeout_s
    pages_slots = MeteredSlotPool(directory, size=settings.concurrency, queue=0, wait_s=timeout_s, pool="ocr")
    return Jobs(
        settings.broker_url,
        store=JobStore(settings.broker_url, ttl_s=settings.job_ttl_s),
        engines=dataclasses.replace(engines, slots=pages_slots),
        timeout_s=timeout_s,
        max_waiting=settings.job_queue,
        on_page=partial(metrics.observe_page, source="job"),
    )
