// SPDX-License-Identifier: GPL-2.0
/*
 * secmmu-bench: measure secmmu against its baselines, in one process.
 *
 * Every series times a secmmu operation and, in the same run, the thing it
 * should be compared with (a memcpy, a plain read of u64 words, the same
 * munmap without a mirror...).  Times are CLOCK_MONOTONIC around batched
 * ioctls; the in-kernel counters (SECMMU_GET_STATS) are snapshotted around
 * the same runs.  Every sample is printed on one line
 *
 *   @@SMB {"series":...,"case":...,"role":"secmmu"|"baseline",...}
 *
 * between "@@SMB-BEGIN" and "@@SMB-END" lines, for scripts/bench.sh (and
 * tools/bench/report.py) to turn into results.json, results.md and plots.
 * Everything else printed is for humans.  Exits non-zero when a secmmu call
 * fails; a skipped series is reported as such.
 *
 * usage: secmmu-bench [--quick] [--size-mb N] [--reps N] [--duration-ms N]
 *                     [--series a,b,...] [--series c ...]
 *   series: access age throughput inval dirty dirtyscale mem numa huge
 *   (default: all of these); --series may be repeated (scripts/bench.sh
 *   passes one per series: the QEMU init splits its argument string at
 *   commas)
 *   realage (realage.c) only when named: it wants KVM in the guest, i.e.
 *   a boot of its own (scripts/bench.sh, SECMMU_KVM=1)
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

#define PAGE		SMU_PAGE_SIZE
#define GFN0		0x100000ULL	/* slot 0: the mirrored range */
#define GFN1		0x4000000ULL	/* slot 1: the concurrent thread's */
#define BATCH		4096		/* ops per SECMMU_ACCESS_BATCH */
#define MAX_SAMPLES	BENCH_MAX_SAMPLES
#define REC		"@@SMB "

static struct {
	bool quick;
	unsigned int size_mb;		/* series age (and inval max) */
	unsigned int acc_mb;		/* series access */
	unsigned int mem_mb;		/* series mem */
	unsigned int tp_mb;		/* series throughput */
	unsigned int inval_max_mb;
	unsigned int reps;
	unsigned int dur_ms;		/* series throughput, per sample */
	char series[256];
} cfg;

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

#define CHECK(expr) do {						\
	long __r = (long)(expr);					\
	if (__r < 0)							\
		die("%s:%d: %s = %ld (%s)", __FILE__, __LINE__, #expr,	\
		    __r, strerror((int)-__r));				\
} while (0)

__u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu >= sysconf(_SC_NPROCESSORS_ONLN))
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);	/* best effort */
}

