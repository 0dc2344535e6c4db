"""Accuracy benchmark: plain tesseract vs. the server's readings (Tesseract without and with
preprocessing, PP-OCRv6 alone, the default `auto` and `best`) on generated captures and on real
scans (../shared/realscans), in the same run.

Run from the project root: python -m bench.accuracy [--url URL] [--per-category N] [--seed S] [--split S]
[--readings plain,tesseract,...]
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
from statistics import mean, median

from bench import captures, realscans
from bench.score import cer, target_check, wer
from bench.server import running_server

# Each reading by its column name: the request fields that make it (plain is the tesseract command).
READINGS = {
    "plain": None,
    "none": {"preprocess": "none", "engine": "tesseract"},
    "tesseract": {"engine": "tesseract"},
    "ppocr": {"engine": "ppocr"},
    "auto": {},
    "best": {"engine": "best"},
}
ENGINES = tuple(READINGS)
CONTROL = "clean_scan"
AUTO_OVERALL = 0.06  # the default's mean CER over every generated category
BEST_TOLERANCE = 0.01
HANDWRITING = "handwriting_suspected"
RESULTS = Path(__file__).resolve().parent / "results" / "accuracy.json"
WORKERS = 2
# Six images per category keep the means steady enough and the run's length bearable (bench/README.md).
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


def server_ocr(url: str, path: Path, fields: dict[str, str]) -> dict:
    """The JSON answer of POST {url}/ocr?{fields}&format=json with the image as field `image`."""
    return json.loads(post_image(url, path, {**fields, "format": "json"}))


def post_image(url: str, path: Path, fields: dict[str, str], *, timeout_s: float = 300) -> bytes:
    """The answer of POST {url}/ocr?{fields} with the image as field `image`."""
    body, ctype = multipart("image", path.name, path.read_bytes())
    query = urllib.parse.urlencode(fields)
    req = urllib.request.Request(f"{url}/ocr?{query}", data=body, method="POST", headers={"Content-Type": ctype})
    try:
        with urllib.request.urlopen(req, timeout=timeout_s) as resp:
            return resp.read()
    except urllib.error.HTTPError as exc:
        # Keep the server's explanation: it is the useful part of the failure.
        raise RuntimeError(f"HTTP {exc.code}: {exc.read()[:300].decode(errors='replace')}") from None


def recognize(engine: str, path: Path, url: str | None) -> dict:
    """OCR one image with the named reading: {"text", "warnings", "engine"} (plain tesseract has no warnings)."""
    if engine == "plain":
        return {"text": plain_tesseract(path), "warnings": [], "engine": "tesseract"}
    answer = server_ocr(url, path, READINGS[engine])
    warnings = [w["code"] for w in answer.get("warnings", [])]
    return {"text": answer["text"], "warnings": warnings, "engine": answer.get("engine", "tesseract")}


def measure(item: dict, url: str | None, engines: tuple[str, ...]) -> dict:
    """OCR one image with every engine; record text, CER, WER, warnings, seconds and any error."""
    result = {"file": item["file"], "group": item["group"]}
    caseless = item.get("caseless", False)
    for engine in engines:
        start = time.perf_counter()
        try:
            answer, error = recognize(engine, item["path"], url), None
        except Exception as exc:  # noqa: BLE001 - any failure scores as empty output, is reported, and the run goes on
            answer, error = {"text": "", "warnings": [], "engine": ""}, f"{type(exc).__name__}: {exc}"
        result[engine] = {
            "cer": cer(item["text"], answer["text"], caseless=caseless),
            "wer": wer(item["text"], answer["text"], caseless=caseless),
            "seconds": round(time.perf_counter() - start, 3),
            "text": answer["text"],
            "warnings": answer["warnings"],
            "engine": answer["engine"],
            "error": error,
        }
    return result


def summarize(results: list[dict], engines: tuple[str, ...], *, degraded_mean: bool = True) -> dict[str, dict]:
    """Mean CER/WER per group (category or folder) and engine, the share of images the server
    warned were handwritten, and (for captures) the mean over the degraded categories."""
    summary = {}
    for group in dict.fromkeys(r["group"] for r in results):
        rows = [r for r in results if r["group"] == group]
        summary[group] = {"n": len(rows)} | {
            f"{metric}_{e}": mean(r[e][metric] for r in rows) for e in engines for metric in ("cer", "wer")
        }
        if "auto" in engines:
            summary[group]["handwriting_warned"] = mean(HANDWRITING in r["auto"]["warnings"] for r in rows)
            summary[group]["second_engine"] = mean("ppocr" in r["auto"]["engine"] for r in rows)
    degraded = [s for c, s in summary.items() if c != CONTROL] if degraded_mean else []
    if degraded:
        summary["degraded_mean"] = {"n": sum(s["n"] for s in degraded)} | {
            key: mean(s[key] for s in degraded)
            for key in degraded[0]
            if key not in ("n", "handwriting_warned", "second_engine")
        }
    return summary


def latency(results: list[dict], engines: tuple[str, ...]) -> dict[str, dict]:
    """Per group and server reading: the median and the slowest page's time against plain
    tesseract's on the same image in the same run, and the slowest page's seconds."""
    table: dict[str, dict] = {}
    for group in dict.fromkeys(r["group"] for r in results):
        rows = [r for r in results if r["group"] == group and r["plain"]["seconds"] > 0]
        table[group] = {
            reading: {
                "median_ratio": round(median(r[reading]["seconds"] / r["plain"]["seconds"] for r in rows), 2),
                "slowest_ratio": round(max(r[reading]["seconds"] / r["plain"]["seconds"] for r in rows), 2),
                "slowest_s": round(max(r[reading]["seconds"] for r in rows), 2),
            }
            for reading in engines
            if reading != "plain"
        }
    return table


def format_latency(table: dict[str, dict]) -> str:
    """One line per group: each reading's median and slowest time against the command, and its slowest page."""
    return "\n".join(
        f"{group:<16} "
        + "  ".join(
            f"{reading} {t['median_ratio']:.2f}x (slowest {t['slowest_ratio']:.2f}x, {t['slowest_s']:.1f} s)"
            for reading, t in readings.items()
        )
        for group, readings in table.items()
    )


