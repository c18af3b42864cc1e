// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: a layout change whose zap yields mmu_lock must leave no present
 * leaf that an invalidation cannot find.  The zap is forced to yield once
 * (test hooks in mmu.c) and, with the lock dropped, the backing is
 * munmap()ed for real (kunit_vm_mmap(), 6.11+): once munmap returns, every
 * leaf that mapped it must be gone, reachable from a root or not, and no
 * vCPU access may reach the pages.  The pages are pinned meanwhile, so a
 * leaf left behind is caught without a use after free.
 *
 * Also: a VM whose layout cannot be allocated fails cleanly.
 */
#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/mman.h>
#include <linux/sched/mm.h>
#include <linux/uio.h>

#include "secmmu_probes.h"

#include "mmu.h"
#include "pgtable.h"
#include "secmmu_kunit.h"
#include "spte.h"
#include "vcpu.h"

/* Layout allocation failing: secmmu_vm_alloc() returns NULL, no oops. */
static struct secmmu_layout *no_layout(void)
{
	return NULL;
}

static void vm_alloc_without_layout(struct kunit *test)
{
	struct secmmu_vm *vm;

	kunit_activate_static_stub(test, secmmu_layout_alloc, no_layout);
	vm = secmmu_vm_alloc();
	kunit_deactivate_static_stub(test, secmmu_layout_alloc);
	KUNIT_EXPECT_NULL(test, vm);
	if (vm)
		secmmu_vm_free(vm);
}

#ifdef SECMMU_HAVE_KUNIT_VM_MMAP

#define NPAGES		512		/* one level-1 table's worth */
#define GFN		0x200ULL	/* 512-aligned */
#define VIEW		1
#define VIEW_GFN	0x4000ULL	/* 512-aligned */
#define NFAULT		128		/* > ZAP_CHECK leaves before the yield */

struct fixture {
	struct secmmu_vm *vm;
	struct secmmu_vcpu *vcpu;
	unsigned long hva;
	struct page *pinned[NPAGES];
	int nr_pinned;

	/* The race, as the hooks see it. */
	u32 view;		/* the view checked, gfns [gfn, gfn + NFAULT) */
	u64 gfn;
	u64 *sptep[NFAULT];	/* every leaf before the race */
	int forced;		/* yields forced */
	int munmap_ret;
	bool raced;
	int still_present;	/* leaves present once munmap returned */
	int reached;		/* vCPU accesses that reached a page then */
};

KUNIT_DEFINE_ACTION_WRAPPER(vm_put, secmmu_vm_put, struct secmmu_vm *);

static void unpin(void *arg)
{
	struct fixture *f = arg;

	while (f->nr_pinned)
		put_page(f->pinned[--f->nr_pinned]);
}

static int access_one(struct fixture *f, u32 view, u64 gfn, u8 *byte,
		      struct secmmu_exit *exit)
{
	struct secmmu_access_op op = {
		.gpa = gfn << PAGE_SHIFT, .len = 1, .view = view,
	};
	struct kvec kv = { .iov_base = byte, .iov_len = 1 };
	struct iov_iter iter;
	u64 done;

	iov_iter_kvec(&iter, ITER_DEST, &kv, 1, 1);
	return secmmu_vcpu_access(f->vcpu, &op, &iter, exit, &done);
}

/* Slot 0 = gfns [GFN, GFN + NPAGES) over fresh pinned memory; a vCPU. */
static struct fixture *setup(struct kunit *test)
{
	struct fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	struct secmmu_memslot req = {
		.slot = 0, .base_gfn = GFN, .npages = NPAGES,
	};
	int i;

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->hva = kunit_vm_mmap(test, NULL, 0, NPAGES * PAGE_SIZE,
			       PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(f->hva));
	KUNIT_ASSERT_NE(test, f->hva, 0UL);
	for (i = 0; i < NPAGES; i++)
		KUNIT_ASSERT_EQ(test, 0UL,
				clear_user((void __user *)f->hva + i * PAGE_SIZE, 1));
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, unpin, f));
	f->nr_pinned = get_user_pages_fast(f->hva, NPAGES, 0, f->pinned);
	KUNIT_ASSERT_EQ(test, f->nr_pinned, NPAGES);

	f->vm = secmmu_vm_create(current->mm);
	KUNIT_ASSERT_FALSE(test, IS_ERR(f->vm));
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, vm_put, f->vm));
	req.userspace_addr = f->hva;
	KUNIT_ASSERT_EQ(test, 0, secmmu_vm_set_memslot(f->vm, &req));

	f->vcpu = secmmu_kunit_vcpu(test, f->vm);
	test->priv = f;
	return f;
}

/* Fault NFAULT leaves in @view from @gfn and note where each one lives. */
static void fault_leaves(struct kunit *test, struct fixture *f, u32 view, u64 gfn)
{
	struct secmmu_exit exit;
	struct secmmu_iter it;
	int i = 0;
	u8 byte;

	f->view = view;
	f->gfn = gfn;
	for (i = 0; i < NFAULT; i++) {
		KUNIT_ASSERT_EQ(test, 0, access_one(f, view, gfn + i, &byte, &exit));
		KUNIT_ASSERT_EQ(test, exit.reason, SECMMU_EXIT_NONE);
	}
	i = 0;
	for_each_secmmu_leaf(it, f->vm->roots[view], gfn, gfn + NFAULT) {
		KUNIT_ASSERT_TRUE(test, spte_present(it.old_spte));
		f->sptep[i++] = it.sptep;
	}
	KUNIT_ASSERT_EQ(test, i, NFAULT);
}

