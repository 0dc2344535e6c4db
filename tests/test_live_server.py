"""Against a real gunicorn: runaway OCR answers 504, a burst gets 200 or 503, an oversized body is
refused unread, and no Tesseract process or temp file outlives its request or the server."""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import FONT, SAMPLE_TEXT, draw_text, encode, words_of
from PIL import Image, ImageDraw, ImageFont

from bench.stack import exchange

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
TIMEOUT_S = 2
QUEUE_WAIT_S = 1
MAX_UPLOAD_MB = 2
CLIENTS = 16
# Far above any answer this server gives; a client that reaches it was left hanging.
SOCKET_TIMEOUT_S = 60
STARTUP_WAIT_S = 60


class Server:
    """One gunicorn master on a free port, with its own TMPDIR and log file."""

    def __init__(self, tmp: Path, log: Path, settings: dict[str, str] | None = None):
        """`settings` adds to or overrides the environment below (OCR_* and others)."""
        self.tmp, self.log = tmp, log
        self.port = free_port()
        env = {name: value for name, value in os.environ.items() if not name.startswith("OCR_")}
        env.update(
            HOST="127.0.0.1",
            PORT=str(self.port),
            TMPDIR=str(tmp),
            OCR_TIMEOUT_S=str(TIMEOUT_S),
            OCR_CONCURRENCY="1",
            OCR_QUEUE="1",
            OCR_QUEUE_WAIT_S=str(QUEUE_WAIT_S),
            OCR_MAX_UPLOAD_MB=str(MAX_UPLOAD_MB),
            OCR_WORKERS="2",  # two processes, so the OCR bound must hold across them
        )
        env.update(settings or {})
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                [str(GUNICORN), "--config", "gunicorn.conf.py", "app:create_app()"],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_until_ready(self) -> None:
        wait_for_health(self, "gunicorn", STARTUP_WAIT_S)

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict | None = None,
        *,
        timeout: float = SOCKET_TIMEOUT_S,
    ) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body) of one request on a fresh connection."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        return exchange(connection, method, path, body, headers)

    def post_image(self, data: bytes, query: str = "", **kwargs):
        headers = {"Content-Type": "image/png", "Accept": "application/json"}
        return self.request("POST", "/ocr" + query, data, headers, **kwargs)

    def tesseracts(self) -> list[tuple[int, str, str]]:
        return [process for process in descendants(self.pid) if process[1] == "tesseract"]

    def leftovers(self) -> list[str]:
        """Everything in TMPDIR except the server's own slot-lock directory."""
        return sorted(path.name for path in self.tmp.iterdir() if not path.name.startswith("ocr-slots-"))

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def wait_for_health(server, what: str, wait_s: float) -> None:
    """Poll the server's GET /health until it answers 200; fail with its log if its process
    (`what`) exits or stays silent for `wait_s`."""
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        assert server.process.poll() is None, f"{what} exited:\n{server.log_tail()}"
        try:
            if server.request("GET", "/health", timeout=5)[0] == 200:
                return
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.1)
    pytest.fail(f"{what} did not answer /health within {wait_s} s:\n{server.log_tail()}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def processes() -> dict[int, tuple[int, str, str]]:
    """pid -> (parent pid, command name, state) of every process, read from /proc."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # exited while we looked
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        state, parent = stat[stat.rindex(")") + 2 :].split()[:2]
        table[int(entry.name)] = (int(parent), name, state)
    return table


def descendants(pid: int) -> list[tuple[int, str, str]]:
    """(pid, command name, state) of every process below pid, zombies included."""
    table = processes()
    found, parents = [], [pid]
    while parents:
        parent = parents.pop()
        for child, (ppid, name, state) in table.items():
            if ppid == parent:
                found.append((child, name, state))
                parents.append(child)
    return found


def dense_page() -> bytes:
    """An A4 page at 300 dpi packed with small print: minutes of Tesseract work."""
    page = Image.new("L", (2480, 3508), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(str(FONT), 22)
    words = SAMPLE_TEXT.split()
    for row, top in enumerate(range(40, 3508 - 60, 31)):
        line = " ".join(words[(row + k) % len(words)] for k in range(60))
        draw.text((40, top), line, font=font, fill=0)
    return encode(page)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    instance = Server(tmp_path_factory.mktemp("server-tmpdir"), tmp_path_factory.mktemp("server-log") / "gunicorn.log")
    try:
        instance.wait_until_ready()
        slot_dirs = [path for path in instance.tmp.iterdir() if path.name.startswith("ocr-slots-")]
        assert len(slot_dirs) == 1, sorted(instance.tmp.iterdir())
        yield instance
    finally:
        instance.stop()


def test_runaway_ocr_is_stopped_with_504_and_leaves_nothing(server):
    status, headers, body = server.post_image(dense_page(), "?preprocess=none")
    assert status == 504, body
    assert json.loads(body) == {
        "error": {
            "code": "timeout",
            "message": f"OCR took longer than {TIMEOUT_S} s and was stopped; send a smaller or clearer image",
            "request_id": headers["X-Request-ID"],
        }
    }
    # pytesseract kills and reaps Tesseract before the answer is written: nothing to wait for
    assert server.tesseracts() == []
    assert server.leftovers() == []
    status, _, body = server.post_image(encode(draw_text()))
    assert status == 200, body
    assert words_of(json.loads(body)["text"]) == words_of(SAMPLE_TEXT)


def test_burst_gets_200_or_503_and_never_hangs(server):
    page = encode(draw_text())
    start = threading.Barrier(CLIENTS)
    answers, failures = [], []

    def client():
        start.wait()
        try:
            answers.append(server.post_image(page))
        except (OSError, http.client.HTTPException) as error:  # a timeout here is a hung connection
            failures.append(repr(error))

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    statuses = sorted(status for status, _, _ in answers)
    assert set(statuses) <= {200, 503}, (statuses, server.log_tail())
    assert 200 in statuses and 503 in statuses, statuses
    for status, headers, body in answers:
        if status == 503:
            assert int(headers["Retry-After"]) >= 1
            assert json.loads(body)["error"]["code"] == "overloaded"
        else:
            assert words_of(json.loads(body)["text"]) == words_of(SAMPLE_TEXT)
    assert server.request("GET", "/health")[0] == 200
    assert server.tesseracts() == []
    assert server.leftovers() == []


def test_oversized_body_is_refused_before_it_is_sent(server):
    declared = 100 * 1024 * 1024
    head = (
        "POST /ocr HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/png\r\nAccept: application/json\r\n"
        f"Content-Length: {declared}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=SOCKET_TIMEOUT_S) as connection:
        connection.sendall(head + bytes(128 * 1024))  # a sliver of the declared 100 MB
        received = b""
        try:
            while chunk := connection.recv(65536):
                received += chunk
        except TimeoutError:
            pytest.fail(f"the server kept the connection open waiting for the body; got {received[:200]!r}")
    status_line, _, rest = received.partition(b"\r\n")
    assert status_line.split()[1] == b"413", received[:300]
    body = json.loads(rest.partition(b"\r\n\r\n")[2])
    assert body["error"]["code"] == "too_large"
    assert f"{MAX_UPLOAD_MB} MB" in body["error"]["message"]
    assert server.request("GET", "/health")[0] == 200


def test_sigterm_stops_the_server_and_removes_its_slot_directory(server):
    workers = [pid for pid, _, _ in descendants(server.pid)]
    assert workers
    assert server.stop() == 0, server.log_tail()
    assert list(server.tmp.iterdir()) == []
    assert not [pid for pid in workers if pid in processes()]
