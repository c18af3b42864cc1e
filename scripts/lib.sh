# SPDX-License-Identifier: GPL-2.0
# Common helpers for the secmmu build/test scripts.  Source, don't run.
#
# Environment:
#   SECMMU_CACHE  cache root outside the repo (default /var/cache/secmmu)

SECMMU_REPO=${SECMMU_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
SECMMU_CACHE=${SECMMU_CACHE:-/var/cache/secmmu}
SECMMU_LOGS=$SECMMU_CACHE/logs
SECMMU_RESULTS=${SECMMU_RESULTS:-$SECMMU_CACHE/results}
export SECMMU_REPO SECMMU_CACHE SECMMU_RESULTS
# Short key naming this checkout, for per-checkout cache entries.
SECMMU_REPO_KEY=$(printf '%s' "$SECMMU_REPO" | md5sum | cut -c1-8)
mkdir -p "$SECMMU_LOGS" "$SECMMU_RESULTS"

step() { printf '\n==== %s ====\n' "$*"; }
info() { printf '  %s\n' "$*"; }
die()  { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# run_logged NAME CMD...: run CMD with output in $SECMMU_LOGS/NAME.log;
# print the tail of the log if it fails.
run_logged() {
	local name=$1; shift
	local log=$SECMMU_LOGS/$name.log
	info "log: $log"
	if ! "$@" >"$log" 2>&1; then
		echo "---- last 40 lines of $log ----"
		tail -n 40 "$log"
		return 1
	fi
}

# Kernel flavours under test.  FLAVOUR -> metapackage suffix.
SECMMU_FLAVOURS="6.1 6.12 6.12-rt"
meta_suffix() {
	case $1 in
	6.1)     echo amd64 ;;
	6.12)    echo 6.12-amd64 ;;
	6.12-rt) echo 6.12-rt-amd64 ;;
	*)       die "unknown kernel flavour '$1' (want one of: $SECMMU_FLAVOURS $SECMMU_ML_SERIES)" ;;
	esac
}

# first_dep PKG: name of the first package PKG depends on (installed version
# first, then the archive's candidate).
first_dep() {
	local d
	d=$(dpkg-query -W -f='${Depends}' "$1" 2>/dev/null | sed 's/[ ,(|].*//') || true
	[ -n "$d" ] || d=$(apt-cache depends "$1" 2>/dev/null |
			   awk '/^ *Depends:/ { print $2; exit }') || true
	echo "$d"
}

# kver_of FLAVOUR|KVER: the kernel ABI release (e.g. what uname -r says).
kver_of() {
	case $1 in
	[0-9]*.*.*-*) echo "$1"; return ;;	# already a full release
	"$SECMMU_ML_SERIES") ml_tree | cut -d' ' -f1; return ;;
	esac
	local pkg
	pkg=$(first_dep "linux-headers-$(meta_suffix "$1")")
	[ -n "$pkg" ] || die "cannot resolve the headers for kernel flavour $1"
	echo "${pkg#linux-headers-}"
}

# src_series_of KVER: the series of the source tree KVER was built from
# (KVM's selftests, lib/test_hmm_uapi.h): the mainline build's, or 6.12's.
src_series_of() {
	case $1 in
	*-secmmu-ml) echo "$SECMMU_ML_SERIES" ;;
	*) echo "$SECMMU_SRC_SERIES" ;;
	esac
}

# kdir_of FLAVOUR|KVER: kernel headers (build) directory.
kdir_of() {
	local kver d
	kver=$(kver_of "$1")
	case $kver in
	*-secmmu-ml) echo "$SECMMU_CACHE/mainline-kernel"; return ;;
	esac
	for d in "/usr/src/linux-headers-$kver" "/lib/modules/$kver/build"; do
		[ -f "$d/Makefile" ] && { echo "$d"; return; }
	done
	die "no kernel headers for $kver (run scripts/deps.sh)"
}

# ml_fragment_current: is the mainline build dir configured from today's
# fragments?
ml_fragment_current() {
	cat "$SECMMU_REPO/scripts/debug-kernel-common.config" \
	    "$SECMMU_REPO/scripts/debug-kernel-ml.config" |
		cmp -s - "$SECMMU_CACHE/mainline-kernel/.secmmu-fragment"
}

