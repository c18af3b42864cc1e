// SPDX-License-Identifier: GPL-2.0
/*
 * VM lifetime and its settings.  Locking rules are in vm.h.
 */
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "coherence.h"
#include "inject.h"
#include "mmu.h"
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
	/* Roots are allocated in order: the first NULL ends them. */
	for (v = 0; v < SECMMU_MAX_VIEWS && rcu_access_pointer(vm->roots[v]); v++)
		secmmu_pt_free(vm, rcu_dereference_protected(vm->roots[v], true));
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
	if (secmmu_stats_init(vm))
		goto fail;
	RCU_INIT_POINTER(vm->layout, secmmu_layout_alloc());
	if (!rcu_access_pointer(vm->layout))
		goto fail;
	for (v = 0; v < SECMMU_MAX_VIEWS; v++) {
		u64 *root = secmmu_pt_alloc(vm, GFP_KERNEL_ACCOUNT);

		if (!root)
			goto fail;
		RCU_INIT_POINTER(vm->roots[v], root);
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
	vm->mn_registered = true;
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
		secmmu_coherence_detach(vm);
		mmdrop(vm->mm);
	}
	secmmu_vm_free(vm);
}

void secmmu_vm_put(struct secmmu_vm *vm)
{
	kref_put(&vm->ref, vm_release);
}

/*
 * SECMMU_ENABLE_CAP, @cap and @val checked by the ioctl layer: the
 * protection policy any time, the rmap mode, huge leaves and the
 * coherence style (coherence.c) until the first memslot.
 */
int secmmu_vm_enable_cap(struct secmmu_vm *vm, u32 cap, u64 val)
{
	int ret = 0;

	if (cap == SECMMU_CAP_PROT_POLICY) {
		WRITE_ONCE(vm->prot_policy, val);	/* read by the notifier */
		return 0;
	}
	if (cap == SECMMU_CAP_COHERENCE)
		return secmmu_coherence_set(vm, val);

	mutex_lock(&vm->slots_lock);
	if (vm->had_memslot)
		ret = -EBUSY;	/* documented: both are fixed by the first memslot */
	else if (cap == SECMMU_CAP_RMAP_MODE)
		WRITE_ONCE(vm->rmap_mode, val);
	else
		WRITE_ONCE(vm->huge_leaves, val);
	mutex_unlock(&vm->slots_lock);
	return ret;
}
