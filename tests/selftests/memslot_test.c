// SPDX-License-Identifier: GPL-2.0
/*
 * SECMMU_SET_MEMSLOT: create, change and delete, and every rejection with
 * its exact errno and no state change (checked by deleting the would-be
 * slot, -ENOENT, and creating the intended slot afterwards).
 */
#include "secmmu_test.h"

#define NPAGES	8
#define GFN	0x100

FIXTURE(slot) {
	struct smu_env e;
};

FIXTURE_SETUP(slot)
{
	/* No memslot: each test creates its own from e.mem. */
	smu_env_setup(_metadata, &self->e, 0, GFN);
	self->e.npages = NPAGES;
	self->e.mem = smu_mmap_anon(NPAGES * PAGE);
	ASSERT_NE(MAP_FAILED, self->e.mem);
	memset(self->e.mem, 0, NPAGES * PAGE);
}

FIXTURE_TEARDOWN(slot)
{
	smu_env_teardown(&self->e);
}

/* The rejected call left slot @slot unused; the intended slot works. */
static void check_no_change(struct __test_metadata *_metadata,
			    struct smu_env *e, __u32 slot)
{
	char c = 0x7e, r = 0;

	EXPECT_EQ(-ENOENT, smu_del_memslot(e->vm, slot));
	ASSERT_EQ(0, smu_set_memslot(e->vm, slot, 0, GFN, NPAGES, e->mem));
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN + 1) + 5, &c, 1, true);
	EXPECT_EQ(0x7e, e->mem[PAGE + 5]);
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN + 1) + 5, &r, 1, false);
	EXPECT_EQ(0x7e, r);
	e->mem[PAGE + 5] = 0;
	ASSERT_EQ(0, smu_del_memslot(e->vm, slot));
}

static void expect_unbacked(struct __test_metadata *_metadata, int vcpu,
			    __u64 gpa)
{
	struct secmmu_access a;
	char buf[8];

	ASSERT_EQ(0, smu_read(vcpu, 0, gpa, buf, sizeof(buf), &a));
	EXPECT_EQ(SECMMU_EXIT_UNBACKED, a.exit_reason);
	EXPECT_EQ(gpa, a.exit_gpa);
	EXPECT_EQ(0, a.done);
}

TEST_F(slot, create_change_delete)
{
	struct secmmu_access a;
	char val[16], buf[16];

	memset(val, 0x11, sizeof(val));
	expect_unbacked(_metadata, self->e.vcpu, SMU_GPA(GFN));
	ASSERT_EQ(0, smu_set_memslot(self->e.vm, 3, 0, GFN, NPAGES,
				     self->e.mem));
	smu_t_rw(_metadata, self->e.vcpu, 0, SMU_GPA(GFN + 7), val, 16, true);
	EXPECT_EQ(0, memcmp(self->e.mem + 7 * PAGE, val, 16));
	EXPECT_NE(0, smu_spte_flags(self->e.vm, 0, GFN + 7) &
		     SECMMU_SPTE_PRESENT);

	/* Same geometry, READONLY: zaps, writes exit, reads work. */
	ASSERT_EQ(0, smu_set_memslot(self->e.vm, 3, SECMMU_MEM_READONLY, GFN,
				     NPAGES, self->e.mem));
	EXPECT_EQ(0, smu_spte_flags(self->e.vm, 0, GFN + 7));
	memset(buf, 0x22, sizeof(buf));
	ASSERT_EQ(0, smu_write(self->e.vcpu, 0, SMU_GPA(GFN + 7), buf, 16,
			       &a));
	EXPECT_EQ(SECMMU_EXIT_READONLY, a.exit_reason);
	EXPECT_EQ(SMU_GPA(GFN + 7), a.exit_gpa);
	EXPECT_EQ(0, a.done);
	EXPECT_EQ(0, memcmp(self->e.mem + 7 * PAGE, val, 16));
	smu_t_rw(_metadata, self->e.vcpu, 0, SMU_GPA(GFN + 7), buf, 16,
		 false);
	EXPECT_EQ(0, memcmp(buf, val, 16));
	EXPECT_EQ(0, smu_spte_flags(self->e.vm, 0, GFN + 7) &
		     SECMMU_SPTE_WRITABLE);

	/* Back to read-write. */
	ASSERT_EQ(0, smu_set_memslot(self->e.vm, 3, 0, GFN, NPAGES,
				     self->e.mem));
	memset(val, 0x33, sizeof(val));
	smu_t_rw(_metadata, self->e.vcpu, 0, SMU_GPA(GFN + 7), val, 16, true);
	EXPECT_EQ(0, memcmp(self->e.mem + 7 * PAGE, val, 16));

	/* Delete: zapped, unbacked, and gone. */
	ASSERT_EQ(0, smu_del_memslot(self->e.vm, 3));
	EXPECT_EQ(0, smu_spte_flags(self->e.vm, 0, GFN + 7));
	EXPECT_EQ(0, smu_t_stat(_metadata, self->e.vm, SECMMU_STAT_MAPPED));
	expect_unbacked(_metadata, self->e.vcpu, SMU_GPA(GFN + 7));
	EXPECT_EQ(-ENOENT, smu_del_memslot(self->e.vm, 3));
	/* The slot id and gfns are reusable. */
	check_no_change(_metadata, &self->e, 3);
}

