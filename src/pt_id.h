/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Table ids and leaf handles: a name for a leaf SPTE small enough that an
 * rmap head word holds two of them (rmap.h, the packed form).
 *
 * Every SPTE table page gets an id when it is allocated (secmmu_pt_alloc())
 * and gives it back when it is freed.  Ids are module-wide, 1 to
 * SECMMU_PT_IDS - 1 (0: none), kept in the table page's page->private, and
 * map back to the page through a two-level directory: SECMMU_PT_ID_DIR
 * chunks of one page of pointers each, allocated on first use and freed only
 * at module exit, so a lookup needs no lock.
 *
 * A handle is id << SECMMU_PT_BITS | the leaf's index in its table: 30
 * bits.  A handle is only ever encoded and decoded by rmap writers and
 * walkers that hold the head (its lock bit, or mmu_lock), and a leaf is
 * removed from its rmap before its table is unlinked, so the table a
 * handle names stays allocated and keeps its id while the handle is in a
 * head.
 *
 * When ids run out (2^21 tables: 4 TiB mapped at once) a table has none,
 * and its leaves go to rmap pairs instead: nothing fails.
 */
#ifndef _SECMMU_PT_ID_H
#define _SECMMU_PT_ID_H

#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/types.h>

#include "pgtable.h"

#define SECMMU_PT_ID_BITS	21
#define SECMMU_PT_IDS		BIT(SECMMU_PT_ID_BITS)
#define SECMMU_PT_ID_CHUNK	(PAGE_SIZE / sizeof(u64 *))
#define SECMMU_PT_ID_DIR	(SECMMU_PT_IDS / SECMMU_PT_ID_CHUNK)

#define SECMMU_HANDLE_BITS	(SECMMU_PT_ID_BITS + SECMMU_PT_BITS)
#define SECMMU_HANDLE_MASK	GENMASK(SECMMU_HANDLE_BITS - 1, 0)

extern u64 **secmmu_pt_id_dir[SECMMU_PT_ID_DIR];

void secmmu_pt_id_assign(u64 *table, gfp_t gfp);
void secmmu_pt_id_release(u64 *table);
void secmmu_pt_id_exit(void);

static inline u64 *secmmu_pt_id_table(unsigned long id)
{
	u64 **chunk = READ_ONCE(secmmu_pt_id_dir[id / SECMMU_PT_ID_CHUNK]);

	return chunk ? READ_ONCE(chunk[id % SECMMU_PT_ID_CHUNK]) : NULL;
}

/*
 * The handle of the leaf at @sptep, or 0 when its page is not a table with
 * an id (a test's array, or ids ran out).
 */
static inline unsigned long secmmu_spte_handle(u64 *sptep)
{
	u64 *table = (u64 *)((unsigned long)sptep & PAGE_MASK);
	unsigned long id;

	if (!virt_addr_valid(table))
		return 0;
	id = page_private(virt_to_page(table));
	if (!id || id >= SECMMU_PT_IDS || secmmu_pt_id_table(id) != table)
		return 0;
	return id << SECMMU_PT_BITS | (sptep - table);
}

static inline u64 *secmmu_spte_from_handle(unsigned long handle)
{
	return secmmu_pt_id_table(handle >> SECMMU_PT_BITS) +
	       (handle & (SECMMU_PT_ENTRIES - 1));
}

#endif /* _SECMMU_PT_ID_H */
