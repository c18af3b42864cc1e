#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: run tools/secmmu-demo against secmmu.
#   demo.sh qemu   boot Debian's 6.12 kernel in QEMU with the module (default)
#   demo.sh host   insmod into the running kernel (needs its headers)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

case ${1:-qemu} in
qemu)
	"$SECMMU_REPO/scripts/deps.sh"
	SECMMU_MODE=demo SECMMU_RUN_NAME=demo \
		"$SECMMU_REPO/scripts/qemu-run.sh" 6.12
	;;
host)
	[ "$(id -u)" = 0 ] || die "HOST=1 needs root (insmod)"
	kver=$(uname -r)
	dir=$SECMMU_CACHE/build/host-$kver
	[ -f "/lib/modules/$kver/build/Makefile" ] ||
		die "no headers for the running kernel: apt-get install linux-headers-$kver"
	step "demo: build secmmu.ko for $kver"
	lock_dir "$dir"
	copy_tree "$dir"
	run_logged demo-host-build make -C "/lib/modules/$kver/build" M="$dir" modules
	step "demo: build tools"
	linux_src >/dev/null
	run_logged tools-build make -C "$SECMMU_REPO/tools"
	if grep -q '^secmmu ' /proc/modules; then
		die "secmmu is already loaded; rmmod it first"
	fi
	step "demo: insmod, run, rmmod"
	insmod "$dir/secmmu.ko"
	rc=0
	"$SECMMU_REPO/tools/secmmu-demo" || rc=$?
	rmmod secmmu || { echo "FAIL: rmmod secmmu"; rc=1; }
	exit $rc
	;;
*)
	die "usage: demo.sh [qemu|host]"
	;;
esac
