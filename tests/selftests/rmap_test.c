// SPDX-License-Identifier: GPL-2.0
/*
 * Rmap modes (SECMMU_ENABLE_CAP(SECMMU_CAP_RMAP_MODE)) with multi-entry
 * rmaps: alias views map the same memslot gfns, so one gfn is mapped by up
 * to eight SPTEs.  For the same access pattern every mode must give the
 * same SECMMU_AGE answers; FAST_ONLY differs exactly as the UAPI says
 * (LOCKED fails every mapped page, SINGLE_LOCKLESS the pages mapped by
 * several SPTEs, LOCK_BIT none), and so do the rmap counters.  Zapping
 * through a multi-entry rmap (munmap, MADV_DONTNEED, view removal) removes
 * exactly the right entries.
 */
#include "secmmu_test.h"

#define NPAGES		64
#define GFN		0x1000
#define VGFN(view)	((__u64)(view) * 0x10000)	/* alias view base */
#define NVIEWS		SECMMU_MAX_VIEWS

/*
 * Which views fault page i (bit v = view v):
 *   A  0..15   view 0             1 SPTE
 *   B  16..31  views 0, 1         2 SPTEs
 *   C  32..47  views 0..7         8 SPTEs
 *   D  48..55  view 2 only        1 SPTE (in an alias view)
 *   E  56..63  none               unmapped
 */
#define NMAPPED		56
#define NMULTI		32	/* B + C */
#define NSINGLE		24	/* A + D */

static unsigned int views_of(unsigned int i)
{
	if (i < 16)
		return 1u << 0;
	if (i < 32)
		return 1u << 0 | 1u << 1;
	if (i < 48)
		return (1u << NVIEWS) - 1;
	if (i < 56)
		return 1u << 2;
	return 0;
}

static bool is_multi(unsigned int i)
{
	return __builtin_popcount(views_of(i)) > 1;
}

static __u64 view_gfn(unsigned int view, unsigned int i)
{
	return view ? VGFN(view) + i : GFN + i;
}

/* The subset accessed after the first CLEAR, and the view used for it. */
static bool in_subset(unsigned int i)
{
	return i < NMAPPED && i % 3 == 0;
}

static unsigned int subset_view(unsigned int i)
{
	unsigned int m = views_of(i);

	/* The highest mapping view for odd pages, the lowest for even. */
	return i % 2 ? 31 - __builtin_clz(m) : __builtin_ctz(m);
}

FIXTURE(rmap) {
	struct smu_env e;
};

SMU_RMAP_MODE_VARIANTS(rmap);

FIXTURE_SETUP(rmap)
{
	struct smu_env *e = &self->e;
	unsigned int v;

	smu_env_setup(_metadata, e, 0, GFN);
	ASSERT_EQ(0, smu_set_rmap_mode(e->vm, variant->mode));
	e->npages = NPAGES;
	e->mem = smu_mmap_anon(NPAGES * PAGE);
	ASSERT_NE(MAP_FAILED, e->mem);
	smu_fill(e->mem, NPAGES * PAGE, 77);
	ASSERT_EQ(0, smu_set_memslot(e->vm, 0, 0, GFN, NPAGES, e->mem));
	for (v = 1; v < NVIEWS; v++)
		ASSERT_EQ(0, smu_set_view(e->vm, v, VGFN(v), NPAGES, GFN));
	ASSERT_EQ(variant->mode, smu_check_cap(e->vm, SECMMU_CAP_RMAP_MODE));
}

FIXTURE_TEARDOWN(rmap)
{
	smu_env_teardown(&self->e);
}

static void touch(struct __test_metadata *_metadata, struct smu_env *e,
		  unsigned int view, unsigned int i)
{
	__u64 gfn = view_gfn(view, i);
	int ret = smu_touch_gfns(e->vcpu, view, &gfn, 1);

	ASSERT_EQ(0, ret) TH_LOG("view %u page %u: %d", view, i, ret);
}

