"""The child process that runs PP-OCRv6 (through rapidocr): `python -m ocr.engines.ppocr_child`.

It loads the models once and then reads pages sent over stdin, answering on stdout, one
frame each way (see frames.py). Running the model in a child lets the server stop a page
past its deadline by ending the process, and keeps a dense page's memory out of the server.
"""

import contextlib
import os
import sys
from collections.abc import Sequence
from typing import BinaryIO

from PIL import Image, ImageDraw, ImageFont
from rapidocr import RapidOCR
from rapidocr.utils.output import RapidOCROutput

from ocr.engines import frames

PARAMS = {
    # The bundled 180-degree classifier turned long typewritten lines into junk; the server
    # turns pages upright itself.
    "Global.use_cls": False,
    "Global.return_word_box": True,
    "Global.log_level": "error",
    # One thread per page: the server bounds how many pages run at once, one per core.
    "EngineConfig.onnxruntime.intra_op_num_threads": 1,
    "EngineConfig.onnxruntime.inter_op_num_threads": 1,
}


def read(engine: RapidOCR, image: Image.Image, long_side: int | None = None) -> list[tuple]:
    """Lines as (quad, text, score, words), each word (text, score, quad); a quad is four (x, y)
    corners in the image's pixels. `long_side` bounds the size the models see the page at
    (rapidocr's max_side_len), for this page only."""
    default = engine.max_side_len
    engine.max_side_len = long_side or default
    try:
        output = engine(image)
    finally:
        engine.max_side_len = default
    # rapidocr answers a step's own output only when a step is off: with detection and recognition
    # on, it is always the whole reading, and lines found come with their texts and scores
    assert isinstance(output, RapidOCROutput)
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
    frames.write(answers, ("ready",))
    while (request := frames.read(requests)) is not None:
        assert isinstance(request, tuple)  # the server sends (mode, size, pixels, long_side): Ppocr.read
        mode, size, pixels, long_side = request
        answer: tuple[str, object]  # ("ok", lines) or ("error", what failed)
        try:
            answer = ("ok", read(engine, Image.frombytes(mode, size, pixels), long_side))
        except Exception as e:  # noqa: BLE001 - any failure is reported to the server, which stays up
            answer = ("error", f"{type(e).__name__}: {e}")
        frames.write(answers, answer)


if __name__ == "__main__":
    main()
