# Two commands set up a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
# Tests run in this many processes (pytest-xdist): one more than the 2 cores CI has, since many
# tests wait on a process they started (Spark, a server, a browser) and leave a core idle; each
# process's math libraries get its share of the cores (tests/conftest.py), and `worksteal` moves
# queued tests to a process that runs dry. `make test` lists its 15 slowest tests, to say what
# to trim when it nears its 15-minute budget. `make test-fast` waits on little, and each process
# builds its own session fixtures, so it runs one process per core.
TEST_WORKERS ?= 3
FAST_WORKERS ?= 2

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
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist worksteal --durations=15

test-fast: $(STAMP)  # under 2 minutes: no Spark, PostgreSQL, browsers or training
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -m "not slow" -n $(FAST_WORKERS) --dist worksteal

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
