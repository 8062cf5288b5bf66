# Shared by scripts/container-test.sh and scripts/compose-test.sh (sourced, not run).

# podman_conf DIR: this machine's quirks, not the image's. Podman's default open-files and
# process limits may exceed what this shell may grant, and crun refuses hybrid cgroup
# hierarchies where runc copes. Writes DIR/containers.conf and exports CONTAINERS_CONF.
podman_conf() {
  local hard_nofile
  hard_nofile="$(ulimit -Hn)"
  {
    echo '[containers]'
    echo "default_ulimits = [\"nofile=${hard_nofile}:${hard_nofile}\", \"nproc=4096:4096\"]"
    if [ -d /sys/fs/cgroup/unified ] && command -v runc >/dev/null; then
      echo '[engine]'
      echo 'runtime = "runc"'
    fi
  } > "$1/containers.conf"
  export CONTAINERS_CONF="$1/containers.conf"
}

# build_image BINARY TAG LABEL DIR: deploy/Containerfile with a binary built on this machine
# (`--target prebuilt`: the Rust build stage needs an image from a registry these machines
# cannot reach) on the runtime base made from Debian's packages. Every layer carries
# io.firewatch.test=LABEL, so remove_images LABEL removes them all and nobody else's.
build_image() {
  local binary="$1" tag="$2" label="$3" context="$4/context" runtime
  runtime="$(scripts/container-base.sh)"
  mkdir -p "$context/deploy"
  cp -r deploy/container "$context/deploy/"
  # Debug info is no part of the image; stripping a debug build keeps the copy small.
  objcopy --strip-debug "$binary" "$context/firewatch"
  podman build --quiet --format docker --label "io.firewatch.test=${label}" -f deploy/Containerfile \
    --target prebuilt --build-arg BINARY=firewatch \
    --build-arg RUNTIME_IMAGE="$runtime" -t "$tag" "$context" >/dev/null
}

remove_images() {
  # shellcheck disable=SC2046
  podman rmi -f $(podman images -a -q --filter "label=io.firewatch.test=$1") >/dev/null 2>&1 || true
}

# free_port: a TCP port nothing listens on now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
