// SPDX-License-Identifier: GPL-2.0
/*
 * secmmu-bench series throughput (and its scaling rows): vCPU
 * throughput during continuous aging, and from one to two vCPUs.
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

/*
 * Pages zapped, then faulted, at a time: big, because under TCG the
 * mprotect() round trip (a TLB shootdown of the busy CPU 1) costs as much
 * as thousands of faults, and the timed faults per sample must be many.
 */
#define TP_CHUNK	BATCH

/*
 * One vCPU's workload over the ops @o (one 8-byte read per page of @mem) for
 * cfg.dur_ms: "hit" reads every page in BATCH-op batches, SPTEs stay
 * present; "fault" zaps each TP_CHUNK-page chunk (untimed), then reads it
 * (timed: one secondary fault per page).  Returns pages per second of
 * timed vCPU work: the zaps are not in it, so the ratio to the baseline is
 * the fault path's own.
 */
static double tp_run(int vcpu, const struct ops *o, char *mem, bool fault)
{
	size_t chunk = fault ? TP_CHUNK : BATCH, off = 0, np = o->n;
	__u64 t0 = now_ns(), end = t0 + cfg.dur_ms * 1000000ULL, t = t0;
	__u64 pages = 0, busy = 0;

	while (t < end) {
		size_t n = chunk < np - off ? chunk : np - off;
		struct ops part = { o->op + off, n };
		__u64 t1;

		if (fault)
			zap_range(mem + off * PAGE, n);
		t1 = now_ns();
		ops_run(vcpu, &part);
		t = now_ns();
		busy += t - t1;
		pages += n;
		off = (off + n) % np;
	}
	return busy ? pages / (busy / 1e9) : 0;
}

/*
 * Fault scaling: vCPU 0 (CPU 0) faults the first half of the slot, and with
 * @two, vCPU 1 (CPU 1, this helper) the second half at the same time.
 * Rounds: the whole slot is zapped (untimed, both vCPUs idle), then the
 * round is timed from its start to the end of the last vCPU's faults.
 *
 * The control (no VM): the same rounds with a compute loop in place of
 * each vCPU's faults, so the machine's own 1 -> 2 CPU scaling (under QEMU
 * TCG, whether the host gives the guest two CPUs at all) is measured next
 * to secmmu's.
 */
struct helper {
	pthread_t thr;
	int vcpu;			/* < 0: the control */
	struct ops o;
	atomic_uint go, done;		/* round numbers; go = ~0: exit */
};

/*
 * Wait while *@w == @old: spin a little, then sleep in the kernel, so that a
 * guest CPU with nothing to do goes idle (under QEMU TCG, a spinning vCPU
 * would take a host CPU from the one doing the work).
 */
static void wait_while(atomic_uint *w, unsigned int old)
{
	int i;

	for (i = 0; i < 1000; i++)
		if (atomic_load(w) != old)
			return;
	while (atomic_load(w) == old)
		syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, old, NULL, NULL, 0);
}

