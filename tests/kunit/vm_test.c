// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: a VM bound to a real mm (kunit_vm_mmap(), 6.11+): faults, vCPU
 * access, invalidation by real vm_munmap(), the fault retry protocol,
 * memslot and view changes.
 */
#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/mman.h>
#include <linux/sched/mm.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

#include "secmmu_probes.h"

#ifdef SECMMU_HAVE_KUNIT_VM_MMAP

#include "dirty_log.h"
#include "fault.h"
#include "flush.h"
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

static int set_slot(struct fixture *f, u32 flags, u64 npages)
{
	struct secmmu_memslot req = {
		.slot = 0,
		.flags = flags,
		.base_gfn = npages ? GFN : 0,
		.npages = npages,
		.userspace_addr = npages ? f->hva : 0,
	};

	return secmmu_vm_set_memslot(f->vm, &req);
}

static struct fixture *setup(struct kunit *test)
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
	KUNIT_ASSERT_EQ(test, 0, set_slot(f, 0, NPAGES));

	f->vcpu = secmmu_kunit_vcpu(test, f->vm);
	return f;
}

static int do_access(struct fixture *f, u32 view, u64 gpa, void *buf, u32 len,
		     bool write, struct secmmu_exit *exit)
{
	struct secmmu_access_op op = {
		.gpa = gpa, .len = len, .view = view,
		.flags = write ? SECMMU_ACCESS_WRITE : 0,
	};
	struct kvec kv = { .iov_base = buf, .iov_len = len };
	struct iov_iter iter;
	u64 done;

	iov_iter_kvec(&iter, write ? ITER_SOURCE : ITER_DEST, &kv, 1, len);
	return secmmu_vcpu_access(f->vcpu, &op, &iter, exit, &done);
}

static u64 spte_of(struct fixture *f, u32 view, u64 gfn)
{
	int level;

	return secmmu_spte_lookup(f->vm, view, gfn, &level);
}

static void vm_access_coherent_both_ways(struct kunit *test)
{
	struct fixture *f = setup(test);
	struct secmmu_exit exit;
	char buf[16] = "through-vcpu";
	char got[16] = {};
	u64 spte;

	KUNIT_ASSERT_EQ(test, 0, do_access(f, 0, GPA(100), buf, sizeof(buf), true, &exit));
	KUNIT_EXPECT_EQ(test, exit.reason, SECMMU_EXIT_NONE);
	KUNIT_ASSERT_EQ(test, 0UL, copy_from_user(got, (void __user *)f->hva + 100,
						  sizeof(got)));
	KUNIT_EXPECT_MEMEQ(test, got, buf, sizeof(buf));

	spte = spte_of(f, 0, GFN);
	KUNIT_EXPECT_EQ(test, spte & SPTE_UAPI_MASK, SPTE_UAPI_MASK);

	KUNIT_ASSERT_EQ(test, 0UL, copy_to_user((void __user *)f->hva + 2 * PAGE_SIZE,
						"from-process", 13));
	memset(got, 0, sizeof(got));
	KUNIT_ASSERT_EQ(test, 0, do_access(f, 0, GPA(2 * PAGE_SIZE), got, 13, false, &exit));
	KUNIT_EXPECT_STREQ(test, got, "from-process");
	/* A read fault maps read-only. */
	spte = spte_of(f, 0, GFN + 2);
	KUNIT_EXPECT_TRUE(test, spte_present(spte));
	KUNIT_EXPECT_FALSE(test, spte_writable(spte));
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(f->vm, SECMMU_STAT_MAPPED), 2ULL);
}

