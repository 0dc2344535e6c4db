"""The Tesseract contract, run both ways (OCR_ENGINE=api, warm in process; cli, a process a page):
words with boxes and confidences numbered into blocks and lines, orientation, every rendering
from one reading, a runaway page answered 504 and the next one served, languages."""

import re
import threading
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from conftest import SAMPLE_TEXT, draw_receipt, draw_text, encode, words_of
from PIL import Image

from app import create_app
from ocr.engines import tesseract, tesseract_api, tesseract_data
from ocr.engines.tesseract_api import MAX_LANGUAGE_SETS, InProcess
from ocr.model.errors import EngineFailure, OcrTimeout

MODES = ["api", "cli"]
XHTML = "{http://www.w3.org/1999/xhtml}"
ALTO = "{http://www.loc.gov/standards/alto/ns-v3#}"
PARAGRAPHS = "first line here\nsecond line here\n\n\n" + SAMPLE_TEXT
RUNAWAY_LINES = 30  # lines of SAMPLE_TEXT: seconds of Tesseract work, far past a 0.05 s budget


@pytest.fixture(scope="module")
def readers() -> dict:
    return {mode: tesseract.reader(mode) for mode in MODES}


@pytest.fixture(params=MODES)
def mode(request) -> str:
    return request.param


@pytest.fixture
def reader(readers, mode):
    return readers[mode]


def read(reader, image: Image.Image, **options) -> tuple:
    return reader.recognize_words(image, **{"lang": "eng", "psm": 3, "timeout_s": 30, "dpi": None} | options)


def client_for(mode: str, tmp_path, **settings):
    config = {"TESTING": True, "SLOT_DIR": str(tmp_path), "TIMEOUT_S": 30, "ENGINES": "tesseract", "ENGINE": mode}
    return create_app(config | settings).test_client()


# --- words, boxes, confidences ------------------------------------------------


def test_reads_rendered_words_with_boxes(reader, text_image):
    image = text_image(SAMPLE_TEXT)
    words = read(reader, image)
    assert [w.text.lower() for w in words] == words_of(SAMPLE_TEXT)
    lefts = [w.left for w in words]
    assert lefts == sorted(lefts)
    assert all(0 < w.width < image.width and 0 < w.height < image.height for w in words)
    assert all(w.line == 1 for w in words)
    assert all(80 <= w.confidence <= 100 for w in words)  # clean print, read surely


def test_lines_and_blocks_are_numbered(reader, text_image):
    words = read(reader, text_image("first line here\nsecond line here"))
    assert [w.line for w in words] == [1, 1, 1, 2, 2, 2]


@pytest.mark.parametrize("colours", ["1", "L", "RGB"])
def test_one_bit_gray_and_colour_pages_read_alike(reader, colours):
    words = read(reader, draw_text(SAMPLE_TEXT).convert(colours))
    assert [w.text.lower() for w in words] == words_of(SAMPLE_TEXT)


def test_blank_page_has_no_words(reader, text_image):
    assert read(reader, text_image(" ")) == ()


def test_both_ways_read_the_same_words_boxes_and_layout():
    """The warm engine reads as the command line does: the same words in the same blocks,
    paragraphs and lines (reading order and renderings depend on them), boxes within a pixel."""
    pages = [draw_text(PARAGRAPHS), draw_receipt()]
    readings = {way: [read(tesseract.reader(way), page) for page in pages] for way in MODES}
    for api, cli in zip(readings["api"], readings["cli"], strict=True):
        assert [w.text for w in api] == [w.text for w in cli]
        assert [(w.block, w.paragraph, w.line) for w in api] == [(w.block, w.paragraph, w.line) for w in cli]
        for a, c in zip(api, cli, strict=True):
            assert abs(a.left - c.left) <= 1 and abs(a.top - c.top) <= 1
            assert abs(a.width - c.width) <= 1 and abs(a.height - c.height) <= 1
            assert abs(a.confidence - c.confidence) <= 5
    assert len({w.block for w in readings["api"][0]}) == 2  # the blank lines part two blocks


def test_a_declared_resolution_is_used(reader):
    words = read(reader, draw_text(SAMPLE_TEXT), dpi=300)
    assert [w.text.lower() for w in words] == words_of(SAMPLE_TEXT)


