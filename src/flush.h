/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest mode and remote flushes (KVM's model, without IPIs).
 *
 * A vCPU translates and touches guest pages only between
 * secmmu_guest_enter() and secmmu_guest_exit(), with preemption off, under
 * RCU, reading each SPTE once.  Its guest_seq is odd inside.
 *
 * A zapper clears SPTEs and then calls secmmu_remote_flush(), which waits
 * for every vCPU that is inside guest mode to leave it.  The two full
 * barriers pair up: either the vCPU's SPTE read sees the zap, or the flusher
 * sees the odd guest_seq and waits until that section (and its memcpy) is
 * over.  After the flush no vCPU can touch a zapped page: this is what lets
 * invalidate_range_start() return.
 */
#ifndef _SECMMU_FLUSH_H
#define _SECMMU_FLUSH_H

#include <linux/preempt.h>
#include <linux/rcupdate.h>

#include "vm.h"

static inline void secmmu_guest_enter(struct secmmu_vcpu *vcpu)
{
	preempt_disable();
	/* Odd: inside.  Full barrier before the SPTE reads; pairs with flush. */
	smp_store_mb(vcpu->guest_seq, vcpu->guest_seq + 1);
	rcu_read_lock();
}

static inline void secmmu_guest_exit(struct secmmu_vcpu *vcpu)
{
	rcu_read_unlock();
	/* Even: outside.  Orders the page accesses before it. */
	smp_store_release(&vcpu->guest_seq, vcpu->guest_seq + 1);
	preempt_enable();
}

void secmmu_remote_flush(struct secmmu_vm *vm);

/*
 * Test hook: a remote flush is waiting for @vcpu to leave guest mode
 * (called on every turn of the wait).  Nothing at all without the KUnit
 * suites.
 */
#if IS_ENABLED(CONFIG_SECMMU_KUNIT_TEST)
void secmmu_flush_waiting(struct secmmu_vcpu *vcpu);
#else
static inline void secmmu_flush_waiting(struct secmmu_vcpu *vcpu)
{
}
#endif

#endif /* _SECMMU_FLUSH_H */
