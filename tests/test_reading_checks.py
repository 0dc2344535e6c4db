"""The checks on a page's reading: the second opinion keeps the surer reading, and warnings say
when a reading cannot be trusted. Real Tesseract on images drawn here."""

from dataclasses import replace

import numpy as np
from conftest import draw_text
from PIL import Image, ImageFilter

from ocr.engines import tesseract
from ocr.input.images import DecodedImage
from ocr.layout import found_columns
from ocr.model.geometry import Affine, Box
from ocr.model.options import parse_options
from ocr.model.result import Word
from ocr.preprocess import STEPS, Prepared
from ocr.reading import policy
from ocr.reading.cautions import reading_warnings
from ocr.reading.handwriting import PPOCR_SURE, looks_handwritten, read_as_handwriting, unread_share
from ocr.reading.tesseract_pass import _second_opinion

AUTO = parse_options({}, languages=("eng",), step_names=STEPS)
LETTER = "Dear Anna, the parcel with the books arrived on Monday.\nThank you for sending it so quickly."


READER = tesseract.reader()


def read(image: Image.Image) -> tuple[Word, ...]:
    return READER.recognize_words(image, lang="eng", psm=3, timeout_s=30, dpi=None)


def test_the_page_as_uploaded_wins_when_the_steps_lost_the_text():
    page = draw_text(LETTER, font_px=30)
    # flattening and stretching that wiped the text out, as on a slide's coloured background
    wiped = page.convert("L").filter(ImageFilter.GaussianBlur(12)).point(lambda level: 255 if level > 120 else 0)
    prepared = Prepared(wiped).with_step(wiped, "contrast", black=120, white=121)
    kept, words = _second_opinion(READER, DecodedImage(page, "PNG"), prepared, read(wiped), AUTO, timeout_s=30)
    assert kept.steps[-1].name == "second_opinion"
    assert kept.steps[-1].params["kept"] == "unprocessed"
    assert {"parcel", "books", "arrived"} <= {w.text.strip(",.").lower() for w in words}