TEST_F(slot, all_slots)
{
	unsigned int i;
	char c;

	for (i = 0; i < SECMMU_MAX_MEMSLOTS; i++) {
		ASSERT_EQ(0, smu_set_memslot(self->e.vm, i, 0, GFN + i, 1,
					     self->e.mem + (i % NPAGES) * PAGE))
			TH_LOG("slot %u", i);
	}
	EXPECT_EQ(-EINVAL, smu_set_memslot(self->e.vm, SECMMU_MAX_MEMSLOTS, 0,
					   0x1000, 1, self->e.mem));
	for (i = 0; i < SECMMU_MAX_MEMSLOTS; i++) {
		c = i + 1;
		smu_t_rw(_metadata, self->e.vcpu, 0, SMU_GPA(GFN + i) + i, &c,
			 1, true);
		EXPECT_EQ(i + 1, (unsigned char)self->e.mem[(i % NPAGES) *
							    PAGE + i]);
	}
	for (i = 0; i < SECMMU_MAX_MEMSLOTS; i++) {
		ASSERT_EQ(0, smu_del_memslot(self->e.vm, i));
	}
}

TEST_F(slot, unaligned_hva)
{
	EXPECT_EQ(-EINVAL, smu_set_memslot(self->e.vm, 0, 0, GFN, NPAGES,
					   self->e.mem + 1));
	EXPECT_EQ(-EINVAL, smu_set_memslot(self->e.vm, 0, 0, GFN, NPAGES,
					   self->e.mem + PAGE / 2));
	check_no_change(_metadata, &self->e, 0);
}

/* End of the user address space: 47 bits, or 56 with 5-level paging. */
static __u64 user_top(void)
{
	char line[4096];
	bool la57 = false;
	FILE *f = fopen("/proc/cpuinfo", "re");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5) && strstr(line, " la57"))
			la57 = true;
	if (f)
		fclose(f);
	return la57 ? 1ULL << 56 : 1ULL << 47;
}

TEST_F(slot, hva_range)
{
	/* Kernel half, last page, wrapping, straddling the user boundary. */
	EXPECT_EQ(-ERANGE, smu_set_memslot(self->e.vm, 0, 0, GFN, 1,
					   (void *)0xffff800000000000ULL));
	EXPECT_EQ(-ERANGE, smu_set_memslot(self->e.vm, 0, 0, GFN, 1,
					   (void *)0xfffffffffffff000ULL));
	EXPECT_EQ(-ERANGE, smu_set_memslot(self->e.vm, 0, 0, GFN, 2,
					   (void *)0xfffffffffffff000ULL));
	/* 1 MiB below the top of the user address space, 2 MiB long. */
	EXPECT_EQ(-ERANGE, smu_set_memslot(self->e.vm, 0, 0, GFN, 512,
					   (void *)(user_top() - (1 << 20))));
	check_no_change(_metadata, &self->e, 0);
}

TEST_F(slot, gfn_range)
{
	const __u64 lim = 1ULL << SECMMU_GFN_BITS;

	EXPECT_EQ(-ERANGE, smu_set_memslot(self->e.vm, 0, 0, lim - 1, 2,
					   self->e.mem));
	EXPECT_EQ(-ERANGE, smu_set_memslot(self->e.vm, 0, 0, lim, 1,
					   self->e.mem));
	EXPECT_EQ(-ERANGE, smu_set_memslot(self->e.vm, 0, 0, ~0ULL, 2,
					   self->e.mem));
	EXPECT_EQ(-ERANGE, smu_set_memslot(self->e.vm, 0, 0, ~0ULL - 3,
					   NPAGES, self->e.mem));
	check_no_change(_metadata, &self->e, 0);

	/* The last gfn is usable. */
	ASSERT_EQ(0, smu_set_memslot(self->e.vm, 1, 0, lim - 1, 1,
				     self->e.mem + 2 * PAGE));
	{
		char c = 0x61;

		smu_t_rw(_metadata, self->e.vcpu, 0, SMU_GPA(lim - 1) + 4095,
			 &c, 1, true);
		EXPECT_EQ(0x61, self->e.mem[3 * PAGE - 1]);
	}
	EXPECT_EQ(0, smu_del_memslot(self->e.vm, 1));
}

