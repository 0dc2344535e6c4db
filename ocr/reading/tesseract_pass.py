"""Tesseract's reading of a prepared page, with the second readings that rescue bad first ones:
another segmentation mode, the page turned upright, the page as uploaded, junk blocks dropped."""

from ocr.engines.tesseract import Reader
from ocr.input.images import DecodedImage
from ocr.layout import rows
from ocr.model.options import OcrOptions
from ocr.model.result import Word, mean_confidence
from ocr.preprocess import Prepared
from ocr.reading.coordinates import in_original
from ocr.reading.orientation import retry_upright
from ocr.reading.policy import Reading

# A first reading this unsure may be of sideways or upside-down text: ask OSD.
DOUBTFUL_CONFIDENCE = 60.0
ONE_BLOCK_PSM = 6  # "a single uniform block of text": keeps the reading order of lines
ROWS_PSM = 4  # "a single column of text of variable sizes": each row read across the page
# A reading of a page whose pixels these steps redrew, with a mean confidence under
# SECOND_OPINION_CONFIDENCE, is checked against a reading of the page as uploaded; that one is
# kept when its confidence is at least SECOND_OPINION_MARGIN higher.
REDRAWING_STEPS = frozenset({"invert", "denoise", "scale", "flatten", "contrast", "deskew"})
SECOND_OPINION_CONFIDENCE, SECOND_OPINION_MARGIN = 80.0, 5.0
# Blocks read with a mean confidence under JUNK are dropped when another reached SURE.
JUNK_BLOCK_CONFIDENCE, SURE_BLOCK_CONFIDENCE = 45.0, 75.0


def read_with_tesseract(
    tesseract: Reader, decoded: DecodedImage, prepared: Prepared, options: OcrOptions, *, timeout_s: float
) -> Reading:
    """Tesseract's reading of the prepared page, words in the upright original's pixels."""
    prepared, words = _read(tesseract, prepared, options, timeout_s=timeout_s, dpi=_dpi(decoded, prepared))
    if options.steps is None and _worth_second_opinion(prepared, words):
        prepared, words = _second_opinion(tesseract, decoded, prepared, words, options, timeout_s=timeout_s)
    if options.steps is None:
        words = _without_junk_blocks(words)
    return Reading(prepared, in_original(words, prepared, decoded.image.size), "tesseract")


def _read(
    tesseract: Reader, prepared: Prepared, options: OcrOptions, *, timeout_s: float, dpi: int | None
) -> tuple[Prepared, tuple[Word, ...]]:
    """Read the prepared page, then read it again where the first reading calls for it."""
    words = tesseract.recognize_words(
        prepared.image, lang=options.lang, psm=options.tesseract_psm, timeout_s=timeout_s, dpi=dpi
    )
    if not words and options.psm is None and prepared.measures and prepared.measures.x_height:
        # Tesseract's layout pass can take thick, blurred print for a picture although letters were measured
        prepared, words = _reread(
            tesseract, prepared, options, ONE_BLOCK_PSM, "one_block", timeout_s=timeout_s, dpi=dpi
        )
    elif options.psm is None and rows.split_rows(words):
        # a receipt-like page: read each row across the page so a price stays on its item's line
        prepared, words = _reread(tesseract, prepared, options, ROWS_PSM, "rows", timeout_s=timeout_s, dpi=dpi)
    if options.steps is None and _doubtful(words):
        prepared, words = retry_upright(tesseract, prepared, words, options, timeout_s=timeout_s, dpi=dpi)
    return prepared, words


def _reread(
    tesseract: Reader,
    prepared: Prepared,
    options: OcrOptions,
    psm: int,
    step: str,
    *,
    timeout_s: float,
    dpi: int | None,
) -> tuple[Prepared, tuple[Word, ...]]:
    """Read the page again with another page segmentation mode, recorded as `step`."""
    words = tesseract.recognize_words(prepared.image, lang=options.lang, psm=psm, timeout_s=timeout_s, dpi=dpi)
    return prepared.with_step(prepared.image, step, psm=psm), words


def _worth_second_opinion(prepared: Prepared, words: tuple[Word, ...]) -> bool:
    """Steps that redrew the page's pixels, and a reading Tesseract was not sure of."""
    redrawn = any(step.name in REDRAWING_STEPS for step in prepared.steps)
    return redrawn and (not words or mean_confidence(words) < SECOND_OPINION_CONFIDENCE)


def _second_opinion(
    tesseract: Reader,
    decoded: DecodedImage,
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
    unprocessed, plain_words = _read(
        tesseract, as_uploaded, options, timeout_s=timeout_s, dpi=_dpi(decoded, as_uploaded)
    )
    confidence = {
        "preprocessed": round(mean_confidence(words), 1),
        "unprocessed": round(mean_confidence(plain_words), 1),
    }
    if plain_words and confidence["unprocessed"] >= confidence["preprocessed"] + SECOND_OPINION_MARGIN:
        return unprocessed.with_step(
            unprocessed.image, "second_opinion", kept="unprocessed", confidence=confidence
        ), plain_words
    return prepared.with_step(prepared.image, "second_opinion", kept="preprocessed", confidence=confidence), words


def _dpi(decoded: DecodedImage, prepared: Prepared) -> int | None:
    """The resolution to tell Tesseract: the page's declared one, followed through any rescaling,
    else None. Tesseract then estimates it from the text's size, as plain `tesseract` does; our
    own estimate from the measured x-height read no better (docs/decisions/0008)."""
    if decoded.dpi:
        return round(decoded.dpi * prepared.transform.scale)
    return None


def _doubtful(words: tuple[Word, ...]) -> bool:
    return not words or mean_confidence(words) < DOUBTFUL_CONFIDENCE


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
