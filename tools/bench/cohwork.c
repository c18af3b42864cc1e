// SPDX-License-Identifier: GPL-2.0
/*
 * The workload of series coherence, the same in every subject process
 * (coh.h has the commands).  Built into secmmu-bench (secmmu's subjects,
 * cohsecmmu.c) and into secmmu-dmirror (test_hmm's dmirror, hmm/dmirror.c):
 * nothing here knows which secondary MMU it drives.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "coh.h"

#define PG		4096UL
#define MSLOT_NP	64		/* pages of the range in mslot */
#define XSLOT_NP	16		/* pages of each other memslot */
#define SPIN_PER_PAGE	2000		/* the scaling control's work */
#define MPOL_MF_MOVE_	2

#define MAX_K		64		/* iterations per sample */

static const struct coh_backend *be;
static FILE *reply;
static size_t max_np;
/* move_pages()'s arrays, max_np entries each. */
static void **mv_pages;
static int *mv_nodes, *mv_status;

void coh_fatal(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "coherence subject %s: FATAL: ", be ? be->name : "?");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static unsigned long long ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int cmp_ull(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a;
	unsigned long long y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

/* The median of @n values (sorts them). */
static unsigned long long median_ull(unsigned long long *v, unsigned long n)
{
	qsort(v, n, sizeof(*v), cmp_ull);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void pin_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu >= sysconf(_SC_NPROCESSORS_ONLN))
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);	/* best effort */
}

void *coh_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		coh_fatal("mmap %zu: %s", len, strerror(errno));
	if (madvise(p, len, MADV_DONTFORK))
		coh_fatal("MADV_DONTFORK: %s", strerror(errno));
	return p;
}

/* A fresh range of @np 4 KiB pages (no THP), every page written. */
static char *fresh(size_t np)
{
	char *p = mmap(NULL, np * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t i;

	if (p == MAP_FAILED)
		coh_fatal("mmap %zu pages: %s", np, strerror(errno));
	madvise(p, np * PG, MADV_NOHUGEPAGE);
	for (i = 0; i < np; i++)
		*(volatile uint64_t *)(p + i * PG) = i + 1;
	return p;
}

static void attach(int id, char *p, size_t np)
{
	if (be->attach)
		be->attach(id, p, np);
}

static void detach(int id)
{
	if (be->detach)
		be->detach(id);
}

/* The secondary MMU accesses @n pages at @q from thread @thr (untimed). */
static void access_pages(int thr, char *q, size_t n, bool write)
{
	if (!be->run)
		return;
	be->prep(thr, q, n, write);
	be->run(thr);
}

static long long zapped(void)
{
	return be->zapped ? be->zapped() : -1;
}

static void check_np(size_t np, unsigned long k)
{
	if (!np || np > max_np)
		coh_fatal("%zu pages: not in 1..%zu", np, max_np);
	if (!k || k > MAX_K)
		coh_fatal("%lu iterations: not in 1..%d", k, MAX_K);
}

static void cmd_fault(size_t np, unsigned long k)
{
	unsigned long long cold[MAX_K] = {}, warm[MAX_K] = {}, t;
	unsigned long i;
	char *p;

	check_np(np, k);
	for (i = 0; i < k; i++) {
		p = fresh(np);
		attach(0, p, np);
		if (be->run) {
			be->prep(0, p, np, false);
			t = ns();
			be->run(0);
			cold[i] = ns() - t;
			t = ns();
			be->run(0);
			warm[i] = ns() - t;
		}
		detach(0);
		munmap(p, np * PG);
	}
	fprintf(reply, "%llu %llu\n", median_ull(cold, k), median_ull(warm, k));
}

/* One invalidation @op of @np fresh pages the secondary MMU wrote: ns. */
static unsigned long long inval_once(int op, size_t np, long long *zap,
				     size_t *moved)
{
	unsigned long long t = 0;
	long long z0, z1;
	size_t len = np * PG, i;
	char *p;
	pid_t pid;
	int r = 0, st;

	*moved = 0;
	p = fresh(np);
	attach(0, p, np);
	access_pages(0, p, np, true);
	if (op == COH_MIGRATE)
		for (i = 0; i < np; i++) {
			mv_pages[i] = p + i * PG;
			mv_nodes[i] = 1;
			mv_status[i] = -1;
		}
	z0 = zapped();
	switch (op) {
	case COH_MUNMAP:
		t = ns();
		r = munmap(p, len);
		t = ns() - t;
		break;
	case COH_DONTNEED:
		t = ns();
		r = madvise(p, len, MADV_DONTNEED);
		t = ns() - t;
		break;
	case COH_MPROTECT:
		t = ns();
		r = mprotect(p, len, PROT_READ);
		t = ns() - t;
		break;
	case COH_FORK:
		fflush(reply);
		t = ns();
		pid = fork();
		t = ns() - t;
		if (!pid)
			_exit(0);
		r = pid < 0 || waitpid(pid, &st, 0) != pid;
		break;
	case COH_MIGRATE:
		t = ns();
		r = syscall(SYS_move_pages, 0, np, mv_pages, mv_nodes, mv_status,
			    MPOL_MF_MOVE_) < 0;
		t = ns() - t;
		for (i = 0; i < np; i++)
			*moved += mv_status[i] == 1;
		break;
	}
	if (r)
		coh_fatal("inval op %d of %zu pages: %s", op, np, strerror(errno));
	z1 = zapped();
	detach(0);
	if (op != COH_MUNMAP)
		munmap(p, len);
	*zap = z0 < 0 ? -1 : z1 - z0;
	return t;
}

/* The median of @k invalidations, the fewest leaves zapped, pages moved. */
static void cmd_inval(int op, size_t np, unsigned long k)
{
	unsigned long long t[MAX_K];
	long long z, zmin = 0;
	size_t mv, mvmin = 0;
	unsigned long i;

	check_np(np, k);
	if (op < 0 || op >= COH_NR_OPS)
		coh_fatal("inval: no operation %d", op);
	for (i = 0; i < k; i++) {
		t[i] = inval_once(op, np, &z, &mv);
		if (!i || z < zmin)
			zmin = z;
		if (!i || mv < mvmin)
			mvmin = mv;
	}
	fprintf(reply, "%llu %lld %zu\n", median_ull(t, k), zmin, mvmin);
}

struct worker {
	pthread_t thr;
	int id;
	char *q;
	size_t n;
	pthread_barrier_t *ready, *go;
	volatile uint64_t acc;
};

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	uint64_t x = w->id + 1, i;

	pin_cpu(w->id);
	if (be->run)
		be->prep(w->id, w->q, w->n, false);
	pthread_barrier_wait(w->ready);
	pthread_barrier_wait(w->go);
	if (be->run) {
		be->run(w->id);
		return NULL;
	}
	/* No secondary MMU: the machine's own scaling, arithmetic. */
	for (i = 0; i < w->n * SPIN_PER_PAGE; i++)
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	w->acc = x;
	return NULL;
}

