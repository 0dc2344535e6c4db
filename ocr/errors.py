"""The OcrError family: each class carries its HTTP status and a stable error code."""


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


class InvalidOption(OcrError):
    status_code = 400
    code = "invalid_option"


class MalformedRequest(OcrError):
    status_code = 400
    code = "malformed_request"


class TooLarge(OcrError):
    status_code = 413
    code = "too_large"


class UnsupportedImage(OcrError):
    status_code = 415
    code = "unsupported_image"


class Overloaded(OcrError):
    status_code = 503
    code = "overloaded"

    def __init__(self, message: str, *, retry_after_s: int):
        super().__init__(message, headers={"Retry-After": str(retry_after_s)})


class OcrTimeout(OcrError):
    status_code = 504
    code = "timeout"


class EngineFailure(OcrError):
    status_code = 500
    code = "engine_error"
