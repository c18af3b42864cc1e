#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Profile the kernel's own aging (series realage), or its invalidations
# (realinval, PROFILE_SERIES), in the guest, per subject: one boot (QEMU,
# SECMMU_KVM=1 as bench.sh's real* boot), and in it, for each subject,
# secmmu-bench --series SERIES with that subject and "none" alone
# (SECMMU_REALAGE_ONLY, SECMMU_REALINVAL_ONLY) under "perf record -a -g -e cpu-clock"
# (TCG has no PMU; the clock event works).  perf is the host's (Debian's
# linux-perf), carried with its shared libraries; the reports are made in
# the guest (symbols from /proc/kallsyms) and printed on the console.
#
# usage: profile-realage.sh [SUBJECT...]   (default: floor kvm secmmu0-3)
# env: KVER (default 6.12), SIZE_MB (default 64), REPS (default 20),
#      THP=1 (the THP form only: series realage-thp),
#      PROFILE_SERIES=realinval (the invalidations instead, under
#      __mmu_notifier_invalidate_range_start; PROFILE_OP=munmap,
#      MADV_DONTNEED or mprotect: that call only),
#      PROFILE_UNDER="FUNC..." (the functions whose samples are counted by
#      call chain; default: the series' hooks or invalidation, and
#      lru_gen_seq_write),
#      PROFILE_OUT=FILE (default out/profile-SERIES.txt)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

subjects=${*:-floor kvm secmmu0 secmmu1 secmmu2 secmmu3}
kver=$(kver_of "${KVER:-6.12}")
series=${PROFILE_SERIES:-realage}
case "$series" in
realage)
	only=SECMMU_REALAGE_ONLY thp=SECMMU_REALAGE_THP op=
	under="__mmu_notifier_clear_young lru_gen_seq_write" ips='young|age' ;;
realinval)
	only=SECMMU_REALINVAL_ONLY thp=SECMMU_REALINVAL_THP
	op=${PROFILE_OP:+SECMMU_REALINVAL_OP=$PROFILE_OP }
	under="__mmu_notifier_invalidate_range_start" ips='zap|inval|walk|rmap|leaf' ;;
*)
	die "PROFILE_SERIES: realage or realinval, not $series" ;;
esac
under=${PROFILE_UNDER:-$under}
out=${PROFILE_OUT:-$SECMMU_REPO/out/profile-$series.txt}
perf=$(command -v perf) || die "no perf (apt-get install linux-perf)"
work=$SECMMU_CACHE/qemu/profile-$SECMMU_REPO_KEY
mkdir -p "$work" "$(dirname "$out")"
lock_dir "$work"

step "profile: build secmmu.ko, secmmu-bench, KVM's subject for $kver"
run_logged profile-module "$SECMMU_REPO/scripts/build-all.sh" "$kver"
cp "$SECMMU_CACHE/build/$kver/secmmu.ko" "$work/secmmu.ko"
cp "$SECMMU_CACHE/build/$kver/tests/floor/secmmu_floor.ko" "$work/secmmu_floor.ko"
run_logged profile-bench make -C "$SECMMU_REPO/tools" OUTPUT="$work" "$work/secmmu-bench"
# KVM's subject from the tree of the kernel booted.
kvm=$("$SECMMU_REPO/scripts/kvm-selftests.sh" "$(src_series_of "$kver")")
kimg=$("$SECMMU_REPO/scripts/fetch-kernels.sh" "$kver")

# /mirror (mkinitramfs.sh carries its dynamic ELF files' libraries): perf
# and the script the init runs there (smtest_mode=mirror runs /mirror/run).
rm -rf "$work/mirror"
mkdir -p "$work/mirror"
cp -L "$perf" "$work/mirror/perf"
cat >"$work/mirror/run" <<EOS
#!/bin/sh
echo 0 >/proc/sys/kernel/kptr_restrict
echo -1 >/proc/sys/kernel/perf_event_paranoid
echo 0 >/proc/sys/kernel/nmi_watchdog 2>/dev/null
cd /tmp
# Module text symbols, by address, for what perf leaves [unknown]
# (modsym.awk): perf resolves a module it cannot find under
# /lib/modules/\$(uname -r) from /proc/kallsyms on some kernels only.
awk 'NF == 4 && (\$2 == "t" || \$2 == "T") { print \$1, \$3 }' /proc/kallsyms |
	sort >/tmp/modsyms
