# Two commands on a fresh machine: `make demo` and `make test`. Both bootstrap .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PG_URL ?= postgresql://postgres@127.0.0.1:5432/postgres

.PHONY: demo test test-sqlite test-postgres bench clean report-tools

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	BOINV_DATA_DIR=$(CURDIR)/demo/data $(BIN)/boinv demo --out demo

test: test-sqlite test-postgres

test-sqlite: $(STAMP) report-tools
	$(BIN)/pytest -q -m 'not postgres_only'

# The database tests again, on the PostgreSQL server (a missing server fails under CI=true).
test-postgres: $(STAMP)
	@if $(BIN)/python scripts/check_postgres.py "$(PG_URL)"; then \
		BOINV_DATABASE_URL="$(PG_URL)" $(BIN)/pytest -q -m "db or postgres_only"; \
	else \
		if [ "$$CI" = "true" ]; then echo "PostgreSQL saknas men krävs i CI" >&2; exit 1; fi; \
		echo "PostgreSQL på $(PG_URL) nås inte: databastesterna kördes bara på SQLite." >&2; \
	fi

# The report tests convert the Word file with LibreOffice and render PDF pages with poppler's
# pdftoppm; installed here when missing and apt-get is available (CI images run as root).
report-tools:
	@if ! command -v soffice >/dev/null || ! command -v pdftoppm >/dev/null; then \
		if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
			DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libreoffice-writer-nogui poppler-utils; \
		else echo "Installera libreoffice-writer-nogui och poppler-utils för rapporttesterna." >&2; fi; \
	fi

bench: $(STAMP)
	$(BIN)/python scripts/bench.py

clean:
	rm -rf demo bench-data .pytest_cache