static bool force_one_yield(struct secmmu_vm *vm)
{
	struct fixture *f = kunit_get_current_test()->priv;

	return vm == f->vm && !f->forced++;
}

/*
 * The zap has let mmu_lock go: unmap the backing (the notifier runs in
 * this thread), then look at every leaf noted before and try the vCPU.
 * The tables are still allocated: nothing frees them before the zap ends.
 */
static void munmap_while_yielded(struct secmmu_vm *vm)
{
	struct fixture *f = kunit_get_current_test()->priv;
	struct secmmu_exit exit;
	int i;
	u8 byte;

	if (vm != f->vm || f->raced)
		return;
	f->raced = true;
	f->munmap_ret = vm_munmap(f->hva, NPAGES * PAGE_SIZE);
	for (i = 0; i < NFAULT; i++)
		if (spte_present(READ_ONCE(*f->sptep[i])))
			f->still_present++;
	for (i = 0; i < NFAULT; i++)
		if (!access_one(f, f->view, f->gfn + i, &byte, &exit) &&
		    exit.reason == SECMMU_EXIT_NONE)
			f->reached++;
}

static void race(struct kunit *test, struct fixture *f, int (*change)(struct fixture *f))
{
	kunit_activate_static_stub(test, secmmu_zap_yield_forced, force_one_yield);
	kunit_activate_static_stub(test, secmmu_zap_yielded, munmap_while_yielded);
	KUNIT_EXPECT_EQ(test, 0, change(f));
	kunit_deactivate_static_stub(test, secmmu_zap_yielded);
	kunit_deactivate_static_stub(test, secmmu_zap_yield_forced);

	KUNIT_ASSERT_TRUE_MSG(test, f->raced, "the zap never yielded");
	KUNIT_EXPECT_EQ(test, f->munmap_ret, 0);
	KUNIT_EXPECT_EQ_MSG(test, f->still_present, 0,
			    "leaves left mapping unmapped memory");
	KUNIT_EXPECT_EQ_MSG(test, f->reached, 0,
			    "vCPU accesses reached unmapped memory");
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(f->vm, SECMMU_STAT_MAPPED), 0ULL);
}

static int delete_slot(struct fixture *f)
{
	struct secmmu_memslot req = { .slot = 0 };

	return secmmu_vm_set_memslot(f->vm, &req);
}

static int set_view(struct fixture *f, u64 view_gfn, u64 npages)
{
	struct secmmu_view_mapping m = {
		.view = VIEW, .view_gfn = view_gfn, .npages = npages,
		.target_gfn = npages ? GFN : 0,
	};

	return secmmu_vm_set_view_mapping(f->vm, &m);
}

/* Removing the range a test mapped at VIEW_GFN + 1 (not table-aligned). */
static int remove_unaligned_view(struct fixture *f)
{
	return set_view(f, VIEW_GFN + 1, 0);
}

static int remove_aligned_view(struct fixture *f)
{
	return set_view(f, VIEW_GFN, 0);
}

/*
 * Memslot delete: the new layout has no slot 0, the zap yields after its
 * first chunk, with the slot's other leaves still linked.
 */
static void yield_slot_delete_munmap(struct kunit *test)
{
	struct fixture *f = setup(test);

	fault_leaves(test, f, 0, GFN);
	race(test, f, delete_slot);
}

/*
 * View range removal, the range inside one table: the new layout has the
 * slot but not the range; the zap yields after ZAP_CHECK leaves.
 */
static void yield_view_remove_munmap(struct kunit *test)
{
	struct fixture *f = setup(test);

	KUNIT_ASSERT_EQ(test, 0, set_view(f, VIEW_GFN + 1, NPAGES - 1));
	fault_leaves(test, f, VIEW, VIEW_GFN + 1);
	race(test, f, remove_unaligned_view);
}

/*
 * View range removal over a whole table: the zap frees the table; no leaf
 * may sit in an unlinked table while the lock is let go.
 */
static void yield_view_remove_table_munmap(struct kunit *test)
{
	struct fixture *f = setup(test);

	KUNIT_ASSERT_EQ(test, 0, set_view(f, VIEW_GFN, NPAGES));
	fault_leaves(test, f, VIEW, VIEW_GFN);
	race(test, f, remove_aligned_view);
}

#endif /* SECMMU_HAVE_KUNIT_VM_MMAP */

static struct kunit_case layout_yield_cases[] = {
	KUNIT_CASE(vm_alloc_without_layout),
#ifdef SECMMU_HAVE_KUNIT_VM_MMAP
	KUNIT_CASE(yield_slot_delete_munmap),
	KUNIT_CASE(yield_view_remove_munmap),
	KUNIT_CASE(yield_view_remove_table_munmap),
#endif
	{}
};

static struct kunit_suite layout_yield_suite = {
	.name = "secmmu_layout_yield",
	.test_cases = layout_yield_cases,
};

kunit_test_suite(layout_yield_suite);
