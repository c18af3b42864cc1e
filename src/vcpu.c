// SPDX-License-Identifier: GPL-2.0
/*
 * vCPUs and guest memory access.
 *
 * An access is cut at page boundaries.  For each piece the vCPU enters
 * guest mode, walks its view's table without locks and, if the leaf allows
 * the access, sets A (and D for a write) with cmpxchg and copies between the
 * page and the user's buffer directly, with page faults disabled: guest
 * mode never faults or sleeps.  Should that copy fault (the buffer is not
 * mapped, or not writable, right now), the piece is done again through a
 * per-vCPU bounce page, copied to or from the user outside guest mode.  A
 * miss runs the fault path and tries again.
 *
 * The module parameter access_bounce=1 always bounces (what secmmu did
 * before; the bench compares the two in one boot).  A read whose buffer
 * overlaps the page it reads gets memcpy()'s semantics for the overlap.
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

#include "dirty_log.h"
#include "fault.h"
#include "flush.h"
#include "inject.h"
#include "spte.h"
#include "trace.h"
#include "vcpu.h"
#include "vm.h"

static bool access_bounce;
module_param(access_bounce, bool, 0644);
MODULE_PARM_DESC(access_bounce,
		 "Copy vCPU accesses through a bounce page, never directly (default 0)");

enum guest_result {
	GUEST_DONE,
	GUEST_MISS,		/* no leaf allows it: fault */
	GUEST_COPY_FAULTED,	/* the direct copy faulted: bounce */
};

/* Copy one piece between the page and @iter (or the bounce page if NULL). */
static enum guest_result guest_copy(struct secmmu_vcpu *vcpu, void *kaddr,
				    unsigned int len, bool write,
				    struct iov_iter *iter)
{
	size_t n;

	if (!iter) {
		if (write)
			memcpy(kaddr, vcpu->bounce, len);
		else
			memcpy(vcpu->bounce, kaddr, len);
		return GUEST_DONE;
	}
	pagefault_disable();
	n = write ? copy_from_iter(kaddr, len, iter) : copy_to_iter(kaddr, len, iter);
	pagefault_enable();
	if (n == len)
		return GUEST_DONE;
	iov_iter_revert(iter, n);
	return GUEST_COPY_FAULTED;
}

/*
 * One piece in guest mode: translate, set A (and D), copy between the page
 * and @iter directly, or the bounce page when @iter is NULL.
 */
static enum guest_result access_in_guest(struct secmmu_vcpu *vcpu, u32 view,
					 u64 gpa, unsigned int len, bool write,
					 struct iov_iter *iter)
{
	u64 want = SPTE_ACCESSED | (write ? SPTE_DIRTY : 0);
	enum guest_result ret = GUEST_MISS;
	const struct secmmu_layout *l;
	struct secmmu_iter it;
	u64 *sptep = NULL;
	u64 spte = 0;
	int level = 1;
	void *kaddr;

	secmmu_guest_enter(vcpu);
	/* The layout the leaf is found under (vm->srcu held by the caller). */
	l = srcu_dereference(vcpu->vm->layout, &vcpu->vm->srcu);
	for_each_secmmu_leaf(it, vcpu->vm->roots[view], gpa >> PAGE_SHIFT,
			     (gpa >> PAGE_SHIFT) + 1) {
		sptep = it.sptep;
		spte = it.old_spte;
		level = it.level;
	}
	if (!sptep)
		goto out;
	for (;;) {
		u64 new = (spte | want) & ~SPTE_KEPT;

		if (!spte_present(spte))
			goto out;
		if (write && !spte_writable(spte)) {
			/* Dirty logging's write protection: the fast path. */
			if (!spte_host_writable(spte))
				goto out;
			new |= SPTE_WRITABLE;
		}
		if (new == spte)
			break;
		if (secmmu_spte_try_cmpxchg(sptep, &spte, new)) {
			if (spte & SPTE_KEPT)	/* under PROT_ZAP: a fault */
				secmmu_stat_inc(vcpu->vm, SECMMU_STAT_PROT_FAULTS_AVOIDED);
			if (!(spte & SPTE_WRITABLE) && (new & SPTE_WRITABLE)) {
				secmmu_stat_inc(vcpu->vm, SECMMU_STAT_DIRTY_FAST_PATH);
				secmmu_dirty_fast_path(vcpu, view, gpa >> PAGE_SHIFT);
				secmmu_dirty_record_view(vcpu, l, view, gpa >> PAGE_SHIFT);
			}
			spte = new;
			break;
		}
	}

	/* data_race(): as in fault.c, the page's section bits never change. */
	kaddr = data_race(kmap_local_page(pfn_to_page(spte_pfn_of(spte, level,
								  gpa >> PAGE_SHIFT))));
	ret = guest_copy(vcpu, kaddr + offset_in_page(gpa), len, write, iter);
	kunmap_local(kaddr);
out:
	secmmu_guest_exit(vcpu);
	return ret;
}

/* A write must not push into the ring's reserve: exit to harvest first. */
static bool ring_full(struct secmmu_vcpu *vcpu, bool write,
		      struct secmmu_exit *exit, u64 gpa)
{
	if (!write || !vcpu->ring.entries ||
	    !secmmu_dirty_ring_soft_full(&vcpu->ring))
		return false;
	secmmu_stat_inc(vcpu->vm, SECMMU_STAT_DIRTY_RING_FULL);
	trace_secmmu_ring_full(gpa);
	exit->reason = SECMMU_EXIT_DIRTY_RING_FULL;
	exit->gpa = gpa;
	return true;
}

