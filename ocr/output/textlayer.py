"""The invisible text layer of a PDF page: each word read, laid over its place in the picture.

The words are drawn in render mode 3 (neither filled nor stroked), so only where they are
matters: selection, search and copying find them on the words in the picture. The font is
Helvetica, one of the 14 every PDF reader has, so nothing is embedded. Each font resource
covers up to 223 of the page's characters, with codes from 33 and a ToUnicode map, so any
script copies and searches as read. Every glyph gets the same width, and horizontal
scaling (Tz) stretches each word to its box.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ocr.layout import groups
from ocr.layout.groups import Line
from ocr.model.geometry import Affine, union
from ocr.model.result import Word
from ocr.output.pdfwriter import PdfWriter, number, ref

FIRST_CODE = 33  # below it are control codes and 32, which readers may treat as a word space
CODES_PER_FONT = 256 - FIRST_CODE
GLYPH_WIDTH = 500  # thousandths of the font size
# The top and bottom of Helvetica's font box, as fractions of the font size: a line's box
# spans both, so a reader's selection of a word (pdfium's, Chromium's) covers the word's box
ASCENT, DESCENT = 0.931, 0.225
# a line this many times taller than wide runs down or up the page
VERTICAL_SHAPE = 2
BFCHAR_LIMIT = 100  # entries one beginbfchar section may hold
_CMAP_HEAD = """/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
/CMapName /Adobe-Identity-UCS def
/CMapType 2 def
1 begincodespacerange
<00> <FF>
endcodespacerange
"""
_CMAP_TAIL = """endcmap
CMapName currentdict /CMap defineresource pop
end
end
"""


@dataclass(frozen=True)
class TextLayer:
    """Content-stream operators that draw the words, and the characters each font /F0, /F1... encodes."""

    content: bytes
    fonts: tuple[str, ...]


def text_layer(words: Sequence[Word], *, size: tuple[int, int], placement: Affine, clockwise: int = 0) -> TextLayer:
    """Draw `words` (boxes in pixels of a page of `size`, y down) where `placement` maps that
    page onto the PDF's (points, y up), line by line in reading order, so extraction reads them so.

    `clockwise` is how far the page was turned to be read (the orient step): its text runs
    across the picture that way, and the layer's words must run with it.
    """
    words, size, back = _turned(words, -clockwise, size)
    placement = back.then(placement)
    charset = _Charset()
    operators = ["BT", "3 Tr"]
    for block in groups.blocks(words):
        for paragraph in block.members:
            for line in paragraph.members:
                upright, _, line_back = _turned(line.members, _line_turn(line), size)
                operators += _line(upright, line_back.then(placement), charset)
    operators.append("ET")
    return TextLayer("\n".join(operators).encode("ascii"), charset.fonts())


def write_fonts(writer: PdfWriter, fonts: tuple[str, ...]) -> str:
    """Write the layer's fonts with their ToUnicode maps; returns the page's /Font resource entries."""
    entries = []
    for index, characters in enumerate(fonts):
        to_unicode = writer.stream("", _to_unicode(characters), compress=True)
        widths = " ".join([str(GLYPH_WIDTH)] * len(characters))
        font = writer.add(
            f"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /FirstChar {FIRST_CODE} "
            f"/LastChar {FIRST_CODE + len(characters) - 1} /Widths [{widths}] /ToUnicode {ref(to_unicode)} >>"
        )
        entries.append(f"/F{index} {ref(font)}")
    return " ".join(entries)


def _line_turn(line: Line) -> int:
    """Degrees counter-clockwise that stand a line upright: Tesseract reads a sideways column
    without turning the page, and gives it a tall box. A line of several words runs the way
    its words follow each other; a single word is taken to run down, as on a page turned clockwise."""
    box, words = line.box, line.members
    if box.height < VERTICAL_SHAPE * box.width or sum(len(word.text) for word in words) < 2:
        return 0
    return -90 if words[-1].top < words[0].top else 90


def _turned(
    words: Sequence[Word], degrees: int, size: tuple[int, int]
) -> tuple[tuple[Word, ...], tuple[int, int], Affine]:
    """The words on the page turned `degrees` counter-clockwise, that page's size, and the map back."""
    if degrees % 360 == 0:
        return tuple(words), size, Affine()
    turned = size if degrees % 180 == 0 else (size[1], size[0])
    forward = Affine.rotation(degrees, old_size=size, new_size=turned)
    return tuple(_map(word, forward, turned) for word in words), turned, forward.inverse()


