/* SPDX-License-Identifier: GPL-2.0 */
/* A vCPU (struct secmmu_vcpu, vm.h) reads and writes guest memory through a view. */
#ifndef _SECMMU_VCPU_H
#define _SECMMU_VCPU_H

#include <linux/secmmu.h>
#include <linux/uio.h>

struct secmmu_vm;
struct secmmu_vcpu;

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
