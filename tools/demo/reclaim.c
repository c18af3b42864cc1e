// SPDX-License-Identifier: GPL-2.0
/*
 * secmmu-demo: real reclaim asks secmmu whether the vCPU used a page.
 *
 * The demo joins a cgroup v2 memcg *before* allocating (memory faulted
 * earlier stays charged to the old memcg), mirrors 16 MiB into a VM, lets
 * the vCPU read every page and asks the memcg for 8 MiB back through
 * memory.reclaim.  vCPU reads go through SPTEs and never set the accessed
 * bit of the process's PTEs: only secmmu's aging hooks (clear_flush_young,
 * clear_young, test_young) can tell reclaim about them, and their counters
 * show that it asked.  Skipped without the memory controller or swap.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "demo.h"

#define SIZE		(16UL << 20)
#define NPAGES		(SIZE / PAGE)
#define GFN		0x10000
#define CG_ROOT		"/sys/fs/cgroup"
#define RECLAIM		"8M"

static const enum secmmu_stat hook_ids[] = {
	SECMMU_STAT_AGE_CLEAR_FLUSH_YOUNG, SECMMU_STAT_AGE_CLEAR_YOUNG,
	SECMMU_STAT_AGE_TEST_YOUNG, SECMMU_STAT_AGE_FLUSH_ELIDED,
	SECMMU_STAT_AGE_PAGES, SECMMU_STAT_AGE_YOUNG,
	SECMMU_STAT_INVALIDATIONS, SECMMU_STAT_SPTES_ZAPPED,
	SECMMU_STAT_DIRTY_PROPAGATED,
};

/* Why reclaim cannot be shown here, or NULL. */
static const char *cant_reclaim(void)
{
	char line[256] = "";
	FILE *f = fopen(CG_ROOT "/cgroup.controllers", "re");
	bool memcg = false;
	int lines = 0;

	if (f) {
		memcg = fgets(line, sizeof(line), f) && strstr(line, "memory");
		fclose(f);
	}
	if (!memcg)
		return "no cgroup v2 memory controller at " CG_ROOT;
	f = fopen("/proc/swaps", "re");
	while (f && fgets(line, sizeof(line), f))
		lines++;
	if (f)
		fclose(f);
	if (lines < 2)
		return "no swap to reclaim anonymous memory to";
	return NULL;
}

/* The cgroup.procs of the caller's cgroup now (to return to), into @out. */
static void own_procs(char *out, size_t len)
{
	char line[256] = "";
	FILE *f = fopen("/proc/self/cgroup", "re");

	snprintf(out, len, CG_ROOT "/cgroup.procs");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "0::/", 4) && line[4]) {
			snprintf(out, len, CG_ROOT "%s/cgroup.procs", line + 3);
			break;
		}
	}
	fclose(f);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Read one word of every page through the vCPU, batched. */
static int read_all(int vcpu, __u64 *words)
{
	static struct secmmu_access_op ops[NPAGES];
	struct secmmu_access_batch b;
	unsigned long i;
	int ret;

	for (i = 0; i < NPAGES; i++)
		smu_op(&ops[i], 0, SMU_GPA(GFN + i), &words[i], 8, false);
	ret = smu_batch(vcpu, ops, NPAGES, &b);
	if (!ret && (b.exit_reason || b.done != NPAGES))
		ret = -EIO;
	return ret;
}

