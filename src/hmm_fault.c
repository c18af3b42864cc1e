// SPDX-License-Identifier: GPL-2.0
/*
 * The fault path of the interval styles (coherence.h): the protocol of
 * Documentation/mm/hmm.rst, with mmu_lock as the driver lock.
 *
 *  1. (fault.c) Under vm->srcu, translate view gfn -> memslot gfn -> host
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
 *
 * As in fault.c, installs run under mmu_lock for read; replacing a present
 * leaf takes it for write, and step 4 is repeated under it with the same
 * seq.
 */
#include <linux/hmm.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/sched/mm.h>

#include "coherence.h"
#include "dirty_log.h"
#include "fault.h"
#include "flush.h"
#include "huge.h"
#include "layout.h"
#include "mmu.h"
#include "testhook.h"
#include "vcpu.h"
#include "vm.h"

void secmmu_hmm_fault_done(struct secmmu_vm *vm, unsigned long hva)
{
	SECMMU_TEST_HOOK(secmmu_hmm_fault_done, vm, hva);
}

/* One fault's state, from translation to install. */
struct hmm_fault {
	struct secmmu_vcpu *vcpu;
	const struct secmmu_layout *l;
	const struct secmmu_slot *slot;
	u32 view;
	u64 gfn;		/* in the view */
	u64 target;		/* memslot gfn it maps */
	unsigned long hva;
	unsigned long seq;	/* mmu_interval_read_begin() */
	unsigned long hmm_pfn;	/* hmm_range_fault()'s answer */
	bool write;
	bool huge;		/* the layout allows a huge leaf */
};

/* Steps 4 and 5 under mmu_lock (@shared: for read); secmmu_hmm_fault()'s returns. */
static int install(struct hmm_fault *f, bool shared)
{
	struct secmmu_vm *vm = f->vcpu->vm;
	const struct secmmu_slot *slot = f->slot;
	u64 idx = f->target - slot->base_gfn;
	struct secmmu_map m = {
		.view = f->view,
		.level = 1,
		.gfn = f->gfn,
		.pfn = f->hmm_pfn & ~HMM_PFN_FLAGS,
		.writable = f->write,
		.head = slot->rmap ? &slot->rmap[idx] : NULL,
		.l = f->l,
	};
	int ret;

	if (vm->dead)
		return -EIO;
	if (mmu_interval_read_retry(&slot->interval->mni, f->seq) ||
	    rcu_access_pointer(vm->layout) != f->l) {
		secmmu_stat_inc(vm, SECMMU_STAT_FAULT_RETRIES);
		return 0;
	}
	if (f->huge && hmm_pfn_to_map_order(f->hmm_pfn) >= PMD_SHIFT - PAGE_SHIFT) {
		u64 off = (f->hva & ~PMD_MASK) >> PAGE_SHIFT;
		struct secmmu_map h = m;

		h.level = 2;
		h.gfn -= off;
		h.pfn -= off;
		h.head = secmmu_slot_hhead(slot, idx);
		/* No dirty logging here: nothing to record. */
		return secmmu_mmu_map(vm, &h, &f->vcpu->cache, shared);
	}
	ret = secmmu_mmu_map(vm, &m, &f->vcpu->cache, shared);
	if (f->write && ret >= 0)
		secmmu_dirty_record(f->vcpu, f->l, slot, f->target);
	return ret;
}

/* Steps 2 and 3; 0, or secmmu_fault()'s errno. */
static int resolve(struct hmm_fault *f)
{
	struct secmmu_vm *vm = f->vcpu->vm;
	struct hmm_range range = {
		.notifier = &f->slot->interval->mni,
		.start = f->hva,
		.end = f->hva + PAGE_SIZE,
		.hmm_pfns = &f->hmm_pfn,
		.default_flags = HMM_PFN_REQ_FAULT |
				 (f->write ? HMM_PFN_REQ_WRITE : 0),
	};
	int ret;

	if (!mmget_not_zero(vm->mm))
		return -EIO;
	range.notifier_seq = mmu_interval_read_begin(range.notifier);
	f->seq = range.notifier_seq;
	ret = mmap_read_lock_killable(vm->mm);
	if (!ret) {
		ret = hmm_range_fault(&range);
		mmap_read_unlock(vm->mm);
	}
	mmput(vm->mm);
	switch (ret) {
	case 0:
	case -EBUSY:		/* invalidated meanwhile: try again */
	case -ENOMEM:
	case -EINTR:
		return ret;
	default:		/* no VMA, no access, not a page: as GUP */
		return -EFAULT;
	}
}

int secmmu_hmm_fault(struct secmmu_vcpu *vcpu, const struct secmmu_layout *l,
		     const struct secmmu_slot *slot, u32 view, u64 gfn,
		     u64 target, bool write)
{
	struct secmmu_vm *vm = vcpu->vm;
	struct hmm_fault f = {
		.vcpu = vcpu, .l = l, .slot = slot, .view = view, .gfn = gfn,
		.target = target, .write = write,
		.hva = secmmu_slot_hva(slot, target),
	};
	int ret;

	f.huge = READ_ONCE(vm->huge_leaves) &&
		 secmmu_huge_layout_ok(l, slot, view, gfn, f.hva);
	ret = resolve(&f);
	if (ret == -EBUSY) {
		secmmu_stat_inc(vm, SECMMU_STAT_FAULT_RETRIES);
		return 0;
	}
	if (ret)
		return ret;
	secmmu_hmm_fault_done(vm, f.hva);

	read_lock(&vm->mmu_lock);
	ret = install(&f, true);
	read_unlock(&vm->mmu_lock);
	if (ret == -EBUSY) {
		secmmu_stat_inc(vm, SECMMU_STAT_FAULT_SLOW);
		write_lock(&vm->mmu_lock);
		ret = install(&f, false);
		write_unlock(&vm->mmu_lock);
	}
	secmmu_pt_cache_reap(vm, &vcpu->cache);
	if (ret > 0) {			/* replaced a leaf: see install */
		secmmu_remote_flush(vm);
		ret = 0;
	}
	if (!ret)
		secmmu_fault_installed(vcpu, view, gfn);
	return ret;
}
