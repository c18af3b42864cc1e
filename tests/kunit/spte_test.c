// SPDX-License-Identifier: GPL-2.0
/* KUnit: SPTE encoding. */
#include <kunit/test.h>

#include "spte.h"

static void spte_leaf_read_only(struct kunit *test)
{
	u64 spte = spte_make_leaf(0x12345, false);

	KUNIT_EXPECT_TRUE(test, spte_present(spte));
	KUNIT_EXPECT_FALSE(test, spte_writable(spte));
	KUNIT_EXPECT_TRUE(test, spte_accessed(spte));
	KUNIT_EXPECT_FALSE(test, spte_dirty(spte));
	KUNIT_EXPECT_EQ(test, spte_pfn(spte), 0x12345ULL);
}

static void spte_leaf_writable_is_dirty(struct kunit *test)
{
	u64 spte = spte_make_leaf(7, true);

	KUNIT_EXPECT_TRUE(test, spte_writable(spte));
	KUNIT_EXPECT_TRUE(test, spte_dirty(spte));
	KUNIT_EXPECT_TRUE(test, spte_accessed(spte));
	KUNIT_EXPECT_EQ(test, spte_pfn(spte), 7ULL);
}

static void spte_pfn_roundtrip(struct kunit *test)
{
	static const u64 pfns[] = { 0, 1, 0x1ff, 0x200, 0xffffffffULL,
				    (1ULL << 40) - 1 };
	int i;

	for (i = 0; i < ARRAY_SIZE(pfns); i++) {
		KUNIT_EXPECT_EQ(test, spte_pfn(spte_make_leaf(pfns[i], false)), pfns[i]);
		KUNIT_EXPECT_EQ(test, spte_pfn(spte_make_leaf(pfns[i], true)), pfns[i]);
	}
	/* Bits above the address field never leak into the pfn. */
	KUNIT_EXPECT_EQ(test, spte_pfn(spte_make_leaf(1ULL << 40, false)), 0ULL);
}

static void spte_table_roundtrip(struct kunit *test)
{
	u64 spte = spte_make_table(0x7654321000ULL);

	KUNIT_EXPECT_TRUE(test, spte_present(spte));
	KUNIT_EXPECT_FALSE(test, spte_writable(spte));
	KUNIT_EXPECT_EQ(test, spte_table_pa(spte), 0x7654321000ULL);
}

static void spte_zero_is_empty(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, spte_present(0));
	KUNIT_EXPECT_EQ(test, SPTE_UAPI_MASK & ~(SECMMU_SPTE_PRESENT |
		SECMMU_SPTE_WRITABLE | SECMMU_SPTE_ACCESSED | SECMMU_SPTE_DIRTY), 0ULL);
}

static struct kunit_case spte_cases[] = {
	KUNIT_CASE(spte_leaf_read_only),
	KUNIT_CASE(spte_leaf_writable_is_dirty),
	KUNIT_CASE(spte_pfn_roundtrip),
	KUNIT_CASE(spte_table_roundtrip),
	KUNIT_CASE(spte_zero_is_empty),
	{}
};

static struct kunit_suite spte_suite = {
	.name = "secmmu_spte",
	.test_cases = spte_cases,
};

kunit_test_suite(spte_suite);
