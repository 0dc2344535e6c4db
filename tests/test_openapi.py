"""GET /openapi.json and /docs: a valid OpenAPI 3.1 document of this server as configured, whose
patterns are the ones the server checks, whose examples work, and which Schemathesis, driving a
live server (gunicorn, Redis, a job worker) from it, finds the server keeping."""

import base64
import functools
import io
import os
import re
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from conftest import PPOCR_POOL
from hypothesis import given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from playwright.sync_api import expect
from test_browser import live_server, open_page  # noqa: F401 - fixtures: a live server, Chromium on it
from test_live_server import ROOT, Server

from app import create_app
from ocr.model.errors import InvalidOption
from ocr.model.options import ALLOWED_PSM, ENGINES, TESSERACT_ENGINES, lang_pattern, parse_options, steps_pattern
from ocr.preprocess import STEPS
from web import openapi
from web.export import EXPORTS, TEXT_PATTERN
from web.openapi.bodies import option_schemas
from web.uploads import FORMATS, OPTION_FIELDS

PATHS = {
    "/ocr",
    "/jobs",
    "/jobs/{job_id}",
    "/jobs/{job_id}/result",
    "/jobs/{job_id}/pages/{number}",
    "/export",
    "/health",
    "/health/live",
    "/health/ready",
    "/languages",
    "/suggestions",
    "/metrics",
}
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
# Examples Schemathesis runs per operation in this suite; outside checks run 500 and more.
EXAMPLES = 25
KEYED_EXAMPLES = 8  # with keys: the same routes, behind their key


def document_of(tmp_path, **config) -> dict:
    app = create_app({"TESTING": True, "SLOT_DIR": str(tmp_path)} | config, ppocr_children=PPOCR_POOL)
    response = app.test_client().get("/openapi.json")
    assert (response.status_code, response.mimetype) == (200, "application/json")
    return response.get_json()


@pytest.mark.parametrize(
    "config",
    [{}, {"ENGINES": "tesseract"}, {"API_KEYS": "key-1,key-2", "METRICS_KEY": "scraper"}],
    ids=["default", "tesseract-only", "keys"],
)
def test_the_document_is_valid_openapi_3_1(tmp_path, config):
    spec = document_of(tmp_path, **config)
    validate(spec)  # raises on any violation of the OpenAPI 3.1 schema
    assert spec["openapi"].startswith("3.1")
    assert set(spec["paths"]) == PATHS


def test_the_options_are_the_servers_own(tmp_path):
    from ocr.engines import tesseract_data

    spec = document_of(tmp_path)
    schemas = spec["components"]["schemas"]
    assert schemas["Lang"]["pattern"] == lang_pattern(tesseract_data.installed_languages())
    assert schemas["Preprocess"]["pattern"] == steps_pattern(STEPS)
    assert schemas["Psm"]["enum"] == [str(mode) for mode in ALLOWED_PSM]
    assert schemas["Format"]["enum"] == list(FORMATS)
    assert schemas["EngineChoice"]["enum"] == list(ENGINES)
    parameters = {p["$ref"].rsplit("/", 1)[1] for p in spec["paths"]["/ocr"]["post"]["parameters"]}
    assert parameters == set(OPTION_FIELDS)
    export = spec["paths"]["/export"]["post"]
    assert export["parameters"][0]["schema"]["enum"] == list(EXPORTS)
    assert export["requestBody"]["content"]["text/plain"]["schema"]["pattern"] == TEXT_PATTERN
    # the limits in force are stated
    assert "at most 20 MB" in spec["info"]["description"]
    assert "at most 7 MB" in document_of(tmp_path, MAX_UPLOAD_MB=7)["info"]["description"]


def test_a_server_without_its_second_engine_offers_only_its_choices(tmp_path):
    spec = document_of(tmp_path, ENGINES="tesseract")
    assert spec["components"]["schemas"]["EngineChoice"]["enum"] == list(TESSERACT_ENGINES)


def test_keys_appear_as_security_only_where_they_are_wanted(tmp_path):
    open_spec = document_of(tmp_path)
    assert "securitySchemes" not in open_spec["components"]
    assert not any("security" in operation for item in open_spec["paths"].values() for operation in _operations(item))

    keyed = document_of(tmp_path, API_KEYS="key-1", METRICS_KEY="scraper")
    schemes = keyed["components"]["securitySchemes"]
    assert schemes["apiKeyBearer"] == schemes["apiKeyBearer"] | {"type": "http", "scheme": "bearer"}
    assert schemes["apiKeyHeader"] | {"description": ""} == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "",
    }
    for path, item in keyed["paths"].items():
        for method, operation in _operations(item, with_methods=True):
            guarded = path in ("/ocr", "/jobs", "/export") or path.startswith("/jobs/")
            if guarded:
                assert operation["security"] == [{"apiKeyBearer": []}, {"apiKeyHeader": []}], (path, method)
                assert "401" in operation["responses"]
            elif path == "/metrics":
                assert operation["security"] == [{"metricsKeyBearer": []}, {"metricsKeyHeader": []}]
                assert "401" in operation["responses"]
            else:
                assert "security" not in operation and "401" not in operation["responses"], path


