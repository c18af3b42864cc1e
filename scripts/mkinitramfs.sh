#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build a busybox initramfs (cpio.gz) that loads zram (+deps) and secmmu.ko,
# sets up ~1 GiB of zram swap, runs the selftests (or the demo) and powers
# off.  See scripts/initramfs-init for what runs inside.  With selftests, it
# also carries what dirty_test's ext2_writeback needs: the ext2 file system
# (a module on Debian's kernels: ext4, which serves ext2, and its
# dependencies) and e2fsprogs' mke2fs with its shared libraries.
#
# usage: mkinitramfs.sh KVER KERNEL_DIR SECMMU_KO OUT.cpio.gz
#   KERNEL_DIR  unpacked linux-image (scripts/fetch-kernels.sh)
#   env SECMMU_SELFTESTS  selftest binaries to include (default: none), as
#                         /kselftest/secmmu, run by the kselftest runner
#   env SECMMU_KSFT_FILES the runner (kselftest/runner.sh of the kernel
#                         tree) and the tests' settings file, with them
#                         ("make -C tests/selftests ksft-files")
#   env SECMMU_EXTRA_BINS other binaries for /bin (e.g. tools/secmmu-demo)
#   env SECMMU_EXTRA_KOS  other modules for /lib/modules, not loaded at boot
#                         (e.g. the KCSAN canary)
#   env SECMMU_KVM=1      also KVM: kvm-amd and its dependencies (kvm,
#                         irqbypass, ccp), loaded at boot after zram
#                         (kvm.list); the machine must then have SVM
#                         (qemu_boot in lib.sh: SECMMU_KVM=1 boots -cpu max)
#   env SECMMU_HMM=1      also lib/test_hmm.ko (CONFIG_TEST_HMM=m: the 7.2
#                         kernel) and its dependencies, loaded at boot
#                         (hmm.list): dmirror's /dev/hmm_dmirror0 for the
#                         bench series coherence (bin/secmmu-dmirror)
#   env SECMMU_MIRROR_DIR a directory copied as /mirror (secmmu-mirror, its
#                         library and the kernel's mm selftests: qemu-run.sh
#                         mode mirror), with the dynamic loader and the
#                         shared libraries its ELF files need
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kver=${1:?usage}; kdir=${2:?usage}; ko=${3:?usage}; out=${4:?usage}
mods=$kdir/lib/modules/$kver
[ -f "$mods/modules.dep" ] || die "$mods/modules.dep missing"
[ -f "$ko" ] || die "$ko missing"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,run,lib/modules}

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
# mod_path NAME: modules.dep path of module NAME ('-' and '_' alike), or "".
mod_path() {
	awk -F: -v n="${1//-/_}" '{ b = $1; sub(/.*\//, "", b); sub(/\.ko.*/, "", b)
		gsub(/-/, "_", b) } b == n { print $1; exit }' "$mods/modules.dep"
}
# mod_alias NAME: the modules providing NAME (a module name or an alias).
mod_alias() {
	local p
	p=$(mod_path "$1")
	[ -n "$p" ] && { echo "$1"; return; }
	awk -v a="$1" '$1 == "alias" && $2 == a { print $3 }' \
		"$mods/modules.alias" 2>/dev/null | sort -u || true
}
# add_mod_soft NAME: module NAME, its "softdep NAME pre:" modules (the
# generic implementation when an alias has several: TCG's default CPU has
# no SSE4.2 for crc32c-intel), then its modules.dep dependencies.
add_mod_soft() {
	local path dep cands pick
	path=$(mod_path "$1")
	[ -n "$path" ] || die "no module $1 in $mods"
	[ -n "${seen[$path]:-}" ] && return
	seen[$path]=1
	for dep in $(awk -v m="${1//-/_}" '$1 == "softdep" && $2 == m {
		for (i = 4; i <= NF && $i != "post:"; i++) print $i }' \
		"$mods/modules.softdep" 2>/dev/null); do
		cands=$(mod_alias "$dep")
		[ -n "$cands" ] || continue	# built in
		pick=$(echo "$cands" | grep -m1 '_generic$' || echo "$cands" | head -n1)
		add_mod_soft "$pick"
	done
	for dep in $(awk -F': *' -v m="$path" '$1 == m { print $2 }' "$mods/modules.dep"); do
		dep=$(basename "$dep")
		add_mod_soft "${dep%%.ko*}"
	done
	order+=("$path")
}
# put_mods LIST: copy the modules in $order to /lib/modules, their names in
# load order to /lib/modules/LIST.
put_mods() {
	local m name
	for m in "${order[@]}"; do
		name=$(basename "$m"); name=${name%%.ko*}.ko
		put_ko "$mods/$m" "$root/lib/modules/$name"
		echo "$name" >>"$root/lib/modules/$1"
	done
	order=()
}
zram=$(awk -F: '$1 ~ /\/zram\.ko/ { print $1 }' "$mods/modules.dep")
[ -n "$zram" ] || die "no zram module in $mods"
add_mod "$zram"
put_mods load.list

# KVM (SECMMU_KVM=1): kvm-amd, its modules.dep dependencies first.
kvm_note=
if [ "${SECMMU_KVM:-0}" != 0 ]; then
	add_mod_soft kvm_amd
	put_mods kvm.list
	kvm_note="KVM: $(paste -sd' ' "$root/lib/modules/kvm.list")"
