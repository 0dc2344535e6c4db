"""PP-OCRv6 reading a page on a spare core while Tesseract reads it, so that a page both engines
read costs about the slower engine's time rather than the sum of both (docs/decisions/0030).

The page is read ahead only where a core is free: its slot is given up, and the reading stopped,
as soon as another run waits for one. PP-OCRv6 then reads every line it finds; once Tesseract
has read the page, the lines inside the ones it read surely are dropped, as the child drops them
before recognizing them when it reads the page after Tesseract.
"""

import contextlib
import threading
import time
from collections.abc import Sequence

from PIL import Image

from ocr.engines.known_lines import bounds_of, within
from ocr.engines.ppocr import FoundLine, Ppocr
from ocr.model.errors import OcrError
from ocr.model.geometry import Box
from ocr.model.result import Word
from ocr.slots import SlotPool


class ReadAhead:
    """PP-OCRv6's reading of `image` at the given sizes, begun now on a spare core if there is
    one. It stands in for the engine: read_lines() gives its lines when asked for that reading,
    and asks the engine otherwise. stop() it once its reading is not wanted. `served_ms` is how
    long it read, once read_lines() has given its lines."""

    def __init__(
        self,
        ppocr: Ppocr,
        slots: SlotPool,
        image: Image.Image,
        *,
        timeout_s: float,
        long_side: int | None,
        detect_long_side: int | None,
    ) -> None:
        self.ppocr, self.slots, self.image = ppocr, slots, image
        self.sizes = (long_side, detect_long_side)
        self._timeout_s = timeout_s
        self._stopped = threading.Event()
        self._lines: list[FoundLine] | None = None
        self._error: OcrError | None = None
        self._ms = 0
        self.served_ms: int | None = None
        self._thread = threading.Thread(target=self._read, name="PP-OCRv6 read ahead", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        with contextlib.ExitStack() as core:
            if not core.enter_context(self.slots.spare()):
                return

            def stop() -> bool:
                """True once the reading is not wanted; the core is then given back at once,
                while the child ends the model step it is in (a detection takes up to a second)."""
                if not (self._stopped.is_set() or self.slots.wanted()):
                    return False
                core.close()
                return True

            long_side, detect_long_side = self.sizes
            started = time.perf_counter()
            try:
                self._lines = self.ppocr.read_ahead(
                    self.image,
                    timeout_s=self._timeout_s,
                    long_side=long_side,
                    detect_long_side=detect_long_side,
                    stop=stop,
                )
            except OcrError as e:  # told when the reading is asked for, as the engine would tell it
                self._error = e
            self._ms = round((time.perf_counter() - started) * 1000)

    def read_lines(
        self,
        image: Image.Image,
        *,
        timeout_s: float,
        long_side: int | None = None,
        detect_long_side: int | None = None,
        known: Sequence[Box] = (),
    ) -> list[tuple[Word, ...]]:
        """As Ppocr.read_lines(): from the reading ahead when it is of this image at these sizes
        and was not stopped; else from the engine, once the reading ahead has ended."""
        if image is not self.image or (long_side, detect_long_side) != self.sizes:
            self.stop()
        self._thread.join()  # stopped, it ends with the model step it is in; its child then waits for this reading
        if not self._stopped.is_set():
            if self._error is not None:
                raise self._error
            if self._lines is not None:
                self.served_ms = self._ms
                bounds = bounds_of(known)
                return [line.words for line in self._lines if not within(line.bounds, bounds)]
        return self.ppocr.read_lines(
            image, timeout_s=timeout_s, long_side=long_side, detect_long_side=detect_long_side, known=known
        )

    def stop(self) -> None:
        """Stop the reading ahead, if it still runs, without waiting for it to end."""
        self._stopped.set()
