"""Warnings that tell the user when a page's reading is unreliable, and why."""

from ocr.model.result import ReadingWarning, Word, mean_confidence

# Printed pages Tesseract reads well average well above this; under it, expect many wrong words.
# PP-OCRv6 is surer of itself on the same pages, so its bar is higher (bench/README.md).
LOW_CONFIDENCE = {"tesseract": 60.0, "ppocr": 80.0, "tesseract+ppocr": 70.0}
ENGINE_NAMES = {"tesseract": "Tesseract", "ppocr": "PP-OCRv6", "tesseract+ppocr": "The OCR engines"}
HANDWRITING_MESSAGES = {
    "tesseract": "This looks handwritten; Tesseract reads printed text, so expect many errors and missing words.",
    "ppocr": "This looks handwritten; it was read by PP-OCRv6, which reads handwriting far better than "
    "Tesseract but still misreads words: check the text against the page.",
}
HANDWRITING_MESSAGES["tesseract+ppocr"] = HANDWRITING_MESSAGES["ppocr"]


def reading_warnings(
    words: tuple[Word, ...], *, handwritten: bool, engine: str = "tesseract"
) -> tuple[ReadingWarning, ...]:
    """What a user should know before trusting the page's text; nothing for a good reading.

    `words` are the reading kept, by `engine`; `handwritten` is what the handwriting checks
    made of the page (handwriting.py).
    """
    warnings = []
    if handwritten:
        warnings.append(ReadingWarning("handwriting_suspected", HANDWRITING_MESSAGES[engine]))
    confidence = mean_confidence(words)
    if words and confidence < LOW_CONFIDENCE[engine]:
        warnings.append(
            ReadingWarning(
                "low_confidence",
                f"{ENGINE_NAMES[engine]} was unsure of this reading (mean confidence {confidence:.0f} of 100): expect "
                "wrong words. A sharper, evenly lit photo taken square to the page reads better.",
            )
        )
    return tuple(warnings)


def second_engine_unavailable(lang: str) -> ReadingWarning:
    return ReadingWarning(
        "second_engine_unavailable",
        f"PP-OCRv6 cannot read {lang!r}, so Tesseract alone read this page; PP-OCRv6 reads Latin-script "
        "languages, Greek, Chinese and Japanese.",
    )


def second_engine_failed(why: str) -> ReadingWarning:
    return ReadingWarning(
        "second_engine_failed", f"Tesseract alone read this page: the second engine, PP-OCRv6, did not finish ({why})."
    )


def second_engine_skipped(seconds: float) -> ReadingWarning:
    return ReadingWarning(
        "second_engine_skipped",
        f"Tesseract alone read this page: PP-OCRv6, which reads doubtful pages better, would have taken about "
        f"{seconds:.0f} s more. Send engine=best to wait for both engines.",
    )
