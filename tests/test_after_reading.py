"""After the reading: the Word document (format=docx on /ocr and job results) and POST /export,
which makes one from text alone (the page's corrected text)."""

import io
import time

import pytest
from conftest import document, encode, words_of
from docx import Document
from docx.oxml.ns import qn
from PIL import Image

from ocr.output import word_document as word_documents
from web.export import MAX_TEXT_BYTES

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
LETTER = "Dear Ms Hale,\nthank you for the parcel.\n\nIt came on Monday\nwith the invoice.\n\nKind regards,\nTom"
PNG = encode(Image.new("L", (8, 8), 255))
PAGES = [f"Page {n} of the freight report\nlists {n * 7} barrels" for n in range(1, 4)]


def paragraphs_of(data: bytes) -> list[str]:
    """The text of each paragraph; a line break reads as a newline, a page break as nothing."""
    return [paragraph.text for paragraph in Document(io.BytesIO(data)).paragraphs]


def pages_of(data: bytes) -> list[list[str]]:
    """The paragraphs of each page: a page begins with the paragraph that holds a page break."""
    pages: list[list[str]] = [[]]
    for paragraph in Document(io.BytesIO(data)).paragraphs:
        breaks = paragraph._p.findall(f".//{qn('w:br')}")
        if any(br.get(qn("w:type")) == "page" for br in breaks):
            pages.append([])
        pages[-1].append(paragraph.text)
    return pages


def text_paragraphs(text: str) -> list[str]:
    """The paragraphs of a reading's text: blank lines between them, lines inside kept."""
    return [paragraph for page in text.split("\f") for paragraph in page.split("\n\n") if paragraph]


def export(client, body, **options):
    if isinstance(body, dict):
        return client.post("/export", json=body, query_string=options)
    content_type = options.pop("content_type", "text/plain; charset=utf-8")
    data = body.encode() if isinstance(body, str) else body
    return client.post("/export", data=data, content_type=content_type, query_string=options)


def error_of(response) -> tuple[int, str, str]:
    error = response.get_json()["error"]
    return response.status_code, error["code"], error["message"]


# --- format=docx: the reading as a Word document ----------------------------------


def test_format_docx_holds_a_paragraph_per_recognized_paragraph(client, text_image):
    image = encode(text_image("Dear Ms Hale,\nthank you for the parcel.", font_px=40))
    reading = client.post("/ocr?format=json&engine=tesseract", data=image, content_type="image/png").json
    response = client.post("/ocr?format=docx&engine=tesseract", data=image, content_type="image/png")
    assert response.status_code == 200
    assert response.mimetype == DOCX
    assert 'filename="ocr.docx"' in response.headers["Content-Disposition"]
    assert paragraphs_of(response.data) == text_paragraphs(reading["text"])
    assert words_of(" ".join(paragraphs_of(response.data))) == words_of("Dear Ms Hale, thank you for the parcel.")
    properties = Document(io.BytesIO(response.data)).core_properties
    assert "python-docx" not in (properties.author + properties.comments)  # the library's own defaults


