// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: dirty ring push / harvest / reset state machine, wrap-around, the
 * soft limit, coalescing masks, corrupted rings, and a pusher and a
 * harvester on two CPUs (x86_64 -smp 2).
 */
#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/vmalloc.h>

#include "dirty_ring.h"
#include "secmmu_kunit.h"

#define F_DIRTY	SECMMU_DIRTY_GFN_F_DIRTY
#define F_RESET	SECMMU_DIRTY_GFN_F_RESET
#define SLOT_PAGES	65536

struct ring_fixture {
	struct secmmu_vm *vm;
	struct secmmu_dirty_ring ring;
	const struct secmmu_layout *l;
};

static struct secmmu_dirty_batch seen[64];	/* windows, in flush order */
static int nr_seen;
static int nr_flushes;				/* reprotect calls */

static bool record_batch(struct secmmu_vm *vm, const struct secmmu_reset_batch *rb)
{
	u32 i;

	for (i = 0; i < rb->nr; i++) {
		if (nr_seen < ARRAY_SIZE(seen))
			seen[nr_seen] = rb->w[i];
		nr_seen++;
	}
	nr_flushes++;
	return true;
}

static void ring_free(void *ring)
{
	secmmu_dirty_ring_free(ring);
}

static struct ring_fixture *ring_setup(struct kunit *test, u32 size)
{
	struct ring_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->vm = secmmu_kunit_slot_vm(test, SLOT_PAGES, SECMMU_RMAP_LOCKED);
	f->l = rcu_dereference_protected(f->vm->layout, true);
	KUNIT_ASSERT_EQ(test, 0, secmmu_dirty_ring_alloc(&f->ring, size));
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, ring_free, &f->ring));
	nr_seen = 0;
	nr_flushes = 0;
	return f;
}

/* What a userspace harvester does with one entry. */
static bool user_harvest(struct secmmu_dirty_gfn *e, u64 *offset)
{
	/* Acquire: pairs with the push's release. */
	if (smp_load_acquire(&e->flags) != F_DIRTY)
		return false;
	*offset = READ_ONCE(e->offset);
	/* Release: the read above is done before RESET is seen. */
	smp_store_release(&e->flags, F_RESET);
	return true;
}

static int do_reset(struct ring_fixture *f)
{
	struct secmmu_reset_batch *b = secmmu_reset_batch_alloc();
	bool flush = false;
	int ret;

	if (!b)
		return -ENOMEM;
	ret = secmmu_dirty_ring_reset(f->vm, &f->ring, f->l, b, record_batch, &flush);
	if (b->nr)
		record_batch(f->vm, b);
	kfree(b);
	return ret;
}

static void ring_push_harvest_reset(struct kunit *test)
{
	struct ring_fixture *f = ring_setup(test, 256);
	struct secmmu_dirty_gfn out[4];
	u64 off;

	secmmu_dirty_ring_push(f->vm, &f->ring, 0, 5);
	secmmu_dirty_ring_push(f->vm, &f->ring, 0, 6);
	secmmu_dirty_ring_push(f->vm, &f->ring, 0, 700);
	KUNIT_EXPECT_EQ(test, f->ring.entries[0].flags, F_DIRTY);
	KUNIT_EXPECT_EQ(test, f->ring.entries[2].offset, 700ULL);

	/* Nothing harvested yet: nothing to reset. */
	KUNIT_EXPECT_EQ(test, do_reset(f), 0);

	KUNIT_ASSERT_EQ(test, secmmu_dirty_ring_harvest(&f->ring, out, 2, NULL, NULL), 2);
	KUNIT_EXPECT_EQ(test, out[0].offset, 5ULL);
	KUNIT_EXPECT_EQ(test, out[1].offset, 6ULL);
	KUNIT_EXPECT_EQ(test, f->ring.entries[1].flags, F_RESET);
	KUNIT_EXPECT_EQ(test, do_reset(f), 2);
	KUNIT_EXPECT_EQ(test, f->ring.entries[0].flags, 0U);
	KUNIT_EXPECT_EQ(test, f->ring.entries[1].flags, 0U);
	KUNIT_EXPECT_EQ(test, f->ring.entries[2].flags, F_DIRTY);
	/* 5 and 6 coalesced into one masked operation. */
	KUNIT_ASSERT_EQ(test, nr_seen, 1);
	KUNIT_EXPECT_EQ(test, seen[0].base, 0ULL);
	KUNIT_EXPECT_EQ(test, seen[0].mask, 3ULL << 5);

	KUNIT_ASSERT_TRUE(test, user_harvest(&f->ring.entries[2], &off));
	KUNIT_EXPECT_EQ(test, off, 700ULL);
	KUNIT_EXPECT_EQ(test, do_reset(f), 1);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(f->vm, SECMMU_STAT_DIRTY_RESETS), 3ULL);
}

