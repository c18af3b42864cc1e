// SPDX-License-Identifier: GPL-2.0
/*
 * Series noage (issue 25): what reclaim loses when a secondary MMU does not
 * age.
 *
 * A vCPU keeps touching a hot set of pages through secmmu (SPTEs, not the
 * CPU page tables: the primary MMU sees no access, only the aging hooks can
 * say the pages are hot) while a cold set beside it is never touched, and
 * proactive reclaim (memory.reclaim, the way senpai or TMO drive it) keeps
 * asking the memcg for memory.  Per coherence style (SECMMU_CAP_COHERENCE):
 * how many pages of the hot set reclaim takes per second, how many come
 * back by a swap-in (refaults), and the vCPU's throughput, under reclaim and
 * idle.  The control is a process touching its hot set with its own CPU
 * loads, the case the primary MMU sees.
 *
 * Subjects: secmmu-bench re-executed as
 *
 *   secmmu-bench --noage-subject KIND HOT:TOTAL
 *
 * KIND "cpu" (the control) or the coherence value (style | flags, decimal),
 * TOTAL pages of anonymous 4 KiB memory of which HOT, every (TOTAL / HOT)th
 * page, are the hot set: hot and cold pages share every PMD and every LRU
 * position, as a GPU's working set shares them with the memory around it.
 * Each subject is a process of its own (its own mm: no notifier of one is
 * asked about another's pages) on CPU 0, in a memcg of its own, its memory
 * bound to node 0, all alive for the whole series.  Commands, one line each
 * down its stdin, answers one line each on its fd 3:
 *
 *   (start)  -> "ready"
 *   "prep"   every page written once by the process (swapped-out ones come
 *            back), MADV_COLD over all of them (primary accessed bits
 *            cleared, the folios deactivated: hot and cold look alike to
 *            the primary MMU), one pass over the hot set by the vCPU (or the
 *            process) -> "ok"
 *   "run"    -> "go", then passes over the hot set, one 8-byte read per
 *            page (SECMMU_ACCESS_BATCH, or the process's loads), until
 *   "stop"   -> "ACCESSES NS MAJFLT MINFLT" (NS: from "go" to "stop")
 *   "scan"   -> "HOT_OUT COLD_OUT FAULTS INVALS HOOK_CALLS HOOK_YOUNG":
 *            pages of each set swapped out now (/proc/self/pagemap), and
 *            secmmu's counters since the last scan
 *
 * A repetition, the subjects in an order rotating with it: per subject a
 * sample under reclaim and one idle (their order alternating), each after
 * a "prep".  Under reclaim a thread of this process on CPU 1 writes
 * NA_CHUNK_KIB to the subject's memory.reclaim every NA_PERIOD_MS for
 * DURATION_MS from "go"; "stop" goes only once it has finished its last
 * write, so the vCPU touches its hot set for as long as reclaim runs.  Per sample: hot pages refaulted = the subject's major
 * faults (it touches only its hot set, and a swap-in from zram is a major
 * fault, GUP's and hmm_range_fault()'s included); hot pages reclaimed =
 * those plus the hot pages still out at the end; cold pages reclaimed.
 * Subjects: the control, notifier, interval and its twin, interval +
 * AGING, and where the kernel has it the two-pass style with and without
 * AGING.  The twin gives the noise bands (benchreport/noage.py).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "bench.h"
#include "real.h"

#define NA_GFN		GFN0
#define NA_STRIDE	5		/* one page in 5 is hot */
#define NA_CHUNK_KIB	256		/* one memory.reclaim write */
#define NA_PERIOD_MS	20		/* ... every this many ms */
#define NA_OPS		1024		/* ops per batch: the clock is read between */
#define NA_MAX_SUBJ	7
#define NA_CONTROL	"cpu"

/* ---- the subject side ------------------------------------------------- */

static struct {
	FILE *reply;
	char *mem;
	size_t hot, total;
	int vm, vcpu;
	struct secmmu_access_op *op;	/* one read per hot page */
	struct secmmu_stats st0;
	__u64 word;
} ns = { .vm = -1, .vcpu = -1 };

static char *na_page(size_t hot_i)
{
	return ns.mem + hot_i * NA_STRIDE * PAGE;
}

/* Ops [i, i + n) of the hot set's pass, by the vCPU or the process. */
static void na_touch(size_t i, size_t n)
{
	struct secmmu_access_batch res = {};
	size_t j;

	if (ns.vcpu < 0) {
		for (j = i; j < i + n; j++)
			sink += *(volatile __u64 *)na_page(j);
		return;
	}
	if (smu_batch(ns.vcpu, ns.op + i, n, &res) < 0 || res.done != n)
		die("noage: vCPU reads stopped at op %zu (exit %u)",
		    i + res.done, res.exit_reason);
}

