# Vínculo: developer commands (see README.md). Needs Python 3.11+ and make.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PYTHON_VENV := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=

.PHONY: help venv run test test-postgres test-e2e lint ci clean-test-db

help:
	@echo "make run            set up .venv, build the database, load demo data, create admin@iecm.mx, serve http://$(HOST):$(PORT)"
	@echo "make test           the whole test suite on SQLite (browser tests skip without chromium/axe-core)"
	@echo "make test-postgres  the whole test suite on a throwaway PostgreSQL (scripts/pg-test-server)"
	@echo "make test-e2e       only the browser tests"
	@echo "make capturas       take the staff guide's screenshots again (docs/img/guia/)"
	@echo "make lint           ruff check . and the dependency rule (lint-imports)"
	@echo "make ci             what CI runs: bash .ci/run (installs Debian packages; run as root)"

venv:
	@scripts/setup venv

run: venv
	@scripts/setup database
	@scripts/setup admin
	@scripts/setup serve "$(HOST)" "$(PORT)"

test: venv
	@scripts/setup axe --optional
	env -u TEST_DATABASE_URL $(PYTHON_VENV) -m pytest $(PYTEST_ARGS)

test-postgres: venv
	@scripts/setup axe --optional
	url="$$(scripts/pg-test-server start | tail -1)" && echo "PostgreSQL: $$url" && \
	  TEST_DATABASE_URL="$$url" $(PYTHON_VENV) -m pytest $(PYTEST_ARGS)

test-e2e: venv
	@scripts/setup axe --optional
	env -u TEST_DATABASE_URL $(PYTHON_VENV) -m pytest tests/e2e $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache

ci:
	bash .ci/run

clean-test-db:
	scripts/pg-test-server stop

.PHONY: bench
bench: venv
	$(PYTHON_VENV) -m bench

# the staff guide's screenshots (docs/img/guia/*.png), taken again from the demo data by the browser tests
.PHONY: capturas
capturas: venv
	@scripts/setup axe --optional
	VINCULO_CAPTURAS=1 env -u TEST_DATABASE_URL $(PYTHON_VENV) -m pytest tests/e2e_staff/test_guide_screenshots.py $(PYTEST_ARGS)
