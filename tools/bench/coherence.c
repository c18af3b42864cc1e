// SPDX-License-Identifier: GPL-2.0
/*
 * Series coherence (issue 25): KVM's design (one mmu_notifier, a memslot
 * walk per invalidation, GUP faults) beside the device drivers' (one
 * mmu_interval_notifier per range, hmm_range_fault() faults) on the same
 * secondary MMU, with lib/test_hmm.c's dmirror beside them where the
 * kernel has it (the 7.2 rig: test_hmm.ko, /bin/secmmu-dmirror).
 *
 * Subjects, each a process of its own (coh.h: the workload and its
 * commands), alive for the whole series, pinned to CPU 0, memory on node 0:
 *
 *   none               nothing else maps the memory (the baseline)
 *   notifier           a secmmu VM, SECMMU_COHERENCE_NOTIFIER
 *   notifier (twin)    the same again: the noise band
 *   interval           SECMMU_COHERENCE_INTERVAL       } where
 *   interval_two_pass  SECMMU_COHERENCE_INTERVAL_TWO_PASS } CHECK_CAP has it
 *   dmirror            test_hmm's dmirror on the subject's whole mm
 *
 * Measured, per repetition, every subject in an order rotating with the
 * repetition:
 *
 *   fault  a read of every page of a fresh populated range through the
 *          secondary MMU, cold (every page faults) and warm
 *   inval  munmap, MADV_DONTNEED, mprotect(PROT_READ), fork (the COW
 *          write-protection) and move_pages() to node 1 of a range the
 *          secondary MMU wrote, per range size (4 KiB .. SIZE_MB, x16;
 *          QUICK: 4 KiB and 1 MiB)
 *   scale  fresh pages faulted by 1, then 2 vCPUs (CPUs 0, 1); none: the
 *          machine's own scaling (arithmetic)
 *   mslot  MADV_DONTNEED of one page, of the VM's range or of no memslot,
 *          with 1 and with 32 memslots
 *
 * The report (benchreport/coherence.py) takes the added cost over none
 * per page, the fault cost as cold - warm, and the goals (interval within
 * 1.2x of notifier per invalidation, 1.1x per fault) with the twin's band.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "bench.h"
#include "coh.h"
#include "real.h"

#define DMIRROR_BIN	"/bin/secmmu-dmirror"
#define DMIRROR_DEV	"/dev/hmm_dmirror0"
#define NSZ		8

enum { CS_NONE, CS_NOTIFIER, CS_TWIN, CS_INTERVAL, CS_TWO_PASS, CS_DMIRROR, CS_NR };

static const char *const cs_name[CS_NR] = {
	"none", "notifier", "notifier (twin)", "interval", "interval_two_pass",
	"dmirror",
};

static const char *const cs_style[CS_NR] = {
	"none", "notifier", "notifier", "interval", "interval_two_pass", NULL,
};

static const char *const cs_role[CS_NR] = {
	"baseline", "secmmu", "twin", "secmmu", "secmmu", "dmirror",
};

static const char *const op_name[COH_NR_OPS] = {
	"munmap", "MADV_DONTNEED", "mprotect", "fork", "migrate",
};

static bool coh_start(struct rsub *s, int k, size_t maxpages)
{
	int in[2], out[2], st;
	char arg[24], line[64];

	snprintf(s->name, sizeof(s->name), "%s", cs_name[k]);
	s->role = cs_role[k];
	s->live = false;
	s->cg[0] = 0;
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
		die("coherence: pipe");
	snprintf(arg, sizeof(arg), "%zu", maxpages);
	fflush(stdout);
	s->pid = fork();
	if (s->pid < 0)
		die("coherence: fork");
	if (!s->pid) {
		if (dup2(in[0], 0) < 0 || dup2(out[1], 3) < 0)
			_exit(126);
		if (k == CS_DMIRROR)
			execl(DMIRROR_BIN, DMIRROR_BIN, arg, (char *)NULL);
		else
			execl("/proc/self/exe", "secmmu-bench", "--coh-subject",
			      cs_style[k], arg, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	s->cmd = in[1];
	s->ans = fdopen(out[0], "r");
	if (s->ans && fgets(line, sizeof(line), s->ans) && !strncmp(line, "ready", 5)) {
		s->live = true;
		return true;
	}
	waitpid(s->pid, &st, 0);
	printf("   coherence: %s did not start (exit status 0x%x)\n", s->name, st);
	if (s->ans)
		fclose(s->ans);
	close(s->cmd);
	return false;
}

/* Range sizes in pages: 1, 16, 256, ... up to @max, and @max itself. */
static int coh_sizes(size_t *np, size_t max)
{
	size_t v;
	int n = 0;

	if (cfg.quick) {
		np[n++] = 1;
		if (max > 1)
			np[n++] = max < 256 ? max : 256;
		return n;
	}
	for (v = 1; v <= max && n < NSZ - 1; v *= 16)
		np[n++] = v;
	if (np[n - 1] != max)
		np[n++] = max;
	return n;
}

