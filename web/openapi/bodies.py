"""What the operations take and give: the options (each the pattern or list the server checks
against), the image in each of its forms, and a reading in each format."""

import base64
from typing import Any

from ocr.engines import ppocr, tesseract_data
from ocr.input.images import SUPPORTED
from ocr.model.options import ALLOWED_PSM, FLAGS, MAX_STEPS, lang_pattern, steps_pattern
from ocr.output import renderings, spreadsheets
from ocr.preprocess import STEPS
from web.openapi.refs import EXAMPLE_IMAGE, EXAMPLE_TEXT, HTML, IMAGE_TYPES, JSON, TEXT, ref
from web.openapi.responses import disposition_header, request_id_header
from web.uploads import FORMATS, MAX_TABLE, NEGOTIABLE, OPTION_FIELDS, TABLE_PATTERN, engine_choices

# The options' schemas' names among the components.
OPTION_SCHEMAS = {
    "lang": "Lang",
    "psm": "Psm",
    "preprocess": "Preprocess",
    "engine": "EngineChoice",
    "previews": "Flag",
    "format": "Format",
    "table": "TableNumber",
}
MEDIA_TYPES = {"text": TEXT, "json": JSON, "html": HTML, **renderings.MIMETYPES, **spreadsheets.MIMETYPES}


def option_parameters() -> list[dict]:
    return [ref("parameters", name) for name in OPTION_FIELDS]


def option_schemas() -> dict[str, dict]:
    """Each option's schema as a string field (query, form); parse_options matches the same."""
    languages = tesseract_data.installed_languages()
    engines = engine_choices()
    psm = [str(mode) for mode in ALLOWED_PSM]
    return {
        "lang": {
            "type": "string",
            "pattern": lang_pattern(languages),
            "default": "eng",
            "description": (
                f"Installed languages joined by '+': {', '.join(languages)}. Default eng. "
                "auto: each page is read once, its language identified, and read again in it when it "
                "differs; the answer names it as detected_lang. See GET /languages for their names."
            ),
            "examples": ["+".join(languages[:2])],
        },
        "psm": {
            "type": "string",
            "enum": psm,
            "description": (
                "Tesseract's page segmentation mode (0 and 2 are not offered). Left out: the automatic "
                "layout (3), tried again as one block (6) when it finds nothing."
            ),
        },
        "preprocess": {
            "type": "string",
            "pattern": steps_pattern(STEPS),
            "default": "auto",
            "description": (
                "auto (the steps each page needs), none, or a comma list of at most "
                f"{MAX_STEPS} steps, run in that order: {', '.join(STEPS)}"
            ),
            "examples": ["auto", "none", "grayscale,contrast,binarize"],
        },
        "engine": {
            "type": "string",
            "enum": list(engines),
            "default": "auto",
            "description": _engine_description(engines),
        },
        "previews": {
            "type": "string",
            "enum": list(FLAGS),
            "default": "0",
            "description": "1 (or true, yes, on) adds each page as read and as preprocessed, as small JPEG data URLs",
        },
        "format": {
            "type": "string",
            "enum": list(FORMATS),
            "description": (
                "The answer's format; without it the Accept header chooses among "
                f"{', '.join(NEGOTIABLE)}, and without that the answer is text. xlsx (a sheet per "
                "table) and csv (one table) hold the tables found; 422 no_table when there is none"
            ),
        },
        "table": {
            "type": "string",
            "pattern": f"^{TABLE_PATTERN}$",
            "description": (
                "Which table a spreadsheet holds, from 1 in page order: format=csv gives the first without "
                "it, format=xlsx every table"
            ),
        },
    }


def _engine_description(engines: tuple[str, ...]) -> str:
    if ppocr.NAME not in engines:
        return "This server reads with Tesseract alone (OCR_ENGINES=tesseract): auto and tesseract are the same."
    return (
        "auto: Tesseract first, PP-OCRv6 also reads the pages Tesseract doubts and the better reading "
        "is kept; tesseract: Tesseract alone; ppocr: PP-OCRv6 alone (handwriting, slower); best: both "
        "engines read every page, combined line by line (slowest)"
    )


