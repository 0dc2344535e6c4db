"""Timing one reading each way, plain `tesseract IMG stdout` and POST /ocr, and the two taking turns
on one image in paired rounds (the latency ratios of bench.speed)."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from statistics import median

from bench.accuracy import multipart
from bench.processes import cpu_seconds
from bench.score import cer

HTTP_TIMEOUT_S = 300


def plain_tesseract(path: Path) -> tuple[float, float, str]:
    """Wall-clock and CPU seconds and text of `tesseract IMG stdout`, one OpenMP thread as in the server."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        ["tesseract", str(path), "stdout"], capture_output=True, text=True, env=env, check=True, timeout=HTTP_TIMEOUT_S
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime, done.stdout


def post_ocr(url: str, upload: tuple[bytes, str], answer: str = "text", route: str = "ocr") -> tuple[float, str]:
    """Wall-clock seconds and body of POST {url}/{route}?format=answer with a prepared multipart upload
    (route "jobs" queues the upload as a job instead)."""
    body, content_type = upload
    req = urllib.request.Request(
        f"{url}/{route}?format={answer}", data=body, method="POST", headers={"Content-Type": content_type}
    )
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=HTTP_TIMEOUT_S) as resp:
            content = resp.read()
    except urllib.error.HTTPError as exc:
        # Keep the server's explanation (503 busy, 504 timeout): it is the useful part.
        raise RuntimeError(f"HTTP {exc.code}: {exc.read()[:300].decode(errors='replace')}") from None
    return time.perf_counter() - start, content.decode()


def server_ocr(url: str, master: int, upload: tuple[bytes, str]) -> tuple[float, float, str]:
    """Wall-clock seconds, the server's CPU seconds and the text of one POST /ocr, the only one in flight."""
    cpu = cpu_seconds(master)
    wall, text = post_ocr(url, upload)
    return wall, cpu_seconds(master) - cpu, text


def prepare_upload(path: Path) -> tuple[bytes, str]:
    """The multipart body and Content-Type for one image, built once so building it is never timed."""
    return multipart("image", path.name, path.read_bytes())


def compare(servers: dict[str, tuple[str, int]], path: Path, text: str, repeats: int) -> dict[str, dict]:
    """Alternate plain tesseract and each server (mode -> (url, master pid)) on one image; per server,
    the median of its per-round ratios to plain tesseract, and of each side."""
    upload = prepare_upload(path)
    runs = {"plain": lambda: plain_tesseract(path)} | {
        mode: (lambda url=url, master=master: server_ocr(url, master, upload))
        for mode, (url, master) in servers.items()
    }
    order = list(runs)
    wall: dict[str, list[float]] = {who: [] for who in runs}
    cpu: dict[str, list[float]] = {who: [] for who in runs}
    output = {}
    for i in range(repeats):
        # Turn the order each round so no side always inherits another's warm caches.
        for who in order[i % len(order) :] + order[: i % len(order)]:
            seconds, cpu_s, output[who] = runs[who]()
            wall[who].append(seconds)
            cpu[who].append(cpu_s)
    results = {}
    for mode in servers:
        ratios = [s / p for s, p in zip(wall[mode], wall["plain"], strict=True)]
        cpu_ratios = [s / p for s, p in zip(cpu[mode], cpu["plain"], strict=True) if p]
        results[mode] = {
            "file": path.name,
            "bytes": path.stat().st_size,
            "repeats": repeats,
            "plain_s": wall["plain"],
            "server_s": wall[mode],
            "ratios": ratios,
            "plain_cpu_s": cpu["plain"],
            "server_cpu_s": cpu[mode],
            "median_ratio": median(ratios),
            "median_cpu_ratio": median(cpu_ratios),
            "median_plain_s": median(wall["plain"]),
            "median_server_s": median(wall[mode]),
            "cer_plain": cer(text, output["plain"]),
            "cer_server": cer(text, output[mode]),
        }
    return results


def breakdown(url: str, path: Path) -> dict:
    """Where one request's time goes: the client's wall clock and the server's timings_ms (format=json)."""
    elapsed, body = post_ocr(url, prepare_upload(path), answer="json")
    return {"client_ms": round(elapsed * 1000), **json.loads(body)["timings_ms"]}