static void cmd_scale(size_t np, unsigned long nthr)
{
	struct worker w[COH_THREADS];
	pthread_barrier_t ready, go;
	unsigned long long t;
	unsigned long i;
	size_t per;
	char *p;

	check_np(np, 1);
	if (nthr < 1 || nthr > COH_THREADS)
		coh_fatal("scale: %lu threads", nthr);
	per = np / nthr;
	p = fresh(np);
	attach(0, p, np);
	pthread_barrier_init(&ready, NULL, nthr + 1);
	pthread_barrier_init(&go, NULL, nthr + 1);
	for (i = 0; i < nthr; i++) {
		w[i].id = i;
		w[i].q = p + i * per * PG;
		w[i].n = per;
		w[i].ready = &ready;
		w[i].go = &go;
		if (pthread_create(&w[i].thr, NULL, worker_fn, &w[i]))
			coh_fatal("pthread_create");
	}
	pthread_barrier_wait(&ready);
	t = ns();
	pthread_barrier_wait(&go);
	for (i = 0; i < nthr; i++)
		pthread_join(w[i].thr, NULL);
	t = ns() - t;
	pthread_barrier_destroy(&ready);
	pthread_barrier_destroy(&go);
	detach(0);
	munmap(p, np * PG);
	fprintf(reply, "%llu\n", t);
}

static void cmd_mslot(unsigned long nslots, bool in, unsigned long k)
{
	char *main_r, *out, *xs[COH_MAX_SLOTS];
	unsigned long long t[MAX_K], t0;
	long long z0, z1;
	unsigned long i;

	if (nslots < 1 || nslots > COH_MAX_SLOTS || !k || k > MAX_K)
		coh_fatal("mslot %lu %d %lu: out of range", nslots, in, k);
	main_r = fresh(MSLOT_NP);
	attach(0, main_r, MSLOT_NP);
	for (i = 1; i < nslots; i++) {
		xs[i] = fresh(XSLOT_NP);
		attach(i, xs[i], XSLOT_NP);
		access_pages(0, xs[i], XSLOT_NP, true);
	}
	out = fresh(k);
	z0 = zapped();
	for (i = 0; i < k; i++) {
		char *q = in ? main_r + (i % MSLOT_NP) * PG : out + i * PG;

		*(volatile uint64_t *)q = i;
		if (in)
			access_pages(0, q, 1, true);
		t0 = ns();
		if (madvise(q, PG, MADV_DONTNEED))
			coh_fatal("MADV_DONTNEED: %s", strerror(errno));
		t[i] = ns() - t0;
	}
	z1 = zapped();
	for (i = 1; i < nslots; i++) {
		detach(i);
		munmap(xs[i], XSLOT_NP * PG);
	}
	detach(0);
	munmap(main_r, MSLOT_NP * PG);
	munmap(out, k * PG);
	fprintf(reply, "%llu %lld\n", median_ull(t, k), z0 < 0 ? -1 : z1 - z0);
}

int coh_serve(const struct coh_backend *b, size_t maxpages)
{
	unsigned long a, c, d;
	char line[128], cmd[16];
	int n;

	be = b;
	max_np = maxpages;
	reply = fdopen(3, "w");
	if (!reply)
		return 2;
	setvbuf(reply, NULL, _IOLBF, 0);
	mv_pages = coh_alloc(max_np * sizeof(*mv_pages));
	mv_nodes = coh_alloc(max_np * sizeof(*mv_nodes));
	mv_status = coh_alloc(max_np * sizeof(*mv_status));
	fprintf(reply, "ready\n");
	while (fgets(line, sizeof(line), stdin)) {
		n = sscanf(line, "%15s %lu %lu %lu", cmd, &a, &c, &d);
		if (n < 1 || !strcmp(cmd, "q"))
			break;
		if (!strcmp(cmd, "fault") && n == 3)
			cmd_fault(a, c);
		else if (!strcmp(cmd, "inval") && n == 4)
			cmd_inval(a, c, d);
		else if (!strcmp(cmd, "scale") && n == 3)
			cmd_scale(a, c);
		else if (!strcmp(cmd, "mslot") && n == 4)
			cmd_mslot(a, c, d);
		else
			coh_fatal("bad command '%s'", line);
	}
	return 0;
}