static void ring_wraps_and_soft_limit(struct kunit *test)
{
	struct ring_fixture *f = ring_setup(test, 256);
	u32 limit = 256 - SECMMU_DIRTY_RING_RSVD, i, round;
	u64 off;

	for (round = 0; round < 3; round++) {
		for (i = 0; i < limit; i++) {
			KUNIT_ASSERT_FALSE(test, secmmu_dirty_ring_soft_full(&f->ring));
			secmmu_dirty_ring_push(f->vm, &f->ring, 0, round * 1000 + i);
		}
		KUNIT_EXPECT_TRUE(test, secmmu_dirty_ring_soft_full(&f->ring));
		for (i = 0; i < limit; i++) {
			struct secmmu_dirty_gfn *e =
				&f->ring.entries[(round * limit + i) & 255];

			KUNIT_ASSERT_TRUE(test, user_harvest(e, &off));
			KUNIT_EXPECT_EQ(test, off, (u64)round * 1000 + i);
		}
		KUNIT_EXPECT_EQ(test, do_reset(f), (int)limit);
		KUNIT_EXPECT_FALSE(test, secmmu_dirty_ring_soft_full(&f->ring));
	}
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(f->vm, SECMMU_STAT_DIRTY_RING_ERRORS), 0ULL);
}

static void ring_coalescing_masks(struct kunit *test)
{
	struct secmmu_reset_batch *b = secmmu_reset_batch_alloc();
	u32 i;

	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_TRUE(test, secmmu_reset_batch_add(b, 1, 100));
	KUNIT_EXPECT_TRUE(test, secmmu_reset_batch_add(b, 1, 101));	/* adjacent */
	KUNIT_EXPECT_TRUE(test, secmmu_reset_batch_add(b, 1, 127));	/* window end */
	KUNIT_EXPECT_TRUE(test, secmmu_reset_batch_add(b, 1, 64));	/* its start */
	KUNIT_EXPECT_EQ(test, b->nr, 1U);
	KUNIT_EXPECT_EQ(test, b->w[0].base, 64ULL);
	KUNIT_EXPECT_EQ(test, b->w[0].mask,
			BIT_ULL(0) | BIT_ULL(36) | BIT_ULL(37) | BIT_ULL(63));
	KUNIT_EXPECT_TRUE(test, secmmu_reset_batch_add(b, 1, 128));	/* next window */
	KUNIT_EXPECT_TRUE(test, secmmu_reset_batch_add(b, 2, 101));	/* other slot */
	KUNIT_EXPECT_EQ(test, b->nr, 3U);
	/* Back to the first window after others: still one window. */
	KUNIT_EXPECT_TRUE(test, secmmu_reset_batch_add(b, 1, 99));
	KUNIT_EXPECT_EQ(test, b->nr, 3U);
	KUNIT_EXPECT_EQ(test, b->w[0].mask & BIT_ULL(35), BIT_ULL(35));
	KUNIT_EXPECT_EQ(test, b->entries, 7U);

	/* Full at SECMMU_RESET_BATCH pages, even one window per page. */
	secmmu_reset_batch_clear(b);
	KUNIT_EXPECT_EQ(test, b->nr, 0U);
	for (i = 0; i < SECMMU_RESET_BATCH; i++)
		KUNIT_ASSERT_TRUE(test, secmmu_reset_batch_add(b, i % 3, 64ULL * i));
	KUNIT_EXPECT_EQ(test, b->nr, (u32)SECMMU_RESET_BATCH);
	KUNIT_EXPECT_FALSE(test, secmmu_reset_batch_add(b, 0, 0));
	/* Every window found again by its hash. */
	for (i = 0; i < SECMMU_RESET_BATCH; i++) {
		b->entries = 0;
		KUNIT_ASSERT_TRUE(test, secmmu_reset_batch_add(b, i % 3, 64ULL * i + 1));
		KUNIT_EXPECT_EQ(test, b->w[i].mask, 3ULL);
	}
	KUNIT_EXPECT_EQ(test, b->nr, (u32)SECMMU_RESET_BATCH);
	kfree(b);
}

