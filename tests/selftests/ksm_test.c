// SPDX-License-Identifier: GPL-2.0
/*
 * KSM: merging identical pages replaces the pages the vCPU maps; a vCPU
 * write to a merged page must break COW for the process, leaving the other
 * merged page untouched.
 */
#include "secmmu_test.h"

#define KSM	"/sys/kernel/mm/ksm/"
#define NPAGES	4
#define GFN	0x100

FIXTURE(ksm) {
	struct smu_env e;
	long long run, scan, sleep_ms;
};

FIXTURE_SETUP(ksm)
{
	self->run = smu_read_ll(KSM "run");
	self->scan = smu_read_ll(KSM "pages_to_scan");
	self->sleep_ms = smu_read_ll(KSM "sleep_millisecs");
	smu_env_setup(_metadata, &self->e, NPAGES, GFN);
}

FIXTURE_TEARDOWN(ksm)
{
	char v[32];

	smu_env_teardown(&self->e);
	if (self->run < 0)
		return;
	snprintf(v, sizeof(v), "%lld", self->scan);
	smu_write_file(KSM "pages_to_scan", v);
	snprintf(v, sizeof(v), "%lld", self->sleep_ms);
	smu_write_file(KSM "sleep_millisecs", v);
	snprintf(v, sizeof(v), "%lld", self->run);
	smu_write_file(KSM "run", v);
}

static uint64_t pfn_of(const void *p)
{
	return smu_pagemap(p) & SMU_PM_PFN_MASK;
}

TEST_F_TIMEOUT(ksm, merge_then_vcpu_write, 60)
{
	struct smu_env *e = &self->e;
	struct secmmu_spte_info info;
	char buf[PAGE];
	uint64_t pfn0 = 0;
	int i, merged = 0;

	if (self->run < 0)
		SKIP(return, "no KSM (" KSM ")");
	if (geteuid())
		SKIP(return, "needs root for KSM and pagemap pfns");

	/* Pages 0 and 1 identical, 2 and 3 unique. */
	smu_fill(e->mem, PAGE, 1);
	smu_fill(e->mem + PAGE, PAGE, 1);
	smu_fill(e->mem + 2 * PAGE, 2 * PAGE, 2);
	for (i = 0; i < NPAGES; i++)
		smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN + i), buf, PAGE,
			 false);
	ASSERT_NE(pfn_of(e->mem), pfn_of(e->mem + PAGE));

	ASSERT_EQ(0, smu_write_file(KSM "pages_to_scan", "1000"));
	ASSERT_EQ(0, smu_write_file(KSM "sleep_millisecs", "10"));
	ASSERT_EQ(0, smu_write_file(KSM "run", "1"));
	ASSERT_EQ(0, madvise(e->mem, NPAGES * PAGE, MADV_MERGEABLE));
	for (i = 0; i < 200; i++) {	/* at most ~10 s */
		pfn0 = pfn_of(e->mem);
		if (pfn0 && pfn0 == pfn_of(e->mem + PAGE)) {
			merged = 1;
			break;
		}
		usleep(50000);
	}
	if (!merged)
		SKIP(return, "KSM did not merge within 10 s (pages_shared %lld)",
		     smu_read_ll(KSM "pages_shared"));
	/* Stop ksmd, keeping what it merged. */
	ASSERT_EQ(0, smu_write_file(KSM "run", "0"));
	TH_LOG("merged after ~%d ms", i * 50);

	/* The vCPU must not keep mapping the pages KSM replaced. */
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, smu_get_spte(e->vm, 0, GFN + i, &info));
		if (info.flags & SECMMU_SPTE_PRESENT) {
			EXPECT_EQ(pfn0, info.pfn) TH_LOG("page %d", i);
			EXPECT_EQ(0, info.flags & SECMMU_SPTE_WRITABLE);
		}
		smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN + i), buf, PAGE,
			 false);
		EXPECT_EQ(-1, smu_check(buf, PAGE, 1)) TH_LOG("page %d", i);
		ASSERT_EQ(0, smu_get_spte(e->vm, 0, GFN + i, &info));
		EXPECT_EQ(pfn0, info.pfn) TH_LOG("page %d", i);
		EXPECT_EQ(0, info.flags & SECMMU_SPTE_WRITABLE);
	}

	/* A vCPU write breaks COW: only page 0 changes. */
	smu_fill(buf, PAGE, 3);
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN), buf, PAGE, true);
	EXPECT_EQ(-1, smu_check(e->mem, PAGE, 3));
	EXPECT_EQ(-1, smu_check(e->mem + PAGE, PAGE, 1));
	EXPECT_NE(pfn0, pfn_of(e->mem));
	EXPECT_EQ(pfn0, pfn_of(e->mem + PAGE));
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN + 1), buf, PAGE, false);
	EXPECT_EQ(-1, smu_check(buf, PAGE, 1));
	ASSERT_EQ(0, smu_get_spte(e->vm, 0, GFN, &info));
	EXPECT_EQ(pfn_of(e->mem), info.pfn);
	EXPECT_NE(0, info.flags & SECMMU_SPTE_WRITABLE);
	/* The unique pages were never touched. */
	EXPECT_EQ(-1, smu_check(e->mem + 2 * PAGE, 2 * PAGE, 2));
}

TEST_HARNESS_MAIN
