#!/usr/bin/env bash
# deploy/compose.yaml run with podman-compose, offline, on the image built from this checkout:
# the default service (SQLite in a volume), then the postgres profile (PostgreSQL, two
# Firewatch replicas, nginx in front). The registry images the file names (docker.io's postgres
# and nginx) are stood in for by images made here from Debian's packages, started the way the
# official ones are. Shows that the SQLite service serves, that both replicas serve, that a
# critical alert pages through the proxy, and that with one replica stopped the other keeps
# taking alerts and paging.
#
#   scripts/compose-test.sh [BINARY]        # default target/release/firewatch
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/podman-lib.sh

binary="${1:-target/release/firewatch}"
[ -x "$binary" ] || { echo "compose-test: no binary at $binary" >&2; exit 1; }

PODMAN_COMPOSE_VERSION=1.6.0
venv=target/tools/podman-compose
if [ "$("$venv/bin/podman-compose" --version 2>/dev/null | head -1)" != "podman-compose version $PODMAN_COMPOSE_VERSION" ]; then
  echo "compose-test: installing podman-compose==$PODMAN_COMPOSE_VERSION into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "podman-compose==$PODMAN_COMPOSE_VERSION"
fi

run_id="fwcompose-$$"
work="$(mktemp -d)"
export FIREWATCH_IMAGE="localhost/firewatch:${run_id}"
export POSTGRES_IMAGE=localhost/firewatch-test-postgres:15
export PROXY_IMAGE=localhost/firewatch-test-nginx:stable
export FIREWATCH_PORT="$(free_port)" PROXY_PORT="$(free_port)"
export FIREWATCH_CONFIG_FILE="$work/firewatch.toml"
export INGEST_TOKEN="compose-$$"
receiver_port="$(free_port)"
compose() { "$venv/bin/podman-compose" --no-ansi -p "$run_id" -f deploy/compose.yaml --profile postgres "$@"; }

cleanup() {
  [ -n "${KEEP:-}" ] || compose down -v -t 5 >/dev/null 2>&1 || true
  [ -n "${receiver:-}" ] && kill "$receiver" 2>/dev/null || true
  remove_images "$run_id"
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "compose-test: FAILED: $*" >&2
  for service in firewatch-1 firewatch-2 proxy; do
    echo "--- $service: $(podman inspect -f '{{.State.Status}} {{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "${run_id}_${service}_1" 2>&1)" >&2
    podman logs "${run_id}_${service}_1" 2>&1 | grep -v 'GET /readyz' | tail -15 >&2 || true
  done
  exit 1
}
step() { echo "compose-test: $*"; }

podman_conf "$work"

# The official postgres image's contract, as far as compose.yaml uses it: POSTGRES_USER,
# POSTGRES_PASSWORD and POSTGRES_DB make the cluster on first start, in
# /var/lib/postgresql/data, reached with a password from any address; pg_isready works.
if ! podman image exists "$POSTGRES_IMAGE"; then
  step "making $POSTGRES_IMAGE from Debian's postgresql-15"
  cat > "$work/entrypoint" <<'SH'
#!/bin/sh
set -eu
PGDATA=/var/lib/postgresql/data
bin=/usr/lib/postgresql/15/bin
mkdir -p "$PGDATA" /run/postgresql
chown postgres:postgres "$PGDATA" /run/postgresql
chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  printf '%s\n' "$POSTGRES_PASSWORD" > /tmp/pw && chown postgres /tmp/pw
  su postgres -s /bin/sh -c "$bin/initdb -D $PGDATA -U $POSTGRES_USER --pwfile=/tmp/pw --auth=scram-sha-256" >/dev/null
  rm /tmp/pw
  echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  echo "CREATE DATABASE $POSTGRES_DB" | su postgres -s /bin/sh -c "$bin/postgres --single -D $PGDATA template1" >/dev/null
fi
exec su postgres -s /bin/sh -c "exec $bin/postgres -D $PGDATA"
SH
  mmdebstrap --quiet --variant=apt --include=postgresql-15 \
    --customize-hook='chroot "$1" pg_dropcluster 15 main' \
    --customize-hook="install -m 0755 $work/entrypoint \"\$1/usr/local/bin/docker-entrypoint.sh\"" \
    --format=tar bookworm "$work/postgres.tar" >&2
  podman import --quiet --change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
    "$work/postgres.tar" "$POSTGRES_IMAGE" >/dev/null
  rm "$work/postgres.tar"
fi
# nginx from Debian's package, its logs to the container's output as the official image has
# them; compose.yaml gives the command the official image runs.
if ! podman image exists "$PROXY_IMAGE"; then
  step "making $PROXY_IMAGE from Debian's nginx-light"
  mmdebstrap --quiet --variant=apt --include=nginx-light \
    --customize-hook='rm -f "$1"/etc/nginx/sites-enabled/default' \
    --customize-hook='ln -sf /dev/stdout "$1"/var/log/nginx/access.log && ln -sf /dev/stderr "$1"/var/log/nginx/error.log' \
    --format=tar bookworm "$work/nginx.tar" >&2
  podman import --quiet "$work/nginx.tar" "$PROXY_IMAGE" >/dev/null
  rm "$work/nginx.tar"