static void vm_access_spans_pages(struct kunit *test)
{
	struct fixture *f = setup(test);
	struct secmmu_exit exit;
	char *buf = kunit_kmalloc(test, 2 * PAGE_SIZE, GFP_KERNEL);
	char *got = kunit_kzalloc(test, 2 * PAGE_SIZE, GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, got);
	for (i = 0; i < 2 * PAGE_SIZE; i++)
		buf[i] = i * 7;
	KUNIT_ASSERT_EQ(test, 0, do_access(f, 0, GPA(PAGE_SIZE / 2), buf,
					   2 * PAGE_SIZE, true, &exit));
	KUNIT_ASSERT_EQ(test, 0UL, copy_from_user(got, (void __user *)f->hva + PAGE_SIZE / 2,
						  2 * PAGE_SIZE));
	KUNIT_EXPECT_MEMEQ(test, got, buf, 2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(f->vm, SECMMU_STAT_SPTES_INSTALLED), 3ULL);
}

static void vm_unbacked_and_readonly_exit(struct kunit *test)
{
	struct fixture *f = setup(test);
	struct secmmu_exit exit;
	char buf[8] = {};

	/* Runs off the end of the slot: stops at the first unbacked gpa. */
	KUNIT_EXPECT_EQ(test, 0, do_access(f, 0, GPA(NPAGES * PAGE_SIZE - 4), buf,
					   8, false, &exit));
	KUNIT_EXPECT_EQ(test, exit.reason, SECMMU_EXIT_UNBACKED);
	KUNIT_EXPECT_EQ(test, exit.gpa, GPA(NPAGES * PAGE_SIZE));

	KUNIT_ASSERT_EQ(test, 0, set_slot(f, SECMMU_MEM_READONLY, NPAGES));
	KUNIT_EXPECT_EQ(test, 0, do_access(f, 0, GPA(0), buf, 8, true, &exit));
	KUNIT_EXPECT_EQ(test, exit.reason, SECMMU_EXIT_READONLY);
	KUNIT_EXPECT_FALSE(test, spte_writable(spte_of(f, 0, GFN)));
	KUNIT_EXPECT_EQ(test, 0, do_access(f, 0, GPA(0), buf, 8, false, &exit));
	KUNIT_EXPECT_EQ(test, exit.reason, SECMMU_EXIT_NONE);
}

static void vm_munmap_zaps(struct kunit *test)
{
	struct fixture *f = setup(test);
	struct secmmu_exit exit;
	char buf[8] = "abcdefg";

	KUNIT_ASSERT_EQ(test, 0, do_access(f, 0, GPA(0), buf, 8, true, &exit));
	KUNIT_ASSERT_TRUE(test, spte_present(spte_of(f, 0, GFN)));

	KUNIT_ASSERT_EQ(test, 0, vm_munmap(f->hva, NPAGES * PAGE_SIZE));
	KUNIT_EXPECT_FALSE(test, spte_present(spte_of(f, 0, GFN)));
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(f->vm, SECMMU_STAT_SPTES_ZAPPED), 1ULL);
	KUNIT_EXPECT_GE(test, secmmu_stat_read(f->vm, SECMMU_STAT_INVAL_UNMAP), 1ULL);
	KUNIT_EXPECT_GE(test, secmmu_stat_read(f->vm, SECMMU_STAT_REMOTE_FLUSHES), 1ULL);

	/* Nothing mapped there any more: -EFAULT, nothing installed. */
	KUNIT_EXPECT_EQ(test, -EFAULT, do_access(f, 0, GPA(0), buf, 8, false, &exit));
	KUNIT_EXPECT_FALSE(test, spte_present(spte_of(f, 0, GFN)));
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(f->vm, SECMMU_STAT_MAPPED), 0ULL);
}

static atomic_t racing_unmaps;

static void unmap_after_gup(struct secmmu_vm *vm, unsigned long hva)
{
	if (atomic_inc_return(&racing_unmaps) == 1)
		vm_munmap(hva & PAGE_MASK, PAGE_SIZE);
}

