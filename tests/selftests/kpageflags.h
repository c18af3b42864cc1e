/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Page flags of the folio behind a virtual address of this process:
 * /proc/self/pagemap gives the pfn (CAP_SYS_ADMIN, else 0), then
 * /proc/kpageflags the flags (root).  Header-only, for the selftests that
 * judge what the kernel did to a folio (madv_free_test, zap_accessed_test).
 */
#ifndef SECMMU_KPAGEFLAGS_H
#define SECMMU_KPAGEFLAGS_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#include "secmmu_util.h"

/* Bit numbers of include/uapi/linux/kernel-page-flags.h. */
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
static inline int kpf_of(const void *addr, uint64_t *flags)
{
	uint64_t pm = smu_pagemap(addr), pfn = pm & SMU_PM_PFN_MASK;
	int fd, ret = 0;

	if (!(pm & SMU_PM_PRESENT) || !pfn)
		return -ENOENT;
	fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (pread(fd, flags, sizeof(*flags), pfn * sizeof(*flags)) !=
	    sizeof(*flags))
		ret = -EIO;
	close(fd);
	return ret;
}

/* Is /proc/kpageflags usable here (root, PROC_PAGE_MONITOR)? */
static inline bool kpf_available(void)
{
	return !access("/proc/kpageflags", R_OK);
}

#endif /* SECMMU_KPAGEFLAGS_H */
