/* SPDX-License-Identifier: GPL-2.0 */
/*
 * secmmu-bench: what the series share (common.c: configuration, records,
 * VM and access-list helpers; churn.c: the threads run beside a
 * measurement) and the series table's entries, one file per series.
 */
#ifndef SECMMU_BENCH_H
#define SECMMU_BENCH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <linux/types.h>

#include "secmmu_util.h"

#define PAGE		SMU_PAGE_SIZE
#define GFN0		0x100000ULL	/* slot 0: the mirrored range */
#define GFN1		0x4000000ULL	/* slot 1: the concurrent thread's */
#define BATCH		4096		/* ops per SECMMU_ACCESS_BATCH */
#define BENCH_MAX_SAMPLES	64
#define MAX_SAMPLES	BENCH_MAX_SAMPLES
#define REC		"@@SMB "

/* The run's parameters, set once by main() (secmmu-bench.c). */
struct bench_cfg {
	bool quick;
	unsigned int size_mb;		/* series age (and inval max) */
	unsigned int acc_mb;		/* series access */
	unsigned int mem_mb;		/* series mem */
	unsigned int tp_mb;		/* series throughput */
	unsigned int inval_max_mb;
	unsigned int reps;
	unsigned int dur_ms;		/* series throughput, per sample */
	char series[256];
};

extern struct bench_cfg cfg;
extern const char *const mode_name[];
extern volatile __u64 sink;		/* keeps baseline loads alive */

void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#define CHECK(expr) do {						\
	long __r = (long)(expr);					\
	if (__r < 0)							\
		die("%s:%d: %s = %ld (%s)", __FILE__, __LINE__, #expr,	\
		    __r, strerror((int)-__r));				\
} while (0)

__u64 now_ns(void);
void pin(int cpu);

/* ---- records (common.c) ----------------------------------------------- */

double median(const double *v, int n);
void emit(const char *series, const char *kase, const char *role,
	  const char *unit, const double *v, int n, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
void emit_skip(const char *series, const char *why);

/* ---- VMs and access lists (common.c) ---------------------------------- */

struct vm {
	int fd;
	int vcpu[2];
};

void vm_open(struct vm *vm, int rmap_mode);
void vm_close(struct vm *vm);
void snap(int vm, struct secmmu_stats *st);

#define DELTA(a, b, s)	((double)((b)->val[s] - (a)->val[s]))

void *region(size_t len, bool populate);
void *calloc_unaged(size_t n, size_t size);

/*
 * A prebuilt access list: @n ops, one per page from @gfn through @view,
 * @len bytes each (all into/from one buffer, like the memcpy baseline).
 */
struct ops {
	struct secmmu_access_op *op;
	size_t n;
};

void ops_build(struct ops *o, __u16 view, __u64 gfn, size_t n,
	       __u32 len, bool write, void *buf);
void ops_run(int vcpu, const struct ops *o);
void ops_free(struct ops *o);

/* ---- threads beside a measurement (churn.c) --------------------------- */

/*
 * vCPU 1 on CPU 1: over its own memslot (slot 1), zaps its SPTEs with an
 * mprotect() round trip (an invalidation, host pages stay) and reads one
 * word of every page again (a secondary fault each), in a loop.
 */
struct churn {
	pthread_t thr;
	int vcpu;
	char *mem;
	size_t np;
	atomic_bool stop;
	atomic_bool running;		/* in its loop, on CPU 1 */
	__u64 pages;			/* accessed (all faulted) */
	__u64 loops;
};

void churn_slot(int vm, struct churn *c, size_t np);
void churn_start(struct churn *c, int vcpu);
void churn_stop(struct churn *c);

/*
 * A thread on CPU 1 that loops SECMMU_AGE with @flags over @np pages from
 * @gfn of VM @vm: CLEAR over the vCPU's own pages (aging), or TEST over an
 * unrelated memslot of the same VM, all mapped and young (the baseline: the
 * same ioctl, the same walker and locks of the same VM, the same CPU taken
 * away from the guest, but none of the vCPU's pages).
 */
struct ager {
	pthread_t thr;
	int vm;
	__u32 flags;
	__u64 gfn;
	size_t np;
	atomic_bool stop;
	__u64 sweeps, young;
};

void ager_start(struct ager *g, int vm, __u32 flags, __u64 gfn, size_t np);
void ager_stop(struct ager *g);
/* Zap the SPTEs of @n pages at @p (host pages stay): an mprotect() round trip. */
void zap_range(char *p, size_t n);

/* ---- the series, one file each ---------------------------------------- */

void series_access(void);		/* access.c */
void series_age(void);			/* age.c */
void touch_views(struct vm *vm, size_t np, int from, int to);
void series_throughput(void);		/* throughput.c */
void series_inval(void);		/* inval.c */
void series_numa(void);			/* numa.c */
void series_huge(void);			/* huge.c */
void series_dirty(void);		/* dirty.c, on dirtylib.c */
void series_dirtyscale(void);		/* dirtyscale.c, on dirtylib.c */
void series_mem(void);			/* mem.c */
void series_coherence(void);		/* coherence.c, coh.h */
/* A subject process of series coherence (cohsecmmu.c), re-executed by it. */
int coh_secmmu_subject(const char *style, const char *maxpages);
void series_noage(void);		/* noage.c: reclaim, mirrors not aging */
/* A subject process of series noage, re-executed by it. */
int noage_subject(const char *kind, const char *geom);
/* Beside KVM, in a boot with KVM (real.h) */
void series_realage(void);		/* realage.c */
void series_realinval(void);		/* realinval.c */
void series_realdirty(void);		/* realdirty.c */
void series_realvcpu(void);		/* realvcpu.c */
/* A subject process of series realage, re-executed by it. */
int realage_subject(const char *kind, const char *mib);

#endif
