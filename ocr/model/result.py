"""OcrResult, PageResult and Word, and their renderings as plain text and JSON.

The JSON answers' shapes are declared here too (PageAnswer, ResultAnswer: what to_dict gives),
next to the dataclasses they are made from; the OpenAPI schemas are generated from them.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Annotated, NotRequired

from typing_extensions import TypeAliasType, TypedDict  # pydantic reads typing's TypedDict from 3.12 only

from ocr.model.errors import OcrError, Problem
from ocr.model.geometry import Box
from ocr.model.shapes import Schema

ENGINE_ORDER = ("tesseract", "ppocr")
# Named types of the answers: each is one schema of the OpenAPI document, under the same name.
EngineName = TypeAliasType("EngineName", Annotated[str, Schema(enum=list(ENGINE_ORDER))])
Reader = TypeAliasType(
    "Reader",
    Annotated[
        str,
        Schema(
            enum=[*ENGINE_ORDER, "+".join(ENGINE_ORDER)],
            description="The engine whose reading was kept; tesseract+ppocr when lines of both were",
        ),
    ],
)
Timings = TypeAliasType(
    "Timings",
    Annotated[
        dict[str, int],
        Schema(
            description="Milliseconds spent on each stage: decode, preprocess, ocr, ppocr, total...;"
            " ppocr_ahead where PP-OCRv6 read beside Tesseract (ppocr is then the wait for it after)"
        ),
    ],
)
Confidence = Annotated[float, Schema(minimum=0, maximum=100)]
MeanConfidence = Annotated[float, Schema(minimum=0, maximum=100, description="Mean word confidence")]
StepsApplied = Annotated[list[str], Schema(description="The steps applied")]
DetectedLang = Annotated[
    str, Schema(description="lang=auto only, when the language could be told: the language the text is in")
]
StepParams = Annotated[dict[str, dict], Schema(description="What each step measured and chose")]


@dataclass(frozen=True)
class Word:
    """One recognized word and its box, in pixels of the upright original page."""

    text: str
    confidence: Confidence
    left: int
    top: int
    width: int
    height: int
    block: int
    paragraph: int
    line: int
    engine: EngineName = "tesseract"  # which engine read it: "tesseract" or "ppocr"

    @property
    def box(self) -> Box:
        return Box(self.left, self.top, self.left + self.width, self.top + self.height)

    @property
    def centre(self) -> tuple[float, float]:
        return self.left + self.width / 2, self.top + self.height / 2


@dataclass(frozen=True)
class Cell:
    """One cell of a table: its place in the grid, its box and the words read in it."""

    row: Annotated[int, Schema(minimum=1)]
    column: Annotated[int, Schema(minimum=1)]
    text: Annotated[str, Schema(description="The words read in the cell, in reading order, joined by spaces")]
    left: int
    top: int
    width: int
    height: int


@dataclass(frozen=True)
class Table:
    """A table found on a page: its box, its grid's size and every cell of the grid, row by row."""

    left: int
    top: int
    width: int
    height: int
    rows: Annotated[int, Schema(minimum=1)]
    columns: Annotated[int, Schema(minimum=1)]
    cells: tuple[Cell, ...]

    def grid(self) -> list[list[str]]:
        """The cells' texts, a list per row."""
        texts = [[""] * self.columns for _ in range(self.rows)]
        for cell in self.cells:
            texts[cell.row - 1][cell.column - 1] = cell.text
        return texts

    def to_dict(self) -> dict:
        return {**vars(self), "cells": [_fields(cell) for cell in self.cells]}


@dataclass(frozen=True)
class ReadingWarning:
    """Why a reading may be unreliable, in words a user can act on (`code` is for programs)."""

    code: Annotated[
        str,
        Schema(
            description="low_confidence, handwriting_suspected, second_engine_unavailable, "
            "second_engine_failed, second_engine_skipped or language_not_installed; more may be added"
        ),
    ]
    message: str


