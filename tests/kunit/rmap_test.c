// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: rmap head encoding, descriptor chains, the three walkers and
 * lockless walkers racing with writers (run on x86_64 -smp 2).
 */
#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>

#include "aging.h"
#include "mmu.h"
#include "pgtable.h"
#include "pt_id.h"
#include "rmap.h"
#include "secmmu_kunit.h"
#include "spte.h"

#define NR_FAKE	40

struct fake {
	struct secmmu_vm *vm;
	unsigned long head;
	u64 sptes[NR_FAKE];
	unsigned int freed, freed_locked;	/* rmap_desc_freed_unlocked */
};

static struct fake *fake_setup(struct kunit *test)
{
	struct fake *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->vm = secmmu_kunit_bare_vm(test);
	return f;
}

/* As a fault adds: stock topped up, mmu_lock for read. */
static void rmap_add_locked(struct kunit *test, struct secmmu_vm *vm,
			    unsigned long *head, u64 *sptep)
{
	struct secmmu_rmap_spares sp = {};

	KUNIT_ASSERT_EQ(test, 0, secmmu_rmap_spares_topup(vm, &sp));
	read_lock(&vm->mmu_lock);
	secmmu_rmap_add(vm, head, sptep, &sp);
	read_unlock(&vm->mmu_lock);
	secmmu_rmap_spares_free(vm, &sp);
}

static void rmap_remove_locked(struct secmmu_vm *vm, unsigned long *head,
			       u64 *sptep)
{
	write_lock(&vm->mmu_lock);
	secmmu_rmap_remove(vm, head, sptep);
	write_unlock(&vm->mmu_lock);
}

static void fake_add(struct kunit *test, struct fake *f, int i)
{
	rmap_add_locked(test, f->vm, &f->head, &f->sptes[i]);
}

static void fake_remove(struct fake *f, int i)
{
	rmap_remove_locked(f->vm, &f->head, &f->sptes[i]);
}

/* The head lists exactly the entries in @present, each once, canonically. */
static void expect_exactly(struct kunit *test, struct fake *f, const bool *present)
{
	unsigned int seen[NR_FAKE] = {};
	struct secmmu_rmap_iter it;
	unsigned int i, n = 0;

	KUNIT_EXPECT_EQ(test, f->head & RMAP_LOCKED, 0UL);
	for_each_rmap_spte(it, f->head) {
		long idx = it.sptep - f->sptes;

		KUNIT_ASSERT_TRUE(test, idx >= 0 && idx < NR_FAKE);
		seen[idx]++;
	}
	for (i = 0; i < NR_FAKE; i++) {
		KUNIT_EXPECT_EQ_MSG(test, seen[i], present[i] ? 1U : 0U, "entry %u", i);
		n += present[i];
	}
	KUNIT_EXPECT_EQ(test, secmmu_rmap_count(f->head), n);
	if (n == 0)
		KUNIT_EXPECT_EQ(test, f->head, 0UL);
	else if (n == 1)
		KUNIT_EXPECT_TRUE(test, secmmu_rmap_direct(f->head));
	else if (n == 2 && (f->head & RMAP_PAIR))
		KUNIT_EXPECT_EQ(test, f->head & RMAP_MANY, 0UL);
	else
		KUNIT_EXPECT_EQ(test, f->head & (RMAP_MANY | RMAP_PAIR), RMAP_MANY);
	/* A pair only for two; dense: descriptors = ceil(n / per-descriptor). */
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(f->vm, SECMMU_STAT_RMAP_PAIRS),
			f->head & RMAP_PAIR ? 1ULL : 0ULL);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(f->vm, SECMMU_STAT_RMAP_DESCS),
			n > 1 && !(f->head & RMAP_PAIR) ?
			(u64)DIV_ROUND_UP(n, RMAP_DESC_SPTES) : 0ULL);
}

