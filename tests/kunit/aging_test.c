// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the four aging strategies (three rmap walkers and the table walk)
 * give the same answers on the same state, a leaf changed between aging's
 * read and its A-bit clear keeps the change, and a table walk racing zaps
 * that free tables stays sound (run on x86_64 -smp 2 with KASAN).
 */
#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>

#include "aging.h"
#include "mmu.h"
#include "pgtable.h"
#include "stats.h"
#include "secmmu_kunit.h"
#include "spte.h"
#include "walk.h"

#define NPAGES		64
#define SLOT_HVA	0x100000UL	/* secmmu_kunit_slot_vm()'s memslot */
#define NVIEWS		3		/* views used: 0, 1, 2 */

/* Which views map page @i: every degree from 0 to NVIEWS. */
static bool maps(unsigned int i, u32 v)
{
	switch (v) {
	case 0:
		return i % 3;
	case 1:
		return !(i % 4);
	default:
		return !(i % 5);
	}
}

/* Which leaves a "vCPU" touches after the first clear. */
static bool touched(unsigned int i, u32 v)
{
	return maps(i, v) && !((i * 7 + v) % 3);
}

static unsigned int degree(unsigned int i)
{
	unsigned int n = 0;
	u32 v;

	for (v = 0; v < NVIEWS; v++)
		n += maps(i, v);
	return n;
}

static u64 *leaf(struct secmmu_vm *vm, u32 v, u64 gfn)
{
	struct secmmu_iter it;
	u64 *sptep = NULL;

	for_each_secmmu_leaf(it, vm->roots[v], gfn, gfn + 1)
		sptep = it.sptep;
	return sptep;
}

static bool age_page(struct secmmu_vm *vm, unsigned int i, bool clear,
		     bool *fast)
{
	unsigned long hva = SLOT_HVA + i * PAGE_SIZE;

	return secmmu_age_hva_range(vm, hva, hva + PAGE_SIZE, clear, fast);
}

/* Is page @i answered without mmu_lock in @mode (not FAST_ONLY)? */
static bool want_fast(u32 mode, unsigned int i)
{
	switch (mode) {
	case SECMMU_RMAP_LOCKED:
		return !degree(i);
	case SECMMU_RMAP_SINGLE_LOCKLESS:
		return degree(i) <= 1;
	default:
		return true;
	}
}

static void aging_modes_agree(struct kunit *test)
{
	u32 mode;

	for (mode = 0; mode < SECMMU_RMAP_NR_MODES; mode++) {
		struct secmmu_vm *vm = secmmu_kunit_slot_vm(test, NPAGES, mode);
		unsigned int i, young = 0, want = 0;
		bool fast;
		u32 v;

		for (i = 0; i < NPAGES; i++)
			for (v = 0; v < NVIEWS; v++)
				if (maps(i, v))
					secmmu_kunit_map(test, vm, v, i, 1000 + i);
		/* Fresh leaves are young; a clear makes every page old. */
		for (i = 0; i < NPAGES; i++) {
			KUNIT_EXPECT_EQ_MSG(test, age_page(vm, i, true, &fast),
					    degree(i) > 0, "mode %u page %u", mode, i);
			KUNIT_EXPECT_EQ_MSG(test, fast, want_fast(mode, i),
					    "mode %u page %u", mode, i);
		}
		for (i = 0; i < NPAGES; i++)
			KUNIT_EXPECT_FALSE_MSG(test, age_page(vm, i, false, &fast),
					       "mode %u page %u", mode, i);
		for (i = 0; i < NPAGES; i++)
			for (v = 0; v < NVIEWS; v++)
				if (touched(i, v)) {
					u64 *sptep = leaf(vm, v, i);

					KUNIT_ASSERT_NOT_NULL(test, sptep);
					WRITE_ONCE(*sptep, *sptep | SPTE_ACCESSED);
				}
		/* Young iff any alias was touched; TEST keeps, CLEAR clears. */
		for (i = 0; i < NPAGES; i++) {
			bool w = false;

			for (v = 0; v < NVIEWS; v++)
				w |= touched(i, v);
			want += w;
			young += age_page(vm, i, false, &fast);
			KUNIT_EXPECT_EQ_MSG(test, age_page(vm, i, false, &fast), w,
					    "mode %u page %u", mode, i);
			KUNIT_EXPECT_EQ_MSG(test, age_page(vm, i, true, &fast), w,
					    "mode %u page %u", mode, i);
			KUNIT_EXPECT_FALSE_MSG(test, age_page(vm, i, false, &fast),
					       "mode %u page %u", mode, i);
		}
		KUNIT_EXPECT_EQ_MSG(test, young, want, "mode %u", mode);
		KUNIT_EXPECT_LT(test, 0U, want);
		/* Every leaf is still there: aging only ever clears A. */
		for (i = 0; i < NPAGES; i++)
			for (v = 0; v < NVIEWS; v++)
				KUNIT_EXPECT_EQ_MSG(test, !!leaf(vm, v, i) &&
						    spte_present(READ_ONCE(*leaf(vm, v, i))),
						    maps(i, v), "mode %u page %u view %u",
						    mode, i, v);
		/* The whole range at once: the same answer as page by page. */
		KUNIT_EXPECT_FALSE(test, secmmu_age_hva_range(vm, SLOT_HVA,
							      SLOT_HVA + NPAGES * PAGE_SIZE,
							      false, &fast));
		*leaf(vm, 1, 60) |= SPTE_ACCESSED;
		KUNIT_EXPECT_TRUE(test, secmmu_age_hva_range(vm, SLOT_HVA,
							     SLOT_HVA + NPAGES * PAGE_SIZE,
							     true, &fast));
		/* Pages of degree 2 and 3 need descriptors, except with no rmap. */
		if (mode == SECMMU_RMAP_TABLE_WALK)
			KUNIT_EXPECT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_RMAP_DESCS),
					0ULL);
		else
			KUNIT_EXPECT_LT(test, 0ULL,
					secmmu_stat_read(vm, SECMMU_STAT_RMAP_DESCS));
	}
}

