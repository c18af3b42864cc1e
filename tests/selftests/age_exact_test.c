// SPDX-License-Identifier: GPL-2.0
/*
 * SECMMU_AGE answers, exactly: the young bitmap is exactly the accessed
 * subset (pre-filled garbage is overwritten, nothing past the bitmap is
 * written), TEST does not clear and CLEAR does, the hva form across
 * memslots and holes, look-around at memslot edges and from unaligned
 * starts in each rmap mode, exact counters, and the errnos the basic
 * age_test does not cover.
 */
#include "secmmu_test.h"

#define NPAGES		128
#define GFN		0x4000		/* 64-page aligned */
#define CANARY		0xc0ffee00c0ffee00ULL

FIXTURE(exact) {
	struct smu_env e;
};

FIXTURE_SETUP(exact)
{
	smu_env_setup(_metadata, &self->e, NPAGES, GFN);
}

FIXTURE_TEARDOWN(exact)
{
	smu_env_teardown(&self->e);
}

static void touch(struct __test_metadata *_metadata, int vcpu, __u64 gfn)
{
	int ret = smu_touch_gfns(vcpu, 0, &gfn, 1);

	ASSERT_EQ(0, ret) TH_LOG("gfn 0x%llx: %d", (unsigned long long)gfn,
				 ret);
}

static bool every3(size_t i)
{
	return i < 64 && i % 3 == 0;
}

/*
 * SECMMU_AGE (@flags) over [start, start + n) (gfns or hvas; @start is
 * page @first of the memslot): young must equal exactly @want(first + i);
 * the bitmap is pre-filled with garbage and followed by a canary word.
 */
static void expect_young(struct __test_metadata *_metadata, int vm,
			 __u32 flags, __u64 start, size_t first, size_t n,
			 bool (*want)(size_t page), const char *what)
{
	__u64 bm[SMU_BM_WORDS(NPAGES) + 1], exp[SMU_BM_WORDS(NPAGES)];
	size_t i, words = SMU_BM_WORDS(n);
	char got_s[160], want_s[160];
	struct secmmu_age a;
	int ret;

	memset(exp, 0, sizeof(exp));
	for (i = 0; i < n; i++)
		if (want(first + i))
			smu_bm_set(exp, i);
	memset(bm, 0x5c, sizeof(bm));
	bm[words] = CANARY;
	ret = smu_age(vm, flags, start, n, bm, NULL, &a);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", what, strerror(-ret));
	if (smu_bm_first_diff(bm, exp, n) >= 0) {
		smu_bm_format(got_s, sizeof(got_s), bm, n);
		smu_bm_format(want_s, sizeof(want_s), exp, n);
		TH_LOG("%s: young {%s}, want {%s}", what, got_s, want_s);
	}
	EXPECT_EQ(-1, smu_bm_first_diff(bm, exp, n)) TH_LOG("%s", what);
	EXPECT_EQ(CANARY, bm[words]) TH_LOG("%s: wrote past the bitmap", what);
	EXPECT_EQ(smu_bm_weight(exp, n), a.nr_young) TH_LOG("%s", what);
	EXPECT_EQ(n, a.done) TH_LOG("%s", what);
	EXPECT_EQ(0, a.nr_fast_failed) TH_LOG("%s", what);
	EXPECT_EQ(0, a.nr_lookaround_young) TH_LOG("%s", what);
	EXPECT_EQ(0, a.out_flags) TH_LOG("%s", what);
}

static bool none(size_t i)
{
	(void)i;
	return false;
}

static bool all64(size_t i)
{
	return i < 64;
}

