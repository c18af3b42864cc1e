// SPDX-License-Identifier: GPL-2.0
/*
 * A vCPU's writes to lazily freed memory survive reclaim.
 *
 * The process fills anonymous memory and MADV_FREEs it: the folios become
 * clean and lazyfree (not swap-backed), and reclaim may drop them instead
 * of swapping them out unless they are dirtied again.  Then a vCPU, and
 * only a vCPU, writes a new pattern to the whole range through secmmu.
 * Those writes go through the kernel mapping of the pages: neither the
 * process's PTEs nor the folios learn about them; the only record is the
 * D bit of secmmu's leaves.  Reclaim unmaps the folios, which zaps the
 * leaves first (invalidate_range_start()); the zap must move D to the folio
 * (folio_mark_dirty()) so that reclaim sees a redirtied lazyfree folio and
 * keeps it.  If the D bit were lost, the clean folio would be discarded and
 * the process would read zeroes where the vCPU wrote.
 *
 * Variants: 4 KiB pages or THP (MADV_HUGEPAGE, 2 MiB aligned), and reclaim
 * by MADV_PAGEOUT on the range or by a cgroup v2 memcg's memory.reclaim,
 * once SECMMU_AGE has cleared the leaves' A bits (the vCPU is done).
 * A kernel without THP (PREEMPT_RT) refuses MADV_HUGEPAGE: the THP variants
 * SKIP there, saying so.  Each case checks its preconditions (folios clean
 * before reclaim, every leaf dirty, every leaf zapped by the reclaim) so it
 * cannot pass without exercising the zap.
 *
 * The test pins itself to one CPU: MADV_FREE moves the folios to the
 * lazyfree LRU through a per-CPU batch, and reclaim drains only its own
 * CPU's batches (a folio still in a batch is neither isolated nor
 * discarded).
 */
#include <sched.h>
#include <sys/stat.h>

#include "secmmu_test.h"

#define THP_SIZE	(2UL << 20)
#define LEN		(2 * THP_SIZE)
#define NPAGES		(LEN / PAGE)
#define GFN		0x40000
#define OLD_SEED	0x01dfee1ULL	/* the process's data, then MADV_FREE */
#define SEED		0xfee1f4eeULL	/* the vCPU's data */
#define OP_LEN		(64UL << 10)
#define NR_OPS		(LEN / OP_LEN)
#define THP_ENABLED	"/sys/kernel/mm/transparent_hugepage/enabled"
/* memory.reclaim: up to this many rounds of LEN bytes. */
#define CG_ROUNDS	32

FIXTURE(mfree) {
	struct smu_env e;
	char cg[96];
	bool in_cg;
	char *buf;
};

FIXTURE_VARIANT(mfree) {
	bool thp;
	bool memcg;
};

FIXTURE_VARIANT_ADD(mfree, pte_pageout) {
	.thp = false,
	.memcg = false,
};

FIXTURE_VARIANT_ADD(mfree, pte_memcg) {
	.thp = false,
	.memcg = true,
};

FIXTURE_VARIANT_ADD(mfree, thp_pageout) {
	.thp = true,
	.memcg = false,
};

FIXTURE_VARIANT_ADD(mfree, thp_memcg) {
	.thp = true,
	.memcg = true,
};

FIXTURE_SETUP(mfree)
{
	cpu_set_t cpus;

	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(cpus), &cpus));
	smu_env_setup(_metadata, &self->e, 0, GFN);
	snprintf(self->cg, sizeof(self->cg), SMU_CG_ROOT "/secmmu-mfree-%d",
		 getpid());
	self->in_cg = false;
	self->buf = malloc(LEN);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(mfree)
{
	/* Unmap first: the memory must not stay charged to the memcg. */
	smu_env_teardown(&self->e);
	if (self->in_cg)
		smu_cg_leave(self->cg);
	free(self->buf);
}

/* "never" selected in THP_ENABLED (THP compiled in, but off). */
static bool thp_never(void)
{
	char line[128] = "";
	FILE *f = fopen(THP_ENABLED, "re");

	if (!f)
		return false;
	if (!fgets(line, sizeof(line), f))
		line[0] = 0;
	fclose(f);
	return strstr(line, "[never]");
}

/* Leaves of the range that are present, and of those, dirty. */
static void count_leaves(struct __test_metadata *_metadata, int vm,
			 long *present, long *dirty)
{
	__u64 i, f;

	*present = *dirty = 0;
	for (i = 0; i < NPAGES; i++) {
		f = smu_spte_flags(vm, 0, GFN + i);
		ASSERT_NE(~0ULL, f);
		if (f & SECMMU_SPTE_PRESENT)
			(*present)++;
		if ((f & SECMMU_SPTE_PRESENT) && (f & SECMMU_SPTE_DIRTY))
			(*dirty)++;
	}
}

