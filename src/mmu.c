// SPDX-License-Identifier: GPL-2.0
/*
 * Leaf SPTE install and zap.  Locking is in vm.h, walking rules in
 * pgtable.h.
 *
 * Dirty propagation: secmmu holds no page reference while a leaf is
 * present; the primary MMU's invalidation zaps the leaf before the page can
 * be written back or freed.  So a leaf's D bit is moved to the folio when the
 * leaf is zapped, i.e. before invalidate_range_start() returns, while the
 * primary still maps the page (which keeps truncation away, as
 * folio_mark_dirty() requires).  Test before set: most zapped folios are
 * dirty already.  Folios are not marked accessed on zap: aging asks us.
 */
#include <linux/mm.h>
#include <linux/page-flags.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/spinlock.h>

#include "huge.h"
#include "inject.h"
#include "mmu.h"
#include "pgtable.h"
#include "rmap.h"
#include "spte.h"
#include "testhook.h"
#include "vm.h"
#include "walk.h"

static __always_inline void propagate_dirty(struct secmmu_vm *vm, u64 spte)
{
	struct folio *folio = page_folio(pfn_to_page(spte_pfn(spte)));

	if (!folio_test_dirty(folio)) {
		/*
		 * An anonymous folio outside the swap cache has no mapping
		 * to tell: folio_mark_dirty() would only set the flag (two
		 * calls a leaf on a zap's path); KVM sets it so for every
		 * page.  Any other goes through its mapping's dirty_folio().
		 */
		if (folio_test_anon(folio) && !folio_test_swapcache(folio))
			folio_set_dirty(folio);
		else
			folio_mark_dirty(folio);
		secmmu_stat_inc(vm, SECMMU_STAT_DIRTY_PROPAGATED);
	}
}

/*
 * The rmap head of the leaf at @level for gfn @gfn of @view: the head of
 * the memslot gfn it maps, or for a huge leaf its block's head (huge.h).
 * NULL for a leaf that no memslot backs (only unit tests make those).
 */
static unsigned long *leaf_head(const struct secmmu_vm *vm,
				const struct secmmu_layout *l, u32 view, u64 gfn,
				int level)
{
	const struct secmmu_slot *slot;
	u64 target;

	if (!l || vm->rmap_mode == SECMMU_RMAP_TABLE_WALK ||
	    !secmmu_view_translate(l, view, gfn, &target))
		return NULL;
	if (level == 1)
		return secmmu_rmap_head(l, target);
	slot = secmmu_slot_find(l, target);
	return slot ? secmmu_slot_hhead(slot, target - slot->base_gfn) : NULL;
}

/*
 * A leaf change that must not happen (secmmu_leaf_changed()): WARN.  A
 * KUnit case counts it here instead.
 */
void secmmu_leaf_bad_change(struct secmmu_vm *vm, u64 old, u64 new)
{
	SECMMU_TEST_HOOK(secmmu_leaf_bad_change, vm, old, new);
	WARN_ONCE(1, "secmmu: leaf %#llx became %#llx without a zap\n", old, new);
}

/*
 * The one point every leaf change made under mmu_lock goes through (KVM's
 * handle_changed_spte()): *@sptep went from @old to @new, and the counters,
 * the rmap head @head (NULL: none to keep, e.g. a zap that empties the
 * heads wholesale) and the folio's dirty bit follow.  An install adds to
 * @head from @sp.  The changes allowed: empty -> present (install),
 * present -> empty (zap), present -> present for the same pfn and size
 * (permissions, KEPT).  A present leaf turned into one for another page
 * without a zap would leave the old page mapped for the rmap and lose its
 * D bit.  The vCPUs' and aging's lockless A/D (and dirty fast path W)
 * updates change none of that and do not come here.
 */
