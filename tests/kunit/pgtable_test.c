// SPDX-License-Identifier: GPL-2.0
/* KUnit: SPTE tables - install, lookup, iterator bounds, zap, RCU freeing. */
#include <kunit/test.h>

#include "mmu.h"
#include "pgtable.h"
#include "secmmu_kunit.h"
#include "spte.h"

#define LAST_GFN	((1ULL << SECMMU_PT_GFN_BITS) - 1)

struct walk_count {
	u64 visited;
	u64 present;
	u64 first;
	u64 last;
};

static struct walk_count count_leaves(struct secmmu_vm *vm, u64 start, u64 end)
{
	struct walk_count c = { .first = U64_MAX };
	struct secmmu_iter it;

	rcu_read_lock();
	for_each_secmmu_leaf(it, vm->roots[0], start, end) {
		if (c.visited && it.gfn != c.last + 1)
			c.first = U64_MAX - 1;	/* out of order: poisons first */
		if (c.first == U64_MAX)
			c.first = it.gfn;
		c.last = it.gfn;
		c.visited++;
		c.present += spte_present(it.old_spte);
	}
	rcu_read_unlock();
	return c;
}

static void pgtable_empty_ranges(struct kunit *test)
{
	struct secmmu_vm *vm = secmmu_kunit_bare_vm(test);
	struct walk_count c;

	secmmu_kunit_install(test, vm, 0, 5, 100);
	c = count_leaves(vm, 5, 5);
	KUNIT_EXPECT_EQ(test, c.visited, 0ULL);
	c = count_leaves(vm, 6, 5);
	KUNIT_EXPECT_EQ(test, c.visited, 0ULL);
	c = count_leaves(vm, LAST_GFN + 1, U64_MAX);
	KUNIT_EXPECT_EQ(test, c.visited, 0ULL);
	/* A range with no tables at all visits no leaves. */
	c = count_leaves(vm, 1ULL << 30, (1ULL << 30) + 4096);
	KUNIT_EXPECT_EQ(test, c.visited, 0ULL);
}

static void pgtable_install_lookup(struct kunit *test)
{
	static const u64 gfns[] = { 0, 1, 511, 512, 513, 262143, 262144,
				    LAST_GFN };
	struct secmmu_vm *vm = secmmu_kunit_bare_vm(test);
	int i, level;

	for (i = 0; i < ARRAY_SIZE(gfns); i++)
		secmmu_kunit_install(test, vm, 0, gfns[i], 1000 + i);
	for (i = 0; i < ARRAY_SIZE(gfns); i++) {
		u64 spte = secmmu_spte_lookup(vm, 0, gfns[i], &level);

		KUNIT_EXPECT_TRUE(test, spte_present(spte));
		KUNIT_EXPECT_EQ(test, spte_pfn(spte), 1000ULL + i);
		KUNIT_EXPECT_EQ(test, level, 1);
	}
	/* Neighbours stay empty; another view is untouched. */
	KUNIT_EXPECT_FALSE(test, spte_present(secmmu_spte_lookup(vm, 0, 2, &level)));
	KUNIT_EXPECT_FALSE(test, spte_present(secmmu_spte_lookup(vm, 1, 0, &level)));
	KUNIT_EXPECT_EQ(test, level, SECMMU_PT_LEVELS);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_MAPPED),
			(u64)ARRAY_SIZE(gfns));
}

static void pgtable_iter_crosses_tables(struct kunit *test)
{
	struct secmmu_vm *vm = secmmu_kunit_bare_vm(test);
	struct walk_count c;

	secmmu_kunit_install(test, vm, 0, 510, 1);
	secmmu_kunit_install(test, vm, 0, 513, 2);
	c = count_leaves(vm, 510, 514);
	KUNIT_EXPECT_EQ(test, c.visited, 4ULL);
	KUNIT_EXPECT_EQ(test, c.present, 2ULL);
	KUNIT_EXPECT_EQ(test, c.first, 510ULL);
	KUNIT_EXPECT_EQ(test, c.last, 513ULL);

	/* Whole leaf tables are visited in order, present or not. */
	c = count_leaves(vm, 0, 1ULL << 20);
	KUNIT_EXPECT_EQ(test, c.visited, 1024ULL);
	KUNIT_EXPECT_EQ(test, c.present, 2ULL);
	KUNIT_EXPECT_EQ(test, c.first, 0ULL);
	KUNIT_EXPECT_EQ(test, c.last, 1023ULL);

	/* An unaligned start inside a table. */
	c = count_leaves(vm, 511, 513);
	KUNIT_EXPECT_EQ(test, c.visited, 2ULL);
	KUNIT_EXPECT_EQ(test, c.present, 0ULL);
}

