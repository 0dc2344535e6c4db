"""Throughput under concurrent clients: threads sending requests at once, two clients against one in
paired rounds, and requests a second with several clients sharing a batch."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from statistics import median

from bench.processes import TreeSampler
from bench.timing import post_ocr, prepare_upload

MEMORY_CLIENTS = 4  # clients sharing --requests, and uploading 12 MP photos in the memory round
# Counting tesseract runs under load: each sample costs CPU, so at the memory sampler's SAMPLE_S
# (bench/processes.py) it slowed the very server it counted (bench/README.md, "Figures behind the code").
COUNT_SAMPLE_S = 0.5


def run_clients(task: Callable[[], object], clients: int, per_client: int) -> tuple[float, int, int]:
    """Seconds for `clients` threads each running task per_client times; (seconds, ok, failed)."""

    def client(_: int) -> int:
        failed = 0
        for _ in range(per_client):
            try:
                task()
            except RuntimeError:  # a 503 under load is a result to report, not a crash
                failed += 1
        return failed

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        failed = sum(pool.map(client, range(clients)))
    return time.perf_counter() - start, clients * per_client - failed, failed


def paired_scaling(task: Callable[[], object], rounds: int) -> dict:
    """Two clients against one, in rounds side by side: each round times one request alone and two at once,
    in turns which first. A round's speedup is 2 x alone / together, so a change in the machine's own speed
    between rounds (a shared machine's drifts: bench/README.md) cancels out; the verdict is their median."""
    alone, together, speedups, failed = [], [], [], {1: 0, 2: 0}
    for i in range(rounds):
        times = {}
        for clients in (1, 2) if i % 2 == 0 else (2, 1):
            times[clients], _, lost = run_clients(task, clients, 1)
            failed[clients] += lost
        alone.append(times[1])
        together.append(times[2])
        speedups.append(2 * times[1] / times[2])
    return {
        "rounds": rounds,
        "failed": sum(failed.values()),
        "alone_s": alone,
        "together_s": together,
        "speedups": speedups,
        "median_speedup": median(speedups),
        "levels": [
            {
                "clients": clients,
                "requests": clients * rounds,
                "failed": failed[clients],
                "seconds": sum(seconds),
                "per_second": (clients * rounds - failed[clients]) / sum(seconds),
            }
            for clients, seconds in ((1, alone), (2, together))
        ],
    }


def throughput(url: str, master: int, path: Path, rounds: int, requests: int) -> dict:
    """Two clients against one in paired rounds, then requests per second with 4 clients sharing `requests`."""
    upload = prepare_upload(path)

    def task() -> tuple[float, str]:
        return post_ocr(url, upload)

    scaling = paired_scaling(task, rounds)
    # Counting tesseract runs tells a server that serializes from a CPU shared with other programs.
    with TreeSampler(master, COUNT_SAMPLE_S) as sampler:
        seconds, ok, failed = run_clients(task, MEMORY_CLIENTS, requests // MEMORY_CLIENTS)
    scaling["levels"].append(
        {
            "clients": MEMORY_CLIENTS,
            "requests": ok + failed,
            "failed": failed,
            "seconds": seconds,
            "per_second": ok / seconds,
            "mean_ocr_runs": sampler.mean_ocr_runs,
        }
    )
    print(
        f"  2 vs 1 client(s): {scaling['median_speedup']:.2f}x; {MEMORY_CLIENTS} clients: {ok / seconds:.2f} req/s,"
        f" {failed} failed",
        file=sys.stderr,
        flush=True,
    )
    return scaling
