#!/usr/bin/env bash
# API fuzzing: runs Schemathesis (from PyPI, pinned, installed into target/tools/schemathesis)
# against a `firewatch serve --demo` on loopback, with an admin API token, and fails when a
# response is a server error or disagrees with src/http/openapi.json (status code, content
# type, headers or body schema). Takes about a minute on a 2-core machine with the default
# budget of 50 test cases per operation (~6,000 requests; the demo's 90 days of history take
# ~20 s of that); the first run also installs Schemathesis (~30 s). 200 takes ~4 minutes.
#
#   scripts/api-fuzz.sh                          # uses target/debug/firewatch
#   FIREWATCH_BIN=/path/to/firewatch scripts/api-fuzz.sh
#   API_FUZZ_MAX_EXAMPLES=200 scripts/api-fuzz.sh   # a deeper run (test cases per operation)
#   API_FUZZ_SEED=123 scripts/api-fuzz.sh           # replay a run's data generation
#   API_FUZZ_SCHEMA=src/http/openapi.json scripts/api-fuzz.sh
#       # test the working tree's document against a binary built before it changed (by
#       # default the document is the one the server serves, /api/v1/openapi.json)
#
# Reports (JUnit, NDJSON, and the server's log) are left in target/api-fuzz/. Only 127.0.0.1 is
# ever sent anything: the server listens there, and the demo's destinations are its own
# loopback receiver.
set -euo pipefail

caller=$PWD
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# A path given in the environment is read from where the script was called.
absolute() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$caller/$1" ;; esac; }
cd "$root"

FIREWATCH_BIN=$(absolute "${FIREWATCH_BIN:-$root/target/debug/firewatch}")
MAX_EXAMPLES=${API_FUZZ_MAX_EXAMPLES:-50}
SEED=${API_FUZZ_SEED:-}
SCHEMA=${API_FUZZ_SCHEMA:+$(absolute "$API_FUZZ_SCHEMA")}
# The whole Schemathesis part is cut off after this many seconds (a safety net, not a budget).
RUN_TIMEOUT=${API_FUZZ_TIMEOUT:-420}
SCHEMATHESIS_VERSION=4.32.5
venv=${API_FUZZ_VENV:-$root/target/tools/schemathesis}
reports=$root/target/api-fuzz

if [ ! -x "$FIREWATCH_BIN" ]; then
  echo "api-fuzz: no firewatch binary at $FIREWATCH_BIN (build it, or set FIREWATCH_BIN)" >&2
  exit 2
fi

# --- Schemathesis, pinned, in a virtualenv under target/ (git-ignored) -----------------------
if [ "$("$venv/bin/st" --version 2>/dev/null)" != "st, version $SCHEMATHESIS_VERSION" ]; then
  echo "api-fuzz: installing schemathesis==$SCHEMATHESIS_VERSION into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

# --- A demo server on a free loopback port, in a temp dir -----------------------------------
work=$(mktemp -d -t firewatch-api-fuzz.XXXXXX)
server_pid=
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  mkdir -p "$reports"
  [ -f "$work/server.log" ] && cp "$work/server.log" "$reports/server.log"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
database=sqlite://$work/demo.db
rm -rf "$reports"
mkdir -p "$reports"

echo "api-fuzz: starting the demo server on $base (writing 90 days of history first)" >&2
# In the temp dir, so no ./firewatch.toml is picked up; the demo brings its own organisation.
(cd "$work" && exec "$FIREWATCH_BIN" serve --demo --database-url "$database" --listen "127.0.0.1:$port") \
  >"$work/server.log" 2>&1 &
server_pid=$!

ready=
for _ in $(seq 1 360); do # up to 3 minutes
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "api-fuzz: the server exited before it was ready; its log:" >&2
    tail -n 40 "$work/server.log" >&2
    exit 1
  fi
  if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$base/readyz" || true)" = 200 ]; then
    ready=1
    break
  fi
  sleep 0.5
done
if [ -z "$ready" ]; then
  echo "api-fuzz: the server was not ready after 3 minutes; its log:" >&2
  tail -n 40 "$work/server.log" >&2
  exit 1
fi

# --- Tokens, minted with the CLI against the same database -----------------------------------
token=$(cd "$work" && "$FIREWATCH_BIN" token create --name fuzz --scopes admin --database-url "$database" 2>/dev/null)
# The iCal feeds take only an `oncall:read` token (a broader one is 403 feed_token_too_broad).
feed_token=$(cd "$work" && "$FIREWATCH_BIN" token create --name fuzz-feed --scopes oncall:read --database-url "$database" 2>/dev/null)

# Real ids from the demo, bound to the path parameters that take them (see the helper).
FUZZ_TOKEN=$token FEED_TOKEN=$feed_token python3 scripts/api-fuzz-config.py "$base/" "$work/schemathesis.toml"

# The document under test: the served one, or a file (then the server is named with --url).
if [ -n "$SCHEMA" ]; then
  schema_args=("$SCHEMA" --url "$base")
else
  schema_args=("$base/api/v1/openapi.json")
  # The binary embeds openapi.json when it is built: say so when it is older than the tree's.
  if ! curl -s --max-time 10 "$base/api/v1/openapi.json" | cmp -s - src/http/openapi.json; then
    echo "api-fuzz: warning: the server's /api/v1/openapi.json differs from src/http/openapi.json" \
      "(rebuild, or set API_FUZZ_SCHEMA=src/http/openapi.json to test the tree's)" >&2
  fi
fi

checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance
st_run() {
  local name=$1
  shift
  local args=(
    --config-file "$work/schemathesis.toml"
    run "${schema_args[@]}"
    --header "Authorization: Bearer $token"
    --checks "$checks"
    --max-examples "$MAX_EXAMPLES"
    --workers 2
    --continue-on-failure
    --request-timeout 30
    --generation-database none
    --no-color
    --report junit,ndjson
    --report-junit-path "$reports/$name.junit.xml"
    --report-ndjson-path "$reports/$name.ndjson"
  )
  [ -n "$SEED" ] && args+=(--seed "$SEED")
  echo "api-fuzz: schemathesis ($name)" >&2
  # Run from the temp dir: Schemathesis keeps per-project state in the working directory.
  (cd "$work" && timeout --kill-after=10 "$RUN_TIMEOUT" "$venv/bin/st" "${args[@]}" "$@")
}

status=0
# Everything but revoking tokens. DELETE /api/v1/tokens/{id} is left out here because the
# stateful phase follows links from GET /api/v1/tokens (which lists the fuzz token's own id)
# to it: revoking the token in use would turn the rest of the run into 401s.
st_run main --exclude-operation-id revokeToken || status=$?

# Revoking, on its own with creating: it can revoke only the tokens this run creates (their
# ids come from POST's answers) or ids it makes up; the fuzz token's id is never seen here.
st_run tokens --include-operation-id createToken --include-operation-id revokeToken || status=$?

if [ "$status" -ne 0 ]; then
  echo "api-fuzz: FAILED (exit $status); reports and the server's log are in $reports" >&2
else
  echo "api-fuzz: passed; reports are in $reports" >&2
fi
exit "$status"
