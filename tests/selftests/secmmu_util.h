/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The secmmu selftest library, for the selftests and the tools: the one
 * header to include (the selftests include it through secmmu_test.h, the
 * harness glue).  By concept:
 *
 *   secmmu_util.c  the ioctls: VMs, vCPUs, memslots, views, SPTEs,
 *                  accesses, capabilities (the rmap mode), aging, stats
 *   smu_dirty.c    dirty rings (enable, mmap, reset, harvest) and logs
 *   smu_bitmap.c   __u64 bitmaps (SECMMU_AGE's young bits, dirty logs)
 *   smu_mem.c      memory: mappings, fill patterns, pagemap, page flags,
 *                  residency
 *   smu_sys.c      the system: files, NUMA, swap, cgroup v2, MGLRU
 *
 * Every wrapper returns 0 (or a non-negative result such as an fd or a
 * count) on success and -errno on failure, so tests can assert exact
 * errnos with ASSERT_EQ(-EINVAL, smu_...()).  Nothing here depends on the
 * kselftest harness, and nothing asserts.
 */
#ifndef SECMMU_UTIL_H
#define SECMMU_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/secmmu.h>
#include <linux/secmmu_dirty_ring.h>

#define SMU_PAGE_SIZE		4096UL
#define SMU_PAGE_SHIFT		12
#define SMU_GPA(gfn)		((__u64)(gfn) << SMU_PAGE_SHIFT)
#define SMU_DEV_PATH		"/dev/secmmu"

/* ---- ioctls (secmmu_util.c) ---- */

/* Raw ioctl: returns the ioctl result or -errno. */
int smu_ioctl(int fd, unsigned long req, void *arg);
int smu_ioctl_val(int fd, unsigned long req, unsigned long val);

/* VM fd: open(/dev/secmmu).  Returns fd or -errno. */
int smu_open_vm(void);
int smu_create_vcpu(int vm, unsigned long id);
int smu_check_cap(int vm, unsigned long cap);

/* Memslots: create/change, and delete (npages == 0). */
int smu_set_memslot(int vm, __u32 slot, __u32 flags, __u64 base_gfn,
		    __u64 npages, const void *hva);
int smu_set_memslot_raw(int vm, struct secmmu_memslot *ms);
int smu_del_memslot(int vm, __u32 slot);

/* Views: map, and remove (npages == 0). */
int smu_set_view(int vm, __u32 view, __u64 view_gfn, __u64 npages,
		 __u64 target_gfn);
int smu_del_view(int vm, __u32 view, __u64 view_gfn);

/* SPTE inspection. */
int smu_get_spte(int vm, __u32 view, __u64 gfn, struct secmmu_spte_info *out);
/* SPTE flags of @gfn, or ~0ULL if SECMMU_GET_SPTE failed. */
__u64 smu_spte_flags(int vm, __u32 view, __u64 gfn);
/* Number of gfns in [gfn, gfn + n) whose SPTE is present. */
long smu_count_present(int vm, __u32 view, __u64 gfn, __u64 n);

/*
 * One access.  @res (may be NULL) receives the full struct as returned.
 * Returns 0 (check res->exit_reason) or -errno.
 */
int smu_access(int vcpu, __u16 view, __u64 gpa, void *buf, __u32 len,
	       bool write, struct secmmu_access *res);
int smu_read(int vcpu, __u16 view, __u64 gpa, void *buf, __u32 len,
	     struct secmmu_access *res);
int smu_write(int vcpu, __u16 view, __u64 gpa, const void *buf, __u32 len,
	      struct secmmu_access *res);
/*
 * Read/write @len bytes (any size) in SECMMU_MAX_ACCESS_LEN chunks.
 * Returns 0 when everything was accessed, -errno on an error, or
 * 1 on an exit (res filled).
 */
int smu_read_all(int vcpu, __u16 view, __u64 gpa, void *buf, size_t len,
		 struct secmmu_access *res);
int smu_write_all(int vcpu, __u16 view, __u64 gpa, const void *buf,
		  size_t len, struct secmmu_access *res);

void smu_op(struct secmmu_access_op *op, __u16 view, __u64 gpa, void *buf,
	    __u32 len, bool write);
int smu_batch(int vcpu, struct secmmu_access_op *ops, __u32 nr,
	      struct secmmu_access_batch *res);
/*
 * Read one 8-byte word of each page gpa(@gfns[i]) of @view through @vcpu
 * with SECMMU_ACCESS_BATCH (in batches of at most SECMMU_MAX_BATCH).
 * Returns 0 when all completed, -errno on error, 1 on an exit.
 */
int smu_touch_gfns(int vcpu, __u16 view, const __u64 *gfns, size_t n);
/* The same for gfn, gfn + stride, ... (@n pages). */
int smu_touch_stride(int vcpu, __u16 view, __u64 gfn, size_t n,
		     size_t stride);

/* SECMMU_ENABLE_CAP with args[0] = @arg. */
int smu_enable_cap(int vm, __u32 cap, __u64 arg);
/* SECMMU_ENABLE_CAP(SECMMU_CAP_RMAP_MODE, @mode). */
int smu_set_rmap_mode(int vm, __u64 mode);

/*
 * SECMMU_AGE over [start, start + npages); @young / @fast_failed may be
 * NULL.  @res (may be NULL) receives the struct as returned.
 */
int smu_age(int vm, __u32 flags, __u64 start, __u64 npages, __u64 *young,
	    __u64 *fast_failed, struct secmmu_age *res);
/* SECMMU_AGE with a caller-built struct (all fields as given). */
int smu_age_raw(int vm, struct secmmu_age *a);

/* Stats. */
int smu_get_stats(int vm, struct secmmu_stats *st);
/* Value of one counter, or ~0ULL on error. */
__u64 smu_stat(int vm, enum secmmu_stat idx);
const char *smu_stat_name(unsigned int idx);

/* Snapshots of every counter, and the change of one between two. */
struct smu_snap {
	__u64 v[SECMMU_STAT_NR];
};

/* 0, -ERANGE when the module reports fewer counters, or -errno. */
int smu_snap(int vm, struct smu_snap *s);
static inline __u64 smu_delta(const struct smu_snap *before,
			      const struct smu_snap *after,
			      enum secmmu_stat i)
{
	return after->v[i] - before->v[i];
}

/* ---- dirty rings and logs (smu_dirty.c) ---- */

#define SMU_RING_BYTES(n)	((size_t)(n) * sizeof(struct secmmu_dirty_gfn))
#define SMU_RING_OFFSET		((off_t)SECMMU_DIRTY_RING_PGOFF * SMU_PAGE_SIZE)

int smu_enable_ring(int vm, unsigned long entries);
/* mmap() of a vCPU fd with every knob; 0 and *out set, or -errno. */
int smu_mmap_raw(int vcpu, size_t len, int prot, int flags, off_t off,
		 void **out);
/* The documented mapping of a vCPU's ring; MAP_FAILED on error. */
struct secmmu_dirty_gfn *smu_mmap_ring(int vcpu, __u32 entries);
int smu_reset_rings(int vm);
int smu_reset_ring(int vcpu);
/* SECMMU_HARVEST; returns the count or -errno. */
int smu_kharvest(int vcpu, struct secmmu_dirty_gfn *out, __u32 max);

/* A mmapped ring and its userspace harvest cursor. */
struct smu_ring {
	struct secmmu_dirty_gfn *g;
	__u32 n;		/* entries */
	__u32 idx;		/* next entry to harvest (free running) */
};

static inline struct secmmu_dirty_gfn *smu_ring_ent(struct smu_ring *r,
						    __u32 idx)
{
	return &r->g[idx & (r->n - 1)];
}

/* Harvest up to @max entries in order into @out (may be NULL). */
__u32 smu_ring_harvest(struct smu_ring *r, struct secmmu_dirty_gfn *out,
		       __u32 max);
/* Flags of entry @idx (acquire). */
__u32 smu_ring_flags(struct smu_ring *r, __u32 idx);
/* Number of entries of the ring whose flags are not 0. */
__u32 smu_ring_busy(struct smu_ring *r);

/* SECMMU_GET_DIRTY_LOG / SECMMU_CLEAR_DIRTY_LOG of pages [first, +num). */
int smu_get_log(int vm, __u32 slot, __u64 first, __u64 num, __u64 *bm);
int smu_clear_log(int vm, __u32 slot, __u64 first, __u64 num, __u64 *bm);

/* ---- bitmaps of __u64 words, bit i = page start + i (smu_bitmap.c) ---- */

#define SMU_BM_WORDS(n)		(((n) + 63) / 64)

static inline void smu_bm_set(__u64 *bm, size_t i)
{
	bm[i / 64] |= 1ULL << (i % 64);
}

static inline bool smu_bm_test(const __u64 *bm, size_t i)
{
	return bm[i / 64] >> (i % 64) & 1;
}

/* Number of set bits among the first @n. */
size_t smu_bm_weight(const __u64 *bm, size_t n);
/* First bit < @n where @a and @b differ, or -1. */
long smu_bm_first_diff(const __u64 *a, const __u64 *b, size_t n);
/* "0,3,6-9" style list of the set bits among the first @n (truncated). */
void smu_bm_format(char *out, size_t len, const __u64 *bm, size_t n);

/* ---- memory (smu_mem.c) ---- */

void *smu_mmap_anon(size_t len);		/* MAP_FAILED on error */
/* @len bytes aligned to @align (power of two); MAP_FAILED on error. */
void *smu_mmap_aligned(size_t len, size_t align);
/*
 * Fill @len bytes with a pattern derived from @seed and the byte offset
 * (@off is the offset of p[0] within the pattern, so a sub-range of a
 * pattern can be produced or checked on its own).
 */
void smu_fill_off(void *p, size_t len, uint64_t seed, size_t off);
static inline void smu_fill(void *p, size_t len, uint64_t seed)
{
	smu_fill_off(p, len, seed, 0);
}

/* Index of the first byte that differs from the pattern, or -1. */
long smu_check_off(const void *p, size_t len, uint64_t seed, size_t off);
static inline long smu_check(const void *p, size_t len, uint64_t seed)
{
	return smu_check_off(p, len, seed, 0);
}

bool smu_is_zero(const void *p, size_t len);

/* Small deterministic PRNG (xorshift64*). */
static inline uint64_t smu_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* /proc/self/pagemap entry of @addr (0 on failure). */
uint64_t smu_pagemap(const void *addr);
#define SMU_PM_PRESENT		(1ULL << 63)
#define SMU_PM_SWAPPED		(1ULL << 62)
#define SMU_PM_PFN_MASK		((1ULL << 55) - 1)

/*
 * Page flags of the folio behind a virtual address of this process:
 * /proc/self/pagemap gives the pfn (CAP_SYS_ADMIN, else 0), then
 * /proc/kpageflags the flags (root).  Bit numbers of
 * include/uapi/linux/kernel-page-flags.h.
 */
#define KPF_REFERENCED		2
#define KPF_DIRTY		4
#define KPF_LRU			5
#define KPF_ACTIVE		6
#define KPF_ANON		12
#define KPF_SWAPBACKED		14
#define KPF_THP			22

#define KPF_BIT(flags, bit)	(!!((flags) & (1ULL << (bit))))

/*
 * Flags of the page mapped at @addr into *@flags: 0, -ENOENT when nothing
 * is mapped there (or the pfn is hidden: not root), -errno on error.
 */
int smu_kpf_of(const void *addr, uint64_t *flags);
/* Is /proc/kpageflags usable here (root, PROC_PAGE_MONITOR)? */
bool smu_kpf_available(void);

/*
 * Residency of the @npages pages at @p by mincore(): fills @vec (npages
 * bytes, may be NULL) and returns the number of resident pages, or -errno.
 */
long smu_resident(const void *p, size_t npages, unsigned char *vec);
/* Pages in @vec[first .. first + count) with bit 0 set. */
size_t smu_vec_count(const unsigned char *vec, size_t first, size_t count);
/* Pages of [p, p + npages) that pagemap shows swapped out, or -errno. */
long smu_swapped(const void *p, size_t npages, uint64_t *pm);
/* AnonHugePages (kB) of the VMA containing @addr, -1 if not found. */
long smu_anon_huge_kb(const void *addr);
/* The same in process @pid's address space (0: this process). */
long smu_proc_anon_huge_kb(int pid, unsigned long addr);

/* ---- the system (smu_sys.c) ---- */

int smu_write_file(const char *path, const char *val);	/* 0 or -errno */
long long smu_read_ll(const char *path);		/* -1 on error */
/* Value of "key <n>" in a key/value file like memory.stat, -1 if absent. */
long long smu_read_key(const char *path, const char *key);
/* Number of online NUMA nodes (>= 1). */
int smu_nr_nodes(void);
/* Disable NUMA balancing so SPTEs are not zapped behind a test's back. */
void smu_quiesce(void);

/* Swap configured (a line after /proc/swaps' header)? */
bool smu_has_swap(void);
/* Used swap in kB (from /proc/meminfo); -1 on error. */
long long smu_swap_used_kb(void);

/* cgroup v2 under /sys/fs/cgroup. */
#define SMU_CG_ROOT	"/sys/fs/cgroup"
bool smu_has_memcg(void);	/* with the memory controller */
/*
 * Create @cg (a path under SMU_CG_ROOT), enable +memory in the root's
 * subtree_control and move the caller into it.  0 or -errno.
 */
int smu_cg_enter(const char *cg);
/* Move the caller back to the root and remove @cg (best effort). */
void smu_cg_leave(const char *cg);

/*
 * MGLRU debugfs (/sys/kernel/debug/lru_gen).  smu_lru_gen_find() fills
 * the generations of the memcg whose path (relative to the cgroup root,
 * e.g. "/x") is @path, per node.  Returns the memcg id or -errno.
 */
#define SMU_LRU_GEN		"/sys/kernel/debug/lru_gen"
#define SMU_LRU_GEN_ENABLED	"/sys/kernel/mm/lru_gen/enabled"
#define SMU_MAX_NODES		8
#define SMU_MAX_GENS		8

struct smu_lru_node {
	int nid;			/* -1: unused slot */
	int nr_gens;
	unsigned long seq[SMU_MAX_GENS];
	unsigned long anon[SMU_MAX_GENS];
	unsigned long file[SMU_MAX_GENS];
};

struct smu_lru_memcg {
	int id;
	int nr_nodes;
	struct smu_lru_node node[SMU_MAX_NODES];
};

int smu_lru_gen_find(const char *path, struct smu_lru_memcg *out);
/* Write one command line to SMU_LRU_GEN: 0 or -errno. */
int smu_lru_gen_cmd(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

#endif /* SECMMU_UTIL_H */
