"""Which language a text is in: lingua's models, which ship inside its wheel (nothing is downloaded),
loaded once per process and only for the languages asked about."""

import functools
from collections.abc import Collection

from lingua import IsoCode639_3, Language, LanguageDetector, LanguageDetectorBuilder

# Languages identified even when Tesseract lacks them, so that a page in one is named in a warning
# rather than read as garbage in silence: the most used languages Tesseract has data for.
WIDELY_USED = ("eng", "fra", "deu", "spa", "ita", "por", "nld", "pol", "rus", "ukr", "ell", "tur", "swe", "ces")
# Tesseract's codes are ISO 639-3 like lingua's, except these.
LINGUA_CODES = {"nor": "nob"}
# Identification needs this many words of at least two letters, and this share of lingua's confidence:
# below them a reading is too short, or too garbled (another script read as Latin), to say.
MIN_WORDS, MIN_CONFIDENCE = 5, 0.5


def words(text: str) -> list[str]:
    """The text's words of at least two letters: what identification goes by."""
    return [word for word in text.split() if sum(ch.isalpha() for ch in word) >= 2]


def identify(text: str, candidates: Collection[str]) -> str | None:
    """The Tesseract code of the language among `candidates` that `text` is in, or None when it cannot tell."""
    found = words(text)
    languages = {code: language for code in candidates if (language := _language(code)) is not None}
    if len(found) < MIN_WORDS or not languages:
        return None
    if len(languages) == 1:
        return next(iter(languages))
    best = _detector(frozenset(languages.values())).compute_language_confidence_values(" ".join(found))[0]
    if best.value < MIN_CONFIDENCE:
        return None
    return next(code for code, language in languages.items() if language == best.language)


def name(code: str) -> str:
    """The language's English name ('French' for 'fra'), or the code when lingua does not know it."""
    language = _language(code)
    return language.name.title() if language is not None else code


def known(code: str) -> bool:
    """Can lingua identify this Tesseract language?"""
    return _language(code) is not None


def _language(code: str) -> Language | None:
    try:
        return Language.from_iso_code_639_3(IsoCode639_3.from_str(LINGUA_CODES.get(code, code)))
    except ValueError:  # chi_sim, script names, frk...: not a language lingua names this way
        return None


@functools.cache
def _detector(languages: frozenset[Language]) -> LanguageDetector:
    # trigrams only: a page's text is long enough for them, and its models for the 14 languages
    # take 21 MB and 0.2 s to load where all n-grams took 300 MB and 2 s in each process
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()
