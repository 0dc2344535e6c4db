"""Tesseract inside this process through tesserocr: warm engines (API objects), one per page read
at once and language set, each loaded once and reused page after page.

`make` builds tesserocr against Debian's libtesseract (the Makefile), so this is the Tesseract the
command line runs, reading the same traineddata (the folder `tesseract --list-langs` names); a
tesserocr installed from its wheel brings its own, 5.5, which /health then names.
"""

import faulthandler
import math
import struct
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import numpy as np
from PIL import Image
from tesserocr import OEM, PSM, RIL, PyTessBaseAPI

from ocr.model.errors import EngineFailure, timed_out
from ocr.model.result import Word

# Language sets kept warm in each process, the least recently used ended first: each engine
# holds tens of MiB (docs/decisions/0003).
MAX_LANGUAGE_SETS = 3
OSD = ("osd",)  # the key of the orientation engine (osd.traineddata, the legacy classifier)
# Images reach Tesseract as BMP files in memory, in one of these modes (others are converted to
# RGB; none reach here today): bits per pixel, and the palette of black and white or of grays.
BMP_FORMATS = {
    "1": (1, bytes((0, 0, 0, 0, 255, 255, 255, 0))),
    "L": (8, bytes(part for level in range(256) for part in (level, level, level, 0))),
    "RGB": (24, b""),
}
# Past its deadline a page is answered 504 at most this much later, whatever Tesseract still does:
# its own deadline answers sooner, except in its layout pass.
LATE_S = 0.5
T = TypeVar("T")


class InProcess:
    """Tesseract's C++ API in this process. Recognize() releases the GIL, so pages read in
    threads run on all cores; each engine serves one thread at a time."""

    mode = "api"

    def __init__(self, tessdata: str, *, slots: int):
        self.slots = slots
        self._engines = _Engines(tessdata, per_set=slots)
        # Native runs in this process. The OCR slots bound the pages being read; a page answered
        # past its deadline may still be in Tesseract's layout pass, and at most as many of those
        # linger as there are slots: past that, a new page waits for one to end.
        self._native = threading.BoundedSemaphore(2 * slots)
        # A crash inside Tesseract ends the whole worker process (gunicorn starts another, its
        # clients see the connection close): print every thread's Python stack to the log first.
        faulthandler.enable()

    def recognize_words(
        self, image: Image.Image, *, lang: str, psm: int, timeout_s: float, dpi: int | None
    ) -> tuple[Word, ...]:
        def read(budget_s: float) -> tuple[Word, ...]:
            with self._engines.engine(tuple(lang.split("+"))) as api, _failures():
                api.SetPageSegMode(int(psm))
                # as the command line's --dpi; 0 lets Tesseract estimate the resolution from the text
                api.SetVariable("user_defined_dpi", str(int(dpi or 0)))
                _hand_over(api, image)
                started = time.monotonic()
                finished = api.Recognize(timeout=max(1, math.ceil(budget_s * 1000)))
                if time.monotonic() - started >= budget_s:
                    raise timed_out("OCR", timeout_s)  # the engine is ended, not reused (see _Engines)
                if not finished:
                    raise EngineFailure("Tesseract failed to read the page")
                words = tuple(_words(api))
                api.Clear()  # the page's image and results; the model stays
            return words

        return self._by_deadline(read, timeout_s, "OCR")

    def detect_rotation(self, image: Image.Image, *, timeout_s: float) -> tuple[int, float] | None:
        def detect(budget_s: float) -> dict | None:
            with self._engines.engine(OSD) as api, _failures():
                _hand_over(api, image)
                started = time.monotonic()
                osd = api.DetectOrientationScript()  # no deadline of its own
                if time.monotonic() - started >= budget_s:
                    raise timed_out("orientation detection", timeout_s)
                api.Clear()
            return osd

        osd = self._by_deadline(detect, timeout_s, "orientation detection")
        if osd is None:
            return None  # too few characters: short text is exactly where OSD guesses badly
        # orient_deg is how far the text is turned clockwise; the command line's "Rotate" undoes it
        return (360 - int(osd["orient_deg"])) % 360, float(osd["orient_conf"])

    def version(self) -> str:
        return PyTessBaseAPI.Version()

    def _by_deadline(self, work: Callable[[float], T], timeout_s: float, what: str) -> T:
        """work(budget_s) on a thread of its own, answered by the deadline whether it ended or not.

        Tesseract checks its deadline between words; its layout pass runs to its end (long on a
        big page of noise: docs/decisions/0003), so the answer does not wait for it: the page's
        engine finishes on its own and is ended, holding one of this process's native runs until then."""
        started = time.monotonic()
        if not self._native.acquire(timeout=timeout_s):
            raise timed_out(what, timeout_s)  # runaway pages of this process still hold every run
        outcome: dict = {}
        ended = threading.Event()

        def run() -> None:
            try:
                outcome["value"] = work(timeout_s - (time.monotonic() - started))
            except BaseException as e:  # noqa: BLE001 - every outcome, errors too, is handed to the waiting thread
                outcome["error"] = e
            finally:
                self._native.release()
                ended.set()

        threading.Thread(target=run, name=f"tesseract {what}", daemon=True).start()
        if not ended.wait(max(0.0, started + timeout_s + LATE_S - time.monotonic())):
            raise timed_out(what, timeout_s)
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]


