// SPDX-License-Identifier: GPL-2.0
/**
 * DOC: Fault protocol
 *
 * A fault resolves a host page with GUP, which may sleep, so it holds no
 * lock across it; the same idea as mm/mmu_notifier.c's interval notifiers
 * and KVM's mmu_invalidate_seq tells it afterwards whether the page may
 * already be stale:
 *
 *  1. Under vm->srcu, read the layout and translate view gfn -> memslot
 *     gfn -> host virtual address.
 *  2. Snapshot mmu_invalidate_seq.
 *  3. Resolve the address with GUP (FOLL_WRITE for a write).  This may
 *     sleep and may itself cause invalidations.
 *  4. Take mmu_lock for read.  If an invalidation covering the address is
 *     in progress, or one ended since step 2 (the seq moved), or the layout
 *     changed, the page may already be stale: drop everything, the caller
 *     retries - after waiting for the invalidations to end in the first
 *     case, so that a vCPU does not spin against the thread invalidating.
 *  5. Install the leaf, drop mmu_lock, drop the page reference.  No
 *     reference is kept: every later change of the primary mapping runs
 *     invalidate_range_start(), which zaps the leaf before the page can go.
 *
 * An invalidation bumps in_progress in its start and the seq in its end,
 * both under mmu_lock for write, so step 4 cannot miss one that overlaps
 * steps 2-3, and none can start while a fault holds the read lock.  An
 * invalidation that overlaps the GUP looks broadly like this::
 *
 *   secmmu_fault():                   notifier.c:
 *    srcu_read_lock
 *     l = vm->layout, gfn -> hva
 *     seq = vm->mmu_invalidate_seq
 *     smp_rmb
 *                                     invalidate_range_start():
 *                                      write_lock(mmu_lock)
 *                                       mmu_invalidate_in_progress++
 *                                       zap the leaves of the range
 *                                      write_unlock(mmu_lock)
 *                                     (the primary changes its mapping)
 *     get_user_pages_fast(hva)
 *       [the old page or the new one]
 *                                     invalidate_range_end():
 *                                      write_lock(mmu_lock)
 *                                       mmu_invalidate_seq++
 *                                       mmu_invalidate_in_progress--
 *                                      write_unlock(mmu_lock)
 *                                      wake_up_all(invalidate_wq)
 *     read_lock(mmu_lock)
 *      fault_must_retry():
 *       range in progress: -EAGAIN, secmmu_fault_wait(), retry
 *       mmu_invalidate_seq != seq: retry
 *       vm->layout != l: retry
 *
 *            [Required: whichever side of invalidate_range_end() the
 *             read_lock lands on, fault_must_retry() != 0]
 *
 *      (else) install the leaf
 *     read_unlock(mmu_lock)
 *     put_page
 *    srcu_read_unlock
 *
 * If the fault takes the read lock before invalidate_range_start() takes
 * the write lock, it installs, and the zap that follows removes the leaf
 * before the primary changes its mapping.
 *
 * A fault that may map a huge leaf (huge.h) checks the invalidations
 * against its whole 2 MiB block, and reads the primary's mapping level in
 * step 4, under mmu_lock after the check.
 *
 * Faults run concurrently with each other under the read lock (as KVM's
 * TDP MMU does): installs are cmpxchgs (mmu.c).  Only replacing a present
 * leaf needs the write lock; step 4 is then repeated under it, with the
 * same seq snapshot, so nothing that happened while no lock was held is
 * missed.
 */
#include <linux/mm.h>
#include <linux/sched/signal.h>

#include "dirty_log.h"
#include "fault.h"
#include "flush.h"
#include "huge.h"
#include "interval.h"
#include "mmu.h"
#include "testhook.h"
#include "trace.h"
#include "vm.h"

/* After -EAGAIN from secmmu_fault(): wait (briefly) for invalidations to end. */
void secmmu_fault_wait(struct secmmu_vm *vm)
{
	wait_event_interruptible_timeout(vm->invalidate_wq,
					 !READ_ONCE(vm->mmu_invalidate_in_progress),
					 msecs_to_jiffies(10));
}

