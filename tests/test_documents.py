"""Documents: PDF, multi-page TIFF and HEIC in; JSON pages, hOCR, ALTO, TSV and searchable PDF out."""

import io
import xml.etree.ElementTree as ET
from unittest import mock

import pillow_heif
import pypdfium2 as pdfium
import pytest
from conftest import PPOCR_POOL, draw_text, encode, words_of
from PIL import Image

from ocr.model.errors import OcrTimeout

PAGES = [
    "Invoice number 1041\nDelivered to the north office",
    "Second page of the report\nwith figures for March",
    "Third and final page\nSigned by the manager",
]
ALTO = "{http://www.loc.gov/standards/alto/ns-v3#}"
XHTML = "{http://www.w3.org/1999/xhtml}"


def page_images() -> list[Image.Image]:
    return [draw_text(text, font_px=40, margin=80) for text in PAGES]


def multipage(fmt: str, **save_args) -> bytes:
    first, *rest = page_images()
    buffer = io.BytesIO()
    first.save(buffer, fmt, save_all=True, append_images=rest, **save_args)
    return buffer.getvalue()


@pytest.fixture(params=["PDF", "TIFF"])
def document(request) -> bytes:
    return multipage(request.param, **({"resolution": 150.0} if request.param == "PDF" else {}))


def post(client, data: bytes, fmt: str, **fields):
    return client.post("/ocr", data={"image": (io.BytesIO(data), "upload"), "format": fmt, **fields})


def test_every_page_is_read_in_order(client, document):
    result = post(client, document, "json").json
    assert [words_of(page["text"]) for page in result["pages"]] == [words_of(text) for text in PAGES]
    assert [page["number"] for page in result["pages"]] == [1, 2, 3]
    assert all(page["width"] > 0 and page["words"] for page in result["pages"])
    assert {word["page"] for word in result["words"]} == {1, 2, 3}


def test_text_pages_are_separated_by_form_feeds(client, document):
    text = post(client, document, "text").get_data(as_text=True)
    assert [words_of(part) for part in text.split("\f")] == [words_of(page) for page in PAGES]


def test_one_page_keeps_the_single_image_shape(client):
    result = post(client, encode(page_images()[0], "TIFF"), "json").json
    assert "pages" not in result
    assert words_of(result["text"]) == words_of(PAGES[0])


def test_heic_photo(client):
    pillow_heif.register_heif_opener()
    heic = encode(page_images()[0], "HEIF", quality=95)
    assert words_of(post(client, heic, "text").get_data(as_text=True)) == words_of(PAGES[0])


def test_hocr_is_one_xhtml_document_with_every_page(client, document):
    response = post(client, document, "hocr")
    assert response.mimetype == "application/xhtml+xml"
    root = ET.fromstring(response.data)
    pages = [div for div in root.iter(f"{XHTML}div") if div.get("class") == "ocr_page"]
    assert [page.get("id") for page in pages] == ["page_1", "page_2", "page_3"]
    for page, text in zip(pages, PAGES, strict=True):
        words = [span.text for span in page.iter(f"{XHTML}span") if span.get("class") == "ocrx_word"]
        assert [w.lower() for w in words] == words_of(text)
        assert "tess_" not in page.get("title")  # no server temp path leaks out
    ids = [element.get("id") for element in root.iter() if element.get("id")]
    assert len(ids) == len(set(ids))


def test_alto_is_one_document_with_every_page(client, document):
    response = post(client, document, "alto")
    root = ET.fromstring(response.data)
    pages = list(root.iter(f"{ALTO}Page"))
    assert [page.get("PHYSICAL_IMG_NR") for page in pages] == ["1", "2", "3"]
    for page, text in zip(pages, PAGES, strict=True):
        assert [s.get("CONTENT").lower() for s in page.iter(f"{ALTO}String")] == words_of(text)
        assert int(page.get("WIDTH")) > 0
    ids = [element.get("ID") for element in root.iter() if element.get("ID")]
    assert len(ids) == len(set(ids))


