"""The OcrError family: each class carries its HTTP status and a stable error code."""

from typing import Annotated

from typing_extensions import TypedDict  # pydantic reads typing's TypedDict from 3.12 only

from ocr.model.shapes import Schema


class OcrError(Exception):
    """Base of every error the OCR pipeline reports to a client."""

    status_code = 500
    code = "internal_error"

    def __init__(self, message: str, *, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class MissingImage(OcrError):
    status_code = 400
    code = "missing_image"


class JobNotFound(OcrError):
    status_code = 404
    code = "not_found"


class RetryLater(OcrError):
    """An error that tells the client when to ask again (Retry-After)."""

    def __init__(self, message: str, *, retry_after_s: int):
        super().__init__(message, headers={"Retry-After": str(retry_after_s)})


class JobNotReady(RetryLater):
    status_code = 409
    code = "not_ready"


class InvalidOption(OcrError):
    status_code = 400
    code = "invalid_option"


class MalformedRequest(OcrError):
    status_code = 400
    code = "malformed_request"


class NoTable(OcrError):
    """A spreadsheet was asked for, and no page holds a table."""

    status_code = 422
    code = "no_table"


class TooLarge(OcrError):
    status_code = 413
    code = "too_large"


class UnsupportedImage(OcrError):
    status_code = 415
    code = "unsupported_image"


class Overloaded(RetryLater):
    status_code = 503
    code = "overloaded"


class QueueUnavailable(Overloaded):
    code = "queue_unavailable"


class OcrTimeout(OcrError):
    status_code = 504
    code = "timeout"


def timed_out(what: str, timeout_s: float) -> OcrTimeout:
    """The error of `what` (OCR, orientation detection...) stopped at its deadline."""
    return OcrTimeout(f"{what} took longer than {timeout_s:g} s and was stopped; send a smaller or clearer image")


class EngineFailure(OcrError):
    status_code = 500
    code = "engine_error"


def error_for(code: str, message: str) -> OcrError:
    """The error `code` names, carrying `message`: an error reported by another process."""
    found = next((cls for cls in _every_error() if cls.code == code), OcrError)
    if issubclass(found, RetryLater):
        return found(message, retry_after_s=1)
    return found(message)


def _every_error() -> list[type[OcrError]]:
    classes, found = [OcrError], []
    while classes:
        cls = classes.pop()
        found.append(cls)
        classes += cls.__subclasses__()
    return found


def error_classes() -> list[type[OcrError]]:
    """Every error class, the family's root last (the code of anything unforeseen), each after
    its parent, in the order they were defined: the web layer's own are found once imported."""
    found: list[type[OcrError]] = []
    classes = list(reversed(OcrError.__subclasses__()))
    while classes:
        cls = classes.pop()
        found.append(cls)
        classes += reversed(cls.__subclasses__())
    return [*found, OcrError]


# The shapes errors take in JSON (the OpenAPI schemas are made from these).


class Problem(TypedDict):
    """Why a page or a job failed"""

    code: str
    message: str


def problem(error: OcrError) -> Problem:
    """What a client is told of an error: its code and its message."""
    return {"code": error.code, "message": error.message}


class ErrorDetail(TypedDict):
    code: Annotated[str, Schema(description="Stable, for programs: see each response's codes")]
    message: Annotated[str, Schema(description="For people: what went wrong and what to do")]
    request_id: Annotated[str, Schema(description="The answer's X-Request-ID")]


class ErrorAnswer(TypedDict):
    """An error, in JSON: {"error": {"code", "message", "request_id"}}"""

    error: ErrorDetail
