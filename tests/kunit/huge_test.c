// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: huge (2 MiB) leaves in every rmap mode (huge.h): install, lookup,
 * aging over every page they cover (SECMMU_AGE, and the notifier hooks'
 * one page), a partial zap, a 4 KiB fault meeting a
 * huge leaf (which leaves its own block's head) and a huge fault meeting
 * a table; and two CPUs installing the same huge leaves while a third ages
 * and zaps them (x86_64 -smp 2 with KASAN and lockdep; interleaved on UML).
 */
#include <kunit/test.h>
#include <linux/jiffies.h>
#include <linux/slab.h>

#include "aging.h"
#include "huge.h"
#include "mmu.h"
#include "pgtable.h"
#include "rmap.h"
#include "secmmu_kunit.h"
#include "spte.h"

#define BLOCKS		2
#define PAGES		(BLOCKS * SECMMU_HUGE_PAGES)
#define VIEWS		3
#define PFN_BASE	0x40000		/* 512-aligned, never touched */

static const u32 modes[] = {
	SECMMU_RMAP_LOCKED, SECMMU_RMAP_SINGLE_LOCKLESS,
	SECMMU_RMAP_LOCK_BIT, SECMMU_RMAP_TABLE_WALK,
};

static void mode_desc(const u32 *m, char *desc)
{
	static const char * const names[] = {
		"locked", "single_lockless", "lock_bit", "table_walk",
	};

	strscpy(desc, names[*m], KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(huge_mode, modes, mode_desc);

/* A slot VM (secmmu_kunit_slot_vm()) at a 2 MiB-aligned hva, with hheads. */
static struct secmmu_vm *huge_vm(struct kunit *test)
{
	u32 mode = *(const u32 *)test->param_value;
	struct secmmu_vm *vm = secmmu_kunit_slot_vm(test, PAGES, mode);
	struct secmmu_slot *s = &rcu_dereference_protected(vm->layout, true)->slots[0];

	vm->huge_leaves = true;
	s->hva = 0x40000000;
	if (mode != SECMMU_RMAP_TABLE_WALK) {	/* as vm.c's slot_alloc() */
		kvfree(s->rmap);
		s->rmap = kvcalloc(secmmu_slot_rmap_words(s, true),
				   sizeof(unsigned long), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, s->rmap);
		s->hrmap = s->rmap + PAGES;
	}
	KUNIT_ASSERT_EQ(test, secmmu_slot_blocks(s), (u64)BLOCKS);
	return vm;
}

static unsigned long *hhead(struct secmmu_vm *vm, u64 gfn)
{
	return secmmu_slot_hhead(&rcu_dereference_protected(vm->layout, true)->slots[0],
				 gfn);
}

/* One fault's map, under the read lock (@shared) or the write lock. */
static int map(struct secmmu_vm *vm, struct secmmu_pt_cache *cache, u32 view,
	       u64 gfn, int level, bool shared)
{
	const struct secmmu_layout *l = rcu_dereference_protected(vm->layout, true);
	u64 first = level > 1 ? round_down(gfn, SECMMU_HUGE_PAGES) : gfn;
	struct secmmu_map m = {
		.view = view, .level = level, .gfn = first,
		.pfn = PFN_BASE + first, .l = l,
		.head = level > 1 ? hhead(vm, gfn) :
			(l->slots[0].rmap ? secmmu_kunit_head(vm, gfn) : NULL),
	};
	int ret = secmmu_pt_cache_topup(vm, cache);

	if (ret)
		return ret;
	if (shared)
		read_lock(&vm->mmu_lock);
	else
		write_lock(&vm->mmu_lock);
	ret = secmmu_mmu_map(vm, &m, cache, shared);
	if (shared)
		read_unlock(&vm->mmu_lock);
	else
		write_unlock(&vm->mmu_lock);
	secmmu_pt_cache_reap(vm, cache);
	return ret;
}

/* SECMMU_AGE over every page; the number of young pages. */
static u64 age_all(struct kunit *test, struct secmmu_vm *vm, bool clear)
{
	struct secmmu_age a = {
		.flags = clear ? SECMMU_AGE_CLEAR : SECMMU_AGE_TEST,
		.start = 0, .npages = PAGES,
	};

	KUNIT_EXPECT_EQ(test, secmmu_age(vm, &a, NULL, NULL), 0);
	return a.nr_young;
}

static void huge_install_age_zap(struct kunit *test)
{
	struct secmmu_vm *vm = huge_vm(test);
	struct secmmu_pt_cache cache = {};
	bool rmap = *(const u32 *)test->param_value != SECMMU_RMAP_TABLE_WALK;
	int level, ret;
	u64 spte;
	u32 v;

	for (v = 0; v < VIEWS; v++) {
		KUNIT_ASSERT_EQ(test, map(vm, &cache, v, 3, 2, true), 0);
		KUNIT_ASSERT_EQ(test, map(vm, &cache, v, 700, 2, true), 0);
	}
	spte = secmmu_spte_lookup(vm, 1, 517, &level);
	KUNIT_EXPECT_EQ(test, level, 2);
	KUNIT_EXPECT_TRUE(test, spte_huge(spte));
	KUNIT_EXPECT_EQ(test, spte_pfn_of(spte, level, 517), PFN_BASE + 517ULL);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_HUGE_MAPPED),
			(u64)BLOCKS * VIEWS);
	if (rmap)
		KUNIT_EXPECT_EQ(test, secmmu_rmap_count(READ_ONCE(*hhead(vm, 600))),
				(unsigned int)VIEWS);

	/* New leaves are young: every page, once; then none. */
	KUNIT_EXPECT_EQ(test, age_all(test, vm, true), (u64)PAGES);
	KUNIT_EXPECT_EQ(test, age_all(test, vm, false), 0ULL);

	/* A zap of one page takes view 0's whole leaf, and only it. */
	secmmu_kunit_zap(vm, 0, 5, 6, false);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_HUGE_ZAPPED_PARTIAL), 1ULL);
	KUNIT_EXPECT_FALSE(test, spte_present(secmmu_spte_lookup(vm, 0, 511, &level)));
	KUNIT_EXPECT_TRUE(test, spte_present(secmmu_spte_lookup(vm, 1, 5, &level)));
	if (rmap)
		KUNIT_EXPECT_EQ(test, secmmu_rmap_count(READ_ONCE(*hhead(vm, 0))),
				(unsigned int)VIEWS - 1);

	/* A 4 KiB leaf where view 1 has a huge one: only under the write lock. */
	KUNIT_EXPECT_EQ(test, map(vm, &cache, 1, 5, 1, true), -EBUSY);
	ret = map(vm, &cache, 1, 5, 1, false);
	KUNIT_EXPECT_EQ(test, ret, 1);		/* a flush is owed */
	spte = secmmu_spte_lookup(vm, 1, 5, &level);
	KUNIT_EXPECT_EQ(test, level, 1);
	KUNIT_EXPECT_EQ(test, spte_pfn(spte), PFN_BASE + 5ULL);

	/* And back: the table of 4 KiB leaves goes for a huge leaf. */
	KUNIT_EXPECT_EQ(test, map(vm, &cache, 1, 9, 2, true), -EBUSY);
	KUNIT_EXPECT_EQ(test, map(vm, &cache, 1, 9, 2, false), 1);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_HUGE_PROMOTED), 1ULL);
	KUNIT_EXPECT_TRUE(test, spte_huge(secmmu_spte_lookup(vm, 1, 5, &level)));
	if (rmap)
		KUNIT_EXPECT_EQ(test, READ_ONCE(*secmmu_kunit_head(vm, 5)), 0UL);

	for (v = 0; v < VIEWS; v++)
		secmmu_kunit_zap(vm, v, 0, U64_MAX, true);
	secmmu_pt_cache_free(vm, &cache);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_MAPPED), 0ULL);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_HUGE_MAPPED), 0ULL);
	if (rmap) {
		KUNIT_EXPECT_EQ(test, READ_ONCE(*hhead(vm, 0)), 0UL);
		KUNIT_EXPECT_EQ(test, READ_ONCE(*hhead(vm, 600)), 0UL);
	}
}

