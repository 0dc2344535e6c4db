"""The child process that runs PP-OCRv6 (through rapidocr): `python -m ocr.engines.ppocr_child`.

It loads the models once and then reads pages sent over stdin, answering on stdout, one
frame each way (see frames.py). Running the model in a child lets the server stop a page
past its deadline by ending the process, and keeps a dense page's memory out of the server.
"""

import contextlib
import os
import signal
import sys
from collections.abc import Sequence
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from rapidocr import RapidOCR
from rapidocr.ch_ppocr_cls import TextClsOutput
from rapidocr.ch_ppocr_det import TextDetector, TextDetOutput
from rapidocr.main import RapidOCRError
from rapidocr.utils.output import RapidOCROutput
from rapidocr.utils.process_img import map_boxes_to_original, reduce_max_side

from ocr.engines import frames
from ocr.engines.known_lines import Bounds, quad_bounds, within

PARAMS = {
    # The bundled 180-degree classifier turned long typewritten lines into junk; the server
    # turns pages upright itself.
    "Global.use_cls": False,
    "Global.return_word_box": True,
    "Global.log_level": "error",
    # rapidocr recognizes lines six at a time, each padded to the widest of the six and to at
    # least 320 px wide (48 high), so a batch of short labels costs as much as a batch of long
    # lines. At least 48 px (square): a quarter to a third less recognition time on receipts,
    # forms and documents, CER within 0.002 on both halves of every real folder (decisions/0028).
    "Rec.rec_img_shape": [3, 48, 48],
    # One thread per page: the server bounds how many pages run at once, one per core.
    "EngineConfig.onnxruntime.intra_op_num_threads": 1,
    "EngineConfig.onnxruntime.inter_op_num_threads": 1,
}


def read(
    engine: RapidOCR,
    image: Image.Image,
    long_side: int | None = None,
    known: Sequence[Bounds] = (),
    detect_long_side: int | None = None,
) -> list[tuple]:
    """Lines as (quad, text, score, words), each word (text, score, quad); a quad is four (x, y)
    corners in the image's pixels. `long_side` bounds the size the lines are cut out and
    recognized at (rapidocr's max_side_len), `detect_long_side` the size the detector looks for
    them at, for this page only. A line the detector finds inside one of `known` (left, top,
    right, bottom in the image's pixels: lines read already) is not recognized: recognition,
    line by line, is most of the model's time on a page."""
    default = engine.max_side_len
    engine.max_side_len = long_side or default
    detector = _shrinking_detector(engine)
    detector.long_side = detect_long_side
    try:
        output = _detected_and_recognized(engine, image, known)
    finally:
        engine.max_side_len, detector.long_side = default, None
    if output.boxes is None:
        return []
    assert output.txts is not None and output.scores is not None
    # each line's words as (text, score, quad); rapidocr's annotation has one line's words instead
    words: Sequence[Sequence[tuple[str, float, Sequence[Sequence[float]]]]]
    words = output.word_results or [()] * len(output.boxes)  # type: ignore[assignment]
    return [
        (
            [tuple(map(float, point)) for point in quad],
            str(text),
            float(score),
            [
                (str(text), float(word_score), [tuple(map(float, p)) for p in word_quad])
                for text, word_score, word_quad in line_words
            ],
        )
        for quad, text, score, line_words in zip(output.boxes, output.txts, output.scores, words, strict=True)
    ]


def _detected_and_recognized(engine: RapidOCR, image: Image.Image, known: Sequence[Bounds]) -> RapidOCROutput:
    """rapidocr's own steps (detect, crop, recognize, then its output), leaving out the detected
    lines inside `known` before they are recognized."""
    original = engine.load_img(image)
    scaled, record = engine.preprocess_img(original)
    try:
        crops, detected = engine.detect_and_crop(scaled, record)
    except RapidOCRError:  # nothing detected
        return RapidOCROutput()
    assert detected.boxes is not None and detected.scores is not None  # detect_and_crop found lines
    height, width = original.shape[:2]
    placed = map_boxes_to_original(detected.boxes.copy(), record, height, width)
    wanted = [i for i, quad in enumerate(placed) if not within(quad_bounds(quad), known)]
    if not wanted:
        return RapidOCROutput()
    detected.boxes, detected.scores = detected.boxes[wanted], [detected.scores[i] for i in wanted]
    crops = [crops[i] for i in wanted]
    recognized = engine.recognize_txt(crops)
    output = engine.build_final_output(original, detected, TextClsOutput(), recognized, crops, record)
    # rapidocr answers a step's own output only when a step is off: with detection and recognition
    # on, it is always the whole reading, and lines found come with their texts and scores
    assert isinstance(output, RapidOCROutput)
    return output


