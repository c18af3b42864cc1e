/* SPDX-License-Identifier: GPL-2.0 */
/*
 * secmmu-fuzz: what its engine (engine.c: the step table and its weights,
 * the kcov corpus, the threads, the accounting and the report) and its
 * operations (ops_*.c: one step each, by area) share: the outcome
 * accounting, the draws of a step (struct rng), the shared fd and region
 * tables (args.c, with the argument pickers) and the per-thread state.
 */
#ifndef SECMMU_FUZZ_H
#define SECMMU_FUZZ_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <linux/secmmu.h>

#include "cover.h"

#define PAGE		4096UL
#define MAX_VMS		4
#define MAX_REGIONS	12
#define MAX_THREADS	16
#define BUF_SIZE	(SECMMU_MAX_ACCESS_LEN + 2 * PAGE)
#define BITMAP_BYTES	((SECMMU_MAX_AGE_PAGES + 64) / 8)
#define MAX_ERRNO	160
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define MAX_RINGS	8

/* ------------------------------------------------------------------ */
/* Outcome accounting: op x result, result = errno, or 0 / 200+exit.  */

enum op {
	OP_OPEN_VM, OP_CLOSE_VM, OP_CREATE_VCPU, OP_CLOSE_VCPU,
	OP_API_VERSION, OP_CHECK_CAP, OP_ENABLE_CAP, OP_SET_MEMSLOT,
	OP_DEL_MEMSLOT, OP_SET_VIEW, OP_GET_SPTE, OP_GET_STATS, OP_AGE,
	OP_ACCESS, OP_BATCH, OP_UNKNOWN_IOCTL, OP_WRONG_FD_IOCTL,
	OP_MMAP, OP_MUNMAP, OP_MREMAP, OP_MPROTECT, OP_DONTNEED,
	OP_FORK, OP_SIGNAL, OP_ENABLE_RING, OP_RESET_RINGS, OP_RESET_RING,
	OP_HARVEST, OP_GET_DIRTY_LOG, OP_CLEAR_DIRTY_LOG, OP_RING_MMAP,
	OP_RING_MUNMAP, OP_RING_SCRIBBLE, OP_NR
};

extern const char *const op_name[OP_NR];

#define RES_OK		0
#define RES_EXIT(r)	(MAX_ERRNO + 1 + (r))	/* returned 0 with an exit */
#define RES_POSITIVE	(MAX_ERRNO + 8)		/* returned > 0 */
#define NR_RES		(MAX_ERRNO + 9)

extern volatile int stop;
extern int verbose;

