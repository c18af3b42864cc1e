// SPDX-License-Identifier: GPL-2.0
/*
 * secmmu-demo: dirty tracking.
 *
 * Bitmap: a memslot whose pages the vCPU wrote (writable SPTEs) starts
 * logging, which write-protects them; the vCPU writes a few pages, and
 * SECMMU_GET_DIRTY_LOG shows exactly those, SECMMU_CLEAR_DIRTY_LOG
 * write-protects them again.
 *
 * Rings: a VM with the smallest per-vCPU ring (SECMMU_ENABLE_DIRTY_RING
 * before the vCPU), mmapped; the vCPU writes pages, userspace harvests the
 * entries with <linux/secmmu_dirty_ring.h>, resets the ring, then fills it
 * until the vCPU exits with SECMMU_EXIT_DIRTY_RING_FULL.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <linux/secmmu_dirty_ring.h>

#include "demo.h"

static const enum secmmu_stat dirty_ids[] = {
	SECMMU_STAT_DIRTY_FAST_PATH, SECMMU_STAT_DIRTY_LOGGED,
	SECMMU_STAT_DIRTY_RING_FULL, SECMMU_STAT_DIRTY_RESETS,
	SECMMU_STAT_DIRTY_REPROTECTED, SECMMU_STAT_REMOTE_FLUSHES,
	SECMMU_STAT_DIRTY_RING_ERRORS, SECMMU_STAT_FAULTS,
};

static int wr(int vcpu, __u64 gfn, __u64 val)
{
	struct secmmu_access a;
	int ret;

	ret = smu_write(vcpu, 0, SMU_GPA(gfn) + 8, &val, sizeof(val), &a);
	return ret ?: a.exit_reason ? -EIO : 0;
}

/* Pages of [gfn, gfn + n) (n <= 64) whose SPTE is present and writable. */
static __u64 writable(int vm, __u64 gfn, unsigned int n)
{
	__u64 bm = 0, f;
	unsigned int i;

	for (i = 0; i < n; i++) {
		f = smu_spte_flags(vm, 0, gfn + i);
		if ((f & (SECMMU_SPTE_PRESENT | SECMMU_SPTE_WRITABLE)) ==
		    (SECMMU_SPTE_PRESENT | SECMMU_SPTE_WRITABLE))
			bm |= 1ULL << i;
	}
	return bm;
}

/* "3,10,11,40" of a page bitmap. */
static const char *pages_str(char *s, size_t len, __u64 bm)
{
	unsigned int i;
	size_t o = 0;

	s[0] = 0;
	for (i = 0; i < 64 && o < len; i++)
		if (bm >> i & 1)
			o += snprintf(s + o, len - o, "%s%u", o ? "," : "", i);
	return s;
}

#define LOG_NPAGES	64
#define LOG_GFN		0x400
#define LOG_SLOT	1

static int dirty_log_ioctl(int vm, unsigned long req, __u64 *bm)
{
	struct secmmu_dirty_log l = {
		.slot = LOG_SLOT,
		.first_page = 0,
		.num_pages = LOG_NPAGES,
		.bitmap = (__u64)(uintptr_t)bm,
	};

	return smu_ioctl(vm, req, &l);
}

/* GET_DIRTY_LOG and check it is exactly @want. */
static __u64 get_log(int vm, __u64 want)
{
	char m[LOG_NPAGES + 1];
	__u64 bm = ~0ULL;
	int ret;

	ret = dirty_log_ioctl(vm, SECMMU_GET_DIRTY_LOG, &bm);
	check(!ret && bm == want, "%-22s %s", "GET_DIRTY_LOG",
	      ret ? strerror(-ret) : page_map(m, bm, LOG_NPAGES, 'D'));
	return bm;
}

