# The two commands of the README: `make demo` and `make test`; `make docs` builds the site and
# `make dist` the package. Each sets up what it needs in .venv first, so all work on a fresh clone.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test check lint checkov security mutation setup docs dist clean

# Each install leaves a stamp in .venv and is redone when pyproject.toml changes. The demo needs the
# package alone (boto3, click, PyYAML): a fresh clone's `make demo` installs no test tools, no CDK.
# The test extra holds the docs extra, so after `make setup` the docs install is a no-op.
$(VENV)/.created:
	$(PYTHON) -m venv $(VENV)
	touch $@

$(VENV)/.installed-demo: pyproject.toml $(VENV)/.created
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-docs: pyproject.toml $(VENV)/.created
	$(BIN)/pip install --quiet -e '.[docs]'
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.created
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

setup: $(VENV)/.installed-test

# The command as a prerequisite means the test extra installed, as it did when its file was the stamp.
$(BIN)/alarmclock: $(VENV)/.installed-test
	touch $@

demo: $(VENV)/.installed-demo
	$(BIN)/alarmclock simulate --every 1m --duration 24h --seed 7

# The documentation site (mkdocs.yml) into site/, strict: any warning (a broken link or anchor, a
# page missing from the nav, an include that is not there) fails the build.
docs: $(VENV)/.installed-docs
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

# The sdist and the wheel into dist/, each checked as PyPI will render and accept it.
dist: setup
	rm -rf dist
	$(BIN)/python -m build --outdir dist
	$(BIN)/twine check --strict dist/*

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

checkov: $(CHECKOV_VENV)/installed-$(CHECKOV_VERSION)

# Every template variant, scanned offline, on its own; fails on any failed check.
security: setup checkov
	$(BIN)/python scripts/scan_variants.py $(CHECKOV_VENV)/bin/checkov

# The ci hypothesis profile: every property test at full strength, whatever HYPOTHESIS_PROFILE says
# in the caller's environment (tests/conftest.py; `dev` runs fewer examples, for local use only).
# checkov runs once, inside the tests: tests/template/test_security.py scans the same variants as `make
# security` (and more: templates that must fail) with the checkov installed here, and fails if none is.
# pytest-xdist runs the tests on every core; loadgroup keeps each xdist_group-marked file (a costly
# shared fixture: the CDK synth, the checkov scan) on one worker and spreads the rest test by test.
# --no-loadscope-reorder hands them out in collection order, where tests/conftest.py puts the
# day-long property tests first (the suite takes at least as long as they do); --durations=15
# prints the slowest, so a CI log shows where its minutes went.
test: lint checkov
	HYPOTHESIS_PROFILE=ci $(BIN)/pytest -q -n auto --dist loadgroup --no-loadscope-reorder --durations=15

# The quick loop for local work: every test not marked slow (over 5 s on the 2-core machine, or
# needing the checkov scan or the CDK synth: tests/conftest.py), in under a minute. No lint, no
# checkov install: `make test` is still the whole check, and what CI runs.
check: setup
	$(BIN)/pytest -q -n auto -m "not slow" --durations=5

# Mutation testing (scripts/mutation.py): one small edit to the source at a time, and the tests that
# run its line; the score per module goes to docs/data/mutation.json. Not part of `make test`: it is
# a benchmark of what the tests would catch, and takes long (every mutant of the six modules: hours
# on the 2-core machine). MUTATION_ARGS narrows it, e.g. MUTATION_ARGS="--module spec --sample 150 --budget 5".
# coverage.py (which test runs which line) is installed here only: nothing else needs it.
COVERAGE_VERSION := 7.18.0
MUTATION_ARGS ?=

$(VENV)/installed-coverage-$(COVERAGE_VERSION): $(BIN)/alarmclock
	$(BIN)/pip install --quiet 'coverage==$(COVERAGE_VERSION)'
	touch $@

mutation: setup $(VENV)/installed-coverage-$(COVERAGE_VERSION)
	nice -n 10 $(BIN)/python scripts/mutation.py $(MUTATION_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache site dist