/* An invalidation between GUP and install must make the fault retry. */
static void vm_fault_retries_after_racing_invalidation(struct kunit *test)
{
	struct fixture *f = setup(test);
	struct secmmu_exit exit;
	char buf[8];

	atomic_set(&racing_unmaps, 0);
	kunit_activate_static_stub(test, secmmu_fault_gup_done, unmap_after_gup);

	/* The retry finds the page gone: -EFAULT, and nothing was installed. */
	KUNIT_EXPECT_EQ(test, -EFAULT, do_access(f, 0, GPA(0), buf, 8, false, &exit));
	KUNIT_EXPECT_EQ(test, atomic_read(&racing_unmaps), 1);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(f->vm, SECMMU_STAT_FAULT_RETRIES), 1ULL);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(f->vm, SECMMU_STAT_FAULTS), 2ULL);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(f->vm, SECMMU_STAT_SPTES_INSTALLED), 0ULL);
	KUNIT_EXPECT_FALSE(test, spte_present(spte_of(f, 0, GFN)));

	/* The untouched neighbour page still faults in normally. */
	KUNIT_EXPECT_EQ(test, 0, do_access(f, 0, GPA(PAGE_SIZE), buf, 8, false, &exit));
	KUNIT_EXPECT_TRUE(test, spte_present(spte_of(f, 0, GFN + 1)));
}

static void vm_memslot_delete_zaps_and_frees(struct kunit *test)
{
	struct fixture *f = setup(test);
	struct secmmu_exit exit;
	u64 tables;
	char buf[8] = {};

	tables = secmmu_stat_read(f->vm, SECMMU_STAT_TABLES);
	KUNIT_ASSERT_EQ(test, 0, do_access(f, 0, GPA(0), buf, 8, true, &exit));
	KUNIT_ASSERT_EQ(test, 0, set_slot(f, 0, 0));
	KUNIT_EXPECT_FALSE(test, spte_present(spte_of(f, 0, GFN)));
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(f->vm, SECMMU_STAT_MAPPED), 0ULL);
	/* The vCPU's stock of table pages is all that remains above the start. */
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(f->vm, SECMMU_STAT_TABLES),
			tables + SECMMU_PT_LEVELS - 1);
	KUNIT_EXPECT_EQ(test, 0, do_access(f, 0, GPA(0), buf, 8, false, &exit));
	KUNIT_EXPECT_EQ(test, exit.reason, SECMMU_EXIT_UNBACKED);
	KUNIT_EXPECT_EQ(test, -ENOENT, set_slot(f, 0, 0));
}

static void vm_alias_view_zapped_with_primary(struct kunit *test)
{
	struct fixture *f = setup(test);
	struct secmmu_view_mapping m = {
		.view = 1, .view_gfn = 5000, .npages = NPAGES, .target_gfn = GFN,
	};
	struct secmmu_exit exit;
	char buf[8] = "alias!", got[8] = {};

	KUNIT_ASSERT_EQ(test, 0, secmmu_vm_set_view_mapping(f->vm, &m));
	KUNIT_EXPECT_EQ(test, -EEXIST, secmmu_vm_set_view_mapping(f->vm, &m));
	KUNIT_ASSERT_EQ(test, 0, do_access(f, 1, (5001ULL << PAGE_SHIFT) + 8, buf, 8,
					   true, &exit));
	KUNIT_ASSERT_EQ(test, 0, do_access(f, 0, GPA(PAGE_SIZE + 8), got, 8, false, &exit));
	KUNIT_EXPECT_MEMEQ(test, got, buf, 8);
	KUNIT_EXPECT_TRUE(test, spte_present(spte_of(f, 1, 5001)));
	KUNIT_EXPECT_EQ(test, spte_pfn(spte_of(f, 1, 5001)), spte_pfn(spte_of(f, 0, GFN + 1)));

	KUNIT_ASSERT_EQ(test, 0, vm_munmap(f->hva + PAGE_SIZE, PAGE_SIZE));
	KUNIT_EXPECT_FALSE(test, spte_present(spte_of(f, 1, 5001)));
	KUNIT_EXPECT_FALSE(test, spte_present(spte_of(f, 0, GFN + 1)));

	/* Removing the range zaps that view's mappings, and only those. */
	KUNIT_ASSERT_EQ(test, 0, do_access(f, 1, 5000ULL << PAGE_SHIFT, got, 8, false, &exit));
	KUNIT_ASSERT_EQ(test, 0, do_access(f, 0, GPA(0), got, 8, false, &exit));
	KUNIT_ASSERT_TRUE(test, spte_present(spte_of(f, 1, 5000)));
	m.npages = 0;
	m.target_gfn = 0;
	KUNIT_ASSERT_EQ(test, 0, secmmu_vm_set_view_mapping(f->vm, &m));
	KUNIT_EXPECT_FALSE(test, spte_present(spte_of(f, 1, 5000)));
	KUNIT_EXPECT_TRUE(test, spte_present(spte_of(f, 0, GFN)));
	KUNIT_EXPECT_EQ(test, 0, do_access(f, 1, 5000ULL << PAGE_SHIFT, got, 8, false, &exit));
	KUNIT_EXPECT_EQ(test, exit.reason, SECMMU_EXIT_UNBACKED);
}

