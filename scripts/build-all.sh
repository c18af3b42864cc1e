#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# W=1 build of secmmu.ko against every supported kernel (Debian's, and the
# mainline one built from unstable's source by scripts/debug-kernel.sh ml),
# each in its own copy of the tree under $SECMMU_CACHE/build/<kver>/ (M=
# builds write objects next to the sources), and beside it the bench's
# empty-notifier floor (tests/floor/secmmu_floor.ko).  Any "warning:" in a
# build log fails.
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
	# A tree prepared for module builds but not built (make check's 7.2
	# tree: debug-kernel.sh ml prepare) has no Module.symvers: every
	# compile is checked, symbol resolution is not (modpost's "undefined"
	# lines; the module loads where that kernel boots: make torture).
	extra=()
	unresolved='^$'
	if [ ! -f "$kdir/Module.symvers" ]; then
		info "$kdir is prepared, not built: compile only, symbols unresolved"
		extra=(KBUILD_MODPOST_WARN=1)
		unresolved='^WARNING: modpost: ("[^"]*" \[secmmu(_floor)?\.ko\] undefined!|suppressed [0-9]+ unresolved symbol warnings)'
	fi
	if ! run_logged "$log" make -C "$kdir" M="$dir" W=1 -j"$(nproc)" "${extra[@]}" modules ||
	   ! run_logged "$log-floor" make -C "$kdir" M="$dir/tests/floor" W=1 "${extra[@]}" modules; then
		fail=1
		continue
	fi
	cat "$SECMMU_LOGS/$log-floor.log" >>"$SECMMU_LOGS/$log.log"
	# gcc's warnings, and modpost's (section mismatches, ...).
	if grep -n 'warning:' "$SECMMU_LOGS/$log.log" ||
	   grep -E '^WARNING: modpost:' "$SECMMU_LOGS/$log.log" | grep -vE "$unresolved"; then
		echo "FAIL: warnings in the $kver build"
		fail=1
		continue
	fi
	[ -f "$dir/secmmu.ko" ] || { echo "FAIL: no secmmu.ko for $kver"; fail=1; continue; }
	[ -f "$dir/tests/floor/secmmu_floor.ko" ] ||
		{ echo "FAIL: no secmmu_floor.ko for $kver"; fail=1; continue; }
	info "ok: $dir/secmmu.ko"
done
exit $fail
