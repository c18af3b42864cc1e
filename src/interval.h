/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interval styles (coherence.h has the rules): a memslot's interval
 * notifier (interval.c) and their faults' steps 2 and 3 (hmm_fault.c).
 */
#ifndef _SECMMU_INTERVAL_H
#define _SECMMU_INTERVAL_H

#include <linux/mmu_notifier.h>
#include <linux/types.h>

struct secmmu_vm;
struct secmmu_slot;

struct secmmu_interval {
	struct mmu_interval_notifier mni;
	struct secmmu_vm *vm;
	u32 id;				/* the memslot's id */
};

int secmmu_interval_insert(struct secmmu_vm *vm, struct secmmu_slot *want, u32 id);
void secmmu_interval_remove(struct secmmu_interval *iv);

/*
 * The pfn of @hva in @iv's range (writable if @write), whether the primary
 * maps its 2 MiB block with a PMD, and the notifier @seq they hold under:
 * 0, -EBUSY (invalidated meanwhile: retry at once) or secmmu_fault()'s
 * errno.
 */
#if IS_ENABLED(CONFIG_HMM_MIRROR)
int secmmu_hmm_resolve(struct secmmu_interval *iv, unsigned long hva, bool write,
		       unsigned long *seq, u64 *pfn, bool *pmd);
#else
static inline int secmmu_hmm_resolve(struct secmmu_interval *iv, unsigned long hva,
				     bool write, unsigned long *seq, u64 *pfn,
				     bool *pmd)
{
	return -EOPNOTSUPP;	/* no such VM: secmmu_coherence_set() */
}
#endif
/* Between hmm_range_fault() and mmu_lock: where tests race an invalidation. */
void secmmu_hmm_fault_done(struct secmmu_vm *vm, unsigned long hva);

#endif /* _SECMMU_INTERVAL_H */
