// SPDX-License-Identifier: GPL-2.0
/*
 * secmmu-fuzz: random sequences of every secmmu ioctl (VM and vCPU fds;
 * dirty rings too: mmap of the ring, userspace harvest, corrupted entries),
 * interleaved with mmap/munmap/mremap/mprotect/MADV_DONTNEED of the memory
 * behind memslots, close of the fds, fork (a foreign mm using the fds) and
 * signals (EINTR paths), from several threads.  Arguments are random or
 * boundary values: 0, max, max + 1, unaligned, overlapping, huge counts, bad
 * pointers, nonzero reserved fields, unknown flags and ioctl numbers.
 *
 * Errors are expected; the kernel must survive (the rig fails the run on any
 * splat).  At the end it prints every distinct (operation, result) pair
 * reached, the steps, calls and wall time of each kind of step (and its
 * wait for the table lock), and a summary line: calls, calls/s, distinct
 * outcomes, chaos operations (mmap, munmap, mremap, mprotect,
 * MADV_DONTNEED, fork, signals, closes) and anomalies.
 *
 * With /sys/kernel/debug/kcov (the KASAN debug kernel, where only secmmu.ko
 * is instrumented) the run is guided: a step that reaches new secmmu edges
 * is kept in a corpus, and part of the steps re-run corpus inputs, as they
 * were or mutated (pick_input()).  Without it, or with -G, every step is
 * fresh; with kcov, -G still counts the PCs and edges reached (an A/B).
 *
 * usage: secmmu-fuzz [-s SEED] [-n CALLS] [-t SECONDS] [-j THREADS] [-G] [-v]
 *   -s  seed (default: from the clock; always printed).  Thread i uses
 *       seed + i; with -j 1 a seed replays the exact call sequence when
 *       the run is unguided (-G, or no kcov).  A guided run also follows
 *       the coverage the kernel reports, so it replays only as long as the
 *       kernel reaches the same edges at the same steps: replay a guided
 *       failure with the same flags first, then unguided.
 *   -G  unguided: no corpus (the printed replay line adds it when the run
 *       was unguided)
 *   -n  stop after this many calls in total (default 200000)
 *   -t  stop after this many seconds (default 30)
 *   -j  threads (default 4)
 *   -v  print every call (with -j 1, a replayable trace)
 *
 * Exit status: 0 when the run completed (whatever errnos were returned),
 * 1 when the fuzzer itself saw something impossible (a successful call
 * that must fail, e.g. a nonzero reserved field accepted).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
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

static const char *const op_name[OP_NR] = {
	"open_vm", "close_vm", "create_vcpu", "close_vcpu",
	"get_api_version", "check_cap", "enable_cap", "set_memslot",
	"del_memslot", "set_view_mapping", "get_spte", "get_stats", "age",
	"access", "access_batch", "unknown_ioctl", "wrong_fd_ioctl",
	"mmap", "munmap", "mremap", "mprotect", "madv_dontneed",
	"fork_foreign_mm", "signal", "enable_dirty_ring", "reset_dirty_rings",
	"reset_dirty_ring", "harvest", "get_dirty_log", "clear_dirty_log",
	"ring_mmap", "ring_munmap", "ring_scribble",
};

#define RES_OK		0
#define RES_EXIT(r)	(MAX_ERRNO + 1 + (r))	/* returned 0 with an exit */
#define RES_POSITIVE	(MAX_ERRNO + 8)		/* returned > 0 */
#define NR_RES		(MAX_ERRNO + 9)

static unsigned long outcome[OP_NR][NR_RES];
static unsigned long total_calls;
static unsigned long anomalies;
static volatile int stop;
static unsigned long max_calls = 200000;
static unsigned int max_secs = 30;
static int verbose;

/* Calls this thread made, for the time accounting of one_step(). */
static __thread unsigned long my_calls;

static void count_result(enum op op, int r)
{
	__atomic_add_fetch(&outcome[op][r], 1, __ATOMIC_RELAXED);
	my_calls++;
	if (__atomic_add_fetch(&total_calls, 1, __ATOMIC_RELAXED) >= max_calls)
		stop = 1;
}

static void note(enum op op, long ret)
{
	int r;

	if (ret < 0)
		r = -ret < MAX_ERRNO ? -ret : MAX_ERRNO;
	else if (ret > 0)
		r = RES_POSITIVE;
	else
		r = RES_OK;
	count_result(op, r);
}

static void note_exit(enum op op, unsigned int reason)
{
	count_result(op, RES_EXIT(reason < 6 ? reason : 6));
}

