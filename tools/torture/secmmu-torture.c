// SPDX-License-Identifier: GPL-2.0
/*
 * secmmu-torture: vCPU threads read and write a verifiable pattern through
 * the secondary MMU (views 0 and 1, which alias the same memslot, so gfns
 * are mapped by several SPTEs) while an aging thread sweeps SECMMU_AGE, a
 * collector harvests and resets the dirty rings of the logging memslot
 * (dirty.c: no vCPU write may go unreported), and
 * a chaos thread changes the memory behind the memslot in every way the
 * mm allows: munmap+mmap, mremap away with a fresh page put in place,
 * MADV_DONTNEED, mprotect read-only windows, fork (COW) with a child that
 * checks its snapshot, move_pages between NUMA nodes, KSM merging, THP
 * collapse, and memory.reclaim (swap) in a cgroup v2 memcg the process
 * joined before allocating anything.
 *
 * Pattern.  Every 8-byte word of page p is W(p, gen) = gen << 32 | tag << 8
 * | 0x5a, tag = p (or KSM_TAG in the KSM zone, whose pages are made
 * identical so that ksmd merges them).  Whoever changes a page (a vCPU
 * writer or the chaos thread) owns it: it takes the page's seqcount odd
 * (seq[p], a trylock), changes the content, publishes the new generation
 * in pub[p] and makes seq[p] even again.  Then:
 *
 *   - a read that saw seq[p] even and unchanged around it must return
 *     exactly W(p, pub[p]) in every word, and must not fail;
 *   - any other read must not return a well-formed word of a generation
 *     older than pub[p] as loaded before the read began (a stale page);
 *     zero words (a fresh page) and torn words (a concurrent write) are
 *     counted, not failures;
 *   - a vCPU write must land in the page the process sees: after writing
 *     W(p, g + 1) through the secondary MMU, the writer reads the page
 *     through its own pointer and must find exactly that;
 *   - a write through the secondary MMU while the page is read-only must
 *     fail with -EFAULT;
 *   - a forked child's copy of pages pinned (locked) at fork time must keep
 *     their generation while the parent writes them through secmmu;
 *   - every page a vCPU wrote is collected from the dirty rings, after their
 *     reset, at that generation or a newer one (dirty.c).
 *
 * usage: secmmu-torture [-s SEED] [-t SECONDS] [-r RMAP_MODE] [-c VCPUS]
 *                       [-R RING_ENTRIES] [-y COHERENCE] [-A] [-C] [-D]
 *   -r  SECMMU_RMAP_* for SECMMU_ENABLE_CAP (default 0, LOCKED)
 *   -y  SECMMU_CAP_COHERENCE value (a SECMMU_COHERENCE_* style, | 256 for
 *       SECMMU_COHERENCE_AGING); default: picked from the seed among the
 *       styles the kernel has
 *   -R  dirty ring entries per vCPU (default SECMMU_DIRTY_RING_MIN, 256:
 *       the collector's slow rounds wait for a writer to meet a full ring)
 *   -A  no aging thread; -C no chaos thread; -D no dirty logging (to tell
 *       who slows what)
 * Prints operations per type, duration, and mismatches; exit 0 only with
 * no mismatch and no unexpected error.
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
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/secmmu.h>

#include "torture.h"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25
#endif
#ifndef MPOL_MF_MOVE
#define MPOL_MF_MOVE	(1 << 1)
#endif

#define HUGE		(2UL << 20)
#define RING_ENTRIES	SECMMU_DIRTY_RING_MIN	/* per vCPU (-R): fills up */

/* ------------------------------------------------------------------ */

enum { C_REMAP, C_DONTNEED, C_MREMAP, C_MPROTECT, C_FORK, C_MIGRATE,
       C_KSM, C_THP, C_RECLAIM, C_NR };
static const char *const chaos_name[C_NR] = {
	"munmap+mmap", "madv_dontneed", "mremap+replace", "mprotect_ro",
	"fork+exit", "move_pages", "ksm_merge", "thp_collapse",
	"memory.reclaim",
};

struct vcpu_stats {
	unsigned long reads, batch_reads, writes, relaxed, zero_words,
		      torn_words, read_errors_relaxed, busy;
};

char *mem;
int vm_fd;
uint64_t pub[NP];
uint64_t seq[NP];
volatile int stop;
bool have_ksm;
static long coherence = -1;
static int nvcpus = 2, rmap_mode, nodes = 1, no_age, no_chaos, chaos_vcpu = -1;
static bool have_memcg, have_thp;
static char cg_path[256];

static unsigned long mismatches, errors;
static unsigned long chaos_ops[C_NR], chaos_skipped[C_NR];
static uint64_t chaos_ns[C_NR];
static unsigned long age_ops, age_young, age_errors, age_fast_failed;
static struct vcpu_stats vstats[MAX_VCPUS];
static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long reported;

