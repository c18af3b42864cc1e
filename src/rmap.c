// SPDX-License-Identifier: GPL-2.0
/*
 * Reverse map heads, their pairs and descriptors, and the lock bit.
 * Encoding and rules are in rmap.h; aging's walks of them are in aging.c.
 */
#include <linux/bug.h>
#include <linux/processor.h>
#include <linux/slab.h>

#include "inject.h"
#include "layout.h"
#include "pt_id.h"
#include "rmap.h"
#include "testhook.h"
#include "vm.h"

static struct kmem_cache *rmap_desc_cache;
static struct kmem_cache *rmap_pair_cache;

int secmmu_rmap_init(void)
{
	rmap_desc_cache = KMEM_CACHE(secmmu_rmap_desc, SLAB_ACCOUNT);
	rmap_pair_cache = KMEM_CACHE(secmmu_rmap_pair, SLAB_ACCOUNT);
	if (rmap_desc_cache && rmap_pair_cache)
		return 0;
	secmmu_rmap_exit();
	return -ENOMEM;
}

void secmmu_rmap_exit(void)
{
	kmem_cache_destroy(rmap_pair_cache);
	kmem_cache_destroy(rmap_desc_cache);
}

/* A zeroed object of @cache, counted in @stat. */
static void *rmap_alloc(struct secmmu_vm *vm, struct kmem_cache *cache,
			enum secmmu_stat stat)
{
	void *p = secmmu_inject_alloc(kmem_cache_zalloc(cache, GFP_KERNEL_ACCOUNT));

	if (p)
		secmmu_stat_inc(vm, stat);
	return p;
}

static void rmap_free(struct secmmu_vm *vm, struct kmem_cache *cache,
		      enum secmmu_stat stat, void *p)
{
	if (!p)
		return;
	secmmu_stat_dec(vm, stat);
	kmem_cache_free(cache, p);
}

/* Test hook: @d is about to go back to the slab. */
void secmmu_rmap_desc_freeing(struct secmmu_vm *vm, struct secmmu_rmap_desc *d)
{
	SECMMU_TEST_HOOK(secmmu_rmap_desc_freeing, vm, d);
}

static void desc_free(struct secmmu_vm *vm, struct secmmu_rmap_desc *d)
{
	if (d)
		secmmu_rmap_desc_freeing(vm, d);
	rmap_free(vm, rmap_desc_cache, SECMMU_STAT_RMAP_DESCS, d);
}

static void pair_free(struct secmmu_vm *vm, struct secmmu_rmap_pair *p)
{
	rmap_free(vm, rmap_pair_cache, SECMMU_STAT_RMAP_PAIRS, p);
}

int secmmu_rmap_spares_topup(struct secmmu_vm *vm, struct secmmu_rmap_spares *sp)
{
	if (!sp->desc) {
		sp->desc = rmap_alloc(vm, rmap_desc_cache, SECMMU_STAT_RMAP_DESCS);
		if (!sp->desc)
			return -ENOMEM;
	}
	if (!sp->pair) {
		sp->pair = rmap_alloc(vm, rmap_pair_cache, SECMMU_STAT_RMAP_PAIRS);
		if (!sp->pair)
			return -ENOMEM;
	}
	return 0;
}

void secmmu_rmap_spares_reap(struct secmmu_vm *vm, struct secmmu_rmap_spares *sp)
{
	if (!sp->dead)
		return;
	/* Readers under the read lock may be inside it: wait them out. */
	write_lock(&vm->mmu_lock);
	write_unlock(&vm->mmu_lock);
	pair_free(vm, sp->dead);
	sp->dead = NULL;
}

void secmmu_rmap_spares_free(struct secmmu_vm *vm, struct secmmu_rmap_spares *sp)
{
	secmmu_rmap_spares_reap(vm, sp);
	desc_free(vm, sp->desc);
	sp->desc = NULL;
	pair_free(vm, sp->pair);
	sp->pair = NULL;
}

unsigned long *secmmu_rmap_head(const struct secmmu_layout *l, u64 gfn)
{
	const struct secmmu_slot *slot = secmmu_slot_find(l, gfn);

	return slot && slot->rmap ? &slot->rmap[gfn - slot->base_gfn] : NULL;
}

