/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the secmmu KUnit suites. */
#ifndef _SECMMU_KUNIT_H
#define _SECMMU_KUNIT_H

#include <kunit/test.h>

#include "vm.h"

/* A VM with no mm (tables, layout, stats only), freed when the test ends. */
struct secmmu_vm *secmmu_kunit_bare_vm(struct kunit *test);

/* Install a read-only leaf (clean: zapping it never touches the page). */
void secmmu_kunit_install(struct kunit *test, struct secmmu_vm *vm, u32 view,
			  u64 gfn, u64 pfn);

/* Zap under mmu_lock; returns whether a flush is owed. */
bool secmmu_kunit_zap(struct secmmu_vm *vm, u32 view, u64 start, u64 end,
		      bool free_tables);

#endif /* _SECMMU_KUNIT_H */
