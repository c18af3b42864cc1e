/* SPDX-License-Identifier: GPL-2.0 */
/* Aging (aging.c): the notifier hooks' walk, SECMMU_AGE, per-head policy. */
#ifndef _SECMMU_AGING_H
#define _SECMMU_AGING_H

#include <linux/secmmu.h>
#include <linux/types.h>

#include "secmmu_probes.h"

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
#endif

#endif /* _SECMMU_AGING_H */
