// SPDX-License-Identifier: GPL-2.0
/* Remote flush: wait for vCPUs in guest mode; the protocol is in flush.h. */
#include <linux/processor.h>

#include "flush.h"
#include "testhook.h"
#include "vm.h"

#if IS_ENABLED(CONFIG_SECMMU_KUNIT_TEST)
void secmmu_flush_waiting(struct secmmu_vcpu *vcpu)
{
	SECMMU_TEST_HOOK(secmmu_flush_waiting, vcpu);
}
#endif

void secmmu_remote_flush(struct secmmu_vm *vm)
{
	struct secmmu_vcpu *vcpu;
	bool waited = false;

	/* Zaps before guest_seq reads; pairs with secmmu_guest_enter(). */
	smp_mb();
	secmmu_for_each_vcpu(vcpu, vm) {
		unsigned int seq = READ_ONCE(vcpu->guest_seq);

		if (!(seq & 1))
			continue;
		waited = true;
		/* Acquire: the vCPU's page accesses are over after this. */
		while (smp_load_acquire(&vcpu->guest_seq) == seq) {
			secmmu_flush_waiting(vcpu);
			cpu_relax();
		}
	}
	secmmu_stat_inc(vm, SECMMU_STAT_REMOTE_FLUSHES);
	if (waited)
		secmmu_stat_inc(vm, SECMMU_STAT_FLUSH_WAITS);
}
