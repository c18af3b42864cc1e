// SPDX-License-Identifier: GPL-2.0
/* KUnit: UAPI layout (sizes, offsets, ioctl encodings) and capabilities. */
#include <kunit/test.h>
#include <linux/stddef.h>

#include "ioctl.h"
#include "vm.h"

static void uapi_struct_sizes(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, sizeof(struct secmmu_memslot), 48UL);
	KUNIT_EXPECT_EQ(test, sizeof(struct secmmu_view_mapping), 48UL);
	KUNIT_EXPECT_EQ(test, sizeof(struct secmmu_spte_info), 48UL);
	KUNIT_EXPECT_EQ(test, sizeof(struct secmmu_access_op), 24UL);
	KUNIT_EXPECT_EQ(test, sizeof(struct secmmu_access), 64UL);
	KUNIT_EXPECT_EQ(test, sizeof(struct secmmu_access_batch), 48UL);
	KUNIT_EXPECT_EQ(test, sizeof(struct secmmu_stats),
			8UL + 8UL * SECMMU_STATS_MAX);
	KUNIT_EXPECT_EQ(test, offsetof(struct secmmu_access, exit_reason), 24UL);
	KUNIT_EXPECT_EQ(test, offsetof(struct secmmu_access_batch, exit_gpa), 24UL);
}

static void uapi_ioctl_encoding(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, _IOC_SIZE(SECMMU_SET_MEMSLOT), sizeof(struct secmmu_memslot));
	KUNIT_EXPECT_EQ(test, _IOC_SIZE(SECMMU_ACCESS), sizeof(struct secmmu_access));
	KUNIT_EXPECT_EQ(test, _IOC_SIZE(SECMMU_GET_STATS), sizeof(struct secmmu_stats));
	KUNIT_EXPECT_EQ(test, _IOC_TYPE(SECMMU_CREATE_VCPU), SECMMUIO);
	KUNIT_EXPECT_EQ(test, _IOC_DIR(SECMMU_GET_STATS), _IOC_READ);
	KUNIT_EXPECT_EQ(test, _IOC_DIR(SECMMU_SET_MEMSLOT), _IOC_WRITE);
	KUNIT_EXPECT_EQ(test, _IOC_DIR(SECMMU_ACCESS), _IOC_READ | _IOC_WRITE);
}

static void uapi_caps(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, secmmu_check_cap(NULL, SECMMU_CAP_API_VERSION), SECMMU_API_VERSION);
	KUNIT_EXPECT_EQ(test, secmmu_check_cap(NULL, SECMMU_CAP_MAX_MEMSLOTS), SECMMU_MAX_MEMSLOTS);
	KUNIT_EXPECT_EQ(test, secmmu_check_cap(NULL, SECMMU_CAP_MAX_SLOT_PAGES),
			(long)SECMMU_MAX_SLOT_PAGES);
	KUNIT_EXPECT_EQ(test, secmmu_check_cap(NULL, SECMMU_CAP_MAX_VIEWS), SECMMU_MAX_VIEWS);
	KUNIT_EXPECT_EQ(test, secmmu_check_cap(NULL, SECMMU_CAP_MAX_VCPUS), SECMMU_MAX_VCPUS);
	KUNIT_EXPECT_EQ(test, secmmu_check_cap(NULL, SECMMU_CAP_GFN_BITS), SECMMU_GFN_BITS);
	KUNIT_EXPECT_EQ(test, secmmu_check_cap(NULL, SECMMU_CAP_STATS), SECMMU_STATS_VERSION);
	KUNIT_EXPECT_EQ(test, secmmu_check_cap(NULL, 9999), 0L);
	KUNIT_EXPECT_EQ(test, secmmu_check_cap(NULL, ULONG_MAX), 0L);
}

static struct kunit_case uapi_cases[] = {
	KUNIT_CASE(uapi_struct_sizes),
	KUNIT_CASE(uapi_ioctl_encoding),
	KUNIT_CASE(uapi_caps),
	{}
};

static struct kunit_suite uapi_suite = {
	.name = "secmmu_uapi",
	.test_cases = uapi_cases,
};

kunit_test_suite(uapi_suite);