static __always_inline void leaf_changed(struct secmmu_vm *vm, u64 *sptep,
					 unsigned long *head,
					 struct secmmu_rmap_spares *sp,
					 u64 old, u64 new)
{
	bool huge = spte_huge(old | new);

	if (spte_present(old) && spte_present(new)) {
		if (spte_pfn(old) != spte_pfn(new) || spte_huge(old) != spte_huge(new))
			secmmu_leaf_bad_change(vm, old, new);
		else if (spte_writable(old) && !spte_writable(new))
			secmmu_stat_inc(vm, SECMMU_STAT_DIRTY_REPROTECTED);
	} else if (spte_present(old)) {
		if (head)
			secmmu_rmap_remove(vm, head, sptep);
		if (spte_dirty(old))
			propagate_dirty(vm, old);
		if (huge) {
			secmmu_stat_inc(vm, SECMMU_STAT_HUGE_ZAPPED);
			secmmu_stat_dec(vm, SECMMU_STAT_HUGE_MAPPED);
		}
		secmmu_stat_inc(vm, SECMMU_STAT_SPTES_ZAPPED);
		secmmu_stat_dec(vm, SECMMU_STAT_MAPPED);
	} else if (spte_present(new)) {
		if (head && !huge)
			secmmu_huge_small_added(vm, head);
		if (head)
			secmmu_rmap_add(vm, head, sptep, sp);
		if (huge) {
			secmmu_stat_inc(vm, SECMMU_STAT_HUGE_INSTALLED);
			secmmu_stat_inc(vm, SECMMU_STAT_HUGE_MAPPED);
		}
		secmmu_stat_inc(vm, SECMMU_STAT_SPTES_INSTALLED);
		secmmu_stat_inc(vm, SECMMU_STAT_MAPPED);
	}
}

void secmmu_leaf_changed(struct secmmu_vm *vm, u64 *sptep, unsigned long *head,
			 struct secmmu_rmap_spares *sp, u64 old, u64 new)
{
	leaf_changed(vm, sptep, head, sp, old, new);
}

/* A zap's leaf_changed(), inlined: @new is 0, so only its zap case. */
static __always_inline bool zap_leaf(struct secmmu_vm *vm, u64 *sptep,
				     unsigned long *head)
{
	u64 old = xchg(sptep, 0);

	leaf_changed(vm, sptep, head, NULL, old, 0);
	return spte_present(old);
}

/*
 * One zap's state.  With SECMMU_ZAP_YIELD the caller may sleep and holds
 * nothing but mmu_lock (for write): every ZAP_CHECK leaves the zap drops
 * the lock to reschedule or to let a waiter in (as KVM's TDP MMU yields),
 * so a zap of millions of leaves neither stalls the CPU nor starves vCPUs.
 * It is safe because nothing a zap walks can go away meanwhile: the layout
 * @l is alive (the caller holds vm->srcu or slots_lock), and the tables
 * are walked again from the root.  What an invalidation must find stays
 * findable across the break: no leaf sits in an unlinked table then
 * (free_unlinked()), and a layout change's leaves stay reachable through
 * vm->retiring (vm.h).
 */
#define ZAP_CHECK	64
#define ZAP_RT_BREAK	4096	/* PREEMPT_RT: leaves between lock breaks */

struct zap {
	struct secmmu_vm *vm;
	const struct secmmu_layout *l;
	u32 view;
	unsigned int flags;
	bool rmap;		/* remove each leaf from its rmap head */
	bool flush;
	unsigned int work;	/* leaves zapped since the last check */
	u64 zapped;		/* leaves zapped in all */
};

/* A check that would not yield: a test may force it to (true). */
bool secmmu_zap_yield_forced(struct secmmu_vm *vm)
{
	SECMMU_TEST_HOOK(secmmu_zap_yield_forced, vm);
	return false;
}

/* mmu_lock dropped at a yield: where tests run a racing invalidation. */
void secmmu_zap_yielded(struct secmmu_vm *vm)
{
	SECMMU_TEST_HOOK(secmmu_zap_yielded, vm);
}

