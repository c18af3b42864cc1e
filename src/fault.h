/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fault path (fault.c): make a leaf for one gfn of a view, against
 * concurrent invalidations (the retry protocol is in fault.c).
 */
#ifndef _SECMMU_FAULT_H
#define _SECMMU_FAULT_H

#include <linux/types.h>

struct secmmu_vm;
struct secmmu_vcpu;

int secmmu_fault(struct secmmu_vcpu *vcpu, u32 view, u64 gfn, bool write);
void secmmu_fault_gup_done(struct secmmu_vm *vm, unsigned long hva);
void secmmu_fault_installed(struct secmmu_vcpu *vcpu, u32 view, u64 gfn);
void secmmu_fault_wait(struct secmmu_vm *vm);

#endif /* _SECMMU_FAULT_H */
