#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Reliability rig (issue #7): the ioctl fuzzer (tools/fuzz), the mm torture
# in every rmap mode and the lifecycle checks (tools/torture), booted on a
# debug kernel (scripts/debug-kernel.sh: lockdep, PROVE_RCU, DEBUG_VM,
# DEBUG_LIST, kmemleak and a sanitizer) with panic_on_warn=1.  Any splat,
# any KCSAN report, any kmemleak report after rmmod, any mismatch fails.
# Each program is one test case in the results 'make check' sums.
#
# usage: torture.sh [short|long]
#   short  (make check)   fuzz 60 s, torture 30 s per rmap mode, 3 kill -9 rounds
#                         (kcsan: the selftests first, then 30 s / 20 s / 2;
#                         rt: the selftests first, then 30 s / 15 s / 2)
#   long   (make torture) the selftests on the debug kernel first, then
#                         fuzz 10^6 calls (at most 4800 s), torture 480 s
#                         per rmap mode, 10 rounds
# env TORTURE_KERNEL   debug (default: KASAN + KFENCE), kcsan (KCSAN,
#                      strict; the data-race run), rt (PREEMPT_RT: sleeping
#                      in atomic context, lock nesting) or a Debian flavour/KVER
# env TORTURE_FUZZ_S, TORTURE_S, TORTURE_KILL_ROUNDS  override the durations
# env TORTURE_FUZZ_CALLS  fuzzer calls to stop at (TORTURE_FUZZ_S caps it)
# env TORTURE_SEED     fuzzer seed to replay (printed by every run)
# env TORTURE_SELFTEST_MODPARAMS  secmmu.ko parameters for the selftests run
#                      only (fault injection, README: "Fault injection");
#                      SECMMU_MODPARAMS applies to both runs
# env TORTURE_MODPARAMS  the same for the fuzzer / torture / lifecycle run
set -euo pipefail
. "$(dirname "$0")/lib.sh"

len=${1:-short}
case $len in
short) fz=60  ts=30  kr=3 fzn=100000000 ;;
long)  fz=4800 ts=480 kr=10 fzn=1000000 ;;
*) die "usage: torture.sh [short|long]" ;;
esac
kernel=${TORTURE_KERNEL:-debug}
selftests=$([ "$len" = long ] && echo y || echo n)
if [ "$kernel" = kcsan ] && [ "$len" = short ]; then
	# The data-race run: every selftest's threads, then shorter rigs.
	fz=30 ts=20 kr=2 selftests=y
fi
if [ "$kernel" = rt ] && [ "$len" = short ]; then
	# Every selftest's path once on PREEMPT_RT, then shorter rigs.
	fz=30 ts=15 kr=2 selftests=y
fi
fz=${TORTURE_FUZZ_S:-$fz}
fzn=${TORTURE_FUZZ_CALLS:-$fzn}
ts=${TORTURE_S:-$ts}
kr=${TORTURE_KILL_ROUNDS:-$kr}

# For make coverage (scripts/coverage.sh): TORTURE_SELFTESTS=y|n, the
# selftests first or not; TORTURE_KO, this secmmu.ko instead of the shared
# build dir's; TORTURE_RUN, run and log names RUN-selftests-KVER, RUN-LEN-KVER.
selftests=${TORTURE_SELFTESTS:-$selftests}
run=${TORTURE_RUN:-torture}
if [ "$kernel" = debug ] || [ "$kernel" = kcsan ] || [ "$kernel" = rt ]; then
	san=$([ "$kernel" = debug ] && echo kasan || echo "$kernel")
	step "torture: $san debug kernel"
	t=$SECONDS
	if ! out=$("$SECMMU_REPO/scripts/debug-kernel.sh" "$san"); then
		record "torture-$len-$san" 0 1 0
		die "debug kernel build failed"
	fi
	read -r kver kimg ko <<<"$(echo "$out" | tail -n1)"
	info "$kver ready in $((SECONDS - t)) s"
	export SECMMU_KIMG=$kimg
	if [ "$san" = kcsan ]; then
		# The canary's race must be reported (initramfs-init).
		export SECMMU_EXTRA_KOS=${ko%/*}/tests/kcsan/secmmu_race_canary.ko
		# KCSAN panics on its first report under panic_on_warn: let
		# the run go on and show every race (any still fails it).
	else
		export SECMMU_QEMU_APPEND="panic_on_warn=1"
	fi
else
	kver=$(kver_of "$kernel")
	if ! "$SECMMU_REPO/scripts/build-all.sh" "$kver"; then
		record "torture-$len" 0 1 0
		die "module build for $kver failed"
	fi
	ko=$SECMMU_CACHE/build/$kver/secmmu.ko
fi
ko=${TORTURE_KO:-$ko}

rc=0
if [ "$selftests" = y ]; then
	SECMMU_MODPARAMS=${TORTURE_SELFTEST_MODPARAMS:-${SECMMU_MODPARAMS:-}} \
	SECMMU_MODE=test SECMMU_RUN_NAME=$run-selftests-$kver \
	SECMMU_QEMU_TIMEOUT=${SECMMU_QEMU_TIMEOUT:-3600} \
		"$SECMMU_REPO/scripts/qemu-run.sh" "$kver" "$ko" || rc=1
fi

name=$run-$len-$kver
# TCG + KASAN: allow twice the planned time plus boot, kmemleak scans, lifecycle.
tmo=$(( (fz + 3 * ts) * 2 + 60 * kr + 900 ))
SECMMU_MODPARAMS=${TORTURE_MODPARAMS:-${SECMMU_MODPARAMS:-}} \
SECMMU_MODE=torture SECMMU_RUN_NAME=$name SECMMU_QEMU_TIMEOUT=$tmo \
SECMMU_ARGS="$fz $ts $kr ${TORTURE_SEED:--} $fzn" \
	"$SECMMU_REPO/scripts/qemu-run.sh" "$kver" "$ko" || rc=1

log=$SECMMU_LOGS/$name.log
step "torture: summary ($log)"
grep -E '^secmmu-fuzz: seed .* calls|^secmmu-torture: (duration|PASS|FAIL)|^  (vcpu|age|chaos|dirty)( ms/op)?:|^secmmu-lifecycle: [0-9]+ checks|^secmmu-init: kmemleak|^(not )?ok [0-9]+ ' \
	"$log" | sed 's/^/  /' || true
if [ "$rc" = 0 ]; then
	echo "torture: PASS ($len, $kver)"
else
	echo "torture: FAIL ($len, $kver): see $log"
fi
exit $rc
