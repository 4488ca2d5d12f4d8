# The two quick-start commands (README): `make demo` and `make test`. Both create .venv by themselves.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml 2>/dev/null | sha1sum | cut -c1-12)
PYTEST_WORKERS ?= 2

.PHONY: demo test lint format bench bench-quick bench-ceiling bench-split services install clean

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -e .
	@rm -f $(VENV)/.installed-*; touch $@

## Main job on the embedded default: the simulator + SQLite + the built-in store.
demo: $(STAMP)
	$(BIN)/amzorders demo

## The whole test suite, as CI runs it (.ci/run calls exactly this).
test: $(STAMP) services
	$(BIN)/ruff check src tests bench
	$(BIN)/pytest -n $(PYTEST_WORKERS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

services:
	@bash scripts/ensure-services
	@bash scripts/install-browser

bench: $(STAMP)
	$(BIN)/python -m bench.run

bench-quick: $(STAMP)
	$(BIN)/python -m bench.run --quick

bench-ceiling: $(STAMP)
	$(BIN)/python -m bench.ceiling

## Where the 150,000-order month's wall time goes, by component (written into BENCHMARKS.md).
bench-split: $(STAMP)
	$(BIN)/python -m bench.split month-5000 --write

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
