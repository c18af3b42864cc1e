/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * secmmu - userspace side of a vCPU's mmapped dirty ring.
 *
 * The ordering contract is in <linux/secmmu.h> ("Dirty tracking"); these
 * helpers are the userspace half of it:
 *
 *   kernel push:   write slot, offset; store-release flags = DIRTY.
 *   user harvest:  load-acquire flags; if DIRTY, read slot and offset, then
 *                  store-release flags = RESET.
 *
 * The load-acquire pairs with the kernel's store-release of DIRTY, so slot
 * and offset are read only after they were written; the store-release of
 * RESET pairs with the kernel reset's load-acquire, so the kernel sees
 * RESET only after those reads are done.  Harvest strictly in ring order,
 * one harvester per ring, and reset the ring (SECMMU_RESET_DIRTY_RING or
 * SECMMU_RESET_DIRTY_RINGS) *before* reading the harvested pages.
 *
 * Needs GCC or Clang (__atomic builtins); no libc headers.
 */
#ifndef _UAPI_LINUX_SECMMU_DIRTY_RING_H
#define _UAPI_LINUX_SECMMU_DIRTY_RING_H

#include <linux/types.h>
#include <linux/secmmu.h>

/*
 * Harvest the entry at *@index (a free-running counter, starting at 0) of
 * the ring @ring of @entries entries (a power of two).  If that entry is
 * DIRTY, copy its slot and offset to @out (out->flags is set to DIRTY), mark
 * it RESET, advance *@index and return 1.  Otherwise (not yet pushed, or a
 * flags value that is not exactly DIRTY) touch nothing and return 0.
 */
static __inline__ int
secmmu_dirty_ring_harvest_one(struct secmmu_dirty_gfn *ring, __u32 entries,
			      __u32 *index, struct secmmu_dirty_gfn *out)
{
	struct secmmu_dirty_gfn *e = &ring[*index & (entries - 1)];

	if (__atomic_load_n(&e->flags, __ATOMIC_ACQUIRE) !=
	    SECMMU_DIRTY_GFN_F_DIRTY)
		return 0;
	out->flags = SECMMU_DIRTY_GFN_F_DIRTY;
	out->slot = e->slot;
	out->offset = e->offset;
	__atomic_store_n(&e->flags, SECMMU_DIRTY_GFN_F_RESET, __ATOMIC_RELEASE);
	(*index)++;
	return 1;
}

/*
 * Is @e free (flags 0: never pushed, or reset by the kernel)?  The
 * load-acquire pairs with the kernel reset's store-release of 0.
 */
static __inline__ int
secmmu_dirty_gfn_is_free(const struct secmmu_dirty_gfn *e)
{
	return __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE) == 0;
}

#endif /* _UAPI_LINUX_SECMMU_DIRTY_RING_H */