static int gup_errno(long ret)
{
	if (ret == -ENOMEM || ret == -EINTR)
		return ret;
	if (ret == -ERESTARTSYS)
		return -EINTR;
	return -EFAULT;
}

/* Between GUP and mmu_lock: where tests inject a racing invalidation. */
void secmmu_fault_gup_done(struct secmmu_vm *vm, unsigned long hva)
{
	SECMMU_TEST_HOOK(secmmu_fault_gup_done, vm, hva);
}

/* After an install, mmu_lock dropped: where tests zap the new leaf again. */
void secmmu_fault_installed(struct secmmu_vcpu *vcpu, u32 view, u64 gfn)
{
	SECMMU_TEST_HOOK(secmmu_fault_installed, vcpu, view, gfn);
}

/* One fault's state, from translation to install. */
struct fault {
	struct secmmu_vcpu *vcpu;
	const struct secmmu_layout *l;
	const struct secmmu_slot *slot;
	u32 view;
	u64 gfn;		/* in the view */
	u64 target;		/* memslot gfn it maps */
	unsigned long hva;
	unsigned long seq;	/* mmu_invalidate_seq, or the interval's */
	u64 pfn;
	struct page *page;	/* GUP's reference; NULL: interval styles */
	bool write;
	bool huge;		/* the layout allows a huge leaf */
	bool pmd;		/* interval styles: the primary maps it by PMD */
};

/* Steps 2 and 3 (notifier style): 0 or secmmu_fault()'s errno. */
static int resolve_gup(struct fault *f)
{
	struct secmmu_vm *vm = f->vcpu->vm;
	long npages;

	f->seq = READ_ONCE(vm->mmu_invalidate_seq);
	smp_rmb();	/* seq before the page tables GUP reads */
	npages = get_user_pages_fast(f->hva, 1, f->write ? FOLL_WRITE : 0, &f->page);
	if (npages != 1) {
		f->page = NULL;
		return gup_errno(npages);
	}
	/*
	 * data_race(): without VMEMMAP, page_to_pfn() reads the section bits
	 * of page->flags, which never change, while GUP sets other bits.
	 */
	f->pfn = data_race(page_to_pfn(f->page));
	secmmu_fault_gup_done(vm, f->hva);
	return 0;
}

/*
 * Step 4's check: 0: install; -EAGAIN: an invalidation covers some of the
 * page (or its block); 1: retry at once.
 */
static int fault_must_retry(struct fault *f)
{
	struct secmmu_vm *vm = f->vcpu->vm;
	unsigned long start = f->hva, end = f->hva + PAGE_SIZE;

	lockdep_assert_held(&vm->mmu_lock);

	if (f->huge) {
		start = ALIGN_DOWN(f->hva, PMD_SIZE);
		end = start + PMD_SIZE;
	}
	if (f->page && vm->mmu_invalidate_in_progress &&
	    end > vm->mmu_invalidate_start && start < vm->mmu_invalidate_end)
		return -EAGAIN;
	if (rcu_access_pointer(vm->layout) != f->l)
		return 1;
	return f->page ? vm->mmu_invalidate_seq != f->seq :
			 mmu_interval_read_retry(&f->slot->interval->mni, f->seq);
}