class _ShrinkingDetector:
    """rapidocr's line detector, looking at the page shrunk to at most `long_side` pixels long
    when one is set. The lines it finds come back in the page's own pixels, where they are cut
    out for recognition: the detector's work grows with the pixels it sees, while recognition
    scales every line to the same height whatever the page's size (docs/decisions/0029)."""

    def __init__(self, detector: TextDetector) -> None:
        self.detector = detector
        self.long_side: int | None = None

    def __call__(self, img: np.ndarray) -> TextDetOutput:
        height, width = img.shape[:2]
        if self.long_side is None or max(height, width) <= self.long_side:
            return self.detector(img)
        # shrunk as rapidocr shrinks a page for both models: its detector finds fewer lines on a
        # page shrunk by averaging, whose thin strokes fade
        shrunk, ratio_h, ratio_w = reduce_max_side(img, self.long_side)
        found = self.detector(shrunk)
        if found.boxes is not None:
            found.boxes = (found.boxes * np.array([ratio_w, ratio_h])).astype(found.boxes.dtype)
            found.img = img
        return found


def _shrinking_detector(engine: RapidOCR) -> _ShrinkingDetector:
    """The engine's detector, wrapped once (after rapidocr has loaded it) to look at shrunk pages."""
    detector = engine.text_det
    if not isinstance(detector, _ShrinkingDetector):
        detector = _ShrinkingDetector(engine._load_det_model())  # loaded on first use
        # rapidocr types the attribute as its lazily loaded detector; it calls whatever it holds
        engine.text_det = detector  # type: ignore[assignment]
    return detector


class _Stopped(Exception):
    """The server asked the child to stop the page it is reading (with SIGUSR1)."""


class _StopFlag:
    """Set by SIGUSR1, cleared as each page begins: the server stops a page it read ahead once it
    knows the page is not needed, and the child, rather than ending, waits for the next."""

    def __init__(self) -> None:
        self.asked = False
        signal.signal(signal.SIGUSR1, self._ask)

    def _ask(self, signum: int, frame: object) -> None:
        self.asked = True

    def check(self) -> None:
        if self.asked:
            raise _Stopped


class _StoppableSession:
    """rapidocr's recognition session, checking the stop flag before each batch of lines: a
    dense page's recognition takes seconds, a batch a tenth of one."""

    def __init__(self, session: object, flag: _StopFlag) -> None:
        self.session, self.flag = session, flag

    def __call__(self, batch: np.ndarray) -> object:
        self.flag.check()
        return self.session(batch)  # type: ignore[operator]


def _warm_up_page() -> Image.Image:
    page = Image.new("L", (320, 64), 255)
    ImageDraw.Draw(page).text((8, 8), "Warm up 123", fill=0, font=ImageFont.load_default(size=32))
    return page


def main() -> None:
    # Frames go out on a copy of stdout; whatever the libraries print goes to stderr, the log.
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    with contextlib.suppress(BrokenPipeError, KeyboardInterrupt):  # the server went away: nothing is left to answer
        serve(RapidOCR(params=PARAMS), sys.stdin.buffer, answers)


def serve(engine: RapidOCR, requests: BinaryIO, answers: BinaryIO) -> None:
    read(engine, _warm_up_page())  # rapidocr loads its models on first use: load them before any page waits
    stop = _StopFlag()
    recognizer = engine._load_rec_model()  # loaded by the warm-up
    recognizer.session = _StoppableSession(recognizer.session, stop)
    frames.write(answers, ("ready",))
    while (request := frames.read(requests)) is not None:
        # the server sends (mode, size, pixels, long_side, detect_long_side, known): _Child.read
        assert isinstance(request, tuple)
        # a stop asked before this page began was meant for the one before, which ended anyway
        stop.asked = False
        mode, size, pixels, long_side, detect_long_side, known = request
        answer: tuple[str, ...] | tuple[str, object]  # ("ok", lines), ("stopped",) or ("error", what failed)
        try:
            page = Image.frombytes(mode, size, pixels)
            answer = ("ok", read(engine, page, long_side, known, detect_long_side))
        except _Stopped:
            answer = ("stopped",)
        except Exception as e:  # noqa: BLE001 - any failure is reported to the server, which stays up
            answer = ("error", f"{type(e).__name__}: {e}")
        frames.write(answers, answer)


if __name__ == "__main__":
    main()
