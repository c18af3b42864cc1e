#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Rig 2: boot a Debian kernel in QEMU (TCG, 2 CPUs on 2 NUMA nodes, zram
# swap) with secmmu.ko and run the selftests (or the demo); check the
# console for splats, TAP failures and the end marker.
#
# usage: qemu-run.sh FLAVOUR|KVER [KO]
#   KO                  module to test (default: the build-all .ko for KVER)
#   env SECMMU_TESTS    "name ..." run only these selftest binaries
#   env SECMMU_MODE     test (default) or demo
#   env SECMMU_RUN_NAME result/log name (default qemu-<kver>)
#   env SECMMU_QEMU_TIMEOUT  seconds (default 1200)
#   env SECMMU_KIMG     kernel dir laid out like an unpacked linux-image
#                       (boot/vmlinuz-KVER, lib/modules/KVER) instead of
#                       Debian's (scripts/debug-kernel.sh); pass KO too
#   env SECMMU_QEMU_APPEND  more kernel command line (e.g. panic_on_warn=1)
#   env SECMMU_ARGS     "a b" for the guest (smtest_args=a,b)
#   env SECMMU_MODPARAMS  "a=1 b=2": insmod secmmu.ko a=1 b=2 in the guest
#                       (smtest_modparams=a=1,b=2), e.g. fault injection:
#                       "inject_zap_yield=1 inject_cmpxchg_pct=20"
#   mode torture        tools/fuzz + tools/torture (scripts/torture.sh)
#   mode mirror         the kernel's mm selftests plain and under
#                       secmmu-mirror (scripts/mirror-run.sh)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kver=$(kver_of "${1:?usage: qemu-run.sh FLAVOUR|KVER [KO]}")
ko=${2:-}
mode=${SECMMU_MODE:-test}
name=${SECMMU_RUN_NAME:-qemu-$kver}
work=$SECMMU_CACHE/qemu/$name
mkdir -p "$work"
lock_dir "$work"

if [ -z "$ko" ]; then
	"$SECMMU_REPO/scripts/build-all.sh" "$kver"
	cp "$SECMMU_CACHE/build/$kver/secmmu.ko" "$work/secmmu.ko"
	ko=$work/secmmu.ko
fi
kimg=${SECMMU_KIMG:-$("$SECMMU_REPO/scripts/fetch-kernels.sh" "$kver")}

selftests=
extra=
if [ "$mode" = demo ]; then
	step "demo: build tools (make -C tools)"
	linux_src >/dev/null
	run_logged "tools-build-$name" make -C "$SECMMU_REPO/tools"
	extra=$SECMMU_REPO/tools/secmmu-demo
elif [ "$mode" = torture ]; then
	step "torture: build tools (fuzz, torture, lifecycle)"
	linux_src >/dev/null
	tout=$SECMMU_CACHE/torture/$SECMMU_REPO_KEY
	mkdir -p "$tout"
	run_logged "torture-build-$name" make -C "$SECMMU_REPO/tools" OUTPUT="$tout" torture-bins
	extra="$tout/secmmu-fuzz $tout/secmmu-torture $tout/secmmu-lifecycle"
elif [ "$mode" = mirror ]; then
	step "mirror: build secmmu-mirror and the mm selftests"
	linux_src >/dev/null
	mout=$SECMMU_CACHE/mirror/$SECMMU_REPO_KEY
	mkdir -p "$mout"
	lock_dir "$mout/build"
	run_logged "mirror-build-$name" make -C "$SECMMU_REPO/tools" OUTPUT="$mout" mirror
	run_logged "mm-selftests-build-$name" "$SECMMU_REPO/scripts/mm-selftests.sh" "$mout"
	stage=$work/mirror
	rm -rf "$stage"
	mkdir -p "$stage/mm"
	cp "$mout/mirror/libsecmmu-mirror.so" "$mout/mirror/secmmu-mirror" "$stage/"
	cp "$SECMMU_REPO/tests/mirror/mirror-guest.sh" "$stage/run"
	cp "$SECMMU_REPO/tests/mirror/mm-tests.list" "$stage/list"
	for t in $(awk '!/^#/ && NF { print $1 }' "$stage/list"); do
		case $t in
		bin:*)	# a real program of this host (dynamically linked)
			mkdir -p "$stage/bin"
			cp "$(type -P "${t#bin:}")" "$stage/bin/" ;;
		*)	cp "$mout/mm/$t" "$stage/mm/" ;;
		esac
	done
	export SECMMU_MIRROR_DIR=$stage
elif [ -f "$SECMMU_REPO/tests/selftests/Makefile" ]; then
	step "selftests: build"
	linux_src >/dev/null
	out=$SECMMU_CACHE/selftests/$SECMMU_REPO_KEY
	mkdir -p "$out"
	run_logged "selftests-build-$name" make -C "$SECMMU_REPO/tests/selftests" OUTPUT="$out"
	selftests=$(make -s -C "$SECMMU_REPO/tests/selftests" OUTPUT="$out" list)
	# the kselftest runner and the tests' settings (mkinitramfs.sh)
	export SECMMU_KSFT_FILES
	SECMMU_KSFT_FILES=$(make -s -C "$SECMMU_REPO/tests/selftests" ksft-files | tr '\n' ' ')
else
	info "no tests/selftests yet"