/* Fault every page in every view views_of() gives it. */
static void fault_all(struct __test_metadata *_metadata, struct smu_env *e)
{
	unsigned int i, v;

	for (i = 0; i < NPAGES; i++)
		for (v = 0; v < NVIEWS; v++)
			if (views_of(i) >> v & 1)
				touch(_metadata, e, v, i);
	ASSERT_EQ(NSINGLE + 16 * 2 + 16 * NVIEWS,
		  smu_t_stat(_metadata, e->vm, SECMMU_STAT_MAPPED));
}

static void bm_from(__u64 *bm, unsigned int first, unsigned int n,
		    bool (*pred)(unsigned int i, const void *arg),
		    const void *arg)
{
	unsigned int i;

	memset(bm, 0, SMU_BM_WORDS(n) * sizeof(*bm));
	for (i = 0; i < n; i++)
		if (pred(first + i, arg))
			smu_bm_set(bm, i);
}

/*
 * SECMMU_AGE over [first, first + n) with both bitmaps pre-filled with
 * garbage; check young, fast_failed (FAST_ONLY only) and the counts
 * exactly against @exp_young / @exp_failed.
 */
static void age_expect(struct __test_metadata *_metadata, struct smu_env *e,
		       __u32 flags, unsigned int first, unsigned int n,
		       const __u64 *exp_young, const __u64 *exp_failed,
		       const char *what)
{
	__u64 young[SMU_BM_WORDS(NPAGES)], failed[SMU_BM_WORDS(NPAGES)];
	__u64 none[SMU_BM_WORDS(NPAGES)] = { 0 };
	char got[200], want[200];
	struct secmmu_age a;
	int ret;

	memset(young, 0xa5, sizeof(young));
	memset(failed, 0x5a, sizeof(failed));
	ret = smu_age(e->vm, flags, GFN + first, n, young, failed, &a);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", what, strerror(-ret));
	EXPECT_EQ(n, a.done) TH_LOG("%s", what);
	if (!exp_failed)
		exp_failed = none;
	if (smu_bm_first_diff(young, exp_young, n) >= 0) {
		smu_bm_format(got, sizeof(got), young, n);
		smu_bm_format(want, sizeof(want), exp_young, n);
		TH_LOG("%s: young {%s}, want {%s} (bit 0 = page %u)", what,
		       got, want, first);
	}
	EXPECT_EQ(-1, smu_bm_first_diff(young, exp_young, n));
	EXPECT_EQ(smu_bm_weight(exp_young, n), a.nr_young) TH_LOG("%s", what);
	EXPECT_EQ(smu_bm_weight(exp_failed, n), a.nr_fast_failed)
		TH_LOG("%s", what);
	if (flags & SECMMU_AGE_FAST_ONLY) {
		if (smu_bm_first_diff(failed, exp_failed, n) >= 0) {
			smu_bm_format(got, sizeof(got), failed, n);
			smu_bm_format(want, sizeof(want), exp_failed, n);
			TH_LOG("%s: fast_failed {%s}, want {%s}", what, got,
			       want);
		}
		EXPECT_EQ(-1, smu_bm_first_diff(failed, exp_failed, n));
	}
	EXPECT_EQ(0, a.nr_lookaround_young) TH_LOG("%s", what);
}

static bool p_mapped(unsigned int i, const void *arg)
{
	(void)arg;
	return i < NMAPPED;
}

static bool p_subset(unsigned int i, const void *arg)
{
	(void)arg;
	return in_subset(i);
}

static bool p_subset_multi(unsigned int i, const void *arg)
{
	(void)arg;
	return in_subset(i) && is_multi(i);
}

static bool p_subset_single(unsigned int i, const void *arg)
{
	(void)arg;
	return in_subset(i) && !is_multi(i);
}

static bool p_multi(unsigned int i, const void *arg)
{
	(void)arg;
	return i < NMAPPED && is_multi(i);
}

static bool p_none(unsigned int i, const void *arg)
{
	(void)i;
	(void)arg;
	return false;
}