@pytest.mark.parametrize("turned", [90, 180, 270])
def test_orientation_is_the_clockwise_turn_that_makes_the_page_upright(reader, turned):
    page = draw_text("\n".join([SAMPLE_TEXT] * 6)).convert("L")
    sideways = page.rotate(-turned, expand=True)  # PIL turns counter-clockwise: this is `turned` clockwise
    clockwise, confidence = reader.detect_rotation(sideways, timeout_s=30)
    assert clockwise == (360 - turned) % 360
    assert confidence > 2


def test_orientation_of_too_little_text_is_unknown(reader):
    assert reader.detect_rotation(draw_text("hi").convert("L"), timeout_s=30) is None


# --- through the server: renderings, timeouts, health --------------------------


def test_every_rendering_holds_the_words_of_one_reading(mode, tmp_path):
    client = client_for(mode, tmp_path)
    page = encode(draw_text(PARAGRAPHS))

    def fetch(fmt: str):
        response = client.post(f"/ocr?format={fmt}", data=page, content_type="image/png")
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        return response

    words = fetch("json").json["words"]
    assert words_of(" ".join(w["text"] for w in words)) == words_of(PARAGRAPHS)
    boxes = [(w["text"], w["left"], w["top"], w["width"], w["height"]) for w in words]
    assert fetch("text").get_data(as_text=True).split() == [w["text"] for w in words]
    rows = [line.split("\t") for line in fetch("tsv").get_data(as_text=True).splitlines()[1:]]
    assert [(row[11], *map(int, row[6:10])) for row in rows if row[0] == "5"] == boxes
    assert [tuple(map(int, row[2:5])) for row in rows if row[0] == "5"] == [
        (w["block"], w["paragraph"], w["line"]) for w in words
    ]
    hocr = ET.fromstring(fetch("hocr").data)
    spans = [s for s in hocr.iter(f"{XHTML}span") if s.get("class") == "ocrx_word"]
    assert [s.text for s in spans] == [w["text"] for w in words]
    alto = ET.fromstring(fetch("alto").data)
    assert [s.get("CONTENT") for s in alto.iter(f"{ALTO}String")] == [w["text"] for w in words]


def test_a_runaway_page_answers_504_and_the_next_request_is_served(mode, tmp_path):
    client = client_for(mode, tmp_path, TIMEOUT_S=0.05)
    runaway = encode(draw_text("\n".join([SAMPLE_TEXT] * RUNAWAY_LINES)))
    response = client.post("/ocr", data=runaway, content_type="image/png", headers={"Accept": "application/json"})
    assert response.status_code == 504
    assert response.json["error"]["code"] == "timeout" and "0.05 s" in response.json["error"]["message"]

    client.application.config["TIMEOUT_S"] = 30  # the same server, given time, reads again
    response = client.post("/ocr?format=json", data=encode(draw_text()), content_type="image/png")
    assert response.status_code == 200
    assert words_of(response.json["text"]) == words_of(SAMPLE_TEXT)


def test_health_says_how_tesseract_runs_its_version_and_data(mode, tmp_path):
    health = client_for(mode, tmp_path).get("/health").json
    assert health["engine"] == mode
    assert re.fullmatch(r"\d+\.\d+\.\d+", health["tesseract"])
    assert health["tesseract"] == health["engines"][0]["version"]
    assert health["engines"][0]["mode"] == mode
    assert health["tessdata"] == tesseract_data.tessdata() and "osd" in health["languages"]
    if mode == "cli":
        assert health["tesseract"] == tesseract_data.command_line_version()


def test_an_unknown_engine_setting_is_refused_at_start(tmp_path):
    with pytest.raises(ValueError, match="OCR_ENGINE='fast': use one of api, cli"):
        client_for("fast", tmp_path)


# --- languages ----------------------------------------------------------------


@pytest.fixture
def tessdata_copies(tmp_path):
    """A tessdata folder holding eng and osd, and eng again as the languages aaa to eee: a
    language set of several, each loaded, without installing more Debian packages."""
    folder = tmp_path / "tessdata"
    folder.mkdir()
    real = tesseract_data.tessdata().rstrip("/")
    for name in ["eng", "osd", "aaa", "bbb", "ccc", "ddd", "eee"]:
        source = "osd" if name == "osd" else "eng"
        (folder / f"{name}.traineddata").symlink_to(f"{real}/{source}.traineddata")
    return folder


def test_languages_and_version(reader):
    assert "eng" in tesseract_data.installed_languages()
    assert "osd" not in tesseract_data.installed_languages()
    assert re.match(r"\d+\.\d+", reader.version())