TEST_F(exact, every_third_page)
{
	struct smu_env *e = &self->e;
	struct smu_snap s0, s1;
	struct secmmu_age a;
	size_t i;

	/* Fault pages 0..63: fresh SPTEs are installed accessed. */
	ASSERT_EQ(0, smu_touch_stride(e->vcpu, 0, GFN, 64, 1));
	expect_young(_metadata, e->vm, SECMMU_AGE_CLEAR, GFN, 0, NPAGES, all64,
		     "clear after faulting");
	expect_young(_metadata, e->vm, SECMMU_AGE_TEST, GFN, 0, NPAGES, none,
		     "test after clear");

	for (i = 0; i < 64; i++)
		if (every3(i))
			touch(_metadata, e->vcpu, GFN + i);
	ASSERT_EQ(0, smu_snap(e->vm, &s0));
	expect_young(_metadata, e->vm, SECMMU_AGE_TEST, GFN, 0, 64, every3,
		     "test");
	ASSERT_EQ(0, smu_snap(e->vm, &s1));
	EXPECT_EQ(64, smu_delta(&s0, &s1, SECMMU_STAT_AGE_PAGES));
	EXPECT_EQ(22, smu_delta(&s0, &s1, SECMMU_STAT_AGE_YOUNG));
	/* The ioctl is not a notifier hook. */
	EXPECT_EQ(0, smu_delta(&s0, &s1, SECMMU_STAT_AGE_CLEAR_FLUSH_YOUNG));
	EXPECT_EQ(0, smu_delta(&s0, &s1, SECMMU_STAT_AGE_CLEAR_YOUNG));
	EXPECT_EQ(0, smu_delta(&s0, &s1, SECMMU_STAT_AGE_TEST_YOUNG));
	/* The SPTEs agree page by page. */
	for (i = 0; i < 64; i++)
		EXPECT_EQ(every3(i) ? SECMMU_SPTE_ACCESSED : 0,
			  smu_spte_flags(e->vm, 0, GFN + i) &
			  SECMMU_SPTE_ACCESSED) TH_LOG("page %zu", i);
	/* TEST again: unchanged.  Unaligned start, two bitmap words. */
	expect_young(_metadata, e->vm, SECMMU_AGE_TEST, GFN, 0, 64, every3,
		     "test again");
	expect_young(_metadata, e->vm, SECMMU_AGE_TEST, GFN + 5, 5, 70, every3,
		     "test [5, 75)");
	expect_young(_metadata, e->vm, SECMMU_AGE_TEST, GFN + 63, 63, 1, every3,
		     "test [63, 64)");
	/* No bitmap: the count only. */
	ASSERT_EQ(0, smu_age(e->vm, SECMMU_AGE_TEST, GFN, NPAGES, NULL,
			     NULL, &a));
	EXPECT_EQ(22, a.nr_young);
	/* The hva form gives the same answer. */
	expect_young(_metadata, e->vm, SECMMU_AGE_TEST | SECMMU_AGE_HVA,
		     (uintptr_t)e->mem, 0, 64, every3, "hva test");
	/* CLEAR returns the same bitmap, then nothing is young. */
	ASSERT_EQ(0, smu_snap(e->vm, &s0));
	expect_young(_metadata, e->vm, SECMMU_AGE_CLEAR, GFN, 0, 64, every3,
		     "clear");
	ASSERT_EQ(0, smu_snap(e->vm, &s1));
	EXPECT_EQ(64, smu_delta(&s0, &s1, SECMMU_STAT_AGE_PAGES));
	EXPECT_EQ(22, smu_delta(&s0, &s1, SECMMU_STAT_AGE_YOUNG));
	expect_young(_metadata, e->vm, SECMMU_AGE_TEST, GFN, 0, NPAGES, none,
		     "test after clear");
	for (i = 0; i < 64; i++)
		EXPECT_EQ(SECMMU_SPTE_PRESENT, smu_spte_flags(e->vm, 0,
							      GFN + i) &
			  (SECMMU_SPTE_PRESENT | SECMMU_SPTE_ACCESSED))
			TH_LOG("page %zu", i);
	/* Again through the hva form: CLEAR there clears the same SPTEs. */
	for (i = 0; i < 64; i++)
		if (every3(i))
			touch(_metadata, e->vcpu, GFN + i);
	expect_young(_metadata, e->vm, SECMMU_AGE_CLEAR | SECMMU_AGE_HVA,
		     (uintptr_t)e->mem, 0, 64, every3, "hva clear");
	expect_young(_metadata, e->vm, SECMMU_AGE_TEST, GFN, 0, NPAGES, none,
		     "test after hva clear");
	/* Written pages are young too. */
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN + 9), "w", 1, true);
	expect_young(_metadata, e->vm, SECMMU_AGE_CLEAR, GFN + 9, 9, 1, all64,
		     "after a write");
}

