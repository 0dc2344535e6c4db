"""Every error as one answer in the negotiated format: JSON {"error": {...}}, a text line or an error page.

create_app registers the three handlers: the OcrError family (its status and code on the class),
Werkzeug's HTTP errors (404, 405, 413, ...) and anything unexpected (500, logged, never shown).
"""

import logging

from flask import current_app, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from ocr.model.errors import InvalidOption, OcrError
from web import requestlog
from web.uploads import response_format, too_large_message

log = logging.getLogger("ocr.server")


def handle_ocr_error(error: OcrError):
    if error.status_code in (503, 504):
        log.warning("%s: %s", error.code, error.message)
    elif error.status_code >= 500:
        log.error("%s: %s", error.code, error.message, exc_info=error)
    else:
        log.info("%s: %s", error.code, error.message)
    return error_response(error.status_code, error.code, error.message, error.headers)


def handle_http_error(error: HTTPException):
    if error.code == 413:
        return error_response(413, "too_large", too_large_message())
    code = (error.name or "error").lower().replace(" ", "_")
    message = {
        404: "no such page; the API is POST /ocr, the pages are / and /camera",
        405: f"{request.method} is not allowed here; POST images to /ocr",
    }.get(error.code or 500, error.description or error.name)
    allowed = getattr(error, "valid_methods", None)
    return error_response(error.code or 500, code, message, {"Allow": ", ".join(allowed)} if allowed else None)


def handle_unexpected(error: Exception):
    # Flask calls this handler for the exception it is handling, so the traceback is the same one
    # log.exception would take from sys.exc_info(); passed here explicitly, it cannot be lost.
    log.error("unexpected error on %s %s", request.method, request.path, exc_info=error)
    return error_response(500, "internal_error", "the server failed unexpectedly; the error was logged, try again")


def error_response(status: int, code: str, message: str, headers: dict | None = None):
    """The error in the request's format, its code noted for the access line."""
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
