"""The cross-process bound on OCR runs: runs that wait are served in the order they came, a
run that died holds no one up, and waiting leaves nothing behind."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ocr.model.errors import Overloaded
from ocr.slots import SlotPool

PROJECT = Path(__file__).resolve().parents[1]


def places(directory: Path) -> list[str]:
    """The places taken in the pool's line, hidden ones too."""
    line = directory / "line"
    return sorted(os.listdir(line)) if line.exists() else []


def wait_until(condition, timeout_s: float = 10) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_runs_that_wait_are_served_in_the_order_they_came(tmp_path):
    pool = SlotPool(tmp_path, size=1, queue=6, wait_s=30)
    served: list[int] = []

    def run(number: int) -> None:
        with pool.run():
            served.append(number)
            time.sleep(0.03)  # long enough for every waiter to poll while the slot is held

    with pool.run():  # the slot is busy: everyone who comes now waits
        threads = []
        for number in range(6):
            threads.append(threading.Thread(target=run, args=(number,)))
            threads[-1].start()
            wait_until(lambda n=number: len(places(tmp_path)) == n + 1)  # in line before the next comes
    for thread in threads:
        thread.join(30)
    assert served == list(range(6))
    assert places(tmp_path) == []


def test_a_newcomer_waits_behind_the_line_even_when_a_slot_is_free(tmp_path):
    pool = SlotPool(tmp_path, size=1, queue=2, wait_s=30)
    served: list[str] = []
    slot_busy, release = threading.Event(), threading.Event()

    def holder() -> None:
        with pool.run():
            slot_busy.set()
            release.wait(10)

    def waiter() -> None:
        with pool.run():
            served.append("waited")

    threading.Thread(target=holder).start()
    slot_busy.wait(10)
    first = threading.Thread(target=waiter)
    first.start()
    wait_until(lambda: len(places(tmp_path)) == 1)
    release.set()  # the slot comes free while a run waits: a run arriving now must not take it
    with pool.run():
        served.append("newcomer")
    first.join(10)
    assert served == ["waited", "newcomer"]


def test_a_run_that_gives_up_leaves_its_place(tmp_path):
    pool = SlotPool(tmp_path, size=1, queue=1, wait_s=0.1)
    with pool.run(), pytest.raises(Overloaded, match=r"no OCR slot came free within 0\.1 s"), pool.run():
        pass
    assert places(tmp_path) == []


def test_a_run_that_died_in_line_holds_no_one_up(tmp_path):
    pool = SlotPool(tmp_path, size=1, queue=2, wait_s=30)
    waiting_child = (
        "import sys; from pathlib import Path; from ocr.slots import SlotPool\n"
        "with SlotPool(Path(sys.argv[1]), size=1, queue=2, wait_s=60).run(): pass\n"
    )
    with pool.run():
        child = subprocess.Popen([sys.executable, "-c", waiting_child, str(tmp_path)], cwd=PROJECT)
        try:
            # in line, under its own name: killed while still hidden, its file would be left alone
            wait_until(lambda: [place for place in places(tmp_path) if not place.startswith(".")])
        finally:
            child.send_signal(signal.SIGKILL)  # its place stays behind, unlocked
            child.wait(10)
        assert len(places(tmp_path)) == 1
    started = time.monotonic()
    with pool.run():
        assert time.monotonic() - started < 1  # the dead run's place was passed over, not waited for
    assert places(tmp_path) == []


def test_a_spare_slot_is_one_free_now_that_no_run_waits_for(tmp_path):
    pool = SlotPool(tmp_path, size=2, queue=2, wait_s=30)
    with pool.run():
        with pool.spare() as free:
            assert free  # the second core
            with pool.spare() as another:
                assert not another  # both held: a spare slot is never waited for
        with pool.spare() as free:
            assert free  # given back
    assert not pool.wanted()


def test_a_run_that_comes_waiting_is_told_to_whoever_holds_a_spare_slot(tmp_path):
    pool = SlotPool(tmp_path, size=1, queue=1, wait_s=30)
    served = threading.Event()

    def newcomer() -> None:
        with pool.run():
            served.set()

    with pool.spare() as free:
        assert free and not pool.wanted()
        thread = threading.Thread(target=newcomer)
        thread.start()
        wait_until(pool.wanted)  # the holder of the spare slot sees it, and gives the slot up
        assert not served.is_set()
    thread.join(10)
    assert served.is_set() and not pool.wanted()
    assert places(tmp_path) == []
