// SPDX-License-Identifier: GPL-2.0
/*
 * Huge leaves (SECMMU_CAP_HUGE_LEAVES): a PMD-mapped THP is mirrored by one
 * 2 MiB leaf, in every rmap mode.  Checks: the leaf maps each 4 KiB page
 * to the page the process maps (pagemap), data flows both ways; aging
 * answers young for every page the leaf covers, once per call, also when
 * a call's chunks split a block; a 4 KiB MADV_DONTNEED inside zaps the
 * whole leaf; dirty logging zaps huge leaves and records single pages;
 * MADV_COLLAPSE over 4 KiB leaves is followed by a huge leaf; migration
 * and MADV_PAGEOUT of a mirrored THP zap it and keep the data.  Without
 * the capability (and where the layout does not allow it) leaves stay
 * 4 KiB.
 *
 * A kernel without THP (PREEMPT_RT) refuses MADV_HUGEPAGE: the cases SKIP
 * there, saying so.
 */
#include "secmmu_test.h"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif
#ifndef MPOL_MF_MOVE
#define MPOL_MF_MOVE	(1 << 1)
#endif

#define HPAGE		(2UL << 20)
#define HPAGES		(HPAGE / PAGE)
#define NBLOCKS		2
#define LEN		(NBLOCKS * HPAGE)
#define NPAGES		(LEN / PAGE)
#define GFN		0x40000		/* 512-aligned */
#define SEED		0x4a9eULL

FIXTURE(huge) {
	struct smu_env e;
};

/*
 * Every rmap mode in the notifier style; the interval styles with the
 * locked rmap and with none (table walk).
 */
FIXTURE_VARIANT(huge) {
	__u32 mode;
	__u64 coherence;
};

#define HUGE_VARIANT(name, m, c)					\
	FIXTURE_VARIANT_ADD(huge, name) {				\
		.mode = SECMMU_RMAP_##m,				\
		.coherence = SECMMU_COHERENCE_##c,			\
	}

HUGE_VARIANT(locked, LOCKED, NOTIFIER);
HUGE_VARIANT(single_lockless, SINGLE_LOCKLESS, NOTIFIER);
HUGE_VARIANT(lock_bit, LOCK_BIT, NOTIFIER);
HUGE_VARIANT(table_walk, TABLE_WALK, NOTIFIER);
HUGE_VARIANT(interval_locked, LOCKED, INTERVAL);
HUGE_VARIANT(interval_table_walk, TABLE_WALK, INTERVAL);
HUGE_VARIANT(interval_two_pass_locked, LOCKED, INTERVAL_TWO_PASS);

/* THP-backed, filled, 2 MiB aligned memory; NULL after a SKIP. */
static char *thp_mem(struct __test_metadata *_metadata, bool thp)
{
	char *mem = smu_mmap_aligned(LEN, HPAGE);

	ASSERT_NE(MAP_FAILED, mem);
	if (madvise(mem, LEN, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE)) {
		ASSERT_EQ(EINVAL, errno);
		munmap(mem, LEN);
		return NULL;
	}
	smu_fill(mem, LEN, SEED);
	if (thp && smu_anon_huge_kb(mem) != (long)(LEN >> 10)) {
		munmap(mem, LEN);
		return NULL;
	}
	return mem;
}

FIXTURE_SETUP(huge)
{
	struct smu_env *e = &self->e;

	smu_env_setup(_metadata, e, 0, GFN);
	if (!smu_t_coherence(_metadata, e->vm, variant->coherence))
		return;
	ASSERT_EQ(0, smu_set_rmap_mode(e->vm, variant->mode));
	ASSERT_EQ(0, smu_enable_cap(e->vm, SECMMU_CAP_HUGE_LEAVES, 1));
	ASSERT_EQ(1, smu_check_cap(e->vm, SECMMU_CAP_HUGE_LEAVES));
	e->mem = thp_mem(_metadata, true);
	if (!e->mem)
		SKIP(return, "no THP here (a kernel without THP, e.g. PREEMPT_RT, "
		     "or THP off): nothing to mirror with huge leaves");
	e->npages = NPAGES;
	ASSERT_EQ(0, smu_set_memslot(e->vm, 0, 0, GFN, NPAGES, e->mem));
	/* Fixed by the memslot, like the rmap mode. */
	ASSERT_EQ(-EBUSY, smu_enable_cap(e->vm, SECMMU_CAP_HUGE_LEAVES, 0));
}

