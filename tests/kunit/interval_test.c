// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the interval coherence styles (coherence.h) on a real mm
 * (kunit_vm_mmap(), 6.11+): hmm_range_fault() faults, a fault racing an
 * invalidation retries (mmu_interval_read_retry()), aging hooks only with
 * SECMMU_COHERENCE_AGING, memslot deletion removes the interval notifier.
 */
#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/mman.h>
#include <linux/mmu_notifier.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

#include "secmmu_probes.h"

#if defined(SECMMU_HAVE_KUNIT_VM_MMAP) && IS_ENABLED(CONFIG_HMM_MIRROR)

#include "coherence.h"
#include "interval.h"
#include "mmu.h"
#include "secmmu_kunit.h"
#include "spte.h"
#include "vcpu.h"

#define GFN	0x100ULL
#define NPAGES	4
#define GPA(off)	((GFN << PAGE_SHIFT) + (off))

struct fixture {
	struct secmmu_vm *vm;
	struct secmmu_vcpu *vcpu;
	unsigned long hva;
};

KUNIT_DEFINE_ACTION_WRAPPER(vm_put, secmmu_vm_put, struct secmmu_vm *);

static int set_slot(struct fixture *f, u64 npages)
{
	struct secmmu_memslot req = {
		.slot = 0,
		.base_gfn = npages ? GFN : 0,
		.npages = npages,
		.userspace_addr = npages ? f->hva : 0,
	};

	return secmmu_vm_set_memslot(f->vm, &req);
}

/* Memslot 0 as published (the test is the only writer). */
static const struct secmmu_slot *slot0(struct fixture *f)
{
	return &rcu_dereference_protected(f->vm->layout, true)->slots[0];
}

static struct fixture *setup(struct kunit *test, u64 coherence)
{
	struct fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->hva = kunit_vm_mmap(test, NULL, 0, NPAGES * PAGE_SIZE,
			       PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(f->hva));
	KUNIT_ASSERT_NE(test, f->hva, 0UL);

	f->vm = secmmu_vm_create(current->mm);
	KUNIT_ASSERT_FALSE(test, IS_ERR(f->vm));
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, vm_put, f->vm));
	KUNIT_ASSERT_EQ(test, 0, secmmu_coherence_set(f->vm, coherence));
	KUNIT_ASSERT_EQ(test, 0, set_slot(f, NPAGES));
	KUNIT_ASSERT_NOT_NULL(test, slot0(f)->interval);

	f->vcpu = secmmu_kunit_vcpu(test, f->vm);
	return f;
}

static int do_access(struct fixture *f, u64 gpa, void *buf, u32 len, bool write)
{
	struct secmmu_access_op op = {
		.gpa = gpa, .len = len,
		.flags = write ? SECMMU_ACCESS_WRITE : 0,
	};
	struct kvec kv = { .iov_base = buf, .iov_len = len };
	struct secmmu_exit exit;
	struct iov_iter iter;
	u64 done;

	iov_iter_kvec(&iter, write ? ITER_SOURCE : ITER_DEST, &kv, 1, len);
	return secmmu_vcpu_access(f->vcpu, &op, &iter, &exit, &done);
}

static bool present(struct fixture *f, u64 gfn)
{
	int level;

	return spte_present(secmmu_spte_lookup(f->vm, 0, gfn, &level));
}

static void interval_fault_and_invalidate(struct kunit *test)
{
	struct fixture *f = setup(test, SECMMU_COHERENCE_INTERVAL);
	char buf[16] = "through-vcpu", got[16] = {};

	KUNIT_ASSERT_EQ(test, 0, do_access(f, GPA(8), buf, sizeof(buf), true));
	KUNIT_ASSERT_EQ(test, 0UL, copy_from_user(got, (void __user *)f->hva + 8,
						  sizeof(got)));
	KUNIT_EXPECT_MEMEQ(test, got, buf, sizeof(buf));
	KUNIT_ASSERT_EQ(test, 0UL, copy_to_user((void __user *)f->hva + PAGE_SIZE,
						"from-process", 13));
	KUNIT_ASSERT_EQ(test, 0, do_access(f, GPA(PAGE_SIZE), got, 13, false));
	KUNIT_EXPECT_STREQ(test, got, "from-process");
	KUNIT_EXPECT_TRUE(test, present(f, GFN));
	KUNIT_EXPECT_TRUE(test, present(f, GFN + 1));
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(f->vm, SECMMU_STAT_SPTES_INSTALLED), 2ULL);

	/* The memslot's notifier zaps exactly the page unmapped. */
	KUNIT_ASSERT_EQ(test, 0, vm_munmap(f->hva, PAGE_SIZE));
	KUNIT_EXPECT_FALSE(test, present(f, GFN));
	KUNIT_EXPECT_TRUE(test, present(f, GFN + 1));
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(f->vm, SECMMU_STAT_INVAL_UNMAP), 1ULL);
	KUNIT_EXPECT_GE(test, secmmu_stat_read(f->vm, SECMMU_STAT_REMOTE_FLUSHES), 1ULL);
	KUNIT_EXPECT_EQ(test, -EFAULT, do_access(f, GPA(0), buf, 8, false));
	KUNIT_EXPECT_FALSE(test, present(f, GFN));
}

