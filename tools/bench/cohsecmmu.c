// SPDX-License-Identifier: GPL-2.0
/*
 * secmmu's subjects of series coherence (coh.h): secmmu-bench re-executed
 * as
 *
 *   secmmu-bench --coh-subject STYLE MAXPAGES
 *
 * STYLE: none (no secondary MMU), or a secmmu VM in coherence style
 * notifier, interval or interval_two_pass (SECMMU_CAP_COHERENCE, set
 * before the first memslot), with two vCPUs.  Memslot N sits at
 * GFN0 + N * SLOT_GFNS; the vCPUs access one 8-byte word per page with
 * SECMMU_ACCESS_BATCH.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "coh.h"

#define SLOT_GFNS	(1ULL << 20)	/* 4 GiB of gfns per memslot */

static const char *const style_name[] = {
	[SECMMU_COHERENCE_NOTIFIER]		= "notifier",
	[SECMMU_COHERENCE_INTERVAL]		= "interval",
	[SECMMU_COHERENCE_INTERVAL_TWO_PASS]	= "interval_two_pass",
};

static int vm = -1, vcpu[COH_THREADS];
static struct {
	char *hva;
	size_t np;
} slot[COH_MAX_SLOTS];
static struct ops thr_ops[COH_THREADS];	/* coh_alloc()ed, max pages */
static __u64 word[COH_THREADS];

static int coh_style(const char *name)
{
	int s;

	for (s = 0; s < SECMMU_COHERENCE_NR_STYLES; s++)
		if (!strcmp(name, style_name[s]))
			return s;
	return -1;
}

static void sm_attach(int id, char *p, size_t np)
{
	CHECK(smu_set_memslot(vm, id, 0, GFN0 + id * SLOT_GFNS, np, p));
	slot[id].hva = p;
	slot[id].np = np;
}

static void sm_detach(int id)
{
	CHECK(smu_del_memslot(vm, id));
	slot[id].hva = NULL;
}

static void sm_prep(int thr, char *q, size_t n, bool write)
{
	struct ops *o = &thr_ops[thr];
	size_t i;
	int id;

	for (id = 0; id < COH_MAX_SLOTS; id++)
		if (slot[id].hva && q >= slot[id].hva &&
		    q + n * PAGE <= slot[id].hva + slot[id].np * PAGE)
			break;
	if (id == COH_MAX_SLOTS)
		coh_fatal("prep: %zu pages at %p in no memslot", n, q);
	for (i = 0; i < n; i++)
		smu_op(&o->op[i], 0, SMU_GPA(GFN0 + id * SLOT_GFNS +
					     (q - slot[id].hva) / PAGE + i),
		       &word[thr], sizeof(word[thr]), write);
	o->n = n;
}

static void sm_run(int thr)
{
	ops_run(vcpu[thr], &thr_ops[thr]);
}

static long long sm_zapped(void)
{
	return (long long)smu_stat(vm, SECMMU_STAT_SPTES_ZAPPED);
}

int coh_secmmu_subject(const char *style, const char *maxpages)
{
	static struct coh_backend b = { .name = "none" };
	size_t max = strtoul(maxpages, NULL, 0);
	int s = coh_style(style), t;

	if (!max)
		return 2;
	if (strcmp(style, "none")) {
		if (s < 0)
			return 2;
		b = (struct coh_backend) {
			.name = style_name[s], .attach = sm_attach,
			.detach = sm_detach, .prep = sm_prep, .run = sm_run,
			.zapped = sm_zapped,
		};
		vm = smu_open_vm();
		CHECK(vm);
		CHECK(smu_enable_cap(vm, SECMMU_CAP_COHERENCE, s));
		for (t = 0; t < COH_THREADS; t++) {
			vcpu[t] = smu_create_vcpu(vm, t);
			CHECK(vcpu[t]);
			thr_ops[t].op = coh_alloc(max * sizeof(*thr_ops[t].op));
		}
	}
	return coh_serve(&b, max);
}
