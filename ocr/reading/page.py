"""One page: preprocess, read with Tesseract and the second readings that rescue bad first ones,
and with PP-OCRv6 where the engine choice asks for it."""

import base64
import io
import time
from dataclasses import replace

import numpy as np
from PIL import Image

from ocr.engines import ppocr as ppocr_engine
from ocr.engines import tesseract
from ocr.engines.ppocr import Ppocr
from ocr.input import images as imaging
from ocr.layout import rows as reading_order
from ocr.model.errors import OcrError
from ocr.model.geometry import Affine
from ocr.model.options import OcrOptions
from ocr.model.result import PageResult, ReadingWarning, Word, mean_confidence
from ocr.preprocess import pipeline as preprocess
from ocr.preprocess.pipeline import Prepared
from ocr.reading import policy as choice
from ocr.reading.cautions import looks_handwritten, reading_warnings, second_engine_failed, second_engine_unavailable
from ocr.reading.policy import Reading

# A first reading this unsure may be of sideways or upside-down text: ask OSD.
DOUBTFUL_CONFIDENCE = 60.0
# OSD's orientation confidence below this is a guess (Tesseract's own docs use about 2).
OSD_MIN_CONFIDENCE = 2.0
OSD_SIDE = 2000  # OSD needs far fewer pixels than OCR
PREVIEW_SIDE = 1600
ONE_BLOCK_PSM = 6  # "a single uniform block of text": keeps the reading order of lines
# PP-OCRv6 reads a page that looks handwritten at most this many pixels on its long side: its
# detector, trained on smaller pictures, splits large strokes apart. On the tune half of the
# real handwritten letters 1100 and 1250 read alike (0.274, 0.270) and better than 900, 1400
# or the 2000 rapidocr reads at (0.284, 0.287, 0.292); the smaller reads faster.
HANDWRITING_LONG_SIDE = 1100
ROWS_PSM = 4  # "a single column of text of variable sizes": each row read across the page
# A reading of a page whose pixels these steps redrew, with a mean confidence under
# SECOND_OPINION_CONFIDENCE, is checked against a reading of the page as uploaded; that one is
# kept when its confidence is at least SECOND_OPINION_MARGIN higher.
REDRAWING_STEPS = frozenset({"invert", "denoise", "scale", "flatten", "contrast", "deskew"})
SECOND_OPINION_CONFIDENCE, SECOND_OPINION_MARGIN = 80.0, 5.0
# Blocks read with a mean confidence under JUNK are dropped when another reached SURE.
JUNK_BLOCK_CONFIDENCE, SURE_BLOCK_CONFIDENCE = 45.0, 75.0


def read_page(
    pages: imaging.Pages,
    index: int,
    options: OcrOptions,
    *,
    timeout_s: float,
    ppocr: Ppocr | None = None,
) -> tuple[PageResult, imaging.DecodedImage]:
    """Read page `index` with the engines `options.engine` asks for (`ppocr` is the second
    engine, None when it is turned off); word boxes come back in the upright original page's
    pixels. Also returns that upright page, which the searchable PDF shows."""
    started = time.perf_counter()
    decoded = pages.decode(index)
    timings = {"decode": _ms(started, time.perf_counter())}
    second = ppocr if ppocr is not None and ppocr_engine.reads(options.lang) else None
    if options.engine == "ppocr" and second is not None:
        prepared = _prepare(decoded, options, timings)
        reading, handwritten, notes = (
            _second_engine(second, prepared, decoded, timeout_s=timeout_s, timings=timings),
            False,
            (),
        )
    else:
        reading, handwritten, notes = _with_tesseract(
            decoded, options, second, language_unreadable=ppocr is not second, timeout_s=timeout_s, timings=timings
        )

    size = decoded.image.size
    result = PageResult(
        number=index + 1,
        width=size[0],
        height=size[1],
        words=reading.words,
        engine=reading.engine,
        preprocess=_step_names(decoded, reading.prepared),
        preprocess_params={s.name: s.params for s in reading.prepared.steps if s.params},
        timings_ms=timings,
        previews=_previews(decoded.image, reading.prepared.image) if options.previews else None,
        warnings=reading_warnings(reading.words, handwritten=handwritten, engine=reading.engine) + notes,
    )
    return result, decoded


