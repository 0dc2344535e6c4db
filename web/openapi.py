"""GET /openapi.json: the OpenAPI 3.1 document of this server as configured; GET /docs, the
same browsable (Swagger UI, from the swagger-ui-bundle-v2 package: no CDN).

Built, once per app, from the definitions the requests are checked against: the installed
languages and the options' patterns (ocr.options), the engine choices, the formats and their
media types (web.uploads), the limits in the configuration, the error classes and their codes,
and whether keys guard the API and /metrics. Nothing here is kept by hand beside the code.
"""

import base64
from pathlib import Path

import swagger_ui_bundle
from flask import Blueprint, abort, current_app, render_template, send_from_directory

from jobs.store import STATUSES
from ocr.engines import ppocr, tesseract
from ocr.input.images import SUPPORTED
from ocr.model.errors import (
    EngineFailure,
    InvalidOption,
    JobNotFound,
    JobNotReady,
    MalformedRequest,
    MissingImage,
    OcrTimeout,
    Overloaded,
    QueueUnavailable,
    TooLarge,
    UnsupportedImage,
)
from ocr.model.options import ALLOWED_PSM, FLAGS, MAX_STEPS, lang_pattern, steps_pattern
from ocr.output import renderings
from ocr.output import word as docx
from ocr.preprocess.pipeline import STEPS
from web import export, jobs
from web.auth import Unauthorized, configured_keys
from web.uploads import FORMATS, NEGOTIABLE, OPTION_FIELDS, engine_choices

bp = Blueprint("openapi", __name__)
VERSION = "1.2.0"
EXAMPLE_IMAGE = Path(__file__).resolve().parent.parent / "static" / "examples" / "hello.png"
EXAMPLE_TEXT = "Hello, OCR 42"
# What a raw body or the form's file may be: each sniffed from its bytes, whatever it is called.
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/tiff", "image/bmp", "image/heic")
TEXT = "text/plain; charset=utf-8"
HTML = "text/html; charset=utf-8"
JSON = "application/json"
PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8"
OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8"
# The options' schemas' names among the components.
OPTION_SCHEMAS = {
    "lang": "Lang",
    "psm": "Psm",
    "preprocess": "Preprocess",
    "engine": "EngineChoice",
    "previews": "Flag",
    "format": "Format",
}
MEDIA_TYPES = {"text": TEXT, "json": JSON, "html": HTML, **renderings.MIMETYPES}
# The error codes each status carries, for the descriptions; HTTP errors are named by Werkzeug.
CODES = {
    400: [MissingImage.code, InvalidOption.code, MalformedRequest.code, "bad_request"],
    401: [Unauthorized.code],
    404: [JobNotFound.code],
    405: ["method_not_allowed"],
    409: [JobNotReady.code],
    413: [TooLarge.code],
    415: [UnsupportedImage.code],
    500: [EngineFailure.code, "internal_error"],
    503: [Overloaded.code, QueueUnavailable.code, jobs.JobsOff.code],
    504: [OcrTimeout.code],
}
WHY = {
    400: "The request is missing the image or text, or an option is not one this server offers",
    401: "No key, or a key that is not one of the server's",
    404: "No such job or page (or it expired)",
    405: "The method is not allowed on this path (the Allow header lists those that are)",
    409: "Not read yet: ask again after Retry-After seconds",
    413: "The upload, its pixels or its pages are over this server's limits",
    415: f"Not a file this server reads: send {SUPPORTED}",
    500: "The server failed unexpectedly (logged with the request id)",
    503: "Busy, or the job queue is out of reach: try again after Retry-After seconds",
    504: "The reading took longer than this server allows",
}


# Swagger UI's files the docs page loads, served from the package (what else it holds is not).
SWAGGER_UI = Path(swagger_ui_bundle.swagger_ui_path)
SWAGGER_UI_FILES = ("swagger-ui-bundle.js", "swagger-ui.css")


@bp.get("/openapi.json")
def openapi():
    """The HTTP API as an OpenAPI 3.1 document, describing this server as configured."""
    if "openapi" not in current_app.extensions:
        current_app.extensions["openapi"] = build()
    return current_app.extensions["openapi"]