fi

step "building the Firewatch image with $binary"
build_image "$binary" "$FIREWATCH_IMAGE" "$run_id" "$work"

# A receiver for pages on the host, which the containers reach as host.containers.internal.
mkdir -p "$work/pages"
python3 - "$receiver_port" "$work/pages" <<'PY' &
import http.server, sys, pathlib, itertools
port, out = int(sys.argv[1]), pathlib.Path(sys.argv[2])
counter = itertools.count()
class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        (out / f"{next(counter):04}.json").write_bytes(body)
        self.send_response(200); self.end_headers()
    def log_message(self, *args): pass
http.server.ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()
PY
receiver=$!

cat > "$FIREWATCH_CONFIG_FILE" <<TOML
[server]
listen = "0.0.0.0:8080"

[[integrations]]
name = "prometheus"
kind = "alertmanager"
token = "\${INGEST_TOKEN}"

[[services]]
id = "api"
name = "API"
escalation_policy = "primary"

[[people]]
id = "minji"
name = "Minji"
contacts = [ { name = "hook", kind = "webhook", url = "http://host.containers.internal:${receiver_port}/page" } ]

[[schedules]]
id = "primary"
name = "Primary"
timezone = "Asia/Seoul"
[[schedules.layers]]
name = "everyone"
rotation = "weekly"
handoff = "mon 10:00"
start = "2026-01-05"
members = ["minji"]

[[escalation_policies]]
id = "primary"
name = "Primary"
steps = [ { after = "0m", notify = ["schedule:primary"] } ]

[paging]
max_pages_per_minute = 20    # four pages in a minute, each on its own, not folded
TOML

step "the default service: Firewatch on SQLite in the firewatch-data volume"
compose up -d firewatch >"$work/up.log" 2>&1 || { cat "$work/up.log" >&2; fail "compose up firewatch"; }
for _ in $(seq 1 150); do
  curl -fsS "http://127.0.0.1:${FIREWATCH_PORT}/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
answer="$(curl -fsS "http://127.0.0.1:${FIREWATCH_PORT}/readyz")" || fail "the SQLite service does not answer"
case "$answer" in *'"sqlite"'*) step "firewatch: $answer" ;; *) fail "the default service: $answer" ;; esac
podman stop -t 30 "${run_id}_firewatch_1" >/dev/null

step "starting the postgres profile: PostgreSQL, two replicas, the proxy"
# podman-compose skips `condition: service_healthy` on podman before 4.6 (Debian 12 has 4.3),
# so PostgreSQL is started and waited for first, as Docker Compose would.
compose up -d postgres >"$work/up.log" 2>&1 || { cat "$work/up.log" >&2; fail "compose up postgres"; }
for _ in $(seq 1 150); do
  podman exec "${run_id}_postgres_1" pg_isready -q -U firewatch -d firewatch 2>/dev/null && break
  sleep 0.2
done
compose up -d proxy >>"$work/up.log" 2>&1 || { cat "$work/up.log" >&2; fail "compose up"; }
proxy="http://127.0.0.1:${PROXY_PORT}"
for _ in $(seq 1 450); do
  curl -fsS "$proxy/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "$proxy/readyz" >/dev/null || fail "the proxy does not answer /readyz"
# Up to 90 s: a replica whose first connection hangs retries after the pool's 30 s timeout
# (seen now and then on podman's network; its log says so).
for service in firewatch-1 firewatch-2; do
  for _ in $(seq 1 450); do
    podman exec "${run_id}_${service}_1" firewatch healthcheck >/dev/null 2>&1 && break
    sleep 0.2
  done
  answer="$(podman exec "${run_id}_${service}_1" firewatch healthcheck)" || fail "$service is not ready"
  step "$service: $answer"
done

alert() {
  curl -fsS "$proxy/hooks/prometheus" -H "Authorization: Bearer $INGEST_TOKEN" \
    -H 'Content-Type: application/json' -d @- >/dev/null <<JSON
{"version": "4", "status": "firing", "receiver": "firewatch", "groupKey": "{}:{alertname=\"$1\"}",
 "groupLabels": {"alertname": "$1"}, "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://prometheus.example",
 "alerts": [{"status": "firing", "labels": {"alertname": "$1", "severity": "critical", "service": "api"},
             "annotations": {"summary": "$1 on api"}, "startsAt": "2026-12-07T00:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
             "generatorURL": "http://prometheus.example/graph", "fingerprint": "$2"}]}
JSON
}
wait_for_page() {
  for _ in $(seq 1 150); do
    grep -l "$1" "$work"/pages/*.json >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  fail "no page for $1 reached the receiver"
}

alert ApiDown 1111111111111111
wait_for_page ApiDown
step "a critical alert paged through the proxy"

podman stop -t 30 "${run_id}_firewatch-1_1" >/dev/null
step "firewatch-1 stopped"
for n in 1 2 3; do
  alert "ApiSlow$n" "222222222222222$n" || fail "the proxy refused alert ApiSlow$n with one replica stopped"
done
for n in 1 2 3; do wait_for_page "ApiSlow$n"; done
step "with firewatch-1 stopped, firewatch-2 took 3 alerts and paged each"
step "passed"
