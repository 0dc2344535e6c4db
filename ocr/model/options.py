"""OcrOptions: the request's OCR settings, validated once at the edge."""

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from ocr.model.errors import InvalidOption

AUTO = "auto"
NONE = "none"
DEFAULT_LANG = "eng"
DEFAULT_PSM = 3
# Which engines read: Tesseract alone, PP-OCRv6 alone, Tesseract with PP-OCRv6 for pages it
# reads doubtfully (the default), or both on every page, combined line by line.
ENGINES = ("auto", "tesseract", "ppocr", "best")
TESSERACT_ENGINES = ("auto", "tesseract")  # what a server without its second engine offers
# 0 is orientation detection only (no text) and 2 is not implemented by Tesseract.
ALLOWED_PSM = (1, *range(3, 14))
MAX_STEPS = 20  # named preprocessing steps in one list (a step may come twice)
FLAGS = {"1": True, "0": False, "true": True, "false": False, "yes": True, "no": False, "on": True, "off": False}
_LANG_NAME = re.compile(r"[A-Za-z0-9_]{1,32}")


@dataclass(frozen=True)
class OcrOptions:
    """What to recognize with. `steps` is None for the automatic pipeline."""

    lang: str = DEFAULT_LANG
    psm: int | None = None  # None: Tesseract's automatic layout, with a retry when it finds nothing
    steps: tuple[str, ...] | None = None
    previews: bool = False  # return each page, as read and as preprocessed, as small JPEGs
    engine: str = AUTO

    @property
    def tesseract_psm(self) -> int:
        """The page segmentation mode to run Tesseract with first."""
        return DEFAULT_PSM if self.psm is None else self.psm

    @property
    def preprocess(self) -> str:
        """The preprocessing choice as a client would write it."""
        if self.steps is None:
            return AUTO
        return ",".join(self.steps) or NONE


# What each field accepts, as regular expressions written in the syntax both Python and JSON
# Schema (ECMA-262) read the same way: parse_options matches them in full, and the OpenAPI
# document publishes them, so the two cannot drift apart.


def lang_pattern(languages: Collection[str]) -> str:
    """Installed languages or 'auto' joined by '+' (one named twice is read once; auto wins)."""
    names = _alternatives([*(lang for lang in languages if lang != "osd"), AUTO])
    return rf"^{names}(?:\+{names})*$"


def steps_pattern(step_names: Collection[str]) -> str:
    """'auto', 'none', or a comma list of step names (spaces allowed around the commas)."""
    names = _alternatives(step_names)
    return rf"^(?:{AUTO}|{NONE}|{names}(?: *, *{names}){{0,{MAX_STEPS - 1}}})$"


def _alternatives(names) -> str:
    return "(?:" + "|".join(re.escape(name) for name in sorted(names)) + ")"


def parse_options(
    fields: Mapping[str, str],
    *,
    languages: Collection[str],
    step_names: Collection[str],
    engines: Collection[str] = ENGINES,
) -> OcrOptions:
    """Build OcrOptions from request fields, raising InvalidOption with what is allowed.

    A field left out takes its default; a field sent must hold an allowed value (an empty one
    is refused, not read as the default). `engines` are the engine choices this server offers:
    without its second engine, only 'auto' and 'tesseract'.
    """
    return OcrOptions(
        lang=_parse_lang(fields.get("lang"), languages),
        psm=_parse_psm(fields.get("psm")),
        steps=_parse_steps(fields.get("preprocess"), step_names),
        previews=_parse_flag("previews", fields.get("previews")),
        engine=_parse_engine(fields.get("engine"), engines),
    )


def _parse_engine(raw: str | None, engines: Collection[str]) -> str:
    if raw is None:
        return AUTO
    if raw in engines:
        return raw
    allowed = ", ".join(engines)
    if raw in ENGINES:
        raise InvalidOption(f"engine {raw!r} is turned off on this server (OCR_ENGINES); use one of: {allowed}")
    raise InvalidOption(f"engine {raw[:20]!r} is unknown; use one of: {allowed}")


def _parse_lang(raw: str | None, languages: Collection[str]) -> str:
    if raw is None:
        return DEFAULT_LANG
    installed = ", ".join(sorted(languages))
    names = raw.split("+")
    for name in names:
        if not _LANG_NAME.fullmatch(name):
            raise InvalidOption(
                f"lang {raw[:40]!r} is not valid: use 'auto' or installed language codes "
                f"joined by '+', e.g. 'eng' or 'eng+deu'; installed: {installed}"
            )
        if name == AUTO:
            continue
        if name == "osd":
            raise InvalidOption(f"'osd' is orientation data, not a language to read; installed: {installed}")
        if name not in languages:
            raise InvalidOption(
                f"lang {name!r} is not installed; installed: {installed}. "
                f"Install more with: sudo apt-get install tesseract-ocr-{name.lower().replace('_', '-')}"
            )
    # auto finds each page's language (ocr/reading/language.py); named beside languages (a form's
    # list, a query's and a body's lang joined), it wins over them
    return AUTO if AUTO in names else "+".join(dict.fromkeys(names))


def _parse_psm(raw: str | None) -> int | None:
    if raw is None:
        return None
    allowed = ", ".join(map(str, ALLOWED_PSM))
    if not re.fullmatch(r"-?[0-9]{1,20}", raw):  # plain decimal digits: int() would take " 7", "+7", "٧"
        raise InvalidOption(f"psm {raw[:20]!r} is not a number; allowed: {allowed}")
    psm = int(raw)
    if str(psm) != raw or psm not in ALLOWED_PSM:  # "07" is not how a mode is written
        raise InvalidOption(f"psm {raw} is not supported; allowed: {allowed}")
    return psm


def _parse_flag(name: str, raw: str | None) -> bool:
    if raw is None:
        return False
    if raw in FLAGS:
        return FLAGS[raw]
    raise InvalidOption(f"{name} {raw[:20]!r} is not a yes/no value; use 1 or 0")


def _parse_steps(raw: str | None, step_names: Collection[str]) -> tuple[str, ...] | None:
    if raw is None or raw == AUTO:
        return None
    if raw == NONE:
        return ()
    steps = tuple(name.strip(" ") for name in raw.split(","))
    unknown = [name for name in steps if name not in step_names]
    if unknown or not re.fullmatch(steps_pattern(step_names), raw):
        what = f"step {unknown[0][:30]!r} is unknown" if unknown and unknown[0] else f"{raw[:30]!r} is not valid"
        raise InvalidOption(
            f"preprocess {what}; use 'auto', 'none' or a comma list of at most {MAX_STEPS} of: {', '.join(step_names)}"
        )
    return steps