FIXTURE_TEARDOWN(huge)
{
	smu_env_teardown(&self->e);
}

static __u64 stat(struct __test_metadata *_metadata, struct smu_env *e,
		  enum secmmu_stat s)
{
	return smu_t_stat(_metadata, e->vm, s);
}

static struct secmmu_spte_info spte(struct __test_metadata *_metadata,
				    struct smu_env *e, __u64 gfn)
{
	struct secmmu_spte_info info;

	memset(&info, 0, sizeof(info));
	EXPECT_EQ(0, smu_get_spte(e->vm, 0, gfn, &info));
	return info;
}

/* Pages @pages of [GFN, ...) are mapped at @level, to the process's pfns. */
static void check_mapped(struct __test_metadata *_metadata, struct smu_env *e,
			 __u64 first, __u64 n, __u32 level)
{
	__u64 i;

	for (i = first; i < first + n; i++) {
		struct secmmu_spte_info info = spte(_metadata, e, GFN + i);
		uint64_t pm = smu_pagemap(e->mem + i * PAGE);

		ASSERT_TRUE(info.flags & SECMMU_SPTE_PRESENT) TH_LOG("page %llu",
							      (unsigned long long)i);
		ASSERT_EQ(level, info.level) TH_LOG("page %llu", (unsigned long long)i);
		if (!geteuid())
			ASSERT_EQ(pm & SMU_PM_PFN_MASK, info.pfn)
				TH_LOG("page %llu", (unsigned long long)i);
	}
}

/* A vCPU access of gfn @gfn, whose page the process sees at @host. */
static void touch_at(struct __test_metadata *_metadata, int vcpu, __u64 gfn,
		     char *host, bool write)
{
	__u64 v = 0;

	if (write) {
		v = SEED ^ gfn;
		smu_t_rw(_metadata, vcpu, 0, SMU_GPA(gfn) + 8, &v, sizeof(v), true);
		ASSERT_EQ(v, *(__u64 *)(host + 8));
	} else {
		smu_t_rw(_metadata, vcpu, 0, SMU_GPA(gfn) + 8, &v, sizeof(v), false);
		ASSERT_EQ(*(__u64 *)(host + 8), v);
	}
}

/* The same for page @page of the fixture's memslot. */
static void touch(struct __test_metadata *_metadata, struct smu_env *e,
		  __u64 page, bool write)
{
	touch_at(_metadata, e->vcpu, GFN + page, e->mem + page * PAGE, write);
}

TEST_F(huge, maps_one_leaf_per_block)
{
	struct smu_env *e = &self->e;
	char *buf = malloc(LEN);

	ASSERT_NE(NULL, buf);
	touch(_metadata, e, 3, false);
	touch(_metadata, e, HPAGES + 7, true);
	EXPECT_EQ(2, stat(_metadata, e, SECMMU_STAT_HUGE_MAPPED));
	EXPECT_EQ(2, stat(_metadata, e, SECMMU_STAT_MAPPED));
	EXPECT_EQ(2, stat(_metadata, e, SECMMU_STAT_HUGE_INSTALLED));
	check_mapped(_metadata, e, 0, NPAGES, 2);
	EXPECT_FALSE(spte(_metadata, e, GFN).flags & SECMMU_SPTE_WRITABLE);
	EXPECT_TRUE(spte(_metadata, e, GFN + HPAGES).flags & SECMMU_SPTE_DIRTY);

	/* All of it reads through the two leaves, without another fault. */
	smu_fill(e->mem, LEN, SEED + 1);
	ASSERT_EQ(0, smu_read_all(e->vcpu, 0, SMU_GPA(GFN), buf, LEN, NULL));
	EXPECT_EQ(-1, smu_check(buf, LEN, SEED + 1));
	smu_fill(buf, LEN, SEED + 2);
	ASSERT_EQ(0, smu_write_all(e->vcpu, 0, SMU_GPA(GFN), buf, LEN, NULL));
	EXPECT_EQ(-1, smu_check(e->mem, LEN, SEED + 2));
	EXPECT_EQ(2, stat(_metadata, e, SECMMU_STAT_HUGE_INSTALLED));
	EXPECT_EQ(2, stat(_metadata, e, SECMMU_STAT_MAPPED));
	free(buf);

	/* Deleting the memslot zaps them and empties every head. */
	ASSERT_EQ(0, smu_del_memslot(e->vm, 0));
	EXPECT_EQ(0, stat(_metadata, e, SECMMU_STAT_MAPPED));
	EXPECT_EQ(0, stat(_metadata, e, SECMMU_STAT_HUGE_MAPPED));
	EXPECT_EQ(2, stat(_metadata, e, SECMMU_STAT_HUGE_ZAPPED));
}

