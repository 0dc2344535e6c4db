"""The document's responses: the errors of each status with the codes their classes carry, the
headers every answer or some errors carry, and the shapes of successful answers."""

from werkzeug.exceptions import BadRequest, MethodNotAllowed, NotFound

from ocr.input.images import SUPPORTED
from ocr.model.errors import error_classes
from web import export, jobs, requestlog  # noqa: F401 - export's and jobs' error classes join the walk
from web.auth import Unauthorized
from web.openapi.refs import HTML, JSON, TEXT, ref

# What Werkzeug refuses before a view runs; the app answers each with its name as the code.
HTTP_ERRORS = (BadRequest, NotFound, MethodNotAllowed)
WHY = {
    400: "The request is missing the image or text, or an option is not one this server offers",
    401: "No key, or a key that is not one of the server's",
    404: "No such job or page (or it expired)",
    405: "The method is not allowed on this path (the Allow header lists those that are)",
    409: "Not read yet: ask again after Retry-After seconds",
    413: "The upload, its pixels or its pages are over this server's limits",
    415: f"Not a file this server reads: send {SUPPORTED}",
    422: "A spreadsheet (format=xlsx or csv) was asked for, and no table was found",
    500: "The server failed unexpectedly (logged with the request id)",
    503: "Busy, or the job queue is out of reach: try again after Retry-After seconds",
    504: "The reading took longer than this server allows",
}


def codes() -> dict[int, list[str]]:
    """The error codes each status carries: every error class's (the web layer's included, once
    imported), then Werkzeug's."""
    found: dict[int, list[str]] = {}
    named = [(cls.status_code, cls.code) for cls in error_classes() if "code" in vars(cls)]
    named += [(error.code, error().name.lower().replace(" ", "_")) for error in HTTP_ERRORS]
    for status, code in named:
        if code not in found.setdefault(status, []):
            found[status].append(code)
    return found


def errors(*statuses: int, json_only: bool = False) -> dict:
    """The error responses of an operation; /jobs and /metrics answer errors in JSON alone."""
    prefix = "Json" if json_only else ""
    return {str(status): ref("responses", f"{prefix}Error{status}") for status in statuses}


def error_responses() -> dict:
    responses = {}
    every_code = codes()
    for status, why in WHY.items():
        description = f"{why}. Codes: {', '.join(every_code[status])}"
        headers = request_id_header()
        if status in (409, 503):
            headers["Retry-After"] = ref("headers", "Retry-After")
        if status == 401:
            headers["WWW-Authenticate"] = ref("headers", "WWW-Authenticate")
        if status == 405:
            headers["Allow"] = {"description": "The methods allowed", "schema": {"type": "string"}}
        negotiated = {
            JSON: {"schema": ref("schemas", "Error")},
            TEXT: {"schema": {"type": "string"}},
            HTML: {"schema": {"type": "string"}},
        }
        responses[f"Error{status}"] = {"description": description, "headers": headers, "content": negotiated}
        responses[f"JsonError{status}"] = {
            "description": description,
            "headers": headers,
            "content": {JSON: {"schema": ref("schemas", "Error")}},
        }
    return responses


def json_answer(description: str, schema: str) -> dict:
    """A response whose body is JSON of one of the document's schemas."""
    return {
        "description": description,
        "headers": request_id_header(),
        "content": {JSON: {"schema": ref("schemas", schema)}},
    }


def request_id_header() -> dict:
    return {requestlog.HEADER: ref("headers", requestlog.HEADER)}


def disposition_header(required: bool = True) -> dict:
    return {
        "Content-Disposition": {
            "description": "Document formats only: inline, with a file name (ocr.pdf, ocr.docx...)",
            "required": required,
            "schema": {"type": "string", "pattern": '^inline; filename="ocr\\.[a-z]+"$'},
        }
    }


def headers() -> dict:
    return {
        requestlog.HEADER: {
            "description": (
                "The request's id: the client's X-Request-ID when it is sane (letters, digits and . _ : - "
                "up to 128), else a new one; it is in the error body and in the server's log lines"
            ),
            "required": True,
            "schema": {"type": "string", "pattern": f"^{requestlog.SANE_ID.pattern}$"},
        },
        "Retry-After": {
            "description": "Seconds to wait before asking again (absent on 503 jobs_unavailable)",
            "schema": {"type": "string", "pattern": "^[0-9]+$"},
        },
        "WWW-Authenticate": {
            "description": "The scheme to send a key with",
            "required": True,
            "schema": {"type": "string", "const": Unauthorized("").headers["WWW-Authenticate"]},
        },
    }
