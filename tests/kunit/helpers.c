// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the secmmu KUnit suites. */
#include <kunit/resource.h>

#include "mmu.h"
#include "pgtable.h"
#include "secmmu_kunit.h"

KUNIT_DEFINE_ACTION_WRAPPER(bare_vm_free, secmmu_vm_free, struct secmmu_vm *);

struct secmmu_vm *secmmu_kunit_bare_vm(struct kunit *test)
{
	struct secmmu_vm *vm = secmmu_vm_alloc();

	KUNIT_ASSERT_NOT_NULL(test, vm);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, bare_vm_free, vm));
	return vm;
}

void secmmu_kunit_install(struct kunit *test, struct secmmu_vm *vm, u32 view,
			  u64 gfn, u64 pfn)
{
	struct secmmu_pt_cache cache = {};
	int ret;

	KUNIT_ASSERT_EQ(test, 0, secmmu_pt_cache_topup(vm, &cache));
	write_lock(&vm->mmu_lock);
	ret = secmmu_mmu_install(vm, view, gfn, pfn, false, &cache);
	write_unlock(&vm->mmu_lock);
	secmmu_pt_cache_free(vm, &cache);
	KUNIT_ASSERT_EQ(test, 0, ret);
}

bool secmmu_kunit_zap(struct secmmu_vm *vm, u32 view, u64 start, u64 end,
		      bool free_tables)
{
	bool flush;

	write_lock(&vm->mmu_lock);
	flush = secmmu_zap_view_range(vm, view, start, end, free_tables);
	write_unlock(&vm->mmu_lock);
	return flush;
}
