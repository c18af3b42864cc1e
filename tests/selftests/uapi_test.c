// SPDX-License-Identifier: GPL-2.0
/*
 * secmmu UAPI contract: version, capabilities, ioctl number and size
 * decoding, and rejection of nonzero reserved/pad fields and unknown flags
 * for every struct (-EINVAL, nothing changed).
 */
#include "secmmu_test.h"

FIXTURE(uapi) {
	struct smu_env e;
};

FIXTURE_SETUP(uapi)
{
	smu_env_setup(_metadata, &self->e, 4, 0x100);
}

FIXTURE_TEARDOWN(uapi)
{
	smu_env_teardown(&self->e);
}

TEST_F(uapi, api_version)
{
	ASSERT_EQ(SECMMU_API_VERSION,
		  smu_ioctl_val(self->e.vm, SECMMU_GET_API_VERSION, 0));
}

TEST_F(uapi, check_cap)
{
	static const struct {
		unsigned long cap;
		long long val;
	} caps[] = {
		{ SECMMU_CAP_API_VERSION,	SECMMU_API_VERSION },
		{ SECMMU_CAP_MAX_MEMSLOTS,	SECMMU_MAX_MEMSLOTS },
		{ SECMMU_CAP_MAX_SLOT_PAGES,	SECMMU_MAX_SLOT_PAGES },
		{ SECMMU_CAP_MAX_VIEWS,		SECMMU_MAX_VIEWS },
		{ SECMMU_CAP_MAX_VIEW_RANGES,	SECMMU_MAX_VIEW_RANGES },
		{ SECMMU_CAP_MAX_VCPUS,		SECMMU_MAX_VCPUS },
		{ SECMMU_CAP_ACCESS_BATCH,	SECMMU_MAX_BATCH },
		{ SECMMU_CAP_GFN_BITS,		SECMMU_GFN_BITS },
		{ SECMMU_CAP_STATS,		SECMMU_STATS_VERSION },
		{ SECMMU_CAP_GET_SPTE,		1 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		EXPECT_EQ(caps[i].val, smu_check_cap(self->e.vm, caps[i].cap))
			TH_LOG("cap %lu", caps[i].cap);
	}
	EXPECT_EQ(0, smu_check_cap(self->e.vm, 9999));
	EXPECT_EQ(0, smu_check_cap(self->e.vm, ~0UL));
}

/* Capabilities of the rmap modes and aging (SECMMU_ENABLE_CAP, SECMMU_AGE). */
TEST_F(uapi, check_cap_rmap_age)
{
	EXPECT_EQ((1 << SECMMU_RMAP_NR_MODES) - 1,
		  smu_check_cap(self->e.vm, SECMMU_CAP_RMAP_MODES));
	EXPECT_EQ(SECMMU_RMAP_LOCKED,
		  smu_check_cap(self->e.vm, SECMMU_CAP_RMAP_MODE));
	EXPECT_EQ(SECMMU_MAX_AGE_PAGES,
		  smu_check_cap(self->e.vm, SECMMU_CAP_AGE));
}

TEST_F(uapi, check_cap_dirty)
{
	EXPECT_EQ(1, smu_check_cap(self->e.vm, SECMMU_CAP_DIRTY_LOG));
	EXPECT_EQ(SECMMU_DIRTY_RING_MAX,
		  smu_check_cap(self->e.vm, SECMMU_CAP_DIRTY_RING));
}

TEST_F(uapi, unknown_ioctl)
{
	int vm = self->e.vm, vcpu = self->e.vcpu;

	EXPECT_EQ(-ENOTTY, smu_ioctl_val(vm, _IO(SECMMUIO, 0x7f), 0));
	EXPECT_EQ(-ENOTTY, smu_ioctl_val(vm, _IO(SECMMUIO, 0xff), 0));
	EXPECT_EQ(-ENOTTY, smu_ioctl_val(vm, _IO(0xBB, 0x00), 0));
	EXPECT_EQ(-ENOTTY, smu_ioctl_val(vcpu, _IO(SECMMUIO, 0x7f), 0));
	EXPECT_EQ(-ENOTTY, smu_ioctl_val(vcpu, _IO(0xBB, 0x30), 0));
}

/* VM ioctls are unknown on a vCPU fd and vice versa. */
TEST_F(uapi, ioctl_on_wrong_fd)
{
	struct secmmu_access a;
	struct secmmu_memslot ms;
	char buf[8];

	memset(&a, 0, sizeof(a));
	smu_op(&a.op, 0, SMU_GPA(0x100), buf, sizeof(buf), false);
	EXPECT_EQ(-ENOTTY, smu_ioctl(self->e.vm, SECMMU_ACCESS, &a));

	memset(&ms, 0, sizeof(ms));
	ms.slot = 1;
	ms.base_gfn = 0x200;
	ms.npages = 1;
	ms.userspace_addr = (__u64)(uintptr_t)self->e.mem;
	EXPECT_EQ(-ENOTTY, smu_ioctl(self->e.vcpu, SECMMU_SET_MEMSLOT, &ms));
	EXPECT_EQ(-ENOTTY, smu_ioctl_val(self->e.vcpu, SECMMU_CREATE_VCPU, 1));
	/* The rejected SET_MEMSLOT created nothing. */
	EXPECT_EQ(-ENOENT, smu_del_memslot(self->e.vm, 1));
}

/* Same nr, wrong size or direction encoding: not our ioctl. */
TEST_F(uapi, wrong_size_encoding)
{
	struct secmmu_memslot ms;
	__u64 big[32];

	memset(big, 0, sizeof(big));
	memset(&ms, 0, sizeof(ms));
	ms.slot = 1;
	ms.base_gfn = 0x200;
	ms.npages = 1;
	ms.userspace_addr = (__u64)(uintptr_t)self->e.mem;
	memcpy(big, &ms, sizeof(ms));

	EXPECT_EQ(-ENOTTY, smu_ioctl(self->e.vm,
				     _IOW(SECMMUIO, 0x10, __u64), big));
	EXPECT_EQ(-ENOTTY, smu_ioctl(self->e.vm,
				     _IOW(SECMMUIO, 0x10, __u64[8]), big));
	EXPECT_EQ(-ENOTTY, smu_ioctl(self->e.vm,
		_IOR(SECMMUIO, 0x10, struct secmmu_memslot), big));
	EXPECT_EQ(-ENOTTY, smu_ioctl(self->e.vm,
		_IOWR(SECMMUIO, 0x10, struct secmmu_memslot), big));
	EXPECT_EQ(-ENOENT, smu_del_memslot(self->e.vm, 1));

	EXPECT_EQ(-ENOTTY, smu_ioctl(self->e.vm,
				     _IOR(SECMMUIO, 0x00, int), big));
	EXPECT_EQ(-ENOTTY, smu_ioctl(self->e.vm,
				     _IOW(SECMMUIO, 0x01, int), big));
	EXPECT_EQ(-ENOTTY, smu_ioctl(self->e.vm,
				     _IOW(SECMMUIO, 0x11, __u64[4]), big));
	EXPECT_EQ(-ENOTTY, smu_ioctl(self->e.vm,
				     _IOWR(SECMMUIO, 0x12, __u64[2]), big));
	EXPECT_EQ(-ENOTTY, smu_ioctl(self->e.vm,
				     _IOR(SECMMUIO, 0x13, __u64[4]), big));
	EXPECT_EQ(-ENOTTY, smu_ioctl(self->e.vm,
				     _IOW(SECMMUIO, 0x20, int), big));
	EXPECT_EQ(-ENOTTY, smu_ioctl(self->e.vcpu,
				     _IOWR(SECMMUIO, 0x30, __u64[2]), big));
	EXPECT_EQ(-ENOTTY, smu_ioctl(self->e.vcpu,
		_IOW(SECMMUIO, 0x30, struct secmmu_access), big));
	EXPECT_EQ(-ENOTTY, smu_ioctl(self->e.vcpu,
				     _IOWR(SECMMUIO, 0x31, __u64[3]), big));
}

TEST_F(uapi, memslot_reserved)
{
	struct secmmu_memslot ms, good = {
		.slot = 1,
		.base_gfn = 0x200,
		.npages = 2,
		.userspace_addr = (__u64)(uintptr_t)self->e.mem,
	};
	static const __u32 bad_flags[] = { 1U << 2, 1U << 15, 1U << 31 };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		ms = good;
		ms.reserved[i] = 1;
		EXPECT_EQ(-EINVAL, smu_set_memslot_raw(self->e.vm, &ms));
		EXPECT_EQ(-ENOENT, smu_del_memslot(self->e.vm, 1));
	}
	for (i = 0; i < sizeof(bad_flags) / sizeof(bad_flags[0]); i++) {
		ms = good;
		ms.flags = bad_flags[i];
		EXPECT_EQ(-EINVAL, smu_set_memslot_raw(self->e.vm, &ms));
		EXPECT_EQ(-ENOENT, smu_del_memslot(self->e.vm, 1));
	}
	/* Change of a live slot with reserved bits. */
	ms = good;
	ms.slot = 0;
	ms.base_gfn = 0x100;
	ms.npages = 4;
	ms.flags = SECMMU_MEM_READONLY;
	ms.reserved[1] = ~0ULL;
	EXPECT_EQ(-EINVAL, smu_set_memslot_raw(self->e.vm, &ms));
	/* Delete with reserved bits: slot 0 survives. */
	memset(&ms, 0, sizeof(ms));
	ms.reserved[0] = 1;
	EXPECT_EQ(-EINVAL, smu_set_memslot_raw(self->e.vm, &ms));
	{
		char c = 0x5a;

		smu_t_rw(_metadata, self->e.vcpu, 0, SMU_GPA(0x100), &c, 1,
			 true);
		EXPECT_EQ(0x5a, self->e.mem[0]);
	}
	ms = good;
	EXPECT_EQ(0, smu_set_memslot_raw(self->e.vm, &ms));
	EXPECT_EQ(0, smu_del_memslot(self->e.vm, 1));
}

