"""Accuracy benchmark: plain tesseract vs. the server (preprocess=none / auto) on degraded captures.

Run from the project root: python -m bench.accuracy [--url URL] [--per-category N] [--seed S] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from pathlib import Path
from statistics import mean

from bench import captures
from bench.score import cer, wer
from bench.server import running_server

ENGINES = ("plain", "none", "auto")
CONTROL = "clean_scan"
RESULTS = Path(__file__).resolve().parent / "results" / "accuracy.json"
WORKERS = 2
# Six images per category keep the means steady enough and the whole run near two minutes.
PER_CATEGORY = 6


def plain_tesseract(path: Path) -> str:
    """Text from the stock `tesseract IMG stdout`, one OpenMP thread as in the server."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    done = subprocess.run(
        ["tesseract", str(path), "stdout"], capture_output=True, text=True, env=env, check=True, timeout=300
    )
    return done.stdout


def multipart(field: str, filename: str, data: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body holding one file field; returns (body, Content-Type)."""
    boundary = uuid.uuid4().hex
    ctype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
        f"Content-Type: {ctype}\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def server_ocr(url: str, path: Path, preprocess: str) -> str:
    """Text from POST {url}/ocr?preprocess=...&format=json with the image as field `image`."""
    body, ctype = multipart("image", path.name, path.read_bytes())
    query = urllib.parse.urlencode({"preprocess": preprocess, "format": "json"})
    req = urllib.request.Request(f"{url}/ocr?{query}", data=body, method="POST", headers={"Content-Type": ctype})
    try:
        with urllib.request.urlopen(req, timeout=300) as resp:
            return json.load(resp)["text"]
    except urllib.error.HTTPError as exc:
        # Keep the server's explanation: it is the useful part of the failure.
        raise RuntimeError(f"HTTP {exc.code}: {exc.read()[:300].decode(errors='replace')}") from None


def recognize(engine: str, path: Path, url: str | None) -> str:
    """OCR one image with the named engine."""
    return plain_tesseract(path) if engine == "plain" else server_ocr(url, path, engine)


def measure(item: dict, folder: Path, url: str | None, engines: tuple[str, ...]) -> dict:
    """OCR one capture with every engine; record text, CER, WER, seconds and any error."""
    result = {"file": item["file"], "category": item["category"]}
    for engine in engines:
        start = time.perf_counter()
        try:
            text, error = recognize(engine, folder / item["file"], url), None
        except Exception as exc:  # a failed request scores as empty output and is reported
            text, error = "", f"{type(exc).__name__}: {exc}"
        result[engine] = {
            "cer": cer(item["text"], text),
            "wer": wer(item["text"], text),
            "seconds": round(time.perf_counter() - start, 3),
            "text": text,
            "error": error,
        }
    return result


def summarize(results: list[dict], engines: tuple[str, ...]) -> dict[str, dict]:
    """Mean CER/WER per category and engine, plus the mean over the degraded categories."""
    summary = {}
    for category in dict.fromkeys(r["category"] for r in results):
        rows = [r for r in results if r["category"] == category]
        summary[category] = {"n": len(rows)} | {
            f"{metric}_{e}": mean(r[e][metric] for r in rows) for e in engines for metric in ("cer", "wer")
        }
    degraded = [s for c, s in summary.items() if c != CONTROL]
    if degraded:
        summary["degraded_mean"] = {"n": sum(s["n"] for s in degraded)} | {
            key: mean(s[key] for s in degraded) for key in degraded[0] if key != "n"
        }
    return summary


def check_targets(summary: dict[str, dict]) -> list[dict]:
    """Evaluate the auto-vs-plain CER targets; one entry per target with pass/fail."""
    checks = []

    def add(name: str, auto: float, limit: float) -> None:
        checks.append({"target": name, "auto_cer": auto, "limit": limit, "passed": auto <= limit})

    for category, s in summary.items():
        if category not in (CONTROL, "degraded_mean"):
            add(f"{category}: auto <= 0.5 x plain", s["cer_auto"], 0.5 * s["cer_plain"])
    if "degraded_mean" in summary:
        s = summary["degraded_mean"]
        add("degraded mean: auto <= 0.4 x plain", s["cer_auto"], 0.4 * s["cer_plain"])
    if CONTROL in summary:
        s = summary[CONTROL]
        add(f"{CONTROL}: auto <= plain + 0.005", s["cer_auto"], s["cer_plain"] + 0.005)
    return checks


def format_table(summary: dict[str, dict], engines: tuple[str, ...]) -> str:
    """A fixed-width text table: degraded categories, their mean, then the clean control."""
    header = ["category", "n"] + [f"CER {e}" for e in engines]
    if "auto" in engines:
        header.append("auto/plain")
    header += [f"WER {e}" for e in engines]
    order = [c for c in summary if c not in (CONTROL, "degraded_mean")] + ["degraded_mean", CONTROL]
    rows = []
    for category in (c for c in order if c in summary):
        s = summary[category]
        row = [category, str(s["n"])] + [f"{s[f'cer_{e}']:.3f}" for e in engines]
        if "auto" in engines:
            row.append(f"{s['cer_auto'] / s['cer_plain']:.2f}" if s["cer_plain"] else "-")
        rows.append(row + [f"{s[f'wer_{e}']:.3f}" for e in engines])
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    lines = [
        " | ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in [header] + rows
    ]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def run(folder: Path, manifest: list[dict], url: str | None, engines: tuple[str, ...]) -> list[dict]:
    """Measure every capture on a small thread pool, printing progress to stderr."""

    def one(item: dict) -> dict:
        result = measure(item, folder, url, engines)
        scores = " ".join(f"{e}={result[e]['cer']:.3f}" for e in engines)
        print(f"  {item['file']:<24} CER {scores}", file=sys.stderr, flush=True)
        return result

    with ThreadPoolExecutor(WORKERS) as pool:
        return list(pool.map(one, manifest))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m bench.accuracy", description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="base URL of a running server (default: start one with gunicorn)")
    parser.add_argument(
        "--per-category", type=int, default=PER_CATEGORY, help=f"images per category (default {PER_CATEGORY})"
    )
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--out", type=Path, help="keep the generated captures in this folder")
    parser.add_argument("--json", type=Path, default=RESULTS, help=f"results file (default {RESULTS})")
    parser.add_argument(
        "--plain-only", action="store_true", help="only run plain tesseract (no server); for tuning the generator"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Generate captures, OCR them with every engine, print and save the table; 1 if a target fails."""
    args = parse_args(argv)
    engines = ("plain",) if args.plain_only else ENGINES
    started = time.perf_counter()
    with nullcontext(args.out) if args.out else tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        manifest = captures.generate(folder, seed=args.seed, per_category=args.per_category)
        print(f"generated {len(manifest)} captures in {time.perf_counter() - started:.0f}s", file=sys.stderr)
        server = nullcontext(args.url) if args.url or args.plain_only else running_server()
        with server as url:
            results = run(folder, manifest, url, engines)
    summary = summarize(results, engines)
    checks = check_targets(summary) if engines == ENGINES else []
    elapsed = time.perf_counter() - started

    print(format_table(summary, engines))
    errors = sum(1 for r in results for e in engines if r[e]["error"])
    if errors:
        print(f"\n{errors} OCR call(s) failed and scored as empty text; see {args.json}")
    if checks:
        print()
    for check in checks:
        verdict = "PASS" if check["passed"] else "FAIL"
        print(f"{verdict}  {check['target']}  (auto {check['auto_cer']:.3f}, limit {check['limit']:.3f})")
    print(f"\n{len(results)} images in {elapsed:.0f}s")

    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "seed": args.seed,
                "per_category": args.per_category,
                "engines": list(engines),
                "url": args.url,
                "seconds": round(elapsed, 1),
                "summary": summary,
                "targets": checks,
                "images": results,
            },
            indent=2,
        )
    )
    return 0 if all(c["passed"] for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
