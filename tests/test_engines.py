"""Both engines, Tesseract and PP-OCRv6 (rapidocr), read for real through POST /ocr: one contract
for their words, the reading order of columns, which engine `auto` picks, turning PP-OCRv6 off,
reading without a network, and falling back when PP-OCRv6 fails.

The app is built once for the module so PP-OCRv6's child process loads its model once and stays warm.
"""

import difflib
import errno
import io
import json
import os
import re
import subprocess
import sys
import textwrap
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from unittest import mock

import numpy as np
import pypdfium2 as pdfium
import pytest
from conftest import FONT, PPOCR_POOL, SAMPLE_TEXT, draw_text, encode, words_of
from PIL import Image, ImageDraw, ImageFont

from app import create_app
from ocr.engines import ppocr as ppocr_engine
from ocr.engines.ppocr import WARM_CHILDREN, Ppocr
from ocr.input import images
from ocr.model.errors import EngineFailure, OcrTimeout
from ocr.model.geometry import Affine, Box
from ocr.preprocess import Prepared
from ocr.reading import policy
from ocr.reading.ppocr_pass import ppocr_words, read_with_ppocr

ROOT = Path(__file__).resolve().parent.parent
ENGINES = ["tesseract", "ppocr"]
ALTO = "{http://www.loc.gov/standards/alto/ns-v3#}"
XHTML = "{http://www.w3.org/1999/xhtml}"

# Debian's fonts-dkg-handwriting (Makefile TEST_PACKAGES): a hand's print letters. Set oblique,
# Tesseract reads 24-48 px of it at a mean confidence of 42-49 (low_confidence, far under `auto`'s
# bar for asking PP-OCRv6), getting a fifth to a third of the words right; PP-OCRv6 gets 81-93%.
# Tesseract does box every letter, though, so its handwriting check (writing left unread) stays quiet.
HANDWRITING_FONT = Path("/usr/share/fonts/truetype/fifthhorseman/dkgIt.ttf")
NOTE = (
    "Dear Anna, thank you for the lovely\n"
    "flowers you sent last week. The garden\n"
    "looks wonderful and we think of you\n"
    "every morning when we walk outside."
)
# Two columns of running text side by side, their lines on the same rows.
LEFT_COLUMN = [
    "Rivers carry fresh water from the",
    "mountains down to the sea and",
    "feed the farms along their banks",
    "through the long dry summer months",
    "while fish swim against the stream",
]
RIGHT_COLUMN = [
    "Cities grew beside the water because",
    "boats could bring goods from far away",
    "and markets opened at every harbour",
    "where traders sold grain and cloth",
    "to people living in the new towns",
]
PHOTO_TEXT = "Orientation\n" + SAMPLE_TEXT
PHOTO_SIZE, PHOTO_FONT_PX, PHOTO_SKEW_DEG = (1000, 760), 30, 3.0
# PP-OCRv6's detector enlarges an image until its short side is 736 px: a strip of one line
# 134 px tall takes it 4 s, the same line on a page 760 px tall 0.7 s. Pages here are paper-sized.
PAGE_HEIGHT = 760


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """The default server, both engines on, PP-OCRv6 kept warm by the tests' pool; two OCR runs
    and two PP-OCRv6 readings at once, whatever the machine's cores, so a page has a core to read
    ahead on."""
    config = {
        "TESTING": True,
        "SLOT_DIR": str(tmp_path_factory.mktemp("slots")),
        "TIMEOUT_S": 60,
        "CONCURRENCY": 2,
        "PPOCR_CONCURRENCY": 2,
    }
    app = create_app(config, ppocr_children=PPOCR_POOL)
    return app.test_client()


@pytest.fixture(scope="module")
def tesseract_only(tmp_path_factory):
    """A server started with OCR_ENGINES=tesseract: PP-OCRv6 turned off."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("OCR_ENGINES", "tesseract")
        env.setenv("OCR_SLOT_DIR", str(tmp_path_factory.mktemp("slots")))
        app = create_app()
    return app.test_client()


def draw_handwriting(text: str = NOTE, *, font_px: int = 32, margin: int = 40) -> Image.Image:
    """Lines of text in the oblique handwriting font, on a page just big enough to hold them."""
    font = ImageFont.truetype(str(HANDWRITING_FONT), font_px)
    lines = text.split("\n")
    line_height = int(font_px * 1.5)
    width = max(int(font.getlength(line)) for line in lines) + 2 * margin
    page = Image.new("L", (width, line_height * len(lines) + 2 * margin), 255)
    draw = ImageDraw.Draw(page)
    for i, line in enumerate(lines):
        draw.text((margin, margin + i * line_height), line, font=font, fill=0)
    return page


def draw_two_columns(*, font_px: int = 26, gutter_lines: int = 3, margin: int = 40) -> tuple[Image.Image, int]:
    """The two columns, separated by a gutter `gutter_lines` line heights wide; and the x of the
    gutter's middle."""
    font = ImageFont.truetype(str(FONT), font_px)
    line_height = int(font_px * 1.5)
    column_width = int(max(font.getlength(line) for line in LEFT_COLUMN + RIGHT_COLUMN))
    gutter = gutter_lines * line_height
    rows = max(len(LEFT_COLUMN), len(RIGHT_COLUMN))
    page = Image.new("L", (2 * margin + 2 * column_width + gutter, 2 * margin + rows * line_height), 255)
    draw = ImageDraw.Draw(page)
    for column, lines in enumerate((LEFT_COLUMN, RIGHT_COLUMN)):
        for row, line in enumerate(lines):
            draw.text((margin + column * (column_width + gutter), margin + row * line_height), line, font=font, fill=0)
    return page, margin + column_width + gutter // 2