/*
 * The dirty fast path records under the layout it found the leaf with: a
 * view range removed (zapped, new layout published, as SET_VIEW_MAPPING
 * does) between the fast path's cmpxchg and its record must not lose the
 * record of the page the vCPU is about to write.
 */
struct layout_race {
	struct secmmu_layout *next, *old;
	int hits;
};

static void remove_view_mid_record(struct secmmu_vcpu *vcpu, u32 view, u64 gfn)
{
	struct layout_race *c = kunit_get_current_test()->priv;
	struct secmmu_vm *vm = vcpu->vm;

	write_lock(&vm->mmu_lock);
	secmmu_zap_view_range(vm, secmmu_layout_locked(vm), 1, 5000, 5000 + NPAGES,
			      false);
	c->old = secmmu_layout_locked(vm);
	rcu_assign_pointer(vm->layout, c->next);
	write_unlock(&vm->mmu_lock);
	c->hits++;
}

/*
 * The ring's soft limit holds per fault, not per piece: a write piece whose
 * fresh leaf is zapped again before the vCPU uses it faults (and records)
 * again, so the limit is checked before every fault.  The hook zaps each
 * new leaf; with the ring one record short of the limit, the write must
 * stop with DIRTY_RING_FULL after one record, never eat into the reserve.
 */
static int zaps_after_install;

static void zap_new_leaf(struct secmmu_vcpu *vcpu, u32 view, u64 gfn)
{
	struct secmmu_vm *vm = vcpu->vm;

	if (zaps_after_install >= 4)
		return;
	zaps_after_install++;
	write_lock(&vm->mmu_lock);
	secmmu_zap_view_range(vm, secmmu_layout_locked(vm), view, gfn, gfn + 1, 0);
	write_unlock(&vm->mmu_lock);
}

static void vm_ring_soft_limit_per_fault(struct kunit *test)
{
	struct fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	struct secmmu_dirty_ring *ring;
	struct secmmu_exit exit;
	char buf[8] = "racing";
	u32 i, limit;

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->hva = kunit_vm_mmap(test, NULL, 0, NPAGES * PAGE_SIZE,
			       PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(f->hva));
	f->vm = secmmu_vm_create(current->mm);
	KUNIT_ASSERT_FALSE(test, IS_ERR(f->vm));
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, vm_put, f->vm));
	KUNIT_ASSERT_EQ(test, 0, secmmu_dirty_enable_ring(f->vm, SECMMU_DIRTY_RING_MIN));
	KUNIT_ASSERT_EQ(test, 0, set_slot(f, SECMMU_MEM_LOG_DIRTY, NPAGES));
	f->vcpu = secmmu_kunit_vcpu(test, f->vm);

	ring = &f->vcpu->ring;
	limit = ring->size - SECMMU_DIRTY_RING_RSVD;
	for (i = 0; i + 1 < limit; i++)
		secmmu_dirty_ring_push(f->vm, ring, 0, 3);
	KUNIT_ASSERT_FALSE(test, secmmu_dirty_ring_soft_full(ring));

	zaps_after_install = 0;
	kunit_activate_static_stub(test, secmmu_fault_installed, zap_new_leaf);
	KUNIT_EXPECT_EQ(test, 0, do_access(f, 0, GPA(8), buf, sizeof(buf), true, &exit));
	kunit_deactivate_static_stub(test, secmmu_fault_installed);

	KUNIT_EXPECT_EQ(test, exit.reason, SECMMU_EXIT_DIRTY_RING_FULL);
	KUNIT_EXPECT_EQ(test, zaps_after_install, 1);
	KUNIT_EXPECT_EQ(test, ring->dirty_index - ring->reset_index, limit);
}