TEST_F(uapi, view_mapping_reserved)
{
	struct secmmu_view_mapping vm, good = {
		.view = 1,
		.view_gfn = 0x1000,
		.npages = 4,
		.target_gfn = 0x100,
	};
	unsigned int i;

	for (i = 0; i < 3; i++) {
		vm = good;
		if (i < 2)
			vm.reserved[i] = 1ULL << (i * 40);
		else
			vm.flags = 1;
		EXPECT_EQ(-EINVAL, smu_ioctl(self->e.vm,
					     SECMMU_SET_VIEW_MAPPING, &vm));
		EXPECT_EQ(-ENOENT, smu_del_view(self->e.vm, 1, 0x1000));
	}
	vm = good;
	vm.flags = 1U << 31;
	EXPECT_EQ(-EINVAL, smu_ioctl(self->e.vm, SECMMU_SET_VIEW_MAPPING, &vm));
	EXPECT_EQ(-ENOENT, smu_del_view(self->e.vm, 1, 0x1000));

	vm = good;
	EXPECT_EQ(0, smu_ioctl(self->e.vm, SECMMU_SET_VIEW_MAPPING, &vm));
	/* Removal with reserved bits keeps the range. */
	memset(&vm, 0, sizeof(vm));
	vm.view = 1;
	vm.view_gfn = 0x1000;
	vm.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, smu_ioctl(self->e.vm, SECMMU_SET_VIEW_MAPPING, &vm));
	EXPECT_EQ(0, smu_del_view(self->e.vm, 1, 0x1000));
	EXPECT_EQ(-ENOENT, smu_del_view(self->e.vm, 1, 0x1000));
}