/* secmmu_rmap_lock() found the bit taken: spin (preemption is off). */
unsigned long secmmu_rmap_lock_slow(struct secmmu_vm *vm, unsigned long *head)
{
	unsigned long old = READ_ONCE(*head);

	secmmu_stat_inc(vm, SECMMU_STAT_RMAP_BIT_SPINS);
	for (;;) {
		if (old & RMAP_LOCKED) {
			cpu_relax();
			old = READ_ONCE(*head);
			continue;
		}
		/* Acquire: the chain is read after the bit is ours. */
		if (try_cmpxchg_acquire(head, &old, old | RMAP_LOCKED))
			return old;
	}
}

static struct secmmu_rmap_desc *head_desc(unsigned long head)
{
	return (struct secmmu_rmap_desc *)(head & RMAP_PTR_MASK);
}

static struct secmmu_rmap_pair *head_pair(unsigned long head)
{
	return (struct secmmu_rmap_pair *)(head & RMAP_PTR_MASK);
}

static_assert(RMAP_PACKED_SHIFT + 2 * SECMMU_HANDLE_BITS <= BITS_PER_LONG);

/* The packed head of leaves @a and @b, or 0 when either has no handle. */
static unsigned long head_pack(u64 *a, u64 *b)
{
	unsigned long ha = secmmu_spte_handle(a), hb;

	if (!ha)
		return 0;
	hb = secmmu_spte_handle(b);
	if (!hb)
		return 0;
	return ha << RMAP_PACKED_SHIFT |
	       hb << (RMAP_PACKED_SHIFT + SECMMU_HANDLE_BITS) | RMAP_PACKED;
}

/* Leaf @i (0 or 1) of a packed head. */
static u64 *packed_leaf(unsigned long head, unsigned int i)
{
	unsigned int shift = RMAP_PACKED_SHIFT + i * SECMMU_HANDLE_BITS;

	return secmmu_spte_from_handle((head >> shift) & SECMMU_HANDLE_MASK);
}

void secmmu_rmap_add(struct secmmu_vm *vm, unsigned long *head, u64 *sptep,
		     struct secmmu_rmap_spares *sp)
{
	struct secmmu_rmap_desc *d;
	struct secmmu_rmap_pair *p;
	unsigned long old, new;

	lockdep_assert_held(&vm->mmu_lock);

	old = secmmu_rmap_lock(vm, head);
	if (!old) {
		new = (unsigned long)sptep;
	} else if (secmmu_rmap_direct(old)) {
		new = head_pack((u64 *)old, sptep);
		if (!new) {
			p = sp->pair;
			sp->pair = NULL;
			p->sptes[0] = (u64 *)old;
			p->sptes[1] = sptep;
			new = (unsigned long)p | RMAP_PAIR;
		}
	} else if (!secmmu_rmap_chain(old)) {	/* packed or a pair: two */
		struct secmmu_rmap_iter it;

		secmmu_rmap_iter_start(&it, old);
		d = sp->desc;
		sp->desc = NULL;
		d->sptes[0] = it.sptep;
		d->sptes[1] = it.second;
		d->sptes[2] = sptep;
		d->count = 3;
		new = (unsigned long)d | RMAP_MANY;
		if (secmmu_rmap_pair(old)) {
			/* Readers may be inside it: it is freed later (rmap.h). */
			WARN_ON_ONCE(sp->dead);
			sp->dead = head_pair(old);
		}
	} else if (head_desc(old)->count == RMAP_DESC_SPTES) {
		d = sp->desc;
		sp->desc = NULL;
		d->sptes[0] = sptep;
		d->count = 1;
		d->more = head_desc(old);
		new = (unsigned long)d | RMAP_MANY;
	} else {
		d = head_desc(old);
		WRITE_ONCE(d->sptes[d->count], sptep);
		/* Release: the slot before the count that covers it (rmap.h). */
		smp_store_release(&d->count, d->count + 1);
		new = old;
	}
	secmmu_rmap_unlock(head, new);
}