static void post(atomic_uint *w, unsigned int val)
{
	atomic_store(w, val);
	syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void spin_work(size_t n)
{
	__u64 x = 0x9e3779b97f4a7c15ULL;
	size_t i;

	for (i = 0; i < n * 256; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	sink += x;
}

static void *helper_fn(void *arg)
{
	struct helper *h = arg;
	unsigned int seen = 0, g;

	pin(1);
	for (;;) {
		wait_while(&h->go, seen);
		g = atomic_load(&h->go);
		if (g == ~0U)
			return NULL;
		if (h->vcpu < 0)
			spin_work(h->o.n);
		else
			ops_run(h->vcpu, &h->o);
		seen = g;
		post(&h->done, g);
	}
}

static double scale_run(struct vm *vm, const struct ops *o, char *mem, bool two)
{
	size_t half = o->n / 2;
	struct ops first = { o->op, half };
	__u64 t0 = now_ns(), end = t0 + cfg.dur_ms * 1000000ULL, t = t0;
	__u64 pages = 0, busy = 0;
	struct helper h;
	unsigned int round = 0;

	h.vcpu = vm ? vm->vcpu[1] : -1;
	h.o.op = o->op + half;
	h.o.n = o->n - half;
	atomic_store(&h.go, 0);
	atomic_store(&h.done, 0);
	if (two && pthread_create(&h.thr, NULL, helper_fn, &h))
		die("pthread_create");
	while (t < end) {
		__u64 t1;

		if (vm)
			zap_range(mem, o->n);
		t1 = now_ns();
		round++;
		if (two)
			post(&h.go, round);
		if (vm)
			ops_run(vm->vcpu[0], &first);
		else
			spin_work(half);
		if (two)
			wait_while(&h.done, round - 1);
		t = now_ns();
		busy += t - t1;
		pages += two ? o->n : half;
	}
	if (two) {
		post(&h.go, ~0U);
		pthread_join(h.thr, NULL);
	}
	return busy ? pages / (busy / 1e9) : 0;
}

/* What a throughput repetition measures, per rmap mode. */
enum { TP_AGING, TP_BASE, TP_TWIN, TP_IDLE, TP_KINDS };

static const char *const tp_kind[TP_KINDS] = {
	[TP_AGING]	= "aging",
	[TP_BASE]	= "ager-shaped baseline",
	[TP_TWIN]	= "ager-shaped baseline (twin)",
	[TP_IDLE]	= "no ager, CPU 1 idle",
};

static const char *const tp_role[TP_KINDS] = {
	[TP_AGING] = "secmmu", [TP_BASE] = "baseline", [TP_TWIN] = "twin",
	[TP_IDLE] = "reference",
};

/*
 * The order of one repetition (rotated by one every repetition): each
 * mode's aging run next to its baseline; the baseline twin and the idle
 * reference in the single-lockless VM only (the goal's mode).
 */
static const struct { int mode, kind; } tp_items[] = {
	{ SECMMU_RMAP_LOCKED,		TP_AGING },
	{ SECMMU_RMAP_LOCKED,		TP_BASE },
	{ SECMMU_RMAP_SINGLE_LOCKLESS,	TP_AGING },
	{ SECMMU_RMAP_SINGLE_LOCKLESS,	TP_BASE },
	{ SECMMU_RMAP_SINGLE_LOCKLESS,	TP_TWIN },
	{ SECMMU_RMAP_LOCK_BIT,		TP_AGING },
	{ SECMMU_RMAP_LOCK_BIT,		TP_BASE },
	{ SECMMU_RMAP_TABLE_WALK,	TP_AGING },
	{ SECMMU_RMAP_TABLE_WALK,	TP_BASE },
	{ SECMMU_RMAP_SINGLE_LOCKLESS,	TP_IDLE },
};
#define TP_NR	(int)(sizeof(tp_items) / sizeof(tp_items[0]))

/*
 * Fault scaling: 1 and 2 vCPUs per mode, a twin of 1 vCPU, and the
 * control (mode -1: a compute loop instead of faults, no VM).
 */
static const struct { int mode, vcpus; bool twin; } sc_items[] = {
	{ SECMMU_RMAP_LOCKED,		1, false },
	{ SECMMU_RMAP_LOCKED,		2, false },
	{ SECMMU_RMAP_SINGLE_LOCKLESS,	1, false },
	{ SECMMU_RMAP_SINGLE_LOCKLESS,	2, false },
	{ SECMMU_RMAP_SINGLE_LOCKLESS,	1, true },
	{ SECMMU_RMAP_LOCK_BIT,		1, false },
	{ SECMMU_RMAP_LOCK_BIT,		2, false },
	{ SECMMU_RMAP_TABLE_WALK,	1, false },
	{ SECMMU_RMAP_TABLE_WALK,	2, false },
	{ -1,				1, false },
	{ -1,				2, false },
};
#define SC_NR	(int)(sizeof(sc_items) / sizeof(sc_items[0]))

struct tp_sample {
	double v[MAX_SAMPLES], sweeps[MAX_SAMPLES], young[MAX_SAMPLES];
	double faults[MAX_SAMPLES], retries[MAX_SAMPLES];
};

void series_throughput(void)
{
	size_t len = (size_t)cfg.tp_mb << 20, np = len / PAGE;
	unsigned int reps = cfg.quick ? cfg.reps : cfg.reps > 9 ? cfg.reps : 9;
	static struct tp_sample S[2][TP_NR], C[SC_NR];
	struct vm vms[SECMMU_RMAP_NR_MODES];
	char *mem[SECMMU_RMAP_NR_MODES], *other = region(len, true);
	struct ops o[SECMMU_RMAP_NR_MODES];
	__u64 word;
	unsigned int r;
	int m, w, k;

	printf("\n== throughput: vCPU pages/s over %zu pages (%u MiB) while "
	       "SECMMU_AGE CLEAR sweeps them, against the same sweeps (TEST) of an "
	       "unrelated memslot; fault scaling 1 -> 2 vCPUs; %u ms x %u reps, "
	       "interleaved ==\n", np, cfg.tp_mb, cfg.dur_ms, reps);
	/*
	 * One VM per mode: slot 0 is the vCPUs' (its own host pages, so one
	 * VM's zaps never reach another's mappings), slot 1 the baseline
	 * ager's (every page mapped once, never zapped: TEST keeps them so).
	 */
	for (m = 0; m < SECMMU_RMAP_NR_MODES; m++) {
		struct ops t;

		mem[m] = region(len, true);
		vm_open(&vms[m], m);
		CHECK(smu_set_memslot(vms[m].fd, 0, 0, GFN0, np, mem[m]));
		CHECK(smu_set_memslot(vms[m].fd, 1, 0, GFN1, np, other));
		ops_build(&o[m], 0, GFN0, np, sizeof(word), false, &word);
		ops_build(&t, 0, GFN1, np, sizeof(word), false, &word);
		ops_run(vms[m].vcpu[1], &t);
		ops_free(&t);
	}

	for (w = 0; w < 2; w++) {
		for (r = 0; r < reps; r++) {
			for (k = 0; k < TP_NR; k++) {
				int a = (k + r) % TP_NR, kind = tp_items[a].kind;
				struct tp_sample *s = &S[w][a];
				struct vm *vm = &vms[tp_items[a].mode];
				struct secmmu_stats s0, s1;
				struct ager g;
				__u64 t;

				m = tp_items[a].mode;
				if (!w)			/* every SPTE present (untimed) */
					ops_run(vm->vcpu[0], &o[m]);
				snap(vm->fd, &s0);
				t = now_ns();
				if (kind == TP_AGING)
					ager_start(&g, vm->fd, SECMMU_AGE_CLEAR, GFN0, np);
				else if (kind != TP_IDLE)
					ager_start(&g, vm->fd, SECMMU_AGE_TEST, GFN1, np);
				s->v[r] = tp_run(vm->vcpu[0], &o[m], mem[m], w);
				if (kind != TP_IDLE) {
					ager_stop(&g);
					s->sweeps[r] = g.sweeps / ((now_ns() - t) / 1e9);
					s->young[r] = g.sweeps ? (double)g.young / g.sweeps : 0;
				} else {
					s->sweeps[r] = s->young[r] = 0;
				}
				snap(vm->fd, &s1);
				s->faults[r] = DELTA(&s0, &s1, SECMMU_STAT_FAULTS);
				s->retries[r] = DELTA(&s0, &s1, SECMMU_STAT_FAULT_RETRIES);
			}
		}
		for (k = 0; k < TP_NR; k++) {
			struct tp_sample *s = &S[w][k];
			int kind = tp_items[k].kind;
			char kase[96];

			m = tp_items[k].mode;
			snprintf(kase, sizeof(kase), "%s, %s, %s", w ? "fault" : "hit",
				 mode_name[m], tp_kind[kind]);
			emit("throughput", kase, tp_role[kind], "pages/s", s->v, reps,
			     "\"kind\":\"aging\",\"workload\":\"%s\",\"mode\":\"%s\","
			     "\"load\":\"%s\",\"pages\":%zu,\"duration_ms\":%u,"
			     "\"sweeps_per_s\":%.2f,\"young_per_sweep\":%.0f,"
			     "\"faults\":%.0f,\"fault_retries\":%.0f",
			     w ? "fault" : "hit", mode_name[m], tp_kind[kind], np,
			     cfg.dur_ms, median(s->sweeps, reps), median(s->young, reps),
			     median(s->faults, reps), median(s->retries, reps));
		}
	}

	/* Fault scaling, no aging. */
	for (r = 0; r < reps; r++) {
		for (k = 0; k < SC_NR; k++) {
			int a = (k + r) % SC_NR;
			struct secmmu_stats s0, s1;
			struct vm *vm;

			m = sc_items[a].mode;
			if (m < 0) {	/* the control: o[0] for its length only */
				C[a].v[r] = scale_run(NULL, &o[0], NULL,
						      sc_items[a].vcpus == 2);
				C[a].faults[r] = C[a].retries[r] = 0;
				continue;
			}
			vm = &vms[m];
			snap(vm->fd, &s0);
			C[a].v[r] = scale_run(vm, &o[m], mem[m], sc_items[a].vcpus == 2);
			snap(vm->fd, &s1);
			C[a].faults[r] = DELTA(&s0, &s1, SECMMU_STAT_FAULTS);
			C[a].retries[r] = DELTA(&s0, &s1, SECMMU_STAT_FAULT_RETRIES);
		}
	}
	for (k = 0; k < SC_NR; k++) {
		char kase[96];

		m = sc_items[k].mode;
		snprintf(kase, sizeof(kase), "scaling, %s, %d vCPU%s%s",
			 m < 0 ? "control" : mode_name[m],
			 sc_items[k].vcpus, sc_items[k].vcpus > 1 ? "s" : "",
			 sc_items[k].twin ? " (twin)" : "");
		emit("throughput", kase, sc_items[k].twin ? "twin" :
		     sc_items[k].vcpus == 1 ? "baseline" : "secmmu",
		     m < 0 ? "work units/s" : "pages/s",
		     C[k].v, reps, "\"kind\":\"scaling\",\"mode\":\"%s\",\"vcpus\":%d,"
		     "\"pages_per_vcpu\":%zu,\"duration_ms\":%u,\"faults\":%.0f,"
		     "\"fault_retries\":%.0f", m < 0 ? "control" : mode_name[m],
		     sc_items[k].vcpus,
		     np / 2, cfg.dur_ms, median(C[k].faults, reps),
		     median(C[k].retries, reps));
	}

	for (m = 0; m < SECMMU_RMAP_NR_MODES; m++) {
		ops_free(&o[m]);
		vm_close(&vms[m]);
		munmap(mem[m], len);
	}
	munmap(other, len);
}
