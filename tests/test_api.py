"""POST /ocr end to end with real Tesseract: every input path, every format, every error status."""

import base64
import io
import re
from unittest import mock

import pytesseract
import pytest
from conftest import INSTALLED, PPOCR_POOL, SAMPLE_TEXT, draw_receipt, draw_text, encode, pixelated_print, words_of
from PIL import Image, ImageDraw, ImageFilter, ImageFont

EXPECTED = words_of(SAMPLE_TEXT)


@pytest.fixture
def png(text_image):
    return encode(text_image())


def test_multipart_upload_answers_plain_text_for_curl(client, png):
    response = client.post("/ocr", data={"image": (io.BytesIO(png), "page.png")}, headers={"Accept": "*/*"})
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert words_of(response.get_data(as_text=True)) == EXPECTED


def test_raw_image_body(client, png):
    response = client.post("/ocr", data=png, content_type="image/png")
    assert response.status_code == 200
    assert words_of(response.get_data(as_text=True)) == EXPECTED


@pytest.mark.parametrize("prefix", ["", "data:image/png;base64,"])
def test_json_base64_and_data_url(client, png, prefix):
    body = {"image": prefix + base64.b64encode(png).decode(), "format": "json"}
    response = client.post("/ocr", json=body)
    assert response.status_code == 200
    assert words_of(response.json["text"]) == EXPECTED


def test_json_answer_has_the_documented_shape(client, png, text_image):
    response = client.post("/ocr?format=json", data=png, content_type="image/png")
    result = response.json
    assert response.mimetype == "application/json"
    assert set(result) >= {"text", "confidence", "lang", "psm", "preprocess", "image", "words", "timings_ms"}
    assert (result["lang"], result["psm"]) == ("eng", 3)
    assert result["image"] == dict(zip(("width", "height"), text_image().size, strict=True))
    assert [w["text"].lower() for w in result["words"]] == EXPECTED
    assert 50 < result["confidence"] <= 100
    assert all(w["confidence"] >= 0 for w in result["words"])
    assert set(result["timings_ms"]) == {"decode", "preprocess", "ocr", "tables", "total"}
    assert result["tables"] == []  # one line of text: no table
    first = result["words"][0]
    assert set(first) == {
        "text",
        "confidence",
        "left",
        "top",
        "width",
        "height",
        "block",
        "paragraph",
        "line",
        "engine",
    }


def test_word_boxes_sit_on_the_drawn_words(client, text_image):
    image = text_image("HELLO", font_px=60, margin=100)
    result = client.post("/ocr?format=json&psm=7", data=encode(image), content_type="image/png").json
    [word] = result["words"]
    ink = Image.eval(image.convert("L"), lambda v: 255 - v).getbbox()  # bounding box of dark pixels
    box = (word["left"], word["top"], word["left"] + word["width"], word["top"] + word["height"])
    assert all(abs(a - b) <= 6 for a, b in zip(box, ink, strict=True)), (box, ink)