/*
 * The notifier hooks' one-page path (aging.c: age_one_page()) over pages
 * that huge leaves map, in every view: the block's huge-leaf head (rmap
 * modes) or each view's level-2 leaf (the table walk's direct descent)
 * answers for the page.  One A bit answers for the block, as in
 * SECMMU_AGE: the first page asked clears it, the next reads old.
 */
static void huge_hook_one_page(struct kunit *test)
{
	struct secmmu_vm *vm = huge_vm(test);
	const struct secmmu_slot *s = &rcu_dereference_protected(vm->layout, true)->slots[0];
	u64 hva = s->hva;
	struct secmmu_pt_cache cache = {};
	unsigned int i;
	bool fast;
	u32 v;

	for (v = 0; v < VIEWS; v++) {
		KUNIT_ASSERT_EQ(test, map(vm, &cache, v, 3, 2, true), 0);
		KUNIT_ASSERT_EQ(test, map(vm, &cache, v, 700, 2, true), 0);
	}
	/* Page 5 of block 0: young (new leaves are), and the block with it. */
	KUNIT_EXPECT_TRUE(test, secmmu_age_hva_range(vm, hva + 5 * PAGE_SIZE,
						     hva + 6 * PAGE_SIZE, true, &fast));
	KUNIT_EXPECT_FALSE(test, secmmu_age_hva_range(vm, hva + 6 * PAGE_SIZE,
						      hva + 7 * PAGE_SIZE, true, &fast));
	/* test_young's form: page 600 of block 1 is young, and stays so. */
	KUNIT_EXPECT_TRUE(test, secmmu_age_hva_range(vm, hva + 600 * PAGE_SIZE,
						     hva + 601 * PAGE_SIZE, false, &fast));
	KUNIT_EXPECT_EQ(test, age_all(test, vm, false), (u64)SECMMU_HUGE_PAGES);
	/* A page outside the memslot: none of it. */
	KUNIT_EXPECT_FALSE(test, secmmu_age_hva_range(vm, hva - PAGE_SIZE, hva,
						      true, &fast));

	for (v = 0; v < VIEWS; v++)
		secmmu_kunit_zap(vm, v, 0, U64_MAX, true);
	secmmu_pt_cache_free(vm, &cache);
}

