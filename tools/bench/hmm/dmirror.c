// SPDX-License-Identifier: GPL-2.0
/*
 * secmmu-dmirror: lib/test_hmm.c's dmirror as a subject of series
 * coherence (tools/bench/coh.h), beside secmmu's coherence styles.
 *
 *   secmmu-dmirror MAXPAGES
 *
 * Opens /dev/hmm_dmirror0 (test_hmm.ko: the 7.2 rig), which inserts one
 * mmu_interval_notifier over the whole of this process's mm and mirrors
 * its pages into an xarray: HMM_DMIRROR_READ and HMM_DMIRROR_WRITE of a
 * range fault what is missing with hmm_range_fault() (32 pages at a time,
 * under mmu_interval_read_begin() / _retry() and the mirror's mutex) and
 * copy every page to or from a bounce buffer.  So a cold read is fault +
 * copy and a warm one the copy alone: coherence.py takes the difference.
 * An invalidation erases the range from the xarray.  dmirror has no
 * memslots: the workload's attach and detach are nothing here.
 *
 * Built static from a kernel source tree's lib/test_hmm_uapi.h (the
 * tools Makefile's HMM_UAPI_DIR; scripts/bench.sh passes the 7.2 tree's),
 * as the kernel's own tools/testing/selftests/mm/hmm-tests.c is.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include <test_hmm_uapi.h>

#include "coh.h"

#define DMIRROR_DEV	"/dev/hmm_dmirror0"
#define PG		4096UL

static int fd = -1;
static char *bounce, *base;
static struct {
	struct hmm_dmirror_cmd cmd;
	unsigned long req;
} job[COH_THREADS];

static void dm_attach(int id, char *p, size_t np)
{
	(void)np;
	if (!id)
		base = p;
}

/* @q is in the range attached last (id 0): the bounce buffer's offset. */
static void dm_prep(int thr, char *q, size_t n, bool write)
{
	memset(&job[thr].cmd, 0, sizeof(job[thr].cmd));
	job[thr].cmd.addr = (uintptr_t)q;
	job[thr].cmd.ptr = (uintptr_t)(bounce + (q - base));
	job[thr].cmd.npages = n;
	job[thr].req = write ? HMM_DMIRROR_WRITE : HMM_DMIRROR_READ;
}

static void dm_run(int thr)
{
	struct hmm_dmirror_cmd *c = &job[thr].cmd;
	__u64 n = c->npages;

	if (ioctl(fd, job[thr].req, c))
		coh_fatal("HMM_DMIRROR_%s of %llu pages: %s",
			  job[thr].req == HMM_DMIRROR_WRITE ? "WRITE" : "READ",
			  (unsigned long long)n, strerror(errno));
	if (c->cpages != n)
		coh_fatal("dmirror copied %llu of %llu pages",
			  (unsigned long long)c->cpages, (unsigned long long)n);
}

int main(int argc, char **argv)
{
	static const struct coh_backend b = {
		.name = "dmirror", .attach = dm_attach, .prep = dm_prep,
		.run = dm_run,
	};
	size_t max;

	max = argc == 2 ? strtoul(argv[1], NULL, 0) : 0;
	if (!max) {
		fprintf(stderr, "usage: secmmu-dmirror MAXPAGES\n");
		return 2;
	}
	fd = open(DMIRROR_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "secmmu-dmirror: open %s: %s\n", DMIRROR_DEV,
			strerror(errno));
		return 1;
	}
	bounce = coh_alloc(max * PG);
	memset(bounce, 0x5e, max * PG);
	return coh_serve(&b, max);
}
