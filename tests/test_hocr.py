"""hOCR as its readers take it: hocr-tools' hocr-check and hocr-lines on real readings, every
line with the baseline and sizes Tesseract writes, near those of the text drawn."""

import math
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import FONT, draw_receipt, draw_text, encode, words_of
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFont

from ocr.model.geometry import Box
from ocr.model.result import PageResult, Word
from ocr.output import renderings

XHTML = "{http://www.w3.org/1999/xhtml}"
BIN = Path(sys.executable).parent  # hocr-tools' commands, installed with the dev packages
PAGE_TEXT = "Quick brown foxes jump over 42 lazy dogs\nInvoice number 1041 was paid in May\nsome summer canvas wears"
# A table set tight, as in scanned reports: brackets and $ of one row reach into the next.
TIGHT_ROWS = [
    "Abbvie Inc. (ABBV.N) E(06/08/2016) $56.04",
    "Bristol-Myers Squibb (BMY.N) E(08/05/2016) $51.12",
    "Eli Lilly & Co. (LLY.N) E(07/15/2015) $72.49",
    "Galapagos NV (GLPG.O) E(06/08/2015) $58.48",
]
SERIF = Path("/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf")


def read_hocr(client, data: bytes, tmp_path: Path, engine: str = "tesseract") -> Path:
    response = client.post(f"/ocr?format=hocr&engine={engine}", data=data, content_type="image/png")
    assert response.status_code == 200, response.data[:200]
    path = tmp_path / f"{engine}.hocr"
    path.write_bytes(response.data)
    return path


def hocr_check(path: Path) -> list[str]:
    """What hocr-check finds wrong (it prints TAP to stderr and always exits 0)."""
    done = subprocess.run([sys.executable, BIN / "hocr-check", path], capture_output=True, text=True, check=True)
    assert re.search(r"^ok \d+ - mostly_nonoverlapping/line$", done.stderr, re.M), done.stderr
    return [line for line in done.stderr.splitlines() if line.startswith("not ok")]


def hocr_lines(path: Path) -> list[str]:
    done = subprocess.run([sys.executable, BIN / "hocr-lines", path], capture_output=True, text=True, check=True)
    return done.stdout.splitlines()


def line_titles(data: bytes) -> list[dict[str, list[float]]]:
    """Each ocr_line's properties, by name."""
    spans = [s for s in ET.fromstring(data).iter(f"{XHTML}span") if s.get("class") == "ocr_line"]
    return [{k: list(map(float, v)) for k, *v in (p.split() for p in s.get("title").split(";"))} for s in spans]


def baseline_at(line: dict[str, list[float]], x: float) -> float:
    left, _, _, bottom = line["bbox"]
    slope, offset = line["baseline"]
    return bottom + offset + slope * (x - left)


def draw_rows(rows: list[str], *, font: ImageFont.FreeTypeFont, pitch: float, margin: int = 60) -> Image.Image:
    """Rows drawn on baselines `pitch` apart, the first at margin + the font's size."""
    width = max(int(font.getlength(row)) for row in rows) + 2 * margin
    image = Image.new("L", (width, int(pitch * len(rows)) + 2 * margin + int(font.size)), 255)
    draw = ImageDraw.Draw(image)
    for index, row in enumerate(rows):
        draw.text((margin, margin + font.size + index * pitch), row, font=font, fill=0, anchor="ls")
    return image


@pytest.mark.parametrize("engine", ["tesseract", "ppocr"])
def test_hocr_passes_hocr_check_and_hocr_lines_reads_its_lines(client, tmp_path, engine):
    path = read_hocr(client, encode(draw_text(PAGE_TEXT, font_px=40)), tmp_path, engine)
    assert hocr_check(path) == []
    assert [words_of(line) for line in hocr_lines(path)] == [words_of(line) for line in PAGE_TEXT.split("\n")]


@pytest.mark.parametrize("engine", ["tesseract", "ppocr"])
def test_rows_set_tight_do_not_overlap(client, tmp_path, engine):
    """Unions of the words' boxes of neighbouring rows overlap by 60% (Tesseract) and 24%
    (PP-OCRv6), over hocr-check's fifth: each row's box keeps to its own band."""
    image = draw_rows(TIGHT_ROWS, font=ImageFont.truetype(str(SERIF), 28), pitch=23)
    path = read_hocr(client, encode(image), tmp_path, engine)
    assert hocr_check(path) == []
    # so set, a few letters are misread: the rows are what matters here
    assert [line.split()[0] for line in hocr_lines(path)] == [row.split()[0] for row in TIGHT_ROWS]


def test_the_receipt_passes_hocr_check(client, tmp_path):
    assert hocr_check(read_hocr(client, encode(draw_receipt()), tmp_path)) == []