/* Young pages of an AGE call over [GFN + first, + n). */
static __u64 age(struct __test_metadata *_metadata, struct smu_env *e,
		 __u32 flags, __u64 first, __u64 n, __u64 *bm)
{
	struct secmmu_age res;

	memset(bm, 0, NPAGES / 8);
	EXPECT_EQ(0, smu_age(e->vm, flags, GFN + first, n, bm, NULL, &res));
	EXPECT_EQ(n, res.done);
	return res.nr_young;
}

TEST_F(huge, age_answers_for_every_page)
{
	struct smu_env *e = &self->e;
	__u64 bm[NPAGES / 64], i;

	touch(_metadata, e, 0, false);
	touch(_metadata, e, HPAGES, false);
	ASSERT_EQ(2, stat(_metadata, e, SECMMU_STAT_HUGE_MAPPED));

	/*
	 * From page 100: the call's 512-page chunks end inside block 1, whose
	 * A bit the first chunk clears; its later pages are young too.
	 */
	EXPECT_EQ(NPAGES - 100, age(_metadata, e, SECMMU_AGE_CLEAR, 100,
				    NPAGES - 100, bm));
	for (i = 0; i < NPAGES - 100; i++)
		ASSERT_TRUE(smu_bm_test(bm, i)) TH_LOG("page %llu", (unsigned long long)i + 100);
	/* Page 0's block was cleared too: one A bit for all 512 pages. */
	EXPECT_EQ(0, age(_metadata, e, SECMMU_AGE_TEST, 0, NPAGES, bm));

	/* One page touched: its whole block is young, the other is not. */
	touch(_metadata, e, HPAGES + 300, false);
	EXPECT_EQ(HPAGES, age(_metadata, e, SECMMU_AGE_TEST, 0, NPAGES, bm));
	for (i = 0; i < NPAGES; i++)
		ASSERT_EQ(i >= HPAGES, smu_bm_test(bm, i)) TH_LOG("page %llu",
								  (unsigned long long)i);

	/* By host address (the notifier hooks' walk), from the middle of it. */
	{
		struct secmmu_age res;

		ASSERT_EQ(0, smu_age(e->vm, SECMMU_AGE_CLEAR | SECMMU_AGE_HVA,
				     (uintptr_t)e->mem + (HPAGES + 200) * PAGE,
				     HPAGES - 200, bm, NULL, &res));
		EXPECT_EQ(HPAGES - 200, res.nr_young);
	}
	EXPECT_EQ(0, age(_metadata, e, SECMMU_AGE_TEST, 0, NPAGES, bm));
}

TEST_F(huge, partial_unmap_zaps_the_leaf)
{
	struct smu_env *e = &self->e;
	char page[PAGE];

	touch(_metadata, e, 5, true);
	ASSERT_EQ(1, stat(_metadata, e, SECMMU_STAT_HUGE_MAPPED));
	ASSERT_EQ(0, madvise(e->mem + 5 * PAGE, PAGE, MADV_DONTNEED));
	EXPECT_EQ(0, stat(_metadata, e, SECMMU_STAT_HUGE_MAPPED));
	EXPECT_EQ(0, stat(_metadata, e, SECMMU_STAT_MAPPED));
	EXPECT_EQ(1, stat(_metadata, e, SECMMU_STAT_HUGE_ZAPPED));
	EXPECT_EQ(0, spte(_metadata, e, GFN + 6).flags);

	/* The PMD is split: the block is mapped 4 KiB from now on. */
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN + 5), page, PAGE, false);
	EXPECT_TRUE(smu_is_zero(page, PAGE));
	touch(_metadata, e, 6, false);
	check_mapped(_metadata, e, 5, 2, 1);
	EXPECT_EQ(0, stat(_metadata, e, SECMMU_STAT_HUGE_MAPPED));
}

