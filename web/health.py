"""GET /health, each part's state, and its short forms for orchestrators: /health/live, /health/ready.

Reading is what the server is for: /health and /health/ready answer 503 only when it fails. A
job queue that cannot be reached, or no job worker seen, leaves reading as it is: the answer
stays 200 and says `degraded`, naming the part.
"""

import os
import time

import redis
from flask import Blueprint, current_app
from kombu.exceptions import OperationalError

from jobs.queue import HEARTBEAT_S, QUEUE, Jobs
from ocr.engines import tesseract_data
from web.pages import engines_listed

bp = Blueprint("health", __name__)
# A worker marks itself seen every HEARTBEAT_S: one missed beat is load, three a worker gone.
SEEN_WITHIN_S = 3 * HEARTBEAT_S


@bp.get("/health")
def health():
    """Each part's state (reading, the job queue, its workers) and the engines; 503 when reading fails."""
    reader = current_app.extensions["engines"].tesseract
    parts = {"reading": _reading()} | _jobs_parts(current_app.extensions["jobs"])
    body = {
        "status": _overall(parts),
        "parts": parts,
        "engine": reader.mode,  # Tesseract in process (api) or as a command (cli)
        "tesseract": reader.version(),
        "tessdata": tesseract_data.tessdata(),
        "languages": tesseract_data.traineddata(),
        "engines": engines_listed(),
    }
    return body, 200 if parts["reading"]["status"] == "ok" else 503


@bp.get("/health/live")
def live():
    """The process answers: restart it when this fails."""
    return {"status": "ok"}


@bp.get("/health/ready")
def ready():
    """Reading works: send requests here. 503 while it does not."""
    reading = _reading()
    return {"status": reading["status"]}, 200 if reading["status"] == "ok" else 503


def _reading() -> dict:
    """Can this process read? Tesseract's language data and the OCR slots' folder are there."""
    engines = current_app.extensions["engines"]
    missing = [path for path in (tesseract_data.tessdata(), str(engines.slots.directory)) if not os.path.isdir(path)]
    if missing:
        return {"status": "failing", "message": f"missing: {', '.join(missing)}; restart the server"}
    return {"status": "ok"}


def _jobs_parts(jobs: Jobs | None) -> dict:
    """The job queue (its Redis) and the workers seen lately; `off` without a queue."""
    if jobs is None:
        return {"queue": {"status": "off"}, "workers": {"status": "off"}}
    try:
        waiting = jobs.store.waiting(QUEUE)
        seen = jobs.store.workers_seen(since=time.time() - SEEN_WITHIN_S)
    except (redis.RedisError, OperationalError, OSError) as e:
        message = f"Redis cannot be reached ({e}); POST /jobs answers 503 until it is back, POST /ocr reads"
        return {"queue": {"status": "unavailable", "message": message}, "workers": {"status": "unknown"}}
    workers: dict = {"status": "ok" if seen else "none_seen", "seen": seen}
    if not seen:
        workers["message"] = f"no job worker seen in the last {SEEN_WITHIN_S} s: jobs wait until one starts"
    return {"queue": {"status": "ok", "pages_waiting": waiting}, "workers": workers}


def _overall(parts: dict) -> str:
    """failing when reading fails, degraded when any other part is not ok (or off), else ok."""
    if parts["reading"]["status"] != "ok":
        return "failing"
    return "ok" if all(part["status"] in ("ok", "off") for part in parts.values()) else "degraded"