@pytest.mark.parametrize(
    ("accept", "fmt", "mimetype"),
    [
        ("application/json", None, "application/json"),
        ("text/html,application/xhtml+xml,*/*;q=0.8", None, "text/html"),
        (None, None, "text/plain"),
        ("application/json", "text", "text/plain"),
        ("text/plain", "json", "application/json"),
        ("*/*", "html", "text/html"),
    ],
)
def test_format_by_field_then_accept(client, png, accept, fmt, mimetype):
    headers = {"Accept": accept} if accept else {}
    url = f"/ocr?format={fmt}" if fmt else "/ocr"
    response = client.post(url, data=png, content_type="image/png", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == mimetype


def test_html_result_escapes_the_text(client, text_image):
    image = text_image("<b>Fish & Chips</b>", font_px=48)
    html = client.post("/ocr?format=html&psm=7", data=encode(image), content_type="image/png").get_data(as_text=True)
    body = re.search(r'<pre id="ocr-text">(.*?)</pre>', html, re.S).group(1)
    assert "&amp;" in body and "Chips" in body
    assert "<b>" not in body and "&lt;" in body


def test_options_reach_tesseract(client, text_image):
    image = text_image("one line of text", font_px=40)
    result = client.post("/ocr?format=json&psm=7&preprocess=none", data=encode(image), content_type="image/png").json
    assert result["psm"] == 7
    assert result["preprocess"] == []
    assert words_of(result["text"]) == ["one", "line", "of", "text"]


def test_explicit_preprocessing_steps_are_reported(client, png):
    result = client.post("/ocr?format=json&preprocess=grayscale,binarize", data=png, content_type="image/png").json
    assert result["preprocess"] == ["grayscale", "binarize"]
    assert result["preprocess_params"]["binarize"]["method"] == "otsu"
    assert words_of(result["text"]) == EXPECTED


def test_exif_rotated_phone_photo_is_read_upright(client, text_image):
    upright = text_image(font_px=40)
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # how a phone stores a portrait shot
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    data = encode(stored, "JPEG", quality=95, exif=exif.tobytes())
    result = client.post("/ocr?format=json", data=data, content_type="image/jpeg").json
    assert words_of(result["text"]) == EXPECTED
    assert result["preprocess"][0] == "exif_transpose"
    assert result["image"] == {"width": upright.width, "height": upright.height}
    assert all(w["left"] + w["width"] <= upright.width for w in result["words"])


@pytest.mark.parametrize("orientation", [0, 9, 65535])
def test_invalid_exif_orientation_is_ignored(client, text_image, orientation):
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = encode(text_image(), "JPEG", quality=95, exif=exif.tobytes())
    response = client.post("/ocr?format=json", data=data, content_type="image/jpeg")
    assert response.status_code == 200
    assert words_of(response.json["text"]) == EXPECTED


# --- errors -------------------------------------------------------------------


def post_json_error(client, *args, **kwargs):
    response = client.post(*args, headers={"Accept": "application/json"}, **kwargs)
    return response.status_code, response.json["error"]["code"], response.json["error"]["message"]


def test_missing_image(client):
    status, code, message = post_json_error(client, "/ocr", data={})
    assert (status, code) == (400, "missing_image")
    assert "curl -F image=@photo.jpg" in message


def test_file_under_another_field_name(client, png):
    status, code, message = post_json_error(client, "/ocr", data={"file": (io.BytesIO(png), "x.png")})
    assert (status, code) == (400, "missing_image")
    assert "'file'" in message and "'image'" in message


def test_unknown_language_lists_installed(client, png):
    status, code, message = post_json_error(client, "/ocr?lang=xx", data=png, content_type="image/png")
    assert (status, code) == (400, "invalid_option")
    assert INSTALLED in message


def test_not_an_image(client):
    status, code, _ = post_json_error(client, "/ocr", data={"image": (io.BytesIO(b"hello, world"), "a.png")})
    assert (status, code) == (415, "unsupported_image")


def test_truncated_png(client, png):
    status, code, message = post_json_error(client, "/ocr", data=png[: len(png) // 2], content_type="image/png")
    assert (status, code) == (415, "unsupported_image")
    assert "truncated" in message


def test_upload_over_the_size_limit(tmp_path, png):
    from app import create_app

    client = create_app(
        {"TESTING": True, "SLOT_DIR": str(tmp_path), "MAX_UPLOAD_MB": 0.001}, ppocr_children=PPOCR_POOL
    ).test_client()
    status, code, message = post_json_error(client, "/ocr", data={"image": (io.BytesIO(png), "x.png")})
    assert (status, code) == (413, "too_large")
    assert "0.001 MB" in message


def test_pixel_count_over_the_limit(tmp_path, png):
    from app import create_app

    client = create_app(
        {"TESTING": True, "SLOT_DIR": str(tmp_path), "MAX_PIXELS": 1000}, ppocr_children=PPOCR_POOL
    ).test_client()
    status, code, message = post_json_error(client, "/ocr", data=png, content_type="image/png")
    assert (status, code) == (413, "too_large")
    assert "1,000" in message


def test_overloaded_answers_503_with_retry_after(tmp_path, png):
    from app import create_app

    app = create_app(
        {"TESTING": True, "SLOT_DIR": str(tmp_path), "CONCURRENCY": 1, "QUEUE": 0, "QUEUE_WAIT_S": 0},
        ppocr_children=PPOCR_POOL,
    )
    with app.extensions["engines"].slots.hold():  # another request is running
        response = app.test_client().post(
            "/ocr", data=png, content_type="image/png", headers={"Accept": "application/json"}
        )
    assert response.status_code == 503
    assert response.json["error"]["code"] == "overloaded"
    assert int(response.headers["Retry-After"]) >= 1


def test_ocr_timeout_answers_504(tmp_path, text_image):
    from app import create_app

    client = create_app(
        {"TESTING": True, "SLOT_DIR": str(tmp_path), "TIMEOUT_S": 0.05}, ppocr_children=PPOCR_POOL
    ).test_client()
    page = encode(text_image("\n".join([SAMPLE_TEXT] * 30)))
    status, code, message = post_json_error(client, "/ocr", data=page, content_type="image/png")
    assert (status, code) == (504, "timeout")
    assert "0.05 s" in message


@pytest.mark.parametrize("engine", ["cli", "api"])
def test_engine_failure_is_a_logged_500_without_details(tmp_path, png, caplog, engine):
    from app import create_app

    client = create_app(
        {"TESTING": True, "SLOT_DIR": str(tmp_path), "ENGINE": engine}, ppocr_children=PPOCR_POOL
    ).test_client()
    if engine == "cli":
        error = pytesseract.TesseractError(1, "Error in pixReadMem")
        failure = mock.patch("pytesseract.image_to_data", side_effect=error)
    else:  # tesserocr refusing the pixels
        failure = mock.patch("ocr.engines.tesseract_api._hand_over", side_effect=RuntimeError("Error in pixReadMem"))
    with failure:
        status, code, _ = post_json_error(client, "/ocr", data=png, content_type="image/png")
    assert (status, code) == (500, "engine_error")


def test_unexpected_error_is_logged_not_shown(client, png, caplog):
    reader = client.application.extensions["engines"].tesseract
    with mock.patch.object(reader, "recognize_words", side_effect=ZeroDivisionError("secret detail")):
        response = client.post("/ocr", data=png, content_type="image/png")
    assert response.status_code == 500
    assert "secret" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    assert "ZeroDivisionError" in caplog.text


def test_error_page_for_browsers(client):
    response = client.post("/ocr", data={}, headers={"Accept": "text/html"})
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "curl -F image=@photo.jpg" in response.get_data(as_text=True)


def test_one_line_error_for_curl(client):
    response = client.post("/ocr", data={})
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True).count("\n") == 1


def test_server_keeps_serving_after_errors(client, png):
    client.post("/ocr", data=b"garbage", content_type="image/png")
    assert client.post("/ocr", data=png, content_type="image/png").status_code == 200


# --- other endpoints ----------------------------------------------------------


def test_health(client):
    health = client.get("/health").json
    assert health["status"] == "ok"
    assert re.match(r"\d+\.\d+", health["tesseract"])
    assert {"eng", "osd"} <= set(health["languages"])


def test_languages(client):
    languages = client.get("/languages").json["languages"]
    assert {"code": "eng", "name": "English", "engines": ["tesseract", "ppocr"]} in languages


@pytest.mark.parametrize("path", ["/", "/camera"])
def test_pages_carry_security_headers(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_upload_page_works_without_javascript(client):
    html = client.get("/").get_data(as_text=True)
    assert re.search(r'<form[^>]*method="post"[^>]*action="/ocr"[^>]*enctype="multipart/form-data"', html)
    assert re.search(r'<input type="file" name="image" id="image-input"', html)


def test_camera_page_has_the_contract_elements(client):
    html = client.get("/camera").get_data(as_text=True)
    for element_id in ("camera-video", "capture-button", "camera-start", "ocr-text", "camera-select"):
        assert f'id="{element_id}"' in html
    assert 'capture="environment"' in html


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_sideways_or_upside_down_page_is_turned_upright(client, text_image, turn):
    text = "\n".join(
        [
            "Orientation is detected by Tesseract",
            "when the first reading is doubtful,",
            "and the page is turned before reading",
            "it again with the same options.",
        ]
        * 2
    )
    upright = text_image(text, font_px=30)
    stored = upright.rotate(turn, expand=True)  # no EXIF tag: only the pixels say which way is up
    result = client.post("/ocr?format=json", data=encode(stored), content_type="image/png").json
    assert words_of(result["text"]) == words_of(text)
    if turn == 180:  # Tesseract reads vertical lines itself, but never upside-down ones
        assert result["preprocess_params"]["orient"]["degrees"] == 180
    first = result["words"][0]
    assert first["left"] + first["width"] <= stored.width and first["top"] + first["height"] <= stored.height


def test_short_upright_text_is_not_turned(client, text_image):
    result = client.post("/ocr?format=json", data=encode(text_image("Total 12.50")), content_type="image/png").json
    assert "orient" not in result["preprocess"]
    assert words_of(result["text"]) == ["total", "12.50"]


def test_thick_blurred_print_the_layout_pass_misses_is_read_as_one_block(client, text_image):
    # Tesseract's automatic layout calls this heavy, soft print a picture and returns nothing
    lines = "System status\nTime zone: UTC+1:00\nOpen tasks: 8\nNotifications: Off"
    bold = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 34)
    page = Image.new("L", (900, 420), 255)
    ImageDraw.Draw(page).multiline_text((150, 100), lines, font=bold, fill=0, spacing=14)
    soft = page.filter(ImageFilter.GaussianBlur(3))
    result = client.post("/ocr?format=json&engine=tesseract", data=encode(soft), content_type="image/png").json
    explicit = client.post("/ocr?format=json&psm=3&engine=tesseract", data=encode(soft), content_type="image/png").json
    assert explicit["text"] == ""  # with psm given, no fallback: the layout pass really misses it
    assert "one_block" in result["preprocess"]
    assert {"status", "tasks:"} <= set(words_of(result["text"]))


def test_receipt_prices_stay_on_their_items_lines(client):
    receipt = draw_receipt()
    result = client.post("/ocr?format=json", data=encode(receipt), content_type="image/png").json
    lines = [line for line in result["text"].splitlines() if line.strip()]
    assert "Almond croissant 2.90" in lines and "Total 9.60" in lines
    assert result["preprocess"][-1] == "rows"
    by_columns = client.post("/ocr?psm=3&engine=tesseract", data=encode(receipt), content_type="image/png")
    by_columns = by_columns.get_data(as_text=True)
    assert "Total 9.60" not in by_columns  # what Tesseract's automatic layout alone gives


def test_word_boxes_of_a_cropped_page_land_on_the_original(client, text_image):
    """A page with wide margins is cropped (and, being clean, binarized) before reading;
    the boxes must still be in the uploaded image's pixels."""
    body = text_image("Margins are cut away\nbefore the page is read.", font_px=44).convert("L")
    offset = (700, 900)
    sheet = Image.new("L", (2400, 3000), 255)
    sheet.paste(body, offset)
    result = client.post("/ocr?format=json", data=encode(sheet), content_type="image/png").json
    assert "crop" in result["preprocess"]
    first = result["words"][0]
    assert first["text"] == "Margins"
    # draw_text leaves a 40 px margin: the word starts there, inside the pasted body
    assert abs(first["left"] - (offset[0] + 40)) <= 6 and abs(first["top"] - (offset[1] + 40)) <= 15


def test_warnings_flag_a_doubtful_reading_and_spare_a_clean_one(client):
    pixelated = encode(pixelated_print())
    doubtful = client.post("/ocr?format=json&engine=tesseract", data=pixelated, content_type="image/png").json
    assert [w["code"] for w in doubtful["warnings"]] == ["low_confidence"]
    assert "confidence" in doubtful["warnings"][0]["message"]
    clean = client.post("/ocr?format=json", data=encode(draw_text()), content_type="image/png").json
    assert clean["warnings"] == []