static void rmap_grow_and_shrink(struct kunit *test)
{
	struct fake *f = fake_setup(test);
	bool present[NR_FAKE] = {};
	int i;

	expect_exactly(test, f, present);
	for (i = 0; i < NR_FAKE; i++) {
		fake_add(test, f, i);
		present[i] = true;
		expect_exactly(test, f, present);
	}
	for (i = NR_FAKE - 1; i >= 0; i--) {
		fake_remove(f, i);
		present[i] = false;
		expect_exactly(test, f, present);
	}
}

/*
 * Two leaves are a pair (16 bytes, no descriptor); a third turns it into a
 * descriptor and the pair is freed once the adder reaps it; removals back
 * to two keep the descriptor, to one make the head direct again.
 */
static void rmap_pair_forms(struct kunit *test)
{
	struct fake *f = fake_setup(test);
	unsigned long h;

	fake_add(test, f, 0);
	fake_add(test, f, 1);
	h = f->head;
	KUNIT_EXPECT_EQ(test, h & (RMAP_PAIR | RMAP_MANY), RMAP_PAIR);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(f->vm, SECMMU_STAT_RMAP_PAIRS), 1ULL);
	fake_remove(f, 0);
	KUNIT_EXPECT_EQ(test, f->head, (unsigned long)&f->sptes[1]);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(f->vm, SECMMU_STAT_RMAP_PAIRS), 0ULL);
	fake_add(test, f, 2);
	fake_remove(f, 2);			/* the second of a pair */
	KUNIT_EXPECT_EQ(test, f->head, (unsigned long)&f->sptes[1]);

	fake_add(test, f, 2);
	fake_add(test, f, 3);
	KUNIT_EXPECT_EQ(test, f->head & (RMAP_PAIR | RMAP_MANY), RMAP_MANY);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(f->vm, SECMMU_STAT_RMAP_PAIRS), 0ULL);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(f->vm, SECMMU_STAT_RMAP_DESCS), 1ULL);
	fake_remove(f, 1);
	KUNIT_EXPECT_EQ(test, f->head & (RMAP_PAIR | RMAP_MANY), RMAP_MANY);
	KUNIT_EXPECT_EQ(test, secmmu_rmap_count(f->head), 2U);
	fake_remove(f, 3);
	KUNIT_EXPECT_EQ(test, f->head, (unsigned long)&f->sptes[2]);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(f->vm, SECMMU_STAT_RMAP_DESCS), 0ULL);
	fake_remove(f, 2);
	KUNIT_EXPECT_EQ(test, f->head, 0UL);
}

static void rmap_descriptor_boundaries(struct kunit *test)
{
	struct fake *f = fake_setup(test);
	bool present[NR_FAKE] = {};
	int i;

	for (i = 0; i < RMAP_DESC_SPTES; i++) {
		fake_add(test, f, i);
		present[i] = true;
	}
	expect_exactly(test, f, present);	/* exactly full: one descriptor */
	fake_add(test, f, RMAP_DESC_SPTES);
	present[RMAP_DESC_SPTES] = true;
	expect_exactly(test, f, present);	/* one over: two */
	fake_remove(f, 3);			/* from the full, older descriptor */
	present[3] = false;
	expect_exactly(test, f, present);	/* the hole filled: one again */
}

static void rmap_remove_from_middle(struct kunit *test)
{
	struct fake *f = fake_setup(test);
	bool present[NR_FAKE] = {};
	int i;

	for (i = 0; i < 30; i++) {
		fake_add(test, f, i);
		present[i] = true;
	}
	for (i = 1; i < 30; i += 2) {		/* every other, oldest first */
		fake_remove(f, i);
		present[i] = false;
		expect_exactly(test, f, present);
	}
	for (i = 0; i < 30; i += 2) {
		fake_remove(f, i);
		present[i] = false;
		expect_exactly(test, f, present);
	}
}

/* The fake whose removals rmap_desc_freed_unlocked watches. */
static void record_free_under_bit(struct secmmu_vm *vm, struct secmmu_rmap_desc *d)
{
	struct kunit *test = kunit_get_current_test();
	struct fake *f = test->priv;

	if (READ_ONCE(f->head) & RMAP_LOCKED)
		f->freed_locked++;
	f->freed++;
}