class _Engines:
    """Idle engines by language set, up to `per_set` each (pages read at once never exceed
    the OCR slots) and MAX_LANGUAGE_SETS sets. An engine whose page failed or timed out is
    ended instead of reused: its state after a cancelled reading is not to be trusted."""

    def __init__(self, tessdata: str, *, per_set: int):
        self._tessdata = tessdata.rstrip("/") + "/"
        self._per_set = per_set
        self._idle: OrderedDict[tuple[str, ...], list[PyTessBaseAPI]] = OrderedDict()
        self._lock = threading.Lock()

    @contextmanager
    def engine(self, languages: tuple[str, ...]) -> Iterator[PyTessBaseAPI]:
        api = self._take(languages) or self._start(languages)
        try:
            yield api
        except BaseException:
            api.End()
            raise
        self._give_back(languages, api)

    def _take(self, languages: tuple[str, ...]) -> PyTessBaseAPI | None:
        with self._lock:
            idle = self._idle.get(languages)
            return idle.pop() if idle else None

    def _start(self, languages: tuple[str, ...]) -> PyTessBaseAPI:
        try:
            if languages == OSD:
                return PyTessBaseAPI(path=self._tessdata, lang="osd", psm=PSM.OSD_ONLY, oem=OEM.TESSERACT_ONLY)
            return PyTessBaseAPI(path=self._tessdata, lang="+".join(languages), oem=OEM.DEFAULT)
        except RuntimeError as e:
            raise EngineFailure(f"Tesseract failed to load {'+'.join(languages)}: {e}") from e

    def _give_back(self, languages: tuple[str, ...], api: PyTessBaseAPI) -> None:
        ended: list[PyTessBaseAPI] = []
        with self._lock:
            idle = self._idle.setdefault(languages, [])
            self._idle.move_to_end(languages)
            (idle if len(idle) < self._per_set else ended).append(api)
            while len(self._idle) > MAX_LANGUAGE_SETS:
                ended += self._idle.popitem(last=False)[1]
        for engine in ended:
            engine.End()


@contextmanager
def _failures() -> Iterator[None]:
    """tesserocr's RuntimeErrors (an image it cannot take, say) as the engine failures they are."""
    try:
        yield
    except RuntimeError as e:
        raise EngineFailure(f"Tesseract failed: {e}") from e


def _hand_over(api: PyTessBaseAPI, image: Image.Image) -> None:
    """The pixels as they are, with no resolution, as in the TIFF the command line is given: so
    Tesseract estimates it unless user_defined_dpi says it.

    As a BMP: Leptonica reads it row by row, where the raw-pixel call copies pixel by
    pixel: far quicker, the same words (docs/decisions/0005)."""
    api.SetImageBytesBmp(_bmp(image))


def _bmp(image: Image.Image) -> bytes:
    """The image as an uncompressed BMP file: rows bottom up, each padded to 4 bytes."""
    if image.mode not in BMP_FORMATS:
        image = image.convert("RGB")
    bits, palette = BMP_FORMATS[image.mode]
    # Pillow packs 1-bit pixels one at a time; numpy packs whole rows (docs/decisions/0005)
    pixels = np.packbits(np.asarray(image), axis=1) if image.mode == "1" else np.asarray(image)
    if image.mode == "RGB":
        pixels = pixels[:, :, ::-1].reshape(image.height, -1)  # BMP stores blue, green, red
    rows = np.zeros((image.height, -(-pixels.shape[1] // 4) * 4), np.uint8)
    rows[:, : pixels.shape[1]] = pixels
    offset = 14 + 40 + len(palette)
    file_header = struct.pack("<2sIHHI", b"BM", offset + rows.size, 0, 0, offset)
    colours = len(palette) // 4
    # width, height, 1 plane, bits, no compression, size, no resolution, colours used and needed
    info = struct.pack("<IiiHHIIiiII", 40, image.width, image.height, 1, bits, 0, rows.size, 0, 0, colours, colours)
    return file_header + info + palette + rows[::-1].tobytes()


def _words(api: PyTessBaseAPI) -> Iterator[Word]:
    """The words as the command line's TSV gives them: the same walk through Tesseract's result
    iterator (TessBaseAPI::GetTSVText), so blocks, paragraphs and lines are numbered alike."""
    it = api.GetIterator()
    if it is None:
        return
    block = paragraph = line = 0
    while not it.Empty(RIL.BLOCK):
        if it.Empty(RIL.WORD):
            it.Next(RIL.WORD)
            continue
        # Blocks and paragraphs begin with a line, and each question costs time: ask once a line,
        # not at every word (bench/README.md, "Figures behind the code").
        if it.IsAtBeginningOf(RIL.TEXTLINE):
            if it.IsAtBeginningOf(RIL.BLOCK):
                block, paragraph, line = block + 1, 0, 0
            if it.IsAtBeginningOf(RIL.PARA):
                paragraph, line = paragraph + 1, 0
            line += 1
        left, top, right, bottom = it.BoundingBox(RIL.WORD)
        # in whole numbers, as the command line's come through pytesseract (int(float(conf))):
        # every confidence threshold was tuned on those, and decides alike on these
        confidence = float(int(it.Confidence(RIL.WORD)))
        text = _text(it)
        if confidence >= 0 and text:
            yield Word(
                text=text,
                confidence=confidence,
                left=left,
                top=top,
                width=right - left,
                height=bottom - top,
                block=block,
                paragraph=paragraph,
                line=line,
            )
        it.Next(RIL.WORD)


def _text(it) -> str:
    try:
        return (it.GetUTF8Text(RIL.WORD) or "").strip()
    except RuntimeError:  # tesserocr's way of saying the word has no text
        return ""
