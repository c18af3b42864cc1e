/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest physical layout of a VM: its memslots and its views' mapping
 * ranges, in one immutable object.
 *
 * A change builds a new layout (secmmu_layout_dup(), edit, check) and
 * publishes it with rcu_assign_pointer() under slots_lock *and* mmu_lock
 * held for write; the old one is freed after synchronize_srcu(&vm->srcu)
 * and an RCU grace period (the aging hooks hold RCU alone: aging.c).
 * So anyone holding mmu_lock sees the current layout, and a fault that looked
 * at a layout outside mmu_lock (vm->srcu held) notices a change by comparing
 * the pointer once it holds mmu_lock.
 */
#ifndef _SECMMU_LAYOUT_H
#define _SECMMU_LAYOUT_H

#include <linux/bits.h>
#include <linux/types.h>
#include <linux/secmmu.h>

struct secmmu_slot {
	u64 base_gfn;
	u64 npages;		/* 0: slot unused */
	u64 hva;
	u32 flags;
	unsigned long *rmap;	/* npages heads (rmap.h); shared by layout copies */
	unsigned long *hrmap;	/* huge leaves' heads, one per 2 MiB block of
				 * host addresses (huge.h); NULL: no huge
				 * leaves in rmap modes; shared too
				 */
	unsigned long *dirty_bitmap;	/* once LOG_DIRTY was set; shared too */
	struct secmmu_interval *interval; /* interval styles; shared (coherence.h) */
};

struct secmmu_view_range {
	u64 view_gfn;
	u64 npages;
	u64 target_gfn;
};

struct secmmu_view {
	u32 nr_ranges;		/* ranges[] sorted by view_gfn */
	struct secmmu_view_range ranges[SECMMU_MAX_VIEW_RANGES];
};

struct secmmu_layout {
	struct secmmu_slot slots[SECMMU_MAX_MEMSLOTS];
	u32 slots_ever_used;	/* bit per slot id that was ever created;
				 * every slot with pages has its bit
				 * (for_each_hva_piece() looks at no other)
				 */
	struct secmmu_view views[SECMMU_MAX_VIEWS];	/* views[0] unused */
};

struct secmmu_layout *secmmu_layout_alloc(void);
struct secmmu_layout *secmmu_layout_dup(const struct secmmu_layout *l);
void secmmu_layout_free(struct secmmu_layout *l);

/* memslot.c */
int secmmu_slot_check(const struct secmmu_layout *l,
		      const struct secmmu_slot *old,
		      const struct secmmu_slot *req, u32 id);
const struct secmmu_slot *secmmu_slot_find(const struct secmmu_layout *l, u64 gfn);
u64 secmmu_slot_hva(const struct secmmu_slot *slot, u64 gfn);

/* One memslot's share of a host address range: its pages [first, first + n). */
struct secmmu_hva_piece {
	const struct secmmu_slot *slot;
	u64 first;
	u64 n;
	u64 hva;		/* host address of page @first */
	u32 next;		/* slot id to look at next */
};

struct secmmu_hva_piece *secmmu_hva_piece_start(struct secmmu_hva_piece *p);
bool secmmu_hva_piece_next(const struct secmmu_layout *l, u64 start, u64 end,
			   struct secmmu_hva_piece *p);

/* Every memslot overlapping host addresses [start, end), as @p. */
#define for_each_hva_piece(p, l, start, end)				\
	for (struct secmmu_hva_piece *__hp = secmmu_hva_piece_start(&(p)); \
	     secmmu_hva_piece_next(l, start, end, __hp);)

/* view.c */
#define SECMMU_GFN_LIMIT	BIT_ULL(SECMMU_GFN_BITS)	/* gfns below it */
bool secmmu_range_ok(u64 start, u64 n, u64 limit);
int secmmu_view_check(const struct secmmu_view *v,
		      const struct secmmu_view_range *req);
void secmmu_view_insert(struct secmmu_view *v,
			const struct secmmu_view_range *r);
int secmmu_view_find_start(const struct secmmu_view *v, u64 view_gfn);
void secmmu_view_remove(struct secmmu_view *v, int idx);
bool secmmu_view_translate(const struct secmmu_layout *l, u32 view,
			   u64 gfn, u64 *target);
/* The same for gfns [gfn, gfn + n), n >= 1: only if one range maps them all. */
bool secmmu_view_translate_n(const struct secmmu_layout *l, u32 view,
			     u64 gfn, u64 n, u64 *target);

/*
 * One view's mapping of part of memslot gfns [start, end): view gfns
 * [view_gfn, view_gfn + n) map memslot gfns [gfn, gfn + n).  View 0 maps
 * every gfn to itself; views 1.. by their ranges.
 */
struct secmmu_alias {
	u32 view;
	u32 range;		/* next range of @view to look at */
	u64 gfn;
	u64 view_gfn;
	u64 n;
};

struct secmmu_alias *secmmu_alias_start(struct secmmu_alias *a);
bool secmmu_alias_next(const struct secmmu_layout *l, u64 start, u64 end,
		       struct secmmu_alias *a);

/* Every (view, view gfn range) that maps some of memslot gfns [start, end). */
#define for_each_view_alias(a, l, start, end)				\
	for (struct secmmu_alias *__va = secmmu_alias_start(&(a));	\
	     secmmu_alias_next(l, start, end, __va);)

#endif /* _SECMMU_LAYOUT_H */
