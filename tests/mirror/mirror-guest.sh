#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Inside the QEMU initramfs (scripts/initramfs-init, smtest_mode=mirror):
# run each mm selftest of /mirror/list plain, then under secmmu-mirror,
# and print one TAP case per test.  It passes when both runs exit with the
# same status and report the same TAP pass/fail/skip counts, and the
# mirror's summary shows it mirrored memory: faults > 0, and invalidations
# > 0 where the list says the test invalidates.  The tests' own output is
# indented, so only these cases count on the console.
#
# Arguments "OPTS :: ARGS" give secmmu-mirror OPTS, the program ARGS.
# A name "bin:PROG" is a real program, /mirror/bin/PROG: it reads
# /tmp/mir-data (this kernel's /proc/kallsyms) on stdin, and its stdout
# must be the same bytes plain and mirrored.
#
# usage: mirror-guest.sh [NAME...]   (default: every test in /mirror/list)
D=/mirror
T=${MIRROR_TIMEOUT:-600}
only=" $* "
n=0
fails=0

# counts FILE: "pass fail skip" from a kselftest's TAP output.
counts() {
	p=$(grep -cE '^ok [0-9]+' "$1")
	f=$(grep -cE '^not ok [0-9]+' "$1")
	s=$(grep -ciE '^ok [0-9]+.*# *skip' "$1")
	echo "$((p - s))/$f/$s"
}

# sumkey KEY FILE: KEY=N summed over the "result" lines of FILE.
sumkey() {
	awk -v k="$1=" '$1 == "secmmu-mirror:" && $2 == "result" {
		for (i = 3; i <= NF; i++)
			if (index($i, k) == 1) s += substr($i, length(k) + 1)
	} END { print s + 0 }' "$2"
}

indent() { sed "s/^/    $1| /" "$2"; }

nr=0
while read -r name set inval args; do
	case $name in ''|'#'*) continue ;; esac
	[ "$only" = "  " ] || echo "$only" | grep -q " $name " || continue
	nr=$((nr + 1))
done <$D/list
echo "1..$nr"
cat /proc/kallsyms >/tmp/mir-data

while read -r name set inval args; do
	case $name in ''|'#'*) continue ;; esac
	[ "$only" = "  " ] || echo "$only" | grep -q " $name " || continue
	n=$((n + 1))
	mopts=
	case " $args " in
	*" :: "*)	# secmmu-mirror options :: the program's arguments
		mopts=${args%%::*}
		args=${args#*::} ;;
	esac
	bin=$D/mm/$name
	in=/dev/null
	real=
	if [ "${name#bin:}" != "$name" ]; then
		bin=$D/bin/${name#bin:}
		in=/tmp/mir-data
		real=y
	fi
	rm -rf /tmp/mir && mkdir -p /tmp/mir && cd /tmp/mir || exit 1
	echo "secmmu-mirror-run: RUN $name $args (plain)"
	t=$(date +%s)
	timeout "$T" "$bin" $args <$in >/tmp/mir-plain.out 2>/tmp/mir-plain.err
	prc=$?
	tp=$(($(date +%s) - t))
	rm -rf /tmp/mir && mkdir -p /tmp/mir && cd /tmp/mir || exit 1
	echo "secmmu-mirror-run: RUN $name $args (mirrored $mopts)"
	rm -f /tmp/mir.sum /tmp/mir.json
	t=$(date +%s)
	timeout "$T" $D/secmmu-mirror $mopts -o /tmp/mir.sum -j /tmp/mir.json -- \
		"$bin" $args <$in >/tmp/mir-mirror.out 2>/tmp/mir-mirror.err
	mrc=$?
	tm=$(($(date +%s) - t))
	cd /
	pc=$(counts /tmp/mir-plain.out)
	mc=$(counts /tmp/mir-mirror.out)
	touch /tmp/mir.sum
	faults=$(sumkey faults /tmp/mir.sum)
	invals=$(sumkey invalidations /tmp/mir.sum)
	if [ -z "$real" ]; then	# the tests' stderr is part of their output
		cat /tmp/mir-plain.err >>/tmp/mir-plain.out
		cat /tmp/mir-mirror.err >>/tmp/mir-mirror.out
	fi
	why=
	if [ -n "$real" ]; then
		cmp -s /tmp/mir-plain.out /tmp/mir-mirror.out ||
			why="$why output differs;"
		pc="$(wc -c </tmp/mir-plain.out) bytes"
		mc="$(wc -c </tmp/mir-mirror.out) bytes"
	fi
	[ "$prc" = "$mrc" ] || why="$why exit $prc vs $mrc;"
	[ "$pc" = "$mc" ] || why="$why pass/fail/skip $pc vs $mc;"
	if [ "$prc" != 4 ]; then	# a test that skips may end too early
		[ "$faults" -gt 0 ] || why="$why no secondary faults;"
		[ "$inval" != y ] || [ "$invals" -gt 0 ] ||
			why="$why no invalidations;"
	fi
	grep -q '^secmmu-mirror: result' /tmp/mir.sum || why="$why no mirror summary;"
	echo "secmmu-mirror-run: $name: plain rc=$prc $pc (${tp}s), mirrored rc=$mrc $mc (${tm}s), faults $faults, invalidations $invals"
	indent summary /tmp/mir.sum
	[ -z "$real" ] || [ ! -s /tmp/mir.json ] || indent json /tmp/mir.json
	if [ -n "$why" ] && [ -z "$real" ]; then
		indent plain /tmp/mir-plain.out
		indent mirror /tmp/mir-mirror.out
	fi
	if [ -n "$why" ]; then
		echo "not ok $n mirror-$name:$why"
		fails=$((fails + 1))
	else
		grep -hE '^# Totals' /tmp/mir-plain.out | sed 's/^/    plain| /'
		[ "$prc" = 0 ] && note= || note=" (both exit $prc)"
		if [ "$prc" = 4 ]; then
			echo "ok $n mirror-$name # SKIP the test skips here$note"
		else
			echo "ok $n mirror-$name$note"
		fi
	fi
done <$D/list
[ "$fails" = 0 ]