/*
 * The hooks count a call of the common shape (one page, one head) with one
 * per-CPU increment that stands for several counters (stats.h); read back,
 * each counter says what the call did, in every mode: the page's head
 * walked the mode's way, empty heads and pages outside every memslot
 * counted as pages or not at all, a head with two leaves (the general
 * count) as before, young answers and clear_flush_young's elided flush.
 */
static const enum secmmu_stat hook_stats[] = {
	SECMMU_STAT_AGE_CLEAR_FLUSH_YOUNG, SECMMU_STAT_AGE_CLEAR_YOUNG,
	SECMMU_STAT_AGE_TEST_YOUNG, SECMMU_STAT_AGE_YOUNG, SECMMU_STAT_AGE_PAGES,
	SECMMU_STAT_AGE_FLUSH_ELIDED, SECMMU_STAT_RMAP_LOCKLESS,
	SECMMU_STAT_RMAP_BIT_LOCKS, SECMMU_STAT_RMAP_LOCK_FALLBACKS,
};

#define HOOK_NSTATS	ARRAY_SIZE(hook_stats)

/* Call @fn on page @i; expect @young and these counter deltas. */
static void hook_expect(struct kunit *test, struct secmmu_vm *vm, u32 mode,
			const char *what, unsigned int i, bool flush, bool clear,
			bool young, const u64 want[HOOK_NSTATS])
{
	unsigned long hva = SLOT_HVA + i * PAGE_SIZE;
	u64 before[HOOK_NSTATS];
	unsigned int k;
	bool fast;

	for (k = 0; k < HOOK_NSTATS; k++)
		before[k] = secmmu_stat_read(vm, hook_stats[k]);
	if (flush)
		KUNIT_EXPECT_EQ_MSG(test, !!secmmu_mn_clear_flush_young(&vm->mn, NULL, hva,
									hva + PAGE_SIZE),
				    young, "mode %u %s", mode, what);
	else
		KUNIT_EXPECT_EQ_MSG(test, secmmu_age_hva_range(vm, hva, hva + PAGE_SIZE,
							       clear, &fast),
				    young, "mode %u %s", mode, what);
	for (k = 0; k < HOOK_NSTATS; k++)
		KUNIT_EXPECT_EQ_MSG(test, secmmu_stat_read(vm, hook_stats[k]) - before[k],
				    want[k], "mode %u %s: stat %d", mode, what,
				    hook_stats[k]);
}

