// SPDX-License-Identifier: GPL-2.0
/*
 * The secmmu selftest library: the ioctls (see secmmu_util.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "secmmu_util.h"

int smu_ioctl(int fd, unsigned long req, void *arg)
{
	int ret = ioctl(fd, req, arg);

	return ret < 0 ? -errno : ret;
}

int smu_ioctl_val(int fd, unsigned long req, unsigned long val)
{
	int ret = ioctl(fd, req, val);

	return ret < 0 ? -errno : ret;
}

int smu_open_vm(void)
{
	int fd = open(SMU_DEV_PATH, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int smu_create_vcpu(int vm, unsigned long id)
{
	return smu_ioctl_val(vm, SECMMU_CREATE_VCPU, id);
}

int smu_check_cap(int vm, unsigned long cap)
{
	return smu_ioctl_val(vm, SECMMU_CHECK_CAP, cap);
}

int smu_set_memslot_raw(int vm, struct secmmu_memslot *ms)
{
	return smu_ioctl(vm, SECMMU_SET_MEMSLOT, ms);
}

int smu_set_memslot(int vm, __u32 slot, __u32 flags, __u64 base_gfn,
		    __u64 npages, const void *hva)
{
	struct secmmu_memslot ms = {
		.slot = slot,
		.flags = flags,
		.base_gfn = base_gfn,
		.npages = npages,
		.userspace_addr = (__u64)(uintptr_t)hva,
	};

	return smu_set_memslot_raw(vm, &ms);
}

int smu_del_memslot(int vm, __u32 slot)
{
	return smu_set_memslot(vm, slot, 0, 0, 0, NULL);
}

int smu_set_view(int vm, __u32 view, __u64 view_gfn, __u64 npages,
		 __u64 target_gfn)
{
	struct secmmu_view_mapping vmap = {
		.view = view,
		.view_gfn = view_gfn,
		.npages = npages,
		.target_gfn = target_gfn,
	};

	return smu_ioctl(vm, SECMMU_SET_VIEW_MAPPING, &vmap);
}

int smu_del_view(int vm, __u32 view, __u64 view_gfn)
{
	return smu_set_view(vm, view, view_gfn, 0, 0);
}

int smu_get_spte(int vm, __u32 view, __u64 gfn, struct secmmu_spte_info *out)
{
	memset(out, 0, sizeof(*out));
	out->view = view;
	out->gfn = gfn;
	return smu_ioctl(vm, SECMMU_GET_SPTE, out);
}

__u64 smu_spte_flags(int vm, __u32 view, __u64 gfn)
{
	struct secmmu_spte_info info;

	if (smu_get_spte(vm, view, gfn, &info))
		return ~0ULL;
	return info.flags;
}

long smu_count_present(int vm, __u32 view, __u64 gfn, __u64 n)
{
	long cnt = 0;
	__u64 i;

	for (i = 0; i < n; i++) {
		__u64 f = smu_spte_flags(vm, view, gfn + i);

		if (f == ~0ULL)
			return -1;
		if (f & SECMMU_SPTE_PRESENT)
			cnt++;
	}
	return cnt;
}

void smu_op(struct secmmu_access_op *op, __u16 view, __u64 gpa, void *buf,
	    __u32 len, bool write)
{
	memset(op, 0, sizeof(*op));
	op->gpa = gpa;
	op->buf = (__u64)(uintptr_t)buf;
	op->len = len;
	op->view = view;
	op->flags = write ? SECMMU_ACCESS_WRITE : 0;
}

int smu_access(int vcpu, __u16 view, __u64 gpa, void *buf, __u32 len,
	       bool write, struct secmmu_access *res)
{
	struct secmmu_access a;
	int ret;

	memset(&a, 0, sizeof(a));
	smu_op(&a.op, view, gpa, buf, len, write);
	ret = smu_ioctl(vcpu, SECMMU_ACCESS, &a);
	if (res)
		*res = a;
	return ret;
}

int smu_read(int vcpu, __u16 view, __u64 gpa, void *buf, __u32 len,
	     struct secmmu_access *res)
{
	return smu_access(vcpu, view, gpa, buf, len, false, res);
}

int smu_write(int vcpu, __u16 view, __u64 gpa, const void *buf, __u32 len,
	      struct secmmu_access *res)
{
	return smu_access(vcpu, view, gpa, (void *)buf, len, true, res);
}

static int smu_access_all(int vcpu, __u16 view, __u64 gpa, void *buf,
			  size_t len, bool write, struct secmmu_access *res)
{
	struct secmmu_access a;
	size_t off = 0;
	int ret;

	while (off < len) {
		__u32 n = len - off > SECMMU_MAX_ACCESS_LEN ?
			  SECMMU_MAX_ACCESS_LEN : len - off;

		ret = smu_access(vcpu, view, gpa + off, (char *)buf + off, n,
				 write, &a);
		if (res)
			*res = a;
		if (ret)
			return ret;
		if (a.exit_reason != SECMMU_EXIT_NONE)
			return 1;
		off += n;
	}
	return 0;
}

int smu_read_all(int vcpu, __u16 view, __u64 gpa, void *buf, size_t len,
		 struct secmmu_access *res)
{
	return smu_access_all(vcpu, view, gpa, buf, len, false, res);
}

int smu_write_all(int vcpu, __u16 view, __u64 gpa, const void *buf,
		  size_t len, struct secmmu_access *res)
{
	return smu_access_all(vcpu, view, gpa, (void *)buf, len, true, res);
}

int smu_batch(int vcpu, struct secmmu_access_op *ops, __u32 nr,
	      struct secmmu_access_batch *res)
{
	struct secmmu_access_batch b;
	int ret;

	memset(&b, 0, sizeof(b));
	b.ops = (__u64)(uintptr_t)ops;
	b.nr = nr;
	ret = smu_ioctl(vcpu, SECMMU_ACCESS_BATCH, &b);
	if (res)
		*res = b;
	return ret;
}

int smu_touch_gfns(int vcpu, __u16 view, const __u64 *gfns, size_t n)
{
	struct secmmu_access_batch b;
	struct secmmu_access_op *ops;
	size_t i, off;
	__u64 sink;
	int ret = 0;

	if (!n)
		return 0;
	ops = calloc(n < SECMMU_MAX_BATCH ? n : SECMMU_MAX_BATCH,
		     sizeof(*ops));
	if (!ops)
		return -ENOMEM;
	for (off = 0; off < n && !ret; off += SECMMU_MAX_BATCH) {
		size_t nr = n - off < SECMMU_MAX_BATCH ? n - off :
			    SECMMU_MAX_BATCH;

		for (i = 0; i < nr; i++)
			smu_op(&ops[i], view, SMU_GPA(gfns[off + i]), &sink,
			       sizeof(sink), false);
		ret = smu_batch(vcpu, ops, nr, &b);
		if (!ret && (b.done != nr || b.exit_reason != SECMMU_EXIT_NONE))
			ret = 1;
	}
	free(ops);
	return ret;
}

int smu_touch_stride(int vcpu, __u16 view, __u64 gfn, size_t n,
		     size_t stride)
{
	__u64 *gfns = malloc((n ? n : 1) * sizeof(*gfns));
	size_t i;
	int ret;

	if (!gfns)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		gfns[i] = gfn + i * stride;
	ret = smu_touch_gfns(vcpu, view, gfns, n);
	free(gfns);
	return ret;
}

int smu_enable_cap(int vm, __u32 cap, __u64 arg)
{
	struct secmmu_enable_cap ec;

	memset(&ec, 0, sizeof(ec));
	ec.cap = cap;
	ec.args[0] = arg;
	return smu_ioctl(vm, SECMMU_ENABLE_CAP, &ec);
}

int smu_set_rmap_mode(int vm, __u64 mode)
{
	return smu_enable_cap(vm, SECMMU_CAP_RMAP_MODE, mode);
}

int smu_age(int vm, __u32 flags, __u64 start, __u64 npages, __u64 *young,
	    __u64 *fast_failed, struct secmmu_age *res)
{
	struct secmmu_age a;
	int ret;

	memset(&a, 0, sizeof(a));
	a.flags = flags;
	a.start = start;
	a.npages = npages;
	a.young = (__u64)(uintptr_t)young;
	a.fast_failed = (__u64)(uintptr_t)fast_failed;
	ret = smu_ioctl(vm, SECMMU_AGE, &a);
	if (res)
		*res = a;
	return ret;
}

int smu_age_raw(int vm, struct secmmu_age *a)
{
	return smu_ioctl(vm, SECMMU_AGE, a);
}

int smu_get_stats(int vm, struct secmmu_stats *st)
{
	memset(st, 0xa5, sizeof(*st));
	return smu_ioctl(vm, SECMMU_GET_STATS, st);
}

__u64 smu_stat(int vm, enum secmmu_stat idx)
{
	struct secmmu_stats st;

	if (smu_get_stats(vm, &st) || idx >= st.nr)
		return ~0ULL;
	return st.val[idx];
}

int smu_snap(int vm, struct smu_snap *s)
{
	struct secmmu_stats st;
	int ret = smu_get_stats(vm, &st);

	if (ret)
		return ret;
	if (st.nr < SECMMU_STAT_NR)
		return -ERANGE;
	memcpy(s->v, st.val, sizeof(s->v));
	return 0;
}

static const char * const smu_stat_names[SECMMU_STAT_NR] = {
	[SECMMU_STAT_FAULTS]			= "faults",
	[SECMMU_STAT_FAULT_RETRIES]		= "fault_retries",
	[SECMMU_STAT_SPTES_INSTALLED]		= "sptes_installed",
	[SECMMU_STAT_SPTES_ZAPPED]		= "sptes_zapped",
	[SECMMU_STAT_MAPPED]			= "mapped",
	[SECMMU_STAT_TABLES]			= "tables",
	[SECMMU_STAT_INVALIDATIONS]		= "invalidations",
	[SECMMU_STAT_INVAL_UNMAP]		= "inval_unmap",
	[SECMMU_STAT_INVAL_CLEAR]		= "inval_clear",
	[SECMMU_STAT_INVAL_PROTECTION_VMA]	= "inval_protection_vma",
	[SECMMU_STAT_INVAL_PROTECTION_PAGE]	= "inval_protection_page",
	[SECMMU_STAT_INVAL_SOFT_DIRTY]		= "inval_soft_dirty",
	[SECMMU_STAT_INVAL_RELEASE]		= "inval_release",
	[SECMMU_STAT_INVAL_MIGRATE]		= "inval_migrate",
	[SECMMU_STAT_INVAL_EXCLUSIVE]		= "inval_exclusive",
	[SECMMU_STAT_INVAL_OTHER]		= "inval_other",
	[SECMMU_STAT_INVAL_NONBLOCKABLE]	= "inval_nonblockable",
	[SECMMU_STAT_REMOTE_FLUSHES]		= "remote_flushes",
	[SECMMU_STAT_FLUSH_WAITS]		= "flush_waits",
	[SECMMU_STAT_DIRTY_PROPAGATED]		= "dirty_propagated",
	[SECMMU_STAT_ACCESS_OPS]		= "access_ops",
	[SECMMU_STAT_ACCESS_BYTES]		= "access_bytes",
	[SECMMU_STAT_RELEASES]			= "releases",
	[SECMMU_STAT_RMAP_DESCS]		= "rmap_descs",
	[SECMMU_STAT_RMAP_LOCKLESS]		= "rmap_lockless",
	[SECMMU_STAT_RMAP_MULTI_SKIPPED]	= "rmap_multi_skipped",
	[SECMMU_STAT_RMAP_LOCK_FALLBACKS]	= "rmap_lock_fallbacks",
	[SECMMU_STAT_RMAP_BIT_LOCKS]		= "rmap_bit_locks",
	[SECMMU_STAT_RMAP_BIT_SPINS]		= "rmap_bit_spins",
	[SECMMU_STAT_RMAP_CMPXCHG_FAILED]	= "rmap_cmpxchg_failed",
	[SECMMU_STAT_AGE_CLEAR_FLUSH_YOUNG]	= "age_clear_flush_young",
	[SECMMU_STAT_AGE_CLEAR_YOUNG]		= "age_clear_young",
	[SECMMU_STAT_AGE_TEST_YOUNG]		= "age_test_young",
	[SECMMU_STAT_AGE_YOUNG]			= "age_young",
	[SECMMU_STAT_AGE_PAGES]			= "age_pages",
	[SECMMU_STAT_AGE_FLUSH_ELIDED]		= "age_flush_elided",
	[SECMMU_STAT_DIRTY_FAST_PATH]		= "dirty_fast_path",
	[SECMMU_STAT_DIRTY_LOGGED]		= "dirty_logged",
	[SECMMU_STAT_DIRTY_RING_FULL]		= "dirty_ring_full",
	[SECMMU_STAT_DIRTY_RESETS]		= "dirty_resets",
	[SECMMU_STAT_DIRTY_REPROTECTED]		= "dirty_reprotected",
	[SECMMU_STAT_DIRTY_RING_ERRORS]		= "dirty_ring_errors",
	[SECMMU_STAT_ZAP_YIELDS]		= "zap_yields",
	[SECMMU_STAT_FAULT_INSTALL_RACES]	= "fault_install_races",
	[SECMMU_STAT_FAULT_SLOW]		= "fault_slow",
	[SECMMU_STAT_RMAP_PAIRS]		= "rmap_pairs",
	[SECMMU_STAT_ACCESS_BOUNCED]		= "access_bounced",
	[SECMMU_STAT_PROT_KEPT]			= "prot_kept",
	[SECMMU_STAT_HUGE_INSTALLED]		= "huge_installed",
	[SECMMU_STAT_HUGE_ZAPPED]		= "huge_zapped",
	[SECMMU_STAT_HUGE_ZAPPED_PARTIAL]	= "huge_zapped_partial",
	[SECMMU_STAT_HUGE_MAPPED]		= "huge_mapped",
	[SECMMU_STAT_HUGE_PROMOTED]		= "huge_promoted",
	[SECMMU_STAT_PROT_FAULTS_AVOIDED]	= "prot_faults_avoided",
};

const char *smu_stat_name(unsigned int idx)
{
	if (idx < SECMMU_STAT_NR && smu_stat_names[idx])
		return smu_stat_names[idx];
	return "unknown";
}