@bp.get("/docs")
def docs():
    """The API, browsable and to try out: Swagger UI over /openapi.json."""
    return render_template("docs.html", engines=engine_choices())


@bp.get("/docs/swagger-ui/<name>")
def swagger_ui(name: str):
    """Swagger UI's script and style sheet, as the swagger-ui-bundle-v2 package ships them."""
    if name not in SWAGGER_UI_FILES:
        abort(404)
    return send_from_directory(SWAGGER_UI, name, max_age=24 * 3600)


def build() -> dict:
    """The document for the current app."""
    config = current_app.config
    api_keys = bool(configured_keys(config.get("API_KEYS")))
    metrics_key = bool(configured_keys(config.get("METRICS_KEY")))
    jobs_on = current_app.extensions.get("jobs") is not None
    document = {
        "openapi": "3.1.0",
        "info": {
            "title": "OCR server",
            "version": VERSION,
            "description": _description(config, api_keys, jobs_on),
        },
        "tags": [
            {"name": "reading", "description": "Read an image or document at once"},
            {"name": "jobs", "description": "Long documents, read page by page by queue workers"},
            {"name": "export", "description": "Documents made from text"},
            {"name": "operations", "description": "Health, languages and metrics"},
        ],
        "paths": {
            "/ocr": {"post": _ocr()},
            "/jobs": {"post": _submit()},
            "/jobs/{job_id}": {"parameters": [_ref("parameters", "job_id")], "get": _job(), "delete": _delete()},
            "/jobs/{job_id}/result": {"parameters": [_ref("parameters", "job_id")], "get": _job_result()},
            "/jobs/{job_id}/pages/{number}": {
                "parameters": [_ref("parameters", "job_id"), _ref("parameters", "number")],
                "get": _job_page(),
            },
            "/export": {"post": _export()},
            "/health": {"get": _health()},
            "/languages": {"get": _languages()},
            "/metrics": {"get": _metrics(metrics_key)},
        },
        "components": _components(),
    }
    if api_keys or metrics_key:
        document["components"]["securitySchemes"] = _security_schemes(api_keys, metrics_key)
    if api_keys:
        for path, method in _guarded_operations():
            operation = document["paths"][path][method]
            operation["security"] = [{"apiKeyBearer": []}, {"apiKeyHeader": []}]
            operation["responses"].update(_errors(401, json_only=path.startswith("/jobs")))
    return document


def _description(config, api_keys: bool, jobs_on: bool) -> str:
    return "\n\n".join(
        [
            "Read the text of photos, scans and documents with Tesseract"
            + (" and PP-OCRv6" if current_app.extensions["ppocr"] is not None else "")
            + ". This document describes this server as it runs now: its languages, options, "
            "limits and keys.",
            f"**Limits**: an upload of at most {config['MAX_UPLOAD_MB']} MB (413), at most "
            f"{config['MAX_PIXELS']:,} pixels a page (413), at most {config['MAX_PAGES']} pages a document "
            f"through POST /ocr and {config['JOB_MAX_PAGES']} through POST /jobs (413), "
            f"{config['TIMEOUT_S']} s a page (504). A finished job is kept {config['JOB_TTL_S']} s.",
            "**Errors** come with a stable `code` and a `message` that says what to do, in the "
            'negotiated format: JSON `{"error": {"code", "message", "request_id"}}` for '
            "`format=json`, the document formats, `Accept: application/json` and every /jobs route; an "
            "error page for `format=html`; else one line of text. Every answer carries an X-Request-ID.",
            "**Keys**: "
            + (
                "this server wants a key on POST /ocr, /jobs and POST /export (OCR_API_KEYS): "
                "`Authorization: Bearer <key>` or `X-API-Key: <key>`."
                if api_keys
                else "this server wants no key (set OCR_API_KEYS to ask for one)."
            ),
            "**Jobs**: "
            + (
                "on: documents are read page by page by the queue's workers."
                if jobs_on
                else "off on this server (no OCR_BROKER_URL): the /jobs routes answer 503 jobs_unavailable."
            ),
        ]
    )


def _guarded_operations() -> list[tuple[str, str]]:
    return [
        ("/ocr", "post"),
        ("/jobs", "post"),
        ("/jobs/{job_id}", "get"),
        ("/jobs/{job_id}", "delete"),
        ("/jobs/{job_id}/result", "get"),
        ("/jobs/{job_id}/pages/{number}", "get"),
        ("/export", "post"),
    ]


