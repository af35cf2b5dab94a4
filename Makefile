# Everything the project needs is installed by these targets; see README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

## The main job: a whole election simulated, recorded and verified.
demo: $(STAMP)
	$(BIN)/tellers demo

## The test suite: lint, types, then every test (slow scale runs excluded).
## scripts/setup-test-env installs Chromium, the browser module's npm packages
## and bundle, and starts PostgreSQL with its test database.
test: $(STAMP)
	bash scripts/setup-test-env
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/mypy

## Benchmarks: print figures and record them in docs/performance.md.
bench: $(STAMP)
	$(BIN)/tellers bench all
