// SPDX-License-Identifier: GPL-2.0
/*
 * Aging: answer "was this page accessed through the secondary MMU since the
 * last time we were asked?" for reclaim (the mmu_notifier aging hooks) and
 * for harnesses (SECMMU_AGE, per page, with fast-only and look-around).
 *
 * Every answer goes memslot gfn -> rmap head -> leaf SPTEs (the chains are
 * rmap.c's, the per-mode policy of walking them is here), in the VM's rmap
 * mode, or, in TABLE_WALK mode, memslot gfns -> the view gfn
 * ranges that map them -> each view's table.  Walkers hold RCU (table
 * pages, and for the hooks the layout and rmap arrays, stay alive) and
 * SECMMU_AGE also vm->srcu (it sleeps between chunks); in LOCKED mode a
 * run of pages is walked under one mmu_lock write hold (as KVM's shadow
 * MMU ages under its write lock: faults wait meanwhile).  The mode is
 * fixed once a memslot exists: it is read, and the walk decided
 * (age_how()), once per call.
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
#include "secmmu_probes.h"
#include "huge.h"
#include "inject.h"
#include "pgtable.h"
#include "rmap.h"
#include "spte.h"
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
	u8 r[SECMMU_MAX_MEMSLOTS];	/* its answer (enum age_answer) */
};

/* One page's (or one head's) answer. */
enum age_answer {
	AGE_OLD,
	AGE_YOUNG,
	AGE_FAILED,		/* fast-only: it would need mmu_lock */
};

#define RMAP_AGE_YOUNG	AGE_YOUNG	/* the table walk's memo answer */

/*
 * How a call walks its rmap heads, decided once per call by age_how()
 * from the VM's mode (fixed once a memslot exists) and fast-only; every
 * head of the call follows it (rmap.h has the rules of each walk):
 *
 *   mode             a direct head        more leaves       fast-only
 *   SINGLE_LOCKLESS  RCU alone            mmu_lock, per head  those fail
 *   LOCK_BIT         the head's bit       the head's bit      as without
 *   LOCKED           mmu_lock, one hold per run of pages      all fail
 *   TABLE_WALK       no rmap: each view's table under RCU (walk.c)
 */
enum age_how {
	AGE_LOCKLESS,
	AGE_UNDER_BIT,
	AGE_UNDER_MMU_LOCK,	/* the run holds mmu_lock for write */
	AGE_FAIL,		/* LOCKED and fast-only: nothing is answered */
	AGE_TABLES,
};

static enum age_how age_how(u32 mode, bool fast_only)
{
	switch (mode) {
	case SECMMU_RMAP_SINGLE_LOCKLESS:
		return AGE_LOCKLESS;
	case SECMMU_RMAP_LOCK_BIT:
		return AGE_UNDER_BIT;
	case SECMMU_RMAP_TABLE_WALK:
		return AGE_TABLES;
	default:
		return fast_only ? AGE_FAIL : AGE_UNDER_MMU_LOCK;
	}
}

/*
 * What the rmap walks of a call did, by head, kept in registers and added
 * to the VM's counters once per call (age_counts_add()).
 */
struct age_counts {
	u64 pages;
	u64 lockless;			/* direct heads without any lock */
	u64 bitlocks;			/* heads under their bit */
	u64 locked;			/* heads under mmu_lock (run or fallback) */
	u64 fallbacks;			/* of those, SINGLE_LOCKLESS's multi heads */
	u64 skipped;			/* multi heads fast-only left alone */
	u64 lost;			/* A-bit clears that lost a race */
};

struct age_req {
	enum age_how how;		/* age_how(), once per call */
	bool clear;
	bool fast_only;
	unsigned long *young;		/* bitmaps for this chunk, may be NULL */
	unsigned long *failed;
	u64 nr_young;
	u64 nr_failed;
	struct age_counts c;
	struct age_memo *memo;		/* NULL: blocks are remembered per run */
	u32 slot_id;			/* the memslot being aged */
};

/*
 * Every leaf of head value @h (any form); a chain must be stable
 * (mmu_lock or the bit), a direct head needs RCU alone.
 */
