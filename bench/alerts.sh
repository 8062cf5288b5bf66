#!/usr/bin/env bash
# Alert benchmark. In one run, on this machine:
#   1. alerts/s accepted by Firewatch's POST /hooks/prometheus (Alertmanager webhook v4 bodies),
#   2. alerts/s accepted by Firewatch's POST /v2/enqueue (PagerDuty Events API v2 triggers),
#   2b. alerts/s accepted by Firewatch's POST /am/prometheus/api/v2/alerts (Alertmanager's API
#      v2, as Prometheus pushes): the same bodies as the real Alertmanager's row below,
#   3. alerts/s accepted by the real Alertmanager's POST /api/v2/alerts (Debian's
#      prometheus-alertmanager), the way Prometheus pushes alerts to it, three times:
#      a. grouped by alertname (as Alertmanager is usually set up; every bench alert lands in
#         one group) with a receiver that has no notifiers: intake only, its best case;
#      b. grouping off (group_by ['...'], one aggregation group per alert), no notifiers;
#      c. grouping off with a webhook to the same sink as Firewatch: one notification per
#         alert, the work Firewatch does by default (grouping off),
# each loaded the same way with wrk (bench/alerts.lua: one new alert per request, the same
# labels and annotations in every shape), printed with p50/p99 and non-2xx counts, and as the
# ratios Firewatch / Alertmanager (the first column, against 3a, is the headline). Only 2xx
# answers count as accepted.
# Then alert-in to notification-out latency with grouping off (the default): Firewatch's
# webhook destination posts each "fired" notice to bench/alert_latency.py, which sends
# Alertmanager webhook bodies at a fixed, moderate rate (not saturation) and prints
# p50/p99/max (goal: p99 under 50 ms).
#
# Firewatch runs on SQLite (the default store), a fresh one per run, and answers only after
# the alert is committed and fsynced; Alertmanager keeps alerts in memory.
#
#   bench/alerts.sh [seconds=15] [connections=64] [latency alerts=2000] [latency rate/s=200]
#
# The binary is ${CARGO_TARGET_DIR:-target}/release/firewatch, built first unless SKIP_BUILD=1
# (for benchmarking a binary built elsewhere, e.g. while the tree does not compile).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-15}"
connections="${2:-64}"
latency_count="${3:-2000}"
latency_rate="${4:-200}"
routing_key=0123456789abcdef0123456789abcdef
alertmanager_binary=/usr/bin/prometheus-alertmanager

missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
[ -x "$alertmanager_binary" ] || missing+=(prometheus-alertmanager)
if [ "${#missing[@]}" -gt 0 ]; then
  # As scripts/ensure-test-tools.sh does it, without the Chromium packages the tests also need.
  echo "installing ${missing[*]} from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 && apt-get install -y -qq "${missing[@]}" >&2
