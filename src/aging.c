// SPDX-License-Identifier: GPL-2.0
/*
 * Aging: answer "was this page accessed through the secondary MMU since the
 * last time we were asked?" for reclaim (the mmu_notifier aging hooks) and
 * for harnesses (SECMMU_AGE, per page, with fast-only and look-around).
 *
 * Every answer goes memslot gfn -> rmap head -> leaf SPTEs (the chains are
 * rmap.c's, the per-mode policy of walking them is here), in the VM's rmap
 * mode, or, in TABLE_WALK mode, memslot gfns -> the view gfn
 * ranges that map them -> each view's table.  Walkers hold vm->srcu (the
 * layout and the rmap arrays stay alive) and RCU (table pages stay alive);
 * in LOCKED mode a run of pages is walked under one mmu_lock write hold
 * (as KVM's shadow MMU ages under its write lock: faults wait meanwhile).
 * The mode is fixed once a memslot exists: it is read once per call.
 *
 * clear_flush_young never flushes: secmmu vCPUs cache no translation, every
 * access re-reads the leaf and sets A again with cmpxchg, so clearing A is
 * immediately visible.  (A hardware MMU would keep using a cached A=1 TLB
 * entry and under-report young pages until the next flush; the trade-off KVM
 * makes is the same.)  The elided flushes are counted.
 */
#include <linux/mm.h>
#include <linux/sched/signal.h>

#include "aging.h"
#include "huge.h"
#include "inject.h"
#include "pgtable.h"
#include "rmap.h"
#include "spte.h"
#include "testhook.h"
#include "trace.h"
#include "vm.h"
#include "walk.h"

#define AGE_CHUNK	512		/* pages between signal checks */

/*
 * Huge leaves already answered in this call: one A bit answers for 512
 * pages, so a block is aged once per call and its answer reused for every
 * page of it, even across chunks (cleared for the first page, it would
 * read old for the rest).  A call (and each look-around) visits each
 * memslot's pages in ascending order, so a block it has left never comes
 * again: remembering each memslot's last block is exact, however many
 * other huge leaves come between two visits of it.
 *
 * The rmap modes age a block's head once, at the first page.  The table
 * walk meets a block's huge leaves (one per aliasing view range, each of
 * which maps the whole block: huge.h) in every chunk that holds some of
 * its pages; each chunk remembers the answer for its last block.
 */
struct age_memo {
	u32 blk[SECMMU_MAX_MEMSLOTS];	/* 1 + the block; 0: none yet */
	u8 r[SECMMU_MAX_MEMSLOTS];	/* its answer (RMAP_AGE_*) */
};

struct age_req {
	u32 mode;			/* vm->rmap_mode, read once per call */
	bool clear;
	bool fast_only;
	bool took_lock;			/* out: some page needed mmu_lock */
	unsigned long *young;		/* bitmaps for this chunk, may be NULL */
	unsigned long *failed;
	u64 nr_young;
	u64 nr_failed;
	struct age_memo *memo;		/* NULL: one for this page run */
	u32 slot_id;			/* the memslot being aged */
};

#if IS_ENABLED(CONFIG_SECMMU_KUNIT_TEST)
void secmmu_age_leaf_read(u64 *sptep, u64 spte)
{
	SECMMU_TEST_HOOK(secmmu_age_leaf_read, sptep, spte);
}
#endif

/*
 * Clear (or test) one leaf's A bit without a lock: the cmpxchg acts only
 * if the leaf is unchanged since it was read.  Returns young; a lost race
 * counts as young (a vCPU is setting A/D, or a zap is under way).  The
 * test hook sits in that window (aging_test.c changes the leaf there).
 */
static __always_inline bool age_leaf(u64 *sptep, u64 spte, bool clear,
				     u64 *lost)
{
	/* One test for both bits: this is every walker's inner loop. */
	if ((spte & (SPTE_PRESENT | SPTE_ACCESSED)) != (SPTE_PRESENT | SPTE_ACCESSED))
		return false;
	if (!clear)
		return true;
	secmmu_age_leaf_read(sptep, spte);
	if (!secmmu_age_try_cmpxchg(sptep, &spte, spte & ~SPTE_ACCESSED))
		(*lost)++;
	return true;
}