/*
 * The hva form over two memslots with unrelated gfns, and over memory no
 * memslot backs (present in the process, and not mapped at all).
 */
#define HVA_PAGES	96
#define S0_OFF		16		/* slot 0: pages [16, 48) */
#define S1_OFF		48		/* slot 1: pages [48, 80) */
#define S0_GFN		0x20000
#define S1_GFN		0x9000

static bool hva_young(size_t i)
{
	return i >= S0_OFF && i < S1_OFF + 32 && i % 5 == 0;
}

TEST(hva_slots)
{
	__u64 bm[SMU_BM_WORDS(HVA_PAGES)], exp[SMU_BM_WORDS(HVA_PAGES)];
	struct secmmu_age a;
	char *mem, *hole;
	int vm, vcpu;
	size_t i;

	smu_quiesce();
	vm = smu_open_vm();
	ASSERT_LE(0, vm);
	vcpu = smu_create_vcpu(vm, 0);
	ASSERT_LE(0, vcpu);
	mem = smu_mmap_anon(HVA_PAGES * PAGE);
	ASSERT_NE(MAP_FAILED, mem);
	memset(mem, 3, HVA_PAGES * PAGE);
	ASSERT_EQ(0, smu_set_memslot(vm, 0, 0, S0_GFN, 32,
				     mem + S0_OFF * PAGE));
	ASSERT_EQ(0, smu_set_memslot(vm, 1, 0, S1_GFN, 32,
				     mem + S1_OFF * PAGE));
	ASSERT_EQ(0, smu_touch_stride(vcpu, 0, S0_GFN, 32, 1));
	ASSERT_EQ(0, smu_touch_stride(vcpu, 0, S1_GFN, 32, 1));
	ASSERT_EQ(0, smu_age(vm, SECMMU_AGE_CLEAR, S0_GFN, 32, NULL, NULL,
			     &a));
	EXPECT_EQ(32, a.nr_young);
	ASSERT_EQ(0, smu_age(vm, SECMMU_AGE_CLEAR, S1_GFN, 32, NULL, NULL,
			     &a));
	EXPECT_EQ(32, a.nr_young);
	for (i = 0; i < HVA_PAGES; i++)
		if (hva_young(i))
			touch(_metadata, vcpu, i < S1_OFF ?
			      S0_GFN + i - S0_OFF : S1_GFN + i - S1_OFF);

	memset(exp, 0, sizeof(exp));
	for (i = 0; i < HVA_PAGES; i++)
		if (hva_young(i))
			smu_bm_set(exp, i);
	memset(bm, 0xff, sizeof(bm));
	ASSERT_EQ(0, smu_age(vm, SECMMU_AGE_TEST | SECMMU_AGE_HVA,
			     (uintptr_t)mem, HVA_PAGES, bm, NULL, &a));
	EXPECT_EQ(-1, smu_bm_first_diff(bm, exp, HVA_PAGES));
	EXPECT_EQ(smu_bm_weight(exp, HVA_PAGES), a.nr_young);
	EXPECT_EQ(HVA_PAGES, a.done);
	memset(bm, 0xff, sizeof(bm));
	ASSERT_EQ(0, smu_age(vm, SECMMU_AGE_CLEAR | SECMMU_AGE_HVA,
			     (uintptr_t)mem, HVA_PAGES, bm, NULL, &a));
	EXPECT_EQ(-1, smu_bm_first_diff(bm, exp, HVA_PAGES));
	EXPECT_EQ(smu_bm_weight(exp, HVA_PAGES), a.nr_young);
	/* Both memslots were cleared. */
	ASSERT_EQ(0, smu_age(vm, SECMMU_AGE_TEST, S0_GFN, 32, NULL, NULL,
			     &a));
	EXPECT_EQ(0, a.nr_young);
	ASSERT_EQ(0, smu_age(vm, SECMMU_AGE_TEST, S1_GFN, 32, NULL, NULL,
			     &a));
	EXPECT_EQ(0, a.nr_young);

	/* Not mapped in the process at all: simply not young. */
	hole = smu_mmap_anon(4 * PAGE);
	ASSERT_NE(MAP_FAILED, hole);
	munmap(hole, 4 * PAGE);
	bm[0] = ~0ULL;
	ASSERT_EQ(0, smu_age(vm, SECMMU_AGE_CLEAR | SECMMU_AGE_HVA,
			     (uintptr_t)hole, 4, bm, NULL, &a));
	EXPECT_EQ(0, bm[0] & 0xf);
	EXPECT_EQ(0, a.nr_young);
	EXPECT_EQ(4, a.done);

	/* Argument errors of the hva form. */
	EXPECT_EQ(-E2BIG, smu_age(vm, SECMMU_AGE_TEST | SECMMU_AGE_HVA,
				  (uintptr_t)mem, SECMMU_MAX_AGE_PAGES + 1ULL,
				  NULL, NULL, NULL));
	EXPECT_EQ(-EINVAL, smu_age(vm, SECMMU_AGE_TEST | SECMMU_AGE_HVA,
				   (uintptr_t)mem, 0, NULL, NULL, NULL));
	EXPECT_EQ(-EINVAL, smu_age(vm, SECMMU_AGE_TEST | SECMMU_AGE_HVA,
				   (uintptr_t)mem + 2048, 1, NULL, NULL,
				   NULL));
	/* The gfn form: a range over two adjacent memslots is -ENOENT. */
	ASSERT_EQ(0, smu_set_memslot(vm, 2, 0, S0_GFN + 32, 16,
				     mem + (S1_OFF + 32) * PAGE));
	EXPECT_EQ(-ENOENT, smu_age(vm, SECMMU_AGE_TEST, S0_GFN + 30, 4,
				   NULL, NULL, NULL));
	EXPECT_EQ(0, smu_age(vm, SECMMU_AGE_TEST, S0_GFN + 32, 16, NULL,
			     NULL, NULL));
	close(vcpu);
	close(vm);
	munmap(mem, HVA_PAGES * PAGE);
}

