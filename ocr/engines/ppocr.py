"""The second engine, PP-OCRv6 (through rapidocr): the words of each line it finds, with boxes and confidences.

The model runs in child processes this module starts (ppocr_child.py), each loading it once
and reading page after page. A page past its deadline is stopped by ending its child,
which a thread could not do, and a crash or a dense page's memory stays out of the server.
"""

import contextlib
import logging
import os
import select
import signal
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

from PIL import Image

from ocr.engines import frames
from ocr.engines.known_lines import Bounds, bounds_of, quad_bounds
from ocr.model.errors import EngineFailure, OcrError, OcrTimeout
from ocr.model.geometry import Box
from ocr.model.result import Word
from ocr.slots import SlotPool

NAME = "ppocr"
MODEL = "PP-OCRv6 small (rapidocr)"
# Tesseract language codes whose letters PP-OCRv6's recognizer knows: its dictionary holds
# the Latin letters with their diacritics, Greek, Chinese and Japanese kana, and no Cyrillic,
# Arabic, Hebrew, Hangul or Indic scripts.
LANGUAGES = frozenset(
    "afr bos cat ces chi_sim chi_tra cym dan deu ell eng epo est eus fin fra gle glg hrv hun ind isl ita "  # noqa: SIM905 - forty codes read best as words
    "jpn lat lav lit msa mlt nld nor pol por ron slk slv spa sqi swe tur".split()
)
# PP-OCRv6's detector scales a page's short side up to 736 px, so its work grows with the
# page's aspect, steeply on thin strips (bench/README.md). A thin page is padded with its own
# corner colour (right or bottom, boxes unchanged) to at most MAX_ASPECT times longer than wide,
# and a short side under MIN_SIDE px to MIN_SIDE (or the long side): no line of text is lost.
MAX_ASPECT = 16
MIN_SIDE = 32
STARTUP_TIMEOUT_S = 60.0  # loading and warming the models takes seconds; on a cold disk, far longer
# Children kept loaded per server process between pages: one answers at once, more would hold
# hundreds of MB each; a second page at the same time starts (and then ends) its own.
WARM_CHILDREN = 1
# How often a page read ahead asks whether it is still wanted while the child reads it, and how
# long a page waits for a child that was told to stop one (it finishes the model step it is in)
# rather than loading another.
STOP_POLL_S, STOPPING_WAIT_S = 0.02, 5.0
_PROJECT_ROOT = Path(__file__).resolve().parents[2]


def reads(lang: str) -> bool:
    """True when PP-OCRv6 knows the letters of every language in `lang` ('eng+deu')."""
    return all(name in LANGUAGES for name in lang.split("+"))


class ChildPool:
    """PP-OCRv6 children with the models loaded, waiting for a page (at most WARM_CHILDREN). Whoever
    makes a pool owns it: close() ends its children, and so does the end of the pool or of this
    process (a child reads until its input closes)."""

    def __init__(self) -> None:
        self._idle: list[_Child] = []
        self._lent: set[_Child] = set()
        self._lock = threading.Lock()
        self._returned = threading.Condition(self._lock)
        self._closed = False
        weakref.finalize(self, _stop_children, self._idle, self._lock)

    def take(self) -> "_Child":
        """A waiting child, or a new one. Where none waits but one is stopping a page read ahead,
        that one, once back (at most STOPPING_WAIT_S): loading another takes seconds."""
        with self._returned:
            self._returned.wait_for(
                lambda: self._idle or not any(child.stopping for child in self._lent), STOPPING_WAIT_S
            )
        child = self.take_warm()
        if child is None:
            child = _Child()
            with self._lock:
                self._lent.add(child)
        return child

    def take_warm(self) -> "_Child | None":
        """A waiting child, or None when none waits."""
        with self._lock:
            if not self._idle:
                return None
            child = self._idle.pop()
            self._lent.add(child)
            return child

    def keep(self, child: "_Child") -> None:
        """Keep the child for the next page, or end it when WARM_CHILDREN are already waiting or
        the pool is closed (a page read ahead may end after its server stopped)."""
        with self._returned:
            self._lent.discard(child)
            self._returned.notify_all()
            if not self._closed and len(self._idle) < WARM_CHILDREN:
                self._idle.append(child)
                return
        child.stop()

    def discard(self, child: "_Child") -> None:
        """End a child that failed."""
        with self._returned:
            self._lent.discard(child)
            self._returned.notify_all()
        child.stop()

    def prestart(self) -> None:
        """Load a child now, in the background, rather than when PP-OCRv6 first reads a page: that
        page then waits no longer than the others (a child takes seconds to load and holds hundreds
        of MiB before its first page). A page that comes first starts its own child."""

        def start() -> None:
            try:
                self.keep(_Child())
            except OcrError as e:  # the first page will try again, and say what failed
                logging.getLogger(__name__).warning("PP-OCRv6 could not be loaded ahead: %s", e.message)

        threading.Thread(target=start, name="PP-OCRv6 prestart", daemon=True).start()

    def warm_count(self) -> int:
        """How many children wait, loaded, for a page."""
        with self._lock:
            return len(self._idle)

    def close(self) -> None:
        """End the children waiting for a page, and those that come back from one."""
        with self._lock:
            self._closed = True
        _stop_children(self._idle, self._lock)