def _with_tesseract(
    decoded: imaging.DecodedImage,
    options: OcrOptions,
    second: Ppocr | None,
    *,
    language_unreadable: bool,
    timeout_s: float,
    timings: dict[str, int],
) -> tuple[Reading, bool, tuple[ReadingWarning, ...]]:
    """Tesseract's reading, and PP-OCRv6's beside it where the engine choice asks for it (`second`
    is None when it is off or cannot read the language). Returns the reading kept, whether the
    page looks handwritten, and notes on a second engine that could not help; adds to `timings`."""
    prepared = _prepare(decoded, options, timings)
    started = time.perf_counter()
    reading = _tesseract(decoded, prepared, options, timeout_s=timeout_s)
    timings["ocr"] = _ms(started, time.perf_counter())
    handwritten = looks_handwritten(
        reading.words,
        _letters_in_original(prepared),
        grainy=any(step.name == "denoise" for step in prepared.steps),
    )
    if not choice.wants_second_engine(options.engine, reading.words, handwritten=handwritten):
        return reading, handwritten, ()
    if second is None:
        return reading, handwritten, (second_engine_unavailable(options.lang),) if language_unreadable else ()
    try:
        other = _second_engine(
            second, reading.prepared, decoded, timeout_s=timeout_s, timings=timings, handwritten=handwritten
        )
    except OcrError as e:  # the first reading still stands: give it, and say why it is alone
        return reading, handwritten, (second_engine_failed(e.message),)
    return choice.better(reading, other, options.engine, handwritten=handwritten), handwritten, ()


def _tesseract(decoded: imaging.DecodedImage, prepared: Prepared, options: OcrOptions, *, timeout_s: float) -> Reading:
    """Tesseract's reading of the prepared page, with the second readings that rescue bad first ones."""
    prepared, words = _read(prepared, options, timeout_s=timeout_s, dpi=_dpi(decoded, prepared))
    if options.steps is None and _worth_second_opinion(prepared, words):
        prepared, words = _second_opinion(decoded, prepared, words, options, timeout_s=timeout_s)
    if options.steps is None:
        words = _without_junk_blocks(words)
    back = prepared.transform.inverse()
    return Reading(prepared, tuple(_map_word(word, back, decoded.image.size) for word in words), "tesseract")


def _prepare(decoded: imaging.DecodedImage, options: OcrOptions, timings: dict[str, int]) -> Prepared:
    started = time.perf_counter()
    prepared = preprocess.prepare(decoded.image, options.steps)
    timings["preprocess"] = _ms(started, time.perf_counter())
    return prepared


def _second_engine(
    ppocr: Ppocr,
    prepared: Prepared,
    decoded: imaging.DecodedImage,
    *,
    timeout_s: float,
    timings: dict[str, int],
    handwritten: bool = False,
) -> Reading:
    """PP-OCRv6's reading of the page as preprocessed (and turned upright) for Tesseract: it
    read faint, noisy and low-contrast pages better so than as uploaded (bench/README.md). A
    page that looks handwritten is read smaller, where its detector finds the strokes' lines.
    Where OSD turned the page, the page is also read unturned, and the reading with more
    confident letters kept: OSD guesses on handwriting, and PP-OCRv6 reads little upside down."""
    started = time.perf_counter()
    long_side = HANDWRITING_LONG_SIDE if handwritten else None
    candidates = [prepared] + [unturned for unturned in [_unturned(prepared)] if unturned is not None]
    readings = [
        (candidate, ppocr.recognize_words(candidate.image, timeout_s=timeout_s, long_side=long_side))
        for candidate in candidates
    ]
    prepared, words = max(readings, key=lambda reading: _confident_letters(reading[1]))
    timings["ppocr"] = _ms(started, time.perf_counter())
    back = prepared.transform.inverse()
    return Reading(prepared, tuple(_map_word(word, back, decoded.image.size) for word in words), "ppocr")


