/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SPTE tables and the iterator that walks them.
 *
 * A view's table is a 4-level radix tree of 512-entry pages indexed by gfn
 * (9 bits per level, 36 bits in all).  The root page lives as long as the VM.
 *
 * Rules for walkers:
 *  - Faults link tables and install leaves under mmu_lock held for read,
 *    with cmpxchg against an empty entry (several may race for one entry;
 *    the loser uses the winner's).  Everything else that changes table
 *    structure or replaces a present entry holds mmu_lock for write, with
 *    WRITE_ONCE() for table entries and xchg for leaves.
 *  - Table pages are freed through RCU (secmmu_pt_free_rcu()), never
 *    directly, once unlinked: a lockless walker inside rcu_read_lock() may
 *    still be reading a page that a writer has just unlinked.  So table
 *    pointers are __rcu: sparse lets no one read an entry but through
 *    secmmu_pt_entry(), whose callers hold RCU or mmu_lock.
 *  - Lockless walkers read every entry once with READ_ONCE() and act on a
 *    leaf only with cmpxchg against the value they read.
 *
 * The iterator visits, in gfn order, every entry whose range intersects
 * [start, end), top level first (pre-order).  After an entry at level > 1 is
 * visited, the iterator re-reads it and descends when it (still) points to a
 * table, so a visitor may link a new table (fault) or unlink one (zap) and
 * the walk follows what it did.  A huge leaf (level 2) is visited, never
 * descended into; its ->gfn is its first gfn, which may lie before start.
 * A visitor that lets mmu_lock go sets ->yielded: the tables above may
 * have changed, so the next step walks again from the root, from the gfn
 * after the entry (the range then starts there).
 */
#ifndef _SECMMU_PGTABLE_H
#define _SECMMU_PGTABLE_H

#include <linux/bits.h>
#include <linux/rcupdate.h>
#include <linux/types.h>

#include "rmap.h"

#define SECMMU_PT_LEVELS	4
#define SECMMU_PT_BITS		9
#define SECMMU_PT_ENTRIES	BIT(SECMMU_PT_BITS)
#define SECMMU_PT_GFN_BITS	(SECMMU_PT_LEVELS * SECMMU_PT_BITS)

struct secmmu_vm;

/* Number of gfns one entry at @level spans. */
static inline u64 secmmu_level_pages(int level)
{
	return 1ULL << ((level - 1) * SECMMU_PT_BITS);
}

static inline unsigned int secmmu_level_index(u64 gfn, int level)
{
	return (gfn >> ((level - 1) * SECMMU_PT_BITS)) & (SECMMU_PT_ENTRIES - 1);
}

struct secmmu_iter {
	u64 __rcu *tables[SECMMU_PT_LEVELS + 1];	/* table walked per level */
	u64 *sptep;		/* the entry visited */
	u64 old_spte;		/* its value when visited */
	u64 gfn;		/* first gfn it maps */
	u64 start;
	u64 end;		/* exclusive */
	int level;		/* 1 = leaf */
	int min_level;		/* do not descend below this level */
	bool leaves_only;	/* visit leaves only (level 1, huge) */
	bool valid;
	bool yielded;		/* mmu_lock was let go after this entry */
};

struct secmmu_iter *secmmu_iter_start(struct secmmu_iter *it, u64 __rcu *root,
				      int min_level, u64 start, u64 end,
				      bool leaves_only);
void secmmu_iter_next(struct secmmu_iter *it);

/* Walk @root over gfns [start, end), descending down to @min_level. */
#define for_each_secmmu_spte(it, root, min_level, start, end)		\
	for (struct secmmu_iter *__iter =				\
		secmmu_iter_start(&(it), root, min_level, start, end, false); \
	     __iter->valid; secmmu_iter_next(__iter))

/* Only the leaves of [start, end): level 1, present or not, and huge ones. */
#define for_each_secmmu_leaf(it, root, start, end)			\
	for (struct secmmu_iter *__iter =				\
		secmmu_iter_start(&(it), root, 1, start, end, true);	\
	     __iter->valid; secmmu_iter_next(__iter))

/* True when the visited entry spans only gfns inside the walked range. */
static inline bool secmmu_iter_covered(const struct secmmu_iter *it)
{
	return it->gfn >= it->start &&
	       it->gfn + secmmu_level_pages(it->level) <= it->end;
}

/*
 * At a leaf (level 1): go on to the next entry of the same table of
 * leaves if it lies in the range, and the visitor did not let mmu_lock go
 * (true); else leave @it where it is for secmmu_iter_next().  A visitor's
 * plain loop over a table of leaves, without the general step (mmu.c:
 * zap_walk()); the caller holds mmu_lock, so the table stays.
 */
static inline bool secmmu_iter_next_leaf(struct secmmu_iter *it)
{
	if (it->level != 1 || it->yielded || it->gfn + 1 >= it->end ||
	    !secmmu_level_index(it->gfn + 1, 1))
		return false;
	it->gfn++;
	it->sptep++;
	it->old_spte = READ_ONCE(*it->sptep);
	return true;
}

u64 *secmmu_pt_alloc(struct secmmu_vm *vm, gfp_t gfp);
void secmmu_pt_free(struct secmmu_vm *vm, u64 *table);
void secmmu_pt_free_rcu(struct secmmu_vm *vm, u64 __rcu *table);
u64 __rcu *secmmu_pt_child(u64 table_spte);

/* Entry @i of @table; the caller holds RCU or mmu_lock (see above). */
static inline u64 *secmmu_pt_entry(u64 __rcu *table, unsigned int i)
{
	return rcu_dereference_raw(table) + i;
}

/*
 * Small per-caller stock of zeroed table pages, filled where sleeping is
 * allowed so that linking tables under mmu_lock never allocates.
 */
struct secmmu_pt_cache {
	int nr;
	u64 *pages[SECMMU_PT_LEVELS - 1];
	struct secmmu_rmap_spares rmap;	/* an install adds one leaf */
};

int secmmu_pt_cache_topup(struct secmmu_vm *vm, struct secmmu_pt_cache *c);
/* After mmu_lock is dropped: what an install unlinked (rmap.h). */
static inline void secmmu_pt_cache_reap(struct secmmu_vm *vm,
					struct secmmu_pt_cache *c)
{
	secmmu_rmap_spares_reap(vm, &c->rmap);
}

u64 *secmmu_pt_cache_take(struct secmmu_pt_cache *c);
void secmmu_pt_cache_give(struct secmmu_pt_cache *c, u64 *table);
void secmmu_pt_cache_free(struct secmmu_vm *vm, struct secmmu_pt_cache *c);

#endif /* _SECMMU_PGTABLE_H */