/* Count one result of @op: -errno, 0 or > 0 (note()), or an exit. */
void note(enum op op, long ret);
void note_exit(enum op op, unsigned int reason);
/* Something that must not happen (a call that must fail succeeded). */
void anomaly(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ------------------------------------------------------------------ */
/* Randomness.                                                          */

/*
 * A step's input is the stream of draws it makes.  @mut > 0 mutates it:
 * each draw is replaced, with probability @mut / 256, by one from a second
 * stream @m, so a re-run input takes another branch here and there and
 * keeps the rest of its arguments.
 */
struct rng {
	uint64_t s, m;
	unsigned int mut;
};

/* splitmix64: any seed (also 0) is fine */
static inline uint64_t mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t rnd(struct rng *r)
{
	uint64_t z = mix(&r->s);

	if (r->mut && (mix(&r->m) & 255) < r->mut)
		z = mix(&r->m);
	return z;
}

static inline uint64_t below(struct rng *r, uint64_t n)
{
	return n ? rnd(r) % n : 0;
}

static inline bool chance(struct rng *r, unsigned int pct)
{
	return below(r, 100) < pct;
}

/* A boundary-heavy 64-bit value around @max. */
static inline uint64_t edge(struct rng *r, uint64_t max)
{
	switch (below(r, 10)) {
	case 0: return 0;
	case 1: return 1;
	case 2: return max;
	case 3: return max + 1;
	case 4: return max ? max - 1 : 0;
	case 5: return ~0ULL;
	case 6: return 1ULL << below(r, 64);
	case 7: return rnd(r);
	default: return below(r, max + 2);
	}
}

/* A mostly-zero field that is sometimes garbage (must give -EINVAL). */
static inline uint64_t junk(struct rng *r, unsigned int pct)
{
	return chance(r, pct) ? (1ULL << below(r, 64)) | rnd(r) : 0;
}

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* ------------------------------------------------------------------ */
/* Shared object tables (args.c); contents race on purpose.            */

struct region {
	char *addr;		/* NULL: free slot */
	size_t len;
};

extern int vm_fd[MAX_VMS];
extern int vcpu_fd[MAX_VMS][8];
extern struct region regions[MAX_REGIONS];
extern struct region rings[MAX_RINGS];	/* under tab_lock while touched */
extern int nthreads;
extern pthread_t threads[MAX_THREADS];
/* Time this thread was blocked in lock_tab(). */
extern __thread uint64_t my_wait_ns;

/* The table lock, with the time spent waiting for it accounted. */
void lock_tab(void);
void unlock_tab(void);
/*
 * A slot of @slots: mostly a live one, sometimes any (the fd pickers are
 * lock-free: the fd may be closed and its number reused right after).
 */
unsigned int pick_slot(struct rng *r, const int *slots, unsigned int n);
int pick_vm(struct rng *r);
int pick_vcpu(struct rng *r);
struct region pick_region(struct rng *r);
/* Is [hva, hva + npages pages) inside one fuzz region now? */
bool in_region(uint64_t hva, uint64_t npages);
/* A user pointer: good (inside @good), NULL, kernel, unmapped, unaligned. */
uint64_t some_ptr(struct rng *r, void *good, size_t good_len);
/* A gfn: mostly near the low ranges the memslots use, sometimes edges. */
uint64_t some_gfn(struct rng *r);

struct thread {
	int idx;
	struct rng drv;			/* picks the steps and their inputs */
	struct rng rng;			/* the current step's draws */
	struct cover cov;
	char *buf;			/* BUF_SIZE */
	struct secmmu_access_op *ops;	/* SECMMU_MAX_BATCH + 1 */
	uint64_t *bitmap, *bitmap2;	/* BITMAP_BYTES */
	struct step_acct *acct;		/* NR_STEPS */
	unsigned long nsteps;
};

void vlog(struct thread *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* ioctl(): the result or -errno. */
long xioctl(int fd, unsigned long req, unsigned long arg);

/* ------------------------------------------------------------------ */
/* Operations: one step each (ops_*.c).                                 */

/* VMs, vCPUs, capabilities, memslots, views, SPTEs, stats, aging. */
void do_open_vm(struct thread *t);
void do_close_vm(struct thread *t);
void do_create_vcpu(struct thread *t);
void do_close_vcpu(struct thread *t);
void do_version_cap(struct thread *t);
void do_enable_cap(struct thread *t);
void do_set_memslot(struct thread *t);
void do_del_memslot(struct thread *t);
void do_set_view(struct thread *t);
void do_get_spte(struct thread *t);
void do_get_stats(struct thread *t);
void do_age(struct thread *t);
/* Accesses, batches and ioctls that must fail. */
void random_op(struct thread *t, struct secmmu_access_op *op, bool small);
void do_access(struct thread *t);
void do_batch(struct thread *t);
void do_unknown_ioctl(struct thread *t);
void do_wrong_fd(struct thread *t);
/* Chaos under the VMs: the memory behind memslots, fork, signals. */
void do_mmap(struct thread *t);
void do_munmap(struct thread *t);
void do_mremap(struct thread *t);
void do_mprotect_dontneed(struct thread *t);
void do_fork(struct thread *t);
void do_signal(struct thread *t);
/* Dirty tracking: rings (mmapped and harvested) and bitmaps. */
void do_enable_ring(struct thread *t);
void do_reset_ring(struct thread *t);
void do_harvest(struct thread *t);
void do_dirty_log(struct thread *t);
void do_ring_mmap(struct thread *t);
void do_ring_touch(struct thread *t);

#endif /* SECMMU_FUZZ_H */
