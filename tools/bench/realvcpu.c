// SPDX-License-Identifier: GPL-2.0
/*
 * Series realvcpu (issue 28): a vCPU's throughput while the kernel's own
 * aging runs, beside KVM.
 *
 * Each subject (real.h: none, kvm, secmmu MODE), a process in a memcg of
 * its own, keeps a memslot over THROUGHPUT_MB of anonymous 4 KiB pages
 * (64, QUICK 16) and, for one sample (DURATION_MS), has its vCPU write one
 * word of every page, pass after pass (KVM: the guest; secmmu:
 * SECMMU_ACCESS_BATCH writes; none: the process itself): pages per second.
 * Two forms: "writes", the pages stay mapped (no fault after the first
 * pass); and "faulting", before every pass the subject zaps the next
 * 1/RV_ZAPDIV of the memslot (MADV_DONTNEED), so that every pass faults
 * on that part again: in the secondary MMU's fault path (KVM's: under its
 * mmu_lock, held for read by x86's TDP MMU) and the host's.  Only the
 * faulting form can show whether the aging hooks take a lock the vCPU's
 * faults need (KVM x86 before 6.15: kvm_age_gfn() under mmu_lock, held
 * for write; since 6.15 lockless); the control faults as much on the
 * host's side.
 * The subject runs on CPU 0.  While it runs, a thread of this process on
 * CPU 1 either does nothing (idle) or loops MGLRU aging passes over the
 * subject's memcg (aging: `+ MEMCG NODE MAX_SEQ 1 1` into lru_gen, each
 * pass calling the subject's clear_young for every page).  Per
 * repetition, subject and form: idle, aging and idle again (its twin: the
 * noise band), in an order rotating with the repetition, the subjects in
 * turn.  The report gives aging / idle per subject and form (the median
 * of per-repetition ratios).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "real.h"

#define RV_SUBJ		6
#define RV_FORMS	2		/* writes, faulting */
#define RV_ZAPDIV	16		/* faulting: 1/16 of the slot per pass */

struct rv_ager {
	pthread_t thr;
	struct rsub *s;
	atomic_bool stop;
	unsigned long passes, failed;
};

static void *rv_ager_fn(void *arg)
{
	struct rv_ager *g = arg;

	pin(1);
	while (!atomic_load(&g->stop)) {
		if (mglru_pass_try(g->s))
			g->passes++;
		else
			g->failed++;
	}
	return NULL;
}

/*
 * One sample of @s: pages/s, with the aging loop when @aging, faulting
 * (zapping 1/@zapdiv of the slot before every pass) when @zapdiv; the
 * aging passes and the pages zapped per second into @passes and @zaps.
 */
static double rv_sample(struct rsub *s, bool aging, unsigned int zapdiv,
			double *passes, double *zaps)
{
	struct rv_ager g = { .s = s };
	unsigned long long pages, ns, zapped = 0;
	char ans[96];

	atomic_store(&g.stop, false);
	if (aging && pthread_create(&g.thr, NULL, rv_ager_fn, &g))
		die("pthread_create");
	rsub_ask(s, ans, sizeof(ans), "vcpu %u %u", cfg.dur_ms, zapdiv);
	if (aging) {
		atomic_store(&g.stop, true);
		pthread_join(g.thr, NULL);
	}
	if (sscanf(ans, "%llu %llu %llu", &pages, &ns, &zapped) < 2 || !ns)
		die("realvcpu: %s: bad answer '%s'", s->name, ans);
	if (zapdiv && !zapped)
		die("realvcpu: %s: faulting form, nothing zapped", s->name);
	*passes = g.passes;
	*zaps = zapped * 1e9 / ns;
	return pages * 1e9 / ns;
}

void series_realvcpu(void)
{
	static const char *const what[3] = { "idle", "aging", "idle (twin)" };
	struct rsub subj[RV_SUBJ] = {};
	int kind[RV_SUBJ] = { RS_NONE, RS_KVM, RS_SECMMU, RS_SECMMU + 1,
			      RS_SECMMU + 2, RS_SECMMU + 3 };
	static const char *const form[RV_FORMS] = { "writes", "faulting" };
	static double tp[RV_SUBJ][RV_FORMS][3][MAX_SAMPLES];
	static double passes[RV_SUBJ][RV_FORMS][MAX_SAMPLES];
	static double zaps[RV_SUBJ][RV_FORMS][3][MAX_SAMPLES];
	unsigned int mib = cfg.tp_mb, reps = cfg.reps, r;
	int nodes = smu_nr_nodes(), k, w, f;
	char ans[64];

	if (!cfg.quick && reps < 9)
		reps = 9;
	if (reps > MAX_SAMPLES)
		reps = MAX_SAMPLES;
	if (nodes < 1)
		nodes = 1;
	if (!real_begin("realvcpu", true))
		return;
	printf("\n== realvcpu: vCPU writes over %u MiB for %u ms, idle / under MGLRU "
	       "aging, pages kept / 1/%d zapped per pass, %u reps ==\n", mib,
	       cfg.dur_ms, RV_ZAPDIV, reps);
	for (k = 0; k < RV_SUBJ; k++) {
		struct rsub *s = &subj[k];

		s->role = kind[k] == RS_NONE ? "baseline" : kind[k] == RS_KVM ?
			  "kvm" : "secmmu";
		if (kind[k] >= RS_SECMMU)
			snprintf(s->name, sizeof(s->name), "secmmu %s",
				 mode_name[kind[k] - RS_SECMMU]);
		else
			snprintf(s->name, sizeof(s->name), "%s",
				 kind[k] == RS_NONE ? "none" : "kvm");
		if (!rsub_start(s, "realvcpu", kind[k], k % nodes, mib)) {
			if (kind[k] != RS_KVM)
				die("realvcpu: subject %s failed to start", s->name);
			continue;
		}
		rsub_ask(s, ans, sizeof(ans), "mem %u", mib);
	}
	for (r = 0; r < reps; r++)
		for (k = 0; k < RV_SUBJ; k++) {
			struct rsub *s = &subj[k];
			double p;

			if (!s->live)
				continue;
			for (f = 0; f < RV_FORMS; f++)
				for (w = 0; w < 3; w++) {
					int x = (w + r) % 3;

					tp[k][f][x][r] = rv_sample(s, x == 1,
								   f ? RV_ZAPDIV : 0, &p,
								   &zaps[k][f][x][r]);
					if (x == 1)
						passes[k][f][r] = p;
				}
		}
	for (k = 0; k < RV_SUBJ; k++) {
		struct rsub *s = &subj[k];
		char kase[96];

		if (!s->live)
			continue;
		for (f = 0; f < RV_FORMS; f++)
			for (w = 0; w < 3; w++) {
				/* The writes form keeps its old case names. */
				snprintf(kase, sizeof(kase), "%.39s, %s%s%s", s->name,
					 f ? form[f] : "", f ? ", " : "", what[w]);
				emit("realvcpu", kase, w == 0 ? "baseline" : w == 2 ?
				     "twin" : s->role, "pages/s", tp[k][f][w], reps,
				     "\"subject\":\"%s\",\"form\":\"%s\",\"load\":\"%s\","
				     "\"pages\":%u,\"zap_div\":%d,\"zapped_per_s\":%.0f,"
				     "\"aging_passes\":%.0f", s->name, form[f], what[w],
				     mib * 256, f ? RV_ZAPDIV : 0,
				     median(zaps[k][f][w], reps),
				     w == 1 ? median(passes[k][f], reps) : 0.0);
			}
	}
	for (k = 0; k < RV_SUBJ; k++)
		rsub_stop(&subj[k]);
	real_end();
}
