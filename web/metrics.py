"""Prometheus metrics and GET /metrics: requests, pages read and their timings, OCR slots, jobs.

Under gunicorn every worker process counts in files of its own in PROMETHEUS_MULTIPROC_DIR
(gunicorn.conf.py sets it before the workers start), and a scrape, answered by any one worker,
adds up the files of all of them; a job worker sharing the directory is added up with them.
Without that variable (the test client, `flask run`) the metrics live in this process alone.
"""

import logging
import os
from contextlib import ExitStack, contextmanager
from pathlib import Path

from flask import Blueprint, current_app, g, request
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import choose_encoder

from jobs.queue import QUEUE, Jobs, unavailable_as_error
from jobs.store import STATUSES
from ocr.model.errors import QueueUnavailable
from ocr.model.result import PageResult
from ocr.slots import SlotPool
from web import requestlog
from web.auth import key_required

log = logging.getLogger("ocr.metrics")
bp = Blueprint("operations", __name__)
# Decided when prometheus_client is first imported, as its own choice of how to keep values is.
MULTIPROCESS = "PROMETHEUS_MULTIPROC_DIR" in os.environ

disable_created_metrics()  # no *_created series: Prometheus sees a counter reset without them
REQUESTS = Counter("ocr_requests", "Requests answered, by route and HTTP status.", ["endpoint", "status"])
REQUEST_SECONDS = Histogram(
    "ocr_request_duration_seconds",
    "Time from a request's arrival to its answer, by route.",
    ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
PAGES = Counter(
    "ocr_pages", "Pages read, by who asked (ocr: POST /ocr, job: a job worker) and engine.", ["source", "engine"]
)
TESSERACT_SECONDS = Histogram(
    "ocr_tesseract_seconds",
    "Tesseract's reading of one page, second readings included.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
PPOCR_SECONDS = Histogram(
    "ocr_ppocr_seconds",
    "PP-OCRv6's reading of one page, where it read it.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
PREPROCESS_SECONDS = Histogram(
    "ocr_preprocess_seconds",
    "Preprocessing of one page: measuring it and the steps applied.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
SLOTS_IN_USE = Gauge(
    "ocr_slots_in_use", "OCR runs holding a slot now, by slot pool.", ["pool"], multiprocess_mode="livesum"
)
QUEUE_WAITING = Gauge(
    "ocr_queue_waiting",
    "OCR runs waiting for a slot to come free, by slot pool.",
    ["pool"],
    multiprocess_mode="livesum",
)
SLOTS = Gauge(
    "ocr_slots", "Slots of each pool: OCR runs at once on this machine.", ["pool"], multiprocess_mode="livemax"
)


def count_request(response):
    """An after_request hook: the answer counted by route and status, and its time."""
    observe_request(response.status_code, requestlog.elapsed_s())
    return response


def observe_request(status: int, seconds: float) -> None:
    label = requestlog.route()
    REQUESTS.labels(label, str(status)).inc()
    REQUEST_SECONDS.labels(label).observe(seconds)


def observe_page(result: PageResult, *, source: str) -> None:
    """Count a page read, and the time its steps took (from its timings_ms); failed pages are left out."""
    if result.error is not None:
        return
    PAGES.labels(source, result.engine).inc()
    # PP-OCRv6's own time is "ppocr_ahead" where it read beside Tesseract: "ppocr" is then the wait after
    ppocr = "ppocr_ahead" if "ppocr_ahead" in result.timings_ms else "ppocr"
    for key, histogram in (("preprocess", PREPROCESS_SECONDS), ("ocr", TESSERACT_SECONDS), (ppocr, PPOCR_SECONDS)):
        if key in result.timings_ms:
            histogram.observe(result.timings_ms[key] / 1000)


class MeteredSlotPool(SlotPool):
    """A SlotPool whose runs are counted as waiting, then in use, in ocr_queue_waiting and ocr_slots_in_use."""

    def __init__(self, directory: Path, *, size: int, queue: int, wait_s: float, name: str = "", pool: str):
        super().__init__(directory, size=size, queue=queue, wait_s=wait_s, name=name)
        self.waiting, self.in_use = QUEUE_WAITING.labels(pool), SLOTS_IN_USE.labels(pool)
        SLOTS.labels(pool).set(size)

    @contextmanager
    def run(self):
        with ExitStack() as stack:
            self.waiting.inc()
            try:
                stack.enter_context(super().run())
            finally:
                self.waiting.dec()
            self.in_use.inc()
            stack.callback(self.in_use.dec)
            yield

    @contextmanager
    def spare(self):
        with super().spare() as free:
            if free:
                self.in_use.inc()
            try:
                yield free
            finally:
                if free:
                    self.in_use.dec()


class JobsCollector:
    """ocr_jobs{status} and ocr_job_pages_queued, read from Redis when scraped."""

    def __init__(self, jobs: Jobs):
        self.jobs = jobs

    def collect(self):
        up = GaugeMetricFamily("ocr_job_queue_up", "1 when the job queue's Redis answered this scrape, else 0.")
        try:
            with unavailable_as_error():
                counts, queued = self.jobs.store.counts(), self.jobs.store.waiting(QUEUE)
        except QueueUnavailable as e:
            log.warning("metrics: %s (%s)", e.message, e.__cause__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        family = GaugeMetricFamily(
            "ocr_jobs", "Jobs Redis holds, by status (finished ones until they expire).", labels=["status"]
        )
        for status in STATUSES:
            family.add_metric([status], counts[status])
        yield family
        yield GaugeMetricFamily(
            "ocr_job_pages_queued", "Pages of jobs queued, not yet taken by a worker.", value=queued
        )


class _ThisProcess:
    """The default registry's metrics, as a collector of another registry."""

    def collect(self):
        return REGISTRY.collect()


@bp.before_request
def _errors_as_json() -> None:
    g.json_errors = True  # a scraper reads these: errors come as JSON, whatever it accepts


bp.before_request(key_required("METRICS_KEY", "/metrics"))  # open unless OCR_METRICS_KEY is set


@bp.get("/metrics")
def metrics():
    """The metrics in Prometheus's text format (or OpenMetrics, when the scraper asks for it)."""
    registry = CollectorRegistry()
    if MULTIPROCESS:
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    jobs = current_app.extensions["jobs"]
    if jobs is not None:
        registry.register(JobsCollector(jobs))
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    return current_app.response_class(encode(registry), headers={"Content-Type": content_type})