struct coh_run {
	struct rsub subj[CS_NR];
	bool ran[CS_NR];			/* started for the measurements */
	int ns, kind[CS_NR], nsz, nodes;
	unsigned int reps;
	size_t np[NSZ], scale_np, k;
	double cold[NSZ][CS_NR][MAX_SAMPLES], warm[NSZ][CS_NR][MAX_SAMPLES];
	double inv[NSZ][COH_NR_OPS][CS_NR][MAX_SAMPLES];
	double zap_min[NSZ][COH_NR_OPS][CS_NR], moved_min[NSZ][COH_NR_OPS][CS_NR];
	double scale[2][CS_NR][MAX_SAMPLES];
	double mslot[2][2][CS_NR][MAX_SAMPLES];
};

/* Iterations per sample (their median): ~4096 pages, 1..8 (QUICK: 1..4). */
static unsigned int coh_k(size_t np)
{
	unsigned int k = np >= 4096 ? 1 : 4096 / np, max = cfg.quick ? 4 : 8;

	return k < max ? k : max;
}

static void coh_rep(struct coh_run *c, unsigned int r)
{
	double sec[COH_NR_OPS + 2] = {};
	char ans[96];
	int i, op, k, j, m, w;
	__u64 t0 = now_ns();

	for (i = 0; i < c->nsz; i++)
		for (k = 0; k < c->ns; k++) {
			struct rsub *s = &c->subj[j = (k + r) % c->ns];
			unsigned long long cold, warm;

			if (!s->live || c->kind[j] == CS_NONE)
				continue;
			rsub_ask(s, ans, sizeof(ans), "fault %zu %u", c->np[i],
				 coh_k(c->np[i]));
			if (sscanf(ans, "%llu %llu", &cold, &warm) != 2)
				die("coherence: %s: fault: '%s'", s->name, ans);
			c->cold[i][j][r] = cold;
			c->warm[i][j][r] = warm;
		}
	sec[0] = (now_ns() - t0) / 1e9;
	for (i = 0; i < c->nsz; i++)
		for (op = 0; op < COH_NR_OPS; op++) {
			if (op == COH_MIGRATE && c->nodes < 2)
				continue;
			t0 = now_ns();
			for (k = 0; k < c->ns; k++) {
				struct rsub *s = &c->subj[j = (k + r) % c->ns];
				unsigned long long t_ns;
				long long z;
				unsigned long mv;

				if (!s->live)
					continue;
				rsub_ask(s, ans, sizeof(ans), "inval %d %zu %u", op,
					 c->np[i], coh_k(c->np[i]));
				if (sscanf(ans, "%llu %lld %lu", &t_ns, &z, &mv) != 3)
					die("coherence: %s: inval: '%s'", s->name, ans);
				c->inv[i][op][j][r] = t_ns;
				if (!r || z < c->zap_min[i][op][j])
					c->zap_min[i][op][j] = z;
				if (!r || mv < c->moved_min[i][op][j])
					c->moved_min[i][op][j] = mv;
			}
			sec[1 + op] += (now_ns() - t0) / 1e9;
		}
	t0 = now_ns();
	for (m = 0; m < 2; m++)
		for (w = 0; w < 2; w++)
			for (k = 0; k < c->ns; k++) {
				struct rsub *s = &c->subj[j = (k + r) % c->ns];

				if (!s->live || c->kind[j] == CS_DMIRROR)
					continue;
				rsub_ask(s, ans, sizeof(ans), "mslot %d %d %zu",
					 m ? COH_MAX_SLOTS : 1, w, c->k);
				c->mslot[m][w][j][r] = strtod(ans, NULL);
			}
	sec[COH_NR_OPS + 1] = (now_ns() - t0) / 1e9;
	printf("   coherence: repetition %u: fault %.1f s, munmap %.1f, MADV_DONTNEED %.1f, "
	       "mprotect %.1f, fork %.1f, migrate %.1f, memslots %.1f\n", r, sec[0],
	       sec[1], sec[2], sec[3], sec[4], sec[5], sec[6]);
}

/*
 * Fault scaling, in subjects of its own: a process whose threads ran on
 * CPU 1 has TLB flushes sent there from then on, and CPU 1's QEMU thread,
 * idle, wakes late on a loaded host; the other measurements keep to CPU 0.
 */
