# Two commands on a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DB ?= sqlite:///chainplan.db
HOST ?= 127.0.0.1
PORT ?= 8050

.PHONY: run test install lint demo-workbook benchmarks clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/chainplan --db $(DB) demo load
	$(BIN)/chainplan --db $(DB) user demo-admin
	CHAINPLAN_DB_URL=$(DB) $(BIN)/chainplan-ui --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check chainplan models dash_app tests benchmarks
	$(BIN)/mypy chainplan models

test: $(STAMP) lint
	$(BIN)/python -m pytest

demo-workbook: $(STAMP)
	$(BIN)/chainplan demo workbook scenarios/data/quang-ninh-demo.xlsx

benchmarks: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .mypy_cache .ruff_cache
