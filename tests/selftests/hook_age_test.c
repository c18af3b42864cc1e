// SPDX-License-Identifier: GPL-2.0
/*
 * The aging hooks (clear_young, clear_flush_young, test_young), driven by
 * the kernel's own aging, answer as SECMMU_AGE does for the same pages:
 * in every rmap mode, with aliases (three views of one memslot: pages of
 * degree 1, 2 and 3) and with huge leaves (SECMMU_CAP_HUGE_LEAVES over
 * THP), and the modes walk as designed (the rmap counters).  The *_mixed
 * variants map view 2 one gfn off the block alignment: its leaves are
 * 4 KiB, in blocks that views 0 and 1 map with huge leaves, so a block's
 * answer is its huge leaves' and, page by page, view 2's (aging must not
 * skip a block's 4 KiB heads because a huge leaf maps it).
 *
 *   mglru      an MGLRU aging pass over the test's memcg
 *              (/sys/kernel/debug/lru_gen, "+ memcg nid seq 1 1", force
 *              scan) calls clear_young for every mapped page (6.12 and
 *              later; 6.1's walk calls no notifier: SKIP there).  The
 *              young pages the hooks count equal SECMMU_AGE TEST's, and
 *              afterwards SECMMU_AGE finds no leaf young in any view.
 *   page_idle  the idle page bitmap, where the kernel has it (7.2; Debian
 *              6.12 has none: SKIP): setting a page idle and reading its
 *              bit both go through clear_young (page_idle's rmap walk,
 *              once per page, or per block with huge leaves), as MGLRU
 *              does: every page asked once by each, the young the read
 *              counts are SECMMU_AGE TEST's, the bit read is the
 *              complement of its answer, page by page (by block with huge
 *              leaves: the bitmap has the head page's), and the modes walk
 *              as designed.
 *
 * The process never touches the memory after the first pass (its own PTEs
 * stay old), so every young answer is secmmu's.
 */
#include "secmmu_test.h"

#define HPAGE		(2UL << 20)
#define BLK		(HPAGE / PAGE)		/* pages per block */
#define NBLK		4
#define NPAGES		(NBLK * BLK)
#define LEN		(NPAGES * PAGE)
#define GFN		0x40000			/* block aligned */
#define VGFN1		0x80000			/* view 1: blocks 1 to 3 */
#define VGFN2		0xc0000			/* view 2: blocks 2 and 3 */
#define V1_FIRST	BLK
#define V2_FIRST	(2 * BLK)
#define NVIEWS		3
#define PAGE_IDLE	"/sys/kernel/mm/page_idle/bitmap"

FIXTURE(hooks) {
	struct smu_env e;
	char cg[96];		/* absolute */
	char cg_rel[64];	/* as lru_gen prints it */
	bool in_cg;
	char lru_gen_saved[32];
	bool lru_gen_changed;
	__u64 y[SMU_BM_WORDS(NPAGES)];
};

FIXTURE_VARIANT(hooks) {
	__u32 mode;
	bool huge;
	bool mixed;	/* huge, but view 2's leaves 4 KiB */
};

#define HOOKS_VARIANT(name, m, h, x)					\
	FIXTURE_VARIANT_ADD(hooks, name) {				\
		.mode = m,						\
		.huge = h,						\
		.mixed = x,						\
	}
HOOKS_VARIANT(locked, SECMMU_RMAP_LOCKED, false, false);
HOOKS_VARIANT(single_lockless, SECMMU_RMAP_SINGLE_LOCKLESS, false, false);
HOOKS_VARIANT(lock_bit, SECMMU_RMAP_LOCK_BIT, false, false);
HOOKS_VARIANT(table_walk, SECMMU_RMAP_TABLE_WALK, false, false);
HOOKS_VARIANT(locked_huge, SECMMU_RMAP_LOCKED, true, false);
HOOKS_VARIANT(single_lockless_huge, SECMMU_RMAP_SINGLE_LOCKLESS, true, false);
HOOKS_VARIANT(lock_bit_huge, SECMMU_RMAP_LOCK_BIT, true, false);
HOOKS_VARIANT(table_walk_huge, SECMMU_RMAP_TABLE_WALK, true, false);
HOOKS_VARIANT(locked_mixed, SECMMU_RMAP_LOCKED, true, true);
HOOKS_VARIANT(single_lockless_mixed, SECMMU_RMAP_SINGLE_LOCKLESS, true, true);
HOOKS_VARIANT(lock_bit_mixed, SECMMU_RMAP_LOCK_BIT, true, true);
HOOKS_VARIANT(table_walk_mixed, SECMMU_RMAP_TABLE_WALK, true, true);

