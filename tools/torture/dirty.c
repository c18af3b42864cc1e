// SPDX-License-Identifier: GPL-2.0
/*
 * secmmu-torture's dirty tracking: the memslot logs dirty pages into every
 * vCPU's ring while the chaos thread moves its memory around, and one
 * collector thread plays a live migration:
 *
 *   harvest  every ring in order: even rings mmapped and harvested with
 *            <linux/secmmu_dirty_ring.h>, odd rings through SECMMU_HARVEST;
 *            every entry must name slot 0 and a page inside it;
 *   reset    SECMMU_RESET_DIRTY_RINGS or SECMMU_RESET_DIRTY_RING on each
 *            harvested ring (one collector, so the global reset is safe);
 *   copy     then, owning each reported page, check it is exactly at its
 *            published generation and remember that generation.
 *
 * A vCPU write through the secondary MMU records its generation in
 * written[] (dirty_written(), by the page's owner).  At the end, with every
 * other thread stopped, a last harvest + reset + copy must have collected
 * each page at a generation no older than the last one a vCPU wrote:
 * otherwise the ring lost that write.  Writes through the process's own
 * pointer are not vCPU writes and are not logged (UAPI: "Only vCPU writes
 * dirty pages"); they only make a copy newer.
 *
 * A vCPU write that meets SECMMU_EXIT_DIRTY_RING_FULL must have dirtied
 * nothing; its writer gives the page up and tries later.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/secmmu.h>

#include "secmmu_util.h"
#include "torture.h"

#define MAX_RINGS	(MAX_VCPUS + 1)		/* the vCPUs and the chaos thread's */
#define HARVEST_CHUNK	64

struct ring {
	int fd;
	struct smu_ring mm;			/* .g NULL: kernel harvester */
};

bool dirty_on;
static uint32_t ring_entries;
static struct ring rings[MAX_RINGS];
static unsigned int nr_rings;

static uint64_t written[NP];		/* by the page's owner */
static uint64_t collected[NP];		/* by the collector, then main */
static unsigned char reported[NP];	/* collector only */

static unsigned long logged_writes, full_exits;	/* atomics */
static unsigned long harvested_mmap, harvested_kernel, resets_global,
		     resets_ring, entries_reset, copies, rounds, lost;

int dirty_enable(uint32_t entries)
{
	int ret = smu_enable_ring(vm_fd, entries);

	if (ret)
		return ret;
	ring_entries = entries;
	dirty_on = true;
	return 0;
}

int dirty_add_vcpu(int fd)
{
	struct ring *r;

	if (!dirty_on)
		return 0;
	if (nr_rings == MAX_RINGS)
		return -ENOSPC;
	r = &rings[nr_rings];
	r->fd = fd;
	r->mm.n = ring_entries;
	if (!(nr_rings % 2)) {
		r->mm.g = smu_mmap_ring(fd, ring_entries);
		if (r->mm.g == MAP_FAILED)
			return -errno;
	}
	nr_rings++;
	return 0;
}

void dirty_written(unsigned int p, uint64_t gen)
{
	if (!dirty_on)
		return;
	written[p] = gen;
	__atomic_add_fetch(&logged_writes, 1, __ATOMIC_RELAXED);
}

void dirty_ring_full(void)
{
	__atomic_add_fetch(&full_exits, 1, __ATOMIC_RELAXED);
}

/* Harvest every DIRTY entry of @r (at most a ring's worth); the count. */
static unsigned int harvest(struct ring *r)
{
	struct secmmu_dirty_gfn e[HARVEST_CHUNK];
	unsigned int total = 0, n, i;
	int ret;

	do {
		if (r->mm.g) {
			n = smu_ring_harvest(&r->mm, e, HARVEST_CHUNK);
			harvested_mmap += n;
		} else {
			ret = smu_kharvest(r->fd, e, HARVEST_CHUNK);
			if (ret < 0) {
				error("SECMMU_HARVEST: %s", strerror(-ret));
				return total;
			}
			n = ret;
			harvested_kernel += n;
		}
		for (i = 0; i < n; i++) {
			if (e[i].flags != SECMMU_DIRTY_GFN_F_DIRTY || e[i].slot ||
			    e[i].offset >= NP) {
				fail("dirty ring entry flags %#x slot %u offset %llu: not a page of slot 0",
				     e[i].flags, e[i].slot,
				     (unsigned long long)e[i].offset);
				continue;
			}
			reported[e[i].offset] = 1;
		}
		total += n;
	} while (n == HARVEST_CHUNK && total < ring_entries);
	return total;
}

