"""Tables: found on generated pages whose cells are known (ruled, unruled, amid text, shaded,
photographed, turned by EXIF), their cells in the JSON answer, as xlsx and CSV, and the 422 of a
page without one; read by real Tesseract through the Flask test client."""

import csv
import io
from collections import Counter

import pytest
from conftest import draw_text, encode, words_of
from openpyxl import load_workbook
from PIL import Image
from test_jobs import wait_until_finished

from bench import table_pages
from ocr.output.spreadsheets import cell_value

# one page of each kind; the seeds draw tables of two to five columns
PAGES = {kind: table_pages.page(kind, seed) for kind, seed in zip(table_pages.KINDS, (1, 2, 3, 4, 0, 5), strict=True)}


def post(client, page: table_pages.TablePage, **fields):
    content_type = "image/png" if page.orientation == 1 else "image/jpeg"
    return client.post("/ocr", data=page.encoded(), content_type=content_type, query_string=fields)


def grid(table: dict) -> list[list[str]]:
    """A table of the JSON answer as rows of cell texts."""
    rows = [[""] * table["columns"] for _ in range(table["rows"])]
    for cell in table["cells"]:
        rows[cell["row"] - 1][cell["column"] - 1] = cell["text"]
    return rows


@pytest.mark.parametrize("kind", table_pages.KINDS)
def test_each_cell_of_a_generated_table_is_found_and_filled(client, kind):
    page = PAGES[kind]
    answer = post(client, page, format="json", engine="tesseract").get_json()
    assert len(answer["tables"]) == 1
    table = answer["tables"][0]
    assert (table["rows"], table["columns"]) == (len(page.cells), len(page.cells[0]))
    assert grid(table) == page.cells
    # every cell's box lies in the table's, in the upright page's pixels
    assert all(
        table["left"] <= c["left"] and c["left"] + c["width"] <= table["left"] + table["width"] for c in table["cells"]
    )
    assert table["left"] + table["width"] <= answer["image"]["width"]


def test_a_table_holds_the_pages_own_words_and_leaves_them_alone(client):
    page = PAGES["amid_text"]
    answer = post(client, page, format="json").get_json()
    in_cells = [word for cell in answer["tables"][0]["cells"] for word in cell["text"].split()]
    page_words = [word["text"] for word in answer["words"]]
    assert not Counter(in_cells) - Counter(page_words)  # each cell's words are words of the page
    assert len(page_words) > len(in_cells)  # the prose around it stays out of the table
    text = post(client, page, format="text").get_data(as_text=True)
    assert text == answer["text"] + "\n"
    assert words_of(text) == words_of(" ".join(page_words))


def test_xlsx_has_a_sheet_per_table_with_numbers_stored_as_numbers(client):
    page = PAGES["ruled"]
    response = post(client, page, format="xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"] == 'inline; filename="ocr.xlsx"'
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Table 1"]
    values = [list(row) for row in book["Table 1"].iter_rows(values_only=True)]
    assert values[0] == page.cells[0]  # the header: text
    for got, want in zip(values[1:], page.cells[1:], strict=True):
        assert got[0] == want[0]  # an item's name stays text
        for value, text in zip(got[1:], want[1:], strict=True):
            assert value == cell_value(text)[0]
    pairs = [pair for got, want in zip(values, page.cells, strict=True) for pair in zip(got, want, strict=True)]
    numbers = [(value, text) for value, text in pairs if text.replace(",", "").replace(".", "").isdigit()]
    assert numbers
    assert all(value == float(text.replace(",", "")) for value, text in numbers)


def test_csv_gives_the_first_table_or_the_one_asked_for(client):
    page = PAGES["unruled"]
    response = post(client, page, format="csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert list(csv.reader(io.StringIO(response.get_data(as_text=True)))) == page.cells
    assert post(client, page, format="csv", table="1").data == response.data
    missing = post(client, page, format="csv", table="2")
    assert (missing.status_code, missing.get_json()["error"]["code"]) == (400, "invalid_option")
    assert "table=1 to 1" in missing.get_json()["error"]["message"]
    bad = post(client, page, format="csv", table="first")
    assert (bad.status_code, bad.get_json()["error"]["code"]) == (400, "invalid_option")


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_page_without_a_table_has_no_spreadsheet(client, fmt):
    image = encode(draw_text("A letter of two lines without a table\nYours sincerely, the writer"))
    answer = client.post("/ocr?format=json", data=image, content_type="image/png").get_json()
    assert answer["tables"] == []
    response = client.post(f"/ocr?format={fmt}", data=image, content_type="image/png")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "no_table"
    assert "no table was found" in response.get_json()["error"]["message"]


def test_a_documents_tables_name_their_pages(client):
    table_page = PAGES["unruled"].image
    prose = draw_text("A page of prose follows the price list").convert("RGB")
    pdf = encode(prose, "PDF", save_all=True, append_images=[table_page], resolution=300)
    answer = client.post("/ocr?format=json", data=pdf, content_type="application/pdf").get_json()
    assert [len(page["tables"]) for page in answer["pages"]] == [0, 1]
    assert [table["page"] for table in answer["tables"]] == [2]
    assert grid(answer["tables"][0]) == PAGES["unruled"].cells
    workbook = client.post("/ocr?format=xlsx", data=pdf, content_type="application/pdf")
    book = load_workbook(io.BytesIO(workbook.data))
    assert book.sheetnames == ["Page 2 table 1"]


def test_the_html_answer_shows_the_table_beside_the_text(client):
    page = PAGES["ruled"]
    html = post(client, page, format="html").get_data(as_text=True)
    assert 'id="ocr-table-1"' in html
    assert all(f"<td>{text}</td>" in html for row in page.cells for text in row)
    assert '<option value="xlsx">' in html


@pytest.mark.parametrize(
    ("text", "value", "number_format"),
    [
        ("1,234.50", 1234.5, "#,##0.00"),
        ("42", 42, None),
        ("(30.9)", -30.9, "0.0;(0.0)"),
        ("-7", -7, None),
        ("16%", 0.16, "0%"),
        ("$56.04", 56.04, '"$"0.00'),
        ("007", "007", None),
        ("A-102", "A-102", None),
        ("12 kg", "12 kg", None),
        ("(30.9", "(30.9", None),
        ("", None, None),
    ],
)
def test_a_cell_is_a_number_where_its_text_is_one(text, value, number_format):
    assert cell_value(text) == (value, number_format)


def test_a_jobs_result_has_the_tables_of_its_pages(jobs_app, start_worker):
    client = jobs_app.test_client()
    out = io.BytesIO()
    Image.open(io.BytesIO(PAGES["ruled"].encoded())).save(out, "TIFF", save_all=True)
    submitted = client.post("/jobs", data=out.getvalue(), content_type="image/tiff")
    assert submitted.status_code == 202
    job = submitted.get_json()["id"]
    start_worker("reader")
    assert wait_until_finished(client, job)["status"] == "done"
    answer = client.get(f"/jobs/{job}/result?format=json").get_json()
    assert grid(answer["tables"][0]) == PAGES["ruled"].cells
    csv_answer = client.get(f"/jobs/{job}/result?format=csv")
    assert list(csv.reader(io.StringIO(csv_answer.get_data(as_text=True)))) == PAGES["ruled"].cells
    book = load_workbook(io.BytesIO(client.get(f"/jobs/{job}/result?format=xlsx").data))
    assert book.sheetnames == ["Table 1"]
