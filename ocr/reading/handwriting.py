"""Is a page handwritten? Told by what Tesseract could not read of the letter-like marks measured on it."""

import numpy as np

from ocr.model.result import Word, mean_confidence

# Tesseract reads print, not handwriting: on a handwritten page it is either unsure of nearly
# everything it reads (mean confidence under HANDWRITTEN_CONFIDENCE while some writing went
# unread), or it leaves most of the writing unread. Chosen on half of the real handwritten and
# printed scans, confirmed on the other half (bench/README.md).
HANDWRITTEN_CONFIDENCE, MIN_UNREAD_WHEN_UNSURE, MIN_WORDS_WHEN_UNSURE = 45.0, 0.1, 10
# ...or most letters went unread, with several letters per word read, on a page without grain,
# and what was read is not print Tesseract is sure of.
MOSTLY_UNREAD, MIN_LETTERS, LETTERS_PER_WORD_READ, PRINT_CONFIDENCE = 0.6, 50, 15.0, 85.0

# Once PP-OCRv6 has read the page too, its doubt tells handwriting from faint or noisy print,
# which it reads surely: a page is handwritten when at least PPOCR_DOUBTFUL_SHARE of PP-OCRv6's
# words (with a letter or a digit) are under PPOCR_SURE confidence, and Tesseract was unsure of
# the page (mean confidence under PRINT_CONFIDENCE) or left most of it unread (docs/decisions/0024).
PPOCR_SURE, PPOCR_DOUBTFUL_SHARE = 80.0, 0.14

Letters = tuple[np.ndarray, np.ndarray]  # centres (xs, ys) of letter-like marks on the page


def looks_handwritten(words: tuple[Word, ...], letter_count: int, unread: float, *, grainy: bool = False) -> bool:
    """Tesseract's reading `words` leaves the page's writing unread or unsure, as it does handwriting.

    The page has `letter_count` letter-like marks, `unread` of them (a share, unread_share()) in
    no word; `grainy` says the page needed denoising, so some of those marks may be grain.
    """
    unsure = (
        len(words) >= MIN_WORDS_WHEN_UNSURE
        and mean_confidence(words) < HANDWRITTEN_CONFIDENCE
        and unread >= MIN_UNREAD_WHEN_UNSURE
    )
    mostly_unread = (
        not grainy  # a noisy photo's grain leaves letter-sized marks no one could read
        and letter_count >= MIN_LETTERS
        and letter_count >= LETTERS_PER_WORD_READ * len(words)
        and unread >= MOSTLY_UNREAD
        and mean_confidence(words) < PRINT_CONFIDENCE
    )
    return unsure or mostly_unread


def read_as_handwriting(tesseract: tuple[Word, ...], ppocr: tuple[Word, ...], *, unread: float) -> bool:
    """Judged from both engines' readings of the page: Tesseract's `tesseract`, which left
    `unread` of the page's letter-like marks unread, and PP-OCRv6's `ppocr`."""
    tesseract_unsure = mean_confidence(tesseract) < PRINT_CONFIDENCE or unread >= MOSTLY_UNREAD
    # a stray mark (a dot, a dash) read on its own is doubted in print too: only words count
    words = [word for word in ppocr if any(c.isalnum() for c in word.text)]
    doubted = sum(word.confidence < PPOCR_SURE for word in words)
    return tesseract_unsure and bool(words) and doubted >= PPOCR_DOUBTFUL_SHARE * len(words)


def unread_share(words: tuple[Word, ...], letters: Letters) -> float:
    """The share of the letter-like marks whose centre lies in no word Tesseract read."""
    xs, ys = letters
    if not len(xs):
        return 0.0
    read = np.zeros(len(xs), dtype=bool)
    for word in words:
        read |= (xs >= word.left) & (xs <= word.left + word.width) & (ys >= word.top) & (ys <= word.top + word.height)
    return float(1 - read.mean())
