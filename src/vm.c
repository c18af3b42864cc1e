// SPDX-License-Identifier: GPL-2.0
/*
 * VM lifetime and the VM fd's ioctls.  Locking rules are in vm.h.
 */
#include <linux/capability.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "aging.h"
#include "dirty_log.h"
#include "flush.h"
#include "huge.h"
#include "inject.h"
#include "ioctl.h"
#include "mmu.h"
#include "spte.h"
#include "vcpu.h"
#include "vm.h"

/*
 * Free a VM that nobody can reach any more: no fds, no notifier.  Zaps what
 * is left (an mm that never exited did not run release()).  Also frees a
 * VM secmmu_vm_alloc() could not finish: no layout means nothing mapped.
 */
void secmmu_vm_free(struct secmmu_vm *vm)
{
	struct secmmu_layout *l = rcu_dereference_protected(vm->layout, true);
	struct secmmu_vcpu *vcpu;
	u32 v;
	int i;

	if (l) {
		write_lock(&vm->mmu_lock);
		secmmu_zap_all(vm, 0);		/* may run in an RCU callback */
		write_unlock(&vm->mmu_lock);
	}
	secmmu_for_each_vcpu(vcpu, vm)
		secmmu_vcpu_free(vcpu);
	for (v = 0; v < SECMMU_MAX_VIEWS; v++) {
		if (vm->roots[v])
			secmmu_pt_free(vm, vm->roots[v]);
	}
	for (i = 0; l && i < SECMMU_MAX_MEMSLOTS; i++) {
		kvfree(l->slots[i].rmap);
		kvfree(l->slots[i].dirty_bitmap);
	}
	secmmu_layout_free(l);
	cleanup_srcu_struct(&vm->srcu);
	secmmu_stats_destroy(vm);
	kfree(vm);
}

/* A VM bound to no mm yet: layout, roots and stats. */
struct secmmu_vm *secmmu_vm_alloc(void)
{
	struct secmmu_vm *vm;
	u32 v;

	vm = secmmu_inject_alloc(kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT));
	if (!vm)
		return NULL;
	kref_init(&vm->ref);
	mutex_init(&vm->slots_lock);
	rwlock_init(&vm->mmu_lock);
	init_waitqueue_head(&vm->invalidate_wq);
	if (init_srcu_struct(&vm->srcu)) {
		kfree(vm);
		return NULL;
	}
	if (secmmu_stats_init(vm)) {
		cleanup_srcu_struct(&vm->srcu);
		kfree(vm);
		return NULL;
	}
	RCU_INIT_POINTER(vm->layout, secmmu_layout_alloc());
	if (!rcu_access_pointer(vm->layout))
		goto fail;
	for (v = 0; v < SECMMU_MAX_VIEWS; v++) {
		vm->roots[v] = secmmu_pt_alloc(vm, GFP_KERNEL_ACCOUNT);
		if (!vm->roots[v])
			goto fail;
	}
	return vm;
fail:
	secmmu_vm_free(vm);
	return NULL;
}

struct secmmu_vm *secmmu_vm_create(struct mm_struct *mm)
{
	struct secmmu_vm *vm = secmmu_vm_alloc();
	int ret;

	if (!vm)
		return ERR_PTR(-ENOMEM);
	vm->mn.ops = &secmmu_mn_ops;
	ret = mmu_notifier_register(&vm->mn, mm);
	if (ret) {
		secmmu_vm_free(vm);
		return ERR_PTR(ret);
	}
	vm->mm = mm;
	mmgrab(mm);
	return vm;
}

void secmmu_vm_get(struct secmmu_vm *vm)
{
	kref_get(&vm->ref);
}

static void vm_release(struct kref *ref)
{
	struct secmmu_vm *vm = container_of(ref, struct secmmu_vm, ref);

	if (vm->mm) {
		/* Runs release() (zap all) if the mm is still alive. */
		mmu_notifier_unregister(&vm->mn, vm->mm);
		mmdrop(vm->mm);
	}
	secmmu_vm_free(vm);
}

void secmmu_vm_put(struct secmmu_vm *vm)
{
	kref_put(&vm->ref, vm_release);
}

/*
 * Publish @n as the layout, then run @zap in the same mmu_lock critical
 * section over the old layout (the one the leaves were installed under,
 * which finds their rmap heads).  Publishing first lets the zap yield the
 * lock: a fault that takes it meanwhile sees the new layout, which no
 * longer maps what is being zapped.  An invalidation that takes it sees
 * the old one as vm->retiring and zaps through it too (vm.h): the leaves
 * not zapped yet map pages the new layout no longer names, as KVM keeps
 * a memslot being deleted visible to invalidations until it is zapped.
 * Then flush, and free the old layout once no fault, aging walk or
 * invalidation can still be using it.  Called with slots_lock held;
 * consumes @n.
 */
