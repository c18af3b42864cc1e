/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Series coherence (issue 25): one workload, several secondary MMUs.
 *
 * cohwork.c is the workload, the same in every subject process: it maps
 * fresh anonymous memory, has the process write every page, has its
 * secondary MMU map it, and times a fault or an invalidation.  What the
 * secondary MMU is comes from a backend (struct coh_backend):
 *
 *   cohsecmmu.c   a secmmu VM in one coherence style, or none at all
 *                 (secmmu-bench --coh-subject STYLE MAXPAGES)
 *   hmm/dmirror.c lib/test_hmm.c's dmirror (/dev/hmm_dmirror0), its
 *                 mirror filled by HMM_DMIRROR_READ / _WRITE
 *                 (secmmu-dmirror MAXPAGES, built from a kernel source
 *                 tree's lib/test_hmm_uapi.h; the 7.2 rig)
 *
 * The driver (coherence.c) starts the subjects and sends them one command
 * line at a time on stdin; each answers one line on fd 3:
 *
 *   fault NP K          -> COLD_NS WARM_NS  a read of one word (dmirror:
 *                          HMM_DMIRROR_READ) of every page of a fresh,
 *                          populated range, timed twice: the first faults
 *                          every page into the secondary MMU, the second
 *                          finds them mapped
 *   inval OP NP K       -> NS ZAPPED MOVED  the secondary MMU wrote every
 *                          page of a fresh range (untimed), then OP (enum
 *                          coh_op) is timed; ZAPPED: the fewest of secmmu's
 *                          SECMMU_STAT_SPTES_ZAPPED over the call (-1: not
 *                          known), MOVED: the fewest pages moved
 *                          (COH_MIGRATE)
 *   scale NP T          -> NS  T threads (T vCPUs, CPUs 0..T-1) fault NP
 *                          fresh pages, NP / T each; wall time.  Without a
 *                          secondary MMU: the machine's own scaling, a
 *                          fixed amount of arithmetic split over T threads
 *   mslot NSLOTS IN K   -> NS ZAPPED  NSLOTS memslots (1: only the range's
 *                          own), each mapped; then K times: the vCPU
 *                          writes one page of the range, MADV_DONTNEED of
 *                          one page, timed: a page of the range (IN 1) or
 *                          one of no memslot (IN 0)
 *
 * K: iterations, each on a fresh range; the answer is their median (one
 * preempted iteration on a loaded host does not move it).
 *   q                      exit
 */
#ifndef SECMMU_BENCH_COH_H
#define SECMMU_BENCH_COH_H

#include <stdbool.h>
#include <stddef.h>

enum coh_op {
	COH_MUNMAP, COH_DONTNEED, COH_MPROTECT, COH_FORK, COH_MIGRATE, COH_NR_OPS,
};

#define COH_MAX_SLOTS	32
#define COH_THREADS	2

/*
 * A secondary MMU.  Memslot @id covers @np pages at @p (attach) until
 * detach; dmirror has no memslots (its mirror covers the whole mm) and
 * ignores them.  prep() builds what run() needs to access @n pages at @q
 * (in an attached range) from thread @thr, write or read; run() is the
 * timed part.  zapped(): a counter of leaves zapped, -1 when not known.
 * May be NULL: attach, detach, prep, run (no secondary MMU), zapped.
 */
struct coh_backend {
	const char *name;
	void (*attach)(int id, char *p, size_t np);
	void (*detach)(int id);
	void (*prep)(int thr, char *q, size_t n, bool write);
	void (*run)(int thr);
	long long (*zapped)(void);
};

/* The subject's command loop (cohwork.c): returns the exit status. */
int coh_serve(const struct coh_backend *b, size_t maxpages);

void coh_fatal(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* mmap() of @len bytes, never inherited by fork() (COH_FORK times it). */
void *coh_alloc(size_t len);

#endif
