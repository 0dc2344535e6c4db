"""GET /suggestions: spellings a doubtful word may have had, from a dictionary of the reading's language."""

from flask import Blueprint, request

from ocr.dictionary.suggest import MAX_WORD, suggestions
from ocr.model.errors import InvalidOption
from ocr.model.options import DEFAULT_LANG

bp = Blueprint("suggestions", __name__)


@bp.get("/suggestions")
def suggest():
    """At most five spellings of `word` in `lang`, best first; none for a number, a code or a
    language without a dictionary."""
    word = request.args.get("word")
    if not word or len(word) > 4 * MAX_WORD:  # room for the punctuation around a word
        raise InvalidOption(f"word is required: the word to correct, at most {MAX_WORD} letters")
    lang = request.args.get("lang") or DEFAULT_LANG
    return {"word": word, "suggestions": suggestions(word, lang)}