# ml_tree: "KVER BUILD_DIR" of the mainline (7.2) build dir, configured and
# prepared for module builds (scripts/debug-kernel.sh ml prepare, once): a
# W=1 build of secmmu.ko needs no more, and make check builds no more.
ml_tree() {
	local out=$SECMMU_CACHE/mainline-kernel
	if [ ! -f "$out/.secmmu-prepared" ] ||
	   [ ! -f "$out/include/config/kernel.release" ] || ! ml_fragment_current; then
		"$SECMMU_REPO/scripts/debug-kernel.sh" ml prepare >/dev/null ||
			die "cannot prepare the $SECMMU_ML_SERIES kernel tree"
	fi
	echo "$(cat "$out/include/config/kernel.release") $out"
}

# ml_kernel: "KVER KIMG_DIR" of the mainline kernel, which Debian 12 cannot
# build modules for with Debian's own headers (unstable builds it with
# gcc-16): scripts/debug-kernel.sh ml builds it from the mainline source
# with bookworm's gcc, once; then its kernelrelease is read back.  Only
# what boots it (the QEMU rig on 7.2: make torture, make qemu KVER=7.2)
# needs this; module builds take ml_tree.
ml_kernel() {
	local root=$SECMMU_CACHE/mainline-kernel-root
	if [ ! -f "$root/kernelrelease" ] || ! ml_fragment_current ||
	   [ "$SECMMU_CACHE/mainline-kernel/arch/x86/boot/bzImage" -nt "$root/.done" ]; then
		"$SECMMU_REPO/scripts/debug-kernel.sh" ml >/dev/null ||
			die "cannot build the $SECMMU_ML_SERIES kernel"
	fi
	echo "$(cat "$root/kernelrelease") $root"
}

# linux_src [SERIES]: an extracted kernel source tree, extracted into the
# cache on first use.  6.12 (the default: checkpatch, kunit.py,
# kselftest_harness.h) comes from bookworm's installed linux-source-6.12;
# the mainline series ($SECMMU_ML_SERIES) from unstable's linux-source
# package, downloaded (not installed) by scripts/apt-unstable.sh.
SECMMU_SRC_SERIES=6.12
SECMMU_ML_SERIES=7.2
linux_src() {
	local series=${1:-$SECMMU_SRC_SERIES}
	local dst=$SECMMU_CACHE/src/linux-source-$series
	local tarball=/usr/src/linux-source-$series.tar.xz deb
	if [ ! -f "$dst/Makefile" ]; then
		mkdir -p "$SECMMU_CACHE/src"
		lock_dir "$dst"
		[ -f "$dst/Makefile" ] && { echo "$dst"; return; }
		rm -rf "$dst"
		if [ -f "$tarball" ]; then
			echo "  extracting $tarball into $SECMMU_CACHE/src" >&2
			tar -C "$SECMMU_CACHE/src" -xf "$tarball"
		elif [ "$series" = "$SECMMU_ML_SERIES" ]; then
			deb=$("$SECMMU_REPO/scripts/apt-unstable.sh" "linux-source-$series") ||
				die "cannot download linux-source-$series"
			echo "  extracting $(basename "$deb") into $SECMMU_CACHE/src" >&2
			dpkg-deb --fsys-tarfile "$deb" |
				tar -xO "./usr/src/linux-source-$series.tar.xz" |
				tar -C "$SECMMU_CACHE/src" -xJf -
		else
			die "$tarball missing (run scripts/deps.sh)"
		fi
		[ -f "$dst/Makefile" ] || die "no $dst/Makefile after extracting"
	fi
	echo "$dst"
}

# graft_src SRC: make the shared source tree SRC build this checkout as
# drivers/misc/secmmu (a symlink to a copy of it + a Kconfig and a Makefile
# line), and hold the graft until the calling script exits: a KUnit build
# from SRC must not see another checkout's graft.
graft_src() {
	local src=$1 link=$1/drivers/misc/secmmu dst=$SECMMU_CACHE/graft
	lock_dir "$SECMMU_CACHE/kunit"
	# A content-compared copy, not a link to the checkout: kbuild decides
	# by mtime, and a checkout older than the objects another one left in
	# a shared build dir would otherwise link those stale objects.
	copy_tree "$dst"
	if [ "$(readlink "$link" 2>/dev/null)" != "$dst" ]; then
		rm -rf "$link"
		ln -s "$dst" "$link"
	fi
	grep -qxF 'source "drivers/misc/secmmu/Kconfig"' "$src/drivers/misc/Kconfig" ||
		sed -i '$i source "drivers/misc/secmmu/Kconfig"' "$src/drivers/misc/Kconfig"
	grep -qxF 'obj-$(CONFIG_SECMMU) += secmmu/' "$src/drivers/misc/Makefile" ||
		echo 'obj-$(CONFIG_SECMMU) += secmmu/' >>"$src/drivers/misc/Makefile"
}

