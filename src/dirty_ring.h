/* SPDX-License-Identifier: GPL-2.0 */
/**
 * DOC: Dirty ring contract
 *
 * A vCPU's dirty ring: entries shared with userspace through mmap.  The
 * contract with userspace is in the UAPI header (secmmu.h, "Dirty
 * tracking"); this is the kernel's side.  The indices of struct
 * secmmu_dirty_ring::
 *
 *   dirty_index  next entry to push; written by the owning vCPU only
 *                (its ioctls are serialised), read by resetters.
 *   reset_index  next entry to reset; written by resetters under @lock,
 *                read by the vCPU to know how full the ring is.
 *   fetch_index  the in-kernel harvester's cursor, under @lock.
 *
 * Indices are free-running u32; an entry is entries[index & (size - 1)].
 * Every barrier in dirty_ring.c is one end of a pair::
 *
 *   vCPU push                          resetter, harvester, userspace
 *    write slot, offset
 *    release dirty_index + 1   ---->   acquire dirty_index: the entries
 *                                      below it hold slot and offset
 *    release flags = DIRTY     ---->   acquire flags == DIRTY, read slot
 *                                      and offset
 *
 *   userspace or SECMMU_HARVEST        reset (@lock)
 *    acquire flags == DIRTY,
 *    read slot and offset
 *    release flags = RESET     ---->   acquire flags == RESET, check
 *                                      slot and offset, write-protect
 *
 *   reset (@lock)                      vCPU push, soft limit
 *    release flags = 0
 *    release reset_index + 1   ---->   acquire reset_index: the entries
 *                                      below it are free
 *
 * The index is published before DIRTY: a harvester may mark the entry
 * RESET as soon as it sees DIRTY, and a reset that then sees RESET must
 * also see the entry as pushed (or it would stop short of it and leave the
 * page writable after userspace copied it).  The harvester marks RESET
 * only after its copy out succeeded, so a failed copy loses nothing.
 */
#ifndef _SECMMU_DIRTY_RING_H
#define _SECMMU_DIRTY_RING_H

#include <linux/mutex.h>
#include <linux/secmmu.h>
#include <linux/types.h>

struct page;

struct secmmu_vm;
struct secmmu_layout;

struct secmmu_dirty_ring {
	struct secmmu_dirty_gfn *entries;	/* vmap() of @pages, mmapped */
	struct page **pages;			/* memcg-charged, zeroed */
	unsigned int nr_pages;
	u32 size;				/* entries, a power of two */
	u32 dirty_index;
	u32 reset_index;
	u32 fetch_index;
	struct mutex lock;			/* resetters and the harvester */
};

/*
 * Up to 64 pages of one memslot, as a base offset and a mask: what a reset
 * write-protects in one operation.
 */
struct secmmu_dirty_batch {
	u32 slot;
	u64 base;
	u64 mask;				/* 0: empty */
};

int secmmu_dirty_ring_alloc(struct secmmu_dirty_ring *ring, u32 size);
void secmmu_dirty_ring_free(struct secmmu_dirty_ring *ring);
bool secmmu_dirty_ring_soft_full(struct secmmu_dirty_ring *ring);
void secmmu_dirty_ring_pushing(struct secmmu_dirty_ring *ring);
void secmmu_dirty_ring_push(struct secmmu_vm *vm, struct secmmu_dirty_ring *ring,
			    u32 slot, u64 offset);
#define SECMMU_HARVEST_CHUNK	32

typedef int (*secmmu_harvest_out_t)(void *ctx, const struct secmmu_dirty_gfn *out,
				   u32 n);
int secmmu_dirty_ring_harvest(struct secmmu_dirty_ring *ring,
			      struct secmmu_dirty_gfn *out, u32 max,
			      secmmu_harvest_out_t deliver, void *ctx);

/*
 * What one mmu_lock hold write-protects: up to SECMMU_RESET_BATCH pages in
 * any order, across rings, coalesced over the whole batch into 64-page
 * aligned windows.  A window is found by a hash of (slot, window), so an
 * add costs the same however many windows are in use, and a batch of
 * scattered pages (one per window) still fills before it is flushed.
 * Too big for the stack: secmmu_reset_batch_alloc(), kfree().
 */
#define SECMMU_RESET_BATCH	512
#define SECMMU_RESET_HASH	1024	/* power of 2, twice the windows */

struct secmmu_reset_batch {
	u32 nr;					/* windows in use */
	u32 entries;				/* pages added */
	u16 hash[SECMMU_RESET_HASH];		/* window index + 1; 0: free */
	struct secmmu_dirty_batch w[SECMMU_RESET_BATCH];
};

struct secmmu_reset_batch *secmmu_reset_batch_alloc(void);
void secmmu_reset_batch_clear(struct secmmu_reset_batch *rb);
bool secmmu_reset_batch_add(struct secmmu_reset_batch *rb, u32 slot, u64 offset);

/*
 * Reset: walk RESET entries from reset_index, validate each (slot, offset)
 * against @l, hand it to @reprotect through @batch (which coalesces), clear
 * it.  Returns the count reset, or -EBADMSG if the ring is corrupted at its
 * first entry; a pending signal ends the walk early.  The caller hands
 * what is left in @batch to @reprotect and does the remote flush if
 * *@flush was set.
 */
typedef bool (*secmmu_reprotect_fn)(struct secmmu_vm *vm,
				    const struct secmmu_reset_batch *b);
int secmmu_dirty_ring_reset(struct secmmu_vm *vm, struct secmmu_dirty_ring *ring,
			    const struct secmmu_layout *l,
			    struct secmmu_reset_batch *batch,
			    secmmu_reprotect_fn reprotect, bool *flush);

#endif /* _SECMMU_DIRTY_RING_H */
