"""Second-engine benchmark: what PP-OCRv6 costs where it reads, and that pages Tesseract reads
confidently never pay for it.

Run from the project root: python -m bench.second_engine [--repeats N] [--seed S] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from statistics import median

from bench import realscans
from bench.processes import TreeSampler, gunicorn_master, worker_count
from bench.server import running_server
from bench.speed_images import IMAGES, LABELS, write_images
from bench.tables import markdown_table, targets_table
from bench.throughput import run_clients
from bench.timing import HTTP_TIMEOUT_S, prepare_upload

RESULTS = Path(__file__).resolve().parent / "results" / "second_engine.json"
CONFIDENT_COST = 1.03  # auto / tesseract on pages Tesseract reads confidently
HANDWRITTEN_S = 8.0  # a handwritten page under `auto`, one request at a time
BEST_OVER_PPOCR = 2.5
MEMORY_LIMIT_MIB = 2.5 * 1024  # two dense pages read by PP-OCRv6 at once
HANDWRITTEN_PAGE = "handwritten/stanford_Lettre76_2.jpg"  # a one-page letter of ../shared/realscans


def post(url: str, upload: tuple[bytes, str], engine: str) -> tuple[float, dict]:
    """Wall-clock seconds and JSON answer of POST {url}/ocr?engine=...&format=json."""
    body, content_type = upload
    query = urllib.parse.urlencode({"engine": engine, "format": "json"})
    req = urllib.request.Request(f"{url}/ocr?{query}", data=body, method="POST", headers={"Content-Type": content_type})
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=HTTP_TIMEOUT_S) as resp:
            answer = json.load(resp)
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"HTTP {exc.code}: {exc.read()[:300].decode(errors='replace')}") from None
    return time.perf_counter() - start, answer


def paired(url: str, path: Path, engines: tuple[str, str], repeats: int) -> dict:
    """Alternate two engine choices on one image: median seconds of each, median of per-pair ratios."""
    upload = prepare_upload(path)
    seconds: dict[str, list[float]] = {engine: [] for engine in engines}
    read_by = {}
    for i in range(repeats):
        for engine in engines if i % 2 == 0 else engines[::-1]:
            elapsed, answer = post(url, upload, engine)
            seconds[engine].append(elapsed)
            read_by[engine] = answer["engine"]
    first, second = engines
    ratios = [a / b for a, b in zip(seconds[first], seconds[second], strict=True)]
    return {
        "file": path.name,
        "seconds": seconds,
        "median_s": {engine: median(values) for engine, values in seconds.items()},
        "median_ratio": median(ratios),
        "read_by": read_by,
    }


def handwritten_page() -> Path | None:
    """A real handwritten letter when ../shared/realscans is here; None otherwise."""
    path = realscans.DEFAULT_ROOT / HANDWRITTEN_PAGE
    return path if path.is_file() else None


def peak_memory(url: str, master: int, path: Path) -> dict:
    """Peak RSS of the server's whole process tree while two clients have a dense page read by PP-OCRv6."""
    upload = prepare_upload(path)
    with TreeSampler(master) as sampler:
        seconds, ok, failed = run_clients(lambda: post(url, upload, "ppocr"), 2, 1)
    return {"requests": ok + failed, "failed": failed, "seconds": seconds, "peak_mib": sampler.peak_total / 1024}


