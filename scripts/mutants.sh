#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Mutation check: break one guarantee of the module at a time and make sure
# the tests notice.  Each scripts/mutants/NAME.patch (format in
# scripts/mutants/README) is applied to a copy of this checkout, never to
# the checkout itself; the mutated secmmu.ko is built and its named
# selftests are run in QEMU (scripts/qemu-run.sh), on Debian's kernel or
# on the debug kernel its Kernel: field names; its KUnit: cases run on the
# mutated copy (scripts/kunit.sh), and so does the static check its Check:
# field names (ordering: scripts/ordering-check.sh, the arm64 barriers).
# A mutant is killed when a named test, KUnit case or check fails or the
# run shows a splat, a hang or a leak; it survived when everything
# passed.  A patch that no longer applies, a mutant that does not build
# and a named test that does not exist are failures too, so the list
# cannot rot silently.
#
# usage: mutants.sh [--short] [NAME ...]
#   --short             only the mutants marked "Short: yes" (make check)
#   NAME ...            only these mutants
#   env MUTANTS_KVER    kernel flavour to test on (default 6.12; a
#                       mutant's Kernel: field overrides it)
#   env MUTANTS_TESTS   "name ..." selftests to run instead of each
#                       mutant's Tests: field (looking for a killer)
#
# Survivors fail the run, except those with a "Gap:" field (a known hole
# in the tests, reported as such).  Prints "mutants: N killed, M survived"
# and records "killed failed gaps" (as "passed failed skipped") as the
# result "mutants" (or "mutants-short") in $SECMMU_RESULTS for make check.  The mutants' own qemu-run results go
# to $SECMMU_CACHE/mutants/results/, never to $SECMMU_RESULTS.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

short=0
names=()
for a in "$@"; do
	case $a in
	--short) short=1 ;;
	-*) die "usage: mutants.sh [--short] [NAME ...]" ;;
	*) names+=("$a") ;;
	esac
done
kver=$(kver_of "${MUTANTS_KVER:-6.12}")
kdir=$(kdir_of "$kver")
list=$SECMMU_REPO/scripts/mutants
# One work tree per checkout, reused by every mutant in turn: copy_tree
# rewrites only what differs, so the selftests are built once and each
# mutant rebuilds just the files its patch (or the previous one) touched.
base=$SECMMU_CACHE/mutants
tree=$base/tree-$SECMMU_REPO_KEY
result_name=mutants
[ "$short" = 0 ] || result_name=mutants-short

# field FILE NAME: the value of "# NAME: value" in FILE's header.
field() {
	awk -v f="# $2:" '/^--- /{ exit }
		index($0, f) == 1 { sub(/^[^:]*:[[:space:]]*/, ""); print; exit }' "$1"
}

