# Concord — `make run` and `make test` do all set-up on a fresh machine with Python 3.11.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint typecheck check bench clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev,postgres]"
	touch $(STAMP)

## Set everything up, load demo data on first run, and start Concord on http://127.0.0.1:8000
run: $(STAMP)
	$(BIN)/concord serve --demo-if-empty

## The whole test suite (SQLite by default; set DATABASE_URL for PostgreSQL).
## Installs Chromium and Dovecot first if missing (as root with apt-get; otherwise says how).
test: $(STAMP)
	@bash scripts/system-packages.sh test
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy src

check: lint typecheck test

bench: $(STAMP)
	$(BIN)/python bench/run.py --conversations 10000

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