TEST_F(uapi, get_spte_reserved)
{
	struct secmmu_spte_info info;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		memset(&info, 0, sizeof(info));
		info.gfn = 0x100;
		info.reserved[i] = 1;
		EXPECT_EQ(-EINVAL, smu_ioctl(self->e.vm, SECMMU_GET_SPTE,
					     &info));
	}
	memset(&info, 0, sizeof(info));
	info.gfn = 0x100;
	EXPECT_EQ(0, smu_ioctl(self->e.vm, SECMMU_GET_SPTE, &info));
	EXPECT_EQ(0, info.flags);
}

TEST_F(uapi, access_reserved)
{
	char buf[16], zero[16];
	struct secmmu_access a, good;
	unsigned int i;

	memset(buf, 0x77, sizeof(buf));
	memset(zero, 0, sizeof(zero));
	memset(&good, 0, sizeof(good));
	smu_op(&good.op, 0, SMU_GPA(0x100) + 8, buf, sizeof(buf), true);

	for (i = 0; i < 6; i++) {
		a = good;
		switch (i) {
		case 0: a.op.flags |= 1U << 1; break;
		case 1: a.op.flags |= 1U << 15; break;
		case 2: a.pad = 1; break;
		case 3: a.reserved[0] = 1; break;
		case 4: a.reserved[1] = 1ULL << 63; break;
		case 5: a.op.flags = 1U << 3; break;	/* read + junk */
		}
		EXPECT_EQ(-EINVAL, smu_ioctl(self->e.vcpu, SECMMU_ACCESS, &a))
			TH_LOG("case %u", i);
		/* Nothing was written. */
		EXPECT_EQ(0, memcmp(self->e.mem + 8, zero, sizeof(zero)));
	}
	a = good;
	EXPECT_EQ(0, smu_ioctl(self->e.vcpu, SECMMU_ACCESS, &a));
	EXPECT_EQ(SECMMU_EXIT_NONE, a.exit_reason);
	EXPECT_EQ(0, memcmp(self->e.mem + 8, buf, sizeof(buf)));
}

