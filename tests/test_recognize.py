"""Page-level decisions of ocr.recognize that need no image: which readings to keep."""

from ocr.layout.rows import split_rows
from ocr.model.result import Word
from ocr.reading.tesseract_pass import _without_junk_blocks


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


def boxed(text: str, left: int, top: int, block: int, line: int) -> Word:
    return Word(text, 95.0, left, top, 10 * len(text), 20, block, 1, line)


ITEMS = [("Coffee", "3.20"), ("Croissant", "2.90"), ("Total", "6.10")]


def test_a_price_column_beside_its_items_splits_rows():
    items = tuple(boxed(name, 20, 40 * row, 1, row) for row, (name, _) in enumerate(ITEMS, start=1))
    prices = tuple(boxed(price, 400, 40 * row + 2, 2, row) for row, (_, price) in enumerate(ITEMS, start=1))
    assert split_rows(items + prices)


def test_newspaper_columns_of_equal_width_do_not():
    left = tuple(boxed("a" * 30, 20, 40 * row, 1, row) for row in range(1, 6))
    right = tuple(boxed("b" * 30, 400, 40 * row, 2, row) for row in range(1, 6))
    assert not split_rows(left + right)


def test_a_narrow_block_on_other_rows_does_not():
    text = tuple(boxed("a" * 30, 20, 40 * row, 1, row) for row in range(1, 6))
    note = (boxed("note", 400, 20, 2, 1), boxed("here", 400, 60 + 20, 2, 2))  # between the lines
    assert not split_rows(text + note)


def running_text(left: int, words_per_line: int, block: int) -> tuple[Word, ...]:
    """Five lines of words 50 px apart, each line on the same row as in any other block."""
    return tuple(
        boxed("word", left + 50 * k, 40 * row, block, row) for row in range(1, 6) for k in range(words_per_line)
    )


def test_a_narrow_column_of_running_text_on_shared_rows_does_not():
    # a sidebar of sentences beside a wide column, their lines on the same baselines
    assert not split_rows(running_text(20, 12, 1) + running_text(700, 5, 2))


def test_labels_with_a_narrow_block_of_values_on_their_rows_do():
    assert split_rows(running_text(20, 4, 1) + running_text(700, 2, 2))


def test_a_page_of_running_text_is_never_read_by_rows():
    # two columns of sentences and, beside them, a narrow block of short values on their rows
    values = running_text(1400, 2, 3)
    assert not split_rows(running_text(20, 12, 1) + running_text(700, 12, 2) + values)
    assert split_rows(running_text(20, 3, 1) + running_text(700, 3, 2) + values)
