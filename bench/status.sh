#!/usr/bin/env bash
# Status page benchmark: requests/s and latency of GET /status (the cached, server-rendered
# public page, with components, an open incident with public updates, a maintenance window
# and 90 days of history) beside GET /healthz (the ceiling: the same server answering the
# smallest request it has), both loaded by wrk in one run on this machine, and their ratio.
# Goal (issue #17): at least 20,000 requests/s for /status with p99 under 10 ms.
#
#   bench/status.sh [seconds=10] [connections=64]
#
# The binary is ${CARGO_TARGET_DIR:-target}/release/firewatch, built first unless SKIP_BUILD=1.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-10}"
connections="${2:-64}"
if ! command -v wrk >/dev/null 2>&1; then
  echo "installing wrk from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 && apt-get install -y -qq wrk >&2
fi
[ "${SKIP_BUILD:-0}" = 1 ] || cargo build --release --locked --quiet
binary="${CARGO_TARGET_DIR:-target}/release/firewatch"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
work="$(mktemp -d)"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

cat > "$work/firewatch.toml" <<TOML
[server]
listen = "127.0.0.1:$port"
database_url = "sqlite://$work/firewatch.db"

[[services]]
id = "api"

[[services]]
id = "search"

[status_page]
title = "Acme status"

[[status_page.components]]
name = "Public API"
services = ["api"]

[[status_page.components]]
name = "Search"
services = ["search"]
TOML

"$binary" serve --config "$work/firewatch.toml" >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
token=$("$binary" token create --config "$work/firewatch.toml" --name bench --scopes admin 2>/dev/null)
api() { curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "http://127.0.0.1:$port$1" -d "$2" >/dev/null; }
api /api/v1/incidents '{"title": "Checkout fails for EU customers", "severity": "SEV2", "services": ["api"]}'
api /api/v1/incidents/1/updates '{"status": "identified", "message": "Some EU payments fail; we are rolling back", "public": true}'
api /api/v1/silences '{"service": "search", "duration": "2h", "comment": "Search index rebuild"}'
bytes=$(curl -sf "http://127.0.0.1:$port/status" | wc -c)
echo "GET /status: $bytes bytes of HTML"

run() { # run PATH → "requests/s p50_ms p99_ms non2xx"
  wrk -t2 -c"$connections" -d"${seconds}s" --latency "http://127.0.0.1:$port$1" > "$work/wrk.txt"
  python3 - "$work/wrk.txt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def ms(label):
    m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
print(f"{rps:.0f} {ms('50'):.2f} {ms('99'):.2f} {bad.group(1) if bad else 0}")
PY
}
read -r status_rps status_p50 status_p99 status_bad < <(run /status)
read -r health_rps health_p50 health_p99 health_bad < <(run /healthz)
printf '%-10s %12s %9s %9s %8s\n' path "requests/s" "p50 ms" "p99 ms" "non-2xx"
printf '%-10s %12s %9s %9s %8s\n' /status "$status_rps" "$status_p50" "$status_p99" "$status_bad"
printf '%-10s %12s %9s %9s %8s\n' /healthz "$health_rps" "$health_p50" "$health_p99" "$health_bad"
python3 -c "print(f'/status / /healthz = {$status_rps / $health_rps:.2f}')"
