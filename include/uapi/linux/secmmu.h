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
#define SECMMU_CAP_RMAP_MODES		10	/* mask of 1 << SECMMU_RMAP_* */
#define SECMMU_CAP_RMAP_MODE		11	/* this VM's SECMMU_RMAP_* */
#define SECMMU_CAP_AGE			12	/* SECMMU_MAX_AGE_PAGES */
#define SECMMU_CAP_DIRTY_LOG		13	/* 1: LOG_DIRTY, bitmaps */
#define SECMMU_CAP_DIRTY_RING		14	/* SECMMU_DIRTY_RING_MAX */
#define SECMMU_CAP_PROT_POLICY		15	/* this VM's SECMMU_PROT_* */
#define SECMMU_CAP_HUGE_LEAVES		16	/* this VM's setting, 0 or 1 */
#define SECMMU_CAP_COHERENCE		17	/* this VM's SECMMU_COHERENCE_* | flags */
#define SECMMU_CAP_COHERENCE_STYLES	18	/* mask of 1 << SECMMU_COHERENCE_* */

/*
 * SECMMU_ENABLE_CAP: change a VM setting.  Unknown @cap, nonzero @flags,
 * @reserved or unused args: -EINVAL.
 *
 * SECMMU_CAP_RMAP_MODE, args[0] = SECMMU_RMAP_*: how rmap walkers (aging)
 * synchronise with SPTE install and zap.  Only before the first memslot is
 * created (-EBUSY after).  The default is SECMMU_RMAP_LOCKED.
 *
 *   LOCKED           every walk takes mmu_lock for write, as KVM's shadow
 *                    MMU does: faults (which take it for read) wait.
 *                    Never "fast".
 *   SINGLE_LOCKLESS  a gfn mapped by exactly one SPTE is aged under RCU
 *                    with no lock (the head word points at the SPTE); a
 *                    gfn mapped by several is walked under mmu_lock, or,
 *                    for SECMMU_AGE_FAST_ONLY, reported "fast failed".
 *   LOCK_BIT         every mapped gfn's rmap is walked under a lock bit in
 *                    its head word instead of mmu_lock (a single SPTE as
 *                    well as several): aging never takes mmu_lock and is
 *                    always fast.
 *   TABLE_WALK       no rmap at all (8 bytes per page, the SPTE): aging
 *                    and write-protection walk each view's shadow table
 *                    over the view gfns that map the range (as KVM's TDP
 *                    MMU does), under RCU with no lock, one cmpxchg per
 *                    young leaf.  Always fast.  Answers are the same as
 *                    the other modes' (a page is young if any of its leaves
 *                    is); SECMMU_STAT_RMAP_* stay 0.
 */
#define SECMMU_RMAP_LOCKED		0
#define SECMMU_RMAP_SINGLE_LOCKLESS	1
#define SECMMU_RMAP_LOCK_BIT		2
#define SECMMU_RMAP_TABLE_WALK		3
#define SECMMU_RMAP_NR_MODES		4

/*
 * SECMMU_CAP_PROT_POLICY, args[0] = SECMMU_PROT_*: what a protection
 * invalidation (MMU_NOTIFY_PROTECTION_VMA) does to the leaves of its range.
 * Any time; CHECK_CAP returns the current one.
 *
 *   ZAP              zap them, as for every other invalidation (KVM's
 *                    behaviour; the default).
 *   KEEP_NUMA_HINT   keep them when the change only arms NUMA hinting
 *                    faults (NUMA balancing's change_prot_numa(): the page
 *                    cannot move or be freed without a later CLEAR or
 *                    MIGRATE invalidation, which zaps).  The module tells
 *                    that apart from a change it must honour by the VMA,
 *                    read under the mmap_lock the sender holds: a private
 *                    VMA that still allows read and write and is not
 *                    registered for userfaultfd write protection keeps
 *                    its leaves; mprotect() to read-only or none, uffd-wp,
 *                    shared mappings, and anything else, zap.
 *                    SECMMU_STAT_PROT_KEPT counts the invalidations kept,
 *                    SECMMU_STAT_PROT_FAULTS_AVOIDED the first vCPU
 *                    access of each leaf kept (a fault under ZAP).  Keeping
 *                    marks every leaf of the range under mmu_lock, and a
 *                    long walk lets the lock go as a zap does (counted in
 *                    SECMMU_STAT_ZAP_YIELDS).
 */
