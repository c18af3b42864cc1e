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

u64 secmmu_stat_read(struct secmmu_vm *vm, enum secmmu_stat stat)
{
	u64 sum = 0;
	int cpu;

	/* Other CPUs add to theirs meanwhile (this_cpu_add: one insn). */
	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(vm->stats, cpu)->val[stat]);
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
