"""gunicorn settings for `make run`: workers sized to the cores, timeouts tied to OCR_TIMEOUT_S."""

import ctypes
import ctypes.util
import glob
import os
import re
import shutil
import tempfile

from settings import Settings
from web.requestlog import logging_config

_settings = Settings.from_env()  # a bad OCR_* value stops gunicorn here, before any worker starts

# Under `make run`, nginx holds HOST:PORT and reads each request whole first (scripts/run-front);
# gunicorn listens on a unix socket in the state folder that only nginx uses.
bind = _settings.gunicorn_bind or f"{_settings.host}:{_settings.port}"
# One process per core does the CPU work (decoding, preprocessing); threads keep a
# slow upload or a request waiting for an OCR slot from blocking the others.
workers = _settings.workers
worker_class = "gthread"
threads = _settings.threads
# A request may wait for a slot, then run OCR up to OCR_TIMEOUT_S: never kill a worker before that.
timeout = int(_settings.timeout_s + _settings.queue_wait_s + 30)
graceful_timeout = int(_settings.timeout_s + 5)
keepalive = 5
# Graceful restarts go through signals (kill -HUP); no control socket file is left in $HOME.
control_socket_disable = True
limit_request_line = 8190
# The app writes one access line per request itself, with pixels and preprocessing steps.
accesslog = None
errorlog = "-"
loglevel = "info"
# Lines as `[pid request-id] message`, or with OCR_LOG_FORMAT=json one JSON object a line.
logconfig_dict = logging_config(_settings.log_format)


def on_starting(server):
    """Create the lock directory every worker shares for the OCR concurrency bound, unless
    `make run` gave one it shares with the job worker beside the server.

    The workers count metrics in PROMETHEUS_MULTIPROC_DIR, by default a folder of the lock
    directory, where a job worker sharing the locks counts too (worker.py). It is set here,
    before any worker imports prometheus_client, which decides how to count on import.

    The folder is handed on in the environment, which the workers (and a reloaded configuration) inherit.
    """
    slot_dir = _settings.slot_dir
    if not slot_dir:
        slot_dir = os.environ["OCR_SLOT_DIR"] = tempfile.mkdtemp(prefix="ocr-slots-")
        os.environ["OCR_SLOT_DIR_OWNED"] = "1"
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = os.path.join(slot_dir, "metrics")
    metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.makedirs(metrics_dir, exist_ok=True)
    _forget_dead_gauges(metrics_dir)


def child_exit(server, worker):
    """A worker gone (even killed mid-request) no longer counts in the slots and queue gauges."""
    from prometheus_client import multiprocess  # imported once the directory is set, never before

    multiprocess.mark_process_dead(worker.pid)


def _forget_dead_gauges(metrics_dir: str) -> None:
    """Live gauges left by processes of an earlier run that are gone: their slots are free."""
    from prometheus_client import multiprocess

    for path in glob.glob(os.path.join(metrics_dir, "gauge_live*_*.db")):
        found = re.search(r"_(\d+)\.db$", path)
        if found and not _alive(int(found[1])):
            multiprocess.mark_process_dead(int(found[1]), metrics_dir)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        pass
    return True


def on_exit(server):
    now = Settings.from_env()  # read again: on_starting may have set the folder after this file was read
    if now.slot_dir_owned and now.slot_dir:
        shutil.rmtree(now.slot_dir, ignore_errors=True)


def post_fork(server, worker):
    """Give photo-sized buffers back to the system when a request ends; reuse the rest.

    glibc raises its mmap threshold after large frees, so later 12 MP images land in the
    heap and stay there. A fixed 4 MiB threshold sits between a photo's buffers, given back,
    and the measuring buffers, reused without fresh page faults; the heap is trimmed past
    8 MiB free. The figures of 1, 4 and 16 MiB: docs/decisions/0020.
    """
    libc_name = ctypes.util.find_library("c")
    if libc_name:
        libc = ctypes.CDLL(libc_name)
        if hasattr(libc, "mallopt"):  # glibc only
            m_trim_threshold, m_mmap_threshold = -1, -3
            libc.mallopt(m_mmap_threshold, 4 * 1024 * 1024)
            libc.mallopt(m_trim_threshold, 8 * 1024 * 1024)