TEST_F(huge, dirty_logging_records_pages)
{
	struct smu_env *e = &self->e;
	__u64 bm[NPAGES / 64] = { 0 };
	size_t i;

	touch(_metadata, e, 0, true);
	ASSERT_EQ(1, stat(_metadata, e, SECMMU_STAT_HUGE_MAPPED));
	ASSERT_EQ(0, smu_set_memslot(e->vm, 0, SECMMU_MEM_LOG_DIRTY, GFN,
				     NPAGES, e->mem));
	EXPECT_EQ(0, stat(_metadata, e, SECMMU_STAT_HUGE_MAPPED));
	EXPECT_EQ(0, stat(_metadata, e, SECMMU_STAT_MAPPED));

	touch(_metadata, e, 7, true);
	touch(_metadata, e, 9, false);
	touch(_metadata, e, HPAGES + 1, true);
	EXPECT_EQ(0, stat(_metadata, e, SECMMU_STAT_HUGE_MAPPED));
	check_mapped(_metadata, e, 7, 1, 1);
	check_mapped(_metadata, e, 9, 1, 1);
	ASSERT_EQ(0, smu_get_log(e->vm, 0, 0, NPAGES, bm));
	for (i = 0; i < NPAGES; i++)
		ASSERT_EQ(i == 7 || i == HPAGES + 1, smu_bm_test(bm, i))
			TH_LOG("page %zu", i);

	/* Logging off again: a new fault in a block replaces its table. */
	ASSERT_EQ(0, smu_set_memslot(e->vm, 0, 0, GFN, NPAGES, e->mem));
	touch(_metadata, e, 100, false);
	EXPECT_EQ(1, stat(_metadata, e, SECMMU_STAT_HUGE_MAPPED));
	EXPECT_EQ(1, stat(_metadata, e, SECMMU_STAT_HUGE_PROMOTED));
	check_mapped(_metadata, e, 0, HPAGES, 2);
	touch(_metadata, e, 7, false);
}

TEST_F(huge, collapse_then_huge)
{
	struct smu_env *e = &self->e;
	char *mem;
	int ret;

	/* A second memslot of 4 KiB pages, collapsed under the mirror. */
	mem = thp_mem(_metadata, false);
	ASSERT_NE(NULL, mem);
	ASSERT_EQ(0, smu_set_memslot(e->vm, 1, 0, GFN + NPAGES, NPAGES, mem));
	touch_at(_metadata, e->vcpu, GFN + NPAGES + 1, mem + PAGE, false);
	touch_at(_metadata, e->vcpu, GFN + NPAGES + 2, mem + 2 * PAGE, true);
	EXPECT_EQ(0, stat(_metadata, e, SECMMU_STAT_HUGE_MAPPED));
	EXPECT_EQ(1, spte(_metadata, e, GFN + NPAGES + 2).level);

	/*
	 * Only the first block may become huge: with the whole range
	 * MADV_HUGEPAGE, khugepaged may collapse the second block too
	 * (seen on the slow KCSAN kernel), and smaps counts the VMA.
	 */
	ASSERT_EQ(0, madvise(mem, HPAGE, MADV_HUGEPAGE));
	ret = madvise(mem, HPAGE, MADV_COLLAPSE);
	if (ret && (errno == EINVAL || errno == EAGAIN)) {
		munmap(mem, LEN);
		SKIP(return, "MADV_COLLAPSE: %s", strerror(errno));
	}
	ASSERT_EQ(0, ret) TH_LOG("MADV_COLLAPSE: %s", strerror(errno));
	EXPECT_EQ(0, spte(_metadata, e, GFN + NPAGES + 1).flags);
	EXPECT_EQ((long)(HPAGE >> 10), smu_anon_huge_kb(mem));

	touch_at(_metadata, e->vcpu, GFN + NPAGES + 3, mem + 3 * PAGE, false);
	touch_at(_metadata, e->vcpu, GFN + NPAGES + 2, mem + 2 * PAGE, false);
	EXPECT_EQ(1, stat(_metadata, e, SECMMU_STAT_HUGE_MAPPED));
	EXPECT_LE(1, stat(_metadata, e, SECMMU_STAT_HUGE_PROMOTED));
	EXPECT_EQ(2, spte(_metadata, e, GFN + NPAGES + 500).level);
	ASSERT_EQ(0, smu_del_memslot(e->vm, 1));
	munmap(mem, LEN);
}

