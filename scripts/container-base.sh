#!/usr/bin/env bash
# Makes the container image's runtime base from Debian's packages, for machines that cannot
# pull gcr.io/distroless/cc-debian12 (these reach only package registries): glibc, libgcc, the
# time zone database and a "nonroot" user (65532), as distroless has them; no shell, no package
# manager. Tags it localhost/firewatch-runtime:SUITE (SUITE: this machine's Debian release, so
# a binary built here finds the glibc it was linked against). Does nothing if the tag exists.
#
#   scripts/container-base.sh            # then: podman build --build-arg RUNTIME_IMAGE=…
set -euo pipefail

suite="${SUITE:-$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")}"
image="${1:-localhost/firewatch-runtime:${suite}}"
if podman image exists "$image"; then
  echo "$image"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# "extract" unpacks the packages without running their scripts: nothing here needs them.
mmdebstrap --quiet --variant=extract --include=libc6,libgcc-s1,tzdata,base-files,netbase \
  --customize-hook='rm -rf "$1"/usr/share/doc "$1"/usr/share/man "$1"/usr/share/info "$1"/usr/share/lintian "$1"/usr/share/locale' \
  --customize-hook='printf "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n" > "$1/etc/passwd"' \
  --customize-hook='printf "root:x:0:\nnonroot:x:65532:\n" > "$1/etc/group"' \
  --customize-hook='mkdir -p "$1/tmp" "$1/home/nonroot" && chmod 1777 "$1/tmp" && chown 65532:65532 "$1/home/nonroot"' \
  --format=tar "$suite" "$work/base.tar" >&2
podman import --quiet --change 'USER 65532:65532' --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
  "$work/base.tar" "$image" >&2
echo "$image"