/*
 * A block with a huge leaf in one view and a 4 KiB leaf in another (view
 * 1 maps gfn 5 alone): aging, SECMMU_AGE and a hook call over the whole
 * block, asks the block's 4 KiB heads too (its bit, huge.h), so the young
 * 4 KiB leaf answers for its page alone while the huge leaf is old; after
 * a zap of the whole block (its bit cleared) a new 4 KiB leaf sets the
 * bit again.  That zap, over a block with a 4 KiB leaf, empties its 4 KiB
 * heads (mmu.c: zap_chunk_end()).
 */
static void huge_mixed_block(struct kunit *test)
{
	struct secmmu_vm *vm = huge_vm(test);
	const struct secmmu_slot *s = &rcu_dereference_protected(vm->layout, true)->slots[0];
	u64 hva = s->hva;
	struct secmmu_pt_cache cache = {};
	unsigned int i;
	bool fast;
	u32 v;

	KUNIT_ASSERT_EQ(test, map(vm, &cache, 0, 3, 2, true), 0);
	KUNIT_ASSERT_EQ(test, map(vm, &cache, 1, 5, 1, true), 0);
	KUNIT_EXPECT_EQ(test, age_all(test, vm, true), (u64)SECMMU_HUGE_PAGES);
	KUNIT_EXPECT_EQ(test, age_all(test, vm, false), 0ULL);

	/* A new 4 KiB leaf is young, the huge leaf stays old. */
	secmmu_kunit_zap(vm, 1, 5, 6, false);
	KUNIT_ASSERT_EQ(test, map(vm, &cache, 1, 5, 1, true), 0);
	KUNIT_EXPECT_EQ(test, age_all(test, vm, false), 1ULL);
	KUNIT_EXPECT_TRUE(test, secmmu_age_hva_range(vm, hva, hva + PMD_SIZE, true,
						     &fast));
	KUNIT_EXPECT_EQ(test, age_all(test, vm, false), 0ULL);

	/* Every leaf of the block zapped, then a 4 KiB one again. */
	write_lock(&vm->mmu_lock);
	secmmu_zap_gfn_range(vm, secmmu_layout_locked(vm), 0, SECMMU_HUGE_PAGES, 0);
	write_unlock(&vm->mmu_lock);
	/* It emptied every 4 KiB head of the block. */
	if (s->rmap)
		for (i = 0; i < SECMMU_HUGE_PAGES; i++)
			KUNIT_EXPECT_EQ_MSG(test, READ_ONCE(s->rmap[i]), 0UL, "gfn %u", i);
	KUNIT_ASSERT_EQ(test, map(vm, &cache, 0, 3, 2, true), 0);
	KUNIT_ASSERT_EQ(test, map(vm, &cache, 1, 7, 1, true), 0);
	KUNIT_EXPECT_EQ(test, age_all(test, vm, true), (u64)SECMMU_HUGE_PAGES);
	secmmu_kunit_zap(vm, 1, 7, 8, false);
	KUNIT_ASSERT_EQ(test, map(vm, &cache, 1, 7, 1, true), 0);
	KUNIT_EXPECT_EQ(test, age_all(test, vm, true), 1ULL);

	for (v = 0; v < VIEWS; v++)
		secmmu_kunit_zap(vm, v, 0, U64_MAX, true);
	secmmu_pt_cache_free(vm, &cache);
}

