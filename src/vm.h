/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VM, one per open("/dev/secmmu") and bound to the opener's mm, and its
 * vCPUs: the data every part of secmmu shares.
 *
 * Lifetime (vm_life.c): the VM fd and every vCPU fd hold a reference; the
 * last put unregisters the notifier and frees everything.  If the mm exits
 * first, the notifier's release zaps everything and marks the VM dead:
 * later accesses fail with -EIO.
 */

/**
 * DOC: Locking
 *
 * The one place these rules are written (the locks are struct
 * secmmu_vm's)::
 *
 *   slots_lock (mutex)     layout changes (memslots, view ranges) and
 *                          vCPU creation.  Outer to mmu_lock.
 *   mmu_lock (rwlock)      table structure, leaf installs and zaps,
 *                          publishing a new layout, retiring,
 *                          mmu_invalidate_*.
 *                          For write: zaps, the notifier, layout
 *                          changes, a fault replacing a present leaf.
 *                          For read: faults (tables and leaves go in by
 *                          cmpxchg, fault.c), write-protection (a cmpxchg
 *                          per leaf: dirty-ring resets), locked aging.
 *                          Never held across anything that sleeps or
 *                          takes mmap_lock.  Long zaps that may sleep
 *                          drop it to reschedule (mmu.c).
 *   srcu                   lifetime of a layout read outside mmu_lock
 *                          (a fault sleeping in GUP).
 *   RCU                    lifetime of table pages for lockless walkers
 *                          (vCPU translation, GET_SPTE), and of a layout
 *                          and its rmap arrays for the aging hooks.
 *   cmpxchg on a leaf      A bit cleared by aging and A/D bits set by
 *                          vCPUs, outside mmu_lock.
 *   rmap head lock bit     one rmap chain (rmap.h); writers take it under
 *                          mmu_lock (adds: read), lock-bit aging instead
 *                          of mmu_lock.
 *                          TABLE_WALK VMs have no rmap: aging walks the
 *                          tables under RCU alone (aging.c).
 *   mmu_invalidate_seq +   a fault that resolved a page before or during
 *   mmu_invalidate_in_progress  an invalidation does not install it
 *                          (fault.c: "Fault protocol").
 *   vcpu guest_seq         a vCPU touching a page; remote flush waits for
 *                          it (flush.c).
 */
#ifndef _SECMMU_VM_H
#define _SECMMU_VM_H

#include <linux/kref.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/wait.h>

#include "dirty_ring.h"
#include "layout.h"
#include "pgtable.h"
#include "stats.h"

/*
 * A vCPU (vcpu.c).  Its ioctls are serialised by @mutex; guest_seq is
 * written only by the vCPU's own ioctl and read by flushers (flush.h).
 */
struct secmmu_vcpu {
	struct secmmu_vm *vm;
	u32 id;
	unsigned int guest_seq;
	struct mutex mutex;		/* serialises this vCPU's ioctls */
	void *bounce;			/* one page: user copies happen outside guest mode */
	struct secmmu_pt_cache cache;
	struct secmmu_dirty_ring ring;	/* entries NULL: the VM has no rings */
};

struct secmmu_vm {
	struct kref ref;
	struct mm_struct *mm;			/* mmgrab()ed */
	struct mmu_notifier mn;
	bool mn_registered;			/* coherence.h */
	u32 coherence;				/* SECMMU_COHERENCE_*, coherence.h */

	struct mutex slots_lock;		/* see the table above */
	struct srcu_struct srcu;
	struct secmmu_layout __rcu *layout;
	/*
	 * The layout a layout change replaced and is zapping over
	 * (layout_change.c: layout_publish()), while its zap may yield; NULL
	 * otherwise.  Set and cleared under slots_lock and mmu_lock for
	 * write, read by the notifier under mmu_lock for write (and
	 * vm->srcu, which keeps it alive: it is freed after a
	 * synchronize_srcu()).  Leaves of the mappings the change removes
	 * stay linked until the zap reaches them, and only it can resolve
	 * host addresses to them: the notifier zaps through it first.
	 * A change that zaps only removes mappings, so it maps all the
	 * published layout does.  release() never meets one: a task in a
	 * layout change holds the mm's users up.
	 */
	const struct secmmu_layout *retiring;