def test_tsv_numbers_the_pages(client, document):
    rows = [line.split("\t") for line in post(client, document, "tsv").get_data(as_text=True).splitlines()]
    assert rows[0][:2] == ["level", "page_num"]
    words_by_page = {}
    for row in rows[1:]:
        if row[0] == "5" and row[11].strip():
            words_by_page.setdefault(row[1], []).append(row[11].lower())
    assert words_by_page == {str(n): words_of(text) for n, text in enumerate(PAGES, start=1)}


def test_searchable_pdf_has_extractable_text(client, document):
    response = post(client, document, "pdf")
    assert response.mimetype == "application/pdf"
    pdf = pdfium.PdfDocument(response.data)
    assert len(pdf) == 3
    for index, text in enumerate(PAGES):
        extracted = pdf[index].get_textpage().get_text_range()
        assert words_of(extracted) == words_of(text)


def test_searchable_pdf_from_a_photo(client):
    response = client.post("/ocr?format=pdf", data=encode(page_images()[1], "JPEG"), content_type="image/jpeg")
    extracted = pdfium.PdfDocument(response.data)[0].get_textpage().get_text_range()
    assert words_of(extracted) == words_of(PAGES[1])


def test_boxes_in_renderings_are_in_original_pixels(client):
    small = draw_text("tiny words here", font_px=11, margin=20)  # upscaled inside, mapped back out
    response = client.post("/ocr?format=alto", data=encode(small), content_type="image/png")
    strings = list(ET.fromstring(response.data).iter(f"{ALTO}String"))
    assert strings
    for string in strings:
        assert int(string.get("HPOS")) + int(string.get("WIDTH")) <= small.width
        assert int(string.get("VPOS")) + int(string.get("HEIGHT")) <= small.height


def test_page_limit(tmp_path):
    from app import create_app

    client = create_app(
        {"TESTING": True, "SLOT_DIR": str(tmp_path), "MAX_PAGES": 2}, ppocr_children=PPOCR_POOL
    ).test_client()
    response = client.post(
        "/ocr", data={"image": (io.BytesIO(multipage("PDF")), "scan.pdf")}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 413
    assert "limit of 2" in response.json["error"]["message"]


def second_page_times_out(client):
    """The app's Tesseract times out on the page that mentions March (the second)."""
    reader = client.application.extensions["engines"].tesseract
    real = reader.recognize_words

    def recognize_words(image, **kwargs):
        words = real(image, **kwargs)
        if any(w.text.lower() == "march" for w in words):
            raise OcrTimeout("OCR took longer than 60 s and was stopped")
        return words

    return mock.patch.object(reader, "recognize_words", side_effect=recognize_words)


def test_a_failed_page_is_reported_in_its_entry(client):
    with second_page_times_out(client):
        result = post(client, multipage("TIFF"), "json").json
    assert [page.get("error", {}).get("code") for page in result["pages"]] == [None, "timeout", None]
    assert words_of(result["pages"][2]["text"]) == words_of(PAGES[2])


def test_a_failed_page_fails_the_rendering(client):
    """hOCR, ALTO, TSV and PDF have no place to say a page is missing: the answer is the error."""
    with second_page_times_out(client):
        response = post(client, multipage("TIFF"), "hocr")
    assert response.status_code == 504


def test_raw_pdf_body_and_data_url(client):
    import base64

    raw = client.post("/ocr", data=multipage("PDF", resolution=150.0), content_type="application/pdf")
    assert [words_of(part) for part in raw.get_data(as_text=True).split("\f")] == [words_of(t) for t in PAGES]
    data_url = "data:application/pdf;base64," + base64.b64encode(multipage("PDF", resolution=150.0)).decode()
    result = client.post("/ocr", json={"image": data_url, "format": "json"}).json
    assert len(result["pages"]) == 3