def _operations(item: dict, with_methods: bool = False):
    for method in ("get", "post", "delete"):
        if method in item:
            yield (method, item[method]) if with_methods else item[method]


# What the document allows and what the server accepts: the same strings, both ways.
option_text = st.one_of(
    st.text(max_size=12),
    st.text(alphabet="eng+osd,", max_size=16),
    st.lists(st.sampled_from([*STEPS, "auto", "none", "AUTO", "", " "]), max_size=4).map(",".join),
    st.sampled_from(["1", "3", "13", "0", "2", "03", "+3", " 3", "3 ", "-1", "1e1", "\u0663"]),
)


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(["lang", "psm", "preprocess", "engine", "previews"]), value=option_text)
def test_each_option_value_the_document_allows_is_accepted_and_no_other(name, value):
    schema = _option_schemas()[name]
    allowed = re.fullmatch(schema["pattern"], value) is not None if "pattern" in schema else value in schema["enum"]
    try:
        parse_options({name: value}, languages=("eng", "deu"), step_names=STEPS)
        accepted = True
    except InvalidOption:
        accepted = False
    assert allowed == accepted, (name, value)


@functools.cache
def _option_schemas() -> dict:
    """The document's option schemas, for a server with English and German installed."""
    app = create_app({"TESTING": True})
    with (
        app.test_request_context(),
        mock.patch("ocr.engines.tesseract_data.installed_languages", return_value=("eng", "deu")),
    ):
        return option_schemas()


@pytest.fixture(scope="module")
def export_client(tmp_path_factory):
    return create_app(
        {"TESTING": True, "SLOT_DIR": str(tmp_path_factory.mktemp("slots"))}, ppocr_children=PPOCR_POOL
    ).test_client()


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=8))
def test_the_export_text_the_document_allows_is_the_text_the_server_takes(export_client, text):
    client = export_client
    allowed = re.fullmatch(TEXT_PATTERN, text) is not None
    response = client.post("/export", json={"text": text})
    assert (response.status_code == 200) == allowed, (text, response.status_code)


def test_the_documents_examples_work(client):
    spec = client.get("/openapi.json").get_json()
    body = spec["paths"]["/ocr"]["post"]["requestBody"]["content"]["application/json"]
    for name, example in body["examples"].items():
        response = client.post("/ocr?format=json", json=example["value"])
        assert response.status_code == 200, (name, response.get_data(as_text=True))
        assert response.get_json()["text"] == openapi.EXAMPLE_TEXT, name
    png = base64.b64decode(body["examples"]["png"]["value"]["image"])
    assert png == (ROOT / "static" / "examples" / "hello.png").read_bytes()
    assert client.get("/static/examples/hello.png").data == png  # curl -F image=@static/examples/hello.png
    export = spec["paths"]["/export"]["post"]["requestBody"]["content"]
    assert client.post("/export", json=export["application/json"]["example"]).status_code == 200
    text = export["text/plain"]["example"]
    assert client.post("/export", data=text, content_type="text/plain; charset=utf-8").status_code == 200


def test_the_docs_page_serves_swagger_ui_from_the_package(client):
    page = client.get("/docs")
    assert page.status_code == 200 and 'id="swagger-ui"' in page.get_data(as_text=True)
    for name in openapi.SWAGGER_UI_FILES:
        asset = client.get(f"/docs/swagger-ui/{name}")
        assert asset.status_code == 200 and len(asset.data) > 10_000, name
    assert client.get("/docs/swagger-ui/index.html").status_code == 404
    assert client.get("/docs/swagger-ui/..%2Fswagger-ui-bundle.js").status_code == 404
    assert 'href="/docs"' in client.get("/").get_data(as_text=True)  # the footer's link


def test_the_docs_page_renders_the_operations_within_the_csp(open_page):  # noqa: F811
    page = open_page("/")
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.click("#api-docs-link")
    expect(page.locator(".opblock-summary-path").first).to_be_visible(timeout=20_000)
    assert set(page.locator(".opblock-summary-path").all_inner_texts()) == PATHS
    page.locator(".opblock-summary", has_text="/ocr").first.click()
    expect(page.locator(".opblock-body .parameters").first).to_be_visible()
    assert problems == []  # a CSP violation is reported as a console error


