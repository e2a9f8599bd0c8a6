# Two commands that work on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install browser run test test-postgres bench clean

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

test: install browser  ## the whole suite (ONECAST_TEST_DATABASE_URL selects PostgreSQL)
	$(BIN)/pytest $(PYTEST_ARGS)

test-postgres: install  ## the whole suite on a throwaway database of the local PostgreSQL
	bash .ci/with-postgres $(MAKE) test

bench: install  ## benchmark figures, one JSON line each (BENCH_ARGS="--quick"; ONECAST_BENCH_POSTGRES_URL adds PostgreSQL)
	$(BIN)/python bench/send.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) onecast.db onecast.db-wal onecast.db-shm
