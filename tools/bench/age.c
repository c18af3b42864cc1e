// SPDX-License-Identifier: GPL-2.0
/*
 * secmmu-bench series age: the SECMMU_AGE sweep cost per page, beside
 * its floors.
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

static __u64 sum_words(const __u64 *w, size_t n, size_t stride)
{
	__u64 s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += w[i * stride];
	return s;
}

/* Touch one word of every page through views [from, to). */
void touch_views(struct vm *vm, size_t np, int from, int to)
{
	__u64 word;
	struct ops o;
	int v;

	for (v = from; v < to; v++) {
		ops_build(&o, v, GFN0, np, sizeof(word), false, &word);
		ops_run(vm->vcpu[0], &o);
		ops_free(&o);
	}
}

/*
 * Fair floors for an aging sweep, in the same process and boot: what the
 * cheapest possible walker pays per page.  A page's "A bit" is bit 5 of a
 * u64, set again (untimed) before every timed sweep.  At alias degree d a
 * page has d young leaves, each needing its own cmpxchg, so the floors
 * walk d leaves per page (d arrays of one leaf per page, one after the
 * other, as the table walk goes view by view).
 */
#define FLOOR_A		(1ULL << 5)

/* Table walk: read each leaf in order, cmpxchg A off. */
static void floor_cas(__u64 *w, size_t np)
{
	size_t i;

	for (i = 0; i < np; i++) {
		__u64 v = __atomic_load_n(&w[i], __ATOMIC_RELAXED);

		if (v & FLOOR_A)
			__atomic_compare_exchange_n(&w[i], &v, v & ~FLOOR_A, false,
						    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	}
}

/* Rmap: read each head, follow it to its leaf, cmpxchg A off. */
static void floor_head(__u64 *const *heads, size_t np)
{
	size_t i;

	for (i = 0; i < np; i++) {
		__u64 *p = __atomic_load_n(&heads[i], __ATOMIC_RELAXED);
		__u64 v = __atomic_load_n(p, __ATOMIC_RELAXED);

		if (v & FLOOR_A)
			__atomic_compare_exchange_n(p, &v, v & ~FLOOR_A, false,
						    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	}
}

static void floor_young(__u64 *w, size_t np)
{
	size_t i;

	for (i = 0; i < np; i++)
		w[i] |= FLOOR_A;
}

/*
 * What one repetition measures, in an order that rotates with the
 * repetition: every rmap mode, a twin of the table walk (identical code:
 * its spread is the noise band), and the three floors.
 */
enum {
	AV_TWIN = SECMMU_RMAP_NR_MODES,
	AV_FLOOR_LOAD,
	AV_FLOOR_CAS,
	AV_FLOOR_HEAD,
	AV_NR,
};

static const char *const av_floor_name[] = {
	[AV_FLOOR_LOAD - AV_FLOOR_LOAD] = "floor load",
	[AV_FLOOR_CAS - AV_FLOOR_LOAD] = "floor load+cmpxchg",
	[AV_FLOOR_HEAD - AV_FLOOR_LOAD] = "floor head+load+cmpxchg",
};

static const char *const av_floor_label[] = {
	[AV_FLOOR_LOAD - AV_FLOOR_LOAD] = "call-free loop: sum one u64 per leaf (contiguous arrays)",
	[AV_FLOOR_CAS - AV_FLOOR_LOAD] = "load + cmpxchg of one u64 per leaf (the table walk's floor)",
	[AV_FLOOR_HEAD - AV_FLOOR_LOAD] = "load head -> load u64 -> cmpxchg, per leaf (the rmap's floor)",
};

void series_age(void)
{
	static const int degrees[] = { 1, 2, 4 };
	size_t len = (size_t)cfg.size_mb << 20, np = len / PAGE;
	size_t churn_np = cfg.quick ? 1024 : 4096;	/* 4 / 16 MiB */
	/* Timed sweeps per sample with a faulting vCPU: 50 / 200 ms. */
	__u64 conc_ns = cfg.quick ? 50000000ULL : 200000000ULL;
	unsigned int reps = cfg.quick ? cfg.reps : cfg.reps > 9 ? cfg.reps : 9;
	__u64 *young = calloc((np + 63) / 64, 8);
	/* Floors: up to 4 leaves per page (one per view at degree 4). */
	__u64 *leaves = calloc(4 * np, 8), *hleaves = calloc(4 * np, 8);
	__u64 **heads = calloc(4 * np, sizeof(*heads));
	struct churn churn[AV_TWIN + 1];
	struct vm vms[AV_TWIN + 1];
	char *mem = region(len, true);
	int di, conc, v, k;
	unsigned int r;
	size_t i;

	printf("\n== age: SECMMU_AGE CLEAR over %zu pages (%u MiB), %u reps, "
	       "modes and floors interleaved ==\n", np, cfg.size_mb, reps);
	if (!young || !leaves || !hleaves || !heads)
		die("calloc");
	for (i = 0; i < 4 * np; i++)
		heads[i] = &hleaves[i];

	/* One VM per mode, plus a second table-walk VM: the twin. */
	for (v = 0; v <= AV_TWIN; v++) {
		vm_open(&vms[v], v == AV_TWIN ? SECMMU_RMAP_TABLE_WALK : v);
		CHECK(smu_set_memslot(vms[v].fd, 0, 0, GFN0, np, mem));
		for (k = 1; k < 4; k++)
			CHECK(smu_set_view(vms[v].fd, k, GFN0, np, GFN0));
		churn_slot(vms[v].fd, &churn[v], churn_np);
	}

	for (di = 0; di < 3; di++) {
		int deg = degrees[di];

		for (conc = 0; conc < 2; conc++) {
			double ns[AV_NR][MAX_SAMPLES], yg[AV_NR][MAX_SAMPLES];
			double lockless[AV_NR][MAX_SAMPLES], bit[AV_NR][MAX_SAMPLES];
			double fallback[AV_NR][MAX_SAMPLES], spins[AV_NR][MAX_SAMPLES];
			double cfault[AV_NR][MAX_SAMPLES], sweeps[AV_NR][MAX_SAMPLES];
			char kase[96];

			memset(yg, 0, sizeof(yg));
			memset(lockless, 0, sizeof(lockless));
			memset(bit, 0, sizeof(bit));
			memset(fallback, 0, sizeof(fallback));
			memset(spins, 0, sizeof(spins));
			memset(cfault, 0, sizeof(cfault));
			memset(sweeps, 0, sizeof(sweeps));
			for (r = 0; r < reps; r++) {
				for (k = 0; k < AV_NR; k++) {
					int a = (k + r) % AV_NR;
					/* Floors compete with the table walk VM's churn. */
					int cv = a <= AV_TWIN ? a : SECMMU_RMAP_TABLE_WALK;
					struct secmmu_stats s0, s1;
					struct secmmu_age res;
					__u64 t, tt, ct = 0;
					unsigned int nsw;

					if (conc) {
						churn_start(&churn[cv], vms[cv].vcpu[1]);
						ct = now_ns();
					}
					if (a <= AV_TWIN)
						snap(vms[a].fd, &s0);
					/*
					 * One sweep; with a faulting vCPU, sweeps until
					 * conc_ns of them are timed, so that they
					 * overlap its faults (a sweep alone can be
					 * shorter than one of its loops).
					 */
					for (nsw = 0, tt = 0; !nsw || (conc && tt < conc_ns); nsw++) {
						if (a <= AV_TWIN)	/* every page young (untimed) */
							touch_views(&vms[a], np, 0, deg);
						/* d young leaves per page at degree d */
						floor_young(leaves, deg * np);
						floor_young(hleaves, deg * np);
						t = now_ns();
						switch (a) {
						case AV_FLOOR_LOAD:
							sink += sum_words(leaves, deg * np, 1);
							break;
						case AV_FLOOR_CAS:
							floor_cas(leaves, deg * np);
							break;
						case AV_FLOOR_HEAD:
							floor_head(heads, deg * np);
							break;
						default:
							CHECK(smu_age(vms[a].fd, SECMMU_AGE_CLEAR,
								      GFN0, np, young, NULL, &res));
						}
						tt += now_ns() - t;
					}
					ns[a][r] = (double)tt / (np * nsw);
					sweeps[a][r] = nsw;
					if (conc) {
						churn_stop(&churn[cv]);
						cfault[a][r] = churn[cv].pages /
							       ((now_ns() - ct) / 1e9);
					}
					if (a > AV_TWIN)
						continue;
					snap(vms[a].fd, &s1);
					yg[a][r] = res.nr_young;
					lockless[a][r] = DELTA(&s0, &s1, SECMMU_STAT_RMAP_LOCKLESS) / nsw;
					bit[a][r] = DELTA(&s0, &s1, SECMMU_STAT_RMAP_BIT_LOCKS) / nsw;
					fallback[a][r] = DELTA(&s0, &s1, SECMMU_STAT_RMAP_LOCK_FALLBACKS) /
							 nsw;
					spins[a][r] = DELTA(&s0, &s1, SECMMU_STAT_RMAP_BIT_SPINS) / nsw;
				}
			}
			for (k = 0; k < AV_NR; k++) {
				bool fl = k > AV_TWIN;
				const char *name = fl ? av_floor_name[k - AV_FLOOR_LOAD] :
						   k == AV_TWIN ? "table_walk (twin)" :
						   mode_name[k];

				snprintf(kase, sizeof(kase), "%s, degree %d%s", name, deg,
					 conc ? ", concurrent vCPU" : "");
				if (fl) {
					emit("age", kase, "baseline", "ns/page", ns[k], reps,
					     "\"floor\":\"%s\",\"label\":\"%s\",\"degree\":%d,"
					     "\"concurrent\":%d,\"pages\":%zu",
					     name, av_floor_label[k - AV_FLOOR_LOAD], deg,
					     conc, np);
					continue;
				}
				emit("age", kase, k == AV_TWIN ? "twin" : "secmmu", "ns/page",
				     ns[k], reps,
				     "\"mode\":\"%s\",\"degree\":%d,\"concurrent\":%d,"
				     "\"pages\":%zu,\"young\":%.0f,\"lockless_heads\":%.0f,"
				     "\"bit_locks\":%.0f,\"lock_fallbacks\":%.0f,"
				     "\"bit_spins\":%.0f,\"churn_faults_per_s\":%.0f,"
				     "\"sweeps_per_sample\":%.0f",
				     k == AV_TWIN ? "table_walk" : mode_name[k], deg, conc,
				     np, median(yg[k], reps), median(lockless[k], reps),
				     median(bit[k], reps), median(fallback[k], reps),
				     median(spins[k], reps), median(cfault[k], reps),
				     median(sweeps[k], reps));
			}
		}
	}
	for (v = 0; v <= AV_TWIN; v++) {
		vm_close(&vms[v]);
		munmap(churn[v].mem, churn_np * PAGE);
	}
	munmap(mem, len);
	free(young);
	free(leaves);
	free(hleaves);
	free(heads);
}