def check_targets(summary: dict[str, dict]) -> list[dict]:
    """The generated captures' targets for every reading measured; one entry per target."""
    checks: list[dict] = []
    categories = {c: s for c, s in summary.items() if c != "degraded_mean"}
    if "cer_tesseract" in summary.get(CONTROL, {}):  # the preprocessing pipeline
        for category, s in categories.items():
            if category != CONTROL:
                limit = 0.5 * s["cer_plain"]
                checks.append(target_check(f"{category}: tesseract <= 0.5 x plain", s, "tesseract", limit))
        s = summary["degraded_mean"]
        checks.append(target_check("degraded mean: tesseract <= 0.4 x plain", s, "tesseract", 0.4 * s["cer_plain"]))
        s = summary[CONTROL]
        checks.append(target_check(f"{CONTROL}: tesseract <= plain + 0.005", s, "tesseract", s["cer_plain"] + 0.005))
    if "cer_auto" in summary.get(CONTROL, {}):  # the default, two engines
        overall = {"cer_auto": mean(s["cer_auto"] for s in categories.values())}
        checks.append(target_check(f"all categories: auto <= {AUTO_OVERALL}", overall, "auto", AUTO_OVERALL))
        for category, s in categories.items():
            if category != CONTROL:  # the clean control has nothing to halve: plain reads it nearly perfectly
                checks.append(target_check(f"{category}: auto <= 0.5 x plain", s, "auto", 0.5 * s["cer_plain"]))
    return checks + best_checks(categories)