static void aging_hook_counts(struct kunit *test)
{
	u32 mode;

	for (mode = 0; mode < SECMMU_RMAP_NR_MODES; mode++) {
		struct secmmu_vm *vm = secmmu_kunit_slot_vm(test, NPAGES, mode);
		/* The head's counter in this mode: lockless, bit, or none. */
		u64 ll = mode == SECMMU_RMAP_SINGLE_LOCKLESS;
		u64 bit = mode == SECMMU_RMAP_LOCK_BIT;
		u64 fb = ll;	/* SINGLE_LOCKLESS: two leaves under mmu_lock */

		secmmu_kunit_map(test, vm, 0, 1, 1001);
		secmmu_kunit_map(test, vm, 0, 2, 1002);
		secmmu_kunit_map(test, vm, 1, 2, 1002);
		/*       flush/clear/test young  pages elided ll  bit  fallback */
		hook_expect(test, vm, mode, "one leaf, clear", 1, false, true, true,
			    (u64[]){ 0, 1, 0, 1, 1, 0, ll, bit, 0 });
		hook_expect(test, vm, mode, "one leaf, test", 1, false, false, false,
			    (u64[]){ 0, 0, 1, 0, 1, 0, ll, bit, 0 });
		WRITE_ONCE(*leaf(vm, 0, 1), *leaf(vm, 0, 1) | SPTE_ACCESSED);
		hook_expect(test, vm, mode, "one leaf, clear_flush", 1, true, true,
			    true, (u64[]){ 1, 0, 0, 1, 1, 1, ll, bit, 0 });
		hook_expect(test, vm, mode, "empty head", 3, false, true, false,
			    (u64[]){ 0, 1, 0, 0, 1, 0, 0, 0, 0 });
		hook_expect(test, vm, mode, "no memslot", NPAGES + 1, false, true,
			    false, (u64[]){ 0, 1, 0, 0, 0, 0, 0, 0, 0 });
		hook_expect(test, vm, mode, "two leaves", 2, false, true, true,
			    (u64[]){ 0, 1, 0, 1, 1, 0, 0, bit, fb });
	}
}

/*
 * The A-bit clear acts only on the leaf it read (cmpxchg): a vCPU setting
 * D, or a zap, between aging's read and its clear must survive it.  A
 * plain store there would drop the D bit (a lost write under dirty
 * tracking) or resurrect the zapped leaf (a mapping of a page the primary
 * MMU may already have freed).  The window is a few instructions; the
 * hook (secmmu_age_leaf_read()) makes the change inside it, in every mode,
 * for a page with one leaf (a direct rmap head) and a page with three (a
 * descriptor chain; LOCKED and SINGLE_LOCKLESS age it under mmu_lock).
 * A zap needs mmu_lock and the head's bit, so it is raced only where the
 * ager holds neither: the table walk and the lockless direct head.
 */
#define RACE_SOLO	1	/* mapped by view 0 only */
#define RACE_SHARED	2	/* mapped by views 0, 1 and 2 */

struct age_race {
	struct secmmu_vm *vm;
	u64 *target;		/* the leaf to change inside the window */
	u32 view;
	u64 gfn;
	bool zap;		/* zap it; else set D as a vCPU write does */
	int hits;
};

static void change_leaf_mid_age(u64 *sptep, u64 spte)
{
	struct age_race *r = kunit_get_current_test()->priv;

	if (sptep != r->target || r->hits++)
		return;
	if (r->zap)
		secmmu_kunit_zap(r->vm, r->view, r->gfn, r->gfn + 1, false);
	else
		cmpxchg64(sptep, spte, spte | SPTE_DIRTY);
}