/*
 * Descriptors go back to the slab after the head's bit is dropped: the
 * bit's section runs with preemption off, and kmem_cache_free() may sleep
 * on PREEMPT_RT.
 */
static void rmap_desc_freed_unlocked(struct kunit *test)
{
	struct fake *f = fake_setup(test);
	int i;

	for (i = 0; i < 2 * RMAP_DESC_SPTES + 1; i++)
		fake_add(test, f, i);
	test->priv = f;
	kunit_activate_static_stub(test, secmmu_rmap_desc_freeing,
				   record_free_under_bit);
	for (i = 2 * RMAP_DESC_SPTES; i >= 0; i--)
		fake_remove(f, i);
	kunit_deactivate_static_stub(test, secmmu_rmap_desc_freeing);
	KUNIT_EXPECT_EQ(test, f->head, 0UL);
	/* Three descriptors: two emptied, one turned back into a direct head. */
	KUNIT_EXPECT_EQ(test, f->freed, 3U);
	KUNIT_EXPECT_EQ(test, f->freed_locked, 0U);
}

/* secmmu_rmap_age() under RCU, its answer as AGE1_* bits to compare. */
#define AGE1_YOUNG	BIT(0)
#define AGE1_FAILED	BIT(1)
#define AGE1_LOCKED	BIT(2)

static unsigned int age1(struct secmmu_vm *vm, unsigned long *head, bool clear,
			 bool fast_only)
{
	struct secmmu_age_answer a;

	rcu_read_lock();
	a = secmmu_rmap_age(vm, head, clear, fast_only);
	rcu_read_unlock();
	return (a.young ? AGE1_YOUNG : 0) | (a.fast_failed ? AGE1_FAILED : 0) |
	       (a.locked ? AGE1_LOCKED : 0);
}

/* Age semantics per leaf state, through the real install path. */
static void rmap_age_per_spte_state(struct kunit *test)
{
	struct secmmu_vm *vm = secmmu_kunit_slot_vm(test, 16, SECMMU_RMAP_SINGLE_LOCKLESS);
	unsigned long *head = secmmu_kunit_head(vm, 3);
	int level;

	/* Empty: not young. */
	KUNIT_EXPECT_EQ(test, age1(vm, head, true, false), 0U);

	secmmu_kunit_map(test, vm, 0, 3, 33);	/* new leaves are accessed */
	KUNIT_EXPECT_EQ(test, age1(vm, head, false, false), AGE1_YOUNG);
	KUNIT_EXPECT_EQ(test, age1(vm, head, false, false), AGE1_YOUNG);
	KUNIT_EXPECT_EQ(test, age1(vm, head, true, false), AGE1_YOUNG);
	KUNIT_EXPECT_EQ(test, age1(vm, head, false, false), 0U);
	KUNIT_EXPECT_EQ(test, age1(vm, head, true, false), 0U);
	/* Cleared A only: still present, same pfn. */
	KUNIT_EXPECT_EQ(test, secmmu_spte_lookup(vm, 0, 3, &level),
			spte_make_leaf(33, false) & ~SPTE_ACCESSED);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_RMAP_LOCKLESS), 5ULL);

	/* Zapped: the head is empty again. */
	secmmu_kunit_zap(vm, 0, 0, 16, true);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*head), 0UL);
}

