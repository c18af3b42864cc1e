#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install (idempotently) everything the secmmu build and test rigs need on
# Debian 12: runs apt-get update once, then installs only what is missing.
#
# usage: deps.sh [--no-ml]
#   --no-ml  leave the mainline (7.2) source to its first user (make check
#            fetches it in the background, beside its other steps)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

step "deps: Debian packages"
PKGS="build-essential make gcc bc flex bison cpio xz-utils zstd kmod
      libelf-dev libssl-dev openssl perl python3 git file curl gpgv
      linux-source-6.12 linux-headers-amd64 linux-headers-6.12-amd64
      linux-headers-6.12-rt-amd64 qemu-system-x86 busybox-static e2fsprogs dkms
      sparse gnuplot-nox gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu
      debhelper dh-dkms lintian"

missing=()
for p in $PKGS; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	info "all packages present"
else
	[ "$(id -u)" = 0 ] || die "need root to install: ${missing[*]}"
	info "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

step "deps: kernel headers"
for f in $SECMMU_FLAVOURS; do
	kv=$(kver_of "$f")
	kd=$(kdir_of "$f")
	info "$f: $kv -> $kd"
done

step "deps: kernel source"
src=$(linux_src)
info "$src"

[ "${1:-}" != --no-ml ] || exit 0

# The mainline (7.2) source, from Debian unstable: downloaded, not
# installed (scripts/apt-unstable.sh); its kernel is built by
# 'scripts/debug-kernel.sh ml' (make check's ml-kernel step).
step "deps: mainline $SECMMU_ML_SERIES source (Debian unstable)"
src=$(linux_src "$SECMMU_ML_SERIES")
info "$src"
