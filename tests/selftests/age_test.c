// SPDX-License-Identifier: GPL-2.0
/*
 * SECMMU_ENABLE_CAP(SECMMU_CAP_RMAP_MODE) and SECMMU_AGE: per-page
 * accessed state, test vs clear, FAST_ONLY per rmap mode, look-around and
 * the hva form, for each of the three rmap modes.
 */
#include "secmmu_test.h"

#define NPAGES	128
#define GFN	0x100		/* SECMMU_AGE_LOOKAROUND_PAGES aligned */
#define VGFN	0x8000

FIXTURE(rmap) {
	struct smu_env e;
};

SMU_RMAP_MODE_VARIANTS(rmap);

FIXTURE_SETUP(rmap)
{
	struct smu_env *e = &self->e;

	smu_env_setup(_metadata, e, 0, GFN);
	ASSERT_EQ(0, smu_set_rmap_mode(e->vm, variant->mode));
	e->npages = NPAGES;
	e->mem = smu_mmap_anon(NPAGES * PAGE);
	ASSERT_NE(MAP_FAILED, e->mem);
	memset(e->mem, 1, NPAGES * PAGE);
	ASSERT_EQ(0, smu_set_memslot(e->vm, 0, 0, GFN, NPAGES, e->mem));
}

FIXTURE_TEARDOWN(rmap)
{
	smu_env_teardown(&self->e);
}

static void touch(struct __test_metadata *_metadata, struct smu_env *e,
		  __u16 view, __u64 gfn)
{
	char c;

	smu_t_rw(_metadata, e->vcpu, view, SMU_GPA(gfn), &c, 1, false);
}

/* TEST (no clear) over [GFN, GFN + n): returns the young bitmap word 0. */
static __u64 young0(struct __test_metadata *_metadata, struct smu_env *e,
		    unsigned int n)
{
	__u64 young[NPAGES / 64];
	struct secmmu_age a;

	memset(young, 0xff, sizeof(young));
	ASSERT_EQ(0, smu_age(e->vm, SECMMU_AGE_TEST, GFN, n, young, NULL, &a));
	EXPECT_EQ(n, a.done);
	/* Only the first @n bits are defined. */
	if (n < 64)
		young[0] &= (1ULL << n) - 1;
	else if (n < 128)
		young[1] &= (1ULL << (n - 64)) - 1;
	if (n <= 64)
		young[1] = 0;
	EXPECT_EQ((__u64)(__builtin_popcountll(young[0]) +
			  __builtin_popcountll(young[1])), a.nr_young);
	return young[0];
}

TEST_F(rmap, mode_is_fixed)
{
	EXPECT_EQ(variant->mode, smu_check_cap(self->e.vm,
					       SECMMU_CAP_RMAP_MODE));
	EXPECT_EQ(-EBUSY, smu_set_rmap_mode(self->e.vm, SECMMU_RMAP_LOCKED));
	EXPECT_EQ(-EBUSY, smu_set_rmap_mode(self->e.vm, SECMMU_RMAP_LOCK_BIT));
	EXPECT_EQ(variant->mode, smu_check_cap(self->e.vm,
					       SECMMU_CAP_RMAP_MODE));
}

/* "Only before the first memslot is created": deleting it changes nothing. */
TEST_F(rmap, mode_fixed_after_delete)
{
	ASSERT_EQ(0, smu_del_memslot(self->e.vm, 0));
	EXPECT_EQ(-EBUSY, smu_set_rmap_mode(self->e.vm, (variant->mode + 1) %
					 SECMMU_RMAP_NR_MODES));
	EXPECT_EQ(variant->mode, smu_check_cap(self->e.vm,
					       SECMMU_CAP_RMAP_MODE));
}