	rwlock_t mmu_lock;
	u64 __rcu *roots[SECMMU_MAX_VIEWS];	/* fixed for the VM's life */
	unsigned long mmu_invalidate_seq;
	long mmu_invalidate_in_progress;
	unsigned long mmu_invalidate_start;	/* union of the ranges in */
	unsigned long mmu_invalidate_end;	/* progress (hva) */
	wait_queue_head_t invalidate_wq;	/* woken when none is */
	bool dead;				/* mm released */
	u32 rmap_mode;				/* SECMMU_RMAP_*, fixed once ... */
	bool had_memslot;			/* ... a memslot was ever created */
	u32 dirty_ring_size;			/* per vCPU ring, 0: none; set once */
	u32 prot_policy;			/* SECMMU_PROT_*, any time */
	bool huge_leaves;			/* huge.h; fixed by a memslot */

	int nr_vcpus;				/* published with release */
	struct secmmu_vcpu *vcpus[SECMMU_MAX_VCPUS];

	struct secmmu_stat_block __percpu *stats;
};

/* The published vCPU after the *@i first ones, or NULL. */
static inline struct secmmu_vcpu *secmmu_vcpu_next(struct secmmu_vm *vm, int *i)
{
	/* Acquire: a vCPU counted is a vCPU set up (secmmu_vcpu_publish()). */
	return *i < smp_load_acquire(&vm->nr_vcpus) ? vm->vcpus[(*i)++] : NULL;
}

/*
 * Every published vCPU, in creation order.  Needs no lock: vCPUs live as
 * long as the VM (one published meanwhile may or may not be visited).
 */
#define secmmu_for_each_vcpu(vcpu, vm)					\
	for (int __i = 0; ((vcpu) = secmmu_vcpu_next(vm, &__i)); )

/* The current layout; caller holds mmu_lock or slots_lock. */
static inline struct secmmu_layout *secmmu_layout_locked(struct secmmu_vm *vm)
{
	return rcu_dereference_protected(vm->layout,
					 lockdep_is_held(&vm->mmu_lock) ||
					 lockdep_is_held(&vm->slots_lock));
}

/* The coherence style (coherence.h) without SECMMU_COHERENCE_AGING. */
static inline u32 secmmu_coherence_style(const struct secmmu_vm *vm)
{
	return READ_ONCE(vm->coherence) & SECMMU_COHERENCE_STYLE_MASK;
}

/* Is the VM kept coherent by interval notifiers (hmm_fault.c faults)? */
static inline bool secmmu_coherence_interval(const struct secmmu_vm *vm)
{
	return secmmu_coherence_style(vm) != SECMMU_COHERENCE_NOTIFIER;
}

/* notifier.c: the VM's mmu_notifier; an invalidation counted. */
extern const struct mmu_notifier_ops secmmu_mn_ops;
unsigned int secmmu_invalidation_start(struct secmmu_vm *vm,
				       const struct mmu_notifier_range *range);

/* vm_life.c */
struct secmmu_vm *secmmu_vm_alloc(void);
void secmmu_vm_free(struct secmmu_vm *vm);
struct secmmu_vm *secmmu_vm_create(struct mm_struct *mm);
void secmmu_vm_get(struct secmmu_vm *vm);
void secmmu_vm_put(struct secmmu_vm *vm);
int secmmu_vm_enable_cap(struct secmmu_vm *vm, u32 cap, u64 val);

/* layout_change.c: memslots and view ranges, published. */
int secmmu_vm_set_memslot(struct secmmu_vm *vm, const struct secmmu_memslot *req);
int secmmu_vm_set_view_mapping(struct secmmu_vm *vm,
			       const struct secmmu_view_mapping *req);

#endif /* _SECMMU_VM_H */