/* Fast-ness is the mode's, for one and for several mappings of a gfn. */
static void rmap_fast_only_per_mode(struct kunit *test)
{
	static const struct {
		u32 mode;
		unsigned int single, multi;	/* result of a fast-only test */
		unsigned int slow;		/* ... of the multi, not fast-only */
	} cases[] = {
		{ SECMMU_RMAP_LOCKED, AGE1_FAILED, AGE1_FAILED, AGE1_LOCKED },
		{ SECMMU_RMAP_SINGLE_LOCKLESS, AGE1_YOUNG, AGE1_FAILED,
		  AGE1_LOCKED },
		{ SECMMU_RMAP_LOCK_BIT, AGE1_YOUNG, AGE1_YOUNG, 0 },
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct secmmu_vm *vm = secmmu_kunit_slot_vm(test, 8, cases[i].mode);

		secmmu_kunit_map(test, vm, 0, 1, 10);
		secmmu_kunit_map(test, vm, 0, 2, 20);
		secmmu_kunit_map(test, vm, 2, 2, 20);	/* alias: two leaves */
		KUNIT_EXPECT_EQ(test, secmmu_rmap_count(*secmmu_kunit_head(vm, 2)), 2U);

		KUNIT_EXPECT_EQ_MSG(test, age1(vm, secmmu_kunit_head(vm, 1), false, true),
				    cases[i].single, "mode %u", cases[i].mode);
		KUNIT_EXPECT_EQ_MSG(test, age1(vm, secmmu_kunit_head(vm, 2), false, true),
				    cases[i].multi, "mode %u", cases[i].mode);
		/* Without fast-only every mode answers, taking locks if it must. */
		KUNIT_EXPECT_EQ(test, age1(vm, secmmu_kunit_head(vm, 2), true, false),
				AGE1_YOUNG | cases[i].slow);
		KUNIT_EXPECT_EQ(test, age1(vm, secmmu_kunit_head(vm, 2), false, false),
				cases[i].slow);
	}
}

/* Zapping through a multi-entry head removes every alias. */
static void rmap_zap_removes_aliases(struct kunit *test)
{
	struct secmmu_vm *vm = secmmu_kunit_slot_vm(test, 8, SECMMU_RMAP_LOCK_BIT);
	unsigned long *head = secmmu_kunit_head(vm, 5);
	int level;
	u32 v;

	for (v = 0; v < SECMMU_MAX_VIEWS; v++)
		secmmu_kunit_map(test, vm, v, 5, 55);
	KUNIT_EXPECT_EQ(test, secmmu_rmap_count(*head), (unsigned int)SECMMU_MAX_VIEWS);

	write_lock(&vm->mmu_lock);
	KUNIT_EXPECT_TRUE(test, secmmu_zap_gfn_range(vm, secmmu_layout_locked(vm), 5, 6,
						     false));
	write_unlock(&vm->mmu_lock);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*head), 0UL);
	for (v = 0; v < SECMMU_MAX_VIEWS; v++)
		KUNIT_EXPECT_FALSE(test, spte_present(secmmu_spte_lookup(vm, v, 5, &level)));
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_RMAP_DESCS), 0ULL);
}

/*
 * A writer kthread keeps adding and zapping aliases of gfn 5 (views 1..3)
 * and freeing their tables, while view 0's leaf of gfn 5 stays.  Lockless
 * walkers run meanwhile: lock-bit walks must see the stable leaf exactly
 * once every time and always release the bit; single-entry walks must never
 * fault.  KASAN and lockdep watch.
 */
struct churn {
	struct secmmu_vm *vm;
	struct kunit *test;
	atomic_t rounds;
};

static int churn_writer(void *arg)
{
	struct churn *c = arg;
	u32 v;

	while (!kthread_should_stop()) {
		for (v = 1; v < 4; v++)
			secmmu_kunit_map(c->test, c->vm, v, 5, 55);
		for (v = 1; v < 4; v++)
			secmmu_kunit_zap(c->vm, v, 0, U64_MAX, true);
		atomic_inc(&c->rounds);
		cond_resched();
	}
	return 0;
}