/* Block 0 has degree 1, block 1 degree 2, blocks 2 and 3 degree 3. */
static bool in_view(size_t i, unsigned int v)
{
	return v == 0 || i >= (v == 1 ? V1_FIRST : V2_FIRST);
}

/* View 2 starts one gfn off the alignment in the mixed variants. */
static __u64 view_gfn(const FIXTURE_VARIANT(hooks) *variant, size_t i,
		      unsigned int v)
{
	return v == 0 ? GFN + i : v == 1 ? VGFN1 + i - V1_FIRST :
	       VGFN2 + variant->mixed + i - V2_FIRST;
}

/* Does view @v map page @i with a huge leaf? */
static bool huge_view(const FIXTURE_VARIANT(hooks) *variant, unsigned int v)
{
	return variant->huge && !(variant->mixed && v == 2);
}

/*
 * Which views the vCPU reads page @i through after the first pass: with
 * 4 KiB leaves a mix of each degree, some pages only through an alias;
 * with huge leaves one page of each block through one view (view 0,
 * 1, 2), the last block not at all; mixed: view 2 (4 KiB) reads block 2's
 * page 5 and block 3's pages 2, 9, 16, ...: the huge leaves of block 3
 * stay old.
 */
static bool touched(const FIXTURE_VARIANT(hooks) *variant, size_t i,
		    unsigned int v)
{
	if (!in_view(i, v))
		return false;
	if (variant->mixed && v == 2)
		return i / BLK == 2 ? i % BLK == 5 : i % 7 == 2;
	if (variant->huge)
		return i % BLK == 5 && i / BLK == v;
	switch (v) {
	case 0:
		return i % 3 == 0;
	case 1:
		return i % 5 == 1;
	default:
		return i % 7 == 2;
	}
}

static bool want_young(const FIXTURE_VARIANT(hooks) *variant, size_t i)
{
	unsigned int v;
	size_t p;

	/* A huge leaf's page is young if any page of its block was read. */
	for (v = 0; v < NVIEWS; v++) {
		if (!huge_view(variant, v)) {
			if (touched(variant, i, v))
				return true;
			continue;
		}
		for (p = i - i % BLK; p < i - i % BLK + BLK; p++)
			if (touched(variant, p, v))
				return true;
	}
	return false;
}

/* The vCPU reads every page for which @pick says so, view by view. */
static void touch(struct __test_metadata *_metadata,
		  const FIXTURE_VARIANT(hooks) *variant, struct smu_env *e,
		  bool all)
{
	static __u64 gfns[NPAGES];
	unsigned int v;
	size_t i, n;
	int ret;

	for (v = 0; v < NVIEWS; v++) {
		for (i = 0, n = 0; i < NPAGES; i++)
			if (in_view(i, v) && (all || touched(variant, i, v)))
				gfns[n++] = view_gfn(variant, i, v);
		ret = smu_touch_gfns(e->vcpu, v, gfns, n);
		ASSERT_EQ(0, ret) TH_LOG("view %u: %d", v, ret);
	}
}