def best_checks(summary: dict[str, dict]) -> list[dict]:
    """`best` within BEST_TOLERANCE of the better engine alone, in every group."""
    checks: list[dict] = []
    for group, s in summary.items():
        if {"cer_best", "cer_tesseract", "cer_ppocr"} <= set(s):
            limit = min(s["cer_tesseract"], s["cer_ppocr"]) + BEST_TOLERANCE
            checks.append(target_check(f"{group}: best <= better engine + {BEST_TOLERANCE}", s, "best", limit))
    return checks


def format_table(summary: dict[str, dict], engines: tuple[str, ...], *, first_column: str = "category") -> str:
    """A fixed-width text table: the groups, then (for captures) their mean and the clean control."""
    header = [first_column, "n"] + [f"CER {e}" for e in engines]
    if {"auto", "plain"} <= set(engines):
        header += ["auto/plain", "handwriting warned", "read by PP-OCRv6"]
    header += [f"WER {e}" for e in engines]
    order = [c for c in summary if c not in (CONTROL, "degraded_mean")] + ["degraded_mean", CONTROL]
    rows = []
    for group in (c for c in order if c in summary):
        s = summary[group]
        row = [group, str(s["n"])] + [f"{s[f'cer_{e}']:.3f}" for e in engines]
        if {"auto", "plain"} <= set(engines):
            row.append(f"{s['cer_auto'] / s['cer_plain']:.2f}" if s["cer_plain"] else "-")
            row.append(f"{s['handwriting_warned']:.0%}" if "handwriting_warned" in s else "-")
            row.append(f"{s['second_engine']:.0%}" if "second_engine" in s else "-")
        rows.append(row + [f"{s[f'wer_{e}']:.3f}" for e in engines])
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        " | ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in [header, *rows]
    ]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def run(items: list[dict], url: str | None, engines: tuple[str, ...], workers: int = WORKERS) -> list[dict]:
    """Measure every image on a small thread pool, printing progress to stderr."""

    def one(item: dict) -> dict:
        result = measure(item, url, engines)
        scores = " ".join(f"{e}={result[e]['cer']:.3f}" for e in engines)
        print(f"  {item['file']:<32} CER {scores}", file=sys.stderr, flush=True)
        return result

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(one, items))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m bench.accuracy", description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="base URL of a running server (default: start one with gunicorn)")
    parser.add_argument(
        "--per-category", type=int, default=PER_CATEGORY, help=f"images per category (default {PER_CATEGORY})"
    )
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--categories", help="comma list of generated categories (default: all)")
    parser.add_argument("--out", type=Path, help="keep the generated captures in this folder")
    parser.add_argument(
        "--realscans", type=Path, default=realscans.DEFAULT_ROOT, help="real scans folder (default ../shared/realscans)"
    )
    parser.add_argument("--folders", help="comma list of real-scan folders (default: all)")
    parser.add_argument(
        "--split", choices=realscans.SPLITS, default="all", help="half of each real folder: tune, check or all"
    )
    parser.add_argument("--no-generated", action="store_true", help="skip the generated captures")
    parser.add_argument("--no-real", action="store_true", help="skip the real scans")
    parser.add_argument(
        "--readings", default=",".join(READINGS), help=f"comma list of readings (default: all of {', '.join(READINGS)})"
    )
    parser.add_argument(
        "--workers", type=int, default=WORKERS, help=f"images read at once (default {WORKERS}; 1 for clean latency)"
    )
    parser.add_argument("--json", type=Path, default=RESULTS, help=f"results file (default {RESULTS})")
    parser.add_argument(
        "--plain-only", action="store_true", help="only run plain tesseract (no server); for tuning the generator"
    )
    return parser.parse_args(argv)


