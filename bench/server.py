"""Start and stop the OCR web server under gunicorn for benchmarks."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_path() -> str:
    """The gunicorn next to this interpreter (the project venv), else the one on PATH."""
    local = Path(sys.executable).parent / "gunicorn"
    found = str(local) if local.exists() else shutil.which("gunicorn")
    if not found:
        raise FileNotFoundError("gunicorn not found next to the interpreter or on PATH")
    return found


def is_healthy(url: str) -> bool:
    """Whether GET {url}/health answers 200."""
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def running_server(*, root: Path = PROJECT_ROOT, workers: int | None = None, startup: float = 60.0) -> Iterator[str]:
    """Run `gunicorn app:create_app()` from root (the project) on a free port; yield its base URL.

    gunicorn reads root/gunicorn.conf.py by itself, so the server runs as configured for
    production; only the bind address and, if given, the worker count are overridden.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [gunicorn_path(), "--bind", f"127.0.0.1:{port}"]
    if workers is not None:
        cmd += ["--workers", str(workers)]
    cmd.append("app:create_app()")
    # One OpenMP thread per tesseract, as in the plain-tesseract baseline.
    env = {**os.environ, "OMP_THREAD_LIMIT": os.environ.get("OMP_THREAD_LIMIT", "1")}
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_healthy(proc, url, startup, log)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_healthy(proc: subprocess.Popen, url: str, startup: float, log) -> None:
    """Poll /health until it answers 200; on exit or timeout raise with the server's log tail."""
    deadline = time.monotonic() + startup
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        if is_healthy(url):
            return
        time.sleep(0.25)
    log.seek(0)
    tail = log.read().decode(errors="replace")[-2000:]
    state = f"exited with {proc.returncode}" if proc.poll() is not None else f"not healthy after {startup:.0f}s"
    raise RuntimeError(f"server {state}; log:\n{tail}")
