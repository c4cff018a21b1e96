# Two entry points for a fresh machine with Python 3.11: `make demo` (main job) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo test browser lint format lock clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install the pinned working set

demo: install  ## main job on the embedded warehouse: migrate, load reference data, summary
	$(BIN)/egov demo

test: install browser  ## unit + integration tests against a real (embedded) PostgreSQL
	$(BIN)/python -m pytest

browser:  ## headless Chromium for the report's browser test (apt-get, idempotent)
	scripts/install-browser.sh

lint: install  ## the same static checks CI runs
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/sqlfluff lint sql

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/sqlfluff fix sql

lock: install  ## re-pin constraints.txt to what is installed now
	{ head -n 2 constraints.txt; $(BIN)/python -m pip freeze --exclude-editable; } > constraints.new
	mv constraints.new constraints.txt

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
