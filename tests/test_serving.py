"""`make run` as a user starts it (scripts/run-server): nginx in front of gunicorn holds 200 slow
uploads while /health and /ocr answer, drops a stalled body with 408, refuses an oversized one
with the app's 413, drains on SIGTERM, and serves HTTPS with a certificate made for the machine,
over which Chromium's camera page is a secure context and reads."""

import http.client
import json
import socket
import ssl
import subprocess
import threading
import time
from pathlib import Path

import pytest
from conftest import SAMPLE_TEXT, draw_text, encode, words_of
from fakecam import document_frame, write_y4m
from playwright.sync_api import expect, sync_playwright
from test_live_server import descendants

from bench.stack import Stack

ROOT = Path(__file__).resolve().parent.parent
SLOW_UPLOADS = 200
TRICKLE_S = 2  # a byte of body this often on each slow upload
# The slow-client guarantee: /health answers in milliseconds; 5 s means it was left waiting.
HEALTH_WITHIN_S = 5
STALL_S = 2  # OCR_BODY_TIMEOUT_S of the HTTPS server
MAX_UPLOAD_MB = 2
# Far above any answer these servers give; a client that reaches it was left hanging.
SOCKET_TIMEOUT_S = 60
CHROMIUM = "/usr/bin/chromium"  # Debian's, as in test_browser.py
QUIET_FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync"]


class MakeRun(Stack):
    """scripts/run-server as `make run` starts it (bench/stack.py), Tesseract alone (it starts in
    seconds), serving https when HTTPS is set."""

    def __init__(self, tmp: Path, **settings: str):
        self.https = bool(settings.get("HTTPS"))
        super().__init__(
            tmp, OCR_ENGINES="tesseract", OCR_WORKERS="2", OCR_MAX_UPLOAD_MB=str(MAX_UPLOAD_MB), **settings
        )

    @property
    def cert(self) -> Path:
        return self.state / "tls" / "cert.pem"

    def connection(self, timeout: float = SOCKET_TIMEOUT_S) -> http.client.HTTPConnection:
        if self.https:
            context = ssl.create_default_context(cafile=str(self.cert))
            return http.client.HTTPSConnection("localhost", self.port, timeout=timeout, context=context)
        return super().connection(timeout)

    def post_image(self, data: bytes, **kwargs):
        return self.request("POST", "/ocr", data, {"Content-Type": "image/png", "Accept": "application/json"}, **kwargs)


def stop_and_check_nothing_is_left(server: MakeRun) -> None:
    names = {name for _, name, _ in descendants(server.process.pid)}
    assert {"nginx", "redis-server", "gunicorn"} <= names, names
    assert server.stop() == [], server.log_tail()


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    """make run on http, with a body time-out the slow uploads never reach."""
    server = MakeRun(tmp_path_factory.mktemp("plain"), OCR_BODY_TIMEOUT_S="120")
    try:
        server.wait_until_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def secure(tmp_path_factory):
    """make run HTTPS=1 with a certificate it generates, and a short body time-out."""
    server = MakeRun(tmp_path_factory.mktemp("secure"), HTTPS="1", OCR_BODY_TIMEOUT_S=str(STALL_S))
    try:
        server.wait_until_ready()
        yield server
    finally:
        server.stop()


