// SPDX-License-Identifier: GPL-2.0
/*
 * KCOV feedback for secmmu-fuzz (Documentation/dev-tools/kcov.rst): each
 * thread opens /sys/kernel/debug/kcov, maps a trace area and enables
 * KCOV_TRACE_PC for itself; after a step, the PCs the kernel recorded are
 * hashed into two bitmaps shared by every thread, one of PCs and one of
 * edges (the pair of a PC and the one before it in the same step).  A bit
 * set for the first time is new coverage.
 *
 * The maps have 2^20 bits each and secmmu has a few thousand PCs, so hash
 * collisions hide well under one percent of them: the counts printed are
 * distinct bits, a slight undercount.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kcov.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "cover.h"

#define KCOV_PATH	"/sys/kernel/debug/kcov"
/* PCs one step can record: 2 MiB per thread (a big batch overflows it). */
#define COVER_WORDS	(1UL << 18)
#define MAP_BITS	20

static uint64_t pc_map[(1UL << MAP_BITS) / 64];
static uint64_t edge_map[(1UL << MAP_BITS) / 64];
static unsigned long nr_pcs, nr_edges;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The splitmix64 finaliser: every input bit reaches the top bits. */
static uint64_t hash64(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Set the bit @h picks in @map; true when it was clear. */
static bool map_set(uint64_t *map, uint64_t h)
{
	uint64_t idx = h >> (64 - MAP_BITS), bit = 1ULL << (idx & 63);
	uint64_t *word = &map[idx / 64];

	if (__atomic_load_n(word, __ATOMIC_RELAXED) & bit)
		return false;
	return !(__atomic_fetch_or(word, bit, __ATOMIC_RELAXED) & bit);
}

bool cover_available(void)
{
	return access(KCOV_PATH, R_OK | W_OK) == 0;
}

int cover_start(struct cover *c)
{
	size_t len = COVER_WORDS * sizeof(unsigned long);
	void *p;
	int err;

	c->area = NULL;
	c->fd = open(KCOV_PATH, O_RDWR | O_CLOEXEC);
	if (c->fd < 0)
		return -errno;
	if (ioctl(c->fd, KCOV_INIT_TRACE, COVER_WORDS))
		goto fail;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	/* fork() would copy its page table entries for nothing */
	madvise(p, len, MADV_DONTFORK);
	if (ioctl(c->fd, KCOV_ENABLE, KCOV_TRACE_PC)) {
		munmap(p, len);
		goto fail;
	}
	c->area = p;
	return 0;
fail:
	err = -errno;
	close(c->fd);
	c->fd = -1;
	return err;
}

void cover_reset(struct cover *c)
{
	if (c->area)
		__atomic_store_n(&c->area[0], 0, __ATOMIC_RELAXED);
}

unsigned long cover_collect(struct cover *c)
{
	unsigned long n, i, new_pcs = 0, new_edges = 0;
	uint64_t t0, prev = 0, h;

	if (!c->area)
		return 0;
	t0 = now_ns();
	n = __atomic_load_n(&c->area[0], __ATOMIC_RELAXED);
	if (n >= COVER_WORDS - 1) {
		n = COVER_WORDS - 1;
		c->overflows++;
	}
	/*
	 * One hash per PC (TCG runs this loop slowly): an edge is the PC's
	 * hash XOR the previous one's rotated, so A->B and B->A differ.
	 */
	for (i = 0; i < n; i++) {
		h = hash64(__atomic_load_n(&c->area[i + 1], __ATOMIC_RELAXED));
		new_pcs += map_set(pc_map, h);
		new_edges += map_set(edge_map, h ^ (prev << 1 | prev >> 63));
		prev = h;
	}
	if (new_pcs)
		__atomic_add_fetch(&nr_pcs, new_pcs, __ATOMIC_RELAXED);
	if (new_edges)
		__atomic_add_fetch(&nr_edges, new_edges, __ATOMIC_RELAXED);
	c->ns += now_ns() - t0;
	return new_edges;
}

void cover_totals(unsigned long *pcs, unsigned long *edges)
{
	*pcs = __atomic_load_n(&nr_pcs, __ATOMIC_RELAXED);
	*edges = __atomic_load_n(&nr_edges, __ATOMIC_RELAXED);
}

void cover_stop(struct cover *c)
{
	if (!c->area)
		return;
	ioctl(c->fd, KCOV_DISABLE, 0);
	munmap(c->area, COVER_WORDS * sizeof(unsigned long));
	close(c->fd);
	c->area = NULL;
	c->fd = -1;
}
