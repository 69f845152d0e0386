#!/usr/bin/env bash
# Local stand-ins for registry images no machine here can pull: a Debian bookworm base from
# debootstrap (with the host's CA certificates, for the TLS proxy) and a python:3.11-slim-bookworm
# look-alike on top of it. Skips what is already built; REBUILD=1 rebuilds.
set -euo pipefail
BASE=localhost/unionfed-base:bookworm
PYTHON=localhost/unionfed-python:3.11-slim-bookworm
here=$(cd "$(dirname "$0")" && pwd)

exists() { [[ -z "${REBUILD:-}" ]] && podman image exists "$1"; }

if exists "$BASE"; then
    echo "  base image $BASE already built"
else
    echo "  building $BASE with debootstrap (about a minute)"
    mirror=$(grep -hoE 'https?://[^ ]+' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
        | grep -v snapshot | head -n 1 || true)
    rootfs=$(mktemp -d /tmp/unionfed-rootfs.XXXXXX)
    trap 'rm -rf "$rootfs"' EXIT
    debootstrap --variant=minbase --include=ca-certificates bookworm "$rootfs" "${mirror:-http://deb.debian.org/debian}" \
        >"$rootfs.log" 2>&1 || { tail -n 20 "$rootfs.log"; exit 1; }
    rm -f "$rootfs.log"
    if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
        cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
        chroot "$rootfs" update-ca-certificates >/dev/null
    fi
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" -c . | podman import -q - "$BASE" >/dev/null
fi

if exists "$PYTHON"; then
    echo "  python stand-in $PYTHON already built"
else
    echo "  building $PYTHON (Debian's python3 3.11 on the base)"
    podman build -q --build-arg BASE_IMAGE="$BASE" -t "$PYTHON" -f "$here/python.Dockerfile" "$here" >/dev/null
fi
