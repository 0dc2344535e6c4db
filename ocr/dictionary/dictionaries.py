"""The dictionaries suggestions come from, one a language, each loaded on first use and kept for
the process: symspellpy's English frequency list and pyspellchecker's lists of other languages,
both inside their wheels (nothing is downloaded)."""

import functools
from dataclasses import dataclass
from importlib import resources
from typing import Protocol

# English: symspellpy looks words up to this many edits away; its prefix length is its default.
ENGLISH_EDITS, ENGLISH_PREFIX = 2, 7
# Tesseract's codes of the languages pyspellchecker has a list for, and that list's name. Its
# search is a word's every edit, so it is asked one edit away only: two take seconds on a long word.
SPELLCHECKER_LANGUAGES = {
    "fra": "fr",
    "deu": "de",
    "spa": "es",
    "por": "pt",
    "ita": "it",
    "nld": "nl",
    "rus": "ru",
    "ara": "ar",
    "eus": "eu",
    "lav": "lv",
    "fas": "fa",
}
LANGUAGES = ("eng", *SPELLCHECKER_LANGUAGES)


@dataclass(frozen=True)
class Near:
    """A dictionary word `edits` away from the word looked up, used `frequency` times in its corpus."""

    word: str
    edits: int
    frequency: float


class Dictionary(Protocol):
    def frequency(self, word: str) -> float:
        """How often the lowercase word is used; 0 when it is not a word of the language."""
        ...

    def near(self, word: str) -> list[Near]:
        """Words a few edits from the lowercase word, nearest first, then the most used."""
        ...


class _SymSpellDictionary:
    def __init__(self) -> None:
        from symspellpy import SymSpell  # loaded with its dictionary, on first use

        self._symspell = SymSpell(max_dictionary_edit_distance=ENGLISH_EDITS, prefix_length=ENGLISH_PREFIX)
        words = resources.files("symspellpy") / "frequency_dictionary_en_82_765.txt"
        with resources.as_file(words) as path:
            self._symspell.load_dictionary(str(path), term_index=0, count_index=1)

    def frequency(self, word: str) -> float:
        return float(self._symspell.words.get(word, 0))

    def near(self, word: str) -> list[Near]:
        from symspellpy import Verbosity

        found = self._symspell.lookup(word, Verbosity.ALL, max_edit_distance=ENGLISH_EDITS)
        return [Near(item.term, item.distance, float(item.count)) for item in found if item.term != word]


class _SpellCheckerDictionary:
    def __init__(self, language: str) -> None:
        from spellchecker import SpellChecker

        self._checker = SpellChecker(language=language, distance=1)

    def frequency(self, word: str) -> float:
        return float(self._checker.word_frequency.dictionary.get(word, 0))

    def near(self, word: str) -> list[Near]:
        found = self._checker.known(self._checker.edit_distance_1(word)) - {word}
        return sorted((Near(term, 1, self.frequency(term)) for term in found), key=lambda n: -n.frequency)


@functools.cache
def dictionary(lang: str) -> Dictionary | None:
    """The dictionary of a Tesseract language ('eng', 'fra'), loaded once; None when there is none."""
    if lang == "eng":
        return _SymSpellDictionary()
    if lang in SPELLCHECKER_LANGUAGES:
        return _SpellCheckerDictionary(SPELLCHECKER_LANGUAGES[lang])
    return None