/*
 * SECMMU_CAP_HUGE_LEAVES, args[0] = 0 (the default) or 1: mirror PMD-mapped
 * transparent huge pages with one 2 MiB leaf (SECMMU_GET_SPTE then reports
 * level 2) instead of 512 4 KiB ones.  Only before the first memslot is
 * created (-EBUSY after).  A fault maps a huge leaf when the primary maps
 * the page's 2 MiB-aligned block of host addresses with one PMD, the block
 * lies inside one memslot that does not log dirty pages, and the view maps
 * the block's 512 gfns with one range starting at a 512-aligned gfn; else
 * 4 KiB.  A huge leaf has one A and one D bit: aging answers young for
 * every page it covers, an invalidation of any part zaps all of it
 * (SECMMU_STAT_HUGE_ZAPPED_PARTIAL), and setting SECMMU_MEM_LOG_DIRTY
 * zaps a memslot's huge leaves, so that dirty records stay per page.
 */
#define SECMMU_PROT_ZAP			0
#define SECMMU_PROT_KEEP_NUMA_HINT	1
#define SECMMU_PROT_NR_POLICIES		2

/*
 * SECMMU_CAP_COHERENCE, args[0] = a SECMMU_COHERENCE_* style, optionally
 * ORed with SECMMU_COHERENCE_AGING: how the shadow tables stay coherent
 * with the primary MMU.  Only before the first memslot is created (-EBUSY
 * after); the last value set before it holds for the VM's life.
 * CHECK_CAP(SECMMU_CAP_COHERENCE) returns the VM's value,
 * CHECK_CAP(SECMMU_CAP_COHERENCE_STYLES) the mask of styles this kernel
 * supports (bit 1 << style).
 *
 *   NOTIFIER          one mmu_notifier for the VM (KVM's design, the
 *                     default): each invalidation looks its host range up
 *                     in the memslots; faults resolve with GUP and retry
 *                     against the VM's own invalidation sequence.  It
 *                     always answers the aging hooks.
 *   INTERVAL          one mmu_interval_notifier per memslot, inserted with
 *                     the memslot and removed with it (the device drivers'
 *                     design: lib/test_hmm.c, drm_gpusvm, amdkfd,
 *                     nouveau): an invalidation reaches exactly the
 *                     memslots whose host range it overlaps, and zaps and
 *                     flushes their leaves; faults resolve with
 *                     hmm_range_fault() between mmu_interval_read_begin()
 *                     and mmu_interval_read_retry() (checked under
 *                     mmu_lock, which the invalidation holds for
 *                     mmu_interval_set_seq()), and take no page reference.
 *                     A huge leaf is mapped where hmm_range_fault()
 *                     reports a PMD mapping and the SECMMU_CAP_HUGE_LEAVES
 *                     rules allow one.
 *   INTERVAL_TWO_PASS as INTERVAL, with the two-pass interval notifier of
 *                     Linux 7.2 (invalidate_start and invalidate_finish in
 *                     struct mmu_interval_notifier_ops): the first pass
 *                     zaps, the second waits for the vCPUs (the remote
 *                     flush), so every notifier an invalidation reaches
 *                     zaps before any of them waits.
 *
 * SECMMU_COHERENCE_AGING (interval styles only): also register the VM's
 * mmu_notifier, with the aging hooks alone, beside the interval notifiers.
 * Without it an interval-style VM does not answer reclaim's aging, as no
 * device driver does (SECMMU_AGE still works).
 *
 * PROT_POLICY applies to the NOTIFIER style; the interval styles zap on
 * every invalidation, as device drivers do.  In them SECMMU_STAT_INVAL_*
 * count one per memslot an invalidation reaches.
 *
 * Errors: -EINVAL for a style >= SECMMU_COHERENCE_NR_STYLES, unknown bits,
 * or SECMMU_COHERENCE_AGING with NOTIFIER (which always ages);
 * -EOPNOTSUPP for a style this kernel lacks (INTERVAL_TWO_PASS on kernels
 * before 7.2, the interval styles on a kernel without CONFIG_HMM_MIRROR):
 * the value is well formed, this kernel cannot do it, which
 * SECMMU_CAP_COHERENCE_STYLES tells beforehand; -EBUSY after the first
 * memslot.  A failed call changes nothing.
 */
