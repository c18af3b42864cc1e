// SPDX-License-Identifier: GPL-2.0
/*
 * The VM's own mmu_notifier: keeps the secondary MMU coherent with the
 * primary.
 *
 * invalidate_range_start() zaps every leaf that maps the range, in every
 * view, moves D bits to the folios and does one remote flush: when it
 * returns no vCPU can touch the old pages.  It never sleeps, so it serves
 * non-blockable ranges (OOM reaper) the same way; returning -EAGAIN is not
 * an option for a notifier that has invalidate_range_end().
 * invalidate_range_end() closes the window in which faults must retry
 * (fault.c).  release() zaps everything and marks the VM dead.
 *
 * The aging hooks answer reclaim from the rmap (aging.c), lockless when the
 * VM's rmap mode allows it.
 */
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/sched.h>
#include <linux/userfaultfd_k.h>
#include <linux/wait.h>

#include "aging.h"
#include "flush.h"
#include "secmmu_probes.h"
#include "mmu.h"
#include "trace.h"
#include "vm.h"

static const enum secmmu_stat event_stat[] = {
	[MMU_NOTIFY_UNMAP]		= SECMMU_STAT_INVAL_UNMAP,
	[MMU_NOTIFY_CLEAR]		= SECMMU_STAT_INVAL_CLEAR,
	[MMU_NOTIFY_PROTECTION_VMA]	= SECMMU_STAT_INVAL_PROTECTION_VMA,
	[MMU_NOTIFY_PROTECTION_PAGE]	= SECMMU_STAT_INVAL_PROTECTION_PAGE,
	[MMU_NOTIFY_SOFT_DIRTY]		= SECMMU_STAT_INVAL_SOFT_DIRTY,
	[MMU_NOTIFY_RELEASE]		= SECMMU_STAT_INVAL_RELEASE,
	[MMU_NOTIFY_MIGRATE]		= SECMMU_STAT_INVAL_MIGRATE,
	[MMU_NOTIFY_EXCLUSIVE]		= SECMMU_STAT_INVAL_EXCLUSIVE,
};

static struct secmmu_vm *mn_to_vm(struct mmu_notifier *mn)
{
	return container_of(mn, struct secmmu_vm, mn);
}

/* Count an invalidation; the zap flags it allows. */
unsigned int secmmu_invalidation_start(struct secmmu_vm *vm,
				       const struct mmu_notifier_range *range)
{
	secmmu_stat_inc(vm, SECMMU_STAT_INVALIDATIONS);
	if ((unsigned int)range->event < ARRAY_SIZE(event_stat))
		secmmu_stat_inc(vm, event_stat[range->event]);
	else
		secmmu_stat_inc(vm, SECMMU_STAT_INVAL_OTHER);
	if (mmu_notifier_range_blockable(range))
		return SECMMU_ZAP_YIELD;
	secmmu_stat_inc(vm, SECMMU_STAT_INVAL_NONBLOCKABLE);
	return 0;
}

/*
 * May the leaves over @range stay across this invalidation?  Only under
 * SECMMU_PROT_KEEP_NUMA_HINT, and only for a protection change that arms
 * NUMA hinting faults: change_prot_numa() makes the PTEs PROT_NONE and
 * leaves the VMA as it is; the page cannot then move or be freed without a
 * later CLEAR or MIGRATE invalidation, which zaps.
 *
 * The event does not tell: mprotect(), change_prot_numa() and userfaultfd
 * write protection all send MMU_NOTIFY_PROTECTION_VMA (mm/mprotect.c,
 * mm/hugetlb.c), always with the mmap_lock held by the sending task
 * (mprotect: for write; task_numa_work(), mbind(MPOL_MF_LAZY), uffd-wp:
 * for read), and for a range inside one VMA.  So the VMA can be read here,
 * and it tells them apart: mprotect_fixup() installs the new VMA flags
 * before it changes the PTEs (6.1 and 6.12 alike), so a VMA that still
 * allows read and write lost nothing a leaf relies on (an upgrade, or no
 * change: keeping is right), while one that lost either must zap; a VMA
 * registered for uffd-wp must lose W (zap); shared mappings may be write-
 * protected for dirty tracking (zap).  When in doubt (no mmap_lock held,
 * no VMA covering the range), zap.
 */