FIXTURE_SETUP(hooks)
{
	struct smu_env *e = &self->e;
	int ret;

	smu_env_setup(_metadata, e, 0, GFN);
	snprintf(self->cg_rel, sizeof(self->cg_rel), "/secmmu-hooks-%d",
		 getpid());
	snprintf(self->cg, sizeof(self->cg), SMU_CG_ROOT "%s", self->cg_rel);
	self->in_cg = false;
	self->lru_gen_changed = false;
	ASSERT_EQ(0, smu_set_rmap_mode(e->vm, variant->mode));
	if (variant->huge)
		ASSERT_EQ(0, smu_enable_cap(e->vm, SECMMU_CAP_HUGE_LEAVES, 1));
	/* The memory is charged to the memcg the MGLRU pass ages. */
	if (smu_has_memcg()) {
		ret = smu_cg_enter(self->cg);
		ASSERT_EQ(0, ret) TH_LOG("joining %s: %s", self->cg,
					 strerror(-ret));
		self->in_cg = true;
	}
	e->mem = smu_mmap_aligned(LEN, HPAGE);
	ASSERT_NE(MAP_FAILED, e->mem);
	e->npages = NPAGES;
	if (madvise(e->mem, LEN, variant->huge ? MADV_HUGEPAGE :
		    MADV_NOHUGEPAGE)) {
		ASSERT_EQ(EINVAL, errno);
		if (variant->huge)
			SKIP(return, "no THP here (e.g. PREEMPT_RT)");
	}
	memset(e->mem, 7, LEN);
	if (variant->huge && smu_anon_huge_kb(e->mem) != (long)(LEN >> 10))
		SKIP(return, "the memory is not all THP (THP off?)");
	/*
	 * Every folio on its LRU list: the last ones faulted in wait in a
	 * CPU's lru_add batch, where neither aging sees them (7.2's MGLRU
	 * walk skips a folio of no generation, page_idle one off the LRU).
	 * drop_caches 1 drains every CPU's batches (lru_add_drain_all()).
	 */
	ret = smu_write_file("/proc/sys/vm/drop_caches", "1");
	ASSERT_EQ(0, ret) TH_LOG("drop_caches: %s", strerror(-ret));
	ASSERT_EQ(0, smu_set_memslot(e->vm, 0, 0, GFN, NPAGES, e->mem));
	ASSERT_EQ(0, smu_set_view(e->vm, 1, VGFN1, NPAGES - V1_FIRST,
				  GFN + V1_FIRST));
	ASSERT_EQ(0, smu_set_view(e->vm, 2, view_gfn(variant, V2_FIRST, 2),
				  NPAGES - V2_FIRST, GFN + V2_FIRST));
	/* Every page mapped in every view that maps it. */
	touch(_metadata, variant, e, true);
	if (variant->huge)
		ASSERT_LT(0, smu_t_stat(_metadata, e->vm,
					SECMMU_STAT_HUGE_MAPPED));
}

FIXTURE_TEARDOWN(hooks)
{
	smu_env_teardown(&self->e);
	if (self->in_cg)
		smu_cg_leave(self->cg);
	if (self->lru_gen_changed)
		smu_write_file(SMU_LRU_GEN_ENABLED, self->lru_gen_saved);
}

/* SECMMU_AGE TEST over the memslot into self->y; returns nr_young. */
static __u64 age_test(struct __test_metadata *_metadata,
		      FIXTURE_DATA(hooks) *self)
{
	struct secmmu_age a;
	int ret;

	memset(self->y, 0, sizeof(self->y));
	ret = smu_age(self->e.vm, SECMMU_AGE_TEST, GFN, NPAGES, self->y,
			NULL, &a);
	EXPECT_EQ(0, ret) TH_LOG("SECMMU_AGE: %s", strerror(-ret));
	return a.nr_young;
}

/* Does SECMMU_AGE answer exactly want_young()? */
static void expect_ioctl_answer(struct __test_metadata *_metadata,
				FIXTURE_DATA(hooks) *self,
				const FIXTURE_VARIANT(hooks) *variant)
{
	__u64 exp[SMU_BM_WORDS(NPAGES)] = {};
	char got_s[160], want_s[160];
	size_t i;

	for (i = 0; i < NPAGES; i++)
		if (want_young(variant, i))
			smu_bm_set(exp, i);
	age_test(_metadata, self);
	if (smu_bm_first_diff(self->y, exp, NPAGES) >= 0) {
		smu_bm_format(got_s, sizeof(got_s), self->y, NPAGES);
		smu_bm_format(want_s, sizeof(want_s), exp, NPAGES);
		TH_LOG("SECMMU_AGE young {%s}, want {%s}", got_s, want_s);
	}
	ASSERT_EQ(-1, smu_bm_first_diff(self->y, exp, NPAGES));
}