def real_items(args: argparse.Namespace) -> list[dict]:
    """The real scans to read, or none (with a line saying why) when the folder is absent."""
    if args.no_real:
        return []
    if not (args.realscans / "manifest.tsv").is_file():
        print(f"real scans skipped: {args.realscans} not found (pass --realscans PATH)")
        return []
    folders = tuple(args.folders.split(",")) if args.folders else None
    return realscans.load(args.realscans, split=args.split, folders=folders)


def generated_items(args: argparse.Namespace, folder: Path) -> list[dict]:
    """Generate the captures into folder; none with --no-generated."""
    if args.no_generated:
        return []
    categories = tuple(args.categories.split(",")) if args.categories else None
    manifest = captures.generate(folder, seed=args.seed, per_category=args.per_category, categories=categories)
    return [{**item, "path": folder / item["file"], "group": item["category"]} for item in manifest]


def main(argv: list[str] | None = None) -> int:
    """OCR the captures and real scans with every engine, print and save the tables; 1 if a target fails."""
    args = parse_args(argv)
    engines = ("plain",) if args.plain_only else tuple(args.readings.split(","))
    unknown = set(engines) - set(READINGS)
    if unknown:
        raise SystemExit(f"unknown reading(s) {', '.join(sorted(unknown))}; choose from {', '.join(READINGS)}")
    started = time.perf_counter()
    with nullcontext(args.out) if args.out else tempfile.TemporaryDirectory() as folder:
        generated = generated_items(args, Path(folder))
        real = real_items(args)
        print(f"{len(generated)} captures, {len(real)} real scans", file=sys.stderr)
        # accuracy, not latency: a dense page read by PP-OCRv6 beside other work may take minutes
        os.environ.setdefault("OCR_TIMEOUT_S", "600")
        server = nullcontext(args.url) if args.url or args.plain_only else running_server()
        with server as url:
            results = run(generated + real, url, engines, args.workers)
    real_files = {item["file"] for item in real}
    generated_results = [r for r in results if r["file"] not in real_files]
    real_results = [r for r in results if r["file"] in real_files]
    summaries = {
        "generated": summarize(generated_results, engines) if generated_results else {},
        "real": summarize(real_results, engines, degraded_mean=False) if real_results else {},
    }
    latencies = {
        name: latency(group, engines)
        for name, group in (("generated", generated_results), ("real", real_results))
        if "plain" in engines and group
    }
    checks = check_targets(summaries["generated"]) if "plain" in engines and summaries["generated"] else []
    if "plain" in engines and summaries["real"]:
        checks += realscans.check_targets(summaries["real"]) + best_checks(summaries["real"])
    elapsed = time.perf_counter() - started

    if summaries["generated"]:
        print(f"Generated captures (seed {args.seed}), CER case-sensitive:\n")
        print(format_table(summaries["generated"], engines))
    if summaries["real"]:
        print(f"\nReal scans ({args.split}), CER caseless:\n")
        print(format_table(summaries["real"], engines, first_column="folder"))
    for name, table in latencies.items():
        what = "Generated captures" if name == "generated" else "Real scans"
        print(f"\n{what}: time against `tesseract IMG stdout` on the same image ({args.workers} at once):\n")
        print(format_latency(table))
    errors = sum(1 for r in results for e in engines if r[e]["error"])
    if errors:
        print(f"\n{errors} OCR call(s) failed and scored as empty text; see {args.json}")
    if checks:
        print()
    for check in checks:
        verdict = "PASS" if check["passed"] else "FAIL"
        print(f"{verdict}  {check['target']}  ({check['reading']} {check['cer']:.3f}, limit {check['limit']:.3f})")
    print(f"\n{len(results)} images in {elapsed:.0f}s")

    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "seed": args.seed,
                "per_category": args.per_category,
                "split": args.split,
                "engines": list(engines),
                "url": args.url,
                "seconds": round(elapsed, 1),
                "summary": summaries,
                "latency": latencies,
                "targets": checks,
                "images": results,
            },
            indent=2,
        )
    )
    return 0 if all(c["passed"] for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