TEST_F(huge, migrate_and_pageout)
{
	struct smu_env *e = &self->e;
	void *pages[HPAGES];
	int nodes[HPAGES], status[HPAGES];
	char *buf = malloc(HPAGE);
	size_t i;

	ASSERT_NE(NULL, buf);
	touch(_metadata, e, 1, true);
	ASSERT_EQ(1, stat(_metadata, e, SECMMU_STAT_HUGE_MAPPED));
	if (smu_nr_nodes() >= 2) {
		for (i = 0; i < HPAGES; i++)
			pages[i] = e->mem + i * PAGE;
		ASSERT_EQ(0, syscall(__NR_move_pages, 0, HPAGES, pages, NULL,
				     status, 0));
		for (i = 0; i < HPAGES; i++)
			nodes[i] = !status[0];
		ASSERT_EQ(0, syscall(__NR_move_pages, 0, HPAGES, pages, nodes,
				     status, MPOL_MF_MOVE));
		EXPECT_EQ(nodes[0], status[0]);
		EXPECT_EQ(0, stat(_metadata, e, SECMMU_STAT_HUGE_MAPPED));
		ASSERT_EQ(0, smu_read_all(e->vcpu, 0, SMU_GPA(GFN), buf, HPAGE, NULL));
		EXPECT_EQ(0, memcmp(buf, e->mem, HPAGE));
		check_mapped(_metadata, e, 0, 4, spte(_metadata, e, GFN).level);
	} else {
		TH_LOG("one NUMA node: migration not tried");
	}

	/* Swap it out (if there is swap), read it back through the vCPU. */
	memcpy(buf, e->mem, HPAGE);
	touch(_metadata, e, 2, false);
	ASSERT_EQ(0, madvise(e->mem, HPAGE, MADV_PAGEOUT));
	if (!(smu_pagemap(e->mem) & SMU_PM_SWAPPED)) {
		free(buf);
		if (smu_nr_nodes() < 2)
			SKIP(return, "no swap and one NUMA node: nothing moved the THP");
		return;
	}
	EXPECT_EQ(0, stat(_metadata, e, SECMMU_STAT_HUGE_MAPPED));
	EXPECT_EQ(0, spte(_metadata, e, GFN + 2).flags);
	{
		char *back = malloc(HPAGE);

		ASSERT_NE(NULL, back);
		ASSERT_EQ(0, smu_read_all(e->vcpu, 0, SMU_GPA(GFN), back, HPAGE, NULL));
		EXPECT_EQ(0, memcmp(back, buf, HPAGE));
		free(back);
	}
	free(buf);
}

/*
 * An aligned alias view gets its own huge leaf (degree 2: a chain in the
 * block's head); a misaligned one maps 4 KiB; an unmap zaps them all.
 */
