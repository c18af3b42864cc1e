#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check: every rig, in order, continuing past failures.  The last line
# is "N passed, N failed, N skipped": every KUnit case and every selftest
# case (the DKMS boots rerun the selftests, and count), plus one failure for
# each step that failed without failing a test case (lint, build, setup).
# A skipped case (TAP "ok N name # SKIP reason") is not a pass; skips alone
# do not fail the run, any failure does (non-zero exit).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

S=$SECMMU_REPO/scripts
# Private results dir: others may run rigs on the same cache meanwhile.
SECMMU_RESULTS=$SECMMU_CACHE/results/check-$SECMMU_REPO_KEY
rm -rf "$SECMMU_RESULTS"
mkdir -p "$SECMMU_RESULTS"
export SECMMU_RESULTS
failed_steps=()
times=()
total=$SECONDS

# sum_results FILE...: "passed failed skipped" summed over result files; an
# unreadable one counts as one failure.
sum_results() {
	local r p f s tp=0 tf=0 ts=0
	for r; do
		read -r p f s <<<"$(read_result "$r")"
		[[ $p$f$s =~ ^[0-9]+$ ]] || { p=0 f=1 s=0; }
		tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
	done
	echo "$tp $tf $ts"
}

# The result files, with their mtimes: a step's results are the lines it
# adds.
results_snapshot() {
	find "$SECMMU_RESULTS" -mindepth 1 -maxdepth 1 -type f -printf '%T@ %f\n' |
		sort
}

run_step() {
	local name=$1 t=$SECONDS rc=0 before row p f s; shift
	local -a mine=()
	before=$(results_snapshot)
	"$@" || rc=$?
	mapfile -t mine < <(comm -13 <(echo "$before") <(results_snapshot) |
			    sed "s|^[^ ]* |$SECMMU_RESULTS/|")
	row=$(printf '%-14s %5ds %s' "$name" $((SECONDS - t)) \
		"$([ $rc = 0 ] && echo 'ok  ' || echo FAIL)")
	if [ ${#mine[@]} -ne 0 ]; then
		read -r p f s <<<"$(sum_results "${mine[@]}")"
		row+=$(printf ' %5d passed, %4d failed, %4d skipped' "$p" "$f" "$s")
	fi
	row=${row%"${row##*[! ]}"}
	times+=("$row")
	[ $rc = 0 ] || failed_steps+=("$name")
	return 0
}

run_step deps "$S/deps.sh"
if [ ${#failed_steps[@]} -ne 0 ]; then
	echo "deps failed; nothing else can run"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi
run_step checkpatch "$S/checkpatch.sh"
run_step sparse     "$S/sparse.sh"
# The mainline kernel (7.2) from unstable's source: its own step, so its
# (cold: long) build is timed apart from build-all, which then builds
# secmmu.ko for it too.  (KUnit on the 7.2 tree, another cold kernel
# build, is in 'make torture': make kunit-7.2.)
run_step ml-kernel  "$S/debug-kernel.sh" ml
run_step build-all  "$S/build-all.sh"
# The barriers x86-64 and TCG cannot show: secmmu cross-built for arm64,
# each documented release/acquire checked in the disassembly.
run_step ordering   "$S/ordering-check.sh"
run_step kunit-uml  "$S/kunit.sh" uml
run_step kunit-x86  "$S/kunit.sh" x86_64
run_step qemu-6.1   "$S/qemu-run.sh" 6.1
run_step qemu-6.12  "$S/qemu-run.sh" 6.12
run_step qemu-6.12-rt "$S/qemu-run.sh" 6.12-rt
# secmmu-mirror on the kernel's own mm selftests, plain vs mirrored
# (tests/mirror/mm-tests.list, the short set; make torture runs them all).
run_step mirror-6.12 "$S/mirror-run.sh" short 6.12
run_step qemu-7.2   "$S/qemu-run.sh" 7.2
run_step dkms       "$S/dkms-check.sh" 6.1 6.12
run_step mutants    "$S/mutants.sh" --short
# Fuzzer + torture + lifecycle on the debug kernels (scripts/torture.sh):
# KASAN + lockdep + kmemleak, then KCSAN (selftests first) for data races,
# then PREEMPT_RT + lockdep (selftests first) for sleeping in atomic context.
t0=$(date +%s)
run_step qemu-torture "$S/torture.sh" short
# Line coverage of src/ by that KASAN run (gcov: scripts/coverage.sh), an
# info line for the summary, not a test.
log=$SECMMU_LOGS/torture-short-$(cat "$SECMMU_CACHE/debug-kernel-root/kernelrelease" 2>/dev/null || true).log
coverage="coverage: no KASAN torture console from this run"
if [ -f "$log" ] && [ "$(stat -c %Y "$log")" -ge "$t0" ]; then
	coverage=$("$S/coverage.sh" --brief --out "$SECMMU_CACHE/coverage/check-$SECMMU_REPO_KEY" \
		"$log" 2>/dev/null) || coverage="coverage: scripts/coverage.sh failed on $log"
fi
run_step qemu-kcsan env TORTURE_KERNEL=kcsan "$S/torture.sh" short
run_step qemu-rt    env TORTURE_KERNEL=rt "$S/torture.sh" short
if [ -f "$SECMMU_REPO/tools/Makefile" ] &&
   grep -qE '^bench[[:space:]]*:' "$SECMMU_REPO/tools/Makefile"; then
	run_step bench make -C "$SECMMU_REPO" bench QUICK=1
fi

step "check: summary"
passed=0
failed=0
skipped=0
for r in "$SECMMU_RESULTS"/*; do
	[ -f "$r" ] || continue
	# "passed failed skipped" (record in lib.sh); "passed failed" from
	# an older writer reads as 0 skipped.
	read -r p f s <<<"$(read_result "$r")"
	if ! [[ $p$f$s =~ ^[0-9]+$ ]]; then
		echo "  $(basename "$r"): unreadable result '$(head -c 80 "$r")'"
		p=0 f=1 s=0
	fi
	printf '  %-32s %5d passed, %4d failed, %4d skipped\n' \
		"$(basename "$r")" "$p" "$f" "$s"
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
done
echo
printf '  %s\n' "${times[@]}"
echo "  total $((SECONDS - total)) s"
echo "  $coverage"
# A failed step with no failed test case behind it counts once.
for s in "${failed_steps[@]}"; do
	case $s in
	kunit-*|qemu-*|dkms|mutants|ordering) ;;
	*) failed=$((failed + 1)) ;;
	esac
done
if [ ${#failed_steps[@]} -ne 0 ]; then
	echo "  failed steps: ${failed_steps[*]}"
	[ "$failed" != 0 ] || failed=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ ${#failed_steps[@]} -eq 0 ] && [ "$failed" = 0 ]
