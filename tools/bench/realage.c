// SPDX-License-Identifier: GPL-2.0
/*
 * Series realage (issue 28): the kernel's own aging, beside KVM.
 *
 * What one MGLRU aging pass costs the kernel over N MiB of anonymous 4 KiB
 * pages, by what else maps them.  The pass is the debugfs command
 *
 *   echo "+ MEMCG_ID NODE MAX_SEQ 1 1" > /sys/kernel/debug/lru_gen
 *
 * (swappiness 1, i.e. anon pages are aged; force_scan 1: walk the page
 * tables of every mm of the memcg), timed around the write().  On 6.12
 * that walk calls the mm's notifiers' clear_young once per present PTE of
 * the memcg's folios on that node.  The subjects, each a process of its
 * own in a memcg of its own, its memory bound to one node (alternating
 * between the nodes), alive for the whole series:
 *
 *   none            nothing else maps the memory
 *   none (twin)     the same again: its spread against "none" is the noise
 *   empty notifier  /dev/secmmu_floor open (tests/floor): a notifier whose
 *                   aging ops return 0, i.e. the dispatch's own cost
 *   kvm             a KVM guest (bin/secmmu-realage-kvm: one vCPU on the
 *                   KVM selftests' memstress guest code) whose memslot is
 *                   the memory; needs /dev/kvm (SECMMU_KVM=1)
 *   secmmu MODE     a secmmu VM in that rmap mode mirroring the memory,
 *                   every page mapped by vCPU reads
 *
 * Each subject twice: over 4 KiB pages (MADV_NOHUGEPAGE; records of the
 * series realage and realidle) and over THP (2 MiB aligned, MADV_HUGEPAGE;
 * the KVM guest's memslot VM_MEM_SRC_ANONYMOUS_THP, secmmu's VM with
 * SECMMU_CAP_HUGE_LEAVES, so both map 2 MiB leaves; series realage-thp and
 * realidle-thp, each record saying how much of the memory was THP).
 *
 * After one untimed pass each, every repetition, in an order rotating
 * with the repetition, each subject first makes every page young (the
 * process writes one word of each page, then its secondary MMU touches
 * each: vCPU reads, the KVM guest's writes; untimed), then its memcg gets
 * one aging pass (timed).  The report
 * (report.py) pairs each pass with the same repetition's "none": the added
 * ns per page, and those as ratios to the empty notifier's and to KVM's.
 *
 * Subjects are this program re-executed (--realage-subject KIND MIB, KIND
 * ending in "-thp" for the THP form; the KVM helper: MIB thp), so
 * that each has an mm of its own with nothing inherited; commands go down
 * a pipe on its stdin, one byte each, answers come back on its fd 3, one
 * line each (the protocol of tools/bench/kvm/realage-kvm.c):
 *
 *   start -> "ready HVA PAGES"   't' -> "ok"
 *   'c' -> "CLEAR_YOUNG_CALLS AGE_PAGES"
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "bench.h"
#include "real.h"

#define RA_GFN0		0x100000ULL
#define RA_BATCH	4096
#define PAGE_IDLE	"/sys/kernel/mm/page_idle/bitmap"
#define KVM_HELPER	"/bin/secmmu-realage-kvm"
#define MPOL_BIND_	2
#define RA_HUGE		(2UL << 20)

enum { RA_NONE, RA_TWIN, RA_FLOOR, RA_KVM, RA_SECMMU, RA_NR = RA_SECMMU + 4 };

/* subj[RA_NR * form + kind]: form 0 over 4 KiB pages, 1 over THP. */
#define RA_ALL		(2 * RA_NR)

static const char *const ra_kind[RA_NR] = {
	"none", "twin", "floor", "kvm", "secmmu0", "secmmu1", "secmmu2", "secmmu3",
};

struct subject {
	char name[40];		/* the record's case */
	const char *role;
	int kind;		/* RA_* */
	bool thp;		/* over THP, not 4 KiB pages */
	long huge_kb;		/* of its memory, from its smaps */
	pid_t pid;
	int cmd;		/* write end of its stdin */
	FILE *ans;		/* read end of its fd 3 */
	int node;
	int memcg;		/* mem_cgroup_id, from lru_gen */
	char cg[64];		/* cgroup directory */
	bool live;
	unsigned long hva, np;	/* its memory, from "ready HVA PAGES" */
	double ms[BENCH_MAX_SAMPLES];
	double calls[BENCH_MAX_SAMPLES], aged[BENCH_MAX_SAMPLES];
	unsigned long long c0, a0;
	/* page_idle (only where the kernel has it) */
	__u64 *idle_off, *idle_word;	/* bitmap words to write: offset, bits */
	size_t idle_n;
	double idle_ms[BENCH_MAX_SAMPLES], idle_calls[BENCH_MAX_SAMPLES];
};