static __always_inline enum age_answer age_leaves(unsigned long h, bool clear,
						  u64 *lost)
{
	struct secmmu_rmap_iter it;
	bool young = false;

	if (likely(secmmu_rmap_direct(h))) {
		u64 *sptep = (u64 *)(h & RMAP_PTR_MASK);

		return age_leaf(sptep, READ_ONCE(*sptep), clear, lost) ?
		       AGE_YOUNG : AGE_OLD;
	}
	for_each_rmap_spte(it, h)
		young |= age_leaf(it.sptep, READ_ONCE(*it.sptep), clear, lost);
	return young ? AGE_YOUNG : AGE_OLD;
}

/* SINGLE_LOCKLESS, a head with more leaves: under mmu_lock. */
static noinline enum age_answer age_fallback(struct secmmu_vm *vm,
					     unsigned long *head, bool clear,
					     u64 *lost)
{
	enum age_answer r;

	write_lock(&vm->mmu_lock);
	r = age_leaves(READ_ONCE(*head), clear, lost);
	write_unlock(&vm->mmu_lock);
	return r;
}

/*
 * One head as @how says: the one place the per-mode policy is applied.
 * In AGE_UNDER_MMU_LOCK the caller holds mmu_lock for write.
 */
static __always_inline enum age_answer age_head(struct secmmu_vm *vm,
						unsigned long *head,
						enum age_how how, bool clear,
						bool fast_only,
						struct age_counts *c)
{
	unsigned long h = READ_ONCE(*head);
	enum age_answer r;
	u64 lost = 0;

	if (!(h & RMAP_PTR_MASK))
		return AGE_OLD;
	switch (how) {
	case AGE_LOCKLESS:
		if (likely(secmmu_rmap_direct(h))) {
			c->lockless++;
			return age_leaves(h, clear, &c->lost);
		}
		if (fast_only) {
			c->skipped++;
			return AGE_FAILED;
		}
		c->fallbacks++;
		c->locked++;
		/* Not &c->lost: the counts stay in registers. */
		r = age_fallback(vm, head, clear, &lost);
		c->lost += lost;
		return r;
	case AGE_UNDER_BIT:
		c->bitlocks++;
		h = secmmu_rmap_lock(vm, head);
		r = age_leaves(h, clear, &c->lost);
		secmmu_rmap_unlock(head, h);
		return r;
	case AGE_UNDER_MMU_LOCK:
		c->locked++;
		return age_leaves(h, clear, &c->lost);
	default:
		return AGE_FAILED;
	}
}

/*
 * An rmap walk: pages [idx, idx + n) of @slot, bit i of them = bitmap bit
 * @bit + i.  One instance per (@how, @clear), constants in the loop; the
 * answers of a bitmap word are gathered in registers and written once per
 * word.  A block's huge-leaf head (huge.h) is aged once, at the first page
 * of it the call meets, and its 4 KiB heads only if its bit says it may
 * have 4 KiB leaves: over a block only huge leaves map, a call reads one
 * head and one bit, not 513 heads.
 */
static __always_inline void age_rmap_run(struct secmmu_vm *vm,
					 const struct secmmu_slot *slot,
					 u64 idx, u64 n, u64 bit,
					 struct age_req *req,
					 enum age_how how, bool clear)
{
	u64 first = slot->hva >> PAGE_SHIFT, i, w, seg, hblk = U64_MAX;
	struct age_memo *memo = req->memo;
	struct age_counts c = req->c;
	enum age_answer hr = AGE_OLD;

