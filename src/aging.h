/* SPDX-License-Identifier: GPL-2.0 */
/* Aging (aging.c): the notifier hooks' walk, SECMMU_AGE, per-head policy. */
#ifndef _SECMMU_AGING_H
#define _SECMMU_AGING_H

#include <linux/secmmu.h>
#include <linux/types.h>

struct secmmu_vm;

bool secmmu_age_hva_range(struct secmmu_vm *vm, unsigned long start,
			  unsigned long end, bool clear, bool *fast);
/* SECMMU_AGE's bitmaps of @n pages from page @done out; 0 or an errno. */
typedef int (*secmmu_age_out_t)(void *ctx, u64 done, const unsigned long *young,
				const unsigned long *failed, u64 n);
int secmmu_age(struct secmmu_vm *vm, struct secmmu_age *a,
	       secmmu_age_out_t out, void *ctx);

/*
 * KUnit only.  One rmap head in the VM's mode, the caller holding RCU and
 * not mmu_lock: young; fast-only and it would need mmu_lock; answered
 * under mmu_lock.
 *
 * Test hook: aging read young leaf @spte at @sptep and is about to clear
 * its A bit.  Nothing at all without the KUnit suites.
 */
#if IS_ENABLED(CONFIG_SECMMU_KUNIT_TEST)
struct secmmu_age_answer {
	bool young;
	bool fast_failed;
	bool locked;
};

struct secmmu_age_answer secmmu_rmap_age(struct secmmu_vm *vm, unsigned long *head,
					 bool clear, bool fast_only);
void secmmu_age_leaf_read(u64 *sptep, u64 spte);
#else
static inline void secmmu_age_leaf_read(u64 *sptep, u64 spte)
{
}
#endif

#endif /* _SECMMU_AGING_H */
