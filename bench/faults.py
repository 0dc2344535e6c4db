"""Faults under load: `make run` on loopback, a steady stream of POST /ocr and a multi-page job,
and kill -9 of one process of each kind in turn (Redis, the Celery worker, a gunicorn worker,
nginx, a PP-OCRv6 child). For each: the requests that failed and how, the seconds until /ocr
read again, the job's pages lost; then whether every job completed, and whether SIGTERM left
nothing behind. tests/test_faults.py asserts the same figures.

Run from the project root: python -m bench.faults [--json PATH]  (about 50 s)
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import signal
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from bench.stack import Stack
from bench.tables import markdown_table

RESULTS = Path(__file__).resolve().parent / "results" / "faults.json"
KINDS = ("redis", "worker", "gunicorn-worker", "nginx", "ppocr")
# A page runs for at most OCR_TIMEOUT_S: a short one brings a page whose worker was killed back
# to the queue within 2 x 5 + 10 s (the visibility time-out), so the run stays short.
SETTINGS = {"OCR_TIMEOUT_S": "5", "OCR_WORKERS": "2", "OCR_JOB_TTL_S": "600"}
STEADY_S = 1.5  # the stream runs this long before the kill
READING_AGAIN_FOR_S = 2  # ...and after it, until it has read for this long again
FAULT_BOUND_S = 30  # the most a stream runs after a kill, reading or not
JOB_BOUND_S = 90  # the most a job may take, a killed worker's page coming back included
PAUSE_S = 0.1  # between a stream's requests
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
SENTENCE = "Quick brown foxes jump over lazy dogs"
JOB_PAGES = 8
RUN_NAMES = ("first", "second", "third", "fourth", "fifth")  # plain words, read without doubt


@dataclass
class Answer:
    sent: float
    done: float
    outcome: str  # "200", or the status and the error's code ("503 unavailable"), or "refused", "reset", "hang"


@dataclass
class Figures:
    kind: str
    requests: int
    failed: list[str]  # each failed request's outcome
    reading_again_s: float  # from the kill to the first answer read after the last failure (0: it never stopped)
    job_pages_lost: int
    job_completed: bool
    job_page_errors: list[str] = field(default_factory=list)  # the codes of pages that failed
    extra_failed: list[str] = field(default_factory=list)  # PP-OCRv6's own stream, where it ran


def page_image(text: str, lines: int = 1) -> bytes:
    """A PNG of `text`, `lines` times, in a TrueType font."""
    font = ImageFont.truetype(FONT, 28)
    width = int(font.getlength(text)) + 80
    image = Image.new("L", (width, 42 * lines + 80), 255)
    draw = ImageDraw.Draw(image)
    for row in range(lines):
        draw.text((40, 40 + 42 * row), text, font=font, fill=0)
    return _encoded(image, "PNG")


def job_document(texts: list[str]) -> bytes:
    """A PDF with a page of each text, ten lines of it: about a second of reading a page."""
    font = ImageFont.truetype(FONT, 28)
    pages = []
    for text in texts:
        page = Image.new("L", (1240, 1000), 255)
        draw = ImageDraw.Draw(page)
        for row in range(10):
            draw.text((60, 60 + 80 * row), text, font=font, fill=0)
        pages.append(page)
    return _encoded(pages[0], "PDF", save_all=True, append_images=pages[1:], resolution=150)


def _encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


class Stream:
    """POST /ocr one request after another (engine as given), each answer kept with its times."""

    def __init__(self, stack: Stack, engine: str = "auto"):
        self.stack, self.engine = stack, engine
        self.answers: list[Answer] = []
        self._stop = threading.Event()
        self._image = page_image(SENTENCE)
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Stream:
        self._thread.start()
        return self

    def stop(self) -> list[Answer]:
        self._stop.set()
        self._thread.join()
        return self.answers

    def _run(self) -> None:
        headers = {"Content-Type": "image/png", "Accept": "application/json"}
        while not self._stop.is_set():
            sent = time.monotonic()
            try:
                status, _, body = self.stack.request(
                    "POST", f"/ocr?engine={self.engine}", self._image, headers, timeout=FAULT_BOUND_S
                )
                outcome = "200" if status == 200 and b"lazy dogs" in body else f"{status} {_code(body)}"
            except ConnectionRefusedError:
                outcome = "refused"
            except TimeoutError:
                outcome = "hang"
            except (OSError, http.client.HTTPException):  # reset, or closed before an answer
                outcome = "reset"
            self.answers.append(Answer(sent, time.monotonic(), outcome))
            self._stop.wait(PAUSE_S)

    def reading_since(self, moment: float) -> float:
        """How long the stream has read without a failure, as of now, counting from `moment`."""
        failures = [answer.done for answer in self.answers if answer.outcome != "200"]
        since = max([moment, *failures])
        read = [answer.done for answer in self.answers if answer.outcome == "200" and answer.sent >= since]
        return time.monotonic() - since if read else 0.0


def _code(body: bytes) -> str:
    try:
        return json.loads(body)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return body[:60].decode(errors="replace")


def submit_job(stack: Stack, texts: list[str]) -> str:
    status, _, body = stack.request("POST", "/jobs", job_document(texts), {"Content-Type": "application/pdf"})
    if status != 202:
        raise RuntimeError(f"POST /jobs answered {status}: {body[:300]!r}")
    return json.loads(body)["id"]


def job_outcome(stack: Stack, job_id: str, texts: list[str]) -> tuple[int, bool, list[str]]:
    """(pages lost, completed, the error codes of failed pages) once the job is finished, or after
    JOB_BOUND_S: a page is lost unless the result holds it once, read as the words of its ten lines."""
    deadline = time.monotonic() + JOB_BOUND_S
    while time.monotonic() < deadline:
        try:
            status, _, body = stack.request("GET", f"/jobs/{job_id}")
            if status == 200 and json.loads(body)["status"] in ("done", "failed"):
                break
        except (OSError, http.client.HTTPException):
            pass  # the front restarting: ask again
        time.sleep(0.5)
    status, _, body = stack.request("GET", f"/jobs/{job_id}/result?format=json")
    if status != 200:
        return len(texts), False, [_code(body)]
    pages = json.loads(body)["pages"]
    numbers = [page["number"] for page in pages if _read_as(page, texts)]
    lost = len(texts) - len(set(numbers))
    errors = [page["error"]["code"] for page in pages if page.get("error")]
    return lost, lost == 0 and len(numbers) == len(texts), errors


def _read_as(page: dict, texts: list[str]) -> bool:
    """The page's words are its ten lines' (a page may be read as two columns: order aside)."""
    expected = (texts[page["number"] - 1] + " ") * 10
    return page.get("error") is None and sorted(page["text"].split()) == sorted(expected.split())


def fault(stack: Stack, kind: str, texts: list[str]) -> tuple[Figures, str]:
    """kill -9 one process of `kind` under a stream of POST /ocr and with a job running: the
    figures of the stream, and the job's id (its figures come once every job has had its time)."""
    job_id = submit_job(stack, texts)
    stream = Stream(stack).start()
    second = Stream(stack, engine="ppocr").start() if kind == "ppocr" else None  # keeps a child busy
    time.sleep(STEADY_S)
    victim = stack.find(kind)
    killed = time.monotonic()
    os.kill(victim, signal.SIGKILL)
    while time.monotonic() - killed < FAULT_BOUND_S and stream.reading_since(killed) < READING_AGAIN_FOR_S:
        time.sleep(0.1)
    answers = stream.stop()
    extra = second.stop() if second else []
    failed = [answer for answer in answers if answer.outcome != "200" and answer.done >= killed]
    again = 0.0
    if failed:
        last = max(answer.done for answer in failed)
        read = [answer.done for answer in answers if answer.outcome == "200" and answer.sent >= last]
        again = round(min(read) - killed, 2) if read else float("inf")
    figures = Figures(
        kind=kind,
        requests=len([answer for answer in answers if answer.done >= killed]),
        failed=[answer.outcome for answer in failed],
        reading_again_s=again,
        job_pages_lost=0,
        job_completed=False,
        extra_failed=[answer.outcome for answer in extra if answer.outcome != "200" and answer.done >= killed],
    )
    return figures, job_id


