/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A vCPU: reads and writes guest memory through a view.  Its ioctls are
 * serialised by @mutex; guest_seq is written only by the vCPU's own ioctl
 * and read by flushers (flush.h).
 */
#ifndef _SECMMU_VCPU_H
#define _SECMMU_VCPU_H

#include <linux/mutex.h>
#include <linux/secmmu.h>
#include <linux/uio.h>

#include "dirty_ring.h"
#include "pgtable.h"

struct secmmu_vm;

struct secmmu_vcpu {
	struct secmmu_vm *vm;
	u32 id;
	unsigned int guest_seq;
	struct mutex mutex;		/* serialises this vCPU's ioctls */
	void *bounce;			/* one page: user copies happen outside guest mode */
	struct secmmu_pt_cache cache;
	struct secmmu_dirty_ring ring;	/* entries NULL: the VM has no rings */
};

struct secmmu_exit {
	u32 reason;			/* SECMMU_EXIT_* */
	u64 gpa;
};

struct secmmu_vcpu *secmmu_vcpu_create(struct secmmu_vm *vm, u32 id);
void secmmu_vcpu_free(struct secmmu_vcpu *vcpu);
void secmmu_vcpu_publish(struct secmmu_vcpu *vcpu);
int secmmu_vcpu_access(struct secmmu_vcpu *vcpu,
		       const struct secmmu_access_op *op, struct iov_iter *iter,
		       struct secmmu_exit *exit, u64 *done);
int secmmu_vcpu_access_op(struct secmmu_vcpu *vcpu, const struct secmmu_access_op *op,
			  struct iov_iter *iter, struct secmmu_exit *exit, u64 *done);

#endif /* _SECMMU_VCPU_H */