#define SECMMU_COHERENCE_NOTIFIER		0
#define SECMMU_COHERENCE_INTERVAL		1
#define SECMMU_COHERENCE_INTERVAL_TWO_PASS	2
#define SECMMU_COHERENCE_NR_STYLES		3
#define SECMMU_COHERENCE_STYLE_MASK		0xffU
#define SECMMU_COHERENCE_AGING			(1U << 8)

struct secmmu_enable_cap {
	__u32 cap;
	__u32 flags;
	__u64 args[4];
	__u64 reserved[2];
};

#define SECMMU_ENABLE_CAP	_IOW(SECMMUIO, 0x02, struct secmmu_enable_cap)

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
#define SECMMU_MEM_LOG_DIRTY	(1U << 0)	/* dirty logging, see below */
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
 * the deepest table present on the path (4 = only the root), or 2 for a
 * huge leaf (SECMMU_CAP_HUGE_LEAVES).  @pfn, the page frame @gfn maps to,
 * is filled only for CAP_SYS_ADMIN, else 0.
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
 * Dirty tracking.
 *
 * Setting SECMMU_MEM_LOG_DIRTY on a memslot write-protects its present
 * mappings.  The first vCPU write to each page afterwards records the page
 * (and makes the mapping writable again without a fault): in the writing
 * vCPU's dirty ring when the VM has rings, else in the memslot's bitmap.
 * Only vCPU writes dirty pages in secmmu, so every record has a vCPU.
 * Clearing LOG_DIRTY stops recording; the bitmap keeps its bits.
 *
 * Dirty rings (SECMMU_ENABLE_DIRTY_RING, before any vCPU exists; argument:
 * entries, a power of two in [SECMMU_DIRTY_RING_MIN, SECMMU_DIRTY_RING_MAX];
 * -EINVAL otherwise, -EBUSY with vCPUs or when already enabled).  Each vCPU
 * fd then maps its ring: mmap(NULL, entries * sizeof(struct secmmu_dirty_gfn),
 * PROT_READ | PROT_WRITE, MAP_SHARED, vcpu_fd,
 * SECMMU_DIRTY_RING_PGOFF * page size); another offset, a larger size,
 * MAP_PRIVATE, PROT_EXEC or no PROT_WRITE fail with -EINVAL.
 *
 * Ordering contract (who does which barrier):
 *   kernel push:    write slot, offset; store-release flags = DIRTY.
 *   user harvest:   load-acquire flags; if DIRTY, read slot and offset,
 *                   then store-release flags = RESET.  Strictly in ring
 *                   order, one harvester per ring.
 *   kernel reset:   load-acquire flags from the reset index on, stop at the
 *                   first entry that is not RESET; validate slot/offset,
 *                   write-protect the pages again (neighbours in a slot are
 *                   coalesced into one masked operation), one remote flush
 *                   per call, then store-release flags = 0.
 * Why: without acquire/release a weakly ordered CPU may see flags before
 * slot/offset (or let the kernel see RESET before the harvester's reads are
 * done).  Userspace must reset *before* reading a page's contents: until the
 * reset has write-protected the page again, writes to it are not recorded,
 * so a copy taken before the reset can miss them.  A reset of one ring (or
 * a single thread that harvests and resets all rings) never re-protects a
 * page another CPU is still harvesting; the global reset of every ring from
 * one thread while other threads harvest other rings does not have that
 * property, hence the per-ring reset.
 *
 * Before a vCPU write could overflow its ring (fewer than
 * SECMMU_DIRTY_RING_RSVD free entries), SECMMU_ACCESS stops with
 * SECMMU_EXIT_DIRTY_RING_FULL and dirties nothing until the ring is reset.
 *
 * The soft limit applies to every vCPU write, to logging memslots or not.
 *
 * A ring userspace corrupts (a flags value other than 0, DIRTY or RESET, a
 * RESET entry with a slot id never used or an offset beyond its live
 * memslot, a RESET entry after one still DIRTY, or a RESET entry the
 * kernel never pushed) stops the reset at that entry: the call returns the
 * count reset so far, or -EBADMSG if that is 0;
 * SECMMU_STAT_DIRTY_RING_ERRORS counts each detection.  The kernel never
 * trusts ring contents beyond that.  Entries of a memslot deleted since
 * they were pushed are simply freed.
 */
