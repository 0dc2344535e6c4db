"""Scribe's word accuracy on the documents of ../shared/realscans: our hOCR (engine auto and best)
and plain `tesseract IMG out hocr`, each page scored by Scribe's own evaluator against the truth hOCR.

The evaluator (../shared/realscans/word_accuracy, Node and scribe.js-ocr) stays where it is; it is
AGPL and a tool for measuring, never part of the project. Its node_modules are installed once.
With the plain reading, the run also sets our estimates of each line's baseline and sizes, made
from Tesseract's own words, against what Tesseract's hOCR says of the same lines.

Run from the project root: python -m bench.word_accuracy [--url URL] [--keep DIR] [--readings plain,auto,best]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from pathlib import Path
from statistics import mean, median

from bench.accuracy import post_image
from bench.realscans import DEFAULT_ROOT
from bench.server import running_server
from ocr.model.geometry import union
from ocr.model.result import Word
from ocr.output import baselines

# Each reading by its name: the request fields that make it (plain is the tesseract command).
READINGS = {"plain": None, "auto": {}, "best": {"engine": "best"}}
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")
WORKERS = 2
_SCORE = re.compile(r"^(\S+) (\d+)/(\d+) ([\d.]+)%$")
_LINES = ("ocr_line", "ocr_caption", "ocr_header", "ocr_textfloat")  # Tesseract's kinds of line


def documents(root: Path) -> list[Path]:
    """The images of root/documents that have a truth hOCR beside them, by name."""
    folder = root / "documents"
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and _truth(p).exists())


def _truth(image: Path) -> Path:
    return image.with_name(f"{image.stem}.truth.hocr")


def server_hocr(url: str, image: Path, fields: dict[str, str]) -> bytes:
    """The hOCR answer of POST {url}/ocr?{fields}&format=hocr with the image as field `image`."""
    return post_image(url, image, {**fields, "format": "hocr"}, timeout_s=600)


def plain_hocr(image: Path, folder: Path) -> None:
    """`tesseract IMG folder/<id> hocr`, one OpenMP thread as in the server."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    out = folder / image.stem
    subprocess.run(["tesseract", str(image), str(out), "hocr"], capture_output=True, env=env, check=True, timeout=600)


def write_readings(reading: str, images: list[Path], folder: Path, url: str | None) -> None:
    """Each image's hOCR by one reading, as folder/<id>.hocr (the name the evaluator looks for)."""
    folder.mkdir(parents=True, exist_ok=True)

    def one(image: Path) -> None:
        fields = READINGS[reading]
        if fields is None:
            plain_hocr(image, folder)
        else:
            assert url is not None
            (folder / f"{image.stem}.hocr").write_bytes(server_hocr(url, image, fields))

    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(one, images))


def evaluate(evaluator: Path, folder: Path, truth: Path) -> dict[str, float]:
    """Scribe's word accuracy (%) of each page's hOCR in folder, by page id."""
    if not (evaluator / "node_modules").exists():
        subprocess.run(["npm", "install", "--no-audit", "--no-fund"], cwd=evaluator, check=True)
    done = subprocess.run(
        ["node", "evaluate.mjs", str(folder), str(truth)],
        cwd=evaluator,
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
    )
    scores = {}
    for line in done.stdout.splitlines():
        if match := _SCORE.match(line.strip()):
            scores[match[1]] = float(match[4])
        elif line.endswith(" missing"):
            scores[line.split()[0]] = 0.0
    return scores


def report(scores: dict[str, dict[str, float]]) -> str:
    """A table: one row per page, one column per reading, then the mean over pages."""
    readings = list(scores)
    pages = sorted({page for per_page in scores.values() for page in per_page})
    rows = ["| page | " + " | ".join(readings) + " |", "|---|" + "---|" * len(readings)]
    rows += [f"| {page} | " + " | ".join(f"{scores[r].get(page, 0.0):.2f}" for r in readings) + " |" for page in pages]
    means = [sum(scores[r].get(p, 0.0) for p in pages) / len(pages) for r in readings]
    rows.append("| **mean** | " + " | ".join(f"**{m:.2f}**" for m in means) + " |")
    return "\n".join(rows)


