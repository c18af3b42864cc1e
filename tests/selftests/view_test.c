// SPDX-License-Identifier: GPL-2.0
/*
 * SECMMU_SET_VIEW_MAPPING: alias views onto memslot gfns, their errnos,
 * aliasing, and zapping when a range or its memslot goes away.
 */
#include "secmmu_test.h"

#define NPAGES	8
#define GFN	0x100
#define VGFN	0x5000

FIXTURE(view) {
	struct smu_env e;
};

FIXTURE_SETUP(view)
{
	smu_env_setup(_metadata, &self->e, NPAGES, GFN);
}

FIXTURE_TEARDOWN(view)
{
	smu_env_teardown(&self->e);
}

static void expect_exit(struct __test_metadata *_metadata, int vcpu,
			__u16 view, __u64 gpa, __u32 reason)
{
	struct secmmu_access a;
	char buf[8];

	ASSERT_EQ(0, smu_read(vcpu, view, gpa, buf, sizeof(buf), &a));
	EXPECT_EQ(reason, a.exit_reason);
	EXPECT_EQ(gpa, a.exit_gpa);
	EXPECT_EQ(0, a.done);
}

TEST_F(view, translate)
{
	char val[PAGE], buf[PAGE];
	int vcpu = self->e.vcpu;

	ASSERT_EQ(0, smu_set_view(self->e.vm, 1, VGFN, 4, GFN + 2));
	/* Process -> view 1. */
	smu_fill(self->e.mem + 2 * PAGE, 4 * PAGE, 7);
	smu_t_rw(_metadata, vcpu, 1, SMU_GPA(VGFN), buf, PAGE, false);
	EXPECT_EQ(-1, smu_check(buf, PAGE, 7));
	smu_t_rw(_metadata, vcpu, 1, SMU_GPA(VGFN + 3) + 100, buf, 200, false);
	EXPECT_EQ(-1, smu_check_off(buf, 200, 7, 3 * PAGE + 100));
	/* View 1 -> process and view 0. */
	smu_fill(val, PAGE, 8);
	smu_t_rw(_metadata, vcpu, 1, SMU_GPA(VGFN + 1), val, PAGE, true);
	EXPECT_EQ(0, memcmp(self->e.mem + 3 * PAGE, val, PAGE));
	smu_t_rw(_metadata, vcpu, 0, SMU_GPA(GFN + 3), buf, PAGE, false);
	EXPECT_EQ(0, memcmp(buf, val, PAGE));
	/* SPTEs live per view. */
	EXPECT_EQ(SECMMU_SPTE_PRESENT, smu_spte_flags(self->e.vm, 1,
					VGFN + 1) & SECMMU_SPTE_PRESENT);
	EXPECT_EQ(0, smu_spte_flags(self->e.vm, 1, GFN + 3));
	/* Outside the range, and view 1 at the memslot's own gfns. */
	expect_exit(_metadata, vcpu, 1, SMU_GPA(VGFN + 4), SECMMU_EXIT_UNBACKED);
	expect_exit(_metadata, vcpu, 1, SMU_GPA(GFN), SECMMU_EXIT_UNBACKED);
	/* An unused view has nothing. */
	expect_exit(_metadata, vcpu, 3, SMU_GPA(VGFN), SECMMU_EXIT_UNBACKED);
}

TEST_F(view, span_exit)
{
	struct secmmu_access a;
	char buf[2 * PAGE];

	/* View range of 2 pages whose second target is unbacked. */
	ASSERT_EQ(0, smu_set_view(self->e.vm, 2, VGFN, 2, GFN + NPAGES - 1));
	smu_fill(self->e.mem + (NPAGES - 1) * PAGE, PAGE, 3);
	ASSERT_EQ(0, smu_read(self->e.vcpu, 2, SMU_GPA(VGFN) + 16, buf,
			      2 * PAGE - 32, &a));
	EXPECT_EQ(SECMMU_EXIT_UNBACKED, a.exit_reason);
	EXPECT_EQ(SMU_GPA(VGFN + 1), a.exit_gpa);
	EXPECT_EQ(PAGE - 16, a.done);
	EXPECT_EQ(-1, smu_check_off(buf, PAGE - 16, 3, 16));
}

