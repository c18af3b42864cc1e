/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers for the secmmu selftests and tools.
 *
 * Every wrapper returns 0 (or a non-negative result such as an fd) on
 * success and -errno on failure, so tests can assert exact errnos with
 * ASSERT_EQ(-EINVAL, smu_...()).  Nothing here depends on the kselftest
 * harness.
 */
#ifndef SECMMU_UTIL_H
#define SECMMU_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/secmmu.h>

#define SMU_PAGE_SIZE		4096UL
#define SMU_PAGE_SHIFT		12
#define SMU_GPA(gfn)		((__u64)(gfn) << SMU_PAGE_SHIFT)
#define SMU_DEV_PATH		"/dev/secmmu"

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

/* SECMMU_ENABLE_CAP with args[0] = @arg. */
int smu_enable_cap(int vm, __u32 cap, __u64 arg);
/*
 * SECMMU_AGE over [start, start + npages); @young / @fast_failed may be
 * NULL.  @res (may be NULL) receives the struct as returned.
 */
int smu_age(int vm, __u32 flags, __u64 start, __u64 npages, __u64 *young,
	    __u64 *fast_failed, struct secmmu_age *res);

/* Stats. */
int smu_get_stats(int vm, struct secmmu_stats *st);
/* Value of one counter, or ~0ULL on error. */
__u64 smu_stat(int vm, enum secmmu_stat idx);
const char *smu_stat_name(unsigned int idx);

/* Memory helpers. */
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

/* /proc/self/pagemap entry of @addr (0 on failure). */
uint64_t smu_pagemap(const void *addr);
#define SMU_PM_PRESENT		(1ULL << 63)
#define SMU_PM_SWAPPED		(1ULL << 62)
#define SMU_PM_PFN_MASK		((1ULL << 55) - 1)

/* Files. */
int smu_write_file(const char *path, const char *val);	/* 0 or -errno */
bool smu_has_memcg(void);	/* cgroup v2 with the memory controller */
long long smu_read_ll(const char *path);		/* -1 on error */
/* Value of "key <n>" in a key/value file like memory.stat, -1 if absent. */
long long smu_read_key(const char *path, const char *key);
/* AnonHugePages (kB) of the VMA containing @addr, -1 if not found. */
long smu_anon_huge_kb(const void *addr);
/* Number of online NUMA nodes (>= 1). */
int smu_nr_nodes(void);

/* Disable NUMA balancing so SPTEs are not zapped behind a test's back. */
void smu_quiesce(void);

#endif /* SECMMU_UTIL_H */