TEST_F(rmap, enable_cap_errnos)
{
	struct secmmu_enable_cap ec;
	int vm = smu_t_open_vm(_metadata);
	unsigned int i;

	for (i = 0; i < 6; i++) {
		memset(&ec, 0, sizeof(ec));
		ec.cap = SECMMU_CAP_RMAP_MODE;
		ec.args[0] = SECMMU_RMAP_LOCK_BIT;
		switch (i) {
		case 0: ec.flags = 1; break;
		case 1: ec.reserved[0] = 1; break;
		case 2: ec.reserved[1] = 1; break;
		case 3: ec.args[1] = 1; break;
		case 4: ec.args[3] = 1; break;
		case 5: ec.args[0] = SECMMU_RMAP_NR_MODES; break;
		}
		EXPECT_EQ(-EINVAL, smu_ioctl(vm, SECMMU_ENABLE_CAP, &ec))
			TH_LOG("case %u", i);
		EXPECT_EQ(SECMMU_RMAP_LOCKED,
			  smu_check_cap(vm, SECMMU_CAP_RMAP_MODE));
	}
	EXPECT_EQ(-EINVAL, smu_enable_cap(vm, 9999, 0));
	EXPECT_EQ(-EINVAL, smu_enable_cap(vm, SECMMU_CAP_MAX_VCPUS, 1));
	/* Before the first memslot it can be changed, also more than once. */
	EXPECT_EQ(0, smu_set_rmap_mode(vm, SECMMU_RMAP_LOCK_BIT));
	EXPECT_EQ(0, smu_set_rmap_mode(vm, variant->mode));
	EXPECT_EQ(variant->mode, smu_check_cap(vm, SECMMU_CAP_RMAP_MODE));
	close(vm);
}

TEST_F(rmap, test_and_clear)
{
	struct smu_env *e = &self->e;
	struct secmmu_age a;
	__u64 young[2], y;

	touch(_metadata, e, 0, GFN + 1);
	touch(_metadata, e, 0, GFN + 3);
	touch(_metadata, e, 0, GFN + 5);
	/* TEST does not clear. */
	EXPECT_EQ(0x2aULL, young0(_metadata, e, 8));
	EXPECT_EQ(0x2aULL, young0(_metadata, e, 8));
	/* CLEAR answers, then clears. */
	memset(young, 0, sizeof(young));
	ASSERT_EQ(0, smu_age(e->vm, SECMMU_AGE_CLEAR, GFN, 8, young, NULL,
			     &a));
	EXPECT_EQ(0x2aULL, young[0]);
	EXPECT_EQ(3, a.nr_young);
	EXPECT_EQ(8, a.done);
	EXPECT_EQ(0, young0(_metadata, e, 8));
	/* Still mapped, just old. */
	EXPECT_EQ(SECMMU_SPTE_PRESENT, smu_spte_flags(e->vm, 0, GFN + 3) &
		  (SECMMU_SPTE_PRESENT | SECMMU_SPTE_ACCESSED));
	/* A new access makes the page young again. */
	touch(_metadata, e, 0, GFN + 3);
	EXPECT_EQ(SECMMU_SPTE_ACCESSED, smu_spte_flags(e->vm, 0, GFN + 3) &
		  SECMMU_SPTE_ACCESSED);
	y = young0(_metadata, e, 8);
	EXPECT_EQ(0x8ULL, y);
	/* Page 64 and up land in bitmap word 1. */
	touch(_metadata, e, 0, GFN + 66);
	young[0] = young[1] = 0;
	ASSERT_EQ(0, smu_age(e->vm, SECMMU_AGE_TEST, GFN, 67, young, NULL,
			     &a));
	EXPECT_EQ(0x8ULL, young[0]);
	EXPECT_EQ(0x4ULL, young[1] & 0x7);
	EXPECT_EQ(2, a.nr_young);
	/* No bitmap: counts only. */
	ASSERT_EQ(0, smu_age(e->vm, SECMMU_AGE_TEST, GFN, NPAGES, NULL, NULL,
			     &a));
	EXPECT_EQ(2, a.nr_young);
	EXPECT_EQ(NPAGES, a.done);
}

