"""Speed benchmark: POST /ocr against plain `tesseract IMG stdout`, throughput under concurrency, peak server memory,
and live reading on the camera page; the server's two ways of running Tesseract (OCR_ENGINE=cli and api) side by side.

Run from the project root: python -m bench.speed [--repeats N] [--frame-repeats N] [--photo-repeats N] [--rounds N]
                                                [--requests N] [--memory-rounds N] [--seed S] [--modes cli,api]
                                                [--memory-langs eng,eng+deu] [--live-seconds S] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from statistics import median
from typing import Self
from urllib.parse import quote, urlsplit

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from bench import texts
from bench.accuracy import multipart
from bench.score import cer
from bench.server import running_server
from ocr.engines.tesseract import DEFAULT_MODE, MODES

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
RESULTS = Path(__file__).resolve().parent / "results" / "speed.json"
IMAGES = ("webcam", "a4_scan", "phone_12mp")
LABELS = {
    "webcam": "640x480 webcam frame (JPEG)",
    "a4_scan": "A4 300-dpi scan (PNG)",
    "phone_12mp": "12 MP phone photo (JPEG)",
}
RATIO_TARGETS = {"webcam": 0.80, "a4_scan": 1.00, "phone_12mp": 0.50}
SPEEDUP_TARGET = 1.7  # the jobs benchmark's (bench/jobs.py)
CLIENTS_SPEEDUP_TARGET = 1.8  # 2 clients against 1, on 2 cores
LIVE_TARGET = 2.0  # readings a second on the camera page, Live on
MEMORY_TARGET_MIB = 1024
MEMORY_CLIENTS = 4
SAMPLE_S = 0.02  # memory: often enough to catch the peak
# Counting tesseract runs under load: a sample costs the benchmark about 5 ms of CPU, which at
# SAMPLE_S took a quarter of a core from a server whose clients kept both cores busy.
COUNT_SAMPLE_S = 0.5
BUSY_WARNING = 0.10  # share of the CPU other programs may use before the timings are flagged
HTTP_TIMEOUT_S = 300


# --- test images -------------------------------------------------------------------------


def font(name: str, size: int) -> ImageFont.FreeTypeFont:
    """A DejaVu TrueType face at a pixel size."""
    return ImageFont.truetype(str(FONT_DIR / name), size)


def wrap(text: str, face: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy word wrap of text into lines at most width pixels wide."""
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and face.getlength(candidate) > width:
            lines.append(line)
            candidate = word
        line = candidate
    return lines + [line] if line else lines


def page_lines(rng: np.random.Generator, face: ImageFont.FreeTypeFont, width: int, count: int) -> list[str]:
    """Exactly count wrapped lines of prose, a blank line between paragraphs."""
    lines: list[str] = []
    while len(lines) < count:
        lines += wrap(texts.paragraphs(rng, "prose", 1)[0], face, width) + [""]
    return lines[:count]


def draw_page(
    size: tuple[int, int],
    lines: list[str],
    face: ImageFont.FreeTypeFont,
    *,
    margin: int,
    leading: float,
    paper: int = 250,
    ink: int = 25,
) -> Image.Image:
    """A grayscale page with lines of text from the top-left margin."""
    page = Image.new("L", size, paper)
    draw = ImageDraw.Draw(page)
    step = round(face.size * leading)
    for i, line in enumerate(lines):
        draw.text((margin, margin + i * step), line, font=face, fill=ink)
    return page


