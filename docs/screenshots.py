"""Take the README's screenshots of both pages in headless Chromium: python docs/screenshots.py"""

import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from conftest import draw_text, encode  # noqa: E402
from fakecam import document_frame, write_y4m  # noqa: E402

from app import create_app  # noqa: E402

RECEIPT = "CORNER CAFE\nFlat white        3.20\nAlmond croissant  2.90\nTotal             6.10\nThank you!"
FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync"]


def main() -> None:
    work = Path(tempfile.mkdtemp())
    photo, video = work / "receipt.png", work / "document.y4m"
    photo.write_bytes(encode(draw_text(RECEIPT, font_px=34).rotate(4, expand=True, fillcolor="white")))
    write_y4m(video, document_frame())
    server = make_server("127.0.0.1", 0, create_app({"SLOT_DIR": str(work)}), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.port}"
    with sync_playwright() as playwright:
        camera_flags = [
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ]
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS + camera_flags)
        page = browser.new_page(viewport={"width": 1100, "height": 1000})
        page.goto(base + "/")
        page.set_input_files("#image-input", str(photo))
        expect(page.locator("#viewer")).to_be_visible(timeout=30_000)
        page.screenshot(path=str(ROOT / "docs" / "upload-page.png"), full_page=True)
        page.goto(base + "/camera")
        expect(page.locator("#capture-button")).to_be_enabled(timeout=15_000)
        page.wait_for_timeout(500)
        page.click("#capture-button")
        expect(page.locator("#viewer")).to_be_visible(timeout=30_000)
        page.screenshot(path=str(ROOT / "docs" / "camera-page.png"), full_page=True)
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main()
