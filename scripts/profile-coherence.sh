#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Profile series coherence's fault and one-page invalidation per style in
# the guest (issue 25: what the interval styles pay over the notifier).
# One boot (QEMU TCG), and in it, for each STYLE:PART, secmmu-bench
# --series coherence with SECMMU_COHERENCE_PROFILE="STYLE PART"
# (coherence.c: that style's subject alone, comm "exe", that part alone,
# REPS times) under "perf record -a -g -e cpu-clock", as
# profile-realage.sh: the host's perf (Debian's linux-perf) with its
# libraries, reports made in the guest and printed on the console.  PART:
# fault (64 fresh ranges of SIZE_MB, each read cold then warm by the vCPU)
# or mslot (64 times: the vCPU writes a page, MADV_DONTNEED of it).
#
# usage: profile-coherence.sh [STYLE:PART...]
#        default on 6.12: notifier:fault interval:fault
#        default on 7.2:  notifier:mslot interval:mslot interval_two_pass:mslot
# env: KVER (default 6.12; 7.2: the staged debug kernel), SIZE_MB (default
#      4), REPS (default 10, at most 64), LOOPS (default 1: secmmu-bench runs
#      per STYLE:PART under one perf record, for more samples),
#      PROFILE_OUT=FILE (default out/profile-coherence-KVER.txt)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

case ${KVER:-6.12} in
"$SECMMU_ML_SERIES"|*-secmmu-ml)
	# Never start the lead's mainline build from here (as bench.sh).
	[ -f "$SECMMU_CACHE/mainline-kernel-root/.done" ] ||
		die "the $SECMMU_ML_SERIES kernel is not staged yet"
	kver=$(cat "$SECMMU_CACHE/mainline-kernel-root/kernelrelease")
	dflt="notifier:mslot interval:mslot interval_two_pass:mslot" ;;
*)	kver=$(kver_of "${KVER:-6.12}")
	dflt="notifier:fault interval:fault" ;;
esac
runs=${*:-$dflt}
size=${SIZE_MB:-4}
reps=${REPS:-10}
loops=${LOOPS:-1}
out=${PROFILE_OUT:-$SECMMU_REPO/out/profile-coherence-${KVER:-6.12}.txt}
perf=$(command -v perf) || die "no perf (apt-get install linux-perf)"
work=$SECMMU_CACHE/qemu/profile-$SECMMU_REPO_KEY
mkdir -p "$work" "$(dirname "$out")"
lock_dir "$work"

step "profile: build secmmu.ko, secmmu-bench for $kver"
run_logged profile-module "$SECMMU_REPO/scripts/build-all.sh" "$kver"
cp "$SECMMU_CACHE/build/$kver/secmmu.ko" "$work/secmmu.ko"
run_logged profile-bench make -C "$SECMMU_REPO/tools" OUTPUT="$work" "$work/secmmu-bench"
kimg=$("$SECMMU_REPO/scripts/fetch-kernels.sh" "$kver")

rm -rf "$work/mirror"
mkdir -p "$work/mirror"
cp -L "$perf" "$work/mirror/perf"
cat >"$work/mirror/loop" <<EOS
#!/bin/sh
i=0
while [ \$i -lt $loops ]; do
	/bin/secmmu-bench --series coherence --size-mb $size --reps $reps
	i=\$((i + 1))
done
EOS
cat >"$work/mirror/run" <<EOS
#!/bin/sh
echo 0 >/proc/sys/kernel/kptr_restrict
echo -1 >/proc/sys/kernel/perf_event_paranoid
echo 0 >/proc/sys/kernel/nmi_watchdog 2>/dev/null
cd /tmp
rep() { /mirror/perf report -i /tmp/p.data --stdio -n --sort sym -g none "\$@" 2>/dev/null |
	grep -v '^#' | grep -v '^\$'; }
for r in $runs; do
	st=\${r%%:*} part=\${r#*:}
	echo "==== profile \$st \$part: ${size} MiB x $reps x $loops"
	SECMMU_COHERENCE_PROFILE="\$st \$part" /mirror/perf record -q -a -g -e cpu-clock \\
		-o /tmp/p.data -- /mirror/loop 2>&1 | grep 'coherence profile'
	/mirror/perf evlist -i /tmp/p.data -F 2>/dev/null
	echo "---- \$st \$part: total samples"
	/mirror/perf report -i /tmp/p.data --stdio --no-children -n --sort comm -g none \\
		2>/dev/null | grep -v '^\$' | grep -v '^# [A-Z(]' | head -8
	echo "---- \$st \$part: children, by symbol"
	rep --children --percent-limit 0.3 | head -90
	for p in secmmu_fault __x64_sys_madvise __mmu_notifier_invalidate_range_start \\
		 __mmu_notifier_invalidate_range_end; do
		echo "---- \$st \$part: children, under \$p (samples)"
		rep --children -p \$p -x --percent-limit 0.1 | head -60
		echo "---- \$st \$part: self, under \$p (samples)"
		rep --no-children -p \$p -x --percent-limit 0.1 | head -45
	done
	echo "---- \$st \$part: self, all"
	rep --no-children --percent-limit 0.3 | head -40
	rm -f /tmp/p.data
done
EOS
chmod 755 "$work/mirror/run" "$work/mirror/loop"
step "profile: initramfs"
SECMMU_MIRROR_DIR=$work/mirror SECMMU_EXTRA_BINS="$work/secmmu-bench" \
	"$SECMMU_REPO/scripts/mkinitramfs.sh" "$kver" "$kimg" "$work/secmmu.ko" \
	"$work/initramfs.cpio.gz"
step "profile: boot $kver (console $work/console.log): $runs"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
t=$SECONDS
rc=0
qemu_boot 3000 "$kimg/boot/vmlinuz-$kver" "$work/initramfs.cpio.gz" \
	"console=ttyS0 panic=-1 oops=panic loglevel=4 smtest_mode=mirror" \
	"$work/console.log" || rc=$?
{
	echo "# profile-coherence: $kver, $runs, ${size} MiB x $reps x $loops," \
	     "$(git -C "$SECMMU_REPO" describe --always --dirty), load $load0 ->" \
	     "$(cut -d' ' -f1-3 /proc/loadavg), $((SECONDS - t)) s, qemu rc $rc"
	tr -d '\r' <"$work/console.log" | sed -n '/^==== profile/,/secmmu-init: END/p'
} >"$out"
info "profile: $out"
[ "$rc" = 0 ] || die "qemu exit status $rc"