def upload_head(port: int, length: int) -> bytes:
    return (
        f"POST /ocr HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: image/png\r\n"
        f"Accept: application/json\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


def still_waiting(connection: socket.socket) -> bool:
    """Open, and nothing answered: a read would block."""
    connection.settimeout(0)
    try:
        connection.recv(1, socket.MSG_PEEK)
    except BlockingIOError:
        return True
    except OSError:
        return False
    return False


def test_200_slow_uploads_leave_health_and_ocr_answering(plain):
    connections = []
    stop, failures = threading.Event(), []

    def trickle():
        while not stop.wait(TRICKLE_S):
            for connection in connections:
                try:
                    connection.sendall(b"\0")
                except OSError as error:
                    failures.append(repr(error))

    trickler = threading.Thread(target=trickle)
    try:
        for _ in range(SLOW_UPLOADS):
            connection = socket.create_connection(("127.0.0.1", plain.port), timeout=SOCKET_TIMEOUT_S)
            connection.sendall(upload_head(plain.port, 100_000) + b"\x89PNG")
            connections.append(connection)
        trickler.start()
        time.sleep(TRICKLE_S + 1)  # every upload under way, a byte at a time

        for _ in range(3):
            status, _, body = plain.request("GET", "/health", timeout=HEALTH_WITHIN_S)
            assert status == 200, body
            assert json.loads(body)["status"] == "ok"
        status, _, body = plain.post_image(encode(draw_text()))
        assert status == 200, body
        assert words_of(json.loads(body)["text"]) == words_of(SAMPLE_TEXT)

        assert failures == []
        assert all(still_waiting(connection) for connection in connections)
    finally:
        stop.set()
        if trickler.is_alive():
            trickler.join()
        for connection in connections:
            connection.close()
    assert plain.request("GET", "/health", timeout=HEALTH_WITHIN_S)[0] == 200


def test_an_upload_over_the_limit_gets_the_apps_413_from_the_front(plain):
    declared = 100 * 1024 * 1024
    with socket.create_connection(("127.0.0.1", plain.port), timeout=SOCKET_TIMEOUT_S) as connection:
        connection.sendall(upload_head(plain.port, declared) + bytes(64 * 1024))  # a sliver of it
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.split()[1] == b"413", received[:300]
    assert json.loads(body)["error"] == {
        "code": "too_large",
        "message": f"the upload is over the {MAX_UPLOAD_MB} MB limit; send a smaller or more compressed image",
        "request_id": json.loads(body)["error"]["request_id"],
    }
    # a text client gets the message as a line
    status, headers, body = plain.request("POST", "/ocr", bytes(3 * 1024 * 1024), {"Content-Type": "image/png"})
    assert status == 413
    assert headers["Content-Type"].startswith("text/plain")
    assert body.decode().strip().endswith("send a smaller or more compressed image")


def test_sigterm_drains_a_reading_in_flight_and_leaves_nothing(plain):
    page = encode(draw_text("\n".join([SAMPLE_TEXT] * 8), font_px=28))  # a second or two of reading
    answers = []
    client = threading.Thread(target=lambda: answers.append(plain.post_image(page)))
    client.start()
    time.sleep(0.5)
    stop_and_check_nothing_is_left(plain)
    client.join()
    status, _, body = answers[0]
    assert status == 200, body
    assert words_of(json.loads(body)["text"]) == words_of(" ".join([SAMPLE_TEXT] * 8))


def test_a_stalled_body_is_dropped_with_408_before_the_app(secure):
    context = ssl.create_default_context(cafile=str(secure.cert))
    with (
        socket.create_connection(("127.0.0.1", secure.port), timeout=SOCKET_TIMEOUT_S) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as connection,
    ):
        connection.sendall(upload_head(secure.port, 50_000) + b"\x89PNG\r\n")  # then nothing
        received = b""
        while chunk := connection.recv(65536):  # the server closes the connection
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0].split()[1] == "408", received
    assert "Connection: close" in lines
    error = json.loads(body)["error"]
    assert error["code"] == "timeout"
    assert f"stalled for {STALL_S} s" in error["message"]
    # the front logged it, and the app never saw it
    log = ""
    for _ in range(50):
        log = secure.process_log("front")
        if f"id={error['request_id']}" in log:
            break
        time.sleep(0.1)
    assert [line for line in log.splitlines() if f"answered 408 timeout id={error['request_id']}" in line]
    app_lines = (secure.process_log("web") + secure.process_log("worker")).splitlines()
    assert app_lines and not [line for line in app_lines if error["request_id"] in line]
    assert secure.request("GET", "/health")[0] == 200


