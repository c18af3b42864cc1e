/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * secmmu - a software secondary MMU driven from userspace.
 *
 * Userspace API.  Includable from plain C with only <linux/types.h> and
 * <linux/ioctl.h>.
 *
 * Objects
 *   VM fd    open("/dev/secmmu"): one VM, bound to the opener's mm.  Every
 *            ioctl on it (and on its vCPU fds) from a process with another
 *            mm fails with -EIO.  After the bound mm has exited every access
 *            fails with -EIO.
 *   vCPU fd  SECMMU_CREATE_VCPU: reads and writes guest memory through a view.
 *
 * Guest addresses
 *   A gfn is a guest page frame number (guest physical address >> 12).
 *   Memslots map a gfn range onto a range of the VM process's virtual
 *   addresses.  View 0 translates gpa == gfn << 12 directly; views
 *   1..SECMMU_MAX_VIEWS-1 translate their own gfns onto memslot gfns through
 *   ranges set with SECMMU_SET_VIEW_MAPPING (several views may alias one
 *   memslot gfn).
 *
 * Conventions
 *   Every struct has a fixed size and explicit padding.  Fields named
 *   "reserved" or "pad" and flag bits not defined here must be zero, else the
 *   ioctl fails with -EINVAL and changes nothing.  An unknown ioctl fails
 *   with -ENOTTY.
 */
#ifndef _UAPI_LINUX_SECMMU_H
#define _UAPI_LINUX_SECMMU_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define SECMMU_API_VERSION	1

#define SECMMUIO		0xBA

/* Limits (also reported by SECMMU_CHECK_CAP). */
#define SECMMU_MAX_MEMSLOTS	32
#define SECMMU_MAX_SLOT_PAGES	(1ULL << 21)	/* 8 GiB per memslot */
#define SECMMU_GFN_BITS		36		/* gfns are < 1 << 36 */
#define SECMMU_MAX_VIEWS	8		/* view 0 + 7 alias views */
#define SECMMU_MAX_VIEW_RANGES	64		/* mapping ranges per view */
#define SECMMU_MAX_VCPUS	64
#define SECMMU_MAX_ACCESS_LEN	(1U << 20)	/* bytes per access op */
#define SECMMU_MAX_BATCH	65536		/* ops per SECMMU_ACCESS_BATCH */

/*
 * SECMMU_GET_API_VERSION: no argument; returns SECMMU_API_VERSION.
 */
#define SECMMU_GET_API_VERSION	_IO(SECMMUIO, 0x00)

/*
 * SECMMU_CHECK_CAP: argument is a capability number (by value); returns
 * its value, 0 when the capability is unknown or absent.
 */
#define SECMMU_CHECK_CAP	_IO(SECMMUIO, 0x01)

#define SECMMU_CAP_API_VERSION		0	/* SECMMU_API_VERSION */
#define SECMMU_CAP_MAX_MEMSLOTS		1
#define SECMMU_CAP_MAX_SLOT_PAGES	2
#define SECMMU_CAP_MAX_VIEWS		3
#define SECMMU_CAP_MAX_VIEW_RANGES	4
#define SECMMU_CAP_MAX_VCPUS		5
#define SECMMU_CAP_ACCESS_BATCH		6	/* SECMMU_MAX_BATCH */
#define SECMMU_CAP_GFN_BITS		7
#define SECMMU_CAP_STATS		8	/* SECMMU_STATS_VERSION */
#define SECMMU_CAP_GET_SPTE		9	/* 1 */
/* Numbers 10.. are given to later capabilities (rmap modes, aging, dirty). */

/*
 * SECMMU_SET_MEMSLOT: create, change or delete memslot @slot.
 *
 *  create  slot unused, npages != 0.  Errors: -EINVAL (bad flags, reserved
 *          bits, userspace_addr not page aligned, slot >=
 *          SECMMU_MAX_MEMSLOTS), -E2BIG (npages > SECMMU_MAX_SLOT_PAGES),
 *          -ERANGE (gfn range beyond SECMMU_GFN_BITS or wrapping, hva range
 *          not inside the user address space or wrapping), -EEXIST (gfn
 *          range overlaps another memslot), -ENOMEM.
 *  change  slot used, same base_gfn/npages/userspace_addr, other flags.
 *          Changing the geometry of a live slot is -EINVAL: delete it and
 *          create it again.  Setting READONLY zaps the slot's mappings.
 *  delete  npages == 0 (base_gfn, userspace_addr and flags must be 0);
 *          -ENOENT when the slot is unused.  All mappings of its gfns are
 *          zapped in every view before the ioctl returns.
 */
