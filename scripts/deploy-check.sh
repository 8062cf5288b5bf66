#!/usr/bin/env bash
# Checks the deployment files against the tools that read them: the systemd unit with
# `systemd-analyze verify` and its exposure with `systemd-analyze security`, the sysusers file
# with `systemd-sysusers --dry-run`, the Kubernetes manifests against the Kubernetes JSON
# schemas (kubernetes-validate from PyPI, strict: an unknown field fails), and every config
# file they carry through `firewatch check-config`. Each part runs where its tool is present.
#
#   scripts/deploy-check.sh [BINARY]        # default target/release/firewatch
set -euo pipefail
cd "$(dirname "$0")/.."

binary="$(realpath "${1:-target/release/firewatch}")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
say() { echo "deploy-check: $*"; }

if command -v systemd-analyze >/dev/null; then
  # verify wants the ExecStart program to exist: point it at the binary under test.
  sed "s#/usr/local/bin/firewatch#${binary}#" deploy/systemd/firewatch.service > "$work/firewatch.service"
  systemd-analyze verify --man=no "$work/firewatch.service"
  # Exposure: 0.0 is a unit that can do nothing, 10.0 one that can do anything; ours is 1.2.
  # --threshold counts in tenths: more than 2.0 fails.
  systemd-analyze security --offline=yes --threshold=20 "$work/firewatch.service" | tail -1
  # The path must be absolute, or systemd-sysusers looks in its own directories.
  # Into an empty root, so a machine that has the user already still shows it made.
  mkdir -p "$work/root/etc"
  sysusers="$(systemd-sysusers --root="$work/root" --dry-run "$PWD/deploy/systemd/firewatch.sysusers" 2>&1)"
  case "$sysusers" in
    *"Creating user 'firewatch'"*) ;;
    *) echo "deploy-check: firewatch.sysusers creates no firewatch user: $sysusers" >&2; exit 1 ;;
  esac
  say "systemd unit verified"
else
  say "skipped the systemd unit: no systemd-analyze"
fi

KUBERNETES_VALIDATE_VERSION=1.37.0
venv=target/tools/kubernetes-validate
if [ "$("$venv/bin/kubernetes-validate" --version 2>/dev/null)" != "$KUBERNETES_VALIDATE_VERSION" ]; then
  say "installing kubernetes-validate==$KUBERNETES_VALIDATE_VERSION into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
fi
# The oldest Kubernetes still in its providers' support and the newest.
for version in 1.30.0 1.34.0; do
  "$venv/bin/kubernetes-validate" --quiet --strict -k "$version" deploy/kubernetes/*/*.yaml
done
say "Kubernetes manifests valid for 1.30 and 1.34"

# The config files the deployments carry must load as they are.
"$venv/bin/python" - "$work" deploy/kubernetes/*/*.yaml <<'PY'
import sys, yaml, pathlib
work = pathlib.Path(sys.argv[1])
for path in sys.argv[2:]:
    for doc in yaml.safe_load_all(open(path)):
        if doc and doc.get("kind") == "ConfigMap":
            for name, text in doc.get("data", {}).items():
                if name.endswith(".toml"):
                    out = work / (path.replace("/", "_") + "_" + name)
                    out.write_text(text)
PY
for config in deploy/container/firewatch.toml "$work"/*.toml; do
  INGEST_TOKEN=example "$binary" check-config --config "$config" >/dev/null \
    || { echo "deploy-check: $config does not load" >&2; "$binary" check-config --config "$config"; exit 1; }
done
say "the deployments' config files load"
