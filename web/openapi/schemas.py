"""The document's schemas: the answers' shapes generated from the model, where they are described
once (ocr.model, jobs.records), and the operations answers' that only the web layer makes.

pydantic generates them (TypeAdapter over the model's dataclasses and TypedDicts), here only:
the model stays plain Python, and a reading never pays for a validation library it does not use.
"""

from typing import Any

from jobs.records import JobAccepted, JobAnswer, JobLinks, PageStatus
from ocr.dictionary.suggest import MAX_SUGGESTIONS
from ocr.model.errors import ErrorAnswer, Problem
from ocr.model.options import ALLOWED_PSM
from ocr.model.result import Cell, PageAnswer, Previews, ReadingWarning, ResultAnswer, Table, Word
from web.health import SEEN_WITHIN_S
from web.openapi.refs import ref

# Each shape and its name among the document's schemas; a shape named by nothing here is
# written out where it is used (an answer's `image`, the error inside an error answer).
SHAPES = {
    Problem: "Problem",
    ErrorAnswer: "Error",
    Word: "Word",
    Table: "Table",
    Cell: "Cell",
    ReadingWarning: "Warning",
    Previews: "Previews",
    PageAnswer: "Page",
    ResultAnswer: "Result",
    JobLinks: "JobLinks",
    JobAccepted: "JobAccepted",
    PageStatus: "JobPage",
    JobAnswer: "Job",
}
ALIASES = ("EngineName", "Reader", "Timings")  # the model's named types, schemas of the same names
PREFIX = "#/components/schemas/"


def schemas() -> dict:
    """Every schema of the document but the options'."""
    generated = generated_schemas()
    generated["Error"]["example"] = {
        "error": {
            "code": "invalid_option",
            "message": "psm 2 is not supported; allowed: " + ", ".join(map(str, ALLOWED_PSM)),
            "request_id": "3f5e0c1d9a8b4c7e8f6a2b1c0d9e8f7a",
        }
    }
    return generated | _operations_schemas()


def generated_schemas() -> dict[str, dict]:
    """The shapes' JSON Schemas, as the answers are (serialization), $refs between them."""
    from pydantic import TypeAdapter  # only where the document is built: a reading never needs it

    _, found = TypeAdapter.json_schemas(
        [(name, "serialization", TypeAdapter(shape)) for shape, name in SHAPES.items()],
        ref_template=PREFIX + "{model}",
        schema_generator=_generator(),
    )
    definitions = found["$defs"]
    names = {shape.__name__: name for shape, name in SHAPES.items()} | {name: name for name in ALIASES}
    inline = {name: schema for name, schema in definitions.items() if name not in names}
    renamed = {names[name]: schema for name, schema in definitions.items() if name in names}
    return {name: _tidy(schema, names, inline) for name, schema in renamed.items()}


def _generator() -> type:
    from pydantic.json_schema import GenerateJsonSchema

    class Generator(GenerateJsonSchema):
        """Schemas of answers: every field of a dataclass is in its JSON; nothing is a default;
        a value or null as OpenAPI 3.1 writes it ({"type": [..., "null"]}, else oneOf)."""

        def field_is_required(self, field, total: bool) -> bool:
            return field["type"] == "dataclass-field" or super().field_is_required(field, total)

        def default_schema(self, schema) -> dict:
            return self.generate_inner(schema["schema"])

        def nullable_schema(self, schema) -> dict:
            inner = self.generate_inner(schema["schema"])
            if isinstance(inner.get("type"), str) and not {"$ref", "enum", "const"} & inner.keys():
                return {**inner, "type": [inner["type"], "null"]}
            return {"oneOf": [inner, {"type": "null"}]}

    return Generator


def _tidy(schema: Any, names: dict[str, str], inline: dict[str, dict]) -> Any:
    """Without pydantic's titles; $refs renamed to the document's names, or written out inline."""
    if isinstance(schema, list):
        return [_tidy(item, names, inline) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema and schema["$ref"].startswith(PREFIX):
        name = schema["$ref"].removeprefix(PREFIX)
        rest = {key: value for key, value in schema.items() if key != "$ref"}
        if name in inline:
            return _tidy(inline[name], names, inline) | _tidy(rest, names, inline)
        return {"$ref": PREFIX + names[name], **_tidy(rest, names, inline)}
    tidy = {}
    for key, value in schema.items():
        if key == "title" or (key == "additionalProperties" and value is True):  # true: the default
            continue
        if key == "properties":  # a mapping of names, each to a schema: a property may be called "title"
            tidy[key] = {name: _tidy(item, names, inline) for name, item in value.items()}
        else:
            tidy[key] = _tidy(value, names, inline)
    return tidy


def _operations_schemas() -> dict:
    """What /health and /languages answer: made in the web layer alone."""
    string = {"type": "string"}
    strings = {"type": "array", "items": string}
    return {
        "Engine": {
            "type": "object",
            "required": ["name", "version", "languages"],
            "properties": {
                "name": ref("schemas", "EngineName"),
                "version": string,
                "mode": {**string, "enum": ["api", "cli"], "description": "Tesseract's only: how it runs"},
                "languages": {**strings, "description": "The installed languages this engine reads"},
            },
        },
        "Part": {
            "type": "object",
            "required": ["status"],
            "properties": {
                "status": {**string, "enum": ["ok", "off", "failing", "unavailable", "none_seen", "unknown"]},
                "message": {**string, "description": "What is wrong, and what it means for the service"},
                "pages_waiting": {"type": "integer", "minimum": 0, "description": "The queue's: job pages waiting"},
                "seen": {**strings, "description": f"The workers': those seen in the last {SEEN_WITHIN_S} s"},
            },
        },
        "Probe": {
            "type": "object",
            "required": ["status"],
            "properties": {"status": {**string, "enum": ["ok", "failing"]}},
        },
        "Health": {
            "type": "object",
            "required": ["status", "parts", "engine", "tesseract", "tessdata", "languages", "engines"],
            "properties": {
                "status": {**string, "enum": ["ok", "degraded", "failing"]},
                "parts": {
                    "type": "object",
                    "required": ["reading", "queue", "workers"],
                    "properties": {name: ref("schemas", "Part") for name in ("reading", "queue", "workers")},
                },
                "engine": {**string, "enum": ["api", "cli"], "description": "How Tesseract runs (OCR_ENGINE)"},
                "tesseract": {**string, "description": "Tesseract's version"},
                "tessdata": {**string, "description": "The folder of Tesseract's traineddata"},
                "languages": {**strings, "description": "Tesseract's traineddata, osd included"},
                "engines": {"type": "array", "items": ref("schemas", "Engine")},
            },
        },
        "Suggestions": {
            "type": "object",
            "required": ["word", "suggestions"],
            "properties": {
                "word": {**string, "description": "The word asked about"},
                "suggestions": {**strings, "maxItems": MAX_SUGGESTIONS, "description": "Best first; [] when none"},
            },
        },
        "Languages": {
            "type": "object",
            "required": ["languages", "engines"],
            "properties": {
                "languages": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["code", "name", "engines"],
                        "properties": {
                            "code": string,
                            "name": string,
                            "engines": {"type": "array", "items": ref("schemas", "EngineName")},
                        },
                    },
                },
                "engines": {"type": "array", "items": ref("schemas", "Engine")},
            },
        },
    }