def test_a_language_set_is_read_with_every_language_in_it(mode, reader, tessdata_copies, monkeypatch):
    if mode == "api":
        words = read(InProcess(str(tessdata_copies), slots=1), draw_text(), lang="eng+aaa")
    else:
        monkeypatch.setenv("TESSDATA_PREFIX", str(tessdata_copies))  # the command line reads the folder named
        words = read(reader, draw_text(), lang="eng+aaa")
    assert [w.text.lower() for w in words] == words_of(SAMPLE_TEXT)


def test_a_language_without_data_is_an_engine_failure(reader):
    with pytest.raises(EngineFailure):
        read(reader, draw_text(), lang="zzz")


# --- the warm engines ---------------------------------------------------------


def idle(reader: InProcess) -> dict[tuple[str, ...], int]:
    return {languages: len(engines) for languages, engines in reader._engines._idle.items()}


def test_warm_engines_are_kept_for_a_bounded_number_of_language_sets(tessdata_copies):
    reader = InProcess(str(tessdata_copies), slots=1)
    for lang in ["eng", "aaa", "bbb", "eng+ccc", "ddd", "eee"]:
        words = reader.recognize_words(draw_text(), lang=lang, psm=3, timeout_s=30, dpi=None)
        assert [w.text.lower() for w in words] == words_of(SAMPLE_TEXT)
    assert idle(reader) == {("eng", "ccc"): 1, ("ddd",): 1, ("eee",): 1}
    assert len(idle(reader)) == MAX_LANGUAGE_SETS


def test_pages_read_at_once_each_get_an_engine_and_give_it_back(tessdata_copies):
    reader = InProcess(str(tessdata_copies), slots=2)
    start, results = threading.Barrier(3), []

    def read_one():
        start.wait()
        results.append(reader.recognize_words(draw_text(), lang="eng", psm=3, timeout_s=30, dpi=None))

    threads = [threading.Thread(target=read_one) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [[w.text.lower() for w in words] for words in results] == [words_of(SAMPLE_TEXT)] * 3
    assert idle(reader) == {("eng",): 2}  # one engine a slot is kept; the third one was ended


def test_an_engine_that_timed_out_is_replaced_not_reused(tessdata_copies):
    reader = InProcess(str(tessdata_copies), slots=1)
    reader.recognize_words(draw_text(), lang="eng", psm=3, timeout_s=30, dpi=None)
    [warm] = reader._engines._idle[("eng",)]
    runaway = draw_text("\n".join([SAMPLE_TEXT] * RUNAWAY_LINES))
    with pytest.raises(OcrTimeout):
        reader.recognize_words(runaway, lang="eng", psm=3, timeout_s=0.05, dpi=None)
    assert idle(reader) == {("eng",): 0}
    words = reader.recognize_words(draw_text(), lang="eng", psm=3, timeout_s=30, dpi=None)
    assert [w.text.lower() for w in words] == words_of(SAMPLE_TEXT)
    assert reader._engines._idle[("eng",)] != [warm]


def test_a_page_whose_layout_outlasts_its_deadline_is_answered_before_tesseract_ends(tessdata_copies, monkeypatch):
    """Tesseract checks its deadline between words, not in its layout pass: a page of noise, all
    layout, is answered 504 at its deadline while its engine finishes in the background."""
    monkeypatch.setattr(tesseract_api, "LATE_S", 0.0)
    reader = InProcess(str(tessdata_copies), slots=1)
    reader.recognize_words(draw_text(), lang="eng", psm=3, timeout_s=30, dpi=None)  # warm
    # 1200x900: Tesseract's layout pass takes about 0.2 s on it, four times the deadline (600x450
    # took 0.05 s, the deadline itself, and was sometimes read in time)
    noise = Image.fromarray(np.random.default_rng(0).choice([0, 255], (900, 1200)).astype(np.uint8))
    with pytest.raises(OcrTimeout):
        reader.recognize_words(noise, lang="eng", psm=3, timeout_s=0.05, dpi=None)
    still_reading = [thread for thread in threading.enumerate() if thread.name.startswith("tesseract")]
    assert still_reading, "the answer waited for Tesseract's layout pass to end"
    for thread in still_reading:
        thread.join()
    assert idle(reader) == {("eng",): 0}  # the runaway's engine was ended, not given back
    words = reader.recognize_words(draw_text(), lang="eng", psm=3, timeout_s=30, dpi=None)
    assert [w.text.lower() for w in words] == words_of(SAMPLE_TEXT)