fi

step "$name: initramfs"
SECMMU_SELFTESTS=$selftests SECMMU_EXTRA_BINS=$extra \
	"$SECMMU_REPO/scripts/mkinitramfs.sh" "$kver" "$kimg" "$ko" "$work/initramfs.cpio.gz"

cmdline="console=ttyS0 panic=-1 oops=panic loglevel=4 smtest_mode=$mode"
if [ -n "${SECMMU_TESTS:-}" ]; then
	cmdline="$cmdline smtest_only=$(echo $SECMMU_TESTS | tr ' ' ,)"
fi
if [ -n "${SECMMU_ARGS:-}" ]; then
	cmdline="$cmdline smtest_args=$(echo $SECMMU_ARGS | tr ' ' ,)"
fi
if [ -n "${SECMMU_MODPARAMS:-}" ]; then
	cmdline="$cmdline smtest_modparams=$(echo $SECMMU_MODPARAMS | tr ' ' ,)"
fi
cmdline="$cmdline ${SECMMU_QEMU_APPEND:-}"

log=$SECMMU_LOGS/$name.log
step "$name: boot $kver (log $log)"
start=$SECONDS
rc=0
qemu_boot "${SECMMU_QEMU_TIMEOUT:-1200}" "$kimg/boot/vmlinuz-$kver" \
	"$work/initramfs.cpio.gz" "$cmdline" "$log" || rc=$?
tr -d '\r' <"$log" >"$log.txt"
mv "$log.txt" "$log"
info "qemu exited $rc after $((SECONDS - start)) s"

if [ "$mode" = demo ]; then
	sed -n '/^secmmu-init: RUN secmmu-demo/,/^secmmu-init: ---- dmesg/p' "$log" | sed '1d;$d'
fi
# Selftest output: every test case is one TAP line.  The kselftest runner
# (initramfs-init) prints one top-level line per binary ("ok N selftests:
# secmmu: NAME", not counted: a failing binary is an init FAIL below) and
# the binary's own TAP, its case lines, prefixed "# " between its header
# "# selftests: secmmu: NAME" and that line; other lines (the torture
# mode's, the KCSAN canary's) are top-level.  cases() prints the case
# lines of both at top level.  A skip ("ok N name # SKIP reason", or a
# whole binary's "1..0 # SKIP reason") is not a pass.  XFAIL/XPASS lines
# are harness passes.
cases() {
	awk '/^# selftests: secmmu: [^ ]+$/ { t = 1; next }
	     /^(not )?ok [0-9]+ selftests: secmmu: / { t = 0; next }
	     t { if (sub(/^# /, "")) print; next }
	     { print }' "$log"
}
tap_skip='^(ok [0-9]+ [^#]*|1\.\.0 )#[[:space:]]*[Ss][Kk][Ii][Pp]([[:space:]]|$)'
skipped=$(cases | grep -cE "$tap_skip" || true)
passed=$(( $(cases | grep -cE '^ok [0-9]+ ' || true) -
	   $(cases | grep -E "$tap_skip" | grep -cE '^ok ' || true) ))
failed=$(cases | grep -cE '^not ok [0-9]+ ' || true)
if [ "$skipped" != 0 ]; then
	info "$skipped skipped:"
	cases | grep -E "$tap_skip" | sed 's/^/    /'
fi
problems=0
complain() { echo "FAIL: $*"; problems=$((problems + 1)); }

[ "$rc" = 0 ] || complain "qemu exit status $rc (124 = timeout)"
grep -q '^secmmu-init: END rc=0$' "$log" || complain "no clean end marker"
# (A lockdep kernel's boot banner "RCU lockdep checking is enabled." is no splat.)
# (KCSAN reports are judged apart, by scripts/kcsan-scan.awk.)
# (The base64 lines of initramfs-init's gcov block may spell "KASAN" or
# "Oops": left out.  A kernel line printed into the block stays in.)
if awk -f "$SECMMU_REPO/scripts/kcsan-scan.awk" -v strip=1 "$log" |
   awk '/^secmmu-init: ---- gcov begin / { b = 1 }
	/^secmmu-init: ---- gcov end ----$/ { b = 0 }
	!(b && /^[A-Za-z0-9+\/=]+$/)' |
   grep -nE 'BUG:|WARNING:|Oops|KASAN|lockdep|possible circular locking|inconsistent lock state|Call Trace|Kernel panic' |
   grep -vE 'rcu:[[:space:]]+RCU lockdep checking is enabled\.$'; then
	complain "kernel splat on the console"
fi
if grep -q 'BUG: KCSAN: ' "$log"; then
	awk -f "$SECMMU_REPO/scripts/kcsan-scan.awk" "$log" ||
		complain "KCSAN data-race report(s)"
fi
grep -n '^secmmu-init: FAIL' "$log" && complain "init reported failures"
cases | grep -nE '^not ok [0-9]+ ' && complain "$failed failing test case(s)"
if [ "$problems" != 0 ]; then
	echo "---- last 40 console lines ($log) ----"
	tail -n 40 "$log"
fi

# A problem not tied to one test case still counts as one failure.
[ "$problems" = 0 ] || [ "$failed" != 0 ] || failed=1
[ "$mode" = demo ] || record "$name" "$passed" "$failed" "$skipped"
[ "$problems" = 0 ]