static void na_pass(void)
{
	size_t i, n;

	for (i = 0; i < ns.hot; i += n) {
		n = ns.hot - i < NA_OPS ? ns.hot - i : NA_OPS;
		na_touch(i, n);
	}
}

static void na_prep(void)
{
	size_t i;

	for (i = 0; i < ns.total; i++)
		*(volatile __u64 *)(ns.mem + i * PAGE) = i + 1;
	if (madvise(ns.mem, ns.total * PAGE, MADV_COLD))
		die("noage: MADV_COLD: %s", strerror(errno));
	na_pass();
	fprintf(ns.reply, "ok\n");
}

/* A line waiting on stdin: the measurer's "stop". */
static bool na_stop_asked(void)
{
	struct pollfd p = { .fd = 0, .events = POLLIN };

	return poll(&p, 1, 0) > 0;
}

/*
 * Passes over the hot set from "go" until "stop" arrives: the measurer
 * stops its reclaimer (waiting out a write in flight) before it says stop,
 * so reclaim never outlasts the accesses.
 */
static void na_run(void)
{
	__u64 t0, t, next, acc = 0;
	struct rusage r0, r1;
	size_t i = 0, n;
	char line[32];

	getrusage(RUSAGE_SELF, &r0);
	fprintf(ns.reply, "go\n");
	t0 = now_ns();
	next = t0;
	for (;;) {
		n = ns.hot - i < NA_OPS ? ns.hot - i : NA_OPS;
		na_touch(i, n);
		acc += n;
		i = (i + n) % ns.hot;
		t = now_ns();
		if (t < next)
			continue;
		next = t + 1000000;		/* look once a millisecond */
		if (na_stop_asked())
			break;
	}
	t -= t0;
	getrusage(RUSAGE_SELF, &r1);
	if (!fgets(line, sizeof(line), stdin) || strcmp(line, "stop\n"))
		die("noage subject: expected stop, got '%s'", line);
	fprintf(ns.reply, "%llu %llu %ld %ld\n", (unsigned long long)acc,
		(unsigned long long)t, r1.ru_majflt - r0.ru_majflt,
		r1.ru_minflt - r0.ru_minflt);
}

#define NA_STAT(s, i)	((s).val[i] - ns.st0.val[i])

static void na_scan(void)
{
	__u64 *pm = calloc(ns.total, sizeof(*pm));
	size_t i, hot_out = 0, cold_out = 0;
	struct secmmu_stats st = {};
	int fd;

	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (!pm || fd < 0 ||
	    pread(fd, pm, ns.total * 8, (off_t)((uintptr_t)ns.mem / PAGE) * 8) !=
	    (ssize_t)(ns.total * 8))
		die("noage: /proc/self/pagemap: %s", strerror(errno));
	close(fd);
	for (i = 0; i < ns.total; i++) {
		if (!(pm[i] >> 62 & 1))		/* swapped */
			continue;
		if (i % NA_STRIDE)
			cold_out++;
		else
			hot_out++;
	}
	free(pm);
	if (ns.vm >= 0)
		CHECK(smu_get_stats(ns.vm, &st));
	fprintf(ns.reply, "%zu %zu %llu %llu %llu %llu\n", hot_out, cold_out,
		ns.vm < 0 ? 0ULL : NA_STAT(st, SECMMU_STAT_FAULTS),
		ns.vm < 0 ? 0ULL : NA_STAT(st, SECMMU_STAT_INVALIDATIONS),
		ns.vm < 0 ? 0ULL : NA_STAT(st, SECMMU_STAT_AGE_CLEAR_FLUSH_YOUNG) +
		NA_STAT(st, SECMMU_STAT_AGE_CLEAR_YOUNG) +
		NA_STAT(st, SECMMU_STAT_AGE_TEST_YOUNG),
		ns.vm < 0 ? 0ULL : NA_STAT(st, SECMMU_STAT_AGE_YOUNG));
	if (ns.vm >= 0)
		ns.st0 = st;
}

