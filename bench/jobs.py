"""Jobs benchmark: a 40-page PDF read as a job by one worker and by two, the time to its first page,
and what the queue costs a page against POST /ocr.

Run from the project root: python -m bench.jobs [--pages N] [--pairs N] [--seed S] [--json PATH]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path
from statistics import median

import numpy as np
from PIL import Image, ImageDraw

from bench.accuracy import multipart
from bench.machine import BUSY_WARNING, cpu_busy, machine_facts
from bench.score import normalize
from bench.server import running_process, running_server
from bench.speed_images import a4_scan, font
from bench.tables import markdown_table, ms, targets_table
from bench.throughput import run_clients
from bench.timing import HTTP_TIMEOUT_S, post_ocr

RESULTS = Path(__file__).resolve().parent / "results" / "jobs.json"
DPI = 300  # the server renders PDF pages at 300 dpi (OCR_PDF_DPI): the scans are stored at that, 1:1
SPEEDUP_TARGET = 1.7  # pages a second of a job read by two workers against one
OVERHEAD_TARGET = 0.05  # a multi-page job at most 5% slower than the same pages sent to POST /ocr one by one
WORKERS = ("bench-a", "bench-b")
FIRST_PAGE_POLL_S = 0.02  # GET /jobs/<id> this often until a page is read: the time to first page
POLL_S = 0.25  # then this often; the job's own finished_at times it, so polling slower costs no precision


# --- the document ------------------------------------------------------------------------


def report_page(rng: np.random.Generator, number: int, total: int) -> Image.Image:
    """A page of a report as an office scanner stores it: A4, 300 dpi, black and white, a running header."""
    page, _ = a4_scan(rng)  # 11-point serif prose filling the page inside 1-inch margins
    ImageDraw.Draw(page).text(
        (DPI, DPI // 2), f"Annual report 2024 - page {number} of {total}", font=font("DejaVuSans-Bold.ttf", 42), fill=20
    )
    return page.convert("1", dither=Image.Dither.NONE)  # stored as CCITT G4, as scanned PDFs usually are


def pdf(pages: list[Image.Image]) -> bytes:
    """A PDF of the pages at DPI."""
    # copies: Pillow keeps save options on the appended images, so saving one of them alone later
    # would append the pages after it again
    pages = [page.copy() for page in pages]
    buffer = io.BytesIO()
    pages[0].save(buffer, "PDF", save_all=True, append_images=pages[1:], resolution=DPI)
    return buffer.getvalue()


def report_uploads(pages: int, seed: int) -> tuple[tuple[bytes, str], list[tuple[bytes, str]]]:
    """Multipart uploads of the whole report and of each page as a one-page PDF (what POST /ocr gets)."""
    rng = np.random.default_rng(seed)
    images = [report_page(rng, n, pages) for n in range(1, pages + 1)]
    document = multipart("image", "report.pdf", pdf(images))
    return document, [multipart("image", f"page-{n}.pdf", pdf([image])) for n, image in enumerate(images, 1)]


# --- the queue's processes ---------------------------------------------------------------


@contextmanager
def private_redis(folder: Path):
    """A redis-server of our own on a unix socket in folder, nothing saved to disk; yields its URL."""
    sock = folder / "redis.sock"
    cmd = ["redis-server", "--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "700"]
    cmd += ["--dir", str(folder), "--save", "", "--appendonly", "no"]
    with running_process(cmd, ready=lambda _: sock.exists(), what="redis-server", startup=10):
        yield f"unix://{sock}"


@contextmanager
def running_worker(name: str, env: dict[str, str]):
    """A Celery worker reading one page at a time, as `make worker` starts one (one thread here)."""
    cmd = [sys.executable, "-m", "celery", "-A", "worker", "worker", "--pool", "threads", "--concurrency", "1"]
    # at info, as scripts/run-worker logs: its "ready." line says it takes pages
    cmd += ["--hostname", f"{name}@%h", "--without-gossip", "--without-mingle", "--loglevel", "info"]
    with running_process(cmd, ready=lambda log: b" ready." in log, what=f"worker {name}", env=env):
        yield


# --- jobs over HTTP ----------------------------------------------------------------------


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=HTTP_TIMEOUT_S) as resp:
        return json.load(resp)


def epoch(iso: str) -> float:
    """Seconds since the epoch of the server's ISO UTC time ("...Z"); the server shares our clock."""
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def read_as_job(url: str, upload: tuple[bytes, str]) -> dict:
    """POST /jobs and follow the job until it is finished: its times, pages per second and who read its pages.

    Times run from the moment the POST was sent to the job's own finished_at, so how often
    we poll does not change them; only the first page's time depends on polling.
    """
    sent = time.time()
    answer_s, body = post_ocr(url, upload, route="jobs")
    job_id = json.loads(body)["id"]
    first_page = None
    while True:
        status = get_json(f"{url}/jobs/{job_id}")
        if first_page is None and status["pages_done"]:
            first_page = time.time() - sent
        if status["status"] in ("done", "failed", "cancelled"):
            break
        time.sleep(FIRST_PAGE_POLL_S if first_page is None else POLL_S)
    failed = [p for p in status["pages"] if p["status"] != "done"]
    if failed:
        raise RuntimeError(f"job {status['status']}: page {failed[0]['number']} {failed[0]['error']}")
    created, started, finished = (epoch(status[key]) for key in ("created_at", "started_at", "finished_at"))
    return {
        "id": job_id,
        "pages": status["pages_total"],
        "post_s": answer_s,  # POST /jobs until its 202: upload, checks, storing, queueing
        "queued_s": started - created,  # until a worker started its first page
        "reading_s": finished - started,
        "seconds": finished - sent,
        "first_page_s": first_page,
        "pages_per_second": status["pages_total"] / (finished - sent),
        "workers": dict(Counter(p["worker"].split("@")[0] for p in status["pages"])),
    }