TEST_F(exact, bad_bitmaps)
{
	struct smu_env *e = &self->e;
	struct secmmu_age a;
	__u64 *ro, young;
	char *gone;

	ASSERT_EQ(0, smu_touch_stride(e->vcpu, 0, GFN, 8, 1));
	gone = smu_mmap_anon(PAGE);
	ASSERT_NE(MAP_FAILED, gone);
	munmap(gone, PAGE);
	ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);

	/* Young pages to report. */
	EXPECT_EQ(-EFAULT, smu_age(e->vm, SECMMU_AGE_TEST, GFN, 8,
				   (__u64 *)gone, NULL, NULL));
	EXPECT_EQ(-EFAULT, smu_age(e->vm, SECMMU_AGE_TEST, GFN, 8, ro, NULL,
				   NULL));
	/* Nothing young: the zeroes must still be written. */
	EXPECT_EQ(-EFAULT, smu_age(e->vm, SECMMU_AGE_TEST, GFN + 64, 8,
				   (__u64 *)gone, NULL, NULL));
	/* FAST_ONLY in the LOCKED default mode fails every mapped page. */
	EXPECT_EQ(-EFAULT, smu_age(e->vm, SECMMU_AGE_TEST |
				   SECMMU_AGE_FAST_ONLY, GFN, 8, &young,
				   (__u64 *)gone, NULL));
	EXPECT_EQ(-EFAULT, smu_age(e->vm, SECMMU_AGE_TEST |
				   SECMMU_AGE_FAST_ONLY, GFN, 8, &young, ro,
				   NULL));
	/* Both bitmaps may be 0. */
	ASSERT_EQ(0, smu_age(e->vm, SECMMU_AGE_TEST | SECMMU_AGE_FAST_ONLY,
			     GFN, 8, NULL, NULL, &a));
	EXPECT_EQ(0, a.nr_young);
	EXPECT_EQ(8, a.nr_fast_failed);
	/* reserved[0], like reserved[1], must be zero. */
	memset(&a, 0, sizeof(a));
	a.flags = SECMMU_AGE_TEST;
	a.start = GFN;
	a.npages = 1;
	a.reserved[0] = 1;
	EXPECT_EQ(-EINVAL, smu_age_raw(e->vm, &a));
	/* TEST and CLEAR are needed also with the other flags. */
	EXPECT_EQ(-EINVAL, smu_age(e->vm, SECMMU_AGE_FAST_ONLY |
				   SECMMU_AGE_LOOKAROUND, GFN, 1, NULL, NULL,
				   NULL));
	EXPECT_EQ(-EINVAL, smu_age(e->vm, SECMMU_AGE_HVA,
				   (uintptr_t)e->mem, 1, NULL, NULL, NULL));
	munmap(ro, PAGE);
}

