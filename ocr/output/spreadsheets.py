"""Tables as spreadsheets: an xlsx workbook of a sheet per table, numbers stored as numbers, or one table as CSV."""

import csv
import io
import re
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from ocr.model.errors import InvalidOption, NoTable
from ocr.model.result import OcrResult, Table

MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
# A number as a price list prints it: a sign or accounting brackets, a currency sign, thousands
# separated by commas, decimals after a point, a percent sign.
_NUMBER = re.compile(
    r"^(?P<open>[-−(])?(?P<currency>[$€£¥])?(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?P<decimals>\.\d+)?"
    r"(?P<percent>%)?(?P<close>\))?$"
)
WIDEST_COLUMN = 60  # characters: a long cell wraps the sheet no wider than this


def spreadsheet(result: OcrResult, fmt: str, *, table: int | None = None) -> bytes:
    """The reading's tables as `fmt` (xlsx: every table, or table number `table`; csv: the first
    or that one). No table found: NoTable."""
    found = [(page.number, each) for page in result.pages for each in page.tables]
    if not found:
        raise NoTable(
            f"no table was found in the {'document' if len(result.pages) > 1 else 'image'}, so there is no "
            f"spreadsheet to give; ask for format=text or json for its text"
        )
    if table is not None:
        if table > len(found):
            raise InvalidOption(
                f"there is no table {table}: the reading holds {len(found)}; ask for table=1 to {len(found)}"
            )
        found = [found[table - 1]]
    if fmt == "csv":
        return to_csv(found[0][1])
    return to_xlsx(found, pages=len(result.pages))


def to_csv(table: Table) -> bytes:
    """One table as CSV (RFC 4180): a line per row, each cell's text as read."""
    out = io.StringIO()
    csv.writer(out).writerows(table.grid())
    return out.getvalue().encode("utf-8")


def to_xlsx(tables: Sequence[tuple[int, Table]], *, pages: int) -> bytes:
    """A workbook of a sheet per table, named for its page in a document of several."""
    book = Workbook()
    book.remove(book.active)
    on_page: dict[int, int] = {}
    for page, table in tables:
        on_page[page] = on_page.get(page, 0) + 1
        sheet = book.create_sheet(f"Page {page} table {on_page[page]}" if pages > 1 else f"Table {on_page[page]}")
        for r, row in enumerate(table.grid(), start=1):
            for c, text in enumerate(row, start=1):
                value, number_format = cell_value(text)
                cell = sheet.cell(row=r, column=c, value=value)
                if number_format is not None:
                    cell.number_format = number_format
        for c, column in enumerate(zip(*table.grid(), strict=True), start=1):
            sheet.column_dimensions[get_column_letter(c)].width = min(WIDEST_COLUMN, max(map(len, column)) + 2)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def cell_value(text: str) -> tuple[str | int | float | None, str | None]:
    """A cell's value and its number format: a number where the text is one, kept as printed
    (decimals, thousands, currency, percent); else the text. A number with leading zeros is
    a code (an account, a postcode) and stays text."""
    if not text:
        return None, None
    found = _NUMBER.match(text)
    if found is None or (found["open"] == "(") != bool(found["close"]):
        return text, None
    whole, decimals = found["whole"].replace(",", ""), found["decimals"] or ""
    if len(whole) > 1 and whole.startswith("0") and not decimals:
        return text, None
    value: int | float = float(whole + decimals) if decimals else int(whole)
    if found["open"]:
        value = -value
    shape = ("#,##0" if "," in found["whole"] else "0") + ("." + "0" * (len(decimals) - 1) if decimals else "")
    if found["percent"]:
        return value / 100, shape + "%"
    if found["currency"]:
        shape = f'"{found["currency"]}"{shape}'
    if found["open"] == "(":
        shape = f"{shape};({shape})"
    return value, None if shape == "0" else shape
