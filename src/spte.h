/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SPTE encoding.
 *
 * A shadow page-table entry is one u64.  Tables have four levels of 512
 * entries; levels 4..2 hold table entries, level 1 holds leaves, and level 2
 * may hold a huge leaf instead of a table (2 MiB, mirroring a PMD-mapped
 * THP: huge.c).
 *
 *   table entry  PRESENT | physical address of the child table page
 *   leaf entry   PRESENT | pfn << 12 | WRITABLE? | ACCESSED? | DIRTY? |
 *                HOST_WRITABLE? (software: the primary allowed a write, so
 *                dirty logging may make it WRITABLE again without a fault)
 *   huge leaf    a leaf entry | HUGE, the pfn of the first of its 512 pages
 *                (one A and one D bit for all of them)
 *   KEPT         (software, leaves) kept across a protection invalidation
 *                (SECMMU_PROT_KEEP_NUMA_HINT) and not accessed since: the
 *                first vCPU access clears it and counts a fault avoided
 *
 * The A/D/W bit values equal the UAPI's SECMMU_SPTE_* so they can be
 * reported as they are.  Outside mmu_lock a leaf is only ever changed with
 * cmpxchg (setting A/D from a vCPU, clearing A from aging), so a writer
 * under mmu_lock that zaps with xchg always sees the final A/D bits.
 */
#ifndef _SECMMU_SPTE_H
#define _SECMMU_SPTE_H

#include <linux/bits.h>
#include <linux/types.h>
#include <linux/secmmu.h>

#define SPTE_PRESENT		BIT_ULL(0)
#define SPTE_WRITABLE		BIT_ULL(1)
#define SPTE_ACCESSED		BIT_ULL(5)
#define SPTE_DIRTY		BIT_ULL(6)
#define SPTE_HUGE		BIT_ULL(7)
#define SPTE_HOST_WRITABLE	BIT_ULL(9)
#define SPTE_KEPT		BIT_ULL(10)
#define SPTE_ADDR_MASK		GENMASK_ULL(51, 12)

#define SPTE_UAPI_MASK		(SPTE_PRESENT | SPTE_WRITABLE | \
				 SPTE_ACCESSED | SPTE_DIRTY)

static_assert(SPTE_PRESENT == SECMMU_SPTE_PRESENT);
static_assert(SPTE_WRITABLE == SECMMU_SPTE_WRITABLE);
static_assert(SPTE_ACCESSED == SECMMU_SPTE_ACCESSED);
static_assert(SPTE_DIRTY == SECMMU_SPTE_DIRTY);

static inline bool spte_present(u64 spte)
{
	return spte & SPTE_PRESENT;
}

static inline bool spte_writable(u64 spte)
{
	return spte & SPTE_WRITABLE;
}

static inline bool spte_accessed(u64 spte)
{
	return spte & SPTE_ACCESSED;
}

static inline bool spte_dirty(u64 spte)
{
	return spte & SPTE_DIRTY;
}

static inline bool spte_host_writable(u64 spte)
{
	return spte & SPTE_HOST_WRITABLE;
}

static inline bool spte_huge(u64 spte)
{
	return spte & SPTE_HUGE;
}

/* An entry above level 1 that points to a table (not empty, not huge). */
static inline bool spte_is_table(u64 spte)
{
	return spte_present(spte) && !spte_huge(spte);
}

static inline u64 spte_pfn(u64 spte)
{
	return (spte & SPTE_ADDR_MASK) >> 12;
}

/* A new leaf: accessed (it is made for an access), dirty if for a write. */
static inline u64 spte_make_leaf(u64 pfn, bool writable)
{
	u64 spte = SPTE_PRESENT | SPTE_ACCESSED | ((pfn << 12) & SPTE_ADDR_MASK);

	if (writable)
		spte |= SPTE_WRITABLE | SPTE_HOST_WRITABLE | SPTE_DIRTY;
	return spte;
}

/* The same for a huge leaf: @pfn is that of its first page. */
static inline u64 spte_make_huge(u64 pfn, bool writable)
{
	return spte_make_leaf(pfn, writable) | SPTE_HUGE;
}

/* The pfn that leaf @spte, found at @level for @gfn, maps @gfn to. */
static inline u64 spte_pfn_of(u64 spte, int level, u64 gfn)
{
	return spte_pfn(spte) + (level > 1 ? gfn & 511 : 0);
}

static inline u64 spte_make_table(phys_addr_t table_pa)
{
	return SPTE_PRESENT | ((u64)table_pa & SPTE_ADDR_MASK);
}

static inline phys_addr_t spte_table_pa(u64 spte)
{
	return spte & SPTE_ADDR_MASK;
}

#endif /* _SECMMU_SPTE_H */
