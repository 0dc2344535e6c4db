"""Words read on a prepared image, moved back to the pixels of the upright original page."""

from dataclasses import replace

from ocr.model.geometry import Affine
from ocr.model.result import Word
from ocr.preprocess import Prepared


def in_original(words: tuple[Word, ...], prepared: Prepared, size: tuple[int, int]) -> tuple[Word, ...]:
    """`words` read on `prepared.image`, boxed in the original page of `size` instead."""
    back = prepared.transform.inverse()
    return tuple(_moved(word, back, size) for word in words)


def _moved(word: Word, back: Affine, bounds: tuple[int, int]) -> Word:
    left, top, width, height = back.map_box(word.left, word.top, word.width, word.height, bounds=bounds)
    return replace(word, left=left, top=top, width=width, height=height)