#define SECMMU_DIRTY_RING_MIN	256
#define SECMMU_DIRTY_RING_MAX	65536
#define SECMMU_DIRTY_RING_RSVD	8
#define SECMMU_DIRTY_RING_PGOFF	64

#define SECMMU_DIRTY_GFN_F_DIRTY	(1U << 0)
#define SECMMU_DIRTY_GFN_F_RESET	(1U << 1)

struct secmmu_dirty_gfn {
	__u32 flags;
	__u32 slot;
	__u64 offset;		/* page index inside the memslot */
};

#define SECMMU_ENABLE_DIRTY_RING	_IO(SECMMUIO, 0x03)

/*
 * SECMMU_RESET_DIRTY_RINGS (VM fd) resets every vCPU's ring, with one
 * remote flush in all; SECMMU_RESET_DIRTY_RING (vCPU fd) resets that ring
 * only.  Both return the number of entries reset.  Work is bounded: a
 * pending signal stops the walk and the count so far is returned.
 * -EINVAL when the VM has no rings; -ENOMEM when the call's reset batch
 * (a few KiB, charged to the caller's memcg) cannot be allocated, with
 * nothing reset.
 */
#define SECMMU_RESET_DIRTY_RINGS	_IO(SECMMUIO, 0x15)
#define SECMMU_RESET_DIRTY_RING		_IO(SECMMUIO, 0x32)

/*
 * SECMMU_HARVEST (vCPU fd): the kernel harvests up to @max DIRTY entries of
 * this vCPU's ring into @entries (user array of struct secmmu_dirty_gfn),
 * following the userspace protocol above (each collected entry is left
 * RESET once it is in @entries; entries already RESET are skipped), and
 * returns their number in @count (0 on input).  Entries are copied out in
 * chunks; an entry turns RESET only once its chunk is in @entries, so none
 * is ever lost: when a copy fails (or a signal arrives) after earlier
 * chunks were delivered, the call returns 0 with @count = the entries
 * delivered, and the rest stay DIRTY for the next call; -EFAULT (-EINTR)
 * only when nothing was delivered.  For harnesses that do not mmap the
 * ring; do not mix with a userspace harvester on the same ring.
 */
struct secmmu_harvest {
	__u64 entries;
	__u32 max;
	__u32 count;		/* out */
	__u64 reserved[2];
};

#define SECMMU_HARVEST		_IOWR(SECMMUIO, 0x33, struct secmmu_harvest)

/*
 * Dirty bitmap of a LOG_DIRTY memslot (VM fd).  @bitmap is a user array of
 * __u64 words, bit i = page first_page + i.  @first_page must be a multiple
 * of 64 and the range inside the slot (-EINVAL).
 *
 * SECMMU_GET_DIRTY_LOG copies the bits (the kernel's bits stay set).
 * SECMMU_CLEAR_DIRTY_LOG clears the kernel's bits that are set in @bitmap
 * and write-protects those pages again (one remote flush): the manual
 * protect flow, range-limited.  -ENOENT: no such slot; -EINVAL: the slot
 * never logged dirty, or rings are enabled (they replace the bitmap).
 */
struct secmmu_dirty_log {
	__u32 slot;
	__u32 flags;
	__u64 first_page;
	__u64 num_pages;
	__u64 bitmap;
	__u64 reserved[2];
};

#define SECMMU_GET_DIRTY_LOG	_IOW(SECMMUIO, 0x16, struct secmmu_dirty_log)
#define SECMMU_CLEAR_DIRTY_LOG	_IOW(SECMMUIO, 0x17, struct secmmu_dirty_log)

