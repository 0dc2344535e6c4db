"""OcrOptions: the request's OCR settings, validated once at the edge."""

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from .errors import InvalidOption

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


def parse_options(
    fields: Mapping[str, str],
    *,
    languages: Collection[str],
    step_names: Collection[str],
    engines: Collection[str] = ENGINES,
) -> OcrOptions:
    """Build OcrOptions from request fields, raising InvalidOption with what is allowed.

    `engines` are the engine choices this server offers: without its second engine, only
    'auto' and 'tesseract'.
    """
    return OcrOptions(
        lang=_parse_lang(fields.get("lang"), languages),
        psm=_parse_psm(fields.get("psm")),
        steps=_parse_steps(fields.get("preprocess"), step_names),
        previews=_parse_flag("previews", fields.get("previews")),
        engine=_parse_engine(fields.get("engine"), engines),
    )


def _parse_engine(raw: str | None, engines: Collection[str]) -> str:
    value = (raw or "").strip().lower()
    if not value:
        return AUTO
    if value in engines:
        return value
    allowed = ", ".join(engines)
    if value in ENGINES:
        raise InvalidOption(f"engine {value!r} is turned off on this server (OCR_ENGINES); use one of: {allowed}")
    raise InvalidOption(f"engine {value[:20]!r} is unknown; use one of: {allowed}")


def _parse_lang(raw: str | None, languages: Collection[str]) -> str:
    if raw is None or not raw.strip():
        return DEFAULT_LANG
    installed = ", ".join(sorted(languages))
    names = raw.strip().split("+")
    for name in names:
        if not _LANG_NAME.fullmatch(name):
            raise InvalidOption(
                f"lang {raw.strip()[:40]!r} is not valid: use installed language codes "
                f"joined by '+', e.g. 'eng' or 'eng+deu'; installed: {installed}"
            )
        if name == "osd":
            raise InvalidOption(f"'osd' is orientation data, not a language to read; installed: {installed}")
        if name not in languages:
            raise InvalidOption(
                f"lang {name!r} is not installed; installed: {installed}. "
                f"Install more with: sudo apt-get install tesseract-ocr-{name.lower().replace('_', '-')}"
            )
    return "+".join(dict.fromkeys(names))


def _parse_psm(raw: str | None) -> int | None:
    if raw is None or not raw.strip():
        return None
    allowed = ", ".join(map(str, ALLOWED_PSM))
    try:
        psm = int(raw.strip())
    except ValueError:
        raise InvalidOption(f"psm {raw.strip()[:20]!r} is not a number; allowed: {allowed}") from None
    if psm not in ALLOWED_PSM:
        raise InvalidOption(f"psm {psm} is not supported; allowed: {allowed}")
    return psm


def _parse_flag(name: str, raw: str | None) -> bool:
    value = (raw or "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise InvalidOption(f"{name} {value[:20]!r} is not a yes/no value; use 1 or 0")


def _parse_steps(raw: str | None, step_names: Collection[str]) -> tuple[str, ...] | None:
    value = (raw or "").strip().lower()
    if value in ("", AUTO):
        return None
    if value == NONE:
        return ()
    steps = tuple(name.strip() for name in value.split(",") if name.strip())
    unknown = [name for name in steps if name not in step_names]
    if unknown or not steps:
        raise InvalidOption(
            f"preprocess step {unknown[0][:30] if unknown else value[:30]!r} is unknown; use "
            f"'auto', 'none' or a comma list of: {', '.join(step_names)}"
        )
    return steps
