"""`make run` (scripts/run-server) on a free loopback port, its state in a folder of its own: its
processes found by kind, and its stop checked to leave no process and no socket behind."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench.processes import stat_fields
from bench.server import PROJECT_ROOT, free_port

STARTUP_S = 120
STOP_S = 120  # SIGTERM lets each process finish what it holds: a request, a page


class Stack:
    """scripts/run-server started as `make run` starts it (the venv first on PATH), in a process
    group of its own, with OCR_* `settings` on top of a clean environment."""

    def __init__(self, folder: Path, **settings: str):
        self.port = free_port()
        self.folder, self.state = folder, folder / "state"
        self.tmp, self.console = folder / "tmp", folder / "console.log"
        self.tmp.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OCR_", "TLS_")) and k != "HTTPS"}
        env.update(
            PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            HOST="127.0.0.1",
            PORT=str(self.port),
            TMPDIR=str(self.tmp),
            OCR_STATE_DIR=str(self.state),
            **settings,
        )
        with self.console.open("wb") as output:
            self.process = subprocess.Popen(
                [str(PROJECT_ROOT / "scripts" / "run-server")],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, as make's under a terminal
            )

    def connection(self, timeout: float) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None, timeout=60):
        """(status, headers, body) of one request on a fresh connection."""
        return exchange(self.connection(timeout), method, path, body, headers)

    def wait_until_ready(self) -> None:
        """Until /health answers 200 and a job worker was seen: every part is up."""
        deadline = time.monotonic() + STARTUP_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"make run exited:\n{self.log_tail()}")
            try:
                status, _, body = self.request("GET", "/health", timeout=5)
                if status == 200 and b'"status":"ok"' in body.replace(b" ", b""):
                    return
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"make run was not ready within {STARTUP_S} s:\n{self.log_tail()}")

    def processes(self) -> list[tuple[int, int, str]]:
        """(pid, parent pid, command line) of every process below make run's."""
        table = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = stat_fields(int(entry.name))
                    line = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
                except (OSError, IndexError):
                    continue  # exited while we looked
                if fields[0] != "Z":
                    table[int(entry.name)] = (int(fields[1]), line)
        found, parents = [], [self.process.pid]
        while parents:
            parent = parents.pop()
            for pid, (ppid, line) in table.items():
                if ppid == parent:
                    found.append((pid, ppid, line))
                    parents.append(pid)
        return found

    def find(self, kind: str, *, wait_s: float = 30) -> int:
        """The pid of one process of a kind: redis, worker (Celery), gunicorn-worker, nginx (the
        master) or ppocr (a PP-OCRv6 child), waiting up to `wait_s` for one to start."""
        deadline = time.monotonic() + wait_s
        while not (found := self._of_kind(kind)) and time.monotonic() < deadline:
            time.sleep(0.1)
        if not found:
            raise LookupError(f"no {kind} process under make run:\n{self.log_tail()}")
        return found[0]

    def _of_kind(self, kind: str) -> list[int]:
        """The pids of the processes of a kind running now (a kind told by its command line and its parent's)."""
        listed = self.processes()
        parents = {pid: line for pid, _, line in listed}

        def is_kind(line: str, parent: str) -> bool:
            if kind == "redis":
                return line.startswith("redis-server")
            if kind == "worker":
                return " -A worker worker" in line
            if kind == "gunicorn-worker":
                return "gunicorn" in line and "gunicorn" in parent
            if kind == "nginx":
                return line.startswith("nginx: master")
            if kind == "ppocr":
                return "ocr.engines.ppocr_child" in line
            raise ValueError(f"no process kind {kind!r}")

        return [pid for pid, ppid, line in listed if is_kind(line, parents.get(ppid, ""))]

    def stop(self) -> list[str]:
        """SIGTERM to its process group, as Ctrl-C or `kill -TERM -- -PGID` sends it; what was left
        behind: processes still running, the port still answering, sockets, the OCR slots' folder."""
        below = [pid for pid, _, _ in self.processes()]
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            code = self.process.wait(timeout=STOP_S)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            raise
        left = [f"exit status {code}"] if code != 0 else []
        deadline = time.monotonic() + 10
        while (running := [pid for pid in below if _running(pid)]) and time.monotonic() < deadline:
            time.sleep(0.1)
        left += [f"process {pid} still running" for pid in running]
        try:
            self.request("GET", "/health/live", timeout=2)
            left.append(f"port {self.port} still answers")
        except ConnectionRefusedError:
            pass
        left += [f"{path} left" for path in [*self.state.glob("*.sock"), *self.tmp.glob("ocr-slots-*")]]
        return left

    def console_text(self) -> str:
        """What make run printed: the URL, the state folder, supervisord's lines."""
        return self.console.read_text(errors="replace")

    def process_log(self, name: str) -> str:
        """What one of its processes (front, web, worker, redis) wrote, in the state folder's logs/."""
        return (self.state / "logs" / f"{name}.log").read_text(errors="replace")

    def log_tail(self) -> str:
        """The end of the console, then of each process's log: what a failure is read from."""
        logs = sorted((self.state / "logs").glob("*.log")) if (self.state / "logs").is_dir() else []
        ends = [f"--- {path.name}\n" + path.read_text(errors="replace")[-2000:] for path in logs]
        return "\n".join([self.console_text()[-3000:], *ends])


def exchange(connection: http.client.HTTPConnection, method: str, path: str, body=None, headers=None):
    """(status, headers, body) of one request on `connection`, closed afterwards."""
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def _running(pid: int) -> bool:
    try:
        return stat_fields(pid)[0] != "Z"
    except (OSError, IndexError):
        return False
