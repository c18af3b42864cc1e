// SPDX-License-Identifier: GPL-2.0
/*
 * secmmu-bench series huge: huge leaves (THP) against 4 KiB leaves.
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

/* THP-backed anonymous memory (NULL without THP), filled. */
static char *thp_region(size_t len)
{
	size_t huge = 2UL << 20;
	char *p = mmap(NULL, len + huge, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *a;

	if (p == MAP_FAILED)
		die("mmap %zu: %s", len, strerror(errno));
	a = (char *)(((uintptr_t)p + huge - 1) & ~(huge - 1));
	if (a > p)
		munmap(p, a - p);
	munmap(a + len, p + huge - a);
	if (madvise(a, len, MADV_HUGEPAGE)) {
		munmap(a, len);
		return NULL;
	}
	smu_fill(a, len, 0x5ec);
	if (smu_anon_huge_kb(a) != (long)(len >> 10)) {
		munmap(a, len);
		return NULL;
	}
	return a;
}

/*
 * One sample of one variant: a fresh VM (huge leaves on or off) over the
 * same THP-backed memory; the first vCPU read of every page (faults) and
 * a CLEAR sweep of all of them (all young), in ns per 4 KiB page, and the
 * marginal SPTE table bytes per page.
 */
static void huge_sample(char *mem, size_t np, bool huge, const struct ops *o,
			double *touch, double *age, double *tbytes, double *leaves)
{
	struct secmmu_stats st0, st;
	struct secmmu_age res;
	struct vm vm;
	__u64 t;

	vm.fd = smu_open_vm();
	CHECK(vm.fd);
	CHECK(smu_enable_cap(vm.fd, SECMMU_CAP_RMAP_MODE, SECMMU_RMAP_SINGLE_LOCKLESS));
	CHECK(smu_enable_cap(vm.fd, SECMMU_CAP_HUGE_LEAVES, huge));
	vm.vcpu[0] = smu_create_vcpu(vm.fd, 0);
	CHECK(vm.vcpu[0]);
	vm.vcpu[1] = smu_create_vcpu(vm.fd, 1);
	CHECK(vm.vcpu[1]);
	CHECK(smu_set_memslot(vm.fd, 0, 0, GFN0, np, mem));
	snap(vm.fd, &st0);
	t = now_ns();
	ops_run(vm.vcpu[0], o);
	*touch = (now_ns() - t) / (double)np;
	t = now_ns();
	CHECK(smu_age(vm.fd, SECMMU_AGE_CLEAR, GFN0, np, NULL, NULL, &res));
	*age = (now_ns() - t) / (double)np;
	if (res.nr_young != np)
		die("huge: %llu of %zu pages young after the first touch",
		    (unsigned long long)res.nr_young, np);
	snap(vm.fd, &st);
	/* Marginal: the roots and the vCPUs' spare stock are there before. */
	*tbytes = DELTA(&st0, &st, SECMMU_STAT_TABLES) * PAGE / np;
	*leaves = st.val[SECMMU_STAT_MAPPED];
	if (huge != (st.val[SECMMU_STAT_HUGE_MAPPED] == np / 512))
		die("huge: %llu huge leaves for %zu pages (huge %d)",
		    (unsigned long long)st.val[SECMMU_STAT_HUGE_MAPPED], np, huge);
	vm_close(&vm);
}

void series_huge(void)
{
	size_t len = (size_t)cfg.tp_mb << 20, np = len / PAGE;
	static const char *const name[3] = { "4k", "4k (twin)", "huge" };
	static const char *const role[3] = { "baseline", "twin", "secmmu" };
	double touch[3][MAX_SAMPLES], age[3][MAX_SAMPLES];
	double tb[3] = { 0 }, lv[3] = { 0 };
	unsigned int r, k;
	struct ops o;
	__u64 word;
	char *mem;

	printf("\n== huge: THP-backed %zu pages (%u MiB), 4 KiB leaves vs huge leaves "
	       "(SECMMU_CAP_HUGE_LEAVES), single_lockless, %u reps, interleaved ==\n",
	       np, cfg.tp_mb, cfg.reps);
	mem = thp_region(len);
	if (!mem) {
		emit_skip("huge", "no THP (a kernel without THP, or THP off)");
		return;
	}
	ops_build(&o, 0, GFN0, np, sizeof(word), false, &word);
	for (r = 0; r < cfg.reps; r++)
		for (k = 0; k < 3; k++) {
			unsigned int v = (k + r) % 3;

			huge_sample(mem, np, v == 2, &o, &touch[v][r], &age[v][r],
				    &tb[v], &lv[v]);
		}
	for (k = 0; k < 3; k++) {
		char c[64];

		snprintf(c, sizeof(c), "%s, first touch", name[k]);
		emit("huge", c, role[k], "ns/page", touch[k], r,
		     "\"pages\":%zu,\"table_bytes_per_page\":%.3f,\"leaves\":%.0f",
		     np, tb[k], lv[k]);
		snprintf(c, sizeof(c), "%s, age clear", name[k]);
		emit("huge", c, role[k], "ns/page", age[k], r, "\"pages\":%zu", np);
	}
	ops_free(&o);
	munmap(mem, len);
}
