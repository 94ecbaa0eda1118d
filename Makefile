# Concord — `make run` and `make test` do all set-up on a fresh machine with Python 3.11.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint typecheck check bench clean lock audit

# requirements.lock pins every package (direct and indirect) to the versions
# tested together; `make lock` writes it anew from pyproject.toml.
$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --constraint requirements.lock -e ".[dev,postgres]"
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
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy src

check: lint typecheck test

bench: $(STAMP)
	$(BIN)/python bench/run.py --conversations 10000

## Write requirements.lock anew: the newest versions pyproject.toml allows, resolved in a clean venv
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip
	.lock-venv/bin/pip install --quiet -e ".[dev,postgres]"
	{ echo "# Every package Concord installs, pinned (make lock writes this file)."; \
	  .lock-venv/bin/pip freeze --exclude-editable --all | grep -v '^pip=='; } > requirements.lock
	rm -rf .lock-venv

## Known vulnerabilities in requirements.lock (pip-audit)
audit: $(STAMP)
	bash scripts/audit-deps.sh

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
