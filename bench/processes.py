"""A running server's processes, read from /proc: its gunicorn master, the process tree under it,
their CPU time and memory, and a sampler of the tree's peak memory and tesseract runs."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Self
from urllib.parse import urlsplit

SAMPLE_S = 0.02  # memory: often enough to catch the peak


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


def worker_count(master: int) -> int:
    """How many worker processes the gunicorn master runs (its children, when no request is in flight)."""
    return sum(1 for depth in process_tree(master).values() if depth == 1)
