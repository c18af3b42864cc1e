// SPDX-License-Identifier: GPL-2.0
/*
 * The fault path of the interval styles (coherence.h): the protocol of
 * Documentation/mm/hmm.rst, with mmu_lock as the driver lock.  fault.c runs
 * it; steps 2 and 3 are here.
 *
 *  1. Under vm->srcu, translate view gfn -> memslot gfn -> host
 *     virtual address.
 *  2. seq = mmu_interval_read_begin() on the memslot's interval notifier;
 *     it waits while an invalidation of the mm that reached the notifier
 *     is under way.
 *  3. hmm_range_fault() over the one page, under mmap_lock for read: the
 *     page is faulted in (writable for a write) and its pfn reported, with
 *     the order of the primary's mapping.  No reference is taken.
 *  4. Take mmu_lock for read.  If mmu_interval_read_retry() says an
 *     invalidation set the notifier's seq since step 2 (it does so under
 *     mmu_lock for write, interval.c), or the layout changed, the pfn may
 *     be stale: drop it; the caller retries at once (step 2 waits).
 *  5. Install the leaf (a huge one when the primary maps the page's block
 *     with a PMD and the huge.h layout rules allow it; the memslot's
 *     notifier covers the whole block), drop mmu_lock.  Any later change
 *     of the primary's mapping first runs the notifier, which zaps the
 *     leaf and flushes before the page can go.
 */
#include <linux/hmm.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/sched/mm.h>

#include "interval.h"
#include "testhook.h"
#include "vm.h"

void secmmu_hmm_fault_done(struct secmmu_vm *vm, unsigned long hva)
{
	SECMMU_TEST_HOOK(secmmu_hmm_fault_done, vm, hva);
}

int secmmu_hmm_resolve(struct secmmu_interval *iv, unsigned long hva, bool write,
		       unsigned long *seq, u64 *pfn, bool *pmd)
{
	struct secmmu_vm *vm = iv->vm;
	unsigned long hmm_pfn;
	struct hmm_range range = {
		.notifier = &iv->mni,
		.start = hva,
		.end = hva + PAGE_SIZE,
		.hmm_pfns = &hmm_pfn,
		.default_flags = HMM_PFN_REQ_FAULT | (write ? HMM_PFN_REQ_WRITE : 0),
	};
	int ret;

	if (!mmget_not_zero(vm->mm))
		return -EIO;
	range.notifier_seq = mmu_interval_read_begin(range.notifier);
	*seq = range.notifier_seq;
	ret = mmap_read_lock_killable(vm->mm);
	if (!ret) {
		ret = hmm_range_fault(&range);
		mmap_read_unlock(vm->mm);
	}
	mmput(vm->mm);
	switch (ret) {
	case 0:
		break;
	case -EBUSY:		/* invalidated meanwhile: try again */
	case -ENOMEM:
	case -EINTR:
		return ret;
	default:		/* no VMA, no access, not a page: as GUP */
		return -EFAULT;
	}
	*pfn = hmm_pfn & ~HMM_PFN_FLAGS;
	*pmd = hmm_pfn_to_map_order(hmm_pfn) >= PMD_SHIFT - PAGE_SHIFT;
	secmmu_hmm_fault_done(vm, hva);
	return 0;
}
