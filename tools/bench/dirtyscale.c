// SPDX-License-Identifier: GPL-2.0
/*
 * secmmu-bench series dirtyscale: dirty collection cost against the
 * memslot size (dirtylib.c).
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
 * Does a ring collection stay O(dirty pages) as the memslot grows, and how
 * much cheaper than the O(memslot) bitmap is it there?  Issue 13's goals:
 * ring harvest + reset per dirty page flat from 64 MiB to 1 GiB, >= 3x
 * cheaper than the bitmap at 1% of 1 GiB.
 *
 * One region of the largest size (64, 256, 1024 MiB; QUICK 16, 32, 64) is
 * populated once; per size, two VMs (ring_global and bitmap, as in series
 * dirty) mirror its first SIZE bytes in slot 0, every page faulted
 * writable.  No twin slot: the push cost is series dirty's business, and
 * 1 GiB twice would not fit the 3 GiB guest comfortably.  Per repetition,
 * for every size (the order rotating every repetition) and both cases
 *
 *   1%     1% of the slot's pages dirty (the 1 GiB point is the 3x goal)
 *   fixed  the same count at every size: 1% of the smallest (flatness: a
 *          per-dirty-page cost that grows with the slot at a fixed count is
 *          an O(memory) term; at a fixed fraction a linear term would hide
 *          in a constant per dirty page, b * np / k = 100 b)
 *
 * a fresh random page set (one seed for both methods) is dirtied in
 * ascending gfn order and collected by ring_global and by bitmap, the
 * method order alternating (dirty_sample(): the same timed work and
 * checks as series dirty).  The ratios the report draws are paired per
 * repetition.
 */
