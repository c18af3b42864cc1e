// SPDX-License-Identifier: GPL-2.0
/*
 * libsecmmu-mirror.so: attach a secmmu secondary MMU to an unmodified
 * program (LD_PRELOAD; tools/mirror/secmmu-mirror sets it and the options).
 *
 * The constructor opens /dev/secmmu in the program's own mm (a VM is bound
 * to its opener's mm), creates one vCPU and starts a background thread that
 * keeps reading the program's memory through the secondary MMU, and
 * optionally an aging thread.  The destructor (exit()) stops them and
 * prints what the secondary MMU saw: SECMMU_GET_STATS deltas, in total and
 * per second, to stderr or a file, and optionally a JSON file with one
 * sample per interval for plotting.
 *
 * Guest layout: gfn == hva >> 12 (user addresses are below 1 << 47, gfns
 * below 1 << SECMMU_GFN_BITS), so every memslot is an identity window and
 * no two can overlap.  Mappings less than MERGE_GAP apart form a cluster
 * (2 MiB aligned, at most SECMMU_MAX_SLOT_PAGES: 8 GiB), and each cluster
 * gets one memslot, with some slack on both sides so that growing heaps
 * and mmap areas do not replace it at every scan (clusters() and
 * rescan()).  A process has few clusters (executable and heap, libraries
 * and mmaps, stack), far below SECMMU_MAX_MEMSLOTS; when there are more,
 * the closest merge, and the rest is counted as unmirrored.  A memslot
 * over a hole is harmless: the secondary MMU resolves every access through
 * the program's page tables, and one to an unmapped page fails with
 * -EFAULT.
 *
 * Following the mappings: the background thread rescans /proc/self/maps
 * every scan period rather than interposing mmap/munmap/mremap/brk.
 * Interposition misses what does not go through the dynamic symbols
 * (glibc's malloc calls mmap internally, programs use syscall(2) and raw
 * clone), and it would have to run our code inside the program's calls
 * and signal handlers.  The rescan cannot miss a mapping for long, needs
 * nothing from the program, and only decides which ranges have memslots
 * and which pages the vCPU touches: coherence itself is the module's
 * mmu_notifier's job, which sees every change at once.
 *
 * Not changing the program's results:
 *  - Only pages present in the program's page tables (/proc/self/pagemap)
 *    of readable mappings are read: a vCPU read of an absent page would
 *    fault it in (the zero page, a file page, a swap-in), which tests of
 *    RSS, pagemap, mlock-on-fault, MADV_PAGEOUT or THP population would
 *    see.  Each page is checked again just before its batch of GROUP
 *    reads; one discarded (and maybe mapped anew) within that window is
 *    still faulted in.  SECMMU_MIRROR_ALL=1 touches every mapped page.
 *  - Like any secondary MMU's, the vCPU's GUP holds a page reference for
 *    the length of a fault: a MADV_COLLAPSE or migration that meets it
 *    fails with -EAGAIN, as it would next to a KVM guest.
 *  - Reads only by default.  SECMMU_MIRROR_WRITE=1 writes back the 8
 *    bytes it just read: a program thread writing them in between loses
 *    its write, so it is only for programs that do not run concurrently
 *    with it, and never for result comparisons.
 *  - Our threads block every signal, so signals go to the program's
 *    threads; our fds are moved above 1000 and are close-on-exec, so the
 *    program's fd numbers do not change and exec drops the VM.  Our buffers
 *    are mmap()ed, not malloc()ed.  Nothing is written to stdout.
 *  - fork(): the child's mm is not the VM's (every ioctl would fail with
 *    -EIO) and it has none of our threads; a pthread_atfork child handler
 *    closes the fds and the child runs unmirrored and prints nothing (its
 *    exec()ed programs are mirrored again: LD_PRELOAD stays set).
 *  - Module errors (-EFAULT for a page unmapped or made PROT_NONE since
 *    the scan, -EIO, anything) and exits are counted, never fatal; if
 *    /dev/secmmu cannot be opened the program runs unmirrored.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "secmmu_util.h"

#define MIR_PFX			"secmmu-mirror: "
#define WIN_PAGES		SECMMU_MAX_SLOT_PAGES
#define MAX_SPAN		(WIN_PAGES << SMU_PAGE_SHIFT)
#define SLOT_ALIGN		(2ULL << 20)
#define MERGE_GAP		(4ULL << 20)
#define SLACK_MIN		(4ULL << 20)
#define MAX_CLUSTERS		1024
#define USER_TOP		0x7ffffffff000ULL	/* x86-64 TASK_SIZE */
#define MAX_VMAS		16384
#define MAX_OPS			256	/* pages per pick() */
#define GROUP			8	/* pages per batch */
#define PM_CHUNK		512	/* pagemap entries per read */
#define MAX_SAMPLES		4096
#define HIGH_FD			1000

struct vma {
	__u64 start, end;	/* page aligned */
	int prot;		/* PROT_READ | PROT_WRITE */
};

struct win {
	__u64 start, end;
	__u64 mapped;		/* bytes of mappings in it */
	bool used;
};

