"""GET /health tells each part's state, and answers 503 only when reading fails; /health/live and
/health/ready, the probes for orchestrators. With Redis away it says so and stays 200."""

import shutil

from conftest import draw_text, encode

from app import create_app


def test_every_part_is_ok_and_jobs_are_off_without_a_queue(client):
    response = client.get("/health")
    assert response.status_code == 200
    health = response.get_json()
    assert health["status"] == "ok"
    assert health["parts"] == {"reading": {"status": "ok"}, "queue": {"status": "off"}, "workers": {"status": "off"}}
    assert client.get("/health/live").get_json() == {"status": "ok"}
    assert client.get("/health/ready").get_json() == {"status": "ok"}


def test_with_redis_away_health_is_degraded_and_ready(tmp_path):
    settings = {"SLOT_DIR": str(tmp_path), "ENGINES": "tesseract", "BROKER_URL": f"unix://{tmp_path}/gone.sock"}
    client = create_app(settings).test_client()
    response = client.get("/health")
    assert response.status_code == 200
    health = response.get_json()
    assert health["status"] == "degraded"
    assert health["parts"]["reading"] == {"status": "ok"}
    assert health["parts"]["queue"]["status"] == "unavailable"
    assert "POST /ocr reads" in health["parts"]["queue"]["message"]
    assert health["parts"]["workers"] == {"status": "unknown"}
    assert client.get("/health/ready").status_code == 200  # POST /jobs' 503 and /ocr: tests/test_jobs.py


def test_when_reading_fails_health_and_ready_are_503_and_live_is_200(tmp_path):
    slots = tmp_path / "slots"
    slots.mkdir()
    client = create_app({"SLOT_DIR": str(slots), "ENGINES": "tesseract"}).test_client()
    assert client.get("/health").status_code == 200
    shutil.rmtree(slots)  # the OCR slots' folder gone: no page can be read here
    response = client.get("/health")
    assert response.status_code == 503
    health = response.get_json()
    assert health["status"] == "failing"
    assert health["parts"]["reading"]["status"] == "failing"
    assert str(slots) in health["parts"]["reading"]["message"]
    assert client.get("/health/ready").status_code == 503
    assert client.get("/health/live").status_code == 200
    assert client.post("/ocr", data=encode(draw_text()), content_type="image/png").status_code >= 500