/*
 * A reset write-protects up to SECMMU_RESET_BATCH pages per mmu_lock hold,
 * whatever their order, coalesced over the whole batch: 512 pages of 8
 * windows pushed in a scrambled order are one hold of exactly 8 windows;
 * 2048 in order are four holds; 1024 pages 64 apart (one per window) are
 * two.
 */
static void ring_reset_batches(struct kunit *test)
{
	struct ring_fixture *f = ring_setup(test, 4096);
	struct secmmu_dirty_gfn out[32];
	u64 covered[8] = {};
	int i, n;

	for (i = 0; i < SECMMU_RESET_BATCH; i++)
		secmmu_dirty_ring_push(f->vm, &f->ring, 0, (i * 37) % 512);
	for (n = 0; n < SECMMU_RESET_BATCH; n += 32)
		KUNIT_ASSERT_EQ(test, secmmu_dirty_ring_harvest(&f->ring, out, 32,
								NULL, NULL), 32);
	KUNIT_EXPECT_EQ(test, do_reset(f), SECMMU_RESET_BATCH);
	KUNIT_EXPECT_EQ(test, nr_flushes, 1);
	KUNIT_ASSERT_EQ(test, nr_seen, 8);
	/* Every page in exactly one window. */
	for (i = 0; i < nr_seen; i++) {
		unsigned long bit;

		KUNIT_EXPECT_EQ(test, seen[i].base % 64, 0ULL);
		for_each_set_bit(bit, (unsigned long *)&seen[i].mask, 64) {
			u64 pg = seen[i].base + bit;

			KUNIT_ASSERT_LT(test, pg, 512ULL);
			KUNIT_EXPECT_FALSE(test, covered[pg / 64] & BIT_ULL(pg % 64));
			covered[pg / 64] |= BIT_ULL(pg % 64);
		}
	}
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_EQ_MSG(test, covered[i], ~0ULL, "pages %d..", 64 * i);

	nr_flushes = 0;
	for (i = 0; i < 4 * SECMMU_RESET_BATCH; i++)
		secmmu_dirty_ring_push(f->vm, &f->ring, 0, 1000 + i);
	for (n = 0; n < 4 * SECMMU_RESET_BATCH; n += 32)
		KUNIT_ASSERT_EQ(test, secmmu_dirty_ring_harvest(&f->ring, out, 32,
								NULL, NULL), 32);
	KUNIT_EXPECT_EQ(test, do_reset(f), 4 * SECMMU_RESET_BATCH);
	KUNIT_EXPECT_EQ(test, nr_flushes, 4);

	nr_flushes = 0;
	for (i = 0; i < 2 * SECMMU_RESET_BATCH; i++)
		secmmu_dirty_ring_push(f->vm, &f->ring, 0, (u64)(i * 7 % 1024) * 64);
	for (n = 0; n < 2 * SECMMU_RESET_BATCH; n += 32)
		KUNIT_ASSERT_EQ(test, secmmu_dirty_ring_harvest(&f->ring, out, 32,
								NULL, NULL), 32);
	KUNIT_EXPECT_EQ(test, do_reset(f), 2 * SECMMU_RESET_BATCH);
	KUNIT_EXPECT_EQ(test, nr_flushes, 2);
}

static void ring_corruption_detected(struct kunit *test)
{
	struct ring_fixture *f = ring_setup(test, 256);
	u64 off;
	int i;

	for (i = 0; i < 4; i++)
		secmmu_dirty_ring_push(f->vm, &f->ring, 0, i);

	/* A flags value outside the protocol. */
	WRITE_ONCE(f->ring.entries[0].flags, 0x80);
	KUNIT_EXPECT_EQ(test, do_reset(f), -EBADMSG);
	KUNIT_EXPECT_EQ(test, f->ring.reset_index, 0U);
	WRITE_ONCE(f->ring.entries[0].flags, F_RESET);

	/* Reset out of order: entry 1 still DIRTY, entry 2 RESET. */
	WRITE_ONCE(f->ring.entries[2].flags, F_RESET);
	KUNIT_EXPECT_EQ(test, do_reset(f), 1);		/* entry 0 only */
	KUNIT_EXPECT_EQ(test, do_reset(f), -EBADMSG);

	/* Entry 1 harvested, but its offset rewritten beyond the slot. */
	KUNIT_ASSERT_TRUE(test, user_harvest(&f->ring.entries[1], &off));
	WRITE_ONCE(f->ring.entries[1].offset, SLOT_PAGES);
	KUNIT_EXPECT_EQ(test, do_reset(f), -EBADMSG);
	WRITE_ONCE(f->ring.entries[1].slot, SECMMU_MAX_MEMSLOTS);
	KUNIT_EXPECT_EQ(test, do_reset(f), -EBADMSG);

	/* Put right, the ring goes on. */
	WRITE_ONCE(f->ring.entries[1].slot, 0);
	WRITE_ONCE(f->ring.entries[1].offset, 1);
	KUNIT_ASSERT_TRUE(test, user_harvest(&f->ring.entries[3], &off));
	KUNIT_EXPECT_EQ(test, do_reset(f), 3);
	/* Each detection counts: bad flags, out of order twice, offset, slot. */
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(f->vm, SECMMU_STAT_DIRTY_RING_ERRORS), 5ULL);
}

