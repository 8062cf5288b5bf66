#!/usr/bin/env bash
# deploy/Containerfile's default target, the way a user builds it: compiled in the Rust build
# stage from this checkout (.dockerignore applied), then run. Offline: the Rust image is stood
# in for by one made here from Debian's gcc and libc6-dev with this machine's Rust toolchain
# and crate cache (cargo offline), and the runtime by scripts/container-base.sh. Outside the
# suite: the release build in the container takes about 8 minutes on two cores.
#
#   scripts/container-source-test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/podman-lib.sh

run_id="fwsource-$$"
work="$(mktemp -d)"
image="localhost/firewatch:${run_id}"
rust_image=localhost/firewatch-test-rust:1-slim-bookworm
trap 'podman rm -f -t 0 "$run_id" >/dev/null 2>&1; podman volume rm -f "$run_id" >/dev/null 2>&1; remove_images "$run_id"; rm -rf "$work"' EXIT
podman_conf "$work"

toolchain="$(rustc --print sysroot)"
if ! podman image exists "$rust_image"; then
  echo "container-source-test: making $rust_image from Debian's packages and $toolchain" >&2
  mmdebstrap --quiet --variant=apt --include=gcc,libc6-dev,ca-certificates \
    --customize-hook="mkdir -p \"\$1/usr/local/rust\" \"\$1/usr/local/cargo\" && cp -a $toolchain/. \"\$1/usr/local/rust/\" && cp -a ${CARGO_HOME:-$HOME/.cargo}/registry \"\$1/usr/local/cargo/\"" \
    --format=tar bookworm "$work/rust.tar" >&2
  podman import --quiet --change 'ENV PATH=/usr/local/rust/bin:/usr/local/bin:/usr/bin:/bin' \
    --change 'ENV CARGO_HOME=/usr/local/cargo' --change 'ENV CARGO_NET_OFFLINE=true' \
    "$work/rust.tar" "$rust_image" >/dev/null
  rm "$work/rust.tar"
fi
runtime="$(scripts/container-base.sh)"
commit="$(git rev-parse --short=12 HEAD)"
podman build --format docker --label "io.firewatch.test=${run_id}" -f deploy/Containerfile \
  --build-arg RUST_IMAGE="$rust_image" --build-arg RUNTIME_IMAGE="$runtime" \
  --build-arg FIREWATCH_COMMIT="$commit" -t "$image" . >"$work/build.log" 2>&1 \
  || { tail -30 "$work/build.log" >&2; exit 1; }
version="$(podman run --rm "$image" --version)"
[ "$version" = "firewatch $(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1) ($commit)" ] \
  || { echo "container-source-test: --version says: $version" >&2; exit 1; }
port="$(free_port)"
podman run -d --name "$run_id" -p "127.0.0.1:${port}:8080" -v "$run_id:/data" "$image" >/dev/null
for _ in $(seq 1 100); do curl -fs -o /dev/null "http://127.0.0.1:${port}/readyz" && break; sleep 0.1; done
podman exec "$run_id" firewatch healthcheck
podman stop -t 30 "$run_id" >/dev/null
[ "$(podman inspect -f '{{.State.ExitCode}}' "$run_id")" = 0 ] || { echo "container-source-test: exit code" >&2; exit 1; }
echo "container-source-test: passed: $version, $(podman images --format '{{.Size}}' "$image")"