def run(folder: Path, kinds: tuple[str, ...] = KINDS) -> tuple[list[Figures], list[str]]:
    """Start make run, fault each kind in turn, wait for every job, stop it with SIGTERM: the
    figures of each kind, and what the stop left behind (nothing, when all is well)."""
    stack = Stack(folder, **SETTINGS)
    try:
        stack.wait_until_ready()
        if "ppocr" in kinds:  # a warm child to kill: the first reading with PP-OCRv6 starts one
            stack.request("POST", "/ocr?engine=ppocr", page_image(SENTENCE), {"Content-Type": "image/png"})
        runs = []
        for kind, name in zip(kinds, RUN_NAMES, strict=False):
            texts = [f"Sheet {page} of the {name} run counts {page * 11} crates" for page in range(1, JOB_PAGES + 1)]
            figures, job_id = fault(stack, kind, texts)
            runs.append((figures, job_id, texts))
        for figures, job_id, texts in runs:  # the jobs of the first faults had the others' time too
            figures.job_pages_lost, figures.job_completed, figures.job_page_errors = job_outcome(stack, job_id, texts)
    finally:
        left = stack.stop()
    return [figures for figures, _, _ in runs], left


def table(results: list[Figures]) -> str:
    """The figures as a Markdown table, for the README and docs/operations.md."""
    header = ["process killed (kill -9)", "requests after it", "failed, and how", "/ocr reads again after"]
    rows = []
    for r in results:
        failed = r.failed + r.extra_failed
        how = f"{len(failed)} ({', '.join(sorted(set(failed)))})" if failed else "0"
        again = "never stopped" if r.reading_again_s == 0 else f"{r.reading_again_s:.1f} s"
        done = "yes" if r.job_completed else "no"
        rows.append([r.kind, str(r.requests), how, again, str(r.job_pages_lost), done])
    return markdown_table([*header, "job pages lost", "job completed"], rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, default=RESULTS, help=f"the figures, as JSON (default: {RESULTS})")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ocr-faults-") as folder:
        results, left = run(Path(folder))
    print(table(results))
    print(f"SIGTERM left behind: {', '.join(left) or 'nothing'}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"kinds": [asdict(r) for r in results], "left": left}, indent=2) + "\n")
    return 0 if not left and all(r.job_completed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