TEST_F(rmap, fast_only)
{
	struct smu_env *e = &self->e;
	struct secmmu_age a;
	__u64 young, failed, exp_young, exp_failed;

	/* Page 1: one SPTE.  Page 2: two SPTEs (view 0 and view 1). */
	ASSERT_EQ(0, smu_set_view(e->vm, 1, VGFN, 1, GFN + 2));
	touch(_metadata, e, 0, GFN + 1);
	touch(_metadata, e, 0, GFN + 2);
	touch(_metadata, e, 1, VGFN);

	switch (variant->mode) {
	case SECMMU_RMAP_LOCKED:
		exp_young = 0;
		exp_failed = 0x6;
		break;
	case SECMMU_RMAP_SINGLE_LOCKLESS:
		exp_young = 0x2;
		exp_failed = 0x4;
		break;
	default:
		exp_young = 0x6;
		exp_failed = 0;
		break;
	}
	young = failed = ~0ULL;
	ASSERT_EQ(0, smu_age(e->vm, SECMMU_AGE_TEST | SECMMU_AGE_FAST_ONLY,
			     GFN, 8, &young, &failed, &a));
	EXPECT_EQ(exp_young, young & 0xff);
	EXPECT_EQ(exp_failed, failed & 0xff);
	EXPECT_EQ((__u64)__builtin_popcountll(exp_young), a.nr_young);
	EXPECT_EQ((__u64)__builtin_popcountll(exp_failed), a.nr_fast_failed);

	/* FAST_ONLY CLEAR leaves the failed pages un-aged. */
	ASSERT_EQ(0, smu_age(e->vm, SECMMU_AGE_CLEAR | SECMMU_AGE_FAST_ONLY,
			     GFN, 8, &young, &failed, &a));
	EXPECT_EQ(exp_young, young & 0xff);
	EXPECT_EQ(exp_failed, failed & 0xff);
	EXPECT_EQ(exp_failed, young0(_metadata, e, 8));
}

TEST_F(rmap, lookaround)
{
	struct smu_env *e = &self->e;
	struct secmmu_age a;
	__u64 young[2];
	bool fast = variant->mode != SECMMU_RMAP_LOCKED;

	touch(_metadata, e, 0, GFN + 0);
	touch(_metadata, e, 0, GFN + 10);
	touch(_metadata, e, 0, GFN + 63);
	touch(_metadata, e, 0, GFN + 64);
	touch(_metadata, e, 0, GFN + 70);

	young[0] = young[1] = 0;
	ASSERT_EQ(0, smu_age(e->vm, SECMMU_AGE_TEST | SECMMU_AGE_LOOKAROUND,
			     GFN, 1, young, NULL, &a));
	EXPECT_EQ(1, young[0]);
	EXPECT_EQ(1, a.nr_young);
	EXPECT_EQ(fast ? 2 : 0, a.nr_lookaround_young);
	EXPECT_EQ(fast ? 0 : SECMMU_AGE_OUT_NO_LOOKAROUND,
		  a.out_flags & SECMMU_AGE_OUT_NO_LOOKAROUND);

	ASSERT_EQ(0, smu_age(e->vm, SECMMU_AGE_CLEAR | SECMMU_AGE_LOOKAROUND,
			     GFN, 1, young, NULL, &a));
	EXPECT_EQ(fast ? 2 : 0, a.nr_lookaround_young);
	/* The other block was not looked at. */
	young[0] = young[1] = 0;
	ASSERT_EQ(0, smu_age(e->vm, SECMMU_AGE_TEST, GFN, NPAGES, young, NULL,
			     &a));
	EXPECT_EQ(fast ? 0 : (1ULL << 10 | 1ULL << 63), young[0]);
	EXPECT_EQ(1ULL << 0 | 1ULL << 6, young[1]);
}

TEST_F(rmap, hva_form)
{
	struct smu_env *e = &self->e;
	struct secmmu_age a;
	__u64 young;
	char *other;

	touch(_metadata, e, 0, GFN + 3);
	touch(_metadata, e, 0, GFN + 4);
	young = ~0ULL;
	ASSERT_EQ(0, smu_age(e->vm, SECMMU_AGE_TEST | SECMMU_AGE_HVA,
			     (uintptr_t)(e->mem + 2 * PAGE), 4, &young, NULL,
			     &a));
	EXPECT_EQ(0x6ULL, young & 0xf);
	EXPECT_EQ(2, a.nr_young);
	EXPECT_EQ(4, a.done);
	/* Memory no memslot backs is simply not young. */
	other = smu_mmap_anon(2 * PAGE);
	ASSERT_NE(MAP_FAILED, other);
	young = ~0ULL;
	ASSERT_EQ(0, smu_age(e->vm, SECMMU_AGE_CLEAR | SECMMU_AGE_HVA,
			     (uintptr_t)other, 2, &young, NULL, &a));
	EXPECT_EQ(0, young & 3);
	EXPECT_EQ(0, a.nr_young);
	EXPECT_EQ(-EINVAL, smu_age(e->vm, SECMMU_AGE_TEST | SECMMU_AGE_HVA,
				   (uintptr_t)(e->mem + 1), 1, NULL, NULL,
				   NULL));
	munmap(other, 2 * PAGE);
}

