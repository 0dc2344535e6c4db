"""One description of each shape: the JSON answers, the job records and the OpenAPI schemas come
from the model's shapes (ocr.model, jobs.records), and the error codes from the error classes.

The answers of real readings must validate against the schemas generated from the model, hold
no key the schemas lack, and, over every kind of answer, hold every key the schemas declare.
"""

import dataclasses
import io
import json
from collections import defaultdict
from unittest import mock

import pytest
from conftest import PPOCR_POOL, document, draw_text, encode
from jsonschema import Draft202012Validator

from jobs import records
from ocr.model.errors import EngineFailure, TooLarge, error_classes, error_for, problem
from ocr.model.options import OcrOptions
from ocr.model.result import ENGINE_ORDER, OcrResult, PageResult, ReadingWarning, Word
from web import requestlog
from web.openapi.responses import WHY, codes

PREFIX = "#/components/schemas/"


@pytest.fixture(scope="module")
def spec(tmp_path_factory) -> dict:
    from app import create_app

    app = create_app({"TESTING": True, "SLOT_DIR": str(tmp_path_factory.mktemp("slots"))}, ppocr_children=PPOCR_POOL)
    return app.test_client().get("/openapi.json").get_json()


def read(client, data: bytes, **fields) -> tuple[dict, OcrResult]:
    """POST /ocr's JSON answer, and the OcrResult it was made from."""
    made = []
    to_dict = OcrResult.to_dict

    def spy(result):
        made.append(result)
        return to_dict(result)

    with mock.patch.object(OcrResult, "to_dict", spy):
        response = client.post("/ocr", data={"image": (io.BytesIO(data), "upload"), "format": "json", **fields})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json(), made[0]


class Answers:
    """Answers checked against the document's schemas: valid, and no key a schema does not name;
    which keys each schema's objects held, to find the keys the schemas name and no answer has."""

    def __init__(self, spec: dict):
        self.spec = spec
        self.declared: dict[str, set[str]] = {}
        self.seen: dict[str, set[str]] = defaultdict(set)

    def check(self, answer, name: str) -> None:
        schema = {"$ref": PREFIX + name}
        errors = list(Draft202012Validator({**self.spec, **schema}).iter_errors(answer))
        assert not errors, f"{name}: {errors[0].message} at {list(errors[0].absolute_path)}"
        self._walk(answer, schema, name)

    def _walk(self, value, schema: dict, where: str) -> None:
        while "$ref" in schema:
            beside = {key: item for key, item in schema.items() if key != "$ref"}
            target = self.spec["components"]["schemas"][schema["$ref"].removeprefix(PREFIX)]
            if "properties" not in beside:
                where = schema["$ref"].removeprefix(PREFIX)
            properties = {**target.get("properties", {}), **beside.get("properties", {})}
            schema = {**target, **beside} | ({"properties": properties} if properties else {})
        branches = schema.get("oneOf") or schema.get("anyOf")
        if branches and value is not None:
            schema = next(branch for branch in branches if branch.get("type") != "null")
            self._walk(value, schema, where)
        elif isinstance(value, dict) and "properties" in schema:
            properties = schema["properties"]
            assert set(value) <= set(properties), f"{where}: {set(value) - set(properties)} not in the schema"
            self.declared[where] = set(properties)
            self.seen[where] |= set(value)
            for key, item in value.items():
                self._walk(item, properties[key], f"{where}.{key}")
        elif isinstance(value, list) and "items" in schema:
            for item in value:
                self._walk(item, schema["items"], f"{where}[]")

    def unseen(self) -> dict[str, set[str]]:
        return {where: keys - self.seen[where] for where, keys in self.declared.items() if keys - self.seen[where]}


def test_every_answer_is_its_schema_and_every_schema_key_is_in_some_answer(spec, client):
    answers = Answers(spec)
    single, _ = read(client, encode(draw_text("Quick brown foxes")))
    answers.check(single, "Result")
    with_previews, _ = read(client, encode(draw_text("Quick brown foxes")), previews="1")
    answers.check(with_previews, "Result")
    pages = ["The first page of this short letter", "The second page of this short letter"]
    two_pages, result = read(client, document(pages), previews="1", lang="auto")  # detected_lang too
    assert [word["page"] for word in two_pages["words"]][-1] == 2
    answers.check(two_pages, "Result")
    # a document with a page that could not be read, and warnings, as the reading makes them
    warned = dataclasses.replace(result.pages[0], warnings=(ReadingWarning("low_confidence", "Check the text."),))
    failed = PageResult(number=2, width=0, height=0, error=TooLarge("page 2 is over the limit"))
    mixed = dataclasses.replace(result, pages=(warned, failed))
    answers.check(mixed.to_dict(), "Result")
    answers.check(failed.to_dict(), "Page")
    assert answers.unseen() == {}


def test_the_page_word_and_warning_schemas_are_the_dataclasses_fields(spec):
    schemas = spec["components"]["schemas"]
    assert list(schemas["Word"]["required"]) == [field.name for field in dataclasses.fields(Word)]
    assert schemas["Warning"]["required"] == [field.name for field in dataclasses.fields(ReadingWarning)]
    assert schemas["EngineName"]["enum"] == list(ENGINE_ORDER)
    assert schemas["Reader"]["enum"] == [*ENGINE_ORDER, "+".join(ENGINE_ORDER)]
    for name, schema in schemas.items():
        Draft202012Validator.check_schema(schema)  # each is JSON Schema itself, not only the document
        assert "title" not in schema, name


