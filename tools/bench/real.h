/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The series on the kernel's own paths beside KVM (issue 28): realage
 * (realage.c), realinval, realdirty and realvcpu (realinval.c, ...).
 * real.c holds what they share: the subject processes, each in a memcg of
 * its own with its memory bound to one node, driven one command line at a
 * time (realsubj.c for none / empty notifier / secmmu, and KVM's
 * bin/secmmu-real-kvm, tools/bench/kvm/real-kvm.c: the protocol is
 * written there); and one timed MGLRU aging pass over a memcg.
 */
#ifndef SECMMU_BENCH_REAL_H
#define SECMMU_BENCH_REAL_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#define LRU_GEN		"/sys/kernel/debug/lru_gen"
#define CG_ROOT		"/sys/fs/cgroup"
#define FLOOR_DEV	"/dev/secmmu_floor"
#define FLOOR_KO	"/lib/modules/secmmu_floor.ko"
#define REAL_KVM	"/bin/secmmu-real-kvm"

/* Subject kinds, the argument of --real-subject (realsubj.c). */
enum {
	RS_NONE, RS_TWIN, RS_FLOOR, RS_KVM, RS_KVM_RING,
	RS_DBITMAP, RS_DRING,		/* secmmu, dirty bitmap / ring */
	RS_SECMMU,			/* + rmap mode */
	RS_NR = RS_SECMMU + 4,
};

const char *rs_kind_name(int kind);

struct rsub {
	char name[40];			/* the record's case */
	const char *role;
	int kind;
	pid_t pid;
	int cmd;			/* write end of its stdin */
	FILE *ans;			/* read end of its fd 3 */
	int node;
	char cg[64];			/* cgroup directory */
	bool live;
	bool thp;			/* set before rsub_start(): over THP */
};

/*
 * The common start of a real* series: MGLRU, the memory controller, the
 * empty-notifier module.  False (after emit_skip()) when the machine lacks
 * them.  real_end() undoes what real_begin() loaded.
 */
bool real_begin(const char *series, bool need_kvm);
void real_end(void);

/*
 * Start subject @kind of @series on node @node; maxmib: the largest range
 * it will map; over THP instead of 4 KiB pages if @s->thp.  False when it
 * could not start (printed).
 */
bool rsub_start(struct rsub *s, const char *series, int kind, int node,
		unsigned int maxmib);
/*
 * Start @argv (argv[0] a path, NULL-terminated) as subject @s: in cgroup
 * @s->cg (made here), its memory bound to @s->node before it allocates,
 * commands on its stdin, answers on its fd 3; live once it says "ready".
 * False, with nothing left behind, when it did not start.
 */
bool rsub_spawn(struct rsub *s, const char *series, char *const argv[]);
/* Send one command line (printf @fmt), read one answer line into @ans. */
void rsub_ask(struct rsub *s, char *ans, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void rsub_stop(struct rsub *s);


/* One timed MGLRU aging pass over memcg @cg ("/x") on @node: ms. */
double mglru_pass(const char *who, const char *cg, int node);
/* An MGLRU pass over @s's memcg, for a loop: false if it did not run. */
bool mglru_pass_try(struct rsub *s);

/* The subject process (secmmu-bench --real-subject KIND MAXMIB). */
int real_subject(const char *kind, const char *maxmib);

#endif
