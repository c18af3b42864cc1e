// SPDX-License-Identifier: GPL-2.0
/*
 * secmmu-bench series dirty: collection cost per dirty page, ring against
 * bitmap, and the push cost of a logged write (dirtylib.c).
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <linux/secmmu_dirty_ring.h>

#include "secmmu_util.h"
#include "bench.h"
#include "dirty.h"

/*
 * Collection ("harvest + reset") cost per dirty page, ring vs bitmap, and
 * the push cost of a logged write on the fast path.
 *
 * Two VMs mirror the same cfg.size_mb of memory in slot 0, every page
 * faulted writable once: one with SECMMU_DIRTY_RING_MAX-entry rings (only
 * vCPU 0's is used), one without rings (the memslot bitmap, the baseline).
 * For every fraction, repetition and method, interleaved:
 *
 *   1. LOG_DIRTY set on the slot (a flag change: write-protects it);
 *   2. k random pages (a fixed seed per fraction and repetition, the same
 *      set for every method), written in ascending gfn order, 8 bytes each
 *      through SECMMU_ACCESS_BATCH: timed, the push cost (fast-path
 *      unprotect + record per write).  Its baseline, timed just before
 *      (after, in odd repetitions): the same writes to the same page
 *      offsets of slot 1, a twin of slot 0
 *      that never logs (always writable, and as cold in caches and TLBs:
 *      writing slot 0's pages a second time would find them warm);
 *   3. timed: the collection, which ends with the list of the dirty pages
 *      in a user array and every one of them write-protected again:
 *        ring_global   userspace harvest of the mmapped ring (acquire /
 *                      release, secmmu_dirty_ring.h) + SECMMU_RESET_DIRTY_RINGS
 *        ring_per_ring the same + SECMMU_RESET_DIRTY_RING on vCPU 0
 *        kharvest      SECMMU_HARVEST + SECMMU_RESET_DIRTY_RING
 *        ring_shuffled ring_global with the k pages written in random order
 *                      (the reset coalesces over its whole batch of 512
 *                      entries, so only locality differs)
 *        bitmap        SECMMU_GET_DIRTY_LOG of the whole slot, a scan of its
 *                      set bits, SECMMU_CLEAR_DIRTY_LOG of those bits;
 *   4. LOG_DIRTY cleared.
 *
 * A ring takes at most SECMMU_DIRTY_RING_MAX - SECMMU_DIRTY_RING_RSVD
 * pushes before SECMMU_EXIT_DIRTY_RING_FULL: larger dirty sets (over 50%
 * of 256 MiB only) are dirtied and collected in rounds of that many pages,
 * and the timed collection is the sum of the rounds' (documented in the
 * record as "rounds").  Pages not dirtied stay write-protected between
 * samples; that changes none of the timed work.
 */

