// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the fault injection points (src/inject.h): off by default, the
 * fraction and the Nth they promise, an injected cmpxchg failure that
 * changes nothing, and a fault's install that still installs when its
 * cmpxchgs lose.  Every case leaves every point off.
 */
#include <kunit/test.h>
#include <linux/slab.h>

#include "inject.h"
#include "mmu.h"
#include "pgtable.h"
#include "secmmu_kunit.h"
#include "spte.h"
#include "stats.h"

static const char * const params[] = {
	"inject_zap_yield", "inject_cmpxchg_pct", "inject_age_pct",
	"inject_alloc_pct", "inject_alloc_nth",
};

static void set(struct kunit *test, const char *name, const char *val)
{
	KUNIT_ASSERT_EQ_MSG(test, 0, secmmu_inject_set(name, val), "%s=%s", name, val);
}

static void all_off(struct kunit *test)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(params); i++)
		set(test, params[i], "0");
}

static int inject_init(struct kunit *test)
{
	all_off(test);
	return 0;
}

static void inject_exit(struct kunit *test)
{
	all_off(test);
}

static void inject_off_by_default(struct kunit *test)
{
	u64 x = 5, old = 5;
	int i;

	KUNIT_EXPECT_FALSE(test, static_key_enabled(&secmmu_inject_on));
	for (i = 0; i < 1000; i++) {
		KUNIT_ASSERT_TRUE(test, secmmu_spte_try_cmpxchg(&x, &old, old + 1));
		old++;
		KUNIT_ASSERT_TRUE(test, secmmu_age_try_cmpxchg(&x, &old, old + 1));
		old++;
		KUNIT_ASSERT_FALSE(test, secmmu_inject_alloc_fail());
		KUNIT_ASSERT_FALSE(test, secmmu_inject_zap_yield(1000));
	}
	KUNIT_EXPECT_EQ(test, 2005ULL, x);
}

/* 20% of 1000 cmpxchgs lose; a loss leaves the entry and reloads *old. */
static void inject_cmpxchg_fraction(struct kunit *test)
{
	u64 e0 = secmmu_inject_events("inject_cmpxchg_pct");
	unsigned int lost = 0, i;
	u64 x = 0;

	set(test, "inject_cmpxchg_pct", "20");
	KUNIT_EXPECT_TRUE(test, static_key_enabled(&secmmu_inject_on));
	for (i = 0; i < 1000; i++) {
		u64 want = x, was = x;

		if (secmmu_spte_try_cmpxchg(&x, &want, x + 1))
			continue;
		lost++;
		KUNIT_ASSERT_EQ(test, was, x);		/* unchanged */
		KUNIT_ASSERT_EQ(test, x, want);		/* and reloaded */
	}
	KUNIT_EXPECT_EQ(test, 1000ULL - lost, x);
	KUNIT_EXPECT_GE(test, lost, 180U);
	KUNIT_EXPECT_LE(test, lost, 220U);
	KUNIT_EXPECT_EQ(test, (u64)lost, secmmu_inject_events("inject_cmpxchg_pct") - e0);
	/* Aging's clears are a point of their own. */
	for (i = 0; i < 100; i++) {
		u64 want = x;

		KUNIT_ASSERT_TRUE(test, secmmu_age_try_cmpxchg(&x, &want, x + 1));
	}
}

static void inject_bad_values(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, -EINVAL, secmmu_inject_set("inject_cmpxchg_pct", "100"));
	KUNIT_EXPECT_EQ(test, -EINVAL, secmmu_inject_set("inject_alloc_pct", "101"));
	KUNIT_EXPECT_NE(test, 0, secmmu_inject_set("inject_zap_yield", "x"));
	KUNIT_EXPECT_FALSE(test, static_key_enabled(&secmmu_inject_on));
	set(test, "inject_age_pct", "100");
	set(test, "inject_alloc_pct", "100");
	KUNIT_EXPECT_TRUE(test, secmmu_inject_alloc_fail());
	set(test, "inject_age_pct", "0");
	set(test, "inject_alloc_pct", "0");
	KUNIT_EXPECT_FALSE(test, static_key_enabled(&secmmu_inject_on));
}

