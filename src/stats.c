// SPDX-License-Identifier: GPL-2.0
/* Per-VM counters; see stats.h. */
#include <linux/cpumask.h>
#include <linux/string.h>

#include "inject.h"
#include "stats.h"
#include "vm.h"

int secmmu_stats_init(struct secmmu_vm *vm)
{
	/* Charged to the opener's memcg, like the rest of the VM. */
	if (secmmu_inject_alloc_fail())
		return -ENOMEM;
	vm->stats = alloc_percpu_gfp(struct secmmu_stat_block, GFP_KERNEL_ACCOUNT);
	return vm->stats ? 0 : -ENOMEM;
}

void secmmu_stats_destroy(struct secmmu_vm *vm)
{
	free_percpu(vm->stats);
}

/* Does a hook call counted in hook[@h][@young][@k] stand for @stat? */
static bool hook_counts(enum secmmu_stat stat, int h, int young, int k)
{
	switch (stat) {
	case SECMMU_STAT_AGE_CLEAR_FLUSH_YOUNG:
		return h == SECMMU_HOOK_CLEAR_FLUSH;
	case SECMMU_STAT_AGE_CLEAR_YOUNG:
		return h == SECMMU_HOOK_CLEAR;
	case SECMMU_STAT_AGE_TEST_YOUNG:
		return h == SECMMU_HOOK_TEST;
	case SECMMU_STAT_AGE_FLUSH_ELIDED:
		return h == SECMMU_HOOK_CLEAR_FLUSH && young;
	case SECMMU_STAT_AGE_YOUNG:
		return young;
	case SECMMU_STAT_AGE_PAGES:
		return k != SECMMU_HOOK_NO_PAGE;
	case SECMMU_STAT_RMAP_LOCKLESS:
		return k == SECMMU_HOOK_LOCKLESS;
	case SECMMU_STAT_RMAP_BIT_LOCKS:
		return k == SECMMU_HOOK_BIT;
	default:
		return false;
	}
}

u64 secmmu_stat_read(struct secmmu_vm *vm, enum secmmu_stat stat)
{
	u64 sum = 0;
	int cpu, h, y, k;

	/* Other CPUs add to theirs meanwhile (this_cpu_add: one insn). */
	for_each_possible_cpu(cpu) {
		const struct secmmu_stat_block *b = per_cpu_ptr(vm->stats, cpu);

		sum += READ_ONCE(b->val[stat]);
		for (h = 0; h < SECMMU_HOOK_NR; h++)
			for (y = 0; y < 2; y++)
				for (k = 0; k < SECMMU_HOOK_KINDS; k++)
					if (hook_counts(stat, h, y, k))
						sum += READ_ONCE(b->hook[h][y][k]);
	}
	return sum;
}

void secmmu_stats_fill(struct secmmu_vm *vm, struct secmmu_stats *out)
{
	int i;

	memset(out, 0, sizeof(*out));
	out->version = SECMMU_STATS_VERSION;
	out->nr = SECMMU_STAT_NR;
	for (i = 0; i < SECMMU_STAT_NR; i++)
		out->val[i] = secmmu_stat_read(vm, i);
}
