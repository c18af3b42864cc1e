// SPDX-License-Identifier: GPL-2.0
/*
 * secmmu-fuzz: random sequences of every secmmu ioctl (VM and vCPU fds;
 * dirty rings too: mmap of the ring, userspace harvest, corrupted entries),
 * interleaved with mmap/munmap/mremap/mprotect/MADV_DONTNEED of the memory
 * behind memslots, close of the fds, fork (a foreign mm using the fds) and
 * signals (EINTR paths), from several threads.  Arguments are random or
 * boundary values: 0, max, max + 1, unaligned, overlapping, huge counts, bad
 * pointers, nonzero reserved fields, unknown flags and ioctl numbers.
 *
 * Errors are expected; the kernel must survive (the rig fails the run on any
 * splat).  At the end it prints every distinct (operation, result) pair
 * reached, the steps, calls and wall time of each kind of step (and its
 * wait for the table lock), and a summary line: calls, calls/s, distinct
 * outcomes, chaos operations (mmap, munmap, mremap, mprotect,
 * MADV_DONTNEED, fork, signals, closes) and anomalies.
 *
 * With /sys/kernel/debug/kcov (the KASAN debug kernel, where only secmmu.ko
 * is instrumented) the run is guided: a step that reaches new secmmu edges
 * is kept in a corpus, and part of the steps re-run corpus inputs, as they
 * were or mutated (pick_input()).  Without it, or with -G, every step is
 * fresh; with kcov, -G still counts the PCs and edges reached (an A/B).
 *
 * usage: secmmu-fuzz [-s SEED] [-n CALLS] [-t SECONDS] [-j THREADS] [-G] [-v]
 *   -s  seed (default: from the clock; always printed).  Thread i uses
 *       seed + i; with -j 1 a seed replays the exact call sequence when
 *       the run is unguided (-G, or no kcov).  A guided run also follows
 *       the coverage the kernel reports, so it replays only as long as the
 *       kernel reaches the same edges at the same steps: replay a guided
 *       failure with the same flags first, then unguided.
 *   -G  unguided: no corpus (the printed replay line adds it when the run
 *       was unguided)
 *   -n  stop after this many calls in total (default 200000)
 *   -t  stop after this many seconds (default 30)
 *   -j  threads (default 4)
 *   -v  print every call (with -j 1, a replayable trace)
 *
 * Exit status: 0 when the run completed (whatever errnos were returned),
 * 1 when the fuzzer itself saw something impossible (a successful call
 * that must fail, e.g. a nonzero reserved field accepted).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "fuzz.h"

const char *const op_name[OP_NR] = {
	"open_vm", "close_vm", "create_vcpu", "close_vcpu",
	"get_api_version", "check_cap", "enable_cap", "set_memslot",
	"del_memslot", "set_view_mapping", "get_spte", "get_stats", "age",
	"access", "access_batch", "unknown_ioctl", "wrong_fd_ioctl",
	"mmap", "munmap", "mremap", "mprotect", "madv_dontneed",
	"fork_foreign_mm", "signal", "enable_dirty_ring", "reset_dirty_rings",
	"reset_dirty_ring", "harvest", "get_dirty_log", "clear_dirty_log",
	"ring_mmap", "ring_munmap", "ring_scribble",
};

static unsigned long outcome[OP_NR][NR_RES];
static unsigned long total_calls;
static unsigned long anomalies;
volatile int stop;
static unsigned long max_calls = 200000;
static unsigned int max_secs = 30;
int verbose;

/* Calls this thread made, for the time accounting of one_step(). */
static __thread unsigned long my_calls;

static void count_result(enum op op, int r)
{
	__atomic_add_fetch(&outcome[op][r], 1, __ATOMIC_RELAXED);
	my_calls++;
	if (__atomic_add_fetch(&total_calls, 1, __ATOMIC_RELAXED) >= max_calls)
		stop = 1;
}

void note(enum op op, long ret)
{
	int r;

	if (ret < 0)
		r = -ret < MAX_ERRNO ? -ret : MAX_ERRNO;
	else if (ret > 0)
		r = RES_POSITIVE;
	else
		r = RES_OK;
	count_result(op, r);
}

void note_exit(enum op op, unsigned int reason)
{
	count_result(op, RES_EXIT(reason < 6 ? reason : 6));
}