static void pgtable_iter_last_gfn(struct kunit *test)
{
	struct secmmu_vm *vm = secmmu_kunit_bare_vm(test);
	struct walk_count c;

	secmmu_kunit_install(test, vm, 0, LAST_GFN, 9);
	c = count_leaves(vm, LAST_GFN - 1, U64_MAX);
	KUNIT_EXPECT_EQ(test, c.visited, 2ULL);
	KUNIT_EXPECT_EQ(test, c.present, 1ULL);
	KUNIT_EXPECT_EQ(test, c.last, LAST_GFN);
}

static void pgtable_zap_range(struct kunit *test)
{
	struct secmmu_vm *vm = secmmu_kunit_bare_vm(test);
	u64 gfn;
	int level;

	for (gfn = 508; gfn < 516; gfn++)
		secmmu_kunit_install(test, vm, 0, gfn, gfn);
	KUNIT_EXPECT_TRUE(test, secmmu_kunit_zap(vm, 0, 510, 514, false));
	for (gfn = 508; gfn < 516; gfn++)
		KUNIT_EXPECT_EQ(test, spte_present(secmmu_spte_lookup(vm, 0, gfn, &level)),
				gfn < 510 || gfn >= 514);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_SPTES_ZAPPED), 4ULL);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_MAPPED), 4ULL);
	/* Nothing left there: no flush owed. */
	KUNIT_EXPECT_FALSE(test, secmmu_kunit_zap(vm, 0, 510, 514, false));
	KUNIT_EXPECT_FALSE(test, secmmu_kunit_zap(vm, 1, 0, U64_MAX, true));
}

static void pgtable_zap_frees_covered_tables(struct kunit *test)
{
	struct secmmu_vm *vm = secmmu_kunit_bare_vm(test);
	u64 base = secmmu_stat_read(vm, SECMMU_STAT_TABLES);
	int level;

	secmmu_kunit_install(test, vm, 0, 3, 1);
	secmmu_kunit_install(test, vm, 0, 600, 2);
	/* Levels 3, 2 and two leaf tables. */
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_TABLES), base + 4);

	/* A partial range frees nothing. */
	secmmu_kunit_zap(vm, 0, 1, 512, true);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_TABLES), base + 4);
	/* Covering the first leaf table frees exactly it. */
	secmmu_kunit_zap(vm, 0, 0, 512, true);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_TABLES), base + 3);
	secmmu_spte_lookup(vm, 0, 3, &level);
	KUNIT_EXPECT_EQ(test, level, 2);
	KUNIT_EXPECT_TRUE(test, spte_present(secmmu_spte_lookup(vm, 0, 600, &level)));
	/* Everything: back to the roots. */
	KUNIT_EXPECT_TRUE(test, secmmu_kunit_zap(vm, 0, 0, U64_MAX, true));
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_TABLES), base);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_MAPPED), 0ULL);
}

/*
 * A lockless walker that got a table pointer before the table was unlinked
 * may keep reading it until it leaves its RCU read section.  With KASAN, an
 * immediate free would show as a use-after-free report here.
 */
static void pgtable_unlinked_table_outlives_reader(struct kunit *test)
{
	struct secmmu_vm *vm = secmmu_kunit_bare_vm(test);
	struct secmmu_iter it;
	u64 *leaf_table = NULL;
	u64 before;

	secmmu_kunit_install(test, vm, 0, 42, 77);
	before = secmmu_stat_read(vm, SECMMU_STAT_TABLES);

	rcu_read_lock();
	for_each_secmmu_leaf(it, vm->roots[0], 42, 43)
		leaf_table = rcu_dereference(it.tables[1]);
	KUNIT_ASSERT_NOT_NULL(test, leaf_table);
	KUNIT_EXPECT_EQ(test, spte_pfn(READ_ONCE(leaf_table[42])), 77ULL);

	KUNIT_EXPECT_TRUE(test, secmmu_kunit_zap(vm, 0, 0, U64_MAX, true));
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_TABLES), before - 3);
	/* Unlinked and zapped, but still readable memory. */
	KUNIT_EXPECT_EQ(test, READ_ONCE(leaf_table[42]), 0ULL);
	KUNIT_EXPECT_EQ(test, READ_ONCE(leaf_table[511]), 0ULL);
	rcu_read_unlock();
	rcu_barrier();
}

static struct kunit_case pgtable_cases[] = {
	KUNIT_CASE(pgtable_empty_ranges),
	KUNIT_CASE(pgtable_install_lookup),
	KUNIT_CASE(pgtable_iter_crosses_tables),
	KUNIT_CASE(pgtable_iter_last_gfn),
	KUNIT_CASE(pgtable_zap_range),
	KUNIT_CASE(pgtable_zap_frees_covered_tables),
	KUNIT_CASE(pgtable_unlinked_table_outlives_reader),
	{}
};

static struct kunit_suite pgtable_suite = {
	.name = "secmmu_pgtable",
	.test_cases = pgtable_cases,
};

kunit_test_suite(pgtable_suite);
