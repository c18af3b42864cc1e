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

#include "mmu.h"
#include "pgtable.h"
#include "rmap.h"
#include "spte.h"
#include "vm.h"

static void propagate_dirty(struct secmmu_vm *vm, u64 spte)
{
	struct folio *folio = page_folio(pfn_to_page(spte_pfn(spte)));

	if (!folio_test_dirty(folio)) {
		folio_mark_dirty(folio);
		secmmu_stat_inc(vm, SECMMU_STAT_DIRTY_PROPAGATED);
	}
}

/*
 * The rmap head of the memslot gfn that leaf @gfn of @view maps, NULL for
 * a leaf that no memslot backs (only unit tests make those).
 */
static unsigned long *leaf_head(const struct secmmu_vm *vm,
				const struct secmmu_layout *l, u32 view, u64 gfn)
{
	u64 target;

	if (!l || vm->rmap_mode == SECMMU_RMAP_TABLE_WALK ||
	    !secmmu_view_translate(l, view, gfn, &target))
		return NULL;
	return secmmu_rmap_head(l, target);
}

static bool zap_leaf(struct secmmu_vm *vm, u64 *sptep, unsigned long *head)
{
	u64 old = xchg(sptep, 0);

	if (!spte_present(old))
		return false;
	if (head)
		secmmu_rmap_remove(vm, head, sptep);
	if (spte_dirty(old))
		propagate_dirty(vm, old);
	secmmu_stat_inc(vm, SECMMU_STAT_SPTES_ZAPPED);
	secmmu_stat_dec(vm, SECMMU_STAT_MAPPED);
	return true;
}

/*
 * Zap and free a table already unlinked from its parent.  Lockless walkers
 * may still be inside it, hence xchg on the leaves and RCU for the pages.
 * Recursion depth is at most SECMMU_PT_LEVELS - 1.
 */
static bool free_unlinked(struct secmmu_vm *vm, const struct secmmu_layout *l,
			  u32 view, u64 *table, int level, u64 gfn)
{
	bool flush = false;
	int i;

	for (i = 0; i < SECMMU_PT_ENTRIES; i++) {
		u64 spte = READ_ONCE(table[i]);
		u64 g = gfn + i * secmmu_level_pages(level);

		if (!spte_present(spte))
			continue;
		if (level > 1)
			flush |= free_unlinked(vm, l, view, secmmu_pt_child(spte),
					       level - 1, g);
		else
			flush |= zap_leaf(vm, &table[i], leaf_head(vm, l, view, g));
	}
	secmmu_pt_free_rcu(vm, table);
	return flush;
}

/*
 * Zap the leaves of @view over view gfns [start, end).  With @free_tables,
 * tables whose whole span lies inside the range are unlinked and freed too.
 * @l must be the layout the leaves were installed under (the current one).
 */
bool secmmu_zap_view_range(struct secmmu_vm *vm, const struct secmmu_layout *l,
			   u32 view, u64 start, u64 end, bool free_tables)
{
	struct secmmu_iter it;
	bool flush = false;

	lockdep_assert_held_write(&vm->mmu_lock);

	for_each_secmmu_spte(it, vm->roots[view], 1, start, end) {
		if (!spte_present(it.old_spte))
			continue;
		if (it.level == 1) {
			flush |= zap_leaf(vm, it.sptep, leaf_head(vm, l, view, it.gfn));
		} else if (free_tables && secmmu_iter_covered(&it)) {
			WRITE_ONCE(*it.sptep, 0);
			flush |= free_unlinked(vm, l, view, secmmu_pt_child(it.old_spte),
					       it.level - 1, it.gfn);
		}
	}
	return flush;
}

/* Zap memslot gfns [start, end) in every view that maps them. */
bool secmmu_zap_gfn_range(struct secmmu_vm *vm, const struct secmmu_layout *l,
			  u64 start, u64 end, bool free_tables)
{
	struct secmmu_alias a;
	bool flush = false;

	for_each_view_alias(a, l, start, end)
		flush |= secmmu_zap_view_range(vm, l, a.view, a.view_gfn,
					       a.view_gfn + a.n, free_tables);
	return flush;
}

