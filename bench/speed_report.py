"""The speed benchmark's report in markdown: the targets, then the measurements behind them."""

from __future__ import annotations

from bench.machine import BUSY_WARNING
from bench.processes import SAMPLE_S
from bench.speed_images import IMAGES, LABELS
from bench.tables import markdown_table, ms, targets_table
from bench.throughput import MEMORY_CLIENTS


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
        (
            "Each server against plain `tesseract IMG stdout`, taking turns on the same file; ratios are medians of "
            "per-round ratios. The CPU ratio counts CPU seconds (the server's processes with their children "
            "against the tesseract process) and holds up better than wall time when other programs share the CPU:"
        ),
        latency_table(results),
        (
            "Where the server's time goes, from one format=json request per image "
            "(outside recognize() is upload, form parsing, OCR slot and answer):"
        ),
        breakdown_table(results),
        (
            "Throughput on the A4 scan. One request alone and two at once take turns in rounds; the 2-vs-1 verdict "
            "is the median of the rounds' speedups (listed below the table), the rows add the rounds up. Then "
            f"{MEMORY_CLIENTS} clients share --requests. Plain tesseract, measured the same way, shows how far the "
            "machine itself scales; processes under the workers (mean over samples) are cli's tesseract runs (api "
            "reads inside the workers):"
        ),
        throughput_table(results),
        speedups_line(results),
        (
            f"Server memory, sum of VmRSS sampled every {SAMPLE_S * 1000:.0f} ms while {memory['clients']} clients "
            "sent 12 MP photos:"
        ),
        memory_table(results),
        "The largest worker's memory once it has read the webcam frame with each language set (its engines warm):",
        languages_table(results),
    ]
    if any("live" in found for found in results["modes"].values()):
        parts += [
            (
                "Live reading on the camera page (bench/live.py): headless Chromium, its fake camera showing "
                "webcam frames of six pages in turn, Live on; readings answered 200 per second:"
            ),
            live_table(results),
        ]
    return "\n\n".join(parts)