/*
 * Every folio of the range (one per page, or one per THP) is mapped, and
 * clean: the vCPU's data is recorded nowhere but in the leaves' D bits.
 */
static void check_clean(struct __test_metadata *_metadata, char *mem,
			bool thp)
{
	size_t step = thp ? THP_SIZE : PAGE, off;
	long dirty = 0, first = -1;
	uint64_t fl;
	int ret;

	for (off = 0; off < LEN; off += step) {
		ret = smu_kpf_of(mem + off, &fl);
		ASSERT_EQ(0, ret) TH_LOG("kpageflags of +0x%zx: %s", off,
					 strerror(-ret));
		ASSERT_TRUE(KPF_BIT(fl, KPF_ANON));
		ASSERT_EQ(thp, KPF_BIT(fl, KPF_THP))
			TH_LOG("+0x%zx: flags 0x%llx", off,
			       (unsigned long long)fl);
		if (KPF_BIT(fl, KPF_DIRTY)) {
			dirty++;
			if (first < 0)
				first = off;
		}
	}
	ASSERT_EQ(0, dirty)
		TH_LOG("%ld folios dirty before reclaim (first at +0x%lx): "
		       "the test would not depend on secmmu's D bit", dirty,
		       first);
}

/* The vCPU writes SEED's pattern everywhere, in one SECMMU_ACCESS_BATCH. */
static void vcpu_write(struct __test_metadata *_metadata,
		       FIXTURE_DATA(mfree) *self)
{
	struct secmmu_access_op ops[NR_OPS];
	struct secmmu_access_batch res;
	unsigned int i;
	int ret;

	smu_fill(self->buf, LEN, SEED);
	for (i = 0; i < NR_OPS; i++)
		smu_op(&ops[i], 0, SMU_GPA(GFN) + i * OP_LEN,
		       self->buf + i * OP_LEN, OP_LEN, true);
	ret = smu_batch(self->e.vcpu, ops, NR_OPS, &res);
	ASSERT_EQ(0, ret) TH_LOG("ACCESS_BATCH: %s", strerror(-ret));
	ASSERT_EQ(SECMMU_EXIT_NONE, res.exit_reason)
		TH_LOG("exit %u at 0x%llx", res.exit_reason,
		       (unsigned long long)res.exit_gpa);
	ASSERT_EQ(NR_OPS, res.done);
}

static void reclaim_pageout(struct __test_metadata *_metadata, char *mem)
{
	ASSERT_EQ(0, madvise(mem, LEN, MADV_PAGEOUT))
		TH_LOG("MADV_PAGEOUT: %s", strerror(errno));
}

/* memory.reclaim in rounds until every leaf is zapped. */
static void reclaim_memcg(struct __test_metadata *_metadata,
			  FIXTURE_DATA(mfree) *self)
{
	char path[128], amount[32];
	long present = NPAGES, dirty;
	int i, ret, again = 0;

	snprintf(path, sizeof(path), "%s/memory.reclaim", self->cg);
	snprintf(amount, sizeof(amount), "%lu", LEN);
	for (i = 0; i < CG_ROUNDS && present; i++) {
		ret = smu_write_file(path, amount);
		/* -EAGAIN: less than asked could be reclaimed. */
		if (ret == -EAGAIN)
			again++;
		else
			ASSERT_EQ(0, ret) TH_LOG("memory.reclaim: %s",
						 strerror(-ret));
		count_leaves(_metadata, self->e.vm, &present, &dirty);
	}
	TH_LOG("memory.reclaim: %d rounds of %s bytes (%d with EAGAIN), "
	       "%ld leaves left", i, amount, again, present);
}