def _security_schemes(api_keys: bool, metrics_key: bool) -> dict:
    schemes = {}
    for name, setting, wanted in (("apiKey", "OCR_API_KEYS", api_keys), ("metricsKey", "OCR_METRICS_KEY", metrics_key)):
        if wanted:
            schemes[f"{name}Bearer"] = {
                "type": "http",
                "scheme": "bearer",
                "description": f"One of the keys of {setting}, as `Authorization: Bearer <key>`",
            }
            schemes[f"{name}Header"] = {
                "type": "apiKey",
                "in": "header",
                "name": "X-API-Key",
                "description": f"One of the keys of {setting}, as `X-API-Key: <key>`",
            }
    return schemes


# --- operations ---------------------------------------------------------------


def _ocr() -> dict:
    return {
        "operationId": "recognize",
        "tags": ["reading"],
        "summary": "Read the text of an image or document",
        "description": (
            f"Send one image ({SUPPORTED}) as the multipart field `image`, as a raw body, or as "
            "base64 in JSON. Options come as query fields, or as fields of the form or of the JSON "
            "body, where the body's is used; every value sent must be valid. The answer's format is "
            "the `format` field's, else the Accept header's (text/plain, application/json, text/html, "
            "application/pdf); without either, plain text."
        ),
        "parameters": _option_parameters(),
        "requestBody": _image_body(),
        "responses": {
            "200": _reading_response("The text read, in the format asked for"),
            **_errors(400, 413, 415, 500, 503, 504),
        },
    }


def _submit() -> dict:
    return {
        "operationId": "submitJob",
        "tags": ["jobs"],
        "summary": "Queue a document to be read page by page",
        "description": (
            "The same inputs and options as POST /ocr; bad input is refused at once with the same "
            "errors. Pages are spread over the workers of the queue (OCR_BROKER_URL). 503 with "
            "Retry-After when more than OCR_JOB_QUEUE pages wait or Redis is out of reach; "
            "503 jobs_unavailable, without Retry-After, when the server has no queue."
        ),
        "parameters": _option_parameters(),
        "requestBody": _image_body(),
        "responses": {
            "202": {
                "description": "Queued: follow Location (or links.self) for its progress",
                "headers": {
                    "Location": {
                        "description": "/jobs/{id}",
                        "required": True,
                        "schema": {"type": "string", "pattern": "^/jobs/[A-Za-z0-9_-]+$"},
                    },
                    **_request_id_header(),
                },
                "content": {JSON: {"schema": _ref("schemas", "JobAccepted")}},
                "links": {
                    "GetJob": {"operationId": "getJob", "parameters": {"job_id": "$response.body#/id"}},
                    "GetJobResult": {"operationId": "getJobResult", "parameters": {"job_id": "$response.body#/id"}},
                    "DeleteJob": {"operationId": "deleteJob", "parameters": {"job_id": "$response.body#/id"}},
                },
            },
            **_errors(400, 413, 415, 500, 503, json_only=True),
        },
    }


def _job() -> dict:
    return {
        "operationId": "getJob",
        "tags": ["jobs"],
        "summary": "A job's progress: its status, times and each page's status and worker",
        "responses": {
            "200": _json_answer("The job", "Job"),
            **_errors(404, 500, 503, json_only=True),
        },
    }


def _delete() -> dict:
    return {
        "operationId": "deleteJob",
        "tags": ["jobs"],
        "summary": "Cancel the pages not yet read and remove the job and its upload at once",
        "responses": {
            "204": {"description": "Removed", "headers": _request_id_header()},
            **_errors(404, 500, 503, json_only=True),
        },
    }


def _job_result() -> dict:
    return {
        "operationId": "getJobResult",
        "tags": ["jobs"],
        "summary": "The whole document's reading, as POST /ocr gives it, once the job is finished",
        "description": "In any format of POST /ocr, by the `format` field or the Accept header.",
        "parameters": [_ref("parameters", "format")],
        "responses": {
            "200": _reading_response("The document's text, in the format asked for"),
            **_errors(400, 404, 409, 413, 415, 500, 503, 504, json_only=True),
        },
    }