static void coh_rep_scale(struct coh_run *c, unsigned int r)
{
	char ans[96];
	int k, j, t;

	for (t = 0; t < 2; t++)
		for (k = 0; k < c->ns; k++) {
			struct rsub *s = &c->subj[j = (k + r) % c->ns];
			int nthr = 1 + ((t + r) & 1);

			if (!s->live)
				continue;
			rsub_ask(s, ans, sizeof(ans), "scale %zu %d", c->scale_np, nthr);
			c->scale[nthr - 1][j][r] = strtod(ans, NULL);
		}
}

static void coh_emit(struct coh_run *c)
{
	char kase[96];
	int i, op, j, m, w;

	for (j = 0; j < c->ns; j++) {
		const char *n = c->subj[j].name, *role = c->subj[j].role;

		if (!c->ran[j])
			continue;
		for (i = 0; i < c->nsz && c->kind[j] != CS_NONE; i++) {
			snprintf(kase, sizeof(kase), "%s, fault %zu", n, c->np[i]);
			emit("coherence", kase, role, "ns", c->cold[i][j], c->reps,
			     "\"subject\":\"%s\",\"kind\":\"fault\",\"pages\":%zu", n,
			     c->np[i]);
			snprintf(kase, sizeof(kase), "%s, fault warm %zu", n, c->np[i]);
			emit("coherence", kase, role, "ns", c->warm[i][j], c->reps,
			     "\"subject\":\"%s\",\"kind\":\"fault_warm\",\"pages\":%zu",
			     n, c->np[i]);
		}
		for (i = 0; i < c->nsz; i++)
			for (op = 0; op < COH_NR_OPS; op++) {
				if (op == COH_MIGRATE && c->nodes < 2)
					continue;
				snprintf(kase, sizeof(kase), "%s, %s %zu", n, op_name[op],
					 c->np[i]);
				emit("coherence", kase, role, "ns", c->inv[i][op][j], c->reps,
				     "\"subject\":\"%s\",\"kind\":\"inval\",\"op\":\"%s\","
				     "\"pages\":%zu,\"zapped_min\":%.0f,\"moved_min\":%.0f",
				     n, op_name[op], c->np[i], c->zap_min[i][op][j],
				     c->moved_min[i][op][j]);
			}
		for (i = 0; i < 2; i++) {
			snprintf(kase, sizeof(kase), "%s, scale %d", n, i + 1);
			emit("coherence", kase, role, "ns", c->scale[i][j], c->reps,
			     "\"subject\":\"%s\",\"kind\":\"scale\",\"threads\":%d,"
			     "\"pages\":%zu", n, i + 1, c->scale_np);
		}
		for (m = 0; m < 2 && c->kind[j] != CS_DMIRROR; m++)
			for (w = 0; w < 2; w++) {
				snprintf(kase, sizeof(kase), "%s, %d memslots, %s", n,
					 m ? COH_MAX_SLOTS : 1, w ? "in" : "out");
				emit("coherence", kase, role, "ns", c->mslot[m][w][j],
				     c->reps, "\"subject\":\"%s\",\"kind\":\"mslot\","
				     "\"slots\":%d,\"where\":\"%s\",\"k\":%zu", n,
				     m ? COH_MAX_SLOTS : 1, w ? "in" : "out", c->k);
			}
	}
}

static void coh_start_all(struct coh_run *c, size_t maxp)
{
	int k;

	for (k = 0; k < c->ns; k++) {
		c->ran[k] = coh_start(&c->subj[k], c->kind[k], maxp);
		if (!c->ran[k] && c->kind[k] != CS_DMIRROR)
			die("coherence: subject %s failed to start", cs_name[c->kind[k]]);
	}
}

static void coh_stop_all(struct coh_run *c)
{
	int k;

	for (k = 0; k < c->ns; k++)
		rsub_stop(&c->subj[k]);
}

/*
 * SECMMU_COHERENCE_PROFILE="STYLE PART" (scripts/profile-coherence.sh,
 * under perf in the guest): only STYLE's subject, only PART, REPS times,
 * the timings printed and nothing emitted.  PART: "fault" (fault NP 64 of
 * SIZE_MB's pages: cold faults every page, warm finds them mapped, on 64
 * fresh ranges) or "mslot" (mslot 1 1 64: the vCPU writes one page of the
 * range, then a one-page MADV_DONTNEED of it, 64 times).  64: cohwork.c's
 * most iterations per command, for samples enough.
 */
