#!/usr/bin/env bash
# The test passes of `make test`, after lint: the unit tier, then every other
# tier on noida-db and the integration and app tiers on Apache Kafka
# (KDASH_ENGINE=apache).
#
# The two engine passes run side by side: both are mostly waiting (a broker's
# fencing, a sampling interval, a browser's redraw), and one after the other they
# used ~45 % of the two cores and ~26 min; side by side they take ~13 min
# (docs/testing.md). KDASH_PASSES=one-after-the-other runs them in turn, for a
# machine with one core or when reading one pass's output as it comes.
# Each pass has its own broker, registry, ports, temp dirs and audit log.
# Both passes run whatever fails in the other; the exit code says whether all passed.
set -u
BIN=${BIN:-.venv/bin}
LOGS=${KDASH_PASS_LOGS:-test-artifacts}
PASSES=${KDASH_PASSES:-side-by-side}
mkdir -p "$LOGS"
started=$(date +%s)

apache_pass() {
  KDASH_ENGINE=apache "$BIN/python" -m pytest --durations=15 tests/integration tests/app
}

# Side by side, the Apache pass starts first: its JVM brokers take a while to come up,
# and the unit tier's ~20 s of CPU fit into that wait.
if [ "$PASSES" = "side-by-side" ]; then
  echo "== Apache Kafka pass (tests/integration tests/app) in the background: $LOGS/apache-pass.log"
  apache_pass >"$LOGS/apache-pass.log" 2>&1 &
  apache_pid=$!
fi

echo "== unit tier"
"$BIN/python" -m pytest tests/unit
unit=$?

echo "== noida-db pass: tests/integration tests/app tests/e2e"
"$BIN/python" -m pytest --durations=15 tests/integration tests/app tests/e2e
noida=$?

if [ "$PASSES" = "side-by-side" ]; then
  wait "$apache_pid"
  apache=$?
  echo "== Apache Kafka pass output"
  cat "$LOGS/apache-pass.log"
else
  echo "== Apache Kafka pass: tests/integration tests/app"
  apache_pass
  apache=$?
fi

echo "== exit codes: unit $unit, noida $noida, apache $apache; $(($(date +%s) - started)) s in all ($PASSES)"
[ "$unit" -eq 0 ] && [ "$noida" -eq 0 ] && [ "$apache" -eq 0 ]
