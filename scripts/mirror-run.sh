#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# secmmu-mirror on the kernel's own mm selftests (issue #16): boot a Debian
# kernel in QEMU and run each test of tests/mirror/mm-tests.list plain and
# under tools/mirror/secmmu-mirror (tests/mirror/mirror-guest.sh judges:
# same exit status and TAP counts, and the mirror saw faults and, where the
# test invalidates, invalidations).  Each test is one case in the results
# 'make check' sums.
#
# usage: mirror-run.sh [short|long] [KVER] [KO]
#   short  (make check)   the "short" tests of the list
#   long   (make torture) all of them
# env SECMMU_TESTS  "name ..." instead of the set
set -euo pipefail
. "$(dirname "$0")/lib.sh"

len=${1:-short}
kver=$(kver_of "${2:-6.12}")
ko=${3:-}
list=$SECMMU_REPO/tests/mirror/mm-tests.list
case $len in
short) tests=$(awk '!/^#/ && $2 == "short" { print $1 }' "$list") ;;
long)  tests=$(awk '!/^#/ && NF { print $1 }' "$list") ;;
*) die "usage: mirror-run.sh [short|long] [KVER] [KO]" ;;
esac
tests=${SECMMU_TESTS:-$tests}

SECMMU_MODE=mirror SECMMU_TESTS="$(echo $tests)" \
SECMMU_RUN_NAME=${SECMMU_RUN_NAME:-mirror-$len-$kver} \
	exec "$SECMMU_REPO/scripts/qemu-run.sh" "$kver" $ko
