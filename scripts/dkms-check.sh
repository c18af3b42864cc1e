#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Rig 3: the Debian packages on this host.  Builds secmmu-dkms and
# secmmu-tools from a clean copy of the tree (scripts/deb.sh, lintian
# included), installs both with apt (DKMS then builds and installs
# secmmu.ko for every kernel with headers), checks what they installed,
# boots each kernel's DKMS-built module in QEMU with a smoke set of
# selftests (the full ones run in the qemu-* steps), then purges both and
# checks that nothing of theirs is left.  A previous run's leftovers
# (packages, or a manual DKMS install of secmmu) are removed first.
#
# usage: dkms-check.sh [FLAVOUR|KVER ...]   (default: 6.1 6.12 6.12-rt)
#   env SECMMU_DKMS_SMOKE  selftests booted on each kernel
#                          (default: uapi_test memslot_test)
#
# Results: dkms-package (one case per check below) and, from qemu-run.sh,
# dkms-KVER per kernel.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavours=${*:-$SECMMU_FLAVOURS}
smoke=${SECMMU_DKMS_SMOKE:-uapi_test memslot_test}
pkgs="secmmu-dkms secmmu-tools"
passed=0
failed=0
start=$SECONDS
lap=$SECONDS
# lap WHAT: how long WHAT (the phase just ended) took.
lap() { info "time: $* $((SECONDS - lap)) s"; lap=$SECONDS; }

# ok NAME / bad NAME: one check's verdict.
ok()  { info "ok: $*"; passed=$((passed + 1)); }
bad() { echo "FAIL: $*"; failed=$((failed + 1)); }
# check NAME CMD...: CMD's status is the verdict.
check() {
	local name=$1; shift
	if "$@"; then ok "$name"; else bad "$name"; fi
}
# fatal MSG: a failure the rest cannot run after: recorded, then exit.
fatal() {
	bad "$*"
	record dkms-package "$passed" "$failed"
	exit 1
}

[ "$(id -u)" = 0 ] || fatal "dkms-check needs root (apt install)"
for t in apt-get dkms dpkg-buildpackage lintian; do
	command -v "$t" >/dev/null || fatal "$t missing (run scripts/deps.sh)"
done
ver=$(sed -n 's/^PACKAGE_VERSION="*\([^"]*\)"*/\1/p' "$SECMMU_REPO/dkms.conf")
[ -n "$ver" ] || fatal "no PACKAGE_VERSION in dkms.conf"

# The host's packages are one state for every checkout on this machine.
lock_dir "$SECMMU_CACHE/dkms-host"
export DEBIAN_FRONTEND=noninteractive
apt_get() { apt-get -y -q -o DPkg::Lock::Timeout=600 "$@"; }

# installed: those of our packages dpkg knows (installed, or config files
# left).
installed() {
	local p st
	for p in $pkgs; do
		st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
		case $st in
		''|not-installed) ;;
		*) echo "$p" ;;
		esac
	done
}
# recover: a run killed inside apt (dpkg's journal left, our packages
# half-installed) must not fail the next one: apt refuses everything
# until dpkg is told to finish.  Ours are purged by dpkg itself first
# (configuring them would build DKMS for every kernel), then whatever
# else was left half-done is configured.
recover() {
	local p st broken=
	for p in $pkgs; do
		st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
		case $st in
		''|not-installed|installed|config-files) ;;
		*) broken="$broken $p" ;;
		esac
	done
	[ -z "$broken" ] || dpkg --purge --force-remove-reinstreq --force-depends $broken \
		>>"$SECMMU_LOGS/dkms-purge.log" 2>&1 || return 1
	[ -z "$(dpkg --audit 2>/dev/null)" ] ||
		dpkg --configure -a >>"$SECMMU_LOGS/dkms-purge.log" 2>&1
}
# purge: both packages (and their conffiles) gone; then a manual DKMS
# install of secmmu, if any, removed too.
purge() {
	local p
	recover || return 1
	p=$(installed)
	[ -z "$p" ] || apt_get purge $p >>"$SECMMU_LOGS/dkms-purge.log" 2>&1 || return 1
	if dkms status -m secmmu 2>/dev/null | grep -q .; then
		for v in $(dkms status -m secmmu | sed -n 's|^secmmu/\([^,:]*\).*|\1|p' | sort -u); do
			dkms remove -m secmmu -v "$v" --all >>"$SECMMU_LOGS/dkms-purge.log" 2>&1 || true
		done
	fi
	for p in /usr/src/secmmu-*; do
		[ -e "$p" ] || continue
		dpkg -S "$p" >/dev/null 2>&1 || rm -rf "$p"
	done
	rm -rf /var/lib/dkms/secmmu
}

