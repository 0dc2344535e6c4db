"""Jobs: documents read page by page by real Celery workers over a real Redis.

Every test here runs redis-server and Celery workers of its own (conftest.py): submit, progress,
the result in every format against POST /ocr's, deletion, expiry, errors, and a worker killed
mid-job while another reads on.
"""

import base64
import io
import json
import re
import signal
import time

import pypdfium2 as pdfium
import pytest
from conftest import document, draw_text, encode, start_redis, words_of

from app import create_app
from jobs.store import PREFIX

PAGES = [f"Page {n} of the yearly report lists {n * 7} barrels" for n in range(1, 5)]
ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")


@pytest.fixture
def client(jobs_app):
    return jobs_app.test_client()


def submit(client, data: bytes, content_type: str = "application/pdf", **fields) -> dict:
    response = client.post("/jobs", data=data, content_type=content_type, query_string=fields)
    assert response.status_code == 202, response.get_data(as_text=True)
    body = response.get_json()
    assert response.headers["Location"] == f"/jobs/{body['id']}"
    return body


def wait_until_finished(client, job_id: str, timeout_s: float = 90) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status = client.get(f"/jobs/{job_id}").get_json()
        if status["status"] in ("done", "failed"):
            return status
        time.sleep(0.1)
    raise AssertionError(f"job not finished after {timeout_s} s: {status}")


def error_of(response) -> tuple[int, str]:
    return response.status_code, response.get_json()["error"]["code"]


# --- submitting and following a job -------------------------------------------


def test_a_document_is_queued_read_page_by_page_and_its_progress_shown(client, start_worker):
    body = submit(client, document(PAGES))
    assert body == {
        "id": body["id"],
        "status": "queued",
        "pages_total": 4,
        "pages_done": 0,
        "links": {"self": f"/jobs/{body['id']}", "result": f"/jobs/{body['id']}/result"},
    }
    assert re.fullmatch(r"[A-Za-z0-9_-]{22,}", body["id"])  # URL-safe, at least 128 random bits
    queued = client.get(f"/jobs/{body['id']}").get_json()
    assert queued["status"] == "queued" and queued["started_at"] is None
    assert [p["status"] for p in queued["pages"]] == ["queued"] * 4

    start_worker("reader")
    status = wait_until_finished(client, body["id"])
    assert (status["status"], status["pages_done"], status["error"]) == ("done", 4, None)
    assert all(ISO_UTC.fullmatch(status[key]) for key in ("created_at", "started_at", "finished_at"))
    assert status["created_at"] <= status["started_at"] <= status["finished_at"]
    assert status["pages"] == [
        {"number": n, "status": "done", "worker": status["pages"][0]["worker"], "error": None} for n in range(1, 5)
    ]
    assert status["pages"][0]["worker"].startswith("reader@")


def test_the_result_in_every_format_is_what_post_ocr_gives(client, start_worker, tmp_path):
    data = document(PAGES)
    job = submit(client, data)
    start_worker("reader")
    wait_until_finished(client, job["id"])
    direct = create_app({"TESTING": True, "SLOT_DIR": str(tmp_path), "ENGINES": "tesseract"}).test_client()

    def both(fmt: str):
        return (
            client.get(f"/jobs/{job['id']}/result", query_string={"format": fmt}),
            direct.post("/ocr", data=data, content_type="application/pdf", query_string={"format": fmt}),
        )

    for fmt in ("text", "hocr", "alto", "tsv", "html"):
        from_job, from_ocr = both(fmt)
        assert from_job.status_code == from_ocr.status_code == 200
        assert from_job.mimetype == from_ocr.mimetype
        # the same but for how long it took, which the HTML page shows
        assert [re.sub(r"\d+ ms", "", r.get_data(as_text=True)) for r in (from_job, from_ocr)] == [
            re.sub(r"\d+ ms", "", from_ocr.get_data(as_text=True))
        ] * 2, fmt
    from_job, from_ocr = both("json")
    without_timings = [_without_timings(r.get_json()) for r in (from_job, from_ocr)]
    assert without_timings[0] == without_timings[1]
    assert words_of(from_job.get_json()["text"]) == words_of(" ".join(PAGES))
    from_job, from_ocr = both("pdf")
    assert from_job.mimetype == "application/pdf"
    assert _pdf_text(from_job.data) == _pdf_text(from_ocr.data)
    # the Accept header chooses too, as for /ocr
    accepted = client.get(f"/jobs/{job['id']}/result", headers={"Accept": "application/json"})
    assert accepted.get_json()["text"] == from_job_text(client, job["id"])