# graft_parses SRC: for a kernel configured from SRC with CONFIG_SECMMU off
# (the debug kernels, the arm64 tree): drivers/misc/Kconfig must parse.
# It does without a graft, and with any checkout's graft (graft_src adds
# the Kconfig line after the link); only a line left without its link
# needs one.  No lock is held after that: such builds never wait for a
# KUnit run.
graft_parses() {
	local src=$1
	if grep -qxF 'source "drivers/misc/secmmu/Kconfig"' "$src/drivers/misc/Kconfig" &&
	   [ ! -r "$src/drivers/misc/secmmu/Kconfig" ]; then
		(graft_src "$src")
	fi
}

# copy_tree DST: copy the repo's regular files (no .git, no build litter,
# no symlinks) to DST.  Only files whose content differs are written (and
# so get a new mtime): kbuild stays incremental and never keeps an object
# built from another checkout.  Files gone from the repo are removed from
# DST.  Never follows a symlink in DST.  Take lock_dir DST first.
copy_tree() {
	local dst=$1 list old f
	mkdir -p "$dst"
	find "$dst" -type l -delete
	list=$(mktemp)
	(cd "$SECMMU_REPO" &&
	 find . -path ./.git -prune -o -type f \
		! -name '*.o' ! -name '*.ko' ! -name '*.ko.*' ! -name '*.mod' \
		! -name '*.mod.c' ! -name '.*.cmd' ! -name 'Module.symvers' \
		! -name 'modules.order' ! -name '*.a' -print | sort) >"$list"
	old=$dst/.secmmu-files
	if [ -f "$old" ]; then
		comm -23 "$old" "$list" | (cd "$dst" && xargs -r -d '\n' rm -f --)
	fi
	while IFS= read -r f; do
		cmp -s "$SECMMU_REPO/$f" "$dst/$f" && continue
		mkdir -p "$dst/$(dirname "$f")"
		cp "$SECMMU_REPO/$f" "$dst/$f"
	done <"$list"
	mv "$list" "$old"
}

# lock_dir PATH: hold an exclusive lock on PATH.lock until the script exits
# (developers and CI may share one cache).
lock_dir() {
	local fd
	mkdir -p "$(dirname "$1")"
	exec {fd}>"$1.lock"
	flock "$fd"
}

# record NAME PASSED FAILED [SKIPPED]: per-rig counts that 'make check'
# sums, one "passed failed skipped" line in $SECMMU_RESULTS/NAME.  A skipped
# case is neither passed nor failed.  (Readers accept the older two-field
# "passed failed" line: read_result.)
record() {
	echo "$2 $3 ${4:-0}" >"$SECMMU_RESULTS/$1"
	info "result[$1]: $2 passed, $3 failed, ${4:-0} skipped"
}

# read_result FILE: print "passed failed skipped" from a record() file,
# 0 for a missing field (a two-field line from an older writer).
read_result() {
	local p='' f='' s=''
	read -r p f s _ <"$1" || true
	echo "${p:-0} ${f:-0} ${s:-0}"
}

# Does the tree have real module sources yet?
# The test machine, one definition for every rig: TCG, 3 GiB, two NUMA
# nodes of one CPU each on two sockets (one socket makes 6.12 WARN in
# topology_sane), serial console.  Console (with CRs) goes to LOG.
# With SECMMU_KVM=1 (opt-in) the CPU model is "max": TCG then emulates
# SVM with nested paging (NPT), so the guest's KVM (kvm-amd) runs guests
# of its own; the default CPU model (qemu64) has neither.
# SECMMU_QEMU_NODE_MB (default 1536) sizes each node's memory.
# usage: qemu_boot TIMEOUT_S VMLINUZ INITRD CMDLINE LOG
qemu_boot() {
	local cpu=() node=${SECMMU_QEMU_NODE_MB:-1536}
	[ "${SECMMU_KVM:-0}" = 0 ] || cpu=(-cpu max)
	timeout "$1" qemu-system-x86_64 \
		-accel tcg "${cpu[@]}" -m $((2 * node))M -smp 2,sockets=2 \
		-object memory-backend-ram,size="$node"M,id=m0 \
		-object memory-backend-ram,size="$node"M,id=m1 \
		-numa node,nodeid=0,cpus=0,memdev=m0 \
		-numa node,nodeid=1,cpus=1,memdev=m1 \
		-kernel "$2" -initrd "$3" \
		-append "$4" -nographic -no-reboot \
		</dev/null >"$5" 2>&1
}

have_module() { [ -f "$SECMMU_REPO/Kbuild" ] || [ -f "$SECMMU_REPO/src/Kbuild" ]; }