def job_texts(url: str, job_id: str) -> list[str]:
    """The text of each page of a finished job."""
    result = get_json(f"{url}/jobs/{job_id}/result?format=json")
    return [page["text"] for page in result.get("pages", [result])]


# --- measurements ------------------------------------------------------------------------


def one_page_pairs(url: str, upload: tuple[bytes, str], pairs: int) -> dict:
    """The same page by POST /ocr and as a one-page job, alternating who goes first; medians of the pairs."""
    ocr_s, jobs = [], []
    for i in range(pairs):
        for side in ("ocr", "job") if i % 2 == 0 else ("job", "ocr"):
            if side == "ocr":
                ocr_s.append(post_ocr(url, upload)[0])
            else:
                jobs.append(read_as_job(url, upload))
    job_s = [j["seconds"] for j in jobs]
    return {
        "pairs": pairs,
        "ocr_s": ocr_s,
        "jobs": jobs,
        "median_ocr_s": median(ocr_s),
        "median_job_s": median(job_s),
        "median_ratio": median(j / o for j, o in zip(job_s, ocr_s, strict=True)),
        "median_overhead_s": median(j - o for j, o in zip(job_s, ocr_s, strict=True)),
        # where a one-page job's time goes, medians
        "median_post_s": median(j["post_s"] for j in jobs),
        "median_queued_s": median(j["queued_s"] for j in jobs),
        "median_reading_s": median(j["reading_s"] for j in jobs),
    }


def sequential_ocr(url: str, uploads: list[tuple[bytes, str]]) -> dict:
    """Each page by POST /ocr, one after another: the fair baseline of a one-worker job."""
    seconds, texts = zip(*(post_ocr(url, upload) for upload in uploads), strict=True)
    return {"seconds": list(seconds), "total_s": sum(seconds), "texts": list(texts)}