def _unturned(prepared: Prepared) -> Prepared | None:
    """The page turned back from OSD's orient step, or None when OSD did not turn it."""
    turned = next((step for step in prepared.steps if step.name == "orient"), None)
    if turned is None:
        return None
    clockwise = turned.params["degrees"]
    image = prepared.image.rotate(clockwise, expand=True)
    transform = Affine.rotation(clockwise, old_size=prepared.image.size, new_size=image.size)
    return prepared.with_step(image, "orient_undone", transform, degrees=-clockwise)


def _confident_letters(words: tuple[Word, ...]) -> float:
    """Letters read, each counted by the engine's confidence in its word."""
    return sum(word.confidence * len(word.text) for word in words)


def _read(
    prepared: Prepared, options: OcrOptions, *, timeout_s: float, dpi: int | None
) -> tuple[Prepared, tuple[Word, ...]]:
    """Read the prepared page, then read it again where the first reading calls for it."""
    words = tesseract.recognize_words(
        prepared.image, lang=options.lang, psm=options.tesseract_psm, timeout_s=timeout_s, dpi=dpi
    )
    if not words and options.psm is None and prepared.layout and prepared.layout.x_height:
        # Tesseract's layout pass can take thick, blurred print for a picture although letters were measured
        prepared, words = _reread(prepared, options, ONE_BLOCK_PSM, "one_block", timeout_s=timeout_s, dpi=dpi)
    elif options.psm is None and reading_order.split_rows(words):
        # a receipt-like page: read each row across the page so a price stays on its item's line
        prepared, words = _reread(prepared, options, ROWS_PSM, "rows", timeout_s=timeout_s, dpi=dpi)
    if options.steps is None and _doubtful(words):
        prepared, words = _retry_upright(prepared, words, options, timeout_s=timeout_s, dpi=dpi)
    return prepared, words


def _letters_in_original(prepared: Prepared) -> tuple[np.ndarray, np.ndarray] | None:
    """The centres of the letter-like marks the pipeline measured, in the upright original's pixels."""
    if prepared.layout is None or prepared.layout.letters is None:
        return None
    return prepared.transform.inverse().apply(*prepared.layout.letters)


def _worth_second_opinion(prepared: Prepared, words: tuple[Word, ...]) -> bool:
    """Steps that redrew the page's pixels, and a reading Tesseract was not sure of."""
    redrawn = any(step.name in REDRAWING_STEPS for step in prepared.steps)
    return redrawn and (not words or mean_confidence(words) < SECOND_OPINION_CONFIDENCE)


def _second_opinion(
    decoded: imaging.DecodedImage,
    prepared: Prepared,
    words: tuple[Word, ...],
    options: OcrOptions,
    *,
    timeout_s: float,
) -> tuple[Prepared, tuple[Word, ...]]:
    """Read the page as uploaded too, and keep that reading when Tesseract is clearly surer of it.

    Every step was chosen on evidence, but no measurement is right on every page: a slide's
    coloured background or a faint carbon copy can lose text to flattening and stretching.
    """
    as_uploaded = Prepared(decoded.image)
    unprocessed, plain_words = _read(as_uploaded, options, timeout_s=timeout_s, dpi=_dpi(decoded, as_uploaded))
    confidence = {
        "preprocessed": round(mean_confidence(words), 1),
        "unprocessed": round(mean_confidence(plain_words), 1),
    }
    if plain_words and confidence["unprocessed"] >= confidence["preprocessed"] + SECOND_OPINION_MARGIN:
        return unprocessed.with_step(
            unprocessed.image, "second_opinion", kept="unprocessed", confidence=confidence
        ), plain_words
    return prepared.with_step(prepared.image, "second_opinion", kept="preprocessed", confidence=confidence), words


