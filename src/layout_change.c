// SPDX-License-Identifier: GPL-2.0
/*
 * Layout changes: SECMMU_SET_MEMSLOT and SECMMU_SET_VIEW_MAPPING build a
 * new layout (memslot.c and view.c check it) under slots_lock and publish
 * it, zapping what it no longer maps.  Locking rules are in vm.h.
 */
#include <linux/mm.h>
#include <linux/slab.h>

#include "coherence.h"
#include "dirty_log.h"
#include "flush.h"
#include "huge.h"
#include "inject.h"
#include "mmu.h"
#include "vm.h"

/*
 * Publish @n as the layout, then zap in the same mmu_lock critical
 * section over the old layout (the one the leaves were installed under,
 * which finds their rmap heads): view gfns [start, end) of @view, or with
 * @view SECMMU_MAX_VIEWS memslot gfns [start, end) in every view; nothing
 * when the range is empty.  Publishing first lets the zap yield the
 * lock: a fault that takes it meanwhile sees the new layout, which no
 * longer maps what is being zapped; an invalidation that takes it zaps
 * through the old one too (vm->retiring, vm.h).  Then flush, and free the
 * old layout once no fault, aging walk or invalidation can still be using
 * it.  Called with slots_lock held; consumes @n.
 */
static void layout_publish(struct secmmu_vm *vm, struct secmmu_layout *n,
			   u32 view, u64 start, u64 end)
{
	const unsigned int zf = SECMMU_ZAP_FREE_TABLES | SECMMU_ZAP_YIELD;
	struct secmmu_layout *old = secmmu_layout_locked(vm);
	bool flush = false;

	write_lock(&vm->mmu_lock);
	rcu_assign_pointer(vm->layout, n);
	if (start < end) {
		vm->retiring = old;
		flush = view < SECMMU_MAX_VIEWS ?
			secmmu_zap_view_range(vm, old, view, start, end, zf) :
			secmmu_zap_gfn_range(vm, old, start, end, zf);
		vm->retiring = NULL;
	}
	write_unlock(&vm->mmu_lock);

	if (flush)
		secmmu_remote_flush(vm);
	/*
	 * Expedited, as KVM swaps memslots: the caller waits for it.  RCU
	 * too: the aging hooks read the layout under RCU alone (aging.c).
	 */
	synchronize_srcu_expedited(&vm->srcu);
	synchronize_rcu_expedited();
	secmmu_layout_free(old);
}

/*
 * The rmap and dirty bitmap of @want: new, inherited from @old, or none
 * (no rmap in table-walk mode, which is fixed by the first memslot).  The
 * huge leaves' heads, one per block, and the bits of the blocks with 4 KiB
 * leaves (huge.h) follow the 4 KiB ones in the same array.
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
		u64 n = secmmu_slot_rmap_words(want, vm->huge_leaves);

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

/* SECMMU_SET_MEMSLOT; @req's own fields checked by the ioctl layer. */
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
	int ret;

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
	ret = secmmu_coherence_slot_add(vm, &old, &want, req->slot);
	if (!ret)
		ret = slot_alloc(vm, &old, &want);
	if (ret) {
		secmmu_coherence_slot_undo(vm, &old, &want);
		secmmu_layout_free(n);
		goto out;
	}
	n->slots[req->slot] = want;
	n->slots_ever_used |= BIT(req->slot);
	vm->had_memslot = true;
	/* Deleting, or newly read-only: nothing may keep mapping it. */
	if (!want.npages || ((want.flags & ~old.flags) & SECMMU_MEM_READONLY))
		layout_publish(vm, n, SECMMU_MAX_VIEWS, old.base_gfn,
			       old.base_gfn + old.npages);
	else
		layout_publish(vm, n, 0, 0, 0);
	if (!want.npages) {
		kvfree(old.rmap);	/* every head emptied by the zap */
		kvfree(old.dirty_bitmap);
		secmmu_coherence_slot_del(vm, &old);
	} else if (old.npages && ((want.flags & ~old.flags) & SECMMU_MEM_LOG_DIRTY)) {
		/* Logging now: the flag is published, so protect (dirty_log.c). */
		if (secmmu_dirty_wp_slot(vm, &want))
			secmmu_remote_flush(vm);
	}
out:
	mutex_unlock(&vm->slots_lock);
	return ret;
}

/* SECMMU_SET_VIEW_MAPPING; @req's own fields checked by the ioctl layer. */
int secmmu_vm_set_view_mapping(struct secmmu_vm *vm,
			       const struct secmmu_view_mapping *req)
{
	struct secmmu_view_range r = {
		.view_gfn = req->view_gfn,
		.npages = req->npages,
		.target_gfn = req->target_gfn,
	};
	struct secmmu_layout *cur, *n;
	struct secmmu_view *view;
	int ret, idx = -1;

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
		layout_publish(vm, n, req->view, 0, 0);
	} else {
		secmmu_view_remove(&n->views[req->view], idx);
		layout_publish(vm, n, req->view, req->view_gfn,
			       req->view_gfn + view->ranges[idx].npages);
	}
out:
	mutex_unlock(&vm->slots_lock);
	return ret;
}
