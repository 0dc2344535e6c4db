"""OCR_API_KEYS: POST /ocr, every /jobs route and POST /export want a key; the pages, /health and
the other open routes do not. Keys from the variable or a file, compared in full, never logged."""

import io
import logging

import pytest
from conftest import document, draw_text, encode

from app import create_app
from web import auth
from web.requestlog import JsonFormatter, PlainFormatter

KEYS = ["first-key-7f3a9c", "second-key-b81d2e"]
WRONG = "wrong-key-55c0e4"
PNG = encode(draw_text("Keys open this door"))
HOW = "Authorization: Bearer <key>"


def settings(tmp_path, **more) -> dict:
    return {"TESTING": True, "SLOT_DIR": str(tmp_path), "TIMEOUT_S": 20, "ENGINES": "tesseract"} | more


@pytest.fixture
def keyed(redis_url, tmp_path):
    """A test client of an app with OCR_API_KEYS and jobs on a real Redis (no worker: jobs stay queued)."""
    return create_app(settings(tmp_path, BROKER_URL=redis_url, API_KEYS=",".join(KEYS))).test_client()


@pytest.fixture
def job_id(keyed) -> str:
    """A queued job of `keyed`'s, submitted with a key."""
    response = keyed.post("/jobs", data=document(["One page"]), content_type="application/pdf", headers=bearer(KEYS[0]))
    assert response.status_code == 202, response.get_data(as_text=True)
    return response.get_json()["id"]


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def call(client, route: str, job: str, headers: dict | None = None):
    """Send the protected route `route` ("METHOD /path") a request it would take, with `headers`."""
    method, path = route.split(" ")
    path = path.replace("<id>", job)
    headers = {"Accept": "application/json"} | (headers or {})
    if route == "POST /ocr":
        return client.post(path, data=PNG, content_type="image/png", headers=headers)
    if route == "POST /jobs":
        return client.post(path, data=document(["A page"]), content_type="application/pdf", headers=headers)
    if route == "POST /export":
        return client.post(path, data="Corrected text", content_type="text/plain; charset=utf-8", headers=headers)
    return client.open(path, method=method, headers=headers)


# each protected route, and what it answers a request with a key
PROTECTED = {
    "POST /ocr": 200,
    "POST /jobs": 202,
    "GET /jobs/<id>": 200,
    "GET /jobs/<id>/result": 409,  # queued: not read yet
    "GET /jobs/<id>/result?format=pdf": 409,
    "GET /jobs/<id>/pages/1": 409,
    "DELETE /jobs/<id>": 204,
    "POST /export": 200,
}
REFUSED = {
    "no key": {},
    "a wrong key": bearer(WRONG),
    "a wrong X-API-Key": {"X-API-Key": WRONG},
    "a key's prefix": bearer(KEYS[0][:-1]),
    "two keys joined": bearer(",".join(KEYS)),
    "a key as Basic": {"Authorization": f"Basic {KEYS[0]}"},
    "a key without a scheme": {"Authorization": KEYS[0]},
    "an empty Bearer": {"Authorization": "Bearer "},
}
ACCEPTED = {
    "Bearer": bearer(KEYS[0]),
    "lower-case bearer": {"Authorization": f"bearer {KEYS[1]}"},
    "X-API-Key": {"X-API-Key": KEYS[1]},
    "a wrong X-API-Key beside a right Bearer": bearer(KEYS[0]) | {"X-API-Key": WRONG},
}


def assert_refused(response, route: str):
    assert response.status_code == 401, (route, response.get_data(as_text=True))
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="ocr"'
    error = response.get_json()["error"]
    assert set(error) == {"code", "message", "request_id"}
    assert (error["code"], error["request_id"]) == ("unauthorized", response.headers["X-Request-ID"])
    assert HOW in error["message"] and "X-API-Key: <key>" in error["message"]
    assert not any(key in response.get_data(as_text=True) for key in [*KEYS, WRONG])


@pytest.mark.parametrize("route", PROTECTED)
def test_every_protected_route_refuses_a_request_without_a_valid_key(keyed, job_id, route):
    for how, headers in REFUSED.items():
        assert_refused(call(keyed, route, job_id, headers), f"{route} with {how}")
    assert keyed.get(f"/jobs/{job_id}", headers=bearer(KEYS[0])).status_code == 200  # nothing was done


@pytest.mark.parametrize("route", PROTECTED)
@pytest.mark.parametrize("how", ACCEPTED)
def test_every_protected_route_answers_a_request_with_a_key(keyed, job_id, route, how):
    response = call(keyed, route, job_id, ACCEPTED[how])
    assert response.status_code == PROTECTED[route], response.get_data(as_text=True)
    if route == "POST /ocr":
        assert "door" in response.get_json()["text"]