int noage_subject(const char *kind, const char *geom)
{
	char line[64];
	size_t i;

	ns.reply = fdopen(3, "w");
	if (!ns.reply || sscanf(geom, "%zu:%zu", &ns.hot, &ns.total) != 2 ||
	    !ns.hot || ns.total != ns.hot * NA_STRIDE)
		return 2;
	setvbuf(ns.reply, NULL, _IOLBF, 0);
	ns.mem = region(ns.total * PAGE, false);
	for (i = 0; i < ns.total; i++)
		*(volatile __u64 *)(ns.mem + i * PAGE) = i + 1;
	if (strcmp(kind, NA_CONTROL)) {
		ns.vm = smu_open_vm();
		CHECK(ns.vm);
		CHECK(smu_enable_cap(ns.vm, SECMMU_CAP_COHERENCE, strtoul(kind, NULL, 0)));
		ns.vcpu = smu_create_vcpu(ns.vm, 0);
		CHECK(ns.vcpu);
		CHECK(smu_set_memslot(ns.vm, 0, 0, NA_GFN, ns.total, ns.mem));
		ns.op = calloc(ns.hot, sizeof(*ns.op));
		if (!ns.op)
			die("calloc");
		for (i = 0; i < ns.hot; i++)
			smu_op(&ns.op[i], 0, SMU_GPA(NA_GFN + i * NA_STRIDE), &ns.word,
			       sizeof(ns.word), false);
		CHECK(smu_get_stats(ns.vm, &ns.st0));
	}
	na_pass();
	fprintf(ns.reply, "ready\n");
	while (fgets(line, sizeof(line), stdin)) {
		if (!strcmp(line, "q\n"))
			break;
		if (!strcmp(line, "prep\n"))
			na_prep();
		else if (!strcmp(line, "run\n"))
			na_run();
		else if (!strcmp(line, "scan\n"))
			na_scan();
		else
			die("noage subject: bad command '%s'", line);
	}
	return 0;
}

/* ---- the measuring side ----------------------------------------------- */

struct na_subj {
	struct rsub s;			/* name, role, process, cgroup */
	const char *style;		/* notifier, interval, two_pass; "" */
	bool aging;			/* answers the aging hooks */
	unsigned int coh;		/* SECMMU_CAP_COHERENCE value, or ~0 */
	/* per repetition: under reclaim */
	double acc[MAX_SAMPLES], refault[MAX_SAMPLES], reclaimed[MAX_SAMPLES];
	double cold[MAX_SAMPLES], steal[MAX_SAMPLES], wsref[MAX_SAMPLES];
	double faults[MAX_SAMPLES], inval[MAX_SAMPLES], hooks[MAX_SAMPLES];
	double young[MAX_SAMPLES], writes[MAX_SAMPLES], failed[MAX_SAMPLES];
	/* ... idle */
	double acc_idle[MAX_SAMPLES], refault_idle[MAX_SAMPLES];
};

struct na_reclaimer {
	pthread_t thr;
	int fd;				/* memory.reclaim */
	atomic_bool stop;
	unsigned long writes, failed;
};

static void *na_reclaim_fn(void *arg)
{
	struct na_reclaimer *g = arg;
	struct timespec ts = { 0, NA_PERIOD_MS * 1000000L };
	char chunk[16];
	int n = snprintf(chunk, sizeof(chunk), "%dK", NA_CHUNK_KIB);

	pin(1);
	while (!atomic_load(&g->stop)) {
		if (write(g->fd, chunk, n) != n) {
			if (errno != EAGAIN)
				die("noage: memory.reclaim: %s", strerror(errno));
			g->failed++;
		}
		g->writes++;
		nanosleep(&ts, NULL);
	}
	return NULL;
}

/* One counter of @cg's memory.stat, or -1 if it has none by that name. */
static double na_memstat(const char *cg, const char *key)
{
	char path[128], k[64];
	unsigned long long v;
	double r = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/memory.stat", cg);
	f = fopen(path, "re");
	if (!f)
		die("noage: %s: %s", path, strerror(errno));
	while (fscanf(f, "%63s %llu", k, &v) == 2)
		if (!strcmp(k, key)) {
			r = v;
			break;
		}
	fclose(f);
	return r;
}