def from_job_text(client, job_id: str) -> str:
    return client.get(f"/jobs/{job_id}/result", query_string={"format": "text"}).get_data(as_text=True).rstrip("\n")


def _without_timings(value):
    if isinstance(value, dict):
        return {key: _without_timings(item) for key, item in value.items() if key != "timings_ms"}
    if isinstance(value, list):
        return [_without_timings(item) for item in value]
    return value


def _pdf_text(data: bytes) -> list[str]:
    pdf = pdfium.PdfDocument(data)
    return [words_of(pdf[i].get_textpage().get_text_range()) for i in range(len(pdf))]


def test_each_page_can_be_fetched_once_read(client, start_worker):
    job = submit(client, document(PAGES))
    assert error_of(client.get(f"/jobs/{job['id']}/pages/2")) == (409, "not_ready")
    start_worker("reader")
    wait_until_finished(client, job["id"])
    page = client.get(f"/jobs/{job['id']}/pages/2").get_json()
    assert (page["number"], words_of(page["text"])) == (2, words_of(PAGES[1]))
    assert error_of(client.get(f"/jobs/{job['id']}/pages/5")) == (404, "not_found")


def test_the_result_is_refused_with_409_and_retry_after_until_the_job_is_done(client):
    job = submit(client, document(PAGES))  # no worker: the job stays queued
    response = client.get(f"/jobs/{job['id']}/result")
    assert error_of(response) == (409, "not_ready")
    assert int(response.headers["Retry-After"]) > 0
    assert "0 of 4 pages" in response.get_json()["error"]["message"]


def test_a_single_image_and_json_bodies_are_jobs_too(client, start_worker):
    image = encode(draw_text("One photo read as a job"))
    as_json = json.dumps({"image": base64.b64encode(image).decode(), "lang": "eng"})
    jobs = [
        submit(client, image, "image/png"),
        submit(client, as_json.encode(), "application/json"),
        client.post("/jobs", data={"image": (io.BytesIO(image), "photo.png")}).get_json(),
    ]
    start_worker("reader")
    for job in jobs:
        assert wait_until_finished(client, job["id"])["pages_total"] == 1
        assert words_of(from_job_text(client, job["id"])) == words_of("One photo read as a job")


# --- removing jobs --------------------------------------------------------------


def test_delete_removes_the_job_and_its_pages_are_never_read(client, jobs_app, start_worker, tmp_path):
    job = submit(client, document(PAGES))
    store = jobs_app.extensions["jobs"].store
    assert client.delete(f"/jobs/{job['id']}").status_code == 204
    assert error_of(client.get(f"/jobs/{job['id']}")) == (404, "not_found")
    assert error_of(client.delete(f"/jobs/{job['id']}")) == (404, "not_found")
    assert not store.redis.keys(f"{PREFIX}{job['id']}*")
    start_worker("reader")
    # the worker takes the deleted job's four pages off the queue and reads none of them
    deadline = time.monotonic() + 30
    while store.waiting("ocr-pages") and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1)
    assert f"job {job['id'][:8]}" not in (tmp_path / "reader.log").read_text()
    assert not store.redis.keys(f"{PREFIX}{job['id']}*")


def test_a_finished_job_expires_after_its_time_to_live(redis_url, start_worker, tmp_path):
    app = create_app({"SLOT_DIR": str(tmp_path), "ENGINES": "tesseract", "BROKER_URL": redis_url, "JOB_TTL_S": 2})
    client = app.test_client()
    job = submit(client, document(PAGES[:1]))
    start_worker("reader", JOB_TTL_S=2)
    wait_until_finished(client, job["id"])
    time.sleep(3)
    assert error_of(client.get(f"/jobs/{job['id']}")) == (404, "not_found")
    assert not app.extensions["jobs"].store.redis.keys(f"{PREFIX}{job['id']}*")


@pytest.mark.parametrize("path", ["/jobs/nosuchjob", "/jobs/nosuchjob/result", "/jobs/nosuchjob/pages/1"])
def test_an_unknown_id_is_404_not_found(client, path):
    response = client.get(path)
    assert error_of(response) == (404, "not_found")
    assert "deleted" in response.get_json()["error"]["message"]


