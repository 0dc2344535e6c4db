"""Operating the server: request ids in answers, errors and log lines; JSON log lines; Prometheus
metrics in one process and added up over gunicorn's workers; the key that guards /metrics."""

import io
import itertools
import json
import logging
import re
import sys
import threading
import time
from types import SimpleNamespace

import pytest
from conftest import PPOCR_POOL, SAMPLE_TEXT, draw_text, encode, words_of
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from test_live_server import Server

from app import create_app
from ocr.model.errors import OcrError
from ocr.reading.document import failed_page
from web import metrics
from web.requestlog import JsonFormatter, PlainFormatter

GENERATED_ID = re.compile(r"[0-9a-f]{32}")
KEY = "k3y-for-tests"


@pytest.fixture(scope="module")
def png() -> bytes:
    return encode(draw_text())


def samples(text: str) -> dict[tuple, float]:
    """(name, sorted labels) -> value of every sample of a Prometheus text exposition."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(client, **headers) -> dict[tuple, float]:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.data
    assert response.mimetype == "text/plain"
    return samples(response.get_data(as_text=True))


def value(found: dict[tuple, float], name: str, **labels) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


# --- request ids --------------------------------------------------------------


@pytest.mark.parametrize("sent", ["abc-123", "a" * 128, "Root.1:2_3-x", "0"])
def test_a_sane_request_id_is_echoed(client, sent):
    assert client.get("/health", headers={"X-Request-ID": sent}).headers["X-Request-ID"] == sent


@pytest.mark.parametrize("sent", ["a" * 129, "two words", "semi;colon", 'quo"te', "<script>", "é", "tab\there"])
def test_a_request_id_that_is_not_sane_is_replaced(client, sent):
    answered = client.get("/health", headers={"X-Request-ID": sent}).headers["X-Request-ID"]
    assert GENERATED_ID.fullmatch(answered), answered


def test_a_request_id_is_made_for_each_request_without_one(client):
    first, second = (client.get("/health").headers["X-Request-ID"] for _ in range(2))
    assert GENERATED_ID.fullmatch(first) and GENERATED_ID.fullmatch(second)
    assert first != second


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("POST", "/ocr", 400, "missing_image"),  # an OcrError
        ("GET", "/no/such/page", 404, "not_found"),  # an HTTP error
        ("GET", "/jobs/some-id", 503, "jobs_unavailable"),  # a jobs route: JSON whatever is accepted
    ],
)
def test_an_error_body_carries_the_request_id(client, method, path, status, code):
    response = client.open(path, method=method, headers={"Accept": "application/json", "X-Request-ID": "req-7"})
    assert response.status_code == status
    assert response.headers["X-Request-ID"] == "req-7"
    assert response.get_json()["error"] | {"message": "..."} == {"code": code, "message": "...", "request_id": "req-7"}


@pytest.fixture
def log_lines():
    """log_lines(formatter) -> a StringIO receiving the server's log lines formatted as a handler would."""
    handlers = []

    def attach(formatter: logging.Formatter) -> io.StringIO:
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(formatter)
        logging.getLogger("ocr").addHandler(handler)
        handlers.append(handler)
        return stream

    yield attach
    for handler in handlers:
        logging.getLogger("ocr").removeHandler(handler)


def test_an_unexpected_error_names_the_request_in_its_body_and_traceback(client, png, log_lines, monkeypatch):
    lines = log_lines(PlainFormatter())
    monkeypatch.setattr("web.api.recognize", lambda *args, **kwargs: 1 / 0)
    response = client.post("/ocr", data=png, content_type="image/png", headers={"Accept": "application/json"})
    assert response.status_code == 500
    rid = response.get_json()["error"]["request_id"]
    assert rid == response.headers["X-Request-ID"]
    assert re.search(rf"ERROR ocr.server \[\d+ {rid}\] unexpected error on POST /ocr\nTraceback", lines.getvalue())


