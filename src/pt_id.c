// SPDX-License-Identifier: GPL-2.0
/*
 * Table ids: allocation, the directory, release.  The rules are in pt_id.h.
 */
#include <linux/idr.h>
#include <linux/mm.h>

#include "pt_id.h"

u64 **secmmu_pt_id_dir[SECMMU_PT_ID_DIR];
static DEFINE_IDA(pt_ids);

/* The directory chunk of @id, allocated on first use. */
static u64 **pt_id_chunk(unsigned long id, gfp_t gfp)
{
	u64 ***slot = &secmmu_pt_id_dir[id / SECMMU_PT_ID_CHUNK];
	u64 **chunk = READ_ONCE(*slot), **old;

	if (chunk)
		return chunk;
	/* Module-wide, not any one VM's: not charged to a memcg. */
	chunk = (u64 **)get_zeroed_page(gfp & ~__GFP_ACCOUNT);
	if (!chunk)
		return NULL;
	old = cmpxchg(slot, NULL, chunk);
	if (old)		/* another CPU's went in first */
		free_page((unsigned long)chunk);
	return old ?: chunk;
}

void secmmu_pt_id_assign(u64 *table, gfp_t gfp)
{
	struct page *page = virt_to_page(table);
	u64 **chunk;
	int id;

	set_page_private(page, 0);
	id = ida_alloc_range(&pt_ids, 1, SECMMU_PT_IDS - 1, gfp & ~__GFP_ACCOUNT);
	if (id < 0)
		return;		/* no id: the table's leaves go to pairs */
	chunk = pt_id_chunk(id, gfp);
	if (!chunk) {
		ida_free(&pt_ids, id);
		return;
	}
	WRITE_ONCE(chunk[id % SECMMU_PT_ID_CHUNK], table);
	set_page_private(page, id);
}

void secmmu_pt_id_release(u64 *table)
{
	struct page *page = virt_to_page(table);
	unsigned long id = page_private(page);

	if (!id)
		return;
	WRITE_ONCE(secmmu_pt_id_dir[id / SECMMU_PT_ID_CHUNK][id % SECMMU_PT_ID_CHUNK],
		   NULL);
	set_page_private(page, 0);
	ida_free(&pt_ids, id);
}

/* Module exit: every table is freed, so every id is back. */
void secmmu_pt_id_exit(void)
{
	unsigned int i;

	WARN_ON(!ida_is_empty(&pt_ids));
	ida_destroy(&pt_ids);
	for (i = 0; i < SECMMU_PT_ID_DIR; i++) {
		free_page((unsigned long)secmmu_pt_id_dir[i]);
		secmmu_pt_id_dir[i] = NULL;
	}
}
