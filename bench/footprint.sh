#!/usr/bin/env bash
# Footprint (PRODUCT.md §4: the release binary under 30 MB, start-up under 200 ms to ready,
# idle memory under 30 MB): the release binary's size; the time from starting the process to
# /readyz answering 200, on a new database (migrations run first) and on an existing one, as
# the median and worst of 10 starts each; resident memory after 5 s idle; and the peak
# resident memory after 10 s of intake at 64 connections (wrk, as bench/intake.sh drives it),
# which the Kubernetes manifests' requests and limits come from.
#
#   bench/footprint.sh [BINARY]            # default: builds target/release/firewatch
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -ge 1 ]; then
  binary="$1"
else
  cargo build --release --locked --quiet --bin firewatch
  binary=target/release/firewatch
fi
if ! command -v wrk >/dev/null 2>&1; then
  echo "installing wrk from Debian's packages" >&2
  apt-get update -qq && apt-get install -y -qq wrk >&2
fi
work="$(mktemp -d)"
trap 'kill "${server:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

echo "binary: $(stat -c %s "$binary" | awk '{printf "%.1f MB (%d bytes)", $1/1e6, $1}'), $("$binary" --version)"

python3 - "$binary" "$work" <<'PY'
import os, statistics, subprocess, sys, time, urllib.request
binary, work = sys.argv[1], sys.argv[2]
db = os.path.join(work, "startup.db")
def start_to_ready(fresh):
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            try: os.remove(db + suffix)
            except FileNotFoundError: pass
    began = time.perf_counter()
    server = subprocess.Popen([binary, "serve", "--database-url", f"sqlite://{db}", "--listen", "127.0.0.1:18190"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            urllib.request.urlopen("http://127.0.0.1:18190/readyz", timeout=1)
            break
        except Exception:
            time.sleep(0.001)
    took = (time.perf_counter() - began) * 1000
    server.terminate(); server.wait()
    return took
for fresh, what in ((True, "new database"), (False, "existing database")):
    runs = [start_to_ready(fresh) for _ in range(10)]
    print(f"start to ready, {what}: median {statistics.median(runs):.0f} ms, worst {max(runs):.0f} ms")
PY

cat > "$work/firewatch.toml" <<TOML
[[integrations]]
name = "bench"
kind = "generic"
TOML
RUST_LOG=warn "$binary" serve --config "$work/firewatch.toml" --listen 127.0.0.1:18191 \
  --database-url "sqlite://$work/load.db" 2>"$work/server.log" &
server=$!
for _ in $(seq 1 100); do curl -fs -o /dev/null http://127.0.0.1:18191/readyz && break; sleep 0.05; done
sleep 5
echo "idle: $(awk '/^VmRSS/ {printf "%.1f MiB resident", $2/1024}' "/proc/$server/status")"
wrk -t2 -c64 -d10s -s bench/intake.lua http://127.0.0.1:18191/hooks/bench | awk '/Requests\/sec/ {printf "intake load: %s requests/s, ", $2}'
echo "peak $(awk '/^VmHWM/ {printf "%.1f MiB resident", $2/1024}' "/proc/$server/status")"
