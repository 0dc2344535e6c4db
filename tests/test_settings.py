"""settings.py: every setting read once from the environment, typed and checked, in one table.

The table cannot drift: every field is in docs/configuration.md, and every OCR_* variable the code
names is a field. Bad values stop the start with a message naming the variable and what to give.
"""

import re
import runpy
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

from app import create_app
from ocr.engines import ppocr, tesseract
from settings import ENGINE_NAMES, LOG_FORMATS, TESSERACT_MODES, SettingError, Settings, env_name
from web import requestlog

ROOT = Path(__file__).resolve().parent.parent
VARIABLE = re.compile(r"\bOCR_[A-Z][A-Z0-9_]*[A-Z0-9]\b")
NAMES = {env_name(each) for each in fields(Settings)}


def code_files() -> list[Path]:
    """The project's code, scripts and systemd units: everywhere a variable could be read (the
    Makefile's OCR_PACKAGES is make's own variable; it reads none)."""
    found = [*ROOT.glob("*.py"), *(ROOT / "scripts").iterdir(), *(ROOT / "deploy").glob("*.service")]
    for package in ("web", "ocr", "jobs", "bench", "tests"):
        found += (ROOT / package).rglob("*.py")
    return [path for path in found if path.is_file() and path.name != "test_settings.py"]


# --- one table ----------------------------------------------------------------


def test_every_setting_is_in_the_configuration_table():
    table = (ROOT / "docs" / "configuration.md").read_text()
    missing = sorted(name for name in NAMES if f"`{name}`" not in table)
    assert missing == [], f"add these to docs/configuration.md: {missing}"


def test_every_ocr_variable_in_the_table_is_a_setting():
    table = (ROOT / "docs" / "configuration.md").read_text()
    assert sorted(set(VARIABLE.findall(table)) - NAMES) == []


def test_every_ocr_variable_the_code_names_is_a_setting():
    named = {name: path for path in code_files() for name in VARIABLE.findall(path.read_text(errors="replace"))}
    unknown = {name: str(path.relative_to(ROOT)) for name, path in named.items() if name not in NAMES}
    assert unknown == {}, "read these through settings.py, and document them"


def test_only_settings_py_reads_ocr_variables():
    """No os.environ["OCR_..."] or ${OCR_...:-default} elsewhere: the scripts ask settings.py."""
    reads = re.compile(r"environ(?:\.get\(|\[)['\"]OCR_\w+['\"][\])](?!\s*=[^=])|\$\{OCR_\w+:-")  # not a write
    readers = [str(path.relative_to(ROOT)) for path in code_files() if reads.search(path.read_text(errors="replace"))]
    assert [path for path in readers if not path.startswith(("tests/", "bench/"))] == []


def test_the_choices_are_the_domains():
    assert TESSERACT_MODES == tesseract.MODES and Settings().engine == tesseract.DEFAULT_MODE
    assert LOG_FORMATS == requestlog.FORMATS
    assert ENGINE_NAMES == ("tesseract", ppocr.NAME)


def test_every_field_has_a_doc():
    assert [each.name for each in fields(Settings) if not each.metadata.get("doc")] == []


# --- parsing --------------------------------------------------------------------


def test_defaults_without_variables():
    settings = Settings.from_env({"HOME": "/home/someone"})
    assert (settings.host, settings.port, settings.timeout_s, settings.max_upload_mb) == ("127.0.0.1", 5000, 60, 20)
    assert settings.engines == ("tesseract", "ppocr") and settings.engine == "api"
    assert settings.queue is None and settings.waiting == 2 * settings.concurrency
    assert settings.broker_url is None and settings.api_keys is None and settings.log_format == "plain"
    assert settings.state_dir == "/home/someone/.local/state/ocr-server"