def test_pages_of_a_pdf_are_separated_by_page_breaks(client):
    response = client.post(
        "/ocr", data=document(PAGES), content_type="application/pdf", query_string={"format": "docx"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    pages = pages_of(response.data)
    assert len(pages) == 3
    for page, expected in zip(pages, PAGES, strict=True):
        assert words_of(" ".join(page)) == words_of(expected)
    body = Document(io.BytesIO(response.data)).element.body
    breaks = [br for br in body.iter(qn("w:br")) if br.get(qn("w:type")) == "page"]
    assert len(breaks) == 2
    # the break opens the next page's first paragraph, before its text: no empty line tops the page
    first = breaks[0].getparent().getparent()
    assert first.tag == qn("w:p") and words_of(first.xpath("string(.)"))[:2] == ["page", "2"]


def test_a_page_break_keeps_the_place_of_an_empty_page():
    data = word_documents.from_text("One\f\fThree")
    assert pages_of(data) == [["One"], [""], ["Three"]]


def test_a_reading_and_its_text_sent_to_export_make_the_same_document(client):
    pdf = document(PAGES)
    reading = client.post("/ocr?format=json", data=pdf, content_type="application/pdf").json
    from_reading = client.post("/ocr?format=docx", data=pdf, content_type="application/pdf").data
    from_text = export(client, reading["text"], format="docx").data
    assert pages_of(from_reading) == pages_of(from_text)


def test_a_job_result_is_given_as_docx(jobs_app, start_worker):
    client = jobs_app.test_client()
    job = client.post("/jobs", data=document(PAGES), content_type="application/pdf").get_json()
    start_worker("reader")
    deadline = time.monotonic() + 90
    while client.get(f"/jobs/{job['id']}").get_json()["status"] != "done":
        assert time.monotonic() < deadline, "the job did not finish"
        time.sleep(0.2)
    text = client.get(f"/jobs/{job['id']}/result?format=text").get_data(as_text=True)
    response = client.get(f"/jobs/{job['id']}/result?format=docx")
    assert response.status_code == 200 and response.mimetype == DOCX
    assert 'filename="ocr.docx"' in response.headers["Content-Disposition"]
    assert pages_of(response.data) == [text_paragraphs(page) for page in text.rstrip("\n").split("\f")]


# --- POST /export: a Word document of text alone ------------------------------------


def test_export_makes_paragraphs_lines_and_pages_of_text(client):
    response = export(client, LETTER + "\fPage two\r\nsecond line", format="docx")
    assert response.status_code == 200
    assert response.mimetype == DOCX
    assert 'filename="ocr.docx"' in response.headers["Content-Disposition"]
    assert pages_of(response.data) == [
        ["Dear Ms Hale,\nthank you for the parcel.", "It came on Monday\nwith the invoice.", "Kind regards,\nTom"],
        ["Page two\nsecond line"],
    ]


def test_export_takes_json_and_unicode(client):
    response = export(client, {"text": "Grüße aus Köln\n\n東京 — naïve café"})
    assert response.status_code == 200 and response.mimetype == DOCX  # docx is the default format
    assert paragraphs_of(response.data) == ["Grüße aus Köln", "東京 — naïve café"]


def test_export_refuses_text_over_its_limit(client):
    over = "a" * (MAX_TEXT_BYTES + 1)
    status, code, message = error_of(export(client, over, format="docx"))
    assert (status, code) == (413, "too_large")
    assert "2 MB" in message
    assert error_of(export(client, {"text": "é" * (MAX_TEXT_BYTES // 2 + 1)}, format="docx"))[:2] == (413, "too_large")
    assert export(client, "a" * MAX_TEXT_BYTES, format="docx").status_code == 200  # the limit itself is allowed


def test_export_answers_errors_as_ocr_does(client):
    # no format field and Accept */*: a one-line text message, as /ocr gives curl
    response = client.post("/export", data=b"\x00\x01", content_type="text/plain")
    assert response.status_code == 415 and response.mimetype == "text/plain"
    assert "not text" in response.get_data(as_text=True)
    response = client.post("/export", data=b"", content_type="text/plain", headers={"Accept": "text/html"})
    assert response.status_code == 400 and 'class="error"' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code", "says"),
    [
        (PNG, "image/png", 415, "unsupported_text", "image/png"),
        (b"%PDF-1.7 binary \x00\x01\x02", "text/plain", 415, "unsupported_text", "not text"),
        (b"caf\xe9 cr\xe8me", "text/plain; charset=utf-8", 415, "unsupported_text", "not utf-8"),
        (b"text", "text/plain; charset=klingon", 415, "unsupported_text", "charset"),
        (b"text=hello", "application/x-www-form-urlencoded", 415, "unsupported_text", "text/plain"),
        (b"", "text/plain", 400, "missing_text", "no text"),
        (b" \n\n\t", "text/plain", 400, "missing_text", "no text"),
        (b'["not", "an object"]', "application/json", 400, "malformed_request", "JSON object"),
        (b'{"text": 42}', "application/json", 400, "malformed_request", '"text"'),
        (b'{"text": "bad \\ud800 half"}', "application/json", 415, "unsupported_text", "U+D800"),
    ],
)
def test_export_refuses_what_is_not_text(client, body, content_type, status, code, says):
    response = client.post("/export?format=docx", data=body, content_type=content_type)
    assert error_of(response)[:2] == (status, code)
    assert says in error_of(response)[2]


def test_export_makes_only_documents_of_text(client):
    status, code, message = error_of(export(client, "hello", format="pdf"))
    assert (status, code) == (400, "invalid_option")
    assert "format=docx" in message and "/ocr" in message


def test_export_decodes_the_charset_the_body_declares(client):
    response = export(client, "Grüße".encode("latin-1"), content_type="text/plain; charset=iso-8859-1")
    assert response.status_code == 200
    assert paragraphs_of(response.data) == ["Grüße"]