/*
 * Look-around at memslot edges.  Three memslots over one mapping cover
 * gfns 0x1000..0x107f (two 64-page blocks):
 *   slot 1  [0x1000, 0x1020)
 *   slot 0  [0x1020, 0x1070)   starts and ends inside a block
 *   slot 2  [0x1070, 0x1080)
 * Look-around never leaves the memslot of the young page.
 */
#define LA_BASE		0x1000
#define LA_PAGES	0x80

FIXTURE(la) {
	struct smu_env e;
};

SMU_RMAP_MODE_VARIANTS(la);

FIXTURE_SETUP(la)
{
	struct smu_env *e = &self->e;
	struct secmmu_age a;

	smu_env_setup(_metadata, e, 0, LA_BASE);
	ASSERT_EQ(0, smu_set_rmap_mode(e->vm, variant->mode));
	e->npages = LA_PAGES;
	e->mem = smu_mmap_anon(LA_PAGES * PAGE);
	ASSERT_NE(MAP_FAILED, e->mem);
	memset(e->mem, 2, LA_PAGES * PAGE);
	ASSERT_EQ(0, smu_set_memslot(e->vm, 1, 0, LA_BASE, 0x20, e->mem));
	ASSERT_EQ(0, smu_set_memslot(e->vm, 0, 0, LA_BASE + 0x20, 0x50,
				     e->mem + 0x20 * PAGE));
	ASSERT_EQ(0, smu_set_memslot(e->vm, 2, 0, LA_BASE + 0x70, 0x10,
				     e->mem + 0x70 * PAGE));
	ASSERT_EQ(0, smu_touch_stride(e->vcpu, 0, LA_BASE, LA_PAGES, 1));
	ASSERT_EQ(0, smu_age(e->vm, SECMMU_AGE_CLEAR, LA_BASE, 0x20, NULL,
			     NULL, &a));
	ASSERT_EQ(0, smu_age(e->vm, SECMMU_AGE_CLEAR, LA_BASE + 0x20, 0x50,
			     NULL, NULL, &a));
	ASSERT_EQ(0x50, a.nr_young);
	ASSERT_EQ(0, smu_age(e->vm, SECMMU_AGE_CLEAR, LA_BASE + 0x70, 0x10,
			     NULL, NULL, &a));
}

FIXTURE_TEARDOWN(la)
{
	smu_env_teardown(&self->e);
}

#define B(bit)		(1ULL << (bit))

/* Young pages among [off, off + n) (offsets from LA_BASE, n <= 64). */
static __u64 la_test(struct __test_metadata *_metadata, struct smu_env *e,
		     unsigned int off, unsigned int n)
{
	struct secmmu_age a;
	__u64 y[2] = { ~0ULL, ~0ULL };

	ASSERT_EQ(0, smu_age(e->vm, SECMMU_AGE_TEST, LA_BASE + off, n, y,
			     NULL, &a));
	return n < 64 ? y[0] & ((1ULL << n) - 1) : y[0];
}

