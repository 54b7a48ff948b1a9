# relaygate developer entry points; .ci/run calls `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 3000

.PHONY: help install web run migrate lint test bench clean

help:
	@echo "make install | web | run | migrate | lint | test | bench | clean"

install: $(STAMP)

# Re-run pip only when pyproject.toml changes (the stamp is newer otherwise).
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $@

# Build the console only when it exists and web/dist is missing or older than its sources.
web:
	@if [ -f web/package.json ]; then \
	  if [ ! -f web/dist/index.html ] || [ -n "$$(find web/src web/public web/index.html web/package.json web/package-lock.json web/vite.config.* web/tsconfig*.json -newer web/dist/index.html -print -quit 2>/dev/null)" ]; then \
	    cd web && { if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi; } && npm run build; \
	  fi; \
	fi

migrate: install
	$(BIN)/relaygate migrate

# SQLite under ./data unless SQL_DSN is set (in the environment or .env).
run: install web
	@mkdir -p data
	$(BIN)/relaygate migrate
	$(BIN)/relaygate serve --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy src
	@if [ -x $(BIN)/lint-imports ] && grep -q '^\[tool.importlinter\]' pyproject.toml; then $(BIN)/lint-imports; fi

test: install
	bash scripts/setup-system.sh
	$(MAKE) --no-print-directory web
	$(MAKE) --no-print-directory lint
	$(BIN)/pytest -q

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(STAMP) .mypy_cache .ruff_cache .pytest_cache build src/*.egg-info
