"""hOCR, ALTO, TSV and Word (.docx) of a reading, every page in one document, built from its words.

Boxes are the words' boxes (pixels of each upright original page, as in the JSON answer);
a line's, paragraph's or block's box is the union of its words' boxes, but for hOCR's lines:
rows on one baseline, each boxed within its band (hocr_lines.py). The searchable PDF
is built elsewhere (searchable.py), the Word document in word_document.py; their media types are
listed here with the others.
"""

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from ocr.layout import groups
from ocr.model.geometry import Box
from ocr.model.result import PageResult
from ocr.output import hocr_lines, word_document

MIMETYPES = {
    "hocr": "application/xhtml+xml",
    "alto": "application/xml",
    "tsv": "text/tab-separated-values",
    "pdf": "application/pdf",
    "docx": word_document.MIMETYPE,
}
SOFTWARE = {"tesseract": "tesseract", "ppocr": "PP-OCRv6 (rapidocr)"}
_XHTML_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"\n'
    '    "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
)
_ALTO_NS = "http://www.loc.gov/standards/alto/ns-v3#"
_TSV_COLUMNS = (
    "level",
    "page_num",
    "block_num",
    "par_num",
    "line_num",
    "word_num",
    "left",
    "top",
    "width",
    "height",
    "conf",
    "text",
)


def render(pages: Sequence[PageResult], fmt: str) -> bytes:
    """The document of format fmt ("hocr", "alto", "tsv" or "docx") holding every page."""
    return {"hocr": hocr, "alto": alto, "tsv": tsv, "docx": word_document.document}[fmt](pages)


def _software(pages: Sequence[PageResult]) -> str:
    """The engines that read the pages, named as their makers name them."""
    used = dict.fromkeys(part for page in pages for part in page.engine.split("+"))
    return " + ".join(SOFTWARE[engine] for engine in used)


def hocr(pages: Sequence[PageResult]) -> bytes:
    """XHTML with one ocr_page per page; ids are unique across the document."""
    html = ET.Element("html", {"xmlns": "http://www.w3.org/1999/xhtml", "xml:lang": "en", "lang": "en"})
    head = ET.SubElement(html, "head")
    ET.SubElement(head, "title").text = "OCR"
    ET.SubElement(head, "meta", {"http-equiv": "Content-Type", "content": "text/html;charset=utf-8"})
    ET.SubElement(head, "meta", {"name": "ocr-system", "content": _software(pages)})
    ET.SubElement(
        head,
        "meta",
        {"name": "ocr-capabilities", "content": "ocr_page ocr_carea ocr_par ocr_line ocrx_word ocrp_wconf"},
    )
    body = ET.SubElement(html, "body")
    for page in pages:
        _hocr_page(body, page)
    ET.indent(html, space=" ")
    return (_XHTML_HEAD + ET.tostring(html, encoding="unicode") + "\n").encode()


def _hocr_page(body: ET.Element, page: PageResult) -> None:
    n = page.number
    title = f"bbox 0 0 {page.width} {page.height}; ppageno {n - 1}"
    if page.dpi:
        title += f"; scan_res {round(page.dpi)} {round(page.dpi)}"
    div = ET.SubElement(body, "div", {"class": "ocr_page", "id": f"page_{n}", "title": title})
    if page.detected_lang is not None:  # lang=auto's finding, as Tesseract names languages in its hOCR
        div.set("lang", page.detected_lang)
    counts = {"block": 0, "par": 0, "line": 0, "word": 0}

    def child(parent: ET.Element, tag: str, kind: str, cls: str, title: str) -> ET.Element:
        counts[kind] += 1  # Tesseract's ids: kind, page, then a count through the page
        return ET.SubElement(parent, tag, {"class": cls, "id": f"{kind}_{n}_{counts[kind]}", "title": title})

    blocks = groups.blocks(page.words)
    rows = iter(hocr_lines.page_rows([line.members for b in blocks for p in b.members for line in p.members]))
    for block in blocks:
        carea = child(div, "div", "block", "ocr_carea", _bbox(block.box))
        for paragraph in block.members:
            par = child(carea, "p", "par", "ocr_par", _bbox(paragraph.box))
            for _ in paragraph.members:  # each line of the reading, as one or more rows
                for row in next(rows):
                    span = child(par, "span", "line", "ocr_line", f"{_bbox(row.box)}; {row.metrics.title()}")
                    for word in row.words:
                        title = f"{_bbox(word.box)}; x_wconf {round(word.confidence)}"
                        child(span, "span", "word", "ocrx_word", title).text = word.text


