#!/usr/bin/env bash
# Makes sure the tests have the real programs they talk to, from Debian's packages: Chromium
# and its WebDriver (chromedriver) for the browser tests, Prometheus Alertmanager for the
# alert intake tests, and Prometheus for `promtool check metrics` against `/metrics`. Installs
# whichever is missing. Run as root (CI and the dev machines are).
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
[ -x /usr/bin/prometheus-alertmanager ] || missing+=(prometheus-alertmanager)
[ -x /usr/bin/promtool ] || missing+=(prometheus)

if [ "${#missing[@]}" -gt 0 ]; then
  echo "ensure-test-tools: installing ${missing[*]} from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq "${missing[@]}" >&2
fi