TEST_F(slot, too_big)
{
	EXPECT_EQ(-E2BIG, smu_set_memslot(self->e.vm, 0, 0, GFN,
					  SECMMU_MAX_SLOT_PAGES + 1,
					  self->e.mem));
	check_no_change(_metadata, &self->e, 0);
	/* Exactly the limit is fine (the hva range need not be mapped). */
	ASSERT_EQ(0, smu_set_memslot(self->e.vm, 0, 0, GFN,
				     SECMMU_MAX_SLOT_PAGES, self->e.mem));
	EXPECT_EQ(0, smu_del_memslot(self->e.vm, 0));
}

TEST_F(slot, overlap)
{
	void *m = self->e.mem;
	int vm = self->e.vm;

	ASSERT_EQ(0, smu_set_memslot(vm, 0, 0, 0x1000, 16, m));
	EXPECT_EQ(-EEXIST, smu_set_memslot(vm, 1, 0, 0x100f, 16, m));
	EXPECT_EQ(-EEXIST, smu_set_memslot(vm, 1, 0, 0xff1, 16, m));
	EXPECT_EQ(-EEXIST, smu_set_memslot(vm, 1, 0, 0x1004, 2, m));
	EXPECT_EQ(-EEXIST, smu_set_memslot(vm, 1, 0, 0x800, 0x1000, m));
	EXPECT_EQ(-EEXIST, smu_set_memslot(vm, 1, 0, 0x1000, 16, m));
	EXPECT_EQ(-ENOENT, smu_del_memslot(vm, 1));
	/* Adjacent on both sides is fine; the same hva twice is fine. */
	EXPECT_EQ(0, smu_set_memslot(vm, 1, 0, 0x1010, 16, m));
	EXPECT_EQ(0, smu_set_memslot(vm, 2, 0, 0xff0, 16, m));
	EXPECT_EQ(0, smu_del_memslot(vm, 0));
	EXPECT_EQ(0, smu_del_memslot(vm, 1));
	EXPECT_EQ(0, smu_del_memslot(vm, 2));
	check_no_change(_metadata, &self->e, 1);
}

TEST_F(slot, bad_slot_id)
{
	EXPECT_EQ(-EINVAL, smu_set_memslot(self->e.vm, SECMMU_MAX_MEMSLOTS, 0,
					   GFN, NPAGES, self->e.mem));
	EXPECT_EQ(-EINVAL, smu_set_memslot(self->e.vm, ~0U, 0, GFN, NPAGES,
					   self->e.mem));
	EXPECT_EQ(-EINVAL, smu_del_memslot(self->e.vm, SECMMU_MAX_MEMSLOTS));
	check_no_change(_metadata, &self->e, 0);
}

TEST_F(slot, delete_unused)
{
	struct secmmu_memslot ms;

	EXPECT_EQ(-ENOENT, smu_del_memslot(self->e.vm, 0));
	EXPECT_EQ(-ENOENT, smu_del_memslot(self->e.vm, SECMMU_MAX_MEMSLOTS - 1));
	/* Delete of a live slot with nonzero geometry/flags: -EINVAL. */
	ASSERT_EQ(0, smu_set_memslot(self->e.vm, 0, 0, GFN, NPAGES,
				     self->e.mem));
	memset(&ms, 0, sizeof(ms));
	ms.base_gfn = GFN;
	EXPECT_EQ(-EINVAL, smu_set_memslot_raw(self->e.vm, &ms));
	memset(&ms, 0, sizeof(ms));
	ms.userspace_addr = (__u64)(uintptr_t)self->e.mem;
	EXPECT_EQ(-EINVAL, smu_set_memslot_raw(self->e.vm, &ms));
	memset(&ms, 0, sizeof(ms));
	ms.flags = SECMMU_MEM_READONLY;
	EXPECT_EQ(-EINVAL, smu_set_memslot_raw(self->e.vm, &ms));
	EXPECT_EQ(0, smu_del_memslot(self->e.vm, 0));
	check_no_change(_metadata, &self->e, 0);
}

