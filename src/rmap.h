/* SPDX-License-Identifier: GPL-2.0 */
/**
 * DOC: rmap head encoding
 *
 * Reverse map: for every memslot gfn, one head word listing each leaf SPTE,
 * in any view, that maps the gfn::
 *
 *   0                        empty
 *   sptep         (bits 0-2 = 0) the only leaf
 *   a << 3 | b << 33 | RMAP_PACKED (bits 0 and 2)
 *                             exactly two leaves, by their 30-bit handles
 *                             (pt_id.h), in the head itself
 *   pair | RMAP_PAIR (bit 2)  exactly two leaves, in a 16-byte pair (when
 *                             either leaf has no handle)
 *   desc | RMAP_MANY (bit 0)  a chain of descriptors, two or more leaves
 *   RMAP_LOCKED   (bit 1)     the head's lock bit
 *
 * Writers take the head's lock bit and publish a new head with one release
 * store that also drops the bit, so a head is never seen half built.
 * Removers hold mmu_lock for write.  Adders (faults) may hold it only for
 * read, so adds race with readers under the read lock; an add never
 * changes what such a reader can see, only extends it: a new head (direct
 * to pair, pair to chain, or a new first descriptor) is published by the
 * release store, a pair (packed or not) is never written once published,
 * and an append to
 * the first descriptor writes the slot before the count (release; readers
 * load the count with acquire).  Readers::
 *
 *   locked walk        mmu_lock (read or write): no entry goes away; one
 *                      added meanwhile may or may not be seen.
 *   lock-bit walk      the head's bit (acquire on take, release on drop):
 *                      writers take it too, so the chain cannot change.
 *   single-entry walk  RCU only: READ_ONCE() the head once; use it only in
 *                      the direct form (never follows a pair or a
 *                      descriptor).  The SPTE it points to lives in a table
 *                      page freed via RCU.
 *
 * Descriptors and pairs are freed without RCU: only the locked and lock-bit
 * walks follow them.  A remover unlinks one holding mmu_lock for write and
 * the bit, so no walker can hold a pointer into it, and frees it after
 * dropping the bit (still under mmu_lock): the bit's section has preemption
 * off, and the slab may sleep on PREEMPT_RT.  The one add that unlinks
 * something, a pair turned into a descriptor by a third leaf, may run under
 * the read lock, where other readers can still be inside the pair: the pair
 * is left in the caller's spares (->dead) and freed by
 * secmmu_rmap_spares_reap() once mmu_lock, taken once for write, has waited
 * them out.
 *
 * Canonical form: none is 0, one leaf is direct, two are packed (or a pair
 * when either has no handle) when the second was added (a chain shrunk to
 * two by removals stays a chain: going back would allocate under the
 * lock), descriptors are dense (holes are filled from the first
 * descriptor) and only the first descriptor of a chain may be partly full.
 *
 * Memory per gfn: 8 bytes of head; at two leaves nothing more (packed;
 * +16 for a pair); at three to twelve +112 (one descriptor), and +112 per
 * further twelve.
 */
#ifndef _SECMMU_RMAP_H
#define _SECMMU_RMAP_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/preempt.h>
#include <linux/secmmu.h>
#include <linux/types.h>

struct secmmu_vm;
struct secmmu_layout;

#define RMAP_MANY		BIT(0)
#define RMAP_LOCKED		BIT(1)
#define RMAP_PAIR		BIT(2)
#define RMAP_PACKED		(RMAP_MANY | RMAP_PAIR)
#define RMAP_PTR_MASK		(~(RMAP_MANY | RMAP_LOCKED | RMAP_PAIR))
#define RMAP_PACKED_SHIFT	3

/* Which of the non-direct forms a head (without its lock bit) is. */
static inline bool secmmu_rmap_packed(unsigned long head)
{
	return (head & RMAP_PACKED) == RMAP_PACKED;
}

static inline bool secmmu_rmap_pair(unsigned long head)
{
	return (head & RMAP_PACKED) == RMAP_PAIR;
}

static inline bool secmmu_rmap_chain(unsigned long head)
{
	return (head & RMAP_PACKED) == RMAP_MANY;
}