def test_the_preprocessed_reading_stays_when_it_is_the_surer_one():
    page = draw_text(LETTER, font_px=30).convert("L")
    # the upload is dim and low in contrast; the prepared image is the clean page
    dim = Image.eval(page, lambda level: 90 + level // 12)
    prepared = Prepared(page).with_step(page, "contrast", black=90, white=111)
    words = read(page)
    kept, kept_words = _second_opinion(READER, DecodedImage(dim, "PNG"), prepared, words, AUTO, timeout_s=30)
    assert kept.steps[-1].params["kept"] == "preprocessed"
    assert kept_words == words


def word(left: int, confidence: float, text: str = "word") -> Word:
    return Word(text, confidence, left, 100, 80, 30, 1, 1, 1)


def letters_along(xs: list[float]) -> tuple[np.ndarray, np.ndarray]:
    return np.array(xs, dtype=float), np.full(len(xs), 115.0)


def test_unread_share_counts_letters_outside_every_word():
    words = (word(0, 90), word(100, 90))
    assert unread_share(words, letters_along([10, 50, 150, 300, 400])) == 0.4


def codes(words, letters, *, grainy=False) -> set[str]:
    handwritten = looks_handwritten(words, len(letters[0]), unread_share(words, letters), grainy=grainy)
    return {w.code for w in reading_warnings(words, handwritten=handwritten)}


def test_a_sure_reading_of_print_gets_no_warning():
    words = tuple(word(100 * i, 92) for i in range(20))
    assert codes(words, letters_along([100 * i + 40 for i in range(20) for _ in range(4)])) == set()


def test_unsure_words_with_unread_writing_look_handwritten():
    words = tuple(word(100 * i, 30) for i in range(12))
    letters = letters_along([100 * i + 40 for i in range(12)] + [5000 + 10 * i for i in range(4)])
    assert codes(words, letters) == {"handwriting_suspected", "low_confidence"}


def test_a_page_of_writing_tesseract_left_unread_looks_handwritten():
    words = tuple(word(100 * i, 75) for i in range(5))
    letters = letters_along([100 * i + 40 for i in range(5)] + [1000 + 5 * i for i in range(95)])
    assert codes(words, letters) == {"handwriting_suspected"}


def test_faint_print_read_unsurely_is_low_confidence_not_handwriting():
    # every letter sits in a word Tesseract read, however unsurely
    words = tuple(word(100 * i, 35) for i in range(30))
    assert codes(words, letters_along([100 * i + 40 for i in range(30)])) == {"low_confidence"}


def test_grain_left_unread_on_a_noisy_photo_is_not_handwriting():
    words = tuple(word(100 * i, 75) for i in range(5))
    letters = letters_along([100 * i + 40 for i in range(5)] + [1000 + 5 * i for i in range(95)])
    assert "handwriting_suspected" not in codes(words, letters, grainy=True)


def ppocr_word(left: int, confidence: float) -> Word:
    return Word("word", confidence, left, 100, 80, 30, 0, 0, 0, engine="ppocr")


def test_writing_ppocr_doubts_on_a_page_tesseract_doubted_is_handwriting():
    tesseract = tuple(word(100 * i, 40) for i in range(10))
    # a third of PP-OCRv6's words under its sure bar: it reads print surely, handwriting not
    ppocr = tuple(ppocr_word(100 * i, PPOCR_SURE - 10 if i % 3 == 0 else 90) for i in range(12))
    assert read_as_handwriting(tesseract, ppocr, unread=0.2)


def test_faint_print_ppocr_reads_surely_is_not_handwriting():
    tesseract = tuple(word(100 * i, 40) for i in range(10))  # a faint receipt: Tesseract is unsure
    ppocr = tuple(ppocr_word(100 * i, 97) for i in range(12))
    assert not read_as_handwriting(tesseract, ppocr, unread=0.2)


def test_stray_marks_ppocr_doubts_do_not_make_print_handwriting():
    tesseract = tuple(word(100 * i, 40) for i in range(10))  # a dark photo: Tesseract is unsure
    marks = tuple(replace(ppocr_word(1300 + 100 * i, 40), text=mark) for i, mark in enumerate("·-|"))
    ppocr = tuple(ppocr_word(100 * i, 97) for i in range(12)) + marks  # a fifth doubted, all marks
    assert not read_as_handwriting(tesseract, ppocr, unread=0.2)
    letters = tuple(replace(mark, text="ab") for mark in marks)
    assert read_as_handwriting(tesseract, ppocr[:12] + letters, unread=0.2)


def test_print_tesseract_read_surely_is_not_handwriting_whatever_ppocr_doubts():
    tesseract = tuple(word(100 * i, 93) for i in range(10))
    ppocr = tuple(ppocr_word(100 * i, 50) for i in range(12))
    assert not read_as_handwriting(tesseract, ppocr, unread=0.05)


def test_auto_asks_ppocr_where_tesseract_left_much_of_the_page_unread():
    sure = tuple(word(100 * i, 95) for i in range(30))  # confident, but a table beside it was dropped
    assert not policy.wants_second_engine("auto", sure, handwritten=False, unread=0.1)
    assert policy.wants_second_engine("auto", sure, handwritten=False, unread=policy.UNREAD_ABOVE)
    assert not policy.wants_second_engine("tesseract", sure, handwritten=False, unread=0.9)


def test_auto_leaves_to_tesseract_only_the_lines_it_read_surely_along_one_row():
    row = tuple(word(100 * i, 95) for i in range(4))
    doubted = (*row[:3], word(300, 80))
    two_rows = (*row[:3], replace(row[3], top=row[3].top - 40))  # a value a row above its label
    for line, sure in ((row, True), (doubted, False), (two_rows, False)):
        assert (policy.sure_lines("auto", line, handwritten=False) == [line]) == sure
    assert policy.sure_lines("best", row, handwritten=False) == []
    assert policy.sure_lines("auto", row, handwritten=True) == []


def test_a_sure_lines_box_is_placed_on_the_prepared_page_with_the_detectors_margin():
    line = (word(100, 95), word(200, 95))  # 180 x 30 px at (100, 100) on the original
    prepared = Prepared(Image.new("L", (1000, 400))).with_step(
        Image.new("L", (2000, 800)), "scale", Affine.scaling(2, 2)
    )
    margin = round(policy.KNOWN_MARGIN_HEIGHTS * 30 * 2)
    assert policy.known_boxes([line], prepared) == (Box(200 - margin, 200 - margin, 560 + margin, 260 + margin),)


def test_where_both_engines_read_the_same_letters_tesseracts_words_are_kept():
    """PP-OCRv6 runs narrowly spaced words together ('E(07/15/2015)'); Tesseract, which reads the
    page's own gaps, splits them. With the letters alike, Tesseract's words stay, surer or not."""
    page = Prepared(Image.new("L", (1000, 400)))
    ppocr = (
        Word("Lilly", 98, 100, 100, 80, 30, 1, 1, 1, "ppocr"),
        Word("E(07/15/2015)", 97, 200, 100, 200, 30, 1, 1, 1, "ppocr"),
    )
    tesseract_words = (
        Word("Lilly", 91, 101, 101, 78, 28, 1, 1, 1),
        Word("E", 90, 201, 101, 14, 28, 1, 1, 1),
        Word("(07/15/2015)", 92, 222, 101, 176, 28, 1, 1, 1),
    )
    kept = policy.combined(policy.Reading(page, tesseract_words, "tesseract"), policy.Reading(page, ppocr, "ppocr"))
    assert [(w.text, w.engine) for w in kept.words] == [
        ("Lilly", "tesseract"),
        ("E", "tesseract"),
        ("(07/15/2015)", "tesseract"),
    ]
    misread = (*tesseract_words[:2], replace(tesseract_words[2], text="(07/15/2O15)"))
    kept = policy.combined(policy.Reading(page, misread, "tesseract"), policy.Reading(page, ppocr, "ppocr"))
    assert [(w.text, w.engine) for w in kept.words] == [("Lilly", "ppocr"), ("E(07/15/2015)", "ppocr")]


def test_a_line_is_read_in_the_block_its_neighbours_lie_in_and_cut_where_it_crosses_a_gutter():
    """Tesseract's blocks may overlap (a logo it read first, across a column); a line an engine
    joined across a gutter belongs to two columns."""
    logo, column, sidebar = Box(0, 180, 200, 260), Box(0, 0, 500, 400), Box(560, 0, 900, 400)

    def at(left: int, top: int, text: str) -> Word:
        return Word(text, 95, left, top, 60, 20, 1, 1, 1, "ppocr")

    in_both = (at(20, 200, "one"), at(120, 200, "two"), at(220, 200, "three"))  # the first two in the logo too
    across = (at(20, 300, "four"), at(120, 300, "five"), at(580, 300, "six"))
    words = found_columns.ordered_in([logo, column, sidebar], [in_both, across])
    assert [w.text for w in words] == ["one", "two", "three", "four", "five", "six"]
    assert len({(w.block, w.line) for w in words[:3]}) == 1  # one line, not cut at the logo's edge
    assert words[-1].block > words[-2].block  # "six" is read in the sidebar's block
