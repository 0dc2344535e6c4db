"""OcrResult and Word, and their renderings as plain text and JSON."""

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Word:
    """One recognized word and its box, in pixels of the upright original image."""

    text: str
    confidence: float
    left: int
    top: int
    width: int
    height: int
    block: int
    paragraph: int
    line: int


@dataclass(frozen=True)
class OcrResult:
    """Everything one recognition produced."""

    text: str
    lang: str
    psm: int
    width: int
    height: int
    words: tuple[Word, ...] = ()
    preprocess: tuple[str, ...] = ()
    preprocess_params: dict[str, dict] = field(default_factory=dict)
    timings_ms: dict[str, int] = field(default_factory=dict)

    @property
    def confidence(self) -> float:
        """Mean word confidence (0-100), 0 when nothing was read."""
        if not self.words:
            return 0.0
        return round(sum(w.confidence for w in self.words) / len(self.words), 1)

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "confidence": self.confidence,
            "lang": self.lang,
            "psm": self.psm,
            "preprocess": list(self.preprocess),
            "preprocess_params": self.preprocess_params,
            "image": {"width": self.width, "height": self.height},
            "words": [asdict(w) for w in self.words],
            "timings_ms": self.timings_ms,
        }


def join_words(words: tuple[Word, ...]) -> str:
    """Text laid out as Tesseract prints it: words by spaces, lines by newlines, a blank line between paragraphs."""
    paragraphs: list[list[list[str]]] = []
    last_paragraph = last_line = None
    for word in words:
        paragraph_key = (word.block, word.paragraph)
        if paragraph_key != last_paragraph:
            paragraphs.append([])
            last_paragraph, last_line = paragraph_key, None
        if word.line != last_line:
            paragraphs[-1].append([])
            last_line = word.line
        paragraphs[-1][-1].append(word.text)
    return "\n\n".join("\n".join(" ".join(line) for line in lines) for lines in paragraphs)
