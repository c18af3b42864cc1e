// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty rings: push, soft limit, reset and the in-kernel harvester.  The
 * contract with userspace is in the UAPI header, the kernel's side and its
 * barriers in dirty_ring.h.
 */
#include <linux/kcsan-checks.h>
#include <linux/gfp.h>
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "dirty_ring.h"
#include "inject.h"
#include "layout.h"
#include "stats.h"
#include "trace.h"
#include "testhook.h"
#include "vm.h"

#define F_DIRTY		SECMMU_DIRTY_GFN_F_DIRTY
#define F_RESET		SECMMU_DIRTY_GFN_F_RESET
#define RESET_CHECK	512	/* entries between signal checks */

/*
 * The entries live in pages charged to the opener's memcg (a ring is up to
 * SECMMU_DIRTY_RING_MAX entries per vCPU), mapped contiguously with
 * VM_USERMAP so that mmap can hand them out (remap_vmalloc_range()).
 */
int secmmu_dirty_ring_alloc(struct secmmu_dirty_ring *ring, u32 size)
{
	unsigned int i, n = PAGE_ALIGN(size * sizeof(*ring->entries)) >> PAGE_SHIFT;

	ring->entries = NULL;
	ring->nr_pages = 0;
	ring->pages = secmmu_inject_alloc(kvcalloc(n, sizeof(*ring->pages),
						   GFP_KERNEL_ACCOUNT));
	if (!ring->pages)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		ring->pages[i] = secmmu_inject_alloc(alloc_page(GFP_KERNEL_ACCOUNT |
								 __GFP_ZERO));
		if (!ring->pages[i])
			goto fail;
	}
	ring->nr_pages = n;
	ring->entries = vmap(ring->pages, n, VM_MAP | VM_USERMAP, PAGE_KERNEL);
	if (!ring->entries)
		goto fail;
	ring->size = size;
	ring->dirty_index = 0;
	ring->reset_index = 0;
	ring->fetch_index = 0;
	mutex_init(&ring->lock);
	return 0;
fail:
	ring->nr_pages = i;
	secmmu_dirty_ring_free(ring);
	return -ENOMEM;
}

void secmmu_dirty_ring_free(struct secmmu_dirty_ring *ring)
{
	unsigned int i;

	if (ring->entries)
		vunmap(ring->entries);
	ring->entries = NULL;
	for (i = 0; i < ring->nr_pages; i++)
		__free_page(ring->pages[i]);
	kvfree(ring->pages);
	ring->pages = NULL;
	ring->nr_pages = 0;
}

static struct secmmu_dirty_gfn *entry(struct secmmu_dirty_ring *ring, u32 index)
{
	return &ring->entries[index & (ring->size - 1)];
}

static u32 ring_used(struct secmmu_dirty_ring *ring)
{
	/* Acquire: pairs with the resetter's release; freed entries are 0. */
	return ring->dirty_index - smp_load_acquire(&ring->reset_index);
}

/* True when a push could eat into the reserve: stop dirtying. */
bool secmmu_dirty_ring_soft_full(struct secmmu_dirty_ring *ring)
{
	return ring_used(ring) >= ring->size - SECMMU_DIRTY_RING_RSVD;
}

/* Test hook: a push that published its index but not yet DIRTY. */
void secmmu_dirty_ring_pushing(struct secmmu_dirty_ring *ring)
{
	SECMMU_TEST_HOOK(secmmu_dirty_ring_pushing, ring);
}

/*
 * The owning vCPU only.  The soft limit keeps a free entry for this.  The
 * index is published before DIRTY ("Dirty ring contract", dirty_ring.h).
 */
void secmmu_dirty_ring_push(struct secmmu_vm *vm, struct secmmu_dirty_ring *ring,
			    u32 slot, u64 offset)
{
	struct secmmu_dirty_gfn *e = entry(ring, ring->dirty_index);

	/* KCSAN: no other writer of dirty_index may run concurrently. */
	ASSERT_EXCLUSIVE_WRITER(ring->dirty_index);
	if (ring_used(ring) >= ring->size || READ_ONCE(e->flags)) {
		/* Only a ring userspace corrupted gets here; the entry is ours. */
		secmmu_stat_inc(vm, SECMMU_STAT_DIRTY_RING_ERRORS);
	}
	WRITE_ONCE(e->slot, slot);
	WRITE_ONCE(e->offset, offset);
	/* Release: resetters reading dirty_index see slot and offset. */
	smp_store_release(&ring->dirty_index, ring->dirty_index + 1);
	secmmu_dirty_ring_pushing(ring);
	/* Release: slot, offset and the index are visible before DIRTY is. */
	smp_store_release(&e->flags, F_DIRTY);
	secmmu_stat_inc(vm, SECMMU_STAT_DIRTY_LOGGED);
	trace_secmmu_ring_push(slot, offset, ring_used(ring));
}