/*
 * A memslot gfn-range zap (an invalidation's) over blocks only huge leaves
 * map takes every block's leaf in every view: the rmap modes zap such
 * blocks several to a chunk, in one walk (mmu.c: zap_chunk_end()).
 */
static void huge_gfn_zap_every_block(struct kunit *test)
{
	struct secmmu_vm *vm = huge_vm(test);
	bool rmap = *(const u32 *)test->param_value != SECMMU_RMAP_TABLE_WALK;
	struct secmmu_pt_cache cache = {};
	u64 b;
	u32 v;

	for (v = 0; v < VIEWS; v++)
		for (b = 0; b < BLOCKS; b++)
			KUNIT_ASSERT_EQ(test, map(vm, &cache, v, b * SECMMU_HUGE_PAGES + 7,
						  2, true), 0);
	KUNIT_ASSERT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_HUGE_MAPPED),
			(u64)BLOCKS * VIEWS);
	write_lock(&vm->mmu_lock);
	secmmu_zap_gfn_range(vm, secmmu_layout_locked(vm), 0, PAGES, 0);
	write_unlock(&vm->mmu_lock);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_HUGE_MAPPED), 0ULL);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_MAPPED), 0ULL);
	for (b = 0; b < BLOCKS; b++) {
		u64 gfn = b * SECMMU_HUGE_PAGES;

		for (v = 0; v < VIEWS; v++) {
			int level;

			KUNIT_EXPECT_FALSE_MSG(test,
					       spte_present(secmmu_spte_lookup(vm, v, gfn,
									       &level)),
					       "view %u block %llu", v, b);
		}
		if (rmap)
			KUNIT_EXPECT_EQ(test, READ_ONCE(*hhead(vm, gfn)), 0UL);
	}
	for (v = 0; v < VIEWS; v++)
		secmmu_kunit_zap(vm, v, 0, U64_MAX, true);
	secmmu_pt_cache_free(vm, &cache);
}

/*
 * A huge leaf in the way of a 4 KiB fault goes from its own block's head,
 * not from the head of the block the faulting gfn maps: here view 1's
 * gfn 5 is made to map memslot gfn 517 (block 1) under the huge leaf of
 * its block 0 (the state a layout check letting a leaf cross view ranges
 * left).  Block 1's head lists view 0's leaf, which must stay.
 */
