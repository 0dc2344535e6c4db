"""Tables found: cell and structure accuracy, and the time the table step adds to a page's reading.

Sets: generated pages of each kind (bench/table_pages.py: ruled, unruled, amid text, shaded,
photographed skewed, turned by EXIF), the real tables of ../shared/realscans/documents whose
cells are written down in bench/table_truth/, and real pages without a table (the time the
step costs where it finds nothing, and the tables it finds there by mistake).

A table's structure is right when its rows and columns are as many as the truth's; a cell is
exact when its text is the truth's after whitespace is normalised. A truth table the reading
misses counts every cell wrong. Every page is read by a server as `make run` starts it.

    python -m bench.tables_accuracy [--per-kind 20] [--engine auto] [--root ../shared/realscans]
"""

from __future__ import annotations

import argparse
import csv
import json
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from statistics import mean

from bench import table_pages
from bench.realscans import DEFAULT_ROOT
from bench.server import PROJECT_ROOT, running_server

TRUTH = PROJECT_ROOT / "bench" / "table_truth"
# real pages without a table: what the step costs there
WITHOUT_TABLES = ("singlecol_01", "filing_03", "deposition_02", "multicol_03", "multicol_05", "chart_02")


@dataclass
class Tally:
    """One set's counts."""

    tables: int = 0
    structure_right: int = 0
    cells: int = 0
    cells_exact: int = 0
    found_elsewhere: int = 0  # tables found on pages without one
    step_ms: list[int] = field(default_factory=list)
    share: list[float] = field(default_factory=list)  # the step's time over the rest of the page's

    def page(self, answer: dict) -> None:
        timings = answer["timings_ms"]
        self.step_ms.append(timings["tables"])
        self.share.append(timings["tables"] / max(1, timings["total"] - timings["tables"]))

    def table(self, truth: list[list[str]], found: dict | None) -> None:
        self.tables += 1
        self.cells += sum(len(row) for row in truth)
        if found is None:
            return
        got = grid(found)
        self.structure_right += (len(got), len(got[0])) == (len(truth), len(truth[0]))
        self.cells_exact += sum(
            r < len(got) and c < len(got[r]) and normalised(got[r][c]) == normalised(text)
            for r, row in enumerate(truth)
            for c, text in enumerate(row)
        )

    def row(self, name: str) -> str:
        structure = f"{self.structure_right}/{self.tables}" if self.tables else "-"
        cells = f"{self.cells_exact / self.cells:.1%}" if self.cells else "-"
        return (
            f"| {name} | {len(self.step_ms)} | {structure} | {cells} | {self.found_elsewhere} | "
            f"{mean(self.step_ms):.0f} | {mean(self.share):.1%} | {max(self.share):.1%} |"
        )


def grid(table: dict) -> list[list[str]]:
    rows = [[""] * table["columns"] for _ in range(table["rows"])]
    for cell in table["cells"]:
        rows[cell["row"] - 1][cell["column"] - 1] = cell["text"]
    return rows


def normalised(text: str) -> str:
    return " ".join(text.split())


def read(url: str, data: bytes, content_type: str, engine: str) -> dict:
    request = urllib.request.Request(
        f"{url}/ocr?format=json&engine={engine}", data=data, method="POST", headers={"Content-Type": content_type}
    )
    with urllib.request.urlopen(request, timeout=300) as response:
        return json.load(response)


def generated(url: str, kind: str, count: int, engine: str) -> Tally:
    tally = Tally()
    for seed in range(count):
        page = table_pages.page(kind, 1000 + seed)  # other seeds than the tests'
        answer = read(url, page.encoded(), "image/png" if page.orientation == 1 else "image/jpeg", engine)
        tally.page(answer)
        tally.table(page.cells, answer["tables"][0] if answer["tables"] else None)
    return tally


def real_tables(url: str, root: Path, engine: str) -> Tally:
    tally = Tally()
    truths: dict[str, dict[int, list[list[str]]]] = {}
    for path in sorted(TRUTH.glob("*.csv")):
        page, number = path.stem.rsplit(".", 1)
        with path.open(newline="", encoding="utf-8") as file:
            truths.setdefault(page, {})[int(number)] = list(csv.reader(file))
    for page, tables in truths.items():
        image = root / "documents" / f"{page}.png"
        answer = read(url, image.read_bytes(), "image/png", engine)
        tally.page(answer)
        for number, truth in sorted(tables.items()):
            found = answer["tables"][number - 1] if number <= len(answer["tables"]) else None
            tally.table(truth, found)
    return tally


def without_tables(url: str, root: Path, engine: str) -> Tally:
    tally = Tally()
    for page in WITHOUT_TABLES:
        image = next((root / "documents").glob(f"{page}.*g"))
        answer = read(url, image.read_bytes(), "image/png" if image.suffix == ".png" else "image/jpeg", engine)
        tally.page(answer)
        tally.found_elsewhere += len(answer["tables"])
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-kind", type=int, default=20, help="generated pages of each kind")
    parser.add_argument("--engine", default="auto", help="the engine choice the pages are read with")
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="the real scans' folder")
    args = parser.parse_args()
    print(f"engine={args.engine}; each page read once by a server with one worker")
    print("| set | pages | structure right | cells exact | found by mistake | step ms | step share | max share |")
    print("|---|---|---|---|---|---|---|---|")
    with running_server(workers=1) as url:
        totals = Tally()
        for kind in table_pages.KINDS:
            tally = generated(url, kind, args.per_kind, args.engine)
            print(tally.row(f"generated: {kind}"), flush=True)
            for name in ("tables", "structure_right", "cells", "cells_exact", "step_ms", "share"):
                setattr(totals, name, getattr(totals, name) + getattr(tally, name))
        print(totals.row("generated: all"), flush=True)
        if not (args.root / "documents").is_dir():
            print(f"(no real scans at {args.root}: the real sets are left out)")
            return
        print(real_tables(url, args.root, args.engine).row("real tables (bench/table_truth)"), flush=True)
        print(without_tables(url, args.root, args.engine).row("real pages without a table"), flush=True)


if __name__ == "__main__":
    main()