# --- refusing work ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "content_type", "fields"),
    [
        (b"not an image at all", "image/png", {}),
        (b"", "image/png", {}),
        (b"%PDF-1.4 broken", "application/pdf", {}),
        (None, "image/png", {"lang": "xyz"}),
        (None, "image/png", {"psm": "99"}),
        (None, "image/png", {"format": "odt"}),  # a format not offered
    ],
)
def test_bad_input_is_refused_as_post_ocr_refuses_it_and_nothing_is_queued(
    client, jobs_app, data, content_type, fields
):
    body = encode(draw_text()) if data is None else data
    from_jobs = client.post("/jobs", data=body, content_type=content_type, query_string=fields)
    from_ocr = client.post(
        "/ocr", data=body, content_type=content_type, query_string=fields, headers={"Accept": "application/json"}
    )
    assert from_jobs.status_code == from_ocr.status_code >= 400
    assert _code_and_message(from_jobs) == _code_and_message(from_ocr)  # each has its own request_id
    assert not jobs_app.extensions["jobs"].store.redis.keys(f"{PREFIX}*")


def _code_and_message(response) -> tuple[str, str]:
    error = response.get_json()["error"]
    return error["code"], error["message"]


def test_a_document_over_the_page_limit_is_413(redis_url, tmp_path):
    app = create_app({"SLOT_DIR": str(tmp_path), "BROKER_URL": redis_url, "JOB_MAX_PAGES": 3})
    response = app.test_client().post("/jobs", data=document(PAGES), content_type="application/pdf")
    assert error_of(response) == (413, "too_large")
    assert "4 pages, over the limit of 3" in response.get_json()["error"]["message"]


def test_a_full_queue_is_503_with_retry_after(redis_url, tmp_path):
    app = create_app({"SLOT_DIR": str(tmp_path), "BROKER_URL": redis_url, "JOB_QUEUE": 6})
    client = app.test_client()
    submit(client, document(PAGES))  # no worker: 4 pages wait
    response = client.post("/jobs", data=document(PAGES), content_type="application/pdf")
    assert error_of(response) == (503, "overloaded")
    assert int(response.headers["Retry-After"]) > 0


def test_without_redis_jobs_are_503_and_post_ocr_still_reads(tmp_path):
    app = create_app({"SLOT_DIR": str(tmp_path), "ENGINES": "tesseract", "BROKER_URL": f"unix://{tmp_path}/none.sock"})
    client = app.test_client()
    for response in (client.post("/jobs", data=document(PAGES), content_type="application/pdf"), client.get("/jobs/x")):
        assert error_of(response) == (503, "queue_unavailable")
        assert "Redis" in response.get_json()["error"]["message"]
        assert int(response.headers["Retry-After"]) > 0
    read = client.post("/ocr", data=encode(draw_text()), content_type="image/png")
    assert read.status_code == 200 and "lazy dogs" in read.get_data(as_text=True)


def test_health_names_the_workers_seen_and_the_pages_waiting(client, start_worker):
    waiting = client.get("/health").get_json()
    assert waiting["status"] == "degraded"  # jobs would wait: no worker yet
    assert waiting["parts"]["workers"]["status"] == "none_seen"
    assert waiting["parts"]["queue"] == {"status": "ok", "pages_waiting": 0}
    start_worker("seen")
    deadline = time.monotonic() + 10
    while (health := client.get("/health").get_json())["status"] != "ok" and time.monotonic() < deadline:
        time.sleep(0.05)  # the worker marks itself seen as it becomes ready, beside its "ready." line
    assert health["status"] == "ok", health
    assert [name.split("@")[0] for name in health["parts"]["workers"]["seen"]] == ["seen"]


def test_without_a_queue_configured_jobs_say_how_to_get_one(client_without_jobs):
    response = client_without_jobs.post("/jobs", data=document(PAGES), content_type="application/pdf")
    assert error_of(response) == (503, "jobs_unavailable")
    assert "OCR_BROKER_URL" in response.get_json()["error"]["message"]


@pytest.fixture
def client_without_jobs(app):
    return app.test_client()


# --- failures of pages and of workers -------------------------------------------------


def tiff(*pages) -> bytes:
    return encode(pages[0], "TIFF", save_all=True, append_images=pages[1:], compression="tiff_deflate")


def too_many_pixels():
    """A blank frame of 48 megapixels, past the limit of 40: refused before it is decoded."""
    return draw_text("").convert("L").resize((8000, 6000))