/* True when the lock was dropped (the caller re-walks from the root). */
static __always_inline bool zap_cond_resched(struct zap *z)
{
	struct secmmu_vm *vm = z->vm;

	if (!(z->flags & SECMMU_ZAP_YIELD))
		return false;
	if (secmmu_inject_zap_yield(z->work))	/* fault injection: inject.h */
		goto yield;
	if (z->work < ZAP_CHECK)
		return false;
	if (IS_ENABLED(CONFIG_PREEMPT_RT)) {
		/*
		 * mmu_lock sleeps on RT: the zapper is preempted instead of
		 * asked to reschedule, and rwlock_needbreak() cannot see
		 * waiters.  Let the lock go every ZAP_RT_BREAK leaves, so
		 * that vCPUs blocked on it get in.
		 */
		if (z->work < ZAP_RT_BREAK && !secmmu_zap_yield_forced(vm))
			return false;
	} else if (!need_resched() && !rwlock_needbreak(&vm->mmu_lock) &&
		   !secmmu_zap_yield_forced(vm)) {
		z->work = 0;
		return false;
	}
yield:
	z->work = 0;
	write_unlock(&vm->mmu_lock);
	secmmu_zap_yielded(vm);
	cond_resched();
	write_lock(&vm->mmu_lock);
	secmmu_stat_inc(vm, SECMMU_STAT_ZAP_YIELDS);
	return true;
}

/*
 * After visiting @it's entry: let mmu_lock go if it is time to
 * (zap_cond_resched()); the walk then goes on from the root (pgtable.h).
 */
static __always_inline void secmmu_iter_cond_resched(struct zap *z,
						     struct secmmu_iter *it)
{
	it->yielded = zap_cond_resched(z);
}

/*
 * Zap the leaf at @level for @gfn.  A huge leaf always leaves its block's
 * head: secmmu_zap_gfn_range() empties 4 KiB heads wholesale, never those.
 */
static __always_inline void zap_one(struct zap *z, u64 *sptep, u64 gfn, int level)
{
	bool rmap = z->rmap || level > 1;

	z->work++;
	z->zapped++;
	z->flush |= zap_leaf(z->vm, sptep,
			     rmap ? leaf_head(z->vm, z->l, z->view, gfn, level) : NULL);
}

/*
 * Zap and free a table already unlinked from its parent.  Lockless walkers
 * may still be inside it, hence xchg on the leaves and RCU for the pages.
 * Never yields: no invalidation walking from a root can find a leaf in
 * it, so one left there while mmu_lock is let go would outlive the page it
 * maps.  zap_range() hands it empty tables (but for leaves a racing fault
 * put back), at most one level above the leaves' own.  Recursion depth is
 * at most SECMMU_PT_LEVELS - 1.
 */
static void free_unlinked(struct zap *z, u64 __rcu *table, int level, u64 gfn)
{
	int i;

	for (i = 0; i < SECMMU_PT_ENTRIES; i++) {
		u64 spte = READ_ONCE(*secmmu_pt_entry(table, i));
		u64 g = gfn + i * secmmu_level_pages(level);

		if (!spte_present(spte))
			continue;
		if (spte_is_table(spte) && level > 1)
			free_unlinked(z, secmmu_pt_child(spte), level - 1, g);
		else
			zap_one(z, secmmu_pt_entry(table, i), g, level);
	}
	secmmu_pt_free_rcu(z->vm, table);
	z->work++;
}

/*
 * One walk down to @w's min_level.  At 1 it zaps the leaves in place;
 * above, it unlinks and frees the tables covered that entries at that
 * level point to.  It yields only between entries, where every present
 * leaf is linked under the root.
 */
static void zap_walk(struct zap *z, struct secmmu_walk *w)
{
	struct secmmu_iter *it = &w->it;

	lockdep_assert_held_write(&z->vm->mmu_lock);

	for (; w->valid; secmmu_walk_next(w)) {
		z->view = w->a.view;
		/* A table of leaves in one loop: secmmu_iter_next_leaf(). */
		do {
			if (!spte_present(it->old_spte))
				continue;
			if (it->level == 1 || spte_huge(it->old_spte)) {
				if (!secmmu_iter_covered(it))
					secmmu_stat_inc(z->vm, SECMMU_STAT_HUGE_ZAPPED_PARTIAL);
				zap_one(z, it->sptep, it->gfn, it->level);
			} else if (it->level == it->min_level && secmmu_iter_covered(it)) {
				WRITE_ONCE(*it->sptep, 0);
				free_unlinked(z, secmmu_pt_child(it->old_spte),
					      it->level - 1, it->gfn);
			} else {
				continue;	/* descend, or not covered */
			}
			secmmu_iter_cond_resched(z, it);
		} while (secmmu_iter_next_leaf(it));
	}
}