static void vm_dirty_fast_path_layout_race(struct kunit *test)
{
	struct fixture *f = setup(test);
	struct secmmu_view_mapping m = {
		.view = 1, .view_gfn = 5000, .npages = NPAGES, .target_gfn = GFN,
	};
	struct layout_race c = {};
	struct secmmu_exit exit;
	char buf[8] = "logged";
	unsigned long *bitmap;
	int idx;

	KUNIT_ASSERT_EQ(test, 0, secmmu_vm_set_view_mapping(f->vm, &m));
	KUNIT_ASSERT_EQ(test, 0, do_access(f, 1, (5001ULL << PAGE_SHIFT) + 8, buf, 8,
					   true, &exit));
	/* Logging on: the leaf loses W but keeps HOST_WRITABLE. */
	KUNIT_ASSERT_EQ(test, 0, set_slot(f, SECMMU_MEM_LOG_DIRTY, NPAGES));
	KUNIT_ASSERT_FALSE(test, spte_writable(spte_of(f, 1, 5001)));
	bitmap = rcu_dereference_protected(f->vm->layout, true)->slots[0].dirty_bitmap;
	KUNIT_ASSERT_NOT_NULL(test, bitmap);
	KUNIT_ASSERT_FALSE(test, test_bit(1, bitmap));

	mutex_lock(&f->vm->slots_lock);
	c.next = secmmu_layout_dup(secmmu_layout_locked(f->vm));
	KUNIT_ASSERT_NOT_NULL(test, c.next);
	idx = secmmu_view_find_start(&c.next->views[1], 5000);
	KUNIT_ASSERT_GE(test, idx, 0);
	secmmu_view_remove(&c.next->views[1], idx);
	test->priv = &c;
	kunit_activate_static_stub(test, secmmu_dirty_fast_path, remove_view_mid_record);
	KUNIT_EXPECT_EQ(test, 0, do_access(f, 1, (5001ULL << PAGE_SHIFT) + 8, buf, 8,
					   true, &exit));
	kunit_deactivate_static_stub(test, secmmu_dirty_fast_path);
	mutex_unlock(&f->vm->slots_lock);
	synchronize_srcu(&f->vm->srcu);
	secmmu_layout_free(c.old);

	KUNIT_EXPECT_EQ(test, c.hits, 1);
	KUNIT_EXPECT_EQ(test, exit.reason, SECMMU_EXIT_NONE);
	KUNIT_EXPECT_TRUE_MSG(test, test_bit(1, bitmap),
			      "the write through the removed view was not logged");
}

/*
 * An invalidation returns only once no vCPU can touch the zapped page: its
 * remote flush waits for every vCPU inside guest mode.  A kthread on
 * another CPU enters guest mode (the real helpers) and stays there until
 * the flusher is seen waiting for it (the hook in the wait loop), or the
 * munmap returned without waiting; it notes that it leaves, then leaves.
 * The verdict is on that order, never on time: the munmap must return
 * after the vCPU left.  The deadline only keeps a broken flush from
 * hanging the run.  Needs two CPUs: the vCPU spins with preemption off.
 */
struct guest_hold {
	struct secmmu_vcpu *vcpu;
	struct completion entered;
	atomic_t flusher_waiting;	/* the hook saw the flush wait for us */
	atomic_t munmap_returned;
	atomic_t left;			/* set just before guest mode ends */
	bool timed_out;
};