static void anomaly(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void anomaly(const char *fmt, ...)
{
	va_list ap;

	__atomic_add_fetch(&anomalies, 1, __ATOMIC_RELAXED);
	va_start(ap, fmt);
	fprintf(stderr, "secmmu-fuzz: ANOMALY: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

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
static uint64_t mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd(struct rng *r)
{
	uint64_t z = mix(&r->s);

	if (r->mut && (mix(&r->m) & 255) < r->mut)
		z = mix(&r->m);
	return z;
}

static uint64_t below(struct rng *r, uint64_t n)
{
	return n ? rnd(r) % n : 0;
}

static bool chance(struct rng *r, unsigned int pct)
{
	return below(r, 100) < pct;
}

/* A boundary-heavy 64-bit value around @max. */
static uint64_t edge(struct rng *r, uint64_t max)
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
static uint64_t junk(struct rng *r, unsigned int pct)
{
	return chance(r, pct) ? (1ULL << below(r, 64)) | rnd(r) : 0;
}

/* ------------------------------------------------------------------ */
/* Shared object tables (fds and regions); contents race on purpose.  */

struct region {
	char *addr;		/* NULL: free slot */
	size_t len;
};

static pthread_mutex_t tab_mutex = PTHREAD_MUTEX_INITIALIZER;
static __thread uint64_t my_wait_ns;	/* blocked in lock_tab() */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The table lock, with the time spent waiting for it accounted. */
static void lock_tab(void)
{
	uint64_t t0;

	if (!pthread_mutex_trylock(&tab_mutex))
		return;
	t0 = now_ns();
	pthread_mutex_lock(&tab_mutex);
	my_wait_ns += now_ns() - t0;
}

static void unlock_tab(void)
{
	pthread_mutex_unlock(&tab_mutex);
}
static int vm_fd[MAX_VMS] = { -1, -1, -1, -1 };
static int vcpu_fd[MAX_VMS][8];
static struct region regions[MAX_REGIONS];
static int nthreads = 4;
static pthread_t threads[MAX_THREADS];

/*
 * A slot of @slots: mostly a live one (a step that finds no fd makes no
 * call), sometimes any.  The fd pickers are lock-free: the fd may be
 * closed and its number reused right after the pick either way.  Writers
 * store the slots under the table lock.
 */
static unsigned int pick_slot(struct rng *r, const int *slots, unsigned int n)
{
	unsigned int i, start = below(r, n);

	if (chance(r, 10))
		return start;
	for (i = 0; i < n; i++)
		if (__atomic_load_n(&slots[(start + i) % n], __ATOMIC_RELAXED) >= 0)
			return (start + i) % n;
	return start;
}

static int pick_fd(struct rng *r, const int *slots, unsigned int n)
{
	return __atomic_load_n(&slots[pick_slot(r, slots, n)], __ATOMIC_RELAXED);
}

static int pick_vm(struct rng *r)
{
	return pick_fd(r, vm_fd, MAX_VMS);
}

static int pick_vcpu(struct rng *r)
{
	return pick_fd(r, &vcpu_fd[0][0], MAX_VMS * 8);
}

static struct region pick_region(struct rng *r)
{
	struct region g;

	lock_tab();
	g = regions[below(r, MAX_REGIONS)];
	unlock_tab();
	return g;
}

/* Is [hva, hva + npages pages) inside one fuzz region now? */
static bool in_region(uint64_t hva, uint64_t npages)
{
	bool in = false;
	int i;

	if (npages > (1ULL << 40))
		return false;
	lock_tab();
	for (i = 0; i < MAX_REGIONS && !in; i++) {
		uint64_t lo = (uintptr_t)regions[i].addr;

		in = regions[i].addr && hva >= lo &&
		     hva + npages * PAGE <= lo + regions[i].len;
	}
	unlock_tab();
	return in;
}

/*
 * A user pointer: good (inside @good), NULL, kernel, unmapped, unaligned.
 * @good must be heap memory the kernel may scribble on (never a struct on
 * the stack: an _IOWR ioctl writes its whole struct back).
 */
static uint64_t some_ptr(struct rng *r, void *good, size_t good_len)
{
	struct region g;

	switch (below(r, 16)) {
	case 0: return 0;
	case 1: return 0xffff888000000000ULL + below(r, 1 << 20);
	case 2: return 0x1000;
	case 3: return ~0ULL - below(r, 4096);
	case 4: return (uint64_t)(uintptr_t)good + good_len - below(r, 16);
	case 5:
		g = pick_region(r);
		return (uint64_t)(uintptr_t)g.addr + below(r, g.len + 1);
	case 6: return 0x00007ffffffff000ULL;
	default: return (uint64_t)(uintptr_t)good + below(r, 64);
	}
}

/* A gfn: mostly near the low ranges the memslots use, sometimes edges. */
static uint64_t some_gfn(struct rng *r)
{
	switch (below(r, 8)) {
	case 0: return edge(r, 1ULL << SECMMU_GFN_BITS);
	case 1: return (1ULL << SECMMU_GFN_BITS) - below(r, 4096);
	case 2: return below(r, 1 << 22);
	default: return below(r, 8) * 0x1000 + below(r, 0x1100);
	}
}

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

static void vlog(struct thread *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void vlog(struct thread *t, const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "[%d] ", t->idx);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static long xioctl(int fd, unsigned long req, unsigned long arg)
{
	long ret = ioctl(fd, req, arg);

	return ret < 0 ? -errno : ret;
}

/* ------------------------------------------------------------------ */
/* Operations.                                                          */

static void do_open_vm(struct thread *t)
{
	int fd = open("/dev/secmmu", O_RDWR | (chance(&t->rng, 50) ? O_CLOEXEC : 0));
	int i = below(&t->rng, MAX_VMS), old, j;
	int oldv[8];

	note(OP_OPEN_VM, fd < 0 ? -errno : 0);
	if (fd < 0)
		return;
	vlog(t, "open_vm -> %d (slot %d)", fd, i);
	lock_tab();
	old = vm_fd[i];
	__atomic_store_n(&vm_fd[i], fd, __ATOMIC_RELAXED);
	for (j = 0; j < 8; j++) {
		oldv[j] = vcpu_fd[i][j];
		__atomic_store_n(&vcpu_fd[i][j], -1, __ATOMIC_RELAXED);
	}
	unlock_tab();
	/* Replaced fds are closed: the old VM dies (vCPUs first or not). */
	if (chance(&t->rng, 50) && old >= 0)
		close(old), old = -1;
	for (j = 0; j < 8; j++)
		if (oldv[j] >= 0)
			close(oldv[j]);
	if (old >= 0)
		close(old);
}

static void do_close_vm(struct thread *t)
{
	int i = pick_slot(&t->rng, vm_fd, MAX_VMS), fd;

	lock_tab();
	fd = vm_fd[i];
	__atomic_store_n(&vm_fd[i], -1, __ATOMIC_RELAXED);
	unlock_tab();
	if (fd < 0)
		return;
	/* The vCPU fds stay open: they outlive their VM fd. */
	vlog(t, "close_vm %d", fd);
	note(OP_CLOSE_VM, close(fd) ? -errno : 0);
}

static void do_create_vcpu(struct thread *t)
{
	int vm = pick_vm(&t->rng);
	unsigned long id = chance(&t->rng, 80) ? below(&t->rng, 10) :
			   edge(&t->rng, SECMMU_MAX_VCPUS);
	long fd;
	int i, j, old = -1;

	if (vm < 0)
		return;
	fd = xioctl(vm, SECMMU_CREATE_VCPU, id);
	vlog(t, "create_vcpu(vm %d, id %lu) -> %ld", vm, id, fd);
	note(OP_CREATE_VCPU, fd < 0 ? fd : 0);
	if (fd < 0)
		return;
	lock_tab();
	for (i = 0; i < MAX_VMS; i++)
		if (vm_fd[i] == vm)
			break;
	if (i == MAX_VMS) {
		unlock_tab();
		close(fd);
		return;
	}
	j = below(&t->rng, 8);
	old = vcpu_fd[i][j];
	__atomic_store_n(&vcpu_fd[i][j], fd, __ATOMIC_RELAXED);
	unlock_tab();
	if (old >= 0)
		close(old);
}

static void do_close_vcpu(struct thread *t)
{
	int k = pick_slot(&t->rng, &vcpu_fd[0][0], MAX_VMS * 8);
	int i = k / 8, j = k % 8, fd;

	lock_tab();
	fd = vcpu_fd[i][j];
	__atomic_store_n(&vcpu_fd[i][j], -1, __ATOMIC_RELAXED);
	unlock_tab();
	if (fd < 0)
		return;
	vlog(t, "close_vcpu %d", fd);
	note(OP_CLOSE_VCPU, close(fd) ? -errno : 0);
}

static void do_version_cap(struct thread *t)
{
	int vm = chance(&t->rng, 90) ? pick_vm(&t->rng) : pick_vcpu(&t->rng);
	unsigned long cap;
	long ret;

	if (vm < 0)
		return;
	if (chance(&t->rng, 30)) {
		ret = xioctl(vm, SECMMU_GET_API_VERSION, rnd(&t->rng));
		note(OP_API_VERSION, ret);
		return;
	}
	cap = chance(&t->rng, 80) ? below(&t->rng, 20) : edge(&t->rng, 64);
	ret = xioctl(vm, SECMMU_CHECK_CAP, cap);
	vlog(t, "check_cap(%d, %lu) -> %ld", vm, cap, ret);
	note(OP_CHECK_CAP, ret);
}

static void do_enable_cap(struct thread *t)
{
	struct secmmu_enable_cap ec;
	struct rng *r = &t->rng;
	int vm = pick_vm(r);
	long ret;
	bool bad;

	if (vm < 0)
		return;
	memset(&ec, 0, sizeof(ec));
	ec.cap = chance(r, 80) ? SECMMU_CAP_RMAP_MODE : edge(r, 16);
	ec.args[0] = chance(r, 80) ? below(r, SECMMU_RMAP_NR_MODES + 1) : edge(r, 4);
	ec.flags = junk(r, 10);
	if (chance(r, 10))
		ec.args[1 + below(r, 3)] = rnd(r);
	ec.reserved[below(r, 2)] = junk(r, 10);
	bad = ec.flags || ec.reserved[0] || ec.reserved[1];
	ret = xioctl(vm, SECMMU_ENABLE_CAP, chance(r, 5) ?
		     some_ptr(r, t->buf, BUF_SIZE - PAGE) : (unsigned long)&ec);
	vlog(t, "enable_cap(%d, cap %u, arg %llu) -> %ld", vm, ec.cap,
	     (unsigned long long)ec.args[0], ret);
	note(OP_ENABLE_CAP, ret);
	if (bad && ret == 0)
		anomaly("ENABLE_CAP accepted nonzero flags/reserved");
}

static void do_set_memslot(struct thread *t)
{
	struct secmmu_memslot ms;
	struct rng *r = &t->rng;
	struct region g = pick_region(r);
	int vm = pick_vm(r);
	long ret;
	bool bad;

	if (vm < 0)
		return;
	memset(&ms, 0, sizeof(ms));
	ms.slot = chance(r, 90) ? below(r, 8) : edge(r, SECMMU_MAX_MEMSLOTS);
	ms.flags = chance(r, 60) ? 0 : chance(r, 40) ? SECMMU_MEM_READONLY :
		   chance(r, 80) ? SECMMU_MEM_LOG_DIRTY : (uint32_t)rnd(r);
	ms.base_gfn = chance(r, 80) ? below(r, 8) * 0x1000 + below(r, 4) * 0x100 :
		      some_gfn(r);
	if (g.addr && chance(r, 85)) {
		size_t off = below(r, g.len / PAGE) * PAGE;

		ms.userspace_addr = (uintptr_t)g.addr + off;
		ms.npages = chance(r, 95) ? 1 + below(r, (g.len - off) / PAGE) :
			    edge(r, SECMMU_MAX_SLOT_PAGES);
		if (chance(r, 5))
			ms.userspace_addr += 1 + below(r, PAGE - 1);
	} else {
		ms.userspace_addr = some_ptr(r, t->buf, BUF_SIZE);
		/* up to 8 GiB: its rmap alone is 16 MiB to zero */
		ms.npages = chance(r, 60) ? 1 + below(r, 1024) :
			    edge(r, SECMMU_MAX_SLOT_PAGES);
	}
	/*
	 * A writable memslot over memory that is not a fuzz region (the
	 * static binary's data at 0x400000 lies inside 0x1000 + 8 GiB, other
	 * threads' stacks next to their buffers) would let random vCPU writes
	 * scribble over this process: such slots are always read-only.
	 */
	if (!in_region(ms.userspace_addr, ms.npages))
		ms.flags |= SECMMU_MEM_READONLY;
	ms.reserved[below(r, 2)] = junk(r, 5);
	bad = ms.reserved[0] || ms.reserved[1];
	ret = xioctl(vm, SECMMU_SET_MEMSLOT, (unsigned long)&ms);
	vlog(t, "set_memslot(%d, slot %u fl %#x gfn %#llx n %llu hva %#llx) -> %ld",
	     vm, ms.slot, ms.flags, (unsigned long long)ms.base_gfn,
	     (unsigned long long)ms.npages,
	     (unsigned long long)ms.userspace_addr, ret);
	note(OP_SET_MEMSLOT, ret);
	if (bad && ret == 0)
		anomaly("SET_MEMSLOT accepted nonzero reserved");
}

static void do_del_memslot(struct thread *t)
{
	struct secmmu_memslot ms;
	struct rng *r = &t->rng;
	int vm = pick_vm(r);
	long ret;

	if (vm < 0)
		return;
	memset(&ms, 0, sizeof(ms));
	ms.slot = chance(r, 95) ? below(r, 8) : edge(r, SECMMU_MAX_MEMSLOTS);
	if (chance(r, 5))
		ms.base_gfn = rnd(r);
	if (chance(r, 5))
		ms.flags = 1U << below(r, 32);
	ret = xioctl(vm, SECMMU_SET_MEMSLOT, (unsigned long)&ms);
	vlog(t, "del_memslot(%d, %u) -> %ld", vm, ms.slot, ret);
	note(OP_DEL_MEMSLOT, ret);
}

static void do_set_view(struct thread *t)
{
	struct secmmu_view_mapping vmap;
	struct rng *r = &t->rng;
	int vm = pick_vm(r);
	long ret;

	if (vm < 0)
		return;
	memset(&vmap, 0, sizeof(vmap));
	vmap.view = chance(r, 85) ? 1 + below(r, SECMMU_MAX_VIEWS - 1) :
		    edge(r, SECMMU_MAX_VIEWS);
	vmap.view_gfn = chance(r, 80) ? below(r, 0x100) * 0x10 : some_gfn(r);
	vmap.npages = chance(r, 20) ? 0 : chance(r, 80) ? 1 + below(r, 0x400) :
		      edge(r, 1ULL << SECMMU_GFN_BITS);
	vmap.target_gfn = vmap.npages && chance(r, 80) ?
		below(r, 8) * 0x1000 + below(r, 0x100) : some_gfn(r);
	vmap.flags = junk(r, 5);
	vmap.reserved[below(r, 2)] = junk(r, 5);
	ret = xioctl(vm, SECMMU_SET_VIEW_MAPPING, chance(r, 3) ?
		     some_ptr(r, t->buf, BUF_SIZE - PAGE) : (unsigned long)&vmap);
	vlog(t, "set_view(%d, view %u vgfn %#llx n %llu tgfn %#llx) -> %ld", vm,
	     vmap.view, (unsigned long long)vmap.view_gfn,
	     (unsigned long long)vmap.npages,
	     (unsigned long long)vmap.target_gfn, ret);
	note(OP_SET_VIEW, ret);
}

static void do_get_spte(struct thread *t)
{
	struct secmmu_spte_info si;
	struct rng *r = &t->rng;
	int vm = pick_vm(r);
	long ret;

	if (vm < 0)
		return;
	memset(&si, 0, sizeof(si));
	si.view = chance(r, 90) ? below(r, SECMMU_MAX_VIEWS) : edge(r, 8);
	si.gfn = chance(r, 70) ? below(r, 8) * 0x1000 + below(r, 0x400) :
		 some_gfn(r);
	si.reserved[below(r, 2)] = junk(r, 5);
	if (chance(r, 5))
		si.flags = rnd(r);
	ret = xioctl(vm, SECMMU_GET_SPTE, chance(r, 5) ?
		     some_ptr(r, t->buf, BUF_SIZE - PAGE) : (unsigned long)&si);
	note(OP_GET_SPTE, ret);
}

static void do_get_stats(struct thread *t)
{
	struct rng *r = &t->rng;
	int fd = chance(r, 90) ? pick_vm(r) : pick_vcpu(r);
	long ret;

	if (fd < 0)
		return;
	ret = xioctl(fd, SECMMU_GET_STATS, chance(r, 10) ?
		     some_ptr(r, t->buf, BUF_SIZE - sizeof(struct secmmu_stats)) :
		     (unsigned long)t->buf);
	note(OP_GET_STATS, ret);
}

static void do_age(struct thread *t)
{
	struct secmmu_age a;
	struct rng *r = &t->rng;
	int vm = pick_vm(r);
	long ret;

	if (vm < 0)
		return;
	memset(&a, 0, sizeof(a));
	a.flags = chance(r, 50) ? SECMMU_AGE_CLEAR : SECMMU_AGE_TEST;
	if (chance(r, 30))
		a.flags |= SECMMU_AGE_FAST_ONLY;
	if (chance(r, 30))
		a.flags |= SECMMU_AGE_LOOKAROUND;
	if (chance(r, 10))
		a.flags = rnd(r) & 0x3f;
	if (chance(r, 3))
		a.flags |= 1U << below(r, 32);
	if (chance(r, 15)) {
		struct region g = pick_region(r);

		a.flags |= SECMMU_AGE_HVA;
		a.start = (uintptr_t)g.addr + below(r, g.len / PAGE + 1) * PAGE;
		if (chance(r, 10))
			a.start += below(r, PAGE);
	} else {
		a.start = chance(r, 80) ? below(r, 8) * 0x1000 + below(r, 0x100) :
			  some_gfn(r);
	}
	/* a walk of up to 2^21 pages costs 100 small ones under KASAN */
	a.npages = chance(r, 95) ? 1 + below(r, 0x800) :
		   edge(r, SECMMU_MAX_AGE_PAGES);
	a.young = chance(r, 70) ? (uintptr_t)t->bitmap :
		  chance(r, 50) ? 0 : some_ptr(r, t->bitmap, BITMAP_BYTES);
	a.fast_failed = chance(r, 50) ? (uintptr_t)t->bitmap2 :
			chance(r, 50) ? 0 : some_ptr(r, t->bitmap2, BITMAP_BYTES);
	a.out_flags = junk(r, 3);
	a.done = junk(r, 3);
	a.reserved[below(r, 2)] = junk(r, 5);
	ret = xioctl(vm, SECMMU_AGE, (unsigned long)&a);
	vlog(t, "age(%d, fl %#x start %#llx n %llu) -> %ld", vm, a.flags,
	     (unsigned long long)a.start, (unsigned long long)a.npages, ret);
	note(OP_AGE, ret);
}

static void random_op(struct thread *t, struct secmmu_access_op *op, bool small)
{
	struct rng *r = &t->rng;

	op->view = chance(r, 80) ? 0 : chance(r, 90) ?
		   below(r, SECMMU_MAX_VIEWS) : edge(r, 0xffff);
	op->gpa = chance(r, 85) ? (below(r, 8) * 0x1000 + below(r, 0x400)) * PAGE +
		  (chance(r, 20) ? below(r, PAGE) : 0) :
		  edge(r, 1ULL << (SECMMU_GFN_BITS + 12));
	if (small)
		op->len = chance(r, 95) ? 1 + below(r, 64) : edge(r, 64);
	else
		op->len = chance(r, 60) ? 1 + below(r, 2 * PAGE) :
			  chance(r, 50) ? edge(r, SECMMU_MAX_ACCESS_LEN) :
			  SECMMU_MAX_ACCESS_LEN;
	op->buf = chance(r, 95) ? (uintptr_t)t->buf :
		  some_ptr(r, t->buf, BUF_SIZE);
	/* a len past the buffer end would be a (legitimate) -EFAULT */
	if (op->buf == (uintptr_t)t->buf && op->len > BUF_SIZE)
		op->len = BUF_SIZE;
	op->flags = chance(r, 40) ? SECMMU_ACCESS_WRITE : 0;
	if (chance(r, 3))
		op->flags |= 1U << below(r, 16);
}

static void do_access(struct thread *t)
{
	struct secmmu_access a;
	struct rng *r = &t->rng;
	int fd = chance(r, 97) ? pick_vcpu(r) : pick_vm(r);
	long ret;

	if (fd < 0)
		return;
	memset(&a, 0, sizeof(a));
	random_op(t, &a.op, false);
	a.pad = junk(r, 3);
	a.reserved[below(r, 2)] = junk(r, 3);
	a.exit_reason = junk(r, 5);
	ret = xioctl(fd, SECMMU_ACCESS, chance(r, 3) ?
		     some_ptr(r, t->buf, BUF_SIZE - PAGE) : (unsigned long)&a);
	vlog(t, "access(%d, view %u gpa %#llx len %u fl %#x) -> %ld exit %u",
	     fd, a.op.view, (unsigned long long)a.op.gpa, a.op.len, a.op.flags,
	     ret, a.exit_reason);
	if (ret == 0 && a.exit_reason)
		note_exit(OP_ACCESS, a.exit_reason);
	else
		note(OP_ACCESS, ret);
}

#define BATCH_FRESH	64

static void do_batch(struct thread *t)
{
	struct secmmu_access_batch b;
	struct rng *r = &t->rng;
	int fd = chance(r, 97) ? pick_vcpu(r) : pick_vm(r);
	uint32_t nr, i;
	bool small;
	long ret;

	if (fd < 0)
		return;
	memset(&b, 0, sizeof(b));
	nr = chance(r, 80) ? 1 + below(r, 64) : edge(r, SECMMU_MAX_BATCH);
	b.nr = nr;
	if (nr > SECMMU_MAX_BATCH)
		nr = SECMMU_MAX_BATCH + 1;
	/*
	 * Big batches use small ops: bounded work even on TCG.  Only the
	 * first BATCH_FRESH ops and a few others are drawn anew: the rest
	 * keep the small ops earlier batches (and main()) left there.  The
	 * kernel stops at the first op that exits or fails, mostly early,
	 * and drawing 65536 ops took more than the call itself.
	 */
	small = nr > BATCH_FRESH;
	for (i = 0; i < nr && i < BATCH_FRESH; i++)
		random_op(t, &t->ops[i], small);
	for (i = 0; nr > BATCH_FRESH && i < 8; i++)
		random_op(t, &t->ops[BATCH_FRESH + below(r, nr - BATCH_FRESH)], true);
	b.ops = chance(r, 95) ? (uintptr_t)t->ops :
		some_ptr(r, t->ops, (SECMMU_MAX_BATCH + 1) * sizeof(*t->ops));
	b.flags = junk(r, 3);
	b.reserved[below(r, 2)] = junk(r, 3);
	b.done = junk(r, 5);
	ret = xioctl(fd, SECMMU_ACCESS_BATCH, chance(r, 2) ?
		     some_ptr(r, t->buf, BUF_SIZE - PAGE) : (unsigned long)&b);
	vlog(t, "batch(%d, nr %u) -> %ld done %u exit %u", fd, b.nr, ret,
	     b.done, b.exit_reason);
	if (ret == 0 && b.exit_reason)
		note_exit(OP_BATCH, b.exit_reason);
	else
		note(OP_BATCH, ret);
}

static const uint32_t known_nr[] = {
	0x00, 0x01, 0x02, 0x10, 0x11, 0x12, 0x13, 0x14, 0x20, 0x30, 0x31,
};

static void do_unknown_ioctl(struct thread *t)
{
	struct rng *r = &t->rng;
	int fd = chance(r, 50) ? pick_vm(r) : pick_vcpu(r);
	unsigned long req;
	long ret;

	if (fd < 0)
		return;
	switch (below(r, 4)) {
	case 0:	/* unused numbers of our type, any direction and size */
		req = _IOC(below(r, 4), SECMMUIO, 0x40 + below(r, 0xc0),
			   below(r, 1 << 14));
		break;
	case 1:	/* known numbers, wrong size or direction */
		req = _IOC(below(r, 4), SECMMUIO, known_nr[below(r, 11)],
			   below(r, 512));
		break;
	case 2:	/* another type */
		req = _IOC(below(r, 4), below(r, 256), below(r, 256),
			   below(r, 1 << 14));
		break;
	default:
		req = rnd(r) & 0xffffffff;
		break;
	}
	/* stay away from generic fd ioctls that change the fd (FIOCLEX..) */
	if (((req >> 8) & 0xff) == 'T' || ((req >> 8) & 0xff) == 0x54 ||
	    ((req >> 8) & 0xff) == 'f')
		req = _IO(SECMMUIO, 0xff);
	ret = xioctl(fd, req, some_ptr(r, t->buf, BUF_SIZE - (1 << 14)));
	vlog(t, "ioctl(%d, %#lx) -> %ld", fd, req, ret);
	/* no anomaly check: numbers unknown today may be taken tomorrow */
	note(OP_UNKNOWN_IOCTL, ret);
}

static void do_wrong_fd(struct thread *t)
{
	static const unsigned long vm_reqs[] = {
		SECMMU_SET_MEMSLOT, SECMMU_SET_VIEW_MAPPING, SECMMU_GET_SPTE,
		SECMMU_AGE, SECMMU_CREATE_VCPU, SECMMU_ENABLE_CAP,
	};
	struct rng *r = &t->rng;
	int fd = pick_vcpu(r);
	long ret;

	if (fd < 0)
		return;
	memset(t->buf, 0, 256);
	ret = xioctl(fd, vm_reqs[below(r, 6)], chance(r, 50) ? 1 :
		     (unsigned long)t->buf);
	note(OP_WRONG_FD_IOCTL, ret);
}

static void do_mmap(struct thread *t)
{
	struct rng *r = &t->rng;
	size_t len = (1 + below(r, chance(r, 90) ? 64 : 1024)) * PAGE;
	int i = below(r, MAX_REGIONS);
	char *p, *old;
	size_t oldlen;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	note(OP_MMAP, p == MAP_FAILED ? -errno : 0);
	if (p == MAP_FAILED)
		return;
	if (chance(r, 30))
		madvise(p, len, MADV_HUGEPAGE);
	lock_tab();
	old = regions[i].addr;
	oldlen = regions[i].len;
	regions[i].addr = p;
	regions[i].len = len;
	if (old)
		munmap(old, oldlen);
	unlock_tab();
}

static void do_munmap(struct thread *t)
{
	struct rng *r = &t->rng;
	int i = below(r, MAX_REGIONS);
	struct region g;
	size_t off, len;

	/*
	 * Under tab_lock: a region another thread already replaced may have
	 * its addresses reused (by a ring mmap, which this process touches).
	 */
	lock_tab();
	g = regions[i];
	if (!g.addr) {
		unlock_tab();
		return;
	}
	if (chance(r, 50)) {
		regions[i].addr = NULL;
		regions[i].len = 0;
		note(OP_MUNMAP, munmap(g.addr, g.len) ? -errno : 0);
		unlock_tab();
		return;
	}
	/*
	 * Punch a hole and fill it again with fresh zero pages, at once and
	 * always: a hole left open could take a ring mmap that later region
	 * operations (mprotect, MADV_DONTNEED) would hit.  A PROT_NONE fill
	 * leaves the slot partly unusable instead.
	 */
	off = below(r, g.len / PAGE) * PAGE;
	len = (1 + below(r, (g.len - off) / PAGE)) * PAGE;
	note(OP_MUNMAP, munmap(g.addr + off, len) ? -errno : 0);
	mmap(g.addr + off, len, chance(r, 70) ? PROT_READ | PROT_WRITE : PROT_NONE,
	     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	unlock_tab();
}

static void do_mremap(struct thread *t)
{
	struct rng *r = &t->rng;
	int i = below(r, MAX_REGIONS);
	struct region g;
	size_t nlen;
	char *p;

	lock_tab();
	g = regions[i];
	if (!g.addr) {
		unlock_tab();
		return;
	}
	nlen = chance(r, 50) ? g.len : (1 + below(r, 128)) * PAGE;
	p = mremap(g.addr, g.len, nlen, MREMAP_MAYMOVE |
		   (chance(r, 30) && nlen == g.len ? 0 : 0));
	if (p != MAP_FAILED) {
		/* moved away and maybe back: the old range is now empty */
		regions[i].addr = p;
		regions[i].len = nlen;
	}
	unlock_tab();
	note(OP_MREMAP, p == MAP_FAILED ? -errno : 0);
}

static void do_mprotect_dontneed(struct thread *t)
{
	struct rng *r = &t->rng;
	int i = below(r, MAX_REGIONS);
	struct region g;
	size_t off, len;
	int prot;

	lock_tab();	/* see do_munmap() */
	g = regions[i];
	if (!g.addr) {
		unlock_tab();
		return;
	}
	off = below(r, g.len / PAGE) * PAGE;
	len = (1 + below(r, (g.len - off) / PAGE)) * PAGE;
	if (chance(r, 50)) {
		note(OP_DONTNEED, madvise(g.addr + off, len, MADV_DONTNEED) ?
		     -errno : 0);
	} else {
		prot = below(r, 4) == 0 ? PROT_NONE : chance(r, 30) ? PROT_READ :
		       PROT_READ | PROT_WRITE;
		note(OP_MPROTECT, mprotect(g.addr + off, len, prot) ? -errno : 0);
	}
	unlock_tab();
}

/* A child (another mm) uses the inherited fds: every ioctl is -EIO. */
static void do_fork(struct thread *t)
{
	struct rng *r = &t->rng;
	int vm = pick_vm(r), vcpu = pick_vcpu(r), st;
	pid_t pid;

	if (vm < 0 && vcpu < 0)
		return;
	pid = fork();
	if (pid < 0) {
		note(OP_FORK, -errno);
		return;
	}
	if (pid == 0) {
		/* (t->buf is not in the child: must_map()) */
		struct secmmu_access a = { 0 };
		struct secmmu_stats s;
		char data[8];
		int bad = 0;

		if (vm >= 0 && ioctl(vm, SECMMU_GET_STATS, &s) == 0)
			bad = 1;
		if (vm >= 0 && ioctl(vm, SECMMU_CREATE_VCPU, 63) >= 0)
			bad = 1;
		a.op.len = sizeof(data);
		a.op.buf = (uintptr_t)data;
		if (vcpu >= 0 && ioctl(vcpu, SECMMU_ACCESS, &a) == 0)
			bad = 1;
		if (chance(r, 50) && vm >= 0)
			close(vm);	/* the child's copy only */
		_exit(bad ? 3 : 0);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 3)
		anomaly("a forked child (another mm) used a VM successfully");
	note(OP_FORK, 0);
}

static void do_signal(struct thread *t)
{
	int i = below(&t->rng, nthreads);

	note(OP_SIGNAL, pthread_kill(threads[i], SIGUSR1) ? -EINVAL : 0);
}

/* ---- dirty tracking (rings and bitmaps) ---- */

#define MAX_RINGS	8
static struct region rings[MAX_RINGS];	/* under tab_lock while touched */

static void do_enable_ring(struct thread *t)
{
	struct rng *r = &t->rng;
	int vm = pick_vm(r);
	unsigned long n;

	if (vm < 0)
		return;
	n = chance(r, 70) ? (unsigned long)SECMMU_DIRTY_RING_MIN << below(r, 9) :
	    edge(r, SECMMU_DIRTY_RING_MAX);
	note(OP_ENABLE_RING, xioctl(vm, SECMMU_ENABLE_DIRTY_RING, n));
}

static void do_reset_ring(struct thread *t)
{
	struct rng *r = &t->rng;
	int fd;

	if (chance(r, 50)) {
		fd = pick_vm(r);
		if (fd >= 0)
			note(OP_RESET_RINGS, xioctl(fd, SECMMU_RESET_DIRTY_RINGS,
						    rnd(r)));
		return;
	}
	fd = pick_vcpu(r);
	if (fd >= 0)
		note(OP_RESET_RING, xioctl(fd, SECMMU_RESET_DIRTY_RING, rnd(r)));
}

static void do_harvest(struct thread *t)
{
	struct secmmu_harvest h;
	struct rng *r = &t->rng;
	int fd = pick_vcpu(r);

	if (fd < 0)
		return;
	memset(&h, 0, sizeof(h));
	h.max = chance(r, 80) ? below(r, 4096) : edge(r, SECMMU_DIRTY_RING_MAX);
	if (h.max > BUF_SIZE / sizeof(struct secmmu_dirty_gfn))
		h.entries = some_ptr(r, t->buf, 64);
	else
		h.entries = chance(r, 90) ? (uintptr_t)t->buf :
			    some_ptr(r, t->buf, BUF_SIZE);
	h.count = junk(r, 5);
	h.reserved[below(r, 2)] = junk(r, 5);
	note(OP_HARVEST, xioctl(fd, SECMMU_HARVEST, (unsigned long)&h));
}

static void do_dirty_log(struct thread *t)
{
	struct secmmu_dirty_log dl;
	struct rng *r = &t->rng;
	int vm = pick_vm(r);
	bool clear = chance(r, 40);

	if (vm < 0)
		return;
	memset(&dl, 0, sizeof(dl));
	dl.slot = chance(r, 90) ? below(r, 8) : edge(r, SECMMU_MAX_MEMSLOTS);
	dl.first_page = chance(r, 80) ? below(r, 16) * 64 : edge(r, 1 << 21);
	dl.num_pages = chance(r, 80) ? 1 + below(r, 1024) :
		       edge(r, SECMMU_MAX_SLOT_PAGES);
	dl.bitmap = dl.num_pages / 8 < BITMAP_BYTES && chance(r, 90) ?
		    (uintptr_t)t->bitmap : some_ptr(r, t->bitmap, BITMAP_BYTES);
	dl.flags = junk(r, 5);
	dl.reserved[below(r, 2)] = junk(r, 5);
	if (clear)
		memset(t->bitmap, 0xff, 1024);
	note(clear ? OP_CLEAR_DIRTY_LOG : OP_GET_DIRTY_LOG,
	     xioctl(vm, clear ? SECMMU_CLEAR_DIRTY_LOG : SECMMU_GET_DIRTY_LOG,
		    (unsigned long)&dl));
}

static void do_ring_mmap(struct thread *t)
{
	struct rng *r = &t->rng;
	int fd = chance(r, 95) ? pick_vcpu(r) : pick_vm(r);
	int i = below(r, MAX_RINGS), prot, flags;
	size_t len;
	off_t off;
	void *p;

	if (fd < 0)
		return;
	len = chance(r, 80) ? ((size_t)SECMMU_DIRTY_RING_MIN << below(r, 9)) *
	      sizeof(struct secmmu_dirty_gfn) : edge(r, 1 << 22);
	off = chance(r, 90) ? (off_t)(SECMMU_DIRTY_RING_PGOFF * PAGE) :
	      (off_t)(edge(r, 256) * PAGE);
	prot = chance(r, 90) ? PROT_READ | PROT_WRITE :
	       (int)(below(r, 8) & (PROT_READ | PROT_WRITE | PROT_EXEC));
	flags = chance(r, 90) ? MAP_SHARED : MAP_PRIVATE;
	p = mmap(NULL, len, prot, flags, fd, off);
	note(OP_RING_MMAP, p == MAP_FAILED ? -errno : 0);
	if (p == MAP_FAILED)
		return;
	if (prot != (PROT_READ | PROT_WRITE) || flags != MAP_SHARED) {
		munmap(p, len);		/* only rw shared maps are scribbled on */
		return;
	}
	lock_tab();
	if (rings[i].addr)
		munmap(rings[i].addr, rings[i].len);
	rings[i].addr = p;
	rings[i].len = len;
	unlock_tab();
}

static void do_ring_touch(struct thread *t)
{
	struct rng *r = &t->rng;
	int i = below(r, MAX_RINGS);
	struct secmmu_dirty_gfn *e;
	size_t n, k;

	lock_tab();
	if (!rings[i].addr) {
		unlock_tab();
		return;
	}
	if (chance(r, 30)) {
		note(OP_RING_MUNMAP, munmap(rings[i].addr, rings[i].len) ? -errno : 0);
		rings[i].addr = NULL;
		unlock_tab();
		return;
	}
	/* harvest like userspace would, and sometimes corrupt the ring */
	e = (void *)rings[i].addr;
	n = rings[i].len / sizeof(*e);
	for (k = 0; k < n && k < 4096; k++) {
		uint32_t f = __atomic_load_n(&e[k].flags, __ATOMIC_ACQUIRE);

		if (f == SECMMU_DIRTY_GFN_F_DIRTY)
			__atomic_store_n(&e[k].flags, SECMMU_DIRTY_GFN_F_RESET,
					 __ATOMIC_RELEASE);
	}
	if (chance(r, 30)) {
		k = below(r, n);
		switch (below(r, 4)) {
		case 0: e[k].flags = rnd(r); break;
		case 1: e[k].slot = chance(r, 50) ? rnd(r) : below(r, 40); break;
		case 2: e[k].offset = edge(r, SECMMU_MAX_SLOT_PAGES); break;
		default: e[k].flags = SECMMU_DIRTY_GFN_F_RESET; break;
		}
	}
	note(OP_RING_SCRIBBLE, 0);
	unlock_tab();
}

struct weighted {
	const char *name;
	void (*fn)(struct thread *t);
	unsigned int w;
};

/*
 * Weights: the steps are mostly cheap ioctls (the vCPU access and fault
 * paths first); the dear ones (fork, VM open and close, memslot changes
 * with their SRCU grace periods, mmap and munmap with their invalidations)
 * are rarer but still thousands of times per long run.  See README for
 * what each cost on the KASAN kernel.
 */
static const struct weighted table[] = {
	{ "open_vm", do_open_vm, 3 },
	{ "close_vm", do_close_vm, 2 },
	{ "create_vcpu", do_create_vcpu, 8 },
	{ "close_vcpu", do_close_vcpu, 3 },
	{ "version_cap", do_version_cap, 12 },
	{ "enable_cap", do_enable_cap, 12 },
	{ "set_memslot", do_set_memslot, 16 },
	{ "del_memslot", do_del_memslot, 6 },
	{ "set_view", do_set_view, 12 },
	{ "get_spte", do_get_spte, 32 },
	{ "get_stats", do_get_stats, 8 },
	{ "age", do_age, 24 },
	{ "access", do_access, 120 },
	{ "batch", do_batch, 32 },
	{ "unknown_ioctl", do_unknown_ioctl, 12 },
	{ "wrong_fd", do_wrong_fd, 8 },
	{ "mmap", do_mmap, 4 },
	{ "munmap", do_munmap, 3 },
	{ "mremap", do_mremap, 3 },
	{ "mprotect_dontneed", do_mprotect_dontneed, 6 },
	{ "fork", do_fork, 1 },
	{ "signal", do_signal, 8 },
	{ "enable_ring", do_enable_ring, 6 },
	{ "reset_ring", do_reset_ring, 12 },
	{ "harvest", do_harvest, 12 },
	{ "dirty_log", do_dirty_log, 16 },
	{ "ring_mmap", do_ring_mmap, 4 },
	{ "ring_touch", do_ring_touch, 12 },
};

#define NR_STEPS	ARRAY_SIZE(table)

/* Per step kind: how often it ran, the calls it made, its time. */
struct step_acct {
	unsigned long steps, calls;
	uint64_t ns, cpu_ns, wait_ns;
};

/*
 * This thread's CPU time, user and system: what a step cost the machine.
 * A system call each time (the wall clock is not), so only every
 * CPU_SAMPLE-th step of a thread is measured, and counts CPU_SAMPLE times.
 */
#define CPU_SAMPLE	8

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * KCOV-guided input selection.  An input is a step kind and the seed of
 * its draws (and a mutation of them); one that reached secmmu edges no
 * step had reached before joins the corpus.  A guided thread re-runs a
 * corpus input, as it was or mutated, for CORPUS_PCT of its steps, and
 * draws a fresh one otherwise.  The fds, regions and VM state it meets
 * are those of the moment, so a re-run is a variation, not a replay.
 */
#define CORPUS_MAX	4096
#define CORPUS_PCT	40

struct input {
	uint64_t seed, mseed;
	unsigned short step;
	unsigned short mut;	/* 0: the draws as they came */
};

static bool guided = true;	/* -G: off */
static bool have_cover;
static pthread_mutex_t corpus_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct input corpus[CORPUS_MAX];
static unsigned int corpus_n;
static unsigned long corpus_added, corpus_steps, corpus_finds;

static void pick_input(struct thread *t, struct input *in, bool *reused)
{
	static unsigned int sum;
	unsigned int i, x;

	*reused = false;
	if (guided && chance(&t->drv, CORPUS_PCT)) {
		pthread_mutex_lock(&corpus_mutex);
		if (corpus_n) {
			*in = corpus[below(&t->drv, corpus_n)];
			*reused = true;
		}
		pthread_mutex_unlock(&corpus_mutex);
		if (*reused) {
			/* a quarter as they were, the rest mutated anew */
			if (chance(&t->drv, 75)) {
				in->mseed = rnd(&t->drv);
				in->mut = 1 << below(&t->drv, 6);
			}
			return;
		}
	}
	if (!sum)
		for (i = 0; i < NR_STEPS; i++)
			sum += table[i].w;
	x = below(&t->drv, sum);
	for (i = 0; x >= table[i].w; i++)
		x -= table[i].w;
	in->step = i;
	in->seed = rnd(&t->drv);
	in->mseed = 0;
	in->mut = 0;
}

static void corpus_add(struct thread *t, const struct input *in)
{
	pthread_mutex_lock(&corpus_mutex);
	if (corpus_n < CORPUS_MAX)
		corpus[corpus_n++] = *in;
	else
		corpus[below(&t->drv, CORPUS_MAX)] = *in;
	corpus_added++;
	pthread_mutex_unlock(&corpus_mutex);
}

static void one_step(struct thread *t)
{
	unsigned long calls = my_calls, new_edges;
	uint64_t t0, c0, wait = my_wait_ns;
	struct step_acct *a;
	struct input in;
	bool reused, sample;

	pick_input(t, &in, &reused);
	t->rng.s = in.seed;
	t->rng.m = in.mseed;
	t->rng.mut = in.mut;
	if (reused)
		vlog(t, "corpus input: %s seed %#llx mutation %u/256",
		     table[in.step].name, (unsigned long long)in.seed, in.mut);
	cover_reset(&t->cov);
	sample = !(t->nsteps++ % CPU_SAMPLE);
	c0 = sample ? cpu_ns() : 0;
	t0 = now_ns();
	table[in.step].fn(t);
	a = &t->acct[in.step];
	a->ns += now_ns() - t0;
	if (sample)
		a->cpu_ns += (cpu_ns() - c0) * CPU_SAMPLE;
	a->wait_ns += my_wait_ns - wait;
	a->calls += my_calls - calls;
	a->steps++;
	new_edges = cover_collect(&t->cov);
	if (reused) {
		__atomic_add_fetch(&corpus_steps, 1, __ATOMIC_RELAXED);
		if (new_edges)
			__atomic_add_fetch(&corpus_finds, 1, __ATOMIC_RELAXED);
	}
	if (new_edges && guided)
		corpus_add(t, &in);
}

/*
 * Where the time went: per step kind, summed over the threads (so the
 * wall total is threads x run time, waits and preemption included), in
 * order of CPU time, the cost to the machine.
 */
static void print_acct(const struct thread *th, int n)
{
	struct step_acct sum[NR_STEPS] = { 0 };
	unsigned int order[NR_STEPS], i, j, k;
	uint64_t total = 0;
	int c;

	for (c = 0; c < n; c++) {
		for (i = 0; i < NR_STEPS; i++) {
			sum[i].steps += th[c].acct[i].steps;
			sum[i].calls += th[c].acct[i].calls;
			sum[i].ns += th[c].acct[i].ns;
			sum[i].cpu_ns += th[c].acct[i].cpu_ns;
			sum[i].wait_ns += th[c].acct[i].wait_ns;
		}
	}
	for (i = 0; i < NR_STEPS; i++) {
		total += sum[i].cpu_ns;
		for (j = i; j > 0 && sum[order[j - 1]].cpu_ns < sum[i].cpu_ns; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	printf("secmmu-fuzz: time per operation (summed over threads; ");
	printf("CPU: the thread's user + system time, sampled 1/%d)\n",
	       CPU_SAMPLE);
	printf("  %-18s %9s %9s %10s %10s %9s %6s %9s\n", "operation", "steps",
	       "calls", "wall ms", "CPU ms", "CPU us/c", "CPU %", "lock ms");
	for (i = 0; i < NR_STEPS; i++) {
		k = order[i];
		printf("  %-18s %9lu %9lu %10.1f %10.1f %9.1f %5.1f%% %9.1f\n",
		       table[k].name, sum[k].steps, sum[k].calls,
		       sum[k].ns / 1e6, sum[k].cpu_ns / 1e6,
		       sum[k].calls ? sum[k].cpu_ns / 1e3 / sum[k].calls : 0.0,
		       total ? 100.0 * sum[k].cpu_ns / total : 0.0,
		       sum[k].wait_ns / 1e6);
	}
}

/*
 * CPU time against the machine's: when the threads sleep (SRCU grace
 * periods, lock waits) more than they run, CPUs stand idle.
 */
static void print_cpu(double secs)
{
	struct rusage self, children;
	double user, sys;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &children);
	user = self.ru_utime.tv_sec + self.ru_utime.tv_usec / 1e6 +
	       children.ru_utime.tv_sec + children.ru_utime.tv_usec / 1e6;
	sys = self.ru_stime.tv_sec + self.ru_stime.tv_usec / 1e6 +
	      children.ru_stime.tv_sec + children.ru_stime.tv_usec / 1e6;
	printf("secmmu-fuzz: cpu: %.1f s user, %.1f s system in %.1f s on %ld cpus (%.0f%% busy)\n",
	       user, sys, secs, cpus,
	       secs > 0 && cpus > 0 ? 100 * (user + sys) / (secs * cpus) : 0.0);
}

/*
 * Chaos: what changes the memory and fds under the VMs rather than asking
 * secmmu something (mmap, munmap, mremap, mprotect, MADV_DONTNEED, fork,
 * signals, closes).
 */
static bool is_chaos(int op)
{
	switch (op) {
	case OP_CLOSE_VM: case OP_CLOSE_VCPU: case OP_MMAP: case OP_MUNMAP:
	case OP_MREMAP: case OP_MPROTECT: case OP_DONTNEED: case OP_FORK:
	case OP_SIGNAL: case OP_RING_MUNMAP:
		return true;
	default:
		return false;
	}
}

static pthread_barrier_t started;

static void start_cover(struct thread *t)
{
	int err;

	t->cov.fd = -1;
	if (!have_cover)
		return;
	err = cover_start(&t->cov);
	if (err)
		fprintf(stderr, "secmmu-fuzz: thread %d runs without kcov: %s\n",
			t->idx, strerror(-err));
}

static void *thread_main(void *arg)
{
	struct thread *t = arg;

	start_cover(t);
	/* every threads[] entry is set before anyone signals one */
	pthread_barrier_wait(&started);
	while (!stop)
		one_step(t);
	cover_stop(&t->cov);
	return NULL;
}

static void on_usr1(int sig)
{
	(void)sig;
}

/*
 * Per-thread buffers the kernel may write into, with PROT_NONE guard pages
 * on both sides: a pointer near the end plus a big length must be -EFAULT,
 * not a write over a neighbouring mapping (another thread's stack).
 * Not inherited by fork(): copying and then COW-faulting these 3.5 MiB a
 * thread made each fork step cost 0.2-0.4 s on the KASAN kernel; the
 * regions behind the memslots are inherited, as before.
 */
static void *must_map(size_t len)
{
	size_t guard = 1UL << 20;
	char *p = mmap(NULL, len + 2 * guard, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED ||
	    madvise(p, len + 2 * guard, MADV_DONTFORK) ||
	    mprotect(p + guard, len, PROT_READ | PROT_WRITE)) {
		perror("secmmu-fuzz: mmap");
		exit(2);
	}
	return p + guard;
}

int main(int argc, char **argv)
{
	static struct thread th[MAX_THREADS];
	struct sigaction sa = { .sa_handler = on_usr1 };	/* no SA_RESTART */
	uint64_t seed = 0, start, end;
	unsigned long chaos = 0, pcs, edges, overflows = 0;
	uint64_t cover_ns = 0;
	double secs;
	bool have_seed = false;
	unsigned long distinct = 0;
	int c, i, j, k;

	while ((c = getopt(argc, argv, "s:n:t:j:vG")) != -1) {
		switch (c) {
		case 's': seed = strtoull(optarg, NULL, 0); have_seed = true; break;
		case 'n': max_calls = strtoul(optarg, NULL, 0); break;
		case 't': max_secs = strtoul(optarg, NULL, 0); break;
		case 'j': nthreads = atoi(optarg); break;
		case 'v': verbose = 1; break;
		case 'G':
			guided = false;
			break;
		default:
			fprintf(stderr, "usage: %s [-s SEED] [-n CALLS] [-t SECONDS]%s\n",
				argv[0], " [-j THREADS] [-G] [-v]");
			return 2;
		}
	}
	if (nthreads < 1 || nthreads > MAX_THREADS)
		nthreads = 4;
	if (!have_seed) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = ts.tv_sec * 1000003ULL ^ ts.tv_nsec ^ getpid();
	}
	have_cover = cover_available();
	guided = guided && have_cover;
	printf("secmmu-fuzz: seed %llu (replay: -s %llu -n %lu -t %u -j %d%s)\n",
	       (unsigned long long)seed, (unsigned long long)seed, max_calls,
	       max_secs, nthreads, guided ? "" : " -G");
	printf("secmmu-fuzz: %s\n", guided ? "guided by kcov" :
	       have_cover ? "unguided (-G), kcov counts coverage" :
	       "unguided: no /sys/kernel/debug/kcov (a kernel without CONFIG_KCOV)");
	fflush(stdout);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < MAX_VMS; i++)
		for (j = 0; j < 8; j++)
			vcpu_fd[i][j] = -1;

	/* A starting state: one VM, a region, a memslot and a vCPU. */
	for (i = 0; i < nthreads; i++) {
		th[i].idx = i;
		th[i].drv.s = seed + i;
		th[i].rng.s = seed + i;
		th[i].buf = must_map(BUF_SIZE);
		th[i].ops = must_map((SECMMU_MAX_BATCH + 1) * sizeof(*th[i].ops));
		for (j = 0; j <= SECMMU_MAX_BATCH; j++)
			random_op(&th[i], &th[i].ops[j], true);
		th[i].bitmap = must_map(BITMAP_BYTES);
		th[i].bitmap2 = must_map(BITMAP_BYTES);
		th[i].acct = calloc(NR_STEPS, sizeof(*th[i].acct));
		if (!th[i].acct)
			return 2;
	}
	do_mmap(&th[0]);
	do_open_vm(&th[0]);
	do_create_vcpu(&th[0]);

	start = now_ns();
	end = start + max_secs * 1000000000ULL;
	if (nthreads == 1) {
		threads[0] = pthread_self();
		start_cover(&th[0]);
		while (!stop && now_ns() < end)
			one_step(&th[0]);
		cover_stop(&th[0].cov);
	} else {
		pthread_barrier_init(&started, NULL, nthreads);
		for (i = 0; i < nthreads; i++)
			pthread_create(&threads[i], NULL, thread_main, &th[i]);
		while (!stop && now_ns() < end)
			usleep(100000);
		stop = 1;
		for (i = 0; i < nthreads; i++)
			pthread_join(threads[i], NULL);
	}
	secs = (now_ns() - start) / 1e9;

	/* Close everything: module unload after this must succeed. */
	for (i = 0; i < MAX_RINGS; i++)
		if (rings[i].addr)
			munmap(rings[i].addr, rings[i].len);
	for (i = 0; i < MAX_VMS; i++) {
		for (j = 0; j < 8; j++)
			if (vcpu_fd[i][j] >= 0)
				close(vcpu_fd[i][j]);
		if (vm_fd[i] >= 0)
			close(vm_fd[i]);
	}

	printf("secmmu-fuzz: outcomes (operation: result x count)\n");
	for (i = 0; i < OP_NR; i++) {
		int n = 0;

		for (k = 0; k < NR_RES; k++) {
			if (!outcome[i][k])
				continue;
			if (!n++)
				printf("  %-18s", op_name[i]);
			if (k == RES_OK)
				printf(" ok");
			else if (k == RES_POSITIVE)
				printf(" >0");
			else if (k > MAX_ERRNO)
				printf(" exit%d", k - MAX_ERRNO - 1);
			else
				printf(" %s", strerrorname_np(k) ? strerrorname_np(k) : "E?");
			printf("x%lu", outcome[i][k]);
			distinct++;
			if (is_chaos(i))
				chaos += outcome[i][k];
		}
		if (n)
			printf("\n");
	}
	print_acct(th, nthreads);
	print_cpu(secs);
	cover_totals(&pcs, &edges);
	if (have_cover) {
		for (i = 0; i < nthreads; i++) {
			cover_ns += th[i].cov.ns;
			overflows += th[i].cov.overflows;
		}
		printf("secmmu-fuzz: kcov: %lu secmmu PCs, %lu edges; ",
		       pcs, edges);
		printf("corpus %u inputs (%lu added), %lu steps re-ran one ",
		       corpus_n, corpus_added, corpus_steps);
		printf("(%lu reached new edges); reading kcov took %.1f ms, ",
		       corpus_finds, cover_ns / 1e6);
		printf("%lu steps overflowed its area\n", overflows);
	}
	/* One line, which the rigs grep: "^secmmu-fuzz: seed .* calls" */
	printf("secmmu-fuzz: seed %llu, %lu calls in %.0f s (%.0f/s), ",
	       (unsigned long long)seed, total_calls, secs,
	       secs > 0 ? total_calls / secs : 0.0);
	printf("%lu distinct (op, result) outcomes, %lu chaos operations, ",
	       distinct, chaos);
	printf("%lu anomalies, ", anomalies);
	if (have_cover)
		printf("%s, %lu kcov edges\n", guided ? "guided" : "unguided", edges);
	else
		printf("unguided, no kcov\n");
	return anomalies ? 1 : 0;
}
