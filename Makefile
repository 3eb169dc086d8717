PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
# The kernel cache is compiled ahead of time at set-up and again when the code changes.
WARM := $(VENV)/.kernels-warm
ENGINE_SOURCES := $(shell find engine -name '*.py')

.PHONY: demo test bench lint format lock clean warmup

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

$(WARM): $(STAMP) $(ENGINE_SOURCES)
	$(BIN)/engine warmup
	touch $(WARM)

demo: $(WARM)
	$(BIN)/engine demo

test: $(WARM)
	$(BIN)/python -m pytest -q -p no:cacheprovider

# make bench                      every benchmark, full sizes (benchmarks/results/)
# make bench ARGS="--quick"        small sizes, under 3 minutes (benchmarks/results/quick/)
# make bench ARGS="--only split --scheduler tcp://host:8786"
bench: $(WARM)
	$(BIN)/python -m benchmarks $(ARGS)

warmup: $(WARM)

lint: $(STAMP)
	$(BIN)/ruff check engine tests benchmarks scripts
	$(BIN)/ruff format --check engine tests benchmarks scripts

format: $(STAMP)
	$(BIN)/ruff format engine tests benchmarks scripts
	$(BIN)/ruff check --fix engine tests benchmarks scripts

# requirements.lock: the pinned versions the container image installs (see Dockerfile)
lock: | $(BIN)/python
	$(BIN)/python scripts/lock.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
