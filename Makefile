# Two commands set up a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
# Tests run in this many processes (pytest-xdist), one per core of the 2-core machines CI uses;
# `make test` lists its 15 slowest tests, to say what to trim when it nears its 15-minute budget.
TEST_WORKERS ?= 2

.PHONY: demo app test test-fast test-deps lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/myna demo

app: $(STAMP)  # the Streamlit app on the demo's sample and models (run `make demo` first)
	$(BIN)/myna app --data myna/resources/sample_news.jsonl --label-column category \
	  --models en_core_web_sm,models:/demo-ner@production,models:/demo-textcat@production

test: $(STAMP) test-deps lint  # every test; installs PostgreSQL, Java, Chromium as root
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --durations=15

test-fast: $(STAMP)  # under 2 minutes: no Spark, PostgreSQL, browsers or training
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -m "not slow" -n $(TEST_WORKERS)

test-deps:
	./scripts/test-deps.sh

lint: $(STAMP)  # style, the import layers (ARCHITECTURE.md) and types
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/analyze_throughput.py

clean:
	rm -rf $(VENV) build *.egg-info
