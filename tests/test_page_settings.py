"""The pages take their constants from the server (web/page_settings.py): engine names, choices and
thresholds, languages and limits reach them in one JSON block, and no page keeps a copy."""

import json
import re
from pathlib import Path

import pytest
from conftest import ROOT, draw_text, encode
from flask import render_template

from ocr.engines.tesseract_data import installed_languages
from ocr.model.options import AUTO, DEFAULT_LANG, ENGINES, TESSERACT_ENGINES
from ocr.reading.cautions import ENGINE_NAMES, LOW_CONFIDENCE
from web.page_settings import page_settings

# with a choice of languages the pages detect the language; with one, they read it
DEFAULT_CHOICE = AUTO if len(installed_languages()) > 1 else DEFAULT_LANG
SETTINGS_BLOCK = re.compile(r'<script type="application/json" id="page-settings">(.*?)</script>', re.S)


def settings_of(html: str) -> dict:
    blocks = SETTINGS_BLOCK.findall(html)
    assert len(blocks) == 1
    return json.loads(blocks[0])


@pytest.mark.parametrize("path", ["/", "/camera"])
def test_pages_carry_the_servers_constants(app, client, path):
    settings = settings_of(client.get(path).get_data(as_text=True))
    assert settings["engines"] == {
        name: {"name": ENGINE_NAMES[name], "doubtful_below": LOW_CONFIDENCE[name]} for name in ("tesseract", "ppocr")
    }
    assert [choice["value"] for choice in settings["choices"]] == list(ENGINES)
    assert settings["default_choice"] == "auto"
    assert settings["languages"] == list(installed_languages())
    assert settings["default_lang"] == DEFAULT_CHOICE
    assert settings["max_upload_bytes"] == app.config["MAX_CONTENT_LENGTH"]
    assert settings["jobs_kept"] == "an hour"  # OCR_JOB_TTL_S's default


def test_the_page_shows_what_the_settings_say(client):
    html = client.get("/").get_data(as_text=True)
    assert '<span id="doubtful-threshold">60%</span>' in html  # LOW_CONFIDENCE["tesseract"], as a person writes it
    assert '<i class="good"></i> 90+ <i class="fair"></i> 70–89 <i class="poor"></i> under 70' in html
    assert "Text recognition by Tesseract and PP-OCRv6." in html
    select = re.search(r'<select name="engine" id="engine-select">.*?</select>', html, re.S).group(0)
    assert re.findall(r"<option [^>]*>([^<]*)</option>", select)[0] == "Automatic"
    assert '<option value="auto" title="Tesseract reads first;' in select
    languages = re.search(r'<select name="lang" id="lang-select".*?</select>', html, re.S).group(0)
    assert re.findall(r'<option value="(\w+)"[^>]* selected>', languages) == [DEFAULT_CHOICE]


def test_the_settings_block_is_data_the_content_security_policy_allows(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy  # a JSON block is never run
    block = SETTINGS_BLOCK.search(response.get_data(as_text=True)).group(1)
    assert "<" not in block  # tojson escapes it: the text cannot close the <script>


def test_a_tesseract_only_server_names_no_second_engine(tmp_path):
    from app import create_app

    app = create_app({"TESTING": True, "SLOT_DIR": str(tmp_path), "ENGINES": "tesseract"})
    for path in ("/", "/camera"):
        html = app.test_client().get(path).get_data(as_text=True)
        settings = settings_of(html)
        assert list(settings["engines"]) == ["tesseract"]
        assert [choice["value"] for choice in settings["choices"]] == list(TESSERACT_ENGINES)
        assert settings["choices"][0]["hint"] == "Tesseract alone: this server has no second engine"
        assert "PP-OCRv6" not in html  # nor in the hints, the footer or the settings


def test_a_view_may_render_a_page_with_settings_of_its_own(app):
    own = page_settings(choices=TESSERACT_ENGINES, languages=["eng"], max_upload_bytes=1024, job_ttl_s=60)
    with app.test_request_context("/"):
        html = render_template("index.html", page_settings=own, language_names={})
    select = re.search(r'<select name="engine" id="engine-select">.*?</select>', html, re.S).group(0)
    assert re.findall(r'<option value="(\w+)"', select) == list(TESSERACT_ENGINES)
    assert settings_of(html) == own
    assert "PP-OCRv6" not in html


def test_error_pages_carry_the_settings_too(client):
    response = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert settings_of(response.get_data(as_text=True))["engines"]["tesseract"]["name"] == "Tesseract"


@pytest.mark.parametrize(("seconds", "said"), [(3600, "an hour"), (7200, "2 hours"), (60, "a minute"), (90, "90 s")])
def test_how_long_jobs_are_kept_is_said_for_people(seconds, said):
    assert page_settings(choices=ENGINES, languages=[], max_upload_bytes=0, job_ttl_s=seconds)["jobs_kept"] == said


def test_no_page_or_script_keeps_a_copy():
    files = [*ROOT.glob("static/js/*.js"), *ROOT.glob("templates/*.html")]
    names = "|".join(re.escape(name) for name in ENGINE_NAMES.values())
    for path in files:
        text = Path(path).read_text()
        assert not re.search(rf"""["'`]({names})["'`]""", text), f"{path.name} names an engine itself"
        assert "DOUBTFUL_CONFIDENCE" not in text and "ENGINE_NAMES" not in text, path.name


# --- in Chromium: the scripts follow the server ---------------------------------------------------


@pytest.fixture
def open_page(app):
    """open_page(path) -> a Playwright page of a live server of `app`: the browser tests' Chromium."""
    from test_browser import page_opener, serve

    for url in serve(app):
        yield from page_opener(url)


def test_the_scripts_mark_and_name_as_the_server_says(client, open_page, tmp_path, monkeypatch):
    """Other thresholds and names on the server: the page marks and names by them, with no copy of its own."""
    from playwright.sync_api import expect

    photo = tmp_path / "page.png"
    photo.write_bytes(encode(draw_text()))
    reading = client.post("/ocr?format=json&engine=tesseract", data=photo.read_bytes(), content_type="image/png").json
    bar = max(word["confidence"] for word in reading["words"])  # a clean print: every word but the surest is under it
    doubtful = [word["text"] for word in reading["words"] if word["confidence"] < bar]
    assert doubtful and bar > LOW_CONFIDENCE["tesseract"]  # none of them doubtful by the real bar
    monkeypatch.setattr("web.page_settings.LOW_CONFIDENCE", {**LOW_CONFIDENCE, "tesseract": bar})
    monkeypatch.setattr("web.page_settings.ENGINE_NAMES", {**ENGINE_NAMES, "tesseract": "Tess"})
    page = open_page("/")
    page.select_option("#engine-select", "tesseract")
    page.set_input_files("#image-input", str(photo))
    expect(page.locator("#result-meta")).to_contain_text("read by Tess · ", timeout=30_000)
    assert page.locator("#ocr-text mark.doubtful").all_inner_texts() == doubtful
    expect(page.locator("#doubtful-legend")).to_contain_text(f"under {bar:g}%")