void series_dirty(void)
{
	static const double fracs[] = { 0.001, 0.01, 0.05, 0.10, 0.25, 0.50 };
	enum { NF = sizeof(fracs) / sizeof(fracs[0]) };
	size_t len = (size_t)cfg.size_mb << 20, np = len / PAGE, k;
	struct secmmu_access_op *op = calloc(np, sizeof(*op));
	struct secmmu_access_op *top = calloc(np, sizeof(*top));
	struct secmmu_dirty_gfn *ent = calloc(DIRTY_RING, sizeof(*ent));
	__u32 *perm = calloc(np, sizeof(*perm));
	__u32 *pages = calloc(np, sizeof(*pages));
	__u32 *sorted = calloc(np, sizeof(*sorted));
	__u64 *bitmap = calloc((np + 63) / 64, 8);
	/* Cheap (µs-scale collections, noisy under TCG): at least 9 reps. */
	unsigned int reps = cfg.reps > 9 ? cfg.reps : 9, r, i;
	static struct dsample S[NF][DM_NR], warm;
	double med[NF][DM_NR];
	struct dvm ring, bm;
	char *mem, *twin;
	int f, m, w;

	printf("\n== dirty: harvest+reset per dirty page, ring vs bitmap, over "
	       "%zu pages (%u MiB), %u reps + 1 warm-up ==\n", np, cfg.size_mb,
	       reps);
	if (!op || !top || !ent || !perm || !pages || !sorted || !bitmap)
		die("calloc");
	mem = region(len, true);
	twin = region(len, true);
	dvm_open(&ring, true, mem, twin, np);
	dvm_open(&bm, false, mem, twin, np);
	if (smu_check_cap(ring.vm.fd, SECMMU_CAP_DIRTY_LOG) <= 0 ||
	    smu_check_cap(ring.vm.fd, SECMMU_CAP_DIRTY_RING) < DIRTY_RING) {
		emit_skip("dirty", "no dirty log / rings in this module");
		goto out;
	}
	for (f = 0; f < NF; f++)
		for (m = 0; m < DM_NR; m++)
			S[f][m].ok = true;

	/* Round -1 warms up (TCG translations, caches) and is dropped. */
	for (w = -1; w < (int)reps; w++) {
		r = w < 0 ? 0 : w;
		for (f = 0; f < NF; f++) {
			__u64 seed = 0x9e3779b97f4a7c15ULL ^ ((w + 1) * 131 + f + 1);

			k = (size_t)(fracs[f] * np + 0.5);
			if (!k)
				k = 1;
			pick_pages(perm, np, k, seed);
			for (m = 0; m < DM_NR; m++) {
				struct dvm *d = m == DM_BITMAP ? &bm : &ring;

				/* Ascending gfn order, except the shuffled case. */
				if (m != DM_SHUFFLED)
					qsort(perm, k, sizeof(*perm), cmp_u32);
				else
					pick_pages(perm, np, k, seed);
				dirty_sample(d, m, mem, np, perm, k, r,
					     w < 0 ? &warm : &S[f][m],
					     op, top, bitmap, ent, pages, sorted);
			}
		}
	}

	for (f = 0; f < NF; f++) {
		k = (size_t)(fracs[f] * np + 0.5);
		if (!k)
			k = 1;
		for (m = 0; m < DM_NR; m++) {
			struct dsample *s = &S[f][m];
			double per_mirrored[MAX_SAMPLES];
			char kase[64];

			for (r = 0; r < reps; r++)
				per_mirrored[r] = s->ns_dirty[r] * k / np;
			med[f][m] = median(s->us, reps);
			snprintf(kase, sizeof(kase), "%s, %g%%", dm_name[m],
				 fracs[f] * 100);
			emit("dirty", kase, m == DM_BITMAP ? "baseline" : "secmmu",
			     "ns/dirty page", s->ns_dirty, reps,
			     "\"kind\":\"collect\",\"method\":\"%s\",\"label\":\"%s\","
			     "\"fraction\":%g,\"pages\":%zu,\"dirty\":%zu,"
			     "\"rounds\":%u,\"ns_per_mirrored_page\":%.4g,"
			     "\"us_per_collection\":%.4g,"
			     "\"logged\":%.0f,\"fast_path\":%.0f,\"faults\":%.0f,"
			     "\"resets\":%.0f,\"reprotected\":%.0f,"
			     "\"remote_flushes\":%.0f,\"reset_calls\":%.0f,"
			     "\"all_samples_ok\":%s",
			     dm_name[m], dm_label[m], fracs[f], np, k, s->rounds,
			     median(per_mirrored, reps), med[f][m],
			     median(s->logged, reps), median(s->fast, reps),
			     median(s->faults, reps), median(s->resets, reps),
			     median(s->reprot, reps), median(s->flushes, reps),
			     median(s->calls, reps), s->ok ? "true" : "false");
			if (!s->ok)
				dsample_mismatch("dirty ", kase, s, k);
		}
		/* The fast path: ring push (ring_global) and bitmap set_bit. */
		for (i = 0; i < 2; i++) {
			char kase[64];

			m = i ? DM_BITMAP : DM_GLOBAL;
			snprintf(kase, sizeof(kase), "%s write, %g%%",
				 m == DM_BITMAP ? "bitmap" : "ring", fracs[f] * 100);
			emit("dirty", kase, "baseline", "ns/page", S[f][m].wbase,
			     reps, "\"kind\":\"push\",\"method\":\"%s\","
			     "\"label\":\"vCPU 8-byte write, same offset in a never-logged "
			     "twin slot (writable)\","
			     "\"fraction\":%g,\"dirty\":%zu", dm_name[m], fracs[f], k);
			emit("dirty", kase, "secmmu", "ns/page", S[f][m].push,
			     reps, "\"kind\":\"push\",\"method\":\"%s\","
			     "\"label\":\"vCPU 8-byte write, write-protected + logged: "
			     "fast-path unprotect + %s\",\"fraction\":%g,\"dirty\":%zu",
			     dm_name[m], m == DM_BITMAP ? "bitmap bit" : "ring push",
			     fracs[f], k);
		}
	}

	/*
	 * Crossover: the smallest fraction from which on a ring's median
	 * collection costs more than the bitmap's, interpolated linearly from
	 * the fraction below (both costs are linear in the dirty count: ring
	 * a*k, bitmap b*np + c*k).
	 */
	for (m = 0; m < DM_BITMAP; m++) {
		double x, d0, d1;

		for (f = NF; f > 0 && med[f - 1][m] >= med[f - 1][DM_BITMAP]; f--)
			;
		if (f == NF) {
			printf("   dirty  crossover %-14s none up to %g%%: the ring "
			       "stays cheaper\n", dm_name[m], fracs[NF - 1] * 100);
			continue;
		}
		if (!f) {
			printf("   dirty  crossover %-14s ring collection > bitmap's "
			       "already at %g%%\n", dm_name[m], fracs[0] * 100);
			continue;
		}
		d0 = med[f - 1][m] - med[f - 1][DM_BITMAP];	/* < 0 */
		d1 = med[f][m] - med[f][DM_BITMAP];		/* >= 0 */
		x = fracs[f - 1] + (fracs[f] - fracs[f - 1]) * -d0 / (d1 - d0);
		printf("   dirty  crossover %-14s ring collection > bitmap's above "
		       "%.3g%% dirty (%zu pages)\n", dm_name[m], x * 100,
		       (size_t)(x * np + 0.5));
	}
out:
	dvm_close(&ring);
	dvm_close(&bm);
	munmap(mem, len);
	munmap(twin, len);
	free(op);
	free(top);
	free(ent);
	free(perm);
	free(pages);
	free(sorted);
	free(bitmap);
}
