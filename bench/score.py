"""Text normalisation and character/word error rates for OCR output."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence


def normalize(text: str, *, caseless: bool = False) -> str:
    """NFC-normalise, fold every whitespace run to one space, strip; optionally casefold."""
    text = " ".join(unicodedata.normalize("NFC", text).split())
    return text.casefold() if caseless else text


def edit_distance(a: Sequence, b: Sequence) -> int:
    """Levenshtein distance between two sequences of hashable items.

    Bit-parallel (Myers 1999, Hyyro 2001): one Python big-int holds a whole DP column, so each
    item of b costs a few integer operations instead of a loop over a.
    """
    if not a:
        return len(b)
    match: dict = {}
    for i, item in enumerate(a):
        match[item] = match.get(item, 0) | (1 << i)
    full = (1 << len(a)) - 1
    last = 1 << (len(a) - 1)
    pos, neg = full, 0  # vertical +1 / -1 deltas of the current column
    dist = len(a)
    for item in b:
        eq = match.get(item, 0)
        xv = eq | neg
        xh = ((((eq & pos) + pos) & full) ^ pos) | eq
        hpos = neg | (~(xh | pos) & full)
        hneg = pos & xh
        if hpos & last:
            dist += 1
        elif hneg & last:
            dist -= 1
        # Row 0 of a global alignment grows by one per column, hence the carried-in 1.
        hpos = ((hpos << 1) | 1) & full
        hneg = (hneg << 1) & full
        pos = hneg | (~(xv | hpos) & full)
        neg = hpos & xv
    return dist


def cer(reference: str, hypothesis: str, *, caseless: bool = False) -> float:
    """Character error rate: edit distance over the normalised reference length."""
    ref, hyp = normalize(reference, caseless=caseless), normalize(hypothesis, caseless=caseless)
    return edit_distance(ref, hyp) / max(1, len(ref))


def wer(reference: str, hypothesis: str, *, caseless: bool = False) -> float:
    """Word error rate: edit distance over whitespace-separated words / reference word count."""
    ref = normalize(reference, caseless=caseless).split()
    hyp = normalize(hypothesis, caseless=caseless).split()
    return edit_distance(ref, hyp) / max(1, len(ref))


def target_check(target: str, summary: dict, reading: str, limit: float) -> dict:
    """One benchmark target: the reading's mean CER in `summary` against `limit`."""
    cer_ = summary[f"cer_{reading}"]
    return {"target": target, "reading": reading, "cer": cer_, "limit": limit, "passed": cer_ <= limit}