/* Per-mode FAST_ONLY answer after the subset was accessed. */
static void fast_expect(__u32 mode, __u64 *young, __u64 *failed,
			unsigned int first, unsigned int n)
{
	switch (mode) {
	case SECMMU_RMAP_LOCKED:
		bm_from(young, first, n, p_none, NULL);
		bm_from(failed, first, n, p_mapped, NULL);
		break;
	case SECMMU_RMAP_SINGLE_LOCKLESS:
		bm_from(young, first, n, p_subset_single, NULL);
		bm_from(failed, first, n, p_multi, NULL);
		break;
	default:
		bm_from(young, first, n, p_subset, NULL);
		bm_from(failed, first, n, p_none, NULL);
		break;
	}
}

struct rmap_delta {
	__u64 lockless, multi_skipped, fallbacks, bit_locks, bit_spins,
	      cmpxchg_failed, pages, young;
};

static void rmap_delta(const struct smu_snap *s0, const struct smu_snap *s1,
		       struct rmap_delta *d)
{
	d->lockless = smu_delta(s0, s1, SECMMU_STAT_RMAP_LOCKLESS);
	d->multi_skipped = smu_delta(s0, s1, SECMMU_STAT_RMAP_MULTI_SKIPPED);
	d->fallbacks = smu_delta(s0, s1, SECMMU_STAT_RMAP_LOCK_FALLBACKS);
	d->bit_locks = smu_delta(s0, s1, SECMMU_STAT_RMAP_BIT_LOCKS);
	d->bit_spins = smu_delta(s0, s1, SECMMU_STAT_RMAP_BIT_SPINS);
	d->cmpxchg_failed = smu_delta(s0, s1, SECMMU_STAT_RMAP_CMPXCHG_FAILED);
	d->pages = smu_delta(s0, s1, SECMMU_STAT_AGE_PAGES);
	d->young = smu_delta(s0, s1, SECMMU_STAT_AGE_YOUNG);
}

/*
 * Counters of one walk over the NMAPPED mapped pages (NSINGLE heads with
 * one SPTE, NMULTI with several), without contention.
 */
static void expect_walk_stats(struct __test_metadata *_metadata, __u32 mode,
			      bool fast, const struct rmap_delta *d,
			      __u64 nr_young, const char *what)
{
	TH_LOG("%s: lockless %llu multi_skipped %llu fallbacks %llu "
	       "bit_locks %llu", what, (unsigned long long)d->lockless,
	       (unsigned long long)d->multi_skipped,
	       (unsigned long long)d->fallbacks,
	       (unsigned long long)d->bit_locks);
	EXPECT_EQ(NMAPPED, d->pages) TH_LOG("%s: age_pages", what);
	EXPECT_EQ(nr_young, d->young) TH_LOG("%s: age_young", what);
	EXPECT_EQ(0, d->bit_spins) TH_LOG("%s", what);
	EXPECT_EQ(0, d->cmpxchg_failed) TH_LOG("%s", what);
	switch (mode) {
	case SECMMU_RMAP_LOCKED:
		EXPECT_EQ(0, d->lockless) TH_LOG("%s", what);
		EXPECT_EQ(0, d->bit_locks) TH_LOG("%s", what);
		if (!fast)
			EXPECT_EQ(0, d->multi_skipped) TH_LOG("%s", what);
		break;
	case SECMMU_RMAP_SINGLE_LOCKLESS:
		EXPECT_EQ(NSINGLE, d->lockless) TH_LOG("%s", what);
		EXPECT_EQ(fast ? NMULTI : 0, d->multi_skipped)
			TH_LOG("%s", what);
		EXPECT_EQ(fast ? 0 : NMULTI, d->fallbacks) TH_LOG("%s", what);
		EXPECT_EQ(0, d->bit_locks) TH_LOG("%s", what);
		break;
	case SECMMU_RMAP_TABLE_WALK:
		/* No rmap: none of its counters moves. */
		EXPECT_EQ(0, d->lockless) TH_LOG("%s", what);
		EXPECT_EQ(0, d->bit_locks) TH_LOG("%s", what);
		EXPECT_EQ(0, d->multi_skipped) TH_LOG("%s", what);
		EXPECT_EQ(0, d->fallbacks) TH_LOG("%s", what);
		break;
	default:
		/*
		 * Every multi-entry head is walked under its lock bit; the
		 * UAPI leaves open whether single ones take it too.
		 */
		EXPECT_EQ(NMAPPED, d->lockless + d->bit_locks)
			TH_LOG("%s", what);
		EXPECT_LE(NMULTI, d->bit_locks) TH_LOG("%s", what);
		EXPECT_EQ(0, d->multi_skipped) TH_LOG("%s", what);
		EXPECT_EQ(0, d->fallbacks) TH_LOG("%s", what);
		break;
	}
}