# --- job records and the jobs API's answers ------------------------------------------------


def test_a_page_record_is_every_field_in_json_and_reads_back_the_same(client):
    _, result = read(client, document(["First page of two", "Second page of two"]), previews="1")
    pages = [*result.pages, PageResult(number=3, width=0, height=0, error=EngineFailure("Tesseract failed"))]
    for page in pages:
        record = json.loads(json.dumps(records.page_record(page)))
        as_before = dataclasses.asdict(page) | {"error": None if page.error is None else problem(page.error)}
        assert json.dumps(record) == json.dumps(as_before)  # the same JSON in Redis as before
        back = records.page_from_record(record)
        if page.error is None:
            assert back == page
        else:
            assert (type(back.error), back.error.message) == (type(page.error), page.error.message)
            assert dataclasses.replace(back, error=None) == dataclasses.replace(page, error=None)
    for options in (OcrOptions(), OcrOptions(lang="eng+deu", psm=7, steps=("grayscale",), previews=True)):
        assert records.options_from_record(json.loads(json.dumps(records.options_record(options)))) == options


def test_the_jobs_answers_are_their_schemas(spec, jobs_app):
    answers = Answers(spec)
    client = jobs_app.test_client()
    _, result = read(client, encode(draw_text("The first page of this short letter")), lang="auto")
    response = client.post("/jobs", data=document(["One", "Two"]), content_type="application/pdf")
    accepted = response.get_json()
    answers.check(accepted, "JobAccepted")
    job_id, store = accepted["id"], jobs_app.extensions["jobs"].store
    answers.check(client.get(f"/jobs/{job_id}").get_json(), "Job")  # queued
    store.start_page(job_id, 1, "reader@host")
    answers.check(client.get(f"/jobs/{job_id}").get_json(), "Job")  # running
    page = dataclasses.replace(result.pages[0], number=1)
    store.finish_page(job_id, page, "reader@host")
    assert store.page_result(job_id, 1) == page  # through Redis and back
    answers.check(client.get(f"/jobs/{job_id}/pages/1").get_json(), "Page")
    store.start_page(job_id, 2, "reader@host")
    store.finish_page(job_id, PageResult(number=2, width=0, height=0, error=EngineFailure("no")), "reader@host")
    done = client.get(f"/jobs/{job_id}").get_json()
    assert [entry["status"] for entry in done["pages"]] == ["done", "failed"]
    answers.check(done, "Job")
    answers.check(client.get(f"/jobs/{job_id}/pages/2").get_json(), "Page")  # with its error
    failed = client.post("/jobs", data=document(["One"]), content_type="application/pdf").get_json()["id"]
    store.start_page(failed, 1, "reader@host")
    store.finish_page(failed, PageResult(number=1, width=0, height=0, error=EngineFailure("no")), "reader@host")
    answers.check(client.get(f"/jobs/{failed}").get_json(), "Job")  # failed, with the job's error
    assert answers.unseen() == {"Page": {"previews"}}  # asked for by no job here


# --- errors ------------------------------------------------------------------------------------


def test_each_error_class_code_is_listed_under_its_status(spec):
    listed = codes()
    for cls in error_classes():
        if "code" in vars(cls):
            assert cls.code in listed[cls.status_code], cls
            assert error_for(cls.code, "x").code == cls.code
    assert set(listed) == set(WHY)  # every status an error can have is explained
    responses = spec["components"]["responses"]
    assert "missing_text" in responses["Error400"]["description"]  # /export's own, once forgotten
    assert "unsupported_text" in responses["Error415"]["description"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("post", "/ocr?format=json", None, 400, "missing_image"),
        ("post", "/export", "", 400, "missing_text"),
        ("post", "/export", "\x00", 415, "unsupported_text"),
        ("get", "/jobs/nothing-here", None, 503, "jobs_unavailable"),
        ("get", "/nowhere", None, 404, "not_found"),
        ("put", "/ocr", None, 405, "method_not_allowed"),
    ],
)
def test_error_answers_are_the_error_schema_with_a_code_the_document_lists(
    spec, client, method, path, body, status, code
):
    headers = {"Accept": "application/json"}
    if body is None:
        response = getattr(client, method)(path, headers=headers)
    else:
        response = getattr(client, method)(path, data=body, content_type="text/plain", headers=headers)
    answer = response.get_json()
    assert (response.status_code, answer["error"]["code"]) == (status, code)
    Answers(spec).check(answer, "Error")
    assert set(answer["error"]) == set(spec["components"]["schemas"]["Error"]["properties"]["error"]["properties"])
    assert code in spec["components"]["responses"][f"Error{status}"]["description"]
    assert requestlog.SANE_ID.fullmatch(response.headers["X-Request-ID"])


def test_the_request_id_pattern_is_the_one_the_server_checks(spec):
    pattern = spec["components"]["headers"]["X-Request-ID"]["schema"]["pattern"]
    assert pattern == f"^{requestlog.SANE_ID.pattern}$"