if [ ${#names[@]} -eq 0 ]; then
	for p in "$list"/*.patch; do
		[ -f "$p" ] || continue
		if [ "$short" = 1 ] && [ "$(field "$p" Short)" != yes ]; then
			continue
		fi
		names+=("$(basename "$p" .patch)")
	done
fi
[ ${#names[@]} -gt 0 ] || die "no mutants in $list"

killed=0 survived=0 gaps=0 broken=0
table=()

# verdict NAME WHAT DETAIL: one line of the final table.
verdict() {
	table+=("$(printf '%-26s %-9s %s' "$1" "$2" "$3")")
}

# kernel_of NAME: "KVER KIMG KDIR CANARY" of debug kernel NAME (kasan,
# kcsan, rt; scripts/debug-kernel.sh builds it, incrementally).  CANARY
# is the KCSAN canary module or "-".
kernel_of() {
	local out kv kimg ko canary=-
	out=$("$SECMMU_REPO/scripts/debug-kernel.sh" "$1" \
		2>"$SECMMU_LOGS/mutants-kernel-$1.log" | tail -n1) || return 1
	read -r kv kimg ko <<<"$out"
	[ -n "$ko" ] && [ -d "${kimg%-root}" ] || return 1
	[ "$1" != kcsan ] || canary=${ko%/*}/tests/kcsan/secmmu_race_canary.ko
	echo "$kv $kimg ${kimg%-root} $canary"
}

# run_kunit NAME TREE ARGS...: scripts/kunit.sh ARGS on the mutated TREE
# (it grafts SECMMU_REPO, here the mutated copy, into the kernel source).
# Sets kpassed and kfailed; returns 1 when no case ran (a build failure,
# or a glob that matches nothing).
run_kunit() {
	local name=$1 t=$2 r p f klog=$SECMMU_LOGS/mutant-$1-kunit.log
	shift 2
	kpassed=0 kfailed=0
	rm -f "$base/results/$name"/kunit-*
	SECMMU_REPO=$t SECMMU_RESULTS=$base/results/$name \
	SECMMU_KUNIT_NAME=mutant-$name-kunit \
		"$t/scripts/kunit.sh" "$@" >"$klog" 2>&1 || true
	info "kunit: $klog"
	grep -q '^FAIL: kunit.py gave no summary' "$klog" && return 1
	for r in "$base/results/$name"/kunit-*; do
		[ -f "$r" ] || continue
		read -r p f _ <<<"$(read_result "$r")"
		kpassed=$((kpassed + p))
		kfailed=$((kfailed + f))
	done
	[ $((kpassed + kfailed)) != 0 ]
}

# run_mutant NAME: apply, build, boot; updates the counters.
run_mutant() {
	local name=$1 p=$list/$1.patch tests gap timeout t have=() missing=()
	local log rc failing ran skipped kunit kernel kv kd kimg="" canary=-
	local mtree=$tree kpassed kfailed why='' check crc modparams

	step "mutant $name"
	if [ ! -f "$p" ]; then
		echo "FAIL: no $p"
		broken=$((broken + 1)); verdict "$name" BROKEN "no such mutant"
		return
	fi
	tests=${MUTANTS_TESTS:-$(field "$p" Tests)}
	kunit=$(field "$p" KUnit)
	check=$(field "$p" Check)
	kernel=$(field "$p" Kernel)
	gap=$(field "$p" Gap)
	timeout=$(field "$p" Timeout)
	modparams=$(field "$p" Modparams)
	info "breaks: $(field "$p" Breaks)"
	[ -z "$tests" ] || info "tests:  $tests${kernel:+ (on the $kernel debug kernel)}"
	[ -z "$kunit" ] || info "kunit:  $kunit"
	[ -z "$check" ] || info "check:  $check"
	[ -z "$gap" ] || info "known gap: $gap"
	[ -z "$modparams" ] || info "modparams: $modparams"
	if [ -z "$tests" ] && [ -z "$kunit" ] && [ -z "$check" ]; then
		echo "FAIL: $name names no Tests:, no KUnit: and no Check:"
		broken=$((broken + 1)); verdict "$name" BROKEN "no tests named"
		return
	fi
	case $check in
	''|ordering) ;;
	*)
		echo "FAIL: $name names an unknown Check: '$check' (known: ordering)"
		broken=$((broken + 1)); verdict "$name" BROKEN "unknown check $check"
		return
		;;
	esac
	for t in $tests; do
		if [ -f "$SECMMU_REPO/tests/selftests/$t.c" ]; then
			have+=("$t")
		else
			missing+=("$t")
		fi
	done
	if [ ${#missing[@]} -gt 0 ]; then
		if [ -z "$gap" ] ||
		   { [ ${#have[@]} -eq 0 ] && [ -z "$kunit" ] && [ -z "$check" ]; }; then
			echo "FAIL: $name names selftests that do not exist: ${missing[*]}"
			broken=$((broken + 1))
			verdict "$name" BROKEN "no selftest ${missing[*]}"
			return
		fi
		info "not in the tree yet (known gap): ${missing[*]}"
	fi

	kv=$kver kd=$kdir
	if [ -n "$kernel" ]; then
		# Its own tree: objects built for another kernel stay apart.
		if ! read -r kv kimg kd canary <<<"$(kernel_of "$kernel")" || [ -z "$kd" ]; then
			echo "FAIL: no $kernel debug kernel for $name" \
				"(log: $SECMMU_LOGS/mutants-kernel-$kernel.log)"
			broken=$((broken + 1)); verdict "$name" BROKEN "no $kernel kernel"
			return
		fi
		mtree=$tree-$kernel
		lock_dir "$mtree"
		info "kernel: $kv ($kimg)"
	fi

	copy_tree "$mtree"
	if ! patch -d "$mtree" -p1 --dry-run --forward --fuzz=0 --batch \
		<"$p" >"$base/$name.patch.log" 2>&1; then
		echo "FAIL: scripts/mutants/$name.patch no longer applies;" \
			"update it to the current source:"
		sed 's/^/    /' "$base/$name.patch.log"
		broken=$((broken + 1)); verdict "$name" BROKEN "patch does not apply"
		return
	fi
	patch -d "$mtree" -p1 --forward --fuzz=0 --batch --no-backup-if-mismatch \
		-s <"$p"

	log=mutant-$name-build
	if ! run_logged "$log" make -C "$kd" M="$mtree" -j"$(nproc)" modules ||
	   [ ! -f "$mtree/secmmu.ko" ]; then
		echo "FAIL: mutant $name does not build (a mutant must compile)"
		broken=$((broken + 1)); verdict "$name" BROKEN "does not build"
		return
	fi

	rm -rf "$base/results/$name"
	mkdir -p "$base/results/$name"
	failing=
	ran=
	rc=0
	# Its own run name, logs and results: nothing reaches make check's sum.
	# A boot that dies before any named test ran (a TCG guest has been
	# seen to panic in a timer interrupt at boot, before secmmu loads)
	# is tried once more before the mutant is called broken.
	for attempt in 1 2; do
		[ ${#have[@]} -gt 0 ] || break
		rm -f "$base/results/$name/mutant-$name"
		log=$SECMMU_LOGS/mutant-$name.log
		rm -f "$log"
		rc=0
		SECMMU_MODPARAMS=${modparams:-${SECMMU_MODPARAMS:-}} \
		SECMMU_REPO=$mtree SECMMU_RESULTS=$base/results/$name \
		SECMMU_RUN_NAME=mutant-$name SECMMU_TESTS="${have[*]}" \
		SECMMU_QEMU_TIMEOUT=${timeout:-600} \
		SECMMU_KIMG=$kimg SECMMU_EXTRA_KOS=${canary#-} \
			"$mtree/scripts/qemu-run.sh" "$kv" "$mtree/secmmu.ko" \
			>"$SECMMU_LOGS/mutant-$name-run.log" 2>&1 || rc=$?
		info "console: $log"

		for t in "${have[@]}"; do
			grep -qx "secmmu-init: RUN $t" "$log" 2>/dev/null || continue
			ran="$ran $t"
			if ! grep -qE "^secmmu-init: EXIT $t rc=(0|4)$" "$log"; then
				failing="$failing $t"
			fi
		done
		[ -z "$ran" ] || break
		[ "$attempt" = 2 ] || info "no named test ran (qemu-run exit $rc): booting again"
	done
	if [ ${#have[@]} -gt 0 ] && [ -z "$ran" ]; then
		echo "FAIL: none of the named tests ran for $name (qemu-run exit $rc):"
		tail -n 20 "$SECMMU_LOGS/mutant-$name-run.log"
		broken=$((broken + 1)); verdict "$name" BROKEN "tests did not run"
		return
	fi
	if [ "$rc" != 0 ]; then
		info "selftests killed it:${failing:- (no test failed)}"
		grep -E '^(# )?not ok [0-9]+ ' "$log" | head -n 10 | sed 's/^/    /' || true
		grep '^FAIL: ' "$SECMMU_LOGS/mutant-$name-run.log" | head -n 5 |
			sed 's/^/    /' || true
		if [ -n "$failing" ]; then
			why="by${failing}"
		else
			why=$(grep -m1 '^FAIL: ' "$SECMMU_LOGS/mutant-$name-run.log" ||
			      echo 'qemu-run failed')
		fi
	fi

	# The KUnit cases, when the selftests did not kill it already.
	if [ -z "$why" ] && [ -n "$kunit" ]; then
		# shellcheck disable=SC2086 # "ARCH... GLOB"
		if ! run_kunit "$name" "$mtree" $kunit; then
			echo "FAIL: no KUnit case of '$kunit' ran for $name:"
			tail -n 20 "$SECMMU_LOGS/mutant-$name-kunit.log"
			broken=$((broken + 1)); verdict "$name" BROKEN "KUnit did not run"
			return
		fi
		if [ "$kfailed" != 0 ]; then
			info "KUnit killed it: $kfailed failing of $((kpassed + kfailed))"
			grep -ah '\[FAILED\]' "$SECMMU_LOGS/mutant-$name-kunit-"*.log 2>/dev/null |
				head -n 10 | sed 's/^/    /' || true
			why="by KUnit $kunit"
		fi
	fi

	# The static check, when nothing killed it already: ordering-check.sh
	# (this checkout's) on the mutated copy; exit 1 is a failing case, any
	# other failure means nothing was checked.
	if [ -z "$why" ] && [ "$check" = ordering ]; then
		crc=0
		SECMMU_RESULTS=$base/results/$name \
			"$SECMMU_REPO/scripts/ordering-check.sh" "$mtree" \
			>"$SECMMU_LOGS/mutant-$name-ordering.log" 2>&1 || crc=$?
		info "ordering: $SECMMU_LOGS/mutant-$name-ordering.log"
		case $crc in
		0) info "ordering: every check passed" ;;
		1)
			info "the ordering check killed it:"
			grep -E '^not ok [0-9]+ ' "$SECMMU_LOGS/mutant-$name-ordering.log" |
				head -n 10 | sed 's/^/    /' || true
			why="by the ordering check ($(grep -cE '^not ok [0-9]+ ' \
				"$SECMMU_LOGS/mutant-$name-ordering.log" || true) failing)"
			;;
		*)
			echo "FAIL: the ordering check could not run for $name (exit $crc):"
			tail -n 20 "$SECMMU_LOGS/mutant-$name-ordering.log"
			broken=$((broken + 1)); verdict "$name" BROKEN "ordering check did not run"
			return
			;;
		esac
	fi

	if [ -n "$why" ]; then
		killed=$((killed + 1))
		verdict "$name" killed "$why"
		[ -z "$gap" ] || info "note: $name has a Gap: field but was killed; drop the field"
		return
	fi
	# A skipped case tests nothing: say so, it may be why it survived.
	if [ -f "$base/results/$name/mutant-$name" ]; then
		read -r _ _ skipped <<<"$(read_result "$base/results/$name/mutant-$name")"
		[ "$skipped" = 0 ] || info "$skipped named test case(s) skipped"
	fi
	[ -z "$kunit" ] || info "KUnit: every case passed ($kpassed)"
	if [ -n "$gap" ]; then
		gaps=$((gaps + 1))
		info "survived (known gap): every test passed:$ran${kunit:+ KUnit $kunit}${check:+ check $check}"
		verdict "$name" gap "survived (known gap, see its Gap: field)"
	else
		survived=$((survived + 1))
		echo "FAIL: mutant $name survived: every test passed:$ran${kunit:+ KUnit $kunit}${check:+ check $check}"
		verdict "$name" SURVIVED "every named test passed"
	fi
}

lock_dir "$tree"
start=$SECONDS
for n in "${names[@]}"; do
	run_mutant "$n"
done

step "mutants: summary ($((SECONDS - start)) s)"
printf '  %s\n' "${table[@]}"
extra=
[ "$gaps" = 0 ] || extra="$extra, $gaps known gap(s)"
[ "$broken" = 0 ] || extra="$extra, $broken broken"
echo "mutants: $killed killed, $survived survived$extra"
record "$result_name" "$killed" $((survived + broken)) "$gaps"
[ $((survived + broken)) = 0 ]