/*
 * The rmap walkers' policy, per mode: which heads are answered without a
 * lock, under the head's bit, or under mmu_lock (rmap.h has the rules).
 */

/* Every leaf of a head; the chain must be stable (mmu_lock or the bit). */
static __always_inline bool age_leaves(unsigned long head, bool clear, u64 *lost)
{
	struct secmmu_rmap_iter it;
	bool young = false;

	for_each_rmap_spte(it, head)
		young |= age_leaf(it.sptep, READ_ONCE(*it.sptep), clear, lost);
	return young;
}

static unsigned int age_chain(struct secmmu_vm *vm, unsigned long head, bool clear)
{
	u64 lost = 0;
	bool young = age_leaves(head, clear, &lost);

	if (lost)
		secmmu_stat_add(vm, SECMMU_STAT_RMAP_CMPXCHG_FAILED, lost);
	return young ? RMAP_AGE_YOUNG : 0;
}

/* Locked walk: the caller holds mmu_lock. */
unsigned int secmmu_rmap_age_locked(struct secmmu_vm *vm, unsigned long *head,
				    bool clear)
{
	lockdep_assert_held(&vm->mmu_lock);
	return age_chain(vm, READ_ONCE(*head), clear);
}

static unsigned int age_fallback(struct secmmu_vm *vm, unsigned long *head,
				 bool clear)
{
	unsigned int young;

	secmmu_stat_inc(vm, SECMMU_STAT_RMAP_LOCK_FALLBACKS);
	write_lock(&vm->mmu_lock);
	young = secmmu_rmap_age_locked(vm, head, clear);
	write_unlock(&vm->mmu_lock);
	return young | RMAP_AGE_LOCKED;
}

/*
 * Age one gfn in the VM's rmap mode, the caller inside rcu_read_lock() and
 * not holding mmu_lock.  @fast_only: never take mmu_lock; report the gfns
 * that would need it.  Whether a gfn is fast depends only on the mode and
 * the head's form, never on whether a lock happens to be free.
 */
unsigned int secmmu_rmap_age(struct secmmu_vm *vm, unsigned long *head,
			     bool clear, bool fast_only)
{
	unsigned long h = READ_ONCE(*head);
	unsigned int young;

	if (!(h & RMAP_PTR_MASK))
		return 0;

	switch (READ_ONCE(vm->rmap_mode)) {
	case SECMMU_RMAP_SINGLE_LOCKLESS:
		if (secmmu_rmap_direct(h)) {
			secmmu_stat_inc(vm, SECMMU_STAT_RMAP_LOCKLESS);
			return age_chain(vm, h, clear);
		}
		if (fast_only) {
			secmmu_stat_inc(vm, SECMMU_STAT_RMAP_MULTI_SKIPPED);
			return RMAP_AGE_FAST_FAILED;
		}
		return age_fallback(vm, head, clear);
	case SECMMU_RMAP_LOCK_BIT:
		secmmu_stat_inc(vm, SECMMU_STAT_RMAP_BIT_LOCKS);
		h = secmmu_rmap_lock(vm, head);
		young = age_chain(vm, h, clear);
		secmmu_rmap_unlock(head, h);
		return young;
	default:
		if (fast_only)
			return RMAP_AGE_FAST_FAILED;
		return age_fallback(vm, head, clear);
	}
}

/* Counters of one run of heads, added once per run. */
struct age_counts {
	u64 lockless;
	u64 bitlocks;
	u64 locked;			/* direct heads under mmu_lock */
	u64 lost;
};

/*
 * One head in the VM's mode.  A direct head in SINGLE_LOCKLESS mode (the
 * common case at alias degree 1) and every head in LOCK_BIT mode are
 * handled inline.
 */
static __always_inline unsigned int age_head(struct secmmu_vm *vm,
					     unsigned long *head,
					     struct age_req *req, bool locked,
					     struct age_counts *c)
{
	unsigned long h = READ_ONCE(*head);
	unsigned int r;

