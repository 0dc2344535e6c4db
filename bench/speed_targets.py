"""The speed benchmark's targets, and each measurement's verdict against its target."""

from __future__ import annotations

from bench.speed_images import LABELS

RATIO_TARGETS = {"webcam": 0.90, "a4_scan": 1.00, "phone_12mp": 0.50, "print_photo_blurred": 0.60}
CLIENTS_SPEEDUP_TARGET = 1.8  # 2 clients against 1, on 2 cores
LIVE_TARGET = 2.0  # readings a second on the camera page, Live on
MEMORY_TARGET_MIB = 1024


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