static_assert(SECMMU_RESET_HASH >= 2 * SECMMU_RESET_BATCH &&
	      !(SECMMU_RESET_HASH & (SECMMU_RESET_HASH - 1)) &&
	      SECMMU_RESET_BATCH <= U16_MAX);

/* Only the hash needs zeroing: windows are written before they are read. */
struct secmmu_reset_batch *secmmu_reset_batch_alloc(void)
{
	struct secmmu_reset_batch *rb;

	rb = secmmu_inject_alloc(kmalloc(sizeof(*rb), GFP_KERNEL_ACCOUNT));

	if (rb) {
		memset(rb->hash, 0, sizeof(rb->hash));
		rb->nr = 0;
		rb->entries = 0;
	}
	return rb;
}

/* Empty @rb for the next batch (after it was handed to reprotect). */
void secmmu_reset_batch_clear(struct secmmu_reset_batch *rb)
{
	if (rb->nr)
		memset(rb->hash, 0, sizeof(rb->hash));
	rb->nr = 0;
	rb->entries = 0;
}

/*
 * Add page @offset of memslot @slot to @rb: to its window if the batch has
 * it, else to a new one.  False: @rb is full, flush it.
 */
bool secmmu_reset_batch_add(struct secmmu_reset_batch *rb, u32 slot, u64 offset)
{
	u64 base = round_down(offset, 64);
	u32 i = hash_64(((u64)slot << 56) ^ (offset / 64), ilog2(SECMMU_RESET_HASH));
	struct secmmu_dirty_batch *w;

	if (rb->entries >= SECMMU_RESET_BATCH)
		return false;
	/* Open addressing, linear probing; at most half full. */
	for (; rb->hash[i]; i = (i + 1) % SECMMU_RESET_HASH) {
		w = &rb->w[rb->hash[i] - 1];
		if (w->slot == slot && w->base == base)
			goto add;
	}
	w = &rb->w[rb->nr++];
	rb->hash[i] = rb->nr;
	*w = (struct secmmu_dirty_batch){ .slot = slot, .base = base };
add:
	w->mask |= BIT_ULL(offset - base);
	rb->entries++;
	return true;
}

/*
 * 1: a page to protect again; 0: its memslot was deleted since the push
 * (nothing to protect, the entry is simply freed); -1: corrupted (a slot
 * id never used, or an offset beyond a live memslot).
 */
static int entry_check(const struct secmmu_layout *l, u32 slot, u64 offset)
{
	if (slot >= SECMMU_MAX_MEMSLOTS)
		return -1;
	if (!l->slots[slot].npages)
		return l->slots_ever_used & BIT(slot) ? 0 : -1;
	return offset < l->slots[slot].npages ? 1 : -1;
}

/* Is there a RESET entry after a DIRTY one (reset out of order)? */
static bool reset_out_of_order(struct secmmu_dirty_ring *ring, u32 from, u32 end)
{
	for (; from != end; from++) {
		/* Acquire: as for any entry the reset reads. */
		if (smp_load_acquire(&entry(ring, from)->flags) == F_RESET)
			return true;
	}
	return false;
}

