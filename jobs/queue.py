"""The job queue: submitting a document as one Celery task per page, and the task that reads a page.

The broker is the Redis that holds the jobs. A page's message is acknowledged only once its
result is stored, so a page whose worker dies (SIGKILL, a machine gone) goes back to the queue
when Redis's visibility time-out passes, and another worker reads it. While Redis restarts, a
worker waits for it to store what it read; workers and their names are marked in Redis, so
/health can tell which were seen lately.
"""

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import TypeVar

import redis
from celery import Celery
from celery.exceptions import Reject
from kombu.exceptions import OperationalError

from jobs.store import JobStore
from ocr.input import images
from ocr.model.errors import OcrError, Overloaded, QueueUnavailable
from ocr.model.limits import Limits
from ocr.model.options import OcrOptions
from ocr.model.result import PageResult
from ocr.reading import tables
from ocr.reading.document import failed_page
from ocr.reading.engines import Engines

log = logging.getLogger("ocr.jobs")
T = TypeVar("T")

QUEUE = "ocr-pages"
TASK = "ocr.read_page"
RETRY_AFTER_S = 30
# A page runs for at most OCR_TIMEOUT_S once it has a slot, and waits at most as long for one:
# a page unacknowledged for twice that, plus decoding, has lost its worker.
REDELIVERY_MARGIN_S = 10
# How often each worker looks for pages of lost workers, in seconds.
RESTORE_INTERVAL_S = 5
UPLOADS_KEPT = 2  # uploads a worker keeps in memory, so a document is not fetched once a page
# How long a worker waits for Redis to come back (a restart takes a second) before it hands its
# page back to the queue unread, and how often it tries meanwhile.
REDIS_WAIT_S = 60
REDIS_RETRY_S = 0.5
HEARTBEAT_S = 5  # how often a worker marks itself seen


