"""Speed benchmark: POST /ocr against plain `tesseract IMG stdout`, throughput under concurrency, peak server memory.

Run from the project root: python -m bench.speed [--repeats N] [--photo-repeats N] [--requests N] [--memory-rounds N]
                                                [--seed S] [--json PATH]
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
from pathlib import Path
from statistics import median
from typing import Self
from urllib.parse import urlsplit

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from bench import texts
from bench.accuracy import multipart
from bench.score import cer
from bench.server import running_server

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
RESULTS = Path(__file__).resolve().parent / "results" / "speed.json"
IMAGES = ("webcam", "a4_scan", "phone_12mp")
LABELS = {
    "webcam": "640x480 webcam frame (JPEG)",
    "a4_scan": "A4 300-dpi scan (PNG)",
    "phone_12mp": "12 MP phone photo (JPEG)",
}
RATIO_TARGETS = {"webcam": 1.10, "a4_scan": 1.05, "phone_12mp": 1.00}
SPEEDUP_TARGET = 1.7
MEMORY_TARGET_MIB = 1024
CLIENT_COUNTS = (1, 2, 4)
MEMORY_CLIENTS = 4
SAMPLE_S = 0.02
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


def post_ocr(url: str, upload: tuple[bytes, str], answer: str = "text") -> tuple[float, str]:
    """Wall-clock seconds and body of POST {url}/ocr?format=answer with a prepared multipart upload."""
    body, content_type = upload
    req = urllib.request.Request(
        f"{url}/ocr?format={answer}", data=body, method="POST", headers={"Content-Type": content_type}
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


def compare(url: str, master: int, path: Path, text: str, repeats: int) -> dict:
    """Alternate plain tesseract and the server on one image; median of per-pair ratios and of each."""
    upload = prepare_upload(path)
    runs = {"plain": lambda: plain_tesseract(path), "server": lambda: server_ocr(url, master, upload)}
    wall: dict[str, list[float]] = {"plain": [], "server": []}
    cpu: dict[str, list[float]] = {"plain": [], "server": []}
    output = {}
    for i in range(repeats):
        # Swap who goes first each round so neither side always inherits the other's warm caches.
        for who in ("plain", "server") if i % 2 == 0 else ("server", "plain"):
            seconds, cpu_s, output[who] = runs[who]()
            wall[who].append(seconds)
            cpu[who].append(cpu_s)
    ratios = [s / p for s, p in zip(wall["server"], wall["plain"], strict=True)]
    cpu_ratios = [s / p for s, p in zip(cpu["server"], cpu["plain"], strict=True) if p]
    return {
        "file": path.name,
        "bytes": path.stat().st_size,
        "repeats": repeats,
        "plain_s": wall["plain"],
        "server_s": wall["server"],
        "ratios": ratios,
        "plain_cpu_s": cpu["plain"],
        "server_cpu_s": cpu["server"],
        "median_ratio": median(ratios),
        "median_cpu_ratio": median(cpu_ratios),
        "median_plain_s": median(wall["plain"]),
        "median_server_s": median(wall["server"]),
        "cer_plain": cer(text, output["plain"]),
        "cer_server": cer(text, output["server"]),
    }


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


def plain_throughput(path: Path, runs: int) -> list[dict]:
    """Plain tesseract runs per second one and two at a time: how far the machine itself scales."""
    levels = []
    for clients in (1, 2):
        seconds, ok, _ = run_clients(lambda: plain_tesseract(path), clients, runs // clients)
        levels.append({"clients": clients, "requests": ok, "seconds": seconds, "per_second": ok / seconds})
    return levels


def throughput(url: str, master: int, path: Path, requests: int) -> list[dict]:
    """Successful requests per second with 1, 2 and 4 clients sharing the same number of requests."""
    upload = prepare_upload(path)
    levels = []
    for clients in CLIENT_COUNTS:
        # Counting tesseract runs tells a server that serializes from a CPU shared with other programs.
        with TreeSampler(master) as sampler:
            seconds, ok, failed = run_clients(lambda: post_ocr(url, upload), clients, requests // clients)
        levels.append(
            {
                "clients": clients,
                "requests": ok + failed,
                "failed": failed,
                "seconds": seconds,
                "per_second": ok / seconds,
                "mean_ocr_runs": sampler.mean_ocr_runs,
            }
        )
        print(f"  {clients} client(s): {ok / seconds:.2f} req/s, {failed} failed", file=sys.stderr, flush=True)
    return levels


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


def measure(url: str, images: dict[str, tuple[Path, str]], args: argparse.Namespace) -> dict:
    """Every measurement against one running server, in a fixed order."""
    master = gunicorn_master(url)
    workers = worker_count(master)
    warm_up(url, images["webcam"][0], workers)
    warm = rss_mib(master)
    latency = {}
    for name in IMAGES:
        path, text = images[name]
        repeats = args.photo_repeats if name == "phone_12mp" else args.repeats
        latency[name] = compare(url, master, path, text, repeats) | {"breakdown": breakdown(url, path)}
        print(f"  {name}: server / tesseract {latency[name]['median_ratio']:.2f}", file=sys.stderr, flush=True)
    # The A4 scan: seconds of OCR per request, so what the clients share is the server's CPU, not HTTP.
    plain_levels = plain_throughput(images["a4_scan"][0], args.requests // 2)
    levels = throughput(url, master, images["a4_scan"][0], args.requests)
    memory = peak_memory(url, master, images["phone_12mp"][0], args.memory_rounds) | {"warm": warm}
    return {
        "machine": machine_facts(url),
        "workers": workers,
        "latency": latency,
        "plain_throughput": plain_levels,
        "throughput": levels,
        "memory": memory,
    }


def failures(phase: dict) -> str:
    """A note on failed requests: a target measured while the server refused work is not met."""
    return f" ({phase['failed']} of {phase['requests']} requests failed)" if phase["failed"] else ""


def ratio_check(name: str, latency: dict, limit: float) -> dict:
    """Server time over plain tesseract time on one image against its limit."""
    ratio = latency["median_ratio"]
    return {
        "target": f"{LABELS[name]}: server / tesseract",
        "value": ratio,
        "limit": f"<= {limit:.2f}",
        "shown": f"{ratio:.2f}",
        "passed": ratio <= limit,
    }


def speedup_check(levels: list[dict], plain: list[dict]) -> dict:
    """Throughput of two clients over one, shown next to what plain tesseract reached on the same machine."""
    server, machine = ({x["clients"]: x for x in runs} for runs in (levels, plain))
    speedup = server[2]["per_second"] / server[1]["per_second"]
    ceiling = machine[2]["per_second"] / machine[1]["per_second"]
    return {
        "target": "throughput, 2 vs 1 concurrent clients (A4 scan)",
        "value": speedup,
        "limit": f">= {SPEEDUP_TARGET:.2f}x",
        "shown": f"{speedup:.2f}x (plain tesseract 2 vs 1: {ceiling:.2f}x)" + failures(server[2]),
        "passed": speedup >= SPEEDUP_TARGET and not server[2]["failed"],
    }


def memory_check(memory: dict) -> dict:
    """Peak RSS of the whole server tree under concurrent 12 MP uploads against the limit."""
    peak = memory["peak"]["total_mib"]
    return {
        "target": f"peak server memory, {memory['clients']} clients uploading 12 MP photos",
        "value": peak,
        "limit": f"< {MEMORY_TARGET_MIB} MiB",
        "shown": f"{peak:.0f} MiB" + failures(memory),
        "passed": peak < MEMORY_TARGET_MIB and not memory["failed"],
    }


def check_targets(results: dict) -> list[dict]:
    """Every target of the issue with its measured value and verdict."""
    return [
        *(ratio_check(name, results["latency"][name], limit) for name, limit in RATIO_TARGETS.items()),
        speedup_check(results["throughput"], results["plain_throughput"]),
        memory_check(results["memory"]),
    ]


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


def latency_table(latency: dict) -> str:
    """Median times, wall-clock and CPU ratios and character error rate of both sides per image."""
    return markdown_table(
        [
            "Image",
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
                str(r["repeats"]),
                ms(r["median_plain_s"]),
                ms(r["median_server_s"]),
                f"{r['median_ratio']:.2f}",
                f"{r['median_cpu_ratio']:.2f}",
                f"{r['cer_plain']:.3f}",
                f"{r['cer_server']:.3f}",
            ]
            for name, r in latency.items()
        ],
    )


def breakdown_table(latency: dict) -> str:
    """The server's own timings of one request per image, and what is left outside recognize()."""
    return markdown_table(
        ["Image", "Client", "Decode", "Preprocess", "OCR", "Outside recognize()"],
        [
            [
                LABELS[name],
                f"{b['client_ms']} ms",
                f"{b['decode']} ms",
                f"{b['preprocess']} ms",
                f"{b['ocr']} ms",
                f"{b['client_ms'] - b['total']} ms",
            ]
            for name, b in ((name, r["breakdown"]) for name, r in latency.items())
        ],
    )