/* A head naming exactly one leaf, the only form lockless walkers follow. */
static inline bool secmmu_rmap_direct(unsigned long head)
{
	return (head & RMAP_PTR_MASK) && !(head & (RMAP_MANY | RMAP_PAIR));
}

struct secmmu_rmap_pair {
	u64 *sptes[2];
};

#define RMAP_DESC_SPTES		12

/* Two cache lines; the count first so a short chain's walk reads one. */
struct secmmu_rmap_desc {
	u32 count;
	u32 pad;
	struct secmmu_rmap_desc *more;
	u64 *sptes[RMAP_DESC_SPTES];
};

int secmmu_rmap_init(void);
void secmmu_rmap_exit(void);

void secmmu_rmap_desc_freeing(struct secmmu_vm *vm, struct secmmu_rmap_desc *d);

/*
 * What one add may need, allocated where sleeping is allowed (a fault's
 * stock, with its table pages), and what it may leave to free.
 */
struct secmmu_rmap_spares {
	struct secmmu_rmap_desc *desc;
	struct secmmu_rmap_pair *pair;
	struct secmmu_rmap_pair *dead;	/* unlinked under the read lock */
};

int secmmu_rmap_spares_topup(struct secmmu_vm *vm, struct secmmu_rmap_spares *sp);
/* mmu_lock not held: free ->dead once no reader can be inside it. */
void secmmu_rmap_spares_reap(struct secmmu_vm *vm, struct secmmu_rmap_spares *sp);
/* Reap, then free the stock. */
void secmmu_rmap_spares_free(struct secmmu_vm *vm, struct secmmu_rmap_spares *sp);

/* The head of memslot gfn @gfn, or NULL when no memslot backs it. */
unsigned long *secmmu_rmap_head(const struct secmmu_layout *l, u64 gfn);

/* Writers: mmu_lock for read (add) or write.  add uses @sp's stock. */
void secmmu_rmap_add(struct secmmu_vm *vm, unsigned long *head, u64 *sptep,
		     struct secmmu_rmap_spares *sp);
void secmmu_rmap_remove(struct secmmu_vm *vm, unsigned long *head, u64 *sptep);
unsigned int secmmu_rmap_count(unsigned long head);
/* Empty @n heads whose leaves are all zapped already; mmu_lock for write. */
void secmmu_rmap_clear(struct secmmu_vm *vm, unsigned long *heads, u64 n);

/*
 * Take @head's lock bit; returns the head's value (without the bit).
 * Preemption stays off until the unlock, so a holder cannot be scheduled
 * out while others spin.  The uncontended case is inline: lock-bit aging
 * takes it once per page.
 */
unsigned long secmmu_rmap_lock_slow(struct secmmu_vm *vm, unsigned long *head);

static inline unsigned long secmmu_rmap_lock(struct secmmu_vm *vm,
					     unsigned long *head)
{
	unsigned long old;

	preempt_disable();
	old = READ_ONCE(*head);
	/* Acquire: the chain is read after the bit is ours. */
	if (likely(!(old & RMAP_LOCKED)) &&
	    try_cmpxchg_acquire(head, &old, old | RMAP_LOCKED))
		return old;
	return secmmu_rmap_lock_slow(vm, head);
}

static inline void secmmu_rmap_unlock(unsigned long *head, unsigned long val)
{
	/* Release: publish @val, fully built, and drop the bit in one store. */
	smp_store_release(head, val & ~RMAP_LOCKED);
	preempt_enable();
}

/* Iterate the leaves of a head value (any form). */
struct secmmu_rmap_iter {
	u64 *sptep;			/* current leaf, NULL at the end */
	u64 *second;			/* a pair's (packed or not) other leaf */
	struct secmmu_rmap_desc *desc;
	unsigned int pos;
};

struct secmmu_rmap_iter *secmmu_rmap_iter_start(struct secmmu_rmap_iter *it,
						unsigned long head);
void secmmu_rmap_iter_next(struct secmmu_rmap_iter *it);

#define for_each_rmap_spte(it, head)					\
	for (struct secmmu_rmap_iter *__rit = secmmu_rmap_iter_start(&(it), head); \
	     __rit->sptep; secmmu_rmap_iter_next(__rit))

#endif /* _SECMMU_RMAP_H */
