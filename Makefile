# Two commands do all set-up on a fresh Debian machine with Python 3.11:
#   make run    - install, migrate, seed the demo, serve on http://127.0.0.1:8000
#   make test   - install (with the browser and the Feide tests' OpenID provider), run the whole suite
# make lint checks the layers (import-linter), style, types and migrations.
# Both are idempotent. System packages are installed with apt-get when missing.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_WORKERS ?= 2

# Debian packages: WeasyPrint's Pango and fonts, gettext for the translations.
RUN_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-liberation2 gettext
# ...and for the tests: the browser and PDF-to-PNG.
TEST_DEBS := chromium poppler-utils
# The Feide tests' OpenID provider (node-oidc-provider), installed with npm ci from its lock
# file into a git-ignored node_modules, again only when the lock file changes.
OIDC_PROVIDER := tests/browser/oidc_provider

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run install test lint system-deps test-system-deps node-deps messages migrate seed clean

# The development server, with a Celery worker and its beat schedule beside it. Without a
# CELERY_BROKER_URL of your own, the broker is files under var/celery (kombu's
# filesystem://): no service to install. E-mails are printed on the console.
run: install
	@export CELERY_BROKER_URL="$${CELERY_BROKER_URL:-filesystem://}"; \
	$(VENV)/bin/celery -A hms worker --beat --pool=solo --loglevel=INFO & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(MANAGE) runserver $(HOST):$(PORT)

install: system-deps $(VENV)/.installed messages migrate seed

define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

system-deps:
	$(call apt_install,$(RUN_DEBS))

test-system-deps: system-deps
	$(call apt_install,$(TEST_DEBS))

# node and npm as they are (a machine may have them from elsewhere), Debian's when missing.
node-deps:
	@if ! command -v node >/dev/null || ! command -v npm >/dev/null; then \
	  echo "Installing system packages: nodejs npm"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends nodejs npm; \
	fi

$(OIDC_PROVIDER)/node_modules/.installed: $(OIDC_PROVIDER)/package-lock.json | node-deps
	cd $(OIDC_PROVIDER) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e ".[dev]"
	touch $@

messages: $(VENV)/.installed
	$(MANAGE) compilemessages --ignore=.venv -v0

migrate: $(VENV)/.installed
	$(MANAGE) migrate --noinput -v0

seed: migrate
	$(MANAGE) seed_demo

test: test-system-deps $(VENV)/.installed $(OIDC_PROVIDER)/node_modules/.installed messages
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check hms units reporting deviations riskassessment
	$(VENV)/bin/mypy hms units reporting deviations riskassessment
	DJANGO_SETTINGS_MODULE=hms.settings.test $(MANAGE) makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var db.sqlite3 $(OIDC_PROVIDER)/node_modules