def _previews(original: Image.Image, prepared: Image.Image) -> dict[str, str]:
    """Small JPEG data URLs of the page as read and as Tesseract saw it, for the result view."""
    return {"original": _preview(original), "preprocessed": _preview(prepared)}


def _preview(image: Image.Image) -> str:
    small = image.convert("RGB" if image.mode == "RGB" else "L")
    small.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
    buffer = io.BytesIO()
    small.save(buffer, "JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


def _dpi(decoded: imaging.DecodedImage, prepared: Prepared) -> int | None:
    """The resolution to tell Tesseract: the page's declared one, followed through any rescaling,
    else None. Tesseract then estimates it from the text's size, as plain `tesseract` does; our
    own estimate from the measured x-height read no better and cost 3% more Tesseract time."""
    if decoded.dpi:
        return round(decoded.dpi * prepared.transform.scale)
    return None


def _step_names(decoded: imaging.DecodedImage, prepared: Prepared) -> tuple[str, ...]:
    return (("exif_transpose",) if decoded.transposed else ()) + tuple(step.name for step in prepared.steps)


def _doubtful(words: tuple[Word, ...]) -> bool:
    return not words or mean_confidence(words) < DOUBTFUL_CONFIDENCE


def _reread(
    prepared: Prepared, options: OcrOptions, psm: int, step: str, *, timeout_s: float, dpi: int | None
) -> tuple[Prepared, tuple[Word, ...]]:
    """Read the page again with another page segmentation mode, recorded as `step`."""
    words = tesseract.recognize_words(prepared.image, lang=options.lang, psm=psm, timeout_s=timeout_s, dpi=dpi)
    return prepared.with_step(prepared.image, step, psm=psm), words


def _retry_upright(
    prepared: Prepared, words: tuple[Word, ...], options: OcrOptions, *, timeout_s: float, dpi: int | None
) -> tuple[Prepared, tuple[Word, ...]]:
    """Turn the page by OSD's confident answer and read again; keep whichever reading is surer."""
    probe = preprocess.rescale(prepared.image, factor=min(1.0, OSD_SIDE / max(prepared.image.size)))
    rotation = tesseract.detect_rotation(probe, timeout_s=timeout_s)
    if rotation is None or rotation[0] == 0 or rotation[1] < OSD_MIN_CONFIDENCE:
        return prepared, words
    clockwise, confidence = rotation
    image = prepared.image.rotate(-clockwise, expand=True)
    turned = prepared.with_step(
        image,
        "orient",
        Affine.rotation(-clockwise, old_size=prepared.image.size, new_size=image.size),
        degrees=clockwise,
        confidence=round(confidence, 2),
    )
    turned_words = tesseract.recognize_words(
        turned.image, lang=options.lang, psm=options.tesseract_psm, timeout_s=timeout_s, dpi=dpi
    )
    if mean_confidence(turned_words) > mean_confidence(words):
        return turned, turned_words
    return prepared, words


def _without_junk_blocks(words: tuple[Word, ...]) -> tuple[Word, ...]:
    """Drop blocks Tesseract was unsure of throughout when the page also has text it read well.

    On photos these are the desk, the page edge or a noisy margin read as letters; a page
    that is all faint keeps everything, since there is nothing surer to prefer.
    """
    blocks: dict[int, list[Word]] = {}
    for word in words:
        blocks.setdefault(word.block, []).append(word)
    confidence = {block: mean_confidence(tuple(members)) for block, members in blocks.items()}
    if not confidence or max(confidence.values()) < SURE_BLOCK_CONFIDENCE:
        return words
    return tuple(word for word in words if confidence[word.block] >= JUNK_BLOCK_CONFIDENCE)


def _map_word(word: Word, back: Affine, bounds: tuple[int, int]) -> Word:
    left, top, width, height = back.map_box(word.left, word.top, word.width, word.height, bounds=bounds)
    return replace(word, left=left, top=top, width=width, height=height)


def _ms(start: float, end: float) -> int:
    return round((end - start) * 1000)
