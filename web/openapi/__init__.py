"""GET /openapi.json: the OpenAPI 3.1 document of this server as configured; GET /docs, the
same browsable (Swagger UI, from the swagger-ui-bundle-v2 package: no CDN).

Built, once per app, from the definitions the requests are checked against and the answers are
made from: the installed languages and the options' patterns (ocr.model.options), the engine
choices, the formats and their media types (web.uploads), the limits in the configuration, the
answers' shapes (ocr.model, jobs.records), the error classes and their codes, and whether keys
guard the API and /metrics. Nothing here is kept by hand beside the code.

document.py assembles it from paths.py (the operations), bodies.py (options, uploads, readings),
responses.py (errors and headers) and schemas.py (generated from the model's shapes).
"""

from pathlib import Path

import swagger_ui_bundle
from flask import Blueprint, abort, current_app, render_template, send_from_directory

from web.openapi.document import build
from web.openapi.refs import EXAMPLE_TEXT

__all__ = ["EXAMPLE_TEXT", "SWAGGER_UI_FILES", "bp", "build"]

bp = Blueprint("openapi", __name__)
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
    return render_template("docs.html")


@bp.get("/docs/swagger-ui/<name>")
def swagger_ui(name: str):
    """Swagger UI's script and style sheet, as the swagger-ui-bundle-v2 package ships them."""
    if name not in SWAGGER_UI_FILES:
        abort(404)
    return send_from_directory(SWAGGER_UI, name, max_age=24 * 3600)