fi
[ "${SKIP_BUILD:-0}" = 1 ] || cargo build --release --locked --quiet
binary="${CARGO_TARGET_DIR:-target}/release/firewatch"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
firewatch_port=$(free_port)
alertmanager_port=$(free_port)
sink_port=$(free_port)

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
stop() { kill -TERM "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
wait_ready() { # wait_ready URL NAME
  for _ in $(seq 1 200); do
    curl -sf "$1" >/dev/null && return 0
    sleep 0.1
  done
  echo "$2 did not become ready" >&2; exit 1
}

cat > "$work/firewatch.toml" <<TOML
[[integrations]]
name = "prometheus"
kind = "alertmanager"

[[integrations]]
name = "pd"
kind = "pagerduty"
routing_key = "$routing_key"

[[destinations]]
name = "sink"
kind = "webhook"
url = "http://127.0.0.1:$sink_port/"

[[routes]]
match = { kind = "alert" }
to = ["sink"]
TOML
"$binary" check-config --config "$work/firewatch.toml" >/dev/null 2>"$work/check-config.log" || {
  cat "$work/check-config.log" >&2; exit 1; }

# Alertmanager: a single instance (no gossip), one receiver.
alertmanager_config() { # alertmanager_config NAME GROUP-BY RECEIVER-SETTINGS
  mkdir -p "$work/$1"
  cat > "$work/$1/alertmanager.yml" <<YAML
route:
  receiver: sink
  group_by: [$2]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 4h
receivers:
  - name: sink
$3
YAML
}
alertmanager_config am-grouped "'alertname'" ""
alertmanager_config am-ungrouped "'...'" ""
alertmanager_config am-webhook "'...'" "    webhook_configs:
      - url: http://127.0.0.1:$sink_port/
        send_resolved: false"

start_firewatch() { # start_firewatch NAME: a fresh SQLite store per run
  RUST_LOG=warn "$binary" serve --config "$work/firewatch.toml" --listen "127.0.0.1:$firewatch_port" \
    --database-url "sqlite://$work/$1.db" 2>"$work/$1.log" &
  server=$!; pids+=("$server")
  wait_ready "http://127.0.0.1:$firewatch_port/readyz" firewatch
}
start_alertmanager() { # start_alertmanager NAME
  "$alertmanager_binary" --config.file="$work/$1/alertmanager.yml" --storage.path="$work/$1/data" \
    --web.listen-address="127.0.0.1:$alertmanager_port" --cluster.listen-address= \
    --log.level=warn 2>"$work/$1.log" &
  server=$!; pids+=("$server")
  wait_ready "http://127.0.0.1:$alertmanager_port/-/ready" alertmanager
}

sink_count() { curl -sf "http://127.0.0.1:$sink_port/count"; }
load() { # load NAME MODE URL: a 2 s warm-up, then the measured run; counts the sink's notices
  ALERTS_BENCH_MODE="$2" ALERTS_BENCH_RUN="$1w$$" ALERTS_BENCH_KEY="$routing_key" \
    wrk -t2 -c"$connections" -d2s -s bench/alerts.lua "$3" > "$work/$1.warm"
  local before; before=$(sink_count)
  ALERTS_BENCH_MODE="$2" ALERTS_BENCH_RUN="$1m$$" ALERTS_BENCH_KEY="$routing_key" \
    wrk -t2 -c"$connections" -d"${seconds}s" -s bench/alerts.lua "$3" > "$work/$1.wrk"
  echo $(( $(sink_count) - before )) > "$work/$1.notified"
}
acked() { # acked NAME: 2xx answers in the warm-up and the measured run
  cat "$work/$1.warm" "$work/$1.wrk" | sed -n 's/^RESULT .* ok=\([0-9]*\) .*/\1/p' | awk '{ n += $1 } END { print n + 0 }'
}
sql() { python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])" "$@"; }
firewatch_state() { # firewatch_state NAME INTEGRATION: what the store holds when the run ends
  local db="$work/$1.db"
  echo "$(sql "$db" "select count(*) from events where integration = '$2' and kind != 'alert'") reports stored for $(acked "$1") acknowledged (warm-up included);" \
    "$(sql "$db" "select count(*) from alerts") alerts applied," \
    "$(sql "$db" "select count(*) from jobs where kind = 'alert' and state = 'pending'") alert jobs still pending;" \
    "$(cat "$work/$1.notified") notices reached the sink during the measured run" > "$work/$1.state"
}
alertmanager_state() { # alertmanager_state NAME
  local received
  received=$(curl -sf "http://127.0.0.1:$alertmanager_port/metrics" |
    awk '/^alertmanager_alerts_received_total\{status="firing",version="v2"\}/ {print $2}')
  echo "${received:-?} alerts received for $(acked "$1") acknowledged (its own counter, warm-up included);" \
    "$(cat "$work/$1.notified") alerts notified to the sink during the measured run" > "$work/$1.state"
}

python3 bench/alert_latency.py sink --port "$sink_port" 2>/dev/null &
sink=$!; pids+=("$sink")
wait_ready "http://127.0.0.1:$sink_port/count" sink

echo "Alert benchmark: ${seconds}s per run (after a 2s warm-up), ${connections} connections, one new" \
  "alert per request, $(nproc) cores, load average before start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

start_firewatch hooks
load hooks hooks "http://127.0.0.1:$firewatch_port/hooks/prometheus"
firewatch_state hooks prometheus
stop "$server"

start_firewatch enqueue
load enqueue enqueue "http://127.0.0.1:$firewatch_port/v2/enqueue"
firewatch_state enqueue pd
stop "$server"

start_firewatch amapi
load amapi alertmanager "http://127.0.0.1:$firewatch_port/am/prometheus/api/v2/alerts"
firewatch_state amapi prometheus
stop "$server"

for name in am-grouped am-ungrouped am-webhook; do
  start_alertmanager "$name"
  load "$name" alertmanager "http://127.0.0.1:$alertmanager_port/api/v2/alerts"
  alertmanager_state "$name"
  stop "$server"
done

