"""POST /export: a Word document made from text alone, such as a reading the user corrected."""

import codecs
import re

from flask import Blueprint, g, request

from ocr.model.errors import InvalidOption, MalformedRequest, OcrError, TooLarge
from ocr.output import word_document
from web.auth import key_required
from web.responses import document_response

bp = Blueprint("export", __name__)
bp.before_request(key_required("API_KEYS", "POST /export"))  # open unless OCR_API_KEYS is set
MAX_TEXT_BYTES = 2 * 1024 * 1024  # a 500-page book is about 1 MB of text
EXPORTS = ("docx",)
# control characters are not text (binary data sent by mistake), except tab, newlines and the form feed
_NOT_TEXT = re.compile("[^\t\n\r\f\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# The same, as a class the OpenAPI document's JSON Schema (ECMA-262) reads alike (lone surrogates
# aside), and the blanks that alone make no text: a text must hold something else.
NOT_TEXT_CHARS = r"\x00-\x08\x0b\x0e-\x1f\ufffe\uffff"
BLANK_CHARS = r"\t\n\r\f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
TEXT_PATTERN = f"^[^{NOT_TEXT_CHARS}]*[^{NOT_TEXT_CHARS}{BLANK_CHARS}][^{NOT_TEXT_CHARS}]*$"
_SOME_TEXT = re.compile(f"[^{NOT_TEXT_CHARS}{BLANK_CHARS}]")
_HOW = (
    "send the text as the body with Content-Type: text/plain; charset=utf-8 "
    '(curl --data-binary @letter.txt -H "Content-Type: text/plain; charset=utf-8"), or JSON {"text": "..."}'
)


class NotText(OcrError):
    status_code = 415
    code = "unsupported_text"


class MissingText(OcrError):
    status_code = 400
    code = "missing_text"


@bp.post("/export")
def export():
    """A Word document of the posted text: pages split at form feeds, paragraphs at blank lines."""
    fields = request.args.to_dict()
    g.fields = fields
    _check_format(fields.get("format", EXPORTS[0]))  # the query's, even where the JSON names one too
    text = _read_text(fields)
    answer = _check_format(fields.get("format", EXPORTS[0]))
    return document_response(word_document.from_text(text), answer)


def _check_format(answer: str) -> str:
    if answer not in EXPORTS:
        raise InvalidOption(
            f"format {answer[:20]!r} cannot be made from text alone; use format=docx "
            "(the other formats need the image: POST it to /ocr)"
        )
    return answer


def _read_text(fields: dict[str, str]) -> str:
    """The posted text, within MAX_TEXT_BYTES of UTF-8; JSON's format field joins `fields`."""
    mimetype = request.mimetype
    if mimetype not in ("text/plain", "application/json"):
        raise NotText(f"the body is {mimetype or 'without a Content-Type'}, not text; {_HOW}")
    # JSON may escape a character in up to 12 bytes; the text itself is measured once decoded
    allowed = MAX_TEXT_BYTES * (6 if mimetype == "application/json" else 1)
    if request.content_length is not None and request.content_length > allowed:
        raise TooLarge(_too_large_message())
    body = request.get_data(cache=False)
    if len(body) > allowed:  # a chunked body, without a length
        raise TooLarge(_too_large_message())
    text = _json_text(body, fields) if mimetype == "application/json" else _plain_text(body)
    if len(text.encode("utf-8", "surrogatepass")) > MAX_TEXT_BYTES:
        raise TooLarge(_too_large_message())
    found = _NOT_TEXT.search(text)
    if found:
        raise NotText(
            f"the body holds U+{ord(found.group()):04X} at character {found.start()}, which is not text "
            f"(binary data?); {_HOW}"
        )
    if not _SOME_TEXT.search(text):
        raise MissingText(f"no text to export: the body is empty; {_HOW}")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _plain_text(body: bytes) -> str:
    charset = request.mimetype_params.get("charset", "utf-8")
    try:
        codecs.lookup(charset)
    except LookupError:
        raise NotText(f"unknown charset {charset[:40]!r}; {_HOW}") from None
    try:
        return body.decode(charset).removeprefix("\ufeff")  # a byte order mark is not text
    except UnicodeDecodeError as e:
        raise NotText(f"the body is not {charset} text (byte {e.start} is not); {_HOW}") from None


def _json_text(body: bytes, fields: dict[str, str]) -> str:
    try:
        parsed = request.json_module.loads(body)
    except (ValueError, RecursionError):
        parsed = None
    if not isinstance(parsed, dict):
        raise MalformedRequest(f"the body is not a JSON object; {_HOW}")
    if "format" in parsed:
        if not isinstance(parsed["format"], str):
            raise InvalidOption(f'the JSON field "format" is not a string; send "docx" or leave it out; {_HOW}')
        fields["format"] = parsed["format"]
    text = parsed.get("text")
    if not isinstance(text, str):
        raise MalformedRequest(f'the JSON has no "text" string; {_HOW}')
    return text


def _too_large_message() -> str:
    return f"the text is over the {MAX_TEXT_BYTES // (1024 * 1024)} MB limit of /export; export it in parts"