	if (memo && slot->hrmap) {
		hblk = (u64)memo->blk[req->slot_id] - 1;
		hr = memo->r[req->slot_id];
	}
	if (how == AGE_UNDER_MMU_LOCK)
		write_lock(&vm->mmu_lock);
	/* A segment: the run's pages in one block (all of it without hrmap). */
	for (i = 0; i < n; ) {
		bool small = true;
		u64 end;

		seg = n - i;
		if (slot->hrmap) {
			u64 blk = secmmu_slot_block(slot, idx + i);

			if (blk != hblk) {
				hblk = blk;
				hr = age_head(vm, &slot->hrmap[blk], how, clear,
					      req->fast_only, &c);
			}
			seg = min(seg, SECMMU_HUGE_PAGES -
				       (first + idx + i) % SECMMU_HUGE_PAGES);
			small = test_bit(blk, secmmu_slot_small(slot));
		}
		for (end = i + seg; i < end; i += w) {
			u64 pos = bit + i;
			unsigned long all, ym, fm;
			unsigned int j;

			w = min_t(u64, end - i, BITS_PER_LONG - pos % BITS_PER_LONG);
			all = BITMAP_LAST_WORD_MASK(w);
			ym = hr == AGE_YOUNG ? all : 0;
			fm = hr == AGE_FAILED ? all : 0;
			for (j = 0; small && j < w; j++) {
				enum age_answer r = age_head(vm, &slot->rmap[idx + i + j],
							     how, clear,
							     req->fast_only, &c);

				ym |= (unsigned long)(r == AGE_YOUNG) << j;
				fm |= (unsigned long)(r == AGE_FAILED) << j;
			}
			if (!(ym | fm))
				continue;
			req->nr_young += hweight_long(ym);
			req->nr_failed += hweight_long(fm);
			if (req->young && ym)
				req->young[pos / BITS_PER_LONG] |= ym << (pos % BITS_PER_LONG);
			if (req->failed && fm)
				req->failed[pos / BITS_PER_LONG] |= fm << (pos % BITS_PER_LONG);
		}
	}
	if (how == AGE_UNDER_MMU_LOCK)
		write_unlock(&vm->mmu_lock);
	if (memo && slot->hrmap) {
		memo->blk[req->slot_id] = hblk + 1;
		memo->r[req->slot_id] = hr;
	}
	c.pages += n;
	req->c = c;
}

/* One instance per (@how, clear): both are constants inside the loop. */
static __always_inline void age_rmap_how(struct secmmu_vm *vm,
					 const struct secmmu_slot *slot,
					 u64 idx, u64 n, u64 bit,
					 struct age_req *req, enum age_how how)
{
	if (req->clear)
		age_rmap_run(vm, slot, idx, n, bit, req, how, true);
	else
		age_rmap_run(vm, slot, idx, n, bit, req, how, false);
}

/* The rmap walk of a call, as its policy says. */
static void age_rmap_pages(struct secmmu_vm *vm, const struct secmmu_slot *slot,
			   u64 idx, u64 n, u64 bit, struct age_req *req)
{
	switch (req->how) {
	case AGE_LOCKLESS:
		age_rmap_how(vm, slot, idx, n, bit, req, AGE_LOCKLESS);
		break;
	case AGE_UNDER_BIT:
		age_rmap_how(vm, slot, idx, n, bit, req, AGE_UNDER_BIT);
		break;
	case AGE_UNDER_MMU_LOCK:
		age_rmap_how(vm, slot, idx, n, bit, req, AGE_UNDER_MMU_LOCK);
		break;
	default:
		age_rmap_how(vm, slot, idx, n, bit, req, AGE_FAIL);
		break;
	}
}

/* Add a call's counts to the VM's counters: once per call. */
static __always_inline void age_counts_add(struct secmmu_vm *vm, const struct age_counts *c)
{
	if (c->pages)
		secmmu_stat_add(vm, SECMMU_STAT_AGE_PAGES, c->pages);
	if (c->lockless)
		secmmu_stat_add(vm, SECMMU_STAT_RMAP_LOCKLESS, c->lockless);
	if (c->bitlocks)
		secmmu_stat_add(vm, SECMMU_STAT_RMAP_BIT_LOCKS, c->bitlocks);
	if (unlikely(c->fallbacks))
		secmmu_stat_add(vm, SECMMU_STAT_RMAP_LOCK_FALLBACKS, c->fallbacks);
	if (unlikely(c->skipped))
		secmmu_stat_add(vm, SECMMU_STAT_RMAP_MULTI_SKIPPED, c->skipped);
	if (unlikely(c->lost))
		secmmu_stat_add(vm, SECMMU_STAT_RMAP_CMPXCHG_FAILED, c->lost);
}

#if IS_ENABLED(CONFIG_SECMMU_KUNIT_TEST)
/* One head in the VM's mode: KUnit's view of the policy above. */
struct secmmu_age_answer secmmu_rmap_age(struct secmmu_vm *vm, unsigned long *head,
					 bool clear, bool fast_only)
{
	enum age_how how = age_how(READ_ONCE(vm->rmap_mode), fast_only);
	struct age_counts c = {};
	enum age_answer r;

	if (how == AGE_UNDER_MMU_LOCK)
		write_lock(&vm->mmu_lock);
	r = age_head(vm, head, how, clear, fast_only, &c);
	if (how == AGE_UNDER_MMU_LOCK)
		write_unlock(&vm->mmu_lock);
	age_counts_add(vm, &c);
	return (struct secmmu_age_answer){ .young = r == AGE_YOUNG,
					   .fast_failed = r == AGE_FAILED,
					   .locked = c.locked };
}
#endif

