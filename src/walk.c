// SPDX-License-Identifier: GPL-2.0
/*
 * The alias walk, the host address range walk and the table-walk aging
 * (walk.h).
 */
#include "huge.h"
#include "spte.h"
#include "testhook.h"
#include "walk.h"
#include "vm.h"

#if IS_ENABLED(CONFIG_SECMMU_KUNIT_TEST)
bool secmmu_age_leaf_stubbed;

void secmmu_age_leaf_read(u64 *sptep, u64 spte)
{
	if (secmmu_age_leaf_hooked())
		SECMMU_TEST_HOOK(secmmu_age_leaf_read, sptep, spte);
}
#endif

/* Start the table walk of the next alias that has a root and entries. */
static bool walk_alias(struct secmmu_walk *w, int min_level, bool leaves_only)
{
	while (w->l && secmmu_alias_next(w->l, w->start, w->end, &w->a)) {
		u64 __rcu *root = w->vm->roots[w->a.view];

		if (!root)
			continue;
		secmmu_iter_start(&w->it, root, min_level, w->a.view_gfn,
				  w->a.view_gfn + w->a.n, leaves_only);
		if (w->it.valid)
			return true;
	}
	return false;
}

struct secmmu_walk *secmmu_walk_start(struct secmmu_walk *w, struct secmmu_vm *vm,
				      const struct secmmu_layout *l, u64 start,
				      u64 end, int min_level, bool leaves_only)
{
	w->vm = vm;
	w->l = l;
	w->start = start;
	w->end = end;
	secmmu_alias_start(&w->a);
	w->valid = walk_alias(w, min_level, leaves_only);
	return w;
}

struct secmmu_walk *secmmu_walk_view(struct secmmu_walk *w, struct secmmu_vm *vm,
				     u32 view, u64 start, u64 end, int min_level)
{
	w->vm = vm;
	w->l = NULL;
	w->a = (struct secmmu_alias){ .view = view, .gfn = start,
				      .view_gfn = start, .n = end - start };
	w->valid = vm->roots[view] &&
		   secmmu_iter_start(&w->it, vm->roots[view], min_level, start,
				     end, false)->valid;
	return w;
}

void secmmu_walk_next(struct secmmu_walk *w)
{
	secmmu_iter_next(&w->it);
	if (!w->it.valid)
		w->valid = walk_alias(w, w->it.min_level, w->it.leaves_only);
}

/*
 * The entry over view gfn @g in table @root at level @stop (1: the leaf;
 * 2: a huge leaf or the table of leaves), or the first entry on the way
 * down that is not a table (a huge leaf at level 2, else not present);
 * its value in *@spte.  What the leaf iterator finds for one gfn, without
 * its state: each entry read once with READ_ONCE(), tables alive under
 * RCU (pgtable.h's rules for lockless walkers).
 */
static __always_inline u64 *gfn_entry(u64 __rcu *root, u64 g, int stop,
				      u64 *spte)
{
	u64 __rcu *t = root;
	int level;

	for (level = SECMMU_PT_LEVELS; ; level--) {
		u64 *sptep = secmmu_pt_entry(t, secmmu_level_index(g, level));
		u64 e = READ_ONCE(*sptep);

		if (level == stop || !spte_is_table(e)) {
			*spte = e;
			return sptep;
		}
		/* secmmu_pt_child(), inline: three calls a page otherwise. */
		t = (u64 __rcu *)__va(spte_table_pa(e));
	}
}

bool secmmu_age_gfn_leaves(struct secmmu_vm *vm, const struct secmmu_layout *l,
			   u64 gfn, bool clear, u64 *lost)
{
	struct secmmu_alias a;
	bool young = false;

	for_each_view_alias(a, l, gfn, gfn + 1) {
		u64 __rcu *root = vm->roots[a.view];
		u64 *sptep, spte;

		if (!root)
			continue;
		sptep = gfn_entry(root, a.view_gfn, 1, &spte);
		young |= age_leaf(sptep, spte, clear, lost);
	}
	return young;
}