TEST_F(view, aliases)
{
	char val[64], buf[64];
	int vm = self->e.vm, vcpu = self->e.vcpu;

	/* Views 1 and 7 alias GFN..GFN+3; view 1 twice. */
	ASSERT_EQ(0, smu_set_view(vm, 1, VGFN, 4, GFN));
	ASSERT_EQ(0, smu_set_view(vm, 1, VGFN + 0x100, 4, GFN));
	ASSERT_EQ(0, smu_set_view(vm, SECMMU_MAX_VIEWS - 1, 0x10, 4, GFN));

	smu_fill(val, sizeof(val), 11);
	smu_t_rw(_metadata, vcpu, SECMMU_MAX_VIEWS - 1, SMU_GPA(0x12) + 8,
		 val, sizeof(val), true);
	smu_t_rw(_metadata, vcpu, 1, SMU_GPA(VGFN + 2) + 8, buf, sizeof(buf),
		 false);
	EXPECT_EQ(0, memcmp(buf, val, sizeof(buf)));
	memset(buf, 0, sizeof(buf));
	smu_t_rw(_metadata, vcpu, 1, SMU_GPA(VGFN + 0x102) + 8, buf,
		 sizeof(buf), false);
	EXPECT_EQ(0, memcmp(buf, val, sizeof(buf)));
	EXPECT_EQ(0, memcmp(self->e.mem + 2 * PAGE + 8, val, sizeof(val)));

	/* A write through one alias is seen through all the others. */
	smu_fill(val, sizeof(val), 12);
	smu_t_rw(_metadata, vcpu, 1, SMU_GPA(VGFN + 0x102) + 8, val,
		 sizeof(val), true);
	smu_t_rw(_metadata, vcpu, SECMMU_MAX_VIEWS - 1, SMU_GPA(0x12) + 8,
		 buf, sizeof(buf), false);
	EXPECT_EQ(0, memcmp(buf, val, sizeof(buf)));
	smu_t_rw(_metadata, vcpu, 0, SMU_GPA(GFN + 2) + 8, buf, sizeof(buf),
		 false);
	EXPECT_EQ(0, memcmp(buf, val, sizeof(buf)));
	smu_t_rw(_metadata, vcpu, 1, SMU_GPA(VGFN + 2) + 8, buf, sizeof(buf),
		 false);
	EXPECT_EQ(0, memcmp(buf, val, sizeof(buf)));
}