/*
 * Zap the leaves over view gfns [start, end) of z->view, or (@aliases)
 * over memslot gfns [start, end) in every view, yielding as it goes, with
 * every table still linked; then, with SECMMU_ZAP_FREE_TABLES, free the
 * tables covered, lowest level first: each one freed then holds no leaf
 * (but those faults put back meanwhile, a READONLY change's), and the lock
 * is let go only between tables.  KVM's TDP MMU, too, never yields holding
 * a removed subtree.
 */
static void zap_range(struct zap *z, bool aliases, u64 start, u64 end)
{
	int level = 1;
	struct secmmu_walk w;

	do {
		if (aliases)
			secmmu_walk_start(&w, z->vm, z->l, start, end, level, false);
		else
			secmmu_walk_view(&w, z->vm, z->view, start, end, level);
		zap_walk(z, &w);
	} while ((z->flags & SECMMU_ZAP_FREE_TABLES) && ++level <= SECMMU_PT_LEVELS);
}

/*
 * Zap the leaves of @view over view gfns [start, end).  With
 * SECMMU_ZAP_FREE_TABLES, tables whose whole span lies inside the range are
 * unlinked and freed too.  @l must be the layout the leaves were installed
 * under.
 */
bool secmmu_zap_view_range(struct secmmu_vm *vm, const struct secmmu_layout *l,
			   u32 view, u64 start, u64 end, unsigned int flags)
{
	struct zap z = { .vm = vm, .l = l, .view = view, .flags = flags,
			 .rmap = vm->rmap_mode != SECMMU_RMAP_TABLE_WALK };

	zap_range(&z, false, start, end);
	return z.flush;
}

/* Empty the rmap heads of memslot gfns [start, end): none maps a leaf now. */
static void clear_heads(struct secmmu_vm *vm, const struct secmmu_layout *l,
			u64 start, u64 end)
{
	while (start < end) {
		const struct secmmu_slot *slot = secmmu_slot_find(l, start);
		u64 n;

		if (!slot) {
			start++;
			continue;
		}
		n = min(end, slot->base_gfn + slot->npages) - start;
		if (slot->rmap) {
			secmmu_rmap_clear(vm, &slot->rmap[start - slot->base_gfn], n);
			secmmu_huge_small_cleared(slot, start - slot->base_gfn, n);
		}
		start += n;
	}
}

#define ZAP_CHUNK	64	/* memslot gfns per rmap pass (x up to 449 aliases) */

/*
 * The chunk of memslot gfns from @c that secmmu_zap_gfn_range() zaps
 * without a yield: ZAP_CHUNK-aligned, or where only huge leaves may map
 * (huge.h: a block's bit clear, so every 4 KiB head of it is empty and
 * no 4 KiB leaf maps it, mmu_lock held for write) the rest of the block
 * and of up to ZAP_CHUNK - 1 such blocks after it, with @*heads false:
 * there is no head to empty.  A block has at most one huge leaf per
 * aliasing view range, as a gfn has one leaf per view, so such a chunk
 * does no more work than a chunk of ZAP_CHUNK gfns; it is one walk from
 * the root over up to 128 MiB of huge leaves, not eight walks per leaf.
 */
static u64 zap_chunk_end(const struct secmmu_layout *l, u64 c, u64 end,
			 bool *heads)
{
	const struct secmmu_slot *slot = secmmu_slot_find(l, c);

	*heads = true;
	if (slot && slot->hrmap) {
		u64 idx = c - slot->base_gfn, first = slot->hva >> PAGE_SHIFT;
		u64 last = min(end, slot->base_gfn + slot->npages) - slot->base_gfn;
		u64 blk = secmmu_slot_block(slot, idx);
		unsigned int n;

		for (n = 0; n < ZAP_CHUNK && idx < last &&
		     !test_bit(blk, secmmu_slot_small(slot)); n++, blk++)
			idx = ((first + idx) | (SECMMU_HUGE_PAGES - 1)) + 1 - first;
		if (n) {
			*heads = false;
			return slot->base_gfn + min(idx, last);
		}
	}
	return min(round_down(c, ZAP_CHUNK) + ZAP_CHUNK, end);
}

