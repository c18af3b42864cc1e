#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Rig 1: KUnit.  Grafts this repo into the extracted 6.12 tree (or the
# mainline one) as drivers/misc/secmmu and runs tools/testing/kunit/kunit.py
# with tests/kunit/.kunitconfig, on UML and/or x86_64 QEMU (KASAN +
# lockdep).  Build dirs live in the cache, so reruns are incremental.
#
# usage: kunit.sh [SERIES] [uml] [x86_64] [SUITE_GLOB]
#   SERIES  the kernel tree: 6.12 (default) or 7.2 (scripts/apt-unstable.sh
#           fetches its source); results and build dirs of a series other
#           than 6.12 are suffixed with it (kunit-uml-7.2)
#   env SECMMU_KUNIT_NAME  log name (default kunit: $SECMMU_LOGS/kunit-ARCH.log)
#   env SECMMU_REPO        the tree to graft (default this checkout;
#                          scripts/mutants.sh passes a mutated copy)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

arches=()
filter=
series=$SECMMU_SRC_SERIES
for a in "$@"; do
	case $a in
	uml|x86_64) arches+=("$a") ;;
	"$SECMMU_SRC_SERIES"|"$SECMMU_ML_SERIES") series=$a ;;
	*) filter=$a ;;
	esac
done
sfx=
[ "$series" = "$SECMMU_SRC_SERIES" ] || sfx=-$series
[ ${#arches[@]} -gt 0 ] || arches=(uml x86_64)

kunitconfig=$SECMMU_REPO/tests/kunit/.kunitconfig
if [ ! -f "$kunitconfig" ] || [ ! -f "$SECMMU_REPO/Kconfig" ]; then
	step "kunit: no tests/kunit/.kunitconfig or Kconfig yet, skipping"
	exit 0
fi

src=$(linux_src "$series")
step "kunit: graft $SECMMU_REPO into $src/drivers/misc/secmmu"
graft_src "$src"

# Kernel options added for the x86_64 run: lockdep, KASAN, SMP.
# PROVE_RAW_LOCK_NESTING: lockdep checks wait contexts as PREEMPT_RT has
# them (a spinlock_t or rwlock_t, mmu_lock included, taken with
# preemption off is a sleeping lock in an atomic section there).
X86_KCONFIG="CONFIG_SMP=y CONFIG_DEBUG_KERNEL=y CONFIG_PROVE_LOCKING=y
	CONFIG_PROVE_RAW_LOCK_NESTING=y CONFIG_DEBUG_ATOMIC_SLEEP=y
	CONFIG_KASAN=y CONFIG_KASAN_GENERIC=y CONFIG_DEBUG_VM=y"
SPLAT='BUG:|WARNING:|KASAN|possible circular locking|inconsistent lock state|Call Trace'

fail=0
for arch in "${arches[@]}"; do
	case $arch in
	uml)
		bdir=$SECMMU_CACHE/kunit-uml$sfx
		# kunit.py's arch_uml.config enables PCI over virtio with no
		# device id, which WARNs at boot on 6.12: switch it off.
		extra=(--kconfig_add CONFIG_UML_PCI_OVER_VIRTIO=n)
		;;
	x86_64)
		bdir=$SECMMU_CACHE/kunit-x86$sfx
		extra=(--arch=x86_64 --qemu_args='-smp 2' --timeout=1200)
		for o in $X86_KCONFIG; do extra+=(--kconfig_add "$o"); done
		;;
	esac
	step "kunit: $arch (build dir $bdir)"
	start=$SECONDS
	log=${SECMMU_KUNIT_NAME:-kunit}-$arch$sfx
	rc=0
	(cd "$src" && python3 tools/testing/kunit/kunit.py run \
		--kunitconfig="$kunitconfig" --build_dir="$bdir" \
		--jobs="$(nproc)" "${extra[@]}" ${filter:+"$filter"}) \
		>"$SECMMU_LOGS/$log.log" 2>&1 || rc=$?
	info "log: $SECMMU_LOGS/$log.log ($((SECONDS - start)) s, rc=$rc)"

	summary=$(grep -a 'Testing complete\.' "$SECMMU_LOGS/$log.log" | tail -n1 || true)
	num() { echo "$summary" | grep -oE "$1: [0-9]+" | grep -oE '[0-9]+' || echo 0; }
	# kunit.py counts a "# SKIP" case as skipped, never as passed.
	passed=$(num passed)
	failed=$(( $(num failed) + $(num crashed) + $(num errors) ))
	skipped=$(num skipped)
	if [ -z "$summary" ]; then
		echo "FAIL: kunit.py gave no summary"
		tail -n 40 "$SECMMU_LOGS/$log.log"
		failed=$((failed + 1))
	else
		info "${summary#*] }"
	fi
	if [ "$rc" != 0 ] && [ "$failed" = 0 ]; then
		echo "FAIL: kunit.py exited $rc"
		tail -n 40 "$SECMMU_LOGS/$log.log"
		failed=1
	fi
	if grep -aEn "$SPLAT" "$bdir/test.log" >"$SECMMU_LOGS/$log.splat"; then
		echo "FAIL: kernel splat in $bdir/test.log:"
		head -n 20 "$SECMMU_LOGS/$log.splat"
		failed=$((failed + 1))
	fi
	if [ "$skipped" != 0 ]; then
		info "$skipped skipped:"
		# The raw TAP has the reasons: "ok N case # SKIP reason".
		grep -aE '^[[:space:]]*ok [0-9]+ [^#]*#[[:space:]]*SKIP' "$bdir/test.log" |
			sed 's/^[[:space:]]*/    /' || true
	fi
	record "kunit-$arch$sfx" "$passed" "$failed" "$skipped"
	[ "$failed" = 0 ] || fail=1
done
exit $fail
