"""A cross-process bound on concurrent OCR runs, built on file locks.

gunicorn runs several worker processes, so an in-process semaphore cannot bound
the machine. flock() locks are shared between processes and released by the
kernel when a process dies, so a crashed worker never leaks a slot, nor a place
in the line of runs waiting for one.
"""

import fcntl
import math
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ocr.model.errors import Overloaded

_POLL_S = 0.01


class SlotPool:
    """At most `size` runs at once; up to `queue` more wait at most `wait_s`; the rest get Overloaded."""

    def __init__(self, directory: Path, *, size: int, queue: int, wait_s: float, name: str = ""):
        """`name` tells pools sharing a directory apart."""
        self.size, self.wait_s, self.directory = size, wait_s, directory
        prefix = f"{name}-" if name else ""
        self._slots = [directory / f"{prefix}slot-{i}.lock" for i in range(size)]
        self._tickets = [directory / f"{prefix}ticket-{i}.lock" for i in range(size + queue)]
        self._line = directory / f"{prefix}line"

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Admit one job and run it in a slot."""
        with self.admit(), self.run():
            yield

    @contextmanager
    def admit(self) -> Iterator[None]:
        """Take a place in the queue for one job (all pages of a document), or raise Overloaded at once."""
        ticket = _lock_any(self._tickets)
        if ticket is None:
            raise self._overloaded("the server is busy with other images")
        try:
            yield
        finally:
            _unlock(ticket)

    @contextmanager
    def run(self) -> Iterator[None]:
        """Hold one of the run slots, waiting at most wait_s for one to come free.

        Runs that wait are served in the order they came, across processes: each waits in
        line, and only the first in line takes a slot that comes free. Taking whichever
        slot a run happened to see free first let newcomers pass runs that had waited
        longer, until those gave up with a 503 (docs/decisions/0002).
        """
        slot = None if _waiting(self._line) else _lock_any(self._slots)
        if slot is None:
            slot = self._wait_in_line(time.monotonic() + self.wait_s)
        try:
            yield
        finally:
            _unlock(slot)

    @contextmanager
    def spare(self) -> Iterator[bool]:
        """Hold a run slot if one is free now and no run waits for one; yields whether one was
        taken. For work that only uses a core nobody else wants (docs/decisions/0030)."""
        slot = None if _waiting(self._line) else _lock_any(self._slots)
        try:
            yield slot is not None
        finally:
            if slot is not None:
                _unlock(slot)

    def wanted(self) -> bool:
        """Whether a run waits in line for a slot: whoever holds a spare one should give it up."""
        return _waiting(self._line)

    def _wait_in_line(self, deadline: float) -> int:
        """A slot's lock, taken once every run that came earlier has one, by the deadline."""
        with _place_in_line(self._line) as place:
            while not (_first_in_line(self._line, place) and (slot := _lock_any(self._slots)) is not None):
                if time.monotonic() >= deadline:
                    raise self._overloaded(f"no OCR slot came free within {self.wait_s:g} s")
                time.sleep(_POLL_S)
        return slot

    def _overloaded(self, why: str) -> Overloaded:
        retry = max(1, math.ceil(self.wait_s / 2))
        return Overloaded(f"{why}; try again in {retry} s", retry_after_s=retry)


@contextmanager
def _place_in_line(line: Path) -> Iterator[str]:
    """A place at the end of the line: a file named by the time it came (the system's monotonic
    clock, shared by its processes), locked by this run while it waits. Yields its name."""
    line.mkdir(exist_ok=True)
    name = f"{time.monotonic_ns():020d}-{os.getpid()}-{threading.get_ident()}"
    # locked under a hidden name first: seen unlocked, a place is taken for a dead run's and removed
    hidden = line / f".{name}"
    fd = os.open(hidden, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.rename(hidden, line / name)
    try:
        yield name
    finally:
        os.unlink(line / name)
        _unlock(fd)


def _waiting(line: Path) -> bool:
    """Whether a live run waits in line."""
    return not _first_in_line(line, "~")  # "~" sorts after every place's name


def _first_in_line(line: Path, place: str) -> bool:
    """Whether no live run came before `place`; the places of runs that died are removed."""
    try:
        names = sorted(name for name in os.listdir(line) if not name.startswith("."))
    except FileNotFoundError:
        return True
    return not any(_alive(line / name) for name in names if name < place)


def _alive(place: Path) -> bool:
    """Whether the run that took `place` still holds it; a dead run's place is removed."""
    try:
        fd = os.open(place, os.O_RDONLY)
    except FileNotFoundError:
        return False  # served or gone meanwhile
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    place.unlink(missing_ok=True)
    return False


def _lock_any(paths: list[Path]) -> int | None:
    """Take the first free lock among paths; return its descriptor, or None if all are held."""
    for path in paths:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            os.close(fd)
    return None


def _unlock(fd: int) -> None:
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)