void demo_dirty_log(void)
{
	static const unsigned int pages[] = { 3, 10, 11, 40 };
	struct secmmu_stats s0, s1, s2;
	int vm, vcpu = -1, ret;
	char list[64];
	__u64 want = 0, bm, wp;
	unsigned int i;
	char *mem;

	section("dirty tracking: bitmap (LOG_DIRTY memslot)");
	vm = smu_open_vm();
	if (vm < 0) {
		check(false, "open %s: %s", SMU_DEV_PATH, strerror(-vm));
		return;
	}
	mem = smu_mmap_anon(LOG_NPAGES * PAGE);
	if (mem == MAP_FAILED) {
		check(false, "mmap: %s", strerror(errno));
		close(vm);
		return;
	}
	memset(mem, 0, LOG_NPAGES * PAGE);
	ret = smu_set_memslot(vm, LOG_SLOT, 0, LOG_GFN, LOG_NPAGES, mem);
	if (!ret) {
		vcpu = smu_create_vcpu(vm, 0);
		ret = vcpu < 0 ? vcpu : 0;
	}
	for (i = 0; !ret && i < LOG_NPAGES; i++)
		ret = wr(vcpu, LOG_GFN + i, i);
	check(!ret && writable(vm, LOG_GFN, LOG_NPAGES) == ~0ULL,
	      "cap dirty_log %d; memslot %u: %u pages at gfn 0x%x, all "
	      "written by the vCPU (writable SPTEs)%s",
	      smu_check_cap(vm, SECMMU_CAP_DIRTY_LOG), LOG_SLOT, LOG_NPAGES,
	      LOG_GFN, err_sfx(ret));
	if (ret)
		goto out;

	ret = smu_set_memslot(vm, LOG_SLOT, SECMMU_MEM_LOG_DIRTY, LOG_GFN,
			      LOG_NPAGES, mem);
	wp = writable(vm, LOG_GFN, LOG_NPAGES);
	check(!ret && !wp, "LOG_DIRTY on: every SPTE write-protected "
	      "(%d writable)", __builtin_popcountll(wp));
	printf("  %-29s %s\n", "page",
	       "0123456789012345678901234567890123456789012345678901234567890123");
	get_log(vm, 0);

	smu_get_stats(vm, &s0);
	for (i = 0; !ret && i < ARRAY_SIZE(pages); i++) {
		ret = wr(vcpu, LOG_GFN + pages[i], 0xd1d1d1d1);
		want |= 1ULL << pages[i];
	}
	memset(mem + 20 * PAGE, 0x77, 8);	/* the process: not logged */
	smu_get_stats(vm, &s1);
	check(!ret, "vCPU writes pages %s; the process writes page 20",
	      pages_str(list, sizeof(list), want));
	bm = get_log(vm, want);
	wp = writable(vm, LOG_GFN, LOG_NPAGES);
	check(wp == want && !delta(&s0, &s1, SECMMU_STAT_FAULTS) &&
	      delta(&s0, &s1, SECMMU_STAT_DIRTY_FAST_PATH) == 4 &&
	      delta(&s0, &s1, SECMMU_STAT_DIRTY_LOGGED) == 4,
	      "those 4 are writable again, with no fault (dirty_fast_path "
	      "+%llu, faults +%llu)",
	      (unsigned long long)delta(&s0, &s1, SECMMU_STAT_DIRTY_FAST_PATH),
	      (unsigned long long)delta(&s0, &s1, SECMMU_STAT_FAULTS));

	ret = dirty_log_ioctl(vm, SECMMU_CLEAR_DIRTY_LOG, &bm);
	smu_get_stats(vm, &s2);
	wp = writable(vm, LOG_GFN, LOG_NPAGES);
	check(!ret && !wp && delta(&s1, &s2, SECMMU_STAT_REMOTE_FLUSHES) == 1,
	      "CLEAR_DIRTY_LOG of those bits: write-protected again, "
	      "remote_flushes +%llu%s",
	      (unsigned long long)delta(&s1, &s2, SECMMU_STAT_REMOTE_FLUSHES),
	      err_sfx(ret));
	get_log(vm, 0);
	ret = wr(vcpu, LOG_GFN + 10, 0xd2d2d2d2);
	check(!ret, "vCPU writes page 10 again");
	get_log(vm, 1ULL << 10);
	smu_get_stats(vm, &s2);
	show_deltas(&s0, &s2, dirty_ids, ARRAY_SIZE(dirty_ids));
out:
	if (vcpu >= 0)
		close(vcpu);
	close(vm);
	munmap(mem, LOG_NPAGES * PAGE);
}

#define RING		SECMMU_DIRTY_RING_MIN
#define SOFT		(RING - SECMMU_DIRTY_RING_RSVD)
#define RING_NPAGES	512
#define RING_GFN	0x800
#define RING_SLOT	0
#define PREFAULT	16