#define SECMMU_MEM_LOG_DIRTY	(1U << 0)	/* not yet supported: -EOPNOTSUPP */
#define SECMMU_MEM_READONLY	(1U << 1)	/* vCPU writes exit with SECMMU_EXIT_READONLY */

struct secmmu_memslot {
	__u32 slot;
	__u32 flags;
	__u64 base_gfn;
	__u64 npages;
	__u64 userspace_addr;
	__u64 reserved[2];
};

#define SECMMU_SET_MEMSLOT	_IOW(SECMMUIO, 0x10, struct secmmu_memslot)

/*
 * SECMMU_SET_VIEW_MAPPING: in view @view (1..SECMMU_MAX_VIEWS-1), map view
 * gfns [view_gfn, view_gfn + npages) onto memslot gfns [target_gfn, ...).
 * The targets need not be backed yet: an access to an unbacked target exits
 * with SECMMU_EXIT_UNBACKED.  npages == 0 removes the range that starts at
 * view_gfn (target_gfn must be 0) and zaps its mappings.
 *
 * Errors: -EINVAL (view 0 or >= SECMMU_MAX_VIEWS, reserved bits), -ERANGE
 * (either range beyond SECMMU_GFN_BITS), -EEXIST (overlaps another range of
 * that view), -ENOSPC (SECMMU_MAX_VIEW_RANGES reached), -ENOENT (removing a
 * range that does not exist).
 */
struct secmmu_view_mapping {
	__u32 view;
	__u32 flags;
	__u64 view_gfn;
	__u64 npages;
	__u64 target_gfn;
	__u64 reserved[2];
};

#define SECMMU_SET_VIEW_MAPPING	_IOW(SECMMUIO, 0x11, struct secmmu_view_mapping)

/*
 * SECMMU_GET_SPTE: read the leaf SPTE that maps @gfn of @view.  Returns the
 * SECMMU_SPTE_* bits in @flags (0 when nothing is mapped) and the level of
 * the deepest table present on the path (4 = only the root).  @pfn is filled
 * only for CAP_SYS_ADMIN, else 0.
 */
#define SECMMU_SPTE_PRESENT	(1ULL << 0)
#define SECMMU_SPTE_WRITABLE	(1ULL << 1)
#define SECMMU_SPTE_ACCESSED	(1ULL << 5)
#define SECMMU_SPTE_DIRTY	(1ULL << 6)

struct secmmu_spte_info {
	__u32 view;
	__u32 level;		/* out */
	__u64 gfn;
	__u64 flags;		/* out */
	__u64 pfn;		/* out */
	__u64 reserved[2];
};

#define SECMMU_GET_SPTE		_IOWR(SECMMUIO, 0x12, struct secmmu_spte_info)

/*
 * SECMMU_CREATE_VCPU: argument is the vCPU id (< SECMMU_MAX_VCPUS, by
 * value).  Returns a new vCPU fd (O_CLOEXEC).  -EEXIST for a used id,
 * -EINVAL for an id out of range.
 */
#define SECMMU_CREATE_VCPU	_IO(SECMMUIO, 0x20)

/*
 * One access by a vCPU: copy @len bytes between guest memory at @gpa in
 * @view and the caller's buffer @buf (guest -> buf for reads, buf -> guest
 * for SECMMU_ACCESS_WRITE).  An access may span pages and memslots.
 */
#define SECMMU_ACCESS_WRITE	(1U << 0)

struct secmmu_access_op {
	__u64 gpa;
	__u64 buf;
	__u32 len;		/* 1..SECMMU_MAX_ACCESS_LEN */
	__u16 view;
	__u16 flags;
};

