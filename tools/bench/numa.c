// SPDX-License-Identifier: GPL-2.0
/*
 * secmmu-bench series numa: vCPU throughput under NUMA balancing, per
 * protection policy.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <linux/secmmu_dirty_ring.h>

#include "secmmu_util.h"
#include "bench.h"

#define NB_SYSCTL	"/proc/sys/kernel/numa_balancing"
#define NB_DEBUG	"/sys/kernel/debug/sched/numa_balancing/"

/*
 * NUMA balancing on (scans as often as the kernel allows), vCPU 0 reading
 * one word of every page in a loop for a sample's duration, under each
 * SECMMU_CAP_PROT_POLICY in turn (the order alternates every repetition,
 * one VM): vCPU pages/s, and per second the protection invalidations,
 * those kept, SPTEs zapped and secondary faults.
 */
/* A thread that only waits: see series_numa(). */
static void *idle_fn(void *arg)
{
	char c;

	while (read(*(int *)arg, &c, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

void series_numa(void)
{
	size_t len = (size_t)cfg.tp_mb << 20, np = len / PAGE;
	double pps[2][MAX_SAMPLES], fps[2][MAX_SAMPLES], zps[2][MAX_SAMPLES];
	double ips[2][MAX_SAMPLES], kps[2][MAX_SAMPLES], aps[2][MAX_SAMPLES];
	static const char *const name[2] = { "zap", "keep_numa_hint" };
	pthread_t idler;
	int idle[2];
	unsigned int r, k;
	size_t i;
	struct ops o;
	__u64 word;
	struct vm vm;
	char *mem;

	printf("\n== numa: NUMA balancing on, %zu pages (%u MiB), vCPU reading every page, "
	       "per protection policy, %u reps x %u ms ==\n", np, cfg.tp_mb, cfg.reps,
	       cfg.dur_ms);
	if (smu_nr_nodes() < 2) {
		emit_skip("numa", "needs two NUMA nodes");
		return;
	}
	if (smu_write_file(NB_SYSCTL, "1")) {
		emit_skip("numa", "cannot enable " NB_SYSCTL);
		return;
	}
	smu_write_file(NB_DEBUG "scan_delay_ms", "0");
	smu_write_file(NB_DEBUG "scan_period_min_ms", "10");
	/*
	 * change_prot_numa() skips the pages of a single-threaded process
	 * that are on the node it runs on (mm/mprotect.c): with one thread
	 * the scanner would never reach the mirrored pages.  An idle second
	 * thread makes the process a multi-threaded one, as a VMM is.
	 */
	if (pipe(idle) || pthread_create(&idler, NULL, idle_fn, &idle[0]))
		die("idle thread: %s", strerror(errno));
	mem = region(len, true);
	vm_open(&vm, -1);
	CHECK(smu_set_memslot(vm.fd, 0, 0, GFN0, np, mem));
	ops_build(&o, 0, GFN0, np, sizeof(word), false, &word);
	ops_run(vm.vcpu[0], &o);
	for (r = 0; r < cfg.reps; r++) {
		for (k = 0; k < 2; k++) {
			unsigned int p = (k + r) & 1;
			struct secmmu_stats a, b;
			__u64 t, pages = 0;
			double sec;

			CHECK(smu_enable_cap(vm.fd, SECMMU_CAP_PROT_POLICY,
					     p ? SECMMU_PROT_KEEP_NUMA_HINT : SECMMU_PROT_ZAP));
			snap(vm.fd, &a);
			t = now_ns();
			while (now_ns() - t < cfg.dur_ms * 1000000ULL) {
				ops_run(vm.vcpu[0], &o);
				/*
				 * The process reads the pages too: NUMA balancing
				 * scans only VMAs its tasks fault on (6.x's
				 * vma_is_accessed()); a VMA touched by the vCPU
				 * alone stops being scanned.
				 */
				for (i = 0; i < np; i++)
					sink += *(volatile __u64 *)(mem + i * PAGE);
				pages += np;
			}
			sec = (now_ns() - t) / 1e9;
			snap(vm.fd, &b);
			pps[p][r] = pages / sec;
			fps[p][r] = DELTA(&a, &b, SECMMU_STAT_FAULTS) / sec;
			zps[p][r] = DELTA(&a, &b, SECMMU_STAT_SPTES_ZAPPED) / sec;
			ips[p][r] = DELTA(&a, &b, SECMMU_STAT_INVAL_PROTECTION_VMA) / sec;
			kps[p][r] = DELTA(&a, &b, SECMMU_STAT_PROT_KEPT) / sec;
			aps[p][r] = DELTA(&a, &b, SECMMU_STAT_PROT_FAULTS_AVOIDED) / sec;
		}
	}
	for (k = 0; k < 2; k++)
		emit("numa", name[k], k ? "secmmu" : "baseline", "pages/s", pps[k], r,
		     "\"policy\":\"%s\",\"pages\":%zu,\"faults_per_s\":%.1f,"
		     "\"zapped_per_s\":%.1f,\"prot_inval_per_s\":%.2f,"
		     "\"kept_per_s\":%.2f,\"avoided_per_s\":%.1f", name[k], np,
		     median(fps[k], r), median(zps[k], r), median(ips[k], r),
		     median(kps[k], r), median(aps[k], r));
	ops_free(&o);
	vm_close(&vm);
	munmap(mem, len);
	close(idle[1]);
	pthread_join(idler, NULL);
	close(idle[0]);
	smu_write_file(NB_SYSCTL, "0");
}