class FoundLine(NamedTuple):
    """A line PP-OCRv6 found and read: the detector's bounds of it and its words."""

    bounds: Bounds
    words: tuple[Word, ...]


class Ppocr:
    """PP-OCRv6 readings, at most `slots.size` at once across all server processes, since a
    dense page takes several hundred megabytes; read by the children of `children` (a pool of
    its own unless one is lent, as tests lend one pool to the many apps they build)."""

    def __init__(self, slots: SlotPool, children: ChildPool | None = None):
        self.slots = slots
        self.children = children if children is not None else ChildPool()

    def read_lines(
        self,
        image: Image.Image,
        *,
        timeout_s: float,
        long_side: int | None = None,
        detect_long_side: int | None = None,
        known: Sequence[Box] = (),
    ) -> list[tuple[Word, ...]]:
        """Read `image`: the words of each line the detector found, boxes in `image`'s pixels. The
        lines are found on the page seen at most `detect_long_side` pixels on its long side and
        recognized on it seen at most `long_side` (each when given; else rapidocr's own bound). A
        line found inside one of `known` (read already) is left out unread."""
        with self.slots.run():
            lines = self._read(image, timeout_s, long_side, detect_long_side, bounds_of(known))
        assert lines is not None  # only a reading that may be stopped comes back without lines
        return [line.words for line in lines]

    def read_ahead(
        self,
        image: Image.Image,
        *,
        timeout_s: float,
        long_side: int | None,
        detect_long_side: int | None,
        stop: Callable[[], bool],
    ) -> list[FoundLine] | None:
        """Read every line of `image` as read_lines() does, where one of PP-OCRv6's slots and a
        loaded child are free now; None when not, or when `stop()` comes true first (checked every
        STOP_POLL_S). A child is not started for it: loading takes seconds, and cannot be stopped."""
        with self.slots.spare() as free:
            if not free:
                return None
            return self._read(image, timeout_s, long_side, detect_long_side, [], warm_only=True, stop=stop)

    def _read(
        self,
        image: Image.Image,
        timeout_s: float,
        long_side: int | None,
        detect_long_side: int | None,
        known: Sequence[Bounds],
        *,
        warm_only: bool = False,
        stop: Callable[[], bool] | None = None,
    ) -> list[FoundLine] | None:
        """A child's reading of `image`, in one of this engine's slots (None when `warm_only` and
        no loaded child waits): the child comes back to the pool unless it failed."""
        pixels = _within_aspect(image if image.mode in ("L", "RGB") else image.convert("RGB"))
        child = self.children.take_warm() if warm_only else self.children.take()
        if child is None:
            return None
        try:
            lines = child.read(pixels, timeout_s, long_side, detect_long_side, known, stop=stop)
        except BaseException:
            self.children.discard(child)
            raise
        self.children.keep(child)
        return None if lines is None else [_found_line(line, image.size) for line in lines]


def _stop_children(children: list["_Child"], lock: threading.Lock) -> None:
    with lock:
        idle = children[:]
        children.clear()
    for child in idle:
        child.stop()


