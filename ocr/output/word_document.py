"""Word documents (.docx) of a reading or of text alone: a paragraph per recognized paragraph,
its lines kept by line breaks, and a page break between pages.

Lines inside a paragraph stay lines (a line break, not a space): the reading's lines are the
one layout it is sure of, and joining them would run together the lines of an address, a list,
a receipt or a signature block, which Tesseract often puts in one paragraph. A line of a photo
fits a Word line at its default size, so the document reads as the page did. The reading and
the same text posted to /export give the same document.
"""

import io
import re
from collections.abc import Sequence

from docx import Document
from docx.enum.text import WD_BREAK

from ocr.layout import groups
from ocr.model.result import PageResult

MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TITLE = "Recognized text"
_BLANK_LINES = re.compile(r"\n(?:[ \t]*\n)+")
# what XML 1.0 cannot hold; /export refuses text with it, a reading never has it but is kept safe
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

Paragraph = list[str]  # its lines


def document(pages: Sequence[PageResult]) -> bytes:
    """The document of a reading: the paragraphs of each page as Tesseract grouped its words."""
    return write([paragraphs_of_words(page) for page in pages])


def from_text(text: str) -> bytes:
    """The document of a text laid out as the readings' text is: pages separated by form feeds,
    paragraphs by blank lines, lines by newlines."""
    return write([paragraphs_of_text(page) for page in text.split("\f")])


def paragraphs_of_words(page: PageResult) -> list[Paragraph]:
    return [
        [" ".join(word.text for word in line.members) for line in paragraph.members]
        for block in groups.blocks(page.words)
        for paragraph in block.members
    ]


def paragraphs_of_text(text: str) -> list[Paragraph]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [part.split("\n") for part in _BLANK_LINES.split(text.strip("\n")) if part.strip()]


def write(pages: Sequence[Sequence[Paragraph]]) -> bytes:
    """A .docx of pages of paragraphs of lines; each page after the first begins with a page break."""
    doc = Document()
    properties = doc.core_properties
    properties.title, properties.author, properties.comments = TITLE, "", ""  # not python-docx's own
    for number, paragraphs in enumerate(pages, start=1):
        for index, lines in enumerate(paragraphs or [[]]):  # an empty page keeps its place
            paragraph = doc.add_paragraph()
            if number > 1 and index == 0:
                paragraph.add_run().add_break(WD_BREAK.PAGE)
            if lines:  # a run's "\n" is a line break, its "\t" a tab
                paragraph.add_run(NOT_XML.sub("", "\n".join(lines)))
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
