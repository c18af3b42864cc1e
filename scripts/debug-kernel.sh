#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the secmmu debug kernel (KASAN, lockdep, PROVE_RCU, DEBUG_VM,
# DEBUG_LIST, KFENCE, kmemleak) from the extracted Debian 6.12 source, out
# of tree in $SECMMU_CACHE/debug-kernel (incremental), and secmmu.ko
# against it.  Config: allnoconfig + scripts/debug-kernel.config.
#
# The result is laid out like an unpacked linux-image package, so the QEMU
# rig takes it as it is (SECMMU_KIMG=<dir> scripts/qemu-run.sh <kver> <ko>):
#   $SECMMU_CACHE/debug-kernel-root/boot/vmlinuz-<kver>
#   $SECMMU_CACHE/debug-kernel-root/lib/modules/<kver>/...
#   $SECMMU_CACHE/build/<kver>/secmmu.ko
#
# usage: debug-kernel.sh           build; print "KVER KIMG_DIR KO" last
set -euo pipefail
. "$(dirname "$0")/lib.sh"

frag=$SECMMU_REPO/scripts/debug-kernel.config
out=$SECMMU_CACHE/debug-kernel
root=$SECMMU_CACHE/debug-kernel-root
src=$(linux_src)
jobs=$(nproc)
mk() { make -C "$src" O="$out" ARCH=x86_64 "$@"; }

lock_dir "$out"
mkdir -p "$out"

step "debug-kernel: config (allnoconfig + $(basename "$frag"))" >&2
if ! cmp -s "$frag" "$out/.secmmu-fragment" || [ ! -f "$out/.config" ]; then
	run_logged debug-kernel-config mk KCONFIG_ALLCONFIG="$frag" allnoconfig >&2
	# Every option the fragment asks for must have stuck.
	missing=0
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*) ;;
		*) continue ;;
		esac
		if ! grep -qxF "$line" "$out/.config"; then
			echo "debug-kernel: $line did not stick (dependency?)" >&2
			missing=1
		fi
	done <"$frag"
	[ "$missing" = 0 ] || die "debug kernel config incomplete"
	cp "$frag" "$out/.secmmu-fragment"
fi

step "debug-kernel: build ($jobs jobs, $out)" >&2
t=$SECONDS
run_logged debug-kernel-build mk -j"$jobs" bzImage modules >&2
kver=$(mk -s kernelrelease)
info "kernel $kver built in $((SECONDS - t)) s" >&2

# Stage boot/ and lib/modules/ like an unpacked linux-image package.
stamp=$out/arch/x86/boot/bzImage
if [ ! -f "$root/.done" ] || [ "$stamp" -nt "$root/.done" ]; then
	rm -rf "$root"
	mkdir -p "$root/boot"
	run_logged debug-kernel-install mk INSTALL_MOD_PATH="$root" \
		INSTALL_MOD_STRIP=1 modules_install >&2
	cp "$stamp" "$root/boot/vmlinuz-$kver"
	cp "$out/.config" "$root/boot/config-$kver"
	cp "$out/System.map" "$root/boot/System.map-$kver"
	touch "$root/.done"
fi

step "debug-kernel: secmmu.ko for $kver" >&2
dir=$SECMMU_CACHE/build/$kver
lock_dir "$dir"
copy_tree "$dir"
run_logged "build-$kver" make -C "$out" M="$dir" -j"$jobs" modules >&2
[ -f "$dir/secmmu.ko" ] || die "no secmmu.ko for $kver"
info "ok: $dir/secmmu.ko" >&2
echo "$kver $root $dir/secmmu.ko"
