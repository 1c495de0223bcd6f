# The two commands a new user needs: `make run` (the platform with demo data) and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: venv services test test-unit lint format bench load run screenshots clean chaos

RUN_STAMP := $(VENV)/.installed-run

# what running needs (make run); the test, load and training extras come with $(STAMP)
$(RUN_STAMP): pyproject.toml
	@echo "[1/2] virtual environment in $(VENV)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade "pip==24.3.1"
	@echo "[2/2] the platform's runtime packages (pinned in pyproject.toml; a minute the first time)"
	@$(PY) -m pip install --quiet -e .
	@touch $(RUN_STAMP)

$(STAMP): pyproject.toml $(RUN_STAMP)
	@echo "the test, load and training extras (dev, load, credit)"
	@$(PY) -m pip install --quiet -e ".[dev,load,credit]"
	@touch $(STAMP)

venv: $(STAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

services:
	deploy/local/services.sh
	deploy/local/browser.sh
	deploy/local/golang.sh
	deploy/local/compose.sh

# every tier: tests/unit (pure), tests/service (one service on the real infrastructure),
# tests/system (stacks, browser, load smoke)
test: lint services
	$(VENV)/bin/pytest

# no broker, database or Redis needed: the pure rules, the SDK, the contracts; two processes
# (unpatched by eventlet, which the services' tiers need and pytest-xdist's channels do not bear)
test-unit: $(STAMP)
	BILLCHAIN_UNIT_TIER=1 $(VENV)/bin/pytest -q -p no:cacheprovider -n 2 --dist loadfile tests/unit

# a failed run is kept too (its figures and its failed checks), then make load fails
load: $(STAMP) services
	$(PY) loadtests/run.py; status=$$?; $(PY) bench/keep_load_summary.py && exit $$status

run: $(RUN_STAMP)
	deploy/local/run.sh

bench: $(STAMP) services
	$(PY) bench/run.py

# the portal's screenshots in docs/screenshots/, taken by its browser tests (make test keeps
# them under var/screenshots/)
screenshots: $(STAMP) services
	BILLCHAIN_SCREENSHOTS=$(CURDIR)/docs/screenshots $(VENV)/bin/pytest -q -k "chromium or browser" \
		tests/system/test_gateway_portal.py tests/system/test_gateway_insight.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis

# the fault drills (minutes): a steady signed load on private RabbitMQ, PostgreSQL and Redis
# servers while each service is killed, the broker and the database restart, Redis is flushed,
# a RabbitMQ cluster node and the PostgreSQL primary go away; figures in bench/chaos-results.json
# and docs/reliability.md
# the drills, and their short smoke (chaos/test_smoke.py); the smoke is out of make test until
# the drills' checks read the projection kit's tables (tracking was renamed)
chaos: $(STAMP)
	$(VENV)/bin/pytest -q -p no:cacheprovider chaos/test_smoke.py
	$(PY) -m chaos --docs
