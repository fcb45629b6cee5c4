#!/usr/bin/env bash
# Apicurio Registry (a real server with the Confluent-compatible API under
# /apis/ccompat/v7) for the schema-registry tests: its Quarkus build comes from
# Maven Central as a tarball, unpacked once into .cache/apicurio/<version>.
# It runs on the Java 17 that kafka-deps installs.
set -eu
VERSION=3.0.9
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TARGET=${KDASH_REGISTRY_HOME:-$ROOT/.cache/apicurio}/$VERSION
[ -f "$TARGET/.complete" ] && exit 0
command -v mvn >/dev/null 2>&1 || { echo "ERROR: Maven is missing (make kafka-deps installs it)" >&2; exit 1; }
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
echo "fetching Apicurio Registry $VERSION from Maven Central (once, ~110 MB)..."
mvn -q -B dependency:copy -Dartifact="io.apicurio:apicurio-registry-app:$VERSION:tar.gz:all" \
  -DoutputDirectory="$STAGE" >"$STAGE/mvn.log" 2>&1 || { tail -30 "$STAGE/mvn.log" >&2; exit 1; }
rm -rf "$TARGET" && mkdir -p "$TARGET"
tar -xzf "$STAGE"/apicurio-registry-app-"$VERSION"-all.tar.gz -C "$TARGET"
RUNNER=$(find "$TARGET" -name 'apicurio-registry-app-*-runner.jar' | head -1)
[ -n "$RUNNER" ] || { echo "ERROR: no runner jar in the Apicurio tarball" >&2; exit 1; }
echo "$RUNNER" > "$TARGET/.complete"
