// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: faults install tables and leaves under mmu_lock held for read, so
 * several install the same ones at once (run on x86_64 -smp 2 with KASAN
 * and lockdep; on UML the two installers interleave on one CPU).
 */
#include <kunit/static_stub.h>
#include <kunit/test-bug.h>
#include <kunit/test.h>
#include <linux/jiffies.h>

#include "mmu.h"
#include "pgtable.h"
#include "rmap.h"
#include "secmmu_kunit.h"
#include "spte.h"

#define RACE_PAGES	1024		/* two leaf tables */
#define RACE_VIEWS	3		/* rmap degree 3: a descriptor chain */
#define PFN_BASE	0x1000

/* One fault's install as secmmu_fault() does it; 0 or an errno. */
static int shared_install(struct secmmu_vm *vm, struct secmmu_pt_cache *cache,
			  u32 view, u64 gfn, u64 pfn)
{
	int ret = secmmu_pt_cache_topup(vm, cache);

	if (ret)
		return ret;
	read_lock(&vm->mmu_lock);
	ret = secmmu_kunit_mmu_install(vm, view, gfn, pfn, false, cache,
				       secmmu_kunit_head(vm, gfn), true);
	read_unlock(&vm->mmu_lock);
	secmmu_pt_cache_reap(vm, cache);
	return ret;
}

/* One racer's round: every leaf of every view, in the same order. */
static unsigned int install_round(struct secmmu_vm *vm,
				  struct secmmu_pt_cache *cache)
{
	unsigned int errors = 0;
	u32 v;
	u64 g;

	for (g = 0; g < RACE_PAGES; g++)
		for (v = 0; v < RACE_VIEWS; v++)
			if (shared_install(vm, cache, v, g, PFN_BASE + g))
				errors++;
	return errors;
}

/*
 * Chains walked under the read lock while adds go on (rmap.h: an add only
 * extends what such a reader sees).  Returns the entries that were not a
 * leaf of @gfn.
 */
static unsigned int walk_heads_locked(struct secmmu_vm *vm)
{
	unsigned int bad = 0;
	u64 g;

	read_lock(&vm->mmu_lock);
	for (g = 0; g < RACE_PAGES; g++) {
		struct secmmu_rmap_iter it;
		unsigned int n = 0;

		for_each_rmap_spte(it, READ_ONCE(*secmmu_kunit_head(vm, g))) {
			u64 spte = READ_ONCE(*it.sptep);

			bad += spte_present(spte) && spte_pfn(spte) != PFN_BASE + g;
			n++;
		}
		bad += n > RACE_VIEWS;
	}
	read_unlock(&vm->mmu_lock);
	return bad;
}

/* After a round, problems seen: each leaf once, in its table and rmap head. */
static unsigned int check_all_installed(struct secmmu_vm *vm)
{
	unsigned int bad = 0;
	u64 g;
	u32 v;

	for (g = 0; g < RACE_PAGES; g++) {
		unsigned long h = READ_ONCE(*secmmu_kunit_head(vm, g));

		bad += secmmu_rmap_count(h) != RACE_VIEWS;
		for (v = 0; v < RACE_VIEWS; v++) {
			int level;
			u64 spte = secmmu_spte_lookup(vm, v, g, &level);

			bad += !spte_present(spte) || spte_pfn(spte) != PFN_BASE + g;
		}
	}
	return bad + (secmmu_stat_read(vm, SECMMU_STAT_MAPPED) !=
		      (u64)RACE_PAGES * RACE_VIEWS);
}

/* After the zap, problems seen: a head, a leaf or a table left. */
static unsigned int check_all_gone(struct secmmu_vm *vm)
{
	struct secmmu_iter it;
	unsigned int bad = 0;
	u64 g;
	u32 v;

	for (g = 0; g < RACE_PAGES; g++)
		bad += READ_ONCE(*secmmu_kunit_head(vm, g)) != 0;
	for (v = 0; v < RACE_VIEWS; v++)
		for_each_secmmu_spte(it, vm->roots[v], 1, 0, U64_MAX)
			bad += spte_present(it.old_spte);
	return bad + (secmmu_stat_read(vm, SECMMU_STAT_MAPPED) != 0);
}