/*
 * SECMMU_MEM_LOG_DIRTY is a flag change like READONLY: accepted on create
 * and on a live slot, where it write-protects the present mappings; vCPU
 * writes keep working.
 */
TEST_F(slot, log_dirty_flag)
{
	char c = 0x44, r = 0;
	unsigned int i;

	ASSERT_EQ(0, smu_set_memslot(self->e.vm, 0, SECMMU_MEM_LOG_DIRTY, GFN,
				     NPAGES, self->e.mem));
	ASSERT_EQ(0, smu_del_memslot(self->e.vm, 0));
	ASSERT_EQ(0, smu_set_memslot(self->e.vm, 0, 0, GFN, NPAGES,
				     self->e.mem));
	for (i = 0; i < NPAGES; i++) {
		smu_t_rw(_metadata, self->e.vcpu, 0, SMU_GPA(GFN + i), &c, 1,
			 true);
	}
	EXPECT_EQ(NPAGES, smu_count_present(self->e.vm, 0, GFN, NPAGES));
	ASSERT_EQ(0, smu_set_memslot(self->e.vm, 0, SECMMU_MEM_LOG_DIRTY, GFN,
				     NPAGES, self->e.mem));
	for (i = 0; i < NPAGES; i++) {
		EXPECT_EQ(0, smu_spte_flags(self->e.vm, 0, GFN + i) &
			     SECMMU_SPTE_WRITABLE) TH_LOG("page %u", i);
	}
	c = 0x45;
	smu_t_rw(_metadata, self->e.vcpu, 0, SMU_GPA(GFN + 2), &c, 1, true);
	EXPECT_EQ(0x45, self->e.mem[2 * PAGE]);
	smu_t_rw(_metadata, self->e.vcpu, 0, SMU_GPA(GFN + 2), &r, 1, false);
	EXPECT_EQ(0x45, r);
	/* LOG_DIRTY and READONLY together are fine too. */
	ASSERT_EQ(0, smu_set_memslot(self->e.vm, 0, SECMMU_MEM_LOG_DIRTY |
				     SECMMU_MEM_READONLY, GFN, NPAGES,
				     self->e.mem));
	ASSERT_EQ(0, smu_set_memslot(self->e.vm, 0, 0, GFN, NPAGES,
				     self->e.mem));
}

TEST_F(slot, unknown_flag)
{
	EXPECT_EQ(-EINVAL, smu_set_memslot(self->e.vm, 0, 1U << 2, GFN,
					   NPAGES, self->e.mem));
	EXPECT_EQ(-EINVAL, smu_set_memslot(self->e.vm, 0, 1U << 31, GFN,
					   NPAGES, self->e.mem));
	check_no_change(_metadata, &self->e, 0);
}

TEST_F(slot, geometry_change)
{
	char val[8], buf[8];
	void *m = self->e.mem;
	int vm = self->e.vm;

	ASSERT_EQ(0, smu_set_memslot(vm, 0, 0, GFN, 4, m));
	memset(val, 0x55, sizeof(val));
	smu_t_rw(_metadata, self->e.vcpu, 0, SMU_GPA(GFN + 1), val, 8, true);

	EXPECT_EQ(-EINVAL, smu_set_memslot(vm, 0, 0, GFN + 1, 4, m));
	EXPECT_EQ(-EINVAL, smu_set_memslot(vm, 0, 0, GFN, 5, m));
	EXPECT_EQ(-EINVAL, smu_set_memslot(vm, 0, 0, GFN, 3, m));
	EXPECT_EQ(-EINVAL, smu_set_memslot(vm, 0, 0, GFN, 4,
					   (char *)m + PAGE));
	EXPECT_EQ(-EINVAL, smu_set_memslot(vm, 0, SECMMU_MEM_READONLY, GFN + 1,
					   4, m));

	/* Unchanged: same bytes at the same gpa, still writable, 4 pages. */
	smu_t_rw(_metadata, self->e.vcpu, 0, SMU_GPA(GFN + 1), buf, 8, false);
	EXPECT_EQ(0, memcmp(buf, val, 8));
	smu_t_rw(_metadata, self->e.vcpu, 0, SMU_GPA(GFN + 3), val, 8, true);
	EXPECT_EQ(0x55, self->e.mem[3 * PAGE]);
	expect_unbacked(_metadata, self->e.vcpu, SMU_GPA(GFN + 4));
	/* A new slot over GFN + 4 still fits (npages was not grown). */
	EXPECT_EQ(0, smu_set_memslot(vm, 1, 0, GFN + 4, 1, m));
}

TEST_HARNESS_MAIN
