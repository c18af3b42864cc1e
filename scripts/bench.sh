#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: run tools/bench/secmmu-bench against secmmu and draw the plots.
#
# Boots Debian's 6.12 kernel in QEMU (TCG, 2 CPUs on 2 NUMA nodes, like the
# test rig) with secmmu.ko and the benchmark, or with HOST=1 insmods the
# module into the running kernel.  The benchmark prints its samples on the
# console between markers; tools/bench/report.py turns them into
# results.json, results.md (printed at the end) and one PNG per series.
#
# env: QUICK=1        small sizes, few reps (make check runs this once)
#      HOST=1         run on this machine's kernel (needs root and headers)
#      SIZE_MB=N      mirrored size of the aging series, largest invalidation
#                     (default 256, QUICK 16)
#      REPS=N         repetitions per point (default 7, QUICK 3)
#      DURATION_MS=N  length of one throughput sample (default 1000, QUICK 300)
#      SERIES=a,b     only these series (access,age,throughput,inval,dirty,
#                     dirtyscale,mem,numa,huge,coherence,noage; realage,
#                     realinval,realdirty,realvcpu)
#      THP=1          the series realage and realinval over THP only
#                     (their 4 KiB forms left out: SECMMU_REALAGE_THP,
#                     SECMMU_REALINVAL_THP in the guest's environment)
#      KVER=6.12      kernel flavour or release to boot (QEMU only); 7.2 is
#                     the mainline kernel the lead stages in
#                     $SECMMU_CACHE/mainline-kernel-root (never built here)
#      BENCH_OUT=DIR  output directory (default <repo>/out/bench)
#
# The series real* (issue 28: the kernel's own aging, invalidation, dirty
# log and a vCPU under aging, beside KVM and an empty notifier;
# tools/bench/real.h) boot a machine of their own, all of them in one boot:
# SECMMU_KVM=1 (qemu_boot in lib.sh: -cpu max, nested SVM under TCG), with
# kvm-amd from the booted kernel's modules (Debian's package on 6.12, the
# staged root on 7.2), KVM's selftests and our programs on their library
# built from the same kernel's source (scripts/kvm-selftests.sh), and the
# empty-notifier floor (tests/floor, built by build-all.sh).  The other
# series keep the default machine.  They run with the others by default,
# or alone with SERIES=realage,...; not with HOST=1.
#
# The series coherence (issue 25) runs in the default machine; where the
# booted kernel has test_hmm.ko (CONFIG_TEST_HMM=m: the 7.2 kernel), its
# boot also carries and loads it (mkinitramfs.sh, SECMMU_HMM=1) and
# bin/secmmu-dmirror, built on lib/test_hmm_uapi.h of that kernel's source
# tree (linux_src in lib.sh, read only), for dmirror beside secmmu.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=${BENCH_OUT:-$SECMMU_REPO/out/bench}
args=()
[ -z "${QUICK:-}" ] || [ "$QUICK" = 0 ] || args+=(--quick)
[ -z "${SIZE_MB:-}" ] || args+=(--size-mb "$SIZE_MB")
[ -z "${REPS:-}" ] || args+=(--reps "$REPS")
[ -z "${DURATION_MS:-}" ] || args+=(--duration-ms "$DURATION_MS")
# One --series per name: the guest's init splits smtest_args at ','.
# The real* series go to a boot of their own (QEMU): main_args are the
# other boot's, kvm_args the KVM boot's.
series=${SERIES:-}
base_args=("${args[@]}")
main_args=("${args[@]}")
kvm_args=("${args[@]}")
main=1 kvmboot=1
if [ -z "$series" ]; then
	for s in realage realinval realdirty realvcpu; do
		kvm_args+=(--series "$s")
	done
else
	main=0 kvmboot=0
fi
for s in ${series//,/ }; do
	args+=(--series "$s")
	case $s in
	real*)	kvm_args+=(--series "$s"); kvmboot=1 ;;
	*)	main_args+=(--series "$s"); main=1 ;;
	esac
