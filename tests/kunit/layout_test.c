// SPDX-License-Identifier: GPL-2.0
/* KUnit: memslot and view-range validation, lookup and translation. */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "layout.h"

#define HVA	0x10000000UL

static struct secmmu_layout *layout(struct kunit *test)
{
	struct secmmu_layout *l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, l);
	l->slots[1] = (struct secmmu_slot){ .base_gfn = 100, .npages = 50,
					    .hva = HVA };
	return l;
}

static int check(struct secmmu_layout *l, u32 id, u64 gfn, u64 npages,
		 u64 hva, u32 flags)
{
	struct secmmu_slot req = { .base_gfn = gfn, .npages = npages,
				   .hva = hva, .flags = flags };

	return secmmu_slot_check(l, &l->slots[id], &req, id);
}

static void memslot_create_errnos(struct kunit *test)
{
	struct secmmu_layout *l = layout(test);

	KUNIT_EXPECT_EQ(test, check(l, 0, 0, 100, HVA, 0), 0);
	KUNIT_EXPECT_EQ(test, check(l, 0, 150, 1, HVA, SECMMU_MEM_READONLY), 0);
	KUNIT_EXPECT_EQ(test, check(l, 0, 0, 1, HVA + 1, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, check(l, 0, 0, 1, HVA, 1U << 7), -EINVAL);
	KUNIT_EXPECT_EQ(test, check(l, 0, 0, 1, HVA, SECMMU_MEM_LOG_DIRTY), 0);
	KUNIT_EXPECT_EQ(test, check(l, 0, 0, SECMMU_MAX_SLOT_PAGES + 1, HVA, 0),
			-E2BIG);
	KUNIT_EXPECT_EQ(test, check(l, 0, 0, SECMMU_MAX_SLOT_PAGES, HVA, 0), -EEXIST);
	KUNIT_EXPECT_EQ(test, check(l, 0, (1ULL << SECMMU_GFN_BITS) - 1, 2, HVA, 0),
			-ERANGE);
	KUNIT_EXPECT_EQ(test, check(l, 0, U64_MAX, 2, HVA, 0), -ERANGE);
	KUNIT_EXPECT_EQ(test, check(l, 0, 0, 2, TASK_SIZE - PAGE_SIZE, 0), -ERANGE);
	KUNIT_EXPECT_EQ(test, check(l, 0, 0, 1, TASK_SIZE - PAGE_SIZE, 0), 0);
	/* Overlap at either end of slot 1 = [100, 150). */
	KUNIT_EXPECT_EQ(test, check(l, 0, 99, 2, HVA, 0), -EEXIST);
	KUNIT_EXPECT_EQ(test, check(l, 0, 149, 1, HVA, 0), -EEXIST);
	KUNIT_EXPECT_EQ(test, check(l, 0, 99, 1, HVA, 0), 0);
}

static void memslot_change_and_delete(struct kunit *test)
{
	struct secmmu_layout *l = layout(test);

	/* Flags may change; geometry may not. */
	KUNIT_EXPECT_EQ(test, check(l, 1, 100, 50, HVA, SECMMU_MEM_READONLY), 0);
	KUNIT_EXPECT_EQ(test, check(l, 1, 101, 50, HVA, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, check(l, 1, 100, 49, HVA, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, check(l, 1, 100, 50, HVA + PAGE_SIZE, 0), -EINVAL);
	/* Delete: npages 0 and nothing else. */
	KUNIT_EXPECT_EQ(test, check(l, 1, 0, 0, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, check(l, 1, 100, 0, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, check(l, 2, 0, 0, 0, 0), -ENOENT);
}

static void memslot_find_and_hva(struct kunit *test)
{
	struct secmmu_layout *l = layout(test);

	KUNIT_EXPECT_NULL(test, secmmu_slot_find(l, 99));
	KUNIT_EXPECT_PTR_EQ(test, secmmu_slot_find(l, 100), &l->slots[1]);
	KUNIT_EXPECT_PTR_EQ(test, secmmu_slot_find(l, 149), &l->slots[1]);
	KUNIT_EXPECT_NULL(test, secmmu_slot_find(l, 150));
	KUNIT_EXPECT_EQ(test, secmmu_slot_hva(&l->slots[1], 103), HVA + 3 * PAGE_SIZE);
}

static void view_ranges(struct kunit *test)
{
	struct secmmu_layout *l = layout(test);
	struct secmmu_view *v = &l->views[2];
	struct secmmu_view_range a = { .view_gfn = 1000, .npages = 10, .target_gfn = 100 };
	struct secmmu_view_range b = { .view_gfn = 10, .npages = 5, .target_gfn = 140 };
	struct secmmu_view_range c = { .view_gfn = 1009, .npages = 1, .target_gfn = 0 };
	u64 t;

	KUNIT_EXPECT_EQ(test, secmmu_view_check(v, &a), 0);
	secmmu_view_insert(v, &a);
	KUNIT_EXPECT_EQ(test, secmmu_view_check(v, &b), 0);
	secmmu_view_insert(v, &b);
	KUNIT_EXPECT_EQ(test, v->ranges[0].view_gfn, 10ULL);	/* sorted */
	KUNIT_EXPECT_EQ(test, secmmu_view_check(v, &c), -EEXIST);
	c.view_gfn = (1ULL << SECMMU_GFN_BITS) - 1;
	c.npages = 2;
	KUNIT_EXPECT_EQ(test, secmmu_view_check(v, &c), -ERANGE);

	KUNIT_EXPECT_TRUE(test, secmmu_view_translate(l, 2, 1000, &t));
	KUNIT_EXPECT_EQ(test, t, 100ULL);
	KUNIT_EXPECT_TRUE(test, secmmu_view_translate(l, 2, 1009, &t));
	KUNIT_EXPECT_EQ(test, t, 109ULL);
	KUNIT_EXPECT_TRUE(test, secmmu_view_translate(l, 2, 14, &t));
	KUNIT_EXPECT_EQ(test, t, 144ULL);
	KUNIT_EXPECT_FALSE(test, secmmu_view_translate(l, 2, 1010, &t));
	KUNIT_EXPECT_FALSE(test, secmmu_view_translate(l, 2, 9, &t));
	KUNIT_EXPECT_FALSE(test, secmmu_view_translate(l, 3, 1000, &t));
	KUNIT_EXPECT_TRUE(test, secmmu_view_translate(l, 0, 123456, &t));
	KUNIT_EXPECT_EQ(test, t, 123456ULL);

	KUNIT_EXPECT_EQ(test, secmmu_view_find_start(v, 1001), -ENOENT);
	KUNIT_EXPECT_EQ(test, secmmu_view_find_start(v, 1000), 1);
	secmmu_view_remove(v, 1);
	KUNIT_EXPECT_EQ(test, v->nr_ranges, 1U);
	KUNIT_EXPECT_FALSE(test, secmmu_view_translate(l, 2, 1000, &t));
}

static void view_full(struct kunit *test)
{
	struct secmmu_layout *l = layout(test);
	struct secmmu_view *v = &l->views[1];
	struct secmmu_view_range r = { .npages = 1 };
	int i;

	for (i = 0; i < SECMMU_MAX_VIEW_RANGES; i++) {
		r.view_gfn = 2 * i;
		KUNIT_ASSERT_EQ(test, secmmu_view_check(v, &r), 0);
		secmmu_view_insert(v, &r);
	}
	r.view_gfn = 1000;
	KUNIT_EXPECT_EQ(test, secmmu_view_check(v, &r), -ENOSPC);
}

static struct kunit_case layout_cases[] = {
	KUNIT_CASE(memslot_create_errnos),
	KUNIT_CASE(memslot_change_and_delete),
	KUNIT_CASE(memslot_find_and_hva),
	KUNIT_CASE(view_ranges),
	KUNIT_CASE(view_full),
	{}
};

static struct kunit_suite layout_suite = {
	.name = "secmmu_layout",
	.test_cases = layout_cases,
};

kunit_test_suite(layout_suite);