def test_a_key_opens_a_job_submitted_with_another(keyed, job_id):
    assert keyed.get(f"/jobs/{job_id}", headers={"X-API-Key": KEYS[1]}).status_code == 200


def test_an_unknown_job_is_401_without_a_key_and_404_with_one(keyed):
    assert_refused(keyed.get("/jobs/no-such-job"), "GET /jobs/no-such-job")  # whether it exists is not told
    assert keyed.get("/jobs/no-such-job", headers=bearer(KEYS[0])).status_code == 404


OPEN = ["/", "/camera", "/health", "/languages", "/openapi.json", "/static/js/api-key.js", "/metrics"]


def test_the_pages_health_and_the_other_open_routes_stay_open(keyed):
    paths = OPEN + [rule.rule for rule in keyed.application.url_map.iter_rules() if rule.rule == "/docs"]
    for path in paths:
        response = keyed.get(path)
        assert response.status_code == 200, path
        assert not any(key in response.get_data(as_text=True) for key in KEYS), path  # the config is not shown


def test_the_metrics_key_and_the_api_keys_open_each_their_own_routes(tmp_path):
    client = create_app(settings(tmp_path, API_KEYS=KEYS[0], METRICS_KEY=KEYS[1])).test_client()
    assert client.get("/metrics", headers=bearer(KEYS[0])).status_code == 401
    assert client.get("/metrics", headers=bearer(KEYS[1])).status_code == 200
    assert_refused(call(client, "POST /export", "", bearer(KEYS[1])), "POST /export with the metrics key")
    assert call(client, "POST /export", "", bearer(KEYS[0])).status_code == 200


def test_a_refusal_comes_in_the_negotiated_format(keyed):
    text = keyed.post("/ocr", data=PNG, content_type="image/png")
    assert text.status_code == 401 and text.mimetype == "text/plain"  # curl's default
    assert HOW in text.get_data(as_text=True)
    assert text.headers["WWW-Authenticate"] == 'Bearer realm="ocr"'
    # the upload form sent without JavaScript: an error page saying a key is needed and who asks for it
    page = keyed.post("/ocr", data={"image": (io.BytesIO(PNG), "page.png")}, headers={"Accept": "text/html"})
    assert page.status_code == 401 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert 'id="error-message"' in html and "needs a key" in html
    assert 'id="error-key-hint"' in html and "JavaScript" in html
    # the jobs routes answer programs: JSON whatever they accept
    assert keyed.get("/jobs/x", headers={"Accept": "text/html"}).get_json()["error"]["code"] == "unauthorized"


# --- where the keys come from ---------------------------------------------------


def test_keys_come_from_a_file_with_comments_and_blank_lines(tmp_path):
    keys = tmp_path / "keys"
    keys.write_text(f"# the scanner in room 4\n{KEYS[0]}\n\n   \n  {KEYS[1]}  \n#{WRONG}\n", encoding="utf-8")
    client = create_app(settings(tmp_path, API_KEYS=f"@{keys}")).test_client()
    assert client.application.config["API_KEYS"] == KEYS
    for key in KEYS:
        assert call(client, "POST /export", "", bearer(key)).status_code == 200
    for key in (WRONG, f"#{WRONG}", "# the scanner in room 4"):
        assert_refused(call(client, "POST /export", "", bearer(key)), f"POST /export with {key!r}")


def test_keys_come_from_the_environment_as_text(monkeypatch, tmp_path):
    monkeypatch.setenv("OCR_API_KEYS", "012345, 0x10 ")
    monkeypatch.setenv("OCR_SLOT_DIR", str(tmp_path))
    monkeypatch.setenv("OCR_ENGINES", "tesseract")
    client = create_app().test_client()
    assert call(client, "POST /export", "", {"X-API-Key": "012345"}).status_code == 200  # not the number 12345
    assert call(client, "POST /export", "", {"X-API-Key": "0x10"}).status_code == 200
    assert call(client, "POST /export", "", {"X-API-Key": "12345"}).status_code == 401


def test_a_keys_file_in_the_environment(monkeypatch, tmp_path):
    (tmp_path / "keys").write_text(KEYS[0] + "\n", encoding="utf-8")
    monkeypatch.setenv("OCR_API_KEYS", f"@{tmp_path / 'keys'}")
    monkeypatch.setenv("OCR_SLOT_DIR", str(tmp_path))
    monkeypatch.setenv("OCR_ENGINES", "tesseract")
    client = create_app().test_client()
    assert call(client, "POST /export", "", bearer(KEYS[0])).status_code == 200