int secmmu_dirty_ring_reset(struct secmmu_vm *vm, struct secmmu_dirty_ring *ring,
			    const struct secmmu_layout *l,
			    struct secmmu_reset_batch *batch,
			    secmmu_reprotect_fn reprotect, bool *flush)
{
	bool corrupt = false;
	u32 end, count = 0;
	int check;

	mutex_lock(&ring->lock);
	/* Acquire: slot and offset of the entries below it are written. */
	end = smp_load_acquire(&ring->dirty_index);
	for (;;) {
		struct secmmu_dirty_gfn *e = entry(ring, ring->reset_index);
		/*
		 * Acquire: the harvester's reads happened before its RESET,
		 * and so did the push's index bump (before its DIRTY).
		 */
		u32 flags = smp_load_acquire(&e->flags);
		u32 slot;
		u64 offset;

		if (flags == 0 || flags == F_DIRTY) {
			/*
			 * Not harvested (0: being pushed).  A RESET entry
			 * further on is corruption, unless a harvester (in
			 * order) got to this one meanwhile too.
			 */
			if (ring->reset_index == end)
				break;
			corrupt = reset_out_of_order(ring, ring->reset_index + 1, end);
			/* Acquire: sees that earlier in-order RESET, if any. */
			corrupt &= smp_load_acquire(&e->flags) != F_RESET;
			break;
		}
		if (ring->reset_index == end) {
			/* Acquire: the bump the harvester's DIRTY came after. */
			end = smp_load_acquire(&ring->dirty_index);
			if (ring->reset_index == end) {
				/* RESET on an entry never pushed. */
				corrupt = true;
				break;
			}
		}
		slot = READ_ONCE(e->slot);
		offset = READ_ONCE(e->offset);
		check = entry_check(l, slot, offset);
		if (flags != F_RESET || check < 0) {
			corrupt = true;
			break;
		}
		if (check && !secmmu_reset_batch_add(batch, slot, offset)) {
			/* One mmu_lock hold for the whole batch. */
			*flush |= reprotect(vm, batch);
			secmmu_reset_batch_clear(batch);
			secmmu_reset_batch_add(batch, slot, offset);
			cond_resched();
		}
		/* Release: the entry is free again, for the vCPU's next push. */
		smp_store_release(&e->flags, 0);
		/* Release: a vCPU that sees the index sees the entry free. */
		smp_store_release(&ring->reset_index, ring->reset_index + 1);
		count++;
		if (!(count % RESET_CHECK)) {
			if (signal_pending(current))
				break;
			cond_resched();
		}
	}
	mutex_unlock(&ring->lock);

	secmmu_stat_add(vm, SECMMU_STAT_DIRTY_RESETS, count);
	trace_secmmu_ring_reset(count);
	if (corrupt) {
		secmmu_stat_inc(vm, SECMMU_STAT_DIRTY_RING_ERRORS);
		if (!count)
			return -EBADMSG;
	}
	return count;
}

/*
 * The in-kernel harvester: collect up to @max (<= SECMMU_HARVEST_CHUNK)
 * DIRTY entries following the userspace protocol.  Entries a userspace
 * harvester already marked RESET are skipped.  The collected entries are
 * marked RESET only once @deliver (may be NULL) has taken them, so a failed
 * copy loses nothing.  Returns the count, @deliver's error, or -EINTR when
 * a signal interrupted the wait for the ring's lock.
 */
int secmmu_dirty_ring_harvest(struct secmmu_dirty_ring *ring,
			      struct secmmu_dirty_gfn *out, u32 max,
			      secmmu_harvest_out_t deliver, void *ctx)
{
	u32 at[SECMMU_HARVEST_CHUNK];
	u32 idx, end, i, n = 0;
	int ret = 0;

	max = min_t(u32, max, SECMMU_HARVEST_CHUNK);
	if (mutex_lock_interruptible(&ring->lock))
		return -EINTR;
	/* Acquire: entries up to dirty_index were fully pushed. */
	end = smp_load_acquire(&ring->dirty_index);
	idx = ring->fetch_index;
	if ((s32)(ring->reset_index - idx) > 0)
		idx = ring->reset_index;
	for (; idx != end && n < max; idx++) {
		struct secmmu_dirty_gfn *e = entry(ring, idx);
		/* Acquire: pairs with the push's release of DIRTY. */
		u32 flags = smp_load_acquire(&e->flags);

		if (flags == F_RESET)
			continue;
		if (flags != F_DIRTY)
			break;
		out[n].flags = F_DIRTY;
		out[n].slot = READ_ONCE(e->slot);
		out[n].offset = READ_ONCE(e->offset);
		at[n++] = idx;
	}
	if (n && deliver)
		ret = deliver(ctx, out, n);
	if (!ret) {
		for (i = 0; i < n; i++) {
			/* Release: our reads of the entry are done before RESET. */
			smp_store_release(&entry(ring, at[i])->flags, F_RESET);
		}
		ring->fetch_index = idx;
	}
	mutex_unlock(&ring->lock);
	return ret ? ret : n;
}