static void layout_publish(struct secmmu_vm *vm, struct secmmu_layout *n,
			   bool (*zap)(struct secmmu_vm *vm,
				       const struct secmmu_layout *old,
				       const void *arg),
			   const void *arg)
{
	struct secmmu_layout *old = secmmu_layout_locked(vm);
	bool flush = false;

	write_lock(&vm->mmu_lock);
	rcu_assign_pointer(vm->layout, n);
	if (zap) {
		vm->retiring = old;
		flush = zap(vm, old, arg);
		vm->retiring = NULL;
	}
	write_unlock(&vm->mmu_lock);

	if (flush)
		secmmu_remote_flush(vm);
	/* Expedited, as KVM swaps memslots: the caller waits for it. */
	synchronize_srcu_expedited(&vm->srcu);
	secmmu_layout_free(old);
}

static bool zap_slot(struct secmmu_vm *vm, const struct secmmu_layout *old,
		     const void *arg)
{
	const struct secmmu_slot *s = arg;

	return secmmu_zap_gfn_range(vm, old, s->base_gfn, s->base_gfn + s->npages,
				    SECMMU_ZAP_FREE_TABLES | SECMMU_ZAP_YIELD);
}

static bool zap_view_range(struct secmmu_vm *vm, const struct secmmu_layout *old,
			   const void *arg)
{
	const struct secmmu_view_mapping *m = arg;

	return secmmu_zap_view_range(vm, old, m->view, m->view_gfn,
				     m->view_gfn + m->npages,
				     SECMMU_ZAP_FREE_TABLES | SECMMU_ZAP_YIELD);
}

/*
 * The rmap and dirty bitmap of @want: new, inherited from @old, or none
 * (no rmap in table-walk mode, which is fixed by the first memslot).  The
 * huge leaves' heads, one per block (huge.h), follow the 4 KiB ones in the
 * same array.
 */
static int slot_alloc(struct secmmu_vm *vm, const struct secmmu_slot *old,
		      struct secmmu_slot *want)
{
	if (!want->npages)
		return 0;
	want->rmap = old->rmap;
	want->hrmap = old->hrmap;
	want->dirty_bitmap = old->dirty_bitmap;
	if (!want->rmap && vm->rmap_mode != SECMMU_RMAP_TABLE_WALK) {
		u64 n = want->npages;

		if (vm->huge_leaves)
			n += secmmu_slot_blocks(want);
		want->rmap = secmmu_inject_alloc(kvcalloc(n, sizeof(*want->rmap),
							  GFP_KERNEL_ACCOUNT));
		if (!want->rmap)
			return -ENOMEM;
		if (vm->huge_leaves)
			want->hrmap = want->rmap + want->npages;
	}
	if ((want->flags & SECMMU_MEM_LOG_DIRTY) && !want->dirty_bitmap) {
		want->dirty_bitmap = secmmu_inject_alloc(kvcalloc(BITS_TO_LONGS(want->npages),
								  sizeof(long),
								  GFP_KERNEL_ACCOUNT));
		if (!want->dirty_bitmap) {
			if (!old->rmap)
				kvfree(want->rmap);
			want->rmap = NULL;
			want->hrmap = NULL;
			return -ENOMEM;
		}
	}
	return 0;
}

int secmmu_vm_set_memslot(struct secmmu_vm *vm, const struct secmmu_memslot *req)
{
	struct secmmu_slot want = {
		.base_gfn = req->base_gfn,
		.npages = req->npages,
		.hva = req->userspace_addr,
		.flags = req->flags,
	};
	struct secmmu_layout *cur, *n;
	struct secmmu_slot old;
	bool zap;
	int ret;

	if (req->slot >= SECMMU_MAX_MEMSLOTS || req->reserved[0] || req->reserved[1])
		return -EINVAL;

	mutex_lock(&vm->slots_lock);
	cur = secmmu_layout_locked(vm);
	old = cur->slots[req->slot];
	ret = secmmu_slot_check(cur, &old, &want, req->slot);
	if (ret)
		goto out;
	n = secmmu_layout_dup(cur);
	if (!n) {
		ret = -ENOMEM;
		goto out;
	}
	ret = slot_alloc(vm, &old, &want);
	if (ret) {
		secmmu_layout_free(n);
		goto out;
	}
	n->slots[req->slot] = want;
	n->slots_ever_used |= BIT(req->slot);
	vm->had_memslot = true;
	/* Deleting, or newly read-only: nothing may keep mapping it. */
	zap = !want.npages || ((want.flags & ~old.flags) & SECMMU_MEM_READONLY);
	layout_publish(vm, n, zap ? zap_slot : NULL, &old);
	if (!want.npages) {
		kvfree(old.rmap);	/* every head emptied by the zap */
		kvfree(old.dirty_bitmap);
	} else if (old.npages && ((want.flags & ~old.flags) & SECMMU_MEM_LOG_DIRTY)) {
		/* Logging now: the flag is published, so protect (dirty_log.c). */
		if (secmmu_dirty_wp_slot(vm, &want))
			secmmu_remote_flush(vm);
	}
out:
	mutex_unlock(&vm->slots_lock);
	return ret;
}

