"""Warnings that tell the user when a page's reading is unreliable, and why."""

import numpy as np

from ocr.model.result import ReadingWarning, Word, mean_confidence

# Printed pages Tesseract reads well average 70-95; under this, expect many wrong words.
# PP-OCRv6 is surer of itself (pages it reads well average 90-98): its bar is higher.
LOW_CONFIDENCE = {"tesseract": 60.0, "ppocr": 80.0, "tesseract+ppocr": 70.0}
# Tesseract reads print, not handwriting: on a handwritten page it is either unsure of nearly
# everything it reads (mean confidence under HANDWRITTEN_CONFIDENCE while some writing went
# unread), or it leaves most of the writing unread. Chosen on half of the real handwritten and
# printed scans, confirmed on the other half (bench/README.md).
HANDWRITTEN_CONFIDENCE, MIN_UNREAD_WHEN_UNSURE, MIN_WORDS_WHEN_UNSURE = 45.0, 0.1, 10
# ...or most letters went unread, with several letters per word read, on a page without grain,
# and what was read is not print Tesseract is sure of.
MOSTLY_UNREAD, MIN_LETTERS, LETTERS_PER_WORD_READ, PRINT_CONFIDENCE = 0.6, 50, 15.0, 85.0

Letters = tuple[np.ndarray, np.ndarray]  # centres (xs, ys) of letter-like marks on the page

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

    `words` are the reading kept, by `engine`; `handwritten` is looks_handwritten() of
    Tesseract's reading, which tells handwriting by what Tesseract could not read.
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


def looks_handwritten(words: tuple[Word, ...], letters: Letters | None, *, grainy: bool = False) -> bool:
    """Tesseract's reading `words` leaves the page's writing unread or unsure, as it does handwriting.

    `letters` are the letter-like marks measured on the page, in the same pixels as the words,
    or None when the page was not measured; `grainy` says the page needed denoising, so some of
    those marks may be grain.
    """
    return letters is not None and _looks_handwritten(words, letters, grainy=grainy)


def _looks_handwritten(words: tuple[Word, ...], letters: Letters, *, grainy: bool) -> bool:
    unread = unread_share(words, letters)
    unsure = (
        len(words) >= MIN_WORDS_WHEN_UNSURE
        and mean_confidence(words) < HANDWRITTEN_CONFIDENCE
        and unread >= MIN_UNREAD_WHEN_UNSURE
    )
    count = len(letters[0])
    mostly_unread = (
        not grainy  # a noisy photo's grain leaves letter-sized marks no one could read
        and count >= MIN_LETTERS
        and count >= LETTERS_PER_WORD_READ * len(words)
        and unread >= MOSTLY_UNREAD
        and mean_confidence(words) < PRINT_CONFIDENCE
    )
    return unsure or mostly_unread


def unread_share(words: tuple[Word, ...], letters: Letters) -> float:
    """The share of the letter-like marks whose centre lies in no word Tesseract read."""
    xs, ys = letters
    if not len(xs):
        return 0.0
    read = np.zeros(len(xs), dtype=bool)
    for word in words:
        read |= (xs >= word.left) & (xs <= word.left + word.width) & (ys >= word.top) & (ys <= word.top + word.height)
    return float(1 - read.mean())


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