def _job_page() -> dict:
    return {
        "operationId": "getJobPage",
        "tags": ["jobs"],
        "summary": "One page's reading, as soon as that page is read",
        "responses": {
            "200": _json_answer("The page's reading", "Page"),
            **_errors(404, 409, 500, 503, json_only=True),
        },
    }


def _export() -> dict:
    text_schema = {
        "type": "string",
        "pattern": export.TEXT_PATTERN,
        "description": "Pages separated by form feeds (\\f), paragraphs by blank lines; not blank, and no "
        "control characters but tab, newlines and form feed",
        "examples": [EXAMPLE_TEXT],
    }
    return {
        "operationId": "exportText",
        "tags": ["export"],
        "summary": "A Word document made from text alone",
        "description": (
            "For text a user corrected after reading. Pages separated by form feeds become page "
            "breaks, paragraphs separated by blank lines become paragraphs, and the lines inside one "
            f"stay lines. At most {export.MAX_TEXT_BYTES // (1024 * 1024)} MB of text (413); text "
            "that holds control characters other than tab, newlines and form feed is refused (415)."
        ),
        "parameters": [
            {
                "name": "format",
                "in": "query",
                "description": "The document to make; only docx is made from text alone",
                "schema": {"type": "string", "enum": list(export.EXPORTS), "default": export.EXPORTS[0]},
            }
        ],
        "requestBody": {
            "required": True,
            "content": {
                "text/plain": {
                    "schema": {**text_schema, "description": "The text, UTF-8 unless the charset says otherwise"},
                    "example": EXAMPLE_TEXT,
                },
                JSON: {
                    "schema": {
                        "type": "object",
                        "required": ["text"],
                        "properties": {
                            "text": text_schema,
                            "format": {"type": "string", "enum": list(export.EXPORTS)},
                        },
                    },
                    "example": {"text": EXAMPLE_TEXT},
                },
            },
        },
        "responses": {
            "200": {
                "description": "The Word document, named ocr.docx",
                "headers": {**_request_id_header(), **_disposition_header()},
                "content": {docx.MIMETYPE: {"schema": {"type": "string", "contentMediaType": docx.MIMETYPE}}},
            },
            **_errors(400, 413, 415, 500),
        },
    }


def _health() -> dict:
    return {
        "operationId": "health",
        "tags": ["operations"],
        "summary": "Liveness, and the engines with their versions and languages",
        "responses": {
            "200": _json_answer("Up", "Health"),
        },
    }


def _languages() -> dict:
    return {
        "operationId": "languages",
        "tags": ["operations"],
        "summary": "Installed languages with their names and the engines that read each",
        "responses": {
            "200": _json_answer("The languages", "Languages"),
        },
    }


def _metrics(keyed: bool) -> dict:
    operation = {
        "operationId": "metrics",
        "tags": ["operations"],
        "summary": "Metrics in Prometheus's text format",
        "description": (
            "Requests, pages read and their timings, OCR slots and jobs, added up over every worker "
            "process. OpenMetrics when the scraper's Accept header asks for it. "
            + ("Wants OCR_METRICS_KEY." if keyed else "Open: set OCR_METRICS_KEY to ask for a key.")
        ),
        "responses": {
            "200": {
                "description": "The metrics",
                "headers": _request_id_header(),
                "content": {
                    PROMETHEUS: {"schema": {"type": "string"}},
                    OPENMETRICS: {"schema": {"type": "string"}},
                },
            },
            **_errors(500, json_only=True),
        },
    }
    if keyed:
        operation["security"] = [{"metricsKeyBearer": []}, {"metricsKeyHeader": []}]
        operation["responses"].update(_errors(401, json_only=True))
    return operation


# --- parameters and bodies ----------------------------------------------------


def _option_parameters() -> list[dict]:
    return [_ref("parameters", name) for name in OPTION_FIELDS]