static void huge_in_the_way_leaves_own_head(struct kunit *test)
{
	struct secmmu_vm *vm = huge_vm(test);
	struct secmmu_layout *l = rcu_dereference_protected(vm->layout, true);
	bool rmap = *(const u32 *)test->param_value != SECMMU_RMAP_TABLE_WALK;
	static const struct secmmu_view_range split[] = {
		{ .view_gfn = 0, .npages = 5, .target_gfn = 0 },
		{ .view_gfn = 5, .npages = 1, .target_gfn = 517 },
		{ .view_gfn = 6, .npages = PAGES - 6, .target_gfn = 6 },
	};
	struct secmmu_pt_cache cache = {};
	struct secmmu_map m = {
		/*
		 * Read-only: a dirty leaf's zap marks its folio dirty, and
		 * PFN_BASE is no page (x86_64's vmemmap has none there).
		 */
		.view = 1, .level = 1, .gfn = 5, .pfn = PFN_BASE + 517,
		.writable = false, .l = l,
		.head = rmap ? secmmu_kunit_head(vm, 517) : NULL,
	};
	int level, ret;
	u64 spte;
	u32 v;

	KUNIT_ASSERT_EQ(test, map(vm, &cache, 1, 0, 2, true), 0);
	KUNIT_ASSERT_EQ(test, map(vm, &cache, 0, 600, 2, true), 0);
	KUNIT_ASSERT_EQ(test, l->views[1].nr_ranges, 1U);
	memcpy(l->views[1].ranges, split, sizeof(split));
	l->views[1].nr_ranges = ARRAY_SIZE(split);

	KUNIT_ASSERT_EQ(test, secmmu_pt_cache_topup(vm, &cache), 0);
	write_lock(&vm->mmu_lock);
	ret = secmmu_mmu_map(vm, &m, &cache, false);
	write_unlock(&vm->mmu_lock);
	KUNIT_EXPECT_EQ(test, ret, 1);		/* a flush is owed */
	spte = secmmu_spte_lookup(vm, 1, 5, &level);
	KUNIT_EXPECT_EQ(test, level, 1);
	KUNIT_EXPECT_EQ(test, spte_pfn(spte), PFN_BASE + 517ULL);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_HUGE_MAPPED), 1ULL);
	if (rmap) {
		KUNIT_EXPECT_EQ(test, READ_ONCE(*hhead(vm, 0)), 0UL);
		KUNIT_EXPECT_EQ(test, secmmu_rmap_count(READ_ONCE(*hhead(vm, 517))), 1U);
		KUNIT_EXPECT_EQ(test, secmmu_rmap_count(READ_ONCE(*secmmu_kunit_head(vm, 517))),
				1U);
	}

	for (v = 0; v < VIEWS; v++)
		secmmu_kunit_zap(vm, v, 0, U64_MAX, true);
	secmmu_pt_cache_free(vm, &cache);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_MAPPED), 0ULL);
	if (rmap) {
		KUNIT_EXPECT_EQ(test, READ_ONCE(*hhead(vm, 0)), 0UL);
		KUNIT_EXPECT_EQ(test, READ_ONCE(*hhead(vm, 517)), 0UL);
		KUNIT_EXPECT_EQ(test, READ_ONCE(*secmmu_kunit_head(vm, 517)), 0UL);
	}
}

/* One racer's round: the huge leaves of every view. */
static unsigned int huge_round(struct secmmu_vm *vm,
			       struct secmmu_pt_cache *cache)
{
	unsigned int errors = 0;
	u64 g;
	u32 v;

	for (g = 0; g < PAGES; g += 64)
		for (v = 0; v < VIEWS; v++)
			if (map(vm, cache, v, g, 2, true))
				errors++;
	return errors;
}

