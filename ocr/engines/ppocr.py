"""The second engine, PP-OCRv6 (through rapidocr): words with boxes and confidences, in our reading order.

The model runs in child processes this module starts (ppocr_child.py), each loading it once
and reading page after page. A page past its deadline is stopped by ending its child,
which a thread could not do, and a crash or a dense page's memory stays out of the server.
"""

import logging
import os
import select
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image

from ocr.engines import frames
from ocr.layout import columns
from ocr.model.errors import EngineFailure, OcrError, OcrTimeout
from ocr.model.result import Word
from ocr.preprocess.pipeline import otsu_threshold
from ocr.slots import SlotPool

NAME = "ppocr"
MODEL = "PP-OCRv6 small (rapidocr)"
# Tesseract language codes whose letters PP-OCRv6's recognizer knows: its dictionary holds
# the Latin letters with their diacritics, Greek, Chinese and Japanese kana, and no Cyrillic,
# Arabic, Hebrew, Hangul or Indic scripts.
LANGUAGES = frozenset(
    "afr bos cat ces chi_sim chi_tra cym dan deu ell eng epo est eus fin fra gle glg hrv hun ind isl ita "
    "jpn lat lav lit msa mlt nld nor pol por ron slk slv spa sqi swe tur".split()
)
# PP-OCRv6's detector scales a page's short side up to 736 px, so its work grows with the
# page's aspect: a 1x68 strip took two minutes, 3x400 four. A thin page is padded with its own
# corner colour (right or bottom, boxes unchanged) to at most MAX_ASPECT times longer than wide,
# and a short side under MIN_SIDE px to MIN_SIDE (or the long side): no line of text is lost.
MAX_ASPECT = 16
MIN_SIDE = 32
STARTUP_TIMEOUT_S = 60.0  # loading and warming the models takes seconds; on a cold disk, far longer
# Children kept loaded per server process between pages: one answers at once, more would hold
# 100-500 MB each; a second page at the same time starts (and then ends) its own.
WARM_CHILDREN = 1
_PROJECT_ROOT = Path(__file__).resolve().parents[2]
_warm: list["_Child"] = []  # children with the models loaded, waiting for a page
_warm_lock = threading.Lock()


def reads(lang: str) -> bool:
    """True when PP-OCRv6 knows the letters of every language in `lang` ('eng+deu')."""
    return all(name in LANGUAGES for name in lang.split("+"))


class Ppocr:
    """PP-OCRv6 readings, at most `slots.size` at once across all server processes, since a
    dense page takes several hundred megabytes. The warm children belong to the process, not
    to one app, so every app a process builds (tests build many) shares them."""

    def __init__(self, slots: SlotPool):
        self.slots = slots

    def recognize_words(
        self, image: Image.Image, *, timeout_s: float, long_side: int | None = None
    ) -> tuple[Word, ...]:
        """Read `image`, seen at most `long_side` pixels on its long side when given (else
        rapidocr's own bound); words in reading order, boxes in `image`'s pixels."""
        pixels = _within_aspect(image if image.mode in ("L", "RGB") else image.convert("RGB"))
        with self.slots.run():
            child = _take_warm()
            try:
                lines = child.read(pixels, timeout_s, long_side=long_side)
            except BaseException:
                child.stop()
                raise
            _keep_warm(child)
        # ordered on the detector's boxes, the geometry the order was tuned on; then fitted
        words = columns.ordered_words([_line_words(line, image.size) for line in lines])
        gray = image.convert("L")
        return tuple(_fitted_to_ink(word, gray) for word in words)


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


def prestart() -> None:
    """Load this process's warm child now, in the background, rather than when PP-OCRv6 first reads
    a page: that page then waits no longer than the others (a child takes some 6 s to load, and
    holds 360-560 MiB before its first page). A page that comes first starts its own child."""

    def start() -> None:
        try:
            _keep_warm(_Child())
        except OcrError as e:  # the first page will try again, and say what failed
            logging.getLogger(__name__).warning("PP-OCRv6 could not be loaded ahead: %s", e.message)

    threading.Thread(target=start, name="PP-OCRv6 prestart", daemon=True).start()


def warm_count() -> int:
    """How many children of this process wait, loaded, for a page."""
    with _warm_lock:
        return len(_warm)


def stop_warm() -> None:
    """End this process's waiting children (a server's children end with it; tests start afresh)."""
    with _warm_lock:
        idle = _warm[:]
        _warm.clear()
    for child in idle:
        child.stop()


def _take_warm() -> "_Child":
    """A warm child of this process, or a new one."""
    with _warm_lock:
        if _warm:
            return _warm.pop()
    return _Child()


def _keep_warm(child: "_Child") -> None:
    """Keep the child for the next page, or end it when WARM_CHILDREN are already waiting."""
    with _warm_lock:
        if len(_warm) < WARM_CHILDREN:
            _warm.append(child)
            return
    child.stop()


class _Child:
    """One child process with the model loaded, reading one page at a time."""

    def __init__(self):
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

    def read(self, image: Image.Image, timeout_s: float, *, long_side: int | None = None) -> list:
        try:
            frames.write(self.process.stdin, (image.mode, image.size, image.tobytes(), long_side))
        except OSError as e:
            raise EngineFailure(f"PP-OCRv6 stopped unexpectedly: {e}") from e
        status, lines = self._answer(timeout_s, "reading with PP-OCRv6")
        if status != "ok":
            raise EngineFailure(f"PP-OCRv6 failed: {lines}")
        return lines

    def _answer(self, timeout_s: float, what: str) -> tuple:
        ready, _, _ = select.select([self.process.stdout], [], [], timeout_s)
        if not ready:
            raise OcrTimeout(
                f"{what} took longer than {timeout_s:g} s and was stopped; send a smaller or clearer image"
            )
        answer = frames.read(self.process.stdout)
        if answer is None:
            raise EngineFailure(f"PP-OCRv6 stopped unexpectedly (exit code {self.process.wait()})")
        return answer

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()
        self.process.stdin.close()
        self.process.stdout.close()


def _line_words(line: tuple, size: tuple[int, int]) -> tuple[Word, ...]:
    quad, text, score, words = line
    if not words and text.strip():  # no word boxes for this line: spread its words over the line by length
        words = _spread(text, score, *_bounds(quad, size))
    return tuple(
        _joined_punctuation([_word(text, score, _bounds(box, size)) for text, score, box in words if text.strip()])
    )


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


def _fitted_to_ink(word: Word, gray: Image.Image) -> Word:
    """The word's box shrunk to the ink inside it: the detector draws its boxes half a line
    taller than the letters, which a text layer or a highlight would show."""
    crop = gray.crop((word.left, word.top, word.left + word.width, word.top + word.height))
    pixels = np.asarray(crop)
    dark = pixels <= otsu_threshold(crop)
    ink = dark if dark.mean() <= 0.5 else ~dark  # the letters are the minority, whatever their polarity
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if not len(rows):
        return word
    return replace(
        word,
        left=word.left + int(cols[0]),
        top=word.top + int(rows[0]),
        width=int(cols[-1] - cols[0]) + 1,
        height=int(rows[-1] - rows[0]) + 1,
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
        touching = previous is not None and word.left - (previous.left + previous.width) <= 0.2 * word.height
        if touching and not any(c.isalnum() for c in word.text):
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
