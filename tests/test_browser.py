"""The upload and camera pages in Debian's Chromium, driven by Playwright, against a live server."""

import io
import json
import re
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
from conftest import SAMPLE_TEXT, document, draw_text, encode, pixelated_print, words_of
from docx import Document
from fakecam import document_frame, write_y4m, write_y4m_scenes
from openpyxl import load_workbook
from PIL import Image
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from bench.table_pages import draw
from ocr.model.options import ENGINES, TESSERACT_ENGINES

CHROMIUM = "/usr/bin/chromium"
QUIET_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def serve(app):
    """Serve the app on a free port in a thread: yields its URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.port}"
    server.shutdown()
    thread.join()


def page_opener(base_url):
    """Yields open_(path, *chromium_flags, **page_options) -> a Playwright page of base_url."""
    with sync_playwright() as playwright:
        browsers = []

        def open_(path, *flags, **page_options):
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=QUIET_FLAGS + list(flags)
            )
            browsers.append(browser)
            page = browser.new_page(**page_options)
            page.goto(base_url + path)
            return page

        yield open_
        for browser in browsers:
            browser.close()


@pytest.fixture
def live_server(app):
    yield from serve(app)


@pytest.fixture
def open_page(live_server):
    """open_page(path, *chromium_flags, **page_options) -> a Playwright page of the live server."""
    yield from page_opener(live_server)


@pytest.fixture
def jobs_live_server(jobs_app):
    yield from serve(jobs_app)


@pytest.fixture
def open_jobs_page(jobs_live_server):
    """open_page, of a live server that reads documents as jobs (start a worker to read them)."""
    yield from page_opener(jobs_live_server)


@pytest.fixture
def open_camera(open_page, tmp_path):
    """open_camera(frame) -> the camera page, its fake camera showing that RGB frame, ready to capture."""

    def open_(frame):
        video = tmp_path / "camera.y4m"
        write_y4m(video, frame)
        page = open_page(
            "/camera",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        )
        expect(page.locator("#capture-button")).to_be_enabled(timeout=15_000)
        return page

    return open_


@pytest.fixture
def photo(tmp_path) -> Path:
    path = tmp_path / "page.png"
    path.write_bytes(encode(draw_text()))
    return path


@pytest.fixture
def unsure_photo(tmp_path) -> Path:
    path = tmp_path / "pixelated.png"
    path.write_bytes(encode(pixelated_print()))
    return path


def test_upload_page_shows_the_text(open_page, photo):
    page = open_page("/")
    with page.expect_file_chooser() as chooser:
        page.click("#image-input")
    chooser.value.set_files(str(photo))
    expect(page.locator("#ocr-text")).to_contain_text("lazy dogs", timeout=30_000)
    assert words_of(page.locator("#ocr-text").inner_text()) == words_of(SAMPLE_TEXT)
    expect(page.locator("#preview")).to_be_visible()
    expect(page.locator("#download-link")).to_have_attribute("href", re.compile(r"^blob:"))


def test_upload_form_works_without_javascript(open_page, photo):
    page = open_page("/", java_script_enabled=False)
    page.set_input_files("#image-input", str(photo))
    page.click("#submit-button")
    expect(page.locator("#ocr-text")).to_contain_text("lazy dogs", timeout=30_000)
    assert page.url.endswith("/ocr")


def test_upload_page_shows_server_errors(open_page, tmp_path):
    not_an_image = tmp_path / "notes.png"
    not_an_image.write_text("this is not a picture")
    page = open_page("/")
    page.set_input_files("#image-input", str(not_an_image))
    expect(page.locator("#error")).to_contain_text("not an image", timeout=30_000)


def test_camera_page_reads_the_fake_webcam(open_camera):
    page = open_camera(document_frame())
    page.click("#capture-button")
    expect(page.locator("#ocr-text")).to_contain_text("lazy dogs", timeout=30_000)
    assert words_of(page.locator("#ocr-text").inner_text()) == words_of(SAMPLE_TEXT)
    expect(page.locator("#viewer-image")).to_be_visible()  # the captured frame, with its word boxes
    expect(page.locator("#ocr-warnings")).to_be_hidden()  # a sharp frame: nothing to warn of
    assert page.locator("#word-boxes rect").count() == len(words_of(SAMPLE_TEXT))


def test_camera_page_explains_a_denied_camera(open_page):
    page = open_page("/camera", "--use-fake-device-for-media-stream", "--deny-permission-prompts")
    expect(page.locator("#camera-status")).to_contain_text("denied", timeout=15_000)
    expect(page.locator("#camera-fallback")).to_be_visible()


def test_viewer_draws_one_box_per_word_and_pages_through_a_pdf(open_page, tmp_path):
    document = tmp_path / "report.pdf"
    pages = [draw_text(f"Page {word} of the report", font_px=40) for word in ("one", "two", "three")]
    pages[0].save(document, "PDF", save_all=True, append_images=pages[1:], resolution=150.0)
    page = open_page("/")
    page.set_input_files("#image-input", str(document))
    expect(page.locator("#page-label")).to_have_text("Page 1 of 3", timeout=30_000)
    assert page.locator("#word-boxes rect").count() == len(words_of("Page one of the report"))
    assert "one" in page.locator("#word-boxes rect title").all_text_contents()[1]
    page.click("#page-next")
    expect(page.locator("#page-label")).to_have_text("Page 2 of 3")
    assert "two" in page.locator("#word-boxes rect title").all_text_contents()[1]
    page.click("#show-preprocessed")
    expect(page.locator("#viewer-note")).to_be_visible()
    assert page.locator("#word-boxes rect").count() == 0


def test_text_and_searchable_pdf_downloads(open_page, photo):
    page = open_page("/", accept_downloads=True)
    page.set_input_files("#image-input", str(photo))
    expect(page.locator("#ocr-text")).to_contain_text("lazy dogs", timeout=30_000)
    with page.expect_download() as download:
        page.click("[data-format=pdf]")
    assert download.value.suggested_filename == "ocr.pdf"
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")


def test_upload_page_warns_of_an_unsure_reading_and_clears_it_for_the_next(open_page, unsure_photo, photo):
    page = open_page("/")
    page.select_option("#engine-select", "tesseract")  # Tesseract's doubt; PP-OCRv6 reads this pixelated print surely
    warnings = page.locator("#ocr-warnings")
    page.set_input_files("#image-input", str(unsure_photo))
    expect(warnings).to_be_visible(timeout=30_000)
    expect(warnings.locator("li[data-code=low_confidence]")).to_contain_text(re.compile(r"unsure.*confidence"))
    page.set_input_files("#image-input", str(photo))  # a clean print: the next reading has nothing to warn of
    expect(page.locator("#ocr-text")).to_contain_text("lazy dogs", timeout=30_000)
    expect(warnings).to_be_hidden()
    assert warnings.locator("li").count() == 0


def test_camera_page_warns_of_an_unsure_reading(open_camera):
    sheet = pixelated_print(SAMPLE_TEXT.replace("over", "\nover"))  # two lines fit the 640 px frame
    frame = Image.new("RGB", (640, 480), "white")
    frame.paste(sheet, ((frame.width - sheet.width) // 2, (frame.height - sheet.height) // 2))
    page = open_camera(np.asarray(frame))
    page.select_option("#engine-select", "tesseract")
    page.click("#capture-button")
    expect(page.locator("#ocr-warnings li[data-code=low_confidence]")).to_be_visible(timeout=30_000)


def test_no_javascript_result_page_shows_the_warnings(client, unsure_photo, photo):
    def result_page(path: Path) -> str:  # what the upload form's plain POST gets back
        form = {"image": (io.BytesIO(path.read_bytes()), path.name), "engine": "tesseract"}
        return client.post("/ocr", data=form, headers={"Accept": "text/html"}).get_data(as_text=True)

    unsure = result_page(unsure_photo)
    assert "hidden" not in re.search(r'<aside id="ocr-warnings"[^>]*>', unsure).group(0)
    assert re.search(r'<li data-code="low_confidence">[^<]*unsure[^<]*confidence', unsure)
    clean = result_page(photo)
    assert re.search(r'<aside id="ocr-warnings"[^>]*\bhidden\b', clean)
    assert "data-code=" not in clean


@pytest.mark.parametrize("path", ["/", "/camera"])
def test_pages_offer_the_engine_choices(open_page, path):
    page = open_page(path)
    engine = page.locator("select#engine-select[name=engine]")
    expect(engine).to_have_value("auto")
    assert engine.locator("option").evaluate_all("options => options.map(o => o.value)") == list(ENGINES)
    labels = engine.locator("option").all_inner_texts()
    assert labels[0] == "Automatic"
    assert "PP-OCRv6" in labels[2] and "handwriting" in labels[2]


# Records the text fields of each form the page posts (CDP hides bodies that hold a file from Playwright).
RECORD_POSTED_FIELDS = """
window.postedFields = [];
const fetch_ = window.fetch;
window.fetch = (url, init) => {
  if (init?.body instanceof FormData) {
    window.postedFields.push(Object.fromEntries([...init.body].filter(([, v]) => typeof v === "string")));
  }
  return fetch_(url, init);
};
"""


def test_upload_page_sends_the_engine_and_shows_which_read_the_text(open_page, photo):
    page = open_page("/")
    page.add_init_script(RECORD_POSTED_FIELDS)
    page.reload()
    page.select_option("#engine-select", "tesseract")
    page.set_input_files("#image-input", str(photo))
    meta = page.locator("#result-meta")
    expect(meta).to_contain_text(re.compile(r"confidence [\d.]+ · read by Tesseract · "), timeout=30_000)
    assert page.evaluate("window.postedFields")[0]["engine"] == "tesseract"
    # with more than one language installed (make test installs TEST_LANGS), the pages detect it
    expect(meta).to_contain_text("read by Tesseract · language eng (detected) · ")
    assert page.evaluate("window.postedFields")[0]["lang"] == "auto"


def test_a_combined_reading_names_both_engines_and_whose_each_word_is(open_page, client, photo):
    # the server's real answer, as if PP-OCRv6 had read its first word: fast, without the second engine
    answer = client.post(
        "/ocr?format=json&engine=tesseract&previews=1", data=photo.read_bytes(), content_type="image/png"
    ).json
    answer["engine"], answer["words"][0]["engine"] = "tesseract+ppocr", "ppocr"
    page = open_page("/")
    page.route("**/ocr?format=json", lambda route: route.fulfill(json=answer))
    page.set_input_files("#image-input", str(photo))
    expect(page.locator("#result-meta")).to_contain_text("read by Tesseract + PP-OCRv6", timeout=30_000)
    titles = page.locator("#word-boxes rect title").all_text_contents()
    assert titles[0].endswith("· PP-OCRv6") and titles[1].endswith("· Tesseract")


def test_no_javascript_result_page_shows_which_engine_read_the_text(client, photo):
    form = {"image": (io.BytesIO(photo.read_bytes()), photo.name), "engine": "tesseract"}
    page = client.post("/ocr", data=form, headers={"Accept": "text/html"}).get_data(as_text=True)
    assert re.search(r'<p class="meta" id="result-meta">[^<]*confidence [\d.]+ · read by Tesseract · ', page)


def test_a_tesseract_only_server_offers_only_its_engines(tmp_path):
    from app import create_app

    app = create_app({"TESTING": True, "SLOT_DIR": str(tmp_path), "ENGINES": "tesseract"})
    for path in ("/", "/camera"):
        html = app.test_client().get(path).get_data(as_text=True)
        select = re.search(r'<select name="engine" id="engine-select">.*?</select>', html, re.S).group(0)
        assert re.findall(r'<option value="(\w+)"', select) == list(TESSERACT_ENGINES)


def test_upload_page_reads_a_document_as_a_job_page_by_page_and_resumes_it(
    open_jobs_page, start_worker, tmp_path, photo
):
    start_worker("reader")
    texts = [f"Chapter {word} of the annual report" for word in ("one", "two", "three", "four")]
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(document(texts))
    page = open_jobs_page("/")
    page.set_input_files("#image-input", str(pdf))
    label, text = page.locator("#job-progress-label"), page.locator("#ocr-text")
    expect(label).to_contain_text("of 4", timeout=30_000)
    expect(page.locator("#result-meta")).to_contain_text("4 pages", timeout=60_000)  # the final result
    assert words_of(text.inner_text()) == words_of(" ".join(texts))
    assert text.text_content().count("\f") == 3  # pages separated as in a document read by /ocr
    expect(label).to_have_text("page 4 of 4")
    assert "?job=" in page.url

    page.reload()  # the job is still on the server: the page shows it again
    expect(page.locator("#result-meta")).to_contain_text("4 pages", timeout=30_000)
    assert words_of(text.inner_text()) == words_of(" ".join(texts))

    with page.expect_request(lambda request: request.method == "POST" and request.url.endswith("/ocr?format=json")):
        page.set_input_files("#image-input", str(photo))  # a single image is read at once, not as a job
    expect(text).to_contain_text("lazy dogs", timeout=30_000)


# --- after the reading: doubtful words, pages, correcting, reading aloud -------------

# Records what the page hands the browser's speech synthesis and clipboard, which speak and copy for real otherwise.
SPY_ON_SPEECH_AND_CLIPBOARD = """
window.spoken = [];
window.speechCancelled = 0;
speechSynthesis.speak = (utterance) => { window.spoken.push({ text: utterance.text, lang: utterance.lang }); };
speechSynthesis.cancel = () => { window.speechCancelled += 1; };
window.copied = null;
navigator.clipboard.writeText = async (text) => { window.copied = text; };
"""


def read_on_page(page, path: Path) -> dict:
    """Choose the file on the open page; the JSON answer the page shows, once shown."""
    with page.expect_response(lambda response: "/ocr?format=json" in response.url, timeout=60_000) as answer:
        page.set_input_files("#image-input", str(path))
    expect(page.locator("#result-meta")).to_contain_text("confidence", timeout=30_000)
    return answer.value.json()


def test_doubtful_words_are_marked_on_an_unsure_reading_and_not_on_a_clean_one(open_page, unsure_photo, photo):
    page = open_page("/")
    page.select_option("#engine-select", "tesseract")  # Tesseract's doubt; PP-OCRv6 reads this pixelated print surely
    reading = read_on_page(page, unsure_photo)
    text, marks = page.locator("#ocr-text"), page.locator("#ocr-text mark.doubtful")
    doubtful = [word for word in reading["words"] if word["confidence"] < 60]
    assert doubtful  # the pixelated print is read at a confidence of 12-36
    expect(marks).to_have_count(len(doubtful))
    assert marks.all_inner_texts() == [word["text"] for word in doubtful]
    assert marks.first.get_attribute("title") == f"confidence {round(doubtful[0]['confidence'])}%"
    assert text.evaluate("pre => pre.tagName") == "PRE"
    assert text.inner_text() == reading["text"]  # the marks add no text
    expect(page.locator("#doubtful-legend")).to_be_visible()
    expect(page.locator("#doubtful-legend")).to_contain_text("under 60%")

    clean = read_on_page(page, photo)
    expect(text).to_contain_text("lazy dogs")
    assert min(word["confidence"] for word in clean["words"]) >= 60
    expect(marks).to_have_count(0)
    expect(page.locator("#doubtful-legend")).to_be_hidden()
    assert text.inner_text() == clean["text"]


def test_pages_of_a_document_show_as_blocks_under_headings(open_page, tmp_path):
    pdf = tmp_path / "freight.pdf"
    pdf.write_bytes(document(["Page 1 line 1\nthe freight report", "Page 2 line 1\nof barrels", "Page 3 line 1"]))
    page = open_page("/")
    reading = read_on_page(page, pdf)  # this server has no job queue: the page reads it with /ocr
    text = page.locator("#ocr-text")
    assert text.inner_text() == reading["text"]  # the form feeds included, the headings not
    assert reading["text"].count("\f") == 2
    blocks = text.locator("span.page")
    expect(blocks).to_have_count(3)
    headings = blocks.evaluate_all(
        "spans => spans.map(span => { const style = getComputedStyle(span, '::before');"
        " return [style.content, style.display]; })"
    )
    assert headings == [[f'"Page {n}"', "block"] for n in (1, 2, 3)]  # generated content: not in innerText
    # the last line of page 1 and the first of page 2 no longer share a line
    boxes = [blocks.nth(n).evaluate("span => span.getBoundingClientRect().toJSON()") for n in range(3)]
    assert boxes[0]["bottom"] <= boxes[1]["top"] and boxes[1]["bottom"] <= boxes[2]["top"]


def test_a_corrected_word_goes_into_copy_and_the_downloads_but_not_to_the_server(open_page, photo):
    page = open_page("/", accept_downloads=True)
    page.add_init_script(SPY_ON_SPEECH_AND_CLIPBOARD)
    page.reload()
    reading = read_on_page(page, photo)
    corrected = reading["text"].replace("lazy", "sleepy")
    assert corrected != reading["text"]
    requests = []  # what the page asks of the server from here on
    page.on("request", lambda request: requests.append(f"{request.method} {urlsplit(request.url).path}"))

    page.click("#edit-button")
    editor = page.locator("textarea#ocr-editor")
    expect(editor).to_be_focused()
    expect(page.locator("#ocr-text")).to_be_hidden()
    assert editor.input_value() == reading["text"]
    at = reading["text"].index("lazy")
    editor.evaluate("(area, at) => area.setSelectionRange(at, at + 4)", at)  # select the word, as a double click does
    page.keyboard.type("sleepy")
    page.click("#copy-button")  # while still editing: the text as it is now
    assert page.evaluate("window.copied") == corrected
    page.click("#edit-button")  # Done
    expect(page.locator("#ocr-text")).to_be_visible()
    assert page.locator("#ocr-text").inner_text() == corrected
    expect(page.locator("#edited-note")).to_be_visible()
    page.click("#copy-button")
    assert page.evaluate("window.copied") == corrected
    with page.expect_download() as download:
        page.click("#download-link")
    assert download.value.suggested_filename == "ocr.txt"
    assert Path(download.value.path()).read_text() == corrected
    assert requests == []  # the correction stayed in the page

    with page.expect_download() as download:
        page.click("#docx-button")
    assert download.value.suggested_filename == "ocr.docx"
    assert requests == ["POST /export"]  # a document the server makes, from the corrected text
    paragraphs = [paragraph.text for paragraph in Document(download.value.path()).paragraphs]
    assert "sleepy" in " ".join(paragraphs) and "lazy" not in " ".join(paragraphs)


def test_tab_selects_each_doubtful_word_and_escape_lets_tab_leave(open_page, unsure_photo):
    page = open_page("/")
    page.select_option("#engine-select", "tesseract")
    read_on_page(page, unsure_photo)
    marked = page.locator("#ocr-text mark.doubtful").all_inner_texts()
    assert len(marked) >= 3
    page.click("#edit-button")
    editor = page.locator("#ocr-editor")
    selected = "area => area.value.slice(area.selectionStart, area.selectionEnd)"
    for word in marked[:3]:
        page.keyboard.press("Tab")
        assert editor.evaluate(selected) == word
    page.keyboard.press("Shift+Tab")
    assert editor.evaluate(selected) == marked[1]
    page.keyboard.type("fixed")  # a corrected word is no longer doubtful
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    expect(editor).not_to_be_focused()  # not trapped: Escape, then Tab leaves
    page.click("#edit-button")
    assert page.locator("#ocr-text mark.doubtful").all_inner_texts() == [marked[0], *marked[2:]]


def test_a_doubtful_word_offers_the_dictionarys_spellings_by_mouse_and_keyboard(open_page, unsure_photo):
    page = open_page("/")
    page.select_option("#engine-select", "tesseract")
    page.select_option("#lang-select", "eng")
    reading = read_on_page(page, unsure_photo)
    marked = page.locator("#ocr-text mark.doubtful").all_inner_texts()
    spellings = [
        page.request.get(page.url + "suggestions", params={"word": word, "lang": "eng"}).json()["suggestions"]
        for word in marked[:2]
    ]
    assert len(spellings[0]) >= 2 and spellings[1]  # the pixelated print reads as near-words
    page.click("#edit-button")
    editor = page.locator("#ocr-editor")
    suggestions, buttons = page.locator("#suggestions"), page.locator("#suggestions button")
    expect(suggestions).to_be_hidden()

    page.keyboard.press("Tab")  # the first doubtful word: its spellings, as GET /suggestions gives them
    expect(page.locator("#suggestions-word")).to_have_text(marked[0])
    expect(buttons).to_have_text(spellings[0])
    page.keyboard.press("ArrowDown")  # into the buttons, along them, and Enter chooses
    expect(buttons.first).to_be_focused()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    expect(editor).to_be_focused()
    expect(suggestions).to_be_hidden()
    at = reading["text"].index(marked[0])
    corrected = reading["text"][:at] + spellings[0][1] + reading["text"][at + len(marked[0]) :]
    assert editor.input_value() == corrected

    page.keyboard.press("Tab")  # Tab goes on to the next doubtful word, as without suggestions
    expect(page.locator("#suggestions-word")).to_have_text(marked[1])
    buttons.first.click()  # and a click chooses too
    expect(editor).to_be_focused()
    at = corrected.index(marked[1], at + len(spellings[0][1]))
    assert editor.input_value() == corrected[:at] + spellings[1][0] + corrected[at + len(marked[1]) :]
    page.click("#edit-button")  # Done: the words chosen are no longer doubtful
    expect(page.locator("#ocr-text mark.doubtful")).to_have_count(len(marked) - 2)


def test_read_aloud_speaks_the_corrected_text_and_stop_cancels_it(open_page, photo):
    page = open_page("/")
    page.add_init_script(SPY_ON_SPEECH_AND_CLIPBOARD)
    page.reload()
    reading = read_on_page(page, photo)
    button = page.locator("#read-aloud-button")
    expect(button).to_be_visible()
    button.click()
    expect(button).to_have_text("Stop")
    spoken = page.evaluate("window.spoken")
    assert words_of(" ".join(part["text"] for part in spoken)) == words_of(reading["text"])
    assert {part["lang"] for part in spoken} == {"en"}  # the reading's eng
    button.click()
    expect(button).to_have_text("Read aloud")
    assert page.evaluate("window.speechCancelled") >= 2  # before speaking, and Stop

    page.click("#edit-button")
    page.locator("#ocr-editor").fill("Corrected words only")
    button.click()
    assert page.evaluate("window.spoken").pop()["text"] == "Corrected words only"


def test_read_aloud_is_hidden_without_speech_synthesis(open_page, photo):
    page = open_page("/")
    page.add_init_script("delete Window.prototype.speechSynthesis; delete window.speechSynthesis;")
    page.reload()
    assert page.evaluate("'speechSynthesis' in window") is False
    read_on_page(page, photo)
    expect(page.locator("#read-aloud-button")).to_be_hidden()
    expect(page.locator("#edit-button")).to_be_visible()


# --- live reading on the camera page --------------------------------------------

SECOND_TEXT = "Pack my box with five\ndozen liquor jugs"  # two lines: one would not fit the sheet
FAKE_CAMERA = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
# what the page does to its document when the tab is hidden, and shown again
SET_HIDDEN = """(hidden) => {
  Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
  const state = hidden ? "hidden" : "visible";
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => state });
  document.dispatchEvent(new Event("visibilitychange"));
}"""


@pytest.fixture
def open_live_camera(open_page, tmp_path):
    """open_live_camera(*texts) -> the camera page, its fake camera showing a page of each text in
    turn, 3 s each, in a loop; and the times of its POSTs to /ocr, as they are sent."""

    def open_(*texts):
        video = tmp_path / "scenes.y4m"
        write_y4m_scenes(video, [document_frame(text=text) for text in texts], frames=30)
        page = open_page("/camera", *FAKE_CAMERA, f"--use-file-for-fake-video-capture={video}")
        posts = []
        page.on("request", lambda request: posts.append(time.monotonic()) if is_ocr_post(request) else None)
        expect(page.locator("#live-toggle")).to_be_enabled(timeout=15_000)
        expect(page.locator("#freeze-button")).to_be_disabled()  # nothing to freeze before Live
        return page, posts

    return open_


def is_ocr_post(request) -> bool:
    return request.method == "POST" and "/ocr" in request.url


def posts_while(page, posts: list, seconds: float) -> int:
    """How many POSTs the page sends in the next `seconds`, after one already in flight is answered."""
    page.wait_for_timeout(500)
    before = len(posts)
    page.wait_for_timeout(seconds * 1000)
    return len(posts) - before


def test_live_mode_reads_and_updates_without_capture_and_freeze_keeps_the_reading(open_live_camera):
    page, posts = open_live_camera(SAMPLE_TEXT, SECOND_TEXT)
    page.check("#live-toggle")
    text = page.locator("#ocr-text")
    expect(text).to_contain_text("lazy dogs", timeout=30_000)  # no Capture pressed
    expect(text).to_contain_text("liquor jugs", timeout=30_000)  # the camera turned to the next page
    assert words_of(text.inner_text()) in (words_of(SAMPLE_TEXT), words_of(SECOND_TEXT))
    assert int(page.locator("#live-overlay").get_attribute("data-words")) > 0  # boxes over the video

    page.click("#freeze-button")
    expect(page.locator("#freeze-button")).to_have_attribute("aria-pressed", "true")
    frozen = text.inner_text()
    assert posts_while(page, posts, 4) == 0  # longer than a scene: the camera moved on meanwhile
    assert text.inner_text() == frozen
    assert page.evaluate("document.getElementById('camera-video').paused")  # the picture under the boxes stays

    with page.expect_request(is_ocr_post, timeout=15_000):  # Resume reads the picture as it is now
        page.click("#freeze-button")
    expect(page.locator("#freeze-button")).to_have_attribute("aria-pressed", "false")
    page.evaluate(SET_HIDDEN, True)
    assert posts_while(page, posts, 4) == 0  # a hidden tab sends nothing
    with page.expect_request(is_ocr_post, timeout=15_000):
        page.evaluate(SET_HIDDEN, False)  # shown again, it reads again

    page.uncheck("#live-toggle")
    assert posts_while(page, posts, 4) == 0
    assert page.locator("#live-overlay").get_attribute("data-words") == "0"
    expect(page.locator("#freeze-button")).to_be_disabled()


def test_live_mode_skips_a_picture_it_has_read(open_live_camera):
    page, posts = open_live_camera(SAMPLE_TEXT)  # a still camera
    page.check("#live-toggle")
    expect(page.locator("#ocr-text")).to_contain_text("lazy dogs", timeout=30_000)
    expect(page.locator("#camera-status")).to_contain_text("waiting for the picture to change", timeout=10_000)
    assert posts_while(page, posts, 3) == 0


def test_live_mode_waits_as_long_as_a_busy_server_asks(open_live_camera):
    page, _ = open_live_camera(SAMPLE_TEXT)
    answered = []

    def busy_once(route):
        answered.append(time.monotonic())
        if len(answered) > 1:
            route.continue_()
            return
        busy = {"error": {"code": "overloaded", "message": "The server is busy; try again in a few seconds."}}
        route.fulfill(status=503, headers={"Retry-After": "3"}, content_type="application/json", body=json.dumps(busy))

    page.route(re.compile(r"/ocr\?"), busy_once)
    page.check("#live-toggle")
    expect(page.locator("#camera-status")).to_contain_text("busy; live reading resumes in 3 s", timeout=15_000)
    expect(page.locator("#ocr-text")).to_contain_text("lazy dogs", timeout=30_000)
    assert answered[1] - answered[0] >= 2.9  # Retry-After: 3
    expect(page.locator("#error")).to_be_hidden()  # busy is not an error: the page waits and goes on


# --- API keys -----------------------------------------------------------------

API_KEY = "tab-key-3e9a71"


@pytest.fixture
def open_keyed_page(tmp_path):
    """open_page, of a live server started with OCR_API_KEYS."""
    from app import create_app

    app = create_app({"TESTING": True, "SLOT_DIR": str(tmp_path), "TIMEOUT_S": 30, "API_KEYS": API_KEY})
    for url in serve(app):
        yield from page_opener(url)


def test_upload_page_asks_for_the_api_key_once_a_tab(open_keyed_page, photo):
    page = open_keyed_page("/", accept_downloads=True)
    answers = []
    page.on("response", lambda response: answers.append((response.url, response.status)))
    sent_keys = []
    page.on("request", lambda request: sent_keys.append(request.headers.get("authorization")))
    dialog = page.get_by_role("dialog", name="API key needed")
    page.set_input_files("#image-input", str(photo))
    expect(dialog).to_be_visible(timeout=30_000)  # after the first 401
    assert any(url.endswith("/ocr?format=json") and status == 401 for url, status in answers)
    expect(page.locator("#api-key-input")).to_be_focused()
    page.fill("#api-key-input", "not-the-key")
    page.click("#api-key-submit")
    expect(page.locator("#api-key-message")).to_contain_text("did not accept", timeout=30_000)  # asked again
    expect(dialog).to_be_visible()
    page.fill("#api-key-input", API_KEY)
    page.press("#api-key-input", "Enter")
    expect(page.locator("#ocr-text")).to_contain_text("lazy dogs", timeout=30_000)
    expect(dialog).to_be_hidden()
    expect(page.locator("#error")).to_be_hidden()
    assert page.evaluate("sessionStorage.getItem('ocr-api-key')") == API_KEY
    with page.expect_download() as download:  # a download is an API call too: it carries the key
        page.click("[data-format=pdf]")
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")

    page.reload()  # the same tab: the key is kept, nothing is asked
    answers.clear()
    sent_keys.clear()
    page.set_input_files("#image-input", str(photo))
    expect(page.locator("#ocr-text")).to_contain_text("lazy dogs", timeout=30_000)
    expect(dialog).to_be_hidden()
    assert not any(status == 401 for _, status in answers)
    assert f"Bearer {API_KEY}" in sent_keys


# a small price list, a table as people photograph one
PRICE_LIST = [["Item", "Qty", "Price"], ["Green tea", "2", "3.50"], ["Bagel", "1", "2.20"], ["Muffin", "3", "7.80"]]


def table_texts(page) -> list[list[str]]:
    return [row.locator("td").all_inner_texts() for row in page.locator("#ocr-table-1 tr").all()]


def test_upload_page_shows_a_table_beside_the_text_and_downloads_the_spreadsheet(open_page, tmp_path):
    path = tmp_path / "prices.png"
    path.write_bytes(encode(draw(PRICE_LIST, ruled=True)))
    page = open_page("/", accept_downloads=True)
    page.set_input_files("#image-input", str(path))
    expect(page.locator("#ocr-table-1")).to_be_visible(timeout=30_000)
    assert table_texts(page) == PRICE_LIST
    expect(page.locator("#ocr-text")).to_contain_text("Green tea")  # the text stays as read
    with page.expect_download() as download:
        page.click("#xlsx-button")
    assert download.value.suggested_filename == "ocr.xlsx"
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))["Table 1"]
    assert [list(row) for row in sheet.iter_rows(values_only=True)][1] == ["Green tea", 2, 3.5]
    plain = tmp_path / "plain.png"
    plain.write_bytes(encode(draw_text()))  # the next reading has no table: the section goes
    page.set_input_files("#image-input", str(plain))
    expect(page.locator("#ocr-text")).to_contain_text("lazy dogs", timeout=30_000)
    expect(page.locator("#ocr-tables")).to_be_hidden()
    expect(page.locator("#xlsx-button")).to_be_hidden()


def test_camera_page_shows_the_table_it_captured(open_camera):
    drawn = draw(PRICE_LIST, ruled=False, font_px=28)
    frame = Image.new("RGB", (640, 480), "white")
    drawn.thumbnail((640, 480))
    frame.paste(drawn, ((640 - drawn.width) // 2, (480 - drawn.height) // 2))
    page = open_camera(np.asarray(frame))
    page.click("#capture-button")
    expect(page.locator("#ocr-table-1")).to_be_visible(timeout=30_000)
    assert table_texts(page) == PRICE_LIST
