"""Tesseract behind one interface, run one of two ways (OCR_ENGINE): `api`, warm engines inside this
process through tesserocr (tesseract_api.py), or `cli`, one `tesseract` process per image through
pytesseract, the only pytesseract user. Every reading of a page comes through here."""

import functools
import os
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

import pytesseract
from PIL import Image

from ocr.model.errors import EngineFailure, OcrTimeout
from ocr.model.result import Word

# Debian's Tesseract spins one OpenMP thread per core; with several pages or
# requests in flight that oversubscribes the CPU (8x slower measured on 2 cores).
# Set here, before tesseract_api.py imports tesserocr: the OpenMP of the libtesseract it is built
# against (Debian's, see the Makefile) reads the limit once, when the library loads.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

MODES = ("api", "cli")
# The warm engine: faster than a process a page, and the same text on every page of the accuracy
# benchmark when tesserocr is built against Debian's libtesseract (README, "Speed";
# bench/speed.py measures both side by side).
DEFAULT_MODE = "api"


class Reader(Protocol):
    """One way of running Tesseract: words with boxes and confidences, OSD, and its version."""

    mode: str

    def recognize_words(
        self, image: Image.Image, *, lang: str, psm: int, timeout_s: float, dpi: int | None
    ) -> tuple[Word, ...]: ...

    def detect_rotation(self, image: Image.Image, *, timeout_s: float) -> tuple[int, float] | None: ...

    def version(self) -> str: ...


# The reader is a setting of the process, not passed down with each page: its warm engines
# belong to the process (like OMP_THREAD_LIMIT above, or Pillow's pixel limit), and every
# app a process builds serves one configuration. create_app() chooses it from OCR_ENGINE,
# and so does the job worker, which builds its app with create_app().
_reader: Reader | None = None


def use(mode: str, *, slots: int | None = None) -> None:
    """Read with `mode` ('api' or 'cli') from now on in this process; `slots` is how many pages
    may be read at once (the api keeps that many engines warm per language set)."""
    global _reader
    if mode not in MODES:
        raise ValueError(f"OCR_ENGINE={mode!r}: use one of {', '.join(MODES)}")
    if mode == "api":
        from ocr.engines.tesseract_api import InProcess

        slots = slots or os.cpu_count() or 1
        if not (isinstance(_reader, InProcess) and _reader.slots == slots):  # keep warm engines warm
            _reader = InProcess(tessdata(), slots=slots)
    elif not isinstance(_reader, CommandLine):
        _reader = CommandLine()


def mode() -> str:
    """How Tesseract runs in this process: 'api' or 'cli'."""
    return _current().mode


def _current() -> Reader:
    if _reader is None:
        use(DEFAULT_MODE)
    return _reader


def recognize_words(
    image: Image.Image, *, lang: str, psm: int, timeout_s: float, dpi: int | None = None
) -> tuple[Word, ...]:
    """Read `image` once and return its words, in the pixel space of `image`."""
    return _current().recognize_words(image, lang=lang, psm=psm, timeout_s=timeout_s, dpi=dpi)


def detect_rotation(image: Image.Image, *, timeout_s: float) -> tuple[int, float] | None:
    """Clockwise turn (0, 90, 180 or 270) that makes the text upright, with Tesseract's OSD
    confidence; None when OSD cannot tell (too little text, or no osd data installed)."""
    if not has_osd():
        return None
    return _current().detect_rotation(image, timeout_s=timeout_s)


def tesseract_version() -> str:
    """The version of the Tesseract that reads the pages (tesserocr bundles its own)."""
    return _current().version()


def timed_out(what: str, timeout_s: float) -> OcrTimeout:
    return OcrTimeout(f"{what} took longer than {timeout_s:g} s and was stopped; send a smaller or clearer image")


# --- the command line, through pytesseract -------------------------------------------------