/*
 * Table walk: no rmap.  Pages [first, first + n) of @slot (n <= AGE_CHUNK)
 * through each view's table (walk.c: secmmu_age_tables()); a huge block
 * an earlier chunk found young is not asked again, and the memo learns
 * about this chunk's last.
 */
static void age_tables_chunk(struct secmmu_vm *vm, const struct secmmu_layout *l,
			     const struct secmmu_slot *slot, u64 first, u64 n,
			     u64 bit, struct age_req *req)
{
	u64 last = secmmu_slot_block(slot, first + n - 1 - slot->base_gfn);
	struct age_memo *memo = req->memo;
	u32 id = req->slot_id;
	DECLARE_BITMAP(young, AGE_CHUNK);
	struct secmmu_age_walk aw = {
		.clear = req->clear,
		.young = young,
		.young_blk = memo->blk[id] && (memo->r[id] & RMAP_AGE_YOUNG) ?
			     memo->blk[id] - 1 : U64_MAX,
	};
	unsigned long i;
	u64 nr;

	bitmap_zero(young, n);
	nr = secmmu_age_tables(vm, l, slot, first, n, &aw);
	if (memo->blk[id] != last + 1) {
		memo->blk[id] = last + 1;
		memo->r[id] = 0;
	}
	if (aw.last_young)
		memo->r[id] |= RMAP_AGE_YOUNG;
	req->nr_young += nr;
	if (req->young && nr && !(bit % BITS_PER_LONG)) {
		unsigned long *dst = req->young + bit / BITS_PER_LONG;

		bitmap_or(dst, dst, young, n);
	} else if (req->young && nr) {
		for_each_set_bit(i, young, n)
			__set_bit(bit + i, req->young);
	}
	req->c.lost += aw.lost;
}

/*
 * Age pages [idx, idx + n) of @slot; their bitmap bits start at @bit.
 * Does not sleep; the caller holds RCU.  LOCKED mode holds mmu_lock for
 * write over the whole run.
 */
