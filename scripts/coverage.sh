#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Line coverage of src/ (issue 14): gcov on the KASAN debug kernel.
#
# Only that kernel has CONFIG_GCOV_KERNEL, and only secmmu.ko is
# instrumented (Kbuild: GCOV_PROFILE).  After every QEMU run on it,
# scripts/initramfs-init prints the module's .gcda files (kept after rmmod,
# gcov_persist=1) on the console as base64 of a tar.gz between
# "secmmu-init: ---- gcov begin SIZE MD5 ----" and "... gcov end ----".
# This script takes those blocks out of console logs, checks them (size,
# md5, and that each .gcda belongs to the .gcno files of the module build
# dir the run used, which a later build of the shared cache may have
# replaced), merges the runs (gcov-tool merge), runs gcov and prints a
# table of line coverage per file of src/ and the functions no run entered.
# A report, not a test: no threshold, nothing fails on a low number.
#
# usage: coverage.sh run [short|long]    make coverage: the selftests and the
#            short (or long) fuzzer + torture + lifecycle run on the KASAN
#            kernel (scripts/torture.sh) with secmmu.ko built in a dir of
#            this checkout's own, then the report of both boots (consoles
#            $SECMMU_CACHE/logs/coverage-<checkout>-{selftests,LEN}-<kver>.log)
#        coverage.sh [--brief] [--out DIR] LOG...
#            the report of the gcov blocks in LOGs (QEMU console logs);
#            --brief: one line, the src/*.c total (make check's info line)
#
# Output in DIR (default out/coverage): report.md (the table and the
# unentered functions), gcov/*.gcov.json.gz, annotated/*.c.gcov (gcov's
# annotated sources of src/*.c), merged/src/ (.gcda and .gcno), runs/
# (each block unpacked).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

S=$SECMMU_REPO/scripts

if [ "${1:-}" = run ]; then
	len=${2:-short}
	rc=0
	t0=$(date +%s)
	kout=$("$S/debug-kernel.sh" kasan) || die "KASAN debug kernel build failed"
	read -r kver _ <<<"$(echo "$kout" | tail -n1)"
	# secmmu.ko of this checkout in a build dir of its own: another
	# checkout's torture run rebuilds the shared one (debug-kernel.sh),
	# and with it the .gcno files, while this run is still going.
	priv=$SECMMU_CACHE/coverage/build-$SECMMU_REPO_KEY
	lock_dir "$priv"
	copy_tree "$priv"
	step "coverage: secmmu.ko for $kver in $priv"
	run_logged "coverage-build-$SECMMU_REPO_KEY" make -C "$SECMMU_CACHE/debug-kernel" \
		M="$priv" -j"${SECMMU_JOBS:-$(nproc)}" modules || die "secmmu.ko build failed"
	# torture.sh runs the selftests first on the KASAN kernel, then the
	# fuzzer, torture and lifecycle; each boot dumps its gcov data.
	run=coverage-$SECMMU_REPO_KEY
	TORTURE_SELFTESTS=y TORTURE_KO=$priv/secmmu.ko TORTURE_RUN=$run \
		"$S/torture.sh" "$len" || rc=$?
	step "coverage: src/ line coverage (gcov, $kver)"
	logs=()
	for l in "$SECMMU_LOGS/$run-selftests-$kver.log" \
		 "$SECMMU_LOGS/$run-$len-$kver.log"; do
		if [ -f "$l" ] && [ "$(stat -c %Y "$l")" -ge "$t0" ]; then
			logs+=("$l")
		else
			echo "coverage: no $l from this run"
			rc=1
		fi
	done
	[ ${#logs[@]} = 0 ] || "$0" "${logs[@]}" || rc=1
	[ "$rc" = 0 ] || echo "coverage: a run or the report failed (see above);" \
			      "the counts are of what ran"
	exit "$rc"
fi

brief=
out=$SECMMU_REPO/out/coverage
while [ $# -gt 0 ]; do
	case $1 in
	--brief) brief=1; shift ;;
	--out) out=${2:?--out DIR}; shift 2 ;;
	-*) die "usage: coverage.sh run [short|long] | coverage.sh [--brief] [--out DIR] LOG..." ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || die "usage: coverage.sh [--brief] [--out DIR] LOG..."

# note MSG: on stderr (and only there with --brief, whose stdout is one line).
note() { echo "coverage: $*" >&2; }
# stamp FILE: the 4-byte stamp of a .gcno/.gcda (after magic and version).
stamp() { od -An -tx1 -j8 -N4 "$1" | tr -d ' \n'; }

mkdir -p "$out"
rm -rf "$out/runs" "$out/merged" "$out/gcov" "$out/annotated" "$out/report.md"
mkdir -p "$out/runs" "$out/gcov" "$out/annotated"
blocks=$out/runs/blocks
mkdir -p "$blocks"