def test_numbers_are_read_as_json_reads_them():
    """As Flask's from_prefixed_env read them: 30 stays an int (messages show "30 s"), 0.5 a float."""
    settings = Settings.from_env(
        {"OCR_TIMEOUT_S": "30", "OCR_MAX_UPLOAD_MB": "0.5", "OCR_MAX_PIXELS": "4e6", "OCR_QUEUE": "0", "PORT": "8000"}
    )
    assert settings.timeout_s == 30 and isinstance(settings.timeout_s, int)
    assert settings.max_upload_mb == 0.5
    assert settings.max_pixels == 4_000_000 and isinstance(settings.max_pixels, int)
    assert (settings.queue, settings.waiting, settings.port) == (0, 0, 8000)


def test_text_and_keys_are_taken_as_written():
    settings = Settings.from_env({"OCR_API_KEYS": "012345, 0x10 ", "OCR_METRICS_KEY": "12345", "HOST": "::"})
    assert (settings.api_keys, settings.metrics_key, settings.host) == ("012345, 0x10 ", "12345", "::")
    assert "012345" not in repr(settings) and "12345" not in repr(settings)


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"HTTPS": "1"}, True),
        ({"HTTPS": "yes"}, True),
        ({"HTTPS": "On"}, True),
        ({"HTTPS": ""}, False),  # the Makefile's empty HTTPS
        ({"HTTPS": "0"}, False),
        ({"HTTPS": "false"}, False),
    ],
)
def test_flags(environ, expected):
    assert Settings.from_env(environ).https is expected


def test_an_empty_host_port_or_folder_counts_as_unset():
    settings = Settings.from_env({"HOST": "", "PORT": "", "TLS_CERT": "", "OCR_BROKER_URL": "", "XDG_STATE_HOME": "/s"})
    assert (settings.host, settings.port, settings.tls_cert, settings.broker_url) == ("127.0.0.1", 5000, None, None)
    assert settings.state_dir == "/s/ocr-server"


def test_engines_are_checked_and_kept_in_order():
    assert Settings.from_env({"OCR_ENGINES": " ppocr , tesseract"}).engines == ("tesseract", "ppocr")
    assert Settings.from_env({"OCR_ENGINES": "tesseract"}).engines == ("tesseract",)


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("OCR_TIMEOUT_S", "abc", "OCR_TIMEOUT_S='abc': use a number of at least 0"),
        ("OCR_TIMEOUT_S", "-1", "OCR_TIMEOUT_S='-1': use a number of at least 0"),
        ("OCR_TIMEOUT_S", "NaN", "OCR_TIMEOUT_S='NaN': use a number"),
        ("OCR_TIMEOUT_S", "true", "OCR_TIMEOUT_S='true': use a number"),
        ("OCR_CONCURRENCY", "0", "OCR_CONCURRENCY='0': use a whole number of at least 1"),
        ("OCR_CONCURRENCY", "2.5", "OCR_CONCURRENCY='2.5': use a whole number of at least 1"),
        ("OCR_CONCURRENCY", "", "OCR_CONCURRENCY='': use a whole number"),
        ("PORT", "http", "PORT='http': use a whole number of at least 0"),
        ("OCR_ENGINE", "fast", "OCR_ENGINE='fast': use one of api, cli"),
        ("OCR_ENGINES", "ppocr", "OCR_ENGINES='ppocr': use 'tesseract,ppocr' or 'tesseract'"),
        ("OCR_ENGINES", "tesseract,abbyy", "OCR_ENGINES='tesseract,abbyy': use 'tesseract,ppocr' or 'tesseract'"),
        ("OCR_ENGINES", "", "OCR_ENGINES='': use 'tesseract,ppocr' or 'tesseract'"),
        ("OCR_LOG_FORMAT", "xml", "OCR_LOG_FORMAT='xml': use 'plain' or 'json'"),
        ("OCR_PPOCR_PRESTART", "maybe", "OCR_PPOCR_PRESTART='maybe': use 1 or 0"),
        ("HTTPS", "please", "HTTPS='please': use 1 or 0"),
    ],
)
def test_a_bad_value_names_the_variable_and_what_to_give(name, value, says):
    with pytest.raises(SettingError) as raised:
        Settings.from_env({name: value})
    assert str(raised.value).startswith(says)


