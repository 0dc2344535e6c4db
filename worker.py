"""The job worker's entry point: `celery -A worker worker` reads the pages of jobs queued on
OCR_BROKER_URL, with the same OCR_* settings as the server."""

from app import create_app

_jobs = create_app().extensions["jobs"]
if _jobs is None:
    raise SystemExit("set OCR_BROKER_URL to the Redis of the job queue (redis://host:6379/0 or unix:///path.sock)")
celery = _jobs.celery
