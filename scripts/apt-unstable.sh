#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Download (never install) packages from Debian unstable on this Debian 12
# host, with apt in a private state under $SECMMU_CACHE/apt/ (its own
# sources, lists, cache and an empty dpkg status: the host's apt and dpkg
# are not touched).  Prints the downloaded .deb paths, one a line.
#
# Trust chain, no [trusted=yes] anywhere:
#   1. trixie and trixie-updates are signed by keys the host already trusts
#      (/usr/share/keyrings/debian-archive-trixie-*.gpg): apt verifies their
#      InRelease, Packages and the .deb's sha256 against those.
#   2. From there, the newest debian-archive-keyring .deb; its keyring must
#      hold every key that signs unstable's InRelease (checked with gpgv:
#      each signature good, none from a missing key).
#   3. unstable is then used with signed-by that keyring.
# unstable's InRelease may be past its Valid-Until on a frozen mirror: that
# check alone is off for unstable (the signatures are still required).
#
# usage: apt-unstable.sh PKG...      (downloads into $SECMMU_CACHE/apt/debs)
#        apt-unstable.sh --resolve PKG   print PKG's first dependency
set -euo pipefail
. "$(dirname "$0")/lib.sh"

MIRROR=${SECMMU_DEBIAN_MIRROR:-http://deb.debian.org/debian}
base=$SECMMU_CACHE/apt
debs=$base/debs
mkdir -p "$debs"
lock_dir "$base"

# apt_root NAME: a private apt configuration in r=$base/NAME; exports
# APT_CONFIG so apt reads nothing of the host's /etc/apt.
apt_root() {
	r=$base/$1
	mkdir -p "$r"/etc/apt.conf.d "$r"/etc/preferences.d "$r"/etc/sources.list.d \
		"$r"/etc/trusted.gpg.d "$r"/state/lists/partial \
		"$r"/cache/archives/partial
	cat >"$r/apt.conf" <<-EOF
	Dir::Etc "$r/etc/";
	Dir::Etc::sourcelist "sources.list";
	Dir::Etc::trusted "$r/etc/trusted.gpg";
	Dir::State "$r/state/";
	Dir::State::status "/dev/null";
	Dir::Cache "$r/cache/";
	APT::Architecture "amd64";
	APT::Architectures { "amd64"; };
	APT::Sandbox::User "root";
	Acquire::Languages "none";
	Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled "false";
	EOF
	export APT_CONFIG=$r/apt.conf
}

# fresh_lists: apt-get update unless the lists are younger than a day.
fresh_lists() {
	local r=$1 stamp=$1/state/.updated
	if [ -z "$(find "$stamp" -mmin -1440 2>/dev/null)" ]; then
		apt-get -q update >&2 || die "apt-get update failed ($r)"
		touch "$stamp"
	fi
}

# Step 1: trixie, trusted through the host's own trixie keys.
apt_root trixie
cat /usr/share/keyrings/debian-archive-trixie-stable.gpg \
    /usr/share/keyrings/debian-archive-trixie-automatic.gpg >"$r/host-trixie.gpg"
for s in trixie trixie-updates; do
	echo "deb [signed-by=$r/host-trixie.gpg] $MIRROR $s main"
done >"$r/etc/sources.list"
keyring=$base/debian-archive-keyring.gpg
if [ ! -f "$keyring" ]; then
	echo "apt-unstable: trixie lists (host's trixie keys)" >&2
	fresh_lists "$r"
	kdir=$(mktemp -d)
	(cd "$kdir" && apt-get -q download debian-archive-keyring >&2) ||
		die "cannot download debian-archive-keyring from trixie"
	kdeb=$(ls "$kdir"/debian-archive-keyring_*.deb)
	echo "apt-unstable: $(basename "$kdeb") (sha256 checked by apt against trixie's signed index)" >&2
	dpkg-deb -x "$kdeb" "$kdir/x"
	cp "$kdir/x/usr/share/keyrings/debian-archive-keyring.gpg" "$keyring.new"
	rm -rf "$kdir"
	mv "$keyring.new" "$keyring"
fi

# Step 2: the keyring must verify every signature on unstable's InRelease.
apt_root unstable
inrel=$r/InRelease.check
curl -sfSL -o "$inrel" "$MIRROR/dists/unstable/InRelease" ||
	die "cannot fetch unstable's InRelease"
gv=$(gpgv --keyring "$keyring" "$inrel" 2>&1 >/dev/null) || true
if ! grep -q 'Good signature' <<<"$gv" ||
   grep -qiE 'no public key|BAD signature|expired key|revoked' <<<"$gv"; then
	echo "$gv" >&2
	die "unstable's InRelease does not verify with trixie's debian-archive-keyring"
fi
echo "deb [signed-by=$keyring check-valid-until=no] $MIRROR unstable main" >"$r/etc/sources.list"
fresh_lists "$r"

if [ "${1:-}" = --resolve ]; then
	apt-cache depends "${2:?}" 2>/dev/null | awk '/^ *Depends:/ { print $2; exit }'
	exit 0
fi

# Step 3: the packages (apt checks each .deb's sha256 against the index).
for p in "$@"; do
	v=$(apt-cache show --no-all-versions "$p" 2>/dev/null |
	    awk '/^Version:/ { print $2; exit }')
	[ -n "$v" ] || die "$p: not in unstable"
	f=$(ls "$debs/${p}_"*.deb 2>/dev/null | head -n1 || true)
	if [ -z "$f" ] || [ "$(dpkg-deb -f "$f" Version)" != "$v" ]; then
		rm -f "$debs/${p}_"*.deb
		(cd "$debs" && apt-get -q download "$p" >&2) || die "cannot download $p"
		f=$(ls "$debs/${p}_"*.deb | head -n1)
	fi
	echo "$f"
done