def _map(word: Word, affine: Affine, bounds: tuple[int, int]) -> Word:
    left, top, width, height = affine.map_box(word.left, word.top, word.width, word.height, bounds=bounds)
    return replace(word, left=left, top=top, width=width, height=height)


def _line(words: tuple[Word, ...], placement: Affine, charset: "_Charset") -> list[str]:
    """One upright line: every word on the line's baseline at the line's size, a space stretched over each gap."""
    box = union(word.box for word in words)
    size = max(box.height, 1) / (ASCENT + DESCENT)  # pixels
    baseline = box.bottom - DESCENT * size
    # the direction the text runs on the PDF page: along the placement's x axis
    angle = math.atan2(placement.d, placement.a)
    cos, sin = math.cos(angle), math.sin(angle)
    operators = []
    for word, following in zip(words, (*words[1:], None), strict=True):
        x, y = placement.apply(word.left, baseline)
        operators.append(" ".join(number(v) for v in (cos, sin, -sin, cos, x, y)) + " Tm")
        operators += _show(word.text, word.width, size * placement.scale, size, charset)
        if following is not None:  # an explicit space, so extraction separates the words
            gap = max(following.left - word.left - word.width, 1)
            operators += _show(" ", gap, size * placement.scale, size, charset)
    return operators


def _show(text: str, width: float, points: float, size: float, charset: "_Charset") -> list[str]:
    """Show text at `points` size, stretched to `width` pixels (the font size being `size` pixels)."""
    stretch = 100 * width / (len(text) * GLYPH_WIDTH / 1000 * size)
    operators = [f"{number(stretch)} Tz"]
    for font, codes in charset.encode(text):
        operators.append(f"/F{font} {number(points)} Tf <{codes}> Tj")
    return operators


class _Charset:
    """Codes for the page's characters, in order of first use, CODES_PER_FONT to a font."""

    def __init__(self) -> None:
        self._codes: dict[str, tuple[int, int]] = {}

    def encode(self, text: str) -> list[tuple[int, str]]:
        """Runs of (font index, hex codes)."""
        runs: list[tuple[int, str]] = []
        for char in text:
            font, code = self._codes.setdefault(char, divmod(len(self._codes), CODES_PER_FONT))
            hex_code = f"{FIRST_CODE + code:02x}"
            if runs and runs[-1][0] == font:
                runs[-1] = (font, runs[-1][1] + hex_code)
            else:
                runs.append((font, hex_code))
        return runs

    def fonts(self) -> tuple[str, ...]:
        characters = "".join(self._codes)
        return tuple(characters[start : start + CODES_PER_FONT] for start in range(0, len(characters), CODES_PER_FONT))


def _to_unicode(characters: str) -> bytes:
    """The CMap that turns each code back into its character, for copying and searching."""
    pairs = [f"<{FIRST_CODE + code:02x}> <{char.encode('utf-16-be').hex()}>" for code, char in enumerate(characters)]
    sections = [pairs[start : start + BFCHAR_LIMIT] for start in range(0, len(pairs), BFCHAR_LIMIT)]
    body = "".join(f"{len(section)} beginbfchar\n" + "\n".join(section) + "\nendbfchar\n" for section in sections)
    return (_CMAP_HEAD + body + _CMAP_TAIL).encode("ascii")
