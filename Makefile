# Two commands that work on a fresh machine: `make run` and `make test` (docs/testing.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install browser run test test-all test-postgres lint lint-fix bench bench-send clean
# Parallel test processes (pytest-xdist): the tests mostly wait on sockets and peers, so more
# workers than cores pays; each has its own SQLite file or PostgreSQL database.
TEST_WORKERS ?= 4
XDIST := -n $(TEST_WORKERS) --dist loadgroup

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	@# phonenumberslite (once listed too) overwrites phonenumbers' files and lacks its carrier data:
	@# a venv that has it gets the full package back
	if $(BIN)/pip show -q phonenumberslite 2>/dev/null; then $(BIN)/pip uninstall -y -q phonenumberslite phonenumbers; fi
	$(BIN)/pip install --quiet -e '.[test,lint]'
	touch $(STAMP)

install: $(STAMP)

browser:  ## Debian's chromium for the browser tests (Playwright drives /usr/bin/chromium)
	test -x /usr/bin/chromium || (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium)

run: install  ## migrate the embedded SQLite, create a first space + key, serve API and worker on :8080
	$(BIN)/onecast serve

test: install browser  ## the suite without the slow property and load tests (ONECAST_TEST_DATABASE_URL selects PostgreSQL)
	$(BIN)/pytest $(XDIST) -m "not slow" $(PYTEST_ARGS)

test-all: install browser  ## every test, the slow ones too (what CI runs)
	$(BIN)/pytest $(XDIST) $(PYTEST_ARGS)

test-postgres: install  ## `make test` on a throwaway database of the local PostgreSQL
	bash .ci/with-postgres $(MAKE) test

# `ruff format` checks every Python file except those listed in .ci/unformatted.txt (the code
# written before the formatter; format one and take it off the list, never add to it).
lint: install  ## ruff (lint + format) and mypy, as CI runs them
	$(BIN)/ruff check .
	git ls-files '*.py' | grep -vxF -f .ci/unformatted.txt | xargs $(BIN)/ruff format --check --force-exclude
	$(BIN)/mypy

lint-fix: install  ## apply ruff's safe fixes (import order, unused noqa...)
	$(BIN)/ruff check --fix .

bench: install  ## engine figures beside a minimal reference server, one JSON line (BENCH_ARGS="--quick"; ONECAST_BENCH_POSTGRES_URL adds PostgreSQL)
	$(BIN)/python bench/engine.py $(BENCH_ARGS)

bench-send: install  ## the send path's latency figures (accept->sent, paced), one JSON line
	$(BIN)/python bench/send.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) onecast.db onecast.db-wal onecast.db-shm