done
host=
[ -z "${HOST:-}" ] || [ "$HOST" = 0 ] || host=1
mkdir -p "$out"
rm -f "$out"/*.png "$out"/*.dat "$out"/*.gp "$out"/results.* "$out"/console.log
start=$SECONDS
load0=$(cut -d' ' -f1-3 /proc/loadavg)

# build_bench DIR: the static benchmark binary, built into DIR.
build_bench() {
	mkdir -p "$1"
	run_logged bench-build make -C "$SECMMU_REPO/tools" OUTPUT="$1" "$1/secmmu-bench"
}

if [ -n "$host" ]; then
	[ "$(id -u)" = 0 ] || die "HOST=1 needs root (insmod)"
	kver=$(uname -r)
	dir=$SECMMU_CACHE/build/host-$kver
	[ -f "/lib/modules/$kver/build/Makefile" ] ||
		die "no headers for the running kernel: apt-get install linux-headers-$kver"
	grep -q '^secmmu ' /proc/modules && die "secmmu is already loaded; rmmod it first"
	command -v gnuplot >/dev/null || die "gnuplot missing (apt-get install gnuplot-nox)"
	step "bench: build secmmu.ko for $kver"
	lock_dir "$dir"
	copy_tree "$dir"
	run_logged bench-host-build make -C "/lib/modules/$kver/build" M="$dir" modules
	step "bench: build secmmu-bench"
	build_bench "$SECMMU_CACHE/bench/$SECMMU_REPO_KEY"
	step "bench: insmod, run (${args[*]:-defaults}), rmmod"
	insmod "$dir/secmmu.ko"
	rc=0
	"$SECMMU_CACHE/bench/$SECMMU_REPO_KEY/secmmu-bench" "${args[@]}" |
		tee "$out/console.log" || rc=$?
	rmmod secmmu || { echo "FAIL: rmmod secmmu"; rc=1; }
	[ "$rc" = 0 ] || die "secmmu-bench failed (rc $rc)"
	runner="host (insmod into $kver)"
else
	"$SECMMU_REPO/scripts/deps.sh" >/dev/null
	case ${KVER:-6.12} in
	"$SECMMU_ML_SERIES"|*-secmmu-ml)
		# Never start the lead's mainline build from here (ml_kernel).
		[ -f "$SECMMU_CACHE/mainline-kernel-root/.done" ] ||
			die "the $SECMMU_ML_SERIES kernel is not staged yet ($SECMMU_CACHE/mainline-kernel-root/.done)"
		kver=$(cat "$SECMMU_CACHE/mainline-kernel-root/kernelrelease") ;;
	*)	kver=$(kver_of "${KVER:-6.12}") ;;
	esac
	src_series=$(src_series_of "$kver")
	work=$SECMMU_CACHE/qemu/bench-$SECMMU_REPO_KEY
	mkdir -p "$work"
	lock_dir "$work"
	step "bench: build secmmu.ko for $kver"
	run_logged bench-module "$SECMMU_REPO/scripts/build-all.sh" "$kver"
	cp "$SECMMU_CACHE/build/$kver/secmmu.ko" "$work/secmmu.ko"
	kimg=$("$SECMMU_REPO/scripts/fetch-kernels.sh" "$kver")
	step "bench: build secmmu-bench"
	build_bench "$work"
	: >"$out/console.log"
	if [ -n "${QUICK:-}" ] && [ "$QUICK" != 0 ]; then tmo=600; else tmo=3600; fi
	runner="qemu-system-x86_64 -accel tcg -m 3G -smp 2 (2 NUMA nodes), kernel $kver"

	# boot_bench NAME ARGS...: an initramfs, one boot running secmmu-bench
	# ARGS, its console checked and appended to $out/console.log.  The
	# caller's SECMMU_KVM and SECMMU_EXTRA_* reach mkinitramfs.sh and
	# qemu_boot.
	boot_bench() {
		local name=$1 cmdline log t rc=0 problems=0
		shift
		SECMMU_EXTRA_BINS="$work/secmmu-bench ${SECMMU_EXTRA_BINS:-}" \
			"$SECMMU_REPO/scripts/mkinitramfs.sh" "$kver" "$kimg" \
			"$work/secmmu.ko" "$work/initramfs-$name.cpio.gz"
		# Kernel parameters take no spaces: the init splits smtest_args at ','.
		cmdline="console=ttyS0 panic=-1 oops=panic loglevel=4 smtest_mode=bench"
		[ $# = 0 ] || cmdline="$cmdline smtest_args=$(IFS=,; echo "$*")"
		# A parameter the kernel does not know is in init's environment.
		[ "$name" != real ] || [ "${THP:-0}" = 0 ] ||
			cmdline="$cmdline SECMMU_REALAGE_THP=1 SECMMU_REALINVAL_THP=1"
		# The console goes to this worktree's own (locked) work directory:
		# two worktrees benchmarking at once must not write one file.
		log=$work/console-$name.log
		step "bench: boot $kver in QEMU, $name (console $log)"
		t=$SECONDS
		qemu_boot "${SECMMU_QEMU_TIMEOUT:-$tmo}" "$kimg/boot/vmlinuz-$kver" \
			"$work/initramfs-$name.cpio.gz" "$cmdline" "$log" || rc=$?
		tr -d '\r' <"$log" >"$log.txt"
		mv "$log.txt" "$log"
		cat "$log" >>"$out/console.log"
		cp "$log" "$SECMMU_LOGS/bench-$name.log"	# the latest, for humans
		info "qemu exited $rc after $((SECONDS - t)) s"
		complain() { echo "FAIL: $*"; problems=$((problems + 1)); }
		[ "$rc" = 0 ] || complain "qemu exit status $rc (124 = timeout)"
		grep -q '^secmmu-init: END rc=0$' "$log" || complain "no clean end marker"
		# A lockdep kernel's banner (the 7.2 one) is no splat (qemu-run.sh).
		if grep -nE 'BUG:|WARNING:|Oops|KASAN|lockdep|possible circular locking|inconsistent lock state|Call Trace|Kernel panic' "$log" |
		   grep -vE 'rcu:[[:space:]]+RCU lockdep checking is enabled\.$'; then
			complain "kernel splat on the console"
		fi
		grep -n '^secmmu-init: FAIL' "$log" && complain "init reported failures"
		if [ "$problems" != 0 ]; then
			echo "---- last 40 console lines ($log) ----"
			tail -n 40 "$log"
			die "bench run ($name) failed"
		fi
	}

	if [ "$main" = 1 ]; then
		hmm=0 hmm_bins=
		case ",${series:-coherence}," in
		*,coherence,*)
			if grep -q '/test_hmm\.ko' "$kimg/lib/modules/$kver/modules.dep"; then
				step "bench: secmmu-dmirror on $src_series's lib/test_hmm_uapi.h (coherence)"
				hmm_src=$(linux_src "$src_series")
				run_logged bench-dmirror make -C "$SECMMU_REPO/tools" OUTPUT="$work" \
					HMM_UAPI_DIR="$hmm_src/lib" "$work/secmmu-dmirror"
				hmm=1 hmm_bins=$work/secmmu-dmirror
				runner="$runner; coherence: test_hmm.ko loaded"
			fi ;;
		esac
		SECMMU_HMM=$hmm SECMMU_EXTRA_BINS=$hmm_bins boot_bench main "${main_args[@]}"
	fi
	if [ "$kvmboot" = 1 ]; then
		step "bench: KVM selftests ($src_series) and the empty-notifier floor (real*)"
		kvm=$("$SECMMU_REPO/scripts/kvm-selftests.sh" "$src_series")
		floor=$SECMMU_CACHE/build/$kver/tests/floor/secmmu_floor.ko
		[ -f "$floor" ] || die "no $floor (scripts/build-all.sh builds it)"
		cp "$floor" "$work/secmmu_floor.ko"
		# Every subject of a real* series keeps its SIZE_MB (256 unless
		# QUICK) bound to node 0 at once: eight of them (none and its
		# twin, the floor, KVM, four secmmu modes) do not fit the default
		# 1.5 GiB node (the OOM killer ends the run), so this boot's nodes
		# get 8 x SIZE_MB + 1 GiB each.
		real_mb=${SIZE_MB:-256}
		if [ -n "${QUICK:-}" ] && [ "$QUICK" != 0 ]; then real_mb=${SIZE_MB:-16}; fi
		node_mb=$((8 * real_mb + 1024))
		[ "$node_mb" -ge 1536 ] || node_mb=1536
		SECMMU_QEMU_NODE_MB=$node_mb \
		SECMMU_KVM=1 SECMMU_EXTRA_KOS=$work/secmmu_floor.ko \
		SECMMU_EXTRA_BINS="$kvm/secmmu-realage-kvm $kvm/secmmu-real-kvm $kvm/access_tracking_perf_test $kvm/dirty_log_perf_test" \
			boot_bench real "${kvm_args[@]}"
		runner="$runner; real*: -cpu max (nested SVM), kvm-amd loaded, $node_mb MiB per node"
	fi
	cp "$out/console.log" "$work/console.log"
fi

step "bench: report ($out)"
python3 "$SECMMU_REPO/tools/bench/report.py" --log "$out/console.log" \
	--out "$out" --runner "$runner" --repo "$SECMMU_REPO" \
	--load "$load0 -> $(cut -d' ' -f1-3 /proc/loadavg)"
[ -s "$out/results.md" ] || die "no results table"
cat "$out/results.md"
info "bench: $(ls "$out" | tr '\n' ' ')"
info "bench: done in $((SECONDS - start)) s"
