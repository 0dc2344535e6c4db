"""hOCR, ALTO, TSV and the searchable PDF: the words of the JSON answer, over the page as uploaded."""

import ctypes
import io
import xml.etree.ElementTree as ET

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from conftest import draw_receipt, draw_text, encode, words_of
from PIL import Image, ImageChops, ImageStat

from ocr.input import images
from ocr.model.result import PageResult, Word
from ocr.output import pictures, renderings, searchable

XHTML = "{http://www.w3.org/1999/xhtml}"
ALTO = "{http://www.loc.gov/standards/alto/ns-v3#}"
PAGE_TEXT = "Invoice number 1041\nDelivered to the north office"


def post(client, data: bytes, fmt: str, content_type: str = "image/png"):
    response = client.post(f"/ocr?format={fmt}", data=data, content_type=content_type)
    assert response.status_code == 200, response.data[:200]
    return response


def boxes(words: list[dict]) -> list[tuple]:
    return [(w["text"], w["left"], w["top"], w["width"], w["height"]) for w in words]


def hocr_words(data: bytes) -> list[tuple]:
    spans = [s for s in ET.fromstring(data).iter(f"{XHTML}span") if s.get("class") == "ocrx_word"]
    words = []
    for span in spans:
        x0, y0, x1, y1 = map(int, span.get("title").split(";")[0].split()[1:])
        words.append((span.text, x0, y0, x1 - x0, y1 - y0))
    return words


def alto_words(data: bytes) -> list[tuple]:
    fields = ("CONTENT", "HPOS", "VPOS", "WIDTH", "HEIGHT")
    return [(s.get("CONTENT"), *(int(s.get(f)) for f in fields[1:])) for s in ET.fromstring(data).iter(f"{ALTO}String")]


def tsv_words(data: bytes) -> list[tuple]:
    rows = [line.split("\t") for line in data.decode().splitlines()[1:]]
    return [(row[11], *map(int, row[6:10])) for row in rows if row[0] == "5"]


def test_hocr_alto_and_tsv_hold_the_words_of_the_json_answer(client):
    """A receipt is read again row by row; every format must carry that second reading."""
    data = encode(draw_receipt())
    result = post(client, data, "json").json
    assert "rows" in result["preprocess"]
    expected = boxes(result["words"])
    assert hocr_words(post(client, data, "hocr").data) == expected
    assert alto_words(post(client, data, "alto").data) == expected
    assert tsv_words(post(client, data, "tsv").data) == expected


def test_group_boxes_are_the_union_of_their_words(client):
    rows = [line.split("\t") for line in post(client, encode(draw_receipt()), "tsv").data.decode().splitlines()[1:]]
    lines = [row for row in rows if row[0] == "4"]
    assert rows[0][:2] == ["1", "1"] and lines
    for line in lines:
        words = [list(map(int, r[6:10])) for r in rows if r[0] == "5" and r[1:5] == line[1:5]]
        left, top = min(w[0] for w in words), min(w[1] for w in words)
        right, bottom = max(w[0] + w[2] for w in words), max(w[1] + w[3] for w in words)
        assert list(map(int, line[6:10])) == [left, top, right - left, bottom - top]


def pdf_image(document: pdfium.PdfDocument, index: int = 0) -> pdfium.PdfImage:
    (image,) = [obj for obj in document[index].get_objects() if obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE]
    return image


def test_searchable_pdf_embeds_the_uploaded_jpeg_as_it_is(client):
    photo = draw_text(PAGE_TEXT, font_px=40, margin=80, ink=(30, 30, 150), paper=(250, 240, 210))
    data = encode(photo, "JPEG", quality=90)
    document = pdfium.PdfDocument(post(client, data, "pdf", "image/jpeg").data)
    image = pdf_image(document)
    assert image.get_px_size() == photo.size
    assert image.get_metadata().colorspace == pdfium_c.FPDF_COLORSPACE_DEVICERGB
    assert image.get_filters() == ["DCTDecode"]
    assert bytes(image.get_data(decode_simple=False)) == data
    assert words_of(document[0].get_textpage().get_text_range()) == words_of(PAGE_TEXT)


def test_text_layer_words_sit_on_the_words_of_the_picture(client):
    data = encode(draw_text(PAGE_TEXT, font_px=40, margin=80))
    result = post(client, data, "json").json
    page = pdfium.PdfDocument(post(client, data, "pdf").data)[0]
    text, width, height = page.get_textpage(), result["image"]["width"], result["image"]["height"]
    extracted = text.get_text_range()
    start = 0
    for word in result["words"]:
        start = extracted.index(word["text"], start)
        first, last = (_device_box(page, text, i, width, height) for i in (start, start + len(word["text"]) - 1))
        start += len(word["text"])
        # across, the word's box exactly; up and down, its line's box, which holds it
        assert abs(first[0] - word["left"]) <= 2 and abs(last[2] - (word["left"] + word["width"])) <= 2
        assert first[1] <= word["top"] + 2 and first[3] >= word["top"] + word["height"] - 2


def _device_box(page, text, index: int, width: int, height: int) -> tuple[int, int, int, int]:
    """Character `index`'s box in the pixels of the page drawn at width x height."""
    left, bottom, right, top = text.get_charbox(index, loose=True)
    corners = []
    for x, y in ((left, top), (right, bottom)):
        device_x, device_y = ctypes.c_int(), ctypes.c_int()
        pdfium_c.FPDF_PageToDevice(page, 0, 0, width, height, 0, x, y, device_x, device_y)
        corners.append((device_x.value, device_y.value))
    return (*corners[0], *corners[1])


