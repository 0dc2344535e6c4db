"""gunicorn settings for `make run`: workers sized to the cores, timeouts tied to OCR_TIMEOUT_S."""

import ctypes
import ctypes.util
import os
import shutil
import tempfile

_cores = os.cpu_count() or 1
_ocr_timeout_s = float(os.environ.get("OCR_TIMEOUT_S", 60))

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
# One process per core does the CPU work (decoding, preprocessing); threads keep a
# slow upload or a request waiting for an OCR slot from blocking the others.
workers = int(os.environ.get("OCR_WORKERS", _cores))
worker_class = "gthread"
threads = int(os.environ.get("OCR_THREADS", 4))
# A request may wait for a slot, then run OCR up to OCR_TIMEOUT_S: never kill a worker before that.
timeout = int(_ocr_timeout_s + float(os.environ.get("OCR_QUEUE_WAIT_S", 10)) + 30)
graceful_timeout = int(_ocr_timeout_s + 5)
keepalive = 5
# Graceful restarts go through signals (kill -HUP); no control socket file is left in $HOME.
control_socket_disable = True
limit_request_line = 8190
# The app writes one access line per request itself, with pixels and preprocessing steps.
accesslog = None
errorlog = "-"
loglevel = "info"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stderr"], "level": "INFO"},
    "loggers": {
        "gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "ocr": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}


def on_starting(server):
    """Create the lock directory every worker shares for the OCR concurrency bound, unless
    `make run` gave one it shares with the job worker beside the server."""
    if not os.environ.get("OCR_SLOT_DIR"):
        os.environ["OCR_SLOT_DIR"] = tempfile.mkdtemp(prefix="ocr-slots-")
        os.environ["OCR_SLOT_DIR_OWNED"] = "1"


def on_exit(server):
    if os.environ.get("OCR_SLOT_DIR_OWNED"):
        shutil.rmtree(os.environ.get("OCR_SLOT_DIR", ""), ignore_errors=True)


def post_fork(server, worker):
    """Give photo-sized buffers back to the system when a request ends; reuse the rest.

    glibc raises its mmap threshold after large frees, so later 12 MP images land in the
    heap and stay there: measured 742 MiB held after a few photos, 90 MiB per worker with
    a fixed 1 MiB threshold (peak under 4 concurrent 12 MP uploads: 943 -> 538 MiB). But
    1 MiB maps every measuring buffer afresh and pays its page faults each time (webcam
    frame preprocessing 21 -> 29 ms), and 16 MiB kept 490 MiB between requests. 4 MiB,
    with the heap trimmed past 8 MiB free: 21 ms, 240 MiB between requests, 530 MiB peak.
    """
    libc_name = ctypes.util.find_library("c")
    if libc_name:
        libc = ctypes.CDLL(libc_name)
        if hasattr(libc, "mallopt"):  # glibc only
            m_trim_threshold, m_mmap_threshold = -1, -3
            libc.mallopt(m_mmap_threshold, 4 * 1024 * 1024)
            libc.mallopt(m_trim_threshold, 8 * 1024 * 1024)
