"""A cross-process bound on concurrent OCR runs, built on file locks.

gunicorn runs several worker processes, so an in-process semaphore cannot bound
the machine. flock() locks are shared between processes and released by the
kernel when a process dies, so a crashed worker never leaks a slot.
"""

import fcntl
import math
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import Overloaded

_POLL_S = 0.01


class SlotPool:
    """At most `size` runs at once; up to `queue` more wait at most `wait_s`; the rest get Overloaded."""

    def __init__(self, directory: Path, *, size: int, queue: int, wait_s: float, name: str = ""):
        """`name` tells pools sharing a directory apart."""
        self.size, self.wait_s = size, wait_s
        prefix = f"{name}-" if name else ""
        self._slots = [directory / f"{prefix}slot-{i}.lock" for i in range(size)]
        self._tickets = [directory / f"{prefix}ticket-{i}.lock" for i in range(size + queue)]

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
        """Hold one of the run slots, waiting at most wait_s for one to come free."""
        deadline = time.monotonic() + self.wait_s
        while (slot := _lock_any(self._slots)) is None:
            if time.monotonic() >= deadline:
                raise self._overloaded(f"no OCR slot came free within {self.wait_s:g} s")
            time.sleep(_POLL_S)
        try:
            yield
        finally:
            _unlock(slot)

    def _overloaded(self, why: str) -> Overloaded:
        retry = max(1, math.ceil(self.wait_s / 2))
        return Overloaded(f"{why}; try again in {retry} s", retry_after_s=retry)


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
