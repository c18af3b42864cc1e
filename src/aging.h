/* SPDX-License-Identifier: GPL-2.0 */
/* Aging (aging.c): the notifier hooks' walk, SECMMU_AGE, per-head policy. */
#ifndef _SECMMU_AGING_H
#define _SECMMU_AGING_H

#include <linux/bits.h>
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
 * Aging one gfn.  Result bits: young; (fast-only callers) "could not be
 * answered without mmu_lock"; "answered, but under mmu_lock".
 */
#define RMAP_AGE_YOUNG		BIT(0)
#define RMAP_AGE_FAST_FAILED	BIT(1)
#define RMAP_AGE_LOCKED		BIT(2)	/* answered under mmu_lock */

unsigned int secmmu_rmap_age(struct secmmu_vm *vm, unsigned long *head,
			     bool clear, bool fast_only);
unsigned int secmmu_rmap_age_locked(struct secmmu_vm *vm, unsigned long *head,
				    bool clear);

/*
 * Test hook: aging read young leaf @spte at @sptep and is about to clear
 * its A bit.  Nothing at all without the KUnit suites.
 */
#if IS_ENABLED(CONFIG_SECMMU_KUNIT_TEST)
void secmmu_age_leaf_read(u64 *sptep, u64 spte);
#else
static inline void secmmu_age_leaf_read(u64 *sptep, u64 spte)
{
}
#endif

#endif /* _SECMMU_AGING_H */