/* The fault path for a miss; 0: try again, > 0: exit reason, < 0: errno. */
static int access_fault(struct secmmu_vcpu *vcpu, u32 view, u64 gpa, bool write)
{
	int ret = secmmu_fault(vcpu, view, gpa >> PAGE_SHIFT, write);

	if (ret == -EAGAIN) {
		secmmu_fault_wait(vcpu->vm);
		ret = 0;
	}
	if (!ret && signal_pending(current))
		ret = -EINTR;
	if (!ret)
		cond_resched();
	return ret;
}

/*
 * One access op, vm->srcu held (the layout the dirty fast path reads); @op
 * checked by the ioctl layer.
 */
int secmmu_vcpu_access_op(struct secmmu_vcpu *vcpu, const struct secmmu_access_op *op,
			  struct iov_iter *iter, struct secmmu_exit *exit, u64 *done)
{
	bool write = op->flags & SECMMU_ACCESS_WRITE;
	bool direct = !READ_ONCE(access_bounce);
	enum guest_result r;
	unsigned int tries;
	int ret;

	*done = 0;
	exit->reason = SECMMU_EXIT_NONE;
	exit->gpa = 0;
	while (*done < op->len) {
		u64 gpa = op->gpa + *done;
		unsigned int len = min_t(u64, op->len - *done,
					 PAGE_SIZE - offset_in_page(gpa));
		bool bounced = !direct;

		if (gpa < op->gpa || gpa >= SECMMU_GFN_LIMIT << PAGE_SHIFT) {
			exit->reason = SECMMU_EXIT_UNBACKED;
			exit->gpa = gpa;
			return 0;
		}
		if (ring_full(vcpu, write, exit, gpa))
			return 0;
		if (bounced && write && copy_from_iter(vcpu->bounce, len, iter) != len)
			return -EFAULT;

		for (tries = 0;; tries++) {
			r = access_in_guest(vcpu, op->view, gpa, len, write,
					    bounced ? NULL : iter);
			if (r == GUEST_DONE)
				break;
			if (r == GUEST_COPY_FAULTED) {
				/* Again through the bounce page, faulting allowed. */
				secmmu_stat_inc(vcpu->vm, SECMMU_STAT_ACCESS_BOUNCED);
				bounced = true;
				if (write && copy_from_iter(vcpu->bounce, len, iter) != len)
					return -EFAULT;
				continue;
			}
			/*
			 * Each fault of a write may push a record, and a piece
			 * racing invalidations may fault many times: check the
			 * soft limit again before every fault but the first.
			 */
			if (tries && ring_full(vcpu, write, exit, gpa))
				return 0;
			ret = access_fault(vcpu, op->view, gpa, write);
			if (ret < 0)
				return ret;
			if (ret > 0) {
				exit->reason = ret;
				exit->gpa = gpa;
				return 0;
			}
		}

		if (!write && bounced && copy_to_iter(vcpu->bounce, len, iter) != len)
			return -EFAULT;
		*done += len;
	}
	secmmu_stat_inc(vcpu->vm, SECMMU_STAT_ACCESS_OPS);
	secmmu_stat_add(vcpu->vm, SECMMU_STAT_ACCESS_BYTES, op->len);
	return 0;
}

/*
 * Perform one access op.  Returns 0 (done, or stopped with @exit->reason
 * set) or a negative errno; *@done counts the bytes accessed either way.
 */
int secmmu_vcpu_access(struct secmmu_vcpu *vcpu,
		       const struct secmmu_access_op *op, struct iov_iter *iter,
		       struct secmmu_exit *exit, u64 *done)
{
	int ret, idx;

	idx = srcu_read_lock(&vcpu->vm->srcu);
	ret = secmmu_vcpu_access_op(vcpu, op, iter, exit, done);
	srcu_read_unlock(&vcpu->vm->srcu, idx);
	return ret;
}

struct secmmu_vcpu *secmmu_vcpu_create(struct secmmu_vm *vm, u32 id)
{
	struct secmmu_vcpu *vcpu;

	vcpu = secmmu_inject_alloc(kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT));
	if (!vcpu)
		return NULL;
	vcpu->vm = vm;
	vcpu->id = id;
	mutex_init(&vcpu->mutex);
	vcpu->bounce = secmmu_inject_alloc((void *)__get_free_page(GFP_KERNEL_ACCOUNT));
	if (!vcpu->bounce || (vm->dirty_ring_size &&
			      secmmu_dirty_ring_alloc(&vcpu->ring, vm->dirty_ring_size))) {
		secmmu_vcpu_free(vcpu);
		return NULL;
	}
	return vcpu;
}

void secmmu_vcpu_free(struct secmmu_vcpu *vcpu)
{
	secmmu_pt_cache_free(vcpu->vm, &vcpu->cache);
	secmmu_dirty_ring_free(&vcpu->ring);
	free_page((unsigned long)vcpu->bounce);
	kfree(vcpu);
}

/* Make @vcpu visible to flushers; it is freed with the VM. */
void secmmu_vcpu_publish(struct secmmu_vcpu *vcpu)
{
	struct secmmu_vm *vm = vcpu->vm;

	lockdep_assert_held(&vm->slots_lock);
	vm->vcpus[vm->nr_vcpus] = vcpu;
	/* Release: a flusher that sees the count sees the vCPU set up. */
	smp_store_release(&vm->nr_vcpus, vm->nr_vcpus + 1);
}