/* Steps 4 and 5 under mmu_lock (@shared: for read); secmmu_fault()'s returns. */
static int fault_install(struct fault *f, bool shared)
{
	struct secmmu_vm *vm = f->vcpu->vm;
	const struct secmmu_slot *slot = f->slot;
	u64 idx = f->target - slot->base_gfn;
	struct secmmu_map m = {
		.view = f->view,
		.level = 1,
		.gfn = f->gfn,
		.pfn = f->pfn,
		.writable = f->write,
		.head = slot->rmap ? &slot->rmap[idx] : NULL,
		.l = f->l,
	};
	int ret;

	if (vm->dead)
		return -EIO;
	ret = fault_must_retry(f);
	if (ret) {
		secmmu_stat_inc(vm, SECMMU_STAT_FAULT_RETRIES);
		return min(ret, 0);
	}
	if (f->huge && (f->page ? secmmu_huge_host_ok(vm->mm, f->hva, m.pfn, f->write) :
			f->pmd)) {
		u64 off = (f->hva & ~PMD_MASK) >> PAGE_SHIFT;

		m.level = 2;
		m.gfn -= off;
		m.pfn -= off;
		m.head = secmmu_slot_hhead(slot, idx);
		/* No dirty logging here: nothing to record. */
		return secmmu_mmu_map(vm, &m, &f->vcpu->cache, shared);
	}
	ret = secmmu_mmu_map(vm, &m, &f->vcpu->cache, shared);
	if (f->write && ret >= 0)
		secmmu_dirty_record(f->vcpu, f->l, slot, f->target);
	return ret;
}

/*
 * Returns 0 when the access should be tried again (leaf installed, or the
 * fault lost a race), -EAGAIN when it should be tried again after
 * secmmu_fault_wait(), a SECMMU_EXIT_* reason (> 0), or a negative errno.
 */
int secmmu_fault(struct secmmu_vcpu *vcpu, u32 view, u64 gfn, bool write)
{
	struct fault f = { .vcpu = vcpu, .view = view, .gfn = gfn, .write = write };
	struct secmmu_vm *vm = vcpu->vm;
	bool counted = false;
	int idx, ret;

	if (READ_ONCE(vm->dead))
		return -EIO;

	idx = srcu_read_lock(&vm->srcu);
	f.l = srcu_dereference(vm->layout, &vm->srcu);
	f.slot = secmmu_view_translate(f.l, view, gfn, &f.target) ?
		 secmmu_slot_find(f.l, f.target) : NULL;
	if (!f.slot) {
		ret = SECMMU_EXIT_UNBACKED;
		goto out;
	}
	if (write && (f.slot->flags & SECMMU_MEM_READONLY)) {
		ret = SECMMU_EXIT_READONLY;
		goto out;
	}
	ret = secmmu_pt_cache_topup(vm, &vcpu->cache);
	if (ret)
		goto out;

	secmmu_stat_inc(vm, SECMMU_STAT_FAULTS);
	counted = true;
	f.hva = secmmu_slot_hva(f.slot, f.target);
	f.huge = READ_ONCE(vm->huge_leaves) &&
		 secmmu_huge_layout_ok(f.l, f.slot, view, gfn, f.hva);
	if (!secmmu_coherence_interval(vm)) {
		ret = resolve_gup(&f);
	} else {
		ret = secmmu_hmm_resolve(f.slot->interval, f.hva, write, &f.seq,
					 &f.pfn, &f.pmd);
		if (ret == -EBUSY) {	/* invalidated meanwhile: try again */
			secmmu_stat_inc(vm, SECMMU_STAT_FAULT_RETRIES);
			ret = 0;
			goto out;
		}
	}
	if (ret)
		goto out;

	read_lock(&vm->mmu_lock);
	ret = fault_install(&f, true);
	read_unlock(&vm->mmu_lock);
	if (ret == -EBUSY) {
		secmmu_stat_inc(vm, SECMMU_STAT_FAULT_SLOW);
		write_lock(&vm->mmu_lock);
		ret = fault_install(&f, false);
		write_unlock(&vm->mmu_lock);
	}
	secmmu_pt_cache_reap(vm, &vcpu->cache);
	if (f.page)
		put_page(f.page);
	if (ret > 0) {			/* replaced a leaf: see install */
		secmmu_remote_flush(vm);
		ret = 0;
	}
	if (!ret)
		secmmu_fault_installed(vcpu, view, gfn);
out:
	srcu_read_unlock(&vm->srcu, idx);
	if (counted)
		trace_secmmu_fault(view, gfn, write, ret);
	return ret;
}
