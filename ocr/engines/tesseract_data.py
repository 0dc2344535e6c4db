"""What Tesseract has installed, asked of the `tesseract` command once: its tessdata folder,
languages, orientation data and version. Both ways of running Tesseract read that folder."""

import functools
import re
import subprocess

import pytesseract

from ocr.model.errors import EngineFailure


@functools.cache
def _list_langs() -> tuple[str, tuple[str, ...]]:
    """`tesseract --list-langs`, run once: the tessdata folder and every traineddata in it.

    Both ways of running read this folder, so they offer the same languages (TESSDATA_PREFIX
    moves it for both)."""
    try:
        done = subprocess.run(
            [pytesseract.pytesseract.tesseract_cmd, "--list-langs"], capture_output=True, text=True, timeout=30
        )
    except OSError as e:
        raise EngineFailure(f"Tesseract failed: {e}") from e
    lines = done.stdout.splitlines()
    folder = re.search(r'"(.*)"', lines[0]) if lines else None
    if done.returncode or folder is None:
        raise EngineFailure(f"Tesseract failed to list its languages: {done.stderr.strip()[:200]}")
    return folder.group(1), tuple(sorted(line.strip() for line in lines[1:] if line.strip()))


def traineddata() -> tuple[str, ...]:
    """Every traineddata Tesseract has, read once: `tesseract --list-langs` is a process start."""
    return _list_langs()[1]


def tessdata() -> str:
    """The folder Tesseract reads its traineddata from."""
    return _list_langs()[0]


def installed_languages() -> tuple[str, ...]:
    """Recognition languages Tesseract has data for ('osd' is orientation data, not a language)."""
    return tuple(lang for lang in traineddata() if lang != "osd")


def has_osd() -> bool:
    return "osd" in traineddata()


@functools.cache
def command_line_version() -> str:
    """The version of the `tesseract` command (Debian's)."""
    return str(pytesseract.get_tesseract_version())