fi

# test_hmm (SECMMU_HMM=1): the kernel must have it as a module.
hmm_note=
if [ "${SECMMU_HMM:-0}" != 0 ]; then
	[ -n "$(mod_path test_hmm)" ] || die "no test_hmm module in $mods (CONFIG_TEST_HMM=m)"
	add_mod_soft test_hmm
	put_mods hmm.list
	hmm_note="test_hmm: $(paste -sd' ' "$root/lib/modules/hmm.list")"
fi

# The file system dirty_test's ext2_writeback mounts (ext2, else ext4):
# built in, or a module loaded with its dependencies before the tests
# (fs.list).  Debian's kernels have only ext4, which also serves ext2.
fs_note=
if [ -n "${SECMMU_SELFTESTS:-}" ]; then
	for fs in ext2 ext4; do
		if grep -qE "/$fs\.ko" "$mods/modules.builtin" 2>/dev/null; then
			fs_note="$fs built in"
			break
		fi
		fsmod=$(mod_alias "fs-$fs" | head -n1)
		if [ -n "$fsmod" ]; then
			add_mod_soft "$fsmod"
			put_mods fs.list
			fs_note="fs-$fs: $(paste -sd' ' "$root/lib/modules/fs.list")"
			break
		fi
	done
	[ -n "$fs_note" ] || fs_note="no ext2/ext4 (ext2_writeback will skip)"
fi
put_ko "$ko" "$root/lib/modules/secmmu.ko"
for m in ${SECMMU_EXTRA_KOS:-}; do
	put_ko "$m" "$root/lib/modules/$(basename "$m")"
done

# The selftests under the kselftest runner: BASE_DIR /kselftest with
# kselftest/runner.sh, the tests and their settings in /kselftest/secmmu.
if [ -n "${SECMMU_SELFTESTS:-}" ]; then
	read -r runner settings <<<"$(echo ${SECMMU_KSFT_FILES:-})"
	[ -f "${runner:-}" ] || die "no kselftest runner (SECMMU_KSFT_FILES: ${SECMMU_KSFT_FILES:-})"
	[ -f "${settings:-}" ] || die "no selftest settings (SECMMU_KSFT_FILES: ${SECMMU_KSFT_FILES:-})"
	mkdir -p "$root/kselftest/kselftest" "$root/kselftest/secmmu"
	cp "$runner" "$root/kselftest/kselftest/runner.sh"
	cp "$settings" "$root/kselftest/secmmu/settings"
fi
for t in ${SECMMU_SELFTESTS:-}; do
	file -L "$t" | grep -q 'statically linked' || die "$t is not a static binary"
	cp "$t" "$root/kselftest/secmmu/"
done
for b in ${SECMMU_EXTRA_BINS:-}; do
	file -L "$b" | grep -q 'statically linked' || die "$b is not a static binary"
	cp "$b" "$root/bin/"
done

# put_dynamic BIN DST: a dynamically linked host binary and the shared
# libraries (and loader) ldd resolves for it, at the same paths.
put_dynamic() {
	local lib
	cp "$1" "$root/$2"
	for lib in $(ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }
				 $1 ~ /^\// { print $1 }'); do
		[ -e "$root/$lib" ] && continue
		mkdir -p "$root/$(dirname "$lib")"
		cp -L "$lib" "$root/$lib"
	done
}
if [ -n "${SECMMU_SELFTESTS:-}" ]; then
	# The runner's per-test timeout is coreutils' timeout (it passes
	# --foreground, which busybox's applet has not).
	mkdir -p "$root/usr/bin"
	put_dynamic "$(command -v timeout || echo /usr/bin/timeout)" usr/bin/timeout
	# e2fsprogs' mke2fs for ext2_writeback, ahead of busybox's applet
	# (/init's "busybox --install" keeps an existing /bin/mke2fs).
	mke2fs=$(command -v mke2fs || echo /sbin/mke2fs)
	[ -x "$mke2fs" ] || die "no mke2fs (install e2fsprogs)"
	put_dynamic "$mke2fs" bin/mke2fs
	mkdir -p "$root/etc"
	[ ! -f /etc/mke2fs.conf ] || cp /etc/mke2fs.conf "$root/etc/"
fi

if [ -n "${SECMMU_MIRROR_DIR:-}" ]; then
	cp -r "$SECMMU_MIRROR_DIR" "$root/mirror"
	while IFS= read -r f; do
		file -L "$f" | grep -q 'dynamically linked' || continue
		put_dynamic "$f" "mirror/${f#"$SECMMU_MIRROR_DIR"/}"
	done < <(find "$SECMMU_MIRROR_DIR" -type f)
fi

mkdir -p "$(dirname "$out")"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.tmp"
mv "$out.tmp" "$out"
info "initramfs: $out ($(du -h "$out" | cut -f1); modules: $(tr '\n' ' ' <"$root/lib/modules/load.list")secmmu.ko)"
[ -z "$fs_note" ] || info "file system for ext2_writeback: $fs_note"
[ -z "$kvm_note" ] || info "$kvm_note"
[ -z "$hmm_note" ] || info "$hmm_note"
