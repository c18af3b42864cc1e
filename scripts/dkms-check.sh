#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Rig 3: DKMS.  Copies the source to /usr/src/secmmu-<ver>, runs dkms
# add/build/install for the Debian kernels, boots each installed module in
# the QEMU rig (selftests), then dkms remove --all.  A previous run's
# leftovers are removed first.
#
# usage: dkms-check.sh [FLAVOUR|KVER ...]   (default: 6.1 6.12)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || die "dkms-check needs root"
command -v dkms >/dev/null || die "dkms missing (run scripts/deps.sh)"
flavours=${*:-6.1 6.12}
ver=$(sed -n 's/^PACKAGE_VERSION="*\([^"]*\)"*/\1/p' "$SECMMU_REPO/dkms.conf")
[ -n "$ver" ] || die "no PACKAGE_VERSION in dkms.conf"
srcdir=/usr/src/secmmu-$ver

cleanup() {
	if dkms status -m secmmu -v "$ver" 2>/dev/null | grep -q .; then
		dkms remove -m secmmu -v "$ver" --all >>"$SECMMU_LOGS/dkms.log" 2>&1 || true
	fi
	rm -rf "$srcdir" /var/lib/dkms/secmmu/"$ver"
}

step "dkms: clean previous state"
: >"$SECMMU_LOGS/dkms.log"
cleanup

step "dkms: copy source to $srcdir"
mkdir -p "$srcdir"
(cd "$SECMMU_REPO" &&
 if [ -e .git ]; then
	git ls-files -z --cached --others --exclude-standard -- \
		Kbuild Kconfig Makefile dkms.conf LICENSE src include \
		scripts/probe.sh scripts/probes tests/kunit
 else
	find Kbuild Kconfig Makefile dkms.conf LICENSE src include \
		scripts/probe.sh scripts/probes tests/kunit -type f -print0 2>/dev/null
 fi | xargs -0 -r sh -c 'for f; do [ -f "$f" ] && printf "%s\0" "$f"; done' sh |
 tar -cf - --null -T - | tar -C "$srcdir" -xf -)
info "$(find "$srcdir" -type f | wc -l) files"

trap cleanup EXIT
run_logged dkms-add dkms add -m secmmu -v "$ver"

fail=0
for f in $flavours; do
	kver=$(kver_of "$f")
	step "dkms: build + install for $kver"
	[ -e "/lib/modules/$kver/build" ] || die "/lib/modules/$kver/build missing (linux-headers-$kver)"
	if ! run_logged "dkms-build-$kver" dkms build -m secmmu -v "$ver" -k "$kver" ||
	   ! run_logged "dkms-install-$kver" dkms install -m secmmu -v "$ver" -k "$kver"; then
		for l in /var/lib/dkms/secmmu/"$ver"/build/make.log; do
			[ -f "$l" ] && tail -n 40 "$l"
		done
		record "dkms-$kver" 0 1 0
		fail=1
		continue
	fi
	ko=$(ls /lib/modules/"$kver"/updates/dkms/secmmu.ko* 2>/dev/null | head -n1)
	[ -n "$ko" ] || { echo "FAIL: dkms installed no secmmu.ko for $kver"; record "dkms-$kver" 0 1 0; fail=1; continue; }
	info "installed: $ko"
	copy=$SECMMU_CACHE/dkms/$kver/$(basename "$ko")
	mkdir -p "$(dirname "$copy")"
	cp "$ko" "$copy"
	SECMMU_RUN_NAME=dkms-$kver "$SECMMU_REPO/scripts/qemu-run.sh" "$kver" "$copy" || fail=1
done

step "dkms: remove"
run_logged dkms-remove dkms remove -m secmmu -v "$ver" --all
trap - EXIT
cleanup
[ ! -e "$srcdir" ] || die "$srcdir left behind"
exit $fail