# Every block of every log: N.sum ("SIZE MD5") and N.b64, with N.log naming
# its log.  Only base64 lines count: a kernel message printed between two
# of them is skipped, one printed inside a line breaks the md5 and that run
# is left out.
nb=0
for log; do
	[ -r "$log" ] || { note "$log: not readable, skipped"; continue; }
	nb=$(awk -v dir="$blocks" -v n="$nb" -v lg="$log" '
		/^secmmu-init: ---- gcov begin [0-9]+ [0-9a-f]+ ----$/ {
			n++; f = dir "/" n ".b64"
			print $5, $6 >(dir "/" n ".sum")
			print lg >(dir "/" n ".log")
			printf "" >f
			inb = 1; next
		}
		/^secmmu-init: ---- gcov end ----$/ { inb = 0; next }
		inb && /^[A-Za-z0-9+\/=]+$/ { print >f }
		END { print n }' "$log")
done

bd=
runs=()
for ((i = 1; i <= nb; i++)); do
	log=$(cat "$blocks/$i.log")
	read -r size md5 <"$blocks/$i.sum"
	tgz=$blocks/$i.tar.gz
	if ! base64 -d <"$blocks/$i.b64" >"$tgz" 2>/dev/null ||
	   [ "$(stat -c %s "$tgz")" != "$size" ] ||
	   [ "$(md5sum <"$tgz" | cut -d' ' -f1)" != "$md5" ]; then
		note "$log: gcov block $i damaged (size or md5), skipped"
		continue
	fi
	r=$out/runs/$i
	mkdir -p "$r"
	tar -C "$r" -xzf "$tgz"
	# The module's objects: <build dir>/src/*.gcda, the build dir the
	# absolute path the module was compiled in (debug-kernel.sh).
	mapfile -t gcdas < <(cd "$r" && find . -path '*/src/*.gcda' | sort)
	if [ ${#gcdas[@]} = 0 ]; then
		note "$log: no src/*.gcda in the gcov block, skipped"
		continue
	fi
	d=${gcdas[0]#.}
	d=${d%/src/*}
	if [ -n "$bd" ] && [ "$d" != "$bd" ]; then
		note "$log: module built in $d, not $bd like the first run: skipped"
		continue
	fi
	stale=0
	for g in "${gcdas[@]}"; do
		g=${g#.}
		gcno=${g%.gcda}.gcno
		if [ ! -f "$gcno" ] || [ "$(stamp "$gcno")" != "$(stamp "$r$g")" ]; then
			stale=1
		fi
	done
	if [ "$stale" = 1 ]; then
		note "$log: $d/src/*.gcno missing or rebuilt since the run (gcov stamp): skipped"
		continue
	fi
	bd=$d
	mv "$r$d/src" "$r.src"
	rm -rf "$r"
	mkdir -p "$r"
	mv "$r.src" "$r/src"
	runs+=("$r")
	note "run $i: $log (${#gcdas[@]} objects)"
done

if [ ${#runs[@]} = 0 ]; then
	if [ -n "$brief" ]; then
		echo "coverage: no usable gcov data (only the KASAN debug kernel has gcov)"
		exit 0
	fi
	die "no usable gcov data in $* (only the KASAN debug kernel has gcov)"
fi

# Sum the runs: gcov-tool merges two directories at a time.
m=$out/merged
cp -r "${runs[0]}" "$m"
for r in "${runs[@]:1}"; do
	gcov-tool merge -o "$m.new" "$m" "$r" >/dev/null
	rm -rf "$m"
	mv "$m.new" "$m"
done
for g in "$m"/src/*.gcda; do
	cp "$bd/src/$(basename "${g%.gcda}").gcno" "$m/src/"
done

# gcov finds NAME.gcno and NAME.gcda in -o DIR for a source NAME.c.
mapfile -t srcs < <(cd "$m/src" && for g in *.gcda; do echo "${g%.gcda}.c"; done)
(cd "$out/gcov" && gcov -j -o "$m/src" "${srcs[@]}" >gcov.log 2>&1) ||
	die "gcov failed: $out/gcov/gcov.log"
# Annotated sources, one gcov per object (given several, gcov 12 names
# every output after the last): each src/*.c's own lines.
for c in "${srcs[@]}"; do
	t=$out/annotated/tmp
	mkdir -p "$t"
	# (trace.c has no lines of its own: no trace.c.gcov.)
	if (cd "$t" && gcov -o "$m/src" "$c" >/dev/null 2>&1); then
		[ ! -f "$t/$c.gcov" ] || mv "$t/$c.gcov" "$out/annotated/"
	else
		note "annotated $c: gcov failed"
	fi
	rm -rf "$t"
done

python3 "$S/coverage-table.py" --prefix "$bd/src/" --runs "${#runs[@]}" \
	--md "$out/report.md" ${brief:+--brief} "$out"/gcov/*.gcov.json.gz
[ -n "$brief" ] || info "report: $out/report.md, annotated sources: $out/annotated/"