def on_page(image: Image.Image, height: int = PAGE_HEIGHT) -> Image.Image:
    """The image at the top of a blank page at least `height` tall."""
    page = Image.new(image.mode, (image.width, max(height, image.height)), "white")
    page.paste(image, (0, 0))
    return page


def ink_box(image: Image.Image) -> tuple[int, int, int, int]:
    return Image.eval(image.convert("L"), lambda v: 255 - v).getbbox()


@pytest.fixture(scope="module")
def phone_photo() -> tuple[bytes, tuple[int, int], tuple[int, int, int, int]]:
    """A phone's JPEG of a sheet with two lines of print set 3 degrees askew, so that Tesseract's
    preprocessing turns the page level before reading: stored sideways with EXIF Orientation 6.
    Also the upright sheet's size, and the box the first word, "Orientation", was inked in on it."""
    body = draw_text(PHOTO_TEXT, font_px=PHOTO_FONT_PX)
    inked_rows = (np.asarray(body.convert("L")) < 128).any(axis=1)
    first_row = int(inked_rows.argmax())
    below_first_line = first_row + int(inked_rows[first_row:].argmin())  # the first blank row after it
    first_word = body.copy()
    ImageDraw.Draw(first_word).rectangle((0, below_first_line, *body.size), "white")
    upright, word_only = Image.new("RGB", PHOTO_SIZE, "white"), Image.new("RGB", PHOTO_SIZE, "white")
    for sheet, drawing in ((upright, body), (word_only, first_word)):
        turned = drawing.rotate(PHOTO_SKEW_DEG, expand=True, fillcolor="white", resample=Image.BICUBIC)
        sheet.paste(turned, ((PHOTO_SIZE[0] - turned.width) // 2, (PHOTO_SIZE[1] - turned.height) // 2))
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display": the pixels are stored turned the other way
    stored = upright.transpose(Image.Transpose.ROTATE_90)
    return encode(stored, "JPEG", quality=92, exif=exif.tobytes()), upright.size, ink_box(word_only)


def post(client, data: bytes, content_type: str = "image/png", **fields):
    query = "&".join(f"{name}={value}" for name, value in fields.items())
    return client.post(f"/ocr?{query}", data=data, content_type=content_type)


def post_json(client, data: bytes, content_type: str = "image/png", **fields) -> dict:
    response = post(client, data, content_type, format="json", **fields)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.json


def post_for_error(client, data: bytes, content_type: str = "image/png", **fields):
    """POST asking for errors as JSON (by the Accept header: a format field would ask for the answer's format)."""
    query = "&".join(f"{name}={value}" for name, value in fields.items())
    return client.post(f"/ocr?{query}", data=data, content_type=content_type, headers={"Accept": "application/json"})


def error_of(response) -> tuple[int, str, str]:
    assert response.mimetype == "application/json"
    assert set(response.json) == {"error"} and set(response.json["error"]) == {"code", "message", "request_id"}
    return response.status_code, response.json["error"]["code"], response.json["error"]["message"]


def codes(result: dict) -> list[str]:
    return [warning["code"] for warning in result["warnings"]]


def share_read(text: str, expected: str) -> float:
    """How much of the expected words the text gets right, in order (0-1), ignoring case and punctuation."""
    tokens = re.findall(r"[a-z0-9]+", text.lower())
    wanted = re.findall(r"[a-z0-9]+", expected.lower())
    return difflib.SequenceMatcher(None, wanted, tokens, autojunk=False).ratio()


def edges(word: dict) -> tuple[int, int, int, int]:
    return corners(word["left"], word["top"], word["width"], word["height"])


def box_of(word) -> tuple[int, int, int, int]:
    return corners(word.left, word.top, word.width, word.height)


def holds_centre(box: tuple[int, int, int, int], other: tuple[int, int, int, int]) -> bool:
    """True when the (left, top, right, bottom) `box` holds the centre of `other`."""
    x, y = (other[0] + other[2]) / 2, (other[1] + other[3]) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def corners(left, top, width, height) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of a box given as left, top, width, height (numbers or strings)."""
    left, top, width, height = map(int, (left, top, width, height))
    return left, top, left + width, top + height


def children() -> set[int]:
    """Live children of this process, and its unreaped (zombie) ones, by pid."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # ended meanwhile
            continue
        ppid = stat.rsplit(")", 1)[1].split()[1]  # after the command, which may hold spaces: state, ppid
        if int(ppid) == os.getpid():
            found.add(int(entry.name))
    return found


def ppocr_children() -> set[int]:
    found = set()
    for pid in children():
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"ocr.engines.ppocr_child" in command:
            found.add(pid)
    return found


# --- 1. one contract for both engines -----------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_words_carry_text_confidence_and_a_box_on_the_upright_original(client, phone_photo, engine):
    data, upright_size, drawn = phone_photo
    result = post_json(client, data, "image/jpeg", engine=engine)
    assert result["engine"] == engine
    assert words_of(result["text"]) == words_of(PHOTO_TEXT)
    assert [w["text"] for w in result["words"]] == result["text"].split()
    assert all(w["engine"] == engine for w in result["words"])
    assert all(0 <= w["confidence"] <= 100 for w in result["words"])
    assert 0 <= result["confidence"] <= 100
    assert result["image"] == dict(zip(("width", "height"), upright_size, strict=True))
    assert result["preprocess"][0] == "exif_transpose"
    if engine == "tesseract":  # Tesseract read the page turned level; PP-OCRv6 reads it as uploaded
        assert "deskew" in result["preprocess"]

    [word] = [w for w in result["words"] if w["text"] == "Orientation"]
    box = edges(word)
    height = drawn[3] - drawn[1]
    # PP-OCRv6's boxes are its line boxes, padded around the letters; both sit on the ink
    assert all(abs(got - want) <= height for got, want in zip(box, drawn, strict=True)), (box, drawn)
    centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
    assert abs(centre[0] - (drawn[0] + drawn[2]) / 2) <= height / 4
    assert abs(centre[1] - (drawn[1] + drawn[3]) / 2) <= height / 4
    for w in result["words"]:
        assert 0 <= w["left"] < w["left"] + w["width"] <= upright_size[0]
        assert 0 <= w["top"] < w["top"] + w["height"] <= upright_size[1]


@pytest.mark.parametrize("engine", ENGINES)
def test_every_format_gives_the_same_words_from_one_reading(client, phone_photo, engine):
    data, _, _ = phone_photo
    words = post_json(client, data, "image/jpeg", engine=engine)["words"]
    texts = [w["text"] for w in words]
    boxes = [(w["text"], *edges(w)) for w in words]

    def fetch(fmt: str):
        response = post(client, data, "image/jpeg", engine=engine, format=fmt)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        return response

    assert fetch("text").get_data(as_text=True).split() == texts

    hocr = ET.fromstring(fetch("hocr").data)
    hocr_words = [
        (span.text, *map(int, span.get("title").split(";")[0].split()[1:]))
        for span in hocr.iter(f"{XHTML}span")
        if span.get("class") == "ocrx_word"
    ]
    assert hocr_words == boxes

    alto = ET.fromstring(fetch("alto").data)
    alto_words = [
        (s.get("CONTENT"), *corners(s.get("HPOS"), s.get("VPOS"), s.get("WIDTH"), s.get("HEIGHT")))
        for s in alto.iter(f"{ALTO}String")
    ]
    assert alto_words == boxes

    rows = [line.split("\t") for line in fetch("tsv").get_data(as_text=True).splitlines()[1:]]
    assert [(row[11], *corners(*row[6:10])) for row in rows if row[0] == "5"] == boxes

    pdf = pdfium.PdfDocument(fetch("pdf").data)
    assert len(pdf) == 1
    assert pdf[0].get_textpage().get_text_range().split() == texts


@pytest.mark.parametrize("engine", ENGINES)
def test_a_page_past_its_deadline_answers_504_and_leaves_no_process_behind(tmp_path, phone_photo, engine):
    app = create_app({"TESTING": True, "SLOT_DIR": str(tmp_path), "TIMEOUT_S": 0.01})
    client = app.test_client()
    data, _, _ = phone_photo
    before = children()
    status, code, message = error_of(post_for_error(client, data, "image/jpeg", engine=engine))
    assert (status, code) == (504, "timeout")
    assert "0.01 s" in message
    assert children() <= before, "the stopped reading left a process running (or unreaped)"

    app.config["TIMEOUT_S"] = 60  # the same server, given time, reads again
    result = post_json(client, data, "image/jpeg", engine=engine)
    assert (result["engine"], words_of(result["text"])) == (engine, words_of(PHOTO_TEXT))
    warm = ppocr_children() - before
    assert len(warm) == (WARM_CHILDREN if engine == "ppocr" else 0)


# --- 2. reading order ---------------------------------------------------------


@pytest.mark.parametrize("engine", ["ppocr", "best"])
def test_two_columns_are_read_one_after_the_other(client, engine):
    page, gutter_middle = draw_two_columns()
    result = post_json(client, encode(on_page(page)), engine=engine)
    assert words_of(result["text"]) == words_of(" ".join(LEFT_COLUMN + RIGHT_COLUMN))
    columns = [1 if w["left"] + w["width"] / 2 < gutter_middle else 2 for w in result["words"]]
    left_count = len(words_of(" ".join(LEFT_COLUMN)))
    assert columns == [1] * left_count + [2] * (len(columns) - left_count)
    used = {w["engine"] for w in result["words"]}
    assert result["engine"] == "+".join(name for name in ENGINES if name in used)


# A column of running text with a sidebar beside it: short figures, a blank row, then a paragraph
# of its own, which Tesseract finds as a block of running text beside the column.
MAIN_COLUMN = [
    *LEFT_COLUMN,
    "and the old bridges carried carts",
    "loaded with wool across the river",
    "to the busy market on the far side",
    "where the farmers sold their grain",
    "before the autumn rains came down",
]
SIDEBAR = [
    *["North 1.97", "South 2.03", "East 2.12", "West 2.31", "Total 8.43", ""],
    "Rainfall over the year",
    "was higher than the long",
    "average in every region",
    "of the river basin",
]


def draw_sidebar_page(*, font_px: int = 26, margin: int = 40) -> tuple[Image.Image, int]:
    """MAIN_COLUMN and SIDEBAR side by side, row for row, three line heights apart; and the x
    between them."""
    font = ImageFont.truetype(str(FONT), font_px)
    line_height = int(font_px * 1.5)
    main_width = int(max(font.getlength(line) for line in MAIN_COLUMN))
    sidebar_left = margin + main_width + 3 * line_height
    width = sidebar_left + int(max(font.getlength(line) for line in SIDEBAR)) + margin
    page = Image.new("L", (width, 2 * margin + len(MAIN_COLUMN) * line_height), 255)
    draw = ImageDraw.Draw(page)
    for row, (main, side) in enumerate(zip(MAIN_COLUMN, SIDEBAR, strict=True)):
        draw.text((margin, margin + row * line_height), main, font=font, fill=0)
        draw.text((sidebar_left, margin + row * line_height), side, font=font, fill=0)
    return page, sidebar_left - line_height


def test_a_sidebar_of_figures_beside_a_column_is_read_after_it_not_across_it(client):
    """Whitespace alone reads short figures beside running text across (a receipt's prices);
    where Tesseract found running text on both sides, its columns are kept."""
    page, between = draw_sidebar_page()
    result = post_json(client, encode(on_page(page)), engine="best")
    assert words_of(result["text"]) == words_of(" ".join(MAIN_COLUMN + SIDEBAR))
    sides = [1 if w["left"] < between else 2 for w in result["words"]]
    main_count = len(words_of(" ".join(MAIN_COLUMN)))
    assert sides == [1] * main_count + [2] * (len(sides) - main_count)


def test_a_page_read_shrunk_gives_its_boxes_in_the_full_pages_pixels(client):
    page = on_page(draw_handwriting(font_px=64)).convert("RGB")
    ppocr = client.application.extensions["engines"].ppocr
    full = ppocr_words(ppocr, page, timeout_s=60)
    shrunk = ppocr_words(ppocr, page, timeout_s=60, long_side=max(page.size) // 2)
    assert words_of(" ".join(w.text for w in shrunk)) == words_of(" ".join(w.text for w in full))
    for small, large in zip(shrunk, full, strict=True):
        # where a word ends, and how much of the next line its box takes in, is found afresh at
        # each size: the boxes agree in that each holds the other's centre
        assert holds_centre(box_of(small), box_of(large)) and holds_centre(box_of(large), box_of(small))


def test_lines_found_on_the_page_shrunk_are_read_in_the_full_pages_pixels(client):
    """The detector looks at the page shrunk almost four times; the lines it finds are cut out of
    the page as it is, read, and placed on it."""
    print_ = draw_text("Print on a large page\nfound small and read sharp", font_px=36)
    page = Image.new("RGB", (4800, 3200), "white")
    page.paste(print_, (1600, 1200))
    ppocr = client.application.extensions["engines"].ppocr
    words = ppocr_words(ppocr, page, timeout_s=60, long_side=4800, detect_long_side=1280)
    assert words_of(" ".join(w.text for w in words)) == words_of("Print on a large page found small and read sharp")
    left, top, right, bottom = ink_box(page)
    for w in words:
        assert (
            left - 2 <= w.left and w.left + w.width <= right + 2 and top - 2 <= w.top and w.top + w.height <= bottom + 2
        )


def test_lines_found_inside_known_boxes_are_left_unread(client):
    """PP-OCRv6 still finds every line, but recognizes only those outside the lines read already."""
    page = draw_text("First line of print\nSecond line of words\nThird and last line").convert("RGB")
    ppocr = client.application.extensions["engines"].ppocr
    full = ppocr_words(ppocr, page, timeout_s=60)
    first, second, third = (tuple(w for w in full if w.line == n) for n in (1, 2, 3))
    assert words_of(" ".join(w.text for w in second)) == words_of("Second line of words")
    around_second = Box(
        min(w.left for w in second) - 20,
        min(w.top for w in second) - 12,
        max(w.left + w.width for w in second) + 20,
        max(w.top + w.height for w in second) + 12,
    )
    rest = ppocr_words(ppocr, page, timeout_s=60, known=(around_second,))
    assert [w.text for w in rest] == [w.text for w in first + third]


def dense_page() -> Image.Image:
    """Forty lines of print: PP-OCRv6 recognizes them in seven batches, over a second."""
    return draw_text("\n".join(f"Line {n} of a page read ahead" for n in range(1, 41)), font_px=22).convert("RGB")


@pytest.fixture
def warm_ppocr(client) -> Ppocr:
    """The module's PP-OCRv6, with a loaded child waiting for a page: the only kind a reading ahead uses."""
    ppocr = client.application.extensions["engines"].ppocr
    if not ppocr.children.warm_count():
        ppocr_words(ppocr, draw_text().convert("RGB"), timeout_s=60)
    assert ppocr.children.warm_count() == 1
    return ppocr


def test_a_reading_ahead_gives_the_lines_read_lines_gives(warm_ppocr):
    page = draw_text("First line of print\nSecond line of words\nThird and last line").convert("RGB")
    ahead = warm_ppocr.read_ahead(page, timeout_s=60, long_side=None, detect_long_side=None, stop=lambda: False)
    assert ahead is not None
    assert [line.words for line in ahead] == warm_ppocr.read_lines(page, timeout_s=60)
    for line in ahead:  # the detector's bounds hold the line's words
        left, top, right, bottom = line.bounds
        assert all(left - 1 <= w.left and w.left + w.width <= right + 1 for w in line.words)
        assert all(top - 1 <= w.top and w.top + w.height <= bottom + 1 for w in line.words)


def test_a_reading_ahead_stops_when_told_and_its_child_waits_for_the_next_page(warm_ppocr):
    # told to stop at the first look, while the child reads
    read = warm_ppocr.read_ahead(dense_page(), timeout_s=60, long_side=None, detect_long_side=None, stop=lambda: True)
    assert read is None
    assert warm_ppocr.children.warm_count() == 1  # stopped, not ended
    assert words_of(" ".join(w.text for w in ppocr_words(warm_ppocr, draw_text().convert("RGB"), timeout_s=60))) == (
        words_of(SAMPLE_TEXT)
    )


def test_a_page_waits_for_the_child_stopping_a_reading_ahead_rather_than_loading_another(warm_ppocr):
    before = ppocr_children()
    told = threading.Event()

    def stop() -> bool:
        told.set()
        return True

    # lines looked for on a page 4000 px long: the detector's one step takes a second or more
    page = dense_page()
    page = page.resize((page.width * 4000 // page.height, 4000))
    ahead = threading.Thread(
        target=warm_ppocr.read_ahead,
        args=(page,),
        kwargs={"timeout_s": 60, "long_side": 4000, "detect_long_side": 4000, "stop": stop},
    )
    ahead.start()
    assert told.wait(30)
    time.sleep(0.05)  # the child is sent its signal as stop() answers; it is still in the detector's step
    seen, reading = set(), threading.Event()
    reading.set()

    def watch() -> None:
        while reading.is_set():
            seen.update(ppocr_children())
            time.sleep(0.01)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        words = ppocr_words(warm_ppocr, draw_text().convert("RGB"), timeout_s=60)
    finally:
        reading.clear()
        watcher.join(10)
    ahead.join(30)
    assert words_of(" ".join(w.text for w in words)) == words_of(SAMPLE_TEXT)
    assert seen == before  # read by the child that stopped: none was loaded for it
    assert warm_ppocr.children.warm_count() == 1


def test_a_reading_ahead_takes_only_a_free_slot_and_a_loaded_child(warm_ppocr):
    page = draw_text().convert("RGB")
    fresh = Ppocr(warm_ppocr.slots, ppocr_engine.ChildPool())
    try:
        assert fresh.read_ahead(page, timeout_s=60, long_side=None, detect_long_side=None, stop=lambda: False) is None
        assert fresh.children.warm_count() == 0  # none was started for it
    finally:
        fresh.children.close()
    with warm_ppocr.slots.run(), warm_ppocr.slots.run():  # every PP-OCRv6 slot is busy
        assert (
            warm_ppocr.read_ahead(page, timeout_s=60, long_side=None, detect_long_side=None, stop=lambda: False)
            is None
        )
    assert warm_ppocr.children.warm_count() == 1


def test_ppocr_reads_beside_tesseract_when_a_core_is_free_and_gives_the_same_words(client, warm_ppocr):
    """With the second core free, PP-OCRv6 reads the page while Tesseract does; with it busy,
    after. `best` reads every line either way, so the words are the same."""
    data = encode(draw_text("Name: Alice Walker\nDate: 12 March 2024\nAccount: 558-201\nAmount due: 48.50"))
    beside = post_json(client, data, engine="best")
    with client.application.extensions["engines"].slots.run():  # the other core is busy
        after = post_json(client, data, engine="best")
    assert "ppocr_ahead" in beside["timings_ms"] and "ppocr" in beside["timings_ms"]
    assert "ppocr_ahead" not in after["timings_ms"] and "ppocr" in after["timings_ms"]
    assert beside["words"] == after["words"] and beside["text"] == after["text"]


def test_auto_keeps_tesseracts_sure_lines_from_a_page_read_ahead(client, warm_ppocr):
    """Read ahead, PP-OCRv6 reads every line; the lines Tesseract read surely are then left to it,
    as when PP-OCRv6 reads after Tesseract and leaves them unrecognized."""
    heading_text = "Printed heading of the note"
    printed = draw_text(heading_text, font_px=36)
    note = draw_handwriting()
    page = Image.new("L", (max(printed.width, note.width), printed.height + note.height), 255)
    page.paste(printed, (0, 0))
    page.paste(note, (0, printed.height))
    data = encode(on_page(page))
    beside = post_json(client, data)
    with client.application.extensions["engines"].slots.run():
        after = post_json(client, data)
    assert "ppocr_ahead" in beside["timings_ms"] and "ppocr_ahead" not in after["timings_ms"]
    for result in (beside, after):
        assert result["engine"] == "tesseract+ppocr"
        heading = [w for w in result["words"] if w["top"] < printed.height]
        assert " ".join(w["text"] for w in heading) == heading_text
        assert {w["engine"] for w in heading} == {"tesseract"}
    assert beside["text"] == after["text"]


def test_a_run_that_comes_waiting_takes_the_core_a_page_read_ahead_held(client, warm_ppocr):
    engines = client.application.extensions["engines"]
    results: list[dict] = []
    reader = threading.Thread(target=lambda: results.append(post_json(client, encode(dense_page()), engine="best")))
    reader.start()
    deadline = time.monotonic() + 30
    while warm_ppocr.children.warm_count():  # the child goes to the reading ahead as the page begins
        assert time.monotonic() < deadline
        time.sleep(0.005)
    with engines.slots.run():  # waits in line: the reading ahead gives its slot up
        assert reader.is_alive()  # long before the page is read
    reader.join(60)
    [result] = results
    assert "ppocr_ahead" not in result["timings_ms"] and "ppocr" in result["timings_ms"]  # read after Tesseract
    assert result["text"].split("\n")[0] == "Line 1 of a page read ahead"


def test_a_page_osd_turned_upside_down_is_read_by_ppocr_the_right_way_up(client):
    # OSD guesses on handwriting: here its guess is injected, a turn of an upright page by 180 degrees
    upright = on_page(draw_text(SAMPLE_TEXT)).convert("L")
    decoded = images.DecodedImage(upright, "PNG")
    wrong = Prepared(upright).with_step(
        upright.rotate(180, expand=True),
        "orient",
        Affine.rotation(180, old_size=upright.size, new_size=upright.size),
        degrees=180,
        confidence=3.0,
    )
    ppocr = client.application.extensions["engines"].ppocr
    reading = read_with_ppocr(ppocr, wrong, decoded, timeout_s=60)
    assert [step.name for step in reading.prepared.steps] == ["orient", "orient_undone"]
    assert words_of(" ".join(w.text for w in reading.words)) == words_of(SAMPLE_TEXT)
    first = reading.words[0]  # in the upright page's pixels: the first word is at the top left
    assert first.top < upright.height / 4 and first.left < upright.width / 4


# --- 3. which engine `auto` asks ----------------------------------------------


@pytest.fixture(scope="module")
def handwriting() -> bytes:
    return encode(on_page(draw_handwriting()))


@pytest.fixture(scope="module")
def tesseract_reading_of_handwriting(client, handwriting) -> dict:
    return post_json(client, handwriting, engine="tesseract")


def test_auto_gives_a_page_tesseract_doubts_to_ppocr(client, handwriting, tesseract_reading_of_handwriting):
    alone = tesseract_reading_of_handwriting
    assert alone["engine"] == "tesseract" and "ppocr" not in alone["timings_ms"]
    assert {"handwriting_suspected", "low_confidence"} & set(codes(alone))  # Tesseract doubts its reading
    assert alone["confidence"] < policy.SECOND_ENGINE_BELOW

    result = post_json(client, handwriting)  # engine=auto is the default
    assert "ppocr" in result["engine"]
    assert "ppocr" in {w["engine"] for w in result["words"]}
    assert {"ocr", "ppocr"} <= set(result["timings_ms"])  # Tesseract read first, then PP-OCRv6
    assert share_read(result["text"], NOTE) >= 0.7
    assert share_read(result["text"], NOTE) >= share_read(alone["text"], NOTE) + 0.3


def test_auto_leaves_clean_print_to_tesseract_alone(client):
    result = post_json(client, encode(draw_text()))
    assert words_of(result["text"]) == words_of(SAMPLE_TEXT)
    assert result["engine"] == "tesseract"
    assert {w["engine"] for w in result["words"]} == {"tesseract"}
    assert "ppocr" not in result["timings_ms"]
    assert result["warnings"] == []


def test_a_form_tesseract_read_surely_keeps_tesseracts_words_beside_ppocr(client):
    """A form's few words a line ask for PP-OCRv6. Under `auto` every line is one Tesseract read
    surely, left to it (test_lines_found_inside_known_boxes_are_left_unread); under `best`
    PP-OCRv6 reads every line, reads the same letters, and Tesseract's words, split at the
    page's own gaps, are kept."""
    form = "Name: Alice Walker\nDate: 12 March 2024\nAccount: 558-201\nAmount due: 48.50"
    data = encode(draw_text(form))
    for engine in ("auto", "best"):
        result = post_json(client, data, engine=engine)
        assert "ppocr" in result["timings_ms"]
        assert min(w["confidence"] for w in result["words"]) >= policy.SURE_LINE_CONFIDENCE
        assert {w["engine"] for w in result["words"]} == {"tesseract"} and result["engine"] == "tesseract"
        assert result["text"].split("\n") == form.split("\n")


def test_auto_chooses_per_page_and_says_which_engine_read_each(client):
    """A scan of a printed page and a handwritten one: each page names its engine, the answer both."""
    printed, written = draw_text(font_px=40, margin=80), on_page(draw_handwriting())
    buffer = io.BytesIO()
    printed.save(buffer, "TIFF", save_all=True, append_images=[written])
    result = post_json(client, buffer.getvalue(), "image/tiff")
    assert [page["engine"] for page in result["pages"]] == ["tesseract", "ppocr"]
    assert result["engine"] == "tesseract+ppocr"
    assert {(w["page"], w["engine"]) for w in result["words"]} == {(1, "tesseract"), (2, "ppocr")}
    assert "ppocr" not in result["pages"][0]["timings_ms"]


# --- 4. PP-OCRv6 turned off ---------------------------------------------------


@pytest.mark.parametrize("engine", ["ppocr", "best"])
def test_engines_turned_off_are_refused_with_the_choices_left(tesseract_only, engine):
    status, code, message = error_of(post_for_error(tesseract_only, encode(draw_text()), engine=engine))
    assert (status, code) == (400, "invalid_option")
    assert repr(engine) in message and "OCR_ENGINES" in message
    assert message.endswith("use one of: auto, tesseract")


def test_without_ppocr_the_server_lists_and_uses_tesseract_alone(tesseract_only, handwriting):
    health = tesseract_only.get("/health").json
    assert [engine["name"] for engine in health["engines"]] == ["tesseract"]
    languages = tesseract_only.get("/languages").json
    assert [engine["name"] for engine in languages["engines"]] == ["tesseract"]
    assert all(language["engines"] == ["tesseract"] for language in languages["languages"])
    result = post_json(tesseract_only, handwriting)  # auto would ask PP-OCRv6 here, were it on
    assert result["engine"] == "tesseract"
    assert "ppocr" not in result["timings_ms"]
    assert not {"second_engine_failed", "second_engine_unavailable"} & set(codes(result))


def test_prestart_loads_ppocr_before_the_first_page_and_that_page_uses_it(tmp_path, phone_photo):
    before = ppocr_children()
    app = create_app({"TESTING": True, "SLOT_DIR": str(tmp_path), "PPOCR_PRESTART": True})
    ppocr = app.extensions["engines"].ppocr
    deadline = time.monotonic() + ppocr_engine.STARTUP_TIMEOUT_S
    while not (ppocr_children() - before and ppocr.children.warm_count()) and time.monotonic() < deadline:
        time.sleep(0.1)  # no page sent: the child loads on its own
    started = ppocr_children() - before
    assert len(started) == 1 and ppocr.children.warm_count() == 1
    data, _, _ = phone_photo
    result = post_json(app.test_client(), data, "image/jpeg", engine="ppocr")
    assert (result["engine"], words_of(result["text"])) == ("ppocr", words_of(PHOTO_TEXT))
    assert ppocr_children() - before == started  # the page was read by that child, kept warm after


def test_without_prestart_no_child_is_loaded_ahead(tmp_path):
    app = create_app({"TESTING": True, "SLOT_DIR": str(tmp_path)})
    assert not any(thread.name == "PP-OCRv6 prestart" for thread in threading.enumerate())
    assert app.extensions["engines"].ppocr.children.warm_count() == 0


def test_health_lists_both_engines(client):
    engines = client.get("/health").json["engines"]
    assert [engine["name"] for engine in engines] == ["tesseract", "ppocr"]
    assert all("eng" in engine["languages"] for engine in engines)


@pytest.mark.parametrize(
    ("server", "allowed"), [("client", "auto, tesseract, ppocr, best"), ("tesseract_only", "auto, tesseract")]
)
def test_unknown_engine_is_refused(request, server, allowed):
    client = request.getfixturevalue(server)
    status, code, message = error_of(post_for_error(client, encode(draw_text()), engine="abbyy"))
    assert (status, code) == (400, "invalid_option")
    assert "'abbyy' is unknown" in message and message.endswith(f"use one of: {allowed}")


@pytest.mark.parametrize("engines", ["ppocr", "tesseract,abbyy", ""])
def test_ocr_engines_without_tesseract_or_with_unknown_names_stops_the_start(tmp_path, engines):
    with pytest.raises(ValueError, match="OCR_ENGINES"):
        create_app({"TESTING": True, "SLOT_DIR": str(tmp_path), "ENGINES": engines})


# --- 5. no network ------------------------------------------------------------


def test_reads_with_the_network_cut_off(tmp_path):
    """The server starts and PP-OCRv6 reads inside a network namespace with no interface up:
    nothing is downloaded at start or on the first page."""
    page = tmp_path / "page.png"
    page.write_bytes(encode(on_page(draw_text())))
    script = textwrap.dedent(
        """
        import json, socket, sys
        try:
            socket.create_connection(("192.0.2.1", 80), timeout=5)  # TEST-NET-1: never answers
            unreachable = None
        except OSError as e:
            unreachable = e.errno
        from app import create_app
        client = create_app({"TESTING": True, "SLOT_DIR": sys.argv[2], "TIMEOUT_S": 120}).test_client()
        with open(sys.argv[1], "rb") as f:
            response = client.post("/ocr?format=json&engine=ppocr", data=f.read(), content_type="image/png")
        print(json.dumps({"unreachable": unreachable, "status": response.status_code, "answer": response.json}))
        """
    )
    # root may make a network namespace; anyone else first needs a user namespace of their own
    unshare = ["unshare", "--net"] + ([] if os.geteuid() == 0 else ["--map-root-user"])
    run = subprocess.run(
        [*unshare, sys.executable, "-c", script, str(page), str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    outcome = json.loads(run.stdout.strip().splitlines()[-1])
    assert outcome["unreachable"] == errno.ENETUNREACH  # the namespace really has no network
    assert outcome["status"] == 200, outcome["answer"]
    assert outcome["answer"]["engine"] == "ppocr"
    assert words_of(outcome["answer"]["text"]) == words_of(SAMPLE_TEXT)


# --- 6. PP-OCRv6 failing ------------------------------------------------------


@pytest.mark.parametrize("engine", ["auto", "best"])
@pytest.mark.parametrize(
    "failure",
    [
        EngineFailure("PP-OCRv6 stopped unexpectedly (exit code -9)"),
        OcrTimeout("reading with PP-OCRv6 took longer than 60 s and was stopped"),
    ],
    ids=["failure", "timeout"],
)
def test_ppocr_failing_beside_tesseract_falls_back_to_tesseracts_reading(
    client, handwriting, tesseract_reading_of_handwriting, engine, failure
):
    # the child's answer fails, whether PP-OCRv6 read the page beside Tesseract or after it
    with mock.patch.object(ppocr_engine._Child, "read", side_effect=failure) as second:
        result = post_json(client, handwriting, engine=engine)
    second.assert_called_once()
    assert result["engine"] == "tesseract"
    assert {w["engine"] for w in result["words"]} == {"tesseract"}
    assert result["text"] == tesseract_reading_of_handwriting["text"]
    [warning] = [w for w in result["warnings"] if w["code"] == "second_engine_failed"]
    assert failure.message in warning["message"]


def test_auto_leaves_a_page_over_its_budget_to_tesseract_and_says_so(client, handwriting):
    """A budget of nothing: PP-OCRv6 is not started, the page is Tesseract's, the warning says how
    long PP-OCRv6 would have taken and how to wait for it; `best` has no budget."""
    with mock.patch.object(policy, "PPOCR_BUDGET_S", 0.0), mock.patch.object(ppocr_engine._Child, "read") as second:
        result = post_json(client, handwriting)
    second.assert_not_called()
    assert result["engine"] == "tesseract"
    [warning] = [w for w in result["warnings"] if w["code"] == "second_engine_skipped"]
    assert re.search(r"about \d+ s more", warning["message"]) and "engine=best" in warning["message"]
    with mock.patch.object(policy, "PPOCR_BUDGET_S", 0.0):
        assert "ppocr" in post_json(client, handwriting, engine="best")["engine"]


def test_ppocr_failing_alone_answers_500_engine_error(client, handwriting):
    with mock.patch.object(Ppocr, "read_lines", side_effect=EngineFailure("PP-OCRv6 failed: out of memory")):
        response = post(client, handwriting, engine="ppocr", format="json")
        as_text = post(client, handwriting, engine="ppocr")
    status, code, message = error_of(response)
    assert (status, code) == (500, "engine_error")
    assert "PP-OCRv6" in message
    assert as_text.status_code == 500 and as_text.mimetype == "text/plain"
    assert as_text.get_data(as_text=True).count("\n") == 1