/* Counters shown in the summary and in each JSON sample. */
static const unsigned int shown[] = {
	SECMMU_STAT_FAULTS, SECMMU_STAT_FAULT_RETRIES,
	SECMMU_STAT_SPTES_INSTALLED, SECMMU_STAT_SPTES_ZAPPED,
	SECMMU_STAT_INVALIDATIONS, SECMMU_STAT_INVAL_UNMAP,
	SECMMU_STAT_INVAL_CLEAR, SECMMU_STAT_INVAL_PROTECTION_VMA,
	SECMMU_STAT_INVAL_PROTECTION_PAGE, SECMMU_STAT_INVAL_SOFT_DIRTY,
	SECMMU_STAT_INVAL_RELEASE, SECMMU_STAT_INVAL_MIGRATE,
	SECMMU_STAT_INVAL_EXCLUSIVE, SECMMU_STAT_INVAL_OTHER,
	SECMMU_STAT_INVAL_NONBLOCKABLE, SECMMU_STAT_REMOTE_FLUSHES,
	SECMMU_STAT_FLUSH_WAITS, SECMMU_STAT_ZAP_YIELDS,
	SECMMU_STAT_ACCESS_OPS, SECMMU_STAT_AGE_CLEAR_FLUSH_YOUNG,
	SECMMU_STAT_AGE_CLEAR_YOUNG, SECMMU_STAT_AGE_TEST_YOUNG,
	SECMMU_STAT_AGE_PAGES, SECMMU_STAT_AGE_YOUNG,
	SECMMU_STAT_PROT_KEPT, SECMMU_STAT_DIRTY_LOGGED,
	SECMMU_STAT_DIRTY_REPROTECTED, SECMMU_STAT_DIRTY_PROPAGATED,
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define NR_SHOWN	ARRAY_SIZE(shown)

struct sample {
	double t;
	__u64 val[NR_SHOWN];
};

/* Options (environment, set by the secmmu-mirror launcher). */
static struct {
	long rate;		/* pages/s, 0: unpaced */
	bool random;
	bool write;
	bool all;
	bool dirty;
	long age_ms;
	long scan_ms;
	long sample_ms;
	int rmap;
	const char *out;
	const char *json;
	bool quiet;
	bool debug;
} opt;

/* Library-side counters (the module's are in the stats). */
static struct {
	__u64 batches, touched, skipped_absent, scans, slot_changes;
	__u64 slot_errors, unmirrored_windows;
	__u64 err_fault, err_intr, err_io, err_other, exit_unbacked, exit_other;
	__u64 age_sweeps, age_young, age_pages, age_errors;
	__u64 dirty_pages, dirty_errors;
} cnt;

static int vm_fd = -1, vcpu_fd = -1, pm_fd = -1;
static pid_t owner;
static int stop_flag;		/* set by the destructor (or a dead VM) */

static bool stopping(void)
{
	return __atomic_load_n(&stop_flag, __ATOMIC_RELAXED);
}

static void stop_all(void)
{
	__atomic_store_n(&stop_flag, 1, __ATOMIC_RELAXED);
}

static bool active;
static bool first_batch_done;
static pthread_t vcpu_thread, age_thread;
static bool have_vcpu_thread, have_age_thread;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* Under @lock: the last scan, and the memslots. */
static struct vma *vmas;
static unsigned int nr_vmas;
static __u64 scan_gen;
static struct win slots[SECMMU_MAX_MEMSLOTS];
static unsigned int max_slots = SECMMU_MAX_MEMSLOTS;

static struct secmmu_stats st0, st_last;
static struct sample *samples;
static unsigned int nr_samples;
static double t0;
static char cmd[256];

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void *map_buf(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Move @fd out of the program's way (above HIGH_FD, close-on-exec). */
static int high_fd(int fd)
{
	int h;

	if (fd < 0)
		return fd;
	h = fcntl(fd, F_DUPFD_CLOEXEC, HIGH_FD);
	if (h < 0)
		return fd;
	close(fd);
	return h;
}

static void warn(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	if (opt.quiet)
		return;
	n = snprintf(buf, sizeof(buf), MIR_PFX "pid %d: ", getpid());
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	if (write(STDERR_FILENO, buf, strlen(buf)) < 0)
		return;
}

static long env_long(const char *name, long def)
{
	const char *s = getenv(name);
	char *end;
	long v;

	if (!s || !*s)
		return def;
	v = strtol(s, &end, 0);
	return *end ? def : v;
}

static void read_options(void)
{
	const char *p = getenv("SECMMU_MIRROR_PATTERN");

	opt.rate = env_long("SECMMU_MIRROR_RATE", 2000);
	opt.random = p && !strcmp(p, "random");
	opt.write = env_long("SECMMU_MIRROR_WRITE", 0);
	opt.all = env_long("SECMMU_MIRROR_ALL", 0);
	opt.dirty = env_long("SECMMU_MIRROR_DIRTY", 0);
	opt.age_ms = env_long("SECMMU_MIRROR_AGE_MS", 500);
	opt.scan_ms = env_long("SECMMU_MIRROR_SCAN_MS", 100);
	opt.sample_ms = env_long("SECMMU_MIRROR_SAMPLE_MS", 1000);
	opt.rmap = env_long("SECMMU_MIRROR_RMAP", SECMMU_RMAP_TABLE_WALK);
	opt.out = getenv("SECMMU_MIRROR_OUT");
	opt.json = getenv("SECMMU_MIRROR_JSON");
	opt.quiet = env_long("SECMMU_MIRROR_QUIET", 0);
	opt.debug = env_long("SECMMU_MIRROR_DEBUG", 0);
	if (opt.scan_ms < 1)
		opt.scan_ms = 1;
	if (opt.sample_ms < 10)
		opt.sample_ms = 10;
}

/* Whole-file read of a /proc file into a growing mmap()ed buffer. */
static char *read_proc(const char *path, size_t *lenp)
{
	static char *buf;
	static size_t cap;
	size_t len = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	for (;;) {
		if (len + 4096 >= cap) {
			size_t ncap = cap ? cap * 2 : 1 << 16;
			char *nb = map_buf(ncap);

			if (!nb) {
				close(fd);
				return NULL;
			}
			if (buf) {
				memcpy(nb, buf, len);
				munmap(buf, cap);
			}
			buf = nb;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	*lenp = len;
	return buf;
}

/* Parse /proc/self/maps into @out; returns the number of entries. */
static unsigned int scan_maps(struct vma *out, unsigned int max)
{
	unsigned long long s, e;
	char perms[8], *p, *nl;
	unsigned int n = 0;
	size_t len;

	p = read_proc("/proc/self/maps", &len);
	if (!p)
		return 0;
	for (; *p && n < max; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			break;
		*nl = '\0';
		if (sscanf(p, "%llx-%llx %7s", &s, &e, perms) != 3)
			continue;
		if (strstr(p, "[vvar]") || strstr(p, "[vdso]") ||
		    strstr(p, "[vsyscall]") || e > USER_TOP)
			continue;
		out[n].start = s;
		out[n].end = e;
		out[n].prot = (perms[0] == 'r' ? PROT_READ : 0) |
			      (perms[1] == 'w' ? PROT_WRITE : 0);
		n++;
	}
	return n;
}

static __u64 align_down(__u64 x)
{
	return x & ~(SLOT_ALIGN - 1);
}

static __u64 align_up(__u64 x)
{
	x = (x + SLOT_ALIGN - 1) & ~(SLOT_ALIGN - 1);
	return x < USER_TOP ? x : USER_TOP;
}

/*
 * Group the mappings into at most @max clusters: neighbours closer than
 * MERGE_GAP share one, none spans more than a memslot can.  Tight, because
 * an invalidation costs the module time in proportion to the memslot
 * pages it covers, mapped or not (64-page zap chunks): soft-dirty's
 * 40000 clear_refs over the whole mm took 8 times as long mirrored with
 * 64 MiB gaps and slack.  When there are more clusters than memslots,
 * the closest neighbours merge, and where no merge fits, the cluster with
 * the fewest mapped bytes goes unmirrored.
 */
static unsigned int clusters(const struct vma *v, unsigned int n,
			     struct win *c, unsigned int max)
{
	static struct win w[MAX_CLUSTERS];
	unsigned int i, j, nc = 0;

	for (i = 0; i < n; i++) {
		__u64 s = align_down(v[i].start), e = align_up(v[i].end);

		while (s < e) {
			struct win *l = nc ? &w[nc - 1] : NULL;
			__u64 pe = e - s > MAX_SPAN ? s + MAX_SPAN : e;

			if (l && s <= l->end + MERGE_GAP && pe - l->start <= MAX_SPAN) {
				if (pe > l->end)
					l->end = pe;
				l->mapped += pe - s;
			} else if (nc < MAX_CLUSTERS) {
				w[nc].start = s;
				w[nc].end = pe;
				w[nc].mapped = pe - s;
				w[nc].used = true;
				nc++;
			} else {
				cnt.unmirrored_windows++;
			}
			s = pe;
		}
	}
	while (nc > max) {
		unsigned int best = nc;
		__u64 gap = ~0ULL;

		for (j = 0; j + 1 < nc; j++)
			if (w[j + 1].end - w[j].start <= MAX_SPAN &&
			    w[j + 1].start - w[j].end < gap) {
				gap = w[j + 1].start - w[j].end;
				best = j;
			}
		if (best == nc) {
			for (j = 1, best = 0; j < nc; j++)
				if (w[j].mapped < w[best].mapped)
					best = j;
			cnt.unmirrored_windows++;
		} else {
			w[best].end = w[best + 1].end;
			w[best].mapped += w[best + 1].mapped;
			best++;
		}
		memmove(&w[best], &w[best + 1], (nc - best - 1) * sizeof(*w));
		nc--;
	}
	memcpy(c, w, nc * sizeof(*w));
	return nc;
}

static int set_slot(unsigned int i, const struct win *w)
{
	__u32 flags = opt.dirty ? SECMMU_MEM_LOG_DIRTY : 0;

	if (opt.debug)
		warn("memslot %u %s %#llx-%#llx\n", i, w ? "create" : "delete",
		     w ? w->start : slots[i].start, w ? w->end : slots[i].end);
	if (!w)
		return smu_del_memslot(vm_fd, i);
	return smu_set_memslot(vm_fd, i, flags, w->start >> SMU_PAGE_SHIFT,
			       (w->end - w->start) >> SMU_PAGE_SHIFT,
			       (void *)(uintptr_t)w->start);
}

static void del_slot(unsigned int i)
{
	if (set_slot(i, NULL))
		cnt.slot_errors++;
	slots[i].used = false;
	cnt.slot_changes++;
}

/*
 * The range of a new memslot for cluster @c: the cluster with some slack
 * on both sides (mmap()s grow down, brk() up), up to the memslots that
 * exist and halfway to the other clusters of @want.
 */
static struct win slot_range(const struct win *c, const struct win *want,
			     unsigned int nw)
{
	__u64 slack = (c->end - c->start) / 8, lo_b = 0, hi_b = USER_TOP, m;
	struct win r = *c;
	unsigned int i;

	if (slack < SLACK_MIN)
		slack = SLACK_MIN;
	for (i = 0; i < max_slots; i++) {
		if (!slots[i].used)
			continue;
		if (slots[i].end <= c->start && slots[i].end > lo_b)
			lo_b = slots[i].end;
		if (slots[i].start >= c->end && slots[i].start < hi_b)
			hi_b = slots[i].start;
	}
	for (i = 0; i < nw; i++) {
		if (want[i].end <= c->start) {
			m = align_up(want[i].end + (c->start - want[i].end) / 2);
			if (m > lo_b)
				lo_b = m;
		}
		if (want[i].start >= c->end) {
			m = align_down(want[i].start - (want[i].start - c->end) / 2);
			if (m < hi_b)
				hi_b = m;
		}
	}
	r.start = c->start - lo_b > slack ? c->start - slack : lo_b;
	r.end = hi_b - c->end > slack ? c->end + slack : hi_b;
	if (r.end - r.start > MAX_SPAN) {	/* slack only where it fits */
		r.start = c->start;
		r.end = c->start + MAX_SPAN < hi_b ? c->start + MAX_SPAN : hi_b;
	}
	return r;
}

/*
 * Rescan the mappings, make the memslots follow: a memslot that holds a
 * whole cluster stays; one that holds none, or overlaps a cluster it does
 * not hold whole, goes; each cluster left gets a new one.  Takes @lock.
 */
static void rescan(void)
{
	struct win want[SECMMU_MAX_MEMSLOTS], r;
	unsigned int nw, i, j;
	bool changed = true;

	pthread_mutex_lock(&lock);
	nr_vmas = scan_maps(vmas, MAX_VMAS);
	scan_gen++;
	cnt.scans++;
	nw = clusters(vmas, nr_vmas, want, max_slots);
	while (changed) {
		changed = false;
		for (j = 0; j < nw; j++)
			want[j].used = true;	/* needs a new memslot */
		for (i = 0; i < max_slots; i++) {
			bool keep = false;

			if (!slots[i].used)
				continue;
			for (j = 0; j < nw; j++) {
				if (want[j].end <= slots[i].start ||
				    want[j].start >= slots[i].end)
					continue;
				if (want[j].start >= slots[i].start &&
				    want[j].end <= slots[i].end) {
					want[j].used = false;
					keep = true;
				} else {
					keep = false;	/* straddles it */
					break;
				}
			}
			if (!keep) {
				del_slot(i);
				changed = true;
			}
		}
	}
	for (j = 0; j < nw; j++) {
		if (!want[j].used)
			continue;
		for (i = 0; i < max_slots && slots[i].used; i++)
			;
		if (i == max_slots)
			break;
		r = slot_range(&want[j], want, nw);
		if (set_slot(i, &r)) {
			cnt.slot_errors++;
			continue;
		}
		slots[i] = r;
		slots[i].used = true;
		cnt.slot_changes++;
	}
	pthread_mutex_unlock(&lock);
}

static void count_error(int ret)
{
	if (ret == -EFAULT)
		cnt.err_fault++;
	else if (ret == -EINTR)
		cnt.err_intr++;
	else if (ret == -EIO)
		cnt.err_io++;
	else
		cnt.err_other++;
}

/*
 * Issue @nr ops; on an error or exit, count it and go on after it.  In
 * write mode the ops come in (read, write back) pairs: a failed read skips
 * its write, which would write back a stale buffer.
 */
static void run_batch(struct secmmu_access_op *ops, unsigned int nr)
{
	struct secmmu_access_batch b;
	unsigned int done = 0;
	int ret;

	while (done < nr && !stopping()) {
		ret = smu_batch(vcpu_fd, ops + done, nr - done, &b);
		cnt.batches++;
		if (ret < 0) {
			count_error(ret);
			if (ret == -EIO || ret == -EBADF)
				stop_all();	/* the VM is gone */
		} else if (b.exit_reason == SECMMU_EXIT_UNBACKED) {
			cnt.exit_unbacked++;
		} else if (b.exit_reason != SECMMU_EXIT_NONE) {
			cnt.exit_other++;
		}
		done += b.done + 1;	/* skip the op that stopped it */
		if (opt.write && (done & 1))
			done++;		/* and a failed read's write back */
	}
}

/* Is the page at @hva present in the program's page tables? */
static bool present(__u64 hva)
{
	__u64 e;

	if (opt.all)
		return true;
	if (pread(pm_fd, &e, sizeof(e), (hva >> SMU_PAGE_SHIFT) * 8) != sizeof(e))
		return false;
	return e & SMU_PM_PRESENT;
}

/*
 * Pagemap entries of the span @pages[0] .. @pages[n - 1] in @pm with one
 * read, when the pages ascend within at most PM_SPAN pages (sequential
 * picks do); returns 0 when not (the caller asks page by page).
 */
#define PM_SPAN		64

static unsigned int recheck(const __u64 *pages, unsigned int n, __u64 *pm)
{
	__u64 span = ((pages[n - 1] - pages[0]) >> SMU_PAGE_SHIFT) + 1;
	unsigned int i;

	for (i = 1; i < n; i++)
		if (pages[i] < pages[i - 1])
			return 0;
	if (opt.all || span > PM_SPAN)
		return 0;
	if (pread(pm_fd, pm, span * 8, (pages[0] >> SMU_PAGE_SHIFT) * 8) !=
	    (ssize_t)(span * 8))
		return 0;
	return span;
}

static __u64 rnd(__u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * Pick up to MAX_OPS pages to touch: sequentially from the cursor, or at
 * random (uniform over the mapped pages of the last scan).  Under @lock.
 */
static unsigned int pick(__u64 *pages, __u64 *seed)
{
	static unsigned int cv;
	static __u64 cpos, cgen;
	__u64 total = 0, r, e[PM_CHUNK];
	unsigned int i, n = 0, tries = 0, need;

	need = opt.write ? PROT_READ | PROT_WRITE : PROT_READ;
	if (!nr_vmas)
		return 0;
	if (opt.random) {
		for (i = 0; i < nr_vmas; i++)
			if ((vmas[i].prot & need) == need)
				total += (vmas[i].end - vmas[i].start) >> SMU_PAGE_SHIFT;
		if (!total)
			return 0;
		while (n < MAX_OPS && tries++ < 4 * MAX_OPS) {
			r = rnd(seed) % total;
			for (i = 0; i < nr_vmas; i++) {
				__u64 np;

				if ((vmas[i].prot & need) != need)
					continue;
				np = (vmas[i].end - vmas[i].start) >> SMU_PAGE_SHIFT;
				if (r < np)
					break;
				r -= np;
			}
			if (i == nr_vmas)
				break;
			r = vmas[i].start + (r << SMU_PAGE_SHIFT);
			if (present(r))
				pages[n++] = r;
			else
				cnt.skipped_absent++;
		}
		return n;
	}
	if (cgen != scan_gen) {		/* the list changed: find our place */
		for (cv = 0; cv < nr_vmas && vmas[cv].end <= cpos; cv++)
			;
		cgen = scan_gen;
	}
	while (n < MAX_OPS && tries++ < 64) {
		__u64 s, cnt_pages;
		ssize_t got;

		if (cv >= nr_vmas) {
			cv = 0;
			cpos = 0;
			if (n)
				break;
		}
		if ((vmas[cv].prot & need) != need || cpos >= vmas[cv].end) {
			cv++;
			if (cv < nr_vmas)
				cpos = vmas[cv].start;
			continue;
		}
		if (cpos < vmas[cv].start)
			cpos = vmas[cv].start;
		s = cpos;
		cnt_pages = (vmas[cv].end - s) >> SMU_PAGE_SHIFT;
		if (cnt_pages > PM_CHUNK)
			cnt_pages = PM_CHUNK;
		if (cnt_pages > MAX_OPS - n)
			cnt_pages = MAX_OPS - n;
		if (opt.all) {
			for (i = 0; i < cnt_pages; i++)
				e[i] = SMU_PM_PRESENT;
		} else {
			got = pread(pm_fd, e, cnt_pages * 8, (s >> SMU_PAGE_SHIFT) * 8);
			if (got < 0)
				got = 0;
			cnt_pages = got / 8;
			if (!cnt_pages) {
				cpos = vmas[cv].end;
				continue;
			}
		}
		for (i = 0; i < cnt_pages; i++) {
			if (e[i] & SMU_PM_PRESENT)
				pages[n++] = s + ((__u64)i << SMU_PAGE_SHIFT);
			else
				cnt.skipped_absent++;
		}
		cpos = s + (cnt_pages << SMU_PAGE_SHIFT);
	}
	return n;
}

static void take_sample(void)
{
	struct secmmu_stats st;
	unsigned int i;

	if (smu_get_stats(vm_fd, &st))
		return;
	st_last = st;
	if (!samples || nr_samples >= MAX_SAMPLES)
		return;
	samples[nr_samples].t = now_s() - t0;
	for (i = 0; i < NR_SHOWN; i++)
		samples[nr_samples].val[i] = st.val[shown[i]] - st0.val[shown[i]];
	nr_samples++;
}

static void *vcpu_main(void *arg)
{
	static struct secmmu_access_op ops[2 * MAX_OPS];
	static __u64 pages[MAX_OPS], buf[MAX_OPS];
	double start = now_s(), next_scan, next_sample, t;
	__u64 seed = 0x9e3779b97f4a7c15ULL ^ (__u64)getpid();
	unsigned int n, i, g, nops, span;
	__u64 pm[PM_SPAN];

	(void)arg;
	next_scan = start + opt.scan_ms / 1e3;	/* the constructor scanned */
	next_sample = start + opt.sample_ms / 1e3;
	while (!stopping()) {
		t = now_s();
		if (t >= next_scan) {
			rescan();
			next_scan = t + opt.scan_ms / 1e3;
		}
		if (t >= next_sample) {
			take_sample();
			next_sample += opt.sample_ms / 1e3;
		}
		/*
		 * Pace: work / elapsed time <= rate, where a page touched is
		 * one unit and a page found absent an eighth (its pagemap
		 * read), so sparse mappings cannot make us spin.  At most
		 * 100 ms asleep at a time: the destructor waits for us.
		 */
		if (opt.rate > 0) {
			double work = cnt.touched + cnt.skipped_absent / 8.0;
			double ahead = work / opt.rate - (t - start);

			if (ahead > 0) {
				sleep_ms(ahead > 0.1 ? 100 : (long)(ahead * 1e3) + 1);
				continue;
			}
		}
		pthread_mutex_lock(&lock);
		n = pick(pages, &seed);
		pthread_mutex_unlock(&lock);
		/*
		 * In groups of GROUP pages, each checked present again just
		 * before its batch: a page the program unmapped, discarded or
		 * paged out since pick() (and maybe mapped anew at the same
		 * address) must not be faulted back in by our read.
		 */
		for (g = 0; g < n && !stopping(); g += GROUP) {
			span = recheck(pages + g, n - g < GROUP ? n - g : GROUP, pm);
			for (i = g, nops = 0; i < n && i < g + GROUP; i++) {
				if (span ? !(pm[(pages[i] - pages[g]) >> SMU_PAGE_SHIFT] &
					     SMU_PM_PRESENT) : !present(pages[i])) {
					cnt.skipped_absent++;
					continue;
				}
				smu_op(&ops[nops++], 0, pages[i], &buf[i], 8, false);
				if (opt.write)
					smu_op(&ops[nops++], 0, pages[i], &buf[i], 8, true);
			}
			if (!nops)
				continue;
			run_batch(ops, nops);
			cnt.touched += opt.write ? nops / 2 : nops;
			__atomic_store_n(&first_batch_done, true, __ATOMIC_RELEASE);
		}
		if (!n)
			sleep_ms(opt.scan_ms < 10 ? opt.scan_ms : 10);
	}
	return NULL;
}

/* Dirty bitmaps of the logging memslots: count and clear. */
static void collect_dirty(void)
{
	static __u64 bm[WIN_PAGES / 64];
	struct secmmu_dirty_log log;
	unsigned int i, w;

	for (i = 0; i < max_slots; i++) {
		if (!slots[i].used)
			continue;
		memset(&log, 0, sizeof(log));
		log.slot = i;
		log.num_pages = (slots[i].end - slots[i].start) >> SMU_PAGE_SHIFT;
		log.bitmap = (__u64)(uintptr_t)bm;
		if (smu_ioctl(vm_fd, SECMMU_GET_DIRTY_LOG, &log)) {
			cnt.dirty_errors++;
			continue;
		}
		for (w = 0; w < (log.num_pages + 63) / 64; w++)
			cnt.dirty_pages += __builtin_popcountll(bm[w]);
		if (smu_ioctl(vm_fd, SECMMU_CLEAR_DIRTY_LOG, &log))
			cnt.dirty_errors++;
	}
}

static void *age_main(void *arg)
{
	struct secmmu_age res;
	unsigned int i;
	__u64 s, np;
	int ret;

	(void)arg;
	while (!stopping()) {
		sleep_ms(opt.age_ms);
		pthread_mutex_lock(&lock);
		for (i = 0; i < nr_vmas && !stopping(); i++) {
			if (!(vmas[i].prot & PROT_READ))
				continue;
			for (s = vmas[i].start; s < vmas[i].end; s += np << SMU_PAGE_SHIFT) {
				np = (vmas[i].end - s) >> SMU_PAGE_SHIFT;
				if (np > SECMMU_MAX_AGE_PAGES)
					np = SECMMU_MAX_AGE_PAGES;
				memset(&res, 0, sizeof(res));
				ret = smu_age(vm_fd, SECMMU_AGE_CLEAR | SECMMU_AGE_HVA,
					      s, np, NULL, NULL, &res);
				if (ret && ret != -EINTR)
					cnt.age_errors++;
				cnt.age_young += res.nr_young;
				cnt.age_pages += ret ? res.done : np;
			}
		}
		if (opt.dirty)
			collect_dirty();
		pthread_mutex_unlock(&lock);
		if (!stopping())
			cnt.age_sweeps++;
	}
	return NULL;
}

static void atfork_child(void)
{
	/* Our threads are not in the child and its mm is not the VM's. */
	active = false;
	if (vcpu_fd >= 0)
		close(vcpu_fd);
	if (vm_fd >= 0)
		close(vm_fd);
	if (pm_fd >= 0)
		close(pm_fd);
	vm_fd = -1;
	vcpu_fd = -1;
	pm_fd = -1;
}

static void get_cmd(void)
{
	size_t len, i;
	char *p = read_proc("/proc/self/cmdline", &len);

	if (!p)
		return;
	if (len >= sizeof(cmd))
		len = sizeof(cmd) - 1;
	for (i = 0; i < len; i++)
		cmd[i] = p[i] ? (p[i] == '"' || p[i] == '\\' ? '_' : p[i]) : ' ';
	while (len && cmd[len - 1] == ' ')
		len--;
	cmd[len] = '\0';
}

__attribute__((constructor)) static void mirror_init(void)
{
	sigset_t all, old;
	int ret;

	if (getenv("SECMMU_MIRROR_DISABLE"))
		return;
	read_options();
	owner = getpid();
	vmas = map_buf(MAX_VMAS * sizeof(*vmas));
	samples = map_buf(MAX_SAMPLES * sizeof(*samples));
	if (!vmas) {
		warn("no memory, not mirroring\n");
		return;
	}
	vm_fd = high_fd(smu_open_vm());
	if (vm_fd < 0) {
		warn("open %s: %s, not mirroring\n", SMU_DEV_PATH, strerror(-vm_fd));
		return;
	}
	ret = smu_check_cap(vm_fd, SECMMU_CAP_MAX_MEMSLOTS);
	if (ret > 0 && ret < SECMMU_MAX_MEMSLOTS)
		max_slots = ret;
	if (opt.rmap != SECMMU_RMAP_LOCKED &&
	    smu_enable_cap(vm_fd, SECMMU_CAP_RMAP_MODE, opt.rmap))
		warn("rmap mode %d refused, using the default\n", opt.rmap);
	vcpu_fd = high_fd(smu_create_vcpu(vm_fd, 0));
	pm_fd = high_fd(open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC));
	if (vcpu_fd < 0 || pm_fd < 0) {
		warn("vCPU or pagemap: %s, not mirroring\n",
		     strerror(vcpu_fd < 0 ? -vcpu_fd : errno));
		atfork_child();
		return;
	}
	get_cmd();
	smu_get_stats(vm_fd, &st0);
	st_last = st0;
	t0 = now_s();
	/* Memslots before main(): the vCPU can start at once. */
	rescan();
	pthread_atfork(NULL, NULL, atfork_child);
	active = true;
	/* Our threads take no signal: they are the program's. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	have_vcpu_thread = !pthread_create(&vcpu_thread, NULL, vcpu_main, NULL);
	if (opt.age_ms > 0 || opt.dirty) {
		if (opt.age_ms <= 0)
			opt.age_ms = 500;
		have_age_thread = !pthread_create(&age_thread, NULL, age_main, NULL);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* The summary: a small printf into a fixed buffer, written to @fd. */
static int out_fd;
static char obuf[8192];
static size_t olen;

static void oflush(void)
{
	size_t off = 0;
	ssize_t n;

	while (off < olen) {
		n = write(out_fd, obuf + off, olen - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += n;
	}
	olen = 0;
}

static void oprintf(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (olen > sizeof(obuf) - 512)
		oflush();
	va_start(ap, fmt);
	n = vsnprintf(obuf + olen, sizeof(obuf) - olen, fmt, ap);
	va_end(ap);
	if (n > 0)
		olen += (size_t)n < sizeof(obuf) - olen ? (size_t)n : sizeof(obuf) - olen - 1;
}

static int open_out(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

	return fd;
}

static const char * const rmap_names[] = {
	"locked", "single-lockless", "lock-bit", "table-walk",
};

static __u64 delta(const struct secmmu_stats *st, unsigned int i)
{
	return st->val[i] - st0.val[i];
}

static void print_summary(const struct secmmu_stats *st, double secs)
{
	unsigned int i, nslots = 0;
	__u64 v;

	for (i = 0; i < max_slots; i++)
		nslots += slots[i].used;
	oprintf(MIR_PFX "pid %d \"%s\": %.2f s mirrored, %u memslot(s), rmap %s,",
		owner, cmd, secs, nslots,
		opt.rmap >= 0 && opt.rmap < SECMMU_RMAP_NR_MODES ?
		rmap_names[opt.rmap] : "?");
	oprintf(" %s %s %ld pages/s (%s pages), aging %ld ms%s\n",
		opt.write ? "write-back" : "read", opt.random ? "random" : "seq",
		opt.rate, opt.all ? "all" : "present",
		have_age_thread ? opt.age_ms : 0L, opt.dirty ? ", dirty log" : "");
	oprintf(MIR_PFX "vcpu: %llu pages touched in %llu batches, %llu absent skipped,",
		cnt.touched, cnt.batches, cnt.skipped_absent);
	oprintf(" %llu scans, %llu slot changes (%llu failed, %llu windows unmirrored)\n",
		cnt.scans, cnt.slot_changes, cnt.slot_errors,
		cnt.unmirrored_windows);
	oprintf(MIR_PFX "errors (counted, not fatal): EFAULT %llu, EINTR %llu, EIO %llu,",
		cnt.err_fault, cnt.err_intr, cnt.err_io);
	oprintf(" other %llu; exits: unbacked %llu, other %llu\n",
		cnt.err_other, cnt.exit_unbacked, cnt.exit_other);
	if (have_age_thread)
		oprintf(MIR_PFX "aging: %llu sweeps, %llu of %llu pages young (%llu errors)\n",
			cnt.age_sweeps, cnt.age_young, cnt.age_pages,
			cnt.age_errors);
	if (opt.dirty)
		oprintf(MIR_PFX "dirty log: %llu dirty pages collected (%llu errors)\n",
			cnt.dirty_pages, cnt.dirty_errors);
	oprintf(MIR_PFX "%-24s %12s %12s\n", "counter", "total", "per s");
	for (i = 0; i < NR_SHOWN; i++) {
		v = delta(st, shown[i]);
		if (!v && shown[i] != SECMMU_STAT_FAULTS &&
		    shown[i] != SECMMU_STAT_INVALIDATIONS)
			continue;
		oprintf(MIR_PFX "  %-22s %12llu %12.1f\n", smu_stat_name(shown[i]),
			v, secs > 0 ? v / secs : 0.0);
	}
	/* One line for scripts (tests/mirror/mirror-guest.sh). */
	oprintf(MIR_PFX "result faults=%llu retries=%llu invalidations=%llu",
		delta(st, SECMMU_STAT_FAULTS), delta(st, SECMMU_STAT_FAULT_RETRIES),
		delta(st, SECMMU_STAT_INVALIDATIONS));
	oprintf(" zapped=%llu flushes=%llu age_young=%llu dirty=%llu errors=%llu\n",
		delta(st, SECMMU_STAT_SPTES_ZAPPED),
		delta(st, SECMMU_STAT_REMOTE_FLUSHES),
		delta(st, SECMMU_STAT_AGE_YOUNG),
		delta(st, SECMMU_STAT_DIRTY_LOGGED),
		cnt.err_fault + cnt.err_intr + cnt.err_io + cnt.err_other);
	oflush();
}

/* "name": value pairs, comma separated. */
static void json_pairs(const char * const *names, const __u64 *vals,
		       unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		oprintf("%s\"%s\": %llu", i ? ", " : "", names[i], vals[i]);
}

static void print_json(const struct secmmu_stats *st, double secs)
{
	static const char * const lib_names[] = {
		"touched", "batches", "absent_skipped", "scans",
		"slot_changes", "efault", "eintr", "eio", "other_errors",
		"exit_unbacked", "age_sweeps", "age_young", "age_pages",
		"dirty_pages",
	};
	const __u64 lib_vals[] = {
		cnt.touched, cnt.batches, cnt.skipped_absent, cnt.scans,
		cnt.slot_changes, cnt.err_fault, cnt.err_intr, cnt.err_io,
		cnt.err_other, cnt.exit_unbacked, cnt.age_sweeps,
		cnt.age_young, cnt.age_pages, cnt.dirty_pages,
	};
	const char *names[NR_SHOWN];
	__u64 vals[NR_SHOWN];
	unsigned int i, j;

	for (i = 0; i < NR_SHOWN; i++) {
		names[i] = smu_stat_name(shown[i]);
		vals[i] = delta(st, shown[i]);
	}
	oprintf("{\n  \"pid\": %d,\n  \"cmd\": \"%s\",\n  \"seconds\": %.3f,\n",
		owner, cmd, secs);
	oprintf("  \"options\": {\"rate\": %ld, \"pattern\": \"%s\", \"write\": %d,",
		opt.rate, opt.random ? "random" : "seq", opt.write);
	oprintf(" \"all\": %d, \"age_ms\": %ld, \"dirty\": %d, \"scan_ms\": %ld,",
		opt.all, have_age_thread ? opt.age_ms : 0L, opt.dirty,
		opt.scan_ms);
	oprintf(" \"rmap\": %d},\n  \"library\": {", opt.rmap);
	json_pairs(lib_names, lib_vals, ARRAY_SIZE(lib_vals));
	oprintf("},\n  \"totals\": {");
	json_pairs(names, vals, NR_SHOWN);
	oprintf("},\n  \"samples\": [\n");
	for (j = 0; j < nr_samples; j++) {
		oprintf("    {\"t\": %.3f, ", samples[j].t);
		json_pairs(names, samples[j].val, NR_SHOWN);
		oprintf("}%s\n", j + 1 < nr_samples ? "," : "");
	}
	oprintf("  ]\n}\n");
	oflush();
}

__attribute__((destructor)) static void mirror_fini(void)
{
	struct secmmu_stats st;
	unsigned int i;
	double secs;

	if (!active || getpid() != owner)
		return;
	active = false;
	/*
	 * A program that ends before the vCPU read anything would show
	 * nothing: give the first batch up to a second.
	 */
	for (i = 0; have_vcpu_thread && i < 100 &&
	     !__atomic_load_n(&first_batch_done, __ATOMIC_ACQUIRE); i++)
		sleep_ms(10);
	stop_all();
	if (have_vcpu_thread)
		pthread_join(vcpu_thread, NULL);
	if (have_age_thread)
		pthread_join(age_thread, NULL);
	secs = now_s() - t0;
	if (smu_get_stats(vm_fd, &st))
		st = st_last;
	take_sample();
	if (!opt.quiet) {
		out_fd = opt.out && *opt.out ? open_out(opt.out) : STDERR_FILENO;
		if (out_fd >= 0) {
			print_summary(&st, secs);
			if (out_fd != STDERR_FILENO)
				close(out_fd);
		}
	}
	if (opt.json && *opt.json) {
		out_fd = open(opt.json, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (out_fd >= 0) {
			print_json(&st, secs);
			close(out_fd);
		}
	}
	close(vcpu_fd);
	close(vm_fd);
	close(pm_fd);
}
