"""Page-level decisions of ocr.recognize that need no image: which readings to keep."""

from ocr import _without_junk_blocks
from ocr.result import Word


def word(text: str, confidence: float, block: int) -> Word:
    return Word(text, confidence, 0, 0, 10, 10, block, 1, 1)


def test_unsure_blocks_go_when_another_block_was_read_well():
    page = (word("Total", 96, 1), word("12.50", 91, 1), word("ree,", 28, 2), word("~", 30, 2))
    assert [w.text for w in _without_junk_blocks(page)] == ["Total", "12.50"]


def test_a_faint_page_keeps_everything():
    faint = (word("faded", 40, 1), word("letter", 35, 1), word("text", 50, 2))
    assert _without_junk_blocks(faint) == faint


def test_low_confidence_words_in_a_good_block_stay():
    page = (word("Invoice", 95, 1), word("Nº", 20, 1), word("1041", 93, 1))
    assert _without_junk_blocks(page) == page