def test_https_with_a_generated_certificate(secure):
    tls = secure.state / "tls"
    assert (tls / "key.pem").stat().st_mode & 0o777 == 0o600
    assert tls.stat().st_mode & 0o777 == 0o700
    status, _, body = secure.request("GET", "/health")  # verified against the certificate as CA
    assert status == 200 and json.loads(body)["status"] == "ok"
    # the certificate names the machine, as a phone on the LAN reaches it
    context = ssl.create_default_context(cafile=str(tls / "cert.pem"))
    with (
        socket.create_connection(("127.0.0.1", secure.port), timeout=SOCKET_TIMEOUT_S) as raw,
        context.wrap_socket(raw, server_hostname=socket.gethostname()),
    ):
        pass
    fingerprint = (
        subprocess.run(
            ["openssl", "x509", "-in", str(tls / "cert.pem"), "-noout", "-fingerprint", "-sha256"],
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.split("=")[1]
        .strip()
    )
    assert f"SHA-256 fingerprint: {fingerprint}" in secure.console_text()
    assert f"https://localhost:{secure.port}/camera" in secure.console_text()
    # plain http on the https port is sent to https
    connection = http.client.HTTPConnection("127.0.0.1", secure.port, timeout=SOCKET_TIMEOUT_S)
    connection.request("GET", "/camera")
    response = connection.getresponse()
    assert response.status == 307
    assert response.getheader("Location") == f"https://127.0.0.1:{secure.port}/camera"
    connection.close()


def spki_hash(cert: Path) -> str:
    """The base64 SHA-256 of the certificate's public key, as Chromium's SPKI list takes it."""
    script = (
        f"openssl x509 -in '{cert}' -noout -pubkey | openssl pkey -pubin -outform der"
        " | openssl dgst -sha256 -binary | base64"
    )
    return subprocess.run(["sh", "-c", script], capture_output=True, text=True, check=True).stdout.strip()


def test_the_camera_page_over_https_is_a_secure_context_and_reads(secure, tmp_path):
    video = tmp_path / "camera.y4m"
    write_y4m(video, document_frame())
    name = socket.gethostname()  # as a phone opens it: not localhost, so only https makes it secure
    flags = [
        f"--host-resolver-rules=MAP {name} 127.0.0.1",
        f"--ignore-certificate-errors-spki-list={spki_hash(secure.cert)}",  # trust this certificate only
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=QUIET_FLAGS + flags)
        try:
            page = browser.new_page()
            page.goto(f"https://{name}:{secure.port}/camera")
            assert page.evaluate("window.isSecureContext") is True
            expect(page.locator("#camera-video")).to_be_visible()
            expect(page.locator("#capture-button")).to_be_enabled(timeout=15_000)  # the camera runs
            page.click("#capture-button")
            expect(page.locator("#ocr-text")).to_contain_text("lazy dogs", timeout=30_000)
        finally:
            browser.close()


def test_https_server_stops_and_leaves_nothing(secure):
    stop_and_check_nothing_is_left(secure)
    assert (secure.state / "tls" / "cert.pem").exists()  # kept for the next start


def test_the_certificate_is_reused_and_made_again_when_the_names_change(tmp_path):
    folder = tmp_path / "tls"
    subprocess.run([str(ROOT / "scripts" / "tls-cert"), str(folder)], check=True, capture_output=True)
    first = (folder / "cert.pem").read_bytes()
    subprocess.run([str(ROOT / "scripts" / "tls-cert"), str(folder)], check=True, capture_output=True)
    assert (folder / "cert.pem").read_bytes() == first
    names = (folder / "names").read_text()
    assert names.startswith("DNS:localhost,") and f"DNS:{socket.gethostname()}," in names and "IP:127.0.0.1" in names
    (folder / "names").write_text("DNS:localhost,IP:10.0.0.99")  # the machine moved to another network
    subprocess.run([str(ROOT / "scripts" / "tls-cert"), str(folder)], check=True, capture_output=True)
    assert (folder / "cert.pem").read_bytes() != first
    assert sorted(path.name for path in folder.iterdir()) == ["cert.pem", "key.pem", "names"]
