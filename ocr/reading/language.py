"""lang=auto: read the page once, identify its language, and read it again in that language when it differs."""

import time
from dataclasses import replace

from ocr.engines import language_id, tesseract_data
from ocr.input.images import DecodedImage, Pages
from ocr.model.options import AUTO, DEFAULT_LANG, OcrOptions
from ocr.model.result import PageResult, ReadingWarning
from ocr.reading import page
from ocr.reading.cautions import LOW_CONFIDENCE
from ocr.reading.engines import Engines

# The reading in the language identified is kept unless the first was surer by more than this
# (mean confidence, 0-100): on a near tie the right language's model is the better bet.
FIRST_READING_MARGIN = 5.0
# A language other than the one read is named only on this many words: on fewer, lingua's trigrams
# called a 9-word English receipt Swedish (a Greek page read as English keeps 17 words of it).
MIN_WORDS_TO_SWITCH = 12


def read_page(
    pages: Pages, index: int, options: OcrOptions, *, timeout_s: float, engines: Engines
) -> tuple[PageResult, DecodedImage]:
    """page.read_page(), with lang=auto resolved: the result names the language found as `detected_lang`,
    and times the readings not kept as `language`."""
    if options.lang != AUTO:
        return page.read_page(pages, index, options, timeout_s=timeout_s, engines=engines)
    started = time.perf_counter()
    installed = tesseract_data.installed_languages()
    first = DEFAULT_LANG if DEFAULT_LANG in installed else installed[0]
    result, decoded = _read(pages, index, options, first, timeout_s=timeout_s, engines=engines)
    if result.confidence < LOW_CONFIDENCE[result.engine]:
        # a reading its engine doubts (handwriting, a poor photo) is too garbled to tell: lingua's
        # trigrams name a language for any garble, sure of it. The page is read once.
        return result, decoded
    candidates = set(installed) | set(language_id.WIDELY_USED)
    said = result.text  # the text the language is told from
    found = language_id.identify(said, candidates)
    others = [lang for lang in installed if lang != first]
    if found is None and others and len(language_id.words(result.text)) < language_id.MIN_WORDS <= len(result.words):
        # marks read, but hardly a word among them: another script (Cyrillic...) the first language
        # cannot spell. Tesseract reads the page with every other installed language, and that
        # reading is identified instead. Latin-script garble (handwriting) is not read again.
        alone = replace(options, engine="tesseract")
        probe, _ = _read(pages, index, alone, "+".join(others), timeout_s=timeout_s, engines=engines)
        said = probe.text
        found = language_id.identify(said, candidates)
    if found not in (None, first) and len(language_id.words(said)) < MIN_WORDS_TO_SWITCH:
        found = None  # too few words to overrule the language read
    if found is not None and found not in installed:
        result = replace(result, warnings=(*result.warnings, _not_installed(found, first, installed)))
    elif found not in (None, first):
        spent = time.perf_counter() - started
        again, decoded = _read(pages, index, options, found, timeout_s=timeout_s, engines=engines)
        if again.confidence + FIRST_READING_MARGIN >= result.confidence:
            result = replace(again, timings_ms={**again.timings_ms, "language": round(spent * 1000)})
    return replace(result, detected_lang=found), decoded


def _read(
    pages: Pages, index: int, options: OcrOptions, lang: str, *, timeout_s: float, engines: Engines
) -> tuple[PageResult, DecodedImage]:
    return page.read_page(pages, index, replace(options, lang=lang), timeout_s=timeout_s, engines=engines)


def _not_installed(lang: str, first: str, installed: tuple[str, ...]) -> ReadingWarning:
    langs = " ".join(dict.fromkeys((*installed, lang)))
    return ReadingWarning(
        "language_not_installed",
        f"This page looks {language_id.name(lang)} ({lang}), which this server cannot read: Tesseract has no "
        f"{lang!r} data, so it was read as {first!r} and letters may be wrong. Install it with "
        f'make run LANGS="{langs}" (or sudo apt-get install tesseract-ocr-{lang}).',
    )