void demo_reclaim(void)
{
	static __u64 words[NPAGES];
	unsigned long i, swapped = 0, stale = 0, bad = 0;
	struct secmmu_stats s0, s1;
	int vm = -1, vcpu = -1, ret;
	const char *why;
	char cg[64], path[96], pid[16], home[320];
	char *mem = MAP_FAILED;
	double t;

	section("reclaim sees vCPU accesses (memory.reclaim)");
	why = cant_reclaim();
	if (why) {
		printf("  skipped: %s\n", why);
		return;
	}
	snprintf(cg, sizeof(cg), CG_ROOT "/secmmu-demo-%d", getpid());
	snprintf(pid, sizeof(pid), "%d", getpid());
	own_procs(home, sizeof(home));
	smu_write_file(CG_ROOT "/cgroup.subtree_control", "+memory");
	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	ret = mkdir(cg, 0755) ? -errno : smu_write_file(path, pid);
	check(!ret, "joined memcg %s before allocating%s", cg,
	      err_sfx(ret));
	if (ret)
		goto out_cg;

	mem = smu_mmap_anon(SIZE);
	vm = smu_open_vm();
	ret = mem == MAP_FAILED ? -ENOMEM : vm < 0 ? vm : 0;
	/* Per-page LRU decisions: no THP. */
	if (!ret && madvise(mem, SIZE, MADV_NOHUGEPAGE))
		ret = -errno;
	if (!ret) {
		for (i = 0; i < NPAGES; i++)
			*(__u64 *)(mem + i * PAGE) = 0xabc0000 + i;
		ret = smu_set_memslot(vm, 0, 0, GFN, NPAGES, mem);
	}
	if (!ret) {
		vcpu = smu_create_vcpu(vm, 0);
		ret = vcpu < 0 ? vcpu : read_all(vcpu, words);
	}
	check(!ret && smu_stat(vm, SECMMU_STAT_MAPPED) == NPAGES,
	      "16 MiB in the memcg, every page read by the vCPU "
	      "(%lu SPTEs)%s", NPAGES, err_sfx(ret));
	if (ret)
		goto out;

	printf("  vCPU reads never set the process's accessed bits: reclaim "
	       "learns of them\n  only through secmmu's aging hooks "
	       "(age_clear_flush_young / age_clear_young /\n  age_test_young "
	       "calls, age_young answers).\n");
	smu_get_stats(vm, &s0);
	snprintf(path, sizeof(path), "%s/memory.reclaim", cg);
	t = now();
	ret = smu_write_file(path, RECLAIM);
	t = now() - t;
	smu_get_stats(vm, &s1);
	for (i = 0; i < NPAGES; i++) {
		if (!(smu_pagemap(mem + i * PAGE) & SMU_PM_SWAPPED))
			continue;
		swapped++;
		if (smu_spte_flags(vm, 0, GFN + i) & SECMMU_SPTE_PRESENT)
			stale++;
	}
	/* -EAGAIN: less than asked for could be reclaimed; still shown. */
	check(!ret || ret == -EAGAIN, "echo %s > memory.reclaim: %s in "
	      "%.2f s, %lu of %lu pages swapped out", RECLAIM,
	      ret ? strerror(-ret) : "done", t, swapped, NPAGES);
	show_deltas(&s0, &s1, hook_ids, ARRAY_SIZE(hook_ids));
	check(delta(&s0, &s1, SECMMU_STAT_AGE_CLEAR_FLUSH_YOUNG) +
	      delta(&s0, &s1, SECMMU_STAT_AGE_CLEAR_YOUNG) +
	      delta(&s0, &s1, SECMMU_STAT_AGE_TEST_YOUNG) > 0 &&
	      delta(&s0, &s1, SECMMU_STAT_AGE_YOUNG) > 0,
	      "reclaim called secmmu's aging hooks, which answered young "
	      "for pages the vCPU read");
	check(!stale, "no swapped-out page keeps an SPTE (%lu do)", stale);

	memset(words, 0, sizeof(words));
	ret = read_all(vcpu, words);
	for (i = 0; !ret && i < NPAGES; i++)
		bad += words[i] != 0xabc0000 + i;
	check(!ret && !bad, "the vCPU reads every page back (swapped in): "
	      "%lu wrong%s", bad, err_sfx(ret));
out:
	if (vcpu >= 0)
		close(vcpu);
	if (vm >= 0)
		close(vm);
	/* Unmap before leaving: nothing stays charged to the memcg. */
	if (mem != MAP_FAILED)
		munmap(mem, SIZE);
out_cg:
	if (smu_write_file(home, pid))
		smu_write_file(CG_ROOT "/cgroup.procs", pid);
	rmdir(cg);
}