static void rmap_lockless_walkers_vs_writer(struct kunit *test)
{
	struct secmmu_vm *vm = secmmu_kunit_slot_vm(test, 8, SECMMU_RMAP_LOCK_BIT);
	unsigned long *head = secmmu_kunit_head(vm, 5);
	unsigned long deadline = jiffies + HZ;
	struct churn c = { .vm = vm, .test = test };
	u64 *stable = NULL, walks = 0, bad = 0;
	struct task_struct *t;
	struct secmmu_iter it;

	secmmu_kunit_map(test, vm, 0, 5, 55);
	for_each_secmmu_leaf(it, vm->roots[0], 5, 6)
		stable = it.sptep;

	t = kthread_run(churn_writer, &c, "secmmu-churn");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	while (time_before(jiffies, deadline) || atomic_read(&c.rounds) < 10) {
		struct secmmu_rmap_iter ri;
		unsigned long h;
		int seen = 0;

		/* Lock-bit walk: the chain is stable under the bit. */
		h = secmmu_rmap_lock(vm, head);
		for_each_rmap_spte(ri, h)
			seen += ri.sptep == stable;
		secmmu_rmap_unlock(head, h);
		bad += seen != 1;

		/* Single-entry lockless walk and the mode walker, under RCU. */
		rcu_read_lock();
		h = READ_ONCE(*head);
		if (secmmu_rmap_direct(h))
			READ_ONCE(*(u64 *)(h & RMAP_PTR_MASK));
		secmmu_rmap_age(vm, head, true, true);
		rcu_read_unlock();
		walks++;
		cond_resched();
	}
	kthread_stop(t);

	kunit_info(test, "%llu walks, %d writer rounds\n", walks, atomic_read(&c.rounds));
	KUNIT_EXPECT_EQ(test, bad, 0ULL);
	KUNIT_EXPECT_EQ(test, READ_ONCE(*head) & RMAP_LOCKED, 0UL);
	KUNIT_EXPECT_EQ(test, secmmu_rmap_count(READ_ONCE(*head)), 1U);
}

