#!/usr/bin/env bash
# Intake benchmark: loads POST /hooks/{integration} on the real durable SQLite store and, in the
# same run, on the reference ceiling (bench/rust/intake_reference.rs: a minimal axum + SQLite
# group-commit server) and on Firewatch with the store switched off. Prints requests/s,
# p50/p99 latency and the ratios, then checks that the durable run stored every acknowledged
# event.
#
#   bench/intake.sh [seconds=15] [connections=64]
#
# BASELINE=path/to/an/older/firewatch adds that binary's durable run beside the others, for
# a before/after ratio in one run.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-15}"
connections="${2:-64}"
port=18080

if ! command -v wrk >/dev/null 2>&1; then
  echo "installing wrk from Debian's packages" >&2
  apt-get update -qq && apt-get install -y -qq wrk >&2
fi
cargo build --release --locked --quiet --bin firewatch --example intake_reference
binary=target/release/firewatch
reference=target/release/examples/intake_reference

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
  if [ "$mode" = reference ]; then
    "$reference" "127.0.0.1:$port" "$work/$mode.db" 2>"$work/$mode.log" &
  elif [ "$mode" = baseline ]; then
    RUST_LOG=warn "$BASELINE" serve --config "$work/firewatch.toml" --listen "127.0.0.1:$port" \
      --database-url "sqlite://$work/$mode.db" 2>"$work/$mode.log" &
  else
    RUST_LOG=warn "$binary" serve --config "$work/firewatch.toml" --listen "127.0.0.1:$port" \
      --database-url "sqlite://$work/$mode.db" "$@" 2>"$work/$mode.log" &
  fi
  server=$!
  for _ in $(seq 1 100); do
    # Any answer means it listens (the reference has no /readyz).
    curl -s -o /dev/null "http://127.0.0.1:$port/readyz" && break
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
# Interleaved, so a slow spell of the machine does not fall on one mode only.
run durable
run reference
[ -n "${BASELINE:-}" ] && run baseline
run discard --bench-discard-events
read -r d_rps d_p50 d_p99 d_total d_err <<<"$(field durable)"
read -r r_rps r_p50 r_p99 r_total r_err <<<"$(field reference)"
read -r n_rps n_p50 n_p99 n_total n_err <<<"$(field discard)"

printf '%-40s %12s %10s %10s %10s\n' "mode" "requests/s" "p50" "p99" "non-2xx"
printf '%-40s %12s %10s %10s %10s\n' "Firewatch, durable (SQLite WAL, fsync)" "$d_rps" "$d_p50" "$d_p99" "$d_err"
printf '%-40s %12s %10s %10s %10s\n' "reference: minimal axum + SQLite" "$r_rps" "$r_p50" "$r_p99" "$r_err"
printf '%-40s %12s %10s %10s %10s\n' "Firewatch, store switched off" "$n_rps" "$n_p50" "$n_p99" "$n_err"
python3 - "$d_rps" "$r_rps" "$n_rps" <<'PY'
import sys
durable, reference, discard = (float(value) for value in sys.argv[1:])
print(f"ratio durable / reference: {durable / reference:.2f}")
print(f"ratio durable / store off: {durable / discard:.2f}")
PY
if [ -n "${BASELINE:-}" ]; then
  read -r b_rps b_p50 b_p99 b_total b_err <<<"$(field baseline)"
  printf '%-40s %12s %10s %10s %10s\n' "baseline: $BASELINE" "$b_rps" "$b_p50" "$b_p99" "$b_err"
  python3 -c "import sys; print(f'ratio durable / baseline: {float(sys.argv[1]) / float(sys.argv[2]):.2f}')" "$d_rps" "$b_rps"
fi

# Every request wrk counted (warm-up included) that got a 2xx must be a stored row.
stored=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from events').fetchone()[0])" "$work/durable.db")
echo "durable run: stored $stored events (measured run sent $d_total requests, $d_err not 2xx)"
