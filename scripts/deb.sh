#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The Debian packages (debian/): secmmu-dkms and secmmu-tools, built with
# dpkg-buildpackage from a clean copy of the tree (the checkout's files,
# tracked or not ignored, as they are in the working tree: nothing is
# built in or written to the checkout), then checked with lintian.
#
# usage: deb.sh [build|lint] [OUTDIR]   (default: both; OUTDIR out/deb)
#   build  build the packages into OUTDIR (replacing earlier ones)
#   lint   lintian on OUTDIR's .changes: any error or warning fails (each
#          tag that stays is overridden, with its reason, in
#          debian/*.lintian-overrides)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

what=all
case ${1:-} in build|lint) what=$1; shift ;; esac
out=${1:-$SECMMU_REPO/out/deb}
mkdir -p "$out"
out=$(cd "$out" && pwd)
ver=$(sed -n 's/^PACKAGE_VERSION="*\([^"]*\)"*/\1/p' "$SECMMU_REPO/dkms.conf")
[ -n "$ver" ] || die "no PACKAGE_VERSION in dkms.conf"

build() {
	local tools t work src
	tools=(dpkg-buildpackage dh dh_dkms)
	for t in "${tools[@]}"; do
		command -v "$t" >/dev/null || die "$t missing (run scripts/deps.sh)"
	done
	step "deb: build secmmu $ver from a clean copy of $SECMMU_REPO"
	work=$(mktemp -d "${TMPDIR:-/tmp}/secmmu-deb.XXXXXX")
	# shellcheck disable=SC2064
	trap "rm -rf '$work'" EXIT
	src=$work/secmmu-$ver
	mkdir "$src"
	(cd "$SECMMU_REPO" &&
	 if [ -e .git ]; then
		git ls-files -z --cached --others --exclude-standard
	 else
		find . -path ./out -prune -o -type f -print0
	 fi | xargs -0 -r sh -c 'for f; do [ -f "$f" ] && printf "%s\0" "$f"; done' sh |
	 tar -cf - --null -T - | tar -C "$src" -xf -)
	info "$(find "$src" -type f | wc -l) files"
	run_logged "deb-build-$SECMMU_REPO_KEY" sh -c "cd '$src' && dpkg-buildpackage -b -us -uc" ||
		die "dpkg-buildpackage failed"
	rm -f "$out"/secmmu-dkms_*.deb "$out"/secmmu-tools_*.deb \
		"$out"/secmmu-tools-dbgsym_*.deb "$out"/secmmu_*.changes \
		"$out"/secmmu_*.buildinfo
	mv "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo "$out/"
	for f in "$out"/*.deb; do
		info "$f"
	done
}

lint() {
	local changes
	command -v lintian >/dev/null || die "lintian missing (run scripts/deps.sh)"
	changes=$(ls "$out"/secmmu_"$ver"_*.changes 2>/dev/null | head -n1)
	[ -n "$changes" ] || die "no secmmu_${ver}_*.changes in $out (deb.sh build first)"
	step "deb: lintian $(basename "$changes")"
	# Errors and warnings fail; info and pedantic tags are shown.
	lintian --info --pedantic --display-info --fail-on error,warning \
		--tag-display-limit 0 "$changes"
	info "lintian: no errors or warnings"
}

case $what in
build) build ;;
lint) lint ;;
all) build; lint ;;
esac