/* Zap whatever maps host virtual addresses [start, end). */
bool secmmu_zap_hva_range(struct secmmu_vm *vm, const struct secmmu_layout *l,
			  unsigned long start, unsigned long end)
{
	struct secmmu_hva_piece p;
	bool flush = false;

	for_each_hva_piece(p, l, start, end) {
		u64 gfn = p.slot->base_gfn + p.first;

		flush |= secmmu_zap_gfn_range(vm, l, gfn, gfn + p.n, false);
	}
	return flush;
}

/* Everything, every view; only the roots stay (a VM being built may lack some). */
bool secmmu_zap_all(struct secmmu_vm *vm)
{
	bool flush = false;
	u32 v;

	for (v = 0; v < SECMMU_MAX_VIEWS; v++)
		if (vm->roots[v])
			flush |= secmmu_zap_view_range(vm, secmmu_layout_locked(vm),
						       v, 0, U64_MAX, true);
	return flush;
}

/*
 * Map @gfn of @view to @pfn and add the leaf to @head, the rmap head of
 * the memslot gfn it maps (NULL only in unit tests).  A present leaf for the same pfn keeps its A/D
 * bits and gains write permission if asked.  A leaf for another pfn cannot
 * exist while the fault protocol holds (every change of the primary mapping
 * or of the layout zaps first); should one appear it is zapped like any
 * other and 1 is returned: the caller owes a remote flush.
 */
int secmmu_mmu_install(struct secmmu_vm *vm, u32 view, u64 gfn, u64 pfn,
		       bool writable, struct secmmu_pt_cache *cache,
		       unsigned long *head)
{
	u64 new = spte_make_leaf(pfn, writable);
	struct secmmu_iter it;
	int ret = 0;

	lockdep_assert_held_write(&vm->mmu_lock);

	for_each_secmmu_spte(it, vm->roots[view], 1, gfn, gfn + 1) {
		u64 old;

		if (it.level > 1) {
			u64 *table;

			if (spte_present(it.old_spte))
				continue;
			table = secmmu_pt_cache_take(cache);
			if (!table)
				return -ENOMEM;
			/* Zeroed page before link: pairs with READ_ONCE walkers. */
			smp_store_release(it.sptep, spte_make_table(__pa(table)));
			continue;
		}

		old = READ_ONCE(*it.sptep);
		do {
			if (!spte_present(old) || spte_pfn(old) != pfn)
				break;
			new |= old & (SPTE_ACCESSED | SPTE_DIRTY | SPTE_WRITABLE);
		} while (!try_cmpxchg64(it.sptep, &old, new));

		if (spte_present(old) && spte_pfn(old) == pfn)
			return 0;
		ret = zap_leaf(vm, it.sptep, head);
		WRITE_ONCE(*it.sptep, new);
		if (head)
			secmmu_rmap_add(vm, head, it.sptep, &cache->desc);
		secmmu_stat_inc(vm, SECMMU_STAT_SPTES_INSTALLED);
		secmmu_stat_inc(vm, SECMMU_STAT_MAPPED);
	}
	return ret;
}

/*
 * Read the leaf of @gfn in @view without locks.  *@level is the level of the
 * last entry the walk reached (1: the leaf).  Returns the leaf or 0.
 */
u64 secmmu_spte_lookup(struct secmmu_vm *vm, u32 view, u64 gfn, int *level)
{
	struct secmmu_iter it;
	u64 spte = 0;

	*level = SECMMU_PT_LEVELS;
	rcu_read_lock();
	for_each_secmmu_spte(it, vm->roots[view], 1, gfn, gfn + 1) {
		*level = it.level;
		if (it.level == 1)
			spte = it.old_spte;
	}
	rcu_read_unlock();
	return spte;
}
