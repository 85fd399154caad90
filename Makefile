# The two commands of the README's quick start: `make demo` and `make test`.
# Each sets up the virtual environment it needs first, so both work on a fresh clone.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint security setup clean

$(BIN)/alarmclock: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

setup: $(BIN)/alarmclock

demo: setup
	$(BIN)/alarmclock simulate --every 1m --duration 24h --seed 7

lint: setup
	$(BIN)/ruff check src tests scripts benchmarks examples
	$(BIN)/ruff format --check src tests scripts benchmarks examples
	$(BIN)/mypy

# checkov lives in a virtual environment of its own: checkov 3.3.30 pins boto3==1.35.49 and
# packaging<24, which would downgrade the project's boto3 and break pytest (packaging>=24).
# The exact pin keeps the verdict from changing under us when a checkov release adds checks:
# raise it on purpose, then fix or suppress (alarmclock.template.CHECKOV_SKIPS) what it finds.
# The first install takes about 40 s and 290 MB; the scan itself about 6 s.
CHECKOV_VERSION := 3.3.30
CHECKOV_VENV := $(VENV)/checkov

$(CHECKOV_VENV)/installed-$(CHECKOV_VERSION):
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet 'checkov==$(CHECKOV_VERSION)'
	touch $@

# Every template variant, scanned offline; fails on any failed check (tests/test_security.py too).
security: setup $(CHECKOV_VENV)/installed-$(CHECKOV_VERSION)
	$(BIN)/python scripts/scan_variants.py $(CHECKOV_VENV)/bin/checkov

test: lint security
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
