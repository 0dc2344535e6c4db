"""Real scans with hand-made transcriptions (../shared/realscans): loading, halves, targets.

The images stay where they are (several are licensed for research only); the benchmark reads
them in place and says so plainly when the folder is absent.
"""

from __future__ import annotations

import csv
from pathlib import Path

from bench.score import target_check
from bench.server import PROJECT_ROOT

DEFAULT_ROOT = PROJECT_ROOT.parent / "shared" / "realscans"
# Tesseract reads print; its pipeline has no target on handwriting.
REFERENCE_ONLY = ("handwritten",)
# The default, two engines, on the folders where PP-OCRv6 reads far better (issue 14); every
# other folder: plain tesseract + TOLERANCE.
AUTO_LIMITS = {"handwritten": 0.40, "forms": 0.20, "receipts": 0.08, "typewritten": 0.20}
# Halves of each folder: tune on one, confirm on the other, then swap.
SPLITS = ("all", "tune", "check")
# A step may cost a real folder at most this much caseless CER against plain tesseract and `none`.
TOLERANCE = 0.005


def load(root: Path, *, split: str = "all", folders: tuple[str, ...] | None = None) -> list[dict]:
    """The images of root's manifest as benchmark items, in manifest order.

    `tune` keeps every other image of each folder (by sorted id, starting with the first) and
    `check` the rest, so both halves hold each folder's kinds of page.
    """
    with open(root / "manifest.tsv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    by_folder: dict[str, list[dict]] = {}
    for row in rows:
        if folders is None or row["folder"] in folders:
            by_folder.setdefault(row["folder"], []).append(row)
    items = []
    for folder, members in by_folder.items():
        for index, row in enumerate(sorted(members, key=lambda r: r["id"])):
            if split == "all" or (index % 2 == 0) == (split == "tune"):
                image = root / row["image"]
                truth = image.with_name(f"{row['id']}.gt.txt").read_text(encoding="utf-8")
                items.append({"file": row["image"], "path": image, "group": folder, "text": truth, "caseless": True})
    return items


def check_targets(summary: dict[str, dict]) -> list[dict]:
    """Per printed folder, the preprocessing pipeline (`tesseract`) within TOLERANCE of plain
    tesseract and of `none`; per folder, the default (`auto`) within its limit."""
    checks = []
    for folder, s in summary.items():
        if folder not in REFERENCE_ONLY and "cer_tesseract" in s:
            for baseline in ("plain", "none"):
                if f"cer_{baseline}" in s:
                    target = f"real {folder}: tesseract <= {baseline} + {TOLERANCE}"
                    checks.append(target_check(target, s, "tesseract", s[f"cer_{baseline}"] + TOLERANCE))
        if "cer_auto" in s:
            limit = AUTO_LIMITS.get(folder, s["cer_plain"] + TOLERANCE)
            checks.append(target_check(f"real {folder}: auto <= {limit:.3f}", s, "auto", limit))
    return checks