static void note_flush_waiting(struct secmmu_vcpu *vcpu)
{
	struct guest_hold *h = kunit_get_current_test()->priv;

	if (vcpu == h->vcpu)
		atomic_set(&h->flusher_waiting, 1);
}

static int hold_guest_mode(void *arg)
{
	struct guest_hold *h = arg;
	unsigned long deadline = jiffies + 10 * HZ;

	secmmu_guest_enter(h->vcpu);
	complete(&h->entered);
	while (!atomic_read(&h->flusher_waiting) &&
	       !atomic_read(&h->munmap_returned)) {
		if (time_after(jiffies, deadline)) {
			h->timed_out = true;
			break;
		}
		cpu_relax();
	}
	/* Ordered before the exit's release of guest_seq. */
	atomic_set(&h->left, 1);
	secmmu_guest_exit(h->vcpu);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

static void vm_flush_waits_for_guest_mode(struct kunit *test)
{
	struct secmmu_exit exit;
	struct guest_hold *h;
	struct task_struct *t;
	struct fixture *f;
	char buf[8] = "flushed";
	unsigned int cpu;
	bool left;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs: the held vCPU spins in guest mode");
	f = setup(test);
	KUNIT_ASSERT_EQ(test, 0, do_access(f, 0, GPA(0), buf, sizeof(buf), true, &exit));
	KUNIT_ASSERT_TRUE(test, spte_present(spte_of(f, 0, GFN)));
	h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, h);
	h->vcpu = f->vcpu;
	init_completion(&h->entered);

	/* This thread flushes on one CPU, the vCPU spins on another. */
	cpu = raw_smp_processor_id();
	KUNIT_ASSERT_EQ(test, 0, set_cpus_allowed_ptr(current, cpumask_of(cpu)));
	t = kthread_create(hold_guest_mode, h, "secmmu-guest");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	kthread_bind(t, cpumask_any_but(cpu_online_mask, cpu));
	wake_up_process(t);
	wait_for_completion(&h->entered);

	test->priv = h;
	kunit_activate_static_stub(test, secmmu_flush_waiting, note_flush_waiting);
	KUNIT_EXPECT_EQ(test, 0, vm_munmap(f->hva, PAGE_SIZE));
	left = atomic_read(&h->left);
	atomic_set(&h->munmap_returned, 1);
	kunit_deactivate_static_stub(test, secmmu_flush_waiting);
	kthread_stop(t);

	KUNIT_EXPECT_FALSE(test, h->timed_out);
	KUNIT_EXPECT_TRUE_MSG(test, left,
			      "munmap returned while a vCPU was still in guest mode");
	KUNIT_EXPECT_TRUE(test, atomic_read(&h->flusher_waiting));
	KUNIT_EXPECT_GE(test, secmmu_stat_read(f->vm, SECMMU_STAT_FLUSH_WAITS), 1ULL);
	KUNIT_EXPECT_FALSE(test, spte_present(spte_of(f, 0, GFN)));
}

/*
 * The guarantee: a vCPU never reads a page after the invalidation that
 * covers it has returned.  The test thread keeps replacing the mapping
 * (munmap, mmap MAP_FIXED, fill with a new generation, publish it) while a
 * kthread on the same mm reads through the vCPU.  A read that returns an
 * older non-zero generation than the one published before it began read a
 * stale page.  The replaced pages are kept pinned for one more round, so a
 * stale mapping cannot hide behind the allocator handing the same page to
 * the new mapping; with KASAN, touching a freed page is reported as well.
 */
struct race {
	struct fixture *f;
	atomic64_t published;
	atomic64_t reads, faults, stale;
};

