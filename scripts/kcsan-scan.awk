#!/usr/bin/awk -f
# SPDX-License-Identifier: GPL-2.0
# The KCSAN reports in a console log (scripts/qemu-run.sh).
#
#   awk -f kcsan-scan.awk LOG            one line per report (its title:
#       the two racing functions), then the totals; exit status 1 when a
#       racing access is secmmu's (a title function is "[secmmu]").  A
#       race between two accesses of the kernel's own (say hrtimer_active
#       vs __hrtimer_run_queues, which strict KCSAN reports from timer
#       interrupts, also while they interrupt secmmu) is listed as the
#       kernel's, and does not fail: it is not ours to mark.  Reports are read
#       from initramfs-init's dmesg dump (it has their stacks and task
#       names; the console at loglevel 4 only their titles), or from the
#       console when the run died before the dump.  The canary's reports
#       (tests/kcsan/canary.c, a deliberate race by its race-canary-*
#       threads) are counted apart and do not fail.
#   awk -f kcsan-scan.awk -v strip=1 LOG the log without any KCSAN report,
#       for the generic splat scan (the first form judges those).
function flush_report() {
	if (body ~ /race-canary-|\[secmmu_race_canary\]/) {
		canary[dump]++
	} else {
		k = ++n[dump]
		title[dump, k] = head
		ours[dump, k] = head ~ /\[secmmu\]/
	}
	inrep = 0
	body = ""
}
/^secmmu-init: ---- dmesg ----/ {
	if (inrep)
		flush_report()
	dump = 1
}
/BUG: KCSAN: / {
	if (inrep)
		flush_report()
	inrep = 1
	head = $0
	sub(/.*BUG: KCSAN: /, "", head)
}
inrep {
	body = body $0 "\n"
	if ($0 ~ /^(\[[ 0-9.]+\] )?=+$/)
		flush_report()
	next
}
strip { print }
END {
	if (inrep)
		flush_report()
	if (strip)
		exit 0
	m = 0
	for (i = 1; i <= n[dump]; i++) {
		printf "  kcsan: %s: %s\n", ours[dump, i] ? "SECMMU" : "kernel's",
		       title[dump, i]
		m += ours[dump, i]
	}
	printf "  kcsan: %d report(s) of secmmu's races, %d of the kernel's, %d of the canary%s\n",
	       m, n[dump] - m, canary[dump], dump ? "" : " (console only: no dmesg dump)"
	exit m != 0
}
