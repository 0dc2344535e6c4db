"""A server's memory: its RSS now, its peak while clients upload a large image at once, and each
worker's once it has read with each language set."""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import quote

from bench.processes import TreeSampler, process_tree, rss_kib
from bench.throughput import MEMORY_CLIENTS, run_clients
from bench.timing import post_ocr, prepare_upload


def rss_mib(master: int) -> dict[str, float]:
    """RSS of the server right now in MiB: gunicorn processes alone and with their tesseract runs."""
    gunicorn, total = TreeSampler(master).sample()
    return {"gunicorn_mib": gunicorn / 1024, "total_mib": total / 1024}


def peak_memory(url: str, master: int, path: Path, per_client: int) -> dict:
    """Peak RSS of the server while MEMORY_CLIENTS clients upload the same image concurrently."""
    upload = prepare_upload(path)
    before = rss_mib(master)
    with TreeSampler(master) as peak:
        seconds, ok, failed = run_clients(lambda: post_ocr(url, upload), MEMORY_CLIENTS, per_client)
    return {
        "clients": MEMORY_CLIENTS,
        "requests": ok + failed,
        "failed": failed,
        "seconds": seconds,
        "samples": peak.samples,
        "before": before,
        "peak": {"gunicorn_mib": peak.peak_gunicorn / 1024, "total_mib": peak.peak_total / 1024},
    }


def warm_language_memory(url: str, master: int, path: Path, langs: list[str], workers: int) -> dict[str, dict]:
    """Per-worker RSS once each worker has read with each language set in turn (its engines warm):
    the largest worker's, after 2 x workers requests per set, in MiB."""
    upload = prepare_upload(path)
    found = {}
    for lang in langs:
        _, _, failed = run_clients(
            lambda lang=lang: post_ocr(url, upload, answer=f"text&lang={quote(lang)}"), workers, 2
        )
        if failed:  # a language set not installed reads nothing, and its memory would be eng's
            raise SystemExit(f"lang={lang}: {failed} of {2 * workers} readings failed; is every language installed?")
        workers_rss = [rss_kib(pid) / 1024 for pid, depth in process_tree(master).items() if depth == 1]
        found[lang] = {"max_worker_mib": max(workers_rss), "workers_mib": workers_rss}
        print(f"  warm {lang}: largest worker {max(workers_rss):.0f} MiB", file=sys.stderr, flush=True)
    return found
