"""The pages (/ and /camera) and /languages, the open route that says what this server reads."""

from flask import Blueprint, current_app, render_template

from ocr.engines import ppocr, tesseract_data

bp = Blueprint("ocr", __name__)  # named "ocr" since the first version: templates use url_for("ocr.index")

LANGUAGE_NAMES = {
    "eng": "English",
    "deu": "German",
    "fra": "French",
    "spa": "Spanish",
    "ita": "Italian",
    "por": "Portuguese",
    "nld": "Dutch",
    "pol": "Polish",
    "rus": "Russian",
    "ukr": "Ukrainian",
    "tur": "Turkish",
    "swe": "Swedish",
    "dan": "Danish",
    "nor": "Norwegian",
    "fin": "Finnish",
    "ces": "Czech",
    "ell": "Greek",
    "ara": "Arabic",
    "heb": "Hebrew",
    "hin": "Hindi",
    "jpn": "Japanese",
    "kor": "Korean",
    "chi_sim": "Chinese (Simplified)",
    "chi_tra": "Chinese (Traditional)",
    "vie": "Vietnamese",
    "osd": "Orientation and script detection",
}


@bp.get("/")
def index():
    """Upload page."""
    return _page("index.html")


@bp.get("/camera")
def camera():
    """Webcam capture page."""
    return _page("camera.html")


def _page(template: str) -> str:
    return render_template(template, language_names=LANGUAGE_NAMES)


def engines_listed() -> list[dict]:
    """Each engine this server reads with, and the installed languages it can read."""
    installed = tesseract_data.installed_languages()
    reader = current_app.extensions["engines"].tesseract
    engines = [{"name": "tesseract", "version": reader.version(), "mode": reader.mode, "languages": list(installed)}]
    if current_app.extensions["engines"].ppocr is not None:
        readable = [lang for lang in installed if ppocr.reads(lang)]
        engines.append({"name": ppocr.NAME, "version": ppocr.MODEL, "languages": readable})
    return engines


@bp.get("/languages")
def languages():
    """Installed languages with human names, and the engines that read each."""
    second = current_app.extensions["engines"].ppocr is not None
    return {
        "languages": [
            {
                "code": code,
                "name": LANGUAGE_NAMES.get(code, code),
                "engines": ["tesseract"] + ([ppocr.NAME] if second and ppocr.reads(code) else []),
            }
            for code in tesseract_data.traineddata()
        ],
        "engines": engines_listed(),
    }