static u64 *kunit_table(struct kunit *test, struct secmmu_vm *vm)
{
	u64 *t = secmmu_pt_alloc(vm, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	return t;
}

/* Exactly @a and @b, in this order, whatever the head's form. */
static void expect_two(struct kunit *test, unsigned long head, u64 *a, u64 *b)
{
	struct secmmu_rmap_iter it;
	u64 *seen[3] = {};
	unsigned int n = 0;

	for_each_rmap_spte(it, head) {
		KUNIT_ASSERT_LT(test, n, 3U);
		seen[n++] = it.sptep;
	}
	KUNIT_EXPECT_EQ(test, n, 2U);
	KUNIT_EXPECT_PTR_EQ(test, seen[0], a);
	KUNIT_EXPECT_PTR_EQ(test, seen[1], b);
}

/*
 * Two leaves in SPTE tables are packed into the head (no pair, no
 * descriptor: 8 bytes for two); a leaf outside any table (no handle) makes
 * it a pair; a third leaf makes a descriptor and frees nothing.  Handles
 * name the first and the last entry of a table.
 */
static void rmap_packed_forms(struct kunit *test)
{
	struct secmmu_vm *vm = secmmu_kunit_bare_vm(test);
	u64 tables = secmmu_stat_read(vm, SECMMU_STAT_TABLES);
	u64 *t1 = kunit_table(test, vm), *t2 = kunit_table(test, vm);
	u64 *t3 = kunit_table(test, vm);
	u64 *fake = kunit_kzalloc(test, sizeof(u64), GFP_KERNEL);
	unsigned long head = 0, h;

	KUNIT_ASSERT_NOT_NULL(test, fake);
	KUNIT_EXPECT_NE(test, secmmu_spte_handle(&t1[0]), 0UL);
	KUNIT_EXPECT_PTR_EQ(test, secmmu_spte_from_handle(secmmu_spte_handle(&t1[0])),
			    &t1[0]);
	KUNIT_EXPECT_PTR_EQ(test, secmmu_spte_from_handle(secmmu_spte_handle(&t2[511])),
			    &t2[511]);
	KUNIT_EXPECT_EQ(test, secmmu_spte_handle(fake), 0UL);

	rmap_add_locked(test, vm, &head, &t1[0]);
	rmap_add_locked(test, vm, &head, &t2[511]);
	KUNIT_EXPECT_TRUE(test, secmmu_rmap_packed(head));
	KUNIT_EXPECT_FALSE(test, secmmu_rmap_direct(head));
	expect_two(test, head, &t1[0], &t2[511]);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_RMAP_PAIRS), 0ULL);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_RMAP_DESCS), 0ULL);

	/* Either may go; the other is direct again. */
	rmap_remove_locked(vm, &head, &t1[0]);
	KUNIT_EXPECT_EQ(test, head, (unsigned long)&t2[511]);
	rmap_add_locked(test, vm, &head, &t3[7]);
	expect_two(test, head, &t2[511], &t3[7]);
	rmap_remove_locked(vm, &head, &t3[7]);
	KUNIT_EXPECT_EQ(test, head, (unsigned long)&t2[511]);

	/* A third: a descriptor, in order, and nothing left to reap. */
	rmap_add_locked(test, vm, &head, &t1[3]);
	h = head;
	rmap_add_locked(test, vm, &head, &t3[0]);
	KUNIT_EXPECT_TRUE(test, secmmu_rmap_packed(h));
	KUNIT_EXPECT_TRUE(test, secmmu_rmap_chain(head));
	KUNIT_EXPECT_EQ(test, secmmu_rmap_count(head), 3U);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_RMAP_DESCS), 1ULL);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_RMAP_PAIRS), 0ULL);
	rmap_remove_locked(vm, &head, &t3[0]);
	rmap_remove_locked(vm, &head, &t2[511]);
	KUNIT_EXPECT_EQ(test, head, (unsigned long)&t1[3]);
	rmap_remove_locked(vm, &head, &t1[3]);
	KUNIT_EXPECT_EQ(test, head, 0UL);

	/* One leaf without a handle, either first or second: a pair. */
	rmap_add_locked(test, vm, &head, &t1[1]);
	rmap_add_locked(test, vm, &head, fake);
	KUNIT_EXPECT_TRUE(test, secmmu_rmap_pair(head));
	expect_two(test, head, &t1[1], fake);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_RMAP_PAIRS), 1ULL);
	rmap_remove_locked(vm, &head, &t1[1]);
	rmap_add_locked(test, vm, &head, &t1[2]);
	KUNIT_EXPECT_TRUE(test, secmmu_rmap_pair(head));
	expect_two(test, head, fake, &t1[2]);
	rmap_remove_locked(vm, &head, fake);
	rmap_remove_locked(vm, &head, &t1[2]);
	KUNIT_EXPECT_EQ(test, head, 0UL);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_RMAP_PAIRS), 0ULL);

	/* A table that gave its id back has no handles. */
	secmmu_pt_id_release(t3);
	KUNIT_EXPECT_EQ(test, secmmu_spte_handle(&t3[5]), 0UL);
	secmmu_pt_free(vm, t3);
	secmmu_pt_free(vm, t2);
	secmmu_pt_free(vm, t1);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(vm, SECMMU_STAT_TABLES), tables);
}

static struct kunit_case rmap_cases[] = {
	KUNIT_CASE(rmap_grow_and_shrink),
	KUNIT_CASE(rmap_pair_forms),
	KUNIT_CASE(rmap_packed_forms),
	KUNIT_CASE(rmap_descriptor_boundaries),
	KUNIT_CASE(rmap_remove_from_middle),
	KUNIT_CASE(rmap_desc_freed_unlocked),
	KUNIT_CASE(rmap_age_per_spte_state),
	KUNIT_CASE(rmap_fast_only_per_mode),
	KUNIT_CASE(rmap_zap_removes_aliases),
	KUNIT_CASE_SLOW(rmap_lockless_walkers_vs_writer),
	{}
};

static struct kunit_suite rmap_suite = {
	.name = "secmmu_rmap",
	.test_cases = rmap_cases,
};

kunit_test_suite(rmap_suite);