@dataclass(frozen=True)
class PageResult:
    """What one page produced, or the error that stopped it."""

    number: int
    width: int
    height: int
    words: tuple[Word, ...] = ()
    preprocess: tuple[str, ...] = ()
    preprocess_params: dict[str, dict] = field(default_factory=dict)
    timings_ms: dict[str, int] = field(default_factory=dict)
    error: OcrError | None = None
    previews: dict[str, str] | None = None  # {"original": data URL, "preprocessed": data URL}
    warnings: tuple[ReadingWarning, ...] = ()
    engine: str = "tesseract"  # "tesseract", "ppocr", or "tesseract+ppocr" when lines of both were kept
    dpi: float | None = None  # the resolution the file declares, when plausible; not in the JSON answers
    tables: tuple[Table, ...] = ()  # the tables found among the words, each cell filled with them
    detected_lang: str | None = None  # lang=auto only: the language identified, None when it could not tell

    @property
    def text(self) -> str:
        return join_words(self.words)

    @property
    def confidence(self) -> float:
        """Mean word confidence (0-100) to one decimal, 0 when nothing was read."""
        return round(mean_confidence(self.words), 1)

    def to_dict(self) -> dict:
        page = {
            "number": self.number,
            "width": self.width,
            "height": self.height,
            "text": self.text,
            "confidence": self.confidence,
            "engine": self.engine,
            "words": [_fields(w) for w in self.words],
            "preprocess": list(self.preprocess),
            "preprocess_params": self.preprocess_params,
            "timings_ms": self.timings_ms,
            "warnings": [_fields(w) for w in self.warnings],
            "tables": [table.to_dict() for table in self.tables],
        }
        if self.detected_lang is not None:
            page["detected_lang"] = self.detected_lang
        if self.previews is not None:
            page["previews"] = self.previews
        if self.error is not None:
            page["error"] = {"code": self.error.code, "message": self.error.message}
        return page


@dataclass(frozen=True)
class OcrResult:
    """Everything one recognition produced: one page for an image, several for a document."""

    lang: str
    psm: int
    pages: tuple[PageResult, ...]
    timings_ms: dict[str, int] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """Pages separated by a form feed, as Tesseract prints them."""
        return "\f".join(page.text for page in self.pages)

    @property
    def words(self) -> tuple[Word, ...]:
        return tuple(word for page in self.pages for word in page.words)

    @property
    def confidence(self) -> float:
        return round(mean_confidence(self.words), 1)

    @property
    def width(self) -> int:
        return self.pages[0].width

    @property
    def height(self) -> int:
        return self.pages[0].height

    @property
    def preprocess(self) -> tuple[str, ...]:
        return self.pages[0].preprocess

    @property
    def tables(self) -> tuple[Table, ...]:
        """Every page's tables, in page order."""
        return tuple(table for page in self.pages for table in page.tables)

    @property
    def detected_lang(self) -> str | None:
        """lang=auto only: the language identified on most pages (the first of a tie), None when none was."""
        found = [page.detected_lang for page in self.pages if page.detected_lang is not None]
        return max(dict.fromkeys(found), key=found.count) if found else None

    @property
    def engine(self) -> str:
        """The engine that read every page, or the engines joined by '+'."""
        read = [page for page in self.pages if page.error is None]
        return engines_label(part for page in read for part in page.engine.split("+")) or self.pages[0].engine

    @property
    def warnings(self) -> tuple[ReadingWarning, ...]:
        """Each page's warnings once; in a document, the message names the pages it concerns."""
        if len(self.pages) == 1:
            return self.pages[0].warnings
        pages: dict[str, list[int]] = {}
        first: dict[str, ReadingWarning] = {}
        for page in self.pages:
            for warning in page.warnings:
                pages.setdefault(warning.code, []).append(page.number)
                first.setdefault(warning.code, warning)
        return tuple(
            ReadingWarning(
                code, f"Page{'s' if len(numbers) > 1 else ''} {', '.join(map(str, numbers))}: {first[code].message}"
            )
            for code, numbers in pages.items()
        )

    def to_dict(self) -> dict:
        """The single-image shape; a document adds `pages` and numbers each word's page."""
        first = self.pages[0]
        answer = {
            "text": self.text,
            "confidence": self.confidence,
            "engine": self.engine,
            "lang": self.lang,
            "psm": self.psm,
            "preprocess": list(first.preprocess),
            "preprocess_params": first.preprocess_params,
            "image": {"width": first.width, "height": first.height},
            "words": [_fields(w) for w in first.words],
            "timings_ms": self.timings_ms,
            "warnings": [_fields(w) for w in self.warnings],
            "tables": [table.to_dict() for table in first.tables],
        }
        if self.detected_lang is not None:
            answer["detected_lang"] = self.detected_lang
        if first.previews is not None:
            answer["previews"] = first.previews
        if len(self.pages) > 1:
            answer["words"] = [{**_fields(w), "page": page.number} for page in self.pages for w in page.words]
            answer["tables"] = [
                {**table.to_dict(), "page": page.number} for page in self.pages for table in page.tables
            ]
            answer["pages"] = [page.to_dict() for page in self.pages]
        return answer