def measure(url: str, env: dict[str, str], args: argparse.Namespace) -> dict:
    """Every measurement, the second worker started only for the last run."""
    document, pages = report_uploads(args.pages, args.seed)
    results: dict = {"document_bytes": len(document[0])}
    with ExitStack() as workers:
        workers.enter_context(running_worker(WORKERS[0], env))
        # untimed: each gunicorn worker's first request, and the worker's first page
        run_clients(lambda: post_ocr(url, pages[0]), 4, 1)
        read_as_job(url, pages[0])
        results["one_page"] = one_page_pairs(url, pages[0], args.pairs)
        print(f"  one page: job / ocr {results['one_page']['median_ratio']:.3f}", file=sys.stderr, flush=True)
        results["sequential_ocr"] = sequential_ocr(url, pages)
        print(f"  {args.pages} POST /ocr: {results['sequential_ocr']['total_s']:.1f} s", file=sys.stderr, flush=True)
        one = results["one_worker"] = read_as_job(url, document)
        print(f"  one worker: {one['seconds']:.1f} s", file=sys.stderr, flush=True)
        texts = job_texts(url, one["id"])
        workers.enter_context(running_worker(WORKERS[1], env))
        two = results["two_workers"] = read_as_job(url, document)
        print(f"  two workers: {two['seconds']:.1f} s", file=sys.stderr, flush=True)
    # the job must read what POST /ocr reads (same engine, options and page), or its speed means nothing
    ocr_texts = results["sequential_ocr"].pop("texts")
    results["pages_read_alike"] = sum(normalize(a) == normalize(b) for a, b in zip(texts, ocr_texts, strict=True))
    return results


# --- the report --------------------------------------------------------------------------


def check_targets(results: dict) -> list[dict]:
    """The targets with their measured values and verdicts."""
    one, two, ocr = results["one_worker"], results["two_workers"], results["sequential_ocr"]
    cost = one["seconds"] / ocr["total_s"]
    speedup = two["pages_per_second"] / one["pages_per_second"]
    return [
        {
            "target": f"{one['pages']}-page job, one worker: time against its pages sent to POST /ocr one by one",
            "value": cost,
            "limit": f"<= {1 + OVERHEAD_TARGET:.2f}",
            "shown": f"{cost:.3f} ({per_page_ms(one['seconds'] - ocr['total_s'], one['pages'])} a page)",
            "passed": cost <= 1 + OVERHEAD_TARGET,
        },
        {
            "target": f"{two['pages']}-page job: two workers of one thread against one",
            "value": speedup,
            "limit": f">= {SPEEDUP_TARGET:.2f}x",
            "shown": f"{speedup:.2f}x",
            "passed": speedup >= SPEEDUP_TARGET,
        },
        {
            "target": "both workers read pages of the two-worker job",
            "value": two["workers"],
            "limit": "both",
            "shown": ", ".join(f"{name}: {n}" for name, n in sorted(two["workers"].items())),
            "passed": set(two["workers"]) == set(WORKERS),
        },
    ]


def per_page_ms(seconds: float, pages: int) -> str:
    return f"{seconds / pages * 1000:+.0f} ms"


def runs_table(results: dict) -> str:
    """The document read as a job by one worker and by two."""
    runs = {"one worker": results["one_worker"], "two workers": results["two_workers"]}
    base = runs["one worker"]["pages_per_second"]
    return markdown_table(
        ["Job", "Pages", "POST /jobs answer", "First page done", "POST to done", "Pages/s", "vs one worker", "Read by"],
        [
            [
                label,
                str(r["pages"]),
                ms(r["post_s"]),
                ms(r["first_page_s"]),
                f"{r['seconds']:.1f} s",
                f"{r['pages_per_second']:.3f}",
                f"{r['pages_per_second'] / base:.2f}x",
                ", ".join(f"{name}: {n}" for name, n in sorted(r["workers"].items())),
            ]
            for label, r in runs.items()
        ],
    )