static void na_sample(struct na_subj *x, int r, bool reclaim)
{
	struct timespec ts = { cfg.dur_ms / 1000, cfg.dur_ms % 1000 * 1000000L };
	struct na_reclaimer g = { .fd = -1 };
	unsigned long long acc, t, hot_out, cold_out, fl, inv, hk, yg;
	long maj, min;
	double st0 = 0, ws0 = 0;
	char ans[160], path[96];

	rsub_ask(&x->s, ans, sizeof(ans), "prep");
	rsub_ask(&x->s, ans, sizeof(ans), "scan");	/* counters from here */
	atomic_store(&g.stop, false);
	if (reclaim) {
		snprintf(path, sizeof(path), "%s/memory.reclaim", x->s.cg);
		g.fd = open(path, O_WRONLY | O_CLOEXEC);
		if (g.fd < 0)
			die("noage: %s: %s", path, strerror(errno));
	}
	rsub_ask(&x->s, ans, sizeof(ans), "run");
	if (strcmp(ans, "go\n"))
		die("noage: %s: bad run answer '%s'", x->s.name, ans);
	if (reclaim) {
		st0 = na_memstat(x->s.cg, "pgsteal");
		ws0 = na_memstat(x->s.cg, "workingset_refault_anon");
		if (pthread_create(&g.thr, NULL, na_reclaim_fn, &g))
			die("pthread_create");
	}
	nanosleep(&ts, NULL);
	if (reclaim) {
		atomic_store(&g.stop, true);
		pthread_join(g.thr, NULL);
		close(g.fd);
	}
	rsub_ask(&x->s, ans, sizeof(ans), "stop");
	if (sscanf(ans, "%llu %llu %ld %ld", &acc, &t, &maj, &min) != 4 || !t)
		die("noage: %s: bad run answer '%s'", x->s.name, ans);
	rsub_ask(&x->s, ans, sizeof(ans), "scan");
	if (sscanf(ans, "%llu %llu %llu %llu %llu %llu", &hot_out, &cold_out,
		   &fl, &inv, &hk, &yg) != 6)
		die("noage: %s: bad scan answer '%s'", x->s.name, ans);
	if (!reclaim) {
		x->acc_idle[r] = acc * 1e9 / t;
		x->refault_idle[r] = maj * 1e9 / t;
		return;
	}
	x->acc[r] = acc * 1e9 / t;
	x->refault[r] = maj * 1e9 / t;
	x->reclaimed[r] = (maj + hot_out) * 1e9 / t;
	x->cold[r] = cold_out * 1e9 / t;
	x->steal[r] = st0 < 0 ? -1 : (na_memstat(x->s.cg, "pgsteal") - st0) * 1e9 / t;
	x->wsref[r] = ws0 < 0 ? -1 :
		(na_memstat(x->s.cg, "workingset_refault_anon") - ws0) * 1e9 / t;
	x->faults[r] = fl * 1e9 / t;
	x->inval[r] = inv * 1e9 / t;
	x->hooks[r] = hk * 1e9 / t;
	x->young[r] = yg * 1e9 / t;
	x->writes[r] = g.writes;
	x->failed[r] = g.failed;
}

/* Start the subject of @x, bound to node 0, in cgroup noage-@slug. */
static bool na_start(struct na_subj *x, const char *slug, size_t hot, size_t total)
{
	struct rsub *s = &x->s;
	char kind[16], geom[40];
	char *argv[] = { "/proc/self/exe", "--noage-subject", kind, geom, NULL };

	s->node = 0;
	snprintf(s->cg, sizeof(s->cg), CG_ROOT "/noage-%s", slug);
	if (x->coh == ~0U)
		snprintf(kind, sizeof(kind), NA_CONTROL);
	else
		snprintf(kind, sizeof(kind), "%u", x->coh);
	snprintf(geom, sizeof(geom), "%zu:%zu", hot, total);
	return rsub_spawn(s, "noage", argv);
}

static void na_emit(struct na_subj *x, int n, size_t hot, size_t total)
{
	char kase[96], extra[512];
	const char *nm = x->s.name;

	snprintf(extra, sizeof(extra),
		 "\"subject\":\"%s\",\"style\":\"%s\",\"aging\":%s,\"hot_pages\":%zu,"
		 "\"pages\":%zu,\"reclaim_kib\":%d,\"period_ms\":%d,\"node\":0,"
		 "\"pgsteal_per_s\":%.1f,\"workingset_refault_anon_per_s\":%.1f,"
		 "\"secmmu_faults_per_s\":%.1f,\"invalidations_per_s\":%.1f,"
		 "\"hook_calls_per_s\":%.1f,\"hook_young_per_s\":%.1f,"
		 "\"reclaim_writes\":%.0f,\"reclaim_eagain\":%.0f",
		 nm, x->style, x->aging ? "true" : "false", hot, total,
		 NA_CHUNK_KIB, NA_PERIOD_MS, median(x->steal, n), median(x->wsref, n),
		 median(x->faults, n), median(x->inval, n), median(x->hooks, n),
		 median(x->young, n), median(x->writes, n), median(x->failed, n));
#define NA_REC(what, unit, v) do {					\
		snprintf(kase, sizeof(kase), "%.39s: %s", nm, what);	\
		emit("noage", kase, x->s.role, unit, v, n, "%s", extra);	\
	} while (0)
	NA_REC("hot refaulted", "pages/s", x->refault);
	NA_REC("hot reclaimed", "pages/s", x->reclaimed);
	NA_REC("cold reclaimed", "pages/s", x->cold);
	NA_REC("accesses, reclaim", "accesses/s", x->acc);
	NA_REC("accesses, idle", "accesses/s", x->acc_idle);
	NA_REC("hot refaulted, idle", "pages/s", x->refault_idle);