TEST_F(huge, alias_views)
{
	struct smu_env *e = &self->e;
	struct secmmu_spte_info info;
	__u64 bm[NPAGES / 64];
	__u64 v = 0;

	ASSERT_EQ(0, smu_set_view(e->vm, 1, 0x80000, NPAGES, GFN));
	ASSERT_EQ(0, smu_set_view(e->vm, 2, 0x80001, NPAGES, GFN));
	touch(_metadata, e, 3, false);
	smu_t_rw(_metadata, e->vcpu, 1, SMU_GPA(0x80000 + 3) + 8, &v, sizeof(v), false);
	EXPECT_EQ(*(__u64 *)(e->mem + 3 * PAGE + 8), v);
	smu_t_rw(_metadata, e->vcpu, 2, SMU_GPA(0x80001 + 3) + 8, &v, sizeof(v), false);
	EXPECT_EQ(*(__u64 *)(e->mem + 3 * PAGE + 8), v);
	EXPECT_EQ(2, stat(_metadata, e, SECMMU_STAT_HUGE_MAPPED));
	EXPECT_EQ(3, stat(_metadata, e, SECMMU_STAT_MAPPED));
	ASSERT_EQ(0, smu_get_spte(e->vm, 1, 0x80000 + 200, &info));
	EXPECT_EQ(2, info.level);
	if (!geteuid())
		EXPECT_EQ(smu_pagemap(e->mem + 200 * PAGE) & SMU_PM_PFN_MASK, info.pfn);
	ASSERT_EQ(0, smu_get_spte(e->vm, 2, 0x80001 + 3, &info));
	EXPECT_EQ(1, info.level);

	/* Young through any view: the whole block (and page 3 again). */
	EXPECT_EQ(HPAGES, age(_metadata, e, SECMMU_AGE_CLEAR, 0, NPAGES, bm));
	EXPECT_EQ(0, age(_metadata, e, SECMMU_AGE_TEST, 0, NPAGES, bm));

	/*
	 * Read through view 2 alone: its 4 KiB leaf is young, the block's
	 * huge leaves are old, so page 3 alone (a block mapped huge still
	 * has its 4 KiB heads asked).
	 */
	smu_t_rw(_metadata, e->vcpu, 2, SMU_GPA(0x80001 + 3) + 8, &v, sizeof(v), false);
	EXPECT_EQ(1, age(_metadata, e, SECMMU_AGE_CLEAR, 0, NPAGES, bm));
	EXPECT_TRUE(smu_bm_test(bm, 3));
	EXPECT_EQ(0, age(_metadata, e, SECMMU_AGE_TEST, 0, NPAGES, bm));

	ASSERT_EQ(0, madvise(e->mem, HPAGE, MADV_DONTNEED));
	EXPECT_EQ(0, stat(_metadata, e, SECMMU_STAT_MAPPED));
	EXPECT_EQ(0, stat(_metadata, e, SECMMU_STAT_HUGE_MAPPED));
	smu_t_rw(_metadata, e->vcpu, 1, SMU_GPA(0x80000 + 3) + 8, &v, sizeof(v), false);
	EXPECT_EQ(0, v);
}

/*
 * A view whose 512-aligned block is made of three ranges: its first and
 * last gfns map the first and last page of the THP, the 510 between another
 * memslot (@hole: nothing).  The ends translate 511 apart, but no one range
 * holds the block: no huge leaf, or the leaf of the first read would map
 * the THP's pages under the middle gfns (view isolation), and a write there
 * would zap it from the wrong block's head (a WARN, a stale head).
 */
#define SPLIT_VIEW_GFN	0x80000		/* 512-aligned */

static void split_block_view(struct __test_metadata *_metadata,
			     struct smu_env *e, bool hole)
{
	__u64 v = SPLIT_VIEW_GFN, other = GFN + NPAGES, i, val;
	unsigned int nhuge = 0, wrong = 0, leaked = 0;
	struct secmmu_spte_info info;
	struct secmmu_access a;
	char *mem = NULL;

	if (!hole) {
		mem = thp_mem(_metadata, false);
		ASSERT_NE(NULL, mem);
		smu_fill(mem, LEN, SEED + 7);
		ASSERT_EQ(0, smu_set_memslot(e->vm, 1, 0, other, NPAGES, mem));
		ASSERT_EQ(0, smu_set_view(e->vm, 1, v + 1, HPAGES - 2, other + 1));
	}
	ASSERT_EQ(0, smu_set_view(e->vm, 1, v, 1, GFN));
	ASSERT_EQ(0, smu_set_view(e->vm, 1, v + HPAGES - 1, 1, GFN + HPAGES - 1));

	/* The first page reads the THP's first page. */
	smu_t_rw(_metadata, e->vcpu, 1, SMU_GPA(v) + 8, &val, sizeof(val), false);
	EXPECT_EQ(*(__u64 *)(e->mem + 8), val);
	ASSERT_EQ(0, smu_get_spte(e->vm, 1, v, &info));
	EXPECT_EQ(1, info.level) TH_LOG("a huge leaf over three view ranges");

