"""The machine and server a benchmark ran on: how busy the CPU was with other work, the core count and
CPU model, and the Tesseract the server reports."""

from __future__ import annotations

import json
import os
import platform
import time
import urllib.request
from pathlib import Path

BUSY_WARNING = 0.10  # share of the CPU other programs may use before the timings are flagged


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