static bool keep_for_protection(struct secmmu_vm *vm,
				const struct mmu_notifier_range *range)
{
	struct mm_struct *mm = range->mm;
	struct vm_area_struct *vma;

	if (range->event != MMU_NOTIFY_PROTECTION_VMA ||
	    READ_ONCE(vm->prot_policy) != SECMMU_PROT_KEEP_NUMA_HINT)
		return false;
	if (!mm || !rwsem_is_locked(&mm->mmap_lock))
		return false;
	vma = find_vma(mm, range->start);
	if (!vma || vma->vm_start > range->start || vma->vm_end < range->end)
		return false;
	if ((vma->vm_flags & (VM_READ | VM_WRITE | VM_SHARED)) != (VM_READ | VM_WRITE))
		return false;
	return !userfaultfd_wp(vma);
}

static int secmmu_mn_invalidate_range_start(struct mmu_notifier *mn,
					    const struct mmu_notifier_range *range)
{
	struct secmmu_vm *vm = mn_to_vm(mn);
	unsigned int flags = secmmu_invalidation_start(vm, range);
	bool flush, kept;
	int idx;

	/* The layout stays alive across the zap's lock breaks. */
	idx = srcu_read_lock(&vm->srcu);
	write_lock(&vm->mmu_lock);
	/* Read locklessly by faults waiting for invalidations to end. */
	WRITE_ONCE(vm->mmu_invalidate_in_progress, vm->mmu_invalidate_in_progress + 1);
	if (vm->mmu_invalidate_in_progress == 1) {
		vm->mmu_invalidate_start = range->start;
		vm->mmu_invalidate_end = range->end;
	} else {
		vm->mmu_invalidate_start = min(vm->mmu_invalidate_start, range->start);
		vm->mmu_invalidate_end = max(vm->mmu_invalidate_end, range->end);
	}
	/* Faults in the range wait for its end: the walks may yield. */
	kept = keep_for_protection(vm, range);
	if (kept) {
		secmmu_stat_inc(vm, SECMMU_STAT_PROT_KEPT);
		secmmu_mark_kept_hva_range(vm, srcu_dereference(vm->layout, &vm->srcu),
					   range->start, range->end, flags);
		flush = false;
	} else {
		/*
		 * A layout change's zap yielded: the layout it replaced maps
		 * what the new one does and more; zap through it first, so
		 * that no rmap head is emptied while a leaf it lists stays.
		 */
		flush = vm->retiring &&
			secmmu_zap_hva_range(vm, vm->retiring, range->start,
					     range->end, flags);
		flush |= secmmu_zap_hva_range(vm, srcu_dereference(vm->layout, &vm->srcu),
					      range->start, range->end, flags);
	}
	write_unlock(&vm->mmu_lock);
	srcu_read_unlock(&vm->srcu, idx);

	if (flush)
		secmmu_remote_flush(vm);
	trace_secmmu_invalidate_start(range->event, range->start, range->end,
				      kept, flush);
	return 0;
}

static void secmmu_mn_invalidate_range_end(struct mmu_notifier *mn,
					   const struct mmu_notifier_range *range)
{
	struct secmmu_vm *vm = mn_to_vm(mn);
	bool idle;

	write_lock(&vm->mmu_lock);
	WRITE_ONCE(vm->mmu_invalidate_seq, vm->mmu_invalidate_seq + 1);
	WRITE_ONCE(vm->mmu_invalidate_in_progress, vm->mmu_invalidate_in_progress - 1);
	idle = !vm->mmu_invalidate_in_progress;
	write_unlock(&vm->mmu_lock);
	if (idle)
		wake_up_all(&vm->invalidate_wq);	/* faults waiting it out */
	trace_secmmu_invalidate_end(range->start, range->end);
}

static void secmmu_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct secmmu_vm *vm = mn_to_vm(mn);
	bool flush;

	if (secmmu_coherence_interval(vm))
		return;		/* unregistered by a change of style */
	secmmu_stat_inc(vm, SECMMU_STAT_RELEASES);
	write_lock(&vm->mmu_lock);
	WRITE_ONCE(vm->dead, true);	/* no fault installs from here on */
	flush = secmmu_zap_all(vm, SECMMU_ZAP_YIELD);
	write_unlock(&vm->mmu_lock);

	if (flush)
		secmmu_remote_flush(vm);
}

const struct mmu_notifier_ops secmmu_mn_ops = {
	.invalidate_range_start	= secmmu_mn_invalidate_range_start,
	.invalidate_range_end	= secmmu_mn_invalidate_range_end,
	.release		= secmmu_mn_release,
	.clear_flush_young	= secmmu_mn_clear_flush_young,
	.clear_young		= secmmu_mn_clear_young,
	.test_young		= secmmu_mn_test_young,
};
