"""OcrOptions parsing: defaults, allowed values, and messages that say what is allowed."""

import pytest

from ocr.model.errors import InvalidOption
from ocr.model.options import OcrOptions, parse_options

LANGS = ("deu", "eng")
STEPS = ("grayscale", "contrast", "binarize")


def parse(**fields):
    return parse_options(fields, languages=LANGS, step_names=STEPS)


def test_defaults():
    assert parse() == OcrOptions(lang="eng", psm=None, steps=None)
    assert parse().tesseract_psm == 3
    assert parse().preprocess == "auto"


def test_valid_values():
    assert parse(lang="auto").lang == "auto"  # found page by page
    assert parse(lang="eng+auto").lang == "auto"  # a form's list may send both: auto wins
    options = parse(lang="eng+deu", psm="6", preprocess="grayscale, binarize")
    assert options == OcrOptions(lang="eng+deu", psm=6, steps=("grayscale", "binarize"))
    assert options.preprocess == "grayscale,binarize"


def test_preprocess_none_and_auto():
    assert parse(preprocess="none").steps == ()
    assert parse(preprocess="none").preprocess == "none"
    assert parse(preprocess="auto").steps is None
    # the field matches the pattern the OpenAPI document publishes, in full and case by case
    with pytest.raises(InvalidOption, match="'auto', 'none' or a comma list"):
        parse(preprocess="AUTO")


def test_options_are_frozen():
    with pytest.raises(AttributeError):
        parse().lang = "deu"


@pytest.mark.parametrize(
    ("fields", "expected_in_message"),
    [
        ({"lang": "fra"}, "installed: deu, eng"),
        ({"lang": "fra"}, "tesseract-ocr-fra"),
        ({"lang": "../../etc/passwd"}, "joined by '+'"),
        ({"lang": "eng -c x=1"}, "joined by '+'"),
        ({"lang": "eng+"}, "joined by '+'"),
        ({"lang": "auto+xx"}, "'xx' is not installed"),
        ({"psm": "abc"}, "allowed: 1, 3, 4"),
        ({"psm": "0"}, "not supported"),
        ({"psm": "2"}, "not supported"),
        ({"psm": "14"}, "allowed: 1, 3"),
        ({"preprocess": "sharpen"}, "grayscale, contrast, binarize"),
        ({"preprocess": ","}, "'auto', 'none'"),
    ],
)
def test_invalid_values_say_what_is_allowed(fields, expected_in_message):
    with pytest.raises(InvalidOption) as caught:
        parse(**fields)
    assert expected_in_message in caught.value.message
    assert caught.value.status_code == 400
