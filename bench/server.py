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
from collections.abc import Callable, Iterator
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
def running_process(
    cmd: list[str],
    *,
    ready: Callable[[bytes], bool],
    what: str,
    cwd: Path = PROJECT_ROOT,
    env: dict[str, str] | None = None,
    startup: float = 60.0,
) -> Iterator[subprocess.Popen]:
    """Run cmd, its output in a temporary log; yield it once ready(log so far) is true; stop it afterwards.

    It is stopped however the block ends (an error, Ctrl-C), so a benchmark leaves no process behind.
    """
    # Appending, the process writes at the end whatever the reader's position in the shared file.
    with tempfile.TemporaryFile("a+b") as log:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_ready(proc, ready, log, what, startup)
            yield proc
        finally:
            stop(proc)


def stop(proc: subprocess.Popen, timeout: float = 15.0) -> None:
    """SIGTERM, so the process shuts down cleanly; SIGKILL if it is still there after timeout seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _wait_ready(proc: subprocess.Popen, ready: Callable[[bytes], bool], log, what: str, startup: float) -> None:
    """Poll ready(log so far) until true; on exit or timeout raise with the log's tail."""
    deadline = time.monotonic() + startup
    while time.monotonic() < deadline and proc.poll() is None:
        log.seek(0)
        if ready(log.read()):
            return
        time.sleep(0.25)
    log.seek(0)
    tail = log.read().decode(errors="replace")[-2000:]
    state = f"exited with {proc.returncode}" if proc.poll() is not None else f"not ready after {startup:.0f}s"
    raise RuntimeError(f"{what} {state}; log:\n{tail}")


@contextmanager
def running_server(
    *,
    root: Path = PROJECT_ROOT,
    workers: int | None = None,
    startup: float = 60.0,
    env: dict[str, str] | None = None,
) -> Iterator[str]:
    """Run `gunicorn app:create_app()` from root (the project) on a free port; yield its base URL.

    gunicorn reads root/gunicorn.conf.py by itself, so the server runs as configured for
    production; only the bind address and, if given, the worker count are overridden.
    env adds to (or overrides) this process's environment, e.g. OCR_* settings.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [gunicorn_path(), "--bind", f"127.0.0.1:{port}"]
    if workers is not None:
        cmd += ["--workers", str(workers)]
    cmd.append("app:create_app()")
    # One OpenMP thread per tesseract, as in the plain-tesseract baseline.
    env = {**os.environ, "OMP_THREAD_LIMIT": os.environ.get("OMP_THREAD_LIMIT", "1"), **(env or {})}
    with running_process(cmd, ready=lambda _: is_healthy(url), what="server", cwd=root, env=env, startup=startup):
        yield url