/*
 * The same access pattern gives the same TEST/CLEAR answers in every
 * mode; FAST_ONLY answers and the rmap counters differ as specified.
 */
TEST_F(rmap, alias_age)
{
	struct smu_env *e = &self->e;
	__u64 y[1], y_fast[1], f_fast[1];
	struct smu_snap s0, s1;
	struct rmap_delta d;
	unsigned int i, v;

	fault_all(_metadata, e);
	/* Fresh SPTEs are young: CLEAR reports every mapped page once. */
	bm_from(y, 0, NPAGES, p_mapped, NULL);
	age_expect(_metadata, e, SECMMU_AGE_CLEAR, 0, NPAGES, y, NULL,
		   "clear after faults");
	/* ... and cleared the accessed bit of every alias. */
	for (i = 0; i < NPAGES; i++)
		for (v = 0; v < NVIEWS; v++) {
			__u64 fl = smu_spte_flags(e->vm, v, view_gfn(v, i));

			EXPECT_EQ(views_of(i) >> v & 1 ? SECMMU_SPTE_PRESENT :
				  0, fl & (SECMMU_SPTE_PRESENT |
					   SECMMU_SPTE_ACCESSED))
				TH_LOG("page %u view %u flags 0x%llx", i, v,
				       (unsigned long long)fl);
		}
	bm_from(y, 0, NPAGES, p_none, NULL);
	age_expect(_metadata, e, SECMMU_AGE_TEST, 0, NPAGES, y, NULL,
		   "test after clear");

	for (i = 0; i < NPAGES; i++)
		if (in_subset(i))
			touch(_metadata, e, subset_view(i), i);

	/* Not FAST_ONLY: identical in every mode.  TEST twice. */
	bm_from(y, 0, NPAGES, p_subset, NULL);
	age_expect(_metadata, e, SECMMU_AGE_TEST, 0, NPAGES, y, NULL,
		   "test subset");
	ASSERT_EQ(0, smu_snap(e->vm, &s0));
	age_expect(_metadata, e, SECMMU_AGE_TEST, 0, NMAPPED, y, NULL,
		   "test subset again");
	ASSERT_EQ(0, smu_snap(e->vm, &s1));
	rmap_delta(&s0, &s1, &d);
	expect_walk_stats(_metadata, variant->mode, false, &d,
			  smu_bm_weight(y, NMAPPED), "test");

	/* FAST_ONLY TEST, then FAST_ONLY CLEAR: the same answer. */
	fast_expect(variant->mode, y_fast, f_fast, 0, NPAGES);
	ASSERT_EQ(0, smu_snap(e->vm, &s0));
	age_expect(_metadata, e, SECMMU_AGE_TEST | SECMMU_AGE_FAST_ONLY, 0,
		   NMAPPED, y_fast, f_fast, "fast test");
	ASSERT_EQ(0, smu_snap(e->vm, &s1));
	rmap_delta(&s0, &s1, &d);
	expect_walk_stats(_metadata, variant->mode, true, &d,
			  smu_bm_weight(y_fast, NMAPPED), "fast test");
	age_expect(_metadata, e, SECMMU_AGE_CLEAR | SECMMU_AGE_FAST_ONLY, 0,
		   NPAGES, y_fast, f_fast, "fast clear");

	/* Fast-failed pages were not aged: exactly they are still young. */
	switch (variant->mode) {
	case SECMMU_RMAP_LOCKED:
		bm_from(y, 0, NPAGES, p_subset, NULL);
		break;
	case SECMMU_RMAP_SINGLE_LOCKLESS:
		bm_from(y, 0, NPAGES, p_subset_multi, NULL);
		break;
	default:
		bm_from(y, 0, NPAGES, p_none, NULL);
		break;
	}
	age_expect(_metadata, e, SECMMU_AGE_TEST, 0, NPAGES, y, NULL,
		   "test after fast clear");
	ASSERT_EQ(0, smu_snap(e->vm, &s0));
	age_expect(_metadata, e, SECMMU_AGE_CLEAR, 0, NMAPPED, y, NULL,
		   "clear the rest");
	ASSERT_EQ(0, smu_snap(e->vm, &s1));
	rmap_delta(&s0, &s1, &d);
	expect_walk_stats(_metadata, variant->mode, false, &d,
			  smu_bm_weight(y, NMAPPED), "clear");
	bm_from(y, 0, NPAGES, p_none, NULL);
	age_expect(_metadata, e, SECMMU_AGE_TEST, 0, NPAGES, y, NULL,
		   "test at the end");

	/* Accessing through any one alias makes the gfn young. */
	for (v = 0; v < NVIEWS; v++) {
		touch(_metadata, e, v, 40);
		memset(y, 0, sizeof(y));
		smu_bm_set(y, 0);
		age_expect(_metadata, e, SECMMU_AGE_CLEAR, 40, 1, y, NULL,
			   "one alias");
		EXPECT_EQ(SECMMU_SPTE_PRESENT,
			  smu_spte_flags(e->vm, v, view_gfn(v, 40)) &
			  (SECMMU_SPTE_PRESENT | SECMMU_SPTE_ACCESSED))
			TH_LOG("view %u", v);
	}
}

