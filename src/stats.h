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

struct secmmu_stat_block {
	u64 val[SECMMU_STAT_NR];
};

static_assert(SECMMU_STAT_NR <= SECMMU_STATS_MAX);

int secmmu_stats_init(struct secmmu_vm *vm);
void secmmu_stats_destroy(struct secmmu_vm *vm);
u64 secmmu_stat_read(struct secmmu_vm *vm, enum secmmu_stat stat);
void secmmu_stats_fill(struct secmmu_vm *vm, struct secmmu_stats *out);

#define secmmu_stat_add(vm, stat, n)	this_cpu_add((vm)->stats->val[stat], n)
#define secmmu_stat_inc(vm, stat)	secmmu_stat_add(vm, stat, 1)
#define secmmu_stat_dec(vm, stat)	this_cpu_sub((vm)->stats->val[stat], 1)

#endif /* _SECMMU_STATS_H */
