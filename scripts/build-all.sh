#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# W=1 build of secmmu.ko against every supported kernel (Debian's, and the
# mainline one built from unstable's source by scripts/debug-kernel.sh ml),
# each in its own copy of the tree under $SECMMU_CACHE/build/<kver>/ (M=
# builds write objects next to the sources).  Any "warning:" in a build
# log fails.
#
# usage: build-all.sh [FLAVOUR|KVER ...]   (default: 6.1 6.12 6.12-rt 7.2)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavours=${*:-$SECMMU_FLAVOURS $SECMMU_ML_SERIES}
fail=0
for f in $flavours; do
	kver=$(kver_of "$f")
	kdir=$(kdir_of "$f")
	dir=$SECMMU_CACHE/build/$kver
	step "build: $kver (W=1)"
	lock_dir "$dir"
	copy_tree "$dir"
	log=build-$kver
	if ! run_logged "$log" make -C "$kdir" M="$dir" W=1 -j"$(nproc)" modules; then
		fail=1
		continue
	fi
	if grep -n 'warning:' "$SECMMU_LOGS/$log.log"; then
		echo "FAIL: warnings in the $kver build"
		fail=1
		continue
	fi
	[ -f "$dir/secmmu.ko" ] || { echo "FAIL: no secmmu.ko for $kver"; fail=1; continue; }
	info "ok: $dir/secmmu.ko"
done
exit $fail