def _option_schemas() -> dict[str, dict]:
    """Each option's schema as a string field (query, form); parse_options matches the same."""
    languages = tesseract.installed_languages()
    engines = engine_choices()
    psm = [str(mode) for mode in ALLOWED_PSM]
    return {
        "lang": {
            "type": "string",
            "pattern": lang_pattern(languages),
            "default": "eng",
            "description": (
                f"Installed languages joined by '+': {', '.join(languages)}. Default eng. "
                "See GET /languages for their names."
            ),
            "examples": ["+".join(languages[:2])],
        },
        "psm": {
            "type": "string",
            "enum": psm,
            "description": (
                "Tesseract's page segmentation mode (0 and 2 are not offered). Left out: the automatic "
                "layout (3), tried again as one block (6) when it finds nothing."
            ),
        },
        "preprocess": {
            "type": "string",
            "pattern": steps_pattern(STEPS),
            "default": "auto",
            "description": (
                "auto (the steps each page needs), none, or a comma list of at most "
                f"{MAX_STEPS} steps, run in that order: {', '.join(STEPS)}"
            ),
            "examples": ["auto", "none", "grayscale,contrast,binarize"],
        },
        "engine": {
            "type": "string",
            "enum": list(engines),
            "default": "auto",
            "description": _engine_description(engines),
        },
        "previews": {
            "type": "string",
            "enum": list(FLAGS),
            "default": "0",
            "description": "1 (or true, yes, on) adds each page as read and as preprocessed, as small JPEG data URLs",
        },
        "format": {
            "type": "string",
            "enum": list(FORMATS),
            "description": (
                "The answer's format; without it the Accept header chooses among "
                f"{', '.join(NEGOTIABLE)}, and without that the answer is text"
            ),
        },
    }


def _engine_description(engines: tuple[str, ...]) -> str:
    if ppocr.NAME not in engines:
        return "This server reads with Tesseract alone (OCR_ENGINES=tesseract): auto and tesseract are the same."
    return (
        "auto: Tesseract first, PP-OCRv6 also reads the pages Tesseract doubts and the better reading "
        "is kept; tesseract: Tesseract alone; ppocr: PP-OCRv6 alone (handwriting, slower); best: both "
        "engines read every page, combined line by line (slowest)"
    )


def _json_option_schemas() -> dict[str, dict]:
    """The options in a JSON body: strings as in a query, and numbers or booleans where they fit."""
    strings = {name: _ref("schemas", OPTION_SCHEMAS[name]) for name in OPTION_FIELDS}
    return {
        **strings,
        "psm": {"anyOf": [{"type": "integer", "enum": list(ALLOWED_PSM)}, strings["psm"]]},
        "previews": {"anyOf": [{"type": "boolean"}, {"type": "integer", "enum": [0, 1]}, strings["previews"]]},
    }


def _image_body() -> dict:
    example = base64.b64encode(EXAMPLE_IMAGE.read_bytes()).decode()
    strings = {name: _ref("schemas", OPTION_SCHEMAS[name]) for name in OPTION_FIELDS}
    binary = {"type": "string", "format": "binary"}
    return {
        "required": True,
        "description": f"One image or document: {SUPPORTED}, recognized by its content",
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["image"],
                    "properties": {"image": {**binary, "description": "The file"}, **strings},
                },
                "encoding": {"image": {"contentType": ", ".join((*IMAGE_TYPES, "application/pdf"))}},
            },
            **{media_type: {"schema": binary} for media_type in (*IMAGE_TYPES, "application/pdf")},
            JSON: {
                "schema": {
                    "type": "object",
                    "required": ["image"],
                    "properties": {
                        "image": {
                            "type": "string",
                            "minLength": 1,
                            "description": "The file's bytes in base64, or a data: URL (data:image/png;base64,...)",
                            "examples": [example],
                        },
                        **_json_option_schemas(),
                    },
                },
                "examples": {
                    "png": {
                        "summary": f"A small PNG of '{EXAMPLE_TEXT}'",
                        "value": {"image": example, "format": "json"},
                    },
                    "dataUrl": {
                        "summary": "The same PNG as a data: URL, read as one line (psm 7)",
                        "value": {"image": f"data:image/png;base64,{example}", "psm": 7},
                    },
                },
            },
        },
    }