void series_dirtyscale(void)
{
	static const unsigned int full_mb[] = { 64, 256, 1024 };
	static const unsigned int quick_mb[] = { 16, 32, 64 };
	static const int meth[2] = { DM_GLOBAL, DM_BITMAP };
	enum { NS = 3, NC = 2 };		/* sizes; cases: 1%, fixed */
	const unsigned int *mb = cfg.quick ? quick_mb : full_mb;
	size_t np[NS], kc[NS][NC], maxnp, fixed, len;
	static struct dsample S[NS][NC][2], warm;
	/*
	 * µs-scale collections, noisy under TCG but cheap (the setup, 1 GiB
	 * populated and faulted twice, dominates): at least 15 reps, 9 in QUICK.
	 */
	unsigned int min_reps = cfg.quick ? 9 : 15, r;
	unsigned int reps = cfg.reps > min_reps ? cfg.reps : min_reps;
	struct secmmu_access_op *op;
	struct secmmu_dirty_gfn *ent;
	__u32 *perm, *pages, *sorted;
	struct dvm ring[NS], bm[NS];
	long avail0, avail1;
	__u64 *bitmap;
	int s, j, c, i, w;
	char *mem;

	for (s = 0; s < NS; s++) {
		np[s] = ((size_t)mb[s] << 20) / PAGE;
		kc[s][0] = (size_t)(0.01 * np[s] + 0.5);
	}
	fixed = kc[0][0];
	for (s = 0; s < NS; s++)
		kc[s][1] = fixed;
	maxnp = np[NS - 1];
	len = maxnp * PAGE;
	printf("\n== dirtyscale: ring_global vs bitmap collection at 1%% and at %zu "
	       "dirty pages of %u, %u, %u MiB slots, %u reps + 1 warm-up ==\n",
	       fixed, mb[0], mb[1], mb[2], reps);
	op = calloc(kc[NS - 1][0], sizeof(*op));
	ent = calloc(DIRTY_RING, sizeof(*ent));
	perm = calloc(maxnp, sizeof(*perm));
	pages = calloc(maxnp, sizeof(*pages));	/* a bad bitmap may hold more */
	sorted = calloc(maxnp, sizeof(*sorted));
	bitmap = calloc((maxnp + 63) / 64, 8);
	if (!op || !ent || !perm || !pages || !sorted || !bitmap)
		die("calloc");
	avail0 = smu_read_key("/proc/meminfo", "MemAvailable");
	mem = region(len, true);
	for (s = 0; s < NS; s++) {
		dvm_open(&ring[s], true, mem, NULL, np[s]);
		dvm_open(&bm[s], false, mem, NULL, np[s]);
	}
	avail1 = smu_read_key("/proc/meminfo", "MemAvailable");
	printf("   dirtyscale MemAvailable %ld -> %ld MiB with the %u MiB region "
	       "and %d VMs mirroring it\n", avail0 >> 10, avail1 >> 10, mb[NS - 1],
	       2 * NS);
	if (smu_check_cap(ring[0].vm.fd, SECMMU_CAP_DIRTY_LOG) <= 0 ||
	    smu_check_cap(ring[0].vm.fd, SECMMU_CAP_DIRTY_RING) < DIRTY_RING) {
		emit_skip("dirtyscale", "no dirty log / rings in this module");
		goto out;
	}
	for (s = 0; s < NS; s++)
		for (c = 0; c < NC; c++)
			for (i = 0; i < 2; i++)
				S[s][c][i].ok = true;

	/* Round -1 warms up (TCG translations, caches) and is dropped. */
	for (w = -1; w < (int)reps; w++) {
		r = w < 0 ? 0 : w;
		for (j = 0; j < NS; j++) {
			s = (j + w + 1) % NS;	/* rotate the size order */
			for (c = 0; c < NC; c++) {
				size_t k = kc[s][c];
				__u64 seed = 0xd1b54a32d192ed03ULL ^
					     ((w + 1) * 977 + s * 31 + c + 1);

				pick_pages(perm, np[s], k, seed);
				qsort(perm, k, sizeof(*perm), cmp_u32);
				for (i = 0; i < 2; i++) {
					/* Alternate which method goes first. */
					int x = (i + w + 1 + j + c) % 2;
					struct dvm *d = x ? &bm[s] : &ring[s];

					dirty_sample(d, meth[x], mem, np[s], perm, k,
						     r, w < 0 ? &warm : &S[s][c][x],
						     op, NULL, bitmap, ent, pages,
						     sorted);
				}
			}
		}
	}

	for (s = 0; s < NS; s++) {
		for (c = 0; c < NC; c++) {
			size_t k = kc[s][c];
			double rb[MAX_SAMPLES];

			for (i = 0; i < 2; i++) {
				struct dsample *d = &S[s][c][i];
				double per_mirrored[MAX_SAMPLES];
				char kase[64];

				for (r = 0; r < reps; r++)
					per_mirrored[r] = d->ns_dirty[r] * k / np[s];
				snprintf(kase, sizeof(kase), "%s, %s, %u MiB",
					 dm_name[meth[i]], c ? "fixed" : "1%", mb[s]);
				emit("dirtyscale", kase, i ? "baseline" : "secmmu",
				     "ns/dirty page", d->ns_dirty, reps,
				     "\"kind\":\"%s\",\"method\":\"%s\",\"label\":\"%s\","
				     "\"mb\":%u,\"pages\":%zu,\"dirty\":%zu,"
				     "\"fraction\":%.6g,\"rounds\":%u,"
				     "\"ns_per_mirrored_page\":%.4g,"
				     "\"us_per_collection\":%.4g,\"logged\":%.0f,"
				     "\"fast_path\":%.0f,\"faults\":%.0f,"
				     "\"resets\":%.0f,\"reprotected\":%.0f,"
				     "\"remote_flushes\":%.0f,\"reset_calls\":%.0f,"
				     "\"mem_available_mb\":[%ld,%ld],"
				     "\"all_samples_ok\":%s",
				     c ? "fixed" : "fraction", dm_name[meth[i]],
				     dm_label[meth[i]], mb[s], np[s], k,
				     (double)k / np[s], d->rounds,
				     median(per_mirrored, reps), median(d->us, reps),
				     median(d->logged, reps), median(d->fast, reps),
				     median(d->faults, reps), median(d->resets, reps),
				     median(d->reprot, reps), median(d->flushes, reps),
				     median(d->calls, reps), avail0 >> 10,
				     avail1 >> 10, d->ok ? "true" : "false");
				if (!d->ok)
					dsample_mismatch("dirtyscale", kase, d, k);
			}
			for (r = 0; r < reps; r++)
				rb[r] = S[s][c][0].ns_dirty[r] /
					S[s][c][1].ns_dirty[r];
			printf("   dirtyscale %4u MiB, %6zu dirty: ring / bitmap %.3g "
			       "(median of paired reps)\n", mb[s], k,
			       median(rb, reps));
		}
	}
	for (c = 0; c < NC; c++) {
		double fl[MAX_SAMPLES];

		for (r = 0; r < reps; r++)
			fl[r] = S[NS - 1][c][0].ns_dirty[r] / S[0][c][0].ns_dirty[r];
		printf("   dirtyscale ring ns/dirty page %u MiB / %u MiB (%s): %.3g\n",
		       mb[NS - 1], mb[0], c ? "fixed count" : "1%", median(fl, reps));
	}
out:
	for (s = 0; s < NS; s++) {
		dvm_close(&ring[s]);
		dvm_close(&bm[s]);
	}
	munmap(mem, len);
	free(op);
	free(ent);
	free(perm);
	free(pages);
	free(sorted);
	free(bitmap);
}
