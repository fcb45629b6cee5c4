#!/usr/bin/env bash
# The test passes of `make test`, after lint: the unit tier, then every other
# tier on noida-db and the integration and app tiers on Apache Kafka
# (KDASH_ENGINE=apache), the two engine passes side by side.
#
# Side by side because both are mostly waiting (a broker's fencing, a sampling
# interval, a browser's redraw): one after the other they used ~45 % of the two
# cores for ~23 minutes. Each pass has its own broker, registry, ports, temp dirs
# and audit log, so they share nothing. The one thing they do share is the
# CPU, so no test may assert on wall-clock speed (rule 3: benchmarks do that).
# Both passes run whatever fails in the other; the exit code says whether all passed.
set -u
BIN=${BIN:-.venv/bin}
LOGS=${KDASH_PASS_LOGS:-test-artifacts}
mkdir -p "$LOGS"
started=$(date +%s)

echo "== unit tier"
"$BIN/python" -m pytest tests/unit
unit=$?

echo "== Apache Kafka pass (tests/integration tests/app) in the background: $LOGS/apache-pass.log"
KDASH_ENGINE=apache "$BIN/python" -m pytest --durations=15 tests/integration tests/app >"$LOGS/apache-pass.log" 2>&1 &
apache_pid=$!

echo "== noida-db pass: tests/integration tests/app tests/e2e"
"$BIN/python" -m pytest --durations=15 tests/integration tests/app tests/e2e
noida=$?

wait "$apache_pid"
apache=$?
echo "== Apache Kafka pass output"
cat "$LOGS/apache-pass.log"

echo "== exit codes: unit $unit, noida $noida, apache $apache; $(($(date +%s) - started)) s in all"
[ "$unit" -eq 0 ] && [ "$noida" -eq 0 ] && [ "$apache" -eq 0 ]
