/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Walks over what a memslot gfn range maps, every view at once.
 *
 * for_each_alias_spte() visits the table entries over the view gfns that
 * map memslot gfns [start, end) in every view (each alias: layout.h), one
 * alias after another, views without a root skipped; ->it is the entry
 * visited (pgtable.h has the walking rules, ->it.yielded's too: mmu.c
 * sets it in secmmu_iter_cond_resched()), ->a its alias.  The layout must
 * stay alive meanwhile (vm->srcu or slots_lock).
 *
 * secmmu_handle_hva_range() turns host addresses into memslot gfn ranges,
 * one per memslot overlapping them, and calls a handler on each.
 */
#ifndef _SECMMU_WALK_H
#define _SECMMU_WALK_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <asm/page.h>

#include "inject.h"
#include "layout.h"
#include "pgtable.h"
#include "spte.h"

struct secmmu_vm;

struct secmmu_walk {
	struct secmmu_iter it;		/* the entry visited */
	struct secmmu_alias a;		/* the view gfns it lies in */
	struct secmmu_vm *vm;
	const struct secmmu_layout *l;	/* NULL: one view (secmmu_walk_view()) */
	u64 start;			/* memslot gfns */
	u64 end;
	bool valid;
};

struct secmmu_walk *secmmu_walk_start(struct secmmu_walk *w, struct secmmu_vm *vm,
				      const struct secmmu_layout *l, u64 start,
				      u64 end, int min_level, bool leaves_only);
/* The same over view gfns [start, end) of @view alone. */
struct secmmu_walk *secmmu_walk_view(struct secmmu_walk *w, struct secmmu_vm *vm,
				     u32 view, u64 start, u64 end, int min_level);
void secmmu_walk_next(struct secmmu_walk *w);

/* Every view's entries over memslot gfns [start, end), down to @min_level. */
#define for_each_alias_spte(w, vm, l, start, end, min_level)		\
	for (struct secmmu_walk *__w =					\
		secmmu_walk_start(&(w), vm, l, start, end, min_level, false); \
	     __w->valid; secmmu_walk_next(__w))

/* Only their leaves: level 1, present or not, and huge ones. */
#define for_each_alias_leaf(w, vm, l, start, end)			\
	for (struct secmmu_walk *__w =					\
		secmmu_walk_start(&(w), vm, l, start, end, 1, true);	\
	     __w->valid; secmmu_walk_next(__w))

/* Memslot gfns [start, end) of @slot; pages @idx.. of the host range. */
struct secmmu_gfn_range {
	const struct secmmu_slot *slot;
	u64 start;
	u64 end;
	u64 idx;
};

typedef bool (*secmmu_gfn_range_fn)(struct secmmu_vm *vm,
				    const struct secmmu_layout *l,
				    const struct secmmu_gfn_range *r, void *data);

/* Inlined into each caller, so that @fn is a direct call (the aging hooks). */
static __always_inline bool
secmmu_handle_hva_range(struct secmmu_vm *vm, const struct secmmu_layout *l,
			unsigned long start, unsigned long end,
			secmmu_gfn_range_fn fn, void *data)
{
	struct secmmu_hva_piece p;
	bool ret = false;

	for_each_hva_piece(p, l, start, end) {
		struct secmmu_gfn_range r = {
			.slot = p.slot,
			.start = p.slot->base_gfn + p.first,
			.end = p.slot->base_gfn + p.first + p.n,
			.idx = (p.hva - start) >> PAGE_SHIFT,
		};

		ret |= fn(vm, l, &r, data);
	}
	return ret;
}

/*
 * Table-walk aging (TABLE_WALK mode: no rmap), walk.c.  Both walk under
 * RCU alone: table pages are freed through RCU and leaves are changed only
 * by cmpxchg (age_leaf(), below).  A page is young if any of its leaves,
 * in any view, is.
 *
 * secmmu_age_gfn_leaves(): one memslot gfn, every view's leaf over it (a
 * huge one included), what for_each_alias_leaf() visits over one gfn, by
 * a direct descent of each aliasing view's table: what the notifier hooks
 * ask for one page.  Young or not; A-bit clears that lost a race are
 * added to *@lost.
 *
 * secmmu_age_tables(): a run of pages (SECMMU_AGE's chunks, a hook's
 * batch), down to the tables of leaves and then a plain loop over each,
 * a huge leaf once per block: what it needs and finds in @aw.
 */
bool secmmu_age_gfn_leaves(struct secmmu_vm *vm, const struct secmmu_layout *l,
			   u64 gfn, bool clear, u64 *lost);

struct secmmu_age_walk {
	bool clear;		/* clear the A bits */
	u64 young_blk;		/* a huge block known young (U64_MAX: none) */
	unsigned long *young;	/* out: young pages, bit i: page first + i */
	bool last_young;	/* out: the run's last huge block is young */
	u64 lost;		/* out: A-bit clears that lost a race */
};

/* Pages [first, first + n) of @slot; returns the bits it set in @aw->young. */
u64 secmmu_age_tables(struct secmmu_vm *vm, const struct secmmu_layout *l,
		      const struct secmmu_slot *slot, u64 first, u64 n,
		      struct secmmu_age_walk *aw);

/*
 * Test hook: aging read young leaf @spte at @sptep and is about to clear
 * its A bit, asked only while a test has set secmmu_age_leaf_stubbed (its
 * tests call the hooks preemptible, so inside rcu_read_lock(), aging.c:
 * hook_rcu_lock(): KUnit's stub lookup takes a spinlock_t and the stub may
 * zap).  Nothing at all without the KUnit suites.
 */
#if IS_ENABLED(CONFIG_SECMMU_KUNIT_TEST)
extern bool secmmu_age_leaf_stubbed;
void secmmu_age_leaf_read(u64 *sptep, u64 spte);

static inline bool secmmu_age_leaf_hooked(void)
{
	return READ_ONCE(secmmu_age_leaf_stubbed);
}
#else
static inline void secmmu_age_leaf_read(u64 *sptep, u64 spte)
{
}

static inline bool secmmu_age_leaf_hooked(void)
{
	return false;
}
#endif

/*
 * Clear (or test) one leaf's A bit without a lock: the cmpxchg acts only
 * if the leaf is unchanged since it was read.  Returns young; a lost race
 * counts as young (a vCPU is setting A/D, or a zap is under way).  The
 * test hook sits in that window (aging_test.c changes the leaf there).
 */
static __always_inline bool age_leaf(u64 *sptep, u64 spte, bool clear,
				     u64 *lost)
{
	/* One test for both bits: this is every walker's inner loop. */
	if ((spte & (SPTE_PRESENT | SPTE_ACCESSED)) != (SPTE_PRESENT | SPTE_ACCESSED))
		return false;
	if (!clear)
		return true;
	secmmu_age_leaf_read(sptep, spte);
	if (!secmmu_age_try_cmpxchg(sptep, &spte, spte & ~SPTE_ACCESSED))
		(*lost)++;
	return true;
}

#endif /* _SECMMU_WALK_H */