	/* Each kind of wrong answer is counted, and logged once. */
	for (i = 1; i < HPAGES - 1; i++) {
		__u64 slot0 = *(__u64 *)(e->mem + i * PAGE + 8);
		__u32 want = hole ? SECMMU_EXIT_UNBACKED : SECMMU_EXIT_NONE;

		ASSERT_EQ(0, smu_get_spte(e->vm, 1, v + i, &info));
		if ((info.flags & SECMMU_SPTE_PRESENT) && info.level == 2 && !nhuge++)
			TH_LOG("view gfn +%llu under a huge leaf", (unsigned long long)i);
		val = 0;
		ASSERT_EQ(0, smu_access(e->vcpu, 1, SMU_GPA(v + i) + 8, &val,
					sizeof(val), false, &a));
		if ((a.exit_reason != want ||
		     (!hole && val != *(__u64 *)(mem + i * PAGE + 8))) && !wrong++)
			TH_LOG("view gfn +%llu read %#llx (exit %u), memslot 0 has %#llx",
			       (unsigned long long)i, (unsigned long long)val,
			       a.exit_reason, (unsigned long long)slot0);
		val = SEED ^ i;
		ASSERT_EQ(0, smu_access(e->vcpu, 1, SMU_GPA(v + i) + 8, &val,
					sizeof(val), true, &a));
		if ((a.exit_reason != want ||
		     (!hole && *(__u64 *)(mem + i * PAGE + 8) != (SEED ^ i))) && !wrong++)
			TH_LOG("view gfn +%llu: write (exit %u) missed its page",
			       (unsigned long long)i, a.exit_reason);
		if (*(__u64 *)(e->mem + i * PAGE + 8) != slot0 && !leaked++)
			TH_LOG("a write of view gfn +%llu reached memslot 0",
			       (unsigned long long)i);
		ASSERT_EQ(0, smu_get_spte(e->vm, 1, v + i, &info));
		if ((info.flags & SECMMU_SPTE_PRESENT) && info.level == 2 && !nhuge++)
			TH_LOG("view gfn +%llu under a huge leaf", (unsigned long long)i);
	}
	EXPECT_EQ(0, nhuge);
	EXPECT_EQ(0, wrong);
	EXPECT_EQ(0, leaked);

	/* The last page reads the THP's last page; no huge leaf anywhere. */
	smu_t_rw(_metadata, e->vcpu, 1, SMU_GPA(v + HPAGES - 1) + 8, &val,
		 sizeof(val), false);
	EXPECT_EQ(*(__u64 *)(e->mem + (HPAGES - 1) * PAGE + 8), val);
	EXPECT_EQ(0, stat(_metadata, e, SECMMU_STAT_HUGE_MAPPED));
	EXPECT_EQ(0, stat(_metadata, e, SECMMU_STAT_HUGE_INSTALLED));

	/* Everything goes, every head emptied (no WARN on the way). */
	ASSERT_EQ(0, smu_del_view(e->vm, 1, v));
	ASSERT_EQ(0, smu_del_view(e->vm, 1, v + HPAGES - 1));
	if (!hole) {
		ASSERT_EQ(0, smu_del_view(e->vm, 1, v + 1));
		ASSERT_EQ(0, smu_del_memslot(e->vm, 1));
		munmap(mem, LEN);
	}
	EXPECT_EQ(0, stat(_metadata, e, SECMMU_STAT_MAPPED));
}

TEST_F(huge, block_of_three_ranges_other_memslot)
{
	split_block_view(_metadata, &self->e, false);
}

TEST_F(huge, block_of_three_ranges_hole)
{
	split_block_view(_metadata, &self->e, true);
}

/*
 * Aging answers every huge leaf once per call, however many other young
 * huge leaves come between two visits of its block: here block 1 is split
 * by the call's 512-page chunks, and between its two visits (view 0) come
 * the 10 leaves of block 0 (view 0, and 9 ranges of view 1).  Cleared at
 * the first visit, block 1's leaf must not be asked again at the second
 * (it would read old, and so would the block's pages there).
 */
#define ALIAS_RANGES	9