static void age_race_one(struct kunit *test, struct secmmu_vm *vm, u32 mode,
			 u32 view, u64 gfn, bool zap)
{
	struct age_race r = { .vm = vm, .view = view, .gfn = gfn, .zap = zap };
	u64 lost = secmmu_stat_read(vm, SECMMU_STAT_RMAP_CMPXCHG_FAILED);
	u64 spte;
	bool fast;

	r.target = leaf(vm, view, gfn);
	KUNIT_ASSERT_NOT_NULL(test, r.target);
	/* Young again (a clear of an earlier round may have made it old). */
	WRITE_ONCE(*r.target, READ_ONCE(*r.target) | SPTE_ACCESSED);
	test->priv = &r;
	WRITE_ONCE(secmmu_age_leaf_stubbed, true);
	kunit_activate_static_stub(test, secmmu_age_leaf_read, change_leaf_mid_age);
	KUNIT_EXPECT_TRUE_MSG(test, age_page(vm, gfn, true, &fast),
			      "mode %u gfn %llu", mode, gfn);
	kunit_deactivate_static_stub(test, secmmu_age_leaf_read);
	WRITE_ONCE(secmmu_age_leaf_stubbed, false);
	test->priv = NULL;

	spte = READ_ONCE(*r.target);
	KUNIT_EXPECT_EQ_MSG(test, r.hits, 1, "mode %u gfn %llu", mode, gfn);
	KUNIT_EXPECT_EQ_MSG(test, secmmu_stat_read(vm, SECMMU_STAT_RMAP_CMPXCHG_FAILED),
			    lost + 1, "mode %u gfn %llu", mode, gfn);
	if (zap) {
		KUNIT_EXPECT_FALSE_MSG(test, spte_present(spte),
				       "mode %u gfn %llu: the zapped leaf came back",
				       mode, gfn);
		return;
	}
	KUNIT_EXPECT_TRUE_MSG(test, spte_present(spte), "mode %u gfn %llu", mode, gfn);
	KUNIT_EXPECT_TRUE_MSG(test, spte_dirty(spte),
			      "mode %u gfn %llu: the vCPU's D bit was lost", mode, gfn);
	/* Clean again: the pfn is made up, a dirty zap would touch its page. */
	WRITE_ONCE(*r.target, spte & ~SPTE_DIRTY);
}

static void aging_clear_keeps_racing_change(struct kunit *test)
{
	u32 mode, v;

	for (mode = 0; mode < SECMMU_RMAP_NR_MODES; mode++) {
		struct secmmu_vm *vm = secmmu_kunit_slot_vm(test, NPAGES, mode);
		bool unlocked = mode == SECMMU_RMAP_TABLE_WALK ||
				mode == SECMMU_RMAP_SINGLE_LOCKLESS;

		secmmu_kunit_map(test, vm, 0, RACE_SOLO, 3000 + RACE_SOLO);
		for (v = 0; v < NVIEWS; v++)
			secmmu_kunit_map(test, vm, v, RACE_SHARED, 3000 + RACE_SHARED);

		age_race_one(test, vm, mode, 0, RACE_SOLO, false);
		age_race_one(test, vm, mode, 1, RACE_SHARED, false);
		if (unlocked)
			age_race_one(test, vm, mode, 0, RACE_SOLO, true);
		if (mode == SECMMU_RMAP_TABLE_WALK)
			age_race_one(test, vm, mode, 1, RACE_SHARED, true);
	}
}

/*
 * Table walk vs zap: a kthread keeps mapping and zapping (freeing tables)
 * views 1 and 2 of every page while aging walks all three views' tables
 * with no lock.  View 0's leaf of page 5 stays and is made young before
 * every walk: each walk must find it.  KASAN watches the freed tables.
 */
struct churn {
	struct secmmu_vm *vm;
	struct kunit *test;
	atomic_t rounds;
};

static int churn(void *arg)
{
	struct churn *c = arg;
	unsigned int i;
	u32 v;

	while (!kthread_should_stop()) {
		for (v = 1; v < NVIEWS; v++)
			for (i = 0; i < NPAGES; i += 7)
				secmmu_kunit_map(c->test, c->vm, v, i, 2000 + i);
		for (v = 1; v < NVIEWS; v++)
			secmmu_kunit_zap(c->vm, v, 0, U64_MAX, true);
		atomic_inc(&c->rounds);
		cond_resched();
	}
	return 0;
}