static int refuse(void *ctx, const struct secmmu_dirty_gfn *out, u32 n)
{
	return -EFAULT;
}

/* A harvest whose copy-out fails leaves the entries DIRTY: nothing lost. */
static void ring_failed_harvest_loses_nothing(struct kunit *test)
{
	struct ring_fixture *f = ring_setup(test, 256);
	struct secmmu_dirty_gfn out[4];

	secmmu_dirty_ring_push(f->vm, &f->ring, 0, 9);
	KUNIT_EXPECT_EQ(test, secmmu_dirty_ring_harvest(&f->ring, out, 4, refuse, NULL),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, f->ring.entries[0].flags, F_DIRTY);
	KUNIT_EXPECT_EQ(test, secmmu_dirty_ring_harvest(&f->ring, out, 4, NULL, NULL), 1);
	KUNIT_EXPECT_EQ(test, out[0].offset, 9ULL);
}

/* Entries of a memslot deleted since are freed, not called corruption. */
static void ring_deleted_slot_entry_freed(struct kunit *test)
{
	struct ring_fixture *f = ring_setup(test, 256);
	u64 off;

	/* Slot 3 existed once (a deleted memslot), slot 4 never did. */
	rcu_dereference_protected(f->vm->layout, true)->slots_ever_used |= BIT(3);
	secmmu_dirty_ring_push(f->vm, &f->ring, 3, 1);
	secmmu_dirty_ring_push(f->vm, &f->ring, 0, 2);
	KUNIT_ASSERT_TRUE(test, user_harvest(&f->ring.entries[0], &off));
	KUNIT_ASSERT_TRUE(test, user_harvest(&f->ring.entries[1], &off));
	KUNIT_EXPECT_EQ(test, do_reset(f), 2);
	KUNIT_ASSERT_EQ(test, nr_seen, 1);		/* only slot 0's page */
	KUNIT_EXPECT_EQ(test, seen[0].slot, 0U);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(f->vm, SECMMU_STAT_DIRTY_RING_ERRORS), 0ULL);

	secmmu_dirty_ring_push(f->vm, &f->ring, 4, 1);
	KUNIT_ASSERT_TRUE(test, user_harvest(&f->ring.entries[2], &off));
	KUNIT_EXPECT_EQ(test, do_reset(f), -EBADMSG);
}

/* RESET written on an entry the kernel never pushed is corruption. */
static void ring_reset_beyond_pushed(struct kunit *test)
{
	struct ring_fixture *f = ring_setup(test, 256);
	u64 off;

	secmmu_dirty_ring_push(f->vm, &f->ring, 0, 1);
	KUNIT_ASSERT_TRUE(test, user_harvest(&f->ring.entries[0], &off));
	WRITE_ONCE(f->ring.entries[1].flags, F_RESET);
	KUNIT_EXPECT_EQ(test, do_reset(f), 1);		/* entry 0 only */
	KUNIT_EXPECT_EQ(test, do_reset(f), -EBADMSG);
	KUNIT_EXPECT_EQ(test, f->ring.reset_index, 1U);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(f->vm, SECMMU_STAT_DIRTY_RING_ERRORS), 2ULL);
}

/*
 * A userspace harvester sees DIRTY and marks the entry RESET while the
 * pushing vCPU is still inside the push: a reset then must reset exactly
 * what was harvested, or the page stays writable after userspace copied
 * it (the lossless selftest caught this on the KCSAN kernel).  The stub
 * harvests and resets at the push's one interleaving point.
 */
static struct ring_fixture *mid_push_f;
static int mid_push_harvested, mid_push_reset, mid_push_bad;