def test_the_access_line_carries_the_request_id_and_its_fields(client, caplog, log_lines):
    caplog.set_level(logging.INFO, logger="ocr")
    plain, as_json = log_lines(PlainFormatter()), log_lines(JsonFormatter())
    client.post("/ocr", headers={"X-Request-ID": "line-42"})
    [line] = [record for record in caplog.records if record.getMessage().startswith("POST /ocr 400")]
    assert line.request_id == "line-42"
    assert re.search(
        r"INFO ocr.server \[\d+ line-42\] POST /ocr 400 bytes=\d+ ms=\d+ error=missing_image", plain.getvalue()
    )
    entries = [json.loads(text) for text in as_json.getvalue().splitlines()]
    assert all(entry["request_id"] == "line-42" for entry in entries)  # the error's line too
    entry = entries[-1]
    assert entry | {"time": "", "process": 0, "duration_ms": 0, "bytes": 0} == {
        "time": "",
        "level": "INFO",
        "logger": "ocr.server",
        "process": 0,
        "message": line.getMessage(),
        "request_id": "line-42",
        "method": "POST",
        "path": "/ocr",
        "endpoint": "/ocr",
        "status": 400,
        "bytes": 0,
        "duration_ms": 0,
        "details": "error=missing_image",
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["time"])


def test_a_json_log_line_is_one_line_even_with_a_traceback():
    try:
        raise ValueError("broken\nacross lines")
    except ValueError:
        record = logging.LogRecord("ocr.test", logging.ERROR, __file__, 1, "failed: %s", ("x",), sys.exc_info())
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "failed: x" and "request_id" not in entry
    assert "ValueError: broken\nacross lines" in entry["exception"]


def test_an_unknown_log_format_stops_the_start(tmp_path):
    with pytest.raises(ValueError, match="OCR_LOG_FORMAT='xml'"):
        create_app({"TESTING": True, "SLOT_DIR": str(tmp_path), "LOG_FORMAT": "xml"})


# --- metrics in one process ---------------------------------------------------


def test_requests_are_counted_by_route_never_by_path(client):
    before = scrape(client)
    for job_id in ("first-id", "second-id"):
        client.get(f"/jobs/{job_id}")
    client.get("/no/such/page")
    after = scrape(client)
    assert value(after, "ocr_requests_total", endpoint="/jobs/<job_id>", status="503") == (
        value(before, "ocr_requests_total", endpoint="/jobs/<job_id>", status="503") + 2
    )
    assert value(after, "ocr_requests_total", endpoint="other", status="404") == (
        value(before, "ocr_requests_total", endpoint="other", status="404") + 1
    )
    assert value(after, "ocr_request_duration_seconds_count", endpoint="/jobs/<job_id>") == (
        value(before, "ocr_request_duration_seconds_count", endpoint="/jobs/<job_id>") + 2
    )
    # the scrape is counted once answered: the second scrape sees the first
    assert value(after, "ocr_requests_total", endpoint="/metrics", status="200") == (
        value(before, "ocr_requests_total", endpoint="/metrics", status="200") + 1
    )
    assert not any("first-id" in str(key) for key in after)


@pytest.mark.parametrize("fmt", ["json", "hocr"])  # a reading, and a document rendered from one
def test_a_page_read_is_counted_with_its_preprocessing_and_tesseract_times(client, png, fmt):
    before = scrape(client)
    response = client.post(f"/ocr?format={fmt}", data=png, content_type="image/png")
    assert response.status_code == 200
    after = scrape(client)
    pages = {"source": "ocr", "engine": "tesseract"}
    assert value(after, "ocr_pages_total", **pages) == value(before, "ocr_pages_total", **pages) + 1
    for histogram in ("ocr_tesseract_seconds", "ocr_preprocess_seconds"):
        assert value(after, f"{histogram}_count") == value(before, f"{histogram}_count") + 1
        assert value(after, f"{histogram}_sum") > value(before, f"{histogram}_sum")
    assert value(after, "ocr_slots", pool="ocr") >= 1
    # PP-OCRv6's reading ahead on the second core, not wanted here, gives its slot back as it stops
    deadline = time.monotonic() + 10
    while value(scrape(client), "ocr_slots_in_use", pool="ocr") != 0:
        assert time.monotonic() < deadline, "a slot stayed in use after the page was read"
        time.sleep(0.01)


def test_runs_are_gauged_waiting_then_in_use(tmp_path):
    pool = metrics.MeteredSlotPool(tmp_path, size=1, queue=1, wait_s=10, pool="gauged")

    def gauges() -> tuple[float, float]:
        return (
            REGISTRY.get_sample_value("ocr_queue_waiting", {"pool": "gauged"}),
            REGISTRY.get_sample_value("ocr_slots_in_use", {"pool": "gauged"}),
        )

    holding, release = threading.Event(), threading.Event()

    def first():
        with pool.run():
            holding.set()
            release.wait(10)

    def second():
        with pool.run():
            pass

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    holding.wait(10)
    threads[1].start()
    deadline = time.monotonic() + 10
    while gauges() != (1, 1) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert gauges() == (1, 1)  # one run holds the slot, one waits for it
    release.set()
    for thread in threads:
        thread.join(10)
    assert gauges() == (0, 0)
    assert REGISTRY.get_sample_value("ocr_slots", {"pool": "gauged"}) == 1


