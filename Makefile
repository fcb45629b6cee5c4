# Two commands: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV ?= .venv
PORT ?= 8501
DEMO ?= 1
# The embedded broker's engine: noida (light, no Java) or apache (Apache Kafka; `make run KAFKA=apache`).
KAFKA ?= noida
BIN := $(VENV)/bin

.PHONY: run test test-apache lint format kafka-deps peer-deps registry-deps test-unit test-integration test-app test-e2e venv dev-venv browser-deps bench clean-data broker-start broker-stop

run: venv $(if $(filter apache,$(KAFKA)),kafka-deps)
	$(BIN)/python -m kafka_io serve --port $(PORT) --demo $(DEMO) --engine $(KAFKA)

# Every tier on noida-db, then the integration and app tiers again on Apache Kafka
# (tests/run_passes.sh).
test: dev-venv lint browser-deps kafka-deps peer-deps registry-deps
	BIN=$(BIN) bash tests/run_passes.sh

# Lint and format check first: a style slip fails in seconds, not after the browser tier.
lint: dev-venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: dev-venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test-unit: dev-venv
	$(BIN)/python -m pytest tests/unit
test-integration: dev-venv peer-deps registry-deps
	$(BIN)/python -m pytest tests/integration
test-apache: dev-venv kafka-deps peer-deps registry-deps
	KDASH_ENGINE=apache $(BIN)/python -m pytest --durations=15 tests/integration tests/app
test-app: dev-venv
	$(BIN)/python -m pytest tests/app
test-e2e: dev-venv browser-deps registry-deps
	$(BIN)/python -m pytest tests/e2e

venv: $(VENV)/.runtime-installed
dev-venv: $(VENV)/.dev-installed

$(VENV)/.runtime-installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.runtime-installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# Java 17 + Maven (apt, when missing) and the pinned Apache Kafka jars, for the apache engine.
kafka-deps: venv
	PYTHON=$(BIN)/python bash kafka_io/local/ensure_java.sh

# kafkajs, the Node peer client of tests/integration/test_peer_clients.py: `npm ci` from the
# committed lock, again only when the lock changes (Node.js itself with apt when missing).
peer-deps: tests/peers/node_modules/.installed
tests/peers/node_modules/.installed: tests/peers/package.json tests/peers/package-lock.json
	@bash tests/peers/ensure_peers.sh

# Apicurio Registry (a real Confluent-API schema registry for the schema tests), from Maven
# Central once into .cache/apicurio; it runs on kafka-deps' Java 17.
registry-deps: kafka-deps
	@bash tests/registry/ensure_registry.sh

# Debian's chromium for the browser tests (never `playwright install`) and prometheus for the
# /metrics tests, installed with apt when missing.
browser-deps:
	@bash tests/e2e/ensure_browser.sh

# Stops a demo and broker left running on .kafka-local first (stop `make run` with Ctrl-C before).
clean-data:
	-$(BIN)/python -m kafka_io demo --stop --data-dir .kafka-local
	-$(BIN)/python -m kafka_io broker stop --data-dir .kafka-local
	rm -rf .kafka-local

broker-start: venv
	$(BIN)/python -m kafka_io broker start
broker-stop: venv
	$(BIN)/python -m kafka_io broker stop
