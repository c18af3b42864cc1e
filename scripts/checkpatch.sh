#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# checkpatch.pl --strict (from the extracted 6.12 source) on every .c/.h in
# src/ include/ tests/kunit/ tests/kcsan/ tests/floor/ tools/mirror/.  Any
# ERROR, WARNING or CHECK fails.  (The other tools/ predate the rule.)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

step "lint: checkpatch --strict"
src=$(linux_src)
cd "$SECMMU_REPO"
mapfile -t files < <(find src include tests/kunit tests/kcsan tests/floor tools/mirror -type f \( -name '*.c' -o -name '*.h' \) 2>/dev/null | sort)
if [ ${#files[@]} -eq 0 ]; then
	info "no sources yet"
	exit 0
fi
info "${#files[@]} files"
log=$SECMMU_LOGS/checkpatch.log
perl "$src/scripts/checkpatch.pl" --strict --no-tree --show-types --terse \
	--no-summary -f "${files[@]}" >"$log" 2>&1 || true
if grep -E '(ERROR|WARNING|CHECK):' "$log"; then
	echo "FAIL: checkpatch findings ($(grep -cE '(ERROR|WARNING|CHECK):' "$log"))"
	exit 1
fi
info "clean"