	if (!(h & RMAP_PTR_MASK))
		return 0;
	if (locked)
		return secmmu_rmap_age_locked(vm, head, req->clear) | RMAP_AGE_LOCKED;
	if (req->mode == SECMMU_RMAP_SINGLE_LOCKLESS && secmmu_rmap_direct(h)) {
		u64 *sptep = (u64 *)(h & RMAP_PTR_MASK);

		c->lockless++;
		return age_leaf(sptep, READ_ONCE(*sptep), req->clear, &c->lost) ?
		       RMAP_AGE_YOUNG : 0;
	}
	if (req->mode == SECMMU_RMAP_LOCK_BIT) {
		h = secmmu_rmap_lock(vm, head);
		r = age_leaves(h, req->clear, &c->lost) ? RMAP_AGE_YOUNG : 0;
		secmmu_rmap_unlock(head, h);
		c->bitlocks++;
		return r;
	}
	return secmmu_rmap_age(vm, head, req->clear, req->fast_only);
}

/* The answer of page @idx's block's huge leaves (huge.h), once per call. */
static unsigned int age_huge_head(struct secmmu_vm *vm,
				  const struct secmmu_slot *slot, u64 idx,
				  struct age_req *req, bool locked,
				  struct age_counts *c)
{
	struct age_memo *m = req->memo;
	u64 blk = secmmu_slot_block(slot, idx);

	if (m->blk[req->slot_id] != blk + 1) {
		m->blk[req->slot_id] = blk + 1;
		m->r[req->slot_id] = age_head(vm, &slot->hrmap[blk], req, locked, c);
	}
	return m->r[req->slot_id];
}

/*
 * How a word of direct heads is walked: without a lock (SINGLE_LOCKLESS),
 * under the caller's mmu_lock (LOCKED), or each under its head's lock bit
 * (LOCK_BIT).  The per-page path is the same in all three; only the lock
 * differs, so the modes' costs differ by their locking alone.
 */
enum age_how {
	AGE_LOCKLESS,
	AGE_UNDER_MMU_LOCK,
	AGE_UNDER_BIT,
};

/*
 * An rmap walk of a memslot without huge leaves, one bitmap word at a
 * time: heads [0, @w) of @heads.  Direct heads are answered here, with one
 * load of the leaf and at most one cmpxchg (and, under the bit, the bit's
 * take and release); the others are left in *@slow for age_head().  Small
 * enough that every value lives in a register: the cmpxchg's memory
 * clobber would reload anything kept in memory, per page.
 */
static __always_inline unsigned long age_direct_word(struct secmmu_vm *vm,
						     unsigned long *heads,
						     unsigned int w, bool clear,
						     enum age_how how,
						     unsigned long *slow,
						     struct age_counts *c)
{
	unsigned long ym = 0, sm = 0;
	u64 walked = 0, lost = 0;
	unsigned int j;

	for (j = 0; j < w; j++) {
		unsigned long h = READ_ONCE(heads[j]);
		u64 *sptep;
		bool young;

		if (!(h & RMAP_PTR_MASK))
			continue;
		if (unlikely(!secmmu_rmap_direct(h))) {
			sm |= BIT(j);
			continue;
		}
		walked++;
		if (how == AGE_UNDER_BIT) {
			h = secmmu_rmap_lock(vm, &heads[j]);
			/* Changed before the bit was ours: age_head() again. */
			if (unlikely(!secmmu_rmap_direct(h))) {
				secmmu_rmap_unlock(&heads[j], h);
				sm |= BIT(j);
				continue;
			}
		}
		sptep = (u64 *)(h & RMAP_PTR_MASK);
		young = age_leaf(sptep, READ_ONCE(*sptep), clear, &lost);
		if (how == AGE_UNDER_BIT)
			secmmu_rmap_unlock(&heads[j], h);
		if (young)
			ym |= BIT(j);
	}
	if (how == AGE_LOCKLESS)
		c->lockless += walked;
	else if (how == AGE_UNDER_BIT)
		c->bitlocks += walked;
	else
		c->locked += walked;
	c->lost += lost;
	*slow = sm;
	return ym;
}

/* One instance per (@how, clear): both are constants inside the loop. */
static __always_inline unsigned long age_word(struct secmmu_vm *vm,
					      unsigned long *heads,
					      unsigned int w, bool clear,
					      enum age_how how,
					      unsigned long *slow,
					      struct age_counts *c)
{
	return clear ? age_direct_word(vm, heads, w, true, how, slow, c) :
		       age_direct_word(vm, heads, w, false, how, slow, c);
}

/*
 * The multi-entry heads of one word (the bits of @slow) in SINGLE_LOCKLESS
 * mode, not fast-only: under one mmu_lock hold, not one per head.
 */
