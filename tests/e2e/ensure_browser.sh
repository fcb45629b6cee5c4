#!/usr/bin/env bash
# Installs the Debian packages the tests drive when they are missing and apt is
# usable: chromium and an emoji font (browser tests), prometheus (a real server
# scraping /metrics); otherwise says why those tests will skip.
set -u
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
dpkg -s fonts-noto-color-emoji >/dev/null 2>&1 || need+=(fonts-noto-color-emoji)
[ -x /usr/bin/prometheus ] || need+=(prometheus)
[ ${#need[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "NOTE: apt-get is not available, so ${need[*]} cannot be installed: the tests that need them will be skipped." >&2
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; else
    echo "NOTE: not root and no passwordless sudo, so ${need[*]} cannot be installed: the tests that need them will be skipped." >&2
    exit 0
  fi
fi
echo "installing ${need[*]} with apt-get (once)..."
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null && $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
  || echo "NOTE: apt-get install ${need[*]} failed: the tests that need them will be skipped." >&2
exit 0
