# Two commands do everything on a fresh Debian/Ubuntu machine: `make run` and `make test`.
# HOST and PORT (default 127.0.0.1:5000) and the OCR_* settings are read by settings.py
LANGS ?= eng
# HTTPS=1 serves https (a phone's camera needs it): with TLS_CERT/TLS_KEY, or a generated certificate
HTTPS ?=
TLS_CERT ?=
TLS_KEY ?=
export HOST PORT HTTPS TLS_CERT TLS_KEY
export PIPENV_VENV_IN_PROJECT := 1
export PIPENV_YES := 1
export PIPENV_NOSPIN := 1

PYTHON ?= python3
PIPENV := $(PYTHON) -m pipenv
OCR_PACKAGES := tesseract-ocr tesseract-ocr-osd $(addprefix tesseract-ocr-,$(subst _,-,$(filter-out eng osd,$(LANGS)))) tesseract-ocr-eng
# tesserocr (Tesseract inside the server, OCR_ENGINE=api) is built against Debian's libtesseract,
# so it is the same Tesseract as the command's and reads every page as it does; its wheel brings
# Tesseract 5.5, whose readings differ (docs/decisions/0004). Built once by `pipenv sync`, about a minute.
TESSEROCR_BUILD_PACKAGES := libtesseract-dev libleptonica-dev pkg-config g++
export PIP_NO_BINARY := tesserocr
# for `make run` alone: the private Redis of the job queue, and nginx (with Lua, for its 408)
# in front of gunicorn, openssl for HTTPS=1; workers elsewhere need only Tesseract
SERVER_PACKAGES := redis-server nginx libnginx-mod-http-lua openssl
# the languages the tests read with lang=auto and by name: two Latin-script ones and two other scripts
TEST_LANGS := fra deu ell rus
TEST_PACKAGES := $(SERVER_PACKAGES) chromium fonts-dejavu-core fonts-liberation fonts-dkg-handwriting \
	$(addprefix tesseract-ocr-,$(TEST_LANGS))

.PHONY: run worker test test-fast system-deps server-deps test-system-deps pipenv bench-accuracy bench-speed bench-faults lint

run: system-deps server-deps .venv/.synced-run
	$(PIPENV) run scripts/run-server

worker: system-deps .venv/.synced-run
	$(PIPENV) run scripts/run-worker

# the full suite, as CI runs it: the checks of the code first, then every test tier
test: system-deps test-system-deps .venv/.synced-dev lint
	$(PIPENV) run pytest

# unit and API tests: no Chromium, no live servers, no job workers
test-fast: system-deps .venv/.synced-dev
	$(PIPENV) run pytest -m "not full" --numprocesses auto

bench-accuracy: system-deps test-system-deps .venv/.synced-dev
	$(PIPENV) run python -m bench.accuracy && $(PIPENV) run python -m bench.word_accuracy \
		&& $(PIPENV) run python -m bench.tables_accuracy

bench-speed: system-deps test-system-deps .venv/.synced-dev
	$(PIPENV) run python -m bench.speed && $(PIPENV) run python -m bench.second_engine && $(PIPENV) run python -m bench.jobs

# make run under load, one process of each kind killed in turn (about 50 s)
bench-faults: system-deps test-system-deps .venv/.synced-dev
	$(PIPENV) run python -m bench.faults

# style and bugs (ruff), the layering contract and no import cycles (import-linter), types (mypy)
lint: .venv/.synced-dev
	$(PIPENV) run ruff check .
	$(PIPENV) run lint-imports --no-cache
	$(PIPENV) run mypy

system-deps:
	@scripts/ensure-debian-packages $(OCR_PACKAGES) $(TESSEROCR_BUILD_PACKAGES) python3-pip

server-deps:
	@scripts/ensure-debian-packages $(SERVER_PACKAGES)

test-system-deps:
	@scripts/ensure-debian-packages $(TEST_PACKAGES)

pipenv:
	@$(PYTHON) -m pipenv --version >/dev/null 2>&1 || PIP_BREAK_SYSTEM_PACKAGES=1 $(PYTHON) -m pip install --user --quiet pipenv

.venv/.synced-run: Pipfile.lock | pipenv
	$(PIPENV) sync
	touch $@

.venv/.synced-dev: Pipfile.lock | pipenv
	$(PIPENV) sync --dev
	touch $@ .venv/.synced-run
