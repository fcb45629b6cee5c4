#!/usr/bin/env bash
# The test passes of `make test`, after lint. The Apache Kafka pass (integration and
# app tiers, KDASH_ENGINE=apache) runs beside the noida-db unit, integration and app
# tiers: each has its own brokers, and both spend most of their time waiting on them
# (restarts, session timeouts, outages). The browser tier then runs alone: its bounds
# are about what a user sees, so it gets the machine to itself. Every pass runs
# whatever failed before it, and the exit code says whether all passed.
set -u
BIN=${BIN:-.venv/bin}
mkdir -p test-artifacts
apache_log=test-artifacts/apache-pass.log

echo "== Apache Kafka pass (tests/integration tests/app) in the background; its output: $apache_log"
KDASH_ENGINE=apache "$BIN/python" -m pytest -p no:cacheprovider --durations=15 tests/integration tests/app \
  >"$apache_log" 2>&1 &
apache_pid=$!

echo "== noida-db pass: tests/unit tests/integration tests/app"
"$BIN/python" -m pytest --durations=15 tests/unit tests/integration tests/app
noida=$?

wait "$apache_pid"
apache=$?
echo "== Apache Kafka pass (exit $apache):"
cat "$apache_log"

echo "== browser tier: tests/e2e (noida-db)"
"$BIN/python" -m pytest --durations=15 tests/e2e
e2e=$?

echo "== exit codes: noida $noida, apache $apache, e2e $e2e"
[ "$noida" -eq 0 ] && [ "$apache" -eq 0 ] && [ "$e2e" -eq 0 ]
