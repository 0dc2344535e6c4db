"""OCR domain: image bytes in, OcrResult out. Never imports Flask."""

import time
from dataclasses import replace

from . import engine, imaging, preprocess
from .options import OcrOptions
from .result import OcrResult, Word, join_words

__all__ = ["OcrOptions", "OcrResult", "recognize"]


def recognize(data: bytes, options: OcrOptions, *, max_pixels: int, timeout_s: float) -> OcrResult:
    """Decode, preprocess and read one image; word boxes come back in the upright original's pixels."""
    started = time.perf_counter()
    decoded = imaging.decode(data, max_pixels=max_pixels)
    decoded_at = time.perf_counter()
    prepared = preprocess.prepare(decoded.image, options.steps)
    prepared_at = time.perf_counter()
    words = engine.recognize_words(prepared.image, lang=options.lang, psm=options.psm, timeout_s=timeout_s)
    finished = time.perf_counter()

    original_size = decoded.image.size
    back = prepared.transform.inverse()
    words = tuple(_map_word(word, back, original_size) for word in words)
    steps = (("exif_transpose",) if decoded.transposed else ()) + tuple(s.name for s in prepared.steps)
    return OcrResult(
        text=join_words(words),
        lang=options.lang,
        psm=options.psm,
        width=original_size[0],
        height=original_size[1],
        words=words,
        preprocess=steps,
        preprocess_params={s.name: s.params for s in prepared.steps if s.params},
        timings_ms={
            "decode": _ms(started, decoded_at),
            "preprocess": _ms(decoded_at, prepared_at),
            "ocr": _ms(prepared_at, finished),
            "total": _ms(started, finished),
        },
    )


def _map_word(word: Word, back, bounds: tuple[int, int]) -> Word:
    left, top, width, height = back.map_box(word.left, word.top, word.width, word.height, bounds=bounds)
    return replace(word, left=left, top=top, width=width, height=height)


def _ms(start: float, end: float) -> int:
    return round((end - start) * 1000)