void fail(const char *fmt, ...)
{
	va_list ap;

	__atomic_add_fetch(&mismatches, 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&report_lock);
	if (reported++ < 20) {
		va_start(ap, fmt);
		fprintf(stderr, "secmmu-torture: MISMATCH: ");
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		va_end(ap);
	}
	pthread_mutex_unlock(&report_lock);
}

void error(const char *fmt, ...)
{
	va_list ap;

	__atomic_add_fetch(&errors, 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&report_lock);
	if (reported++ < 20) {
		va_start(ap, fmt);
		fprintf(stderr, "secmmu-torture: ERROR: ");
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		va_end(ap);
	}
	pthread_mutex_unlock(&report_lock);
}

uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void fill(uint64_t *buf, unsigned int p, uint64_t gen)
{
	uint64_t w = W(p, gen);
	unsigned int i;

	for (i = 0; i < WORDS; i++)
		__atomic_store_n(&buf[i], w, __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------------ */
/* Page ownership: seq[p] odd = being changed (by the lock holder).     */

bool page_trylock(unsigned int p)
{
	uint64_t s = __atomic_load_n(&seq[p], __ATOMIC_RELAXED);

	return !(s & 1) && __atomic_compare_exchange_n(&seq[p], &s, s + 1, false,
						       __ATOMIC_SEQ_CST,
						       __ATOMIC_RELAXED);
}

void page_lock(unsigned int p)
{
	while (!page_trylock(p))
		sched_yield();
}

void page_unlock(unsigned int p)
{
	__atomic_add_fetch(&seq[p], 1, __ATOMIC_SEQ_CST);
}

static void publish(unsigned int p, uint64_t gen)
{
	__atomic_store_n(&pub[p], gen, __ATOMIC_SEQ_CST);
}

static void lock_range(unsigned int p, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		page_lock(p + i);
}

static void unlock_range(unsigned int p, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		page_unlock(p + i);
}

/* ------------------------------------------------------------------ */
/* Secondary MMU access.                                                */

static uint64_t gpa_of(unsigned int p, int view)
{
	return ((view ? VBASE : GBASE) + p) * PAGE;
}

/* One full-page access; 0, -errno, or 1000 + exit reason. */
static int smu_page(int vcpu, unsigned int p, int view, void *buf, bool write)
{
	struct secmmu_access a;

	memset(&a, 0, sizeof(a));
	a.op.gpa = gpa_of(p, view);
	a.op.buf = (uintptr_t)buf;
	a.op.len = PAGE;
	a.op.view = view;
	a.op.flags = write ? SECMMU_ACCESS_WRITE : 0;
	if (ioctl(vcpu, SECMMU_ACCESS, &a))
		return -errno;
	if (a.exit_reason)
		return 1000 + a.exit_reason;
	if (a.done != PAGE)
		return 2000;
	return 0;
}

#define RING_FULL	(1000 + SECMMU_EXIT_DIRTY_RING_FULL)

/*
 * A write that stopped at SECMMU_EXIT_DIRTY_RING_FULL: it must have
 * dirtied nothing (the caller owns page @p and gives it up).
 */
static void ring_full(unsigned int p, const char *who)
{
	long bad = check_exact(page_ptr(p), p, pub[p]);

	dirty_ring_full();
	if (bad >= 0)
		fail("%s: a write to page %u that met a full dirty ring changed word %ld to %#llx",
		     who, p, bad, (unsigned long long)page_ptr(p)[bad]);
}

/* Verify one page read at snapshot (s0, g0), with seq s1 after the read. */
static void verify_read(struct vcpu_stats *st, const uint64_t *buf,
			unsigned int p, uint64_t s0, uint64_t g0, uint64_t s1,
			int ret, int view)
{
	bool quiet = s0 == s1 && !(s0 & 1);
	uint64_t good_tag = tag_of(p);
	unsigned int i;
	long bad;

	if (ret) {
		if (quiet)
			fail("read of quiet page %u (view %d) failed: %d", p, view, ret);
		else
			st->read_errors_relaxed++;
		return;
	}
	if (quiet) {
		bad = check_exact(buf, p, g0);
		if (bad >= 0)
			fail("page %u view %d: word %ld is %#llx, want %#llx (gen %llu, quiet)",
			     p, view, bad, (unsigned long long)buf[bad],
			     (unsigned long long)W(p, g0), (unsigned long long)g0);
		return;
	}
	st->relaxed++;
	for (i = 0; i < WORDS; i++) {
		uint64_t w = buf[i];

		if (!w) {
			st->zero_words++;
			continue;
		}
		if ((w & 0xff) != 0x5a || ((w >> 8) & 0xffffff) != good_tag) {
			st->torn_words++;
			continue;
		}
		if ((w >> 32) < g0) {
			fail("page %u view %d: STALE word %u gen %llu < published %llu",
			     p, view, i, (unsigned long long)(w >> 32),
			     (unsigned long long)g0);
			return;
		}
	}
}

struct vcpu_arg {
	int idx, fd;
	uint64_t rng;
};

#define BATCH	8

static void *vcpu_main(void *arg)
{
	struct vcpu_arg *va = arg;
	struct vcpu_stats *st = &vstats[va->idx];
	uint64_t *buf = aligned_alloc(PAGE, BATCH * PAGE);
	struct secmmu_access_op ops[BATCH];
	uint64_t s0[BATCH], g0[BATCH];
	unsigned int pg[BATCH];

	while (!stop) {
		uint64_t r = rnd(&va->rng);
		unsigned int p = r % NP, i, n;
		int view = (r >> 20) & 1, ret;
		struct secmmu_access_batch b;

		if ((r >> 24) % 4 == 0) {
			/* write: own the page, write gen + 1, check the host sees it */
			uint64_t g;
			long bad;

			if (!page_trylock(p)) {
				st->busy++;
				continue;
			}
			g = pub[p] + 1;
			fill(buf, p, g);
			ret = smu_page(va->fd, p, view, buf, true);
			if (ret == RING_FULL) {
				ring_full(p, "vCPU");
				page_unlock(p);
				st->busy++;
				usleep(100);	/* the collector resets */
				continue;
			}
			if (ret) {
				fail("vCPU write of page %u (view %d) failed: %d", p, view, ret);
			} else {
				dirty_written(p, g);
				bad = check_exact(page_ptr(p), p, g);
				if (bad >= 0)
					fail("vCPU write of page %u (view %d) gen %llu LOST: host word %ld is %#llx",
					     p, view, (unsigned long long)g, bad,
					     (unsigned long long)page_ptr(p)[bad]);
				publish(p, g);
			}
			page_unlock(p);
			st->writes++;
			continue;
		}
		if ((r >> 24) % 4 == 1) {
			/* batch read of up to BATCH consecutive pages */
			n = 1 + (r >> 30) % BATCH;
			if (p + n > NP)
				p = NP - n;
			for (i = 0; i < n; i++) {
				pg[i] = p + i;
				s0[i] = __atomic_load_n(&seq[p + i], __ATOMIC_SEQ_CST);
				g0[i] = __atomic_load_n(&pub[p + i], __ATOMIC_SEQ_CST);
				ops[i].gpa = gpa_of(p + i, view);
				ops[i].buf = (uintptr_t)(buf + i * WORDS);
				ops[i].len = PAGE;
				ops[i].view = view;
				ops[i].flags = 0;
			}
			memset(&b, 0, sizeof(b));
			b.ops = (uintptr_t)ops;
			b.nr = n;
			ret = ioctl(va->fd, SECMMU_ACCESS_BATCH, &b) ? -errno : 0;
			if (!ret && b.exit_reason)
				ret = 1000 + b.exit_reason;
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			if (b.done > n)
				b.done = 0;
			/* the ops done read good data */
			for (i = 0; i < b.done; i++)
				verify_read(st, buf + i * WORDS, pg[i], s0[i], g0[i],
					    __atomic_load_n(&seq[pg[i]], __ATOMIC_SEQ_CST),
					    0, view);
			if (ret || b.done < n) {
				/* one of the rest must have been disturbed */
				bool disturbed = false;

				for (i = b.done; i < n; i++)
					if (s0[i] != __atomic_load_n(&seq[pg[i]], __ATOMIC_SEQ_CST) ||
					    (s0[i] & 1))
						disturbed = true;
				if (!disturbed)
					fail("batch read of pages %u..%u (view %d) stopped at op %u of %u: %d, no page disturbed",
					     p, p + n - 1, view, b.done, n, ret);
				else
					st->read_errors_relaxed++;
			}
			st->batch_reads++;
			continue;
		}
		/* single read */
		s0[0] = __atomic_load_n(&seq[p], __ATOMIC_SEQ_CST);
		g0[0] = __atomic_load_n(&pub[p], __ATOMIC_SEQ_CST);
		ret = smu_page(va->fd, p, view, buf, false);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		verify_read(st, buf, p, s0[0], g0[0],
			    __atomic_load_n(&seq[p], __ATOMIC_SEQ_CST), ret, view);
		st->reads++;
	}
	free(buf);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Aging: SECMMU_AGE sweeps (CLEAR mostly), flags varied.               */

static void *age_main(void *arg)
{
	static uint64_t young[NP / 64], ff[NP / 64];
	uint64_t rng = (uintptr_t)arg;

	while (!stop) {
		uint64_t r = rnd(&rng);
		struct secmmu_age a;
		unsigned int start = r % NP, n = 1 + (r >> 16) % NP;

		if (start + n > NP)
			n = NP - start;
		memset(&a, 0, sizeof(a));
		a.flags = (r >> 32) % 8 ? SECMMU_AGE_CLEAR : SECMMU_AGE_TEST;
		if ((r >> 36) & 1)
			a.flags |= SECMMU_AGE_FAST_ONLY;
		if ((r >> 37) & 1)
			a.flags |= SECMMU_AGE_LOOKAROUND;
		if (!((r >> 38) % 4)) {
			a.flags &= ~SECMMU_AGE_LOOKAROUND;
			a.flags |= SECMMU_AGE_HVA;
			a.start = (uintptr_t)page_ptr(start);
		} else {
			a.start = GBASE + start;
		}
		if ((r >> 40) & 1)
			start = 0, n = NP, a.start = a.flags & SECMMU_AGE_HVA ?
				(uintptr_t)mem : GBASE;
		a.npages = n;
		a.young = (uintptr_t)young;
		a.fast_failed = (uintptr_t)ff;
		if (ioctl(vm_fd, SECMMU_AGE, &a)) {
			error("SECMMU_AGE(flags %#x, start %#llx, %u pages): %s",
			      a.flags, (unsigned long long)a.start, n, strerror(errno));
			age_errors++;
			usleep(10000);
			continue;
		}
		age_ops++;
		age_young += a.nr_young;
		age_fast_failed += a.nr_fast_failed;
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Chaos.                                                               */

static void new_content(int vcpu, unsigned int p, unsigned int n, uint64_t *rng)
{
	static uint64_t buf[WORDS] __attribute__((aligned(4096)));
	unsigned int i;

	for (i = p; i < p + n; i++) {
		uint64_t g = pub[i] + 1;
		long bad;

		if (rnd(rng) & 1) {
			fill(page_ptr(i), i, g);
		} else {
			int view = rnd(rng) & 1, ret;

			fill(buf, i, g);
			ret = smu_page(vcpu, i, view, buf, true);
			if (ret == RING_FULL)
				ring_full(i, "chaos");
			else if (ret)
				fail("chaos write of page %u failed: %d", i, ret);
			if (ret)
				fill(page_ptr(i), i, g);
			else
				dirty_written(i, g);
			bad = check_exact(page_ptr(i), i, g);
			if (bad >= 0)
				fail("chaos write of page %u (view %d) LOST: host word %ld is %#llx",
				     i, view, bad, (unsigned long long)page_ptr(i)[bad]);
		}
		publish(i, g);
	}
}

static void *map_fixed(void *addr, size_t len)
{
	void *p = mmap(addr, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

	if (p == MAP_FAILED) {
		perror("secmmu-torture: mmap MAP_FIXED");
		exit(2);
	}
	if (have_thp)
		madvise(p, len, MADV_HUGEPAGE);
	return p;
}

static void chaos_fork(int vcpu, uint64_t *rng)
{
	unsigned int n = 16, p = rnd(rng) % (NP - n), i;
	uint64_t gens[16];
	int pipefd[2], st;
	pid_t pid;

	lock_range(p, n);
	for (i = 0; i < n; i++)
		gens[i] = pub[p + i];
	if (pipe(pipefd)) {
		unlock_range(p, n);
		return;
	}
	pid = fork();
	if (pid == 0) {
		char c;
		unsigned int bad = 0;

		close(pipefd[1]);
		/* wait until the parent has written through secmmu */
		if (read(pipefd[0], &c, 1) < 0)
			_exit(100);
		for (i = 0; i < n; i++)
			if (check_exact(page_ptr(p + i), p + i, gens[i]) >= 0)
				bad++;
		_exit(bad);
	}
	close(pipefd[0]);
	if (pid < 0) {
		close(pipefd[1]);
		unlock_range(p, n);
		error("fork: %s", strerror(errno));
		return;
	}
	/* COW: these writes must go to the parent's new copies only. */
	new_content(vcpu, p, n, rng);
	unlock_range(p, n);
	if (write(pipefd[1], "x", 1) != 1)
		error("pipe write");
	close(pipefd[1]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fail("forked child: %d of %u pages changed under it (status %#x): a secmmu write reached a COW-shared page",
		     WIFEXITED(st) ? WEXITSTATUS(st) : -1, n, st);
}

static void chaos_mprotect(int vcpu, uint64_t *rng)
{
	static uint64_t buf[WORDS] __attribute__((aligned(4096)));
	unsigned int n = 1 + rnd(rng) % 16, p = rnd(rng) % (NP - n);
	int ret;

	lock_range(p, n);
	if (mprotect(page_ptr(p), n * PAGE, PROT_READ)) {
		error("mprotect: %s", strerror(errno));
	} else {
		fill(buf, p, pub[p] + 1000);
		ret = smu_page(vcpu, p, rnd(rng) & 1, buf, true);
		if (ret == RING_FULL)
			dirty_ring_full();	/* checked before the fault */
		else if (ret != -EFAULT)
			fail("write to read-only page %u returned %d, want -EFAULT", p, ret);
		if (check_exact(page_ptr(p), p, pub[p]) >= 0)
			fail("read-only page %u changed by a secmmu write", p);
		mprotect(page_ptr(p), n * PAGE, PROT_READ | PROT_WRITE);
	}
	new_content(vcpu, p, n, rng);
	unlock_range(p, n);
}

static void chaos_migrate(int vcpu, uint64_t *rng)
{
	unsigned int n = 1 + rnd(rng) % 32, p = rnd(rng) % (NP - n), i;
	void *pages[32];
	int nodes_to[32], status[32];
	int to = rnd(rng) % nodes;

	for (i = 0; i < n; i++) {
		pages[i] = page_ptr(p + i);
		nodes_to[i] = to;
	}
	if (syscall(SYS_move_pages, 0, n, pages, nodes_to, status, MPOL_MF_MOVE) < 0 &&
	    errno != ENOENT && errno != EBUSY)
		error("move_pages: %s", strerror(errno));
	/* content is kept; a write after migration must reach the new page */
	i = p + rnd(rng) % n;
	lock_range(i, 1);
	new_content(vcpu, i, 1, rng);
	unlock_range(i, 1);
}

static void chaos_ksm(void)
{
	uint64_t g = 0;
	unsigned int i;

	lock_range(0, KSM_PAGES);
	for (i = 0; i < KSM_PAGES; i++)
		if (pub[i] > g)
			g = pub[i];
	g++;
	for (i = 0; i < KSM_PAGES; i++) {
		fill(page_ptr(i), i, g);
		publish(i, g);
	}
	madvise(mem, KSM_PAGES * PAGE, MADV_MERGEABLE);
	unlock_range(0, KSM_PAGES);
}

static bool write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok;
}

static void *chaos_main(void *arg)
{
	uint64_t rng = (uintptr_t)arg;
	int vcpu = chaos_vcpu;
	void *scratch = mmap(NULL, 16 * PAGE, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (scratch == MAP_FAILED) {
		error("chaos setup: %s", strerror(errno));
		return NULL;
	}
	while (!stop) {
		unsigned int op = rnd(&rng) % C_NR;
		unsigned int n = 1 + rnd(&rng) % 16, p = rnd(&rng) % (NP - n);
		uint64_t t0 = now_ns();
		char path[300];
		void *q;

		switch (op) {
		case C_REMAP:
			lock_range(p, n);
			munmap(page_ptr(p), n * PAGE);
			usleep(rnd(&rng) % 200);	/* reads must fail now */
			map_fixed(page_ptr(p), n * PAGE);
			new_content(vcpu, p, n, &rng);
			unlock_range(p, n);
			break;
		case C_DONTNEED:
			lock_range(p, n);
			if (madvise(page_ptr(p), n * PAGE, MADV_DONTNEED))
				error("MADV_DONTNEED: %s", strerror(errno));
			new_content(vcpu, p, n, &rng);
			unlock_range(p, n);
			break;
		case C_MREMAP:
			/* move the pages away, put fresh ones in their place */
			lock_range(p, n);
			q = mremap(page_ptr(p), n * PAGE, n * PAGE,
				   MREMAP_MAYMOVE | MREMAP_FIXED, scratch);
			if (q == MAP_FAILED && errno == EFAULT) {
				/*
				 * The range spans VMAs (an mprotect window, a
				 * KSM or THP advice split it): mremap refuses
				 * to move more than one VMA.  Not an error.
				 */
			} else if (q == MAP_FAILED) {
				error("mremap: %s", strerror(errno));
			} else {
				map_fixed(page_ptr(p), n * PAGE);
				new_content(vcpu, p, n, &rng);
				scratch = mmap(q, 16 * PAGE, PROT_NONE, MAP_PRIVATE |
					       MAP_ANONYMOUS | MAP_FIXED, -1, 0);
			}
			unlock_range(p, n);
			break;
		case C_MPROTECT:
			chaos_mprotect(vcpu, &rng);
			break;
		case C_FORK:
			chaos_fork(vcpu, &rng);
			break;
		case C_MIGRATE:
			if (nodes < 2) {
				chaos_skipped[op]++;
				continue;
			}
			chaos_migrate(vcpu, &rng);
			break;
		case C_KSM:
			if (!have_ksm) {
				chaos_skipped[op]++;
				continue;
			}
			chaos_ksm();
			break;
		case C_THP:
			if (!have_thp) {
				chaos_skipped[op]++;
				continue;
			}
			p = (rnd(&rng) % (NP * PAGE / HUGE)) * (HUGE / PAGE);
			madvise(page_ptr(p), HUGE, MADV_HUGEPAGE);
			/* EINVAL before 6.1, EAGAIN/ENOMEM when busy: fine */
			madvise(page_ptr(p), HUGE, MADV_COLLAPSE);
			p += rnd(&rng) % (HUGE / PAGE);
			lock_range(p, 1);
			new_content(vcpu, p, 1, &rng);
			unlock_range(p, 1);
			break;
		case C_RECLAIM:
			if (!have_memcg) {
				chaos_skipped[op]++;
				continue;
			}
			snprintf(path, sizeof(path), "%s/memory.reclaim", cg_path);
			/*
			 * EAGAIN when it could not reclaim that much: fine.
			 * Small requests: the vCPUs keep most pages young, and
			 * a request reclaim cannot meet retries for seconds.
			 */
			write_file(path, (rnd(&rng) & 1) ? "256K" : "1M");
			break;
		}
		chaos_ops[op]++;
		chaos_ns[op] += now_ns() - t0;
		if (rnd(&rng) % 4 == 0)
			usleep(rnd(&rng) % 2000);
	}
	return NULL;
}

/* ------------------------------------------------------------------ */

static void setup_memcg(void)
{
	char path[300];

	if (access("/sys/fs/cgroup/cgroup.controllers", R_OK))
		return;
	write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
	snprintf(cg_path, sizeof(cg_path), "/sys/fs/cgroup/secmmu-torture.%d", getpid());
	if (mkdir(cg_path, 0755) && errno != EEXIST)
		return;
	snprintf(path, sizeof(path), "%s/cgroup.procs", cg_path);
	/* join BEFORE allocating: our pages are charged to this memcg */
	if (!write_file(path, "0")) {
		rmdir(cg_path);
		return;
	}
	snprintf(path, sizeof(path), "%s/memory.reclaim", cg_path);
	have_memcg = !access(path, W_OK);
}

static void leave_memcg(void)
{
	if (!cg_path[0])
		return;
	write_file("/sys/fs/cgroup/cgroup.procs", "0");
	rmdir(cg_path);
}

static int count_nodes(void)
{
	char path[64];
	int n = 0;

	while (snprintf(path, sizeof(path), "/sys/devices/system/node/node%d", n),
	       !access(path, F_OK))
		n++;
	return n ? n : 1;
}

/* A style the kernel has, from the seed; interval ones age half the time. */
static long pick_coherence(uint64_t seed)
{
	int styles = ioctl(vm_fd, SECMMU_CHECK_CAP, SECMMU_CAP_COHERENCE_STYLES);
	uint64_t s = seed ^ 0xc0e4e2e4ceULL, r = rnd(&s);
	long style;

	if (styles <= 0)
		return SECMMU_COHERENCE_NOTIFIER;
	do
		style = r++ % SECMMU_COHERENCE_NR_STYLES;
	while (!(styles & 1 << style));
	if (style != SECMMU_COHERENCE_NOTIFIER && rnd(&s) & 1)
		style |= SECMMU_COHERENCE_AGING;
	return style;
}

int main(int argc, char **argv)
{
	struct secmmu_enable_cap ec = { .cap = SECMMU_CAP_RMAP_MODE };
	struct secmmu_memslot ms = { 0 };
	struct secmmu_view_mapping vmap = { 0 };
	pthread_t vt[MAX_VCPUS], at, ct, dt;
	unsigned int ring = RING_ENTRIES;
	int no_dirty = 0;
	struct vcpu_arg va[MAX_VCPUS];
	struct vcpu_stats tot = { 0 };
	unsigned int secs = 10, i;
	uint64_t seed = 0, t0;
	struct secmmu_stats stats;
	void *raw;
	int c;

	while ((c = getopt(argc, argv, "s:t:r:c:R:y:ACD")) != -1) {
		switch (c) {
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 't': secs = strtoul(optarg, NULL, 0); break;
		case 'r': rmap_mode = atoi(optarg); break;
		case 'c': nvcpus = atoi(optarg); break;
		case 'A': no_age = 1; break;
		case 'C': no_chaos = 1; break;
		case 'R': ring = strtoul(optarg, NULL, 0); break;
		case 'D': no_dirty = 1; break;
		case 'y': coherence = strtol(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: %s [-s SEED] [-t SECONDS] [-r RMAP_MODE] [-c VCPUS] [-R RING_ENTRIES] [-y COHERENCE] [-A] [-C] [-D]\n",
				argv[0]);
			return 2;
		}
	}
	if (nvcpus < 1 || nvcpus > MAX_VCPUS)
		nvcpus = 2;
	if (!seed)
		seed = now_ns() ^ getpid();

	setup_memcg();
	nodes = count_nodes();
	have_ksm = write_file("/sys/kernel/mm/ksm/run", "1");
	if (have_ksm) {
		write_file("/sys/kernel/mm/ksm/sleep_millisecs", "10");
		write_file("/sys/kernel/mm/ksm/pages_to_scan", "1000");
	}
	have_thp = !access("/sys/kernel/mm/transparent_hugepage/enabled", R_OK);
	/* migrations only from move_pages, not NUMA balancing */
	write_file("/proc/sys/kernel/numa_balancing", "0");
	printf("secmmu-torture: seed %llu, %u s, rmap mode %d, %d vCPUs, %d NUMA nodes, ksm %d, thp %d, memcg %s\n",
	       (unsigned long long)seed, secs, rmap_mode, nvcpus, nodes, have_ksm,
	       have_thp, have_memcg ? cg_path : "no");
	fflush(stdout);

	raw = mmap(NULL, NP * PAGE + HUGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	mem = (char *)(((uintptr_t)raw + HUGE - 1) & ~(HUGE - 1));
	if (have_thp)
		madvise(mem, NP * PAGE, MADV_HUGEPAGE);
	if (have_ksm)
		madvise(mem, KSM_PAGES * PAGE, MADV_MERGEABLE);
	for (i = 0; i < NP; i++) {
		fill(page_ptr(i), i, 1);
		pub[i] = 1;
	}

	vm_fd = open("/dev/secmmu", O_RDWR | O_CLOEXEC);
	if (vm_fd < 0) {
		perror("open /dev/secmmu");
		return 2;
	}
	if (coherence < 0)
		coherence = pick_coherence(seed);
	ec.cap = SECMMU_CAP_COHERENCE;
	ec.args[0] = coherence;
	if (ioctl(vm_fd, SECMMU_ENABLE_CAP, &ec)) {
		perror("SECMMU_ENABLE_CAP(COHERENCE)");
		return 2;
	}
	printf("secmmu-torture: coherence %ld\n", coherence);
	fflush(stdout);
	ec.cap = SECMMU_CAP_RMAP_MODE;
	ec.args[0] = rmap_mode;
	if (ioctl(vm_fd, SECMMU_ENABLE_CAP, &ec)) {
		perror("SECMMU_ENABLE_CAP(RMAP_MODE)");
		return 2;
	}
	ms.slot = 0;
	ms.base_gfn = GBASE;
	ms.npages = NP;
	ms.userspace_addr = (uintptr_t)mem;
	if (!no_dirty) {
		int ret = dirty_enable(ring);

		if (ret) {
			fprintf(stderr, "secmmu-torture: SECMMU_ENABLE_DIRTY_RING(%u): %s\n",
				ring, strerror(-ret));
			return 2;
		}
		ms.flags = SECMMU_MEM_LOG_DIRTY;
	}
	vmap.view = 1;
	vmap.view_gfn = VBASE;
	vmap.npages = NP;
	vmap.target_gfn = GBASE;
	if (ioctl(vm_fd, SECMMU_SET_MEMSLOT, &ms) ||
	    ioctl(vm_fd, SECMMU_SET_VIEW_MAPPING, &vmap)) {
		perror("memslot/view setup");
		return 2;
	}

	stop = 0;
	for (i = 0; i < (unsigned int)nvcpus; i++) {
		va[i].idx = i;
		va[i].rng = seed + 1 + i;
		va[i].fd = ioctl(vm_fd, SECMMU_CREATE_VCPU, i);
		if (va[i].fd < 0 || dirty_add_vcpu(va[i].fd)) {
			perror("SECMMU_CREATE_VCPU / dirty ring mmap");
			return 2;
		}
	}
	chaos_vcpu = ioctl(vm_fd, SECMMU_CREATE_VCPU, MAX_VCPUS);
	if (chaos_vcpu < 0 || dirty_add_vcpu(chaos_vcpu)) {
		perror("SECMMU_CREATE_VCPU (chaos) / dirty ring mmap");
		return 2;
	}
	t0 = now_ns();
	for (i = 0; i < (unsigned int)nvcpus; i++)
		pthread_create(&vt[i], NULL, vcpu_main, &va[i]);
	if (!no_age)
		pthread_create(&at, NULL, age_main, (void *)(uintptr_t)(seed + 100));
	if (!no_chaos)
		pthread_create(&ct, NULL, chaos_main, (void *)(uintptr_t)(seed + 200));
	if (dirty_on)
		pthread_create(&dt, NULL, dirty_main, (void *)(uintptr_t)(seed + 300));
	while (now_ns() - t0 < secs * 1000000000ULL) {
		sleep(1);
		if (__atomic_load_n(&mismatches, __ATOMIC_RELAXED) > 100)
			break;
	}
	stop = 1;
	for (i = 0; i < (unsigned int)nvcpus; i++)
		pthread_join(vt[i], NULL);
	if (!no_age)
		pthread_join(at, NULL);
	if (!no_chaos)
		pthread_join(ct, NULL);
	if (dirty_on)
		pthread_join(dt, NULL);
	t0 = now_ns() - t0;
	dirty_finish();

	/* Final sweep: every page exactly at its published generation. */
	for (i = 0; i < NP; i++) {
		static uint64_t buf[WORDS] __attribute__((aligned(4096)));
		int ret = smu_page(va[0].fd, i, i & 1, buf, false);

		if (ret || check_exact(buf, i, pub[i]) >= 0)
			fail("final check of page %u: ret %d, want gen %llu", i, ret,
			     (unsigned long long)pub[i]);
		if (check_exact(page_ptr(i), i, pub[i]) >= 0)
			fail("final host check of page %u", i);
	}
	memset(&stats, 0, sizeof(stats));
	ioctl(vm_fd, SECMMU_GET_STATS, &stats);
	for (i = 0; i < (unsigned int)nvcpus; i++) {
		tot.reads += vstats[i].reads;
		tot.batch_reads += vstats[i].batch_reads;
		tot.writes += vstats[i].writes;
		tot.relaxed += vstats[i].relaxed;
		tot.zero_words += vstats[i].zero_words;
		tot.torn_words += vstats[i].torn_words;
		tot.read_errors_relaxed += vstats[i].read_errors_relaxed;
		close(va[i].fd);
	}
	close(chaos_vcpu);
	close(vm_fd);
	leave_memcg();

	printf("secmmu-torture: duration %.1f s, rmap mode %d, coherence %ld\n",
	       t0 / 1e9, rmap_mode, coherence);
	printf("  vcpu: reads %lu, batch reads %lu, writes %lu (racing reads %lu: zero words %lu, torn words %lu, failed %lu)\n",
	       tot.reads, tot.batch_reads, tot.writes, tot.relaxed, tot.zero_words,
	       tot.torn_words, tot.read_errors_relaxed);
	printf("  age: sweeps %lu, young %lu, fast failed %lu, errors %lu\n",
	       age_ops, age_young, age_fast_failed, age_errors);
	printf("  chaos:");
	for (i = 0; i < C_NR; i++)
		printf(" %s %lu%s", chaos_name[i], chaos_ops[i],
		       chaos_skipped[i] && !chaos_ops[i] ? " (unavailable)" : "");
	printf("\n  chaos ms/op:");
	for (i = 0; i < C_NR; i++)
		printf(" %s %.1f", chaos_name[i],
		       chaos_ops[i] ? chaos_ns[i] / 1e6 / chaos_ops[i] : 0.0);
	printf("\n");
	dirty_report();
	printf("  secmmu stats: faults %llu, retries %llu, zapped %llu, invalidations %llu, migrate %llu, rmap lockless %llu, bit locks %llu, dirty fast path %llu, logged %llu, reprotected %llu\n",
	       (unsigned long long)stats.val[SECMMU_STAT_FAULTS],
	       (unsigned long long)stats.val[SECMMU_STAT_FAULT_RETRIES],
	       (unsigned long long)stats.val[SECMMU_STAT_SPTES_ZAPPED],
	       (unsigned long long)stats.val[SECMMU_STAT_INVALIDATIONS],
	       (unsigned long long)stats.val[SECMMU_STAT_INVAL_MIGRATE],
	       (unsigned long long)stats.val[SECMMU_STAT_RMAP_LOCKLESS],
	       (unsigned long long)stats.val[SECMMU_STAT_RMAP_BIT_LOCKS],
	       (unsigned long long)stats.val[SECMMU_STAT_DIRTY_FAST_PATH],
	       (unsigned long long)stats.val[SECMMU_STAT_DIRTY_LOGGED],
	       (unsigned long long)stats.val[SECMMU_STAT_DIRTY_REPROTECTED]);
	printf("secmmu-torture: %s: mismatches %lu, errors %lu\n",
	       mismatches || errors ? "FAIL" : "PASS", mismatches, errors);
	return mismatches || errors ? 1 : 0;
}