void anomaly(const char *fmt, ...)
{
	va_list ap;

	__atomic_add_fetch(&anomalies, 1, __ATOMIC_RELAXED);
	va_start(ap, fmt);
	fprintf(stderr, "secmmu-fuzz: ANOMALY: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void vlog(struct thread *t, const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "[%d] ", t->idx);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

long xioctl(int fd, unsigned long req, unsigned long arg)
{
	long ret = ioctl(fd, req, arg);

	return ret < 0 ? -errno : ret;
}

struct weighted {
	const char *name;
	void (*fn)(struct thread *t);
	unsigned int w;
};

/*
 * Weights: the steps are mostly cheap ioctls (the vCPU access and fault
 * paths first); the dear ones (fork, VM open and close, memslot changes
 * with their SRCU grace periods, mmap and munmap with their invalidations)
 * are rarer but still thousands of times per long run.  See README for
 * what each cost on the KASAN kernel.
 */
static const struct weighted table[] = {
	{ "open_vm", do_open_vm, 3 },
	{ "close_vm", do_close_vm, 2 },
	{ "create_vcpu", do_create_vcpu, 8 },
	{ "close_vcpu", do_close_vcpu, 3 },
	{ "version_cap", do_version_cap, 12 },
	{ "enable_cap", do_enable_cap, 12 },
	{ "set_memslot", do_set_memslot, 16 },
	{ "del_memslot", do_del_memslot, 6 },
	{ "set_view", do_set_view, 12 },
	{ "get_spte", do_get_spte, 32 },
	{ "get_stats", do_get_stats, 8 },
	{ "age", do_age, 24 },
	{ "access", do_access, 120 },
	{ "batch", do_batch, 32 },
	{ "unknown_ioctl", do_unknown_ioctl, 12 },
	{ "wrong_fd", do_wrong_fd, 8 },
	{ "mmap", do_mmap, 4 },
	{ "munmap", do_munmap, 3 },
	{ "mremap", do_mremap, 3 },
	{ "mprotect_dontneed", do_mprotect_dontneed, 6 },
	{ "fork", do_fork, 1 },
	{ "signal", do_signal, 8 },
	{ "enable_ring", do_enable_ring, 6 },
	{ "reset_ring", do_reset_ring, 12 },
	{ "harvest", do_harvest, 12 },
	{ "dirty_log", do_dirty_log, 16 },
	{ "ring_mmap", do_ring_mmap, 4 },
	{ "ring_touch", do_ring_touch, 12 },
};

#define NR_STEPS	ARRAY_SIZE(table)

/* Per step kind: how often it ran, the calls it made, its time. */
struct step_acct {
	unsigned long steps, calls;
	uint64_t ns, cpu_ns, wait_ns;
};

/*
 * This thread's CPU time, user and system: what a step cost the machine.
 * A system call each time (the wall clock is not), so only every
 * CPU_SAMPLE-th step of a thread is measured, and counts CPU_SAMPLE times.
 */
#define CPU_SAMPLE	8

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * KCOV-guided input selection.  An input is a step kind and the seed of
 * its draws (and a mutation of them); one that reached secmmu edges no
 * step had reached before joins the corpus.  A guided thread re-runs a
 * corpus input, as it was or mutated, for CORPUS_PCT of its steps, and
 * draws a fresh one otherwise.  The fds, regions and VM state it meets
 * are those of the moment, so a re-run is a variation, not a replay.
 */
#define CORPUS_MAX	4096
#define CORPUS_PCT	40

struct input {
	uint64_t seed, mseed;
	unsigned short step;
	unsigned short mut;	/* 0: the draws as they came */
};

static bool guided = true;	/* -G: off */
static bool have_cover;
static pthread_mutex_t corpus_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct input corpus[CORPUS_MAX];
static unsigned int corpus_n;
static unsigned long corpus_added, corpus_steps, corpus_finds;

static void pick_input(struct thread *t, struct input *in, bool *reused)
{
	static unsigned int sum;
	unsigned int i, x;

	*reused = false;
	if (guided && chance(&t->drv, CORPUS_PCT)) {
		pthread_mutex_lock(&corpus_mutex);
		if (corpus_n) {
			*in = corpus[below(&t->drv, corpus_n)];
			*reused = true;
		}
		pthread_mutex_unlock(&corpus_mutex);
		if (*reused) {
			/* a quarter as they were, the rest mutated anew */
			if (chance(&t->drv, 75)) {
				in->mseed = rnd(&t->drv);
				in->mut = 1 << below(&t->drv, 6);
			}
			return;
		}
	}
	if (!sum)
		for (i = 0; i < NR_STEPS; i++)
			sum += table[i].w;
	x = below(&t->drv, sum);
	for (i = 0; x >= table[i].w; i++)
		x -= table[i].w;
	in->step = i;
	in->seed = rnd(&t->drv);
	in->mseed = 0;
	in->mut = 0;
}

static void corpus_add(struct thread *t, const struct input *in)
{
	pthread_mutex_lock(&corpus_mutex);
	if (corpus_n < CORPUS_MAX)
		corpus[corpus_n++] = *in;
	else
		corpus[below(&t->drv, CORPUS_MAX)] = *in;
	corpus_added++;
	pthread_mutex_unlock(&corpus_mutex);
}

static void one_step(struct thread *t)
{
	unsigned long calls = my_calls, new_edges;
	uint64_t t0, c0, wait = my_wait_ns;
	struct step_acct *a;
	struct input in;
	bool reused, sample;

	pick_input(t, &in, &reused);
	t->rng.s = in.seed;
	t->rng.m = in.mseed;
	t->rng.mut = in.mut;
	if (reused)
		vlog(t, "corpus input: %s seed %#llx mutation %u/256",
		     table[in.step].name, (unsigned long long)in.seed, in.mut);
	cover_reset(&t->cov);
	sample = !(t->nsteps++ % CPU_SAMPLE);
	c0 = sample ? cpu_ns() : 0;
	t0 = now_ns();
	table[in.step].fn(t);
	a = &t->acct[in.step];
	a->ns += now_ns() - t0;
	if (sample)
		a->cpu_ns += (cpu_ns() - c0) * CPU_SAMPLE;
	a->wait_ns += my_wait_ns - wait;
	a->calls += my_calls - calls;
	a->steps++;
	new_edges = cover_collect(&t->cov);
	if (reused) {
		__atomic_add_fetch(&corpus_steps, 1, __ATOMIC_RELAXED);
		if (new_edges)
			__atomic_add_fetch(&corpus_finds, 1, __ATOMIC_RELAXED);
	}
	if (new_edges && guided)
		corpus_add(t, &in);
}

/*
 * Where the time went: per step kind, summed over the threads (so the
 * wall total is threads x run time, waits and preemption included), in
 * order of CPU time, the cost to the machine.
 */
static void print_acct(const struct thread *th, int n)
{
	struct step_acct sum[NR_STEPS] = { 0 };
	unsigned int order[NR_STEPS], i, j, k;
	uint64_t total = 0;
	int c;

	for (c = 0; c < n; c++) {
		for (i = 0; i < NR_STEPS; i++) {
			sum[i].steps += th[c].acct[i].steps;
			sum[i].calls += th[c].acct[i].calls;
			sum[i].ns += th[c].acct[i].ns;
			sum[i].cpu_ns += th[c].acct[i].cpu_ns;
			sum[i].wait_ns += th[c].acct[i].wait_ns;
		}
	}
	for (i = 0; i < NR_STEPS; i++) {
		total += sum[i].cpu_ns;
		for (j = i; j > 0 && sum[order[j - 1]].cpu_ns < sum[i].cpu_ns; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	printf("secmmu-fuzz: time per operation (summed over threads; ");
	printf("CPU: the thread's user + system time, sampled 1/%d)\n",
	       CPU_SAMPLE);
	printf("  %-18s %9s %9s %10s %10s %9s %6s %9s\n", "operation", "steps",
	       "calls", "wall ms", "CPU ms", "CPU us/c", "CPU %", "lock ms");
	for (i = 0; i < NR_STEPS; i++) {
		k = order[i];
		printf("  %-18s %9lu %9lu %10.1f %10.1f %9.1f %5.1f%% %9.1f\n",
		       table[k].name, sum[k].steps, sum[k].calls,
		       sum[k].ns / 1e6, sum[k].cpu_ns / 1e6,
		       sum[k].calls ? sum[k].cpu_ns / 1e3 / sum[k].calls : 0.0,
		       total ? 100.0 * sum[k].cpu_ns / total : 0.0,
		       sum[k].wait_ns / 1e6);
	}
}

/*
 * CPU time against the machine's: when the threads sleep (SRCU grace
 * periods, lock waits) more than they run, CPUs stand idle.
 */
static void print_cpu(double secs)
{
	struct rusage self, children;
	double user, sys;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &children);
	user = self.ru_utime.tv_sec + self.ru_utime.tv_usec / 1e6 +
	       children.ru_utime.tv_sec + children.ru_utime.tv_usec / 1e6;
	sys = self.ru_stime.tv_sec + self.ru_stime.tv_usec / 1e6 +
	      children.ru_stime.tv_sec + children.ru_stime.tv_usec / 1e6;
	printf("secmmu-fuzz: cpu: %.1f s user, %.1f s system in %.1f s on %ld cpus (%.0f%% busy)\n",
	       user, sys, secs, cpus,
	       secs > 0 && cpus > 0 ? 100 * (user + sys) / (secs * cpus) : 0.0);
}

/*
 * Chaos: what changes the memory and fds under the VMs rather than asking
 * secmmu something (mmap, munmap, mremap, mprotect, MADV_DONTNEED, fork,
 * signals, closes).
 */
static bool is_chaos(int op)
{
	switch (op) {
	case OP_CLOSE_VM: case OP_CLOSE_VCPU: case OP_MMAP: case OP_MUNMAP:
	case OP_MREMAP: case OP_MPROTECT: case OP_DONTNEED: case OP_FORK:
	case OP_SIGNAL: case OP_RING_MUNMAP:
		return true;
	default:
		return false;
	}
}

static pthread_barrier_t started;

static void start_cover(struct thread *t)
{
	int err;

	t->cov.fd = -1;
	if (!have_cover)
		return;
	err = cover_start(&t->cov);
	if (err)
		fprintf(stderr, "secmmu-fuzz: thread %d runs without kcov: %s\n",
			t->idx, strerror(-err));
}

static void *thread_main(void *arg)
{
	struct thread *t = arg;

	start_cover(t);
	/* every threads[] entry is set before anyone signals one */
	pthread_barrier_wait(&started);
	while (!stop)
		one_step(t);
	cover_stop(&t->cov);
	return NULL;
}

static void on_usr1(int sig)
{
	(void)sig;
}

/*
 * Per-thread buffers the kernel may write into, with PROT_NONE guard pages
 * on both sides: a pointer near the end plus a big length must be -EFAULT,
 * not a write over a neighbouring mapping (another thread's stack).
 * Not inherited by fork(): copying and then COW-faulting these 3.5 MiB a
 * thread made each fork step cost 0.2-0.4 s on the KASAN kernel; the
 * regions behind the memslots are inherited, as before.
 */
static void *must_map(size_t len)
{
	size_t guard = 1UL << 20;
	char *p = mmap(NULL, len + 2 * guard, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED ||
	    madvise(p, len + 2 * guard, MADV_DONTFORK) ||
	    mprotect(p + guard, len, PROT_READ | PROT_WRITE)) {
		perror("secmmu-fuzz: mmap");
		exit(2);
	}
	return p + guard;
}

int main(int argc, char **argv)
{
	static struct thread th[MAX_THREADS];
	struct sigaction sa = { .sa_handler = on_usr1 };	/* no SA_RESTART */
	uint64_t seed = 0, start, end;
	unsigned long chaos = 0, pcs, edges, overflows = 0;
	uint64_t cover_ns = 0;
	double secs;
	bool have_seed = false;
	unsigned long distinct = 0;
	int c, i, j, k;

	while ((c = getopt(argc, argv, "s:n:t:j:vG")) != -1) {
		switch (c) {
		case 's': seed = strtoull(optarg, NULL, 0); have_seed = true; break;
		case 'n': max_calls = strtoul(optarg, NULL, 0); break;
		case 't': max_secs = strtoul(optarg, NULL, 0); break;
		case 'j': nthreads = atoi(optarg); break;
		case 'v': verbose = 1; break;
		case 'G':
			guided = false;
			break;
		default:
			fprintf(stderr, "usage: %s [-s SEED] [-n CALLS] [-t SECONDS]%s\n",
				argv[0], " [-j THREADS] [-G] [-v]");
			return 2;
		}
	}
	if (nthreads < 1 || nthreads > MAX_THREADS)
		nthreads = 4;
	if (!have_seed) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = ts.tv_sec * 1000003ULL ^ ts.tv_nsec ^ getpid();
	}
	have_cover = cover_available();
	guided = guided && have_cover;
	printf("secmmu-fuzz: seed %llu (replay: -s %llu -n %lu -t %u -j %d%s)\n",
	       (unsigned long long)seed, (unsigned long long)seed, max_calls,
	       max_secs, nthreads, guided ? "" : " -G");
	printf("secmmu-fuzz: %s\n", guided ? "guided by kcov" :
	       have_cover ? "unguided (-G), kcov counts coverage" :
	       "unguided: no /sys/kernel/debug/kcov (a kernel without CONFIG_KCOV)");
	fflush(stdout);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < MAX_VMS; i++)
		for (j = 0; j < 8; j++)
			vcpu_fd[i][j] = -1;

	/* A starting state: one VM, a region, a memslot and a vCPU. */
	for (i = 0; i < nthreads; i++) {
		th[i].idx = i;
		th[i].drv.s = seed + i;
		th[i].rng.s = seed + i;
		th[i].buf = must_map(BUF_SIZE);
		th[i].ops = must_map((SECMMU_MAX_BATCH + 1) * sizeof(*th[i].ops));
		for (j = 0; j <= SECMMU_MAX_BATCH; j++)
			random_op(&th[i], &th[i].ops[j], true);
		th[i].bitmap = must_map(BITMAP_BYTES);
		th[i].bitmap2 = must_map(BITMAP_BYTES);
		th[i].acct = calloc(NR_STEPS, sizeof(*th[i].acct));
		if (!th[i].acct)
			return 2;
	}
	do_mmap(&th[0]);
	do_open_vm(&th[0]);
	do_create_vcpu(&th[0]);

	start = now_ns();
	end = start + max_secs * 1000000000ULL;
	if (nthreads == 1) {
		threads[0] = pthread_self();
		start_cover(&th[0]);
		while (!stop && now_ns() < end)
			one_step(&th[0]);
		cover_stop(&th[0].cov);
	} else {
		pthread_barrier_init(&started, NULL, nthreads);
		for (i = 0; i < nthreads; i++)
			pthread_create(&threads[i], NULL, thread_main, &th[i]);
		while (!stop && now_ns() < end)
			usleep(100000);
		stop = 1;
		for (i = 0; i < nthreads; i++)
			pthread_join(threads[i], NULL);
	}
	secs = (now_ns() - start) / 1e9;

	/* Close everything: module unload after this must succeed. */
	for (i = 0; i < MAX_RINGS; i++)
		if (rings[i].addr)
			munmap(rings[i].addr, rings[i].len);
	for (i = 0; i < MAX_VMS; i++) {
		for (j = 0; j < 8; j++)
			if (vcpu_fd[i][j] >= 0)
				close(vcpu_fd[i][j]);
		if (vm_fd[i] >= 0)
			close(vm_fd[i]);
	}

	printf("secmmu-fuzz: outcomes (operation: result x count)\n");
	for (i = 0; i < OP_NR; i++) {
		int n = 0;

		for (k = 0; k < NR_RES; k++) {
			if (!outcome[i][k])
				continue;
			if (!n++)
				printf("  %-18s", op_name[i]);
			if (k == RES_OK)
				printf(" ok");
			else if (k == RES_POSITIVE)
				printf(" >0");
			else if (k > MAX_ERRNO)
				printf(" exit%d", k - MAX_ERRNO - 1);
			else
				printf(" %s", strerrorname_np(k) ? strerrorname_np(k) : "E?");
			printf("x%lu", outcome[i][k]);
			distinct++;
			if (is_chaos(i))
				chaos += outcome[i][k];
		}
		if (n)
			printf("\n");
	}
	print_acct(th, nthreads);
	print_cpu(secs);
	cover_totals(&pcs, &edges);
	if (have_cover) {
		for (i = 0; i < nthreads; i++) {
			cover_ns += th[i].cov.ns;
			overflows += th[i].cov.overflows;
		}
		printf("secmmu-fuzz: kcov: %lu secmmu PCs, %lu edges; ",
		       pcs, edges);
		printf("corpus %u inputs (%lu added), %lu steps re-ran one ",
		       corpus_n, corpus_added, corpus_steps);
		printf("(%lu reached new edges); reading kcov took %.1f ms, ",
		       corpus_finds, cover_ns / 1e6);
		printf("%lu steps overflowed its area\n", overflows);
	}
	/* One line, which the rigs grep: "^secmmu-fuzz: seed .* calls" */
	printf("secmmu-fuzz: seed %llu, %lu calls in %.0f s (%.0f/s), ",
	       (unsigned long long)seed, total_calls, secs,
	       secs > 0 ? total_calls / secs : 0.0);
	printf("%lu distinct (op, result) outcomes, %lu chaos operations, ",
	       distinct, chaos);
	printf("%lu anomalies, ", anomalies);
	if (have_cover)
		printf("%s, %lu kcov edges\n", guided ? "guided" : "unguided", edges);
	else
		printf("unguided, no kcov\n");
	return anomalies ? 1 : 0;
}