/*
 * Zap memslot gfns [start, end) in every view that maps them.  Every leaf
 * of those gfns goes, so their rmap heads are emptied wholesale, one chunk
 * at a time, instead of one leaf at a time (a gfn can have hundreds of
 * aliases: removing each from its chain would be quadratic).  Tables are
 * freed in a last pass, by then over leaves that are all gone.  With no
 * rmap (TABLE_WALK) there is no head to empty: one walk, yielding as it
 * goes, as a view's zap does.
 */
bool secmmu_zap_gfn_range(struct secmmu_vm *vm, const struct secmmu_layout *l,
			  u64 start, u64 end, unsigned int flags)
{
	struct zap z = { .vm = vm, .l = l, .flags = flags & SECMMU_ZAP_YIELD };
	u64 c, hi, zapped;
	bool heads;

	if (vm->rmap_mode == SECMMU_RMAP_TABLE_WALK) {
		z.flags = flags;
		zap_range(&z, true, start, end);
		return z.flush;
	}
	for (c = start; c < end; c = hi) {
		hi = zap_chunk_end(l, c, end, &heads);
		/* No yield inside a chunk: its heads are emptied just after. */
		z.flags = 0;
		zapped = z.zapped;
		zap_range(&z, true, c, hi);
		/*
		 * A head lists present leaves only: a chunk with none has only
		 * empty heads (whole-process invalidations, clear_refs say,
		 * cross large unmapped memslots).
		 */
		if (heads && z.zapped != zapped)
			clear_heads(vm, l, c, hi);
		z.flags = flags & SECMMU_ZAP_YIELD;
		zap_cond_resched(&z);
	}
	if (flags & SECMMU_ZAP_FREE_TABLES) {
		z.flags = flags;
		z.rmap = true;		/* nothing left: it finds no leaf */
		zap_range(&z, true, start, end);
	}
	return z.flush;
}

/*
 * Zap the huge leaves over memslot gfns [start, end), in every view; 4 KiB
 * leaves stay (dirty logging, when it starts: huge.h).
 */
bool secmmu_zap_huge(struct secmmu_vm *vm, const struct secmmu_layout *l,
		     u64 start, u64 end)
{
	struct zap z = { .vm = vm, .l = l };
	struct secmmu_walk w;

	lockdep_assert_held_write(&vm->mmu_lock);
	for_each_alias_spte(w, vm, l, start, end, 2) {
		if (w.it.level == 2 && spte_huge(w.it.old_spte)) {
			z.view = w.a.view;
			zap_one(&z, w.it.sptep, w.it.gfn, w.it.level);
		}
	}
	return z.flush;
}

/*
 * Mark every view's present leaves over memslot gfns [r->start, r->end)
 * KEPT, yielding as a zap does.
 */
static bool mark_kept(struct secmmu_vm *vm, const struct secmmu_layout *l,
		      const struct secmmu_gfn_range *r, void *data)
{
	struct zap *z = data;
	struct secmmu_walk w;

	for_each_alias_leaf(w, vm, l, r->start, r->end) {
		u64 old = w.it.old_spte;

		if (spte_present(old)) {
			while (spte_present(old) && !(old & SPTE_KEPT)) {
				if (secmmu_spte_try_cmpxchg(w.it.sptep, &old, old | SPTE_KEPT)) {
					secmmu_leaf_changed(vm, w.it.sptep, NULL, NULL,
							    old, old | SPTE_KEPT);
					break;
				}
			}
			z->work++;
		}
		secmmu_iter_cond_resched(z, &w.it);
	}
	return false;
}

/*
 * Mark the present leaves mapping host addresses [start, end) KEPT (spte.h):
 * a protection invalidation kept them.  mmu_lock held for write, so only
 * vCPUs and aging change leaves meanwhile, by cmpxchg; so does this.  With
 * SECMMU_ZAP_YIELD (@flags) the walk lets mmu_lock go as a zap does, under
 * the same rules (the caller holds vm->srcu; faults in the range wait for
 * the invalidation's end); ZAP_YIELDS counts its breaks too.
 */