def photograph(
    page: Image.Image,
    frame: tuple[int, int],
    rng: np.random.Generator,
    *,
    angle: float,
    fill: float,
    light: float,
    noise: float,
    blur: float,
) -> Image.Image:
    """Put a page on a darker desk in an RGB frame, slightly turned, unevenly lit, blurred and noisy."""
    scale = fill * min(frame[0] / page.width, frame[1] / page.height)
    page = page.resize((round(page.width * scale), round(page.height * scale)), Image.LANCZOS)
    mask = Image.new("L", page.size, 255).rotate(angle, resample=Image.BICUBIC, expand=True)
    page = page.rotate(angle, resample=Image.BICUBIC, expand=True)
    desk = Image.new("L", frame, 95)
    desk.paste(page, ((frame[0] - page.width) // 2, (frame[1] - page.height) // 2), mask)
    desk = desk.filter(ImageFilter.GaussianBlur(blur))
    # Light falls off from one corner to the opposite one, as from a desk lamp or window.
    xs = np.linspace(0.0, 1.0, frame[0], dtype=np.float32)
    ys = np.linspace(0.0, 1.0, frame[1], dtype=np.float32)
    shade = 1.0 - light * (xs[None, :] + ys[:, None]) / 2
    gray = np.asarray(desk, dtype=np.float32) * shade
    warm = np.array([1.0, 0.97, 0.90], dtype=np.float32)  # indoor light is yellowish
    rgb = gray[:, :, None] * warm + rng.normal(0.0, noise, (frame[1], frame[0], 3)).astype(np.float32)
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")


def webcam_frame(rng: np.random.Generator) -> tuple[Image.Image, str]:
    """A 640x480 frame of a held-up page with about 8 lines of text, and that text."""
    face = font("DejaVuSans.ttf", 40)
    lines = page_lines(rng, face, 1240, 9)
    page = draw_page((1400, 680), lines, face, margin=80, leading=1.4)
    frame = photograph(page, (640, 480), rng, angle=1.2, fill=0.95, light=0.25, noise=5.0, blur=0.6)
    return frame, "\n".join(lines)


def a4_scan(rng: np.random.Generator) -> tuple[Image.Image, str]:
    """An A4 page at 300 dpi (2480x3508), 1-inch margins, full of 11-point serif text, and that text."""
    face = font("DejaVuSerif.ttf", round(11 / 72 * 300))
    lines = page_lines(rng, face, 2480 - 2 * 300, round((3508 - 2 * 300) / (face.size * 1.25)))
    return draw_page((2480, 3508), lines, face, margin=300, leading=1.25, paper=252, ink=20), "\n".join(lines)


def phone_photo(rng: np.random.Generator) -> tuple[Image.Image, str]:
    """A 4000x3000 photo of a page filling the frame, text large, lit unevenly, and that text."""
    face = font("DejaVuSerif.ttf", 64)
    lines = page_lines(rng, face, 2250, 21)
    page = draw_page((2550, 1900), lines, face, margin=150, leading=1.3)
    photo = photograph(page, (4000, 3000), rng, angle=-0.8, fill=0.92, light=0.35, noise=6.0, blur=1.0)
    return photo, "\n".join(lines)


def write_images(folder: Path, seed: int) -> dict[str, tuple[Path, str]]:
    """Generate the three test images into folder; return (path, drawn text) by name."""
    rng = np.random.default_rng(seed)
    makers = {
        "webcam": (webcam_frame, "webcam.jpg", {"quality": 80}),
        "a4_scan": (a4_scan, "a4_scan.png", {}),
        "phone_12mp": (phone_photo, "phone_12mp.jpg", {"quality": 90}),
    }
    written = {}
    for name, (make, filename, save_options) in makers.items():
        image, text = make(rng)
        image.save(folder / filename, **save_options)
        written[name] = (folder / filename, text)
    return written


# --- the server's processes --------------------------------------------------------------


def parent_pids() -> dict[int, int]:
    """Parent pid of every live process, from /proc/<pid>/stat."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(stat_fields(int(entry.name))[1])
            except (OSError, IndexError, ValueError):
                continue  # exited while we looked
    return parents


def stat_fields(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name, so state is [0] and ppid [1]."""
    # The command name in parentheses may hold spaces; the fields after it do not.
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def gunicorn_master(url: str) -> int:
    """The pid of the gunicorn master serving url: our own child whose command line holds its port."""
    port = f":{urlsplit(url).port}"
    for pid, parent in parent_pids().items():
        if parent == os.getpid():
            try:
                if port in Path(f"/proc/{pid}/cmdline").read_text():
                    return pid
            except OSError:
                continue
    raise RuntimeError(f"no gunicorn child process of this benchmark serves {url}")


def process_tree(root: int) -> dict[int, int]:
    """Depth of each live process under root (the master 0, workers 1, their tesseract runs 2)."""
    children: dict[int, list[int]] = {}
    for pid, parent in parent_pids().items():
        children.setdefault(parent, []).append(pid)
    depths, level, frontier = {}, 0, [root]
    while frontier:
        depths.update(dict.fromkeys(frontier, level))
        frontier = [child for pid in frontier for child in children.get(pid, [])]
        level += 1
    return depths


def cpu_seconds(root: int) -> float:
    """CPU time used so far by a process tree, including children it has already reaped."""
    ticks = 0
    for pid in process_tree(root):
        try:
            ticks += sum(int(v) for v in stat_fields(pid)[11:15])  # utime, stime, cutime, cstime
        except (OSError, IndexError, ValueError):
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    """Resident set size of a process in KiB; 0 once it has exited."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0  # gone, or a zombie without memory


class TreeSampler:
    """Samples a server's process tree from a background thread: peak RSS (KiB) and tesseract runs."""

    def __init__(self, root: int, interval: float = SAMPLE_S):
        self.root, self.interval = root, interval
        self.peak_gunicorn = self.peak_total = self.samples = self.ocr_runs = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while True:
            self.sample()
            if self._stop.wait(self.interval):
                return

    def sample(self) -> tuple[int, int]:
        """One reading: RSS of (master + workers, whole tree with the workers' tesseract runs)."""
        rss = {pid: (depth, rss_kib(pid)) for pid, depth in process_tree(self.root).items()}
        gunicorn = sum(kib for depth, kib in rss.values() if depth <= 1)
        total = sum(kib for _, kib in rss.values())
        self.peak_gunicorn, self.peak_total = max(self.peak_gunicorn, gunicorn), max(self.peak_total, total)
        self.ocr_runs += sum(1 for depth, _ in rss.values() if depth == 2)
        self.samples += 1
        return gunicorn, total

    @property
    def mean_ocr_runs(self) -> float:
        """How many tesseract processes ran at once, on average over the samples."""
        return self.ocr_runs / max(1, self.samples)


# --- one tesseract run, one request ------------------------------------------------------


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


# --- server time against plain tesseract -------------------------------------------------


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


# --- concurrency and memory --------------------------------------------------------------


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
    between rounds (this shared machine's varies by up to half) cancels out; the verdict is their median."""
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


# --- the run -----------------------------------------------------------------------------


def warm_up(url: str, path: Path, workers: int) -> None:
    """Untimed requests, twice as many as workers so each likely caches its language list, and one plain run."""
    upload = prepare_upload(path)
    run_clients(lambda: post_ocr(url, upload), 2 * workers, 1)
    plain_tesseract(path)


def worker_count(master: int) -> int:
    """How many worker processes the gunicorn master runs (its children, when no request is in flight)."""
    return sum(1 for depth in process_tree(master).values() if depth == 1)


def cpu_busy(seconds: float = 1.0) -> float:
    """Share of all cores busy over `seconds`, from /proc/stat: other work on the machine skews every timing."""

    def ticks() -> tuple[int, int]:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return sum(fields), fields[3] + fields[4]  # all, idle + iowait

    total_0, idle_0 = ticks()
    time.sleep(seconds)
    total_1, idle_1 = ticks()
    return 1 - (idle_1 - idle_0) / max(1, total_1 - total_0)


def machine_facts(url: str) -> dict:
    """Core count, CPU model and the Tesseract version the server reports."""
    with urllib.request.urlopen(f"{url}/health", timeout=10) as resp:
        health = json.load(resp)
    models = [
        line.split(":", 1)[1].strip()
        for line in Path("/proc/cpuinfo").read_text().splitlines()
        if line.startswith("model name")
    ]
    return {
        "cores": os.cpu_count(),
        "cpu": models[0] if models else platform.machine(),
        "tesseract": health["tesseract"],
    }


def server_facts(url: str) -> dict:
    """How the server runs Tesseract, and which Tesseract: /health's engine, tesseract and tessdata."""
    with urllib.request.urlopen(f"{url}/health", timeout=10) as resp:
        health = json.load(resp)
    return {key: health.get(key) for key in ("engine", "tesseract", "tessdata")}


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


def measure(
    servers: dict[str, str], images: dict[str, tuple[Path, str]], args: argparse.Namespace
) -> dict[str, dict | list]:
    """Every measurement against the running servers (mode -> URL), in a fixed order: latency of all side by
    side, then throughput, memory and live reading of one server at a time while the others idle."""
    masters = {mode: gunicorn_master(url) for mode, url in servers.items()}
    found: dict[str, dict] = {mode: {"server": server_facts(url)} for mode, url in servers.items()}
    for mode, url in servers.items():
        found[mode]["workers"] = worker_count(masters[mode])
        warm_up(url, images["webcam"][0], found[mode]["workers"])
        found[mode]["warm"] = rss_mib(masters[mode])
        found[mode]["latency"] = {}
    for name in IMAGES:
        path, text = images[name]
        repeats = {"webcam": args.frame_repeats, "phone_12mp": args.photo_repeats}.get(name, args.repeats)
        pairs = compare({mode: (url, masters[mode]) for mode, url in servers.items()}, path, text, repeats)
        for mode, url in servers.items():
            found[mode]["latency"][name] = pairs[mode] | {"breakdown": breakdown(url, path)}
        ratios = ", ".join(f"{mode} {pairs[mode]['median_ratio']:.2f}" for mode in servers)
        print(f"  {name}: server / tesseract: {ratios}", file=sys.stderr, flush=True)
    # The A4 scan: seconds of OCR per request, so what the clients share is the server's CPU, not HTTP.
    plain_scaling = paired_scaling(lambda: plain_tesseract(images["a4_scan"][0]), args.rounds)
    for mode, url in servers.items():
        print(f"  {mode}:", file=sys.stderr, flush=True)
        master = masters[mode]
        found[mode]["throughput"] = throughput(url, master, images["a4_scan"][0], args.rounds, args.requests)
        found[mode]["memory"] = peak_memory(url, master, images["phone_12mp"][0], args.memory_rounds)
        found[mode]["memory"]["warm"] = found[mode]["warm"]
        langs = [lang for lang in args.memory_langs.split(",") if lang]
        found[mode]["languages"] = warm_language_memory(url, master, images["webcam"][0], langs, found[mode]["workers"])
        if args.live_seconds:
            from bench.live import measure_live  # Playwright and Chromium, only when asked for

            found[mode]["live"] = measure_live(url, seconds=args.live_seconds, seed=args.seed)
            print(f"  live: {found[mode]['live']['per_second']:.2f} readings/s", file=sys.stderr, flush=True)
    return {"modes": found, "plain_throughput": plain_scaling}


def failures(phase: dict) -> str:
    """A note on failed requests: a target measured while the server refused work is not met."""
    return f" ({phase['failed']} of {phase['requests']} requests failed)" if phase["failed"] else ""


def ratio_check(mode: str, name: str, latency: dict, limit: float) -> dict:
    """Server time over plain tesseract time on one image against its limit."""
    ratio = latency["median_ratio"]
    return {
        "target": f"{mode}: {LABELS[name]}: server / tesseract",
        "value": ratio,
        "limit": f"<= {limit:.2f}",
        "shown": f"{ratio:.2f}",
        "passed": ratio <= limit,
    }


def speedup_check(mode: str, scaling: dict, plain: dict) -> dict:
    """Median speedup of two clients over one, shown next to what plain tesseract reached on the same machine."""
    speedup = scaling["median_speedup"]
    return {
        "target": f"{mode}: throughput, 2 vs 1 concurrent clients (A4 scan)",
        "value": speedup,
        "limit": f">= {CLIENTS_SPEEDUP_TARGET:.2f}x",
        "shown": f"{speedup:.2f}x (plain tesseract 2 vs 1: {plain['median_speedup']:.2f}x)"
        + failures({"failed": scaling["failed"], "requests": 3 * scaling["rounds"]}),
        "passed": speedup >= CLIENTS_SPEEDUP_TARGET and not scaling["failed"],
    }


def memory_check(mode: str, memory: dict) -> dict:
    """Peak RSS of the whole server tree under concurrent 12 MP uploads against the limit."""
    peak = memory["peak"]["total_mib"]
    return {
        "target": f"{mode}: peak server memory, {memory['clients']} clients uploading 12 MP photos",
        "value": peak,
        "limit": f"< {MEMORY_TARGET_MIB} MiB",
        "shown": f"{peak:.0f} MiB" + failures(memory),
        "passed": peak < MEMORY_TARGET_MIB and not memory["failed"],
    }


def live_check(mode: str, live: dict) -> dict:
    """Readings a second on the camera page with Live on, and whether their text was right."""
    rate = live["per_second"]
    return {
        "target": f"{mode}: live reading in headless Chromium, fake camera (640x480)",
        "value": rate,
        "limit": f">= {LIVE_TARGET:.1f} readings/s, text right",
        "shown": f"{rate:.2f} readings/s, median CER {live['median_cer']:.3f}",
        "passed": rate >= LIVE_TARGET and live["median_cer"] <= live["cer_limit"],
    }


def check_targets(results: dict) -> list[dict]:
    """Every target of the issue with its measured value and verdict, for each way of running Tesseract."""
    checks = []
    for mode, found in results["modes"].items():
        checks += [ratio_check(mode, name, found["latency"][name], limit) for name, limit in RATIO_TARGETS.items()]
        checks += [speedup_check(mode, found["throughput"], results["plain_throughput"])]
        checks += [memory_check(mode, found["memory"])]
        checks += [live_check(mode, found["live"])] if "live" in found else []
    return checks


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """A GitHub-flavoured markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def ms(seconds: float) -> str:
    """Seconds shown as whole milliseconds."""
    return f"{seconds * 1000:.0f} ms"


def targets_table(checks: list[dict]) -> str:
    """Every target with its measurement and verdict."""
    return markdown_table(
        ["Target", "Measured", "Limit", "Verdict"],
        [[c["target"], c["shown"], c["limit"], "PASS" if c["passed"] else "FAIL"] for c in checks],
    )


def latency_table(results: dict) -> str:
    """Median times, wall-clock and CPU ratios and character error rate of both sides per image and mode."""
    return markdown_table(
        [
            "Image",
            "OCR_ENGINE",
            "Pairs",
            "Tesseract (median)",
            "Server (median)",
            "Ratio",
            "CPU ratio",
            "CER tesseract",
            "CER server",
        ],
        [
            [
                LABELS[name],
                mode,
                str(r["repeats"]),
                ms(r["median_plain_s"]),
                ms(r["median_server_s"]),
                f"{r['median_ratio']:.2f}",
                f"{r['median_cpu_ratio']:.2f}",
                f"{r['cer_plain']:.3f}",
                f"{r['cer_server']:.3f}",
            ]
            for name in IMAGES
            for mode, r in ((mode, found["latency"][name]) for mode, found in results["modes"].items())
        ],
    )


def breakdown_table(results: dict) -> str:
    """The server's own timings of one request per image, and what is left outside recognize()."""
    return markdown_table(
        ["Image", "OCR_ENGINE", "Client", "Decode", "Preprocess", "OCR", "Outside recognize()"],
        [
            [
                LABELS[name],
                mode,
                f"{b['client_ms']} ms",
                f"{b['decode']} ms",
                f"{b['preprocess']} ms",
                f"{b['ocr']} ms",
                f"{b['client_ms'] - b['total']} ms",
            ]
            for name in IMAGES
            for mode, b in ((mode, found["latency"][name]["breakdown"]) for mode, found in results["modes"].items())
        ],
    )


def throughput_table(results: dict) -> str:
    """Requests per second at each client count against one client, for each server and for plain tesseract."""

    def rows(who: str, runs: list[dict]) -> list[list[str]]:
        return [
            [
                who,
                str(x["clients"]),
                str(x["requests"]),
                str(x.get("failed", 0)),
                f"{x['seconds']:.1f}",
                f"{x['per_second']:.2f}",
                f"{x['per_second'] / runs[0]['per_second']:.2f}x",
                f"{x['mean_ocr_runs']:.2f}" if "mean_ocr_runs" in x else "-",
            ]
            for x in runs
        ]

    servers = [
        row
        for mode, found in results["modes"].items()
        for row in rows(f"server, {mode}", found["throughput"]["levels"])
    ]
    return markdown_table(
        ["", "Clients", "Requests", "Failed", "Seconds", "Requests/s", "vs 1 client", "Processes under the workers"],
        servers + rows("plain tesseract", results["plain_throughput"]["levels"]),
    )


def speedups_line(results: dict) -> str:
    """Each round's speedup of two at once over one alone, for each server and for plain tesseract."""
    scalings = {f"server, {mode}": found["throughput"] for mode, found in results["modes"].items()}
    scalings["plain tesseract"] = results["plain_throughput"]
    return "Speedup by round: " + "; ".join(
        f"{who} " + ", ".join(f"{x:.2f}" for x in scaling["speedups"]) + f" (median {scaling['median_speedup']:.2f}x)"
        for who, scaling in scalings.items()
    )


def memory_table(results: dict) -> str:
    """RSS after warm-up, before the 12 MP uploads and at their peak, without and with processes under the workers."""
    rows = []
    for mode, found in results["modes"].items():
        memory = found["memory"]
        moments = [memory["warm"], memory["before"], memory["peak"]]
        rows += [
            [f"{mode}: gunicorn master + workers", *(f"{m['gunicorn_mib']:.0f} MiB" for m in moments)],
            [f"{mode}: the same + their child processes", *(f"{m['total_mib']:.0f} MiB" for m in moments)],
        ]
    return markdown_table(["Processes", "After warm-up", "Before the 12 MP uploads", "Peak during them"], rows)


def languages_table(results: dict) -> str:
    """The largest worker's RSS once it has read with each language set (engines warm), per mode."""
    langs = list(next(iter(results["modes"].values()))["languages"])
    return markdown_table(
        ["OCR_ENGINE", *(f"after {lang}" for lang in langs)],
        [
            [mode, *(f"{found['languages'][lang]['max_worker_mib']:.0f} MiB" for lang in langs)]
            for mode, found in results["modes"].items()
        ],
    )


def live_table(results: dict) -> str:
    """Readings a second with Live on, and how right their text was."""
    return markdown_table(
        ["OCR_ENGINE", "Seconds", "Readings", "Readings/s", "Median CER", "Worst CER", "Failed"],
        [
            [
                mode,
                f"{live['seconds']:.0f}",
                str(live["readings"]),
                f"{live['per_second']:.2f}",
                f"{live['median_cer']:.3f}",
                f"{live['worst_cer']:.3f}",
                str(live["failed"]),
            ]
            for mode, live in ((mode, found["live"]) for mode, found in results["modes"].items() if "live" in found)
        ],
    )


def report(results: dict) -> str:
    """The targets, then the measurements behind them, as markdown."""
    facts, busy = results["machine"], results["machine"]["busy"]
    servers = "; ".join(
        f"OCR_ENGINE={mode}: Tesseract {found['server']['tesseract']}, {found['workers']} gunicorn workers"
        for mode, found in results["modes"].items()
    )
    machine = (
        f"{facts['cores']} cores ({facts['cpu']}); {servers}; seed {results['seed']}, run took "
        f"{results['seconds']:.0f} s; CPU busy with other work {busy['before']:.0%} before the run, "
        f"{busy['after']:.0%} after it."
    )
    if max(busy.values()) > BUSY_WARNING:
        machine += "\n\n**Warning: other programs were using the CPU, so the timings are skewed; rerun when idle.**"
    memory = next(iter(results["modes"].values()))["memory"]
    parts = [
        machine,
        targets_table(results["targets"]),
        "Each server against plain `tesseract IMG stdout`, taking turns on the same file; ratios are medians of "
        + "per-round ratios. The CPU ratio counts CPU seconds (the server's processes with their children "
        + "against the tesseract process) and holds up better than wall time when other programs share the CPU:",
        latency_table(results),
        "Where the server's time goes, from one format=json request per image "
        + "(outside recognize() is upload, form parsing, OCR slot and answer):",
        breakdown_table(results),
        "Throughput on the A4 scan. One request alone and two at once take turns in rounds; the 2-vs-1 verdict "
        + "is the median of the rounds' speedups (listed below the table), the rows add the rounds up. Then "
        + f"{MEMORY_CLIENTS} clients share --requests. Plain tesseract, measured the same way, shows how far the "
        + "machine itself scales; processes under the workers (mean over samples) are cli's tesseract runs (api "
        + "reads inside the workers):",
        throughput_table(results),
        speedups_line(results),
        f"Server memory, sum of VmRSS sampled every {SAMPLE_S * 1000:.0f} ms while {memory['clients']} clients "
        + "sent 12 MP photos:",
        memory_table(results),
        "The largest worker's memory once it has read the webcam frame with each language set (its engines warm):",
        languages_table(results),
    ]
    if any("live" in found for found in results["modes"].values()):
        parts += [
            "Live reading on the camera page (bench/live.py): headless Chromium, its fake camera showing "
            + "webcam frames of six pages in turn, Live on; readings answered 200 per second:",
            live_table(results),
        ]
    return "\n\n".join(parts)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # the page's own spread is a tenth either way: 11 pairs put its median within a few hundredths
    parser.add_argument("--repeats", type=int, default=11, help="rounds for the A4 scan (default 11)")
    # a frame takes a tenth of the A4 page's time: more rounds steady its median for little
    parser.add_argument("--frame-repeats", type=int, default=21, help="rounds for the webcam frame (default 21)")
    parser.add_argument("--photo-repeats", type=int, default=5, help="rounds for the 12 MP photo (default 5)")
    parser.add_argument(
        "--rounds", type=int, default=8, help="rounds of one request alone and two at once, per server (default 8)"
    )
    parser.add_argument(
        "--requests", type=int, default=12, help=f"requests shared by {MEMORY_CLIENTS} clients at once (default 12)"
    )
    parser.add_argument("--memory-rounds", type=int, default=2, help="12 MP uploads per memory client (default 2)")
    parser.add_argument(
        "--modes", default=",".join(MODES), help=f"OCR_ENGINE values to measure (default {','.join(MODES)})"
    )
    parser.add_argument(
        "--memory-langs",
        default="eng",
        help="language sets to warm and measure per-worker memory after, in order (default eng; e.g. eng,eng+deu)",
    )
    parser.add_argument(
        "--live-seconds", type=float, default=30, help="seconds of live reading per mode; 0 skips it (default 30)"
    )
    parser.add_argument("--seed", type=int, default=1, help="image generator seed (default 1)")
    parser.add_argument("--json", type=Path, default=RESULTS, help=f"results file (default {RESULTS})")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Generate the images, measure against fresh servers, print the table, save JSON; 1 if a target of the
    default mode fails (the other mode's are shown beside it)."""
    args = parse_args(argv)
    modes = args.modes.split(",")
    started = time.perf_counter()
    busy_before = cpu_busy()
    with tempfile.TemporaryDirectory(prefix="bench-speed-") as folder, ExitStack() as servers:
        images = write_images(Path(folder), args.seed)
        # gunicorn.conf.py as in production: workers sized to the cores, OMP_THREAD_LIMIT=1.
        urls = {mode: servers.enter_context(running_server(env={"OCR_ENGINE": mode})) for mode in modes}
        results = {"seed": args.seed, **measure(urls, images, args)}
        results["machine"] = machine_facts(next(iter(urls.values())))
    results["machine"]["busy"] = {"before": busy_before, "after": cpu_busy()}
    results["targets"] = check_targets(results)
    results["seconds"] = time.perf_counter() - started
    print(report(results))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    chosen = DEFAULT_MODE if DEFAULT_MODE in modes else modes[0]
    return 0 if all(c["passed"] for c in results["targets"] if c["target"].startswith(f"{chosen}:")) else 1


if __name__ == "__main__":
    sys.exit(main())