def test_a_bad_variable_stops_the_app(monkeypatch, tmp_path):
    monkeypatch.setenv("OCR_SLOT_DIR", str(tmp_path))
    monkeypatch.setenv("OCR_MAX_PAGES", "many")
    with pytest.raises(ValueError, match="OCR_MAX_PAGES='many': use a whole number"):
        create_app()


def test_a_test_config_overrides_the_defaults_by_config_key(tmp_path):
    settings = Settings.from_config({"TESTING": True, "TIMEOUT_S": 0.05, "ENGINES": "tesseract", "QUEUE": 0})
    assert (settings.timeout_s, settings.engines, settings.queue) == (0.05, ("tesseract",), 0)
    app = create_app({"TESTING": True, "SLOT_DIR": str(tmp_path), "ENGINES": "tesseract", "MAX_UPLOAD_MB": 1})
    assert app.config["TESTING"] is True and app.config["ENGINES"] == ("tesseract",)
    assert (app.config["MAX_UPLOAD_MB"], app.config["MAX_CONTENT_LENGTH"], app.config["TIMEOUT_S"]) == (1, 2**20, 60)


# --- who reads them ---------------------------------------------------------------


def run_settings(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "settings", *args],
        cwd=ROOT,
        env={"HOME": "/home/x"} | env,
        capture_output=True,
        text=True,
    )


def test_a_script_asks_for_values():
    done = run_settings("OCR_TIMEOUT_S", "HTTPS", "OCR_BROKER_URL", "OCR_ENGINES", env={"HTTPS": "yes"})
    assert (done.returncode, done.stdout) == (0, "60\n1\n\ntesseract,ppocr\n")


def test_a_shell_script_evals_quoted_assignments():
    done = run_settings("--shell", "OCR_STATE_DIR", "HOST", env={"OCR_STATE_DIR": "/tmp/it's here", "HOST": ""})
    assert done.returncode == 0
    shown = subprocess.run(["sh", "-c", f'{done.stdout}\necho "$OCR_STATE_DIR|$HOST"'], capture_output=True, text=True)
    assert shown.stdout == "/tmp/it's here|127.0.0.1\n"


def test_a_script_stops_on_a_bad_value_or_an_unknown_name():
    done = run_settings("HOST", env={"OCR_TIMEOUT_S": "soon"})
    assert (done.returncode, done.stdout) == (2, "")
    assert "OCR_TIMEOUT_S='soon': use a number" in done.stderr
    done = run_settings("OCR_TIMEOUT", env={})
    assert done.returncode == 2 and "usage" in done.stderr


def test_the_table_shows_every_setting_but_no_key():
    done = run_settings(env={"OCR_API_KEYS": "s3cret"})
    assert done.returncode == 0 and "s3cret" not in done.stdout
    assert [line.split("=")[0] for line in done.stdout.splitlines()] == [env_name(each) for each in fields(Settings)]


def test_gunicorn_takes_its_values_from_the_settings(monkeypatch):
    for name, value in {"HOST": "0.0.0.0", "PORT": "8123", "OCR_WORKERS": "3", "OCR_TIMEOUT_S": "20"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("OCR_GUNICORN_BIND", raising=False)
    monkeypatch.delenv("OCR_QUEUE_WAIT_S", raising=False)
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert (config["bind"], config["workers"], config["threads"]) == ("0.0.0.0:8123", 3, 4)
    assert (config["timeout"], config["graceful_timeout"]) == (20 + 10 + 30, 20 + 5)
    monkeypatch.setenv("OCR_GUNICORN_BIND", "unix:/run/ocr.sock")
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["bind"] == "unix:/run/ocr.sock"
