"""Spelling suggestions for a doubtful word: the words it may have been misread from, then the
dictionary's nearest words, the most used first."""

import re

from ocr.dictionary.dictionaries import dictionary
from ocr.dictionary.lookalikes import LETTER_DIGITS, unmisread

MAX_SUGGESTIONS = 5
MAX_WORD = 40  # characters; longer is no word a dictionary holds
# The word inside what the reading kept: punctuation around it stays around each suggestion.
_AROUND = re.compile(r"^(\W*)(.*?)(\W*)$", re.S)


def suggestions(word: str, lang: str) -> list[str]:
    """At most MAX_SUGGESTIONS spellings of `word` in the first language of `lang` ('eng', 'fra+eng')
    that has a dictionary, best first; none for numbers, codes and languages without a dictionary."""
    before, core, after = _AROUND.match(word).groups()  # type: ignore[union-attr]  # the pattern matches any text
    if len(core) > MAX_WORD or sum(ch.isalpha() for ch in core) < 2:
        return []
    digits = {ch for ch in core if ch.isdigit()}
    if not digits <= LETTER_DIGITS:
        return []  # a code or an amount: a digit no letter looks like
    found = next((d for d in map(dictionary, lang.split("+")) if d is not None), None)
    if found is None:
        return []
    lower = core.lower()
    ranked: dict[str, None] = {}
    # a spelling a lookalike away first, the fewest lookalikes then the most used
    variants = [(changes, -found.frequency(v), v) for v, changes in unmisread(lower).items() if changes]
    ranked.update((v, None) for _, frequency, v in sorted(variants) if frequency < 0 and v.isalpha())
    if not digits:  # with digits, only the letters they stand for make it a word
        ranked.update((near.word, None) for near in found.near(lower))
    ranked.pop(lower, None)
    return [before + _cased(v, core) + after for v in list(ranked)[:MAX_SUGGESTIONS]]


def _cased(suggestion: str, like: str) -> str:
    """The suggestion in the word's case: 'TOTAL', 'Total' or 'total'."""
    if len(like) > 1 and like.isupper():
        return suggestion.upper()
    if like[:1].isupper():
        return suggestion[:1].upper() + suggestion[1:]
    return suggestion
