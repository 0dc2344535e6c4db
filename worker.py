"""The job worker's entry point: `celery -A worker worker` reads the pages of jobs queued on
OCR_BROKER_URL, with the same OCR_* settings as the server."""

import os
import warnings

from celery.exceptions import CPendingDeprecationWarning
from celery.platforms import SecurityWarning
from celery.signals import worker_ready

from settings import Settings

# Celery warns on every start when it runs as root, as `make run` on a developer's machine does;
# the worker reads pages and nothing else, and a deployment runs it as a user of its own.
warnings.filterwarnings("ignore", category=SecurityWarning)
# and at every lost connection to Redis, that a setting's default changes in Celery 6: the
# setting is given (jobs/queue.py), so the change does not reach this worker
warnings.filterwarnings("ignore", r"\s*In Celery 5.1 we introduced", CPendingDeprecationWarning)

_settings = Settings.from_env()
if _settings.slot_dir and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # sharing the server's OCR slots (`make run`), the pages read here count in its /metrics too;
    # set before app imports prometheus_client, which decides how to count on import
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = os.path.join(_settings.slot_dir, "metrics")
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

from app import create_app  # noqa: E402 - after the metrics folder is chosen

_jobs = create_app(settings=_settings).extensions["jobs"]
if _jobs is None:
    raise SystemExit("set OCR_BROKER_URL to the Redis of the job queue (redis://host:6379/0 or unix:///path.sock)")
celery = _jobs.celery


@worker_ready.connect
def _seen(sender, **_):
    """Once this worker takes pages, mark it seen in Redis every few seconds (GET /health lists it)."""
    _jobs.start_heartbeat(sender.hostname)