# The JSON answers, key by key in the order to_dict writes them. A word and a warning are their
# dataclass's fields; a page and a whole reading are declared here, beside what makes them.


class Previews(TypedDict):
    """With previews=1 only: JPEG data URLs"""

    original: str
    preprocessed: str


class PageAnswer(TypedDict):
    """One page's reading: its text and words, the steps applied and any warnings"""

    number: Annotated[int, Schema(minimum=1)]
    width: int
    height: int
    text: str
    confidence: MeanConfidence
    engine: Reader
    words: list[Word]
    preprocess: StepsApplied
    preprocess_params: StepParams
    timings_ms: Timings
    warnings: list[ReadingWarning]
    tables: Annotated[list[Table], Schema(description="The tables found on the page; [] when none was")]
    detected_lang: NotRequired[DetectedLang]
    previews: NotRequired[Previews]
    error: NotRequired[Annotated[Problem, Schema(description="Why the page could not be read")]]


class ImageSize(TypedDict):
    width: int
    height: int


# In a document's answer, each word and each table also names its page.
DocumentWord = Annotated[
    Word,
    Schema(properties={"page": {"type": "integer", "minimum": 1, "description": "Documents only: the word's page"}}),
]


DocumentTable = Annotated[
    Table,
    Schema(properties={"page": {"type": "integer", "minimum": 1, "description": "Documents only: the table's page"}}),
]


class ResultAnswer(TypedDict):
    """The reading of an image or a document; a document's words name their pages"""

    text: str
    confidence: MeanConfidence
    engine: Reader
    lang: str
    psm: int
    preprocess: StepsApplied
    preprocess_params: StepParams
    image: Annotated[ImageSize, Schema(description="The first page, upright")]
    words: list[DocumentWord]
    timings_ms: Timings
    warnings: list[ReadingWarning]
    tables: Annotated[
        list[DocumentTable], Schema(description="The tables found, every page's in a document; [] when none was")
    ]
    detected_lang: NotRequired[DetectedLang]
    previews: NotRequired[Previews]
    pages: NotRequired[Annotated[list[PageAnswer], Schema(description="Documents of more than one page only")]]


def _fields(record: "Word | ReadingWarning | Cell") -> dict:
    """A flat record's fields, as dataclasses.asdict gives them without its deep copy: their values
    are strings and numbers already, and the copy is the slow part (bench/README.md)."""
    return dict(vars(record))


def engines_label(engines: Iterable[str]) -> str:
    """The engines named once each, Tesseract first, joined by '+': 'tesseract+ppocr'."""
    return "+".join(sorted(set(engines), key=ENGINE_ORDER.index))


def mean_confidence(words: tuple[Word, ...]) -> float:
    """Mean word confidence (0-100), 0 when nothing was read."""
    return sum(w.confidence for w in words) / len(words) if words else 0.0


def join_words(words: tuple[Word, ...]) -> str:
    """Text laid out as Tesseract prints it: words by spaces, lines by newlines, a blank line between paragraphs."""
    paragraphs: list[list[list[str]]] = []
    last_paragraph = last_line = None
    for word in words:
        paragraph_key = (word.block, word.paragraph)
        if paragraph_key != last_paragraph:
            paragraphs.append([])
            last_paragraph, last_line = paragraph_key, None
        if word.line != last_line:
            paragraphs[-1].append([])
            last_line = word.line
        paragraphs[-1][-1].append(word.text)
    return "\n\n".join("\n".join(" ".join(line) for line in lines) for lines in paragraphs)