def _within_aspect(image: Image.Image) -> Image.Image:
    """The page, padded at its right or bottom edge where it is thinner than MAX_ASPECT or MIN_SIDE allow."""
    width, height = image.size
    size = (
        max(width, -(-height // MAX_ASPECT), min(height, MIN_SIDE)),
        max(height, -(-width // MAX_ASPECT), min(width, MIN_SIDE)),
    )
    if size == image.size:
        return image
    padded = Image.new(image.mode, size, image.getpixel((width - 1, height - 1)))
    padded.paste(image, (0, 0))
    return padded


class _Child:
    """One child process with the model loaded, reading one page at a time."""

    def __init__(self):
        self.stopping = False  # told to stop the page it reads, and not yet answered
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ocr.engines.ppocr_child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=_PROJECT_ROOT,
            env=env,
        )
        try:
            self._answer(STARTUP_TIMEOUT_S, "starting PP-OCRv6")
        except BaseException:
            self.stop()
            raise

    def read(
        self,
        image: Image.Image,
        timeout_s: float,
        long_side: int | None,
        detect_long_side: int | None,
        known: Sequence[Bounds],
        *,
        stop: Callable[[], bool] | None = None,
    ) -> list | None:
        """The child's lines of `image`; None when `stop()` came true and the child stopped first."""
        request = (image.mode, image.size, image.tobytes(), long_side, detect_long_side, list(known))
        try:
            frames.write(self.process.stdin, request)
        except OSError as e:
            raise EngineFailure(f"PP-OCRv6 stopped unexpectedly: {e}") from e
        status, *lines = self._answer(timeout_s, "reading with PP-OCRv6", stop=stop)
        if status == "stopped":
            return None
        if status != "ok":
            raise EngineFailure(f"PP-OCRv6 failed: {lines[0]}")
        return lines[0]

    def _answer(self, timeout_s: float, what: str, *, stop: Callable[[], bool] | None = None) -> tuple:
        """The child's next answer, within `timeout_s`; the child is asked to stop the page
        (SIGUSR1, which it checks between batches of lines) once `stop()` comes true."""
        deadline = time.monotonic() + timeout_s
        asked = stop is None
        while not select.select([self.process.stdout], [], [], _wait_s(deadline, polling=not asked))[0]:
            if time.monotonic() >= deadline:
                raise OcrTimeout(
                    f"{what} took longer than {timeout_s:g} s and was stopped; send a smaller or clearer image"
                )
            if not asked and stop is not None and stop():
                with contextlib.suppress(ProcessLookupError):  # ended meanwhile: its answer says how
                    self.process.send_signal(signal.SIGUSR1)
                asked = self.stopping = True
        self.stopping = False
        answer = frames.read(self.process.stdout)
        if answer is None:
            raise EngineFailure(f"PP-OCRv6 stopped unexpectedly (exit code {self.process.wait()})")
        assert isinstance(answer, tuple)  # ("ready",), ("ok", lines), ("stopped",) or ("error", what)
        return answer

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()
        self.process.stdin.close()
        self.process.stdout.close()


def _wait_s(deadline: float, *, polling: bool) -> float:
    left = max(0.0, deadline - time.monotonic())
    return min(left, STOP_POLL_S) if polling else left


def _found_line(line: tuple, size: tuple[int, int]) -> FoundLine:
    quad, text, score, words = line
    if not words and text.strip():  # no word boxes for this line: spread its words over the line by length
        words = _spread(text, score, *_bounds(quad, size))
    read = [_word(text, score, _bounds(box, size)) for text, score, box in words if text.strip()]
    return FoundLine(quad_bounds(quad), tuple(_joined_punctuation(read)))


def _bounds(quad, size: tuple[int, int]) -> tuple[int, int, int, int]:
    xs, ys = [p[0] for p in quad], [p[1] for p in quad]
    return (
        max(0, int(min(xs))),
        max(0, int(min(ys))),
        min(size[0], round(max(xs))),
        min(size[1], round(max(ys))),
    )


def _word(text: str, score: float, bounds: tuple[int, int, int, int]) -> Word:
    left, top, right, bottom = bounds
    return Word(
        text=text.strip(),
        confidence=round(score * 100, 1),
        left=left,
        top=top,
        width=max(1, right - left),
        height=max(1, bottom - top),
        block=0,
        paragraph=0,
        line=0,
        engine=NAME,
    )


def _spread(text: str, score: float, left: int, top: int, right: int, bottom: int) -> list[tuple]:
    tokens = text.split()
    per_char = (right - left) / max(1, len(" ".join(tokens)))
    spread, x = [], float(left)
    for token in tokens:
        width = per_char * len(token)
        spread.append((token, score, [(x, top), (x + width, top), (x + width, bottom), (x, bottom)]))
        x += width + per_char
    return spread


def _joined_punctuation(words: list[Word]) -> list[Word]:
    """Attach a mark read as its own word ('all' ',') to the word it touches, as print sets it."""
    joined: list[Word] = []
    for word in words:
        previous = joined[-1] if joined else None
        # a mark (no letter or digit) that touches the word before it
        if (
            previous is not None
            and word.left - (previous.left + previous.width) <= 0.2 * word.height
            and not any(c.isalnum() for c in word.text)
        ):
            right = max(previous.left + previous.width, word.left + word.width)
            top, bottom = min(previous.top, word.top), max(previous.top + previous.height, word.top + word.height)
            joined[-1] = replace(
                previous,
                text=previous.text + word.text,
                confidence=min(previous.confidence, word.confidence),
                top=top,
                width=right - previous.left,
                height=bottom - top,
            )
        else:
            joined.append(word)
    return joined
