/* SPDX-License-Identifier: GPL-2.0 */
/* Layout changes (layout_change.c): memslots and view ranges, published. */
#ifndef _SECMMU_LAYOUT_CHANGE_H
#define _SECMMU_LAYOUT_CHANGE_H

#include <linux/secmmu.h>

struct secmmu_vm;

int secmmu_vm_set_memslot(struct secmmu_vm *vm, const struct secmmu_memslot *req);
int secmmu_vm_set_view_mapping(struct secmmu_vm *vm,
			       const struct secmmu_view_mapping *req);

#endif /* _SECMMU_LAYOUT_CHANGE_H */