static bool present(int vm, unsigned int view, unsigned int i)
{
	return smu_spte_flags(vm, view, view_gfn(view, i)) &
	       SECMMU_SPTE_PRESENT;
}

static bool p_b_but_20(unsigned int i, const void *arg)
{
	(void)arg;
	return i >= 16 && i < 32 && i != 20;
}

static bool p_c_but_40(unsigned int i, const void *arg)
{
	(void)arg;
	return i >= 32 && i < 48 && i != 40;
}

/* FAST_ONLY TEST over [first, first + n): @pred pages mapped and young. */
static void fast_young_expect(struct __test_metadata *_metadata,
			      struct smu_env *e, __u32 mode, bool multi,
			      unsigned int first, unsigned int n,
			      bool (*pred)(unsigned int i, const void *arg),
			      const char *what)
{
	__u64 y[1], f[1];

	switch (mode) {
	case SECMMU_RMAP_LOCKED:
		bm_from(y, first, n, p_none, NULL);
		bm_from(f, first, n, pred, NULL);
		break;
	case SECMMU_RMAP_SINGLE_LOCKLESS:
		bm_from(y, first, n, multi ? p_none : pred, NULL);
		bm_from(f, first, n, multi ? pred : p_none, NULL);
		break;
	default:
		bm_from(y, first, n, pred, NULL);
		bm_from(f, first, n, p_none, NULL);
		break;
	}
	age_expect(_metadata, e, SECMMU_AGE_TEST | SECMMU_AGE_FAST_ONLY,
		   first, n, y, f, what);
}

/*
 * Invalidations walk multi-entry rmaps: munmap and MADV_DONTNEED zap every
 * alias of the page and nothing else; removing a view range turns 2-entry
 * rmaps back into single ones (SINGLE_LOCKLESS answers them fast again).
 */