/*
 * Is huge leaf @sptep (@spte), of block @blk, young?  A block an earlier
 * chunk answered young is not asked again (its leaves' A bits are
 * cleared); @aw->last_young gathers the answer for the last block @last.
 */
static bool age_huge_leaf(u64 *sptep, u64 spte, u64 blk, u64 last,
			  struct secmmu_age_walk *aw, u64 *lost)
{
	bool young;

	if (blk == aw->young_blk)
		return true;
	young = age_leaf(sptep, spte, aw->clear, lost);
	if (blk == last)
		aw->last_young |= young;
	return young;
}

/* OR @m into @young's word at bit @pos (@m fits there); the bits new. */
static __always_inline unsigned int young_word_or(unsigned long *young, u64 pos,
						  unsigned long m)
{
	unsigned long *word = &young[pos / BITS_PER_LONG];
	unsigned long add = m << (pos % BITS_PER_LONG);
	unsigned int n = hweight_long(add & ~*word);

	*word |= add;
	return n;
}

/* Leaves [0, @w) of @run, young ones as a word of bits. */
static __always_inline unsigned long age_run(u64 *run, u64 w, bool clear,
					     u64 *lost)
{
	unsigned long m = 0;
	u64 j;

	for (j = 0; j < w; j++)
		if (age_leaf(&run[j], READ_ONCE(run[j]), clear, lost))
			m |= BIT(j);
	return m;
}

u64 secmmu_age_tables(struct secmmu_vm *vm, const struct secmmu_layout *l,
		      const struct secmmu_slot *slot, u64 first, u64 n,
		      struct secmmu_age_walk *aw)
{
	u64 last = secmmu_slot_block(slot, first + n - 1 - slot->base_gfn);
	unsigned long *young = aw->young;
	u64 lost = 0, nr = 0, n_w;
	bool clear = aw->clear;
	struct secmmu_alias a;

	/*
	 * Each alias's level-2 entries, one descent each (a hook's block is
	 * one), then a plain loop over a table of leaves.
	 */
	for_each_view_alias(a, l, first, first + n) {
		u64 __rcu *root = vm->roots[a.view];
		u64 off = a.gfn - first - a.view_gfn, end = a.view_gfn + a.n;
		u64 g, lo, hi, spte, *sptep;
		u64 __rcu *pt;

		for (lo = a.view_gfn; root && lo < end; lo = hi) {
			u64 base = round_down(lo, SECMMU_PT_ENTRIES);

			hi = min(base + SECMMU_PT_ENTRIES, end);
			sptep = gfn_entry(root, lo, 2, &spte);
			if (!spte_present(spte))
				continue;
			if (spte_huge(spte)) {
				/* Its block: the memslot gfn of its first page. */
				u64 blk = secmmu_slot_block(slot, base + a.gfn -
							    a.view_gfn - slot->base_gfn);

				if (!age_huge_leaf(sptep, spte, blk, last, aw, &lost))
					continue;
				for (g = lo; g < hi; g += n_w) {
					n_w = min_t(u64, hi - g,
						    BITS_PER_LONG - (off + g) % BITS_PER_LONG);
					nr += young_word_or(young, off + g, GENMASK(n_w - 1, 0));
				}
				continue;
			}
			pt = secmmu_pt_child(spte);
			/* A word of pages at a time: the loop keeps no state in memory. */
			for (g = lo; g < hi; g += n_w) {
				u64 *run = secmmu_pt_entry(pt, g - base);
				unsigned long m;

				n_w = min_t(u64, hi - g, BITS_PER_LONG - (off + g) % BITS_PER_LONG);
				m = clear ? age_run(run, n_w, true, &lost) :
					    age_run(run, n_w, false, &lost);
				if (m)
					nr += young_word_or(young, off + g, m);
			}
		}
	}
	aw->lost = lost;
	return nr;
}
