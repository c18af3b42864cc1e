/* SPDX-License-Identifier: GPL-2.0 */
/* Aging (aging.c): the notifier hooks' walk and SECMMU_AGE. */
#ifndef _SECMMU_AGING_H
#define _SECMMU_AGING_H

#include <linux/secmmu.h>
#include <linux/types.h>

struct secmmu_vm;

bool secmmu_age_hva_range(struct secmmu_vm *vm, unsigned long start,
			  unsigned long end, bool clear, bool *fast);
int secmmu_age(struct secmmu_vm *vm, struct secmmu_age *a);

#endif /* _SECMMU_AGING_H */
