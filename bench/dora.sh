#!/usr/bin/env bash
# DORA query benchmark: GET /api/v1/metrics/dora over one year of a 50-service organisation
# (100,000 production deployments with 1,000,000 changes, 5,000 incidents), for the whole
# organisation, one team (10 services) and one service, beside GET /healthz on the same server
# in the same run; on SQLite and, when FIREWATCH_TEST_POSTGRES_URL is set, on PostgreSQL.
# Goal (issue #18): the year's query answers in under 200 ms on both.
#
#   bench/dora.sh [requests=15]
#
# The binary is ${CARGO_TARGET_DIR:-target}/release/firewatch, built first unless SKIP_BUILD=1.
set -euo pipefail
cd "$(dirname "$0")/.."

requests="${1:-15}"
[ "${SKIP_BUILD:-0}" = 1 ] || cargo build --release --locked --quiet
binary="${CARGO_TARGET_DIR:-target}/release/firewatch"
work="$(mktemp -d)"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# One year ending 2026-12-01, in milliseconds.
end_ms=1796083200000
start_ms=$((end_ms - 365 * 86400000))

config() {
  {
    printf '[server]\nlisten = "127.0.0.1:%s"\ndatabase_url = "%s"\n\n' "$1" "$2"
    for team in 0 1 2 3 4; do printf '[[teams]]\nid = "team-%s"\n\n' "$team"; done
    for service in $(seq 0 49); do
      printf '[[services]]\nid = "svc-%s"\nteam = "team-%s"\n\n' "$service" $((service % 5))
    done
  } > "$work/firewatch.toml"
}

# The rows, as one SQL script per dialect: deployment i belongs to service i % 50, finishes
# at an even spacing over the year, ships 10 changes committed 1 to 10 hours before (its
# packed record, as projection writes it, beside its changes' rows); every
# 40th is a rollback and every 97th a hotfix; 5,000 incidents, one in 5 naming a deployment.
sqlite_rows() {
  cat <<SQL
PRAGMA journal_mode = WAL;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99999)
INSERT INTO deployments (id, source, repository, service, environment, version, sha, status, kind, url, started_at, finished_at, changes, record, change_count)
SELECT id, 'deployments', 'acme/' || service, service, 'production', 'v' || i, lower(hex(randomblob(20))), 'success', kind, NULL, NULL,
       finished, changes, id || '|' || service || '|production|' || kind || '|' || finished || '|' || changes || '|' || leads,
       CASE WHEN changes = 'known' THEN 10 ELSE 0 END
FROM (SELECT i, printf('dep-%06d', i) AS id, 'svc-' || (i % 50) AS service, $start_ms + i * 315360 AS finished,
             CASE WHEN i % 40 = 39 THEN 'rollback' WHEN i % 97 = 96 THEN 'hotfix' ELSE 'planned' END AS kind,
             CASE WHEN i < 50 THEN 'seed' WHEN i % 23 = 0 THEN 'unknown' ELSE 'known' END AS changes,
             CASE WHEN i < 50 OR i % 23 = 0 THEN '' ELSE '3600,7200,10800,14400,18000,21600,25200,28800,32400,36000' END AS leads
      FROM n);
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999999)
INSERT INTO deployment_changes (deployment_id, sha, first_commit_at)
SELECT printf('dep-%06d', i / 10), lower(hex(randomblob(20))), $start_ms + (i / 10) * 315360 - (i % 10 + 1) * 3600000 FROM n;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 4999)
INSERT INTO incidents (id, title, severity, priority, state, services, impact_started_at, mitigated_at, resolved_at, causing_deployment, declared_by, created_at, updated_at)
SELECT printf('inc-%05d', i), 'Incident ' || i, 'SEV3', 'P3', 'closed', '["svc-' || (i % 50) || '"]',
       $start_ms + i * 6307200 + 600000, $start_ms + i * 6307200 + 2400000, $start_ms + i * 6307200 + 3600000,
       CASE WHEN i % 5 = 0 THEN printf('dep-%06d', i * 20) END, 'bench',
       $start_ms + i * 6307200 + 600000, $start_ms + i * 6307200 + 3600000
FROM n;
COMMIT;
SQL
}