class CommandLine:
    """A `tesseract` process per image: nothing stays in memory, and a timeout kills the process."""

    mode = "cli"

    def recognize_words(
        self, image: Image.Image, *, lang: str, psm: int, timeout_s: float, dpi: int | None
    ) -> tuple[Word, ...]:
        with _tesseract_run(image, timeout_s, "OCR"):
            data = pytesseract.image_to_data(
                image, lang=lang, config=_config(psm, dpi), timeout=timeout_s, output_type=pytesseract.Output.DICT
            )
        return tuple(_words(data))

    def detect_rotation(self, image: Image.Image, *, timeout_s: float) -> tuple[int, float] | None:
        try:
            with _tesseract_run(image, timeout_s, "orientation detection"):
                osd = pytesseract.image_to_osd(
                    image, config="--psm 0", timeout=timeout_s, output_type=pytesseract.Output.DICT
                )
        except EngineFailure:
            return None  # "Too few characters": short text is exactly where OSD guesses badly
        return int(osd["rotate"]), float(osd["orientation_conf"])

    def version(self) -> str:
        return command_line_version()


def _config(psm: int, dpi: int | None) -> str:
    """Command-line options: only validated integers (OcrOptions checked psm; dpi is ours).

    Without a known resolution Tesseract estimates one from the text itself; forcing 300
    measured worse (small print: CER 0.05 -> 0.72), so --dpi is passed only when known.
    """
    return f"--psm {int(psm)}" + (f" --dpi {int(dpi)}" if dpi else "")


@contextmanager
def _tesseract_run(image: Image.Image, timeout_s: float, what: str) -> Iterator[None]:
    """Hand the image over cheaply and translate pytesseract's failures into OcrErrors."""
    # Uncompressed TIFF is the cheapest file to hand over: as quick to write as netpbm, and
    # Leptonica reads it faster (0.11 s less Tesseract CPU on an A4 page than PGM), while
    # PNG compression of a big page costs more than the OCR of a webcam frame.
    image.format = "TIFF"
    image.info = {}  # hints from the upload (say, fax compression for a 1-bit TIFF) must not reach the encoder
    try:
        yield
    except (pytesseract.TesseractError, pytesseract.TesseractNotFoundError, OSError) as e:
        raise EngineFailure(f"Tesseract failed: {e}") from e
    except RuntimeError as e:  # pytesseract's way of saying it killed Tesseract on timeout
        raise timed_out(what, timeout_s) from e


def _words(data: dict) -> list[Word]:
    words = []
    for i, text in enumerate(data["text"]):
        confidence = float(data["conf"][i])
        if confidence < 0 or not str(text).strip():
            continue  # layout rows (page, block, line) carry conf -1
        words.append(
            Word(
                text=str(text).strip(),
                confidence=round(confidence, 1),
                left=int(data["left"][i]),
                top=int(data["top"][i]),
                width=int(data["width"][i]),
                height=int(data["height"][i]),
                block=int(data["block_num"][i]),
                paragraph=int(data["par_num"][i]),
                line=int(data["line_num"][i]),
            )
        )
    return words


# --- what is installed: asked of the command line once ------------------------------------


@functools.cache
def _list_langs() -> tuple[str, tuple[str, ...]]:
    """`tesseract --list-langs`, run once: the tessdata folder and every traineddata in it.

    Both ways of running read this folder, so they offer the same languages (TESSDATA_PREFIX
    moves it for both)."""
    try:
        done = subprocess.run(
            [pytesseract.pytesseract.tesseract_cmd, "--list-langs"], capture_output=True, text=True, timeout=30
        )
    except OSError as e:
        raise EngineFailure(f"Tesseract failed: {e}") from e
    lines = done.stdout.splitlines()
    folder = re.search(r'"(.*)"', lines[0]) if lines else None
    if done.returncode or folder is None:
        raise EngineFailure(f"Tesseract failed to list its languages: {done.stderr.strip()[:200]}")
    return folder.group(1), tuple(sorted(line.strip() for line in lines[1:] if line.strip()))


def traineddata() -> tuple[str, ...]:
    """Every traineddata Tesseract has, read once: `tesseract --list-langs` is a process start."""
    return _list_langs()[1]


def tessdata() -> str:
    """The folder Tesseract reads its traineddata from."""
    return _list_langs()[0]


def installed_languages() -> tuple[str, ...]:
    """Recognition languages Tesseract has data for ('osd' is orientation data, not a language)."""
    return tuple(lang for lang in traineddata() if lang != "osd")


def has_osd() -> bool:
    return "osd" in traineddata()


@functools.cache
def command_line_version() -> str:
    """The version of the `tesseract` command (Debian's)."""
    return str(pytesseract.get_tesseract_version())
