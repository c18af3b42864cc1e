/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Installing and zapping leaf SPTEs.  Every function here needs mmu_lock
 * held for write, except secmmu_mmu_map() with @shared (read suffices)
 * and secmmu_spte_lookup() (lockless, RCU).  The zap
 * functions return true when a present leaf was zapped: the caller then
 * owes one secmmu_remote_flush() before anyone may rely on the zap.
 */
#ifndef _SECMMU_MMU_H
#define _SECMMU_MMU_H

#include <linux/bits.h>
#include <linux/types.h>

struct secmmu_vm;
struct secmmu_layout;
struct secmmu_pt_cache;
struct secmmu_rmap_spares;

/* What secmmu_mmu_map() installs. */
struct secmmu_map {
	u32 view;
	int level;		/* 1, or 2: a huge leaf (huge.h) */
	u64 gfn;
	u64 pfn;
	bool writable;
	unsigned long *head;	/* the leaf's rmap head */
	const struct secmmu_layout *l;	/* the heads of leaves in the way */
};

int secmmu_mmu_map(struct secmmu_vm *vm, const struct secmmu_map *m,
		   struct secmmu_pt_cache *cache, bool shared);

void secmmu_leaf_changed(struct secmmu_vm *vm, u64 *sptep, unsigned long *head,
			 struct secmmu_rmap_spares *sp, u64 old, u64 new);
void secmmu_leaf_bad_change(struct secmmu_vm *vm, u64 old, u64 new);

/* Zap flags. */
#define SECMMU_ZAP_FREE_TABLES	BIT(0)	/* unlink and free emptied tables */
#define SECMMU_ZAP_YIELD	BIT(1)	/* may drop mmu_lock and sleep */

bool secmmu_zap_view_range(struct secmmu_vm *vm, const struct secmmu_layout *l,
			   u32 view, u64 start, u64 end, unsigned int flags);
bool secmmu_zap_gfn_range(struct secmmu_vm *vm, const struct secmmu_layout *l,
			  u64 start, u64 end, unsigned int flags);
bool secmmu_zap_hva_range(struct secmmu_vm *vm, const struct secmmu_layout *l,
			  unsigned long start, unsigned long end, unsigned int flags);
bool secmmu_zap_all(struct secmmu_vm *vm, unsigned int flags);
void secmmu_mark_kept_hva_range(struct secmmu_vm *vm, const struct secmmu_layout *l,
				unsigned long start, unsigned long end,
				unsigned int flags);

/*
 * Test hooks at a yielding zap's lock break (testhook.h): whether a test
 * forces a yield the zap would not take, and the window with mmu_lock
 * dropped.  Called once per ZAP_CHECK leaves at most: not a hot path.
 */
bool secmmu_zap_yield_forced(struct secmmu_vm *vm);
void secmmu_zap_yielded(struct secmmu_vm *vm);

u64 secmmu_spte_lookup(struct secmmu_vm *vm, u32 view, u64 gfn, int *level);

#endif /* _SECMMU_MMU_H */
