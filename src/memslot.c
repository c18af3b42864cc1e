// SPDX-License-Identifier: GPL-2.0
/*
 * Memslots: gfn ranges backed by ranges of the VM process's address space.
 * Validation is a pure function of the current layout and the request, so a
 * rejected request never changes anything.
 */
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "inject.h"
#include "layout.h"
#include "testhook.h"

#define SECMMU_MEM_FLAGS_KNOWN	(SECMMU_MEM_LOG_DIRTY | SECMMU_MEM_READONLY)

/* Tests make it fail (a VM that cannot get its first layout). */
struct secmmu_layout *secmmu_layout_alloc(void)
{
	SECMMU_TEST_HOOK(secmmu_layout_alloc);
	return secmmu_inject_alloc(kvzalloc(sizeof(struct secmmu_layout),
					    GFP_KERNEL_ACCOUNT));
}

struct secmmu_layout *secmmu_layout_dup(const struct secmmu_layout *l)
{
	struct secmmu_layout *n = secmmu_layout_alloc();

	if (n)
		memcpy(n, l, sizeof(*n));
	return n;
}

void secmmu_layout_free(struct secmmu_layout *l)
{
	kvfree(l);
}

/*
 * Check that memslot @id, now @old (npages 0: unused), may become @req.
 * Returns 0 or the errno documented for SECMMU_SET_MEMSLOT.
 */
int secmmu_slot_check(const struct secmmu_layout *l,
		      const struct secmmu_slot *old,
		      const struct secmmu_slot *req, u32 id)
{
	u32 i;

	if (req->flags & ~SECMMU_MEM_FLAGS_KNOWN)
		return -EINVAL;

	if (!req->npages) {			/* delete */
		if (req->base_gfn || req->hva || req->flags)
			return -EINVAL;
		return old->npages ? 0 : -ENOENT;
	}

	if (old->npages) {			/* change flags */
		if (req->base_gfn != old->base_gfn ||
		    req->npages != old->npages || req->hva != old->hva)
			return -EINVAL;
		return 0;
	}

	if (!PAGE_ALIGNED(req->hva))
		return -EINVAL;
	if (req->npages > SECMMU_MAX_SLOT_PAGES)
		return -E2BIG;
	if (!secmmu_range_ok(req->base_gfn, req->npages, SECMMU_GFN_LIMIT) ||
	    !secmmu_range_ok(req->hva, req->npages << PAGE_SHIFT, TASK_SIZE))
		return -ERANGE;

	for (i = 0; i < SECMMU_MAX_MEMSLOTS; i++) {
		const struct secmmu_slot *s = &l->slots[i];

		if (i == id || !s->npages)
			continue;
		if (req->base_gfn < s->base_gfn + s->npages &&
		    s->base_gfn < req->base_gfn + req->npages)
			return -EEXIST;
	}
	return 0;
}

const struct secmmu_slot *secmmu_slot_find(const struct secmmu_layout *l, u64 gfn)
{
	u32 i;

	for (i = 0; i < SECMMU_MAX_MEMSLOTS; i++) {
		const struct secmmu_slot *s = &l->slots[i];

		if (s->npages && gfn >= s->base_gfn &&
		    gfn - s->base_gfn < s->npages)
			return s;
	}
	return NULL;
}

u64 secmmu_slot_hva(const struct secmmu_slot *slot, u64 gfn)
{
	return slot->hva + ((gfn - slot->base_gfn) << PAGE_SHIFT);
}

struct secmmu_hva_piece *secmmu_hva_piece_start(struct secmmu_hva_piece *p)
{
	p->next = 0;
	return p;
}

/* The next memslot overlapping [start, end); partial pages count whole. */
bool secmmu_hva_piece_next(const struct secmmu_layout *l, u64 start, u64 end,
			   struct secmmu_hva_piece *p)
{
	/* Only the ids ever used can hold a memslot: the hooks' common case is one. */
	while (p->next < SECMMU_MAX_MEMSLOTS && (l->slots_ever_used >> p->next)) {
		const struct secmmu_slot *s;
		u64 s_end;

		p->next += __ffs(l->slots_ever_used >> p->next);
		s = &l->slots[p->next++];
		s_end = s->hva + (s->npages << PAGE_SHIFT);

		if (!s->npages || start >= s_end || end <= s->hva)
			continue;
		p->slot = s;
		p->first = (max(start, s->hva) - s->hva) >> PAGE_SHIFT;
		p->n = DIV_ROUND_UP_ULL(min(end, s_end) - s->hva, PAGE_SIZE) - p->first;
		p->hva = s->hva + (p->first << PAGE_SHIFT);
		return true;
	}
	return false;
}