def throughput_table(levels: list[dict], plain: list[dict]) -> str:
    """Requests per second at each client count against one client, for the server and for plain tesseract."""

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

    return markdown_table(
        ["", "Clients", "Requests", "Failed", "Seconds", "Requests/s", "vs 1 client", "Tesseract runs at once"],
        rows("server", levels) + rows("plain tesseract", plain),
    )


def memory_table(memory: dict) -> str:
    """RSS after warm-up, before the 12 MP uploads and at their peak, without and with tesseract."""
    moments = [memory["warm"], memory["before"], memory["peak"]]
    return markdown_table(
        ["Processes", "After warm-up", "Before the 12 MP uploads", "Peak during them"],
        [
            ["gunicorn master + workers", *(f"{m['gunicorn_mib']:.0f} MiB" for m in moments)],
            ["the same + their tesseract runs", *(f"{m['total_mib']:.0f} MiB" for m in moments)],
        ],
    )


def report(results: dict) -> str:
    """The targets, then the measurements behind them, as markdown."""
    facts, memory = results["machine"], results["memory"]
    busy = facts["busy"]
    machine = (
        f"{facts['cores']} cores ({facts['cpu']}), Tesseract {facts['tesseract']}, "
        f"{results['workers']} gunicorn workers, seed {results['seed']}, run took {results['seconds']:.0f} s; "
        f"CPU busy with other work {busy['before']:.0%} before the run, {busy['after']:.0%} after it."
    )
    if max(busy.values()) > BUSY_WARNING:
        machine += "\n\n**Warning: other programs were using the CPU, so the timings are skewed; rerun when idle.**"
    memory_note = (
        f"Server memory, sum of VmRSS sampled every {SAMPLE_S * 1000:.0f} ms ({memory['samples']} "
        f"samples), while {memory['clients']} clients sent {memory['requests']} 12 MP photos "
        f"({memory['failed']} failed):"
    )
    return "\n\n".join(
        [
            machine,
            targets_table(results["targets"]),
            "Server against plain `tesseract IMG stdout`, alternating on the same file; ratios are medians of "
            + "per-pair ratios. The CPU ratio counts CPU seconds (the server's processes with their tesseract runs "
            + "against the tesseract process) and holds up better than wall time when other programs share the CPU:",
            latency_table(results["latency"]),
            "Where the server's time goes, from one format=json request per image "
            + "(outside recognize() is upload, form parsing, OCR slot and answer):",
            breakdown_table(results["latency"]),
            "Throughput on the A4 scan, the same number of requests shared by the clients. Plain tesseract one and "
            + "two at a time shows how far the machine itself scales; tesseract runs at once (mean over samples) "
            + "shows whether the server overlaps its work:",
            throughput_table(results["throughput"], results["plain_throughput"]),
            memory_note,
            memory_table(memory),
        ]
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="pairs per image (default 7)")
    parser.add_argument("--photo-repeats", type=int, default=5, help="pairs for the 12 MP photo (default 5)")
    parser.add_argument(
        "--requests", type=int, default=12, help="requests per throughput level, shared by the clients (default 12)"
    )
    parser.add_argument("--memory-rounds", type=int, default=2, help="12 MP uploads per memory client (default 2)")
    parser.add_argument("--seed", type=int, default=1, help="image generator seed (default 1)")
    parser.add_argument("--json", type=Path, default=RESULTS, help=f"results file (default {RESULTS})")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Generate the images, measure against a fresh server, print the table, save JSON; 1 if a target fails."""
    args = parse_args(argv)
    started = time.perf_counter()
    busy_before = cpu_busy()
    with tempfile.TemporaryDirectory(prefix="bench-speed-") as folder:
        images = write_images(Path(folder), args.seed)
        # gunicorn.conf.py as in production: workers sized to the cores, OMP_THREAD_LIMIT=1.
        with running_server() as url:
            results = {"seed": args.seed, **measure(url, images, args)}
    results["machine"]["busy"] = {"before": busy_before, "after": cpu_busy()}
    results["targets"] = check_targets(results)
    results["seconds"] = time.perf_counter() - started
    print(report(results))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    return 0 if all(c["passed"] for c in results["targets"]) else 1


if __name__ == "__main__":
    sys.exit(main())
