#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# sparse (make C=2 CHECK=sparse) against the 6.12 headers, in the build-all
# copy of the tree.  Any sparse "warning:" or "error:" line fails.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

step "lint: sparse (6.12)"
if ! have_module; then
	info "no Kbuild yet"
	exit 0
fi
kver=$(kver_of 6.12)
kdir=$(kdir_of 6.12)
dir=$SECMMU_CACHE/build/$kver
lock_dir "$dir"
copy_tree "$dir"
command -v sparse >/dev/null || die "sparse missing (run scripts/deps.sh)"
run_logged sparse make -C "$kdir" M="$dir" C=2 CHECK=sparse -j"$(nproc)" modules
if grep -E 'warning:|error:' "$SECMMU_LOGS/sparse.log"; then
	echo "FAIL: sparse findings"
	exit 1
fi
info "clean"