def _json_option_schemas() -> dict[str, dict]:
    """The options in a JSON body: strings as in a query, and numbers or booleans where they fit."""
    strings = {name: ref("schemas", OPTION_SCHEMAS[name]) for name in OPTION_FIELDS}
    return {
        **strings,
        "psm": {"anyOf": [{"type": "integer", "enum": list(ALLOWED_PSM)}, strings["psm"]]},
        "previews": {"anyOf": [{"type": "boolean"}, {"type": "integer", "enum": [0, 1]}, strings["previews"]]},
        "table": {"anyOf": [{"type": "integer", "minimum": 1, "maximum": MAX_TABLE}, strings["table"]]},
    }


def image_body() -> dict:
    example = base64.b64encode(EXAMPLE_IMAGE.read_bytes()).decode()
    strings = {name: ref("schemas", OPTION_SCHEMAS[name]) for name in OPTION_FIELDS}
    binary = {"type": "string", "format": "binary"}
    return {
        "required": True,
        "description": f"One image or document: {SUPPORTED}, recognized by its content",
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["image"],
                    "properties": {"image": {**binary, "description": "The file"}, **strings},
                },
                "encoding": {"image": {"contentType": ", ".join((*IMAGE_TYPES, "application/pdf"))}},
            },
            **{media_type: {"schema": binary} for media_type in (*IMAGE_TYPES, "application/pdf")},
            JSON: {
                "schema": {
                    "type": "object",
                    "required": ["image"],
                    "properties": {
                        "image": {
                            "type": "string",
                            "minLength": 1,
                            "description": "The file's bytes in base64, or a data: URL (data:image/png;base64,...)",
                            "examples": [example],
                        },
                        **_json_option_schemas(),
                    },
                },
                "examples": {
                    "png": {
                        "summary": f"A small PNG of '{EXAMPLE_TEXT}'",
                        "value": {"image": example, "format": "json"},
                    },
                    "dataUrl": {
                        "summary": "The same PNG as a data: URL, read as one line (psm 7)",
                        "value": {"image": f"data:image/png;base64,{example}", "psm": 7},
                    },
                },
            },
        },
    }


def reading_response(description: str) -> dict:
    content: dict[str, dict[str, Any]] = {}  # media type -> its JSON schema and example
    for name, media_type in MEDIA_TYPES.items():
        if name == "json":
            content[media_type] = {
                "schema": ref("schemas", "Result"),
                "example": example_result(),
            }
        elif name in ("text", "html", "hocr", "alto", "tsv"):
            content[media_type] = {"schema": {"type": "string"}}
            if name == "text":
                content[media_type]["example"] = EXAMPLE_TEXT + "\n"
        else:
            content[media_type] = {"schema": {"type": "string", "contentMediaType": media_type}}
    return {
        "description": (
            f"{description}: text (format=text), JSON (json), an HTML page (html), hOCR (hocr), "
            "ALTO XML (alto), TSV (tsv), a searchable PDF (pdf), a Word document (docx), or the "
            "tables as a workbook (xlsx) or CSV (csv); "
            "pages of a document separated by form feeds in the text"
        ),
        "headers": {**request_id_header(), **disposition_header(required=False)},
        "content": content,
    }


def example_result() -> dict:
    """A reading of static/examples/hello.png, as POST /ocr answers it in JSON."""
    word = {"confidence": 96.2, "top": 17, "height": 26, "block": 1, "paragraph": 1, "line": 1, "engine": "tesseract"}
    return {
        "text": EXAMPLE_TEXT,
        "confidence": 95.8,
        "engine": "tesseract",
        "lang": "eng",
        "psm": 3,
        "preprocess": ["grayscale", "binarize"],
        "preprocess_params": {},
        "image": {"width": 234, "height": 70},
        "words": [
            {"text": "Hello,", **word, "left": 20, "width": 84},
            {"text": "OCR", **word, "left": 116, "width": 58},
            {"text": "42", **word, "left": 184, "width": 32},
        ],
        "timings_ms": {"decode": 1, "preprocess": 3, "ocr": 60, "tables": 0, "total": 66},
        "warnings": [],
        "tables": [],
    }