TEST_F(uapi, batch_reserved)
{
	struct secmmu_access_batch b, good;
	struct secmmu_access_op ops[2];
	char buf[2][8], zero[8];
	unsigned int i;

	memset(buf, 0x33, sizeof(buf));
	memset(zero, 0, sizeof(zero));
	smu_op(&ops[0], 0, SMU_GPA(0x100), buf[0], 8, true);
	smu_op(&ops[1], 0, SMU_GPA(0x101), buf[1], 8, true);
	memset(&good, 0, sizeof(good));
	good.ops = (__u64)(uintptr_t)ops;
	good.nr = 2;

	for (i = 0; i < 4; i++) {
		b = good;
		switch (i) {
		case 0: b.flags = 1; break;
		case 1: b.flags = 1U << 31; break;
		case 2: b.reserved[0] = 1; break;
		case 3: b.reserved[1] = 1; break;
		}
		EXPECT_EQ(-EINVAL, smu_ioctl(self->e.vcpu, SECMMU_ACCESS_BATCH,
					     &b)) TH_LOG("case %u", i);
		EXPECT_EQ(0, memcmp(self->e.mem, zero, 8));
		EXPECT_EQ(0, memcmp(self->e.mem + PAGE, zero, 8));
	}
	/* An op with unknown flags: ops before it may run, it does not. */
	ops[1].flags |= 1U << 7;
	b = good;
	EXPECT_EQ(-EINVAL, smu_ioctl(self->e.vcpu, SECMMU_ACCESS_BATCH, &b));
	EXPECT_EQ(0, memcmp(self->e.mem + PAGE, zero, 8));
	ops[1].flags = SECMMU_ACCESS_WRITE;

	b = good;
	EXPECT_EQ(0, smu_ioctl(self->e.vcpu, SECMMU_ACCESS_BATCH, &b));
	EXPECT_EQ(2, b.done);
	EXPECT_EQ(SECMMU_EXIT_NONE, b.exit_reason);
	EXPECT_EQ(0, memcmp(self->e.mem, buf[0], 8));
	EXPECT_EQ(0, memcmp(self->e.mem + PAGE, buf[1], 8));
}

TEST_F(uapi, stats_layout)
{
	struct secmmu_stats st;
	unsigned int i;

	ASSERT_EQ(0, smu_get_stats(self->e.vm, &st));
	EXPECT_EQ(SECMMU_STATS_VERSION, st.version);
	EXPECT_EQ(SECMMU_STAT_NR, st.nr);
	for (i = SECMMU_STAT_NR; i < SECMMU_STATS_MAX; i++) {
		EXPECT_EQ(0, st.val[i]) TH_LOG("val[%u]", i);
	}
	/* A fresh VM with nothing accessed has nothing mapped. */
	EXPECT_EQ(0, st.val[SECMMU_STAT_MAPPED]);
	EXPECT_EQ(0, st.val[SECMMU_STAT_SPTES_INSTALLED]);
	EXPECT_EQ(0, st.val[SECMMU_STAT_ACCESS_OPS]);
	EXPECT_EQ(0, st.val[SECMMU_STAT_RELEASES]);
	EXPECT_EQ(-EFAULT, smu_ioctl(self->e.vm, SECMMU_GET_STATS,
				     (void *)16));
}

TEST_HARNESS_MAIN
