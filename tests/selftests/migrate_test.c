// SPDX-License-Identifier: GPL-2.0
/*
 * Page migration and THP: move_pages() between NUMA nodes, MADV_COLLAPSE
 * and a PMD split via mprotect must zap the SPTEs that map the old pages;
 * the data stays coherent between the process and the vCPU throughout.
 */
#include "secmmu_test.h"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25
#endif
#ifndef MPOL_MF_MOVE
#define MPOL_MF_MOVE	(1 << 1)
#endif

#define NPAGES	16
#define GFN	0x100
#define HPAGE	(2UL << 20)
#define HPAGES	(HPAGE / PAGE)

FIXTURE(mig) {
	struct smu_env e;
};

FIXTURE_SETUP(mig)
{
	smu_env_setup(_metadata, &self->e, NPAGES, GFN);
}

FIXTURE_TEARDOWN(mig)
{
	smu_env_teardown(&self->e);
}

static long sys_move_pages(unsigned long count, void **pages,
			   const int *nodes, int *status, int flags)
{
	return syscall(__NR_move_pages, 0, count, pages, nodes, status, flags);
}

/* Every present SPTE of [gfn, gfn + n) maps the page the process maps. */
static void check_pfns(struct __test_metadata *_metadata, int vm, __u64 gfn,
		       char *mem, size_t n)
{
	struct secmmu_spte_info info;
	size_t i;

	if (geteuid())
		return;
	for (i = 0; i < n; i++) {
		uint64_t pm = smu_pagemap(mem + i * PAGE);

		ASSERT_EQ(0, smu_get_spte(vm, 0, gfn + i, &info));
		if (!(info.flags & SECMMU_SPTE_PRESENT) ||
		    !(pm & SMU_PM_PFN_MASK))
			continue;
		EXPECT_EQ(pm & SMU_PM_PFN_MASK, info.pfn) TH_LOG("page %zu", i);
	}
}

static void move_all(struct __test_metadata *_metadata, char *mem,
		     size_t n, int *nodes_out)
{
	void *pages[NPAGES];
	int status[NPAGES], nodes[NPAGES];
	size_t i;

	for (i = 0; i < n; i++)
		pages[i] = mem + i * PAGE;
	ASSERT_EQ(0, sys_move_pages(n, pages, NULL, status, 0));
	for (i = 0; i < n; i++) {
		ASSERT_LE(0, status[i]) TH_LOG("page %zu: %d", i, status[i]);
		nodes[i] = !status[i];
	}
	ASSERT_EQ(0, sys_move_pages(n, pages, nodes, status, MPOL_MF_MOVE));
	for (i = 0; i < n; i++) {
		EXPECT_EQ(nodes[i], status[i]) TH_LOG("page %zu", i);
		nodes_out[i] = nodes[i];
	}
}

TEST_F(mig, move_pages)
{
	struct smu_env *e = &self->e;
	char *buf = malloc(NPAGES * PAGE);
	int nodes[NPAGES];
	__u64 m0, c0, m1, c1;
	int round;

	ASSERT_NE(NULL, buf);
	if (smu_nr_nodes() < 2)
		SKIP(return, "needs 2 NUMA nodes");

	smu_fill(buf, NPAGES * PAGE, 1);
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN), buf, NPAGES * PAGE,
		 true);
	for (round = 0; round < 2; round++) {
		uint64_t seed = 1 + round;

		ASSERT_EQ(NPAGES, smu_count_present(e->vm, 0, GFN, NPAGES));
		m0 = smu_t_stat(_metadata, e->vm, SECMMU_STAT_INVAL_MIGRATE);
		c0 = smu_t_stat(_metadata, e->vm, SECMMU_STAT_INVAL_CLEAR);
		move_all(_metadata, e->mem, NPAGES, nodes);
		m1 = smu_t_stat(_metadata, e->vm, SECMMU_STAT_INVAL_MIGRATE);
		c1 = smu_t_stat(_metadata, e->vm, SECMMU_STAT_INVAL_CLEAR);
		TH_LOG("round %d: inval_migrate +%llu inval_clear +%llu", round,
		       (unsigned long long)(m1 - m0),
		       (unsigned long long)(c1 - c0));
		EXPECT_LT(m0 + c0, m1 + c1);
		/* The old pages are gone from the SPTEs. */
		EXPECT_EQ(0, smu_count_present(e->vm, 0, GFN, NPAGES));

		EXPECT_EQ(-1, smu_check(e->mem, NPAGES * PAGE, seed));
		memset(buf, 0, NPAGES * PAGE);
		smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN), buf,
			 NPAGES * PAGE, false);
		EXPECT_EQ(-1, smu_check(buf, NPAGES * PAGE, seed));
		check_pfns(_metadata, e->vm, GFN, e->mem, NPAGES);

		/* Writes after migration land in the new pages. */
		smu_fill(buf, NPAGES * PAGE, seed + 1);
		smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN), buf,
			 NPAGES * PAGE, true);
		EXPECT_EQ(-1, smu_check(e->mem, NPAGES * PAGE, seed + 1));
		check_pfns(_metadata, e->vm, GFN, e->mem, NPAGES);
	}
	free(buf);
}

