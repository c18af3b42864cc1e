// SPDX-License-Identifier: GPL-2.0
/*
 * Series realinval (issue 28): the kernel's invalidation paths beside KVM.
 *
 * munmap(), MADV_DONTNEED and mprotect(PROT_READ) of 1 MiB .. SIZE_MB of
 * anonymous 4 KiB pages that a secondary MMU mapped, timed around the
 * call, by what else maps the memory; the subjects (real.h), each a
 * process of its own, alive for the whole series:
 *
 *   none, none (twin)  nothing else maps it (the twin: the noise band)
 *   empty notifier     tests/floor's notifier registered on the mm
 *   kvm                a KVM guest (bin/secmmu-real-kvm) whose vCPU wrote
 *                      every page of a memslot over the memory
 *   secmmu MODE        a secmmu VM in that rmap mode whose vCPU wrote every
 *                      page of a memslot over it
 *
 * Each subject twice: over 4 KiB pages (series realinval) and over THP
 * (2 MiB aligned, MADV_HUGEPAGE; KVM and secmmu, with
 * SECMMU_CAP_HUGE_LEAVES, map 2 MiB leaves; series realinval-thp, from 4
 * MiB up, each record saying how much of the memory was THP).
 *
 * Every sample maps the memory afresh: mmap, the process writes every
 * page, the secondary MMU maps every page (untimed), then the call
 * (timed), then the memslot goes and the memory is unmapped (untimed).
 * Per repetition, every size, call and subject, the subjects in an order
 * rotating with the repetition.  The report (benchreport/realinval.py)
 * pairs each sample with the same repetition's "none": the added ns per
 * page, and those of secmmu as ratios to KVM's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "real.h"

#define RI_SUBJ		(RS_SECMMU + 4)
#define RI_ALL		(2 * RI_SUBJ)		/* 4 KiB pages, then THP */

static const char *const ri_op[3] = { "munmap", "MADV_DONTNEED", "mprotect" };

static int ri_kinds(int *kind)
{
	int n = 0, m;

	kind[n++] = RS_NONE;
	kind[n++] = RS_TWIN;
	kind[n++] = RS_FLOOR;
	kind[n++] = RS_KVM;
	for (m = 0; m < 4; m++)
		kind[n++] = RS_SECMMU + m;
	return n;
}

static const char *ri_role(int kind)
{
	return kind == RS_NONE ? "baseline" : kind == RS_TWIN ? "twin" :
	       kind == RS_FLOOR ? "floor" : kind == RS_KVM ? "kvm" : "secmmu";
}

/*
 * Does subject @s run call @op over @mb MiB?  THP from 4 MiB (1 MiB is no
 * 2 MiB page); @only_op: that call only (SECMMU_REALINVAL_OP).
 */
static bool ri_runs(const struct rsub *s, unsigned int mb, int op,
		    const char *only_op)
{
	return s->live && !(s->thp && mb < 4) &&
	       !(only_op && strcmp(only_op, ri_op[op]));
}

void series_realinval(void)
{
	static struct rsub subj[RI_ALL];
	int kind[RI_SUBJ], nk = ri_kinds(kind), ns = 2 * nk, nodes = smu_nr_nodes();
	int k, op;
	unsigned int maxmb = cfg.quick ? (cfg.size_mb < 4 ? cfg.size_mb : 4) :
			     cfg.inval_max_mb, reps = cfg.reps, mb, nmb = 0, r, i;
	static double us[8][3][RI_ALL][MAX_SAMPLES], kb[8][RI_ALL][MAX_SAMPLES];
	unsigned int mbs[8];
	const char *only = getenv("SECMMU_REALINVAL_ONLY");
	const char *only_op = getenv("SECMMU_REALINVAL_OP");
	char ans[64];

	if (!cfg.quick && reps < 9)
		reps = 9;
	if (reps > MAX_SAMPLES)
		reps = MAX_SAMPLES;
	if (nodes < 1)
		nodes = 1;
	for (mb = 1; mb <= maxmb && nmb < 8; mb *= 4)
		mbs[nmb++] = mb;
	if (!real_begin("realinval", true))
		return;
	printf("\n== realinval: munmap / MADV_DONTNEED / mprotect of 1..%u MiB that a "
	       "secondary MMU mapped, 4 KiB pages and THP (from 4 MiB), %u reps, "
	       "subjects interleaved ==\n", maxmb, reps);
	memset(subj, 0, sizeof(subj));
	for (k = 0; k < ns; k++) {
		struct rsub *s = &subj[k];
		int kd = kind[k % nk];

		s->thp = k >= nk;
		/*
		 * Profiling (scripts/profile-realage.sh): SECMMU_REALINVAL_ONLY=
		 * KIND runs "none" and that one, SECMMU_REALINVAL_THP=1 over THP
		 * only, SECMMU_REALINVAL_OP=OP that call only.
		 */
		if (only && kd != RS_NONE && strcmp(only, rs_kind_name(kd)))
			continue;
		if (getenv("SECMMU_REALINVAL_THP") && !s->thp)
			continue;
		s->role = ri_role(kd);
		if (kd >= RS_SECMMU)
			snprintf(s->name, sizeof(s->name), "secmmu %s",
				 mode_name[kd - RS_SECMMU]);
		else
			snprintf(s->name, sizeof(s->name), "%s",
				 kd == RS_NONE ? "none" : kd == RS_TWIN ?
				 "none (twin)" : kd == RS_FLOOR ? "empty notifier" :
				 "kvm");
		if (!rsub_start(s, "realinval", kd, k % nodes, maxmb) &&
		    kd != RS_FLOOR && kd != RS_KVM)
			die("realinval: subject %s failed to start", s->name);
	}
	for (r = 0; r < reps; r++)
		for (i = 0; i < nmb; i++)
			for (op = 0; op < 3; op++)
				for (k = 0; k < ns; k++) {
					int j = (k + r) % ns;
					struct rsub *s = &subj[j];
					double t, h = 0;

					if (!ri_runs(s, mbs[i], op, only_op))
						continue;
					rsub_ask(s, ans, sizeof(ans), "inval %d %u", op, mbs[i]);
					if (sscanf(ans, "%lf %lf", &t, &h) < 1)
						die("realinval: %s: bad answer '%s'", s->name, ans);
					us[i][op][j][r] = t / 1e3;
					kb[i][j][r] = h;
				}
	for (i = 0; i < nmb; i++)
		for (op = 0; op < 3; op++)
			for (k = 0; k < ns; k++) {
				struct rsub *s = &subj[k];
				char kase[96];

				if (!ri_runs(s, mbs[i], op, only_op))
					continue;
				snprintf(kase, sizeof(kase), "%.39s, %s %u MiB", s->name,
					 ri_op[op], mbs[i]);
				emit(s->thp ? "realinval-thp" : "realinval", kase, s->role,
				     "us", us[i][op][k], reps,
				     "\"subject\":\"%s\",\"op\":\"%s\",\"mb\":%u,"
				     "\"pages\":%u,\"thp_kb\":%.0f", s->name, ri_op[op],
				     mbs[i], mbs[i] * 256, median(kb[i][k], reps));
			}
	for (k = 0; k < ns; k++)
		rsub_stop(&subj[k]);
	real_end();
}
