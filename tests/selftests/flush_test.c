// SPDX-License-Identifier: GPL-2.0
/*
 * Exact remote-flush accounting of the invalidation path: one
 * invalidate_range_start() that zaps leaves does exactly one remote flush,
 * however many leaves, views and memslots the range covers; one that zaps
 * nothing does none.  SECMMU_STAT_REMOTE_FLUSHES counts the handshakes in
 * secmmu_remote_flush() itself, so a second flush, a flush per leaf (or per
 * view, per memslot) or a missing flush all change the delta.
 *
 * Layout: one anonymous mapping of NPAGES pages (no THP: a PMD split would
 * be an invalidation of its own) backs two memslots, slot 0 over its first
 * half and slot 1 over its second half at distant gfns; view 1 aliases
 * all of it.  The vCPU maps pages through both views, then munmap() or
 * MADV_DONTNEED invalidates a range across the two memslots.
 *
 * Anything else that invalidates part of this mm meanwhile (compaction,
 * khugepaged) shows up in SECMMU_STAT_INVALIDATIONS: such a run is
 * disturbed and repeated, never judged.
 */
#include "secmmu_test.h"

#define NPAGES		16
#define HALF		(NPAGES / 2)
#define GFN0		0x1000		/* slot 0: pages [0, HALF) */
#define GFN1		0x8000		/* slot 1: pages [HALF, NPAGES) */
#define VGFN		0x20000		/* view 1: pages [0, NPAGES) */
#define TRIES		5

FIXTURE(flush) {
	struct smu_env e;
};

FIXTURE_SETUP(flush)
{
	smu_env_setup(_metadata, &self->e, 0, GFN0);
}

FIXTURE_TEARDOWN(flush)
{
	smu_env_teardown(&self->e);
}

/* The memslot gfn of page @i of the mapping. */
static __u64 page_gfn(unsigned int i)
{
	return i < HALF ? GFN0 + i : GFN1 + (i - HALF);
}

/*
 * Fresh memory and layout: every attempt starts from scratch (an earlier
 * attempt may have unmapped part of the range).
 */
static void build(struct __test_metadata *_metadata, struct smu_env *e)
{
	smu_del_view(e->vm, 1, VGFN);	/* 0, or -ENOENT the first time */
	smu_del_view(e->vm, 1, VGFN + HALF);
	smu_del_memslot(e->vm, 0);
	smu_del_memslot(e->vm, 1);
	if (e->mem)
		munmap(e->mem, NPAGES * PAGE);
	e->mem = smu_mmap_anon(NPAGES * PAGE);
	ASSERT_NE(MAP_FAILED, e->mem);
	e->npages = NPAGES;
	/* EINVAL: a kernel without THP, e.g. -rt. */
	if (madvise(e->mem, NPAGES * PAGE, MADV_NOHUGEPAGE))
		ASSERT_EQ(EINVAL, errno);
	memset(e->mem, 0x5a, NPAGES * PAGE);
	ASSERT_EQ(0, smu_set_memslot(e->vm, 0, 0, GFN0, HALF, e->mem));
	ASSERT_EQ(0, smu_set_memslot(e->vm, 1, 0, GFN1, HALF,
				     e->mem + HALF * PAGE));
	ASSERT_EQ(0, smu_set_view(e->vm, 1, VGFN, HALF, GFN0));
	ASSERT_EQ(0, smu_set_view(e->vm, 1, VGFN + HALF, HALF, GFN1));
	ASSERT_EQ(0, smu_t_stat(_metadata, e->vm, SECMMU_STAT_MAPPED));
}

/*
 * The vCPU maps pages [first, first + n) through view 0 (reads) and, when
 * @alias, through view 1 as well (writes).  Returns the number of leaves.
 */
static long map_pages(struct __test_metadata *_metadata, struct smu_env *e,
		      unsigned int first, unsigned int n, bool alias)
{
	char buf[8] = "flushme";
	unsigned int i;

	for (i = first; i < first + n; i++) {
		smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(page_gfn(i)) + 64, buf,
			 sizeof(buf), false);
		if (alias)
			smu_t_rw(_metadata, e->vcpu, 1, SMU_GPA(VGFN + i) + 128,
				 buf, sizeof(buf), true);
	}
	return alias ? 2 * n : n;
}

enum inval {
	INVAL_MUNMAP,
	INVAL_DONTNEED,
};

static void invalidate(struct __test_metadata *_metadata, struct smu_env *e,
		       enum inval how, unsigned int first, unsigned int n)
{
	char *p = e->mem + first * PAGE;

	int ret;

	if (how == INVAL_MUNMAP)
		ret = munmap(p, n * PAGE);
	else
		ret = madvise(p, n * PAGE, MADV_DONTNEED);
	ASSERT_EQ(0, ret);
}