def test_searchable_pdf_of_a_turned_photo_shows_it_upright(client):
    upright = draw_text(PAGE_TEXT, font_px=40, margin=80, ink=(120, 20, 20))
    exif = Image.Exif()
    exif[0x0112] = 6  # stored turned a quarter to the left: shown turned a quarter clockwise
    data = encode(upright.transpose(Image.Transpose.ROTATE_90), "JPEG", quality=95, exif=exif.tobytes())
    document = pdfium.PdfDocument(post(client, data, "pdf", "image/jpeg").data)
    assert bytes(pdf_image(document).get_data(decode_simple=False)) == data  # placed turned, not re-encoded
    width, _ = document[0].get_size()
    shown = document[0].render(scale=upright.width / width).to_pil().convert("RGB").resize(upright.size)
    assert ImageStat.Stat(ImageChops.difference(shown, upright).convert("L")).mean[0] < 8
    assert words_of(document[0].get_textpage().get_text_range()) == words_of(PAGE_TEXT)


def test_searchable_pdf_of_a_png_keeps_its_pixels(client):
    scan = draw_text(PAGE_TEXT, font_px=40, margin=80, mode="L", paper=230)
    document = pdfium.PdfDocument(post(client, encode(scan, dpi=(300, 300)), "pdf").data)
    image = pdf_image(document)
    assert image.get_metadata().colorspace == pdfium_c.FPDF_COLORSPACE_DEVICEGRAY
    assert image.get_filters() == ["FlateDecode"]
    assert ImageChops.difference(image.get_bitmap().to_pil().convert("L"), scan).getbbox() is None
    assert document[0].get_size() == pytest.approx((scan.width * 72 / 300, scan.height * 72 / 300))


def test_searchable_pdf_of_a_pdf_keeps_its_pages(client):
    pages = [draw_text(text, font_px=40, margin=80) for text in (PAGE_TEXT, "Second page\nof the report")]
    buffer = io.BytesIO()
    pages[0].save(buffer, "PDF", save_all=True, append_images=pages[1:], resolution=150.0)
    uploaded = pdfium.PdfDocument(buffer.getvalue())
    document = pdfium.PdfDocument(post(client, buffer.getvalue(), "pdf", "application/pdf").data)
    assert len(document) == 2
    for index, text in enumerate((PAGE_TEXT, "Second page\nof the report")):
        assert document[index].get_size() == uploaded[index].get_size()
        assert pdf_image(document, index).get_px_size() == pages[index].size  # the page's own image
        assert words_of(document[index].get_textpage().get_text_range()) == words_of(text)


@pytest.mark.parametrize(
    ("size", "dpi", "points"),
    [
        ((4032, 3024), None, (842, 631)),  # a phone photo: the long side of an A4 sheet
        ((640, 480), None, (640, 480)),  # a webcam frame: never over a pixel a point
        ((2480, 3508), 300, (595, 842)),  # a declared resolution is the page's
    ],
)
def test_page_size_on_paper(size, dpi, points):
    save = {"dpi": (dpi, dpi)} if dpi else {}
    with images.open_pages(encode(Image.new("L", size, 255), **save), max_pixels=10**8, max_pages=1) as pages:
        picture = pictures.picture(pages.decode(0))
    assert tuple(round(side * 72 / picture.dpi) for side in size) == points


def word(text: str, left: int, top: int, *, block: int = 1, line: int = 1) -> Word:
    return Word(text, 91.5, left, top, 20 * len(text), 30, block, 1, line)


def test_renderings_escape_the_text_and_number_every_page():
    words = (word("<b>&amp;", 10, 10), word('"quoted"', 200, 10), word("next", 10, 60, line=2))
    pages = [PageResult(1, 400, 100, words=words), PageResult(2, 400, 100, words=words[:1])]
    hocr = ET.fromstring(renderings.render(pages, "hocr"))
    assert [s.text for s in hocr.iter(f"{XHTML}span") if s.get("class") == "ocrx_word"] == [
        "<b>&amp;",
        '"quoted"',
        "next",
        "<b>&amp;",
    ]
    ids = [element.get("id") for element in hocr.iter() if element.get("id")]
    assert len(ids) == len(set(ids))
    alto = ET.fromstring(renderings.render(pages, "alto"))
    assert [s.get("CONTENT") for s in alto.iter(f"{ALTO}String")][:2] == ["<b>&amp;", '"quoted"']
    ids = [element.get("ID") for element in alto.iter() if element.get("ID")]
    assert len(ids) == len(set(ids))
    rows = [line.split("\t") for line in renderings.render(pages, "tsv").decode().splitlines()]
    assert {len(row) for row in rows} == {12}
    assert [row[0] for row in rows[1:] if row[1] == "2"] == ["1", "2", "3", "4", "5"]


def test_text_layer_carries_any_script():
    many = "".join(chr(0x4E00 + i) for i in range(300))  # more characters than one font's codes
    texts = ["Grüße", "Привет", "日本語", many, "😀"]
    words = tuple(word(text, 10, 10 + 40 * i, line=i + 1) for i, text in enumerate(texts))
    document = pdfium.PdfDocument(searchable.text_layers([PageResult(1, 8000, 300, words=words)]))
    assert document[0].get_textpage().get_text_range().split() == texts