/*
 * Two kthreads (one per CPU) install the same leaves of the same views, in
 * the same order, at the same time: they race for every table, every leaf
 * and every rmap head, while this thread walks the chains under the read
 * lock.  Each round must end with every leaf installed once, and its zap
 * must leave nothing behind; once the installers are gone, no table or
 * descriptor may be left over (a table lost to a racing link leaks).
 */
static void install_races_two_cpus(struct kunit *test)
{
	struct secmmu_vm *vm = secmmu_kunit_slot_vm(test, RACE_PAGES,
						    SECMMU_RMAP_SINGLE_LOCKLESS);
	u64 tables = secmmu_stat_read(vm, SECMMU_STAT_TABLES);
	unsigned int walk_bad = 0, installed_bad = 0, gone_bad = 0;
	unsigned long deadline = jiffies + 2 * HZ;
	struct secmmu_kunit_race *r;
	int rounds = 0;
	u32 v;

	r = secmmu_kunit_race_start(test, vm, install_round, "secmmu-install");
	while (rounds < 8 || (time_before(jiffies, deadline) && rounds < 200)) {
		secmmu_kunit_race_round(r);
		rounds++;
		while (secmmu_kunit_race_busy(r)) {
			walk_bad += walk_heads_locked(vm);
			cond_resched();
		}
		installed_bad += check_all_installed(vm);
		for (v = 0; v < RACE_VIEWS; v++)
			secmmu_kunit_zap(vm, v, 0, U64_MAX, true);
		gone_bad += check_all_gone(vm);
		if (installed_bad + gone_bad + secmmu_kunit_race_errors(r))
			break;
	}
	secmmu_kunit_race_stop(test, r);

	kunit_info(test, "%d rounds, %llu install races\n", rounds,
		   secmmu_stat_read(vm, SECMMU_STAT_FAULT_INSTALL_RACES));
	KUNIT_EXPECT_EQ(test, secmmu_kunit_race_errors(r), 0U);
	KUNIT_EXPECT_EQ(test, walk_bad, 0U);
	KUNIT_EXPECT_EQ(test, installed_bad, 0U);
	KUNIT_EXPECT_EQ(test, gone_bad, 0U);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_SPTES_INSTALLED),
			(u64)rounds * RACE_PAGES * RACE_VIEWS);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_TABLES), tables);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_RMAP_DESCS), 0ULL);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_RMAP_PAIRS), 0ULL);
}

/* A present leaf of another pfn is replaced only under the write lock. */
static void install_replace_needs_write(struct kunit *test)
{
	struct secmmu_vm *vm = secmmu_kunit_slot_vm(test, 8, SECMMU_RMAP_LOCK_BIT);
	unsigned long *head = secmmu_kunit_head(vm, 3);
	struct secmmu_pt_cache cache = {};
	int level, ret;

	KUNIT_ASSERT_EQ(test, 0, shared_install(vm, &cache, 0, 3, 30));
	KUNIT_EXPECT_EQ(test, -EBUSY, shared_install(vm, &cache, 0, 3, 31));
	KUNIT_EXPECT_EQ(test, spte_pfn(secmmu_spte_lookup(vm, 0, 3, &level)), 30ULL);

	write_lock(&vm->mmu_lock);
	ret = secmmu_kunit_mmu_install(vm, 0, 3, 31, false, &cache, head, false);
	write_unlock(&vm->mmu_lock);
	secmmu_pt_cache_free(vm, &cache);
	KUNIT_EXPECT_EQ(test, ret, 1);		/* a flush is owed */
	KUNIT_EXPECT_EQ(test, spte_pfn(secmmu_spte_lookup(vm, 0, 3, &level)), 31ULL);
	KUNIT_EXPECT_EQ(test, secmmu_rmap_count(READ_ONCE(*head)), 1U);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_MAPPED), 1ULL);
	secmmu_kunit_zap(vm, 0, 0, U64_MAX, true);
}