static int race_reader(void *arg)
{
	struct race *r = arg;
	struct mm_struct *mm = r->f->vm->mm;
	struct secmmu_exit exit;
	u64 i = 0;

	if (!mmget_not_zero(mm))
		goto wait;
	kthread_use_mm(mm);
	while (!kthread_should_stop()) {
		u64 before = atomic64_read_acquire(&r->published);
		u64 val = 0;
		int ret;

		ret = do_access(r->f, 0, GPA((i++ % NPAGES) * PAGE_SIZE), &val,
				sizeof(val), false, &exit);
		if (ret == -EFAULT) {
			atomic64_inc(&r->faults);
		} else if (!ret && exit.reason == SECMMU_EXIT_NONE) {
			atomic64_inc(&r->reads);
			if (val && val < before)
				atomic64_inc(&r->stale);
		}
		cond_resched();
	}
	kthread_unuse_mm(mm);
	mmput(mm);
	return 0;
wait:
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

static void vm_access_races_munmap(struct kunit *test)
{
	struct fixture *f = setup(test);
	unsigned long deadline = jiffies + 2 * HZ;
	struct page *held[2][NPAGES] = {};
	struct task_struct *reader;
	struct race *r;
	u64 gen, i, rounds = 0;

	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	r->f = f;
	reader = kthread_run(race_reader, r, "secmmu-race");
	KUNIT_ASSERT_FALSE(test, IS_ERR(reader));

	for (gen = 1; time_before(jiffies, deadline) || rounds < 20; gen++, rounds++) {
		struct page **pin = held[gen & 1], **old = held[!(gen & 1)];
		unsigned long addr;

		KUNIT_ASSERT_EQ(test, NPAGES, get_user_pages_fast(f->hva, NPAGES, 0, pin));
		vm_munmap(f->hva, NPAGES * PAGE_SIZE);
		addr = vm_mmap(NULL, f->hva, NPAGES * PAGE_SIZE, PROT_READ | PROT_WRITE,
			       MAP_FIXED | MAP_ANONYMOUS | MAP_PRIVATE, 0);
		KUNIT_ASSERT_EQ(test, addr, f->hva);
		for (i = 0; i < NPAGES; i++)
			KUNIT_ASSERT_EQ(test, 0UL,
					copy_to_user((void __user *)f->hva + i * PAGE_SIZE,
						     &gen, sizeof(gen)));
		atomic64_set_release(&r->published, gen);
		for (i = 0; i < NPAGES && old[i]; i++)
			put_page(old[i]);
		cond_resched();
	}
	kthread_stop(reader);
	for (i = 0; i < NPAGES; i++)
		put_page(held[(gen - 1) & 1][i]);

	kunit_info(test, "%llu rounds, %lld reads, %lld faults\n", rounds,
		   atomic64_read(&r->reads), atomic64_read(&r->faults));
	KUNIT_EXPECT_EQ(test, atomic64_read(&r->stale), 0LL);
	KUNIT_EXPECT_GT(test, atomic64_read(&r->reads), 0LL);
	KUNIT_EXPECT_GE(test, secmmu_stat_read(f->vm, SECMMU_STAT_INVAL_UNMAP), rounds);
}

static struct kunit_case vm_cases[] = {
	KUNIT_CASE(vm_access_coherent_both_ways),
	KUNIT_CASE(vm_access_spans_pages),
	KUNIT_CASE(vm_unbacked_and_readonly_exit),
	KUNIT_CASE(vm_munmap_zaps),
	KUNIT_CASE(vm_fault_retries_after_racing_invalidation),
	KUNIT_CASE(vm_memslot_delete_zaps_and_frees),
	KUNIT_CASE(vm_alias_view_zapped_with_primary),
	KUNIT_CASE(vm_dirty_fast_path_layout_race),
	KUNIT_CASE(vm_ring_soft_limit_per_fault),
	KUNIT_CASE(vm_flush_waits_for_guest_mode),
	KUNIT_CASE_SLOW(vm_access_races_munmap),
	{}
};

static struct kunit_suite vm_suite = {
	.name = "secmmu_vm",
	.test_cases = vm_cases,
};

kunit_test_suite(vm_suite);

#endif /* SECMMU_HAVE_KUNIT_VM_MMAP */