def _bbox(box: Box) -> str:
    return f"bbox {box.left} {box.top} {box.right} {box.bottom}"


def alto(pages: Sequence[PageResult]) -> bytes:
    """ALTO v3 with one Page per page, laid out as Tesseract's: a ComposedBlock per block,
    a TextBlock per paragraph; IDs are unique across the document."""
    root = ET.Element(
        "alto",
        {
            "xmlns": _ALTO_NS,
            "xmlns:xlink": "http://www.w3.org/1999/xlink",
            "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
            "xsi:schemaLocation": f"{_ALTO_NS} http://www.loc.gov/alto/v3/alto-3-0.xsd",
        },
    )
    description = ET.SubElement(root, "Description")
    ET.SubElement(description, "MeasurementUnit").text = "pixel"
    ET.SubElement(ET.SubElement(description, "sourceImageInformation"), "fileName").text = "upload"
    processing = ET.SubElement(description, "OCRProcessing", {"ID": "OCR_0"})
    software = ET.SubElement(ET.SubElement(processing, "ocrProcessingStep"), "processingSoftware")
    ET.SubElement(software, "softwareName").text = _software(pages)
    layout_element = ET.SubElement(root, "Layout")
    for page in pages:
        _alto_page(layout_element, page)
    ET.indent(root, space="\t")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _alto_page(parent: ET.Element, page: PageResult) -> None:
    n = page.number
    size = {"WIDTH": str(page.width), "HEIGHT": str(page.height)}
    element = ET.SubElement(parent, "Page", {**size, "PHYSICAL_IMG_NR": str(n), "ID": f"page_{n}"})
    space = ET.SubElement(element, "PrintSpace", {"HPOS": "0", "VPOS": "0", **size})
    counts = {"cblock": 0, "block": 0, "line": 0, "string": 0}

    def child(parent: ET.Element, tag: str, kind: str, box: Box) -> ET.Element:
        counts[kind] += 1  # Tesseract's ids, prefixed with the page
        return ET.SubElement(parent, tag, {"ID": f"p{n}_{kind}_{counts[kind] - 1}", **_alto_box(box)})

    for block in groups.blocks(page.words):
        composed = child(space, "ComposedBlock", "cblock", block.box)
        for paragraph in block.members:
            text_block = child(composed, "TextBlock", "block", paragraph.box)
            if page.detected_lang is not None:  # lang=auto's finding; ALTO 3 gives a language to blocks
                text_block.set("LANG", page.detected_lang)
            for line in paragraph.members:
                text_line = child(text_block, "TextLine", "line", line.box)
                for word, following in zip(line.members, (*line.members[1:], None), strict=True):
                    string = child(text_line, "String", "string", word.box)
                    string.set("WC", f"{word.confidence / 100:.2f}")
                    string.set("CONTENT", word.text)
                    if following is not None:  # the gap to the next word, as Tesseract writes it
                        right = word.left + word.width
                        gap = {"WIDTH": max(0, following.left - right), "VPOS": word.top, "HPOS": right}
                        ET.SubElement(text_line, "SP", {key: str(value) for key, value in gap.items()})


def _alto_box(box: Box) -> dict[str, str]:
    return {"HPOS": str(box.left), "VPOS": str(box.top), "WIDTH": str(box.width), "HEIGHT": str(box.height)}


def tsv(pages: Sequence[PageResult]) -> bytes:
    """Tesseract's 12 columns: a row per page, block, paragraph and line (levels 1-4, conf -1),
    then a row per word (level 5); page_num counts the pages."""
    rows = ["\t".join(_TSV_COLUMNS)]
    for page in pages:
        n = page.number
        rows.append(_tsv_row(1, (n, 0, 0, 0, 0), Box(0, 0, page.width, page.height)))
        for block in groups.blocks(page.words):
            rows.append(_tsv_row(2, (n, block.number, 0, 0, 0), block.box))
            for par in block.members:
                rows.append(_tsv_row(3, (n, block.number, par.number, 0, 0), par.box))
                for line in par.members:
                    rows.append(_tsv_row(4, (n, block.number, par.number, line.number, 0), line.box))
                    for index, word in enumerate(line.members, start=1):
                        numbers = (n, block.number, par.number, line.number, index)
                        rows.append(_tsv_row(5, numbers, word.box, word.confidence, word.text))
    return ("\n".join(rows) + "\n").encode()


def _tsv_row(level: int, numbers: tuple[int, ...], box: Box, conf: float = -1, text: str = "") -> str:
    cells = (level, *numbers, box.left, box.top, box.width, box.height, conf, text)
    return "\t".join(map(str, cells))
