#!/usr/bin/env bash
# Intake benchmark: loads POST /hooks/{integration} on the real durable SQLite store and, in the
# same run, on the same server with the store switched off, and prints requests/s, the ratio and
# p50/p99 latency for each. Then it checks that the durable run stored every acknowledged event.
#
#   bench/intake.sh [seconds=15] [connections=64]
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-15}"
connections="${2:-64}"
port=18080

if ! command -v wrk >/dev/null 2>&1; then
  echo "installing wrk from Debian's packages" >&2
  apt-get update -qq && apt-get install -y -qq wrk >&2
fi
cargo build --release --locked --quiet
binary=target/release/firewatch

work="$(mktemp -d)"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

cat > "$work/firewatch.toml" <<TOML
[[integrations]]
name = "bench"
kind = "generic"
TOML

run() {
  local mode="$1"; shift
  RUST_LOG=warn "$binary" serve --config "$work/firewatch.toml" --listen "127.0.0.1:$port" \
    --database-url "sqlite://$work/$mode.db" "$@" 2>"$work/$mode.log" &
  server=$!
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
    sleep 0.1
  done
  # A short warm-up, then the measured run.
  wrk -t2 -c"$connections" -d2s -s bench/intake.lua "http://127.0.0.1:$port/hooks/bench" >/dev/null
  wrk -t2 -c"$connections" -d"${seconds}s" --latency -s bench/intake.lua \
    "http://127.0.0.1:$port/hooks/bench" > "$work/$mode.wrk"
  kill -TERM "$server"; wait "$server" || true; server=""
}

field() { # field MODE: requests/s, p50, p99, requests, non-2xx
  local file="$work/$1.wrk"
  local rps p50 p99 total errors
  rps=$(awk '/^Requests\/sec/ {print $2}' "$file")
  p50=$(awk '$1 == "50%" {print $2}' "$file")
  p99=$(awk '$1 == "99%" {print $2}' "$file")
  total=$(awk '/requests in/ {print $1}' "$file")
  errors=$(awk '/Non-2xx/ {print $NF}' "$file"); errors=${errors:-0}
  echo "$rps $p50 $p99 $total $errors"
}

echo "Firewatch intake benchmark: ${seconds}s, ${connections} connections, ~2 KB JSON bodies, $(nproc) cores"
run durable
run discard --bench-discard-events
read -r d_rps d_p50 d_p99 d_total d_err <<<"$(field durable)"
read -r n_rps n_p50 n_p99 n_total n_err <<<"$(field discard)"

printf '%-34s %12s %10s %10s %10s\n' "mode" "requests/s" "p50" "p99" "non-2xx"
printf '%-34s %12s %10s %10s %10s\n' "durable (SQLite WAL, fsync first)" "$d_rps" "$d_p50" "$d_p99" "$d_err"
printf '%-34s %12s %10s %10s %10s\n' "store switched off" "$n_rps" "$n_p50" "$n_p99" "$n_err"
python3 - "$d_rps" "$n_rps" <<'PY'
import sys
durable, discard = float(sys.argv[1]), float(sys.argv[2])
print(f"ratio durable / store off: {durable / discard:.2f}")
PY

# Every request wrk counted (warm-up included) that got a 2xx must be a stored row.
stored=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from events').fetchone()[0])" "$work/durable.db")
echo "durable run: stored $stored events (measured run sent $d_total requests, $d_err not 2xx)"
