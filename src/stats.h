/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-VM counters (enum secmmu_stat in the UAPI).  Per-CPU, so hot paths
 * never share a cache line; summed when read.  Gauges (MAPPED, TABLES) are
 * incremented on one CPU and decremented on another: only their sum means
 * anything.
 */
#ifndef _SECMMU_STATS_H
#define _SECMMU_STATS_H

#include <linux/percpu.h>
#include <linux/secmmu.h>

struct secmmu_vm;

/* The aging hooks (notifier.c's ops; secmmu_age_hva_range() calls in tests). */
enum secmmu_hook {
	SECMMU_HOOK_CLEAR_FLUSH,	/* clear_flush_young */
	SECMMU_HOOK_CLEAR,		/* clear_young */
	SECMMU_HOOK_TEST,		/* test_young */
	SECMMU_HOOK_NR
};

/* How a hook's one page went: what its one counter update stands for. */
enum secmmu_hook_kind {
	SECMMU_HOOK_NO_PAGE,		/* in no memslot */
	SECMMU_HOOK_PAGE,		/* a page (AGE_PAGES), no rmap head set */
	SECMMU_HOOK_LOCKLESS,		/* ... its head aged lockless (RMAP_LOCKLESS) */
	SECMMU_HOOK_BIT,		/* ... under its bit (RMAP_BIT_LOCKS) */
	SECMMU_HOOK_LOCKED,		/* ... under mmu_lock */
	SECMMU_HOOK_KINDS
};

/*
 * val[]: the counters.  hook[]: a hook call of the common shape (one page,
 * in at most one memslot, at most one rmap head, nothing lost or left) is
 * one increment of hook[hook][young][kind], and stands for the counters
 * that call would have added to (the hook's, AGE_YOUNG, AGE_FLUSH_ELIDED
 * and its kind's): secmmu_stat_read() adds them in.  Other calls add to
 * val[].
 */
struct secmmu_stat_block {
	u64 val[SECMMU_STAT_NR];
	u64 hook[SECMMU_HOOK_NR][2][SECMMU_HOOK_KINDS];
};

static_assert(SECMMU_STAT_NR <= SECMMU_STATS_MAX);

int secmmu_stats_init(struct secmmu_vm *vm);
void secmmu_stats_destroy(struct secmmu_vm *vm);
u64 secmmu_stat_read(struct secmmu_vm *vm, enum secmmu_stat stat);
void secmmu_stats_fill(struct secmmu_vm *vm, struct secmmu_stats *out);

#define secmmu_stat_add(vm, stat, n)	this_cpu_add((vm)->stats->val[stat], n)
#define secmmu_stat_inc(vm, stat)	secmmu_stat_add(vm, stat, 1)
#define secmmu_stat_dec(vm, stat)	this_cpu_sub((vm)->stats->val[stat], 1)
#define secmmu_stat_hook(vm, which, young, kind)			\
	this_cpu_inc((vm)->stats->hook[which][young][kind])

#endif /* _SECMMU_STATS_H */
