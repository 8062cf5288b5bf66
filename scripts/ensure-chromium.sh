#!/usr/bin/env bash
# Makes sure the browser tests have Debian's Chromium and its WebDriver (chromedriver):
# installs the packages when either is missing. Run as root (CI and the dev machines are).
set -euo pipefail

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  exit 0
fi
echo "ensure-chromium: installing chromium and chromium-driver from Debian's packages" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq chromium chromium-driver >&2