@pytest.mark.parametrize("engine", ["tesseract", "ppocr"])
def test_baselines_and_sizes_are_those_of_the_text_drawn(client, engine):
    """Each line's baseline within 2 px of where it was drawn, its sizes within a few pixels
    of the font's: x_size from the top of d to the bottom of g, x-height as x's."""
    font = ImageFont.truetype(str(FONT), 40)
    rows = PAGE_TEXT.split("\n")
    image = draw_rows(rows, font=font, pitch=70)
    response = client.post(f"/ocr?format=hocr&engine={engine}", data=encode(image), content_type="image/png")
    lines = line_titles(response.data)
    assert len(lines) == len(rows)
    ascender, descender = -font.getbbox("d", anchor="ls")[1], font.getbbox("g", anchor="ls")[3]
    x_height = -font.getbbox("x", anchor="ls")[1]
    for index, line in enumerate(lines):
        assert {"bbox", "baseline", "x_size", "x_descenders", "x_ascenders"} <= line.keys()
        left, _, right, _ = line["bbox"]
        drawn = 60 + font.size + index * 70
        assert abs(baseline_at(line, left) - drawn) <= 2 and abs(baseline_at(line, right) - drawn) <= 2
        (x_size,), (below,), (above,) = line["x_size"], line["x_descenders"], line["x_ascenders"]
        assert x_size == pytest.approx(ascender + descender, abs=4)
        assert below == pytest.approx(descender, abs=3)
        assert x_size - below - above == pytest.approx(x_height, abs=3)


def test_a_skewed_page_has_sloping_baselines(client):
    """Turned 2 degrees counter-clockwise, lines rise to the right: y falls by tan(2°) a pixel."""
    page = draw_text(PAGE_TEXT, font_px=40, margin=80).rotate(2, expand=True, fillcolor="white")
    lines = line_titles(client.post("/ocr?format=hocr", data=encode(page), content_type="image/png").data)
    assert len(lines) == 3
    for line in lines:
        assert line["baseline"][0] == pytest.approx(-math.tan(math.radians(2)), abs=0.006)


def test_the_page_gives_the_resolution_the_file_declares(client):
    page = draw_text("Resolution of the scan", font_px=40)
    declared = client.post("/ocr?format=hocr", data=encode(page, dpi=(300, 300)), content_type="image/png").data
    assert "; scan_res 300 300" in _page_title(declared)
    plain = client.post("/ocr?format=hocr", data=encode(page), content_type="image/png").data
    assert "scan_res" not in _page_title(plain)
    answer = client.post("/ocr?format=json", data=encode(page, dpi=(300, 300)), content_type="image/png").json
    assert "dpi" not in answer and "dpi" not in answer["words"][0]


def _page_title(data: bytes) -> str:
    return next(d.get("title") for d in ET.fromstring(data).iter(f"{XHTML}div") if d.get("class") == "ocr_page")


def word(text: str, left: int, top: int, width: int, height: int, line: int) -> Word:
    return Word(text, 90.0, left, top, width, height, block=1, paragraph=1, line=line, engine="ppocr")


def test_a_line_of_two_rows_is_split_and_its_words_kept(tmp_path):
    """A reading's line that runs across a column gap into the next column's row (as PP-OCRv6's
    do) becomes two hOCR lines, each on its own baseline; the words, their order and boxes stay."""
    words = (
        word("were", 100, 110, 60, 20, 1),  # the left column's row: baseline 130
        word("above", 170, 104, 80, 26, 1),
        word("our", 260, 110, 40, 20, 1),
        word("Trading", 340, 88, 100, 32, 1),  # the right column's heading: baseline 113
        word("Data", 450, 87, 60, 26, 1),
        word("estimate", 100, 134, 120, 26, 2),  # the next row of the left column
    )
    page = PageResult(1, 600, 200, words, engine="ppocr")
    data = renderings.render([page], "hocr")
    path = tmp_path / "page.hocr"
    path.write_bytes(data)
    assert hocr_check(path) == []
    assert hocr_lines(path) == ["were above our", "Trading Data", "estimate"]
    assert _word_boxes(data) == [(w.text, w.box) for w in words]
    lines = line_titles(data)
    assert [round(baseline_at(line, line["bbox"][0])) for line in lines] == [130, 113, 160]


def _word_boxes(data: bytes) -> list[tuple[str, Box]]:
    spans = [s for s in ET.fromstring(data).iter(f"{XHTML}span") if s.get("class") == "ocrx_word"]
    return [(s.text, Box(*map(int, s.get("title").split(";")[0].split()[1:]))) for s in spans]


WORDS = st.lists(
    st.builds(
        lambda text, box, line: Word(text, 50.0, *box, block=1, paragraph=1, line=line),
        st.text("abgpyACO019$(),.-*@é ", min_size=1, max_size=6).map(lambda t: t.strip() or "x"),
        st.tuples(*[st.integers(0, 400)] * 2, st.integers(0, 80), st.integers(0, 60)),
        st.integers(1, 4),
    ),
    min_size=1,
    max_size=20,
).map(lambda words: tuple(sorted(words, key=lambda w: w.line)))


@settings(max_examples=200, deadline=None)
@given(WORDS)
def test_any_words_give_lines_with_sizes_that_add_up(words):
    """Whatever the boxes and letters: a box of some height, finite sizes, descenders and
    ascenders within the row's height, and every word once."""
    data = renderings.render([PageResult(1, 500, 500, words)], "hocr")
    for line in line_titles(data):
        left, top, right, bottom = line["bbox"]
        (x_size,), (below,), (above,) = line["x_size"], line["x_descenders"], line["x_ascenders"]
        assert left <= right and top < bottom
        assert all(math.isfinite(v) for v in (*line["baseline"], x_size, below, above))
        assert below >= 0 and above > 0 and below + above < x_size
    assert [text for text, _ in _word_boxes(data)] == [w.text for w in words]