void secmmu_mark_kept_hva_range(struct secmmu_vm *vm, const struct secmmu_layout *l,
				unsigned long start, unsigned long end,
				unsigned int flags)
{
	struct zap z = { .vm = vm, .l = l, .flags = flags & SECMMU_ZAP_YIELD };

	lockdep_assert_held_write(&vm->mmu_lock);
	secmmu_handle_hva_range(vm, l, start, end, mark_kept, &z);
}

static bool zap_gfns(struct secmmu_vm *vm, const struct secmmu_layout *l,
		     const struct secmmu_gfn_range *r, void *flags)
{
	return secmmu_zap_gfn_range(vm, l, r->start, r->end, *(unsigned int *)flags);
}

/* Zap whatever maps host virtual addresses [start, end). */
bool secmmu_zap_hva_range(struct secmmu_vm *vm, const struct secmmu_layout *l,
			  unsigned long start, unsigned long end, unsigned int flags)
{
	flags &= ~SECMMU_ZAP_FREE_TABLES;
	return secmmu_handle_hva_range(vm, l, start, end, zap_gfns, &flags);
}

/*
 * Everything, every view: each memslot's gfns (heads emptied wholesale),
 * then whatever is left (leaves no memslot backs: only unit tests make
 * them); only the roots stay (a VM being built may lack some).
 */
bool secmmu_zap_all(struct secmmu_vm *vm, unsigned int flags)
{
	const struct secmmu_layout *l = secmmu_layout_locked(vm);
	bool flush = false;
	u32 v, i;

	for (i = 0; i < SECMMU_MAX_MEMSLOTS; i++) {
		const struct secmmu_slot *s = &l->slots[i];

		if (s->npages)
			flush |= secmmu_zap_gfn_range(vm, l, s->base_gfn,
						      s->base_gfn + s->npages,
						      flags & SECMMU_ZAP_YIELD);
	}
	for (v = 0; v < SECMMU_MAX_VIEWS; v++)
		if (vm->roots[v])
			flush |= secmmu_zap_view_range(vm, l, v, 0, U64_MAX,
						       flags | SECMMU_ZAP_FREE_TABLES);
	return flush;
}

/*
 * Link a table for @it's entry unless another fault got there first.  The
 * page comes zeroed from @cache; a loser gives it back, still zeroed (no
 * one saw it).  Release: the zeroed page before the link, for walkers.
 * Only fault injection fails the cmpxchg and leaves the entry empty (no
 * one removes a table meanwhile): then it is tried again.
 */
static int link_table(struct secmmu_vm *vm, struct secmmu_iter *it,
		      struct secmmu_pt_cache *cache)
{
	u64 *table = secmmu_pt_cache_take(cache);
	u64 old = 0;

	if (!table)
		return -ENOMEM;
	while (!secmmu_spte_try_cmpxchg_release(it->sptep, &old,
						spte_make_table(__pa(table)))) {
		if (old) {
			secmmu_pt_cache_give(cache, table);
			secmmu_stat_inc(vm, SECMMU_STAT_FAULT_INSTALL_RACES);
			break;
		}
	}
	return 0;		/* the iterator descends into whichever won */
}

/*
 * Unlink the table of 4 KiB leaves at @sptep (gfn @gfn) and zap them, for
 * a huge leaf to take its place; mmu_lock held for write.  True if a flush
 * is owed.
 */
static bool promote(struct secmmu_vm *vm, const struct secmmu_map *m,
		    u64 *sptep, u64 gfn)
{
	struct zap z = { .vm = vm, .l = m->l, .view = m->view,
			 .rmap = vm->rmap_mode != SECMMU_RMAP_TABLE_WALK };
	u64 old = READ_ONCE(*sptep);

	WRITE_ONCE(*sptep, 0);
	free_unlinked(&z, secmmu_pt_child(old), 1, gfn);
	secmmu_stat_inc(vm, SECMMU_STAT_HUGE_PROMOTED);
	return z.flush;
}