static noinline unsigned long age_fallback_word(struct secmmu_vm *vm,
						unsigned long *heads,
						unsigned long slow, bool clear)
{
	unsigned long ym = 0, j;

	secmmu_stat_add(vm, SECMMU_STAT_RMAP_LOCK_FALLBACKS, hweight_long(slow));
	write_lock(&vm->mmu_lock);
	for_each_set_bit(j, &slow, BITS_PER_LONG)
		if (secmmu_rmap_age_locked(vm, &heads[j], clear) & RMAP_AGE_YOUNG)
			ym |= BIT(j);
	write_unlock(&vm->mmu_lock);
	return ym;
}

/*
 * The rmap walkers: pages [idx, idx + n) of @slot, a bitmap word at a time
 * (the answers are gathered in registers, the bitmaps and counters written
 * once per word).
 */
static void age_rmap_pages(struct secmmu_vm *vm, const struct secmmu_slot *slot,
			   u64 idx, u64 n, u64 bit, struct age_req *req,
			   bool locked)
{
	enum age_how how = locked ? AGE_UNDER_MMU_LOCK :
			   req->mode == SECMMU_RMAP_LOCK_BIT ? AGE_UNDER_BIT :
			   AGE_LOCKLESS;
	/*
	 * Direct heads a word at a time, unless huge leaves need age_head()
	 * or the mode (LOCKED, fast-only) answers without walking.
	 */
	bool direct = !slot->hrmap &&
		      (locked || req->mode == SECMMU_RMAP_SINGLE_LOCKLESS ||
		       req->mode == SECMMU_RMAP_LOCK_BIT);
	struct age_counts c = {};
	u64 i, j, w;

	static_assert(RMAP_AGE_YOUNG == BIT(0) && RMAP_AGE_FAST_FAILED == BIT(1));
	for (i = 0; i < n; i += w) {
		u64 pos = bit + i;
		unsigned long ym = 0, fm = 0, slow;
		unsigned int any = 0;

		w = min_t(u64, n - i, BITS_PER_LONG - pos % BITS_PER_LONG);
		slow = ~0UL >> (BITS_PER_LONG - w);	/* pages for age_head() */
		if (direct) {
			unsigned long *heads = &slot->rmap[idx + i];

			/* A constant @how per call: one loop instance each. */
			if (how == AGE_UNDER_MMU_LOCK)
				ym = age_word(vm, heads, w, req->clear,
					      AGE_UNDER_MMU_LOCK, &slow, &c);
			else if (how == AGE_UNDER_BIT)
				ym = age_word(vm, heads, w, req->clear,
					      AGE_UNDER_BIT, &slow, &c);
			else
				ym = age_word(vm, heads, w, req->clear,
					      AGE_LOCKLESS, &slow, &c);
			any = ym ? RMAP_AGE_YOUNG : 0;
			if (slow && how == AGE_LOCKLESS && !req->fast_only) {
				ym |= age_fallback_word(vm, heads, slow, req->clear);
				any |= RMAP_AGE_LOCKED;
				slow = 0;
			}
		}
		for (; slow; slow &= slow - 1) {
			unsigned int r;

			j = __ffs(slow);
			r = age_head(vm, &slot->rmap[idx + i + j], req, locked, &c);
			if (slot->hrmap)
				r |= age_huge_head(vm, slot, idx + i + j, req, locked, &c);
			ym |= (unsigned long)(r & RMAP_AGE_YOUNG) << j;
			fm |= (unsigned long)((r & RMAP_AGE_FAST_FAILED) >> 1) << j;
			any |= r;
		}
		if (!any)
			continue;
		req->took_lock |= any & RMAP_AGE_LOCKED;
		req->nr_young += hweight_long(ym);
		req->nr_failed += hweight_long(fm);
		if (req->young && ym)
			req->young[pos / BITS_PER_LONG] |= ym << (pos % BITS_PER_LONG);
		if (req->failed && fm)
			req->failed[pos / BITS_PER_LONG] |= fm << (pos % BITS_PER_LONG);
	}
	if (c.locked)
		req->took_lock = true;
	if (c.lockless)
		secmmu_stat_add(vm, SECMMU_STAT_RMAP_LOCKLESS, c.lockless);
	if (c.bitlocks)
		secmmu_stat_add(vm, SECMMU_STAT_RMAP_BIT_LOCKS, c.bitlocks);
	if (c.lost)
		secmmu_stat_add(vm, SECMMU_STAT_RMAP_CMPXCHG_FAILED, c.lost);
}