TEST_F(rmap, age_errnos)
{
	struct smu_env *e = &self->e;
	struct secmmu_age a;
	int vm = e->vm;
	char *gone;

	EXPECT_EQ(-EINVAL, smu_age(vm, SECMMU_AGE_TEST, GFN, 0, NULL, NULL,
				   NULL));
	EXPECT_EQ(-E2BIG, smu_age(vm, SECMMU_AGE_TEST, GFN,
				  SECMMU_MAX_AGE_PAGES + 1ULL, NULL, NULL,
				  NULL));
	EXPECT_EQ(-EINVAL, smu_age(vm, 0, GFN, 1, NULL, NULL, NULL));
	EXPECT_EQ(-EINVAL, smu_age(vm, SECMMU_AGE_TEST | SECMMU_AGE_CLEAR,
				   GFN, 1, NULL, NULL, NULL));
	EXPECT_EQ(-EINVAL, smu_age(vm, SECMMU_AGE_TEST | (1U << 5), GFN, 1,
				   NULL, NULL, NULL));
	EXPECT_EQ(-EINVAL, smu_age(vm, SECMMU_AGE_TEST | (1U << 31), GFN, 1,
				   NULL, NULL, NULL));
	memset(&a, 0, sizeof(a));
	a.flags = SECMMU_AGE_TEST;
	a.start = GFN;
	a.npages = 1;
	a.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, smu_ioctl(vm, SECMMU_AGE, &a));
	/* The range must lie inside one memslot. */
	EXPECT_EQ(-ENOENT, smu_age(vm, SECMMU_AGE_TEST, GFN - 1, 2, NULL,
				   NULL, NULL));
	EXPECT_EQ(-ENOENT, smu_age(vm, SECMMU_AGE_TEST, GFN + NPAGES - 1, 2,
				   NULL, NULL, NULL));
	EXPECT_EQ(-ENOENT, smu_age(vm, SECMMU_AGE_TEST, 0x9000, 1, NULL,
				   NULL, NULL));
	/* Exactly the memslot is fine. */
	EXPECT_EQ(0, smu_age(vm, SECMMU_AGE_TEST, GFN, NPAGES, NULL, NULL,
			     NULL));
	gone = smu_mmap_anon(PAGE);
	ASSERT_NE(MAP_FAILED, gone);
	munmap(gone, PAGE);
	EXPECT_EQ(-EFAULT, smu_age(vm, SECMMU_AGE_TEST, GFN, 8, (void *)gone,
				   NULL, NULL));
	EXPECT_EQ(-EFAULT, smu_ioctl(vm, SECMMU_AGE, gone));
}

TEST_F(rmap, stats)
{
	struct smu_env *e = &self->e;
	__u64 p0, y0;

	touch(_metadata, e, 0, GFN + 1);
	touch(_metadata, e, 0, GFN + 2);
	p0 = smu_t_stat(_metadata, e->vm, SECMMU_STAT_AGE_PAGES);
	y0 = smu_t_stat(_metadata, e->vm, SECMMU_STAT_AGE_YOUNG);
	EXPECT_EQ(0x6ULL, young0(_metadata, e, 16));
	EXPECT_EQ(p0 + 16, smu_t_stat(_metadata, e->vm,
				      SECMMU_STAT_AGE_PAGES));
	EXPECT_EQ(y0 + 2, smu_t_stat(_metadata, e->vm,
				     SECMMU_STAT_AGE_YOUNG));
}

TEST_HARNESS_MAIN
