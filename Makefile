# Two commands: `make demo` runs the pipeline on the bundled samples, `make test` runs the gate.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WAREHOUSE ?= data/warehouse.duckdb

.PHONY: demo test lint format samples screenshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m pip check
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/lineage-pipeline run --contracts contracts --warehouse $(WAREHOUSE)
	$(BIN)/python -m lineage_pipeline.demo_queries --warehouse $(WAREHOUSE)

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

test: lint
	$(BIN)/python -m pytest -q

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

samples: $(STAMP)
	$(BIN)/python scripts/make_samples.py

# Refresh the README's UI pictures: the browser test saves its pages into docs/screenshots.
screenshots: $(STAMP)
	LINEAGE_UI_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest -q tests/test_ui.py

clean:
	rm -rf $(VENV) $(WAREHOUSE) .pytest_cache .ruff_cache