/*
 * Table walk: is huge leaf @sptep (@spte), of block @blk, young in this
 * call?  A block an earlier chunk answered young is not asked again (its
 * leaves' A bits are cleared); @last_young gathers the answer for the
 * chunk's last block @last.
 */
static bool age_huge_leaf(u64 *sptep, u64 spte, u64 blk, u64 last,
			  bool *last_young, struct age_req *req, u64 *lost)
{
	struct age_memo *m = req->memo;
	bool young;

	if (m->blk[req->slot_id] == blk + 1 &&
	    (m->r[req->slot_id] & RMAP_AGE_YOUNG))
		return true;
	young = age_leaf(sptep, spte, req->clear, lost);
	if (blk == last)
		*last_young |= young;
	return young;
}

/* OR @m into @young's word at bit @pos (@m fits there); the bits new. */
static __always_inline unsigned int young_word_or(unsigned long *young, u64 pos,
						  unsigned long m)
{
	unsigned long *word = &young[pos / BITS_PER_LONG];
	unsigned long add = m << (pos % BITS_PER_LONG);
	unsigned int n = hweight_long(add & ~*word);

	*word |= add;
	return n;
}

/* Table walk: leaves [0, @w) of @run, young ones as a word of bits. */
static __always_inline unsigned long age_run(u64 *run, u64 w, bool clear,
					     u64 *lost)
{
	unsigned long m = 0;
	u64 j;

	for (j = 0; j < w; j++)
		if (age_leaf(&run[j], READ_ONCE(run[j]), clear, lost))
			m |= BIT(j);
	return m;
}

/*
 * Table walk: no rmap.  Every view's leaves over the view gfns that map
 * memslot gfns [first, first + n) (n <= AGE_CHUNK), under RCU only: table
 * pages are freed through RCU and leaves are changed only by cmpxchg.  A
 * page is young if any of its leaves is.
 */
static void age_tables_chunk(struct secmmu_vm *vm, const struct secmmu_layout *l,
			     const struct secmmu_slot *slot, u64 first, u64 n,
			     u64 bit, struct age_req *req)
{
	u64 last = secmmu_slot_block(slot, first + n - 1 - slot->base_gfn);
	struct age_memo *memo = req->memo;
	DECLARE_BITMAP(young, AGE_CHUNK);
	bool clear = req->clear, last_young = false;
	u64 lost = 0, nr = 0, n_w;
	struct secmmu_walk w;
	unsigned long i;

	bitmap_zero(young, n);
	/* Down to the tables of leaves; then a plain loop over each. */
	for_each_alias_spte(w, vm, l, first, first + n, 2) {
		struct secmmu_iter *it = &w.it;
		u64 off = w.a.gfn - first - w.a.view_gfn, end = w.a.view_gfn + w.a.n;
		u64 g, hi = min(it->gfn + SECMMU_PT_ENTRIES, end);
		u64 __rcu *pt;

		if (it->level != 2 || !spte_present(it->old_spte))
			continue;
		if (spte_huge(it->old_spte)) {
			/* Its block: the memslot gfn of its first page. */
			u64 blk = secmmu_slot_block(slot, it->gfn + w.a.gfn -
						    w.a.view_gfn - slot->base_gfn);

			if (!age_huge_leaf(it->sptep, it->old_spte, blk, last,
					   &last_young, req, &lost))
				continue;
			for (g = max(it->gfn, w.a.view_gfn); g < hi; g += n_w) {
				n_w = min_t(u64, hi - g,
					    BITS_PER_LONG - (off + g) % BITS_PER_LONG);
				nr += young_word_or(young, off + g, GENMASK(n_w - 1, 0));
			}
			continue;
		}
		pt = secmmu_pt_child(it->old_spte);
		/* A word of pages at a time: the loop keeps no state in memory. */
		for (g = max(it->gfn, w.a.view_gfn); g < hi; g += n_w) {
			u64 *run = secmmu_pt_entry(pt, g - it->gfn);
			unsigned long m;

			n_w = min_t(u64, hi - g, BITS_PER_LONG - (off + g) % BITS_PER_LONG);
			m = clear ? age_run(run, n_w, true, &lost) :
				    age_run(run, n_w, false, &lost);
			if (m)
				nr += young_word_or(young, off + g, m);
		}
	}
	if (memo->blk[req->slot_id] != last + 1) {
		memo->blk[req->slot_id] = last + 1;
		memo->r[req->slot_id] = 0;
	}
	if (last_young)
		memo->r[req->slot_id] |= RMAP_AGE_YOUNG;
	req->nr_young += nr;
	if (req->young && nr && !(bit % BITS_PER_LONG)) {
		unsigned long *dst = req->young + bit / BITS_PER_LONG;

		bitmap_or(dst, dst, young, n);
	} else if (req->young && nr) {
		for_each_set_bit(i, young, n)
			__set_bit(bit + i, req->young);
	}
	if (lost)
		secmmu_stat_add(vm, SECMMU_STAT_RMAP_CMPXCHG_FAILED, lost);
}