result() { # result NAME: accepted/s p50 p99 non-2xx socket-errors body-bytes statuses
  python3 - "$work/$1.wrk" <<'PY'
import sys
line = next(l for l in open(sys.argv[1]) if l.startswith("RESULT "))
f = dict(kv.split("=", 1) for kv in line.split()[1:])
seconds = int(f["duration_us"]) / 1e6
print(f"{int(f['ok']) / seconds:.0f} {int(f['p50_us']) / 1000:.2f}ms {int(f['p99_us']) / 1000:.2f}ms "
      f"{f['non2xx']} {f['socket_errors']} {f['body_bytes']} {f['statuses'] or '-'}")
PY
}
read -r h_rate h_p50 h_p99 h_bad h_sock h_bytes h_status <<<"$(result hooks)"
read -r e_rate e_p50 e_p99 e_bad e_sock e_bytes e_status <<<"$(result enqueue)"
read -r v_rate v_p50 v_p99 v_bad v_sock v_bytes v_status <<<"$(result amapi)"
read -r g_rate g_p50 g_p99 g_bad g_sock g_bytes g_status <<<"$(result am-grouped)"
read -r u_rate u_p50 u_p99 u_bad u_sock u_bytes u_status <<<"$(result am-ungrouped)"
read -r w_rate w_p50 w_p99 w_bad w_sock w_bytes w_status <<<"$(result am-webhook)"

row() { printf '%-46s %9s %9s %9s %8s %8s %6s\n' "$@"; }
row "target" "alerts/s" "p50" "p99" "non-2xx" "sock-err" "bytes"
row "Firewatch POST /hooks/prometheus" "$h_rate" "$h_p50" "$h_p99" "$h_bad" "$h_sock" "$h_bytes"
row "Firewatch POST /v2/enqueue" "$e_rate" "$e_p50" "$e_p99" "$e_bad" "$e_sock" "$e_bytes"
row "Firewatch POST /am/prometheus/api/v2/alerts" "$v_rate" "$v_p50" "$v_p99" "$v_bad" "$v_sock" "$v_bytes"
row "Alertmanager /api/v2/alerts a. grouped" "$g_rate" "$g_p50" "$g_p99" "$g_bad" "$g_sock" "$g_bytes"
row "Alertmanager /api/v2/alerts b. grouping off" "$u_rate" "$u_p50" "$u_p99" "$u_bad" "$u_sock" "$u_bytes"
row "Alertmanager /api/v2/alerts c. off + webhook" "$w_rate" "$w_p50" "$w_p99" "$w_bad" "$w_sock" "$w_bytes"
echo "(a: group_by alertname, no notifiers; b: group_by ['...'], no notifiers; c: group_by ['...'],"
echo " a webhook to the sink, one notification per alert as Firewatch sends)"
python3 - "$h_rate" "$e_rate" "$v_rate" "$g_rate" "$u_rate" "$w_rate" <<'PY'
import sys
hooks, enqueue, amapi, *am = map(float, sys.argv[1:])
print(f"{'ratio Firewatch / Alertmanager':34} {'a. grouped':>11} {'b. grouping off':>16} {'c. off + webhook':>17}")
for name, rate in (("Firewatch hooks", hooks), ("Firewatch enqueue", enqueue), ("Firewatch /am API v2", amapi)):
    a, b, c = (rate / x for x in am)
    print(f"{name:34} {a:>11.2f} {b:>16.2f} {c:>17.2f}")
PY
echo "alerts/s counts only 2xx answers (Firewatch answers 202, and 200 on /am like Alertmanager); by status:"
echo "  hooks $h_status; enqueue $e_status; /am API $v_status; Alertmanager a $g_status, b $u_status, c $w_status"
echo "Firewatch commits each alert to SQLite and fsyncs before it answers; Alertmanager keeps"
echo "alerts in memory (a snapshot to disk every 15 minutes) and answers before any notification."
echo "bytes is the request body; the webhook v4 body repeats the alert's labels and annotations in"
echo "commonLabels/commonAnnotations, as Alertmanager sends a one-alert group."
echo "When each measured run ended (stored or received above acknowledged: requests still in"
echo "flight when wrk stopped counting):"
echo "  Firewatch hooks:   $(cat "$work/hooks.state")"
echo "  Firewatch enqueue: $(cat "$work/enqueue.state")"
echo "  Firewatch /am API: $(cat "$work/amapi.state")"
echo "  Alertmanager a: $(cat "$work/am-grouped.state")"
echo "  Alertmanager b: $(cat "$work/am-ungrouped.state")"
echo "  Alertmanager c: $(cat "$work/am-webhook.state")"

stop "$sink"
echo
echo "Latency, alert in (POST /hooks/prometheus) to notification out (webhook destination), grouping"
echo "off, $latency_count alerts paced at ${latency_rate}/s (a moderate fixed rate, not saturation), fresh store;"
echo "goal: p99 under 50 ms:"
start_firewatch latency
python3 bench/alert_latency.py latency --port "$sink_port" \
  --url "http://127.0.0.1:$firewatch_port/hooks/prometheus" \
  --count "$latency_count" --rate "$latency_rate"
stop "$server"