@pytest.mark.parametrize(
    "value, says",
    [
        ("@/nonexistent/ocr-keys", "OCR_API_KEYS's file '/nonexistent/ocr-keys' cannot be read: No such file"),
        ("@{tmp}", "cannot be read: Is a directory"),
        ("@{tmp}/comments-only", "holds no key"),
        ("@{tmp}/not-utf8", "cannot be read"),
        ("", "OCR_API_KEYS holds no key"),
        (" , ,", "OCR_API_KEYS holds no key"),
        ([], "OCR_API_KEYS holds no key"),
    ],
)
def test_a_setting_without_a_usable_key_stops_the_start(tmp_path, value, says):
    (tmp_path / "comments-only").write_text("# no keys yet\n\n", encoding="utf-8")
    (tmp_path / "not-utf8").write_bytes(b"\xff\xfe\x00key\n")
    if isinstance(value, str):
        value = value.replace("{tmp}", str(tmp_path))
    with pytest.raises(ValueError) as raised:
        create_app(settings(tmp_path, API_KEYS=value))
    assert says in str(raised.value)
    assert "unset OCR_API_KEYS" in str(raised.value) or "cannot be read" in str(raised.value)


def test_a_key_is_compared_with_every_key_even_after_a_match(monkeypatch):
    compared = []
    real = auth.hmac.compare_digest
    monkeypatch.setattr(auth.hmac, "compare_digest", lambda a, b: compared.append(len(a)) or real(a, b))
    keys = ["a", "bb", "ccc"]
    assert auth.matches("a", keys) and auth.matches("ccc", keys)
    assert not auth.matches("cc", keys) and not auth.matches("aa", keys) and not auth.matches("", keys)
    assert len(compared) == 5 * len(keys)  # every key, whichever matched
    assert set(compared) == {32}  # digests of the same length, whatever the keys' lengths


# --- keys are never logged ------------------------------------------------------


@pytest.fixture
def every_log_line(caplog):
    """Every record logged, and each written as the plain and the JSON formatters would."""
    caplog.set_level(logging.DEBUG)
    streams = {"plain": io.StringIO(), "json": io.StringIO()}
    handlers = [logging.StreamHandler(streams["plain"]), logging.StreamHandler(streams["json"])]
    handlers[0].setFormatter(PlainFormatter())
    handlers[1].setFormatter(JsonFormatter())
    for handler in handlers:
        logging.getLogger().addHandler(handler)
        logging.getLogger("ocr").addHandler(handler)  # "ocr" may not propagate (logging_config)

    def lines() -> str:
        records = "\n".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
        return "\n".join([records, streams["plain"].getvalue(), streams["json"].getvalue()])

    yield lines
    for handler in handlers:
        logging.getLogger().removeHandler(handler)
        logging.getLogger("ocr").removeHandler(handler)


def test_keys_are_never_logged(keyed, job_id, every_log_line):
    for route in PROTECTED:
        for headers in (bearer(WRONG), {"X-API-Key": WRONG}, bearer(KEYS[0]), {"X-API-Key": KEYS[1]}):
            call(keyed, route, job_id, headers)
    keyed.get("/metrics", headers=bearer(KEYS[0]))
    logged = every_log_line()
    assert "POST /ocr 401" in logged and "POST /ocr 200" in logged  # the lines were caught
    for key in [*KEYS, WRONG]:
        assert key not in logged


def test_a_failed_start_does_not_show_the_keys(tmp_path):
    with pytest.raises(ValueError) as raised:
        create_app(settings(tmp_path, API_KEYS=f"@{tmp_path}/{KEYS[0]}-missing"))
    assert "cannot be read" in str(raised.value)  # the path is shown, it is not a key
    with pytest.raises(ValueError) as raised:
        create_app(settings(tmp_path, API_KEYS=" , "))
    assert KEYS[0] not in str(raised.value)


# --- without OCR_API_KEYS -------------------------------------------------------


@pytest.fixture
def open_client(jobs_app):
    return jobs_app.test_client()


@pytest.fixture
def open_job(open_client) -> str:
    response = open_client.post("/jobs", data=document(["One page"]), content_type="application/pdf")
    assert response.status_code == 202
    return response.get_json()["id"]


@pytest.mark.parametrize("route", PROTECTED)
def test_without_api_keys_every_route_is_open_as_before(open_client, open_job, route):
    assert open_client.application.config["API_KEYS"] is None
    response = call(open_client, route, open_job)
    assert response.status_code == PROTECTED[route], response.get_data(as_text=True)
    assert "WWW-Authenticate" not in response.headers
    # a key sent to a server without keys is not looked at
    assert call(open_client, "POST /export", open_job, bearer(WRONG)).status_code == 200
