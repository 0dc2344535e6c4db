"""Page results as JSON records for Redis, and back: never pickle, whatever can write to Redis."""

from dataclasses import asdict

from ocr.model.errors import error_for
from ocr.model.options import OcrOptions
from ocr.model.result import PageResult, ReadingWarning, Word


def page_record(page: PageResult) -> dict:
    """Everything a PageResult holds, in JSON types."""
    record = asdict(page)
    record["error"] = None if page.error is None else {"code": page.error.code, "message": page.error.message}
    return record


def page_from_record(record: dict) -> PageResult:
    error = record["error"]
    return PageResult(
        **{
            **record,
            "words": tuple(Word(**word) for word in record["words"]),
            "preprocess": tuple(record["preprocess"]),
            "warnings": tuple(ReadingWarning(**warning) for warning in record["warnings"]),
            "error": None if error is None else error_for(error["code"], error["message"]),
        }
    )


def options_record(options: OcrOptions) -> dict:
    return asdict(options)


def options_from_record(record: dict) -> OcrOptions:
    steps = record["steps"]
    return OcrOptions(**{**record, "steps": None if steps is None else tuple(steps)})
