"""OCR domain: image bytes in, OcrResult out. Never imports Flask."""

import time
from dataclasses import replace

from . import engine, imaging, preprocess
from .geometry import Affine
from .options import OcrOptions
from .preprocess import Prepared
from .result import OcrResult, Word, join_words

__all__ = ["OcrOptions", "OcrResult", "recognize"]

# A first reading this unsure may be of sideways or upside-down text: ask OSD.
DOUBTFUL_CONFIDENCE = 60.0
# OSD's orientation confidence below this is a guess (Tesseract's own docs use about 2).
OSD_MIN_CONFIDENCE = 2.0
OSD_SIDE = 2000  # OSD needs far fewer pixels than OCR


def recognize(data: bytes, options: OcrOptions, *, max_pixels: int, timeout_s: float) -> OcrResult:
    """Decode, preprocess and read one image; word boxes come back in the upright original's pixels."""
    started = time.perf_counter()
    decoded = imaging.decode(data, max_pixels=max_pixels)
    decoded_at = time.perf_counter()
    prepared = preprocess.prepare(decoded.image, options.steps)
    prepared_at = time.perf_counter()
    words = engine.recognize_words(prepared.image, lang=options.lang, psm=options.psm, timeout_s=timeout_s)
    if options.steps is None and _doubtful(words):
        prepared, words = _retry_upright(prepared, words, options, timeout_s=timeout_s)
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


def _doubtful(words: tuple[Word, ...]) -> bool:
    return not words or _mean_confidence(words) < DOUBTFUL_CONFIDENCE


def _retry_upright(
    prepared: Prepared, words: tuple[Word, ...], options: OcrOptions, *, timeout_s: float
) -> tuple[Prepared, tuple[Word, ...]]:
    """Turn the page by OSD's confident answer and read again; keep whichever reading is surer."""
    probe = preprocess.rescale(prepared.image, factor=min(1.0, OSD_SIDE / max(prepared.image.size)))
    rotation = engine.detect_rotation(probe, timeout_s=timeout_s)
    if rotation is None or rotation[0] == 0 or rotation[1] < OSD_MIN_CONFIDENCE:
        return prepared, words
    clockwise, confidence = rotation
    image = prepared.image.rotate(-clockwise, expand=True)
    turned = prepared.with_step(
        image, "orient", Affine.rotation(-clockwise, old_size=prepared.image.size, new_size=image.size),
        degrees=clockwise, confidence=round(confidence, 2),
    )
    turned_words = engine.recognize_words(turned.image, lang=options.lang, psm=options.psm, timeout_s=timeout_s)
    if _mean_confidence(turned_words) > _mean_confidence(words):
        return turned, turned_words
    return prepared, words


def _mean_confidence(words: tuple[Word, ...]) -> float:
    return sum(w.confidence for w in words) / len(words) if words else 0.0


def _map_word(word: Word, back: Affine, bounds: tuple[int, int]) -> Word:
    left, top, width, height = back.map_box(word.left, word.top, word.width, word.height, bounds=bounds)
    return replace(word, left=left, top=top, width=width, height=height)


def _ms(start: float, end: float) -> int:
    return round((end - start) * 1000)
