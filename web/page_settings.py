"""What the pages take from the server: engine names, choices and thresholds, languages, limits.

Every page gets them as `page_settings` (register), and templates/base.html renders them into one
<script type="application/json" id="page-settings"> that static/js/page-settings.js reads: the
pages keep no copies of the server's constants.
"""

from collections.abc import Sequence

from flask import Flask, current_app

from ocr.engines.tesseract_data import installed_languages
from ocr.model.errors import OcrError
from ocr.model.options import AUTO, DEFAULT_LANG
from ocr.model.result import ENGINE_ORDER
from ocr.reading.cautions import ENGINE_NAMES, LOW_CONFIDENCE
from web.uploads import engine_choices

# Each engine choice as the options list shows it: its label, and a hint on hover.
CHOICES = {
    "auto": (
        "Automatic",
        "Tesseract reads first; PP-OCRv6 also reads the pages Tesseract doubts, and the better reading is kept",
    ),
    "tesseract": ("Tesseract (fast, print)", "Tesseract alone: fast, best on clean print"),
    "ppocr": ("PP-OCRv6 (handwriting, slower)", "PP-OCRv6 alone: best on handwriting, slower"),
    "best": (
        "Both engines (best, slowest)",
        "Both engines read every page, combined line by line: slowest, most accurate",
    ),
}
AUTO_ALONE = "Tesseract alone: this server has no second engine"  # the auto hint on a one-engine server
# Word boxes are coloured by confidence: `good` from 90, `fair` from 70, poor under it. A page's
# own scale for the eye, not the server's warning.
BOX_CONFIDENCE = {"good": 90, "fair": 70}


def page_settings(*, choices: Sequence[str], languages: Sequence[str], max_upload_bytes: int, job_ttl_s: int) -> dict:
    """The constants the pages need, for a server offering these engine choices and languages."""
    readers = [name for name in ENGINE_ORDER if name in choices]  # the engines a user may pick alone
    return {
        # a word of an engine under `doubtful_below` is marked; the low_confidence warning's bar
        "engines": {name: {"name": ENGINE_NAMES[name], "doubtful_below": LOW_CONFIDENCE[name]} for name in readers},
        "choices": [_choice(value, alone=len(readers) == 1) for value in choices],
        "default_choice": AUTO,
        "languages": list(languages),
        # with a choice of languages, the page finds each page's own (lang=auto)
        "default_lang": AUTO if len(languages) > 1 else DEFAULT_LANG,
        "box_confidence": BOX_CONFIDENCE,
        "max_upload_bytes": max_upload_bytes,
        "jobs_kept": _for_people(job_ttl_s),  # how long a finished job can still be opened
    }


def _choice(value: str, *, alone: bool) -> dict:
    label, hint = CHOICES.get(value, (value, ""))
    return {"value": value, "label": label, "hint": AUTO_ALONE if value == AUTO and alone else hint}


def _for_people(seconds: int) -> str:
    """3600 -> "an hour", 7200 -> "2 hours", 90 -> "90 s"."""
    for size, one, many in ((86400, "a day", "days"), (3600, "an hour", "hours"), (60, "a minute", "minutes")):
        if seconds >= size and seconds % size == 0:
            return one if seconds == size else f"{seconds // size} {many}"
    return f"{seconds} s"


def current_page_settings() -> dict:
    """This server's page settings, in a request."""
    try:
        languages = installed_languages()
    except OcrError:  # Tesseract cannot list its languages: the error page still renders
        languages = ()
    return page_settings(
        choices=engine_choices(),
        languages=languages,
        max_upload_bytes=int(current_app.config["MAX_CONTENT_LENGTH"] or 0),
        job_ttl_s=int(float(current_app.config["JOB_TTL_S"])),
    )


def register(app: Flask) -> None:
    """Give every template `page_settings`."""
    app.context_processor(lambda: {"page_settings": current_page_settings()})