def test_a_run_that_gives_up_waiting_is_no_longer_gauged(tmp_path):
    pool = metrics.MeteredSlotPool(tmp_path, size=1, queue=0, wait_s=0.05, pool="impatient")
    with pool.run(), pytest.raises(Exception, match="no OCR slot came free"), pool.run():
        pass
    assert REGISTRY.get_sample_value("ocr_queue_waiting", {"pool": "impatient"}) == 0
    assert REGISTRY.get_sample_value("ocr_slots_in_use", {"pool": "impatient"}) == 0


def test_jobs_are_counted_by_status_and_a_job_page_read_is_counted(jobs_app, png):
    client, jobs = jobs_app.test_client(), jobs_app.extensions["jobs"]
    found = scrape(client)
    assert value(found, "ocr_job_queue_up") == 1
    assert {status: value(found, "ocr_jobs", status=status) for status in ("queued", "running", "done")} == {
        "queued": 0,
        "running": 0,
        "done": 0,
    }
    job_id = client.post("/jobs", data=png, content_type="image/png").get_json()["id"]
    found = scrape(client)
    assert (value(found, "ocr_jobs", status="queued"), value(found, "ocr_job_pages_queued")) == (1, 1)

    before = value(found, "ocr_pages_total", source="job", engine="tesseract")
    jobs._read_page(SimpleNamespace(request=SimpleNamespace(hostname="here@test")), job_id, 1)  # what a worker runs
    found = scrape(client)
    assert value(found, "ocr_pages_total", source="job", engine="tesseract") == before + 1
    assert {status: value(found, "ocr_jobs", status=status) for status in ("queued", "running", "done")} == {
        "queued": 0,
        "running": 0,
        "done": 1,
    }
    assert words_of(client.get(f"/jobs/{job_id}/result").get_data(as_text=True)) == words_of(SAMPLE_TEXT)

    assert client.delete(f"/jobs/{job_id}").status_code == 204
    assert value(scrape(client), "ocr_jobs", status="done") == 0


def test_a_job_is_counted_as_running_then_let_go_when_it_expires(jobs_app, png):
    store = jobs_app.extensions["jobs"].store
    client = jobs_app.test_client()
    job_id = client.post("/jobs", data=png, content_type="image/png").get_json()["id"]
    assert store.start_page(job_id, 1, "here@test")
    assert (store.counts()["queued"], store.counts()["running"]) == (0, 1)
    store.ttl_s = 0  # a finished job expires at once
    store.finish_page(job_id, failed_page(1, OcrError("broken")), "here@test")
    assert store.redis.exists(f"ocr:job:{job_id}") == 0  # Redis let it go
    assert store.counts() == {"queued": 0, "running": 0, "done": 0, "failed": 0, "cancelled": 0}


def test_metrics_without_redis_say_the_queue_is_down(tmp_path):
    app = create_app({"TESTING": True, "SLOT_DIR": str(tmp_path), "BROKER_URL": f"unix://{tmp_path}/none.sock"})
    found = scrape(app.test_client())
    assert value(found, "ocr_job_queue_up") == 0
    assert not any(name == "ocr_jobs" for name, _ in found)


# --- the metrics key ----------------------------------------------------------


@pytest.fixture
def keyed(tmp_path):
    return create_app(
        {"TESTING": True, "SLOT_DIR": str(tmp_path), "METRICS_KEY": KEY}, ppocr_children=PPOCR_POOL
    ).test_client()


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong"}, {"X-API-Key": KEY + "x"}, {"Authorization": KEY}]
)
def test_metrics_with_a_key_set_refuse_a_request_without_it(keyed, headers):
    response = keyed.get("/metrics", headers=headers | {"Accept": "text/plain"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    error = response.get_json()["error"]
    assert (error["code"], error["request_id"]) == ("unauthorized", response.headers["X-Request-ID"])
    assert "Authorization: Bearer <key>" in error["message"]
    assert "ocr_requests_total" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "headers", [{"Authorization": f"Bearer {KEY}"}, {"Authorization": f"bearer {KEY}"}, {"X-API-Key": KEY}]
)
def test_metrics_with_a_key_set_answer_a_request_with_it(keyed, headers):
    assert ("ocr_requests_total", ()) not in scrape(keyed, **headers)  # parsed, so the text is Prometheus's
    assert keyed.get("/health").status_code == 200  # the key guards /metrics alone


def test_a_metrics_key_that_looks_like_a_number_stays_text(monkeypatch, tmp_path):
    monkeypatch.setenv("OCR_METRICS_KEY", "012345")
    monkeypatch.setenv("OCR_SLOT_DIR", str(tmp_path))
    client = create_app(ppocr_children=PPOCR_POOL).test_client()
    assert client.get("/metrics", headers={"X-API-Key": "012345"}).status_code == 200
    assert client.get("/metrics", headers={"X-API-Key": "12345"}).status_code == 401


# --- metrics and logs of a real gunicorn --------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    instance = Server(
        tmp_path_factory.mktemp("ops-tmpdir"),
        tmp_path_factory.mktemp("ops-log") / "gunicorn.log",
        {"OCR_LOG_FORMAT": "json", "OCR_METRICS_KEY": KEY, "OCR_ENGINES": "tesseract", "OCR_QUEUE_WAIT_S": "30"},
    )
    try:
        instance.wait_until_ready()
        yield instance
    finally:
        instance.stop()


