# Two commands do everything: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# `make run DATA_DIR=DIR` opens that data dir; empty means the user data folder.
DATA_DIR ?=
# Where `make demo` puts its data when no DATA_DIR is given (ignored by git).
DEMO_DIR := demo-data

.PHONY: run demo test lint typecheck pytest bench bundle clean

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

# The suite runs twice against a throwaway PostgreSQL server that tools/test-postgres.sh
# starts (installing Debian's postgresql as root if missing) and always removes: once
# on SQLite, once with every database-touching test on PostgreSQL. Both runs always
# happen; either failing fails the target. COMPANION_TEST_PG_URL=... uses your server.
PG_TESTS := tests/companion tests/kb tests/cli tests/ui

pytest: $(VENV)/.dev
	QT_QPA_PLATFORM=offscreen sh tools/ensure-qt-libs.sh $(PY)
	QT_QPA_PLATFORM=offscreen bash tools/test-postgres.sh sh -c '\
	  status=0; \
	  echo "== pytest on SQLite"; \
	  COMPANION_TEST_BACKEND=sqlite $(PY) -m pytest $(PYTEST_ARGS) || status=1; \
	  echo "== pytest on PostgreSQL"; \
	  COMPANION_TEST_BACKEND=postgresql $(PY) -m pytest $(PYTEST_ARGS) $(PG_TESTS) || status=1; \
	  exit $$status'

test: lint typecheck pytest

# The offline installer for remote sites (README, "Install at a remote site"):
# dist/companion-VERSION-linux-x86_64.tar.gz and its .sha256. PyInstaller comes from
# requirements-bundle.lock, installed into .venv for this target only.
$(VENV)/.bundle: requirements-bundle.lock $(VENV)/.runtime
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-bundle.lock
	touch $@

bundle: $(VENV)/.bundle
	$(PY) -m tools.bundle.build --out dist

bench: $(VENV)/.dev
	QT_QPA_PLATFORM=offscreen sh tools/ensure-qt-libs.sh $(PY)
	QT_QPA_PLATFORM=offscreen $(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache dist
