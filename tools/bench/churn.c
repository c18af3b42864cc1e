// SPDX-License-Identifier: GPL-2.0
/*
 * secmmu-bench: the threads that run beside a measurement on CPU 1: a
 * faulting vCPU (churn) and an aging loop (ager).  Declared in bench.h.
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

static void *churn_fn(void *arg)
{
	struct churn *c = arg;
	struct ops o;
	__u64 word;

	pin(1);
	ops_build(&o, 0, GFN1, c->np, sizeof(word), false, &word);
	atomic_store(&c->running, true);
	while (!atomic_load(&c->stop)) {
		if (mprotect(c->mem, c->np * PAGE, PROT_READ) ||
		    mprotect(c->mem, c->np * PAGE, PROT_READ | PROT_WRITE))
			die("mprotect: %s", strerror(errno));
		ops_run(c->vcpu, &o);
		c->pages += c->np;
		c->loops++;
	}
	ops_free(&o);
	return NULL;
}

void churn_slot(int vm, struct churn *c, size_t np)
{
	c->np = np;
	c->mem = region(np * PAGE, true);
	CHECK(smu_set_memslot(vm, 1, 0, GFN1, np, c->mem));
}

void churn_start(struct churn *c, int vcpu)
{
	c->vcpu = vcpu;
	c->pages = c->loops = 0;
	atomic_store(&c->stop, false);
	atomic_store(&c->running, false);
	if (pthread_create(&c->thr, NULL, churn_fn, c))
		die("pthread_create");
	/* Time nothing before the vCPU is faulting on its CPU. */
	while (!atomic_load(&c->running))
		sched_yield();
}

void churn_stop(struct churn *c)
{
	atomic_store(&c->stop, true);
	pthread_join(c->thr, NULL);
}

static void *ager_fn(void *arg)
{
	struct ager *g = arg;
	__u64 *young = calloc((g->np + 63) / 64, 8);
	struct secmmu_age res;

	if (!young)
		die("calloc");
	pin(1);
	while (!atomic_load(&g->stop)) {
		CHECK(smu_age(g->vm, g->flags, g->gfn, g->np, young, NULL, &res));
		g->sweeps++;
		g->young += res.nr_young;
	}
	free(young);
	return NULL;
}

void ager_start(struct ager *g, int vm, __u32 flags, __u64 gfn, size_t np)
{
	g->vm = vm;
	g->flags = flags;
	g->gfn = gfn;
	g->np = np;
	g->sweeps = g->young = 0;
	atomic_store(&g->stop, false);
	if (pthread_create(&g->thr, NULL, ager_fn, g))
		die("pthread_create");
}

void ager_stop(struct ager *g)
{
	atomic_store(&g->stop, true);
	pthread_join(g->thr, NULL);
}

/* Zap the SPTEs of @n pages at @p (host pages stay): an mprotect() round trip. */
void zap_range(char *p, size_t n)
{
	if (mprotect(p, n * PAGE, PROT_READ) ||
	    mprotect(p, n * PAGE, PROT_READ | PROT_WRITE))
		die("mprotect: %s", strerror(errno));
}
