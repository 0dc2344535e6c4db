"""Request ids and log lines: an X-Request-ID on every answer, and logging as plain or JSON lines.

The id is the client's (or a proxy's) X-Request-ID when it is sane, else a new one; it goes back
in the answer's header, in every log line written while the request runs, and in error bodies,
so one id finds a request's answer and its log lines. OCR_LOG_FORMAT=json writes each log line
as one JSON object, for log collectors; gunicorn.conf.py and create_app both configure logging
with logging_config(). Every answer gets an access line (finish_request).

gunicorn.conf.py imports this module in gunicorn's master: it must not import prometheus_client.
"""

import json
import logging
import logging.config
import re
import time
import uuid
from datetime import UTC, datetime

from flask import g, has_request_context, request

HEADER = "X-Request-ID"
# What a proxy or client may choose: letters, digits and . _ : - only, so an id can never
# split a header or a log line, and short enough to keep lines readable.
SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
FORMATS = ("plain", "json")
PLAIN = "%(asctime)s %(levelname)s %(name)s [%(context)s] %(message)s"
log = logging.getLogger("ocr.server")


def assign_request_id() -> None:
    """A before_request hook: the request's id, kept in g.request_id."""
    offered = request.headers.get(HEADER, "")
    g.request_id = offered if SANE_ID.fullmatch(offered) else uuid.uuid4().hex


def start_request() -> None:
    """A before_request hook: the request's id, and the clock of its access line."""
    assign_request_id()
    g.started = time.perf_counter()


def elapsed_s() -> float:
    """Seconds since the request started (start_request)."""
    now = time.perf_counter()
    return now - g.get("started", now)


def route() -> str:
    """The route a request matched ("/jobs/<job_id>"), never its path; "other" when none did."""
    rule = request.url_rule
    return rule.rule if rule is not None else "other"


def finish_request(response):
    """An after_request hook: the X-Request-ID header, and the access line with the request's id."""
    if "request_id" not in g:  # a hook before start_request failed
        assign_request_id()
    response.headers[HEADER] = g.request_id
    size, details = response.calculate_content_length() or 0, g.get("log_details", "")
    fields = {
        "method": request.method,
        "path": request.path,
        "endpoint": route(),
        "status": response.status_code,
        "bytes": size,
        "duration_ms": round(elapsed_s() * 1000),
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


def request_id() -> str | None:
    """The id of the request being answered, or None outside one."""
    return g.get("request_id") if has_request_context() else None


def _record_request_id(record: logging.LogRecord) -> str | None:
    return getattr(record, "request_id", None) or request_id()


class PlainFormatter(logging.Formatter):
    """The usual line, with the process id and, within a request, the request's id: `[pid id]`."""

    def __init__(self, fmt: str = PLAIN, datefmt: str | None = None):
        super().__init__(fmt, datefmt)

    def format(self, record: logging.LogRecord) -> str:
        rid = _record_request_id(record)
        record.context = f"{record.process} {rid}" if rid else str(record.process)
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, process, message, request_id within a request,
    the fields of an access line (method, path, status, ...) and any traceback as one string."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": _utc(record.created),
            "level": record.levelname,
            "logger": record.name,
            "process": record.process,
            "message": record.getMessage(),
        }
        rid = _record_request_id(record)
        if rid:
            entry["request_id"] = rid
        entry.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _utc(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def logging_config(fmt: str = "plain", *, level: str = "INFO") -> dict:
    """A logging.config.dictConfig for this server's processes: every line to stderr, as `fmt`."""
    if fmt not in FORMATS:
        raise ValueError(f"OCR_LOG_FORMAT={fmt!r}: use 'plain' or 'json'")
    formatter = {"()": JsonFormatter} if fmt == "json" else {"()": PlainFormatter}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"line": formatter},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "line"}},
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            "gunicorn.error": {"handlers": ["stderr"], "level": level, "propagate": False},
            "ocr": {"handlers": ["stderr"], "level": level, "propagate": False},
        },
    }


def configure_logging(fmt: str) -> None:
    """Log as OCR_LOG_FORMAT says, unless the process set logging up already (gunicorn.conf.py, pytest)."""
    config = logging_config(fmt)
    if not logging.getLogger().handlers:
        logging.config.dictConfig(config)
