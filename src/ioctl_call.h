/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ioctl layer, secmmu's only UAPI edge: the file operations of the VM
 * fd (ioctl.c) and of the vCPU fds (ioctl_vcpu.c), and the dispatcher
 * that moves the argument structs to and from userspace (ioctl_call.c,
 * which both call: the layer's calls run one way).  It refuses
 * callers from another mm (-EIO), finds the command by its full number
 * (size and direction included: anything else is -ENOTTY, and a VM command
 * on a vCPU fd too), copies the argument struct in before the handler
 * (_IOW) and out after it (_IOR) when the handler succeeded or reported
 * progress (secmmu_ioctl_call.report: results the UAPI defines for an
 * error, e.g. an access's @done on -EINTR).  A failed copy out is -EFAULT.
 *
 * The handlers check the struct's own fields (flags, reserved words,
 * ranges) and copy the secondary user buffers (access data, op arrays,
 * bitmaps, harvested entries), then call the VM, vCPU, dirty-logging and
 * aging code with kernel memory only.  What depends on the VM's state
 * (-ENOENT, -EEXIST, -EBUSY, ...) is checked there, under its locks.
 */
#ifndef _SECMMU_IOCTL_CALL_H
#define _SECMMU_IOCTL_CALL_H

#include <linux/secmmu.h>
#include <linux/types.h>

struct secmmu_vm;
struct secmmu_vcpu;

struct secmmu_ioctl_call {
	unsigned int cmd;	/* the full command number */
	void *karg;		/* the argument struct (_IOW: copied in) */
	unsigned long arg;	/* the raw argument, for by-value commands */
	bool report;		/* copy *karg out although the handler failed */
};

/* Room for every argument struct but the stats, which are allocated. */
union secmmu_ioctl_arg {
	struct secmmu_enable_cap cap;
	struct secmmu_memslot memslot;
	struct secmmu_view_mapping view;
	struct secmmu_spte_info spte;
	struct secmmu_age age;
	struct secmmu_dirty_log log;
	struct secmmu_access access;
	struct secmmu_access_batch batch;
	struct secmmu_harvest harvest;
};

/* A command and its handler: a VM fd's (@vm) or a vCPU fd's (@vcpu). */
struct secmmu_ioctl {
	unsigned int cmd;
	long (*vm)(struct secmmu_vm *vm, struct secmmu_ioctl_call *c);
	long (*vcpu)(struct secmmu_vcpu *vcpu, struct secmmu_ioctl_call *c);
};

/* Run @cmd of table @cmds[@n] on @vcpu, or on @vm when @vcpu is NULL. */
long secmmu_ioctl_dispatch(const struct secmmu_ioctl *cmds, unsigned int n,
			   struct secmmu_vm *vm, struct secmmu_vcpu *vcpu,
			   unsigned int cmd, unsigned long arg);

#endif /* _SECMMU_IOCTL_CALL_H */