TEST_F(view, errnos)
{
	const __u64 lim = 1ULL << SECMMU_GFN_BITS;
	int vm = self->e.vm;
	unsigned int i;

	EXPECT_EQ(-EINVAL, smu_set_view(vm, 0, VGFN, 1, GFN));
	EXPECT_EQ(-EINVAL, smu_set_view(vm, SECMMU_MAX_VIEWS, VGFN, 1, GFN));
	EXPECT_EQ(-EINVAL, smu_set_view(vm, ~0U, VGFN, 1, GFN));
	EXPECT_EQ(-ERANGE, smu_set_view(vm, 1, lim - 1, 2, GFN));
	EXPECT_EQ(-ERANGE, smu_set_view(vm, 1, lim, 1, GFN));
	EXPECT_EQ(-ERANGE, smu_set_view(vm, 1, VGFN, 2, lim - 1));
	EXPECT_EQ(-ERANGE, smu_set_view(vm, 1, VGFN, 1, lim));
	EXPECT_EQ(-ERANGE, smu_set_view(vm, 1, ~0ULL, 2, GFN));
	EXPECT_EQ(-ENOENT, smu_del_view(vm, 1, VGFN));
	EXPECT_EQ(-ENOENT, smu_del_view(vm, 1, lim - 1));
	/* The last gfn on both sides is usable. */
	EXPECT_EQ(0, smu_set_view(vm, 1, lim - 1, 1, lim - 1));
	EXPECT_EQ(0, smu_del_view(vm, 1, lim - 1));

	ASSERT_EQ(0, smu_set_view(vm, 1, VGFN, 4, GFN));
	EXPECT_EQ(-EEXIST, smu_set_view(vm, 1, VGFN, 4, GFN));
	EXPECT_EQ(-EEXIST, smu_set_view(vm, 1, VGFN + 3, 4, GFN));
	EXPECT_EQ(-EEXIST, smu_set_view(vm, 1, VGFN - 1, 2, GFN));
	EXPECT_EQ(-EEXIST, smu_set_view(vm, 1, VGFN - 10, 20, 0));
	/* Other views and adjacent ranges are fine. */
	EXPECT_EQ(0, smu_set_view(vm, 2, VGFN, 4, GFN));
	EXPECT_EQ(0, smu_set_view(vm, 1, VGFN + 4, 4, GFN));
	EXPECT_EQ(0, smu_set_view(vm, 1, VGFN - 4, 4, GFN));
	/* Removal: only by a range's first gfn, target_gfn 0. */
	EXPECT_EQ(-ENOENT, smu_del_view(vm, 1, VGFN + 1));
	EXPECT_EQ(-EINVAL, smu_set_view(vm, 1, VGFN, 0, GFN));
	EXPECT_EQ(0, smu_del_view(vm, 1, VGFN));
	EXPECT_EQ(-ENOENT, smu_del_view(vm, 1, VGFN));
	EXPECT_EQ(0, smu_del_view(vm, 1, VGFN + 4));
	EXPECT_EQ(0, smu_del_view(vm, 1, VGFN - 4));
	EXPECT_EQ(0, smu_del_view(vm, 2, VGFN));

	/* SECMMU_MAX_VIEW_RANGES per view, then -ENOSPC. */
	for (i = 0; i < SECMMU_MAX_VIEW_RANGES; i++) {
		ASSERT_EQ(0, smu_set_view(vm, 3, 0x10000 + 2 * i, 1, GFN))
			TH_LOG("range %u", i);
	}
	EXPECT_EQ(-ENOSPC, smu_set_view(vm, 3, 0x20000, 1, GFN));
	/* Other views have their own budget. */
	EXPECT_EQ(0, smu_set_view(vm, 4, 0x20000, 1, GFN));
	EXPECT_EQ(0, smu_del_view(vm, 3, 0x10000));
	EXPECT_EQ(0, smu_set_view(vm, 3, 0x20000, 1, GFN));
	/* A range in view 3 that was never added still isn't there. */
	EXPECT_EQ(-ENOENT, smu_del_view(vm, 3, 0x10001));
}

TEST_F(view, unbacked_target)
{
	char *mem2, val[8], buf[8];
	int vcpu = self->e.vcpu;

	ASSERT_EQ(0, smu_set_view(self->e.vm, 1, VGFN, 2, 0x9000));
	expect_exit(_metadata, vcpu, 1, SMU_GPA(VGFN + 1) + 8,
		    SECMMU_EXIT_UNBACKED);
	/* Backing the target later makes the same view range work. */
	mem2 = smu_mmap_anon(2 * PAGE);
	ASSERT_NE(MAP_FAILED, mem2);
	ASSERT_EQ(0, smu_set_memslot(self->e.vm, 1, 0, 0x9000, 2, mem2));
	memset(val, 0x3c, sizeof(val));
	smu_t_rw(_metadata, vcpu, 1, SMU_GPA(VGFN + 1) + 8, val, 8, true);
	EXPECT_EQ(0, memcmp(mem2 + PAGE + 8, val, 8));
	/* Deleting the memslot zaps view 1 too; the range stays. */
	ASSERT_NE(0, smu_spte_flags(self->e.vm, 1, VGFN + 1) &
		     SECMMU_SPTE_PRESENT);
	ASSERT_EQ(0, smu_del_memslot(self->e.vm, 1));
	EXPECT_EQ(0, smu_spte_flags(self->e.vm, 1, VGFN + 1));
	expect_exit(_metadata, vcpu, 1, SMU_GPA(VGFN + 1) + 8,
		    SECMMU_EXIT_UNBACKED);
	EXPECT_EQ(0, smu_del_view(self->e.vm, 1, VGFN));
	(void)buf;
	munmap(mem2, 2 * PAGE);
}

