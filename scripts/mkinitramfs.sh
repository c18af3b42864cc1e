#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build a busybox initramfs (cpio.gz) that loads zram (+deps) and secmmu.ko,
# sets up ~1 GiB of zram swap, runs the selftests (or the demo) and powers
# off.  See scripts/initramfs-init for what runs inside.
#
# usage: mkinitramfs.sh KVER KERNEL_DIR SECMMU_KO OUT.cpio.gz
#   KERNEL_DIR  unpacked linux-image (scripts/fetch-kernels.sh)
#   env SECMMU_SELFTESTS  selftest binaries to include (default: none)
#   env SECMMU_EXTRA_BINS other binaries for /bin (e.g. tools/secmmu-demo)
#   env SECMMU_EXTRA_KOS  other modules for /lib/modules, not loaded at boot
#                         (e.g. the KCSAN canary)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kver=${1:?usage}; kdir=${2:?usage}; ko=${3:?usage}; out=${4:?usage}
mods=$kdir/lib/modules/$kver
[ -f "$mods/modules.dep" ] || die "$mods/modules.dep missing"
[ -f "$ko" ] || die "$ko missing"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,run,selftests,lib/modules}

bb=$(command -v busybox || echo /bin/busybox)
file -L "$bb" | grep -q 'statically linked' || die "$bb is not static (install busybox-static)"
cp "$bb" "$root/bin/busybox"
cp "$SECMMU_REPO/scripts/initramfs-init" "$root/init"
chmod 755 "$root/init"

# put_ko SRC DST: copy a module, decompressing .ko.xz/.ko.zst/.ko.gz.
put_ko() {
	case $1 in
	*.xz)  xz -dc "$1" >"$2" ;;
	*.zst) zstd -qdc "$1" >"$2" ;;
	*.gz)  gzip -dc "$1" >"$2" ;;
	*)     cp "$1" "$2" ;;
	esac
}

# zram and its dependencies, in load order (dependencies first).
declare -A seen=()
order=()
add_mod() {
	local path=$1 dep
	[ -n "${seen[$path]:-}" ] && return
	seen[$path]=1
	for dep in $(awk -F': *' -v m="$path" '$1 == m { print $2 }' "$mods/modules.dep"); do
		add_mod "$dep"
	done
	order+=("$path")
}
zram=$(awk -F: '$1 ~ /\/zram\.ko/ { print $1 }' "$mods/modules.dep")
[ -n "$zram" ] || die "no zram module in $mods"
add_mod "$zram"
for m in "${order[@]}"; do
	name=$(basename "$m"); name=${name%%.ko*}.ko
	put_ko "$mods/$m" "$root/lib/modules/$name"
	echo "$name" >>"$root/lib/modules/load.list"
done
put_ko "$ko" "$root/lib/modules/secmmu.ko"
for m in ${SECMMU_EXTRA_KOS:-}; do
	put_ko "$m" "$root/lib/modules/$(basename "$m")"
done

for t in ${SECMMU_SELFTESTS:-}; do
	file -L "$t" | grep -q 'statically linked' || die "$t is not a static binary"
	cp "$t" "$root/selftests/"
done
for b in ${SECMMU_EXTRA_BINS:-}; do
	file -L "$b" | grep -q 'statically linked' || die "$b is not a static binary"
	cp "$b" "$root/bin/"
done

mkdir -p "$(dirname "$out")"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.tmp"
mv "$out.tmp" "$out"
info "initramfs: $out ($(du -h "$out" | cut -f1); modules: $(tr '\n' ' ' <"$root/lib/modules/load.list")secmmu.ko)"