/*
 * SECMMU_AGE: test (and clear) the accessed state of a range, as reclaim
 * does through the mmu_notifier aging hooks, but with the answer per page.
 *
 * @start is a memslot gfn (the range must lie inside one memslot, else
 * -ENOENT), or with SECMMU_AGE_HVA a page-aligned host virtual address
 * (pages no memslot backs are simply not young).  @npages is
 * 1..SECMMU_MAX_AGE_PAGES (else -E2BIG / -EINVAL for 0).  Exactly one of
 * TEST and CLEAR (test and clear).
 *
 * @young (user pointer, may be 0): bitmap of npages bits (__u64 words,
 * bit i = page start + i) set for young pages.  With FAST_ONLY, pages that
 * could not be answered without taking mmu_lock are neither aged nor
 * reported young; they are counted in @nr_fast_failed and set in the
 * @fast_failed bitmap (may be 0).  Fast-ness is the VM's rmap mode, never
 * lock contention: LOCKED fails every mapped page, SINGLE_LOCKLESS the
 * pages mapped by several SPTEs, LOCK_BIT none.
 *
 * LOOKAROUND (memslot gfns only): for every young page, also age the rest
 * of its aligned SECMMU_AGE_LOOKAROUND_PAGES-page block inside the memslot (the
 * MGLRU look-around), but only if the VM is fast (rmap mode not LOCKED;
 * else SECMMU_AGE_OUT_NO_LOOKAROUND is set in @out_flags).  Young
 * neighbours are counted in @nr_lookaround_young, not in the bitmaps.
 *
 * Work is bounded: the range is walked in chunks with a signal check in
 * between; on -EINTR, @done tells how many pages were finished.
 */
#define SECMMU_AGE_TEST		(1U << 0)
#define SECMMU_AGE_CLEAR	(1U << 1)
#define SECMMU_AGE_FAST_ONLY	(1U << 2)
#define SECMMU_AGE_LOOKAROUND	(1U << 3)
#define SECMMU_AGE_HVA		(1U << 4)

#define SECMMU_AGE_OUT_NO_LOOKAROUND	(1U << 0)

#define SECMMU_MAX_AGE_PAGES	(1U << 21)
#define SECMMU_AGE_LOOKAROUND_PAGES	64

struct secmmu_age {
	__u32 flags;
	__u32 out_flags;		/* out */
	__u64 start;
	__u64 npages;
	__u64 young;			/* __u64 bitmap, may be 0 */
	__u64 fast_failed;		/* __u64 bitmap, may be 0 */
	__u64 done;			/* out: pages finished */
	__u64 nr_young;			/* out */
	__u64 nr_fast_failed;		/* out */
	__u64 nr_lookaround_young;	/* out */
	__u64 reserved[2];
};

#define SECMMU_AGE		_IOWR(SECMMUIO, 0x14, struct secmmu_age)

/*
 * SECMMU_CREATE_VCPU: argument is the vCPU id (< SECMMU_MAX_VCPUS, by
 * value).  Returns a new vCPU fd (O_CLOEXEC).  -EEXIST for a used id,
 * -EINVAL for an id out of range.
 */
#define SECMMU_CREATE_VCPU	_IO(SECMMUIO, 0x20)

/*
 * One access by a vCPU: copy @len bytes between guest memory at @gpa in
 * @view and the caller's buffer @buf (guest -> buf for reads, buf -> guest
 * for SECMMU_ACCESS_WRITE).  An access may span pages and memslots.  The
 * copy goes directly between the guest page and @buf while the vCPU is in
 * guest mode; where @buf cannot be touched without a page fault, that
 * piece goes through a kernel bounce page instead (SECMMU_STAT_ACCESS_BOUNCED;
 * module parameter access_bounce=1 bounces every piece).  A read whose
 * @buf overlaps the guest page it reads gets memcpy()'s semantics.
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
 *   SECMMU_EXIT_DIRTY_RING_FULL  see "Dirty tracking"
 *
 * Errors (nothing further accessed): -EFAULT (the memslot's host address is
 * not mapped in the process, or not writable for a write; or @buf is bad:
 * the guest page may then have been mapped and marked accessed, and for a
 * write dirty and logged, as the copy is tried before it can fail),
 * -EINVAL (bad view, len, flags or reserved bits), -EINTR (a signal is
 * pending; @done tells the progress), -EIO (VM released or wrong mm).
 */