/* No leaf young in any view: the hooks cleared them all. */
static void expect_all_old(struct __test_metadata *_metadata,
			   FIXTURE_DATA(hooks) *self, const char *after)
{
	char got_s[160];

	if (age_test(_metadata, self)) {
		smu_bm_format(got_s, sizeof(got_s), self->y, NPAGES);
		TH_LOG("after %s, SECMMU_AGE finds young {%s}", after, got_s);
	}
	EXPECT_EQ(0, smu_bm_weight(self->y, NPAGES)) TH_LOG("after %s", after);
}

/* One MGLRU aging pass over every node of the test's memcg. */
static void mglru_pass(struct __test_metadata *_metadata,
		       FIXTURE_DATA(hooks) *self)
{
	struct smu_lru_memcg m;
	int id, n, ret;

	id = smu_lru_gen_find(self->cg_rel, &m);
	ASSERT_LE(0, id) TH_LOG("%s not in %s: %s", self->cg_rel, SMU_LRU_GEN,
				strerror(-id));
	for (n = 0; n < m.nr_nodes; n++) {
		const struct smu_lru_node *nd = &m.node[n];

		if (!nd->nr_gens)
			continue;
		ret = smu_lru_gen_cmd("+ %d %d %lu 1 1", id, nd->nid,
				      nd->seq[nd->nr_gens - 1]);
		ASSERT_EQ(0, ret) TH_LOG("aging node %d: %s", nd->nid,
					 strerror(-ret));
	}
}

static __u64 hook_calls(const struct smu_snap *s0, const struct smu_snap *s1)
{
	return smu_delta(s0, s1, SECMMU_STAT_AGE_CLEAR_YOUNG) +
	       smu_delta(s0, s1, SECMMU_STAT_AGE_CLEAR_FLUSH_YOUNG) +
	       smu_delta(s0, s1, SECMMU_STAT_AGE_TEST_YOUNG);
}

/*
 * How the heads of one pass were walked (each page asked once; with huge
 * leaves the 4 KiB heads are empty and each block's head is asked once):
 * SINGLE_LOCKLESS ages the heads of degree 1 (block 0) without a lock
 * and the others under mmu_lock; LOCK_BIT takes every head's bit and
 * never mmu_lock; LOCKED and the table walk count neither.  Mixed: blocks
 * 2 and 3 have huge leaves of degree 2 and 4 KiB heads of degree 1 (view
 * 2): 2 * BLK heads more, without a lock or under their bit.
 */
static void expect_mode_walk(struct __test_metadata *_metadata,
			     const FIXTURE_VARIANT(hooks) *variant,
			     const struct smu_snap *s0,
			     const struct smu_snap *s1)
{
	__u64 per_blk = variant->huge ? 1 : BLK, small = variant->mixed ? 2 * BLK : 0;
	__u64 lockless = 0, fallbacks = 0, bits = 0;

	if (variant->mode == SECMMU_RMAP_SINGLE_LOCKLESS) {
		lockless = per_blk + small;
		fallbacks = (NBLK - 1) * per_blk;
	} else if (variant->mode == SECMMU_RMAP_LOCK_BIT) {
		bits = NBLK * per_blk + small;
	}
	EXPECT_EQ(lockless, smu_delta(s0, s1, SECMMU_STAT_RMAP_LOCKLESS));
	EXPECT_EQ(fallbacks, smu_delta(s0, s1,
				       SECMMU_STAT_RMAP_LOCK_FALLBACKS));
	EXPECT_EQ(bits, smu_delta(s0, s1, SECMMU_STAT_RMAP_BIT_LOCKS));
	EXPECT_EQ(0, smu_delta(s0, s1, SECMMU_STAT_RMAP_MULTI_SKIPPED));
}

