# xmpptui developer tasks.
#   make test   lint + type check + the whole test suite (installs what it needs)
#   make demo   a private Prosody with demo contacts, and the app logged in as alice
#   make lint   ruff + mypy only
#   make screenshots   regenerate screenshots/*.svg from the real app
#   make bench  the benchmarks of issue 7 against a private Prosody (~5 min;
#               BENCH_ARGS=--quick for one short run); results in benchmarks/results/

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Root runs apt-get itself; anyone else goes through sudo.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: venv prosody demo test lint screenshots bench clean

venv: $(STAMP)

# Reinstall only when pyproject.toml changed (or the venv is missing).
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "xmpptui needs Python 3.11 or newer: run with PYTHON=python3.11 (or newer)"; exit 1; }
	@probe=$$(mktemp -d); \
	if ! $(PYTHON) -m venv "$$probe/v" >/dev/null 2>&1; then \
	  echo "installing python3-venv"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv </dev/null \
	    || { $(SUDO) apt-get update -q && \
	         $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv </dev/null; }; \
	fi; rm -rf "$$probe"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# Debian's prosody + openssl, without ever starting the system-wide daemon:
# a temporary policy-rc.d answering 101 ("action forbidden") is in place during
# the install and removed afterwards, even when the install fails.
prosody:
	@missing=""; \
	command -v prosody >/dev/null 2>&1 || missing=" prosody"; \
	command -v openssl >/dev/null 2>&1 || missing="$$missing openssl"; \
	[ -n "$$missing" ] || exit 0; \
	set -eu; \
	policy=/usr/sbin/policy-rc.d; saved=""; \
	if [ -e $$policy ]; then saved=$$(mktemp); $(SUDO) cp -p $$policy $$saved; fi; \
	restore() { \
	  if [ -n "$$saved" ]; then $(SUDO) cp -p "$$saved" $$policy; rm -f "$$saved"; \
	  else $(SUDO) rm -f $$policy; fi; \
	}; \
	trap restore EXIT; \
	printf '#!/bin/sh\nexit 101\n' | $(SUDO) tee $$policy >/dev/null; \
	$(SUDO) chmod 755 $$policy; \
	apt_install() { \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing </dev/null; \
	}; \
	if [ -z "$$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -print -quit)" ]; then \
	  $(SUDO) apt-get update -q; \
	fi; \
	echo "installing:$$missing"; \
	apt_install || { $(SUDO) apt-get update -q && apt_install; }

demo: venv prosody
	$(BIN)/python -m xmpptui.devtools.demo

lint: venv
	$(BIN)/ruff check xmpptui tests screenshots benchmarks
	$(BIN)/mypy

test: venv prosody
	$(BIN)/ruff check xmpptui tests screenshots benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

screenshots: venv
	$(BIN)/python screenshots/generate.py

bench: venv prosody
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .demo .pytest_cache .mypy_cache .ruff_cache
