#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check: every rig, continuing past failures.  The last line is
# "N passed, N failed, N skipped": every KUnit case and every selftest case
# (the DKMS boots rerun selftests, and count), plus one failure for each
# step that failed without failing a test case (lint, build, setup).  A
# skipped case (TAP "ok N name # SKIP reason") is not a pass; skips alone
# do not fail the run, any failure does (non-zero exit).
#
# Two lanes share the machine (2 cores: a cold run must fit in an hour):
#   foreground   lint, module builds, the QEMU runs on Debian's kernels,
#                the mutants, then the KASAN kernel's selftests and torture,
#                and last, alone, the benchmark's QUICK run
#   background   the mainline 7.2 source and its prepared tree (I/O, one
#                xz thread), the KASAN debug kernel build (nice 19: it takes
#                the CPU the QEMU runs leave idle), then KUnit (UML, x86_64)
# Each step's wall time, and the total, are in the summary; every step
# records its results in a directory of its own, so that the lanes' counts
# never mix.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

S=$SECMMU_REPO/scripts
# Private results dir: others may run rigs on the same cache meanwhile.
R=$SECMMU_CACHE/results/check-$SECMMU_REPO_KEY
rm -rf "$R"
mkdir -p "$R/.steps"
total=$SECONDS
order=()

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