def _reading_response(description: str) -> dict:
    content = {}
    for name, media_type in MEDIA_TYPES.items():
        if name == "json":
            content[media_type] = {
                "schema": _ref("schemas", "Result"),
                "example": _example_result(),
            }
        elif name in ("text", "html", "hocr", "alto", "tsv"):
            content[media_type] = {"schema": {"type": "string"}}
            if name == "text":
                content[media_type]["example"] = EXAMPLE_TEXT + "\n"
        else:
            content[media_type] = {"schema": {"type": "string", "contentMediaType": media_type}}
    return {
        "description": (
            f"{description}: text (format=text), JSON (json), an HTML page (html), hOCR (hocr), "
            "ALTO XML (alto), TSV (tsv), a searchable PDF (pdf) or a Word document (docx); "
            "pages of a document separated by form feeds in the text"
        ),
        "headers": {**_request_id_header(), **_disposition_header(required=False)},
        "content": content,
    }


def _example_result() -> dict:
    word = {"confidence": 96.2, "top": 17, "height": 26, "block": 1, "paragraph": 1, "line": 1, "engine": "tesseract"}
    return {
        "text": EXAMPLE_TEXT,
        "confidence": 95.8,
        "engine": "tesseract",
        "lang": "eng",
        "psm": 3,
        "preprocess": ["grayscale", "binarize"],
        "preprocess_params": {},
        "image": {"width": 234, "height": 70},
        "words": [
            {"text": "Hello,", **word, "left": 20, "width": 84},
            {"text": "OCR", **word, "left": 116, "width": 58},
            {"text": "42", **word, "left": 184, "width": 32},
        ],
        "timings_ms": {"decode": 1, "preprocess": 3, "ocr": 60, "total": 66},
        "warnings": [],
    }


# --- responses ----------------------------------------------------------------


def _errors(*statuses: int, json_only: bool = False) -> dict:
    """The error responses of an operation; /jobs and /metrics answer errors in JSON alone."""
    prefix = "Json" if json_only else ""
    return {str(status): _ref("responses", f"{prefix}Error{status}") for status in statuses}


def _request_id_header() -> dict:
    return {"X-Request-ID": _ref("headers", "X-Request-ID")}


def _disposition_header(required: bool = True) -> dict:
    return {
        "Content-Disposition": {
            "description": "Document formats only: inline, with a file name (ocr.pdf, ocr.docx...)",
            "required": required,
            "schema": {"type": "string", "pattern": '^inline; filename="ocr\\.[a-z]+"$'},
        }
    }


def _error_responses() -> dict:
    responses = {}
    for status, why in WHY.items():
        description = f"{why}. Codes: {', '.join(CODES[status])}"
        headers = _request_id_header()
        if status in (409, 503):
            headers["Retry-After"] = _ref("headers", "Retry-After")
        if status == 401:
            headers["WWW-Authenticate"] = _ref("headers", "WWW-Authenticate")
        if status == 405:
            headers["Allow"] = {"description": "The methods allowed", "schema": {"type": "string"}}
        negotiated = {
            JSON: {"schema": _ref("schemas", "Error")},
            TEXT: {"schema": {"type": "string"}},
            HTML: {"schema": {"type": "string"}},
        }
        responses[f"Error{status}"] = {"description": description, "headers": headers, "content": negotiated}
        responses[f"JsonError{status}"] = {
            "description": description,
            "headers": headers,
            "content": {JSON: {"schema": _ref("schemas", "Error")}},
        }
    return responses


def _json_answer(description: str, schema: str) -> dict:
    """A response whose body is JSON of one of the document's schemas."""
    return {
        "description": description,
        "headers": _request_id_header(),
        "content": {JSON: {"schema": _ref("schemas", schema)}},
    }


def _headers() -> dict:
    return {
        "X-Request-ID": {
            "description": (
                "The request's id: the client's X-Request-ID when it is sane (letters, digits and . _ : - "
                "up to 128), else a new one; it is in the error body and in the server's log lines"
            ),
            "required": True,
            "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,128}$"},
        },
        "Retry-After": {
            "description": "Seconds to wait before asking again (absent on 503 jobs_unavailable)",
            "schema": {"type": "string", "pattern": "^[0-9]+$"},
        },
        "WWW-Authenticate": {
            "description": "The scheme to send a key with",
            "required": True,
            "schema": {"type": "string", "const": 'Bearer realm="ocr"'},
        },
    }


# --- components ---------------------------------------------------------------