TEST_F(rmap, invalidate_aliases)
{
	struct smu_env *e = &self->e;
	__u64 mapped0, descs0, pairs0, y[1], f[1];
	unsigned int v, i;
	char buf[PAGE];

	/*
	 * RMAP_DESCS and RMAP_PAIRS count those held for later faults too:
	 * take the counts while every rmap has at most one entry as the
	 * baseline.
	 */
	touch(_metadata, e, 0, 0);
	descs0 = smu_t_stat(_metadata, e->vm, SECMMU_STAT_RMAP_DESCS);
	pairs0 = smu_t_stat(_metadata, e->vm, SECMMU_STAT_RMAP_PAIRS);
	fault_all(_metadata, e);
	mapped0 = smu_t_stat(_metadata, e->vm, SECMMU_STAT_MAPPED);
	/*
	 * Two leaves in SPTE tables are packed into their head (rmap.h): the
	 * 16 pages of group B, and C's on their way to a chain, take no pair.
	 */
	EXPECT_EQ(pairs0, smu_t_stat(_metadata, e->vm, SECMMU_STAT_RMAP_PAIRS));
	/* Table walk: no rmap, so no descriptor at any degree. */
	if (variant->mode == SECMMU_RMAP_TABLE_WALK) {
		EXPECT_EQ(0, smu_t_stat(_metadata, e->vm,
					SECMMU_STAT_RMAP_DESCS));
	} else {
		EXPECT_LT(descs0, smu_t_stat(_metadata, e->vm,
					     SECMMU_STAT_RMAP_DESCS));
	}

	/* munmap page 40: eight SPTEs go, its neighbours stay. */
	ASSERT_EQ(0, munmap(e->mem + 40 * PAGE, PAGE));
	for (v = 0; v < NVIEWS; v++) {
		EXPECT_FALSE(present(e->vm, v, 40)) TH_LOG("view %u", v);
		EXPECT_TRUE(present(e->vm, v, 39)) TH_LOG("view %u", v);
		EXPECT_TRUE(present(e->vm, v, 41)) TH_LOG("view %u", v);
	}
	EXPECT_EQ(mapped0 - NVIEWS, smu_t_stat(_metadata, e->vm,
					       SECMMU_STAT_MAPPED));
	/* Nothing maps it: neither young nor fast failed, in any mode. */
	memset(y, 0, sizeof(y));
	age_expect(_metadata, e, SECMMU_AGE_TEST | SECMMU_AGE_FAST_ONLY, 40,
		   1, y, y, "unmapped page, fast");
	age_expect(_metadata, e, SECMMU_AGE_CLEAR, 40, 1, y, NULL,
		   "unmapped page");

	/* MADV_DONTNEED page 20 (views 0 and 1), re-fault it in view 1. */
	ASSERT_EQ(0, madvise(e->mem + 20 * PAGE, PAGE, MADV_DONTNEED));
	EXPECT_FALSE(present(e->vm, 0, 20));
	EXPECT_FALSE(present(e->vm, 1, 20));
	EXPECT_TRUE(present(e->vm, 0, 21));
	EXPECT_TRUE(present(e->vm, 1, 21));
	smu_t_rw(_metadata, e->vcpu, 1, SMU_GPA(view_gfn(1, 20)), buf, PAGE,
		 false);
	EXPECT_TRUE(smu_is_zero(buf, PAGE));
	EXPECT_FALSE(present(e->vm, 0, 20));
	EXPECT_TRUE(present(e->vm, 1, 20));
	/* Pages 16..19: two SPTEs, young since faulted; 20: one SPTE. */
	switch (variant->mode) {
	case SECMMU_RMAP_LOCKED:
		y[0] = 0;
		f[0] = 0x1f;
		break;
	case SECMMU_RMAP_SINGLE_LOCKLESS:
		y[0] = 0x10;
		f[0] = 0x0f;
		break;
	default:
		y[0] = 0x1f;
		f[0] = 0;
		break;
	}
	age_expect(_metadata, e, SECMMU_AGE_TEST | SECMMU_AGE_FAST_ONLY, 16,
		   5, y, f, "after MADV_DONTNEED");

	/* Remove view 1: pages 16..31 are mapped by view 0 only now. */
	ASSERT_EQ(0, smu_del_view(e->vm, 1, VGFN(1)));
	for (i = 0; i < NPAGES; i++)
		EXPECT_FALSE(present(e->vm, 1, i)) TH_LOG("page %u", i);
	EXPECT_FALSE(present(e->vm, 0, 20));
	fast_young_expect(_metadata, e, variant->mode, false, 16, 16,
			  p_b_but_20, "view 1 removed: pages 16..31");
	/* Pages 32..47 keep 7 SPTEs (page 40 none). */
	fast_young_expect(_metadata, e, variant->mode, true, 32, 16,
			  p_c_but_40, "view 1 removed: pages 32..47");

	/* The data is still right through the remaining aliases. */
	smu_t_rw(_metadata, e->vcpu, 7, SMU_GPA(view_gfn(7, 33)), buf, PAGE,
		 false);
	EXPECT_EQ(-1, smu_check_off(buf, PAGE, 77, 33 * PAGE));
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(view_gfn(0, 17)), buf, PAGE,
		 false);
	EXPECT_EQ(-1, smu_check_off(buf, PAGE, 77, 17 * PAGE));

	/*
	 * Deleting the memslot zaps every SPTE and frees every descriptor
	 * (the last fault, page 20 in view 1, made a one-entry rmap).
	 */
	ASSERT_EQ(0, smu_del_memslot(e->vm, 0));
	EXPECT_EQ(0, smu_t_stat(_metadata, e->vm, SECMMU_STAT_MAPPED));
	EXPECT_EQ(descs0, smu_t_stat(_metadata, e->vm,
				     SECMMU_STAT_RMAP_DESCS));
}