#define D(x) (s1.val[SECMMU_STAT_##x] - s0.val[SECMMU_STAT_##x])

/*
 * Map @mapped pages from @map_first (both views when @alias), invalidate
 * [@first, @first + @n) once by @how, and judge the counters: the range
 * holds @leaves leaves, all zapped with exactly one remote flush (none
 * when @leaves is 0).  Returns false when the run was disturbed.
 */
static bool scenario(struct __test_metadata *_metadata, struct smu_env *e,
		     enum inval how, unsigned int map_first,
		     unsigned int mapped, bool alias, unsigned int first,
		     unsigned int n, long leaves)
{
	enum secmmu_stat event = how == INVAL_MUNMAP ? SECMMU_STAT_INVAL_UNMAP :
				 SECMMU_STAT_INVAL_CLEAR;
	struct secmmu_stats s0, s1;
	long total;

	build(_metadata, e);
	total = map_pages(_metadata, e, map_first, mapped, alias);
	ASSERT_EQ(total, smu_t_stat(_metadata, e->vm, SECMMU_STAT_MAPPED));

	ASSERT_EQ(0, smu_get_stats(e->vm, &s0));
	invalidate(_metadata, e, how, first, n);
	ASSERT_EQ(0, smu_get_stats(e->vm, &s1));
	if (D(INVALIDATIONS) != 1) {
		TH_LOG("disturbed: invalidations +%llu",
		       (unsigned long long)D(INVALIDATIONS));
		return false;
	}
	TH_LOG("%s pages [%u, %u): zapped %llu, remote flushes +%llu, "
	       "invalidations +%llu (%s +%llu)",
	       how == INVAL_MUNMAP ? "munmap" : "MADV_DONTNEED", first,
	       first + n, (unsigned long long)D(SPTES_ZAPPED),
	       (unsigned long long)D(REMOTE_FLUSHES),
	       (unsigned long long)D(INVALIDATIONS), smu_stat_name(event),
	       (unsigned long long)(s1.val[event] - s0.val[event]));
	EXPECT_EQ(1, s1.val[event] - s0.val[event]);
	EXPECT_EQ((__u64)leaves, D(SPTES_ZAPPED));
	EXPECT_EQ((__u64)(total - leaves), s1.val[SECMMU_STAT_MAPPED]);
	EXPECT_EQ(leaves ? 1 : 0, D(REMOTE_FLUSHES))
		TH_LOG("one invalidation zapping %ld leaves did %llu remote "
		       "flushes", leaves,
		       (unsigned long long)D(REMOTE_FLUSHES));
	/* No vCPU is in guest mode: nothing to wait for. */
	EXPECT_EQ(0, D(FLUSH_WAITS));
	EXPECT_EQ(0, D(FAULTS));
	return true;
}
#undef D

static void run(struct __test_metadata *_metadata, struct smu_env *e,
		enum inval how, unsigned int map_first, unsigned int mapped,
		bool alias, unsigned int first, unsigned int n, long leaves)
{
	int tries;

	for (tries = 0; tries < TRIES; tries++) {
		if (scenario(_metadata, e, how, map_first, mapped, alias, first,
			     n, leaves))
			break;
		TH_LOG("attempt %d disturbed by another invalidation, again",
		       tries);
	}
	ASSERT_GT(TRIES, tries);
}

/* 12 leaves: 6 pages across both memslots, through both views. */
TEST_F(flush, munmap_leaves)
{
	run(_metadata, &self->e, INVAL_MUNMAP, 0, NPAGES, true, 5, 6, 12);
}

TEST_F(flush, dontneed_leaves)
{
	run(_metadata, &self->e, INVAL_DONTNEED, 0, NPAGES, true, 5, 6, 12);
}

/* Two leaves of one view in a larger range: still one flush. */
TEST_F(flush, munmap_two_leaves)
{
	run(_metadata, &self->e, INVAL_MUNMAP, 6, 2, false, 4, 8, 2);
}

/* A single leaf. */
TEST_F(flush, dontneed_one_leaf)
{
	run(_metadata, &self->e, INVAL_DONTNEED, 9, 1, false, 8, 4, 1);
}

/*
 * No leaf in the range (the process populated it, the vCPU mapped only
 * pages outside it): an invalidation, no zap, no flush.
 */
TEST_F(flush, munmap_no_leaves)
{
	run(_metadata, &self->e, INVAL_MUNMAP, 0, 4, true, 4, 8, 0);
}

TEST_F(flush, dontneed_no_leaves)
{
	run(_metadata, &self->e, INVAL_DONTNEED, 12, 4, true, 2, 9, 0);
}

TEST_HARNESS_MAIN
