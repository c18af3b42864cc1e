#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Download and unpack the Debian kernel image matching the installed headers
# (vmlinuz + /lib/modules) into $SECMMU_CACHE/kernels/<kver>/.
# Prints the unpacked directory on stdout.
#
# The mainline flavour (7.2) is no Debian 12 package: its kernel is built
# from unstable's linux-source (scripts/debug-kernel.sh ml, which
# scripts/apt-unstable.sh feeds), laid out the same way; this prints its
# directory, building it first if needed.
#
# usage: fetch-kernels.sh FLAVOUR|KVER
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kver=$(kver_of "${1:?usage: fetch-kernels.sh FLAVOUR|KVER}")
case $kver in
*-secmmu-ml) ml_kernel | cut -d' ' -f2; exit 0 ;;
esac
dst=$SECMMU_CACHE/kernels/$kver
if [ -f "$dst/.done" ]; then
	echo "$dst"
	exit 0
fi

step "kernel image: $kver" >&2
debs=$SECMMU_CACHE/kernels/debs
mkdir -p "$debs"
deb=
for pkg in "linux-image-$kver-unsigned" "linux-image-$kver"; do
	deb=$(ls "$debs/${pkg}_"*.deb 2>/dev/null | head -n1 || true)
	[ -n "$deb" ] && break
	# apt-get download runs unsandboxed as root; that warning is harmless.
	if (cd "$debs" && apt-get download -q "$pkg") >&2 2>/dev/null ||
	   { apt-get update -q >&2 && (cd "$debs" && apt-get download -q "$pkg") >&2; }; then
		deb=$(ls "$debs/${pkg}_"*.deb | head -n1)
		break
	fi
done
[ -n "$deb" ] || die "cannot download linux-image-$kver[-unsigned]"
info "$(basename "$deb")" >&2

rm -rf "$dst"
mkdir -p "$dst"
dpkg-deb -x "$deb" "$dst"
[ -f "$dst/boot/vmlinuz-$kver" ] || die "no vmlinuz in $deb"
[ -d "$dst/lib/modules/$kver/kernel" ] || die "no modules in $deb"
# modules.dep is made by the package's postinst, so make it here.
depmod -b "$dst" "$kver"
touch "$dst/.done"
echo "$dst"
