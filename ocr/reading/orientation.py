"""Sideways and upside-down pages: turned upright by Tesseract's orientation detection (OSD)."""

from ocr.engines import tesseract_data
from ocr.engines.tesseract import Reader
from ocr.model.geometry import Affine
from ocr.model.options import OcrOptions
from ocr.model.result import Word, mean_confidence
from ocr.preprocess import Prepared, rescale

# OSD's orientation confidence below this is a guess (Tesseract's own docs use about 2).
OSD_MIN_CONFIDENCE = 2.0
OSD_SIDE = 2000  # OSD needs far fewer pixels than OCR


def retry_upright(
    tesseract: Reader,
    prepared: Prepared,
    words: tuple[Word, ...],
    options: OcrOptions,
    *,
    timeout_s: float,
    dpi: int | None,
) -> tuple[Prepared, tuple[Word, ...]]:
    """Turn the page by OSD's confident answer and read again; keep whichever reading is surer."""
    rotation = _detect_rotation(tesseract, prepared, timeout_s=timeout_s)
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


def unturned(prepared: Prepared) -> Prepared | None:
    """The page turned back from OSD's orient step, or None when OSD did not turn it."""
    turned = next((step for step in prepared.steps if step.name == "orient"), None)
    if turned is None:
        return None
    clockwise = turned.params["degrees"]
    image = prepared.image.rotate(clockwise, expand=True)
    transform = Affine.rotation(clockwise, old_size=prepared.image.size, new_size=image.size)
    return prepared.with_step(image, "orient_undone", transform, degrees=-clockwise)


def _detect_rotation(tesseract: Reader, prepared: Prepared, *, timeout_s: float) -> tuple[int, float] | None:
    """Clockwise turn (0, 90, 180 or 270) that makes the text upright, with OSD's confidence;
    None when OSD cannot tell (too little text, or no osd data installed)."""
    if not tesseract_data.has_osd():
        return None
    probe = rescale(prepared.image, factor=min(1.0, OSD_SIDE / max(prepared.image.size)))
    return tesseract.detect_rotation(probe, timeout_s=timeout_s)
