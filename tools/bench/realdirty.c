// SPDX-License-Identifier: GPL-2.0
/*
 * Series realdirty (issue 28): getting and clearing the dirty log per
 * dirty page, secmmu beside KVM, on the same dirty sets.
 *
 * Four subjects (real.h), each a process with a memslot over SIZE_MB of
 * anonymous 4 KiB pages (256, QUICK 16), every page written once by its
 * vCPU before dirty logging is switched on (all write-protected, nothing
 * dirty):
 *
 *   kvm bitmap     KVM (bin/secmmu-real-kvm) with
 *                  KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2: get =
 *                  KVM_GET_DIRTY_LOG + a scan of the bitmap, clear =
 *                  KVM_CLEAR_DIRTY_LOG of those bits (re-protects them)
 *   kvm ring       KVM with a 65536-entry dirty ring (the selftests'
 *                  vm_enable_dirty_ring()): get = harvest of the mmapped
 *                  ring, clear = KVM_RESET_DIRTY_RINGS
 *   secmmu bitmap  SECMMU_GET_DIRTY_LOG + scan, SECMMU_CLEAR_DIRTY_LOG
 *   secmmu ring    harvest of the mmapped ring (secmmu_dirty_ring.h),
 *                  SECMMU_RESET_DIRTY_RINGS
 *
 * A sample: the vCPU writes one word of every STRIDE-th page (64, 8, 2:
 * 1.6%, 12.5%, 50% of the slot dirty; the same pages for every subject),
 * then get and clear are timed apart.  Per repetition every stride and
 * subject, the subjects in an order rotating with the repetition.  The
 * report gives ns per dirty page and secmmu's ratio to KVM's, bitmap to
 * bitmap and ring to ring.  (KVM's dirty_log_perf_test times the bitmap
 * only, over all of its memory; the program here times both on our sets.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "real.h"

#define RD_SUBJ		4
#define RD_STRIDES	3

void series_realdirty(void)
{
	static const unsigned int stride[RD_STRIDES] = { 64, 8, 2 };
	static const char *const name[RD_SUBJ] = {
		"kvm bitmap", "kvm ring", "secmmu bitmap", "secmmu ring",
	};
	static const int kind[RD_SUBJ] = { RS_KVM, RS_KVM_RING, RS_DBITMAP, RS_DRING };
	static double get[RD_SUBJ][RD_STRIDES][MAX_SAMPLES];
	static double clr[RD_SUBJ][RD_STRIDES][MAX_SAMPLES];
	struct rsub subj[RD_SUBJ] = {};
	unsigned int mib = cfg.size_mb, reps = cfg.reps, r, i;
	size_t np = (size_t)mib << 8;
	bool ok[RD_SUBJ][RD_STRIDES];
	int nodes = smu_nr_nodes(), k;
	char ans[96];

	if (!cfg.quick && reps < 9)
		reps = 9;
	if (reps > MAX_SAMPLES)
		reps = MAX_SAMPLES;
	if (nodes < 1)
		nodes = 1;
	memset(ok, 1, sizeof(ok));
	if (!real_begin("realdirty", true))
		return;
	printf("\n== realdirty: dirty log get / clear per dirty page over %u MiB, KVM "
	       "and secmmu, bitmap and ring, %u reps ==\n", mib, reps);
	for (k = 0; k < RD_SUBJ; k++) {
		struct rsub *s = &subj[k];

		snprintf(s->name, sizeof(s->name), "%s", name[k]);
		s->role = k < 2 ? "kvm" : "secmmu";
		if (!rsub_start(s, "realdirty", kind[k], k % nodes, mib)) {
			if (k >= 2)
				die("realdirty: subject %s failed to start", s->name);
			continue;
		}
		rsub_ask(s, ans, sizeof(ans), "mem %u log", mib);
	}
	for (r = 0; r < reps; r++)
		for (i = 0; i < RD_STRIDES; i++)
			for (k = 0; k < RD_SUBJ; k++) {
				int j = (k + r) % RD_SUBJ;
				struct rsub *s = &subj[j];
				size_t want = (np + stride[i] - 1) / stride[i];
				unsigned long long g, c, f;

				if (!s->live)
					continue;
				rsub_ask(s, ans, sizeof(ans), "dirty %u", stride[i]);
				if (sscanf(ans, "%llu %llu %llu", &g, &c, &f) != 3)
					die("realdirty: %s: bad answer '%s'", s->name, ans);
				if (f != want) {
					printf("   realdirty: %s, 1/%u: found %llu dirty pages, "
					       "wrote %zu\n", s->name, stride[i], f, want);
					ok[j][i] = false;
				}
				get[j][i][r] = (double)g / want;
				clr[j][i][r] = (double)c / want;
			}
	for (k = 0; k < RD_SUBJ; k++) {
		struct rsub *s = &subj[k];
		char kase[96];

		if (!s->live)
			continue;
		for (i = 0; i < RD_STRIDES; i++) {
			size_t want = (np + stride[i] - 1) / stride[i];
			int op;

			for (op = 0; op < 2; op++) {
				snprintf(kase, sizeof(kase), "%.39s, %s, 1/%u dirty", s->name,
					 op ? "clear" : "get", stride[i]);
				emit("realdirty", kase, s->role, "ns/dirty page",
				     op ? clr[k][i] : get[k][i], reps,
				     "\"subject\":\"%s\",\"method\":\"%s\",\"op\":\"%s\","
				     "\"stride\":%u,\"dirty\":%zu,\"pages\":%zu,"
				     "\"all_found\":%s", s->name,
				     strstr(s->name, "ring") ? "ring" : "bitmap",
				     op ? "clear" : "get", stride[i], want, np,
				     ok[k][i] ? "true" : "false");
			}
		}
	}
	for (k = 0; k < RD_SUBJ; k++)
		rsub_stop(&subj[k]);
	real_end();
}
