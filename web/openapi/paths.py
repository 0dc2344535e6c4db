"""The document's operations, path by path: what each takes, answers and refuses."""

from typing import Any

from ocr.dictionary.dictionaries import SPELLCHECKER_LANGUAGES
from ocr.dictionary.suggest import MAX_SUGGESTIONS, MAX_WORD
from ocr.input.images import SUPPORTED
from ocr.output import word_document
from web import export
from web.openapi.bodies import image_body, option_parameters, reading_response
from web.openapi.refs import EXAMPLE_TEXT, JSON, OPENMETRICS, PROMETHEUS, ref
from web.openapi.responses import disposition_header, errors, json_answer, request_id_header


def paths(metrics_key: bool) -> dict:
    job_id, number = ref("parameters", "job_id"), ref("parameters", "number")
    return {
        "/ocr": {"post": _ocr()},
        "/jobs": {"post": _submit()},
        "/jobs/{job_id}": {"parameters": [job_id], "get": _job(), "delete": _delete()},
        "/jobs/{job_id}/result": {"parameters": [job_id], "get": _job_result()},
        "/jobs/{job_id}/pages/{number}": {"parameters": [job_id, number], "get": _job_page()},
        "/export": {"post": _export()},
        "/health": {"get": _health()},
        "/health/live": {"get": _live()},
        "/health/ready": {"get": _ready()},
        "/languages": {"get": _languages()},
        "/suggestions": {"get": _suggestions()},
        "/metrics": {"get": _metrics(metrics_key)},
    }


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
            "application/pdf); without either, plain text. format=xlsx and csv give the tables found "
            "as a spreadsheet (422 no_table when there is none)."
        ),
        "parameters": option_parameters(),
        "requestBody": image_body(),
        "responses": {
            "200": reading_response("The text read, in the format asked for"),
            **errors(400, 413, 415, 422, 500, 503, 504),
        },
    }


def _submit() -> dict:
    body = "$response.body#/id"
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
        "parameters": option_parameters(),
        "requestBody": image_body(),
        "responses": {
            "202": {
                "description": "Queued: follow Location (or links.self) for its progress",
                "headers": {
                    "Location": {
                        "description": "/jobs/{id}",
                        "required": True,
                        "schema": {"type": "string", "pattern": "^/jobs/[A-Za-z0-9_-]+$"},
                    },
                    **request_id_header(),
                },
                "content": {JSON: {"schema": ref("schemas", "JobAccepted")}},
                "links": {
                    "GetJob": {"operationId": "getJob", "parameters": {"job_id": body}},
                    "GetJobResult": {"operationId": "getJobResult", "parameters": {"job_id": body}},
                    "DeleteJob": {"operationId": "deleteJob", "parameters": {"job_id": body}},
                },
            },
            **errors(400, 413, 415, 500, 503, json_only=True),
        },
    }


def _job() -> dict:
    return {
        "operationId": "getJob",
        "tags": ["jobs"],
        "summary": "A job's progress: its status, times and each page's status and worker",
        "responses": {
            "200": json_answer("The job", "Job"),
            **errors(404, 500, 503, json_only=True),
        },
    }


def _delete() -> dict:
    return {
        "operationId": "deleteJob",
        "tags": ["jobs"],
        "summary": "Cancel the pages not yet read and remove the job and its upload at once",
        "responses": {
            "204": {"description": "Removed", "headers": request_id_header()},
            **errors(404, 500, 503, json_only=True),
        },
    }


def _job_result() -> dict:
    return {
        "operationId": "getJobResult",
        "tags": ["jobs"],
        "summary": "The whole document's reading, as POST /ocr gives it, once the job is finished",
        "description": "In any format of POST /ocr, by the `format` field or the Accept header.",
        "parameters": [ref("parameters", "format"), ref("parameters", "table")],
        "responses": {
            "200": reading_response("The document's text, in the format asked for"),
            **errors(400, 404, 409, 413, 415, 422, 500, 503, 504, json_only=True),
        },
    }


def _job_page() -> dict:
    return {
        "operationId": "getJobPage",
        "tags": ["jobs"],
        "summary": "One page's reading, as soon as that page is read",
        "responses": {
            "200": json_answer("The page's reading", "Page"),
            **errors(404, 409, 500, 503, json_only=True),
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
                "headers": {**request_id_header(), **disposition_header()},
                "content": {
                    word_document.MIMETYPE: {"schema": {"type": "string", "contentMediaType": word_document.MIMETYPE}}
                },
            },
            **errors(400, 413, 415, 500),
        },
    }


def _health() -> dict:
    return {
        "operationId": "health",
        "tags": ["operations"],
        "summary": "Each part's state (reading, the job queue, its workers), and the engines",
        "description": (
            "`status` is `ok`, `degraded` (reading works; the job queue cannot be reached, or no job "
            "worker was seen lately: the part says) or `failing` (reading does not work: 503)."
        ),
        "responses": {
            "200": json_answer("Reading works (status ok or degraded)", "Health"),
            "503": json_answer("Reading does not work (status failing)", "Health"),
        },
    }


def _live() -> dict:
    return _operation("live", "The process answers (a liveness probe)", {"200": json_answer("Alive", "Probe")})


def _ready() -> dict:
    answers = {"200": json_answer("Ready", "Probe"), "503": json_answer("Reading does not work", "Probe")}
    return _operation("ready", "Reading works (a readiness probe); the job queue is not asked", answers)


def _operation(operation_id: str, summary: str, responses: dict) -> dict:
    """An operation of the operations tag that takes nothing."""
    return {"operationId": operation_id, "tags": ["operations"], "summary": summary, "responses": responses}


def _languages() -> dict:
    return {
        "operationId": "languages",
        "tags": ["operations"],
        "summary": "Installed languages with their names and the engines that read each",
        "responses": {
            "200": json_answer("The languages", "Languages"),
        },
    }


def _suggestions() -> dict:
    word = {"type": "string", "minLength": 1, "maxLength": 4 * MAX_WORD}
    return {
        "operationId": "suggestions",
        "tags": ["reading"],
        "summary": "Spellings a doubtful word may have had, from a dictionary of its language",
        "description": (
            f"At most {MAX_SUGGESTIONS}, best first: the words it reads as once letters OCR confuses are "
            "undone (rn/m, cl/d, 1/l, 0/o), then the dictionary's nearest words, the most used first. English "
            f"comes from symspellpy's list, {', '.join(SPELLCHECKER_LANGUAGES)} from pyspellchecker's. "
            "Numbers, codes and languages without a dictionary get an empty list."
        ),
        "parameters": [
            {"name": "word", "in": "query", "required": True, "schema": word, "example": "rnodern"},
            {
                "name": "lang",
                "in": "query",
                "schema": {"type": "string", "maxLength": 200, "default": "eng"},
                "description": "The reading's language as Tesseract names it; of eng+fra, the first with a dictionary",
                "example": "fra",
            },
        ],
        "responses": {"200": json_answer("The suggestions", "Suggestions"), **errors(400, 500)},
    }


def _metrics(keyed: bool) -> dict:
    operation: dict[str, Any] = {  # a JSON object, added to below
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
                "headers": request_id_header(),
                "content": {
                    PROMETHEUS: {"schema": {"type": "string"}},
                    OPENMETRICS: {"schema": {"type": "string"}},
                },
            },
            **errors(500, json_only=True),
        },
    }
    if keyed:
        operation["security"] = [{"metricsKeyBearer": []}, {"metricsKeyHeader": []}]
        operation["responses"].update(errors(401, json_only=True))
    return operation
