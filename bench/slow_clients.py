"""Slow uploads against a running server: how long GET /health and a webcam frame's POST /ocr
take while N connections trickle a request body a byte at a time.

    python -m bench.slow_clients --url http://127.0.0.1:5000 [--clients 200] [--interval 2.5]
"""

import argparse
import io
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
DECLARED_BYTES = 1_000_000  # what each slow upload says it will send; it never gets there


def webcam_frame() -> bytes:
    """A 640x480 JPEG of a few printed lines, as a webcam pointed at a page sends."""
    frame = Image.new("L", (640, 480), 200)
    draw = ImageDraw.Draw(frame)
    face = ImageFont.truetype(FONT, 26)
    for row, line in enumerate(["Quick brown foxes jump", "over 42 lazy dogs", "while the cat sleeps"]):
        draw.text((40, 120 + 60 * row), line, font=face, fill=30)
    buffer = io.BytesIO()
    frame.convert("RGB").save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


class SlowUploads:
    """N connections that send a POST /ocr head, then one body byte each `interval` seconds."""

    def __init__(self, url: str, count: int, interval: float, context: ssl.SSLContext | None = None):
        parts = urlsplit(url)
        self.count, self.interval, self.stopped = count, interval, threading.Event()
        head = (
            f"POST /ocr HTTP/1.1\r\nHost: {parts.netloc}\r\nAccept: application/json\r\n"
            f"Content-Type: multipart/form-data; boundary=slow\r\nContent-Length: {DECLARED_BYTES}\r\n\r\n"
            '--slow\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n\r\n'
        ).encode()
        self.sockets: list[socket.socket] = []
        for _ in range(count):
            connection = socket.create_connection((parts.hostname, parts.port), timeout=30)
            if context is not None:
                connection = context.wrap_socket(connection, server_hostname=parts.hostname)
            connection.sendall(head)
            self.sockets.append(connection)
        self.dropped = 0
        self.thread = threading.Thread(target=self._trickle, daemon=True)
        self.thread.start()

    def _trickle(self) -> None:
        while not self.stopped.wait(self.interval):
            for connection in list(self.sockets):
                try:
                    connection.sendall(b"x")
                except OSError:
                    self.sockets.remove(connection)
                    self.dropped += 1

    def open(self) -> int:
        return len(self.sockets)

    def close(self) -> None:
        self.stopped.set()
        self.thread.join()
        for connection in self.sockets:
            connection.close()


def timed(request: urllib.request.Request, context: ssl.SSLContext | None, timeout: float) -> str:
    start = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError as error:
        return f"failed after {time.monotonic() - start:.1f} s ({type(error).__name__})"
    return f"{status} in {1000 * (time.monotonic() - start):.0f} ms"


def measure(url: str, frame: bytes, context: ssl.SSLContext | None, label: str) -> None:
    health = [timed(urllib.request.Request(f"{url}/health"), context, 30) for _ in range(5)]
    post = urllib.request.Request(f"{url}/ocr", data=frame, headers={"Content-Type": "image/jpeg"})
    ocr = [timed(post, context, 60) for _ in range(3)]
    print(f"{label}:\n  GET /health: {', '.join(health)}\n  POST /ocr (webcam frame): {', '.join(ocr)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:5000")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--interval", type=float, default=2.5, help="seconds between body bytes")
    parser.add_argument("--cafile", help="the server's certificate, for https URLs")
    args = parser.parse_args()
    context = ssl.create_default_context(cafile=args.cafile) if args.url.startswith("https") else None
    frame = webcam_frame()
    measure(args.url, frame, context, "idle")
    uploads = SlowUploads(args.url, args.clients, args.interval, context)
    try:
        time.sleep(2 * args.interval)
        measure(args.url, frame, context, f"{uploads.open()} slow uploads open")
        print(f"  slow uploads dropped by the server meanwhile: {uploads.dropped}")
    finally:
        uploads.close()


if __name__ == "__main__":
    main()