/*
 * Age pages [idx, idx + n) of @slot; their bitmap bits start at @bit.
 * Does not sleep.  LOCKED mode holds mmu_lock for write over the whole run.
 */
static void age_slot_pages(struct secmmu_vm *vm, const struct secmmu_layout *l,
			   const struct secmmu_slot *slot, u64 idx, u64 n,
			   u64 bit, struct age_req *req)
{
	struct age_memo memo = {};
	bool own_memo = !req->memo;
	u64 done, c;

	if (own_memo)
		req->memo = &memo;
	req->slot_id = slot - l->slots;
	rcu_read_lock();
	if (req->mode == SECMMU_RMAP_TABLE_WALK) {
		for (done = 0; done < n; done += c) {
			c = min_t(u64, n - done, AGE_CHUNK);
			age_tables_chunk(vm, l, slot, slot->base_gfn + idx + done,
					 c, bit + done, req);
		}
	} else if (req->mode == SECMMU_RMAP_LOCKED && !req->fast_only) {
		write_lock(&vm->mmu_lock);
		age_rmap_pages(vm, slot, idx, n, bit, req, true);
		write_unlock(&vm->mmu_lock);
	} else {
		age_rmap_pages(vm, slot, idx, n, bit, req, false);
	}
	rcu_read_unlock();
	if (own_memo)
		req->memo = NULL;
	secmmu_stat_add(vm, SECMMU_STAT_AGE_PAGES, n);
}

static bool age_gfns(struct secmmu_vm *vm, const struct secmmu_layout *l,
		     const struct secmmu_gfn_range *r, void *req)
{
	age_slot_pages(vm, l, r->slot, r->start - r->slot->base_gfn,
		       r->end - r->start, r->idx, req);
	return false;
}

/* Age host pages [start, start + (n << PAGE_SHIFT)); bit 0 = @start. */
static void age_hva_pages(struct secmmu_vm *vm, const struct secmmu_layout *l,
			  unsigned long start, u64 n, struct age_req *req)
{
	secmmu_handle_hva_range(vm, l, start, start + (n << PAGE_SHIFT), age_gfns, req);
}

/*
 * The notifier hooks: any page young in [start, end)?  *@fast: answered
 * without taking mmu_lock.
 */
bool secmmu_age_hva_range(struct secmmu_vm *vm, unsigned long start,
			  unsigned long end, bool clear, bool *fast)
{
	struct age_memo memo = {};
	struct age_req req = { .mode = READ_ONCE(vm->rmap_mode), .clear = clear,
			       .memo = &memo };
	int idx;

	*fast = true;
	start = round_down(start, PAGE_SIZE);
	end = round_up(end, PAGE_SIZE);
	if (start >= end)
		return false;

	idx = srcu_read_lock(&vm->srcu);
	age_hva_pages(vm, srcu_dereference(vm->layout, &vm->srcu), start,
		      (end - start) >> PAGE_SHIFT, &req);
	srcu_read_unlock(&vm->srcu, idx);
	secmmu_stat_add(vm, SECMMU_STAT_AGE_YOUNG, req.nr_young);
	*fast = !req.took_lock;
	trace_secmmu_age(start, (end - start) >> PAGE_SHIFT, req.nr_young, 0,
			 req.mode, true);
	return req.nr_young;
}