def calibration(folder: Path) -> str:
    """Our line estimates from the words of Tesseract's hOCR files in folder, against what those
    files say of the same lines: baseline at both ends, x_size, x_descenders and x_ascenders."""
    gaps, shares, sizes, below, above = [], [], [], [], []
    for path in sorted(folder.glob("*.hocr")):
        lines = _tesseract_lines(path)
        for (props, words), ours in zip(lines, baselines.page_metrics([w for _, w in lines]), strict=True):
            box, (left, _, _, bottom), (slope, offset) = union(w.box for w in words), props["bbox"], props["baseline"]
            size = props["x_size"][0]
            for x in (box.left, box.right):
                gap = box.bottom + ours.offset + ours.slope * (x - box.left) - (bottom + offset + slope * (x - left))
                gaps.append(gap)
                shares.append(abs(gap) / size)
            sizes.append(ours.x_size / size)
            below.append(abs(ours.x_descenders - props["x_descenders"][0]) / size)
            above.append(abs(ours.x_ascenders - props["x_ascenders"][0]) / size)
    return (
        f"our hOCR line estimates against Tesseract's own, on its {len(sizes)} lines: baseline off by "
        f"{mean(map(abs, gaps)):.2f} px ({100 * mean(shares):.1f}% of x_size) on average, "
        f"median {median(gaps):+.1f} px; "
        f"x_size {median(sizes):.2f} of Tesseract's (median); x_descenders off by {100 * mean(below):.1f}% "
        f"and x_ascenders by {100 * mean(above):.1f}% of x_size on average"
    )


def _tesseract_lines(path: Path) -> list[tuple[dict[str, list[float]], list[Word]]]:
    """Each line of a Tesseract hOCR file with a baseline: its properties and its words."""
    lines = []
    for element in ET.parse(path).iter():
        if element.get("class") in _LINES and "baseline" in (element.get("title") or ""):
            props = _properties(element)
            words = [
                Word(span.text.strip(), 0.0, x0, y0, x1 - x0, y1 - y0, 1, 1, len(lines))
                for span in element.iter()
                if span.get("class") == "ocrx_word" and (span.text or "").strip()
                for x0, y0, x1, y1 in [map(int, _properties(span)["bbox"])]
            ]
            if words:
                lines.append((props, words))
    return lines


def _properties(element: ET.Element) -> dict[str, list[float]]:
    parts = (part.split() for part in (element.get("title") or "").split(";"))
    return {name: [float(v) for v in values] for name, *values in parts if name in _NUMERIC}


_NUMERIC = ("bbox", "baseline", "x_size", "x_descenders", "x_ascenders")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running server; by default one is started under gunicorn")
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="the realscans folder")
    parser.add_argument("--keep", type=Path, help="write the hOCR files here (one folder per reading) and keep them")
    parser.add_argument("--readings", default=",".join(READINGS), help="comma list of " + ", ".join(READINGS))
    args = parser.parse_args(argv)
    readings = [r for r in args.readings.split(",") if r]
    if unknown := set(readings) - set(READINGS):
        parser.error(f"unknown readings: {', '.join(sorted(unknown))}")
    if not (args.root / "documents").is_dir():
        print(f"{args.root / 'documents'} not found: nothing to measure", file=sys.stderr)
        return 1
    images = documents(args.root)
    needs_server = any(READINGS[r] is not None for r in readings)
    server = running_server() if needs_server and not args.url else nullcontext(args.url)
    holder = nullcontext(str(args.keep)) if args.keep else tempfile.TemporaryDirectory(prefix="word-accuracy-")
    with holder as out, server as url:
        scores = {}
        for reading in readings:
            folder = Path(out) / reading
            write_readings(reading, images, folder, url)
            scores[reading] = evaluate(args.root / "word_accuracy", folder, args.root / "documents")
            print(f"{reading}: mean {sum(scores[reading].values()) / len(images):.2f}% over {len(images)} pages")
        if "plain" in readings:
            print(calibration(Path(out) / "plain"))
    print(report(scores))
    return 0


if __name__ == "__main__":
    sys.exit(main())