/*
 * Exit reasons.  An access that cannot complete in the secondary MMU stops
 * and the ioctl returns 0 with @exit_reason set; @exit_gpa is the first gpa
 * not accessed and @done the bytes (SECMMU_ACCESS) or ops (batch) completed.
 *
 *   SECMMU_EXIT_NONE      everything was accessed
 *   SECMMU_EXIT_UNBACKED  the gpa is not backed by a memslot (or a view
 *                         range); like an MMIO exit
 *   SECMMU_EXIT_READONLY  a write hit a READONLY memslot
 *
 * Errors (nothing further accessed): -EFAULT (the memslot's host address is
 * not mapped in the process, or not writable for a write; or @buf is bad),
 * -EINVAL (bad view, len, flags or reserved bits), -EINTR (a signal is
 * pending; @done tells the progress), -EIO (VM released or wrong mm).
 */
#define SECMMU_EXIT_NONE	0
#define SECMMU_EXIT_UNBACKED	1
#define SECMMU_EXIT_READONLY	2

struct secmmu_access {
	struct secmmu_access_op op;
	__u32 exit_reason;	/* out */
	__u32 pad;
	__u64 exit_gpa;		/* out */
	__u64 done;		/* out: bytes */
	__u64 reserved[2];
};

#define SECMMU_ACCESS		_IOWR(SECMMUIO, 0x30, struct secmmu_access)

/*
 * SECMMU_ACCESS_BATCH: perform @nr ops from the user array @ops in order;
 * stops at the first op that exits or fails (@done = ops completed).
 */
struct secmmu_access_batch {
	__u64 ops;		/* struct secmmu_access_op[nr] */
	__u32 nr;		/* 1..SECMMU_MAX_BATCH */
	__u32 flags;
	__u32 done;		/* out: ops completed */
	__u32 exit_reason;	/* out */
	__u64 exit_gpa;		/* out */
	__u64 reserved[2];
};

#define SECMMU_ACCESS_BATCH	_IOWR(SECMMUIO, 0x31, struct secmmu_access_batch)

/*
 * SECMMU_GET_STATS: VM counters, indexed by enum secmmu_stat.  The kernel
 * fills @version = SECMMU_STATS_VERSION, @nr = SECMMU_STAT_NR and val[0..nr);
 * the rest of val[] is zero.  Counters only grow, except SECMMU_STAT_MAPPED.
 */
#define SECMMU_STATS_VERSION	1

enum secmmu_stat {
	SECMMU_STAT_FAULTS,		/* fault path runs */
	SECMMU_STAT_FAULT_RETRIES,	/* faults retried: invalidation raced */
	SECMMU_STAT_SPTES_INSTALLED,
	SECMMU_STAT_SPTES_ZAPPED,
	SECMMU_STAT_MAPPED,		/* leaf SPTEs present now */
	SECMMU_STAT_TABLES,		/* table pages allocated now */
	SECMMU_STAT_INVALIDATIONS,	/* invalidate_range_start calls */
	SECMMU_STAT_INVAL_UNMAP,	/* ... by mmu_notifier_event */
	SECMMU_STAT_INVAL_CLEAR,
	SECMMU_STAT_INVAL_PROTECTION_VMA,
	SECMMU_STAT_INVAL_PROTECTION_PAGE,
	SECMMU_STAT_INVAL_SOFT_DIRTY,
	SECMMU_STAT_INVAL_RELEASE,
	SECMMU_STAT_INVAL_MIGRATE,
	SECMMU_STAT_INVAL_EXCLUSIVE,
	SECMMU_STAT_INVAL_OTHER,
	SECMMU_STAT_INVAL_NONBLOCKABLE,	/* ... of them not allowed to sleep */
	SECMMU_STAT_REMOTE_FLUSHES,	/* vCPU flush handshakes done */
	SECMMU_STAT_FLUSH_WAITS,	/* ... that had to wait for a vCPU */
	SECMMU_STAT_DIRTY_PROPAGATED,	/* folios marked dirty at zap */
	SECMMU_STAT_ACCESS_OPS,		/* access ops completed */
	SECMMU_STAT_ACCESS_BYTES,
	SECMMU_STAT_RELEASES,		/* mm release seen */
	SECMMU_STAT_NR
};

#define SECMMU_STATS_MAX	128

struct secmmu_stats {
	__u32 version;
	__u32 nr;
	__u64 val[SECMMU_STATS_MAX];
};

#define SECMMU_GET_STATS	_IOR(SECMMUIO, 0x13, struct secmmu_stats)

#endif /* _UAPI_LINUX_SECMMU_H */