/* ---- the subject side ------------------------------------------------- */

static void touch_host(char *mem, size_t np)
{
	size_t i;

	for (i = 0; i < np; i++)
		*(volatile __u64 *)(mem + i * SMU_PAGE_SIZE) = i;
}

static void vcpu_reads(int vcpu, struct secmmu_access_op *op, size_t np)
{
	struct secmmu_access_batch res = {};
	size_t i, n;

	for (i = 0; i < np; i += n) {
		n = np - i < RA_BATCH ? np - i : RA_BATCH;
		if (smu_batch(vcpu, op + i, n, &res) < 0 || res.done != n)
			die("realage: vCPU reads stopped at op %zu", i + res.done);
	}
}

int realage_subject(const char *kind, const char *mib)
{
	size_t np = (size_t)strtoul(mib, NULL, 0) << 20 >> 12;
	struct secmmu_access_op *op = NULL;
	int vm = -1, vcpu = -1, floor = -1, c, mode = -1;
	FILE *ans = fdopen(3, "w");
	struct secmmu_stats st;
	size_t i, kl = strlen(kind);
	bool thp = kl > 4 && !strcmp(kind + kl - 4, "-thp");
	char *mem, *m, base[16];
	__u64 word;

	if (!ans || !np)
		return 2;
	setvbuf(ans, NULL, _IOLBF, 0);
	snprintf(base, sizeof(base), "%.*s", thp ? (int)(kl - 4) : (int)kl, kind);
	kind = base;
	if (!strncmp(kind, "secmmu", 6))
		mode = kind[6] - '0';
	if (!strcmp(kind, "floor")) {
		floor = open(FLOOR_DEV, O_RDWR | O_CLOEXEC);
		if (floor < 0)
			die("realage: open %s: %s", FLOOR_DEV, strerror(errno));
	}
	/* THP: 2 MiB aligned (one block more mapped, never touched). */
	m = mmap(NULL, np * SMU_PAGE_SIZE + (thp ? RA_HUGE : 0),
		 PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		die("realage: mmap: %s", strerror(errno));
	mem = thp ? (char *)(((uintptr_t)m + RA_HUGE - 1) & ~(RA_HUGE - 1)) : m;
	madvise(mem, np * SMU_PAGE_SIZE, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	touch_host(mem, np);
	if (mode >= 0) {
		vm = smu_open_vm();
		if (vm < 0 || smu_enable_cap(vm, SECMMU_CAP_RMAP_MODE, mode) < 0)
			die("realage: secmmu VM in rmap mode %d", mode);
		/* Over THP, 2 MiB leaves, as KVM maps them. */
		if (thp && smu_enable_cap(vm, SECMMU_CAP_HUGE_LEAVES, 1) < 0)
			die("realage: SECMMU_CAP_HUGE_LEAVES");
		vcpu = smu_create_vcpu(vm, 0);
		if (vcpu < 0 || smu_set_memslot(vm, 0, 0, RA_GFN0, np, mem) < 0)
			die("realage: secmmu vCPU or memslot");
		op = calloc_unaged(np, sizeof(*op));
		for (i = 0; i < np; i++)
			smu_op(&op[i], 0, SMU_GPA(RA_GFN0 + i), &word, sizeof(word), false);
		vcpu_reads(vcpu, op, np);
	}
	fprintf(ans, "ready %p %zu\n", mem, np);
	while ((c = getchar()) != EOF && c != 'q') {
		switch (c) {
		case 't':
			touch_host(mem, np);
			if (mode >= 0)
				vcpu_reads(vcpu, op, np);
			fprintf(ans, "ok\n");
			break;
		case 'c':
			if (mode >= 0 && smu_get_stats(vm, &st) == 0)
				fprintf(ans, "%llu %llu\n",
					(unsigned long long)st.val[SECMMU_STAT_AGE_CLEAR_YOUNG],
					(unsigned long long)st.val[SECMMU_STAT_AGE_PAGES]);
			else
				fprintf(ans, "0 0\n");
			break;
		}
	}
	return 0;
}

/* ---- the measuring side ----------------------------------------------- */

/* Ask @s for one answer line to command @c (0: just read one). */
static void ask(struct subject *s, char c, char *line, size_t len)
{
	if (c && write(s->cmd, &c, 1) != 1)
		die("realage: %s: command: %s", s->name, strerror(errno));
	if (!fgets(line, len, s->ans))
		die("realage: %s (pid %d) did not answer '%c'", s->name, s->pid,
		    c ? c : '-');
}

static void counters(struct subject *s, unsigned long long *calls,
		     unsigned long long *pages)
{
	char line[128];

	ask(s, 'c', line, sizeof(line));
	if (sscanf(line, "%llu %llu", calls, pages) != 2)
		die("realage: %s: bad counters '%s'", s->name, line);
}

/*
 * Start subject @k: its cgroup, then this program (or the KVM helper)
 * with its memory policy bound to its node, in the cgroup before it
 * allocates anything.  Returns false when it could not start.
 */
static bool spawn(struct subject *s, int k, unsigned int mib)
{
	int in[2], out[2];
	char arg[16], line[128], path[96], kind[24];
	unsigned long mask = 1UL << s->node;

	snprintf(kind, sizeof(kind), "%s%s", ra_kind[k], s->thp ? "-thp" : "");
	snprintf(s->cg, sizeof(s->cg), CG_ROOT "/realage-%s", kind);
	if (mkdir(s->cg, 0755) && errno != EEXIST)
		die("realage: mkdir %s: %s", s->cg, strerror(errno));
	/* Close-on-exec: no subject may hold another's pipe open. */
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
		die("realage: pipe");
	snprintf(arg, sizeof(arg), "%u", mib);
	snprintf(path, sizeof(path), "%s/cgroup.procs", s->cg);
	fflush(stdout);
	s->pid = fork();
	if (s->pid < 0)
		die("realage: fork");
	if (!s->pid) {
		if (dup2(in[0], 0) < 0 || dup2(out[1], 3) < 0)
			_exit(126);
		close(in[1]);
		close(out[0]);
		if (syscall(SYS_set_mempolicy, MPOL_BIND_, &mask, 64) ||
		    smu_write_file(path, "0"))
			_exit(126);
		if (k == RA_KVM)
			execl(KVM_HELPER, KVM_HELPER, arg, s->thp ? "thp" : NULL,
			      (char *)NULL);
		else
			execl("/proc/self/exe", "secmmu-bench", "--realage-subject",
			      kind, arg, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	s->cmd = in[1];
	s->ans = fdopen(out[0], "r");
	if (!s->ans || !fgets(line, sizeof(line), s->ans) || strncmp(line, "ready", 5)) {
		int st = 0;

		waitpid(s->pid, &st, 0);
		printf("   realage: %s did not start (exit status 0x%x)\n", s->name, st);
		if (s->ans)
			fclose(s->ans);
		close(s->cmd);
		rmdir(s->cg);
		return false;
	}
	if (sscanf(line, "ready %lx %lu", &s->hva, &s->np) != 2)
		die("realage: %s: bad ready line '%s'", s->name, line);
	s->huge_kb = smu_proc_anon_huge_kb(s->pid, s->hva);
	s->live = true;
	return true;
}

static void stop(struct subject *s)
{
	int st;

	if (!s->live)
		return;
	if (write(s->cmd, "q", 1) != 1)
		printf("   realage: %s: quit: %s\n", s->name, strerror(errno));
	close(s->cmd);
	fclose(s->ans);
	waitpid(s->pid, &st, 0);
	rmdir(s->cg);
	s->live = false;
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/* One timed aging pass over @s's memcg on its node: ms. */
static double aging_pass(struct subject *s)
{
	return mglru_pass(s->name, s->cg + strlen(CG_ROOT), s->node);
}

/*
 * page_idle: the bitmap words that mark @s's pages idle, from its
 * /proc/PID/pagemap (PFNs: we are root), sorted by offset, one bit per
 * page.  Computed once: nothing migrates the pages during the series
 * (NUMA balancing off, memory bound to one node, no reclaim).
 */
static void idle_words(struct subject *s)
{
	char path[64];
	__u64 *pfn = calloc(s->np, sizeof(*pfn)), *off, *w;
	size_t i, n = 0;
	ssize_t got;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", s->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !pfn)
		die("realage: %s: %s", path, strerror(errno));
	got = pread(fd, pfn, s->np * 8, (off_t)(s->hva / SMU_PAGE_SIZE) * 8);
	close(fd);
	if (got != (ssize_t)(s->np * 8))
		die("realage: %s: short read", path);
	for (i = 0; i < s->np; i++) {
		if (!(pfn[i] >> 63) || !(pfn[i] & ((1ULL << 55) - 1)))
			die("realage: %s: page %zu not present", s->name, i);
		pfn[i] &= (1ULL << 55) - 1;
	}
	qsort(pfn, s->np, sizeof(*pfn), cmp_u64);
	off = calloc(s->np, sizeof(*off));
	w = calloc(s->np, sizeof(*w));
	if (!off || !w)
		die("calloc");
	for (i = 0; i < s->np; i++) {
		__u64 o = pfn[i] / 64 * 8;

		if (!n || off[n - 1] != o) {
			off[n] = o;
			w[n++] = 0;
		}
		w[n - 1] |= 1ULL << (pfn[i] % 64);
	}
	free(pfn);
	s->idle_off = off;
	s->idle_word = w;
	s->idle_n = n;
}

/* One timed page_idle pass: every page of @s marked idle; ms. */
static double idle_pass(struct subject *s)
{
	size_t i, j;
	__u64 t;
	int fd = open(PAGE_IDLE, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		die("realage: open %s: %s", PAGE_IDLE, strerror(errno));
	t = now_ns();
	for (i = 0; i < s->idle_n; i = j) {
		ssize_t done;

		/*
		 * One write per run of consecutive words; sysfs takes at most
		 * a page of it per write (kernfs), so a run longer than 512
		 * words goes on where the last write stopped.
		 */
		for (j = i + 1; j < s->idle_n &&
		     s->idle_off[j] == s->idle_off[j - 1] + 8; j++)
			;
		for (; i < j; i += done / 8) {
			done = pwrite(fd, &s->idle_word[i], (j - i) * 8, s->idle_off[i]);
			if (done < 8 || done % 8)
				die("realage: %s: write %s: %s", s->name, PAGE_IDLE,
				    done < 0 ? strerror(errno) : "short write");
		}
	}
	t = now_ns() - t;
	close(fd);
	return t / 1e6;
}

void series_realage(void)
{
	static const char *const roles[RA_SECMMU] = {
		"baseline", "twin", "floor", "kvm",
	};
	static struct subject subj[RA_ALL];
	unsigned int mib = cfg.size_mb, reps = cfg.reps, r;
	size_t np = (size_t)mib << 8;
	int nodes = smu_nr_nodes(), j, k, n = 0;
	bool loaded = false, idle;
	char line[128];

	if (!cfg.quick && reps < 9)
		reps = 9;
	if (reps > BENCH_MAX_SAMPLES)
		reps = BENCH_MAX_SAMPLES;
	if (nodes < 1)
		nodes = 1;
	if (access(LRU_GEN, W_OK)) {
		emit_skip("realage", "no " LRU_GEN " (MGLRU, debugfs)");
		return;
	}
	if (!smu_has_memcg() ||
	    smu_write_file(CG_ROOT "/cgroup.subtree_control", "+memory")) {
		emit_skip("realage", "no cgroup v2 memory controller");
		return;
	}
	/* page_idle too where the kernel has it (7.2 here, not Debian's 6.12). */
	idle = !access(PAGE_IDLE, W_OK);
	if (!idle)
		emit_skip("realidle", "no " PAGE_IDLE " (IDLE_PAGE_TRACKING)");
	/* Every MGLRU feature on, the page table walk included. */
	smu_write_file("/sys/kernel/mm/lru_gen/enabled", "y");
	if (access(FLOOR_DEV, F_OK) && !access(FLOOR_KO, R_OK)) {
		fflush(stdout);
		loaded = !system("insmod " FLOOR_KO);
	}
	printf("\n== realage: one MGLRU aging pass%s over %u MiB (%zu pages) per "
	       "subject, 4 KiB pages and THP, %u reps, subjects interleaved ==\n",
	       idle ? " and one page_idle pass" : "", mib, np, reps);
	memset(subj, 0, sizeof(subj));
	for (j = 0; j < RA_ALL; j++) {
		struct subject *s = &subj[j];

		k = j % RA_NR;
		s->kind = k;
		s->thp = j >= RA_NR;
		s->node = k % nodes;
		s->role = k < RA_SECMMU ? roles[k] : "secmmu";
		if (k < RA_SECMMU)
			snprintf(s->name, sizeof(s->name), "%s",
				 k == RA_NONE ? "none" : k == RA_TWIN ? "none (twin)" :
				 k == RA_FLOOR ? "empty notifier" : "kvm");
		else
			snprintf(s->name, sizeof(s->name), "secmmu %s",
				 mode_name[k - RA_SECMMU]);
		/*
		 * SECMMU_REALAGE_ONLY=KIND (profiling): "none" and that one;
		 * SECMMU_REALAGE_THP=1: over THP only.
		 */
		if (getenv("SECMMU_REALAGE_ONLY") && k != RA_NONE &&
		    strcmp(getenv("SECMMU_REALAGE_ONLY"), ra_kind[k]))
			continue;
		if (getenv("SECMMU_REALAGE_THP") && !s->thp)
			continue;
		if (k == RA_FLOOR && access(FLOOR_DEV, F_OK)) {
			if (!s->thp)
				printf("   realage: no %s (tests/floor not loaded): "
				       "no floor\n", FLOOR_DEV);
			continue;
		}
		if (k == RA_KVM && (access("/dev/kvm", R_OK | W_OK) ||
				    access(KVM_HELPER, X_OK))) {
			if (!s->thp)
				printf("   realage: no /dev/kvm or %s: no KVM subject\n",
				       KVM_HELPER);
			continue;
		}
		if (!spawn(s, k, mib)) {
			if (k == RA_NONE || k == RA_TWIN || k >= RA_SECMMU)
				die("realage: subject %s failed to start", s->name);
			continue;
		}
	}
	/*
	 * One untimed pass each first: a memcg's first aging pass also sorts
	 * the folios faulted in since into generations.
	 */
	for (j = 0; j < RA_ALL; j++) {
		struct subject *s = &subj[j];

		if (!s->live)
			continue;
		ask(s, 't', line, sizeof(line));
		aging_pass(s);
		if (idle)
			idle_words(s);
		counters(s, &s->c0, &s->a0);
	}

	for (r = 0; r < reps; r++) {
		for (j = 0; j < RA_ALL; j++) {
			struct subject *s = &subj[(j + r) % RA_ALL];
			unsigned long long c, p;

			if (!s->live)
				continue;
			ask(s, 't', line, sizeof(line));	/* every page young */
			s->ms[r] = aging_pass(s);
			counters(s, &c, &p);
			s->calls[r] = (double)(c - s->c0);
			s->aged[r] = (double)(p - s->a0);
			s->c0 = c;
			s->a0 = p;
			if (!idle)
				continue;
			ask(s, 't', line, sizeof(line));	/* young again */
			s->idle_ms[r] = idle_pass(s);
			counters(s, &c, &p);
			s->idle_calls[r] = (double)(c - s->c0);
			s->c0 = c;
			s->a0 = p;
		}
		n = r + 1;
	}
	for (j = 0; j < RA_ALL; j++) {
		struct subject *s = &subj[j];

		k = s->kind;
		if (!s->live)
			continue;
		emit(s->thp ? "realage-thp" : "realage", s->name, s->role, "ms/pass",
		     s->ms, n,
		     "\"pages\":%zu,\"reps\":%d,\"node\":%d,\"clear_young_calls\":%.0f,"
		     "\"hook_pages\":%.0f,\"thp_kb\":%ld%s%s%s",
		     np, n, s->node, median(s->calls, n), median(s->aged, n),
		     s->huge_kb, k >= RA_SECMMU ? ",\"mode\":\"" : "",
		     k >= RA_SECMMU ? mode_name[k - RA_SECMMU] : "",
		     k >= RA_SECMMU ? "\"" : "");
	}
	for (j = 0; j < RA_ALL && idle; j++) {
		struct subject *s = &subj[j];

		if (!s->live)
			continue;
		emit(s->thp ? "realidle-thp" : "realidle", s->name, s->role,
		     "ms/pass", s->idle_ms, n,
		     "\"pages\":%zu,\"reps\":%d,\"node\":%d,\"clear_young_calls\":%.0f,"
		     "\"bitmap_words\":%zu,\"thp_kb\":%ld", np, n, s->node,
		     median(s->idle_calls, n), s->idle_n, s->huge_kb);
	}
	for (j = 0; j < RA_ALL; j++) {
		stop(&subj[j]);
		free(subj[j].idle_off);
		free(subj[j].idle_word);
	}
	if (loaded && system("rmmod secmmu_floor"))
		die("realage: rmmod secmmu_floor");
}