static void aging_table_walk_vs_zap(struct kunit *test)
{
	struct secmmu_vm *vm = secmmu_kunit_slot_vm(test, NPAGES,
						    SECMMU_RMAP_TABLE_WALK);
	struct churn c = { .vm = vm, .test = test };
	unsigned long deadline = jiffies + HZ;
	u64 walks = 0, missed = 0;
	struct task_struct *t;
	u64 *stable;
	bool fast;

	secmmu_kunit_map(test, vm, 0, 5, 55);
	stable = leaf(vm, 0, 5);
	KUNIT_ASSERT_NOT_NULL(test, stable);
	t = kthread_run(churn, &c, "secmmu-age-churn");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	while (time_before(jiffies, deadline) || atomic_read(&c.rounds) < 10) {
		/* Only aging clears A meanwhile: a plain store is enough. */
		WRITE_ONCE(*stable, READ_ONCE(*stable) | SPTE_ACCESSED);
		missed += !secmmu_age_hva_range(vm, SLOT_HVA,
						SLOT_HVA + NPAGES * PAGE_SIZE,
						true, &fast);
		missed += !fast;
		walks++;
		cond_resched();
	}
	kthread_stop(t);
	kunit_info(test, "%llu walks, %d zap rounds\n", walks,
		   atomic_read(&c.rounds));
	KUNIT_EXPECT_EQ(test, missed, 0ULL);
	KUNIT_EXPECT_TRUE(test, spte_present(READ_ONCE(*stable)));
	KUNIT_EXPECT_FALSE(test, spte_accessed(READ_ONCE(*stable)));
}

/*
 * The hooks as reclaim calls them: under the page table lock (here a
 * spinlock_t of the test's), which off PREEMPT_RT is the RCU read-side
 * section they rely on (aging.c: hook_rcu_lock()).  In every mode the
 * answers are the same as from a preemptible caller, for one page, a
 * page whose SINGLE_LOCKLESS head needs mmu_lock, and a batch; on the
 * x86_64 run lockdep checks the wait contexts (LOCKED's mmu_lock inside
 * the lock) and PROVE_RCU the layout's dereference.
 */
static void aging_hooks_under_ptl(struct kunit *test)
{
	u32 mode;

	for (mode = 0; mode < SECMMU_RMAP_NR_MODES; mode++) {
		struct secmmu_vm *vm = secmmu_kunit_slot_vm(test, NPAGES, mode);
		unsigned long hva = SLOT_HVA;
		spinlock_t ptl;	/* the page table lock of a real caller */
		unsigned int i;
		bool fast, r[NPAGES], all;
		u32 v;

		spin_lock_init(&ptl);
		for (i = 0; i < NPAGES; i++)
			for (v = 0; v < NVIEWS; v++)
				if (maps(i, v))
					secmmu_kunit_map(test, vm, v, i, 1000 + i);
		spin_lock(&ptl);
		for (i = 0; i < NPAGES; i++)
			r[i] = !!secmmu_mn_clear_flush_young(&vm->mn, NULL,
							     hva + i * PAGE_SIZE,
							     hva + (i + 1) * PAGE_SIZE);
		all = secmmu_age_hva_range(vm, hva, hva + NPAGES * PAGE_SIZE,
					   false, &fast);
		spin_unlock(&ptl);
		for (i = 0; i < NPAGES; i++)
			KUNIT_EXPECT_EQ_MSG(test, r[i], degree(i) > 0,
					    "mode %u page %u", mode, i);
		KUNIT_EXPECT_FALSE_MSG(test, all, "mode %u", mode);
		*leaf(vm, 2, 10) |= SPTE_ACCESSED;
		spin_lock(&ptl);
		all = secmmu_age_hva_range(vm, hva, hva + NPAGES * PAGE_SIZE,
					   false, &fast);
		r[0] = age_page(vm, 10, true, &fast);
		r[1] = age_page(vm, 10, false, &fast);
		spin_unlock(&ptl);
		KUNIT_EXPECT_TRUE_MSG(test, all, "mode %u", mode);
		KUNIT_EXPECT_TRUE_MSG(test, r[0], "mode %u", mode);
		KUNIT_EXPECT_FALSE_MSG(test, r[1], "mode %u", mode);
	}
}

static struct kunit_case aging_cases[] = {
	KUNIT_CASE(aging_modes_agree),
	KUNIT_CASE(aging_hook_counts),
	KUNIT_CASE(aging_hooks_under_ptl),
	KUNIT_CASE(aging_clear_keeps_racing_change),
	KUNIT_CASE_SLOW(aging_table_walk_vs_zap),
	{}
};

static struct kunit_suite aging_suite = {
	.name = "secmmu_aging",
	.test_cases = aging_cases,
};

kunit_test_suite(aging_suite);
