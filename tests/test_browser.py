"""The upload and camera pages in Debian's Chromium, driven by Playwright, against a live server."""

import re
import threading
from pathlib import Path

import numpy as np
import pytest
from conftest import SAMPLE_TEXT, draw_text, encode, words_of
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
QUIET_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.port}"
    server.shutdown()
    thread.join()


def write_y4m(path: Path, frame_rgb: np.ndarray, *, frames: int = 5) -> None:
    """A YUV4MPEG2 video of one still frame, the format Chromium's fake camera plays."""
    height, width, _ = frame_rgb.shape
    rgb = frame_rgb.astype(np.float32)
    y = 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]
    u = (rgb[..., 2] - y) * 0.564 + 128
    v = (rgb[..., 0] - y) * 0.713 + 128

    def subsample(plane):  # 4:2:0 chroma: average each 2x2 block
        return plane.reshape(height // 2, 2, width // 2, 2).mean(axis=(1, 3))

    planes = [np.clip(p, 0, 255).round().astype(np.uint8).tobytes() for p in (y, subsample(u), subsample(v))]
    with path.open("wb") as video:
        video.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            video.write(b"FRAME\n" + b"".join(planes))


def document_frame(width: int = 640, height: int = 480) -> np.ndarray:
    """A webcam's view of a page: dark desk around a white sheet with the sample text."""
    page = draw_text(SAMPLE_TEXT.replace("over", "\nover"), font_px=34, margin=24)
    frame = np.full((height, width, 3), 60, dtype=np.uint8)
    sheet = np.asarray(page.convert("RGB"))[: height - 40, : width - 40]
    top, left = (height - sheet.shape[0]) // 2, (width - sheet.shape[1]) // 2
    frame[top : top + sheet.shape[0], left : left + sheet.shape[1]] = sheet
    return frame


def launch(playwright, *extra_flags):
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=QUIET_FLAGS + list(extra_flags))


def test_upload_page_shows_the_text(live_server, tmp_path):
    photo = tmp_path / "page.png"
    photo.write_bytes(encode(draw_text()))
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page()
        page.goto(live_server + "/")
        with page.expect_file_chooser() as chooser:
            page.click("#image-input")
        chooser.value.set_files(str(photo))
        expect(page.locator("#ocr-text")).to_contain_text("lazy dogs", timeout=30_000)
        assert words_of(page.locator("#ocr-text").inner_text()) == words_of(SAMPLE_TEXT)
        expect(page.locator("#preview")).to_be_visible()
        expect(page.locator("#download-link")).to_have_attribute("href", re.compile(r"^blob:"))
        browser.close()


def test_upload_form_works_without_javascript(live_server, tmp_path):
    photo = tmp_path / "page.png"
    photo.write_bytes(encode(draw_text()))
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(java_script_enabled=False)
        page.goto(live_server + "/")
        page.set_input_files("#image-input", str(photo))
        page.click("#submit-button")
        expect(page.locator("#ocr-text")).to_contain_text("lazy dogs", timeout=30_000)
        assert page.url.endswith("/ocr")
        browser.close()


def test_upload_page_shows_server_errors(live_server, tmp_path):
    not_an_image = tmp_path / "notes.png"
    not_an_image.write_text("this is not a picture")
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page()
        page.goto(live_server + "/")
        page.set_input_files("#image-input", str(not_an_image))
        expect(page.locator("#error")).to_contain_text("not an image", timeout=30_000)
        browser.close()


def test_camera_page_reads_the_fake_webcam(live_server, tmp_path):
    video = tmp_path / "document.y4m"
    write_y4m(video, document_frame())
    with sync_playwright() as playwright:
        browser = launch(
            playwright,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        )
        page = browser.new_page()
        page.goto(live_server + "/camera")
        expect(page.locator("#capture-button")).to_be_enabled(timeout=15_000)
        page.click("#capture-button")
        expect(page.locator("#ocr-text")).to_contain_text("lazy dogs", timeout=30_000)
        assert words_of(page.locator("#ocr-text").inner_text()) == words_of(SAMPLE_TEXT)
        expect(page.locator("#capture-preview")).to_be_visible()
        browser.close()


def test_camera_page_explains_a_denied_camera(live_server):
    with sync_playwright() as playwright:
        browser = launch(playwright, "--use-fake-device-for-media-stream", "--deny-permission-prompts")
        page = browser.new_page()
        page.goto(live_server + "/camera")
        expect(page.locator("#camera-status")).to_contain_text("denied", timeout=15_000)
        expect(page.locator("#camera-fallback")).to_be_visible()
        browser.close()