# --- Schemathesis against a live server --------------------------------------------------


KEY = "schemathesis-key-5d0c2a"


@pytest.fixture(params=[False, True], ids=["open", "keyed"])
def live_stack(request, redis_url, start_worker, tmp_path):
    """gunicorn with jobs on a real Redis and a job worker sharing its OCR slots, as make run
    starts them (nginx aside), open or with OCR_API_KEYS and OCR_METRICS_KEY; Tesseract alone,
    so the examples stay fast."""
    settings = {
        "OCR_BROKER_URL": redis_url,
        "OCR_ENGINES": "tesseract",
        "OCR_SLOT_DIR": str(tmp_path),
        "OCR_TIMEOUT_S": "30",
        "OCR_MAX_UPLOAD_MB": "20",
        "OCR_CONCURRENCY": "2",
        "OCR_QUEUE": "4",
        "OCR_QUEUE_WAIT_S": "10",
    }
    if request.param:
        settings |= {"OCR_API_KEYS": KEY, "OCR_METRICS_KEY": KEY}
    start_worker("schemathesis", CONCURRENCY=2, TIMEOUT_S=30)
    server = Server(tmp_path, tmp_path / "gunicorn.log", settings)
    server.wait_until_ready()
    server.keyed = request.param
    yield server
    server.stop()


def test_schemathesis_finds_the_server_keeping_its_document(live_stack, tmp_path):
    """Every check: no 5xx, responses (status, content type, headers, body) as documented, every
    valid request accepted, every invalid one refused with a documented 4xx, deleted jobs gone,
    and, with keys, every guarded route refusing a request without one. The uploads are real
    images through tests/openapi_hooks.py, which schemathesis.toml loads."""
    url = f"http://127.0.0.1:{live_stack.port}/openapi.json"
    examples = KEYED_EXAMPLES if live_stack.keyed else EXAMPLES
    command = [str(SCHEMATHESIS), "run", url, "--checks", "all"]
    command += ["--max-examples", str(examples), "--seed", "20261130", "--request-timeout", "60"]
    command += ["--generation-database", "none", "--no-color"]
    if live_stack.keyed:
        command += ["--header", f"Authorization: Bearer {KEY}"]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "", "NO_COLOR": "1"}
    finished = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stdout[-12_000:] + finished.stderr[-4000:] + live_stack.log_tail()
    assert "Configuration:    " + str(ROOT / "schemathesis.toml") in finished.stdout  # with the hooks


# --- what Schemathesis found, kept fixed ------------------------------------------------------


def test_every_value_sent_is_checked_wherever_it_comes_from(client):
    png = (ROOT / "static" / "examples" / "hello.png").read_bytes()
    image = base64.b64encode(png).decode()
    cases = [  # (query, JSON body options, status)
        ("", {"psm": 7, "previews": True}, 200),
        ("", {"psm": 7.0}, 200),
        ("", {"psm": 3.5}, 400),
        ("", {"psm": None}, 400),
        ("", {"lang": ["eng"]}, 400),
        ("?psm=x", {"psm": 7}, 400),  # the body's is used, but the query's was sent too
        ("?psm=", {}, 400),  # empty is not the default
        ("?format=JSON", {}, 400),  # values are written in lower case
    ]
    for query, options, status in cases:
        response = client.post("/ocr" + query, json={"image": image} | options, headers={"Accept": "application/json"})
        assert response.status_code == status, (query, options, response.get_data(as_text=True))
    form = client.post("/ocr?psm=x", data={"image": (io.BytesIO(png), "hello.png"), "psm": "7"})
    assert form.status_code == 400


def test_errors_under_jobs_are_json_even_off_its_routes(client):
    for path in ("/jobs/abc/pages/-1", "/jobs/a/b/c"):
        response = client.get(path)
        assert (response.status_code, response.mimetype) == (404, "application/json"), path
        assert response.get_json()["error"]["code"] == "not_found"


def test_pp_ocr_gets_thin_pages_padded_to_a_sane_shape():
    from PIL import Image

    from ocr.engines.ppocr import _within_aspect

    assert _within_aspect(Image.new("RGB", (1, 68))).size == (32, 68)
    assert _within_aspect(Image.new("L", (3, 400))).size == (32, 400)
    assert _within_aspect(Image.new("RGB", (2000, 40))).size == (2000, 125)
    page = Image.new("RGB", (1000, 800))
    assert _within_aspect(page) is page
