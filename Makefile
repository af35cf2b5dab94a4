# Everything the project needs is installed by these targets; see README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The voting pages' script: built from js/ by setup.py's build_bundle (npm ci, node build.mjs),
# the same step that puts it in a wheel; remade when a source is newer.
BUNDLE := src/tellers/web/static/tellers/tellers.js
JS_SOURCES := js/package.json js/package-lock.json js/build.mjs $(wildcard js/src/*.js)

.PHONY: demo test lint bench bundle translations

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

$(BUNDLE): $(JS_SOURCES) | $(STAMP)
	$(BIN)/python -c 'import runpy, sys; sys.exit(runpy.run_path("setup.py")["bundle_command"]())'

bundle: $(BUNDLE)

## The main job: a whole election simulated, recorded and verified; afterwards
## `.venv/bin/tellers serve` serves the web demo (the bundle is built here too).
demo: $(STAMP) $(BUNDLE)
	$(BIN)/tellers demo

## The test suite: lint, types, then every test (slow scale runs excluded).
## scripts/setup-test-env installs Chromium and nginx, the browser module's npm
## packages and bundle, and starts PostgreSQL with its test database.
test: $(STAMP) $(BUNDLE)
	bash scripts/setup-test-env
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2

## Translations (docs/translating.md): gather new strings from the templates and Python into
## the Welsh and Polish catalogues, keeping what is translated, compile them, and say what is
## still to translate. Installs Debian's gettext when missing.
translations: $(STAMP)
	bash scripts/translations

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/mypy

## Benchmarks: print figures and record them in docs/performance.md.
bench: $(STAMP)
	$(BIN)/tellers bench all
