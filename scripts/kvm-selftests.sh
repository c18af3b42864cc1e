#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# KVM's own selftests, built static from the source tree of the kernel under
# test into the cache (never into the shared source tree), for the QEMU rig
# with KVM (SECMMU_KVM=1: nested SVM under TCG, qemu_boot in lib.sh):
#
#   access_tracking_perf_test  dirty_log_perf_test
#   secmmu-realage-kvm         tools/bench/kvm/realage-kvm.c, a small program
#                              on the selftests' library (KVM's subject of
#                              the bench series realage)
#   secmmu-real-kvm            tools/bench/kvm/real-kvm.c, the same for the
#                              series realinval, realdirty and realvcpu
#
# SERIES 6.12 builds from bookworm's linux-source-6.12, 7.2 from
# unstable's (linux_src in lib.sh); both trees are shared and read only:
# everything built goes to $SECMMU_CACHE/kvm-selftests/SERIES/.
# The UAPI headers come from "make O=DIR headers" of the same tree.  Both
# steps are incremental: a second run with nothing changed only checks
# timestamps.  Prints the directory holding the binaries on stdout.
#
# usage: kvm-selftests.sh [SERIES]   (default 6.12: linux_src in lib.sh)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

series=${1:-$SECMMU_SRC_SERIES}
src=$(linux_src "$series")
dir=$SECMMU_CACHE/kvm-selftests/$series
hdrs=$dir/hdrs
out=$dir/out
mkdir -p "$hdrs" "$out"
lock_dir "$dir"

step "KVM selftests ($series): UAPI headers into $hdrs" >&2
run_logged "kvm-headers-$series" make -C "$src" O="$hdrs" ARCH=x86_64 headers >&2

# Our program's source, copied when its content differs: make decides by
# mtime, and the cache is shared by every checkout.
mkdir -p "$dir/src"
for f in realage-kvm.c real-kvm.c unaged.h bench-kvm.mk; do
	cmp -s "$SECMMU_REPO/tools/bench/kvm/$f" "$dir/src/$f" ||
		cp "$SECMMU_REPO/tools/bench/kvm/$f" "$dir/src/$f"
done

# The extra makefile adds the bench's own programs, built with the
# selftests' own flags and library objects.  TMPOUT: where the Makefile's
# compiler probes (try-run) write, by default the current directory, i.e.
# the source tree.
step "KVM selftests ($series): build into $out" >&2
run_logged "kvm-selftests-$series" \
	make -C "$src/tools/testing/selftests/kvm" \
	-f Makefile -f "$dir/src/bench-kvm.mk" \
	ARCH=x86 OUTPUT="$out" TMPOUT="$out/.tmp_try" \
	KHDR_INCLUDES="-isystem $hdrs/usr/include" \
	EXTRA_CFLAGS=-static LDFLAGS="-static -pthread" \
	KVM_BENCH_SRC="$dir/src" \
	"$out/access_tracking_perf_test" "$out/dirty_log_perf_test" \
	"$out/secmmu-realage-kvm" "$out/secmmu-real-kvm" >&2
for b in access_tracking_perf_test dirty_log_perf_test secmmu-realage-kvm \
	 secmmu-real-kvm; do
	file -L "$out/$b" | grep -q 'statically linked' ||
		die "$out/$b is not a static binary"
done
echo "$out"
