#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Release/acquire ordering check on a weakly ordered CPU (arm64), by
# compiling and disassembling.  On x86-64 (TSO) smp_store_release() and
# smp_load_acquire() compile to plain moves, and QEMU's TCG on an x86 host
# never reorders stores, so no test run here can tell a missing release or
# acquire from a present one.  On arm64 they are instructions of their own
# (stlr, ldar; casa/ldaxr for an acquire cmpxchg, casl/stlxr for a release
# one): this script cross-builds secmmu's objects for arm64 and checks that
# each documented publication compiled into the function it ends up in
# (inlining included) still has its ordering instruction, identified by
# what it stores where that can be told (the DIRTY flag's constant, an
# index bump's "+ 1", a zero, a 64-bit head).
#
# usage: ordering-check.sh [TREE]
#   TREE              a secmmu source tree (default: this checkout); built
#                     from a content-compared copy under the cache, never
#                     in place
#   env SECMMU_JOBS   make -j (default and cap: 2)
#
# The arm64 kernel build dir (defconfig + modules_prepare of the extracted
# linux-source-6.12) is prepared once, in $SECMMU_CACHE/arm64-6.12.  The
# build must be warning-free with W=1 (one case); modpost's unresolved
# symbols are expected (no vmlinux) and only warned about.  Prints one
# "ok N name" / "not ok N name" line per case and records them as the
# result "ordering" (a run that could not check anything records one
# failure).  Exit: 0 all passed, 1 a case failed, 2 nothing could be
# checked (no toolchain, no kernel build dir, the build failed).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tree=$(cd "${1:-$SECMMU_REPO}" && pwd) || die "no tree ${1:-}"
if [ ! -f "$tree/Kbuild" ] || [ ! -f "$tree/src/dirty_ring.c" ]; then
	die "$tree is not a secmmu source tree"
fi
cross=aarch64-linux-gnu-
jobs=${SECMMU_JOBS:-2}
{ [ "$jobs" -ge 1 ] && [ "$jobs" -le 2 ]; } 2>/dev/null || jobs=2
out=$SECMMU_CACHE/arm64-$SECMMU_SRC_SERIES
work=$SECMMU_CACHE/ordering/tree-$(printf '%s' "$tree" | md5sum | cut -c1-8)
t0=$SECONDS
n=0 passed=0 failed=0 recorded=0
# Whatever stops the run early still leaves a result with its failure.
trap '[ "$recorded" = 1 ] || record ordering "$passed" $((failed + 1))' EXIT

for tool in gcc objdump; do
	command -v "$cross$tool" >/dev/null || {
		echo "ERROR: no $cross$tool (run scripts/deps.sh)" >&2
		exit 2
	}
done

step "ordering: arm64 kernel build dir ($out)"
src=$(linux_src "$SECMMU_SRC_SERIES")
mk() { make -C "$src" O="$out" ARCH=arm64 CROSS_COMPILE="$cross" "$@"; }
lock_dir "$out"
want="$($cross"gcc" --version | head -n1) $(mk -s kernelversion 2>/dev/null)"
if [ "$(cat "$out/.secmmu-prepared" 2>/dev/null)" != "$want" ]; then
	t=$SECONDS
	rm -f "$out/.secmmu-prepared"
	mkdir -p "$out"
	# CONFIG_SECMMU stays off: no graft held (lib.sh).
	graft_parses "$src"
	if ! run_logged ordering-arm64-config mk defconfig ||
	   ! run_logged ordering-arm64-prepare mk -j"$jobs" modules_prepare; then
		echo "ERROR: cannot prepare the arm64 kernel build dir $out" >&2
		exit 2
	fi
	echo "$want" >"$out/.secmmu-prepared"
	info "prepared in $((SECONDS - t)) s"
else
	info "prepared already ($want)"
fi

step "ordering: secmmu objects for arm64 (W=1, $tree)"
lock_dir "$work"
(SECMMU_REPO=$tree && copy_tree "$work")
log=$SECMMU_LOGS/ordering-build-$(basename "$work").log
info "log: $log"
brc=0
make -C "$out" ARCH=arm64 CROSS_COMPILE="$cross" M="$work" W=1 \
	KBUILD_MODPOST_WARN=1 -j"$jobs" modules >"$log" 2>&1 || brc=$?

# result NAME OK DETAIL: one case.
result() {
	n=$((n + 1))
	if [ "$2" = 1 ]; then
		passed=$((passed + 1))
		echo "ok $n $1 ($3)"
	else
		failed=$((failed + 1))
		echo "not ok $n $1 ($3)"
	fi
}

# Compiler (and kbuild) warnings; modpost's unresolved symbols are expected.
warnings=$(grep -E 'warning:|WARNING:' "$log" |
	   grep -vE '^WARNING: (modpost: |Module\.symvers is missing)' || true)
