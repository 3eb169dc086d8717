PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev

.PHONY: demo test bench lint format clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/engine demo

test: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider

BENCHMARKS := preprocessing split search evaluation inspection scaling

bench: $(STAMP)
	cd benchmarks && for name in $(BENCHMARKS); do ../$(BIN)/python bench_$$name.py || exit 1; done

lint: $(STAMP)
	$(BIN)/ruff check engine tests benchmarks
	$(BIN)/ruff format --check engine tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format engine tests benchmarks
	$(BIN)/ruff check --fix engine tests benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
