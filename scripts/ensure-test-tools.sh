#!/usr/bin/env bash
# Makes sure the tests have the real programs they talk to, from Debian's packages: Chromium
# and its WebDriver (chromedriver) for the browser tests, Prometheus Alertmanager for the
# alert intake tests and `amtool`, Prometheus (the server pushing to `/am/{integration}`, and
# `promtool check metrics` against `/metrics`), swaks for the email listener, and a Korean
# font (Nanum) so the Korean pages' screenshots show Hangul rather than empty boxes; for the
# deployment files, podman (and runc, which copes with hybrid cgroups where crun does not) to
# build and run the image, mmdebstrap to make its runtime base from Debian's packages, and
# systemd for `systemd-analyze verify`. Installs whichever is missing. Run as root (CI and the
# dev machines are).
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
[ -x /usr/bin/prometheus-alertmanager ] || missing+=(prometheus-alertmanager)
[ -x /usr/bin/promtool ] || missing+=(prometheus)
[ -f /usr/share/fonts/truetype/nanum/NanumGothic.ttf ] || missing+=(fonts-nanum)
command -v podman >/dev/null || missing+=(podman)
command -v runc >/dev/null || missing+=(runc)
command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
command -v systemd-analyze >/dev/null || missing+=(systemd)
command -v objcopy >/dev/null || missing+=(binutils)
command -v swaks >/dev/null || missing+=(swaks)

if [ "${#missing[@]}" -gt 0 ]; then
  echo "ensure-test-tools: installing ${missing[*]} from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq "${missing[@]}" >&2
fi

# Opsgenie's own Python SDK, the real client of the Opsgenie Alert API tests, in a local folder.
opsgenie_sdk_version=2.1.5
opsgenie_venv="$(cd "$(dirname "$0")/.." && pwd)/target/tools/opsgenie"
# Read whole, not through grep -q: under pipefail an early grep exit would fail pip's pipe.
installed=$("$opsgenie_venv/bin/pip" show opsgenie-sdk 2>/dev/null | sed -n 's/^Version: //p' || true)
if [ "$installed" != "$opsgenie_sdk_version" ]; then
  echo "ensure-test-tools: installing opsgenie-sdk==$opsgenie_sdk_version into $opsgenie_venv" >&2
  python3 -m venv "$opsgenie_venv"
  "$opsgenie_venv/bin/pip" install --quiet --disable-pip-version-check "opsgenie-sdk==$opsgenie_sdk_version" >&2
fi

# panva's oidc-provider, the real OpenID provider of the OIDC sign-in tests (tests/oidc/provider.mjs),
# at the version tests/oidc/package-lock.json pins, into tests/oidc/node_modules. It needs Node.js
# 20.18 or later (Debian bookworm's nodejs, 18, is too old, so none is installed from there).
oidc_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/oidc"
if ! command -v npm >/dev/null || ! node -e 'process.exit(typeof URL.parse === "function" ? 0 : 1)' 2>/dev/null; then
  echo "ensure-test-tools: tests/oidc needs Node.js >= 20.18 and npm" >&2
  exit 1
fi
oidc_provider_version=$(node -p 'require(process.argv[1]).packages["node_modules/oidc-provider"].version' "$oidc_dir/package-lock.json")
installed=$(node -p 'require(process.argv[1]).version' "$oidc_dir/node_modules/oidc-provider/package.json" 2>/dev/null || true)
if [ "$installed" != "$oidc_provider_version" ]; then
  echo "ensure-test-tools: installing oidc-provider@$oidc_provider_version into $oidc_dir/node_modules" >&2
  (cd "$oidc_dir" && npm ci --no-audit --no-fund >&2)
fi
