# Guanjia: two commands for users (make demo, make test); the rest are steps they use.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
TEST_ENV := GUANJIA_TESTING=1 DJANGO_SETTINGS_MODULE=guanjia.settings_test
# The browser the browser tests drive (guanjia/testing/browser.py); Debian's package.
CHROMIUM ?= /usr/bin/chromium

.PHONY: demo test preflight preflight-demo setup lint check pytest bench messages clean

## Fresh machine → a running site on http://127.0.0.1:8000 with demo data and the worker.
demo: preflight-demo setup
	@DEBUG=1 $(PY) manage.py migrate --noinput -v 0
	@DEBUG=1 $(PY) manage.py createcachetable
	@DEBUG=1 $(PY) manage.py compilemessages -v 0 --ignore '.venv/*' --ignore 'node_modules/*' 2>/dev/null || true
	@DEBUG=1 $(PY) manage.py seed_demo
	@echo "Starting the background worker and the web server on http://$(HOST):$(PORT)/ (Ctrl-C stops both)"
	@DEBUG=1 $(PY) manage.py run_huey --workers 2 > var/worker.log 2>&1 & WORKER=$$!; \
	  trap "kill $$WORKER 2>/dev/null" EXIT INT TERM; \
	  DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT) --noreload

## The whole suite: lint (ruff, the import contracts of pyproject.toml), Django checks, migrations, OpenAPI snapshot, pytest, schemathesis, browser.
test: preflight setup lint check pytest

## What the two commands need from the machine, checked first: anything missing is named with the one
## apt line that installs it (README, first screen), instead of failing later in the middle of a run.
preflight-demo:
	@missing=""; \
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || missing="$$missing python3"; \
	$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || missing="$$missing python3-venv"; \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	if [ -n "$$missing" ]; then \
	  echo "Missing on this machine:$$missing (Python must be 3.11 or newer)"; \
	  echo "Install with:  sudo apt-get install$$missing"; exit 1; fi

preflight: preflight-demo
	@missing=""; \
	test -x "$(CHROMIUM)" || missing="$$missing chromium"; \
	fc-list 2>/dev/null | grep -qi "wqy\|cjk" || missing="$$missing fonts-wqy-microhei"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	test -d /usr/share/poppler/cMap || missing="$$missing poppler-data"; \
	if [ -n "$$missing" ]; then \
	  echo "make test also needs:$$missing (browser tests drive $(CHROMIUM); PDFs are checked as images, in Chinese)"; \
	  echo "Install with:  sudo apt-get install$$missing"; exit 1; fi

setup: $(VENV)/.installed node_modules/.installed build/static/.built

$(VENV)/.installed: requirements.lock requirements-dev.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.lock
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -e .
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## The front-end files made from node_modules (assets/build.mjs): Bootstrap's CSS trimmed to the classes
## guanjia/ uses, the icons used, ECharts' used parts; into build/static/ (collected as static, not committed).
## Made again when a template, script or Python file changes (a class may have been added).
build/static/.built: node_modules/.installed $(wildcard assets/*) $(shell find guanjia -name '*.html' -o -name '*.js' -o -name '*.py' 2>/dev/null)
	node assets/build.mjs
	touch $@

lint:
	$(BIN)/ruff check guanjia benchmarks conftest.py
	$(BIN)/ruff format --check guanjia benchmarks conftest.py
	$(BIN)/lint-imports --no-cache

check:
	$(TEST_ENV) $(PY) manage.py check --fail-level WARNING
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(PY) manage.py check_translations

pytest:
	$(TEST_ENV) CHROMIUM=$(CHROMIUM) $(BIN)/pytest -n 2 -q -p no:warnings --junitxml=var/junit.xml
	@$(PY) -c "import xml.etree.ElementTree as E; t=E.parse('var/junit.xml').getroot(); s=t if t.tag=='testsuite' else t[0]; n=int(s.get('tests')); print(f'{n} tests'); raise SystemExit(0 if n>0 else 'pytest collected no tests')"

## Benchmarks (not part of make test): in-process list timings on SQLite, then the HTTP load test on
## PostgreSQL with gunicorn and wrk (200 projects, 200,000 units, 200,000 → 2,000,000 requests).
## BENCH_PEER: the shared peer harness (django-helpdesk and bare-Django ceilings), measured first in the same run.
BENCH_PEER ?= $(wildcard ../shared/bench-peer)
bench: setup
	$(TEST_ENV) $(PY) -m benchmarks.bench
	$(PY) -m benchmarks.loadbench $(if $(BENCH_PEER),--peer $(BENCH_PEER)) $(BENCH_ARGS)

## Refresh the English catalogue from the source, then compile it (translate new entries, run again).
messages:
	cd guanjia && $(TEST_ENV) ../$(PY) ../manage.py makemessages -l en --ignore 'tests/*' --ignore '*/tests/*' --ignore 'testing/*'
	cd guanjia && $(TEST_ENV) ../$(PY) ../manage.py compilemessages -l en

clean:
	rm -rf $(VENV) node_modules var/*.sqlite3* var/static
