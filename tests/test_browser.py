"""The upload and camera pages in Debian's Chromium, driven by Playwright, against a live server."""

import io
import re
import threading
from pathlib import Path

import numpy as np
import pytest
from conftest import SAMPLE_TEXT, document, draw_text, encode, pixelated_print, words_of
from fakecam import document_frame, write_y4m
from flask import render_template
from PIL import Image
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from ocr.options import ENGINES, TESSERACT_ENGINES

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


def test_options_offer_only_the_engines_given(app):
    with app.test_request_context("/"):
        html = render_template("index.html", languages=["eng"], language_names={}, engines=TESSERACT_ENGINES)
    select = re.search(r'<select name="engine" id="engine-select">.*?</select>', html, re.S).group(0)
    assert re.findall(r'<option value="(\w+)"', select) == list(TESSERACT_ENGINES)
    assert "PP-OCRv6" not in html  # nor in the hints or the footer


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
