# Vigía — two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
DB     ?= $(or $(VIGIA_DB),data/vigia.duckdb)

.PHONY: run test lint install install-dev demo browser-deps bench clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

## Load the bundled demo data when the store is empty (never overwrites data).
demo: install
	$(PY) -m analytics demo --db "$(DB)" --if-empty

## Start the app on http://localhost:8501 (headless, no usage statistics).
run: demo
	VIGIA_DB="$(DB)" $(PY) -m streamlit run app.py --server.headless true \
	  --server.address 127.0.0.1 --server.port 8501 --browser.gatherUsageStats false

## Debian's chromium for the real-browser test (never `playwright install`).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

test: install-dev browser-deps
	$(PY) -m pytest -q

## ruff (style, docstrings, complexity <= 15) and mypy (strict on analytics/).
lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy analytics

bench: install-dev
	$(PY) bench/ingest.py

clean:
	rm -rf $(VENV) .pytest_cache tests/artifacts