/* The same pfn again: A/D kept, W gained, no second rmap entry. */
static void install_same_pfn_merges(struct kunit *test)
{
	struct secmmu_vm *vm = secmmu_kunit_slot_vm(test, 8, SECMMU_RMAP_LOCKED);
	unsigned long *head = secmmu_kunit_head(vm, 2);
	struct secmmu_pt_cache cache = {};
	struct secmmu_iter it;
	int level, ret;
	u64 spte;

	KUNIT_ASSERT_EQ(test, 0, shared_install(vm, &cache, 0, 2, 20));
	for_each_secmmu_leaf(it, vm->roots[0], 2, 3)
		WRITE_ONCE(*it.sptep, it.old_spte | SPTE_ACCESSED);
	KUNIT_ASSERT_EQ(test, 0, secmmu_pt_cache_topup(vm, &cache));
	read_lock(&vm->mmu_lock);
	ret = secmmu_kunit_mmu_install(vm, 0, 2, 20, true, &cache, head, true);
	read_unlock(&vm->mmu_lock);
	secmmu_pt_cache_free(vm, &cache);
	KUNIT_EXPECT_EQ(test, ret, 0);
	spte = secmmu_spte_lookup(vm, 0, 2, &level);
	KUNIT_EXPECT_TRUE(test, spte_accessed(spte));
	KUNIT_EXPECT_TRUE(test, spte_writable(spte));
	KUNIT_EXPECT_EQ(test, secmmu_rmap_count(READ_ONCE(*head)), 1U);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_SPTES_INSTALLED), 1ULL);
	secmmu_kunit_zap(vm, 0, 0, U64_MAX, true);
}

static void count_bad_change(struct secmmu_vm *vm, u64 old, u64 new)
{
	(*(int *)kunit_get_current_test()->priv)++;
}

/*
 * secmmu_leaf_changed() WARNs (here: counts) when a present leaf becomes
 * one for another pfn without a zap, and only then: not for the same pfn
 * installed again, nor for a replacement under the write lock (a zap, then
 * an install).
 */
static void leaf_change_other_pfn_warns(struct kunit *test)
{
	struct secmmu_vm *vm = secmmu_kunit_slot_vm(test, 8, SECMMU_RMAP_LOCK_BIT);
	unsigned long *head = secmmu_kunit_head(vm, 3);
	struct secmmu_pt_cache cache = {};
	struct secmmu_iter it;
	int bad = 0, ret;

	test->priv = &bad;
	kunit_activate_static_stub(test, secmmu_leaf_bad_change, count_bad_change);
	KUNIT_ASSERT_EQ(test, 0, shared_install(vm, &cache, 0, 3, 30));
	KUNIT_ASSERT_EQ(test, 0, shared_install(vm, &cache, 0, 3, 30));
	KUNIT_ASSERT_EQ(test, 0, secmmu_pt_cache_topup(vm, &cache));
	write_lock(&vm->mmu_lock);
	ret = secmmu_kunit_mmu_install(vm, 0, 3, 31, false, &cache, head, false);
	write_unlock(&vm->mmu_lock);
	KUNIT_EXPECT_EQ(test, ret, 1);
	secmmu_pt_cache_free(vm, &cache);
	KUNIT_EXPECT_EQ(test, bad, 0);

	write_lock(&vm->mmu_lock);
	for_each_secmmu_leaf(it, vm->roots[0], 3, 4) {
		u64 new = spte_make_leaf(32, false);

		KUNIT_EXPECT_EQ(test, spte_pfn(it.old_spte), 31ULL);
		WRITE_ONCE(*it.sptep, new);
		secmmu_leaf_changed(vm, it.sptep, head, NULL, it.old_spte, new);
	}
	write_unlock(&vm->mmu_lock);
	KUNIT_EXPECT_EQ(test, bad, 1);
	KUNIT_EXPECT_EQ(test, secmmu_rmap_count(READ_ONCE(*head)), 1U);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_MAPPED), 1ULL);
	secmmu_kunit_zap(vm, 0, 0, U64_MAX, true);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_MAPPED), 0ULL);
}

static struct kunit_case install_cases[] = {
	KUNIT_CASE(leaf_change_other_pfn_warns),
	KUNIT_CASE(install_replace_needs_write),
	KUNIT_CASE(install_same_pfn_merges),
	KUNIT_CASE_SLOW(install_races_two_cpus),
	{}
};

static struct kunit_suite install_suite = {
	.name = "secmmu_install",
	.test_cases = install_cases,
};

kunit_test_suite(install_suite);