static bool want(const char *series)
{
	char buf[sizeof(cfg.series)], *s, *save = NULL;

	if (!cfg.series[0])
		return strcmp(series, "realage");	/* only when named */
	strcpy(buf, cfg.series);
	for (s = strtok_r(buf, ",", &save); s; s = strtok_r(NULL, ",", &save))
		if (!strcmp(s, series))
			return true;
	return false;
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

struct vm {
	int fd;
	int vcpu[2];
};

static void vm_open(struct vm *vm, int rmap_mode)
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

static void vm_close(struct vm *vm)
{
	close(vm->vcpu[0]);
	close(vm->vcpu[1]);
	close(vm->fd);
}

static void snap(int vm, struct secmmu_stats *st)
{
	CHECK(smu_get_stats(vm, st));
}

#define DELTA(a, b, s)	((double)((b)->val[s] - (a)->val[s]))

/* Anonymous memory in 4 KiB pages (no THP: one host PTE per SPTE). */
static void *region(size_t len, bool populate)
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
 * A prebuilt access list: @n ops, one per page from @gfn through @view,
 * @len bytes each (all into/from one buffer, like the memcpy baseline).
 */
struct ops {
	struct secmmu_access_op *op;
	size_t n;
};

static void ops_build(struct ops *o, __u16 view, __u64 gfn, size_t n,
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

static void ops_run(int vcpu, const struct ops *o)
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

static void ops_free(struct ops *o)
{
	free(o->op);
}

static volatile __u64 sink;

/* ---- series 1: vCPU access cost per 4 KiB touch ----------------------- */

static void copy_pages(void *dst, const void *src, size_t npages, bool to_region)
{
	size_t i;

	for (i = 0; i < npages; i++) {
		if (to_region)
			memcpy((char *)dst + i * PAGE, src, PAGE);
		else
			memcpy(dst, (const char *)src + i * PAGE, PAGE);
		__asm__ volatile("" ::: "memory");
	}
}

#define ACCESS_BOUNCE_PARAM	"/sys/module/secmmu/parameters/access_bounce"

/*
 * vCPU access cost per 4 KiB: hits (direct copy, and through the bounce
 * page with access_bounce=1, interleaved), first touches.
 */
static void series_access(void)
{
	size_t len = (size_t)cfg.acc_mb << 20, np = len / PAGE;
	double base_r[MAX_SAMPLES], base_w[MAX_SAMPLES];
	double hit_r[MAX_SAMPLES], hit_w[MAX_SAMPLES], ft[MAX_SAMPLES];
	double ft_w[MAX_SAMPLES], faults[MAX_SAMPLES], faults_w[MAX_SAMPLES];
	double bnc_r[MAX_SAMPLES], bnc_w[MAX_SAMPLES];
	struct secmmu_stats a, b;
	struct ops rd, wr;
	unsigned int r, k;
	bool bounce;
	char *mem, *buf;
	struct vm vm;
	__u64 t;

	printf("\n== access: %zu pages (%u MiB), 4 KiB per touch, %u reps ==\n",
	       np, cfg.acc_mb, cfg.reps);
	mem = region(len, true);
	buf = aligned_alloc(PAGE, PAGE);
	memset(buf, 0x11, PAGE);
	vm_open(&vm, -1);
	CHECK(smu_set_memslot(vm.fd, 0, 0, GFN0, np, mem));
	ops_build(&rd, 0, GFN0, np, PAGE, false, buf);
	ops_build(&wr, 0, GFN0, np, PAGE, true, buf);

	ops_run(vm.vcpu[0], &rd);		/* warm: everything mapped */
	/* Direct copy vs the bounce page: the module parameter, interleaved. */
	bounce = !smu_write_file(ACCESS_BOUNCE_PARAM, "0");
	for (r = 0; r < cfg.reps; r++) {
		t = now_ns();
		copy_pages(buf, mem, np, false);
		base_r[r] = (double)(now_ns() - t) / np;

		for (k = 0; k < 2; k++) {
			/* Alternate which goes first: ABBA over two reps. */
			bool b_now = bounce && ((k ^ r) & 1);

			if (bounce)
				CHECK(smu_write_file(ACCESS_BOUNCE_PARAM, b_now ? "1" : "0"));
			if (!bounce && k)
				break;
			t = now_ns();
			ops_run(vm.vcpu[0], &rd);
			(b_now ? bnc_r : hit_r)[r] = (double)(now_ns() - t) / np;

			t = now_ns();
			ops_run(vm.vcpu[0], &wr);
			(b_now ? bnc_w : hit_w)[r] = (double)(now_ns() - t) / np;
		}
		if (bounce)
			CHECK(smu_write_file(ACCESS_BOUNCE_PARAM, "0"));

		/* Secondary fault only: the host pages stay resident. */
		CHECK(smu_del_memslot(vm.fd, 0));
		CHECK(smu_set_memslot(vm.fd, 0, 0, GFN0, np, mem));
		snap(vm.fd, &a);
		t = now_ns();
		ops_run(vm.vcpu[0], &rd);
		ft[r] = (double)(now_ns() - t) / np;
		snap(vm.fd, &b);
		faults[r] = DELTA(&a, &b, SECMMU_STAT_FAULTS) / np;

		/* Host fault + secondary fault vs the process's own. */
		madvise(mem, len, MADV_DONTNEED);
		t = now_ns();
		copy_pages(mem, buf, np, true);
		base_w[r] = (double)(now_ns() - t) / np;
		madvise(mem, len, MADV_DONTNEED);
		snap(vm.fd, &a);
		t = now_ns();
		ops_run(vm.vcpu[0], &wr);
		ft_w[r] = (double)(now_ns() - t) / np;
		snap(vm.fd, &b);
		faults_w[r] = DELTA(&a, &b, SECMMU_STAT_FAULTS) / np;
	}
	emit("access", "hit", "baseline", "ns/page", base_r, r,
	     "\"label\":\"memcpy 4 KiB from resident page\",\"pages\":%zu", np);
	emit("access", "hit", "secmmu", "ns/page", hit_r, r,
	     "\"label\":\"vCPU read 4 KiB, SPTE present\",\"pages\":%zu", np);
	emit("access", "hit write", "baseline", "ns/page", base_r, r,
	     "\"label\":\"memcpy 4 KiB from resident page\",\"pages\":%zu", np);
	emit("access", "hit write", "secmmu", "ns/page", hit_w, r,
	     "\"label\":\"vCPU write 4 KiB, SPTE present\",\"pages\":%zu", np);
	if (bounce) {
		emit("access", "hit, bounce page", "baseline", "ns/page", base_r, r,
		     "\"label\":\"memcpy 4 KiB from resident page\",\"pages\":%zu", np);
		emit("access", "hit, bounce page", "secmmu", "ns/page", bnc_r, r,
		     "\"label\":\"vCPU read 4 KiB, SPTE present, access_bounce=1\","
		     "\"pages\":%zu,\"direct\":\"hit\"", np);
		emit("access", "hit write, bounce page", "baseline", "ns/page", base_r, r,
		     "\"label\":\"memcpy 4 KiB from resident page\",\"pages\":%zu", np);
		emit("access", "hit write, bounce page", "secmmu", "ns/page", bnc_w, r,
		     "\"label\":\"vCPU write 4 KiB, SPTE present, access_bounce=1\","
		     "\"pages\":%zu,\"direct\":\"hit write\"", np);
	}
	emit("access", "first touch", "baseline", "ns/page", base_r, r,
	     "\"label\":\"memcpy 4 KiB from resident page\",\"pages\":%zu", np);
	emit("access", "first touch", "secmmu", "ns/page", ft, r,
	     "\"label\":\"vCPU read 4 KiB, secondary fault (host page resident)\","
	     "\"pages\":%zu,\"faults_per_page\":%.3f", np, median(faults, r));
	emit("access", "first touch, host fault", "baseline", "ns/page", base_w, r,
	     "\"label\":\"memcpy 4 KiB into discarded page (host fault)\",\"pages\":%zu",
	     np);
	emit("access", "first touch, host fault", "secmmu", "ns/page", ft_w, r,
	     "\"label\":\"vCPU write 4 KiB into discarded page (host + secondary fault)\","
	     "\"pages\":%zu,\"faults_per_page\":%.3f", np, median(faults_w, r));

	ops_free(&rd);
	ops_free(&wr);
	vm_close(&vm);
	munmap(mem, len);
	free(buf);
}

/* ---- a concurrent faulting/accessing vCPU ----------------------------- */

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

static void churn_slot(int vm, struct churn *c, size_t np)
{
	c->np = np;
	c->mem = region(np * PAGE, true);
	CHECK(smu_set_memslot(vm, 1, 0, GFN1, np, c->mem));
}

static void churn_start(struct churn *c, int vcpu)
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

static void churn_stop(struct churn *c)
{
	atomic_store(&c->stop, true);
	pthread_join(c->thr, NULL);
}

/* ---- series 2: aging sweep cost per page ------------------------------ */

static __u64 sum_words(const __u64 *w, size_t n, size_t stride)
{
	__u64 s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += w[i * stride];
	return s;
}

/* Touch one word of every page through views [from, to). */
static void touch_views(struct vm *vm, size_t np, int from, int to)
{
	__u64 word;
	struct ops o;
	int v;

	for (v = from; v < to; v++) {
		ops_build(&o, v, GFN0, np, sizeof(word), false, &word);
		ops_run(vm->vcpu[0], &o);
		ops_free(&o);
	}
}

/*
 * Fair floors for an aging sweep, in the same process and boot: what the
 * cheapest possible walker pays per page.  A page's "A bit" is bit 5 of a
 * u64, set again (untimed) before every timed sweep.  At alias degree d a
 * page has d young leaves, each needing its own cmpxchg, so the floors
 * walk d leaves per page (d arrays of one leaf per page, one after the
 * other, as the table walk goes view by view).
 */
#define FLOOR_A		(1ULL << 5)

/* Table walk: read each leaf in order, cmpxchg A off. */
static void floor_cas(__u64 *w, size_t np)
{
	size_t i;

	for (i = 0; i < np; i++) {
		__u64 v = __atomic_load_n(&w[i], __ATOMIC_RELAXED);

		if (v & FLOOR_A)
			__atomic_compare_exchange_n(&w[i], &v, v & ~FLOOR_A, false,
						    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	}
}

/* Rmap: read each head, follow it to its leaf, cmpxchg A off. */
static void floor_head(__u64 *const *heads, size_t np)
{
	size_t i;

	for (i = 0; i < np; i++) {
		__u64 *p = __atomic_load_n(&heads[i], __ATOMIC_RELAXED);
		__u64 v = __atomic_load_n(p, __ATOMIC_RELAXED);

		if (v & FLOOR_A)
			__atomic_compare_exchange_n(p, &v, v & ~FLOOR_A, false,
						    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	}
}

static void floor_young(__u64 *w, size_t np)
{
	size_t i;

	for (i = 0; i < np; i++)
		w[i] |= FLOOR_A;
}

/*
 * What one repetition measures, in an order that rotates with the
 * repetition: every rmap mode, a twin of the table walk (identical code:
 * its spread is the noise band), and the three floors.
 */
enum {
	AV_TWIN = SECMMU_RMAP_NR_MODES,
	AV_FLOOR_LOAD,
	AV_FLOOR_CAS,
	AV_FLOOR_HEAD,
	AV_NR,
};

static const char *const av_floor_name[] = {
	[AV_FLOOR_LOAD - AV_FLOOR_LOAD] = "floor load",
	[AV_FLOOR_CAS - AV_FLOOR_LOAD] = "floor load+cmpxchg",
	[AV_FLOOR_HEAD - AV_FLOOR_LOAD] = "floor head+load+cmpxchg",
};

static const char *const av_floor_label[] = {
	[AV_FLOOR_LOAD - AV_FLOOR_LOAD] = "call-free loop: sum one u64 per leaf (contiguous arrays)",
	[AV_FLOOR_CAS - AV_FLOOR_LOAD] = "load + cmpxchg of one u64 per leaf (the table walk's floor)",
	[AV_FLOOR_HEAD - AV_FLOOR_LOAD] = "load head -> load u64 -> cmpxchg, per leaf (the rmap's floor)",
};

static void series_age(void)
{
	static const int degrees[] = { 1, 2, 4 };
	size_t len = (size_t)cfg.size_mb << 20, np = len / PAGE;
	size_t churn_np = cfg.quick ? 1024 : 4096;	/* 4 / 16 MiB */
	/* Timed sweeps per sample with a faulting vCPU: 50 / 200 ms. */
	__u64 conc_ns = cfg.quick ? 50000000ULL : 200000000ULL;
	unsigned int reps = cfg.quick ? cfg.reps : cfg.reps > 9 ? cfg.reps : 9;
	__u64 *young = calloc((np + 63) / 64, 8);
	/* Floors: up to 4 leaves per page (one per view at degree 4). */
	__u64 *leaves = calloc(4 * np, 8), *hleaves = calloc(4 * np, 8);
	__u64 **heads = calloc(4 * np, sizeof(*heads));
	struct churn churn[AV_TWIN + 1];
	struct vm vms[AV_TWIN + 1];
	char *mem = region(len, true);
	int di, conc, v, k;
	unsigned int r;
	size_t i;

	printf("\n== age: SECMMU_AGE CLEAR over %zu pages (%u MiB), %u reps, "
	       "modes and floors interleaved ==\n", np, cfg.size_mb, reps);
	if (!young || !leaves || !hleaves || !heads)
		die("calloc");
	for (i = 0; i < 4 * np; i++)
		heads[i] = &hleaves[i];

	/* One VM per mode, plus a second table-walk VM: the twin. */
	for (v = 0; v <= AV_TWIN; v++) {
		vm_open(&vms[v], v == AV_TWIN ? SECMMU_RMAP_TABLE_WALK : v);
		CHECK(smu_set_memslot(vms[v].fd, 0, 0, GFN0, np, mem));
		for (k = 1; k < 4; k++)
			CHECK(smu_set_view(vms[v].fd, k, GFN0, np, GFN0));
		churn_slot(vms[v].fd, &churn[v], churn_np);
	}

	for (di = 0; di < 3; di++) {
		int deg = degrees[di];

		for (conc = 0; conc < 2; conc++) {
			double ns[AV_NR][MAX_SAMPLES], yg[AV_NR][MAX_SAMPLES];
			double lockless[AV_NR][MAX_SAMPLES], bit[AV_NR][MAX_SAMPLES];
			double fallback[AV_NR][MAX_SAMPLES], spins[AV_NR][MAX_SAMPLES];
			double cfault[AV_NR][MAX_SAMPLES], sweeps[AV_NR][MAX_SAMPLES];
			char kase[96];

			memset(yg, 0, sizeof(yg));
			memset(lockless, 0, sizeof(lockless));
			memset(bit, 0, sizeof(bit));
			memset(fallback, 0, sizeof(fallback));
			memset(spins, 0, sizeof(spins));
			memset(cfault, 0, sizeof(cfault));
			memset(sweeps, 0, sizeof(sweeps));
			for (r = 0; r < reps; r++) {
				for (k = 0; k < AV_NR; k++) {
					int a = (k + r) % AV_NR;
					/* Floors compete with the table walk VM's churn. */
					int cv = a <= AV_TWIN ? a : SECMMU_RMAP_TABLE_WALK;
					struct secmmu_stats s0, s1;
					struct secmmu_age res;
					__u64 t, tt, ct = 0;
					unsigned int nsw;

					if (conc) {
						churn_start(&churn[cv], vms[cv].vcpu[1]);
						ct = now_ns();
					}
					if (a <= AV_TWIN)
						snap(vms[a].fd, &s0);
					/*
					 * One sweep; with a faulting vCPU, sweeps until
					 * conc_ns of them are timed, so that they
					 * overlap its faults (a sweep alone can be
					 * shorter than one of its loops).
					 */
					for (nsw = 0, tt = 0; !nsw || (conc && tt < conc_ns); nsw++) {
						if (a <= AV_TWIN)	/* every page young (untimed) */
							touch_views(&vms[a], np, 0, deg);
						/* d young leaves per page at degree d */
						floor_young(leaves, deg * np);
						floor_young(hleaves, deg * np);
						t = now_ns();
						switch (a) {
						case AV_FLOOR_LOAD:
							sink += sum_words(leaves, deg * np, 1);
							break;
						case AV_FLOOR_CAS:
							floor_cas(leaves, deg * np);
							break;
						case AV_FLOOR_HEAD:
							floor_head(heads, deg * np);
							break;
						default:
							CHECK(smu_age(vms[a].fd, SECMMU_AGE_CLEAR,
								      GFN0, np, young, NULL, &res));
						}
						tt += now_ns() - t;
					}
					ns[a][r] = (double)tt / (np * nsw);
					sweeps[a][r] = nsw;
					if (conc) {
						churn_stop(&churn[cv]);
						cfault[a][r] = churn[cv].pages /
							       ((now_ns() - ct) / 1e9);
					}
					if (a > AV_TWIN)
						continue;
					snap(vms[a].fd, &s1);
					yg[a][r] = res.nr_young;
					lockless[a][r] = DELTA(&s0, &s1, SECMMU_STAT_RMAP_LOCKLESS) / nsw;
					bit[a][r] = DELTA(&s0, &s1, SECMMU_STAT_RMAP_BIT_LOCKS) / nsw;
					fallback[a][r] = DELTA(&s0, &s1, SECMMU_STAT_RMAP_LOCK_FALLBACKS) /
							 nsw;
					spins[a][r] = DELTA(&s0, &s1, SECMMU_STAT_RMAP_BIT_SPINS) / nsw;
				}
			}
			for (k = 0; k < AV_NR; k++) {
				bool fl = k > AV_TWIN;
				const char *name = fl ? av_floor_name[k - AV_FLOOR_LOAD] :
						   k == AV_TWIN ? "table_walk (twin)" :
						   mode_name[k];

				snprintf(kase, sizeof(kase), "%s, degree %d%s", name, deg,
					 conc ? ", concurrent vCPU" : "");
				if (fl) {
					emit("age", kase, "baseline", "ns/page", ns[k], reps,
					     "\"floor\":\"%s\",\"label\":\"%s\",\"degree\":%d,"
					     "\"concurrent\":%d,\"pages\":%zu",
					     name, av_floor_label[k - AV_FLOOR_LOAD], deg,
					     conc, np);
					continue;
				}
				emit("age", kase, k == AV_TWIN ? "twin" : "secmmu", "ns/page",
				     ns[k], reps,
				     "\"mode\":\"%s\",\"degree\":%d,\"concurrent\":%d,"
				     "\"pages\":%zu,\"young\":%.0f,\"lockless_heads\":%.0f,"
				     "\"bit_locks\":%.0f,\"lock_fallbacks\":%.0f,"
				     "\"bit_spins\":%.0f,\"churn_faults_per_s\":%.0f,"
				     "\"sweeps_per_sample\":%.0f",
				     k == AV_TWIN ? "table_walk" : mode_name[k], deg, conc,
				     np, median(yg[k], reps), median(lockless[k], reps),
				     median(bit[k], reps), median(fallback[k], reps),
				     median(spins[k], reps), median(cfault[k], reps),
				     median(sweeps[k], reps));
			}
		}
	}
	for (v = 0; v <= AV_TWIN; v++) {
		vm_close(&vms[v]);
		munmap(churn[v].mem, churn_np * PAGE);
	}
	munmap(mem, len);
	free(young);
	free(leaves);
	free(hleaves);
	free(heads);
}

/* ---- series 3: vCPU throughput during continuous aging ---------------- */

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

static void ager_start(struct ager *g, int vm, __u32 flags, __u64 gfn, size_t np)
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

static void ager_stop(struct ager *g)
{
	atomic_store(&g->stop, true);
	pthread_join(g->thr, NULL);
}

/* Zap the SPTEs of @n pages at @p (host pages stay): an mprotect() round trip. */
static void zap_range(char *p, size_t n)
{
	if (mprotect(p, n * PAGE, PROT_READ) ||
	    mprotect(p, n * PAGE, PROT_READ | PROT_WRITE))
		die("mprotect: %s", strerror(errno));
}

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

static void series_throughput(void)
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

/* ---- series 4: invalidation (munmap, MADV_DONTNEED) ------------------- */

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

/* ---- NUMA balancing: the protection policy ---------------------------- */

#define NB_SYSCTL	"/proc/sys/kernel/numa_balancing"
#define NB_DEBUG	"/sys/kernel/debug/sched/numa_balancing/"

/*
 * NUMA balancing on (scans as often as the kernel allows), vCPU 0 reading
 * one word of every page in a loop for a sample's duration, under each
 * SECMMU_CAP_PROT_POLICY in turn (the order alternates every repetition,
 * one VM): vCPU pages/s, and per second the protection invalidations,
 * those kept, SPTEs zapped and secondary faults.
 */
/* A thread that only waits: see series_numa(). */
static void *idle_fn(void *arg)
{
	char c;

	while (read(*(int *)arg, &c, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

static void series_numa(void)
{
	size_t len = (size_t)cfg.tp_mb << 20, np = len / PAGE;
	double pps[2][MAX_SAMPLES], fps[2][MAX_SAMPLES], zps[2][MAX_SAMPLES];
	double ips[2][MAX_SAMPLES], kps[2][MAX_SAMPLES], aps[2][MAX_SAMPLES];
	static const char *const name[2] = { "zap", "keep_numa_hint" };
	pthread_t idler;
	int idle[2];
	unsigned int r, k;
	size_t i;
	struct ops o;
	__u64 word;
	struct vm vm;
	char *mem;

	printf("\n== numa: NUMA balancing on, %zu pages (%u MiB), vCPU reading every page, "
	       "per protection policy, %u reps x %u ms ==\n", np, cfg.tp_mb, cfg.reps,
	       cfg.dur_ms);
	if (smu_nr_nodes() < 2) {
		emit_skip("numa", "needs two NUMA nodes");
		return;
	}
	if (smu_write_file(NB_SYSCTL, "1")) {
		emit_skip("numa", "cannot enable " NB_SYSCTL);
		return;
	}
	smu_write_file(NB_DEBUG "scan_delay_ms", "0");
	smu_write_file(NB_DEBUG "scan_period_min_ms", "10");
	/*
	 * change_prot_numa() skips the pages of a single-threaded process
	 * that are on the node it runs on (mm/mprotect.c): with one thread
	 * the scanner would never reach the mirrored pages.  An idle second
	 * thread makes the process a multi-threaded one, as a VMM is.
	 */
	if (pipe(idle) || pthread_create(&idler, NULL, idle_fn, &idle[0]))
		die("idle thread: %s", strerror(errno));
	mem = region(len, true);
	vm_open(&vm, -1);
	CHECK(smu_set_memslot(vm.fd, 0, 0, GFN0, np, mem));
	ops_build(&o, 0, GFN0, np, sizeof(word), false, &word);
	ops_run(vm.vcpu[0], &o);
	for (r = 0; r < cfg.reps; r++) {
		for (k = 0; k < 2; k++) {
			unsigned int p = (k + r) & 1;
			struct secmmu_stats a, b;
			__u64 t, pages = 0;
			double sec;

			CHECK(smu_enable_cap(vm.fd, SECMMU_CAP_PROT_POLICY,
					     p ? SECMMU_PROT_KEEP_NUMA_HINT : SECMMU_PROT_ZAP));
			snap(vm.fd, &a);
			t = now_ns();
			while (now_ns() - t < cfg.dur_ms * 1000000ULL) {
				ops_run(vm.vcpu[0], &o);
				/*
				 * The process reads the pages too: NUMA balancing
				 * scans only VMAs its tasks fault on (6.x's
				 * vma_is_accessed()); a VMA touched by the vCPU
				 * alone stops being scanned.
				 */
				for (i = 0; i < np; i++)
					sink += *(volatile __u64 *)(mem + i * PAGE);
				pages += np;
			}
			sec = (now_ns() - t) / 1e9;
			snap(vm.fd, &b);
			pps[p][r] = pages / sec;
			fps[p][r] = DELTA(&a, &b, SECMMU_STAT_FAULTS) / sec;
			zps[p][r] = DELTA(&a, &b, SECMMU_STAT_SPTES_ZAPPED) / sec;
			ips[p][r] = DELTA(&a, &b, SECMMU_STAT_INVAL_PROTECTION_VMA) / sec;
			kps[p][r] = DELTA(&a, &b, SECMMU_STAT_PROT_KEPT) / sec;
			aps[p][r] = DELTA(&a, &b, SECMMU_STAT_PROT_FAULTS_AVOIDED) / sec;
		}
	}
	for (k = 0; k < 2; k++)
		emit("numa", name[k], k ? "secmmu" : "baseline", "pages/s", pps[k], r,
		     "\"policy\":\"%s\",\"pages\":%zu,\"faults_per_s\":%.1f,"
		     "\"zapped_per_s\":%.1f,\"prot_inval_per_s\":%.2f,"
		     "\"kept_per_s\":%.2f,\"avoided_per_s\":%.1f", name[k], np,
		     median(fps[k], r), median(zps[k], r), median(ips[k], r),
		     median(kps[k], r), median(aps[k], r));
	ops_free(&o);
	vm_close(&vm);
	munmap(mem, len);
	close(idle[1]);
	pthread_join(idler, NULL);
	close(idle[0]);
	smu_write_file(NB_SYSCTL, "0");
}

/* ---- series 8: huge leaves (THP) vs 4 KiB leaves ------------------- */

/* THP-backed anonymous memory (NULL without THP), filled. */
static char *thp_region(size_t len)
{
	size_t huge = 2UL << 20;
	char *p = mmap(NULL, len + huge, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *a;

	if (p == MAP_FAILED)
		die("mmap %zu: %s", len, strerror(errno));
	a = (char *)(((uintptr_t)p + huge - 1) & ~(huge - 1));
	if (a > p)
		munmap(p, a - p);
	munmap(a + len, p + huge - a);
	if (madvise(a, len, MADV_HUGEPAGE)) {
		munmap(a, len);
		return NULL;
	}
	smu_fill(a, len, 0x5ec);
	if (smu_anon_huge_kb(a) != (long)(len >> 10)) {
		munmap(a, len);
		return NULL;
	}
	return a;
}

/*
 * One sample of one variant: a fresh VM (huge leaves on or off) over the
 * same THP-backed memory; the first vCPU read of every page (faults) and
 * a CLEAR sweep of all of them (all young), in ns per 4 KiB page, and the
 * marginal SPTE table bytes per page.
 */
static void huge_sample(char *mem, size_t np, bool huge, const struct ops *o,
			double *touch, double *age, double *tbytes, double *leaves)
{
	struct secmmu_stats st0, st;
	struct secmmu_age res;
	struct vm vm;
	__u64 t;

	vm.fd = smu_open_vm();
	CHECK(vm.fd);
	CHECK(smu_enable_cap(vm.fd, SECMMU_CAP_RMAP_MODE, SECMMU_RMAP_SINGLE_LOCKLESS));
	CHECK(smu_enable_cap(vm.fd, SECMMU_CAP_HUGE_LEAVES, huge));
	vm.vcpu[0] = smu_create_vcpu(vm.fd, 0);
	CHECK(vm.vcpu[0]);
	vm.vcpu[1] = smu_create_vcpu(vm.fd, 1);
	CHECK(vm.vcpu[1]);
	CHECK(smu_set_memslot(vm.fd, 0, 0, GFN0, np, mem));
	snap(vm.fd, &st0);
	t = now_ns();
	ops_run(vm.vcpu[0], o);
	*touch = (now_ns() - t) / (double)np;
	t = now_ns();
	CHECK(smu_age(vm.fd, SECMMU_AGE_CLEAR, GFN0, np, NULL, NULL, &res));
	*age = (now_ns() - t) / (double)np;
	if (res.nr_young != np)
		die("huge: %llu of %zu pages young after the first touch",
		    (unsigned long long)res.nr_young, np);
	snap(vm.fd, &st);
	/* Marginal: the roots and the vCPUs' spare stock are there before. */
	*tbytes = DELTA(&st0, &st, SECMMU_STAT_TABLES) * PAGE / np;
	*leaves = st.val[SECMMU_STAT_MAPPED];
	if (huge != (st.val[SECMMU_STAT_HUGE_MAPPED] == np / 512))
		die("huge: %llu huge leaves for %zu pages (huge %d)",
		    (unsigned long long)st.val[SECMMU_STAT_HUGE_MAPPED], np, huge);
	vm_close(&vm);
}

static void series_huge(void)
{
	size_t len = (size_t)cfg.tp_mb << 20, np = len / PAGE;
	static const char *const name[3] = { "4k", "4k (twin)", "huge" };
	static const char *const role[3] = { "baseline", "twin", "secmmu" };
	double touch[3][MAX_SAMPLES], age[3][MAX_SAMPLES];
	double tb[3] = { 0 }, lv[3] = { 0 };
	unsigned int r, k;
	struct ops o;
	__u64 word;
	char *mem;

	printf("\n== huge: THP-backed %zu pages (%u MiB), 4 KiB leaves vs huge leaves "
	       "(SECMMU_CAP_HUGE_LEAVES), single_lockless, %u reps, interleaved ==\n",
	       np, cfg.tp_mb, cfg.reps);
	mem = thp_region(len);
	if (!mem) {
		emit_skip("huge", "no THP (a kernel without THP, or THP off)");
		return;
	}
	ops_build(&o, 0, GFN0, np, sizeof(word), false, &word);
	for (r = 0; r < cfg.reps; r++)
		for (k = 0; k < 3; k++) {
			unsigned int v = (k + r) % 3;

			huge_sample(mem, np, v == 2, &o, &touch[v][r], &age[v][r],
				    &tb[v], &lv[v]);
		}
	for (k = 0; k < 3; k++) {
		char c[64];

		snprintf(c, sizeof(c), "%s, first touch", name[k]);
		emit("huge", c, role[k], "ns/page", touch[k], r,
		     "\"pages\":%zu,\"table_bytes_per_page\":%.3f,\"leaves\":%.0f",
		     np, tb[k], lv[k]);
		snprintf(c, sizeof(c), "%s, age clear", name[k]);
		emit("huge", c, role[k], "ns/page", age[k], r, "\"pages\":%zu", np);
	}
	ops_free(&o);
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

static void series_inval(void)
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

/* ---- series 5: dirty tracking ----------------------------------------- */

/*
 * Collection ("harvest + reset") cost per dirty page, ring vs bitmap, and
 * the push cost of a logged write on the fast path.
 *
 * Two VMs mirror the same cfg.size_mb of memory in slot 0, every page
 * faulted writable once: one with SECMMU_DIRTY_RING_MAX-entry rings (only
 * vCPU 0's is used), one without rings (the memslot bitmap, the baseline).
 * For every fraction, repetition and method, interleaved:
 *
 *   1. LOG_DIRTY set on the slot (a flag change: write-protects it);
 *   2. k random pages (a fixed seed per fraction and repetition, the same
 *      set for every method), written in ascending gfn order, 8 bytes each
 *      through SECMMU_ACCESS_BATCH: timed, the push cost (fast-path
 *      unprotect + record per write).  Its baseline, timed just before
 *      (after, in odd repetitions): the same writes to the same page
 *      offsets of slot 1, a twin of slot 0
 *      that never logs (always writable, and as cold in caches and TLBs:
 *      writing slot 0's pages a second time would find them warm);
 *   3. timed: the collection, which ends with the list of the dirty pages
 *      in a user array and every one of them write-protected again:
 *        ring_global   userspace harvest of the mmapped ring (acquire /
 *                      release, secmmu_dirty_ring.h) + SECMMU_RESET_DIRTY_RINGS
 *        ring_per_ring the same + SECMMU_RESET_DIRTY_RING on vCPU 0
 *        kharvest      SECMMU_HARVEST + SECMMU_RESET_DIRTY_RING
 *        ring_shuffled ring_global with the k pages written in random order
 *                      (the reset coalesces over its whole batch of 512
 *                      entries, so only locality differs)
 *        bitmap        SECMMU_GET_DIRTY_LOG of the whole slot, a scan of its
 *                      set bits, SECMMU_CLEAR_DIRTY_LOG of those bits;
 *   4. LOG_DIRTY cleared.
 *
 * A ring takes at most SECMMU_DIRTY_RING_MAX - SECMMU_DIRTY_RING_RSVD
 * pushes before SECMMU_EXIT_DIRTY_RING_FULL: larger dirty sets (over 50%
 * of 256 MiB only) are dirtied and collected in rounds of that many pages,
 * and the timed collection is the sum of the rounds' (documented in the
 * record as "rounds").  Pages not dirtied stay write-protected between
 * samples; that changes none of the timed work.
 */
#define DIRTY_RING	SECMMU_DIRTY_RING_MAX
#define DIRTY_ROUND	(DIRTY_RING - SECMMU_DIRTY_RING_RSVD)

enum { DM_GLOBAL, DM_PER_RING, DM_KHARVEST, DM_SHUFFLED, DM_BITMAP, DM_NR };

static const char *const dm_name[DM_NR] = {
	[DM_GLOBAL]	= "ring_global",
	[DM_PER_RING]	= "ring_per_ring",
	[DM_KHARVEST]	= "kharvest",
	[DM_SHUFFLED]	= "ring_shuffled",
	[DM_BITMAP]	= "bitmap",
};

static const char *const dm_label[DM_NR] = {
	[DM_GLOBAL]	= "mmapped ring harvest + SECMMU_RESET_DIRTY_RINGS",
	[DM_PER_RING]	= "mmapped ring harvest + SECMMU_RESET_DIRTY_RING",
	[DM_KHARVEST]	= "SECMMU_HARVEST + SECMMU_RESET_DIRTY_RING",
	[DM_SHUFFLED]	= "as ring_global, pages written in random order",
	[DM_BITMAP]	= "SECMMU_GET_DIRTY_LOG + bit scan + SECMMU_CLEAR_DIRTY_LOG",
};

struct dvm {
	struct vm vm;
	struct secmmu_dirty_gfn *ring;	/* vCPU 0's, or NULL: bitmap */
	__u32 idx;			/* userspace harvest cursor */
};

struct dsample {			/* one method, one fraction, all reps */
	double ns_dirty[MAX_SAMPLES], us[MAX_SAMPLES];
	double push[MAX_SAMPLES], wbase[MAX_SAMPLES];
	double logged[MAX_SAMPLES], fast[MAX_SAMPLES], faults[MAX_SAMPLES];
	double resets[MAX_SAMPLES], reprot[MAX_SAMPLES], flushes[MAX_SAMPLES];
	double calls[MAX_SAMPLES];
	unsigned int rounds;
	bool ok;
};

static __u64 rng_next(__u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/* Pick @k distinct pages of @np into @perm[0..k) (partial Fisher-Yates). */
static void pick_pages(__u32 *perm, size_t np, size_t k, __u64 seed)
{
	size_t i;

	for (i = 0; i < np; i++)
		perm[i] = i;
	for (i = 0; i < k; i++) {
		size_t j = i + rng_next(&seed) % (np - i);
		__u32 t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
}

static void dvm_open(struct dvm *d, bool ring, char *mem, char *twin,
		     size_t np)
{
	__u64 word = 0;
	struct ops o;

	d->vm.fd = smu_open_vm();
	CHECK(d->vm.fd);
	d->ring = NULL;
	d->idx = 0;
	if (ring)
		CHECK(smu_ioctl_val(d->vm.fd, SECMMU_ENABLE_DIRTY_RING, DIRTY_RING));
	d->vm.vcpu[0] = smu_create_vcpu(d->vm.fd, 0);
	CHECK(d->vm.vcpu[0]);
	d->vm.vcpu[1] = smu_create_vcpu(d->vm.fd, 1);
	CHECK(d->vm.vcpu[1]);
	if (ring) {
		d->ring = mmap(NULL, DIRTY_RING * sizeof(*d->ring),
			       PROT_READ | PROT_WRITE, MAP_SHARED, d->vm.vcpu[0],
			       (off_t)SECMMU_DIRTY_RING_PGOFF * PAGE);
		if (d->ring == MAP_FAILED)
			die("mmap dirty ring: %s", strerror(errno));
	}
	CHECK(smu_set_memslot(d->vm.fd, 0, 0, GFN0, np, mem));
	/* Write faults: every leaf host-writable, so logging takes the fast path. */
	ops_build(&o, 0, GFN0, np, sizeof(word), true, &word);
	ops_run(d->vm.vcpu[0], &o);
	ops_free(&o);
	if (!twin)		/* no push baseline (series dirtyscale) */
		return;
	CHECK(smu_set_memslot(d->vm.fd, 1, 0, GFN1, np, twin));
	ops_build(&o, 0, GFN1, np, sizeof(word), true, &word);
	ops_run(d->vm.vcpu[0], &o);
	ops_free(&o);
}

static void dvm_close(struct dvm *d)
{
	if (d->ring)
		munmap(d->ring, DIRTY_RING * sizeof(*d->ring));
	vm_close(&d->vm);
}

/* Timed: harvest the mmapped ring of vCPU 0 into @out; returns the count. */
static size_t harvest_user(struct dvm *d, struct secmmu_dirty_gfn *out)
{
	size_t n = 0;

	while (secmmu_dirty_ring_harvest_one(d->ring, DIRTY_RING, &d->idx,
					     &out[n]))
		n++;
	return n;
}

static size_t harvest_kernel(struct dvm *d, struct secmmu_dirty_gfn *out)
{
	struct secmmu_harvest h = {
		.entries = (__u64)(uintptr_t)out,
		.max = DIRTY_RING,
	};

	/* One call: the kernel stops early only when the ring has no more. */
	CHECK(smu_ioctl(d->vm.vcpu[0], SECMMU_HARVEST, &h));
	d->idx += h.count;	/* keep the userspace cursor in step */
	return h.count;
}

/*
 * Timed: one collection of @d by @m; the dirty pages go to @pages.
 * Returns the pages found, counts the reset/clear ioctls in *@calls.
 */
static size_t dirty_collect(struct dvm *d, int m, size_t np, __u64 *bitmap,
			    struct secmmu_dirty_gfn *ent, __u32 *pages,
			    double *calls)
{
	struct secmmu_dirty_log log = {
		.slot = 0, .first_page = 0, .num_pages = np,
		.bitmap = (__u64)(uintptr_t)bitmap,
	};
	size_t n, i, w;
	long r;

	if (m == DM_BITMAP) {
		CHECK(smu_ioctl(d->vm.fd, SECMMU_GET_DIRTY_LOG, &log));
		for (n = 0, w = 0; w < (np + 63) / 64; w++) {
			__u64 v = bitmap[w];

			while (v) {
				pages[n++] = w * 64 + __builtin_ctzll(v);
				v &= v - 1;
			}
		}
		CHECK(smu_ioctl(d->vm.fd, SECMMU_CLEAR_DIRTY_LOG, &log));
		*calls += 1;
		return n;
	}
	n = m == DM_KHARVEST ? harvest_kernel(d, ent) : harvest_user(d, ent);
	for (i = 0; i < n; i++)
		pages[i] = ent[i].offset;
	if (m == DM_GLOBAL || m == DM_SHUFFLED)
		r = smu_ioctl_val(d->vm.fd, SECMMU_RESET_DIRTY_RINGS, 0);
	else
		r = smu_ioctl_val(d->vm.vcpu[0], SECMMU_RESET_DIRTY_RING, 0);
	CHECK(r);
	if ((size_t)r != n)
		die("dirty: %s reset %ld entries, harvested %zu", dm_name[m], r, n);
	*calls += 1;
	return n;
}

/* Time the @n write ops @op on vCPU 0; ns. */
static double dirty_writes(struct dvm *d, struct secmmu_access_op *op, size_t n)
{
	struct ops part = { op, n };
	__u64 t = now_ns();

	ops_run(d->vm.vcpu[0], &part);
	return now_ns() - t;
}

/*
 * One sample of method @m over the @k pages @perm[0..k) (ascending unless
 * shuffled); fills rep @r of @s.  @top NULL: no twin slot, no push
 * baseline (wbase 0).
 */
static void dirty_sample(struct dvm *d, int m, char *mem, size_t np,
			 const __u32 *perm, size_t k, unsigned int r,
			 struct dsample *s, struct secmmu_access_op *op,
			 struct secmmu_access_op *top,
			 __u64 *bitmap, struct secmmu_dirty_gfn *ent,
			 __u32 *pages, __u32 *sorted)
{
	size_t round = m == DM_BITMAP ? k : DIRTY_ROUND, off, n, found = 0, i;
	double coll = 0, push = 0, wbase = 0, calls = 0;
	struct secmmu_stats a, b, c;
	__u64 word = 0x5eed, t;

	for (i = 0; i < k; i++) {
		smu_op(&op[i], 0, SMU_GPA(GFN0 + perm[i]), &word, sizeof(word),
		       true);
		if (top)
			smu_op(&top[i], 0, SMU_GPA(GFN1 + perm[i]), &word,
			       sizeof(word), true);
	}
	CHECK(smu_set_memslot(d->vm.fd, 0, SECMMU_MEM_LOG_DIRTY, GFN0, np, mem));
	snap(d->vm.fd, &a);
	memset(&c, 0, sizeof(c));
	s->rounds = 0;
	for (off = 0; off < k; off += n) {
		struct secmmu_stats x, y;
		size_t got;

		n = k - off < round ? k - off : round;
		/* Alternate the order: neither pass is always first. */
		if (!top) {
			push += dirty_writes(d, op + off, n);
		} else if (r % 2) {
			push += dirty_writes(d, op + off, n);
			wbase += dirty_writes(d, top + off, n);
		} else {
			wbase += dirty_writes(d, top + off, n);
			push += dirty_writes(d, op + off, n);
		}
		snap(d->vm.fd, &x);
		t = now_ns();
		got = dirty_collect(d, m, np, bitmap, ent, pages + found, &calls);
		coll += now_ns() - t;
		snap(d->vm.fd, &y);
		for (i = 0; i < SECMMU_STAT_NR; i++)
			c.val[i] += y.val[i] - x.val[i];
		found += got;
		s->rounds++;
	}
	snap(d->vm.fd, &b);
	CHECK(smu_set_memslot(d->vm.fd, 0, 0, GFN0, np, mem));

	/* The collection found exactly the pages written. */
	memcpy(sorted, perm, k * sizeof(*perm));
	qsort(sorted, k, sizeof(*sorted), cmp_u32);
	qsort(pages, found, sizeof(*pages), cmp_u32);
	if (found != k || memcmp(sorted, pages, k * sizeof(*pages)))
		s->ok = false;

	s->ns_dirty[r] = coll / k;
	s->us[r] = coll / 1e3;
	s->push[r] = push / k;
	s->wbase[r] = wbase / k;
	/* Stats of the writes (a..b minus the collections), and collections. */
	s->logged[r] = DELTA(&a, &b, SECMMU_STAT_DIRTY_LOGGED) -
		       c.val[SECMMU_STAT_DIRTY_LOGGED];
	s->fast[r] = DELTA(&a, &b, SECMMU_STAT_DIRTY_FAST_PATH) -
		     c.val[SECMMU_STAT_DIRTY_FAST_PATH];
	s->faults[r] = DELTA(&a, &b, SECMMU_STAT_FAULTS) -
		       c.val[SECMMU_STAT_FAULTS];
	s->resets[r] = c.val[SECMMU_STAT_DIRTY_RESETS];
	s->reprot[r] = c.val[SECMMU_STAT_DIRTY_REPROTECTED];
	s->flushes[r] = c.val[SECMMU_STAT_REMOTE_FLUSHES];
	s->calls[r] = calls;
	if (s->logged[r] != k || s->fast[r] != k || s->faults[r] ||
	    s->reprot[r] != k || s->flushes[r] != calls ||
	    s->resets[r] != (m == DM_BITMAP ? 0 : k))
		s->ok = false;
}

/* A sample whose pages or counters did not check out: its first rep. */
static void dsample_mismatch(const char *series, const char *kase,
			     const struct dsample *s, size_t k)
{
	printf("   %s %s: MISMATCH (pages found, or stats deltas: logged %.0f "
	       "fast %.0f faults %.0f resets %.0f reprotected %.0f flushes %.0f "
	       "calls %.0f, dirty %zu)\n", series, kase, s->logged[0], s->fast[0],
	       s->faults[0], s->resets[0], s->reprot[0], s->flushes[0],
	       s->calls[0], k);
}

static void series_dirty(void)
{
	static const double fracs[] = { 0.001, 0.01, 0.05, 0.10, 0.25, 0.50 };
	enum { NF = sizeof(fracs) / sizeof(fracs[0]) };
	size_t len = (size_t)cfg.size_mb << 20, np = len / PAGE, k;
	struct secmmu_access_op *op = calloc(np, sizeof(*op));
	struct secmmu_access_op *top = calloc(np, sizeof(*top));
	struct secmmu_dirty_gfn *ent = calloc(DIRTY_RING, sizeof(*ent));
	__u32 *perm = calloc(np, sizeof(*perm));
	__u32 *pages = calloc(np, sizeof(*pages));
	__u32 *sorted = calloc(np, sizeof(*sorted));
	__u64 *bitmap = calloc((np + 63) / 64, 8);
	/* Cheap (µs-scale collections, noisy under TCG): at least 9 reps. */
	unsigned int reps = cfg.reps > 9 ? cfg.reps : 9, r, i;
	static struct dsample S[NF][DM_NR], warm;
	double med[NF][DM_NR];
	struct dvm ring, bm;
	char *mem, *twin;
	int f, m, w;

	printf("\n== dirty: harvest+reset per dirty page, ring vs bitmap, over "
	       "%zu pages (%u MiB), %u reps + 1 warm-up ==\n", np, cfg.size_mb,
	       reps);
	if (!op || !top || !ent || !perm || !pages || !sorted || !bitmap)
		die("calloc");
	mem = region(len, true);
	twin = region(len, true);
	dvm_open(&ring, true, mem, twin, np);
	dvm_open(&bm, false, mem, twin, np);
	if (smu_check_cap(ring.vm.fd, SECMMU_CAP_DIRTY_LOG) <= 0 ||
	    smu_check_cap(ring.vm.fd, SECMMU_CAP_DIRTY_RING) < DIRTY_RING) {
		emit_skip("dirty", "no dirty log / rings in this module");
		goto out;
	}
	for (f = 0; f < NF; f++)
		for (m = 0; m < DM_NR; m++)
			S[f][m].ok = true;

	/* Round -1 warms up (TCG translations, caches) and is dropped. */
	for (w = -1; w < (int)reps; w++) {
		r = w < 0 ? 0 : w;
		for (f = 0; f < NF; f++) {
			__u64 seed = 0x9e3779b97f4a7c15ULL ^ ((w + 1) * 131 + f + 1);

			k = (size_t)(fracs[f] * np + 0.5);
			if (!k)
				k = 1;
			pick_pages(perm, np, k, seed);
			for (m = 0; m < DM_NR; m++) {
				struct dvm *d = m == DM_BITMAP ? &bm : &ring;

				/* Ascending gfn order, except the shuffled case. */
				if (m != DM_SHUFFLED)
					qsort(perm, k, sizeof(*perm), cmp_u32);
				else
					pick_pages(perm, np, k, seed);
				dirty_sample(d, m, mem, np, perm, k, r,
					     w < 0 ? &warm : &S[f][m],
					     op, top, bitmap, ent, pages, sorted);
			}
		}
	}

	for (f = 0; f < NF; f++) {
		k = (size_t)(fracs[f] * np + 0.5);
		if (!k)
			k = 1;
		for (m = 0; m < DM_NR; m++) {
			struct dsample *s = &S[f][m];
			double per_mirrored[MAX_SAMPLES];
			char kase[64];

			for (r = 0; r < reps; r++)
				per_mirrored[r] = s->ns_dirty[r] * k / np;
			med[f][m] = median(s->us, reps);
			snprintf(kase, sizeof(kase), "%s, %g%%", dm_name[m],
				 fracs[f] * 100);
			emit("dirty", kase, m == DM_BITMAP ? "baseline" : "secmmu",
			     "ns/dirty page", s->ns_dirty, reps,
			     "\"kind\":\"collect\",\"method\":\"%s\",\"label\":\"%s\","
			     "\"fraction\":%g,\"pages\":%zu,\"dirty\":%zu,"
			     "\"rounds\":%u,\"ns_per_mirrored_page\":%.4g,"
			     "\"us_per_collection\":%.4g,"
			     "\"logged\":%.0f,\"fast_path\":%.0f,\"faults\":%.0f,"
			     "\"resets\":%.0f,\"reprotected\":%.0f,"
			     "\"remote_flushes\":%.0f,\"reset_calls\":%.0f,"
			     "\"all_samples_ok\":%s",
			     dm_name[m], dm_label[m], fracs[f], np, k, s->rounds,
			     median(per_mirrored, reps), med[f][m],
			     median(s->logged, reps), median(s->fast, reps),
			     median(s->faults, reps), median(s->resets, reps),
			     median(s->reprot, reps), median(s->flushes, reps),
			     median(s->calls, reps), s->ok ? "true" : "false");
			if (!s->ok)
				dsample_mismatch("dirty ", kase, s, k);
		}
		/* The fast path: ring push (ring_global) and bitmap set_bit. */
		for (i = 0; i < 2; i++) {
			char kase[64];

			m = i ? DM_BITMAP : DM_GLOBAL;
			snprintf(kase, sizeof(kase), "%s write, %g%%",
				 m == DM_BITMAP ? "bitmap" : "ring", fracs[f] * 100);
			emit("dirty", kase, "baseline", "ns/page", S[f][m].wbase,
			     reps, "\"kind\":\"push\",\"method\":\"%s\","
			     "\"label\":\"vCPU 8-byte write, same offset in a never-logged "
			     "twin slot (writable)\","
			     "\"fraction\":%g,\"dirty\":%zu", dm_name[m], fracs[f], k);
			emit("dirty", kase, "secmmu", "ns/page", S[f][m].push,
			     reps, "\"kind\":\"push\",\"method\":\"%s\","
			     "\"label\":\"vCPU 8-byte write, write-protected + logged: "
			     "fast-path unprotect + %s\",\"fraction\":%g,\"dirty\":%zu",
			     dm_name[m], m == DM_BITMAP ? "bitmap bit" : "ring push",
			     fracs[f], k);
		}
	}

	/*
	 * Crossover: the smallest fraction from which on a ring's median
	 * collection costs more than the bitmap's, interpolated linearly from
	 * the fraction below (both costs are linear in the dirty count: ring
	 * a*k, bitmap b*np + c*k).
	 */
	for (m = 0; m < DM_BITMAP; m++) {
		double x, d0, d1;

		for (f = NF; f > 0 && med[f - 1][m] >= med[f - 1][DM_BITMAP]; f--)
			;
		if (f == NF) {
			printf("   dirty  crossover %-14s none up to %g%%: the ring "
			       "stays cheaper\n", dm_name[m], fracs[NF - 1] * 100);
			continue;
		}
		if (!f) {
			printf("   dirty  crossover %-14s ring collection > bitmap's "
			       "already at %g%%\n", dm_name[m], fracs[0] * 100);
			continue;
		}
		d0 = med[f - 1][m] - med[f - 1][DM_BITMAP];	/* < 0 */
		d1 = med[f][m] - med[f][DM_BITMAP];		/* >= 0 */
		x = fracs[f - 1] + (fracs[f] - fracs[f - 1]) * -d0 / (d1 - d0);
		printf("   dirty  crossover %-14s ring collection > bitmap's above "
		       "%.3g%% dirty (%zu pages)\n", dm_name[m], x * 100,
		       (size_t)(x * np + 0.5));
	}
out:
	dvm_close(&ring);
	dvm_close(&bm);
	munmap(mem, len);
	munmap(twin, len);
	free(op);
	free(top);
	free(ent);
	free(perm);
	free(pages);
	free(sorted);
	free(bitmap);
}

/* ---- series 5b: dirty collection cost vs memslot size ----------------- */

/*
 * Does a ring collection stay O(dirty pages) as the memslot grows, and how
 * much cheaper than the O(memslot) bitmap is it there?  Issue 13's goals:
 * ring harvest + reset per dirty page flat from 64 MiB to 1 GiB, >= 3x
 * cheaper than the bitmap at 1% of 1 GiB.
 *
 * One region of the largest size (64, 256, 1024 MiB; QUICK 16, 32, 64) is
 * populated once; per size, two VMs (ring_global and bitmap, as in series
 * dirty) mirror its first SIZE bytes in slot 0, every page faulted
 * writable.  No twin slot: the push cost is series dirty's business, and
 * 1 GiB twice would not fit the 3 GiB guest comfortably.  Per repetition,
 * for every size (the order rotating every repetition) and both cases
 *
 *   1%     1% of the slot's pages dirty (the 1 GiB point is the 3x goal)
 *   fixed  the same count at every size: 1% of the smallest (flatness: a
 *          per-dirty-page cost that grows with the slot at a fixed count is
 *          an O(memory) term; at a fixed fraction a linear term would hide
 *          in a constant per dirty page, b * np / k = 100 b)
 *
 * a fresh random page set (one seed for both methods) is dirtied in
 * ascending gfn order and collected by ring_global and by bitmap, the
 * method order alternating (dirty_sample(): the same timed work and
 * checks as series dirty).  The ratios the report draws are paired per
 * repetition.
 */
static void series_dirtyscale(void)
{
	static const unsigned int full_mb[] = { 64, 256, 1024 };
	static const unsigned int quick_mb[] = { 16, 32, 64 };
	static const int meth[2] = { DM_GLOBAL, DM_BITMAP };
	enum { NS = 3, NC = 2 };		/* sizes; cases: 1%, fixed */
	const unsigned int *mb = cfg.quick ? quick_mb : full_mb;
	size_t np[NS], kc[NS][NC], maxnp, fixed, len;
	static struct dsample S[NS][NC][2], warm;
	/*
	 * µs-scale collections, noisy under TCG but cheap (the setup, 1 GiB
	 * populated and faulted twice, dominates): at least 15 reps, 9 in QUICK.
	 */
	unsigned int min_reps = cfg.quick ? 9 : 15, r;
	unsigned int reps = cfg.reps > min_reps ? cfg.reps : min_reps;
	struct secmmu_access_op *op;
	struct secmmu_dirty_gfn *ent;
	__u32 *perm, *pages, *sorted;
	struct dvm ring[NS], bm[NS];
	long avail0, avail1;
	__u64 *bitmap;
	int s, j, c, i, w;
	char *mem;

	for (s = 0; s < NS; s++) {
		np[s] = ((size_t)mb[s] << 20) / PAGE;
		kc[s][0] = (size_t)(0.01 * np[s] + 0.5);
	}
	fixed = kc[0][0];
	for (s = 0; s < NS; s++)
		kc[s][1] = fixed;
	maxnp = np[NS - 1];
	len = maxnp * PAGE;
	printf("\n== dirtyscale: ring_global vs bitmap collection at 1%% and at %zu "
	       "dirty pages of %u, %u, %u MiB slots, %u reps + 1 warm-up ==\n",
	       fixed, mb[0], mb[1], mb[2], reps);
	op = calloc(kc[NS - 1][0], sizeof(*op));
	ent = calloc(DIRTY_RING, sizeof(*ent));
	perm = calloc(maxnp, sizeof(*perm));
	pages = calloc(maxnp, sizeof(*pages));	/* a bad bitmap may hold more */
	sorted = calloc(maxnp, sizeof(*sorted));
	bitmap = calloc((maxnp + 63) / 64, 8);
	if (!op || !ent || !perm || !pages || !sorted || !bitmap)
		die("calloc");
	avail0 = smu_read_key("/proc/meminfo", "MemAvailable");
	mem = region(len, true);
	for (s = 0; s < NS; s++) {
		dvm_open(&ring[s], true, mem, NULL, np[s]);
		dvm_open(&bm[s], false, mem, NULL, np[s]);
	}
	avail1 = smu_read_key("/proc/meminfo", "MemAvailable");
	printf("   dirtyscale MemAvailable %ld -> %ld MiB with the %u MiB region "
	       "and %d VMs mirroring it\n", avail0 >> 10, avail1 >> 10, mb[NS - 1],
	       2 * NS);
	if (smu_check_cap(ring[0].vm.fd, SECMMU_CAP_DIRTY_LOG) <= 0 ||
	    smu_check_cap(ring[0].vm.fd, SECMMU_CAP_DIRTY_RING) < DIRTY_RING) {
		emit_skip("dirtyscale", "no dirty log / rings in this module");
		goto out;
	}
	for (s = 0; s < NS; s++)
		for (c = 0; c < NC; c++)
			for (i = 0; i < 2; i++)
				S[s][c][i].ok = true;

	/* Round -1 warms up (TCG translations, caches) and is dropped. */
	for (w = -1; w < (int)reps; w++) {
		r = w < 0 ? 0 : w;
		for (j = 0; j < NS; j++) {
			s = (j + w + 1) % NS;	/* rotate the size order */
			for (c = 0; c < NC; c++) {
				size_t k = kc[s][c];
				__u64 seed = 0xd1b54a32d192ed03ULL ^
					     ((w + 1) * 977 + s * 31 + c + 1);

				pick_pages(perm, np[s], k, seed);
				qsort(perm, k, sizeof(*perm), cmp_u32);
				for (i = 0; i < 2; i++) {
					/* Alternate which method goes first. */
					int x = (i + w + 1 + j + c) % 2;
					struct dvm *d = x ? &bm[s] : &ring[s];

					dirty_sample(d, meth[x], mem, np[s], perm, k,
						     r, w < 0 ? &warm : &S[s][c][x],
						     op, NULL, bitmap, ent, pages,
						     sorted);
				}
			}
		}
	}

	for (s = 0; s < NS; s++) {
		for (c = 0; c < NC; c++) {
			size_t k = kc[s][c];
			double rb[MAX_SAMPLES];

			for (i = 0; i < 2; i++) {
				struct dsample *d = &S[s][c][i];
				double per_mirrored[MAX_SAMPLES];
				char kase[64];

				for (r = 0; r < reps; r++)
					per_mirrored[r] = d->ns_dirty[r] * k / np[s];
				snprintf(kase, sizeof(kase), "%s, %s, %u MiB",
					 dm_name[meth[i]], c ? "fixed" : "1%", mb[s]);
				emit("dirtyscale", kase, i ? "baseline" : "secmmu",
				     "ns/dirty page", d->ns_dirty, reps,
				     "\"kind\":\"%s\",\"method\":\"%s\",\"label\":\"%s\","
				     "\"mb\":%u,\"pages\":%zu,\"dirty\":%zu,"
				     "\"fraction\":%.6g,\"rounds\":%u,"
				     "\"ns_per_mirrored_page\":%.4g,"
				     "\"us_per_collection\":%.4g,\"logged\":%.0f,"
				     "\"fast_path\":%.0f,\"faults\":%.0f,"
				     "\"resets\":%.0f,\"reprotected\":%.0f,"
				     "\"remote_flushes\":%.0f,\"reset_calls\":%.0f,"
				     "\"mem_available_mb\":[%ld,%ld],"
				     "\"all_samples_ok\":%s",
				     c ? "fixed" : "fraction", dm_name[meth[i]],
				     dm_label[meth[i]], mb[s], np[s], k,
				     (double)k / np[s], d->rounds,
				     median(per_mirrored, reps), median(d->us, reps),
				     median(d->logged, reps), median(d->fast, reps),
				     median(d->faults, reps), median(d->resets, reps),
				     median(d->reprot, reps), median(d->flushes, reps),
				     median(d->calls, reps), avail0 >> 10,
				     avail1 >> 10, d->ok ? "true" : "false");
				if (!d->ok)
					dsample_mismatch("dirtyscale", kase, d, k);
			}
			for (r = 0; r < reps; r++)
				rb[r] = S[s][c][0].ns_dirty[r] /
					S[s][c][1].ns_dirty[r];
			printf("   dirtyscale %4u MiB, %6zu dirty: ring / bitmap %.3g "
			       "(median of paired reps)\n", mb[s], k,
			       median(rb, reps));
		}
	}
	for (c = 0; c < NC; c++) {
		double fl[MAX_SAMPLES];

		for (r = 0; r < reps; r++)
			fl[r] = S[NS - 1][c][0].ns_dirty[r] / S[0][c][0].ns_dirty[r];
		printf("   dirtyscale ring ns/dirty page %u MiB / %u MiB (%s): %.3g\n",
		       mb[NS - 1], mb[0], c ? "fixed count" : "1%", median(fl, reps));
	}
out:
	for (s = 0; s < NS; s++) {
		dvm_close(&ring[s]);
		dvm_close(&bm[s]);
	}
	munmap(mem, len);
	free(op);
	free(ent);
	free(perm);
	free(pages);
	free(sorted);
	free(bitmap);
}

/* ---- series 6: memory overhead per mirrored page ---------------------- */

static long vm_pte_kb(void)
{
	return smu_read_key("/proc/self/status", "VmPTE");
}

/*
 * The kernel's struct secmmu_rmap_desc (src/rmap.h), mirrored for its size:
 * u32 count, u32 pad, the next pointer, RMAP_DESC_SPTES (12) SPTE pointers.
 */
struct rmap_desc_mirror {
	__u32 count;
	__u32 pad;
	void *more;
	__u64 *sptes[12];
};

/* The same for a two-leaf pair (struct secmmu_rmap_pair: two pointers). */
#define RMAP_PAIR_MIRROR_BYTES	(2 * sizeof(void *))

/*
 * Bytes of one object of slab cache @name as the slab hands it out: SLUB's
 * slab_size for the cache (KMEM_CACHE: align 8, so the struct's size unless
 * SLUB adds debug metadata or merged the cache into a bigger one), and the
 * bytes per object including the slab page's unused tail.  Falls back to
 * @mirror, the struct's size mirrored here, when /sys/kernel/slab is not
 * readable.
 */
static void obj_size(const char *name, size_t mirror, double *obj, double *eff,
		     const char **src)
{
	static char path[3][128];
	static int n;
	long long slab, per, order;
	char *p = path[n++ % 3];

	snprintf(p, sizeof(path[0]), "/sys/kernel/slab/%s/slab_size", name);
	slab = smu_read_ll(p);
	snprintf(p, sizeof(path[0]), "/sys/kernel/slab/%s/objs_per_slab", name);
	per = smu_read_ll(p);
	snprintf(p, sizeof(path[0]), "/sys/kernel/slab/%s/order", name);
	order = smu_read_ll(p);
	if (slab > 0 && per > 0 && order >= 0) {
		*obj = slab;
		*eff = (double)(PAGE << order) / per;
		snprintf(p, sizeof(path[0]), "/sys/kernel/slab/%s", name);
		*src = p;
	} else {
		*obj = *eff = mirror;
		*src = "sizeof (src/rmap.h, mirrored)";
	}
}

/*
 * For every rmap mode and alias degree d (each memslot page mapped in views
 * 0..d-1): TABLES, RMAP_PAIRS and RMAP_DESCS before anything is mapped, after the first
 * half of the slot is mapped in every view, and after all of it.  The
 * second half's deltas are the marginal cost per mirrored page (the roots,
 * the upper levels and the vCPUs' spare stock are already there); the
 * final counters over the slot's pages the total.  Rmap heads: 8 bytes per
 * memslot page (a kvcalloc'ed array per memslot), none in table-walk mode.
 */
static void series_mem(void)
{
	static const int degrees[] = { 1, 2, 4 };
	size_t len = (size_t)cfg.mem_mb << 20, np = len / PAGE, half = np / 2;
	double host, dobj, deff, pobj, peff;
	const char *dsrc, *psrc;
	long pte0, pte1;
	char *mem;
	int di, v, m;

	printf("\n== mem: SPTE tables + rmap descriptors + rmap heads per mirrored "
	       "page, %zu pages (%u MiB), per rmap mode ==\n", np, cfg.mem_mb);
	/* The caches exist from insmod on. */
	obj_size("secmmu_rmap_desc", sizeof(struct rmap_desc_mirror), &dobj, &deff,
		 &dsrc);
	obj_size("secmmu_rmap_pair", RMAP_PAIR_MIRROR_BYTES, &pobj, &peff, &psrc);
	printf("   mem    rmap descriptor: %g bytes per object, %.2f with the slab's "
	       "tail (%s); struct %zu\n", dobj, deff, dsrc,
	       sizeof(struct rmap_desc_mirror));
	printf("   mem    rmap pair: %g bytes per object, %.2f with the slab's "
	       "tail (%s); struct %zu\n", pobj, peff, psrc,
	       RMAP_PAIR_MIRROR_BYTES);
	pte0 = vm_pte_kb();
	mem = region(len, true);
	pte1 = vm_pte_kb();
	host = pte0 >= 0 && pte1 >= 0 ? (pte1 - pte0) * 1024.0 / np : -1;
	emit("mem", "host page tables", "baseline", "bytes/page", &host, 1,
	     "\"label\":\"process page tables (VmPTE delta) per populated page\","
	     "\"pages\":%zu", np);
	for (m = 0; m < SECMMU_RMAP_NR_MODES; m++) {
		for (di = 0; di < 3; di++) {
			struct secmmu_stats s0, s1, s2;
			double marginal, total, heads;
			struct ops o;
			__u64 word;
			struct vm vm;
			char kase[64];

			vm_open(&vm, m);
			CHECK(smu_set_memslot(vm.fd, 0, 0, GFN0, np, mem));
			for (v = 1; v < degrees[di]; v++)
				CHECK(smu_set_view(vm.fd, v, GFN0, np, GFN0));
			snap(vm.fd, &s0);
			for (v = 0; v < degrees[di]; v++) {
				ops_build(&o, v, GFN0, half, sizeof(word), false, &word);
				ops_run(vm.vcpu[0], &o);
				ops_free(&o);
			}
			snap(vm.fd, &s1);
			for (v = 0; v < degrees[di]; v++) {
				ops_build(&o, v, GFN0 + half, np - half, sizeof(word),
					  false, &word);
				ops_run(vm.vcpu[0], &o);
				ops_free(&o);
			}
			snap(vm.fd, &s2);
			if (s2.val[SECMMU_STAT_MAPPED] != np * degrees[di])
				die("mem: %llu SPTEs mapped, expected %zu",
				    (unsigned long long)s2.val[SECMMU_STAT_MAPPED],
				    np * degrees[di]);
			heads = m == SECMMU_RMAP_TABLE_WALK ? 0 : 8;
			marginal = (DELTA(&s1, &s2, SECMMU_STAT_TABLES) * PAGE +
				    DELTA(&s1, &s2, SECMMU_STAT_RMAP_DESCS) * dobj +
				    DELTA(&s1, &s2, SECMMU_STAT_RMAP_PAIRS) * pobj) /
				   (np - half) + heads;
			total = (s2.val[SECMMU_STAT_TABLES] * (double)PAGE +
				 s2.val[SECMMU_STAT_RMAP_DESCS] * dobj +
				 s2.val[SECMMU_STAT_RMAP_PAIRS] * pobj) / np + heads;
			snprintf(kase, sizeof(kase), "%s, degree %d", mode_name[m],
				 degrees[di]);
			emit("mem", kase, "secmmu", "bytes/page", &marginal, 1,
			     "\"mode\":\"%s\",\"degree\":%d,\"pages\":%zu,"
			     "\"half_pages\":%zu,\"mapped\":%llu,"
			     "\"tables\":[%llu,%llu,%llu],\"rmap_descs\":[%llu,%llu,%llu],"
			     "\"head_bytes\":%g,\"desc_bytes\":%g,"
			     "\"desc_bytes_effective\":%.2f,\"desc_size_source\":\"%s\","
			     "\"desc_struct_bytes\":%zu,\"total_bytes_per_page\":%.3f,"
			     "\"rmap_pairs\":[%llu,%llu,%llu],\"pair_bytes\":%g,"
			     "\"pair_size_source\":\"%s\"",
			     mode_name[m], degrees[di], np, np - half,
			     (unsigned long long)s2.val[SECMMU_STAT_MAPPED],
			     (unsigned long long)s0.val[SECMMU_STAT_TABLES],
			     (unsigned long long)s1.val[SECMMU_STAT_TABLES],
			     (unsigned long long)s2.val[SECMMU_STAT_TABLES],
			     (unsigned long long)s0.val[SECMMU_STAT_RMAP_DESCS],
			     (unsigned long long)s1.val[SECMMU_STAT_RMAP_DESCS],
			     (unsigned long long)s2.val[SECMMU_STAT_RMAP_DESCS],
			     heads, dobj, deff, dsrc, sizeof(struct rmap_desc_mirror),
			     total,
			     (unsigned long long)s0.val[SECMMU_STAT_RMAP_PAIRS],
			     (unsigned long long)s1.val[SECMMU_STAT_RMAP_PAIRS],
			     (unsigned long long)s2.val[SECMMU_STAT_RMAP_PAIRS], pobj,
			     psrc);
			vm_close(&vm);
		}
	}
	munmap(mem, len);
}

/* ---- series 9: the kernel's own aging beside KVM (realage.c) --------- */

static void series_realage(void)
{
	series_realage_run(cfg.quick, cfg.size_mb, cfg.reps);
}

/* ---- main ------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr, "usage: secmmu-bench [--quick] [--size-mb N] [--reps N] "
		"[--duration-ms N] [--series access,age,throughput,inval,dirty,dirtyscale,\n"
		"mem,numa,huge,realage]\n");
	exit(2);
}

static unsigned int min_u(unsigned int a, unsigned int b)
{
	return a < b ? a : b;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "size-mb", required_argument, NULL, 's' },
		{ "reps", required_argument, NULL, 'r' },
		{ "duration-ms", required_argument, NULL, 'd' },
		{ "series", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct {
		const char *name;
		void (*fn)(void);
	} series[] = {
		{ "access", series_access },
		{ "age", series_age },
		{ "throughput", series_throughput },
		{ "inval", series_inval },
		{ "dirty", series_dirty },
		{ "dirtyscale", series_dirtyscale },
		{ "mem", series_mem },
		{ "numa", series_numa },
		{ "huge", series_huge },
		{ "realage", series_realage },
	};
	unsigned int size = 0, reps = 0, dur = 0;
	char nb_old[32] = "";
	struct utsname u;
	__u64 t0 = now_ns();
	int c, vm;
	FILE *f;

	/* A subject process of series realage, re-executed by it. */
	if (argc == 4 && !strcmp(argv[1], "--realage-subject"))
		return realage_subject(argv[2], argv[3]);

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'q': cfg.quick = true; break;
		case 's': size = strtoul(optarg, NULL, 0); break;
		case 'r': reps = strtoul(optarg, NULL, 0); break;
		case 'd': dur = strtoul(optarg, NULL, 0); break;
		case 'S':	/* repeatable: the QEMU init splits arguments at ',' */
			if (strlen(cfg.series) + strlen(optarg) + 2 > sizeof(cfg.series))
				usage();
			if (cfg.series[0])
				strcat(cfg.series, ",");
			strcat(cfg.series, optarg);
			break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	cfg.size_mb = size ? size : cfg.quick ? 16 : 256;
	cfg.reps = reps ? reps : cfg.quick ? 3 : 7;
	if (cfg.reps > MAX_SAMPLES)
		cfg.reps = MAX_SAMPLES;
	cfg.dur_ms = dur ? dur : cfg.quick ? 300 : 1000;
	cfg.acc_mb = min_u(cfg.size_mb, cfg.quick ? 8 : 32);
	cfg.mem_mb = min_u(cfg.size_mb, 64);
	cfg.tp_mb = min_u(cfg.size_mb, 64);
	cfg.inval_max_mb = 1;
	while (cfg.inval_max_mb * 2 <= cfg.size_mb)
		cfg.inval_max_mb *= 2;

	setvbuf(stdout, NULL, _IOLBF, 0);
	pin(0);
	/* NUMA balancing would zap SPTEs behind our back; restored at exit. */
	f = fopen("/proc/sys/kernel/numa_balancing", "r");
	if (f) {
		if (!fgets(nb_old, sizeof(nb_old), f))
			nb_old[0] = 0;
		fclose(f);
		smu_write_file("/proc/sys/kernel/numa_balancing", "0");
	}

	vm = smu_open_vm();
	if (vm < 0) {
		fprintf(stderr, "secmmu-bench: open %s: %s\n", SMU_DEV_PATH,
			strerror(-vm));
		return 1;
	}
	uname(&u);
	printf("@@SMB-BEGIN\n");
	printf(REC "{\"meta\":{\"kernel\":\"%s\",\"machine\":\"%s\",\"cpus\":%ld,"
	       "\"numa_nodes\":%d,\"api\":%d,\"rmap_modes\":%d,\"age_cap\":%d,"
	       "\"quick\":%s,\"size_mb\":%u,\"access_mb\":%u,\"throughput_mb\":%u,"
	       "\"mem_mb\":%u,\"inval_max_mb\":%u,\"reps\":%u,\"duration_ms\":%u,"
	       "\"batch_ops\":%d,\"page_size\":%lu}}\n",
	       u.release, u.machine, sysconf(_SC_NPROCESSORS_ONLN), smu_nr_nodes(),
	       smu_check_cap(vm, SECMMU_CAP_API_VERSION),
	       smu_check_cap(vm, SECMMU_CAP_RMAP_MODES),
	       smu_check_cap(vm, SECMMU_CAP_AGE), cfg.quick ? "true" : "false",
	       cfg.size_mb, cfg.acc_mb, cfg.tp_mb, cfg.mem_mb, cfg.inval_max_mb,
	       cfg.reps, cfg.dur_ms, BATCH, PAGE);
	close(vm);

	for (c = 0; c < (int)(sizeof(series) / sizeof(series[0])); c++) {
		__u64 t = now_ns();

		if (!want(series[c].name))
			continue;
		series[c].fn();
		printf(REC "{\"series_time\":{\"%s\":%.1f}}\n", series[c].name,
		       (now_ns() - t) / 1e9);
	}

	if (nb_old[0])
		smu_write_file("/proc/sys/kernel/numa_balancing", nb_old);
	printf(REC "{\"done\":{\"seconds\":%.1f}}\n", (now_ns() - t0) / 1e9);
	printf("@@SMB-END rc=0\n");
	return 0;
}