class Jobs:
    """Documents read page by page by Celery workers; `celery` is the app `celery worker` runs."""

    def __init__(
        self,
        broker_url: str,
        *,
        store: JobStore,
        engines: Engines,
        timeout_s: float,
        max_waiting: int,
        on_page: Callable[[PageResult], None] | None = None,
    ):
        """`engines` read the pages (their slots are this machine's, shared with its requests);
        `on_page` is told of each page a worker reads (for metrics), whether it was read or failed."""
        self.store, self.engines, self.max_waiting = store, engines, max_waiting
        self.on_page = on_page
        self.redelivery_s = round(2 * timeout_s + REDELIVERY_MARGIN_S)
        self.celery = Celery("ocr", broker=_kombu_url(broker_url), set_as_current=False)
        self.celery.conf.update(
            task_default_queue=QUEUE,
            task_acks_late=True,  # acknowledged once the page's result is stored
            task_reject_on_worker_lost=True,
            worker_prefetch_multiplier=1,  # a worker takes a page only when it can start it
            task_ignore_result=True,  # results live in the job, not in a result backend
            broker_connection_retry_on_startup=True,
            broker_connection_max_retries=None,  # a worker waits for Redis as long as it takes
            # a page being read when Redis goes away is finished and stored once it is back (the
            # store never records a page twice); said here, else Celery warns at every reconnection
            worker_cancel_long_running_tasks_on_connection_loss=False,
            broker_transport_options={
                "visibility_timeout": self.redelivery_s,
                "unacked_restore_interval": RESTORE_INTERVAL_S,
                "unacked_restore_throttle": 1,
                "socket_connect_timeout": 2,
            },
            task_publish_retry_policy={"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5},
            worker_hijack_root_logger=False,
        )

        def read_page(task, job_id: str, number: int) -> None:  # a plain function: Celery binds the task to it
            self._read_page(task, job_id, number)

        self._read_task = self.celery.task(name=TASK, bind=True)(read_page)
        self._uploads: OrderedDict[str, bytes] = OrderedDict()
        self._uploads_lock = threading.Lock()

    def submit(self, data: bytes, options: OcrOptions, limits: Limits) -> tuple[str, int]:
        """Check the upload as POST /ocr would, queue a task per page; the job's id and its pages."""
        with images.open_pages(
            data, max_pixels=limits.max_pixels, max_pages=limits.max_pages, pdf_dpi=limits.pdf_dpi
        ) as pages:
            pages.decode(0)  # a corrupt image is refused now, as /ocr refuses it, not page by page later
            count = len(pages)
        with unavailable_as_error():
            waiting = self.store.waiting(QUEUE)
            if waiting + count > self.max_waiting:
                raise Overloaded(
                    f"{waiting} pages are waiting to be read, and this document would pass the limit of "
                    f"{self.max_waiting}; try again later",
                    retry_after_s=RETRY_AFTER_S,
                )
            job_id = self.store.create(data, options, limits, count)
            try:
                for number in range(1, count + 1):
                    self._read_task.apply_async((job_id, number))
            except Exception:
                self.store.delete(job_id)
                raise
        return job_id, count

    def _read_page(self, task, job_id: str, number: int) -> None:
        """Read one page of a job and store its result; nothing when the job is gone or the page read."""
        worker = task.request.hostname or "worker"
        job = _waiting_for_redis(self.store.job, job_id)
        if job is None or not _waiting_for_redis(self.store.start_page, job_id, number, worker):
            return
        data = _waiting_for_redis(self._upload, job_id)
        if data is None:  # deleted while starting
            return
        result = self._read(data, job.options, job.limits, number)
        if isinstance(result.error, Overloaded):  # this machine's slots stayed busy: the page waits its turn again
            raise task.retry(countdown=RETRY_AFTER_S, max_retries=None)
        _waiting_for_redis(self.store.finish_page, job_id, result, worker)
        if self.on_page is not None:
            self.on_page(result)
        log.info(
            "job %s page %d read by %s: %s", job_id[:8], number, worker, result.error.code if result.error else "ok"
        )

    def _read(self, data: bytes, options: OcrOptions, limits: Limits, number: int) -> PageResult:
        try:
            with (
                images.open_pages(
                    data, max_pixels=limits.max_pixels, max_pages=limits.max_pages, pdf_dpi=limits.pdf_dpi
                ) as pages,
                self.engines.slots.run(),
            ):
                return tables.read_page(pages, number - 1, options, timeout_s=limits.timeout_s, engines=self.engines)[0]
        except OcrError as e:
            return failed_page(number, e)
        except Exception:  # the page fails, the job and the worker go on
            log.exception("page %d failed unexpectedly", number)
            return failed_page(number, OcrError("reading this page failed unexpectedly; the error was logged"))

    def _upload(self, job_id: str) -> bytes | None:
        with self._uploads_lock:
            if job_id in self._uploads:
                self._uploads.move_to_end(job_id)
                return self._uploads[job_id]
        data = self.store.upload(job_id)
        if data is not None:
            with self._uploads_lock:
                self._uploads[job_id] = data
                while len(self._uploads) > UPLOADS_KEPT:
                    self._uploads.popitem(last=False)
        return data

    def start_heartbeat(self, worker: str) -> None:
        """Mark `worker` seen in Redis now and every HEARTBEAT_S, for as long as this process runs."""

        def beat() -> None:
            while True:
                with suppress(redis.RedisError):  # Redis away: seen again once it is back
                    self.store.mark_worker(worker, now=time.time())
                time.sleep(HEARTBEAT_S)

        threading.Thread(target=beat, name="heartbeat", daemon=True).start()


def _waiting_for_redis(call: Callable[..., T], *args) -> T:
    """call(*args), tried again while Redis cannot be reached (it restarts in a second); past
    REDIS_WAIT_S the page goes back to the queue, for this or another worker to read later."""
    deadline = time.monotonic() + REDIS_WAIT_S
    while True:
        try:
            return call(*args)
        except (redis.ConnectionError, redis.TimeoutError) as e:
            if time.monotonic() > deadline:
                raise Reject(f"Redis could not be reached for {REDIS_WAIT_S} s: {e}", requeue=True) from e
            time.sleep(REDIS_RETRY_S)


@contextmanager
def unavailable_as_error() -> Iterator[None]:
    """Turn Redis (or the broker on it) being unreachable into QueueUnavailable, a 503."""
    try:
        yield
    except (redis.RedisError, OperationalError, OSError) as e:
        raise QueueUnavailable(
            "the job queue (Redis) cannot be reached; try again later, or POST /ocr for a single image",
            retry_after_s=RETRY_AFTER_S,
        ) from e


def _kombu_url(url: str) -> str:
    """Kombu names a Redis unix socket redis+socket://; redis-py names it unix://."""
    return "redis+socket://" + url.removeprefix("unix://") if url.startswith("unix://") else url