/* @ret: what SECMMU_RESET_DIRTY_RING(S) @what returned. */
static void reset_done(int ret, const char *what)
{
	if (ret < 0) {
		fail("%s: %s", what, strerror(-ret));
		return;
	}
	entries_reset += ret;
}

/* One round: harvest, reset, then copy what was reported.  Pages found. */
static unsigned int collect(uint64_t *rng)
{
	bool global = rnd(rng) & 1, any = false;
	unsigned int i, p, n = 0;

	for (i = 0; i < nr_rings; i++) {
		unsigned int got = harvest(&rings[i]);

		if (got && !global) {
			reset_done(smu_reset_ring(rings[i].fd),
				   "SECMMU_RESET_DIRTY_RING");
			resets_ring++;
		}
		any |= got != 0;
	}
	if (any && global) {
		reset_done(smu_reset_rings(vm_fd), "SECMMU_RESET_DIRTY_RINGS");
		resets_global++;
	}
	/* Only now, re-protected: a write from here on is logged again. */
	for (p = 0; p < NP; p++) {
		long bad;

		if (!reported[p])
			continue;
		reported[p] = 0;
		page_lock(p);
		bad = check_exact(page_ptr(p), p, pub[p]);
		if (bad >= 0)
			fail("collector: page %u word %ld is %#llx, want gen %llu",
			     p, bad, (unsigned long long)page_ptr(p)[bad],
			     (unsigned long long)pub[p]);
		collected[p] = pub[p];
		page_unlock(p);
		copies++;
		n++;
	}
	rounds++;
	return n;
}

/*
 * A slow round: no collection until a writer meets a full ring (or 2 s
 * pass), however fast the writers are on this kernel.
 */
static void wait_for_full_ring(void)
{
	unsigned long full = __atomic_load_n(&full_exits, __ATOMIC_RELAXED);
	unsigned int ms;

	for (ms = 0; ms < 2000 && !stop; ms += 10) {
		if (__atomic_load_n(&full_exits, __ATOMIC_RELAXED) != full)
			return;
		usleep(10000);
	}
}

void *dirty_main(void *arg)
{
	uint64_t rng = (uintptr_t)arg;

	while (!stop) {
		uint64_t r = rnd(&rng);

		if (!collect(&rng))
			usleep(500);
		else if (r % 64 == 0)
			wait_for_full_ring();
		else if (r % 4 == 0)
			usleep(r % 5000);
	}
	return NULL;
}

void dirty_finish(void)
{
	unsigned int p;
	uint64_t rng = 1;

	if (!dirty_on)
		return;
	/* Every writer has stopped: one round collects everything left. */
	collect(&rng);
	for (p = 0; p < NP; p++) {
		if (collected[p] >= written[p])
			continue;
		lost++;
		fail("dirty record LOST: page %u written through secmmu at gen %llu, last collected at gen %llu",
		     p, (unsigned long long)written[p],
		     (unsigned long long)collected[p]);
	}
	for (p = 0; p < nr_rings; p++)
		if (rings[p].mm.g)
			munmap(rings[p].mm.g, SMU_RING_BYTES(ring_entries));
}

void dirty_report(void)
{
	if (!dirty_on) {
		printf("  dirty: off\n");
		return;
	}
	printf("  dirty: rings %u x %u, logged writes %lu, harvested %lu (mmap %lu, kernel %lu), resets %lu global + %lu per ring (%lu entries), pages copied %lu in %lu rounds, ring-full exits %lu, lost %lu\n",
	       nr_rings, ring_entries, logged_writes,
	       harvested_mmap + harvested_kernel, harvested_mmap,
	       harvested_kernel, resets_global, resets_ring, entries_reset,
	       copies, rounds, full_exits, lost);
}
