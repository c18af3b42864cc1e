// SPDX-License-Identifier: GPL-2.0
/*
 * The interval styles' invalidations: one mmu_interval_notifier per
 * memslot, over its host range (coherence.h has the locking).
 *
 * invalidate() takes mmu_lock for write, records the invalidation's
 * sequence with mmu_interval_set_seq() (so that a fault that resolved a
 * page before it fails mmu_interval_read_retry(), hmm_fault.c), zaps every
 * leaf that maps the memslot's pages in the range, in every view, and does
 * one remote flush: when it returns no vCPU can touch the old pages.  It
 * never sleeps without leave: for a non-blockable range (OOM reaper) the
 * zap does not yield, as the notifier style's does not, and it always
 * returns true.  Faults need no "in progress" count of their own:
 * mmu_interval_read_begin() waits until the mm's invalidations are over.
 *
 * The two-pass form (7.2) zaps in invalidate_start() and flushes in
 * invalidate_finish(), after every notifier of the invalidation zapped.
 *
 * A memslot's leaves are found through the current layout and, while a
 * layout change's zap may yield (vm->retiring, vm.h), through the one it
 * replaced, if they name this memslot with this notifier.  The exit of the
 * mm invalidates every range with MMU_NOTIFY_RELEASE: the VM is then dead.
 */
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/slab.h>

#include "flush.h"
#include "inject.h"
#include "interval.h"
#include "layout.h"
#include "mmu.h"
#include "secmmu_probes.h"
#include "vm.h"

static struct secmmu_interval *to_interval(struct mmu_interval_notifier *mni)
{
	return container_of(mni, struct secmmu_interval, mni);
}

/* Zap the leaves of @iv's memslot, as @l names it, over @range. */
static bool zap_in(struct secmmu_vm *vm, const struct secmmu_layout *l,
		   const struct secmmu_interval *iv,
		   const struct mmu_notifier_range *range, unsigned int flags)
{
	const struct secmmu_slot *s = &l->slots[iv->id];
	unsigned long start, end;
	u64 first, last;

	if (!s->npages || s->interval != iv)
		return false;
	start = max_t(unsigned long, range->start, s->hva);
	end = min_t(unsigned long, range->end, s->hva + (s->npages << PAGE_SHIFT));
	if (start >= end)
		return false;
	first = s->base_gfn + ((start - s->hva) >> PAGE_SHIFT);
	last = s->base_gfn + DIV_ROUND_UP(end - s->hva, PAGE_SIZE);
	return secmmu_zap_gfn_range(vm, l, first, last, flags);
}

/* The first pass: set the seq and zap; true when a flush is owed. */
static bool interval_zap(struct secmmu_interval *iv,
			 const struct mmu_notifier_range *range,
			 unsigned long cur_seq)
{
	struct secmmu_vm *vm = iv->vm;
	unsigned int flags = secmmu_invalidation_start(vm, range);
	bool flush;
	int idx;

	/* The layouts stay alive across the zap's lock breaks. */
	idx = srcu_read_lock(&vm->srcu);
	write_lock(&vm->mmu_lock);
	/* Before any lock break: a fault that takes mmu_lock then retries. */
	mmu_interval_set_seq(&iv->mni, cur_seq);
	if (range->event == MMU_NOTIFY_RELEASE)
		WRITE_ONCE(vm->dead, true);	/* no fault installs from here on */
	flush = vm->retiring && zap_in(vm, vm->retiring, iv, range, flags);
	flush |= zap_in(vm, srcu_dereference(vm->layout, &vm->srcu), iv, range, flags);
	write_unlock(&vm->mmu_lock);
	srcu_read_unlock(&vm->srcu, idx);
	return flush;
}

static bool interval_invalidate(struct mmu_interval_notifier *mni,
				const struct mmu_notifier_range *range,
				unsigned long cur_seq)
{
	struct secmmu_interval *iv = to_interval(mni);

	if (interval_zap(iv, range, cur_seq))
		secmmu_remote_flush(iv->vm);
	return true;
}

static const struct mmu_interval_notifier_ops interval_ops = {
	.invalidate = interval_invalidate,
};

#ifdef SECMMU_HAVE_MN_INTERVAL_TWO_PASS
/* One per invalidation that zapped something: they may run in parallel. */
struct interval_finish {
	struct mmu_interval_notifier_finish finish;
	struct secmmu_vm *vm;
};

static bool interval_invalidate_start(struct mmu_interval_notifier *mni,
				      const struct mmu_notifier_range *range,
				      unsigned long cur_seq,
				      struct mmu_interval_notifier_finish **finish)
{
	struct secmmu_interval *iv = to_interval(mni);
	struct interval_finish *f;

	if (!interval_zap(iv, range, cur_seq))
		return true;
	f = kmalloc(sizeof(*f), GFP_NOWAIT);
	if (!f) {
		/* No second pass: this one does all the work. */
		secmmu_remote_flush(iv->vm);
		return true;
	}
	f->vm = iv->vm;
	*finish = &f->finish;
	return true;
}

/*
 * Before the invalidation ends: the memslot's notifier, and so the VM,
 * cannot go away meanwhile (mmu_interval_notifier_remove() waits).
 */
static void interval_invalidate_finish(struct mmu_interval_notifier_finish *finish)
{
	struct interval_finish *f = container_of(finish, struct interval_finish, finish);

	secmmu_remote_flush(f->vm);
	kfree(f);
}

static const struct mmu_interval_notifier_ops interval_two_pass_ops = {
	.invalidate_start = interval_invalidate_start,
	.invalidate_finish = interval_invalidate_finish,
};
#endif

int secmmu_interval_insert(struct secmmu_vm *vm, struct secmmu_slot *want, u32 id)
{
	const struct mmu_interval_notifier_ops *ops = &interval_ops;
	struct secmmu_interval *iv;
	int ret;

#ifdef SECMMU_HAVE_MN_INTERVAL_TWO_PASS
	if (secmmu_coherence_style(vm) == SECMMU_COHERENCE_INTERVAL_TWO_PASS)
		ops = &interval_two_pass_ops;
#endif
	iv = secmmu_inject_alloc(kzalloc(sizeof(*iv), GFP_KERNEL_ACCOUNT));
	if (!iv)
		return -ENOMEM;
	iv->vm = vm;
	iv->id = id;
	ret = mmu_interval_notifier_insert(&iv->mni, vm->mm, want->hva,
					   want->npages << PAGE_SHIFT, ops);
	if (ret) {
		kfree(iv);
		return ret;
	}
	want->interval = iv;
	return 0;
}

/* Once no layout that names it is in use; waits for its invalidations. */
void secmmu_interval_remove(struct secmmu_interval *iv)
{
	mmu_interval_notifier_remove(&iv->mni);
	kfree(iv);
}
