# Quick start: `make run` runs the bot, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest bench messages sandbox clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/buurtbot run

test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -q

# Benchmarks: they report figures against their goals and never fail.
bench: $(STAMP)
	PTB_TIMEDELTA=1 $(BIN)/python -m bench

# Runs the local Bot API stand-in for trying the bot by hand.
sandbox: $(STAMP)
	$(BIN)/python -m sandbox --port 8081 --token 123456:SANDBOX

# Re-extract translatable strings and merge them into the nl and en catalogs.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _ -k plural:1,2 --no-location --omit-header -o $(VENV)/buurtbot.pot .
	for lang in nl en; do \
	  $(BIN)/pybabel update --no-fuzzy-matching -w 88 \
	    -D buurtbot -d bot/locale -l $$lang -i $(VENV)/buurtbot.pot; \
	done

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