TEST_F(view, remove_zaps)
{
	char buf[PAGE];
	int vm = self->e.vm, vcpu = self->e.vcpu;
	unsigned int i;

	ASSERT_EQ(0, smu_set_view(vm, 1, VGFN, NPAGES, GFN));
	ASSERT_EQ(0, smu_set_view(vm, 2, VGFN, NPAGES, GFN));
	for (i = 0; i < NPAGES; i++) {
		smu_t_rw(_metadata, vcpu, 0, SMU_GPA(GFN + i), buf, PAGE,
			 false);
		smu_t_rw(_metadata, vcpu, 1, SMU_GPA(VGFN + i), buf, PAGE,
			 false);
		smu_t_rw(_metadata, vcpu, 2, SMU_GPA(VGFN + i), buf, PAGE,
			 false);
	}
	EXPECT_EQ(NPAGES, smu_count_present(vm, 1, VGFN, NPAGES));
	EXPECT_EQ(3 * NPAGES, smu_t_stat(_metadata, vm, SECMMU_STAT_MAPPED));

	ASSERT_EQ(0, smu_del_view(vm, 1, VGFN));
	EXPECT_EQ(0, smu_count_present(vm, 1, VGFN, NPAGES));
	/* Only view 1's mappings went away. */
	EXPECT_EQ(NPAGES, smu_count_present(vm, 0, GFN, NPAGES));
	EXPECT_EQ(NPAGES, smu_count_present(vm, 2, VGFN, NPAGES));
	EXPECT_EQ(2 * NPAGES, smu_t_stat(_metadata, vm, SECMMU_STAT_MAPPED));
	expect_exit(_metadata, vcpu, 1, SMU_GPA(VGFN), SECMMU_EXIT_UNBACKED);

	/* Memslot delete zaps in every view. */
	ASSERT_EQ(0, smu_del_memslot(vm, 0));
	EXPECT_EQ(0, smu_count_present(vm, 0, GFN, NPAGES));
	EXPECT_EQ(0, smu_count_present(vm, 2, VGFN, NPAGES));
	EXPECT_EQ(0, smu_t_stat(_metadata, vm, SECMMU_STAT_MAPPED));
}

TEST_F(view, bad_view_access)
{
	struct secmmu_spte_info info;
	char buf[8];

	EXPECT_EQ(-EINVAL, smu_read(self->e.vcpu, SECMMU_MAX_VIEWS,
				    SMU_GPA(GFN), buf, 8, NULL));
	EXPECT_EQ(-EINVAL, smu_read(self->e.vcpu, 0xffff, SMU_GPA(GFN), buf,
				    8, NULL));
	EXPECT_EQ(-EINVAL, smu_get_spte(self->e.vm, SECMMU_MAX_VIEWS, GFN,
					&info));
	/* A view gfn beyond SECMMU_GFN_BITS is just unbacked. */
	expect_exit(_metadata, self->e.vcpu, 0, SMU_GPA(1ULL << SECMMU_GFN_BITS),
		    SECMMU_EXIT_UNBACKED);
}

TEST_HARNESS_MAIN