/* Harvest every DIRTY entry in order with the header's helper. */
static unsigned int harvest(struct secmmu_dirty_gfn *ring, __u32 *idx,
			    struct secmmu_dirty_gfn *out, unsigned int max)
{
	struct secmmu_dirty_gfn tmp;
	unsigned int n = 0;

	while (secmmu_dirty_ring_harvest_one(ring, RING, idx,
					     n < max ? &out[n] : &tmp))
		n++;
	return n;
}

static unsigned int busy(const struct secmmu_dirty_gfn *ring)
{
	unsigned int i, n = 0;

	for (i = 0; i < RING; i++)
		n += !secmmu_dirty_gfn_is_free(&ring[i]);
	return n;
}

void demo_dirty_ring(void)
{
	static const unsigned int pages[] = { 7, 3, 12, 8 };
	static struct secmmu_access_op ops[RING];
	static __u64 vals[RING];
	struct secmmu_dirty_gfn got[8], *ring = MAP_FAILED;
	struct secmmu_stats st, s0, s1;
	struct secmmu_access_batch b;
	int vm, vcpu = -1, ret, n;
	unsigned int i, ok;
	__u32 idx = 0;
	char *mem;

	section("dirty tracking: per-vCPU rings");
	vm = smu_open_vm();
	if (vm < 0) {
		check(false, "open %s: %s", SMU_DEV_PATH, strerror(-vm));
		return;
	}
	mem = smu_mmap_anon(RING_NPAGES * PAGE);
	if (mem == MAP_FAILED) {
		check(false, "mmap: %s", strerror(errno));
		close(vm);
		return;
	}
	memset(mem, 0, RING_NPAGES * PAGE);
	ret = smu_ioctl_val(vm, SECMMU_ENABLE_DIRTY_RING, RING);
	if (!ret) {
		vcpu = smu_create_vcpu(vm, 0);
		ret = vcpu < 0 ? vcpu : 0;
	}
	if (!ret) {
		ring = mmap(NULL, RING * sizeof(*ring), PROT_READ | PROT_WRITE,
			    MAP_SHARED, vcpu,
			    (off_t)SECMMU_DIRTY_RING_PGOFF * PAGE);
		ret = ring == MAP_FAILED ? -errno : 0;
	}
	check(!ret, "cap dirty_ring %d; SECMMU_ENABLE_DIRTY_RING(%u), the "
	      "smallest, then vCPU 0; its ring mmapped (%zu bytes)%s",
	      smu_check_cap(vm, SECMMU_CAP_DIRTY_RING), RING,
	      RING * sizeof(*ring), err_sfx(ret));
	if (ret)
		goto out;
	ret = smu_ioctl_val(vm, SECMMU_ENABLE_DIRTY_RING, RING);
	check(ret == -EBUSY, "enabling it again with a vCPU: %s",
	      strerror(-ret));

	/* Writable SPTEs first, so that logged writes take the fast path. */
	ret = smu_set_memslot(vm, RING_SLOT, 0, RING_GFN, RING_NPAGES, mem);
	for (i = 0; !ret && i < PREFAULT; i++)
		ret = wr(vcpu, RING_GFN + i, i);
	ret = ret ?: smu_set_memslot(vm, RING_SLOT, SECMMU_MEM_LOG_DIRTY,
				     RING_GFN, RING_NPAGES, mem);
	check(!ret && !busy(ring), "memslot %u: %u pages at gfn 0x%x, the "
	      "vCPU wrote pages 0-%u, then LOG_DIRTY; ring empty%s",
	      RING_SLOT, RING_NPAGES, RING_GFN, PREFAULT - 1,
	      err_sfx(ret));
	if (ret)
		goto out;

	smu_get_stats(vm, &st);
	s0 = st;
	for (i = 0; !ret && i < ARRAY_SIZE(pages); i++)
		ret = wr(vcpu, RING_GFN + pages[i], 0xd1d1d1d1);
	/* Already dirty: not pushed again. */
	ret = ret ?: wr(vcpu, RING_GFN + 3, 0xd2d2d2d2);
	check(!ret && busy(ring) == 4, "vCPU writes pages 7, 3, 12, 8, then 3 "
	      "again: %u ring entries", busy(ring));
	n = harvest(ring, &idx, got, 8);
	ok = n == 4;
	for (i = 0; ok && i < 4; i++)
		ok = got[i].slot == RING_SLOT && got[i].offset == pages[i];
	check(ok, "harvested with secmmu_dirty_ring_harvest_one(): %d entries, "
	      "in write order", n);
	for (i = 0; i < (unsigned int)n && i < 8; i++)
		printf("           ring[%u]  slot %u  offset %3llu  (gfn 0x%llx)\n",
		       i, got[i].slot, (unsigned long long)got[i].offset,
		       (unsigned long long)RING_GFN + got[i].offset);
	check(writable(vm, RING_GFN, PREFAULT) == 0x1188,
	      "until the reset, just those pages are writable");
	smu_get_stats(vm, &s0);
	ret = smu_ioctl_val(vcpu, SECMMU_RESET_DIRTY_RING, 0);
	smu_get_stats(vm, &s1);
	check(ret == 4 && !busy(ring) && !writable(vm, RING_GFN, PREFAULT) &&
	      delta(&s0, &s1, SECMMU_STAT_REMOTE_FLUSHES) == 1,
	      "SECMMU_RESET_DIRTY_RING: %d reset, ring empty, pages "
	      "write-protected again, remote_flushes +%llu", ret,
	      (unsigned long long)delta(&s0, &s1, SECMMU_STAT_REMOTE_FLUSHES));

	/* Fill it: RING - RSVD pages, then the vCPU stops. */
	for (i = 0; i < RING; i++) {
		vals[i] = i;
		smu_op(&ops[i], 0, SMU_GPA(RING_GFN + PREFAULT + i), &vals[i], 8,
		       true);
	}
	ret = smu_batch(vcpu, ops, RING, &b);
	check(!ret && b.exit_reason == SECMMU_EXIT_DIRTY_RING_FULL &&
	      b.done == SOFT &&
	      b.exit_gpa == SMU_GPA(RING_GFN + PREFAULT + SOFT) &&
	      busy(ring) == SOFT,
	      "a batch of %u page writes: exit %s after %u (ring %u - "
	      "reserved %u), exit_gpa 0x%llx", RING,
	      b.exit_reason == SECMMU_EXIT_DIRTY_RING_FULL ?
	      "DIRTY_RING_FULL" : "?", b.done, RING, SECMMU_DIRTY_RING_RSVD,
	      (unsigned long long)b.exit_gpa);
	n = harvest(ring, &idx, got, 0);
	ret = smu_ioctl_val(vcpu, SECMMU_RESET_DIRTY_RING, 0);
	check(n == SOFT && ret == SOFT, "harvest %d, reset %d: room again", n,
	      ret);
	ret = smu_batch(vcpu, ops + SOFT, RING - SOFT, &b);
	check(!ret && !b.exit_reason && b.done == RING - SOFT &&
	      busy(ring) == RING - SOFT, "the %u writes left complete", RING -
	      SOFT);
	n = harvest(ring, &idx, got, 0);
	ret = smu_ioctl_val(vm, SECMMU_RESET_DIRTY_RINGS, 0);
	check(n == RING - SOFT && ret == n,
	      "harvest %d, SECMMU_RESET_DIRTY_RINGS (every ring) %d", n, ret);

	smu_get_stats(vm, &s1);
	ok = delta(&st, &s1, SECMMU_STAT_DIRTY_FAST_PATH) == 4 &&
	     delta(&st, &s1, SECMMU_STAT_DIRTY_LOGGED) == 4 + RING &&
	     delta(&st, &s1, SECMMU_STAT_DIRTY_RING_FULL) == 1 &&
	     delta(&st, &s1, SECMMU_STAT_DIRTY_RESETS) == 4 + RING &&
	     delta(&st, &s1, SECMMU_STAT_REMOTE_FLUSHES) == 3 &&
	     !delta(&st, &s1, SECMMU_STAT_DIRTY_RING_ERRORS);
	show_deltas(&st, &s1, dirty_ids, ARRAY_SIZE(dirty_ids));
	check(ok, "counters: 4 fast-path writes, %u logged, 1 ring full, "
	      "%u reset, one remote flush per reset", 4 + RING, 4 + RING);
out:
	if (ring != MAP_FAILED)
		munmap(ring, RING * sizeof(*ring));
	if (vcpu >= 0)
		close(vcpu);
	close(vm);
	munmap(mem, RING_NPAGES * PAGE);
}