#undef NA_REC
}

void series_noage(void)
{
	static struct na_subj subj[NA_MAX_SUBJ];
	static const struct {
		const char *name, *slug, *role, *style;
		int coh;		/* -1: the control; else style | flags */
	} all[NA_MAX_SUBJ] = {
		{ "control", "cpu", "baseline", "", -1 },
		{ "notifier", "notifier", "secmmu", "notifier",
		  SECMMU_COHERENCE_NOTIFIER },
		{ "interval", "interval", "secmmu", "interval",
		  SECMMU_COHERENCE_INTERVAL },
		{ "interval (twin)", "interval2", "twin", "interval",
		  SECMMU_COHERENCE_INTERVAL },
		{ "interval + aging", "interval-aging", "secmmu", "interval",
		  SECMMU_COHERENCE_INTERVAL | SECMMU_COHERENCE_AGING },
		{ "two_pass", "twopass", "secmmu", "two_pass",
		  SECMMU_COHERENCE_INTERVAL_TWO_PASS },
		{ "two_pass + aging", "twopass-aging", "secmmu", "two_pass",
		  SECMMU_COHERENCE_INTERVAL_TWO_PASS | SECMMU_COHERENCE_AGING },
	};
	size_t hot = (cfg.quick ? 4 : 16) << 8, total = hot * NA_STRIDE;
	unsigned int reps = cfg.reps, r;
	int styles, vm, k, nr = 0;

	/* QUICK: 5 (about 20 s in TCG), the others' 3 give no noise band. */
	if (reps < (cfg.quick ? 5U : 9U))
		reps = cfg.quick ? 5 : 9;
	if (reps > MAX_SAMPLES)
		reps = MAX_SAMPLES;
	if (!smu_has_memcg() ||
	    smu_write_file(CG_ROOT "/cgroup.subtree_control", "+memory")) {
		emit_skip("noage", "no cgroup v2 memory controller");
		return;
	}
	if (!smu_has_swap()) {
		emit_skip("noage", "no swap (the guest's zram)");
		return;
	}
	vm = smu_open_vm();
	CHECK(vm);
	styles = smu_check_cap(vm, SECMMU_CAP_COHERENCE_STYLES);
	close(vm);
	if (styles < 0)
		styles = 1 << SECMMU_COHERENCE_NOTIFIER;
	printf("\n== noage: a vCPU reads %zu hot pages of %zu (one in %d) for %u ms, "
	       "under memory.reclaim (%d KiB every %d ms) and idle, %u reps ==\n",
	       hot, total, NA_STRIDE, cfg.dur_ms, NA_CHUNK_KIB, NA_PERIOD_MS, reps);
	for (k = 0; k < NA_MAX_SUBJ; k++) {
		struct na_subj *x = &subj[nr];
		int style = all[k].coh < 0 ? -1 :
			    (int)(all[k].coh & SECMMU_COHERENCE_STYLE_MASK);

		memset(x, 0, sizeof(*x));
		if (style >= 0 && !(styles & 1 << style)) {
			printf("   noage: no %s style on this kernel (%s)\n",
			       all[k].style, all[k].name);
			printf(REC "{\"noage_absent\":\"%s\"}\n", all[k].name);
			continue;
		}
		snprintf(x->s.name, sizeof(x->s.name), "%s", all[k].name);
		x->s.role = all[k].role;
		x->style = all[k].style;
		x->aging = style < 0 || style == SECMMU_COHERENCE_NOTIFIER ||
			   (all[k].coh & SECMMU_COHERENCE_AGING);
		x->coh = all[k].coh < 0 ? ~0U : (unsigned int)all[k].coh;
		if (!na_start(x, all[k].slug, hot, total))
			die("noage: subject %s failed to start", all[k].name);
		nr++;
	}
	for (r = 0; r < reps; r++)
		for (k = 0; k < nr; k++) {
			struct na_subj *x = &subj[(k + r) % nr];

			na_sample(x, r, r % 2 == 0);
			na_sample(x, r, r % 2 != 0);
		}
	for (k = 0; k < nr; k++) {
		na_emit(&subj[k], reps, hot, total);
		rsub_stop(&subj[k].s);
	}
}
