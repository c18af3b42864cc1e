/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The KVM subjects' memory beside the memory under test: memslot 0 (the
 * guest's code, stack and page tables, which every guest pass reads) is
 * locked, so that the kernel's aging walks pass it by (MGLRU's
 * should_skip_vma(): VM_LOCKED) and a subject's aging pass ages only the
 * memory under test, as the secmmu subjects' op arrays are
 * (calloc_unaged(), tools/bench/common.c).
 */
#ifndef SECMMU_BENCH_KVM_UNAGED_H
#define SECMMU_BENCH_KVM_UNAGED_H

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "kvm_util.h"

static inline void lock_slot0(struct kvm_vm *vm)
{
	struct userspace_mem_region *r = memslot2region(vm, 0);

	TEST_ASSERT(!mlock(r->mmap_start, r->mmap_size), "mlock of memslot 0: %s",
		    strerror(errno));
}

#endif
