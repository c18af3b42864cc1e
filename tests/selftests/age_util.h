/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the aging selftests (rmap_test, reclaim_test, age_exact_test):
 * SECMMU_AGE bitmaps, vCPU page touching, stats deltas, cgroup v2 and the
 * MGLRU debugfs interface.  Like secmmu_util, every call returns 0 (or a
 * count) on success and -errno on failure; nothing here asserts.
 */
#ifndef AGE_UTIL_H
#define AGE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "secmmu_util.h"

/* SECMMU_AGE bitmaps: __u64 words, bit i = page start + i. */
#define AGE_BM_WORDS(n)		(((n) + 63) / 64)

static inline void age_bm_set(__u64 *bm, size_t i)
{
	bm[i / 64] |= 1ULL << (i % 64);
}

static inline bool age_bm_test(const __u64 *bm, size_t i)
{
	return bm[i / 64] >> (i % 64) & 1;
}

/* Number of set bits among the first @n. */
size_t age_bm_weight(const __u64 *bm, size_t n);
/* First bit < @n where @a and @b differ, or -1. */
long age_bm_first_diff(const __u64 *a, const __u64 *b, size_t n);
/* "0,3,6-9" style list of the set bits among the first @n (truncated). */
void age_bm_format(char *out, size_t len, const __u64 *bm, size_t n);

/* SECMMU_ENABLE_CAP(SECMMU_CAP_RMAP_MODE, @mode). */
int age_set_rmap_mode(int vm, __u64 mode);
/* SECMMU_AGE with a caller-built struct (all fields as given). */
int age_ioctl(int vm, struct secmmu_age *a);
/*
 * SECMMU_AGE over [start, start + npages).  @young / @fast_failed may be
 * NULL; @res (may be NULL) receives the struct as returned.
 */
int age_range(int vm, __u32 flags, __u64 start, __u64 npages, __u64 *young,
	      __u64 *fast_failed, struct secmmu_age *res);

/*
 * Read one 8-byte word of each page gpa(@gfns[i]) of @view through @vcpu
 * with SECMMU_ACCESS_BATCH (in batches of at most SECMMU_MAX_BATCH).
 * Returns 0 when all completed, -errno on error, 1 on an exit.
 */
int age_touch_gfns(int vcpu, __u16 view, const __u64 *gfns, size_t n);
/* The same for gfn, gfn + stride, ... (@n pages). */
int age_touch_stride(int vcpu, __u16 view, __u64 gfn, size_t n,
		     size_t stride);

/* Stats snapshots. */
struct age_stats {
	__u64 v[SECMMU_STAT_NR];
};

int age_snap(int vm, struct age_stats *s);
static inline __u64 age_delta(const struct age_stats *before,
			      const struct age_stats *after,
			      enum secmmu_stat i)
{
	return after->v[i] - before->v[i];
}

/* Swap configured (a line after /proc/swaps' header)? */
bool age_has_swap(void);
/* Total and used swap in kB (from /proc/meminfo); -1 on error. */
long long age_swap_used_kb(void);

/* cgroup v2 under /sys/fs/cgroup. */
#define AGE_CG_ROOT	"/sys/fs/cgroup"
/*
 * Create @cg (a path under AGE_CG_ROOT), enable +memory in the root's
 * subtree_control and move the caller into it.  0 or -errno.
 */
int age_cg_enter(const char *cg);
/* Move the caller back to the root and remove @cg (best effort). */
void age_cg_leave(const char *cg);

/*
 * Residency of the @npages pages at @p by mincore(): fills @vec (npages
 * bytes, may be NULL) and returns the number of resident pages, or -errno.
 */
long age_resident(const void *p, size_t npages, unsigned char *vec);
/* Pages in @vec[first .. first + count) with bit 0 set. */
size_t age_vec_count(const unsigned char *vec, size_t first, size_t count);
/* Pages of [p, p + npages) that pagemap shows swapped out, or -errno. */
long age_swapped(const void *p, size_t npages, uint64_t *pm);

/*
 * MGLRU debugfs (/sys/kernel/debug/lru_gen).  age_lru_gen_find() fills
 * the generations of the memcg whose path (relative to the cgroup root,
 * e.g. "/x") is @path, per node.  Returns the memcg id or -errno.
 */
#define AGE_LRU_GEN		"/sys/kernel/debug/lru_gen"
#define AGE_LRU_GEN_ENABLED	"/sys/kernel/mm/lru_gen/enabled"
#define AGE_MAX_NODES		8
#define AGE_MAX_GENS		8

struct age_lru_node {
	int nid;			/* -1: unused slot */
	int nr_gens;
	unsigned long seq[AGE_MAX_GENS];
	unsigned long anon[AGE_MAX_GENS];
	unsigned long file[AGE_MAX_GENS];
};

struct age_lru_memcg {
	int id;
	int nr_nodes;
	struct age_lru_node node[AGE_MAX_NODES];
};

int age_lru_gen_find(const char *path, struct age_lru_memcg *out);
/* Write one command line to AGE_LRU_GEN: 0 or -errno. */
int age_lru_gen_cmd(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

#endif /* AGE_UTIL_H */