static bool thp_enabled(void)
{
	char line[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "re");

	if (!f)
		return false;
	if (!fgets(line, sizeof(line), f))
		line[0] = 0;
	fclose(f);
	return line[0] && !strstr(line, "[never]");
}

TEST_F_TIMEOUT(mig, thp_collapse_split, 120)
{
	struct smu_env *e = &self->e;
	char *mem, *buf;
	__u64 ro_gfn;
	int ret, tries;

	if (!thp_enabled())
		SKIP(return, "THP not available");
	mem = smu_mmap_aligned(HPAGE, HPAGE);
	ASSERT_NE(MAP_FAILED, mem);
	buf = malloc(HPAGE);
	ASSERT_NE(NULL, buf);
	/* Small pages first, mapped by the vCPU. */
	ASSERT_EQ(0, madvise(mem, HPAGE, MADV_NOHUGEPAGE));
	ASSERT_EQ(0, smu_set_memslot(e->vm, 1, 0, 0x1000, HPAGES, mem));
	smu_fill(buf, HPAGE, 3);
	ASSERT_EQ(0, smu_write_all(e->vcpu, 0, SMU_GPA(0x1000), buf, HPAGE,
				   NULL));
	EXPECT_EQ(0, smu_anon_huge_kb(mem));
	EXPECT_EQ(HPAGES, smu_count_present(e->vm, 0, 0x1000, HPAGES));

	ASSERT_EQ(0, madvise(mem, HPAGE, MADV_HUGEPAGE));
	for (tries = 0; tries < 5; tries++) {
		ret = madvise(mem, HPAGE, MADV_COLLAPSE) ? errno : 0;
		if (ret != EAGAIN)
			break;
		usleep(100000);
	}
	if (ret == EINVAL || ret == ENOSYS || ret == EAGAIN || ret == ENOMEM)
		SKIP(return, "MADV_COLLAPSE: %s", strerror(ret));
	ASSERT_EQ(0, ret);
	EXPECT_EQ(2048, smu_anon_huge_kb(mem));
	/* The small pages were replaced: their SPTEs are gone. */
	EXPECT_EQ(0, smu_count_present(e->vm, 0, 0x1000, HPAGES));

	memset(buf, 0, HPAGE);
	ASSERT_EQ(0, smu_read_all(e->vcpu, 0, SMU_GPA(0x1000), buf, HPAGE,
				  NULL));
	EXPECT_EQ(-1, smu_check(buf, HPAGE, 3));
	check_pfns(_metadata, e->vm, 0x1000, mem, HPAGES);
	smu_fill(buf, HPAGE, 4);
	ASSERT_EQ(0, smu_write_all(e->vcpu, 0, SMU_GPA(0x1000), buf, HPAGE,
				   NULL));
	EXPECT_EQ(-1, smu_check(mem, HPAGE, 4));

	/* Split the PMD: one 4K subrange read-only. */
	ro_gfn = 0x1000 + 5;
	ASSERT_EQ(0, mprotect(mem + 5 * PAGE, PAGE, PROT_READ));
	EXPECT_EQ(0, smu_spte_flags(e->vm, 0, ro_gfn) & SECMMU_SPTE_WRITABLE);
	EXPECT_EQ(-1, smu_check(mem, HPAGE, 4));
	memset(buf, 0, HPAGE);
	ASSERT_EQ(0, smu_read_all(e->vcpu, 0, SMU_GPA(0x1000), buf, HPAGE,
				  NULL));
	EXPECT_EQ(-1, smu_check(buf, HPAGE, 4));
	check_pfns(_metadata, e->vm, 0x1000, mem, HPAGES);
	EXPECT_EQ(-EFAULT, smu_write(e->vcpu, 0, SMU_GPA(ro_gfn), buf, 8,
				     NULL));
	EXPECT_EQ(-1, smu_check(mem, HPAGE, 4));
	/* Neighbours stay writable, and coherent. */
	smu_fill(buf, PAGE, 5);
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(ro_gfn + 1), buf, PAGE, true);
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(ro_gfn - 1), buf, PAGE, true);
	EXPECT_EQ(-1, smu_check(mem + 6 * PAGE, PAGE, 5));
	EXPECT_EQ(-1, smu_check(mem + 4 * PAGE, PAGE, 5));
	EXPECT_EQ(-1, smu_check_off(mem + 5 * PAGE, PAGE, 4, 5 * PAGE));
	/* Process writes after the split are seen by the vCPU. */
	smu_fill(mem + 100 * PAGE, PAGE, 6);
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(0x1000 + 100), buf, PAGE,
		 false);
	EXPECT_EQ(-1, smu_check(buf, PAGE, 6));
	munmap(mem, HPAGE);
	free(buf);
}

TEST_HARNESS_MAIN
