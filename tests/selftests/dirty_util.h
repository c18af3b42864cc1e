/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the dirty tracking selftests (dirty_ring_test, dirty_log_test,
 * lossless_test): ring enable/mmap/reset/harvest, dirty bitmaps and stats
 * snapshots.  Header only, so the Makefile's *_test.c glob builds the tests
 * with no extra link rule.  Like secmmu_util, calls return 0 (or a count)
 * on success and -errno on failure; nothing here asserts.
 */
#ifndef DIRTY_UTIL_H
#define DIRTY_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <linux/secmmu.h>
#include <linux/secmmu_dirty_ring.h>

#include "secmmu_util.h"

#define DU_RING_BYTES(n)	((size_t)(n) * sizeof(struct secmmu_dirty_gfn))
#define DU_RING_OFFSET		((off_t)SECMMU_DIRTY_RING_PGOFF * SMU_PAGE_SIZE)

static inline int du_enable_ring(int vm, unsigned long entries)
{
	return smu_ioctl_val(vm, SECMMU_ENABLE_DIRTY_RING, entries);
}

/* mmap() of a vCPU fd with every knob; 0 and *out set, or -errno. */
static inline int du_mmap_raw(int vcpu, size_t len, int prot, int flags,
			      off_t off, void **out)
{
	void *p = mmap(NULL, len, prot, flags, vcpu, off);

	if (p == MAP_FAILED)
		return -errno;
	*out = p;
	return 0;
}

/* The documented mapping of a vCPU's ring; MAP_FAILED on error. */
static inline struct secmmu_dirty_gfn *du_mmap_ring(int vcpu, __u32 entries)
{
	return mmap(NULL, DU_RING_BYTES(entries), PROT_READ | PROT_WRITE,
		    MAP_SHARED, vcpu, DU_RING_OFFSET);
}

static inline int du_reset_rings(int vm)
{
	return smu_ioctl_val(vm, SECMMU_RESET_DIRTY_RINGS, 0);
}

static inline int du_reset_ring(int vcpu)
{
	return smu_ioctl_val(vcpu, SECMMU_RESET_DIRTY_RING, 0);
}

/* SECMMU_HARVEST; returns the count or -errno. */
static inline int du_kharvest(int vcpu, struct secmmu_dirty_gfn *out,
			      __u32 max)
{
	struct secmmu_harvest h = {
		.entries = (__u64)(uintptr_t)out,
		.max = max,
	};
	int ret = smu_ioctl(vcpu, SECMMU_HARVEST, &h);

	return ret < 0 ? ret : (int)h.count;
}

/* A mmapped ring and its userspace harvest cursor. */
struct du_ring {
	struct secmmu_dirty_gfn *g;
	__u32 n;		/* entries */
	__u32 idx;		/* next entry to harvest (free running) */
};

static inline struct secmmu_dirty_gfn *du_ent(struct du_ring *r, __u32 idx)
{
	return &r->g[idx & (r->n - 1)];
}

/* Harvest up to @max entries in order into @out (may be NULL). */
static inline __u32 du_harvest(struct du_ring *r, struct secmmu_dirty_gfn *out,
			       __u32 max)
{
	struct secmmu_dirty_gfn tmp;
	__u32 i;

	for (i = 0; i < max; i++)
		if (!secmmu_dirty_ring_harvest_one(r->g, r->n, &r->idx,
						   out ? &out[i] : &tmp))
			break;
	return i;
}

static inline __u32 du_flags(struct du_ring *r, __u32 idx)
{
	return __atomic_load_n(&du_ent(r, idx)->flags, __ATOMIC_ACQUIRE);
}

/* Number of entries of the ring whose flags are not 0. */
static inline __u32 du_nr_busy(struct du_ring *r)
{
	__u32 i, n = 0;

	for (i = 0; i < r->n; i++)
		n += !secmmu_dirty_gfn_is_free(&r->g[i]);
	return n;
}

/* Dirty bitmaps. */
#define DU_BM_WORDS(n)		(((n) + 63) / 64)

static inline void du_bm_set(__u64 *bm, size_t i)
{
	bm[i / 64] |= 1ULL << (i % 64);
}

static inline bool du_bm_test(const __u64 *bm, size_t i)
{
	return bm[i / 64] >> (i % 64) & 1;
}

static inline int du_log_ioctl(int vm, unsigned long req, __u32 slot,
			       __u64 first, __u64 num, __u64 *bm)
{
	struct secmmu_dirty_log l = {
		.slot = slot,
		.first_page = first,
		.num_pages = num,
		.bitmap = (__u64)(uintptr_t)bm,
	};

	return smu_ioctl(vm, req, &l);
}

static inline int du_get_log(int vm, __u32 slot, __u64 first, __u64 num,
			     __u64 *bm)
{
	return du_log_ioctl(vm, SECMMU_GET_DIRTY_LOG, slot, first, num, bm);
}

static inline int du_clear_log(int vm, __u32 slot, __u64 first, __u64 num,
			       __u64 *bm)
{
	return du_log_ioctl(vm, SECMMU_CLEAR_DIRTY_LOG, slot, first, num, bm);
}

/* Stats snapshots. */
struct du_stats {
	__u64 v[SECMMU_STAT_NR];
};

static inline int du_stats(int vm, struct du_stats *s)
{
	struct secmmu_stats st;
	int ret = smu_get_stats(vm, &st);
	unsigned int i;

	if (ret)
		return ret;
	for (i = 0; i < SECMMU_STAT_NR; i++)
		s->v[i] = i < st.nr ? st.val[i] : 0;
	return 0;
}

/* Small deterministic PRNG (xorshift64*). */
static inline uint64_t du_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

#endif /* DIRTY_UTIL_H */
