// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty logging.
 *
 * A leaf made by a write fault carries SPTE_HOST_WRITABLE: the primary
 * mapping allowed the write.  Logging clears SPTE_WRITABLE and keeps that
 * bit, so the first vCPU write afterwards can make the leaf writable again
 * with one cmpxchg in guest mode (vcpu.c) and record the page here, with no
 * fault and no lock.  A write that faults on a LOG_DIRTY memslot records
 * the page from the fault path.  Records go to the writing vCPU's ring when
 * the VM has rings, else to the memslot's bitmap.
 *
 * Write-protecting goes through the rmap (every view's leaves of a gfn), or
 * in table-walk mode through each view's table over the view gfns that map
 * the pages, under mmu_lock with cmpxchg, as vCPUs may set A/D at the same
 * time; one remote flush per operation makes it effective.
 *
 * Enabling LOG_DIRTY publishes the flag before write-protecting: a vCPU
 * whose cmpxchg undoes a write protection has seen it, and so sees the flag
 * and records the page.
 */
#include <linux/slab.h>

#include "dirty_log.h"
#include "dirty_ring.h"
#include "flush.h"
#include "huge.h"
#include "inject.h"
#include "layout.h"
#include "mmu.h"
#include "pgtable.h"
#include "rmap.h"
#include "trace.h"
#include "spte.h"
#include "testhook.h"
#include "vm.h"
#include "walk.h"

/* Clear W on one leaf (vCPUs may set A/D meanwhile); true if it had W. */
static bool wp_leaf(struct secmmu_vm *vm, u64 *sptep, u64 spte)
{
	do {
		if (!spte_present(spte) || !spte_writable(spte))
			return false;
	} while (!secmmu_spte_try_cmpxchg(sptep, &spte, spte & ~SPTE_WRITABLE));
	secmmu_leaf_changed(vm, sptep, NULL, NULL, spte, spte & ~SPTE_WRITABLE);
	return true;
}

static bool wp_head(struct secmmu_vm *vm, unsigned long *head)
{
	struct secmmu_rmap_iter it;
	bool changed = false;

	for_each_rmap_spte(it, READ_ONCE(*head))
		changed |= wp_leaf(vm, it.sptep, READ_ONCE(*it.sptep));
	return changed;
}

/*
 * Table-walk mode (no rmap): every view's leaves over memslot gfns
 * [first, first + n), those whose offset from @first is set in @mask
 * (n <= 64), or all of them (@mask NULL).
 */
static bool wp_tables(struct secmmu_vm *vm, const struct secmmu_layout *l,
		      u64 first, u64 n, const u64 *mask)
{
	struct secmmu_walk w;
	bool changed = false;

	for_each_alias_leaf(w, vm, l, first, first + n) {
		u64 off = w.a.gfn - first + (w.it.gfn - w.a.view_gfn);

		if (w.it.level > 1)	/* huge: none in a logging slot */
			continue;
		if (!mask || (*mask & BIT_ULL(off)))
			changed |= wp_leaf(vm, w.it.sptep, w.it.old_spte);
	}
	return changed;
}

#define WP_CHUNK	512	/* pages write-protected per mmu_lock hold */

/*
 * Write-protect every leaf of @slot, and zap its huge leaves (dirty records
 * are per 4 KiB page: huge.h); true if a flush is owed.  Slots can be
 * millions of pages: the lock is dropped between chunks (protection is
 * idempotent, and a fault in between installs a leaf that logs anyway).
 * slots_lock is held: the layout stays.
 */
bool secmmu_dirty_wp_slot(struct secmmu_vm *vm, const struct secmmu_slot *slot)
{
	bool flush = false;
	u64 i, c;

	lockdep_assert_held(&vm->slots_lock);
	for (c = 0; c < slot->npages; c += WP_CHUNK) {
		u64 n = min_t(u64, WP_CHUNK, slot->npages - c);

		write_lock(&vm->mmu_lock);
		if (READ_ONCE(vm->huge_leaves))
			flush |= secmmu_zap_huge(vm, secmmu_layout_locked(vm),
						 slot->base_gfn + c,
						 slot->base_gfn + c + n);
		if (!slot->rmap)
			flush |= wp_tables(vm, secmmu_layout_locked(vm),
					   slot->base_gfn + c, n, NULL);
		for (i = c; slot->rmap && i < c + n; i++)
			flush |= wp_head(vm, &slot->rmap[i]);
		write_unlock(&vm->mmu_lock);
		cond_resched();
	}
	return flush;
}

/* Write-protect one window of pages again; mmu_lock held. */
static bool reprotect_window(struct secmmu_vm *vm, const struct secmmu_layout *l,
			     const struct secmmu_dirty_batch *b)
{
	const struct secmmu_slot *slot = &l->slots[b->slot];
	bool flush = false;
	unsigned long bit;
	u64 mask = b->mask;

	if (b->base >= slot->npages)
		return false;
	if (slot->npages - b->base < 64)
		mask &= BIT_ULL(slot->npages - b->base) - 1;
	if (!slot->rmap)
		return wp_tables(vm, l, slot->base_gfn + b->base,
				 min_t(u64, 64, slot->npages - b->base), &mask);
	for_each_set_bit(bit, (unsigned long *)&mask, 64)
		flush |= wp_head(vm, &slot->rmap[b->base + bit]);
	return flush;
}

/*
 * Write-protect the pages of windows @w[0, @nr) again (a reset, or
 * CLEAR_DIRTY_LOG), all in one mmu_lock hold.  For read: protection is a
 * cmpxchg on each leaf (vCPUs set A/D concurrently anyway), and what must
 * not change under the walk, rmap chains and table structure, changes only
 * under the write lock.
 */
static bool reprotect_windows(struct secmmu_vm *vm,
			      const struct secmmu_dirty_batch *w, u32 nr)
{
	const struct secmmu_layout *l;
	bool flush = false;
	u32 i;

	read_lock(&vm->mmu_lock);
	l = secmmu_layout_locked(vm);
	for (i = 0; i < nr; i++)
		flush |= reprotect_window(vm, l, &w[i]);
	read_unlock(&vm->mmu_lock);
	return flush;
}

static bool reprotect(struct secmmu_vm *vm, const struct secmmu_reset_batch *rb)
{
	return reprotect_windows(vm, rb->w, rb->nr);
}

/* Record memslot gfn @gfn as dirty if its slot logs; vCPU context. */
void secmmu_dirty_record(struct secmmu_vcpu *vcpu, const struct secmmu_layout *l,
			 const struct secmmu_slot *slot, u64 gfn)
{
	u64 offset = gfn - slot->base_gfn;

	if (!(slot->flags & SECMMU_MEM_LOG_DIRTY))
		return;
	if (vcpu->ring.entries) {
		secmmu_dirty_ring_push(vcpu->vm, &vcpu->ring, slot - l->slots, offset);
	} else if (slot->dirty_bitmap &&
		   !test_and_set_bit(offset, slot->dirty_bitmap)) {
		/* A page recorded again before its clear is one record. */
		secmmu_stat_inc(vcpu->vm, SECMMU_STAT_DIRTY_LOGGED);
	}
}

/* The memslot page view gfn @gfn maps in @l: false if none. */
static bool view_target(const struct secmmu_layout *l, u32 view, u64 gfn,
			const struct secmmu_slot **slot, u64 *target)
{
	if (!secmmu_view_translate(l, view, gfn, target))
		return false;
	*slot = secmmu_slot_find(l, *target);
	return *slot;
}

/* Test hook: the dirty fast path made a leaf writable, not yet recorded. */
void secmmu_dirty_fast_path(struct secmmu_vcpu *vcpu, u32 view, u64 gfn)
{
	SECMMU_TEST_HOOK(secmmu_dirty_fast_path, vcpu, view, gfn);
}

/*
 * The dirty fast path's record, from a view gfn, in guest mode (vm->srcu
 * held by the access).  @found is the layout read before the leaf was
 * walked.  The layout may change between that read and the record (a
 * SET_VIEW_MAPPING or memslot change zaps the leaf and publishes a new one
 * under mmu_lock).  At most one change can land meanwhile: a change holds
 * slots_lock until synchronize_srcu() has waited for this access.  So the
 * leaf made writable belongs to @found or to the layout current after the
 * cmpxchg: record under @found and, if the current one maps the gfn to
 * another page, under it too.  A spurious record costs one copy; a lost
 * one loses a page.
 */
void secmmu_dirty_record_view(struct secmmu_vcpu *vcpu,
			      const struct secmmu_layout *found, u32 view, u64 gfn)
{
	struct secmmu_vm *vm = vcpu->vm;
	const struct secmmu_layout *now;
	const struct secmmu_slot *s1, *s2;
	bool has1;
	u64 t1, t2;

	has1 = view_target(found, view, gfn, &s1, &t1);
	if (has1)
		secmmu_dirty_record(vcpu, found, s1, t1);
	now = srcu_dereference(vm->layout, &vm->srcu);
	if (now == found || !view_target(now, view, gfn, &s2, &t2))
		return;
	if (!has1 || t1 != t2 || s1 - found->slots != s2 - now->slots)
		secmmu_dirty_record(vcpu, now, s2, t2);
}

/* SECMMU_ENABLE_DIRTY_RING; @entries checked by the ioctl layer. */
long secmmu_dirty_enable_ring(struct secmmu_vm *vm, unsigned long entries)
{
	long ret = 0;

	mutex_lock(&vm->slots_lock);
	if (vm->nr_vcpus || vm->dirty_ring_size)
		ret = -EBUSY;
	else
		WRITE_ONCE(vm->dirty_ring_size, entries);	/* read locklessly */
	mutex_unlock(&vm->slots_lock);
	return ret;
}

/*
 * Reset @only's ring, or every vCPU's ring; one remote flush in all.
 * Returns the entries reset, or -EBADMSG when a ring is corrupted before
 * anything could be reset.
 */
long secmmu_dirty_reset_rings(struct secmmu_vm *vm, struct secmmu_vcpu *only)
{
	struct secmmu_reset_batch *batch;
	struct secmmu_vcpu *vcpu;
	int idx, err = 0;
	bool flush = false;
	long total = 0;

	if (!READ_ONCE(vm->dirty_ring_size))
		return -EINVAL;
	batch = secmmu_reset_batch_alloc();
	if (!batch)
		return -ENOMEM;

	idx = srcu_read_lock(&vm->srcu);
	secmmu_for_each_vcpu(vcpu, vm) {
		int r;

		if (only && vcpu != only)
			continue;
		r = secmmu_dirty_ring_reset(vm, &vcpu->ring,
					    srcu_dereference(vm->layout, &vm->srcu),
					    batch, reprotect, &flush);
		if (r < 0)
			err = r;
		else
			total += r;
	}
	if (batch->nr)
		flush |= reprotect(vm, batch);
	srcu_read_unlock(&vm->srcu, idx);
	kfree(batch);

	if (flush)
		secmmu_remote_flush(vm);
	return total || !err ? total : err;
}

static int dirty_log_slot(struct secmmu_vm *vm, const struct secmmu_layout *l,
			  const struct secmmu_dirty_log *d,
			  const struct secmmu_slot **out)
{
	const struct secmmu_slot *slot;

	if (d->slot >= SECMMU_MAX_MEMSLOTS || !l->slots[d->slot].npages)
		return -ENOENT;
	slot = &l->slots[d->slot];
	if (!slot->dirty_bitmap || READ_ONCE(vm->dirty_ring_size))
		return -EINVAL;
	if (d->first_page % 64 || !d->num_pages || d->first_page >= slot->npages ||
	    d->num_pages > slot->npages - d->first_page)
		return -EINVAL;
	*out = slot;
	return 0;
}

/*
 * Bitmap words per call of the ioctl layer's copy, which opens one user
 * access window for them (put_user() per word paid an indirect call, an
 * access_ok() and a might_fault() a word: 1.5 us a word on a
 * PROVE_LOCKING kernel).
 */
#define LOG_CHUNK_WORDS	32

/* The words of [@w, @w + @n) of @d's range that lie in the range: masked. */
static void log_mask_tail(const struct secmmu_dirty_log *d, u64 w, u32 n,
			  u64 *v)
{
	u64 words = DIV_ROUND_UP(d->num_pages, 64);

	if (w + n == words && d->num_pages % 64)
		v[n - 1] &= BIT_ULL(d->num_pages % 64) - 1;
}

/*
 * Each word read once (vCPUs set bits meanwhile: a bit set after its
 * word's read is reported by the next GET), out a chunk at a time.
 */
static int get_dirty_log(const struct secmmu_slot *slot,
			 const struct secmmu_dirty_log *d,
			 secmmu_log_words_t words_out, void *ctx)
{
	u64 words = DIV_ROUND_UP(d->num_pages, 64), w;
	u64 first = d->first_page / 64;
	u64 buf[LOG_CHUNK_WORDS];

	for (w = 0; w < words; w += LOG_CHUNK_WORDS) {
		u32 n = min_t(u64, LOG_CHUNK_WORDS, words - w), i;

		for (i = 0; i < n; i++)
			buf[i] = READ_ONCE(slot->dirty_bitmap[first + w + i]);
		log_mask_tail(d, w, n, buf);
		if (words_out(ctx, w, buf, n))
			return -EFAULT;
	}
	return 0;
}

#define CLEAR_WINDOWS	32	/* bitmap words per CLEAR_DIRTY_LOG lock hold */

static int clear_dirty_log(struct secmmu_vm *vm, const struct secmmu_slot *slot,
			   const struct secmmu_layout *l,
			   const struct secmmu_dirty_log *d,
			   secmmu_log_words_t words_in, void *ctx)
{
	u64 words = DIV_ROUND_UP(d->num_pages, 64), w;
	struct secmmu_dirty_batch win[CLEAR_WINDOWS];
	u64 first = d->first_page / 64;
	u64 want[LOG_CHUNK_WORDS];
	u32 nr = 0, pages = 0, n = 0, i = 0;
	bool flush = false;
	int ret = 0;

	trace_secmmu_dirty_log_clear(slot - l->slots, d->first_page, d->num_pages);
	for (w = 0; w < words; w++, i++) {
		struct secmmu_dirty_batch *b = &win[nr];

		if (i == n) {
			/* A chunk that fails to copy clears none of its words. */
			n = min_t(u64, LOG_CHUNK_WORDS, words - w);
			i = 0;
			if (words_in(ctx, w, want, n)) {
				ret = -EFAULT;
				break;
			}
			log_mask_tail(d, w, n, want);
		}
		b->slot = slot - l->slots;
		b->base = (first + w) * 64;
		b->mask = want[i] & atomic_long_fetch_andnot(want[i],
				(atomic_long_t *)&slot->dirty_bitmap[first + w]);
		if (!b->mask)
			continue;
		pages += hweight64(b->mask);
		if (++nr == CLEAR_WINDOWS || pages >= SECMMU_RESET_BATCH) {
			/* One lock hold per SECMMU_RESET_BATCH pages at most. */
			flush |= reprotect_windows(vm, win, nr);
			nr = 0;
			pages = 0;
			cond_resched();
		}
	}
	if (nr)
		flush |= reprotect_windows(vm, win, nr);
	if (flush)
		secmmu_remote_flush(vm);
	return ret;
}

/*
 * SECMMU_GET_DIRTY_LOG (@clear false) and SECMMU_CLEAR_DIRTY_LOG; @d's own
 * fields checked by the ioctl layer, the bitmap's words passed out to or in
 * from userspace by @words.
 */
long secmmu_dirty_log(struct secmmu_vm *vm, const struct secmmu_dirty_log *d,
		      bool clear, secmmu_log_words_t words, void *ctx)
{
	const struct secmmu_slot *slot;
	struct secmmu_layout *l;
	int idx, ret;

	idx = srcu_read_lock(&vm->srcu);
	l = srcu_dereference(vm->layout, &vm->srcu);
	ret = dirty_log_slot(vm, l, d, &slot);
	if (!ret) {
		if (clear)
			ret = clear_dirty_log(vm, slot, l, d, words, ctx);
		else
			ret = get_dirty_log(slot, d, words, ctx);
	}
	srcu_read_unlock(&vm->srcu, idx);
	return ret;
}