/*
 * Map @m->gfn of @m->view to @m->pfn with a leaf at @m->level (1, or 2 for
 * a huge leaf: gfn and pfn are then those of the block's first page) and
 * add the leaf to @m->head, its rmap head (NULL only in unit tests and in
 * table-walk mode).
 *
 * mmu_lock is held for read (@shared: other faults install meanwhile, by
 * pgtable.h's rules, and only the winner of a leaf adds it to the rmap) or
 * for write.
 *
 * A present leaf for the same pfn keeps its A/D bits and gains write
 * permission if asked.  A leaf for another pfn, or a huge leaf where a
 * 4 KiB one is wanted, cannot exist while the fault protocol holds (every
 * change of the primary mapping or of the layout zaps first); should one
 * appear, @shared returns -EBUSY (the caller retries under the write lock)
 * and otherwise it is zapped and 1 is returned: the caller owes a remote
 * flush.  A huge one leaves the head of its own block, found through
 * @m->l (the layout it was installed under): the faulting gfn may map
 * another block, or no memslot.  A huge leaf wanted where a table of
 * 4 KiB leaves is linked (the block was mapped before the primary collapsed
 * it into a THP, or while it logged dirty pages) is the same: -EBUSY, then
 * under the write lock the table goes, with its leaves, as KVM's TDP MMU
 * replaces a table by a huge leaf.
 */
int secmmu_mmu_map(struct secmmu_vm *vm, const struct secmmu_map *m,
		   struct secmmu_pt_cache *cache, bool shared)
{
	u64 new = m->level > 1 ? spte_make_huge(m->pfn, m->writable) :
				 spte_make_leaf(m->pfn, m->writable);
	struct secmmu_iter it;
	int ret = 0;

	if (shared)
		lockdep_assert_held_read(&vm->mmu_lock);
	else
		lockdep_assert_held_write(&vm->mmu_lock);

	for_each_secmmu_spte(it, vm->roots[m->view], m->level, m->gfn, m->gfn + 1) {
		u64 old, up;

		if (it.level > m->level) {
			if (spte_huge(it.old_spte)) {	/* in the way */
				if (shared)
					return -EBUSY;
				/* From its own block's head, not @m's. */
				ret = zap_leaf(vm, it.sptep,
					       leaf_head(vm, m->l, m->view, it.gfn,
							 it.level));
			}
			if (!spte_is_table(READ_ONCE(*it.sptep))) {
				int err = link_table(vm, &it, cache);

				if (err)
					return err;
			}
			continue;
		}

		old = READ_ONCE(*it.sptep);
		if (m->level > 1 && spte_is_table(old)) {
			if (shared)
				return -EBUSY;
			ret = promote(vm, m, it.sptep, it.gfn);
			old = 0;
		}
		for (;;) {
			if (!spte_present(old)) {
				if (secmmu_spte_try_cmpxchg(it.sptep, &old, new))
					break;
				secmmu_stat_inc(vm, SECMMU_STAT_FAULT_INSTALL_RACES);
				if (m->level > 1 && spte_is_table(old))
					return -EBUSY;
				continue;
			}
			if (spte_pfn(old) != m->pfn)
				break;
			up = new | (old & (SPTE_ACCESSED | SPTE_DIRTY | SPTE_WRITABLE));
			if (secmmu_spte_try_cmpxchg(it.sptep, &old, up)) {
				secmmu_leaf_changed(vm, it.sptep, NULL, NULL, old, up);
				return 0;
			}
		}

		if (spte_present(old)) {	/* another pfn */
			if (shared)
				return -EBUSY;
			ret = zap_leaf(vm, it.sptep, m->head);
			WRITE_ONCE(*it.sptep, new);
		}
		secmmu_leaf_changed(vm, it.sptep, m->head, &cache->rmap, 0, new);
	}
	return ret;
}

/*
 * Read the leaf of @gfn in @view without locks.  *@level is the level of the
 * last entry the walk reached (1: the leaf, 2 with a huge leaf: see
 * spte_pfn_of()).  Returns the leaf or 0.
 */
u64 secmmu_spte_lookup(struct secmmu_vm *vm, u32 view, u64 gfn, int *level)
{
	struct secmmu_iter it;
	u64 spte = 0;

	*level = SECMMU_PT_LEVELS;
	rcu_read_lock();
	for_each_secmmu_spte(it, vm->roots[view], 1, gfn, gfn + 1) {
		*level = it.level;
		if (it.level == 1 || spte_huge(it.old_spte))
			spte = it.old_spte;
	}
	rcu_read_unlock();
	return spte;
}
