#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build a secmmu debug kernel from the extracted Debian 6.12 source, out of
# tree and incrementally, and secmmu.ko against it.  Config: allnoconfig +
# scripts/debug-kernel-common.config (lockdep, PROVE_RCU, DEBUG_VM,
# DEBUG_LIST, DEBUG_ATOMIC_SLEEP, kmemleak) + the flavour's fragment:
#   kasan  debug-kernel-kasan.config: KASAN + KFENCE  ($SECMMU_CACHE/debug-kernel)
#   kcsan  debug-kernel-kcsan.config: KCSAN, strict   ($SECMMU_CACHE/debug-kernel-kcsan)
#   rt     debug-kernel-rt.config: PREEMPT_RT, no sanitizer ($SECMMU_CACHE/debug-kernel-rt)
#   ml     debug-kernel-ml.config: the mainline kernel (7.2), from unstable's
#          linux-source, no sanitizer ($SECMMU_CACHE/mainline-kernel); the
#          QEMU rig's "7.2" flavour, secmmu.ko for it comes from build-all.sh
#
# The result is laid out like an unpacked linux-image package, so the QEMU
# rig takes it as it is (SECMMU_KIMG=<dir> scripts/qemu-run.sh <kver> <ko>):
#   $SECMMU_CACHE/debug-kernel[-kcsan|-rt]-root/boot/vmlinuz-<kver>
#   $SECMMU_CACHE/debug-kernel[-kcsan|-rt]-root/lib/modules/<kver>/...
#   $SECMMU_CACHE/build/<kver>/secmmu.ko
#   $SECMMU_CACHE/build/<kver>/tests/kcsan/secmmu_race_canary.ko (kcsan)
#
#   env SECMMU_JOBS  make -j (default: nproc)
#
# usage: debug-kernel.sh [kasan|kcsan|rt|ml]   build; print "KVER KIMG_DIR KO"
#        last ("KVER KIMG_DIR" for ml)
#        debug-kernel.sh ml prepare   configure and 'make modules_prepare'
#        only (what a W=1 module build needs, 1-2 minutes instead of a
#        kernel build: make check's 7.2 step); print "KVER BUILD_DIR" last.
#        A later full build in the same directory picks up from there.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

san=${1:-kasan}
what=${2:-build}
[ "$what" = build ] || { [ "$san" = ml ] && [ "$what" = prepare ]; } ||
	die "usage: debug-kernel.sh [kasan|kcsan|rt|ml] | debug-kernel.sh ml prepare"
case $san in
kasan) out=$SECMMU_CACHE/debug-kernel ;;
kcsan) out=$SECMMU_CACHE/debug-kernel-kcsan ;;
rt) out=$SECMMU_CACHE/debug-kernel-rt ;;
ml) out=$SECMMU_CACHE/mainline-kernel ;;
*) die "usage: debug-kernel.sh [kasan|kcsan|rt|ml]" ;;
esac
root=$out-root
frags="$SECMMU_REPO/scripts/debug-kernel-common.config $SECMMU_REPO/scripts/debug-kernel-$san.config"
if [ "$san" = ml ]; then
	src=$(linux_src "$SECMMU_ML_SERIES")
else
	src=$(linux_src)
fi
jobs=${SECMMU_JOBS:-$(nproc)}
mk() { make -C "$src" O="$out" ARCH=x86_64 "$@"; }

lock_dir "$out"
mkdir -p "$out"
# CONFIG_SECMMU stays off here: no graft held (lib.sh).
graft_parses "$src"
frag=$out/.secmmu-fragment.new
# shellcheck disable=SC2086 # two file names
cat $frags >"$frag"

step "debug-kernel: $san config (allnoconfig + common + $san fragment)" >&2
if ! cmp -s "$frag" "$out/.secmmu-fragment" || [ ! -f "$out/.config" ]; then
	run_logged "debug-kernel-$san-config" mk KCONFIG_ALLCONFIG="$frag" allnoconfig >&2
	# Every option the fragment asks for must have stuck: each symbol's
	# last line (a flavour's fragment may override the common one), "is
	# not set" ones too (absent from .config counts).
	missing=0
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*) grep -qxF "$line" "$out/.config" ;;
		*) sym=${line#\# } && ! grep -q "^${sym%% *}=" "$out/.config" ;;
		esac || {
			echo "debug-kernel: '$line' did not stick (dependency?)" >&2
			missing=1
		}
	done < <(sed -nE 's/^(# )?(CONFIG_[A-Za-z0-9_]+)[= ].*/\2\t&/p' "$frag" |
		 awk -F'\t' '{ last[$1] = $2 } END { for (s in last) print last[s] }')
	[ "$missing" = 0 ] || die "debug kernel config incomplete"
	mv "$frag" "$out/.secmmu-fragment"
fi
rm -f "$frag"

if [ "$what" = prepare ]; then
	step "debug-kernel: $san modules_prepare ($jobs jobs, $out)" >&2
	run_logged "debug-kernel-$san-prepare" mk -j"$jobs" modules_prepare >&2
	kver=$(mk -s kernelrelease)
	touch "$out/.secmmu-prepared"
	echo "$kver $out"
	exit 0
fi

step "debug-kernel: $san build ($jobs jobs, $out)" >&2
t=$SECONDS
# The whole kernel is instrumented, KCSAN's too: instrumenting secmmu.ko
# alone (KCSAN_SANITIZE=n) would put every watchpoint in it, but would also
# hide the barriers of the kernel's locks from KCSAN's weak-memory model
# (its boot selftest fails: "improperly instrumented spin_unlock").
run_logged "debug-kernel-$san-build" mk -j"$jobs" bzImage modules >&2
kver=$(mk -s kernelrelease)
info "kernel $kver built in $((SECONDS - t)) s" >&2

# Stage boot/ and lib/modules/ like an unpacked linux-image package.
stamp=$out/arch/x86/boot/bzImage
if [ ! -f "$root/.done" ] || [ "$stamp" -nt "$root/.done" ]; then
	rm -rf "$root"
	mkdir -p "$root/boot"
	run_logged "debug-kernel-$san-install" mk INSTALL_MOD_PATH="$root" \
		INSTALL_MOD_STRIP=1 modules_install >&2
	cp "$stamp" "$root/boot/vmlinuz-$kver"
	cp "$out/.config" "$root/boot/config-$kver"
	cp "$out/System.map" "$root/boot/System.map-$kver"
	echo "$kver" >"$root/kernelrelease"
	touch "$root/.done"
fi
if [ "$san" = ml ]; then
	echo "$kver $root"
	exit 0
fi

step "debug-kernel: secmmu.ko for $kver" >&2
dir=$SECMMU_CACHE/build/$kver
lock_dir "$dir"
copy_tree "$dir"
run_logged "build-$kver" make -C "$out" M="$dir" -j"$jobs" modules >&2
[ -f "$dir/secmmu.ko" ] || die "no secmmu.ko for $kver"
info "ok: $dir/secmmu.ko" >&2
if [ "$san" = kcsan ]; then
	# The rig's positive control: a module with one deliberate race.
	run_logged "build-$kver-canary" make -C "$out" M="$dir/tests/kcsan" modules >&2
	[ -f "$dir/tests/kcsan/secmmu_race_canary.ko" ] || die "no KCSAN canary"
	info "ok: $dir/tests/kcsan/secmmu_race_canary.ko" >&2
fi
echo "$kver $root $dir/secmmu.ko"
