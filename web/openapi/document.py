"""The OpenAPI 3.1 document of this server as configured: its limits, keys and engines."""

from typing import Any

from flask import current_app

from ocr.engines import ppocr
from web.auth import configured_keys
from web.openapi.bodies import OPTION_SCHEMAS, option_schemas
from web.openapi.paths import paths
from web.openapi.refs import ref
from web.openapi.responses import error_responses, errors, headers
from web.openapi.schemas import schemas
from web.uploads import OPTION_FIELDS, engine_choices

VERSION = "1.2.0"
TAGS = [
    {"name": "reading", "description": "Read an image or document at once"},
    {"name": "jobs", "description": "Long documents, read page by page by queue workers"},
    {"name": "export", "description": "Documents made from text"},
    {"name": "operations", "description": "Health, languages and metrics"},
]
# What OCR_API_KEYS guards.
GUARDED = [
    ("/ocr", "post"),
    ("/jobs", "post"),
    ("/jobs/{job_id}", "get"),
    ("/jobs/{job_id}", "delete"),
    ("/jobs/{job_id}/result", "get"),
    ("/jobs/{job_id}/pages/{number}", "get"),
    ("/export", "post"),
]


def build() -> dict:
    """The document for the current app."""
    config = current_app.config
    api_keys = bool(configured_keys(config.get("API_KEYS")))
    metrics_key = bool(configured_keys(config.get("METRICS_KEY")))
    jobs_on = current_app.extensions.get("jobs") is not None
    document: dict[str, Any] = {  # a JSON object, added to below
        "openapi": "3.1.0",
        "info": {"title": "OCR server", "version": VERSION, "description": _description(config, api_keys, jobs_on)},
        "tags": TAGS,
        "paths": paths(metrics_key),
        "components": _components(),
    }
    if api_keys or metrics_key:
        document["components"]["securitySchemes"] = _security_schemes(api_keys, metrics_key)
    if api_keys:
        for path, method in GUARDED:
            operation = document["paths"][path][method]
            operation["security"] = [{"apiKeyBearer": []}, {"apiKeyHeader": []}]
            operation["responses"].update(errors(401, json_only=path.startswith("/jobs")))
    return document


def _description(config, api_keys: bool, jobs_on: bool) -> str:
    return "\n\n".join(
        [
            "Read the text of photos, scans and documents with Tesseract"
            + (" and PP-OCRv6" if ppocr.NAME in engine_choices() else "")
            + ". This document describes this server as it runs now: its languages, options, "
            "limits and keys.",
            (
                f"**Limits**: an upload of at most {config['MAX_UPLOAD_MB']} MB (413), at most "
                f"{config['MAX_PIXELS']:,} pixels a page (413), at most {config['MAX_PAGES']} pages a document "
                f"through POST /ocr and {config['JOB_MAX_PAGES']} through POST /jobs (413), "
                f"{config['TIMEOUT_S']} s a page (504). A finished job is kept {config['JOB_TTL_S']} s."
            ),
            (
                "**Errors** come with a stable `code` and a `message` that says what to do, in the "
                'negotiated format: JSON `{"error": {"code", "message", "request_id"}}` for '
                "`format=json`, the document formats, `Accept: application/json` and every /jobs route; an "
                "error page for `format=html`; else one line of text. Every answer carries an X-Request-ID."
            ),
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


def _components() -> dict:
    options = option_schemas()
    parameters = {
        name: {
            "name": name,
            "in": "query",
            "description": options[name]["description"],
            "schema": ref("schemas", OPTION_SCHEMAS[name]),
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
        "schemas": {OPTION_SCHEMAS[name]: schema for name, schema in options.items()} | schemas(),
        "parameters": parameters,
        "responses": error_responses(),
        "headers": headers(),
    }
