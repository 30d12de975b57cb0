# Two commands on a fresh machine: `make demo` and `make test`. Both bootstrap .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PG_URL ?= postgresql://postgres@127.0.0.1:5432/postgres

.PHONY: demo test lint test-sqlite test-postgres test-tools bench bench-ratio bench-national clean

# Programs the tests drive, as debian-package:command: Chromium for the browser tests, LibreOffice
# to open the Word report, poppler to read and render the PDF. Another one is one word more.
TEST_PACKAGES := chromium:/usr/bin/chromium libreoffice-writer-nogui:soffice poppler-utils:pdftoppm
APT_GET ?= apt-get
IS_ROOT ?= $(shell [ "$$(id -u)" = 0 ] && echo yes)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	# compiled once, as an installed package is: with PYTHONDONTWRITEBYTECODE set, every command would compile it anew
	$(BIN)/python -m compileall -q src
	touch $(STAMP)

demo: $(STAMP)
	BOINV_DATA_DIR=$(CURDIR)/demo/data $(BIN)/boinv demo --out demo

test: lint test-sqlite test-postgres

# The linter over all the code and the type checker over the framework-free core (settings in
# pyproject.toml); `make test` stops here before running any test.
lint: $(STAMP)
	$(BIN)/ruff check src tests scripts
	$(BIN)/mypy

# The browser and report tests need these Debian packages: installed with apt-get when we are root,
# otherwise make stops at once with one line saying what to install. Never skipped silently.
test-tools:
	@missing=""; \
	for pair in $(TEST_PACKAGES); do command -v "$${pair#*:}" >/dev/null 2>&1 || missing="$$missing $${pair%%:*}"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$(IS_ROOT)" = yes ] && command -v $(APT_GET) >/dev/null 2>&1; then \
		echo "Installerar$$missing (apt-get) för testerna ..." >&2; \
		$(APT_GET) update -qq && DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y -qq --no-install-recommends $$missing >/dev/null \
			|| { echo "Kunde inte installera$$missing med apt-get; installera paketen och kör make test igen." >&2; exit 1; }; \
		for pair in $(TEST_PACKAGES); do command -v "$${pair#*:}" >/dev/null 2>&1 \
			|| { echo "$${pair#*:} saknas fortfarande efter installationen av $${pair%%:*}." >&2; exit 1; }; done; \
	else \
		echo "Testerna behöver Debian-paketen$$missing: kör 'sudo apt-get install$$missing' och sedan make test igen." >&2; \
		exit 1; \
	fi

test-sqlite: $(STAMP) test-tools
	$(BIN)/pytest -q -m 'not postgres_only'

# The database tests again, on the PostgreSQL server (a missing server fails under CI=true).
test-postgres: $(STAMP) test-tools
	@if $(BIN)/python scripts/check_postgres.py "$(PG_URL)"; then \
		BOINV_DATABASE_URL="$(PG_URL)" $(BIN)/pytest -q -m "db or postgres_only"; \
	else \
		if [ "$$CI" = "true" ]; then echo "PostgreSQL saknas men krävs i CI" >&2; exit 1; fi; \
		echo "PostgreSQL på $(PG_URL) nås inte: databastesterna kördes bara på SQLite." >&2; \
	fi

bench: $(STAMP)
	$(BIN)/python scripts/bench.py

# The command line against a hand-written DuckDB query on the same files (issue 12), on SQLite and,
# when the server answers, on PostgreSQL. DuckDB is the `bench` extra: installed here, not by make test.
BENCH_STAMP := $(VENV)/.bench-stamp
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(BENCH_STAMP)

bench-ratio: $(BENCH_STAMP)
	@if $(BIN)/python scripts/check_postgres.py "$(PG_URL)"; then \
		$(BIN)/python scripts/bench_ratio.py --database-url "$(PG_URL)"; \
	else \
		echo "PostgreSQL på $(PG_URL) nås inte: kedjan mäts bara på SQLite." >&2; \
		$(BIN)/python scripts/bench_ratio.py; \
	fi

# Every municipality's year in one installation: 10 million payment rows imported and exported.
bench-national: $(STAMP)
	$(BIN)/python scripts/bench_national.py

clean:
	rm -rf demo bench-data .pytest_cache
