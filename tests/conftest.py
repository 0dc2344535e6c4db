"""Shared fixtures: the app, its test client, images of known text drawn with a TrueType font,
and for jobs a real Redis and real Celery workers."""

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from app import create_app
from ocr.engines.ppocr import ChildPool
from ocr.engines.tesseract_data import installed_languages

ROOT = Path(__file__).resolve().parent.parent
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
SAMPLE_TEXT = "Quick brown foxes jump over 42 lazy dogs"
# how a refused lang's message lists this machine's languages (make test installs more than eng)
INSTALLED = "installed: " + ", ".join(installed_languages())
# One pool of warm PP-OCRv6 children, lent to the apps the tests build: a child takes seconds to load.
PPOCR_POOL = ChildPool()
# The full tier: tests that need more than the Flask test client and the engines (Chromium,
# `make run`'s servers, Redis and Celery workers). `make test-fast` leaves them out.
FULL_TIER_MODULES = {"test_browser", "test_serving", "test_live_server", "test_faults"}
FULL_TIER_FIXTURES = {"redis_url", "start_worker", "jobs_app", "live_server", "open_page", "live_stack"}


def pytest_sessionfinish():
    PPOCR_POOL.close()


def pytest_collection_modifyitems(items):
    for item in items:
        if item.module.__name__ in FULL_TIER_MODULES or FULL_TIER_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.full)


@pytest.fixture
def app(tmp_path):
    return create_app({"TESTING": True, "SLOT_DIR": str(tmp_path), "TIMEOUT_S": 30}, ppocr_children=PPOCR_POOL)


@pytest.fixture
def client(app):
    return app.test_client()


def draw_text(
    text: str = SAMPLE_TEXT,
    *,
    font_px: int = 36,
    ink: str | tuple = "black",
    paper: str | tuple = "white",
    margin: int = 40,
    mode: str = "RGB",
) -> Image.Image:
    """Render text lines on a page just big enough to hold them."""
    font = ImageFont.truetype(str(FONT), font_px)
    lines = text.split("\n")
    line_height = int(font_px * 1.5)
    width = max(int(font.getlength(line)) for line in lines) + 2 * margin
    image = Image.new(mode, (width, line_height * len(lines) + 2 * margin), paper)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((margin, margin + i * line_height), line, font=font, fill=ink)
    return image


def draw_receipt() -> Image.Image:
    """A receipt: items on the left and their prices far to the right, on the same rows."""
    mono = ImageFont.truetype(str(FONT.with_name("DejaVuSansMono.ttf")), 30)
    rows = [
        ("CORNER CAFE", ""),
        ("Flat white", "3.20"),
        ("Almond croissant", "2.90"),
        ("Orange juice", "3.50"),
        ("Total", "9.60"),
    ]
    receipt = Image.new("L", (900, 80 + 60 * len(rows)), 255)
    draw = ImageDraw.Draw(receipt)
    for row, (item, price) in enumerate(rows):
        draw.text((40, 40 + 60 * row), item, font=mono, fill=0)
        draw.text((760, 40 + 60 * row), price, font=mono, fill=0)
    return receipt


def pixelated_print(text: str = SAMPLE_TEXT) -> Image.Image:
    """Print seen through 8 px cells, an x-height of under three cells: too little is left for sure
    letters. Tesseract still reads eight words, at a mean confidence of 12-36 (sizes 38-42 px, also
    as a JPEG webcam frame), far under the warning's 60. Noise was tried first, but denoising fixes it."""
    page = draw_text(text, font_px=40).convert("L")
    cells = page.resize((page.width // 8, page.height // 8), Image.BOX)
    return cells.resize((cells.width * 8, cells.height * 8), Image.NEAREST)


def encode(image: Image.Image, fmt: str = "PNG", **save_args) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **save_args)
    return buffer.getvalue()


@pytest.fixture
def text_image():
    """Factory: text_image(text, **drawing options) -> PIL image of that text."""
    return draw_text


def words_of(text: str) -> list[str]:
    return text.lower().split()


def document(texts: list[str], *, resolution: float = 150) -> bytes:
    """A PDF with a page of each text."""
    pages = [draw_text(text) for text in texts]
    return encode(pages[0], "PDF", save_all=True, append_images=pages[1:], resolution=resolution)


def start_redis(folder: Path, *, appendonly: bool = False) -> subprocess.Popen:
    """A real redis-server on folder/redis.sock, its files in folder (with an append-only file,
    as make run's, when asked), once its socket is open."""
    socket = folder / "redis.sock"
    socket.unlink(missing_ok=True)  # one a killed server left: it is open only once this one listens
    process = subprocess.Popen(
        [
            *("redis-server", "--port", "0", "--unixsocket", str(socket), "--unixsocketperm", "700"),
            *("--dir", str(folder), "--save", "", "--appendonly", "yes" if appendonly else "no"),
        ],
        stdout=subprocess.DEVNULL,
    )
    _wait_for(socket.exists, 10, "redis-server to open its socket")
    return process


@pytest.fixture
def redis_url(tmp_path_factory):
    """A real redis-server of its own on a unix socket, removed afterwards: its URL."""
    folder = tmp_path_factory.mktemp("redis")
    process = start_redis(folder)
    yield f"unix://{folder / 'redis.sock'}"
    process.terminate()
    process.wait(10)


@pytest.fixture
def start_worker(redis_url, tmp_path):
    """start_worker(name, **OCR_settings) -> a real Celery worker process reading the jobs of
    redis_url's queue, ready to take pages; stopped (SIGKILL) afterwards if still running."""
    workers = []

    def start(name: str, **settings) -> subprocess.Popen:
        log = tmp_path / f"{name}.log"
        env = {**os.environ, "OCR_BROKER_URL": redis_url, "OCR_ENGINES": "tesseract", "OCR_TIMEOUT_S": "20"}
        env |= {"OCR_SLOT_DIR": str(tmp_path)} | {f"OCR_{key}": str(value) for key, value in settings.items()}
        with log.open("wb") as output:
            worker = subprocess.Popen(
                [
                    *(sys.executable, "-m", "celery", "-A", "worker", "worker", "--pool", "threads"),
                    *("--concurrency", "1", "--hostname", f"{name}@%h", "--without-gossip", "--without-mingle"),
                    *("--loglevel", "info"),  # its "ready." line says it takes pages
                ],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        workers.append(worker)
        _wait_for(lambda: b" ready." in log.read_bytes() or worker.poll() is not None, 60, f"worker {name}")
        assert worker.poll() is None, log.read_text()
        return worker

    yield start
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGKILL)
            worker.wait(10)


@pytest.fixture
def jobs_app(redis_url, tmp_path):
    """The app with jobs on redis_url's queue (start a worker to read them); Tesseract alone,
    as in the workers start_worker starts."""
    settings = {"TESTING": True, "SLOT_DIR": str(tmp_path), "TIMEOUT_S": 20, "ENGINES": "tesseract"}
    return create_app(settings | {"BROKER_URL": redis_url})


def _wait_for(condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout_s} s for {what}")
        time.sleep(0.05)