step "dkms: clean previous state"
: >"$SECMMU_LOGS/dkms-purge.log"
purge || fatal "cannot purge the previous run's packages (log $SECMMU_LOGS/dkms-purge.log)"

out=$SECMMU_CACHE/deb/$SECMMU_REPO_KEY
"$SECMMU_REPO/scripts/deb.sh" build "$out" || fatal "packages build (make deb)"
ok "packages build"
lap "packages build"
check "lintian: no errors or warnings" "$SECMMU_REPO/scripts/deb.sh" lint "$out"
lap lintian
debs=()
for p in $pkgs; do
	f=$(ls "$out/${p}_${ver}_"*.deb 2>/dev/null | head -n1)
	[ -n "$f" ] || fatal "no ${p}_${ver}_*.deb in $out"
	debs+=("$f")
done

# Whatever happens from here, the host is left without our packages.
trap 'purge || true' EXIT

step "dkms: apt install ${debs[*]##*/}"
# DKMS's postinst builds for every kernel in /lib/modules when the running
# kernel has none there (this host, a VM), else only for the running and
# the newest one: autoinstall_all_kernels (/etc/dkms/framework.conf's
# setting, read from the environment too) makes it all of them anyway.
export autoinstall_all_kernels=1
if ! run_logged dkms-install apt_get install --no-install-recommends "${debs[@]}"; then
	l=/var/lib/dkms/secmmu/$ver/build/make.log
	if [ -f "$l" ]; then
		echo "---- last 40 lines of $l ----"
		tail -n 40 "$l"
	fi
	fatal "apt install"
fi
ok "apt install"
lap "apt install (DKMS builds)"

step "dkms: installed files"
check "secmmu-dkms owns /usr/src/secmmu-$ver/dkms.conf" \
	sh -c "dpkg -S /usr/src/secmmu-$ver/dkms.conf | grep -q '^secmmu-dkms:'"
check "dkms.conf installed is the tree's" \
	cmp -s "$SECMMU_REPO/dkms.conf" "/usr/src/secmmu-$ver/dkms.conf"
check "group secmmu exists" sh -c 'getent group secmmu >/dev/null'
udev_rule=$(dpkg -L secmmu-dkms | grep -E '/udev/rules\.d/[^/]*secmmu[^/]*\.rules$' || true)
check "udev rule gives /dev/secmmu to group secmmu, mode 0660" \
	grep -qE '^KERNEL=="secmmu", SUBSYSTEM=="misc", GROUP="secmmu", MODE="0660"$' \
	"${udev_rule:-/nonexistent}"
for h in secmmu.h secmmu_dirty_ring.h; do
	check "/usr/include/linux/$h is the tree's" \
		cmp -s "$SECMMU_REPO/include/uapi/linux/$h" "/usr/include/linux/$h"
done
check "a program builds against the installed UAPI headers" sh -c \
	'printf "%s\n" "#include <linux/secmmu.h>" "#include <linux/secmmu_dirty_ring.h>" \
	 "int main(void) { return SECMMU_API_VERSION < 0; }" |
	 gcc -Wall -Werror -x c -o /dev/null -'
# No /dev/secmmu on this host: the library says so and runs the program
# unmirrored, which shows that /usr/bin/secmmu-mirror found it.
mirror_err=$(/usr/bin/secmmu-mirror -- true 2>&1 >/dev/null) && mirror_rc=0 || mirror_rc=$?
check "secmmu-mirror preloads its library and runs the program (rc $mirror_rc)" \
	sh -c "[ $mirror_rc = 0 ] && printf '%s\n' \"\$1\" | grep -q '^secmmu-mirror: '" sh "$mirror_err"