TEST_F(huge, age_once_with_many_young_huge_leaves)
{
	struct smu_env *e = &self->e;
	__u64 bm[NPAGES / 64], v = 0, i, r;

	for (r = 0; r < ALIAS_RANGES; r++)
		ASSERT_EQ(0, smu_set_view(e->vm, 1, 0x80000 + r * HPAGES, HPAGES, GFN));
	touch(_metadata, e, 0, false);
	touch(_metadata, e, HPAGES, false);
	for (r = 0; r < ALIAS_RANGES; r++)
		smu_t_rw(_metadata, e->vcpu, 1, SMU_GPA(0x80000 + r * HPAGES + 3),
			 &v, sizeof(v), false);
	ASSERT_EQ(2 + ALIAS_RANGES, stat(_metadata, e, SECMMU_STAT_HUGE_MAPPED));
	ASSERT_EQ(2 + ALIAS_RANGES, stat(_metadata, e, SECMMU_STAT_MAPPED));

	/* Chunks [256, 768) and [768, 1024): block 1 in both. */
	EXPECT_EQ(NPAGES - 256, age(_metadata, e, SECMMU_AGE_CLEAR, 256,
				    NPAGES - 256, bm));
	for (i = 0; i < NPAGES - 256 && smu_bm_test(bm, i); i++)
		;
	EXPECT_EQ(NPAGES - 256, i) TH_LOG("page %llu old", (unsigned long long)i + 256);
	EXPECT_EQ(0, age(_metadata, e, SECMMU_AGE_TEST, 0, NPAGES, bm));

	/* By host address too (one call over both blocks). */
	touch(_metadata, e, HPAGES + 5, false);
	for (r = 0; r < ALIAS_RANGES; r++)
		smu_t_rw(_metadata, e->vcpu, 1, SMU_GPA(0x80000 + r * HPAGES + 3),
			 &v, sizeof(v), false);
	{
		struct secmmu_age res;

		ASSERT_EQ(0, smu_age(e->vm, SECMMU_AGE_CLEAR | SECMMU_AGE_HVA,
				     (uintptr_t)e->mem + 256 * PAGE, NPAGES - 256,
				     bm, NULL, &res));
		EXPECT_EQ(NPAGES - 256, res.nr_young);
	}
	EXPECT_EQ(0, age(_metadata, e, SECMMU_AGE_TEST, 0, NPAGES, bm));
}

/* Not enabled, or a memslot that breaks the alignment: 4 KiB leaves. */
TEST(huge_needs_cap_and_alignment)
{
	struct smu_env e;
	char *mem;

	smu_env_setup(_metadata, &e, 0, GFN);
	mem = thp_mem(_metadata, true);
	if (!mem)
		SKIP(return, "no THP here");
	ASSERT_EQ(0, smu_check_cap(e.vm, SECMMU_CAP_HUGE_LEAVES));
	ASSERT_EQ(-EINVAL, smu_enable_cap(e.vm, SECMMU_CAP_HUGE_LEAVES, 2));
	ASSERT_EQ(0, smu_set_memslot(e.vm, 0, 0, GFN, NPAGES, mem));
	touch_at(_metadata, e.vcpu, GFN + 3, mem + 3 * PAGE, false);
	EXPECT_EQ(0, smu_t_stat(_metadata, e.vm, SECMMU_STAT_HUGE_MAPPED));
	EXPECT_EQ(1, smu_t_stat(_metadata, e.vm, SECMMU_STAT_MAPPED));
	smu_env_teardown(&e);

	/* Enabled, but the memslot's gfns are one page off the THP's. */
	smu_env_setup(_metadata, &e, 0, GFN);
	ASSERT_EQ(0, smu_enable_cap(e.vm, SECMMU_CAP_HUGE_LEAVES, 1));
	ASSERT_EQ(0, smu_set_memslot(e.vm, 0, 0, GFN + 1, NPAGES, mem));
	touch_at(_metadata, e.vcpu, GFN + 1 + 3, mem + 3 * PAGE, false);
	EXPECT_EQ(0, smu_t_stat(_metadata, e.vm, SECMMU_STAT_HUGE_MAPPED));
	EXPECT_EQ(1, smu_t_stat(_metadata, e.vm, SECMMU_STAT_MAPPED));
	smu_env_teardown(&e);
	munmap(mem, LEN);
}

TEST_HARNESS_MAIN