text=\$(sed 's/^0x//' /sys/module/secmmu/sections/.text 2>/dev/null)
for s in $subjects; do
	echo "==== profile \$s: $series ${SIZE_MB:-64} MiB x ${REPS:-20}"
	$only=\$s ${THP:+$thp=1 }$op/mirror/perf record -q -a -g -e cpu-clock -o /tmp/\$s.data -- \\
		/bin/secmmu-bench --series $series --size-mb ${SIZE_MB:-64} --reps ${REPS:-20} 2>&1 |
		grep -vE '^ *$' | tail -20
	echo "---- \$s: children, by symbol"
	/mirror/perf report -i /tmp/\$s.data --stdio --children -n --sort sym -g none \\
		--percent-limit 0.5 2>/dev/null | grep -v '^#' | grep -v '^\$' | head -60
	for p in $under; do
		/mirror/perf script -i /tmp/\$s.data -F ip,sym 2>/dev/null |
			awk -f /mirror/modsym.awk |
			awk -v p=\$p -v s=\$s -f /mirror/chain.awk
	done
	echo "---- \$s: samples by address from secmmu.ko's .text (\$text) up"
	/mirror/perf script -i /tmp/\$s.data -F ip,sym -G 2>/dev/null |
		awk -f /mirror/modsym.awk |
		awk -v t="\$text" 't != "" && \$1 >= t && \$2 ~ /$ips/ { print \$1, \$2 }' | sort | uniq -c |
		sort -rn | head -${PROFILE_IPS:-0}
	echo "---- \$s: self, all"
	/mirror/perf report -i /tmp/\$s.data --stdio --no-children -n --sort sym -g none \\
		--percent-limit 0.5 2>/dev/null | grep -v '^#' | grep -v '^\$' | head -30
	rm -f /tmp/\$s.data
done
EOS
chmod 755 "$work/mirror/run"
# perf script's "IP SYM" lines, an [unknown] SYM named from /tmp/modsyms
# (sorted "ADDR NAME" of the modules' text): the symbol at or below IP.
# Addresses are 16 hex digits, so compared as strings.
cat >"$work/mirror/modsym.awk" <<'EOA'
BEGIN {
	while ((getline l < "/tmp/modsyms") > 0) {
		split(l, f, " ")
		addr[++n] = f[1]
		name[n] = f[2]
	}
}
function resolve(ip, lo, hi, mid) {
	if (ip in memo)
		return memo[ip]
	memo[ip] = "[unknown]"
	if (n && ip >= addr[1]) {
		lo = 1
		hi = n
		while (lo < hi) {
			mid = int((lo + hi + 1) / 2)
			if (addr[mid] <= ip)
				lo = mid
			else
				hi = mid - 1
		}
		memo[ip] = name[lo]
	}
	return memo[ip]
}
$2 == "[unknown]" && length($1) == 16 { $2 = resolve($1) }
{ print }
EOA
# Samples whose call chain holds function p: by the function each fell in
# (self), and by every function on their chains (children, each once).
cat >"$work/mirror/chain.awk" <<'EOA'
function flush(i, hit) {
	for (i = 1; i <= n; i++)
		if (sym[i] == p)
			hit = 1
	if (hit) {
		tot++
		self[sym[1]]++
		for (i = 1; i <= n; i++)
			if (!(sym[i] in seen)) {
				seen[sym[i]] = 1
				ch[sym[i]]++
			}
		for (i in seen)
			delete seen[i]
	}
	n = 0
}
NF == 0 { flush(); next }
{ sym[++n] = $2 }
END {
	flush()
	printf "---- %s: %d samples under %s; self, then children (samples)\n", s, tot, p
	for (f in self)
		printf "%8d self     %s\n", self[f], f | "sort -rn | head -40"
	close("sort -rn | head -40")
	for (f in ch)
		printf "%8d children %s\n", ch[f], f | "sort -rn | head -40"
	close("sort -rn | head -40")
}
EOA
step "profile: initramfs"
SECMMU_KVM=1 SECMMU_MIRROR_DIR=$work/mirror SECMMU_EXTRA_KOS=$work/secmmu_floor.ko \
SECMMU_EXTRA_BINS="$work/secmmu-bench $kvm/secmmu-realage-kvm $kvm/secmmu-real-kvm" \
	"$SECMMU_REPO/scripts/mkinitramfs.sh" "$kver" "$kimg" "$work/secmmu.ko" \
	"$work/initramfs.cpio.gz"
step "profile: boot $kver (console $work/console.log), subjects: $subjects"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
t=$SECONDS
rc=0
SECMMU_KVM=1 qemu_boot 3000 "$kimg/boot/vmlinuz-$kver" "$work/initramfs.cpio.gz" \
	"console=ttyS0 panic=-1 oops=panic loglevel=4 smtest_mode=mirror" \
	"$work/console.log" || rc=$?
{
	echo "# profile-realage: $kver, subjects $subjects, ${SIZE_MB:-64} MiB x ${REPS:-20}," \
	     "$(git -C "$SECMMU_REPO" describe --always --dirty), load $load0 ->" \
	     "$(cut -d' ' -f1-3 /proc/loadavg), $((SECONDS - t)) s, qemu rc $rc"
	tr -d '\r' <"$work/console.log" | sed -n '/^==== profile/,/secmmu-init: END/p'
} >"$out"
info "profile: $out"
[ "$rc" = 0 ] || die "qemu exit status $rc"