TEST_F_TIMEOUT(hooks, mglru, 300)
{
	struct smu_env *e = &self->e;
	struct smu_snap s0, s1;
	char val[32] = "";
	__u64 young;
	FILE *f;
	int ret;

	if (!self->in_cg)
		SKIP(return, "no cgroup v2 memory controller");
	if (access(SMU_LRU_GEN, W_OK))
		SKIP(return, "no %s (no CONFIG_LRU_GEN or no debugfs)",
		     SMU_LRU_GEN);
	f = fopen(SMU_LRU_GEN_ENABLED, "re");
	ASSERT_NE(NULL, f);
	if (!fgets(val, sizeof(val), f))
		val[0] = 0;
	fclose(f);
	val[strcspn(val, "\n")] = 0;
	if (strtoul(val, NULL, 0) != 7) {
		/* All of MGLRU, with the walk of huge PMDs (0x4). */
		snprintf(self->lru_gen_saved, sizeof(self->lru_gen_saved),
			 "%s", val);
		ret = smu_write_file(SMU_LRU_GEN_ENABLED, "y");
		ASSERT_EQ(0, ret) TH_LOG("enabling MGLRU: %s", strerror(-ret));
		self->lru_gen_changed = true;
	}

	/* A first pass makes everything old: the process's PTEs and ours. */
	ASSERT_EQ(0, smu_snap(e->vm, &s0));
	mglru_pass(_metadata, self);
	ASSERT_EQ(0, smu_snap(e->vm, &s1));
	if (!hook_calls(&s0, &s1))
		SKIP(return, "this kernel's MGLRU walk calls no aging hook "
		     "(6.1: the walk clears the process's PTEs only)");
	ksft_print_msg("first pass: %llu hook calls over %llu pages\n",
		       (unsigned long long)hook_calls(&s0, &s1),
		       (unsigned long long)smu_delta(&s0, &s1,
						     SECMMU_STAT_AGE_PAGES));
	expect_all_old(_metadata, self, "the first pass");

	/* The vCPU reads some pages, some only through an alias. */
	touch(_metadata, variant, e, false);
	expect_ioctl_answer(_metadata, self, variant);
	young = smu_bm_weight(self->y, NPAGES);

	ASSERT_EQ(0, smu_snap(e->vm, &s0));
	mglru_pass(_metadata, self);
	ASSERT_EQ(0, smu_snap(e->vm, &s1));
	ksft_print_msg("second pass: %llu hook calls, %llu young of %llu pages "
		       "(SECMMU_AGE: %llu young); fallbacks %llu, lockless %llu, "
		       "bit locks %llu\n",
		       (unsigned long long)hook_calls(&s0, &s1),
		       (unsigned long long)smu_delta(&s0, &s1,
						     SECMMU_STAT_AGE_YOUNG),
		       (unsigned long long)smu_delta(&s0, &s1,
						     SECMMU_STAT_AGE_PAGES),
		       (unsigned long long)young,
		       (unsigned long long)smu_delta(&s0, &s1,
					SECMMU_STAT_RMAP_LOCK_FALLBACKS),
		       (unsigned long long)smu_delta(&s0, &s1,
					SECMMU_STAT_RMAP_LOCKLESS),
		       (unsigned long long)smu_delta(&s0, &s1,
					SECMMU_STAT_RMAP_BIT_LOCKS));
	/* The hooks saw every page once, and found SECMMU_AGE's young. */
	EXPECT_EQ(NPAGES, smu_delta(&s0, &s1, SECMMU_STAT_AGE_PAGES));
	EXPECT_EQ(young, smu_delta(&s0, &s1, SECMMU_STAT_AGE_YOUNG));
	expect_all_old(_metadata, self, "the second pass");
	expect_mode_walk(_metadata, variant, &s0, &s1);
}

/* The pfn of each page (the head's for a THP), from pagemap. */
static int pfns(struct smu_env *e, __u64 *pfn)
{
	size_t i;

	for (i = 0; i < NPAGES; i++) {
		uint64_t pm = smu_pagemap(e->mem + i * PAGE);

		if (!(pm & SMU_PM_PRESENT) || !(pm & SMU_PM_PFN_MASK))
			return -1;
		pfn[i] = pm & SMU_PM_PFN_MASK;
	}
	return 0;
}

/*
 * Set (@set) or read the idle bits of our pages, one access per bitmap
 * word: reading a word walks every idle page of its 64, so one read per
 * page would ask each page up to 64 times.  Setting writes only our bits
 * (a tail page's bit is ignored: the head's stands for the THP).
 */
