"""The server's settings: one typed object, read once from the environment when a process starts.

The app, gunicorn.conf.py, worker.py and scripts/ all take their values from Settings.from_env();
a shell script asks for the values it needs with `python -m settings NAME...`. `python -m settings`
alone prints every setting with its value and meaning (docs/configuration.md is the table for people).
"""

from __future__ import annotations

import json
import math
import os
import shlex
import sys
from collections.abc import Mapping, Sequence
from dataclasses import Field, dataclass, field, fields
from pathlib import Path
from typing import Any

CORES = os.cpu_count() or 1
# The values the domain accepts, kept here so that reading the settings loads no engine;
# tests/test_settings.py checks they are the domain's (ocr.engines.tesseract, web.requestlog).
TESSERACT_MODES = ("api", "cli")
ENGINE_NAMES = ("tesseract", "ppocr")
LOG_FORMATS = ("plain", "json")
TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
# a choice and the hint its error gives, as the domain's own checks word it
MODES_USE = (TESSERACT_MODES, f"one of {', '.join(TESSERACT_MODES)}")
FORMATS_USE = (LOG_FORMATS, "'plain' or 'json'")
ENGINES_USE = "'tesseract,ppocr' or 'tesseract'"


class SettingError(ValueError):
    """A setting the server cannot use: the message names the variable and what to give instead."""


def _setting(default: Any, doc: str, kind: str = "text", **options: Any) -> Any:
    """A field of Settings: its default, its one-line doc and how its variable is parsed.

    kind: text, int, number, flag, choice, engines or secret (taken as written, never shown).
    options: env (the variable, when not OCR_ + the name), blank="default" (empty counts as unset),
    minimum, choices ((values, hint)), use (the engines' hint).
    """
    return field(default=default, repr=kind != "secret", metadata={"doc": doc, "kind": kind, **options})


@dataclass(frozen=True)
class Settings:
    """Every setting of the server, typed; app.config holds them under their upper-case names."""

    # where `make run` listens (scripts/run-server, run-front) and gunicorn without it
    host: str = _setting("127.0.0.1", "the address `make run` listens on", env="HOST", blank="default")
    port: int = _setting(5000, "the port `make run` listens on", "int", env="PORT", minimum=0, blank="default")
    https: bool = _setting(False, "`make run` serves https (a phone's camera needs it)", "flag", env="HTTPS")
    tls_cert: str | None = _setting(None, "PEM certificate (with its chain) for https; turns https on", env="TLS_CERT")
    tls_key: str | None = _setting(None, "PEM key of TLS_CERT", env="TLS_KEY")
    state_dir: str | None = _setting(None, "where `make run` keeps Redis, nginx's files and gunicorn's socket")
    body_timeout_s: float = _setting(30, "under `make run`, a stalled request head or body is dropped", "number")
    workers: int = _setting(CORES, "gunicorn worker processes (default: the cores)", "int", minimum=1)
    threads: int = _setting(4, "threads of each gunicorn worker", "int", minimum=1)
    worker_name: str | None = _setting(None, "the name `make worker` gives its job worker (worker-<pid>)")
    gunicorn_bind: str | None = _setting(None, "internal: where gunicorn listens behind nginx (else HOST:PORT)")
    # what one request may cost
    max_upload_mb: float = _setting(20, "largest request body, in MB", "number", minimum=0)
    max_pixels: int = _setting(40_000_000, "largest image (width x height); also Pillow's limit", "int", minimum=1)
    timeout_s: float = _setting(60, "time budget of one engine run on a page", "number", minimum=0)
    max_pages: int = _setting(50, "most pages of a document read by POST /ocr", "int", minimum=1)
    pdf_dpi: int = _setting(300, "resolution PDF pages are rasterized at", "int", minimum=1)
    # OCR runs at once on this machine
    concurrency: int = _setting(CORES, "OCR runs at once, across processes (default: the cores)", "int", minimum=1)
    queue: int | None = _setting(None, "requests that may wait for a slot (default: 2 x CONCURRENCY)", "int", minimum=0)
    queue_wait_s: float = _setting(10, "longest wait for a slot before 503", "number", minimum=0)
    slot_dir: str | None = _setting(None, "folder of the slots' lock files; processes sharing it share the bound")
    slot_dir_owned: bool = _setting(False, "internal: gunicorn made SLOT_DIR and removes it when it stops", "flag")
    # the engines
    engines: tuple[str, ...] = _setting(
        ENGINE_NAMES, "the engines to read with; `tesseract` turns PP-OCRv6 off", "engines", use=ENGINES_USE
    )
    engine: str = _setting(
        "api", "how Tesseract runs: `api` warm in each process, `cli` a process a page", "choice", choices=MODES_USE
    )
    ppocr_concurrency: int = _setting(
        min(2, CORES), "PP-OCRv6 pages read at once, machine-wide: a dense page takes most of a GB", "int", minimum=1
    )
    ppocr_prestart: bool = _setting(False, "each process loads PP-OCRv6 as it starts, not at its first page", "flag")
    # jobs
    broker_url: str | None = _setting(None, "the Redis of the job queue (redis://, unix://); without it, no jobs")
    job_ttl_s: float = _setting(3600, "a finished job and its upload are removed this long after", "number", minimum=0)
    job_max_pages: int = _setting(500, "most pages of one job", "int", minimum=1)
    job_queue: int = _setting(2000, "job pages that may wait before POST /jobs answers 503", "int", minimum=0)
    # keys and logs
    metrics_key: str | None = _setting(None, "keys GET /metrics asks for (comma-separated)", "secret")
    api_keys: str | Sequence[str] | None = _setting(
        None, "keys POST /ocr, /jobs and POST /export ask for (or @/path/to/file)", "secret"
    )
    log_format: str = _setting("plain", "`json`: each log line one JSON object", "choice", choices=FORMATS_USE)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        """The settings the environment gives, every value checked; a bad one raises SettingError."""
        given: dict[str, Any] = {}
        for each in fields(cls):
            raw = environ.get(env_name(each))
            # an empty HOST or PORT counts as unset, as in the scripts' ${PORT:-5000}
            if raw is not None and not (raw == "" and each.metadata.get("blank") == "default"):
                given[each.name] = raw
        if not given.get("state_dir"):  # as XDG says: $XDG_STATE_HOME, else ~/.local/state
            home = environ.get("HOME") or str(Path.home())
            given["state_dir"] = os.path.join(environ.get("XDG_STATE_HOME") or f"{home}/.local/state", "ocr-server")
        return cls(**{name: _parse(_FIELDS[name], raw) for name, raw in given.items()})

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Settings:
        """Defaults, overridden by the keys of `config` named as in app.config (create_app's test config)."""
        by_key = {each.name.upper(): each for each in fields(cls)}
        return cls(**{by_key[key].name: _parse(by_key[key], value) for key, value in config.items() if key in by_key})

    def config(self) -> dict[str, Any]:
        """The settings as app.config keys: MAX_UPLOAD_MB, TIMEOUT_S, ..."""
        return {each.name.upper(): getattr(self, each.name) for each in fields(self)}

    @property
    def waiting(self) -> int:
        """Requests that may wait for an OCR slot."""
        return self.queue if self.queue is not None else 2 * self.concurrency