if [ "$brc" != 0 ] || [ ! -f "$work/src/dirty_ring.o" ]; then
	tail -n 40 "$log"
	result arm64-build 0 "make exit $brc"
	record ordering "$passed" "$failed"
	recorded=1
	exit 2
fi
if [ -n "$warnings" ]; then
	printf '    %s\n' "$warnings" | sed -n 1,20p
	result arm64-build 0 "$(printf '%s\n' "$warnings" | wc -l) warning line(s) with W=1"
else
	result arm64-build 1 "secmmu objects built for arm64 with W=1, no warning"
fi

# insns OBJ FUNC: FUNC's instructions, "mnemonic operands", one a line; a
# release store (stlr*) also gets " <= " and the last instruction before it
# (in address order) that wrote its source register: the value it stores,
# in straight-line code ("zero" for wzr/xzr).
insns() {
	"${cross}objdump" -d --no-show-raw-insn "$work/$1" | awk -v fn="$2" '
	function regno(r) {
		if (r ~ /^[wx]zr$/) return "zr"
		if (r ~ /^[wx][0-9]+$/) return substr(r, 2)
		return ""
	}
	# Reads to the end: an early exit would break objdump'"'"'s pipe.
	$0 ~ "^[0-9a-f]+ <" fn ">:$" { infn = !seen; seen = 1; next }
	infn && /^$/ { infn = 0 }
	infn && /^ *[0-9a-f]+:\t/ {
		line = $0
		sub(/^ *[0-9a-f]+:\t/, "", line)
		sub(/[ \t]*\/\/.*$/, "", line)
		sub(/[ \t]*$/, "", line)
		split(line, p, "\t")
		m = p[1]; ops = p[2]
		split(ops, o, ", ")
		r = regno(o[1])
		if (m ~ /^stlr/) {
			v = r == "zr" ? "zero" : (r in def ? def[r] : "?")
			print m " " ops " <= " v
			next
		}
		print m " " ops
		# What writes its first operand: not a store (but the status
		# register of a store-exclusive), compare, branch or barrier.
		if (m ~ /^(st|cmp|cmn|tst|b|cb|tb|ret|prfm|dmb|dsb|isb|nop|msr|hint|pac|aut)/ &&
		    m !~ /^st[a-z]*xr$/ && m !~ /^(bic|bfi|bfxil)$/)
			next
		if (r != "" && r != "zr")
			def[r] = m " " ops
	}'
}

# expect NAME OBJ FUNC MIN MAX ERE WHAT: FUNC (in OBJ) has MIN to MAX
# (- for no limit) instructions matching ERE (against insns' lines).
expect() {
	local name=$1 obj=$2 fn=$3 min=$4 max=$5 re=$6 what=$7 body c ok=1 want
	body=$(insns "$obj" "$fn")
	if [ -z "$body" ]; then
		result "$name" 0 "no function $fn in $obj"
		return
	fi
	c=$(grep -cE "$re" <<<"$body" || true)
	[ "$c" -ge "$min" ] || ok=0
	[ "$max" = - ] || [ "$c" -le "$max" ] || ok=0
	if [ "$ok" = 1 ]; then
		result "$name" 1 "$fn: $c $what"
	else
		if [ "$max" = - ]; then
			want="at least $min"
		elif [ "$max" = "$min" ]; then
			want=$min
		else
			want="$min to $max"
		fi
		result "$name" 0 "$fn: $c $what, want $want"
		grep -E '^(ldar|stlr|cas|ldax|stlx|ldapr|dmb)' <<<"$body" |
			sed 's/^/      /' || true
	fi
}

# flag NAME: the value of SECMMU_DIRTY_GFN_F_NAME, "(1U << N)" in the UAPI
# header, as objdump prints a mov immediate.
flag() {
	local s
	s=$(sed -nE "s/^#define[[:space:]]+SECMMU_DIRTY_GFN_F_$1[[:space:]]+\(1U << ([0-9]+)\).*/\1/p" \
		"$work/include/uapi/linux/secmmu.h")
	[ -n "$s" ] || die "cannot read SECMMU_DIRTY_GFN_F_$1 from the UAPI header"
	printf '#0x%x' $((1 << s))
}
dirty=$(flag DIRTY)
reset=$(flag RESET)

# Instruction patterns.  A release store of a 32-bit register whose value
# is a constant, an increment, or zero; of a 64-bit register (a head).
stlr_w='^stlr w[0-9]+, \[[^]]*\] <= '
stlr_x='^stlr x[0-9]+, \[[^]]*\] <= '
bump="${stlr_w}add w[0-9]+, w[0-9]+, #0x1\$"
ldar='^ldar w[0-9]+, '
# An acquire cmpxchg has two bodies, both inlined (the LSE one is chosen at
# boot by an alternative): casa[l] and an ldaxr/stxr loop.
casa='^casal? x[0-9]+, '
ldaxr='^ldaxr x[0-9]+, '