TEST(caps)
{
	struct secmmu_enable_cap ec;
	__u32 m, other;
	char *mem;
	int vm, vm2;

	vm = smu_open_vm();
	ASSERT_LE(0, vm);
	EXPECT_EQ(15, smu_check_cap(vm, SECMMU_CAP_RMAP_MODES));
	EXPECT_EQ((1 << SECMMU_RMAP_NR_MODES) - 1,
		  smu_check_cap(vm, SECMMU_CAP_RMAP_MODES));
	EXPECT_EQ(SECMMU_MAX_AGE_PAGES, smu_check_cap(vm, SECMMU_CAP_AGE));
	EXPECT_EQ(SECMMU_RMAP_LOCKED, smu_check_cap(vm,
						    SECMMU_CAP_RMAP_MODE));
	/* Unknown modes. */
	EXPECT_EQ(-EINVAL, smu_set_rmap_mode(vm, SECMMU_RMAP_NR_MODES));
	EXPECT_EQ(-EINVAL, smu_set_rmap_mode(vm, ~0ULL));
	EXPECT_EQ(-EINVAL, smu_set_rmap_mode(vm, 1ULL << 32));
	memset(&ec, 0, sizeof(ec));
	ec.cap = SECMMU_CAP_RMAP_MODE;
	ec.args[2] = 1;
	EXPECT_EQ(-EINVAL, smu_ioctl(vm, SECMMU_ENABLE_CAP, &ec));
	EXPECT_EQ(SECMMU_RMAP_LOCKED, smu_check_cap(vm,
						    SECMMU_CAP_RMAP_MODE));
	close(vm);

	mem = smu_mmap_anon(PAGE);
	ASSERT_NE(MAP_FAILED, mem);
	for (m = 0; m < SECMMU_RMAP_NR_MODES; m++) {
		other = (m + 1) % SECMMU_RMAP_NR_MODES;
		vm = smu_open_vm();
		ASSERT_LE(0, vm);
		vm2 = smu_open_vm();
		ASSERT_LE(0, vm2);
		/* Accepted before the first memslot, per VM. */
		EXPECT_EQ(0, smu_set_rmap_mode(vm, other));
		EXPECT_EQ(0, smu_set_rmap_mode(vm, m));
		EXPECT_EQ(m, smu_check_cap(vm, SECMMU_CAP_RMAP_MODE));
		EXPECT_EQ(SECMMU_RMAP_LOCKED,
			  smu_check_cap(vm2, SECMMU_CAP_RMAP_MODE));
		/* A failed memslot creation does not fix the mode... */
		EXPECT_EQ(-EINVAL, smu_set_memslot(vm, SECMMU_MAX_MEMSLOTS, 0,
						   0x10, 1, mem));
		EXPECT_EQ(m, smu_check_cap(vm, SECMMU_CAP_RMAP_MODE));
		/* ... a memslot does. */
		ASSERT_EQ(0, smu_set_memslot(vm, 0, 0, 0x10, 1, mem));
		EXPECT_EQ(-EBUSY, smu_set_rmap_mode(vm, other));
		EXPECT_EQ(-EBUSY, smu_set_rmap_mode(vm, m));
		EXPECT_EQ(m, smu_check_cap(vm, SECMMU_CAP_RMAP_MODE));
		close(vm);
		close(vm2);
	}
	munmap(mem, PAGE);
}

TEST_HARNESS_MAIN
