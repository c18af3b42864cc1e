#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the kernel's mm selftests that scripts/mirror-run.sh runs
# (tests/mirror/mm-tests.list) from the extracted 6.12 source, dynamically
# linked (LD_PRELOAD needs the dynamic loader), into OUT/mm.  Out of tree:
# nothing is written into the shared source tree.  The system's UAPI
# headers (Debian 12: 6.1) and tools/include/uapi are enough for these;
# local_config.h says "no liburing" (cow and gup_longterm then leave their
# io_uring cases out).
#
# usage: mm-selftests.sh OUT [NAME...]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=${1:?usage: mm-selftests.sh OUT [NAME...]}
shift
src=$(linux_src)
mm=$src/tools/testing/selftests/mm
list=$SECMMU_REPO/tests/mirror/mm-tests.list
mkdir -p "$out/mm"
[ $# -gt 0 ] || set -- $(awk '!/^#/ && NF && $1 !~ /^bin:/ { print $1 }' "$list")
echo '/* No liburing support */' >"$out/mm/local_config.h.tmp"
cmp -s "$out/mm/local_config.h.tmp" "$out/mm/local_config.h" ||
	mv "$out/mm/local_config.h.tmp" "$out/mm/local_config.h"
rm -f "$out/mm/local_config.h.tmp"
for t in "$@"; do
	bin=$out/mm/$t
	[ -f "$mm/$t.c" ] || die "no $mm/$t.c"
	if [ -x "$bin" ] && [ "$bin" -nt "$mm/$t.c" ] &&
	   [ "$bin" -nt "$mm/vm_util.c" ]; then
		continue
	fi
	gcc -Wall -O2 -U_FORTIFY_SOURCE -I"$out/mm" -I"$src" \
		-isystem "$src/tools/include/uapi" -o "$bin" \
		"$mm/$t.c" "$mm/vm_util.c" "$mm/thp_settings.c" \
		-lrt -lpthread -lm -w
done