def _components() -> dict:
    options = _option_schemas()
    parameters = {
        name: {
            "name": name,
            "in": "query",
            "description": options[name]["description"],
            "schema": _ref("schemas", OPTION_SCHEMAS[name]),
        }
        for name in OPTION_FIELDS
    }
    parameters["job_id"] = {
        "name": "job_id",
        "in": "path",
        "required": True,
        "description": "The job's id, as POST /jobs answered it",
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$"},
    }
    parameters["number"] = {
        "name": "number",
        "in": "path",
        "required": True,
        "description": "A page of the job, from 1",
        "schema": {"type": "integer", "minimum": 1},
    }
    return {
        "schemas": {OPTION_SCHEMAS[name]: schema for name, schema in options.items()} | _schemas(),
        "parameters": parameters,
        "responses": _error_responses(),
        "headers": _headers(),
    }


def _schemas() -> dict:
    integer, number, string = {"type": "integer"}, {"type": "number"}, {"type": "string"}
    strings = {"type": "array", "items": string}
    problem = {"code": string, "message": string}
    nullable_problem = {"oneOf": [_ref("schemas", "Problem"), {"type": "null"}]}
    engines = ["tesseract", ppocr.NAME]
    return {
        "Problem": {
            "type": "object",
            "description": "Why a page or a job failed",
            "required": ["code", "message"],
            "properties": problem,
        },
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["code", "message", "request_id"],
                    "properties": {
                        "code": {**string, "description": "Stable, for programs: see each response's codes"},
                        "message": {**string, "description": "For people: what went wrong and what to do"},
                        "request_id": {**string, "description": "The answer's X-Request-ID"},
                    },
                }
            },
            "example": {
                "error": {
                    "code": "invalid_option",
                    "message": "psm 2 is not supported; allowed: " + ", ".join(map(str, ALLOWED_PSM)),
                    "request_id": "3f5e0c1d9a8b4c7e8f6a2b1c0d9e8f7a",
                }
            },
        },
        "EngineName": {"type": "string", "enum": engines},
        "Reader": {
            "type": "string",
            "enum": [*engines, "+".join(engines)],
            "description": "The engine whose reading was kept; tesseract+ppocr when lines of both were",
        },
        "Word": {
            "type": "object",
            "description": "A word and its box, in pixels of the upright original image",
            "required": ["text", "confidence", "left", "top", "width", "height", "block", "paragraph", "line"],
            "properties": {
                "text": string,
                "confidence": {**number, "minimum": 0, "maximum": 100},
                **{name: integer for name in ("left", "top", "width", "height", "block", "paragraph", "line")},
                "engine": _ref("schemas", "EngineName"),
                "page": {**integer, "description": "Documents only: the word's page"},
            },
        },
        "Warning": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {
                    **string,
                    "description": "low_confidence, handwriting_suspected, second_engine_unavailable or "
                    "second_engine_failed; more may be added",
                },
                "message": string,
            },
        },
        "Timings": {
            "type": "object",
            "description": "Milliseconds spent on each stage: decode, preprocess, ocr, ppocr, total...",
            "additionalProperties": integer,
        },
        "Previews": {
            "type": "object",
            "description": "With previews=1 only: JPEG data URLs",
            "required": ["original", "preprocessed"],
            "properties": {"original": string, "preprocessed": string},
        },
        "Page": _page_schema(),
        "Result": _result_schema(),
        "Engine": {
            "type": "object",
            "required": ["name", "version", "languages"],
            "properties": {
                "name": _ref("schemas", "EngineName"),
                "version": string,
                "mode": {**string, "enum": ["api", "cli"], "description": "Tesseract's only: how it runs"},
                "languages": {**strings, "description": "The installed languages this engine reads"},
            },
        },
        "Health": {
            "type": "object",
            "required": ["status", "engine", "tesseract", "tessdata", "languages", "engines"],
            "properties": {
                "status": {"const": "ok"},
                "engine": {**string, "enum": ["api", "cli"], "description": "How Tesseract runs (OCR_ENGINE)"},
                "tesseract": {**string, "description": "Tesseract's version"},
                "tessdata": {**string, "description": "The folder of Tesseract's traineddata"},
                "languages": {**strings, "description": "Tesseract's traineddata, osd included"},
                "engines": {"type": "array", "items": _ref("schemas", "Engine")},
            },
        },
        "Languages": {
            "type": "object",
            "required": ["languages", "engines"],
            "properties": {
                "languages": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["code", "name", "engines"],
                        "properties": {
                            "code": string,
                            "name": string,
                            "engines": {"type": "array", "items": _ref("schemas", "EngineName")},
                        },
                    },
                },
                "engines": {"type": "array", "items": _ref("schemas", "Engine")},
            },
        },
        "JobLinks": {
            "type": "object",
            "required": ["self", "result"],
            "properties": {"self": string, "result": string},
        },
        "JobAccepted": {
            "type": "object",
            "required": ["id", "status", "pages_total", "pages_done", "links"],
            "properties": {
                "id": {**string, "description": "192 random bits, URL-safe: the only key to the job"},
                "status": {"const": "queued"},
                "pages_total": {**integer, "minimum": 1},
                "pages_done": {"const": 0},
                "links": _ref("schemas", "JobLinks"),
            },
        },
        "JobPage": {
            "type": "object",
            "required": ["number", "status", "worker", "error"],
            "properties": {
                "number": {**integer, "minimum": 1},
                "status": {**string, "enum": ["queued", "running", "done", "failed"]},
                "worker": {"type": ["string", "null"], "description": "The worker that read (or reads) the page"},
                "error": nullable_problem,
            },
        },
        "Job": {
            "type": "object",
            "required": [
                "id",
                "status",
                "pages_total",
                "pages_done",
                "created_at",
                "started_at",
                "finished_at",
                "error",
                "pages",
                "links",
            ],
            "properties": {
                "id": string,
                "status": {**string, "enum": list(STATUSES)},
                "pages_total": {**integer, "minimum": 1},
                "pages_done": {**integer, "minimum": 0},
                "created_at": {**string, "format": "date-time"},
                "started_at": {"type": ["string", "null"], "format": "date-time"},
                "finished_at": {"type": ["string", "null"], "format": "date-time"},
                "error": {**nullable_problem, "description": "Why a failed job failed"},
                "pages": {"type": "array", "items": _ref("schemas", "JobPage")},
                "links": _ref("schemas", "JobLinks"),
            },
        },
    }