#define SECMMU_EXIT_NONE	0
#define SECMMU_EXIT_UNBACKED	1
#define SECMMU_EXIT_READONLY	2
#define SECMMU_EXIT_DIRTY_RING_FULL	3	/* reset the ring, then retry */

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
 * stops at the first op that exits or fails (@done = ops completed).  The
 * out fields are ignored on input, so a completed struct can be issued
 * again as it is.
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
 *
 * Faults run in parallel (mmu_lock for read): FAULT_INSTALL_RACES counts
 * the tables and leaves a fault found installed by another one between its
 * look and its cmpxchg; FAULT_SLOW the faults that had to take mmu_lock
 * for write to replace a present leaf of another page.
 */
#define SECMMU_STATS_VERSION	1

enum secmmu_stat {
	SECMMU_STAT_FAULTS,		/* fault path runs */
	SECMMU_STAT_FAULT_RETRIES,	/* faults retried: invalidation raced */
	SECMMU_STAT_SPTES_INSTALLED,
	SECMMU_STAT_SPTES_ZAPPED,
	SECMMU_STAT_MAPPED,		/* leaf SPTEs present now */
	SECMMU_STAT_TABLES,		/* table pages now (+3 spares/vCPU) */
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
	SECMMU_STAT_RMAP_DESCS,		/* rmap descriptors now (+1 spare/vCPU) */
	SECMMU_STAT_RMAP_LOCKLESS,	/* heads aged without any lock */
	SECMMU_STAT_RMAP_MULTI_SKIPPED,	/* multi-entry heads: fast failed */
	SECMMU_STAT_RMAP_LOCK_FALLBACKS, /* multi-entry heads aged under mmu_lock */
	SECMMU_STAT_RMAP_BIT_LOCKS,	/* heads walked under their lock bit */
	SECMMU_STAT_RMAP_BIT_SPINS,	/* ... of which found the bit taken */
	SECMMU_STAT_RMAP_CMPXCHG_FAILED, /* A-bit clear lost a race: young */
	SECMMU_STAT_AGE_CLEAR_FLUSH_YOUNG, /* notifier hook calls */
	SECMMU_STAT_AGE_CLEAR_YOUNG,
	SECMMU_STAT_AGE_TEST_YOUNG,
	SECMMU_STAT_AGE_YOUNG,		/* pages answered young (hooks + ioctl) */
	SECMMU_STAT_AGE_PAGES,		/* pages examined (hooks + ioctl) */
	SECMMU_STAT_AGE_FLUSH_ELIDED,	/* clear_flush_young without a flush */
	SECMMU_STAT_DIRTY_FAST_PATH,	/* WP faults fixed without a fault */
	SECMMU_STAT_DIRTY_LOGGED,	/* ring entries pushed, bitmap bits set */
	SECMMU_STAT_DIRTY_RING_FULL,	/* SECMMU_EXIT_DIRTY_RING_FULL exits */
	SECMMU_STAT_DIRTY_RESETS,	/* ring entries reset */
	SECMMU_STAT_DIRTY_REPROTECTED,	/* leaves write-protected again */
	SECMMU_STAT_DIRTY_RING_ERRORS,	/* corrupted ring entries seen */
	SECMMU_STAT_ZAP_YIELDS,		/* long zaps (and PROT_POLICY keep
					 * walks) that let mmu_lock go
					 */
	SECMMU_STAT_FAULT_INSTALL_RACES, /* lost to a parallel fault */
	SECMMU_STAT_FAULT_SLOW,		/* faults replacing a present leaf */
	SECMMU_STAT_RMAP_PAIRS,		/* rmap pairs now (+1 spare/vCPU) */
	SECMMU_STAT_ACCESS_BOUNCED,	/* pieces copied via a bounce page */
	SECMMU_STAT_PROT_KEPT,		/* PROTECTION_VMA invalidations that
					 * kept their leaves (PROT_POLICY)
					 */
	SECMMU_STAT_HUGE_INSTALLED,	/* huge leaves (CAP_HUGE_LEAVES) */
	SECMMU_STAT_HUGE_ZAPPED,
	SECMMU_STAT_HUGE_ZAPPED_PARTIAL, /* ... by a zap of part of them */
	SECMMU_STAT_HUGE_MAPPED,	/* huge leaves present now (of MAPPED) */
	SECMMU_STAT_HUGE_PROMOTED,	/* tables of 4 KiB leaves replaced */
	SECMMU_STAT_PROT_FAULTS_AVOIDED, /* first vCPU accesses of leaves
					  * PROT_KEPT kept: faults under ZAP
					  */
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