/* inject_alloc_nth=3: the third allocation after the write fails, once. */
static void inject_alloc_nth(struct kunit *test)
{
	u64 e0 = secmmu_inject_events("inject_alloc_nth");
	void *p;
	int i;

	set(test, "inject_alloc_nth", "3");
	for (i = 1; i <= 10; i++)
		KUNIT_EXPECT_EQ_MSG(test, (int)(i == 3), (int)secmmu_inject_alloc_fail(),
				    "allocation %d", i);
	KUNIT_EXPECT_EQ(test, 1ULL, secmmu_inject_events("inject_alloc_nth") - e0);
	/* A failed one never allocates; writing the parameter counts anew. */
	set(test, "inject_alloc_nth", "1");
	KUNIT_EXPECT_NULL(test, secmmu_inject_alloc(kmalloc(8, GFP_KERNEL)));
	p = secmmu_inject_alloc(kmalloc(8, GFP_KERNEL));
	KUNIT_EXPECT_NOT_NULL(test, p);
	kfree(p);
}

static void inject_zap_yield_every(struct kunit *test)
{
	set(test, "inject_zap_yield", "2");
	KUNIT_EXPECT_FALSE(test, secmmu_inject_zap_yield(0));
	KUNIT_EXPECT_FALSE(test, secmmu_inject_zap_yield(1));
	KUNIT_EXPECT_TRUE(test, secmmu_inject_zap_yield(2));
	KUNIT_EXPECT_TRUE(test, secmmu_inject_zap_yield(64));
}

/*
 * A fault's install whose cmpxchgs lose (90%) still ends with its leaf: a
 * lost table link tries again, a lost leaf install too.  Before
 * link_table() tried again it returned with no leaf and no table.
 */
static void inject_install_still_installs(struct kunit *test)
{
	struct secmmu_vm *vm = secmmu_kunit_slot_vm(test, 1024, SECMMU_RMAP_LOCKED);
	u64 races0 = secmmu_stat_read(vm, SECMMU_STAT_FAULT_INSTALL_RACES);
	u64 g, e0 = secmmu_inject_events("inject_cmpxchg_pct");

	set(test, "inject_cmpxchg_pct", "90");
	for (g = 0; g < 1024; g += 97) {
		struct secmmu_pt_cache cache = {};
		int level, ret;
		u64 spte;

		KUNIT_ASSERT_EQ(test, 0, secmmu_pt_cache_topup(vm, &cache));
		read_lock(&vm->mmu_lock);
		ret = secmmu_kunit_mmu_install(vm, 1, g, 0x1000 + g, false, &cache,
					       secmmu_kunit_head(vm, g), true);
		read_unlock(&vm->mmu_lock);
		secmmu_pt_cache_free(vm, &cache);
		KUNIT_ASSERT_EQ(test, 0, ret);
		spte = secmmu_spte_lookup(vm, 1, g, &level);
		KUNIT_EXPECT_EQ_MSG(test, 1, level, "gfn %llu", g);
		KUNIT_EXPECT_TRUE_MSG(test, spte_present(spte), "gfn %llu", g);
		KUNIT_EXPECT_EQ_MSG(test, 0x1000 + g, spte_pfn(spte), "gfn %llu", g);
	}
	set(test, "inject_cmpxchg_pct", "0");
	KUNIT_EXPECT_GT(test, secmmu_inject_events("inject_cmpxchg_pct"), e0);
	KUNIT_EXPECT_GT(test, secmmu_stat_read(vm, SECMMU_STAT_FAULT_INSTALL_RACES), races0);
	secmmu_kunit_zap(vm, 1, 0, 1024, true);
}

static struct kunit_case inject_cases[] = {
	KUNIT_CASE(inject_off_by_default),
	KUNIT_CASE(inject_cmpxchg_fraction),
	KUNIT_CASE(inject_bad_values),
	KUNIT_CASE(inject_alloc_nth),
	KUNIT_CASE(inject_zap_yield_every),
	KUNIT_CASE(inject_install_still_installs),
	{}
};

static struct kunit_suite inject_suite = {
	.name = "secmmu_inject",
	.init = inject_init,
	.exit = inject_exit,
	.test_cases = inject_cases,
};

kunit_test_suite(inject_suite);