demo_err=$(/usr/bin/secmmu-demo 2>&1 >/dev/null) && demo_rc=0 || demo_rc=$?
check "secmmu-demo runs and reports the missing /dev/secmmu (rc $demo_rc)" \
	sh -c "[ $demo_rc = 1 ] && printf '%s\n' \"\$1\" | grep -q '^open /dev/secmmu: '" sh "$demo_err"
check "secmmu-tools is dynamically linked" \
	sh -c 'file -L /usr/bin/secmmu-demo | grep -q "dynamically linked"'
for m in secmmu-mirror secmmu-demo; do
	check "man page $m(1)" sh -c "man -w $m | grep -q '/man1/$m\.1'"
done

lap "installed files checks"

fail=0
for f in $flavours; do
	kver=$(kver_of "$f")
	step "dkms: $kver"
	if ! dkms status -m secmmu -v "$ver" -k "$kver" 2>/dev/null | grep -q ': installed'; then
		bad "dkms built and installed secmmu for $kver"
		dkms status -m secmmu
		tail -n 40 "/var/lib/dkms/secmmu/$ver/$kver/x86_64/log/make.log" 2>/dev/null || true
		continue
	fi
	ok "dkms built and installed secmmu for $kver"
	ko=$(ls /lib/modules/"$kver"/updates/dkms/secmmu.ko* 2>/dev/null | head -n1)
	if [ -z "$ko" ]; then
		bad "secmmu.ko in /lib/modules/$kver/updates/dkms"
		continue
	fi
	check "$ko is for $kver (vermagic)" \
		sh -c "modinfo -F vermagic '$ko' | grep -q '^$kver '"
	copy=$SECMMU_CACHE/dkms/$kver/$(basename "$ko")
	mkdir -p "$(dirname "$copy")"
	cp "$ko" "$copy"
	SECMMU_TESTS=$smoke SECMMU_RUN_NAME=dkms-$kver \
		"$SECMMU_REPO/scripts/qemu-run.sh" "$kver" "$copy" || fail=1
	lap "QEMU smoke on $kver"
done

step "dkms: purge"
# Every file the packages installed (not their directories, shared with
# others), checked gone after the purge.
files=$(dpkg -L $pkgs | while IFS= read -r p; do
	[ -d "$p" ] || echo "$p"; done)
trap - EXIT
: >"$SECMMU_LOGS/dkms-purge.log"
if purge; then ok "apt purge"; else bad "apt purge (log $SECMMU_LOGS/dkms-purge.log)"; fi
check "packages gone" sh -c '[ -z "$1" ]' sh "$(installed)"
check "dkms status has no secmmu" sh -c '! dkms status -m secmmu 2>/dev/null | grep -q .'
check "no /var/lib/dkms/secmmu" test ! -e /var/lib/dkms/secmmu
left=$(find /lib/modules -name 'secmmu.ko*' 2>/dev/null)
check "no secmmu.ko in /lib/modules${left:+: $left}" test -z "$left"
left=$(ls -d /usr/src/secmmu* 2>/dev/null || true)
check "nothing in /usr/src${left:+: $left}" test -z "$left"
left=$(ls /usr/include/linux/secmmu* 2>/dev/null || true)
check "no UAPI headers in /usr/include/linux${left:+: $left}" test -z "$left"
left=$(ls /lib/udev/rules.d/*secmmu* /usr/lib/udev/rules.d/*secmmu* \
	   /etc/udev/rules.d/*secmmu* 2>/dev/null || true)
check "no udev rule${left:+: $left}" test -z "$left"
left=$(for p in $files; do if [ -e "$p" ] || [ -L "$p" ]; then echo "$p"; fi; done)
check "none of the $(echo "$files" | wc -w) installed files left${left:+: $left}" test -z "$left"

lap "purge and checks"
info "time: total $((SECONDS - start)) s"

record dkms-package "$passed" "$failed"
[ "$failed" = 0 ] && [ "$fail" = 0 ]
