/* SPDX-License-Identifier: GPL-2.0 */
/* The vCPU fds (ioctl_vcpu.c): their file operations and ioctls. */
#ifndef _SECMMU_IOCTL_VCPU_H
#define _SECMMU_IOCTL_VCPU_H

struct secmmu_vm;

/* SECMMU_CREATE_VCPU: vCPU @id of @vm and its fd, or an errno. */
int secmmu_vcpu_create_fd(struct secmmu_vm *vm, unsigned long id);

#endif /* _SECMMU_IOCTL_VCPU_H */
