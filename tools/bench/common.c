// SPDX-License-Identifier: GPL-2.0
/*
 * secmmu-bench: what every series shares: the configuration, fatal
 * errors, the clock, the records printed for report.py, and the VM and
 * access-list helpers.  Declared in bench.h.
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

struct bench_cfg cfg;

const char *const mode_name[] = {
	[SECMMU_RMAP_LOCKED]		= "locked",
	[SECMMU_RMAP_SINGLE_LOCKLESS]	= "single_lockless",
	[SECMMU_RMAP_LOCK_BIT]		= "lock_bit",
	[SECMMU_RMAP_TABLE_WALK]	= "table_walk",
};

void die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "secmmu-bench: FATAL: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	printf("@@SMB-END rc=1\n");
	fflush(stdout);
	exit(1);
}

__u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

void pin(int cpu)
{
	cpu_set_t set;

	if (cpu >= sysconf(_SC_NPROCESSORS_ONLN))
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);	/* best effort */
}

/* ---- records ---------------------------------------------------------- */

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double median(const double *v, int n)
{
	double s[MAX_SAMPLES];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_dbl);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/*
 * One record: @n samples of @series/@kase for @role, in @unit, plus extra
 * JSON members (@fmt, may be NULL: "\"k\":v,...").
 */
void emit(const char *series, const char *kase, const char *role,
	  const char *unit, const double *v, int n, const char *fmt, ...)
{
	char extra[1024] = "";
	va_list ap;
	int i;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(extra, sizeof(extra), fmt, ap);
		va_end(ap);
	}
	printf(REC "{\"series\":\"%s\",\"case\":\"%s\",\"role\":\"%s\","
	       "\"unit\":\"%s\",\"samples\":[", series, kase, role, unit);
	for (i = 0; i < n; i++)
		printf("%s%.6g", i ? "," : "", v[i]);
	printf("]%s%s}\n", extra[0] ? "," : "", extra);
	printf("   %-6s %-44s %-8s median %10.4g %s\n", series, kase, role,
	       n ? median(v, n) : 0.0, unit);
	fflush(stdout);
}

void emit_skip(const char *series, const char *why)
{
	printf(REC "{\"series\":\"%s\",\"skipped\":\"%s\"}\n", series, why);
	printf("   %-6s SKIPPED: %s\n", series, why);
	fflush(stdout);
}

/* ---- VMs -------------------------------------------------------------- */

void vm_open(struct vm *vm, int rmap_mode)
{
	vm->fd = smu_open_vm();
	CHECK(vm->fd);
	if (rmap_mode >= 0)
		CHECK(smu_enable_cap(vm->fd, SECMMU_CAP_RMAP_MODE, rmap_mode));
	vm->vcpu[0] = smu_create_vcpu(vm->fd, 0);
	CHECK(vm->vcpu[0]);
	vm->vcpu[1] = smu_create_vcpu(vm->fd, 1);
	CHECK(vm->vcpu[1]);
}

void vm_close(struct vm *vm)
{
	close(vm->vcpu[0]);
	close(vm->vcpu[1]);
	close(vm->fd);
}

void snap(int vm, struct secmmu_stats *st)
{
	CHECK(smu_get_stats(vm, st));
}

/* Anonymous memory in 4 KiB pages (no THP: one host PTE per SPTE). */
void *region(size_t len, bool populate)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		die("mmap %zu: %s", len, strerror(errno));
	madvise(p, len, MADV_NOHUGEPAGE);
	if (populate)
		smu_fill(p, len, 0x5ec);
	return p;
}

/*
 * Zeroed memory for @n objects of @size that the kernel's aging never
 * sees: a real* subject's own data beside the memory under test (a vCPU's
 * op array, read on every pass, so young on every pass).  Locked, so
 * that MGLRU's walk passes its VMA by (should_skip_vma(): VM_LOCKED) and
 * a subject's aging pass ages the memory under test and nothing of the
 * bench's (KVM's subjects lock their memslot 0 the same way:
 * tools/bench/kvm/unaged.h).  Freed with the process.
 */
void *calloc_unaged(size_t n, size_t size)
{
	size_t len = n * size;
	void *p;

	if (!n || len / n != size)
		die("%s: %zu x %zu", __func__, n, size);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED)
		die("mmap %zu: %s", len, strerror(errno));
	if (mlock(p, len))
		die("mlock %zu: %s", len, strerror(errno));
	return p;
}

/*
 * A prebuilt access list: @n ops, one per page from @gfn through @view,
 * @len bytes each (all into/from one buffer, like the memcpy baseline).
 */
void ops_build(struct ops *o, __u16 view, __u64 gfn, size_t n,
	       __u32 len, bool write, void *buf)
{
	size_t i;

	o->op = calloc(n, sizeof(*o->op));
	if (!o->op)
		die("calloc");
	o->n = n;
	for (i = 0; i < n; i++)
		smu_op(&o->op[i], view, SMU_GPA(gfn + i), buf, len, write);
}

void ops_run(int vcpu, const struct ops *o)
{
	struct secmmu_access_batch res;
	size_t i, n;

	for (i = 0; i < o->n; i += n) {
		n = o->n - i < BATCH ? o->n - i : BATCH;
		CHECK(smu_batch(vcpu, o->op + i, n, &res));
		if (res.done != n)
			die("batch stopped after %u of %zu ops (exit %u at 0x%llx)",
			    res.done, n, res.exit_reason,
			    (unsigned long long)res.exit_gpa);
	}
}

void ops_free(struct ops *o)
{
	free(o->op);
}

volatile __u64 sink;