def cost_table(results: dict) -> str:
    """What a page costs read as a job against POST /ocr: one page alone, and within the whole document."""
    single, one, ocr = results["one_page"], results["one_worker"], results["sequential_ocr"]
    return markdown_table(
        ["Comparison", "POST /ocr", "Job", "Job / POST /ocr", "Cost a page"],
        [
            [
                f"one page, median of {single['pairs']} alternating pairs",
                ms(single["median_ocr_s"]),
                ms(single["median_job_s"]),
                f"{single['median_ratio']:.3f}",
                f"{single['median_overhead_s'] * 1000:+.0f} ms",
            ],
            [
                f"{one['pages']} pages: their POST /ocr one by one (sum) against the job, one worker",
                f"{ocr['total_s']:.1f} s",
                f"{one['seconds']:.1f} s",
                f"{one['seconds'] / ocr['total_s']:.3f}",
                per_page_ms(one["seconds"] - ocr["total_s"], one["pages"]),
            ],
        ],
    )


def report(results: dict) -> str:
    facts, busy, single = results["machine"], results["busy"], results["one_page"]
    machine = (
        f"{facts['cores']} cores ({facts['cpu']}), Tesseract {facts['tesseract']}, seed {results['seed']}, "
        f"a {results['document_bytes'] / 1e6:.1f} MB PDF, run took {results['seconds']:.0f} s; CPU busy with "
        f"other work {busy['before']:.0%} before the run, {busy['after']:.0%} after it."
    )
    if max(busy.values()) > BUSY_WARNING:
        machine += "\n\n**Warning: other programs were using the CPU, so the timings are skewed; rerun when idle.**"
    return "\n\n".join(
        [
            machine,
            targets_table(results["targets"]),
            (
                "The report read as a job (POST to the job's finished_at; first page seen by polling every "
                f"{FIRST_PAGE_POLL_S * 1000:.0f} ms):"
            ),
            runs_table(results),
            "What the queue costs a page (a one-page job's time is POST to its finished_at):",
            cost_table(results),
            (
                f"A one-page job, medians: POST /jobs answered in {ms(single['median_post_s'])}, a worker started it "
                f"{ms(single['median_queued_s'])} later, and read it in {ms(single['median_reading_s'])}. "
                f"Pages the job read as POST /ocr did: {results['pages_read_alike']} "
                f"of {results['one_worker']['pages']}."
            ),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    """Measure against a fresh Redis, server and workers, print the tables, save JSON; 1 only if a run fails."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=40, help="pages of the report (default 40)")
    parser.add_argument("--pairs", type=int, default=15, help="one-page pairs, POST /ocr and job (default 15)")
    parser.add_argument("--seed", type=int, default=1, help="page generator seed (default 1)")
    parser.add_argument("--json", type=Path, default=RESULTS, help=f"results file (default {RESULTS})")
    args = parser.parse_args(argv)
    # SIGTERM unwinds like Ctrl-C does, so the processes and the temporary folder are removed
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started, busy_before = time.perf_counter(), cpu_busy()
    with tempfile.TemporaryDirectory(prefix="bench-jobs-") as folder, private_redis(Path(folder)) as broker:
        # Server and workers share one bound on OCR runs (a slot folder), as `make run` has them share it.
        slots = Path(folder) / "slots"
        slots.mkdir()
        settings = {"OCR_BROKER_URL": broker, "OCR_ENGINES": "tesseract", "OCR_SLOT_DIR": str(slots)}
        env = {**os.environ, "OMP_THREAD_LIMIT": "1", **settings}
        with running_server(env=settings) as url:
            results = {"seed": args.seed, "machine": machine_facts(url), **measure(url, env, args)}
    results["busy"] = {"before": busy_before, "after": cpu_busy()}
    results["targets"] = check_targets(results)
    results["seconds"] = time.perf_counter() - started
    print(report(results))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