def _reading_properties() -> dict:
    """What a reading of a page and of a whole upload both hold."""
    number, string = {"type": "number"}, {"type": "string"}
    return {
        "text": string,
        "confidence": {**number, "minimum": 0, "maximum": 100, "description": "Mean word confidence"},
        "engine": _ref("schemas", "Reader"),
        "words": {"type": "array", "items": _ref("schemas", "Word")},
        "preprocess": {"type": "array", "items": string, "description": "The steps applied"},
        "preprocess_params": {"type": "object", "description": "What each step measured and chose"},
        "timings_ms": _ref("schemas", "Timings"),
        "warnings": {"type": "array", "items": _ref("schemas", "Warning")},
        "previews": _ref("schemas", "Previews"),
    }


def _page_schema() -> dict:
    integer = {"type": "integer"}
    return {
        "type": "object",
        "required": [
            "number",
            "width",
            "height",
            "text",
            "confidence",
            "engine",
            "words",
            "preprocess",
            "preprocess_params",
            "timings_ms",
            "warnings",
        ],
        "properties": {
            "number": {**integer, "minimum": 1},
            "width": integer,
            "height": integer,
            **_reading_properties(),
            "error": {**_ref("schemas", "Problem"), "description": "Why the page could not be read"},
        },
    }


def _result_schema() -> dict:
    integer = {"type": "integer"}
    return {
        "type": "object",
        "required": [
            "text",
            "confidence",
            "engine",
            "lang",
            "psm",
            "preprocess",
            "preprocess_params",
            "image",
            "words",
            "timings_ms",
            "warnings",
        ],
        "properties": {
            **_reading_properties(),
            "lang": {"type": "string"},
            "psm": integer,
            "image": {
                "type": "object",
                "description": "The first page, upright",
                "required": ["width", "height"],
                "properties": {"width": integer, "height": integer},
            },
            "pages": {
                "type": "array",
                "items": _ref("schemas", "Page"),
                "description": "Documents of more than one page only",
            },
        },
    }


def _ref(kind: str, name: str) -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}
