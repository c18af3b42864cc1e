/* SPDX-License-Identifier: GPL-2.0 */
/* Aging (aging.c): the notifier hooks' walk, SECMMU_AGE, per-head policy. */
#ifndef _SECMMU_AGING_H
#define _SECMMU_AGING_H

#include <linux/secmmu.h>
#include <linux/types.h>

#include "inject.h"
#include "secmmu_probes.h"
#include "spte.h"

struct mm_struct;
struct mmu_notifier;
struct secmmu_vm;

/* Newer kernels return bool from the aging hooks (compile probe). */
#ifdef SECMMU_HAVE_MN_AGING_BOOL
#define secmmu_age_ret_t	bool
#else
#define secmmu_age_ret_t	int
#endif

/* The mmu_notifier aging hooks (secmmu_mn_ops, notifier.c). */
secmmu_age_ret_t secmmu_mn_clear_flush_young(struct mmu_notifier *mn,
					     struct mm_struct *mm,
					     unsigned long start,
					     unsigned long end);
secmmu_age_ret_t secmmu_mn_clear_young(struct mmu_notifier *mn,
				       struct mm_struct *mm,
				       unsigned long start, unsigned long end);
secmmu_age_ret_t secmmu_mn_test_young(struct mmu_notifier *mn,
				      struct mm_struct *mm, unsigned long address);
/* SECMMU_AGE's bitmaps of @n pages from page @done out; 0 or an errno. */
typedef int (*secmmu_age_out_t)(void *ctx, u64 done, const unsigned long *young,
				const unsigned long *failed, u64 n);
int secmmu_age(struct secmmu_vm *vm, struct secmmu_age *a,
	       secmmu_age_out_t out, void *ctx);

/*
 * KUnit only.  secmmu_age_hva_range(): the hooks' walk, counted as
 * clear_young (@clear) or test_young.  secmmu_rmap_age(): one rmap head
 * in the VM's mode, the caller holding RCU and not mmu_lock: young;
 * fast-only and it would need mmu_lock; answered under mmu_lock.
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

bool secmmu_age_hva_range(struct secmmu_vm *vm, unsigned long start,
			  unsigned long end, bool clear, bool *fast);
struct secmmu_age_answer secmmu_rmap_age(struct secmmu_vm *vm, unsigned long *head,
					 bool clear, bool fast_only);
void secmmu_age_leaf_read(u64 *sptep, u64 spte);
#else
static inline void secmmu_age_leaf_read(u64 *sptep, u64 spte)
{
}
#endif

/*
 * Clear (or test) one leaf's A bit without a lock: the cmpxchg acts only
 * if the leaf is unchanged since it was read.  Returns young; a lost race
 * counts as young (a vCPU is setting A/D, or a zap is under way).  The
 * test hook sits in that window (aging_test.c changes the leaf there).
 */
static __always_inline bool age_leaf(u64 *sptep, u64 spte, bool clear,
				     u64 *lost)
{
	/* One test for both bits: this is every walker's inner loop. */
	if ((spte & (SPTE_PRESENT | SPTE_ACCESSED)) != (SPTE_PRESENT | SPTE_ACCESSED))
		return false;
	if (!clear)
		return true;
	secmmu_age_leaf_read(sptep, spte);
	if (!secmmu_age_try_cmpxchg(sptep, &spte, spte & ~SPTE_ACCESSED))
		(*lost)++;
	return true;
}

#endif /* _SECMMU_AGING_H */