void secmmu_rmap_remove(struct secmmu_vm *vm, unsigned long *head, u64 *sptep)
{
	struct secmmu_rmap_desc *first, *d, *dead = NULL;
	struct secmmu_rmap_pair *dead_pair = NULL;
	unsigned long old, new;
	unsigned int i;

	lockdep_assert_held_write(&vm->mmu_lock);

	old = secmmu_rmap_lock(vm, head);
	new = old;
	if (secmmu_rmap_packed(old) || secmmu_rmap_pair(old)) {
		struct secmmu_rmap_iter it;	/* two leaves: keep the other */

		secmmu_rmap_iter_start(&it, old);
		if (it.sptep == sptep || !WARN_ON_ONCE(it.second != sptep)) {
			new = (unsigned long)(it.sptep == sptep ? it.second : it.sptep);
			if (secmmu_rmap_pair(old))
				dead_pair = head_pair(old);
		}
		goto out;
	}
	if (!(old & RMAP_MANY)) {
		if (!WARN_ON_ONCE(old != (unsigned long)sptep))
			new = 0;
		goto out;
	}

	first = head_desc(old);
	for (d = first; d; d = d->more) {
		for (i = 0; i < d->count; i++)
			if (d->sptes[i] == sptep)
				goto found;
	}
	WARN_ON_ONCE(1);
	goto out;
found:
	/* Fill the hole from the first descriptor: the chain stays dense. */
	d->sptes[i] = first->sptes[first->count - 1];
	first->sptes[--first->count] = NULL;
	if (!first->count) {
		/* The next one is full: it cannot drop to one entry below. */
		dead = first;
		d = first->more;
		new = d ? (unsigned long)d | RMAP_MANY : 0;
	} else if (first->count == 1 && !first->more) {
		/* Back to the direct form at one entry. */
		new = (unsigned long)first->sptes[0];
		dead = first;
	}
out:
	secmmu_rmap_unlock(head, new);
	/*
	 * Outside the bit's preempt-disabled section: the slab may sleep on
	 * PREEMPT_RT.  No walker can reach @dead: the new head is published.
	 */
	desc_free(vm, dead);
	pair_free(vm, dead_pair);
}

void secmmu_rmap_clear(struct secmmu_vm *vm, unsigned long *heads, u64 n)
{
	struct secmmu_rmap_desc *d, *next;
	unsigned long old;
	u64 i;

	lockdep_assert_held_write(&vm->mmu_lock);

	for (i = 0; i < n; i++) {
		if (!READ_ONCE(heads[i]))
			continue;
		/* The bit: a lock-bit walker may be reading the chain. */
		old = secmmu_rmap_lock(vm, &heads[i]);
		secmmu_rmap_unlock(&heads[i], 0);
		if (secmmu_rmap_pair(old))
			pair_free(vm, head_pair(old));
		if (!secmmu_rmap_chain(old))
			continue;
		for (d = head_desc(old); d; d = next) {
			next = d->more;
			desc_free(vm, d);
		}
	}
}

struct secmmu_rmap_iter *secmmu_rmap_iter_start(struct secmmu_rmap_iter *it,
						unsigned long head)
{
	head &= ~RMAP_LOCKED;
	it->pos = 0;
	it->desc = NULL;
	it->second = NULL;
	it->sptep = NULL;
	if (secmmu_rmap_packed(head)) {
		it->sptep = packed_leaf(head, 0);
		it->second = packed_leaf(head, 1);
	} else if (secmmu_rmap_pair(head)) {
		it->sptep = head_pair(head)->sptes[0];
		it->second = head_pair(head)->sptes[1];
	} else if (head & RMAP_MANY) {
		it->desc = head_desc(head);
		it->sptep = it->desc->sptes[0];
	} else if (head) {
		it->sptep = (u64 *)head;
	}
	return it;
}

void secmmu_rmap_iter_next(struct secmmu_rmap_iter *it)
{
	it->sptep = it->second;
	if (it->second) {
		it->second = NULL;
		return;
	}
	if (!it->desc)
		return;
	/* Acquire: an entry counted is an entry written (append, rmap.h). */
	if (++it->pos >= smp_load_acquire(&it->desc->count)) {
		it->desc = it->desc->more;
		it->pos = 0;
	}
	if (it->desc)
		it->sptep = READ_ONCE(it->desc->sptes[it->pos]);
}

unsigned int secmmu_rmap_count(unsigned long head)
{
	struct secmmu_rmap_iter it;
	unsigned int n = 0;

	for_each_rmap_spte(it, head)
		n++;
	return n;
}