def test_a_page_that_fails_is_reported_in_its_entry_and_the_job_still_finishes(client, start_worker):
    # the first page is checked when the job is submitted; the second fails when a worker reads it
    job = submit(client, tiff(draw_text(PAGES[0]).convert("L"), too_many_pixels()), "image/tiff")
    start_worker("reader")
    status = wait_until_finished(client, job["id"])
    assert status["status"] == "done"
    assert [p["status"] for p in status["pages"]] == ["done", "failed"]
    assert status["pages"][1]["error"]["code"] == "too_large"
    result = client.get(f"/jobs/{job['id']}/result", query_string={"format": "json"}).get_json()
    assert result["pages"][1]["error"]["code"] == "too_large"
    assert words_of(result["pages"][0]["text"]) == words_of(PAGES[0])


def test_a_job_whose_every_page_fails_is_failed(redis_url, start_worker, tmp_path):
    # a job is read within the limits in force where it was submitted: here, no time at all
    settings = {"SLOT_DIR": str(tmp_path), "ENGINES": "tesseract", "BROKER_URL": redis_url, "TIMEOUT_S": 0.001}
    client = create_app(settings).test_client()
    job = submit(client, document(PAGES[:2]))
    start_worker("reader")
    status = wait_until_finished(client, job["id"])
    assert (status["status"], status["error"]["code"]) == ("failed", "timeout")
    assert [p["error"]["code"] for p in status["pages"]] == ["timeout", "timeout"]
    assert error_of(client.get(f"/jobs/{job['id']}/result")) == (504, "timeout")


def test_pages_spread_over_two_workers_and_survive_one_killed_mid_job(client, start_worker):
    texts = [f"Sheet {n} of the ledger counts {n * 11} crates" for n in range(1, 13)]
    # a short OCR_TIMEOUT_S makes a lost page come back to the queue within half a minute
    first = start_worker("first", TIMEOUT_S=5)
    start_worker("second", TIMEOUT_S=5)
    job = submit(client, document(texts))  # both ready: each takes a page at a time
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        pages = client.get(f"/jobs/{job['id']}").get_json()["pages"]
        if any(p["worker"] and p["worker"].startswith("first@") and p["status"] == "running" for p in pages) and any(
            p["status"] == "done" and p["worker"].startswith("first@") for p in pages
        ):
            break
        time.sleep(0.02)
    first.send_signal(signal.SIGKILL)  # mid-page: that page's message was never acknowledged
    first.wait(10)
    status = wait_until_finished(client, job["id"], timeout_s=120)
    assert (status["status"], status["pages_done"]) == ("done", 12)
    workers = {p["worker"].split("@")[0] for p in status["pages"]}
    assert workers == {"first", "second"}
    result = client.get(f"/jobs/{job['id']}/result", query_string={"format": "json"}).get_json()
    assert [words_of(p["text"]) for p in result["pages"]] == [words_of(t) for t in texts]


def test_jobs_finish_with_every_page_once_redis_is_back_from_its_append_only_file(tmp_path, start_worker):
    folder = tmp_path / "redis"
    folder.mkdir()
    redis_server = start_redis(folder, appendonly=True)  # as make run's
    url = f"unix://{folder / 'redis.sock'}"
    client = create_app({"SLOT_DIR": str(tmp_path), "ENGINES": "tesseract", "BROKER_URL": url}).test_client()
    texts = [f"Sheet {n} of the ledger counts {n * 11} crates" for n in range(1, 7)]
    start_worker("steady", BROKER_URL=url)
    job = submit(client, document(["\n".join([text] * 12) for text in texts]))  # a second or so a page
    while not any(page["status"] == "running" for page in client.get(f"/jobs/{job['id']}").get_json()["pages"]):
        time.sleep(0.02)
    redis_server.send_signal(signal.SIGKILL)  # a page mid-read, the others queued
    redis_server.wait(10)
    time.sleep(2)  # the page in flight is read meanwhile: its worker waits for Redis to store it
    assert error_of(client.get(f"/jobs/{job['id']}")) == (503, "queue_unavailable")
    redis_server = start_redis(folder, appendonly=True)  # as supervisord starts it again
    try:
        status = wait_until_finished(client, job["id"], timeout_s=90)
        assert (status["status"], status["pages_done"]) == ("done", 6)
        result = client.get(f"/jobs/{job['id']}/result", query_string={"format": "json"}).get_json()
        assert [sorted(words_of(p["text"])) for p in result["pages"]] == [sorted(words_of(t) * 12) for t in texts]
    finally:
        redis_server.terminate()
        redis_server.wait(10)