static bool coh_profile(size_t max)
{
	const char *env = getenv("SECMMU_COHERENCE_PROFILE");
	unsigned long long a, b, sa = 0, sb = 0;
	char style[32], part[16], ans[96];
	static struct rsub prof;
	struct rsub *s = &prof;
	unsigned int r, reps = cfg.reps ? cfg.reps : 1, k = 64;
	int kind;

	if (!env)
		return false;
	if (sscanf(env, "%31s %15s", style, part) != 2)
		die("coherence: SECMMU_COHERENCE_PROFILE='%s': not 'STYLE PART'", env);
	for (kind = CS_NOTIFIER; kind < CS_DMIRROR; kind++)
		if (!strcmp(style, cs_style[kind]))
			break;
	if (kind == CS_DMIRROR || (strcmp(part, "fault") && strcmp(part, "mslot")))
		die("coherence: SECMMU_COHERENCE_PROFILE='%s': no such style or part", env);
	if (!coh_start(s, kind, max < 64 ? 64 : max))
		die("coherence: profile: %s did not start", style);
	for (r = 0; r < reps; r++) {
		if (!strcmp(part, "fault"))
			rsub_ask(s, ans, sizeof(ans), "fault %zu %u", max, k);
		else
			rsub_ask(s, ans, sizeof(ans), "mslot 1 1 %u", k);
		a = 0;
		b = 0;
		if (sscanf(ans, "%llu %llu", &a, &b) < 1)
			die("coherence: profile: %s %s: '%s'", style, part, ans);
		sa += a;
		sb += b;
	}
	rsub_stop(s);
	if (!strcmp(part, "fault"))
		printf("   coherence profile: %s fault: %u reps x %u x %zu pages: cold %.0f, "
		       "warm %.0f, fault (cold - warm) %.0f ns per page (mean of medians)\n",
		       style, reps, k, max, (double)sa / reps / max,
		       (double)sb / reps / max, ((double)sa - sb) / reps / max);
	else
		printf("   coherence profile: %s mslot: %u reps x %u one-page MADV_DONTNEED "
		       "in the range: %.0f ns each (mean of medians), %.1f zapped per rep\n",
		       style, reps, k, (double)sa / reps, (double)sb / reps);
	return true;
}

void series_coherence(void)
{
	static struct coh_run c;
	size_t max = (size_t)cfg.size_mb * 256, maxp;
	__u64 t;
	int vm = smu_open_vm(), styles;
	unsigned int r;

	memset(&c, 0, sizeof(c));
	CHECK(vm);
	if (coh_profile(max ? max : 1)) {
		close(vm);
		return;
	}
	styles = smu_check_cap(vm, SECMMU_CAP_COHERENCE_STYLES);
	close(vm);
	if (styles < 0) {
		emit_skip("coherence", "no SECMMU_CAP_COHERENCE_STYLES");
		return;
	}
	c.reps = cfg.reps;
	if (!cfg.quick && c.reps < 9)
		c.reps = 9;
	if (c.reps > MAX_SAMPLES)
		c.reps = MAX_SAMPLES;
	c.nodes = smu_nr_nodes();
	c.nsz = coh_sizes(c.np, max);
	c.scale_np = cfg.quick ? 1024 : 4096;
	if (c.scale_np > max)
		c.scale_np = max;
	c.k = cfg.quick ? 16 : 32;
	maxp = c.np[c.nsz - 1];
	if (maxp < c.scale_np)
		maxp = c.scale_np;
	if (maxp < c.k)
		maxp = c.k;
	c.kind[c.ns++] = CS_NONE;
	c.kind[c.ns++] = CS_NOTIFIER;
	c.kind[c.ns++] = CS_TWIN;
	if (styles & 1 << SECMMU_COHERENCE_INTERVAL)
		c.kind[c.ns++] = CS_INTERVAL;
	if (styles & 1 << SECMMU_COHERENCE_INTERVAL_TWO_PASS)
		c.kind[c.ns++] = CS_TWO_PASS;
	if (!access(DMIRROR_BIN, X_OK) && !access(DMIRROR_DEV, R_OK | W_OK))
		c.kind[c.ns++] = CS_DMIRROR;
	printf("\n== coherence: faults and invalidations of 4 KiB..%zu KiB per style%s, "
	       "1->2 vCPUs, 1 vs %d memslots; %u reps, subjects interleaved ==\n",
	       c.np[c.nsz - 1] * 4,
	       c.kind[c.ns - 1] == CS_DMIRROR ? ", dmirror beside" : "",
	       COH_MAX_SLOTS, c.reps);
	if (c.nodes < 2)
		printf("   coherence: one NUMA node: no migration\n");
	coh_start_all(&c, maxp);
	for (r = 0; r < c.reps; r++)
		coh_rep(&c, r);
	coh_stop_all(&c);
	t = now_ns();
	coh_start_all(&c, maxp);
	for (r = 0; r < c.reps; r++)
		coh_rep_scale(&c, r);
	coh_stop_all(&c);
	printf("   coherence: scaling: %.1f s\n", (now_ns() - t) / 1e9);
	coh_emit(&c);
}