_FIELDS = {each.name: each for each in fields(Settings)}


def env_name(setting: Field) -> str:
    """The environment variable of a field: OCR_ and its name, or its own (HOST, PORT, TLS_CERT)."""
    return setting.metadata.get("env") or f"OCR_{setting.name.upper()}"


def _parse(setting: Field, value: Any) -> Any:
    """A field's value from its variable's text (or from a test config's value), checked."""
    kind, meta = setting.metadata["kind"], setting.metadata
    if kind == "secret":  # as written: "012345" is a key, not the number 12345
        return value
    if kind == "text":
        return str(value) if value not in (None, "") else None
    if kind == "flag":
        text = str(value).strip().lower()
        if isinstance(value, bool) or text in TRUE + FALSE + ("",):
            return value if isinstance(value, bool) else text in TRUE
        raise _error(setting, value, "1 or 0 (true/false, yes/no and on/off too)")
    if kind == "choice":
        allowed, use = meta["choices"]
        if value not in allowed:
            raise _error(setting, value, use)
        return value
    if kind == "engines":
        names = {name.strip() for name in value.split(",")} if isinstance(value, str) else set(value)
        names.discard("")
        if not names <= set(ENGINE_NAMES) or "tesseract" not in names:
            raise _error(setting, value, meta["use"])
        return tuple(name for name in ENGINE_NAMES if name in names)
    return _number(setting, value, whole=kind == "int")


def _number(setting: Field, value: Any, *, whole: bool) -> int | float:
    """A number as Flask's from_prefixed_env read it (JSON: 30 stays an int, 0.5 a float), checked."""
    minimum = setting.metadata.get("minimum")
    use = ("a whole number" if whole else "a number") + (f" of at least {minimum}" if minimum is not None else "")
    number = value
    if isinstance(value, str):
        try:
            number = json.loads(value)
        except ValueError:
            raise _error(setting, value, use) from None
    if isinstance(number, bool) or not isinstance(number, int | float) or not math.isfinite(number):
        raise _error(setting, value, use)
    if whole and number != int(number):
        raise _error(setting, value, use)
    if minimum is not None and number < minimum:
        raise _error(setting, value, use)
    return int(number) if whole else number


def _error(setting: Field, value: Any, use: str) -> SettingError:
    return SettingError(f"{env_name(setting)}={value!r}: use {use}")


def _shown(value: Any) -> str:
    """A value as a shell script reads it: unset is empty, a flag 1 or empty, a list comma-separated."""
    if value is None or value is False:
        return ""
    if value is True:
        return "1"
    if isinstance(value, tuple):
        return ",".join(value)
    return str(value)


def main(argv: list[str]) -> int:
    """`python -m settings NAME...`: each value on a line; `--shell NAME...`: NAME='value' lines to
    eval; no names: every setting, its value and its meaning. NAME is the variable (OCR_TIMEOUT_S)."""
    shell = argv[:1] == ["--shell"]
    names = argv[1:] if shell else argv
    by_env = {env_name(each): each for each in fields(Settings)}
    unknown = [name for name in names if name not in by_env]
    if unknown or names[:1] == ["--help"]:
        print(f"usage: python -m settings [--shell] NAME...; NAME one of {', '.join(by_env)}", file=sys.stderr)
        return 2
    try:
        settings = Settings.from_env()
    except SettingError as e:
        print(e, file=sys.stderr)
        return 2
    if not names:
        for name, each in by_env.items():
            shown = "(set)" if each.metadata["kind"] == "secret" and getattr(settings, each.name) else None
            print(f"{name}={shown or _shown(getattr(settings, each.name))}  # {each.metadata['doc']}")
    for name in names:
        value = _shown(getattr(settings, by_env[name].name))
        print(f"{name}={shlex.quote(value)}" if shell else value)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