def live_scrape(server) -> dict[tuple, float]:
    status, _, body = server.request("GET", "/metrics", headers={"Authorization": f"Bearer {KEY}"})
    assert status == 200, body
    return samples(body.decode())


def log_entries(server) -> list[dict]:
    """Every line gunicorn and its workers wrote, each one JSON object."""
    return [json.loads(line) for line in server.log.read_text().splitlines() if line.strip()]


def test_requests_over_both_workers_add_up_in_metrics(server, png):
    before = live_scrape(server)
    sent = 0
    served_by: dict[str, int] = {}

    def get(rid: str):
        status, headers, _ = server.request("GET", "/health", headers={"X-Request-ID": rid})
        assert (status, headers["X-Request-ID"]) == (200, rid)

    # until both workers have served some: the kernel picks who accepts, and on a busy machine a
    # worker still starting may leave the other to take every request for a while
    deadline = time.monotonic() + 60
    for round_ in itertools.count():
        threads = [threading.Thread(target=get, args=(f"sum-{round_}-{i}",)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        sent += len(threads)
        served_by = {
            entry["request_id"]: entry["process"]
            for entry in log_entries(server)
            if entry.get("request_id", "").startswith("sum-") and "status" in entry
        }
        if len(set(served_by.values())) >= 2 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert len(served_by) == sent  # each request's access line carries its id
    assert len(set(served_by.values())) == 2, served_by
    for _ in range(2):
        status, _, body = server.post_image(png)
        assert status == 200, body
    sent += 2

    after = live_scrape(server)

    def total(found, *, scrapes: bool) -> float:
        return sum(
            v
            for (name, labels), v in found.items()
            if name == "ocr_requests_total" and (dict(labels)["endpoint"] == "/metrics") == scrapes
        )

    assert total(after, scrapes=False) == total(before, scrapes=False) + sent
    assert total(after, scrapes=True) == total(before, scrapes=True) + 1  # the first scrape, counted once answered
    assert value(after, "ocr_requests_total", endpoint="/health", status="200") == (
        value(before, "ocr_requests_total", endpoint="/health", status="200") + sent - 2
    )
    assert value(after, "ocr_request_duration_seconds_count", endpoint="/ocr") == 2
    assert value(after, "ocr_pages_total", source="ocr", engine="tesseract") == 2
    assert value(after, "ocr_tesseract_seconds_count") == value(after, "ocr_preprocess_seconds_count") == 2
    assert value(after, "ocr_slots_in_use", pool="ocr") == value(after, "ocr_queue_waiting", pool="ocr") == 0


def test_live_metrics_want_the_key(server):
    status, headers, body = server.request("GET", "/metrics")
    assert status == 401
    assert headers["WWW-Authenticate"].startswith("Bearer")
    assert json.loads(body)["error"]["request_id"] == headers["X-Request-ID"]
    status, _, body = server.request("GET", "/metrics", headers={"X-API-Key": KEY})
    assert status == 200 and b"ocr_requests_total" in body


def test_every_log_line_is_json(server):
    entries = log_entries(server)  # json.loads would fail on any other line
    assert any(entry["logger"] == "gunicorn.error" and "Booting worker" in entry["message"] for entry in entries)
    access = [entry for entry in entries if entry.get("path") == "/metrics"]
    assert access and all(GENERATED_ID.fullmatch(entry["request_id"]) for entry in access)
    assert {entry["status"] for entry in access} >= {200, 401}