postgres_rows() {
  cat <<SQL
BEGIN;
INSERT INTO deployments (id, source, repository, service, environment, version, sha, status, kind, url, started_at, finished_at, changes, record, change_count)
SELECT id, 'deployments', 'acme/' || service, service, 'production', 'v' || i, md5(i::text) || substr(md5((i + 1)::text), 1, 8), 'success', kind, NULL, NULL,
       finished, changes, id || '|' || service || '|production|' || kind || '|' || finished || '|' || changes || '|' || leads,
       CASE WHEN changes = 'known' THEN 10 ELSE 0 END
FROM (SELECT i, 'dep-' || lpad(i::text, 6, '0') AS id, 'svc-' || (i % 50) AS service, $start_ms + i::bigint * 315360 AS finished,
             CASE WHEN i % 40 = 39 THEN 'rollback' WHEN i % 97 = 96 THEN 'hotfix' ELSE 'planned' END AS kind,
             CASE WHEN i < 50 THEN 'seed' WHEN i % 23 = 0 THEN 'unknown' ELSE 'known' END AS changes,
             CASE WHEN i < 50 OR i % 23 = 0 THEN '' ELSE '3600,7200,10800,14400,18000,21600,25200,28800,32400,36000' END AS leads
      FROM generate_series(0, 99999) i) AS rows;
INSERT INTO deployment_changes (deployment_id, sha, first_commit_at)
SELECT 'dep-' || lpad((i / 10)::text, 6, '0'), md5(i::text) || substr(md5((-i)::text), 1, 8),
       $start_ms + (i / 10)::bigint * 315360 - (i % 10 + 1) * 3600000
FROM generate_series(0, 999999) i;
INSERT INTO incidents (id, title, severity, priority, state, services, impact_started_at, mitigated_at, resolved_at, causing_deployment, declared_by, created_at, updated_at)
SELECT 'inc-' || lpad(i::text, 5, '0'), 'Incident ' || i, 'SEV3', 'P3', 'closed', '["svc-' || (i % 50) || '"]',
       $start_ms + i::bigint * 6307200 + 600000, $start_ms + i::bigint * 6307200 + 2400000, $start_ms + i::bigint * 6307200 + 3600000,
       CASE WHEN i % 5 = 0 THEN 'dep-' || lpad((i * 20)::text, 6, '0') END, 'bench',
       $start_ms + i::bigint * 6307200 + 600000, $start_ms + i::bigint * 6307200 + 3600000
FROM generate_series(0, 4999) i;
COMMIT;
ANALYZE;
SQL
}

# Milliseconds per request, one line per request.
times() {
  for _ in $(seq 1 "$requests"); do
    curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $token" "$1"
  done | awk '{ printf "%.2f\n", $1 * 1000 }' | sort -n
}
median() { awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
worst() { tail -n 1; }

run() {
  local backend="$1" url="$2"
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  config "$port" "$url"
  "$binary" serve --config "$work/firewatch.toml" >"$work/serve.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  token=$("$binary" token create --config "$work/firewatch.toml" --name bench --scopes metrics:read 2>/dev/null)
  local loaded=$SECONDS
  if [ "$backend" = sqlite ]; then
    sqlite_rows | sqlite3 "${url#sqlite://}" >/dev/null
  else
    postgres_rows | psql -q -v ON_ERROR_STOP=1 "$url" >/dev/null
  fi
  echo "$backend: loaded 100,000 deployments, 1,000,000 changes, 5,000 incidents in $((SECONDS - loaded)) s"
  local base="http://127.0.0.1:$port/api/v1/metrics/dora?from=2025-12-01T00:00:00Z&to=2026-12-01T00:00:00Z"
  # The first answer warms the caches; it is not counted.
  curl -s -o "$work/first.json" -H "Authorization: Bearer $token" "$base"
  python3 - "$work/first.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(f"  checked: {d['deployment_frequency']['deployments']} deployments, "
      f"{d['lead_time']['changes']} changes, lead time {d['lead_time']['median_seconds']} s, "
      f"change failure rate {d['change_failure_rate']['value']:.4f}, recovery {d['recovery_time']['median_seconds']} s")
PY
  local healthz year team service
  healthz=$(times "http://127.0.0.1:$port/healthz")
  year=$(times "$base")
  team=$(times "$base&team=team-0")
  service=$(times "$base&service=svc-7")
  printf '  %-34s %9s %9s %s\n' "request ($requests each)" "median ms" "worst ms" "median / 200 ms budget"
  for row in "healthz:$healthz" "year, whole organisation:$year" "year, one team (10 services):$team" "year, one service:$service"; do
    local name="${row%%:*}" values="${row#*:}"
    local m w
    m=$(echo "$values" | median)
    w=$(echo "$values" | worst)
    printf '  %-34s %9s %9s %.2f\n' "$name" "$m" "$w" "$(echo "$m / 200" | bc -l)"
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
}

run sqlite "sqlite://$work/firewatch.db"
if [ -n "${FIREWATCH_TEST_POSTGRES_URL:-}" ]; then
  db="firewatch_bench_dora_$$"
  psql -q "$FIREWATCH_TEST_POSTGRES_URL" -c "CREATE DATABASE $db" >/dev/null
  run postgres "${FIREWATCH_TEST_POSTGRES_URL%/*}/$db"
  psql -q "$FIREWATCH_TEST_POSTGRES_URL" -c "DROP DATABASE $db" >/dev/null
fi
