#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernel-doc -none -Wall (scripts/kernel-doc of the extracted 6.12 source)
# on every .c/.h in src/: the DOC: sections and any kernel-doc comment
# must parse without a warning.  Any warning fails.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

step "lint: kernel-doc"
src=$(linux_src)
cd "$SECMMU_REPO"
mapfile -t files < <(find src -type f \( -name '*.c' -o -name '*.h' \) | sort)
log=$SECMMU_LOGS/kernel-doc.log
mkdir -p "$SECMMU_LOGS"
rc=0
perl "$src/scripts/kernel-doc" -none -Wall "${files[@]}" >"$log" 2>&1 || rc=$?
if [ "$rc" -ne 0 ] || grep -qE 'warning:|error:|Error' "$log"; then
	cat "$log"
	echo "FAIL: kernel-doc findings (exit $rc)"
	exit 1
fi
info "${#files[@]} files, $(grep -l '^ \* DOC: ' "${files[@]}" | wc -l) with DOC: sections, clean"
