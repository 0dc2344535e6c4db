"""The Tesseract wrapper on rendered text: words, boxes, languages."""

import re

from conftest import SAMPLE_TEXT, words_of

from ocr.engines import tesseract


def test_reads_rendered_words_with_boxes(text_image):
    image = text_image(SAMPLE_TEXT)
    words = tesseract.recognize_words(image, lang="eng", psm=3, timeout_s=30)
    assert [w.text.lower() for w in words] == words_of(SAMPLE_TEXT)
    lefts = [w.left for w in words]
    assert lefts == sorted(lefts)
    assert all(0 < w.width < image.width and 0 < w.height < image.height for w in words)
    assert all(w.line == 1 for w in words)


def test_lines_and_blocks_are_numbered(text_image):
    words = tesseract.recognize_words(text_image("first line here\nsecond line here"), lang="eng", psm=3, timeout_s=30)
    assert [w.line for w in words] == [1, 1, 1, 2, 2, 2]


def test_blank_page_has_no_words(text_image):
    assert tesseract.recognize_words(text_image(" "), lang="eng", psm=3, timeout_s=30) == ()


def test_languages_and_version():
    assert "eng" in tesseract.installed_languages()
    assert "osd" not in tesseract.installed_languages()
    assert re.match(r"\d+\.\d+", tesseract.tesseract_version())
