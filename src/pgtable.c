// SPDX-License-Identifier: GPL-2.0
/*
 * SPTE table pages and their iterator.  The walking rules are in pgtable.h.
 */
#include <linux/gfp.h>
#include <linux/math.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>

#include "inject.h"
#include "pgtable.h"
#include "pt_id.h"
#include "rmap.h"
#include "spte.h"
#include "stats.h"
#include "vm.h"

static void iter_load(struct secmmu_iter *it)
{
	it->sptep = secmmu_pt_entry(it->tables[it->level],
				    secmmu_level_index(it->gfn, it->level));
	it->old_spte = READ_ONCE(*it->sptep);
}

static void iter_step(struct secmmu_iter *it)
{
	u64 spte;

	/* Descend into the table the visited entry points to now. */
	if (it->level > it->min_level) {
		spte = READ_ONCE(*it->sptep);
		if (spte_is_table(spte)) {
			it->level--;
			it->tables[it->level] = secmmu_pt_child(spte);
			if (it->gfn < it->start)
				it->gfn = round_down(it->start,
						     secmmu_level_pages(it->level));
			iter_load(it);
			return;
		}
	}

	/* Next sibling; past a table's last entry, the parent's next one. */
	it->gfn += secmmu_level_pages(it->level);
	while (it->level < SECMMU_PT_LEVELS &&
	       !secmmu_level_index(it->gfn, it->level))
		it->level++;
	if (it->gfn >= it->end) {
		it->valid = false;
		return;
	}
	iter_load(it);
}

/* In leaves-only mode, step over the table entries on the way down. */
static void iter_skip_tables(struct secmmu_iter *it)
{
	while (it->leaves_only && it->valid && it->level > 1 &&
	       !spte_huge(it->old_spte))
		iter_step(it);
}

struct secmmu_iter *secmmu_iter_start(struct secmmu_iter *it, u64 __rcu *root,
				      int min_level, u64 start, u64 end,
				      bool leaves_only)
{
	end = min_t(u64, end, 1ULL << SECMMU_PT_GFN_BITS);

	it->tables[SECMMU_PT_LEVELS] = root;
	it->level = SECMMU_PT_LEVELS;
	it->min_level = min_level;
	it->leaves_only = leaves_only;
	it->start = start;
	it->end = end;
	it->valid = start < end;
	it->yielded = false;
	if (it->valid) {
		it->gfn = round_down(start, secmmu_level_pages(it->level));
		iter_load(it);
		iter_skip_tables(it);
	}
	return it;
}

void secmmu_iter_next(struct secmmu_iter *it)
{
	if (it->yielded) {
		secmmu_iter_start(it, it->tables[SECMMU_PT_LEVELS], it->min_level,
				  it->gfn + secmmu_level_pages(it->level), it->end,
				  it->leaves_only);
		return;
	}
	iter_step(it);
	iter_skip_tables(it);
}

u64 __rcu *secmmu_pt_child(u64 table_spte)
{
	return (u64 __rcu *)__va(spte_table_pa(table_spte));
}

u64 *secmmu_pt_alloc(struct secmmu_vm *vm, gfp_t gfp)
{
	u64 *table = secmmu_inject_alloc((u64 *)get_zeroed_page(gfp));

	if (!table)
		return NULL;
	secmmu_pt_id_assign(table, gfp);
	secmmu_stat_inc(vm, SECMMU_STAT_TABLES);
	return table;
}

/* A table no walker can reach (never linked, or the VM is gone). */
void secmmu_pt_free(struct secmmu_vm *vm, u64 *table)
{
	secmmu_pt_id_release(table);
	secmmu_stat_dec(vm, SECMMU_STAT_TABLES);
	free_page((unsigned long)table);
}

static void pt_free_cb(struct rcu_head *head)
{
	__free_page(container_of(head, struct page, rcu_head));
}

void secmmu_pt_free_rcu(struct secmmu_vm *vm, u64 __rcu *t)
{
	u64 *table = rcu_access_pointer(t);

	/* Its leaves are out of every rmap: no handle names it (pt_id.h). */
	secmmu_pt_id_release(table);
	secmmu_stat_dec(vm, SECMMU_STAT_TABLES);
	call_rcu(&virt_to_page(table)->rcu_head, pt_free_cb);
}

int secmmu_pt_cache_topup(struct secmmu_vm *vm, struct secmmu_pt_cache *c)
{
	/* Table-walk mode has no rmap (its mode is fixed before any fault). */
	if (READ_ONCE(vm->rmap_mode) != SECMMU_RMAP_TABLE_WALK &&
	    secmmu_rmap_spares_topup(vm, &c->rmap))
		return -ENOMEM;
	while (c->nr < ARRAY_SIZE(c->pages)) {
		u64 *table = secmmu_pt_alloc(vm, GFP_KERNEL_ACCOUNT);

		if (!table)
			return -ENOMEM;
		c->pages[c->nr++] = table;
	}
	return 0;
}

u64 *secmmu_pt_cache_take(struct secmmu_pt_cache *c)
{
	return c->nr ? c->pages[--c->nr] : NULL;
}

/* Give back a page taken and not used: it is still zeroed. */
void secmmu_pt_cache_give(struct secmmu_pt_cache *c, u64 *table)
{
	if (!WARN_ON_ONCE(c->nr >= ARRAY_SIZE(c->pages)))
		c->pages[c->nr++] = table;
}

void secmmu_pt_cache_free(struct secmmu_vm *vm, struct secmmu_pt_cache *c)
{
	secmmu_rmap_spares_free(vm, &c->rmap);
	while (c->nr)
		secmmu_pt_free(vm, c->pages[--c->nr]);
}
