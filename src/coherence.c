// SPDX-License-Identifier: GPL-2.0
/*
 * Choosing a VM's coherence style, and registering what it needs as its
 * memslots come and go.  Locking and lifetimes: coherence.h.
 */
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/wait.h>

#include "coherence.h"
#include "interval.h"
#include "layout.h"
#include "secmmu_probes.h"
#include "vm.h"

/*
 * The VM's mmu_notifier with the aging hooks alone (SECMMU_COHERENCE_AGING):
 * secmmu_mn_ops without invalidations and release, which the interval
 * notifiers do.  Built once at module load.
 */
static struct mmu_notifier_ops aging_ops;

void secmmu_coherence_init(void)
{
	aging_ops = secmmu_mn_ops;
	aging_ops.invalidate_range_start = NULL;
	aging_ops.invalidate_range_end = NULL;
	aging_ops.release = NULL;
}

long secmmu_coherence_styles(void)
{
	long styles = BIT(SECMMU_COHERENCE_NOTIFIER);

	if (IS_ENABLED(CONFIG_HMM_MIRROR)) {
		styles |= BIT(SECMMU_COHERENCE_INTERVAL);
#ifdef SECMMU_HAVE_MN_INTERVAL_TWO_PASS
		styles |= BIT(SECMMU_COHERENCE_INTERVAL_TWO_PASS);
#endif
	}
	return styles;
}

/* The ops of the mmu_notifier @coherence wants, or NULL: none. */
static const struct mmu_notifier_ops *notifier_ops(u64 coherence)
{
	if ((coherence & SECMMU_COHERENCE_STYLE_MASK) == SECMMU_COHERENCE_NOTIFIER)
		return &secmmu_mn_ops;
	return coherence & SECMMU_COHERENCE_AGING ? &aging_ops : NULL;
}

/*
 * Unregister the VM's mmu_notifier (the style chosen wants another one, or
 * none).  Its release() sees the new style and does nothing.  An
 * invalidation whose start it saw may never reach its end: once no
 * callback can run, its count is reset.
 */
static void detach_notifier(struct secmmu_vm *vm)
{
	lockdep_assert_held(&vm->slots_lock);
	mmu_notifier_unregister(&vm->mn, vm->mm);
	vm->mn_registered = false;
	write_lock(&vm->mmu_lock);
	WRITE_ONCE(vm->mmu_invalidate_in_progress, 0);
	WRITE_ONCE(vm->mmu_invalidate_seq, vm->mmu_invalidate_seq + 1);
	write_unlock(&vm->mmu_lock);
	wake_up_all(&vm->invalidate_wq);
}

/* With the first memslot: the notifier the style wants, if it is not in. */
static int attach_notifier(struct secmmu_vm *vm)
{
	const struct mmu_notifier_ops *ops = notifier_ops(READ_ONCE(vm->coherence));
	int ret;

	lockdep_assert_held(&vm->slots_lock);
	if (vm->mn_registered || !ops)
		return 0;
	vm->mn.ops = ops;
	ret = mmu_notifier_register(&vm->mn, vm->mm);
	if (!ret)
		vm->mn_registered = true;
	return ret;
}

/* 0 or the errno of SECMMU_CAP_COHERENCE value @val (the UAPI header's). */
int secmmu_coherence_check(u64 val)
{
	u32 style = val & SECMMU_COHERENCE_STYLE_MASK;

	if (val & ~(u64)(SECMMU_COHERENCE_STYLE_MASK | SECMMU_COHERENCE_AGING) ||
	    style >= SECMMU_COHERENCE_NR_STYLES)
		return -EINVAL;
	if (style == SECMMU_COHERENCE_NOTIFIER && (val & SECMMU_COHERENCE_AGING))
		return -EINVAL;		/* the notifier always ages */
	if (!(secmmu_coherence_styles() & BIT(style)))
		return -EOPNOTSUPP;
	return 0;
}

int secmmu_coherence_set(struct secmmu_vm *vm, u64 val)
{
	int ret = secmmu_coherence_check(val);

	if (ret)
		return ret;
	mutex_lock(&vm->slots_lock);
	if (vm->had_memslot) {
		ret = -EBUSY;		/* fixed by the first memslot */
	} else {
		WRITE_ONCE(vm->coherence, val);
		if (vm->mn_registered && vm->mn.ops != notifier_ops(val))
			detach_notifier(vm);
	}
	mutex_unlock(&vm->slots_lock);
	return ret;
}

int secmmu_coherence_slot_add(struct secmmu_vm *vm, const struct secmmu_slot *old,
			      struct secmmu_slot *want, u32 id)
{
	int ret;

	lockdep_assert_held(&vm->slots_lock);
	want->interval = want->npages ? old->interval : NULL;
	if (!want->npages || old->npages)	/* deleting, or new flags */
		return 0;
	ret = attach_notifier(vm);
	if (ret || !secmmu_coherence_interval(vm))
		return ret;
	return secmmu_interval_insert(vm, want, id);
}

void secmmu_coherence_slot_undo(struct secmmu_vm *vm, const struct secmmu_slot *old,
				struct secmmu_slot *want)
{
	if (want->interval && want->interval != old->interval)
		secmmu_interval_remove(want->interval);
	want->interval = NULL;
}

void secmmu_coherence_slot_del(struct secmmu_vm *vm, const struct secmmu_slot *old)
{
	lockdep_assert_held(&vm->slots_lock);
	if (old->interval)
		secmmu_interval_remove(old->interval);
}

void secmmu_coherence_detach(struct secmmu_vm *vm)
{
	struct secmmu_layout *l = rcu_dereference_protected(vm->layout, true);
	u32 i;

	for (i = 0; l && i < SECMMU_MAX_MEMSLOTS; i++) {
		if (l->slots[i].interval)
			secmmu_interval_remove(l->slots[i].interval);
		l->slots[i].interval = NULL;
	}
	/* Runs release() (zap all) if the mm is still alive. */
	if (vm->mn_registered)
		mmu_notifier_unregister(&vm->mn, vm->mm);
	vm->mn_registered = false;
}
