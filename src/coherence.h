/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Coherence styles (SECMMU_CAP_COHERENCE, the UAPI header has the
 * contract): how a VM's shadow tables follow the primary MMU.
 *
 *   NOTIFIER           the VM's mmu_notifier (notifier.c), GUP faults
 *                      (fault.c).
 *   INTERVAL           one mmu_interval_notifier per memslot (interval.c),
 *                      hmm_range_fault() faults (hmm_fault.c).
 *   INTERVAL_TWO_PASS  the same, with the kernel's two-pass interval
 *                      notifier (zap, then flush).
 *
 * Where the data lives and what guards it:
 *
 *   vm->coherence      style | SECMMU_COHERENCE_AGING.  Written under
 *                      slots_lock while the VM has never had a memslot,
 *                      fixed after; read anywhere with READ_ONCE() (a
 *                      fault or an invalidation only runs once a memslot
 *                      exists, when it no longer changes).
 *   vm->mn_registered  whether vm->mn is registered; under slots_lock (and
 *                      owned by the last reference at release).  The VM's
 *                      mmu_notifier is registered at creation (NOTIFIER is
 *                      the default, with all the ops), unregistered when a
 *                      value wanting other ops (aging hooks alone) or none
 *                      is chosen, and registered with the ops the value
 *                      wants, if any, with the first memslot.
 *   slot->interval     the memslot's interval notifier, allocated and
 *                      inserted before the first layout naming the memslot
 *                      is published, removed and freed after the last one
 *                      naming it is no longer used (synchronize_srcu()):
 *                      a fault under vm->srcu may use it.  Layout copies
 *                      share it, as they share the rmap.
 *   its invalidate_seq mmu_interval_set_seq() under mmu_lock for write,
 *                      mmu_interval_read_retry() under mmu_lock (read):
 *                      mmu_lock is the "user lock" of the interval
 *                      notifier API.
 */
#ifndef _SECMMU_COHERENCE_H
#define _SECMMU_COHERENCE_H

#include <linux/mmu_notifier.h>
#include <linux/secmmu.h>
#include <linux/types.h>

#include "vm.h"

struct secmmu_slot;

void secmmu_coherence_init(void);
long secmmu_coherence_styles(void);
int secmmu_coherence_check(u64 val);
/* @val checked here too (KUnit calls it directly); -EBUSY after a memslot. */
int secmmu_coherence_set(struct secmmu_vm *vm, u64 val);

/*
 * Memslot hooks, slots_lock held.  slot_add before memslot @id, now @old,
 * becomes @want is published (sets want->interval); slot_undo if that
 * change then fails; slot_del once a deleted memslot's last layout is no
 * longer used.
 */
int secmmu_coherence_slot_add(struct secmmu_vm *vm, const struct secmmu_slot *old,
			      struct secmmu_slot *want, u32 id);
void secmmu_coherence_slot_undo(struct secmmu_vm *vm, const struct secmmu_slot *old,
				struct secmmu_slot *want);
void secmmu_coherence_slot_del(struct secmmu_vm *vm, const struct secmmu_slot *old);
/* The last reference: remove the interval notifiers and the mmu_notifier. */
void secmmu_coherence_detach(struct secmmu_vm *vm);

#endif /* _SECMMU_COHERENCE_H */