/* After a round: problems seen (each huge leaf once, in table and hhead). */
static unsigned int check_round(struct secmmu_vm *vm, bool rmap)
{
	unsigned int bad = 0;
	u64 b;
	u32 v;

	for (b = 0; b < BLOCKS; b++) {
		u64 g = b * SECMMU_HUGE_PAGES + 77;

		if (rmap)
			bad += secmmu_rmap_count(READ_ONCE(*hhead(vm, g))) != VIEWS;
		for (v = 0; v < VIEWS; v++) {
			int level;
			u64 spte = secmmu_spte_lookup(vm, v, g, &level);

			bad += !spte_huge(spte) || spte_pfn_of(spte, level, g) != PFN_BASE + g;
		}
	}
	return bad + (secmmu_stat_read(vm, SECMMU_STAT_HUGE_MAPPED) != BLOCKS * VIEWS);
}

/*
 * Two kthreads map the same huge leaves of the same views at once (they race
 * for tables, leaves and hheads) while this thread ages all pages, clearing;
 * then a partial and a full zap.  Every round must end with each leaf once;
 * the zaps leave nothing, and no table or rmap object leaks.
 */
static void huge_races_two_cpus(struct kunit *test)
{
	struct secmmu_vm *vm = huge_vm(test);
	bool rmap = *(const u32 *)test->param_value != SECMMU_RMAP_TABLE_WALK;
	u64 tables = secmmu_stat_read(vm, SECMMU_STAT_TABLES);
	unsigned long deadline = jiffies + HZ;
	unsigned int bad = 0, left = 0;
	struct secmmu_kunit_race *r;
	int rounds = 0;
	u32 v;

	r = secmmu_kunit_race_start(test, vm, huge_round, "secmmu-huge");
	while (rounds < 4 || (time_before(jiffies, deadline) && rounds < 100)) {
		secmmu_kunit_race_round(r);
		rounds++;
		while (secmmu_kunit_race_busy(r)) {
			age_all(test, vm, true);
			cond_resched();
		}
		bad += check_round(vm, rmap);
		/* Every page of every block answers young once, then none. */
		age_all(test, vm, false);
		secmmu_kunit_zap(vm, rounds % VIEWS, 300, 301, false);
		for (v = 0; v < VIEWS; v++)
			secmmu_kunit_zap(vm, v, 0, U64_MAX, true);
		left += secmmu_stat_read(vm, SECMMU_STAT_MAPPED) != 0;
		left += rmap && (READ_ONCE(*hhead(vm, 0)) || READ_ONCE(*hhead(vm, 600)));
		if (bad + left + secmmu_kunit_race_errors(r))
			break;
	}
	secmmu_kunit_race_stop(test, r);

	kunit_info(test, "%d rounds, %llu install races\n", rounds,
		   secmmu_stat_read(vm, SECMMU_STAT_FAULT_INSTALL_RACES));
	KUNIT_EXPECT_EQ(test, secmmu_kunit_race_errors(r), 0U);
	KUNIT_EXPECT_EQ(test, bad, 0U);
	KUNIT_EXPECT_EQ(test, left, 0U);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_HUGE_INSTALLED),
			(u64)rounds * BLOCKS * VIEWS);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_TABLES), tables);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_RMAP_DESCS), 0ULL);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_RMAP_PAIRS), 0ULL);
}

static struct kunit_case huge_cases[] = {
	KUNIT_CASE_PARAM(huge_install_age_zap, huge_mode_gen_params),
	KUNIT_CASE_PARAM(huge_in_the_way_leaves_own_head, huge_mode_gen_params),
	KUNIT_CASE_PARAM(huge_hook_one_page, huge_mode_gen_params),
	KUNIT_CASE_PARAM(huge_mixed_block, huge_mode_gen_params),
	KUNIT_CASE_PARAM(huge_gfn_zap_every_block, huge_mode_gen_params),
	KUNIT_CASE_PARAM_ATTR(huge_races_two_cpus, huge_mode_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	{}
};

static struct kunit_suite huge_suite = {
	.name = "secmmu_huge",
	.test_cases = huge_cases,
};

kunit_test_suite(huge_suite);
