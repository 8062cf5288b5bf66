#!/usr/bin/env bash
# The container image, built and run with podman, offline: deploy/Containerfile on a runtime
# base made from Debian's packages (scripts/container-base.sh), with a Firewatch binary built
# on this machine (`--target prebuilt`; the Rust build stage needs an image from a registry
# these machines cannot reach). Shows that the container runs as non-root, answers /readyz
# and its HEALTHCHECK, takes a webhook, keeps it across a restart on the same volume, reloads
# its config on SIGHUP, and on SIGTERM finishes a request in flight before it exits 0.
#
#   scripts/container-test.sh [BINARY]      # default target/release/firewatch; scripts/test
#                                           # passes the debug build it just made
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/podman-lib.sh

binary="${1:-target/release/firewatch}"
[ -x "$binary" ] || { echo "container-test: no binary at $binary (cargo build --release)" >&2; exit 1; }

run_id="fwtest-$$"
image="localhost/firewatch:${run_id}"
container="${run_id}"
volume="${run_id}-data"
work="$(mktemp -d)"
port="$(free_port)"
base="http://127.0.0.1:${port}"

cleanup() {
  podman rm -f -t 0 "$container" >/dev/null 2>&1 || true
  podman volume rm -f "$volume" >/dev/null 2>&1 || true
  remove_images "$run_id"
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "container-test: FAILED: $*" >&2
  podman logs "$container" 2>&1 | tail -30 >&2 || true
  exit 1
}
step() { echo "container-test: $*"; }

podman_conf "$work"
step "building the image from deploy/Containerfile with $binary"
build_image "$binary" "$image" "$run_id" "$work"

podman run --rm "$image" --version | grep -q '^firewatch ' || fail "--version"

# The user's config: an integration whose token comes from the environment, mounted read-only.
cat > "$work/firewatch.toml" <<'TOML'
[server]
listen = "0.0.0.0:8080"
database_url = "sqlite:///data/firewatch.db"

[[integrations]]
name = "ingest"
kind = "generic"
token = "${INGEST_TOKEN}"
TOML

start() {
  # Podman keeps HEALTHCHECK timers in systemd; where systemd does not run it logs
  # "unable to get systemd connection" and goes on. `podman healthcheck run` below runs it.
  podman run -d --name "$container" -p "127.0.0.1:${port}:8080" -v "$volume:/data" \
    -v "$work/firewatch.toml:/etc/firewatch/firewatch.toml:ro" -e INGEST_TOKEN=s3cret \
    "$image" >/dev/null
  for _ in $(seq 1 100); do
    if curl -fsS "$base/readyz" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  fail "no answer on /readyz within 10 s"
}

step "starting a container with a fresh volume"
start
pid="$(podman inspect -f '{{.State.Pid}}' "$container")"
uid="$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")"
[ "$uid" = 65532 ] || fail "the server runs as uid $uid, not the non-root 65532"
step "runs as uid $uid; /readyz: $(curl -fsS "$base/readyz")"
podman healthcheck run "$container" >/dev/null || fail "HEALTHCHECK did not pass"

token="$(podman exec "$container" firewatch token create --name container-test --scopes admin 2>/dev/null | grep -o 'fw_[A-Za-z0-9_-]*' | head -1)"
[ -n "$token" ] || fail "no API token"
answer="$(curl -fsS "$base/hooks/ingest" -H 'Authorization: Bearer s3cret' \
  -H 'Content-Type: application/json' -d '{"type": "deploy", "service": "api"}')"
event="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["id"])' "$answer")"
step "webhook accepted as $event"

step "SIGHUP reloads the mounted config"
# Appended in place: a file bind-mounted alone stays the inode it was, so `sed -i` (a new file)
# would go unseen inside the container.
cat >> "$work/firewatch.toml" <<'TOML'

[[integrations]]
name = "second"
kind = "generic"
token = "${INGEST_TOKEN}"
TOML
podman kill --signal HUP "$container" >/dev/null
for _ in $(seq 1 50); do
  code="$(curl -s -o /dev/null -w '%{http_code}' "$base/hooks/second" -H 'Authorization: Bearer s3cret' \
    -H 'Content-Type: application/json' -d '{"type": "reload"}')"
  [ "$code" = 202 ] && break
  sleep 0.1
done
[ "$code" = 202 ] || fail "after SIGHUP, /hooks/second answered $code"

step "SIGTERM while a request is in flight: it is answered, then the server exits 0"
python3 - "$port" "$container" <<'PY' || fail "the request in flight was not answered"
import socket, subprocess, sys, time
port, container = int(sys.argv[1]), sys.argv[2]
body = b'{"type": "in-flight", "service": "api"}'
s = socket.create_connection(("127.0.0.1", port), timeout=20)
s.sendall(b"POST /hooks/ingest HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer s3cret\r\n"
          b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body))
time.sleep(0.5)
subprocess.run(["podman", "kill", "--signal", "TERM", container], check=True, capture_output=True)
time.sleep(0.5)
s.sendall(body)
answer = s.recv(4096).decode()
print("container-test: in-flight answer:", answer.splitlines()[0])
sys.exit(0 if answer.startswith("HTTP/1.1 202") else 1)
PY
podman wait "$container" >/dev/null
code="$(podman inspect -f '{{.State.ExitCode}}' "$container")"
[ "$code" = 0 ] || fail "exit code $code after SIGTERM"
podman logs "$container" 2>&1 | grep -q 'shutting down' || fail "no drain in the log"

step "a new container on the same volume still has the event"
podman rm "$container" >/dev/null
start
curl -fsS "$base/api/v1/events/$event" -H "Authorization: Bearer $token" | grep -q "$event" \
  || fail "event $event is gone after the restart"
podman stop -t 10 "$container" >/dev/null
step "passed"
