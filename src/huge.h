/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Huge (2 MiB) leaves mirroring PMD-mapped THP, for VMs that enabled
 * SECMMU_CAP_HUGE_LEAVES.
 *
 * A block is 512 pages of a memslot whose host addresses form one 2 MiB
 * aligned range.  A fault maps a whole block with one level-2 leaf when
 *  - the memslot does not log dirty pages (records stay 4 KiB exact),
 *  - the block lies inside the memslot, and the view maps its 512 gfns
 *    with one range onto the block, at a 512-aligned view gfn,
 *  - and the primary maps the block with one PMD (a PMD-mapped THP) whose
 *    pfn is the one GUP returned, and allows writing it for a write fault.
 * Otherwise 4 KiB leaves, as without the capability.  A table of 4 KiB
 * leaves already there (mapped before the primary collapsed the block)
 * is replaced by the huge leaf, under mmu_lock for write (mmu.c).
 *
 * A zap of any part of a huge leaf zaps all of it (counted as
 * HUGE_ZAPPED_PARTIAL): KVM would split it into 512 leaves instead, which
 * needs a table allocated under mmu_lock, and the next access refaults
 * cheaply.  Enabling dirty logging zaps the memslot's huge leaves.
 *
 * In the rmap modes a huge leaf is listed in its block's head in
 * slot->hrmap (not in the 4 KiB heads), so aging asks one more head per
 * block, once per call; the table walk meets huge leaves on its way down.
 *
 * Blocks with 4 KiB leaves: a bit per block (secmmu_slot_small(), after
 * the huge heads in the same allocation, shared as they are), so that
 * aging skips the 512 4 KiB heads of a block only huge leaves map (the
 * common case over THP) without reading them.  A set bit means "some 4 KiB
 * head of the block may be non-empty", a clear one "every 4 KiB head of
 * the block is empty":
 *  - set by secmmu_huge_small_added() for every 4 KiB leaf added to an
 *    rmap head (mmu_lock held, read or write), before the add publishes
 *    the leaf (its release store orders the bit before it);
 *  - cleared only by secmmu_huge_small_cleared() under mmu_lock for write
 *    (no add runs then), after it saw every 4 KiB head of the block
 *    empty (a gfn-range zap empties them wholesale); other removals leave
 *    it set: a set bit only costs the walk of the heads.
 * Aging reads the bit (READ_ONCE, no lock) before the heads: a leaf added
 * before the call began is seen, one added meanwhile may not be, as with
 * the heads themselves (rmap.h).
 */
#ifndef _SECMMU_HUGE_H
#define _SECMMU_HUGE_H

#include <linux/mm.h>
#include <linux/types.h>

#include "layout.h"

#define SECMMU_HUGE_PAGES	512
#define SECMMU_HUGE_SHIFT	(PAGE_SHIFT + 9)

/* The block of page @idx of @slot (blocks are numbered from the slot's). */
static inline u64 secmmu_slot_block(const struct secmmu_slot *slot, u64 idx)
{
	u64 first = slot->hva >> PAGE_SHIFT;

	return (first + idx) / SECMMU_HUGE_PAGES - first / SECMMU_HUGE_PAGES;
}

/* Number of blocks @slot touches. */
static inline u64 secmmu_slot_blocks(const struct secmmu_slot *slot)
{
	return slot->npages ? secmmu_slot_block(slot, slot->npages - 1) + 1 : 0;
}

/* rmap words of @slot in an rmap mode: its heads, the huge ones, the bits. */
static inline u64 secmmu_slot_rmap_words(const struct secmmu_slot *slot,
					 bool huge)
{
	u64 blocks = huge ? secmmu_slot_blocks(slot) : 0;

	return slot->npages + blocks + BITS_TO_LONGS(blocks);
}

/* The bits of @slot's blocks that may have 4 KiB leaves (slot->hrmap set). */
static inline unsigned long *secmmu_slot_small(const struct secmmu_slot *slot)
{
	return slot->hrmap + secmmu_slot_blocks(slot);
}

/* The huge-leaf rmap head of page @idx's block, NULL without one. */
static inline unsigned long *secmmu_slot_hhead(const struct secmmu_slot *slot,
					       u64 idx)
{
	return slot->hrmap ? &slot->hrmap[secmmu_slot_block(slot, idx)] : NULL;
}

struct secmmu_vm;

/*
 * May view @view's @gfn, memslot page @target of @slot at host address
 * @hva, be mapped by a huge leaf as far as the layout goes?
 */
bool secmmu_huge_layout_ok(const struct secmmu_layout *l,
			   const struct secmmu_slot *slot, u32 view, u64 gfn,
			   unsigned long hva);

/*
 * Does the primary map @hva's 2 MiB block with one PMD of @pfn's THP
 * (writable if @write)?  Call under mmu_lock after the fault's retry check:
 * any change since the fault's seq snapshot is then an invalidation the
 * check saw (as KVM's host_pfn_mapping_level()).
 */
bool secmmu_huge_host_ok(struct mm_struct *mm, unsigned long hva, u64 pfn,
			 bool write);

/* A 4 KiB leaf is about to be added to rmap head @head (mmu_lock held). */
void secmmu_huge_small_added(struct secmmu_vm *vm, const unsigned long *head);

/*
 * 4 KiB heads [idx, idx + n) of @slot were emptied (mmu_lock for write):
 * clear the bit of each block whose last page is among them and whose
 * 4 KiB heads are all empty.
 */
void secmmu_huge_small_cleared(const struct secmmu_slot *slot, u64 idx, u64 n);

/* Zap the huge leaves over memslot gfns [start, end); mmu_lock for write. */
bool secmmu_zap_huge(struct secmmu_vm *vm, const struct secmmu_layout *l,
		     u64 start, u64 end);

#endif /* _SECMMU_HUGE_H */