TEST_F_TIMEOUT(mfree, vcpu_data_survives_reclaim, 300)
{
	const FIXTURE_VARIANT(mfree) *v = variant;
	struct smu_env *e = &self->e;
	long present, dirty, bad, nfolios = v->thp ? LEN / THP_SIZE : NPAGES;
	struct secmmu_stats s0, s1;
	char path[128];
	uint64_t fl;
	__u64 dp;

	if (!smu_kpf_available())
		SKIP(return, "no /proc/kpageflags (needs root)");
	if (v->memcg) {
		if (!smu_has_memcg())
			SKIP(return, "no cgroup v2 memory controller");
		self->in_cg = true;
		ASSERT_EQ(0, smu_cg_enter(self->cg));
		snprintf(path, sizeof(path), "%s/memory.reclaim", self->cg);
		if (access(path, W_OK))
			SKIP(return, "no memory.reclaim in this kernel");
	}

	/* Charged to the memcg (if any) from here on. */
	e->mem = smu_mmap_aligned(LEN, THP_SIZE);
	ASSERT_NE(MAP_FAILED, e->mem);
	e->npages = NPAGES;
	if (v->thp) {
		if (madvise(e->mem, LEN, MADV_HUGEPAGE)) {
			ASSERT_EQ(EINVAL, errno);
			SKIP(return, "kernel without THP (e.g. PREEMPT_RT): "
			     "MADV_HUGEPAGE is EINVAL, THP variant not run");
		}
		if (thp_never())
			SKIP(return, "THP is off (%s: never), THP variant not run",
			     THP_ENABLED);
	} else if (madvise(e->mem, LEN, MADV_NOHUGEPAGE)) {
		/* EINVAL: a kernel without THP, e.g. -rt. */
		ASSERT_EQ(EINVAL, errno);
	}
	smu_fill(e->mem, LEN, OLD_SEED);
	if (v->thp)
		ASSERT_EQ((long)(LEN >> 10), smu_anon_huge_kb(e->mem))
			TH_LOG("the range is not backed by THPs");
	ASSERT_EQ(0, smu_set_memslot(e->vm, 0, 0, GFN, NPAGES, e->mem));

	ASSERT_EQ(0, madvise(e->mem, LEN, MADV_FREE));
	vcpu_write(_metadata, self);
	count_leaves(_metadata, e->vm, &present, &dirty);
	ASSERT_EQ(NPAGES, present);
	ASSERT_EQ(NPAGES, dirty);
	check_clean(_metadata, e->mem, v->thp);

	/*
	 * The vCPU is done with the memory: clear the leaves' A bits, or
	 * reclaim keeps the folios for being young (secmmu answers
	 * clear_flush_young from them).  6.1's MADV_PAGEOUT checks
	 * references too; memory.reclaim would need extra rounds.
	 */
	ASSERT_EQ(0, smu_age(e->vm, SECMMU_AGE_CLEAR, GFN, NPAGES, NULL, NULL,
			     NULL));
	ASSERT_EQ(0, smu_get_stats(e->vm, &s0));
	if (v->memcg)
		reclaim_memcg(_metadata, self);
	else
		reclaim_pageout(_metadata, e->mem);
	ASSERT_EQ(0, smu_get_stats(e->vm, &s1));

	/* Reclaim reached every folio: its unmap zapped every leaf. */
	count_leaves(_metadata, e->vm, &present, &dirty);
	ASSERT_EQ(0, present)
		TH_LOG("reclaim left %ld of %lu leaves: it never unmapped "
		       "those folios, the case proves nothing", present,
		       NPAGES);
	dp = s1.val[SECMMU_STAT_DIRTY_PROPAGATED] -
	     s0.val[SECMMU_STAT_DIRTY_PROPAGATED];
	fl = 0;
	smu_kpf_of(e->mem, &fl);
	TH_LOG("zapped %llu leaves over %ld folios, dirty_propagated +%llu, "
	       "invalidations +%llu; page 0: pagemap 0x%llx, flags 0x%llx",
	       (unsigned long long)(s1.val[SECMMU_STAT_SPTES_ZAPPED] -
				    s0.val[SECMMU_STAT_SPTES_ZAPPED]),
	       nfolios, (unsigned long long)dp,
	       (unsigned long long)(s1.val[SECMMU_STAT_INVALIDATIONS] -
				    s0.val[SECMMU_STAT_INVALIDATIONS]),
	       (unsigned long long)smu_pagemap(e->mem),
	       (unsigned long long)fl);
	/* Each clean folio was marked dirty by exactly one zap. */
	EXPECT_EQ((__u64)nfolios, dp);

	/* The property: the process reads what the vCPU wrote. */
	bad = smu_check(e->mem, LEN, SEED);
	ASSERT_EQ(-1, bad)
		TH_LOG("process: byte +0x%lx is 0x%02x, the vCPU wrote 0x%02x "
		       "(%s): reclaim dropped a folio the vCPU had dirtied",
		       bad, (unsigned char)e->mem[bad],
		       (unsigned char)self->buf[bad],
		       smu_is_zero(e->mem + (bad & ~(PAGE - 1)), PAGE) ?
		       "page reads as zeroes" : "not zeroes");
	/* And so does the vCPU, faulting the pages back in. */
	memset(self->buf, 0, LEN);
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN), self->buf,
		 SECMMU_MAX_ACCESS_LEN, false);
	EXPECT_EQ(-1, smu_check(self->buf, SECMMU_MAX_ACCESS_LEN, SEED));
}

TEST_HARNESS_MAIN
