#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on 127.0.0.1:5432 for the test suite: starts the
# local cluster if it is stopped, installs Debian's package if there is none, and prints the
# URL the tests should use. Run as root (CI and the dev machines are).
set -euo pipefail

url="${FIREWATCH_TEST_POSTGRES_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}"

answers() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
can_login() { psql "$url" -Atqc 'select 1' >/dev/null 2>&1; }

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "ensure-postgres: installing PostgreSQL from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi

if ! answers; then
  for version in $(ls /etc/postgresql 2>/dev/null); do
    echo "ensure-postgres: starting cluster $version/main" >&2
    pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
  done
  for _ in $(seq 1 30); do answers && break; sleep 0.5; done
fi
answers || { echo "ensure-postgres: PostgreSQL does not answer on 127.0.0.1:5432" >&2; exit 1; }

if ! can_login; then
  # A fresh Debian install asks for a password on TCP: give the postgres role the one in the URL.
  echo "ensure-postgres: setting the postgres role's password for TCP logins" >&2
  runuser -u postgres -- psql -qc "ALTER USER postgres PASSWORD 'postgres'" >&2
fi
can_login || { echo "ensure-postgres: cannot log in with $url" >&2; exit 1; }
echo "$url"
