// SPDX-License-Identifier: GPL-2.0
/* 6.11+: KUnit tests can get a real mm with kunit_vm_mmap(). */
#include <kunit/test.h>
#include <linux/mman.h>

static unsigned long __maybe_unused probe(struct kunit *test)
{
	return kunit_vm_mmap(test, NULL, 0, PAGE_SIZE, PROT_READ, MAP_PRIVATE, 0);
}
