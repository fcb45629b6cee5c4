#!/usr/bin/env bash
# Installs the pinned peer clients (kafkajs, from package-lock.json) with `npm ci`
# into tests/peers/node_modules, and Node.js itself with apt when it is missing.
# Under CI=true anything missing is an error; a developer gets a note, and the
# kafkajs tests skip saying why.
set -u
cd "$(dirname "$0")"
missing() {
  if [ "${CI:-}" = "true" ]; then
    echo "ERROR: $1: CI must run the kafkajs peer tests." >&2
    exit 1
  fi
  echo "NOTE: $1: the kafkajs peer tests will be skipped." >&2
  exit 0
}
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  command -v apt-get >/dev/null 2>&1 || missing "node or npm is missing and apt-get is not available"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; else
      missing "node or npm is missing, and installing them needs root or passwordless sudo"
    fi
  fi
  echo "installing nodejs and npm with apt-get (once)..."
  export DEBIAN_FRONTEND=noninteractive
  { $sudo apt-get update -qq >/dev/null && $sudo apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null; } \
    || missing "apt-get install nodejs npm failed"
fi
npm ci --no-audit --no-fund --loglevel=error >/dev/null || missing "npm ci in tests/peers failed"
touch node_modules/.installed
