"""Keys that guard routes: a before_request hook a blueprint adds, for one OCR_* setting.

A request presents its key as `Authorization: Bearer <key>` or `X-API-Key: <key>`; keys are
compared in constant time, and never logged nor put in an answer. A setting that is empty or
unset leaves the routes open. OCR_API_KEYS guards the API (POST /ocr, /jobs, POST /export);
load_keys reads it once, at start, from the variable or from a file of keys.
"""

import hashlib
import hmac
from collections.abc import Callable
from pathlib import Path

from flask import current_app, request

from ocr.model.errors import OcrError

HOW = "send it as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'"


class Unauthorized(OcrError):
    status_code = 401
    code = "unauthorized"

    def __init__(self, message: str):
        super().__init__(message, headers={"WWW-Authenticate": 'Bearer realm="ocr"'})


def key_required(setting: str, what: str) -> Callable[[], None]:
    """A before_request hook: when config[setting] holds keys (comma-separated, or a list), the
    request must present one of them. `what` names the routes in the error message."""

    def check() -> None:
        keys = configured_keys(current_app.config.get(setting))
        if not keys:
            return
        presented = presented_key()
        if presented is None:
            raise Unauthorized(f"{what} needs a key (OCR_{setting}); {HOW}")
        if not matches(presented, keys):
            raise Unauthorized(f"the key sent is not one of OCR_{setting}'s; {HOW}")

    return check


def load_keys(value, setting: str) -> list[str] | None:
    """The keys of a setting as given at start: None when unset (the routes stay open), else its
    keys, comma-separated or, as `@/path/to/file`, one a line (blank lines and # comments left
    out). A file that cannot be read, or a setting that holds no key, stops the start: a typo
    must not leave the routes open."""
    if value is None:
        return None
    source = f"OCR_{setting}"
    if isinstance(value, str) and value.strip().startswith("@"):
        path = Path(value.strip()[1:])
        source = f"OCR_{setting}'s file {str(path)!r}"
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as e:
            reason = getattr(e, "strerror", None) or e
            raise ValueError(f"{source} cannot be read: {reason}") from None
        keys = [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]
    else:
        keys = configured_keys(value)
    if not keys:
        raise ValueError(
            f"{source} holds no key: give keys separated by commas, or @/path/to/file with one a line; "
            f"unset OCR_{setting} to leave its routes open"
        )
    return keys


def configured_keys(value) -> list[str]:
    """The keys a setting holds: a string of comma-separated keys, or a list of them."""
    if not value:
        return []
    items = value.split(",") if isinstance(value, str) else value
    return [str(item).strip() for item in items if str(item).strip()]


def presented_key() -> str | None:
    """The key the request sends, if any."""
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return request.headers.get("X-API-Key", "").strip() or None


def matches(presented: str, keys: list[str]) -> bool:
    """Whether `presented` is one of `keys`, comparing it with every key in constant time.

    Digests are compared, not the keys: compare_digest's time still tells whether the lengths
    differ, and a digest's length is always the same."""
    offered = _digest(presented)
    found = False
    for key in keys:  # no early return: the time is the same whichever key matches, or none
        found |= hmac.compare_digest(offered, _digest(key))
    return found


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).digest()
