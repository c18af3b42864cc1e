/* SPDX-License-Identifier: GPL-2.0 */
/* The VM fd, /dev/secmmu (ioctl.c); the ioctl layer is in ioctl_call.h. */
#ifndef _SECMMU_IOCTL_H
#define _SECMMU_IOCTL_H

#include <linux/fs.h>

struct secmmu_vm;

/* /dev/secmmu: every open() is a VM bound to the opener's mm. */
extern const struct file_operations secmmu_fops;

long secmmu_check_cap(struct secmmu_vm *vm, unsigned long cap);

#endif /* _SECMMU_IOCTL_H */
