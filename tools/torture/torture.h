/* SPDX-License-Identifier: GPL-2.0 */
/*
 * secmmu-torture's shared state: the memslot's pages, their pattern and
 * their ownership (seqcount per page), and the failure counters.  The
 * rules are in secmmu-torture.c's header comment; every thread that
 * changes a page, or reads it through the process's pointer while the
 * chaos thread may unmap it, owns it first (page_lock()).
 */
#ifndef SECMMU_TORTURE_H
#define SECMMU_TORTURE_H

#include <stdbool.h>
#include <stdint.h>

#define PAGE		4096UL
#define WORDS		(PAGE / 8)
#define NP		1024			/* pages in the memslot */
#define KSM_PAGES	64			/* pages [0, KSM_PAGES) */
#define KSM_TAG		0xffffffULL
#define GBASE		0x1000ULL		/* memslot base gfn */
#define VBASE		0x40000ULL		/* view 1 alias base gfn */
#define MAX_VCPUS	8

extern char *mem;			/* NP pages, HUGE aligned */
extern int vm_fd;
extern uint64_t pub[NP];		/* published generation per page */
extern uint64_t seq[NP];		/* odd: owned (being changed) */
extern volatile int stop;
extern bool have_ksm;

void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
uint64_t rnd(uint64_t *s);

static inline uint64_t tag_of(unsigned int p)
{
	return p < KSM_PAGES && have_ksm ? KSM_TAG : p;
}

static inline uint64_t W(unsigned int p, uint64_t gen)
{
	return gen << 32 | tag_of(p) << 8 | 0x5a;
}

static inline uint64_t *page_ptr(unsigned int p)
{
	return (uint64_t *)(mem + p * PAGE);
}

/* Index of the first word of @buf that is not W(p, gen), or -1. */
static inline long check_exact(const uint64_t *buf, unsigned int p, uint64_t gen)
{
	uint64_t w = W(p, gen);
	unsigned int i;

	for (i = 0; i < WORDS; i++)
		if (__atomic_load_n(&buf[i], __ATOMIC_RELAXED) != w)
			return i;
	return -1;
}

bool page_trylock(unsigned int p);
void page_lock(unsigned int p);
void page_unlock(unsigned int p);

/*
 * Dirty tracking (dirty.c).  The memslot logs dirty pages into per-vCPU
 * rings; a collector thread harvests them (mmapped rings and the kernel
 * harvester), resets them (per ring and globally) and then, owning each
 * reported page, records the generation it finds: a migration's copy.
 * Every write a vCPU made through the secondary MMU must be collected by
 * the end, or a dirty record was lost.
 */
extern bool dirty_on;
int dirty_enable(uint32_t entries);		/* before any vCPU */
int dirty_add_vcpu(int fd);			/* each vCPU, before the threads */
void dirty_written(unsigned int p, uint64_t gen); /* owner of p, after a write */
void dirty_ring_full(void);			/* a write met SECMMU_EXIT_DIRTY_RING_FULL */
void *dirty_main(void *arg);			/* the collector */
void dirty_finish(void);			/* last harvest, then the lossless check */
void dirty_report(void);

#endif /* SECMMU_TORTURE_H */
