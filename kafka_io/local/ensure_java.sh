#!/usr/bin/env bash
# Java 17 and Maven for the Apache Kafka engine, from apt when missing (as
# tests/e2e/ensure_browser.sh does for Chromium), then the pinned Kafka jars.
set -eu
need=()
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || need+=(maven)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo -n"; fi
  echo "installing ${need[*]} with apt-get (once)..."
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >/dev/null
  $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
exec "${PYTHON:-python3}" -m kafka_io broker fetch-jars