static void harvest_reset_mid_push(struct secmmu_dirty_ring *ring)
{
	u32 i = ring->reset_index;
	int n = 0, ret;
	u64 off;

	while (user_harvest(&ring->entries[i++ & (ring->size - 1)], &off))
		n++;
	ret = do_reset(mid_push_f);
	mid_push_harvested += n;
	if (ret == n)
		mid_push_reset += ret;
	else
		mid_push_bad++;
}

static void ring_harvest_reset_during_push(struct kunit *test)
{
	struct ring_fixture *f = ring_setup(test, 256);
	u64 i;

	mid_push_f = f;
	mid_push_harvested = 0;
	mid_push_reset = 0;
	mid_push_bad = 0;
	kunit_activate_static_stub(test, secmmu_dirty_ring_pushing,
				   harvest_reset_mid_push);
	for (i = 0; i < 8; i++)
		secmmu_dirty_ring_push(f->vm, &f->ring, 0, i);
	kunit_deactivate_static_stub(test, secmmu_dirty_ring_pushing);

	KUNIT_EXPECT_EQ(test, mid_push_bad, 0);
	/* Each push's stub took the entries pushed before it. */
	KUNIT_EXPECT_EQ(test, mid_push_harvested, 7);
	KUNIT_EXPECT_EQ(test, mid_push_reset, 7);
	KUNIT_EXPECT_EQ(test, f->ring.entries[7].flags, F_DIRTY);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(f->vm, SECMMU_STAT_DIRTY_RING_ERRORS), 0ULL);
}

/* A pusher and a harvester+resetter on different CPUs. */
struct ring_race {
	struct ring_fixture *f;
	u64 total;
	u64 got, errors;
};

static int ring_pusher(void *arg)
{
	struct ring_race *r = arg;
	u64 i;

	for (i = 0; i < r->total && !kthread_should_stop(); i++) {
		while (secmmu_dirty_ring_soft_full(&r->f->ring) && !kthread_should_stop())
			cond_resched();
		secmmu_dirty_ring_push(r->f->vm, &r->f->ring, 0, i % SLOT_PAGES);
	}
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

static void ring_push_vs_harvest_two_cpus(struct kunit *test)
{
	struct ring_fixture *f = ring_setup(test, 256);
	struct ring_race r = { .f = f, .total = 20000 };
	struct secmmu_dirty_gfn out[32];
	unsigned long deadline = jiffies + 60 * HZ;
	struct task_struct *t;

	t = kthread_create(ring_pusher, &r, "secmmu-push");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	if (num_online_cpus() > 1)
		kthread_bind(t, 1);
	wake_up_process(t);

	while (r.got < r.total && time_before(jiffies, deadline)) {
		u32 n = secmmu_dirty_ring_harvest(&f->ring, out, ARRAY_SIZE(out), NULL, NULL), i;

		for (i = 0; i < n; i++, r.got++)
			r.errors += out[i].offset != r.got % SLOT_PAGES;
		if (n)
			KUNIT_EXPECT_EQ(test, do_reset(f), (int)n);
		else
			schedule_timeout_uninterruptible(1);	/* let it push */
	}
	kthread_stop(t);
	KUNIT_EXPECT_EQ(test, r.got, r.total);
	KUNIT_EXPECT_EQ(test, r.errors, 0ULL);
	KUNIT_EXPECT_EQ(test, secmmu_stat_read(f->vm, SECMMU_STAT_DIRTY_RING_ERRORS), 0ULL);
}

static struct kunit_case dirty_ring_cases[] = {
	KUNIT_CASE(ring_push_harvest_reset),
	KUNIT_CASE(ring_wraps_and_soft_limit),
	KUNIT_CASE(ring_coalescing_masks),
	KUNIT_CASE(ring_reset_batches),
	KUNIT_CASE(ring_corruption_detected),
	KUNIT_CASE(ring_failed_harvest_loses_nothing),
	KUNIT_CASE(ring_deleted_slot_entry_freed),
	KUNIT_CASE(ring_reset_beyond_pushed),
	KUNIT_CASE(ring_harvest_reset_during_push),
	KUNIT_CASE_SLOW(ring_push_vs_harvest_two_cpus),
	{}
};

static struct kunit_suite dirty_ring_suite = {
	.name = "secmmu_dirty_ring",
	.test_cases = dirty_ring_cases,
};

kunit_test_suite(dirty_ring_suite);
