// SPDX-License-Identifier: GPL-2.0
/*
 * secmmu-bench series inval: munmap and MADV_DONTNEED of vCPU-faulted
 * memory, beside the same calls in an mm without secmmu.
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

/* One invalidation of @mb MiB; with @vm < 0, the same without secmmu. */
static void inval_once(struct vm *vm, unsigned int mb, bool dontneed,
		       double *us, double *zapped, double *flushes,
		       double *invals)
{
	size_t len = (size_t)mb << 20, np = len / PAGE;
	char *mem = region(len, true);
	struct secmmu_stats a, b;
	__u64 t;

	if (vm) {
		CHECK(smu_set_memslot(vm->fd, 0, 0, GFN0, np, mem));
		touch_views(vm, np, 0, 1);
		snap(vm->fd, &a);
	}
	t = now_ns();
	if (dontneed ? madvise(mem, len, MADV_DONTNEED) : munmap(mem, len))
		die("%s: %s", dontneed ? "madvise" : "munmap", strerror(errno));
	*us = (now_ns() - t) / 1e3;
	if (vm) {
		snap(vm->fd, &b);
		*zapped = DELTA(&a, &b, SECMMU_STAT_SPTES_ZAPPED);
		*flushes = DELTA(&a, &b, SECMMU_STAT_REMOTE_FLUSHES);
		*invals = DELTA(&a, &b, SECMMU_STAT_INVALIDATIONS);
		CHECK(smu_del_memslot(vm->fd, 0));
	}
	if (dontneed)
		munmap(mem, len);
}

/*
 * The baseline sample: the same invalidation in a child, whose mm never had
 * a secmmu notifier (subscriptions are not inherited by fork).  Forked per
 * sample so baseline and secmmu samples interleave in time.
 */
static double inval_baseline(unsigned int mb, bool dontneed)
{
	double us = -1, z, f, i;
	int p[2], st;
	pid_t pid;

	if (pipe(p))
		die("pipe: %s", strerror(errno));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (!pid) {
		close(p[0]);
		inval_once(NULL, mb, dontneed, &us, &z, &f, &i);
		_exit(write(p[1], &us, sizeof(us)) == sizeof(us) ? 0 : 1);
	}
	close(p[1]);
	if (read(p[0], &us, sizeof(us)) != sizeof(us))
		us = -1;
	close(p[0]);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) ||
	    us < 0)
		die("baseline child failed");
	return us;
}

void series_inval(void)
{
	unsigned int mb, r, op;
	struct vm vm;

	printf("\n== inval: munmap / MADV_DONTNEED of vCPU-faulted memory, "
	       "1..%u MiB, %u reps ==\n", cfg.inval_max_mb, cfg.reps);
	vm_open(&vm, -1);
	for (op = 0; op < 2; op++) {
		for (mb = 1; mb <= cfg.inval_max_mb; mb *= 2) {
			double us[MAX_SAMPLES], z[MAX_SAMPLES], f[MAX_SAMPLES];
			double i[MAX_SAMPLES], base[MAX_SAMPLES];
			bool ok = true;
			char kase[64];

			for (r = 0; r < cfg.reps; r++) {
				base[r] = inval_baseline(mb, op);
				inval_once(&vm, mb, op, &us[r], &z[r], &f[r], &i[r]);
				/* Every SPTE zapped, one remote flush per invalidation. */
				ok &= z[r] == mb * 256 && f[r] == i[r] && i[r] >= 1;
			}
			snprintf(kase, sizeof(kase), "%s %u MiB",
				 op ? "MADV_DONTNEED" : "munmap", mb);
			emit("inval", kase, "baseline", "us", base, r,
			     "\"op\":\"%s\",\"mb\":%u,\"label\":\"same, no "
			     "secmmu in this mm\"", op ? "dontneed" : "munmap", mb);
			emit("inval", kase, "secmmu", "us", us, r,
			     "\"op\":\"%s\",\"mb\":%u,\"pages\":%u,\"zapped\":%.0f,"
			     "\"flushes\":%.0f,\"invalidations\":%.0f,"
			     "\"all_samples_ok\":%s", op ? "dontneed" : "munmap",
			     mb, mb * 256, median(z, r), median(f, r), median(i, r),
			     ok ? "true" : "false");
		}
	}
	vm_close(&vm);
}