static void age_slot_pages(struct secmmu_vm *vm, const struct secmmu_layout *l,
			   const struct secmmu_slot *slot, u64 idx, u64 n,
			   u64 bit, struct age_req *req)
{
	u64 done, c;

	req->slot_id = slot - l->slots;
	if (req->how != AGE_TABLES) {
		age_rmap_pages(vm, slot, idx, n, bit, req);
		return;
	}
	for (done = 0; done < n; done += c) {
		c = min_t(u64, n - done, AGE_CHUNK);
		age_tables_chunk(vm, l, slot, slot->base_gfn + idx + done,
				 c, bit + done, req);
	}
	req->c.pages += n;
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
 * One page of a hook, page @idx of @s, as @how says (constant: one
 * instance per mode): its rmap head and its block's huge-leaf head, or in
 * TABLE_WALK mode its leaf in every view (the leaf iterator, walk.c).  A
 * single page needs no bitmap, chunk or memo: a huge leaf is aged once,
 * for this page.  @fast_only: a SINGLE_LOCKLESS head with more leaves is
 * left (counted skipped) rather than aged under mmu_lock.
 */
static __always_inline bool age_slot_page(struct secmmu_vm *vm,
					  const struct secmmu_layout *l,
					  const struct secmmu_slot *s, u64 idx,
					  enum age_how how, bool clear,
					  bool fast_only, struct age_counts *c)
{
	enum age_answer r, hr = AGE_OLD;
	u64 lost = 0;
	bool young;

	c->pages++;
	if (how == AGE_TABLES) {
		/* Not &c->lost: the counts stay in registers. */
		young = secmmu_age_gfn_leaves(vm, l, s->base_gfn + idx, clear, &lost);
		c->lost += lost;
		return young;
	}
	if (how == AGE_UNDER_MMU_LOCK)
		write_lock(&vm->mmu_lock);
	r = age_head(vm, &s->rmap[idx], how, clear, fast_only, c);
	if (s->hrmap)
		hr = age_head(vm, &s->hrmap[secmmu_slot_block(s, idx)], how, clear,
			      fast_only, c);
	if (how == AGE_UNDER_MMU_LOCK)
		write_unlock(&vm->mmu_lock);
	return r == AGE_YOUNG || hr == AGE_YOUNG;
}

/* age_slot_page() in the call's mode. */
static __always_inline bool age_slot_page_how(struct secmmu_vm *vm,
					      const struct secmmu_layout *l,
					      const struct secmmu_slot *s, u64 idx,
					      enum age_how how, bool clear,
					      bool fast_only, struct age_counts *c)
{
	switch (how) {
	case AGE_LOCKLESS:
		return age_slot_page(vm, l, s, idx, AGE_LOCKLESS, clear,
				     fast_only, c);
	case AGE_UNDER_BIT:
		return age_slot_page(vm, l, s, idx, AGE_UNDER_BIT, clear,
				     fast_only, c);
	case AGE_UNDER_MMU_LOCK:
		return age_slot_page(vm, l, s, idx, AGE_UNDER_MMU_LOCK, clear,
				     fast_only, c);
	default:
		return age_slot_page(vm, l, s, idx, AGE_TABLES, clear,
				     fast_only, c);
	}
}

/* Memslot page @idx of @s holds host page @hva?  (Below it wraps: above.) */
static __always_inline bool slot_holds(const struct secmmu_slot *s,
				       unsigned long hva, u64 *idx)
{
	*idx = (hva - s->hva) >> PAGE_SHIFT;
	return *idx < s->npages;
}

/*
 * A hook call's counters: one per-CPU increment when the call had the
 * common shape (stats.h: struct secmmu_stat_block), else each counter.
 */
static const enum secmmu_stat hook_stat[] = {
	[SECMMU_HOOK_CLEAR_FLUSH]	= SECMMU_STAT_AGE_CLEAR_FLUSH_YOUNG,
	[SECMMU_HOOK_CLEAR]		= SECMMU_STAT_AGE_CLEAR_YOUNG,
	[SECMMU_HOOK_TEST]		= SECMMU_STAT_AGE_TEST_YOUNG,
};

/* The call's own counters: the hook's, and a clear_flush_young's elided flush. */
static __always_inline void hook_count_call(struct secmmu_vm *vm,
					    enum secmmu_hook hook, bool young)
{
	secmmu_stat_inc(vm, hook_stat[hook]);
	if (young && hook == SECMMU_HOOK_CLEAR_FLUSH)
		secmmu_stat_inc(vm, SECMMU_STAT_AGE_FLUSH_ELIDED);
}

/*
 * The hooks' read-side section, where their callers have none.  Every
 * caller of the aging hooks holds the page table lock (MGLRU's walk,
 * page_idle and folio_referenced() through page_vma_mapped_walk(),
 * khugepaged's test_young): off PREEMPT_RT that disables preemption,
 * which is a read-side section for every RCU grace period (RCU has one
 * flavour since 4.20; expedited ones and call_rcu() wait for it), so the
 * hook adds none, and no lockdep-tracked section on a debug kernel.  A
 * preemptible caller (PREEMPT_RT's sleeping page table lock, KUnit) gets
 * rcu_read_lock(), inside which mmu_lock may be taken on every kernel
 * (a sleeping lock on PREEMPT_RT: preemption off would not do; lockdep's
 * wait-context check says so with PROVE_RAW_LOCK_NESTING).  Returns
 * whether it took one, for hook_rcu_unlock().
 */
static __always_inline bool hook_rcu_lock(void)
	__acquires(RCU)
{
	if (!preemptible()) {
		__acquire(RCU);		/* the caller's section, for sparse */
		return false;
	}
	rcu_read_lock();
	return true;
}

static __always_inline void hook_rcu_unlock(bool taken)
	__releases(RCU)
{
	if (taken)
		rcu_read_unlock();
	else
		__release(RCU);
}

/* The VM's layout inside hook_rcu_lock()'s section (or the caller's). */
static __always_inline const struct secmmu_layout *hook_layout(struct secmmu_vm *vm)
{
	return rcu_dereference_check(vm->layout, !preemptible());
}

/*
 * A call's counters and trace when it asked @n pages (a run): the hook's,
 * @nr_young young pages, the heads' counts @c.  Returns young.
 */
static __always_inline bool hook_count_run(struct secmmu_vm *vm, unsigned long start,
					   u64 n, u32 mode, enum secmmu_hook hook,
					   u64 nr_young, const struct age_counts *c,
					   bool *fast)
{
	hook_count_call(vm, hook, nr_young);
	age_counts_add(vm, c);
	if (nr_young)
		secmmu_stat_add(vm, SECMMU_STAT_AGE_YOUNG, nr_young);
	*fast = !c->locked;
	trace_secmmu_age(start, n, nr_young, 0, mode, true);
	return nr_young;
}

/*
 * A hook call that is not one page in one memslot: a batch (7.2's large
 * folios; none or one in 6.12's MGLRU walk), a page in more than one
 * memslot, or one whose SINGLE_LOCKLESS head has more leaves (the
 * fallback takes mmu_lock, so not in hook_rcu_lock()'s section): the run
 * walks of SECMMU_AGE, without their bitmaps.  @young: what a first look
 * answered (its A bits cleared: they read old now).
 */
static noinline bool age_hook_range(struct secmmu_vm *vm, unsigned long start,
				    unsigned long end, u32 mode,
				    enum secmmu_hook hook, bool young, bool *fast)
{
	struct age_req req = { .how = age_how(mode, false),
			       .clear = hook != SECMMU_HOOK_TEST };
	u64 n = start < end ? (end - start) >> PAGE_SHIFT : 0;
	struct age_memo memo;

	/* The table walk's chunks need a memo (age_tables_chunk()). */
	if (req.how == AGE_TABLES) {
		memset(&memo, 0, sizeof(memo));
		req.memo = &memo;
	}
	if (n) {
		bool rcu = hook_rcu_lock();

		age_hva_pages(vm, hook_layout(vm), start, n, &req);
		hook_rcu_unlock(rcu);
	}
	req.nr_young = max_t(u64, req.nr_young, young);
	return hook_count_run(vm, start, n, mode, hook, req.nr_young, &req.c, fast);
}

/*
 * A hook call for one hva-aligned 2 MiB block (a PMD-mapped THP: 6.12's
 * MGLRU walk, folio_referenced(), page_idle) in an rmap mode, over a
 * block whose 4 KiB heads are all empty (huge.h: its bit clear): the
 * block's huge-leaf head alone, as age_slot_page() ages a page's heads,
 * and the counters the run walk would add.  Any other case goes to
 * age_hook_range(): a block 4 KiB leaves may map, one no memslot or more
 * than one holds whole, a SINGLE_LOCKLESS head with more leaves (its
 * fallback takes mmu_lock), the table walk.
 */
static noinline bool age_hook_block(struct secmmu_vm *vm, unsigned long start,
				    u32 mode, enum secmmu_hook hook, bool *fast)
{
	unsigned long end = start + (SECMMU_HUGE_PAGES << PAGE_SHIFT);
	enum age_how how = age_how(mode, false);
	const struct secmmu_slot *s = NULL, *t;
	enum age_answer hr = AGE_FAILED;
	const struct secmmu_layout *l;
	struct age_counts c = {};
	u64 idx = 0;
	bool rcu;
	u32 used;

	rcu = hook_rcu_lock();
	l = hook_layout(vm);
	for (used = l->slots_ever_used; used; used &= used - 1) {
		t = &l->slots[__ffs(used)];
		if (t->hva >= end || t->hva + (t->npages << PAGE_SHIFT) <= start)
			continue;
		if (s || !slot_holds(t, start, &idx) ||
		    idx + SECMMU_HUGE_PAGES > t->npages) {
			s = NULL;	/* part of it, or a second memslot */
			break;
		}
		s = t;
	}
	/*
	 * Only huge leaves map the block (its bit clear): its head answers.
	 * (No rmap, no hrmap: TABLE_WALK never gets here, age_hook().)
	 */
	if (s && s->hrmap &&
	    !test_bit(secmmu_slot_block(s, idx), secmmu_slot_small(s))) {
		unsigned long *head = &s->hrmap[secmmu_slot_block(s, idx)];
		bool clear = hook != SECMMU_HOOK_TEST;

		if (how == AGE_UNDER_MMU_LOCK) {
			write_lock(&vm->mmu_lock);
			hr = age_head(vm, head, AGE_UNDER_MMU_LOCK, clear, true, &c);
			write_unlock(&vm->mmu_lock);
		} else {
			hr = age_head(vm, head, how, clear, true, &c);
		}
	}
	hook_rcu_unlock(rcu);
	if (hr == AGE_FAILED)	/* nothing aged: the run walk does it all */
		return age_hook_range(vm, start, end, mode, hook, false, fast);
	c.pages = SECMMU_HUGE_PAGES;
	return hook_count_run(vm, start, SECMMU_HUGE_PAGES, mode, hook,
			      hr == AGE_YOUNG ? SECMMU_HUGE_PAGES : 0, &c, fast);
}

/*
 * A one-page call's counters (age_hook(): no fallback or skipped head
 * comes here, age_hook_range() takes those calls): one increment unless
 * it met more heads (a huge leaf's too) or lost an A-bit race.
 */
static __always_inline void hook_count(struct secmmu_vm *vm, enum secmmu_hook hook,
				       bool young, const struct age_counts *c)
{
	enum secmmu_hook_kind k = SECMMU_HOOK_PAGE;

	if (likely(c->pages <= 1 && c->lockless + c->bitlocks + c->locked <= 1 &&
		   !c->lost)) {
		if (!c->pages)
			k = SECMMU_HOOK_NO_PAGE;
		else if (c->lockless)
			k = SECMMU_HOOK_LOCKLESS;
		else if (c->bitlocks)
			k = SECMMU_HOOK_BIT;
		else if (c->locked)
			k = SECMMU_HOOK_LOCKED;
		secmmu_stat_hook(vm, hook, young, k);
		return;
	}
	hook_count_call(vm, hook, young);
	if (young)
		secmmu_stat_inc(vm, SECMMU_STAT_AGE_YOUNG);
	age_counts_add(vm, c);
}

/*
 * The notifier hooks (clear_young, clear_flush_young, test_young): any
 * page young in [start, end)?  *@fast: answered without taking mmu_lock.
 *
 * Sized for what they are called with: one page (6.12's MGLRU walk, the
 * rmap's folio_referenced(), page_idle: age_one_page(), no bitmap, chunk
 * or memo, the table walk through the leaf iterator) or a few (7.2
 * batches a large folio's PTEs; a PMD-mapped THP is 512: in the rmap
 * modes its block's one huge-leaf head, age_hook_block(), the table walk
 * by chunks), the memslots
 * found by looking only at the ones ever used.  One page costs no call
 * (the mmu_notifier ops are these functions, the walk inlined into each),
 * one counter update (hook_count()) and no read-side section of its own
 * under the caller's page table lock (hook_rcu_lock()); a SINGLE_LOCKLESS
 * head that needs mmu_lock is aged again by age_hook_range().
 *
 * No vm->srcu section (two full barriers per call on 6.12): the hooks
 * run inside mm/mmu_notifier.c's SRCU read section, but a layout change
 * could wait for that only through mmu_notifier_synchronize(), a normal
 * grace period of an SRCU every notifier in the system shares; they
 * need RCU anyway for the table pages their leaves live in.  So a
 * replaced layout (and the rmap arrays only it named) is freed after an
 * expedited RCU grace period too (layout_change.c: layout_publish()),
 * and RCU (the caller's) is all the hooks need.  LOCKED mode takes mmu_lock for the run; the
 * lockless modes never take it, but for SINGLE_LOCKLESS's heads with
 * more than one leaf (its design: aliases are the slow path).
 */
static __always_inline bool age_hook(struct secmmu_vm *vm, unsigned long start,
				     unsigned long end, enum secmmu_hook hook,
				     bool *fast)
{
	const struct secmmu_slot *s = NULL, *t;
	u32 mode = READ_ONCE(vm->rmap_mode);
	enum age_how how = age_how(mode, false);
	bool clear = hook != SECMMU_HOOK_TEST;
	const struct secmmu_layout *l;
	struct age_counts c = {};
	bool young = false, rcu;
	u64 idx = 0, i;
	u32 used;

	start = round_down(start, PAGE_SIZE);
	end = round_up(end, PAGE_SIZE);
	if (unlikely(end - start != PAGE_SIZE)) {
		if (end - start == SECMMU_HUGE_PAGES << PAGE_SHIFT &&
		    IS_ALIGNED(start, SECMMU_HUGE_PAGES << PAGE_SHIFT) &&
		    how != AGE_TABLES)
			return age_hook_block(vm, start, mode, hook, fast);
		return age_hook_range(vm, start, end, mode, hook, false, fast);
	}
	rcu = hook_rcu_lock();
	l = hook_layout(vm);
	/* The memslots ever used, inline: the common case is one. */
	for (used = l->slots_ever_used; used; used &= used - 1) {
		t = &l->slots[__ffs(used)];
		if (!slot_holds(t, start, &i))
			continue;
		if (unlikely(s)) {
			hook_rcu_unlock(rcu);
			return age_hook_range(vm, start, end, mode, hook, false,
					      fast);
		}
		s = t;
		idx = i;
	}
	if (s)
		young = age_slot_page_how(vm, l, s, idx, how, clear, true, &c);
	hook_rcu_unlock(rcu);
	if (unlikely(c.skipped))
		return age_hook_range(vm, start, end, mode, hook, young, fast);
	hook_count(vm, hook, young, &c);
	*fast = !c.locked;
	trace_secmmu_age(start, 1, young, 0, mode, true);
	return young;
}

/*
 * A kernel with the (never merged) fast-only aging protocol learns whether
 * an answer was found without locks; see scripts/probes/mn_was_fast.c.
 */
static __always_inline secmmu_age_ret_t age_answer(bool young, bool fast)
{
#if defined(SECMMU_HAVE_MN_WAS_FAST) && !defined(SECMMU_HAVE_MN_AGING_BOOL)
	if (young && fast)
		return 1 | MMU_NOTIFY_WAS_FAST;
#endif
	return young;
}

static struct secmmu_vm *mn_vm(struct mmu_notifier *mn)
{
	return container_of(mn, struct secmmu_vm, mn);
}

secmmu_age_ret_t secmmu_mn_clear_flush_young(struct mmu_notifier *mn,
					     struct mm_struct *mm,
					     unsigned long start,
					     unsigned long end)
{
	bool fast, young;

	young = age_hook(mn_vm(mn), start, end, SECMMU_HOOK_CLEAR_FLUSH, &fast);
	return age_answer(young, fast);
}

secmmu_age_ret_t secmmu_mn_clear_young(struct mmu_notifier *mn,
				       struct mm_struct *mm,
				       unsigned long start, unsigned long end)
{
	bool fast, young;

	young = age_hook(mn_vm(mn), start, end, SECMMU_HOOK_CLEAR, &fast);
	return age_answer(young, fast);
}

secmmu_age_ret_t secmmu_mn_test_young(struct mmu_notifier *mn,
				      struct mm_struct *mm, unsigned long address)
{
	bool fast, young;

	young = age_hook(mn_vm(mn), address, address + PAGE_SIZE,
			 SECMMU_HOOK_TEST, &fast);
	return age_answer(young, fast);
}

#if IS_ENABLED(CONFIG_SECMMU_KUNIT_TEST)
/* KUnit: the hooks' walk, counted as clear_young (@clear) or test_young. */
bool secmmu_age_hva_range(struct secmmu_vm *vm, unsigned long start,
			  unsigned long end, bool clear, bool *fast)
{
	return age_hook(vm, start, end,
			clear ? SECMMU_HOOK_CLEAR : SECMMU_HOOK_TEST, fast);
}
#endif

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
	struct age_req nb = { .how = age_how(mode, true), .clear = clear,
			      .fast_only = true, .memo = &memo };
	unsigned long i;

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
			if (g >= a->start && g < a->start + a->npages)
				continue;
			age_slot_pages(vm, l, slot, g - slot->base_gfn, 1, 0, &nb);
		}
	}
	age_counts_add(vm, &nb.c);
	return nb.nr_young;
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
			.how = age_how(mode, a->flags & SECMMU_AGE_FAST_ONLY),
			.clear = a->flags & SECMMU_AGE_CLEAR,
			.fast_only = a->flags & SECMMU_AGE_FAST_ONLY,
			.young = young,
			.failed = failed,
			.memo = &memo,
		};

		bitmap_zero(young, AGE_CHUNK);
		bitmap_zero(failed, AGE_CHUNK);
		rcu_read_lock();
		if (hva)
			age_hva_pages(vm, l, a->start + (a->done << PAGE_SHIFT), n, &req);
		else
			age_slot_pages(vm, l, slot, a->start + a->done - slot->base_gfn,
				       n, 0, &req);
		if (look)
			a->nr_lookaround_young +=
				look_around(vm, l, slot, a, a->start + a->done, n,
					    young, &last_block, mode, req.clear);
		rcu_read_unlock();
		age_counts_add(vm, &req.c);

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