static void la_age(struct __test_metadata *_metadata, struct smu_env *e,
		   bool fast, __u32 flags, unsigned int off, unsigned int n,
		   __u64 want_young, __u64 want_la)
{
	struct secmmu_age a;
	__u64 y[2] = { ~0ULL, ~0ULL };

	ASSERT_EQ(0, smu_age(e->vm, flags | SECMMU_AGE_LOOKAROUND,
			     LA_BASE + off, n, y, NULL, &a));
	EXPECT_EQ(want_young, y[0] & ((1ULL << n) - 1))
		TH_LOG("off 0x%x n %u", off, n);
	EXPECT_EQ((__u64)__builtin_popcountll(want_young), a.nr_young);
	EXPECT_EQ(fast ? want_la : 0, a.nr_lookaround_young)
		TH_LOG("off 0x%x n %u", off, n);
	/* Whether the flag is set when nothing was young is not said. */
	if (want_young)
		EXPECT_EQ(fast ? 0 : SECMMU_AGE_OUT_NO_LOOKAROUND,
			  a.out_flags);
	EXPECT_EQ(n, a.done);
}

TEST_F(la, slot_edges)
{
	struct smu_env *e = &self->e;
	bool fast = variant->mode != SECMMU_RMAP_LOCKED;
	unsigned int t[] = { 0x10, 0x25, 0x30, 0x3f, 0x45, 0x60, 0x75 };
	unsigned int i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		touch(_metadata, e->vcpu, LA_BASE + t[i]);

	/* Young page 0x25; neighbours 0x30, 0x3f; 0x10 is another slot. */
	la_age(_metadata, e, fast, SECMMU_AGE_TEST, 0x25, 1, 1, 2);
	/* TEST look-around does not clear. */
	EXPECT_EQ(B(0x25 - 0x20) | B(0x30 - 0x20) | B(0x3f - 0x20),
		  la_test(_metadata, e, 0x20, 0x20));
	EXPECT_EQ(B(0x45 - 0x40) | B(0x60 - 0x40),
		  la_test(_metadata, e, 0x40, 0x30));
	la_age(_metadata, e, fast, SECMMU_AGE_CLEAR, 0x25, 1, 1, 2);
	EXPECT_EQ(fast ? 0 : B(0x30 - 0x20) | B(0x3f - 0x20),
		  la_test(_metadata, e, 0x20, 0x20));
	EXPECT_EQ(B(0x45 - 0x40) | B(0x60 - 0x40),
		  la_test(_metadata, e, 0x40, 0x30));
	EXPECT_EQ(B(0x10), la_test(_metadata, e, 0, 0x20));

	/* Unaligned range [0x5e, 0x62): 0x60 young, 0x45 its neighbour. */
	la_age(_metadata, e, fast, SECMMU_AGE_CLEAR, 0x5e, 4, B(2), 1);
	EXPECT_EQ(fast ? 0 : B(0x30 - 0x20) | B(0x3f - 0x20),
		  la_test(_metadata, e, 0x20, 0x20));
	EXPECT_EQ(fast ? 0 : B(0x45 - 0x40),
		  la_test(_metadata, e, 0x40, 0x30));
	/* 0x75 is in the same block, but in slot 2. */
	EXPECT_EQ(B(5), la_test(_metadata, e, 0x70, 0x10));
	EXPECT_EQ(B(0x10), la_test(_metadata, e, 0, 0x20));
}

TEST_F(la, across_blocks)
{
	struct smu_env *e = &self->e;
	bool fast = variant->mode != SECMMU_RMAP_LOCKED;
	unsigned int t[] = { 0x22, 0x3f, 0x41, 0x50 };
	unsigned int i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		touch(_metadata, e->vcpu, LA_BASE + t[i]);
	/*
	 * [0x3e, 0x42) spans both blocks: 0x3f (block 0) and 0x41 (block 1)
	 * are young, each with one young neighbour (0x22, 0x50).
	 */
	la_age(_metadata, e, fast, SECMMU_AGE_TEST, 0x3e, 4, B(1) | B(3), 2);
	la_age(_metadata, e, fast, SECMMU_AGE_CLEAR, 0x3e, 4, B(1) | B(3), 2);
	EXPECT_EQ(fast ? 0 : B(0x22 - 0x20), la_test(_metadata, e, 0x20, 0x20));
	EXPECT_EQ(fast ? 0 : B(0x50 - 0x40), la_test(_metadata, e, 0x40, 0x30));
	/* Nothing young in the range: no look-around at all. */
	la_age(_metadata, e, fast, SECMMU_AGE_CLEAR, 0x3e, 4, 0, 0);
}

TEST_HARNESS_MAIN
