# Two commands do everything: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# `make run DATA_DIR=DIR` opens that data dir; empty means the user data folder.
DATA_DIR ?=
# Where `make demo` puts its data when no DATA_DIR is given (ignored by git).
DEMO_DIR := demo-data

.PHONY: run demo test lint typecheck pytest bench clean

$(VENV)/.runtime: requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $@

$(VENV)/.dev: requirements-dev.lock $(VENV)/.runtime
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	touch $@

run: $(VENV)/.runtime
	sh tools/ensure-qt-libs.sh $(PY)
	$(PY) main.py $(if $(DATA_DIR),--data-dir "$(DATA_DIR)")

# Demo data goes into a data dir of its own, never the user's: load_demo refuses a
# database that already has customers.
demo: $(VENV)/.runtime
	$(PY) main.py --data-dir "$(or $(DATA_DIR),$(DEMO_DIR))" demo
	@echo "Open it with:  make run DATA_DIR=$(or $(DATA_DIR),$(DEMO_DIR))"

lint: $(VENV)/.dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: $(VENV)/.dev
	$(PY) -m mypy companion kb cli

pytest: $(VENV)/.dev
	QT_QPA_PLATFORM=offscreen sh tools/ensure-qt-libs.sh $(PY)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

test: lint typecheck pytest

bench: $(VENV)/.dev
	QT_QPA_PLATFORM=offscreen sh tools/ensure-qt-libs.sh $(PY)
	QT_QPA_PLATFORM=offscreen $(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
