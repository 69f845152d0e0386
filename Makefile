# unionfed — every target bootstraps what it needs (uv via pip if missing, then the locked venv).
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")

.PHONY: help bootstrap run test test-fast fuzz lint format bench chaos contracts contracts-check clean-data deploy-test

help:
	@echo "make run        start embedded PostgreSQL + Kafka broker and every service (seeds a demo federation)"
	@echo "make test       run the whole test suite against real servers"
	@echo "make fuzz       schemathesis over the HTTP API, many examples (FUZZ_EXAMPLES=100)"
	@echo "make lint       ruff + mypy"
	@echo "make bench      benchmarks (figures printed, nothing asserted)"
	@echo "make chaos      faults under load (kill -9, PostgreSQL down, rebalances, poison, broker restart)"
	@echo "make contracts  regenerate the committed JSON Schemas of the events"
	@echo "make deploy-test build every image, run deploy/compose.yaml with local stand-ins, smoke-test it (root; installs podman)"

bootstrap:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@$(UV) sync --locked --quiet

run: bootstrap
	$(UV) run unionfed run $(ARGS)

# The suites mostly wait on servers (CPU is about 40% of wall time), so test files run in
# parallel workers, each with its own embedded PostgreSQL and broker; a file stays in one worker.
TEST_WORKERS ?= 3
test: bootstrap
	@bash services/console/tests/install_chromium.sh
	$(UV) run pytest -n $(TEST_WORKERS) --dist loadfile $(ARGS)

# `make test` runs the same fuzz tests with a few derandomized examples per operation.
FUZZ_EXAMPLES ?= 100
fuzz: bootstrap
	UNIONFED_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(UV) run pytest services/membership/tests/fuzz services/assistance/tests/fuzz services/campaigns/tests/fuzz services/notifications/tests/fuzz services/console/tests/fuzz $(ARGS)

lint: bootstrap
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run hadolint deploy/Dockerfile deploy/test/*.Dockerfile
	$(UV) run mypy libs/events/src libs/chassis/src libs/devstack/src services/membership/src services/assistance/src services/campaigns/src services/notifications/src services/console/src bench

format: bootstrap
	$(UV) run ruff check --fix .
	$(UV) run ruff format .

bench: bootstrap
	@command -v wrk >/dev/null 2>&1 || bash bench/install_wrk.sh
	$(UV) run python -m bench $(ARGS)

# The fault scenarios print one table and fail on a broken oracle; then the long fuzz run.
# ARGS go to the scenarios only, e.g. "--scenario kill --small".
chaos: bootstrap
	$(UV) run python -m unionfed_devstack.chaos $(ARGS)
	$(MAKE) fuzz ARGS=

contracts: bootstrap
	$(UV) run python -m unionfed_events.schemas export
	$(UV) run unionfed api-docs --out docs

contracts-check: bootstrap
	$(UV) run python -m unionfed_events.schemas check

# Images, the compose stack and its smoke test, with Podman and local stand-ins for the registry
# images (deploy/README.md, "What ran here"). Needs root: it installs what is missing with apt.
deploy-test: bootstrap
	UV="$(UV)" deploy/test/run.sh

clean-data:
	rm -rf .data