int secmmu_vm_set_view_mapping(struct secmmu_vm *vm,
			       const struct secmmu_view_mapping *req)
{
	struct secmmu_view_range r = {
		.view_gfn = req->view_gfn,
		.npages = req->npages,
		.target_gfn = req->target_gfn,
	};
	struct secmmu_view_mapping removed;
	struct secmmu_layout *cur, *n;
	struct secmmu_view *view;
	int ret, idx = -1;

	if (!req->view || req->view >= SECMMU_MAX_VIEWS || req->flags ||
	    req->reserved[0] || req->reserved[1])
		return -EINVAL;
	if (!req->npages && req->target_gfn)
		return -EINVAL;

	mutex_lock(&vm->slots_lock);
	cur = secmmu_layout_locked(vm);
	view = &cur->views[req->view];
	if (req->npages) {
		ret = secmmu_view_check(view, &r);
	} else {
		idx = secmmu_view_find_start(view, req->view_gfn);
		ret = idx < 0 ? idx : 0;
	}
	if (ret)
		goto out;
	n = secmmu_layout_dup(cur);
	if (!n) {
		ret = -ENOMEM;
		goto out;
	}
	if (req->npages) {
		secmmu_view_insert(&n->views[req->view], &r);
		layout_publish(vm, n, NULL, NULL);
	} else {
		removed = *req;
		removed.npages = view->ranges[idx].npages;
		secmmu_view_remove(&n->views[req->view], idx);
		layout_publish(vm, n, zap_view_range, &removed);
	}
out:
	mutex_unlock(&vm->slots_lock);
	return ret;
}

long secmmu_vm_ioctl_enable_cap(struct secmmu_vm *vm, struct secmmu_ioctl_call *c)
{
	const struct secmmu_enable_cap *cap = c->karg;
	long ret = 0;

	if (cap->flags || cap->reserved[0] || cap->reserved[1] ||
	    cap->args[1] || cap->args[2] || cap->args[3])
		return -EINVAL;
	if (cap->cap == SECMMU_CAP_PROT_POLICY) {
		if (cap->args[0] >= SECMMU_PROT_NR_POLICIES)
			return -EINVAL;
		WRITE_ONCE(vm->prot_policy, cap->args[0]);	/* read by the notifier */
		return 0;
	}
	if (cap->cap == SECMMU_CAP_RMAP_MODE) {
		if (cap->args[0] >= SECMMU_RMAP_NR_MODES)
			return -EINVAL;
	} else if (cap->cap != SECMMU_CAP_HUGE_LEAVES || cap->args[0] > 1) {
		return -EINVAL;
	}

	mutex_lock(&vm->slots_lock);
	if (vm->had_memslot)
		ret = -EBUSY;	/* documented: both are fixed by the first memslot */
	else if (cap->cap == SECMMU_CAP_RMAP_MODE)
		WRITE_ONCE(vm->rmap_mode, cap->args[0]);
	else
		WRITE_ONCE(vm->huge_leaves, cap->args[0]);
	mutex_unlock(&vm->slots_lock);
	return ret;
}

long secmmu_vm_ioctl_age(struct secmmu_vm *vm, struct secmmu_ioctl_call *c)
{
	int ret = secmmu_age(vm, c->karg);

	c->report = ret == -EINTR;	/* the progress made is reported */
	return ret;
}

long secmmu_vm_ioctl_get_spte(struct secmmu_vm *vm, struct secmmu_ioctl_call *c)
{
	struct secmmu_spte_info *info = c->karg;
	u64 spte;
	int level;

	if (info->view >= SECMMU_MAX_VIEWS || info->level || info->flags ||
	    info->pfn || info->reserved[0] || info->reserved[1])
		return -EINVAL;
	if (info->gfn >= (1ULL << SECMMU_GFN_BITS))
		return -ERANGE;

	spte = secmmu_spte_lookup(vm, info->view, info->gfn, &level);
	info->level = level;
	info->flags = spte & SPTE_UAPI_MASK;
	info->pfn = capable(CAP_SYS_ADMIN) && spte_present(spte) ?
		    spte_pfn_of(spte, level, info->gfn) : 0;
	return 0;
}

long secmmu_vm_ioctl_get_stats(struct secmmu_vm *vm, struct secmmu_ioctl_call *c)
{
	secmmu_stats_fill(vm, c->karg);
	return 0;
}

long secmmu_vm_ioctl_set_memslot(struct secmmu_vm *vm, struct secmmu_ioctl_call *c)
{
	return secmmu_vm_set_memslot(vm, c->karg);
}

long secmmu_vm_ioctl_set_view(struct secmmu_vm *vm, struct secmmu_ioctl_call *c)
{
	return secmmu_vm_set_view_mapping(vm, c->karg);
}
