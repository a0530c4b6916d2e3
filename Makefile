# The two commands of the README: `make run` (the bundled sample, end to end)
# and `make test`. Both create the virtual environment at .venv when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint ui clean

# Data Docs load their styles and scripts from npm packages, not from CDNs (they must
# work offline): npm ci installs the versions package-lock.json pins.
DOCS_PACKAGES := lct_pipeline/datadocs

$(STAMP): pyproject.toml $(DOCS_PACKAGES)/package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	npm ci --prefix $(DOCS_PACKAGES) --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/lct sample
	$(BIN)/lct run --all

# Two workers, one per core (most tests wait on subprocesses, SQLite and GX); a test
# module stays in one worker, so its module fixtures are built once.
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The UI on 127.0.0.1 only (it has no login), with the daemon that runs the schedule,
# the inbox sensor, backfills and the run queue. Runs are kept in DAGSTER_HOME, whose
# dagster.yaml comes from ./dagster.yaml (pool limit of the SQLite warehouse); an
# instance file written by hand (one without that first line) is left alone.
DAGSTER_HOME ?= $(CURDIR)/data/dagster_home
UI_PORT ?= 3000
ui: $(STAMP)
	mkdir -p "$(DAGSTER_HOME)" "$${LCT_INBOX_DIR:-data/inbox}"
	if [ ! -f "$(DAGSTER_HOME)/dagster.yaml" ] \
	  || head -1 "$(DAGSTER_HOME)/dagster.yaml" | grep -qF 'instance of `make ui`'; then \
	  cp dagster.yaml "$(DAGSTER_HOME)/dagster.yaml"; fi
	DAGSTER_HOME="$(DAGSTER_HOME)" $(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p $(UI_PORT)

clean:
	rm -rf data/inbox data/archive data/extracts data/data_docs data/dagster_home data/warehouse.sqlite*