# step_run NAME CMD...: run CMD with its results in $R/NAME/; write its
# summary row and exit status to $R/.steps/NAME.{row,rc}.
step_run() {
	local name=$1 t=$SECONDS rc=0 row p f s; shift
	local -a mine=()
	mkdir -p "$R/$name"
	SECMMU_RESULTS=$R/$name "$@" || rc=$?
	mapfile -t mine < <(find "$R/$name" -mindepth 1 -maxdepth 1 -type f | sort)
	row=$(printf '%-14s %5ds %s' "$name" $((SECONDS - t)) \
		"$([ $rc = 0 ] && echo 'ok  ' || echo FAIL)")
	if [ ${#mine[@]} -ne 0 ]; then
		read -r p f s <<<"$(sum_results "${mine[@]}")"
		row+=$(printf ' %5d passed, %4d failed, %4d skipped' "$p" "$f" "$s")
	fi
	echo "${row%"${row##*[! ]}"}" >"$R/.steps/$name.row"
	echo "$rc" >"$R/.steps/$name.rc"
}

# run_step NAME CMD...: a foreground step.
run_step() {
	order+=("$1")
	step_run "$@"
	return 0
}

# bg_lane NAME STEP... : run steps, each "name cmd args" in one string
# (words split on blanks), one after the other in the background; their
# output goes to $R/.steps/lane-NAME.log and is printed when waited for.
declare -A lane_pid=()
bg_lane() {
	local lane=$1 s; shift
	for s; do order+=("${s%% *}"); done
	(
		for s; do
			# shellcheck disable=SC2086 # a step is "name cmd args"
			step_run $s
		done
	) >"$R/.steps/lane-$lane.log" 2>&1 &
	lane_pid[$lane]=$!
}

# wait_lane NAME: wait for a lane, then show what it printed.
wait_lane() {
	local t=$SECONDS
	wait "${lane_pid[$1]}" || true
	step "check: lane $1 (waited $((SECONDS - t)) s)"
	cat "$R/.steps/lane-$1.log"
}

# wait_step LANE NAME: wait until step NAME of LANE has finished (its .rc),
# or the lane has ended without it.
wait_step() {
	while [ ! -f "$R/.steps/$2.rc" ] && kill -0 "${lane_pid[$1]}" 2>/dev/null; do
		sleep 5
	done
}

run_step deps "$S/deps.sh" --no-ml
if [ "$(cat "$R/.steps/deps.rc")" != 0 ]; then
	echo "deps failed; nothing else can run"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi

# The background lane.  ml-tree: the mainline 7.2 source from unstable's
# linux-source (fetched, extracted) and its build dir configured and
# prepared for module builds, not built (the 7.2 kernel boots in 'make
# torture'); kasan-kernel: the KASAN + lockdep debug kernel and secmmu.ko
# for it, at nice 19; kvm-tests: KVM's selftests (and the bench's KVM
# subject) built static from the 6.12 tree, for the bench's real* series;
# then KUnit on UML and on x86_64 (SMP, KASAN, lockdep).
bg_lane bg \
	"ml-tree nice -n 19 $S/debug-kernel.sh ml prepare" \
	"kasan-kernel nice -n 19 $S/debug-kernel.sh kasan" \
	"kvm-tests nice -n 19 $S/kvm-selftests.sh" \
	"kunit-uml $S/kunit.sh uml" \
	"kunit-x86 $S/kunit.sh x86_64"

run_step checkpatch "$S/checkpatch.sh"
run_step sparse     "$S/sparse.sh"
run_step kernel-doc "$S/kernel-doc.sh"
run_step build-deb  "$S/build-all.sh" $SECMMU_FLAVOURS
# The barriers x86-64 and TCG cannot show: secmmu cross-built for arm64,
# each documented release/acquire checked in the disassembly.
run_step ordering   "$S/ordering-check.sh"
run_step qemu-6.1   "$S/qemu-run.sh" 6.1
run_step qemu-6.12  "$S/qemu-run.sh" 6.12
run_step qemu-6.12-rt "$S/qemu-run.sh" 6.12-rt
# secmmu-mirror on the kernel's own mm selftests, plain vs mirrored
# (tests/mirror/mm-tests.list, the short set; make torture runs them all).
run_step mirror-6.12 "$S/mirror-run.sh" short 6.12
# The Debian packages (make deb): built, installed (DKMS builds for 6.1,
# 6.12 and 6.12-rt), each kernel booted with a smoke set, purged.
run_step dkms       "$S/dkms-check.sh"
run_step mutants    "$S/mutants.sh" --short
# W=1 build against the prepared 7.2 tree.
wait_step bg ml-tree
run_step build-7.2  "$S/build-all.sh" "$SECMMU_ML_SERIES"
# The sanitizer kernel: KASAN + KFENCE + lockdep + kmemleak (+ DEBUG_VM,
# DEBUG_LIST, DEBUG_ATOMIC_SLEEP): every selftest, then the short fuzzer /
# torture / lifecycle run (scripts/torture.sh).  KCSAN, PREEMPT_RT with
# lockdep and the 7.2 boot are in 'make torture'.
wait_step bg kasan-kernel
t0=$(date +%s)
# Both run with fault injection (README: "Fault injection"): every zap
# yields at every check and a fifth of the SPTE cmpxchgs lose (and, in the
# torture run, a fifth of aging's A-bit clears: the selftests that age
# with no vCPU running expect exact answers), so the windows of yields and
# races are reached under KASAN.
run_step qemu-kasan env TORTURE_SELFTESTS=y \
	TORTURE_SELFTEST_MODPARAMS="inject_zap_yield=1 inject_cmpxchg_pct=20" \
	TORTURE_MODPARAMS="inject_zap_yield=1 inject_cmpxchg_pct=20 inject_age_pct=20" \
	"$S/torture.sh" short
# Line coverage of src/ by that KASAN run (gcov: scripts/coverage.sh), an
# info line for the summary, not a test.
log=$SECMMU_LOGS/torture-short-$(cat "$SECMMU_CACHE/debug-kernel-root/kernelrelease" 2>/dev/null || true).log
coverage="coverage: no KASAN torture console from this run"
if [ -f "$log" ] && [ "$(stat -c %Y "$log")" -ge "$t0" ]; then
	coverage=$("$S/coverage.sh" --brief --out "$SECMMU_CACHE/coverage/check-$SECMMU_REPO_KEY" \
		"$log" 2>/dev/null) || coverage="coverage: scripts/coverage.sh failed on $log"
fi
wait_lane bg
# Last and alone: its numbers mean nothing beside other load (it only has
# to finish and print its table here).
if [ -f "$SECMMU_REPO/tools/Makefile" ] &&
   grep -qE '^bench[[:space:]]*:' "$SECMMU_REPO/tools/Makefile"; then
	run_step bench make -C "$SECMMU_REPO" bench QUICK=1
fi

step "check: summary"
passed=0
failed=0
skipped=0
for r in "$R"/*/*; do
	[ -f "$r" ] || continue
	# "passed failed skipped" (record in lib.sh); "passed failed" from
	# an older writer reads as 0 skipped.
	read -r p f s <<<"$(read_result "$r")"
	if ! [[ $p$f$s =~ ^[0-9]+$ ]]; then
		echo "  ${r#"$R"/}: unreadable result '$(head -c 80 "$r")'"
		p=0 f=1 s=0
	fi
	printf '  %-40s %5d passed, %4d failed, %4d skipped\n' \
		"${r#"$R"/}" "$p" "$f" "$s"
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
done
echo
failed_steps=()
for n in "${order[@]}"; do
	if [ ! -f "$R/.steps/$n.rc" ]; then
		printf '  %-14s did not run\n' "$n"
		failed_steps+=("$n")
		failed=$((failed + 1))
		continue
	fi
	echo "  $(cat "$R/.steps/$n.row")"
	[ "$(cat "$R/.steps/$n.rc")" = 0 ] && continue
	failed_steps+=("$n")
	# A failed step with no failed test case behind it counts once.
	f=0
	if compgen -G "$R/$n/*" >/dev/null; then
		read -r _ f _ <<<"$(sum_results "$R/$n"/*)"
	fi
	[ "$f" != 0 ] || failed=$((failed + 1))
done
echo "  total $((SECONDS - total)) s"
echo "  $coverage"
if [ ${#failed_steps[@]} -ne 0 ]; then
	echo "  failed steps: ${failed_steps[*]}"
	[ "$failed" != 0 ] || failed=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ ${#failed_steps[@]} -eq 0 ] && [ "$failed" = 0 ]