static int idle_bits(const __u64 *pfn, bool set, bool *idle)
{
	static __u64 off[NPAGES], word[NPAGES];
	static size_t at[NPAGES];
	int fd = open(PAGE_IDLE, O_RDWR | O_CLOEXEC);
	size_t i, j, n = 0;

	if (fd < 0)
		return -errno;
	for (i = 0; i < NPAGES; i++) {
		for (j = 0; j < n && off[j] != pfn[i] / 64 * 8; j++)
			;
		if (j == n) {
			off[n] = pfn[i] / 64 * 8;
			word[n++] = 0;
		}
		word[j] |= 1ULL << (pfn[i] % 64);
		at[i] = j;
	}
	for (j = 0; j < n; j++) {
		if ((set ? pwrite(fd, &word[j], 8, off[j]) :
		     pread(fd, &word[j], 8, off[j])) != 8) {
			close(fd);
			return -EIO;
		}
	}
	close(fd);
	for (i = 0; i < NPAGES && !set; i++)
		idle[i] = word[at[i]] >> (pfn[i] % 64) & 1;
	return 0;
}

TEST_F(hooks, page_idle)
{
	static __u64 pfn[NPAGES];
	static bool idle[NPAGES];
	struct smu_env *e = &self->e;
	struct smu_snap s0, s1;
	size_t i, step = variant->huge ? BLK : 1, n = 0, bad = 0;
	__u64 young;
	int ret;

	if (access(PAGE_IDLE, R_OK | W_OK))
		SKIP(return, "no %s (no CONFIG_IDLE_PAGE_TRACKING)", PAGE_IDLE);
	ASSERT_EQ(0, pfns(e, pfn)) TH_LOG("pagemap (needs root)");

	/* Set idle: through clear_young, every leaf of ours gets old. */
	ASSERT_EQ(0, smu_snap(e->vm, &s0));
	ret = idle_bits(pfn, true, NULL);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", PAGE_IDLE, strerror(-ret));
	ASSERT_EQ(0, smu_snap(e->vm, &s1));
	ASSERT_LT(0, hook_calls(&s0, &s1)) TH_LOG("no aging hook was called");
	EXPECT_EQ(NPAGES, smu_delta(&s0, &s1, SECMMU_STAT_AGE_PAGES));
	expect_all_old(_metadata, self, "setting the pages idle");

	touch(_metadata, variant, e, false);
	expect_ioctl_answer(_metadata, self, variant);
	young = smu_bm_weight(self->y, NPAGES);
	/* Read: a page still idle was old in every view (clear_young). */
	ASSERT_EQ(0, smu_snap(e->vm, &s0));
	ret = idle_bits(pfn, false, idle);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", PAGE_IDLE, strerror(-ret));
	ASSERT_EQ(0, smu_snap(e->vm, &s1));
	ksft_print_msg("read: %llu hook calls, %llu young of %llu pages "
		       "(SECMMU_AGE: %llu young)\n",
		       (unsigned long long)hook_calls(&s0, &s1),
		       (unsigned long long)smu_delta(&s0, &s1,
						     SECMMU_STAT_AGE_YOUNG),
		       (unsigned long long)smu_delta(&s0, &s1,
						     SECMMU_STAT_AGE_PAGES),
		       (unsigned long long)young);
	EXPECT_EQ(NPAGES, smu_delta(&s0, &s1, SECMMU_STAT_AGE_PAGES));
	EXPECT_EQ(young, smu_delta(&s0, &s1, SECMMU_STAT_AGE_YOUNG));
	expect_mode_walk(_metadata, variant, &s0, &s1);
	/*
	 * Every page's bit, the complement of SECMMU_AGE's answer (for a
	 * THP: of any of its pages'): every folio is on its LRU (the setup
	 * drained the batches), so a page left out by page_idle reads "not
	 * idle" and fails when it is old.
	 */
	for (i = 0; i < NPAGES; i += step) {
		bool y = false;
		size_t p;

		for (p = i; p < i + step; p++)
			y |= smu_bm_test(self->y, p);
		n += idle[i];
		if (idle[i] == y) {
			TH_LOG("page %zu: idle bit %d, SECMMU_AGE young %d", i,
			       idle[i], y);
			bad++;
		}
	}
	ksft_print_msg("%zu of %zu pages idle\n", n, NPAGES / step);
	EXPECT_EQ(0, bad);
	expect_all_old(_metadata, self, "reading the idle bits");
}

TEST_HARNESS_MAIN