static atomic_t racing_unmaps;

static void unmap_after_hmm(struct secmmu_vm *vm, unsigned long hva)
{
	if (atomic_inc_return(&racing_unmaps) == 1)
		vm_munmap(hva & PAGE_MASK, PAGE_SIZE);
}

/*
 * An invalidation between hmm_range_fault() and mmu_lock: the pfn it
 * reported is gone, mmu_interval_read_retry() must see it.
 */
static void interval_fault_retries_after_racing_invalidation(struct kunit *test)
{
	struct fixture *f = setup(test, SECMMU_COHERENCE_INTERVAL);
	char buf[8];

	atomic_set(&racing_unmaps, 0);
	kunit_activate_static_stub(test, secmmu_hmm_fault_done, unmap_after_hmm);

	/* The retry finds the page gone: -EFAULT, and nothing was installed. */
	KUNIT_EXPECT_EQ(test, -EFAULT, do_access(f, GPA(0), buf, 8, false));
	KUNIT_EXPECT_EQ(test, atomic_read(&racing_unmaps), 1);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(f->vm, SECMMU_STAT_FAULT_RETRIES), 1ULL);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(f->vm, SECMMU_STAT_FAULTS), 2ULL);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(f->vm, SECMMU_STAT_SPTES_INSTALLED), 0ULL);
	KUNIT_EXPECT_FALSE(test, present(f, GFN));

	KUNIT_EXPECT_EQ(test, 0, do_access(f, GPA(PAGE_SIZE), buf, 8, false));
	KUNIT_EXPECT_TRUE(test, present(f, GFN + 1));
}

/* Reclaim's aging reaches an interval-style VM only with AGING. */
static void interval_aging_only_with_flag(struct kunit *test)
{
	struct fixture *f = setup(test, SECMMU_COHERENCE_INTERVAL);
	struct fixture *g = setup(test, SECMMU_COHERENCE_INTERVAL |
				  SECMMU_COHERENCE_AGING);
	char buf[8] = {};

	KUNIT_ASSERT_EQ(test, 0, do_access(f, GPA(0), buf, 8, true));
	KUNIT_ASSERT_EQ(test, 0, do_access(g, GPA(0), buf, 8, true));
	KUNIT_EXPECT_FALSE(test, f->vm->mn_registered);
	KUNIT_EXPECT_TRUE(test, g->vm->mn_registered);

	/* g's hook hears every call on the mm, f's none; only g is young. */
	KUNIT_EXPECT_FALSE(test, mmu_notifier_clear_young(current->mm, f->hva,
							  f->hva + PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(f->vm, SECMMU_STAT_AGE_CLEAR_YOUNG), 0ULL);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(g->vm, SECMMU_STAT_AGE_CLEAR_YOUNG), 1ULL);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(g->vm, SECMMU_STAT_AGE_YOUNG), 0ULL);
	KUNIT_EXPECT_TRUE(test, mmu_notifier_clear_young(current->mm, g->hva,
							 g->hva + PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(f->vm, SECMMU_STAT_AGE_CLEAR_YOUNG), 0ULL);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(g->vm, SECMMU_STAT_AGE_CLEAR_YOUNG), 2ULL);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(g->vm, SECMMU_STAT_AGE_YOUNG), 1ULL);
	/* The aging notifier does not invalidate: only the interval one does. */
	KUNIT_ASSERT_EQ(test, 0, vm_munmap(g->hva, PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(g->vm, SECMMU_STAT_INVAL_UNMAP), 1ULL);
	KUNIT_EXPECT_FALSE(test, present(g, GFN));
}

/* Deleting the memslot removes its notifier: the range is heard no more. */
static void interval_memslot_delete_removes_notifier(struct kunit *test)
{
	struct fixture *f = setup(test, SECMMU_COHERENCE_INTERVAL);
	char buf[8] = {};
	u64 n;

	KUNIT_ASSERT_EQ(test, 0, do_access(f, GPA(0), buf, 8, true));
	KUNIT_ASSERT_EQ(test, 0, set_slot(f, 0));
	KUNIT_EXPECT_NULL(test, slot0(f)->interval);
	KUNIT_EXPECT_FALSE(test, present(f, GFN));
	n = secmmu_stat_read(f->vm, SECMMU_STAT_INVALIDATIONS);
	KUNIT_ASSERT_EQ(test, 0, vm_munmap(f->hva, NPAGES * PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(f->vm, SECMMU_STAT_INVALIDATIONS), n);
}

static struct kunit_case interval_cases[] = {
	KUNIT_CASE(interval_fault_and_invalidate),
	KUNIT_CASE(interval_fault_retries_after_racing_invalidation),
	KUNIT_CASE(interval_aging_only_with_flag),
	KUNIT_CASE(interval_memslot_delete_removes_notifier),
	{}
};

static struct kunit_suite interval_suite = {
	.name = "secmmu_interval",
	.test_cases = interval_cases,
};

kunit_test_suite(interval_suite);

#endif