step "ordering: checks"
# src/dirty_ring.c: the push publishes slot and offset with the index
# (release), then all of them with DIRTY (release); ring_used() reads the
# resetter's reset_index with acquire.
expect push-index-release src/dirty_ring.o secmmu_dirty_ring_push 1 1 "$bump" \
	"stlr of dirty_index + 1"
expect push-dirty-release src/dirty_ring.o secmmu_dirty_ring_push 1 1 \
	"${stlr_w}mov w[0-9]+, $dirty\$" "stlr of DIRTY ($dirty)"
expect push-release-count src/dirty_ring.o secmmu_dirty_ring_push 2 2 '^stlr' \
	"stlr (dirty_index, DIRTY)"
expect push-used-acquire src/dirty_ring.o secmmu_dirty_ring_push 1 - "$ldar" \
	"ldar (ring_used: reset_index)"
expect soft-full-acquire src/dirty_ring.o secmmu_dirty_ring_soft_full 1 - "$ldar" \
	"ldar (ring_used: reset_index)"
# The harvester: dirty_index and each entry's flags with acquire (pairs
# with the push), RESET with release once its reads are done.
expect harvest-acquire src/dirty_ring.o secmmu_dirty_ring_harvest 2 - "$ldar" \
	"ldar (dirty_index, flags)"
expect harvest-reset-release src/dirty_ring.o secmmu_dirty_ring_harvest 1 - \
	"${stlr_w}mov w[0-9]+, $reset\$" "stlr of RESET ($reset)"
# The reset: dirty_index (twice), flags (three sites, reset_out_of_order()
# inlined) with acquire; the freed entry (0) and reset_index + 1 with
# release.
expect reset-acquire src/dirty_ring.o secmmu_dirty_ring_reset 5 - "$ldar" \
	"ldar (dirty_index x2, flags x3)"
expect reset-free-release src/dirty_ring.o secmmu_dirty_ring_reset 1 - \
	'^stlr wzr, ' "stlr of 0 (flags: entry free)"
expect reset-index-release src/dirty_ring.o secmmu_dirty_ring_reset 1 - "$bump" \
	"stlr of reset_index + 1"
# src/rmap.h: the lock bit is taken with an acquire cmpxchg and dropped
# with the store-release of the new head; src/rmap.c: an append to the
# first descriptor stores its count with release, the iterator loads it
# with acquire.
expect rmap-lock-slow-acquire src/rmap.o secmmu_rmap_lock_slow 1 - "$casa" \
	"casa (LSE acquire cmpxchg of the head)"
expect rmap-lock-slow-acquire-llsc src/rmap.o secmmu_rmap_lock_slow 1 - "$ldaxr" \
	"ldaxr (LL/SC acquire cmpxchg of the head)"
for fn in secmmu_rmap_add secmmu_rmap_remove; do
	short=${fn#secmmu_rmap_}
	expect "rmap-$short-lock-acquire" src/rmap.o "$fn" 1 - "$casa" \
		"casa (inline lock: LSE acquire cmpxchg)"
	expect "rmap-$short-lock-acquire-llsc" src/rmap.o "$fn" 1 - "$ldaxr" \
		"ldaxr (inline lock: LL/SC acquire cmpxchg)"
	expect "rmap-$short-unlock-release" src/rmap.o "$fn" 1 - "$stlr_x" \
		"64-bit stlr (unlock: the new head)"
done
expect rmap-add-count-release src/rmap.o secmmu_rmap_add 1 - "$bump" \
	"stlr of desc count + 1"
expect rmap-iter-acquire src/rmap.o secmmu_rmap_iter_next 1 - "$ldar" \
	"ldar (desc count)"
# src/vcpu.c, src/vm.h, src/flush.[ch]: nr_vcpus is published with release
# and read with acquire; guest mode is left with a release of guest_seq,
# which the remote flush waits on with acquire.
expect vcpu-publish-release src/vcpu.o secmmu_vcpu_publish 1 - "$bump" \
	"stlr of nr_vcpus + 1"
expect guest-exit-release src/vcpu.o secmmu_vcpu_access_op 1 - "$bump" \
	"stlr of guest_seq + 1 (secmmu_guest_exit)"
expect flush-acquire src/flush.o secmmu_remote_flush 2 - "$ldar" \
	"ldar (nr_vcpus, guest_seq)"
# src/mmu.c: link_table() links a zeroed table with a release cmpxchg.
expect link-table-release src/mmu.o secmmu_mmu_map 1 - '^casl x[0-9]+, ' \
	"casl (LSE release cmpxchg of the table link)"

step "ordering: summary ($((SECONDS - t0)) s)"
echo "ordering: $passed passed, $failed failed"
record ordering "$passed" "$failed"
recorded=1
[ "$failed" = 0 ]