/*
 * Look-around: for each young page of this chunk, age the rest of its
 * aligned block inside the memslot, skipping pages of the request itself.
 */
static u64 look_around(struct secmmu_vm *vm, const struct secmmu_layout *l,
		       const struct secmmu_slot *slot, const struct secmmu_age *a,
		       u64 chunk_gfn, u64 n, const unsigned long *young,
		       u64 *last_block, u32 mode, bool clear)
{
	struct age_memo memo = {};
	unsigned long i;
	u64 found = 0;

	for_each_set_bit(i, young, n) {
		u64 block = round_down(chunk_gfn + i, SECMMU_AGE_LOOKAROUND_PAGES);
		u64 lo = max(block, slot->base_gfn);
		u64 hi = min(block + SECMMU_AGE_LOOKAROUND_PAGES,
			     slot->base_gfn + slot->npages);
		u64 g;

		if (block == *last_block)
			continue;
		*last_block = block;
		for (g = lo; g < hi; g++) {
			struct age_req nb = { .mode = mode, .clear = clear,
					      .fast_only = true, .memo = &memo };

			if (g >= a->start && g < a->start + a->npages)
				continue;
			age_slot_pages(vm, l, slot, g - slot->base_gfn, 1, 0, &nb);
			found += nb.nr_young;
		}
	}
	return found;
}

/*
 * SECMMU_AGE on @a (copied in and checked by the ioctl layer); fills the
 * out fields, and hands each chunk's bitmaps to @out (if not NULL).
 */
int secmmu_age(struct secmmu_vm *vm, struct secmmu_age *a,
	       secmmu_age_out_t out, void *ctx)
{
	unsigned long young[AGE_CHUNK / BITS_PER_LONG];
	unsigned long failed[AGE_CHUNK / BITS_PER_LONG];
	bool hva = a->flags & SECMMU_AGE_HVA;
	u32 mode = READ_ONCE(vm->rmap_mode);
	const struct secmmu_slot *slot = NULL;
	struct age_memo memo = {};
	struct secmmu_layout *l;
	u64 last_block = U64_MAX;
	bool look;
	int ret, idx;

	a->out_flags = 0;
	a->done = 0;
	a->nr_young = 0;
	a->nr_fast_failed = 0;
	a->nr_lookaround_young = 0;

	look = a->flags & SECMMU_AGE_LOOKAROUND;
	if (look && mode == SECMMU_RMAP_LOCKED) {
		a->out_flags |= SECMMU_AGE_OUT_NO_LOOKAROUND;
		look = false;
	}

	idx = srcu_read_lock(&vm->srcu);
	l = srcu_dereference(vm->layout, &vm->srcu);
	if (!hva) {
		slot = secmmu_slot_find(l, a->start);
		if (!slot || a->npages > slot->base_gfn + slot->npages - a->start) {
			ret = -ENOENT;
			goto out;
		}
	}

	while (a->done < a->npages) {
		u64 n = min_t(u64, a->npages - a->done, AGE_CHUNK);
		struct age_req req = {
			.mode = mode,
			.clear = a->flags & SECMMU_AGE_CLEAR,
			.fast_only = a->flags & SECMMU_AGE_FAST_ONLY,
			.young = young,
			.failed = failed,
			.memo = &memo,
		};

		bitmap_zero(young, AGE_CHUNK);
		bitmap_zero(failed, AGE_CHUNK);
		if (hva)
			age_hva_pages(vm, l, a->start + (a->done << PAGE_SHIFT), n, &req);
		else
			age_slot_pages(vm, l, slot, a->start + a->done - slot->base_gfn,
				       n, 0, &req);
		if (look)
			a->nr_lookaround_young +=
				look_around(vm, l, slot, a, a->start + a->done, n,
					    young, &last_block, mode, req.clear);

		ret = out ? out(ctx, a->done, young, failed, n) : 0;
		if (ret)
			break;
		a->nr_young += req.nr_young;
		a->nr_fast_failed += req.nr_failed;
		a->done += n;
		if (a->done < a->npages && signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	}
	secmmu_stat_add(vm, SECMMU_STAT_AGE_YOUNG, a->nr_young);
	trace_secmmu_age(a->start, a->done, a->nr_young, a->nr_fast_failed, mode,
			 false);
out:
	srcu_read_unlock(&vm->srcu, idx);
	return ret;
}
