"""Warnings that tell the user when a page's reading is unreliable, and why."""

from .result import ReadingWarning, Word, mean_confidence

# Printed pages Tesseract reads well average 70-95; under this, expect many wrong words.
LOW_CONFIDENCE = 60.0


def reading_warnings(words: tuple[Word, ...]) -> tuple[ReadingWarning, ...]:
    """What a user should know before trusting the page's text; nothing for a good reading."""
    if not words:
        return ()
    confidence = mean_confidence(words)
    if confidence >= LOW_CONFIDENCE:
        return ()
    return (
        ReadingWarning(
            "low_confidence",
            f"Tesseract was unsure of this reading (mean confidence {confidence:.0f} of 100): expect wrong "
            "words. A sharper, evenly lit photo taken square to the page reads better.",
        ),
    )