def measure(url: str, folder: Path, args: argparse.Namespace) -> dict:
    """Every measurement against one running server."""
    master = gunicorn_master(url)
    images = write_images(folder, args.seed)
    # start every worker's PP-OCRv6 child untimed: twice as many requests as workers, two at a time
    warm_up = prepare_upload(images["webcam"][0])
    run_clients(lambda: post(url, warm_up, "ppocr"), 2, worker_count(master))
    confident = {name: paired(url, images[name][0], ("auto", "tesseract"), args.repeats) for name in IMAGES}
    for name, result in confident.items():
        print(f"  {name}: auto / tesseract {result['median_ratio']:.2f}", file=sys.stderr, flush=True)
    handwritten = handwritten_page()
    engines = {}
    if handwritten is None:
        print("handwritten page skipped: ../shared/realscans not found", file=sys.stderr)
    else:
        engines = paired(url, handwritten, ("best", "ppocr"), args.repeats // 2 + 1) | {
            "auto_s": post(url, prepare_upload(handwritten), "auto")[0]
        }
        print(f"  handwritten: {engines['median_s']} auto {engines['auto_s']:.1f} s", file=sys.stderr, flush=True)
    memory = peak_memory(url, master, images["a4_scan"][0])
    return {"confident": confident, "handwritten": engines, "memory": memory}


def check_targets(results: dict) -> list[dict]:
    """Every target with its measured value and verdict."""
    checks = []
    for name, result in results["confident"].items():
        ratio, read_by = result["median_ratio"], result["read_by"]["auto"]
        checks.append(
            {
                "target": f"{LABELS[name]}: auto / tesseract",
                "limit": f"<= {CONFIDENT_COST:.2f}, read by Tesseract alone",
                "shown": f"{ratio:.2f}, read by {read_by}",
                "passed": ratio <= CONFIDENT_COST and read_by == "tesseract",
            }
        )
    if results["handwritten"]:
        hand = results["handwritten"]
        checks.append(
            {
                "target": "handwritten letter under auto",
                "limit": f"< {HANDWRITTEN_S:.0f} s",
                "shown": f"{hand['auto_s']:.1f} s",
                "passed": hand["auto_s"] < HANDWRITTEN_S,
            }
        )
        ratio = hand["median_s"]["best"] / hand["median_s"]["ppocr"]
        checks.append(
            {
                "target": "handwritten letter: best / ppocr",
                "limit": f"< {BEST_OVER_PPOCR}",
                "shown": f"{ratio:.2f} ({hand['median_s']['best']:.1f} s / {hand['median_s']['ppocr']:.1f} s)",
                "passed": ratio < BEST_OVER_PPOCR,
            }
        )
    memory = results["memory"]
    checks.append(
        {
            "target": "peak server memory, two dense A4 pages read by PP-OCRv6 at once",
            "limit": f"< {MEMORY_LIMIT_MIB:.0f} MiB",
            "shown": f"{memory['peak_mib']:.0f} MiB" + (f" ({memory['failed']} failed)" if memory["failed"] else ""),
            "passed": memory["peak_mib"] < MEMORY_LIMIT_MIB and not memory["failed"],
        }
    )
    return checks


def confident_table(confident: dict) -> str:
    return markdown_table(
        ["Image", "auto (median)", "tesseract (median)", "Ratio", "auto read by"],
        [
            [
                LABELS[name],
                f"{r['median_s']['auto'] * 1000:.0f} ms",
                f"{r['median_s']['tesseract'] * 1000:.0f} ms",
                f"{r['median_ratio']:.2f}",
                r["read_by"]["auto"],
            ]
            for name, r in confident.items()
        ],
    )


def main(argv: list[str] | None = None) -> int:
    """Measure against a fresh server, print the tables, save JSON; 1 if a target fails."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="pairs per confident image (default 5)")
    parser.add_argument("--seed", type=int, default=1, help="image generator seed (default 1)")
    parser.add_argument("--json", type=Path, default=RESULTS, help=f"results file (default {RESULTS})")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-engines-") as folder, running_server() as url:
        results = measure(url, Path(folder), args)
    results["targets"] = check_targets(results)
    results["seconds"] = round(time.perf_counter() - started, 1)
    print(targets_table(results["targets"]))
    print("\nPages Tesseract reads confidently, `auto` against `engine=tesseract`, alternating:\n")
    print(confident_table(results["confident"]))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    return 0 if all(c["passed"] for c in results["targets"]) else 1


if __name__ == "__main__":
    sys.exit(main())
