/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Ioctl dispatch (ioctl.c): the one place the argument struct of a VM or
 * vCPU ioctl crosses to and from userspace.  Handlers take it in kernel
 * memory (@karg); they copy only secondary user buffers (access data, op
 * arrays, bitmaps, harvested entries) themselves.
 */
#ifndef _SECMMU_IOCTL_H
#define _SECMMU_IOCTL_H

#include <linux/types.h>

struct secmmu_vm;
struct secmmu_vcpu;

struct secmmu_ioctl_call {
	void *karg;		/* the argument struct (_IOW: copied in) */
	unsigned long arg;	/* the raw argument, for by-value commands */
	bool report;		/* copy *karg out although the handler failed */
};

long secmmu_vm_dispatch(struct secmmu_vm *vm, unsigned int cmd, unsigned long arg);
long secmmu_vcpu_dispatch(struct secmmu_vcpu *vcpu, unsigned int cmd,
			  unsigned long arg);

/* The handlers, in the files of what they act on. */
long secmmu_vm_ioctl_enable_cap(struct secmmu_vm *vm, struct secmmu_ioctl_call *c);
long secmmu_vm_ioctl_set_memslot(struct secmmu_vm *vm, struct secmmu_ioctl_call *c);
long secmmu_vm_ioctl_set_view(struct secmmu_vm *vm, struct secmmu_ioctl_call *c);
long secmmu_vm_ioctl_get_spte(struct secmmu_vm *vm, struct secmmu_ioctl_call *c);
long secmmu_vm_ioctl_get_stats(struct secmmu_vm *vm, struct secmmu_ioctl_call *c);
long secmmu_vm_ioctl_age(struct secmmu_vm *vm, struct secmmu_ioctl_call *c);
long secmmu_vm_ioctl_dirty_log(struct secmmu_vm *vm, struct secmmu_ioctl_call *c);
long secmmu_vm_ioctl_clear_dirty_log(struct secmmu_vm *vm,
				     struct secmmu_ioctl_call *c);
long secmmu_vcpu_ioctl_access(struct secmmu_vcpu *vcpu, struct secmmu_ioctl_call *c);
long secmmu_vcpu_ioctl_batch(struct secmmu_vcpu *vcpu, struct secmmu_ioctl_call *c);
long secmmu_vcpu_ioctl_harvest(struct secmmu_vcpu *vcpu, struct secmmu_ioctl_call *c);

#endif /* _SECMMU_IOCTL_H */
