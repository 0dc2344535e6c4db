"""Tesseract's hOCR, ALTO, TSV and PDF renderings of each page, merged into one document.

Tesseract reports boxes in the pixels of the image it was given (preprocessed: scaled,
deskewed, turned); hOCR, ALTO and TSV boxes are mapped back to the upright original's
pixels, as in the JSON answer. The PDF keeps the image Tesseract read, with its text layer.
"""

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from . import pdf
from .geometry import Affine

MIMETYPES = {
    "hocr": "application/xhtml+xml",
    "alto": "application/xml",
    "tsv": "text/tab-separated-values",
    "pdf": "application/pdf",
}
_ALTO_NS = "http://www.loc.gov/standards/alto/ns-v3#"
ET.register_namespace("", _ALTO_NS)
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
ET.register_namespace("xsi", "http://www.w3.org/2001/XMLSchema-instance")


@dataclass(frozen=True)
class PageRendering:
    """One page's rendering, how the original maps onto the image Tesseract read, and its size."""

    data: bytes
    transform: Affine
    size: tuple[int, int]

    def box_to_original(self, left: float, top: float, width: float, height: float) -> tuple[int, int, int, int]:
        return self.transform.inverse().map_box(left, top, width, height, bounds=self.size)


def merge(fmt: str, pages: list[PageRendering]) -> bytes:
    """One document of format fmt holding every page, numbered from 1."""
    return {"hocr": _merge_hocr, "alto": _merge_alto, "tsv": _merge_tsv, "pdf": _merge_pdf}[fmt](pages)


def _merge_hocr(pages: list[PageRendering]) -> bytes:
    first = pages[0].data.decode()
    head = first[: first.index("<body>") + len("<body>")]
    bodies = [_hocr_page(page, number) for number, page in enumerate(pages, start=1)]
    return (head + "\n" + "\n".join(bodies) + "\n </body>\n</html>\n").encode()


def _hocr_page(page: PageRendering, number: int) -> str:
    text = page.data.decode()
    body = text[text.index("<body>") + len("<body>") : text.index("</body>")].strip("\n")

    def bbox(match: re.Match) -> str:
        x0, y0, x1, y1 = map(int, match.groups())
        left, top, width, height = page.box_to_original(x0, y0, x1 - x0, y1 - y0)
        return f"bbox {left} {top} {left + width} {top + height}"

    body = re.sub(r"bbox (\d+) (\d+) (\d+) (\d+)", bbox, body)
    width, height = page.size
    # the page line names Tesseract's temporary file: give the page's number instead
    body = re.sub(
        r"title='image \"[^\"]*\"; bbox [\d ]+; ppageno \d+",
        f'title=\'image "page-{number}"; bbox 0 0 {width} {height}; ppageno {number - 1}',
        body,
    )
    return re.sub(r"id='([a-z]+)_1(_\d+)?'", lambda m: f"id='{m[1]}_{number}{m[2] or ''}'", body)


def _merge_alto(pages: list[PageRendering]) -> bytes:
    root = ET.fromstring(pages[0].data)
    for name in root.iter(f"{{{_ALTO_NS}}}fileName"):
        name.text = "upload"
    layout = root.find(f"{{{_ALTO_NS}}}Layout")
    for old in list(layout):
        layout.remove(old)
    for number, page in enumerate(pages, start=1):
        for element in ET.fromstring(page.data).iter(f"{{{_ALTO_NS}}}Page"):
            layout.append(_alto_page(element, page, number))
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _alto_page(element: ET.Element, page: PageRendering, number: int) -> ET.Element:
    for node in element.iter():
        if "HPOS" in node.attrib:
            left, top, width, height = page.box_to_original(
                float(node.get("HPOS")),
                float(node.get("VPOS", 0)),
                float(node.get("WIDTH", 0)),
                float(node.get("HEIGHT", 0)),
            )
            node.set("HPOS", str(left))
            node.set("VPOS", str(top))
            node.set("WIDTH", str(width))
            if "HEIGHT" in node.attrib:
                node.set("HEIGHT", str(height))
        if "ID" in node.attrib:  # IDs must stay unique across pages
            node.set("ID", f"p{number}_{node.get('ID')}")
    element.set("WIDTH", str(page.size[0]))
    element.set("HEIGHT", str(page.size[1]))
    element.set("PHYSICAL_IMG_NR", str(number))
    return element


def _merge_tsv(pages: list[PageRendering]) -> bytes:
    lines = [pages[0].data.decode().splitlines()[0]]
    for number, page in enumerate(pages, start=1):
        for row in page.data.decode().splitlines()[1:]:
            cells = row.split("\t")
            if len(cells) < 12:
                continue
            cells[1] = str(number)
            box = page.box_to_original(*(float(v) for v in cells[6:10]))
            cells[6:10] = map(str, box)
            lines.append("\t".join(cells))
    return ("\n".join(lines) + "\n").encode()


def _merge_pdf(pages: list[PageRendering]) -> bytes:
    return pdf.merge([page.data for page in pages])
