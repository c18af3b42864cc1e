// SPDX-License-Identifier: GPL-2.0
/*
 * What the real* series share (real.h): subject processes in memcgs of
 * their own, and the timed MGLRU aging pass.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "bench.h"
#include "real.h"

#define MPOL_BIND_	2

static const char *const rs_kind[RS_NR] = {
	"none", "twin", "floor", "kvm", "kvmring", "dbitmap", "dring",
	"secmmu0", "secmmu1", "secmmu2", "secmmu3",
};

/* The name of subject kind @kind, as --real-subject takes it. */
const char *rs_kind_name(int kind)
{
	return kind >= 0 && kind < RS_NR ? rs_kind[kind] : "?";
}

static bool floor_loaded;

bool real_begin(const char *series, bool need_kvm)
{
	char why[128];

	if (access(LRU_GEN, W_OK)) {
		emit_skip(series, "no " LRU_GEN " (MGLRU, debugfs)");
		return false;
	}
	if (!smu_has_memcg() ||
	    smu_write_file(CG_ROOT "/cgroup.subtree_control", "+memory")) {
		emit_skip(series, "no cgroup v2 memory controller");
		return false;
	}
	if (need_kvm && (access("/dev/kvm", R_OK | W_OK) || access(REAL_KVM, X_OK))) {
		snprintf(why, sizeof(why), "no /dev/kvm or %s (SECMMU_KVM=1)", REAL_KVM);
		emit_skip(series, why);
		return false;
	}
	/* Every MGLRU feature on, the page table walk included. */
	smu_write_file("/sys/kernel/mm/lru_gen/enabled", "y");
	if (access(FLOOR_DEV, F_OK) && !access(FLOOR_KO, R_OK)) {
		fflush(stdout);
		floor_loaded = !system("insmod " FLOOR_KO);
	}
	return true;
}

void real_end(void)
{
	if (floor_loaded && system("rmmod secmmu_floor"))
		die("real: rmmod secmmu_floor");
	floor_loaded = false;
}

bool rsub_spawn(struct rsub *s, const char *series, char *const argv[])
{
	unsigned long mask = 1UL << s->node;
	char line[128], path[96];
	int in[2], out[2];

	s->live = false;
	if (mkdir(s->cg, 0755) && errno != EEXIST)
		die("%s: mkdir %s: %s", series, s->cg, strerror(errno));
	/* Close-on-exec: no subject may hold another's pipe open. */
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
		die("%s: pipe", series);
	snprintf(path, sizeof(path), "%s/cgroup.procs", s->cg);
	fflush(stdout);
	s->pid = fork();
	if (s->pid < 0)
		die("%s: fork", series);
	if (!s->pid) {
		if (dup2(in[0], 0) < 0 || dup2(out[1], 3) < 0)
			_exit(126);
		if (syscall(SYS_set_mempolicy, MPOL_BIND_, &mask, 64) ||
		    smu_write_file(path, "0"))
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	s->cmd = in[1];
	s->ans = fdopen(out[0], "r");
	if (!s->ans || !fgets(line, sizeof(line), s->ans) || strncmp(line, "ready", 5)) {
		int st = 0;

		waitpid(s->pid, &st, 0);
		printf("   %s: %s did not start (exit status 0x%x)\n", series,
		       s->name, st);
		if (s->ans)
			fclose(s->ans);
		close(s->cmd);
		rmdir(s->cg);
		return false;
	}
	s->live = true;
	return true;
}

bool rsub_start(struct rsub *s, const char *series, int kind, int node,
		unsigned int maxmib)
{
	char arg[16], kname[24];
	char *argv[6] = { "/proc/self/exe", "--real-subject", kname, arg };

	s->kind = kind;
	s->node = node;
	s->live = false;
	if (kind == RS_FLOOR && access(FLOOR_DEV, F_OK)) {
		printf("   %s: no %s (tests/floor not loaded): no floor\n", series,
		       FLOOR_DEV);
		return false;
	}
	snprintf(s->cg, sizeof(s->cg), CG_ROOT "/%s-%s%s", series, rs_kind[kind],
		 s->thp ? "-thp" : "");
	snprintf(kname, sizeof(kname), "%s%s", rs_kind[kind], s->thp ? "-thp" : "");
	snprintf(arg, sizeof(arg), "%u", maxmib);
	if (kind == RS_KVM || kind == RS_KVM_RING) {
		argv[0] = REAL_KVM;
		argv[1] = arg;
		argv[2] = kind == RS_KVM_RING ? "ring" : "bitmap";
		argv[3] = s->thp ? "thp" : NULL;
	}
	return rsub_spawn(s, series, argv);
}

void rsub_ask(struct rsub *s, char *ans, size_t len, const char *fmt, ...)
{
	char cmd[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd) - 1, fmt, ap);
	va_end(ap);
	cmd[n++] = '\n';
	if (write(s->cmd, cmd, n) != n)
		die("%s: command '%s': %s", s->name, fmt, strerror(errno));
	if (!fgets(ans, len, s->ans))
		die("%s (pid %d) did not answer '%.*s'", s->name, s->pid, n - 1, cmd);
}

void rsub_stop(struct rsub *s)
{
	int st;

	if (!s->live)
		return;
	if (write(s->cmd, "q\n", 2) != 2)
		printf("   %s: quit: %s\n", s->name, strerror(errno));
	close(s->cmd);
	fclose(s->ans);
	waitpid(s->pid, &st, 0);
	rmdir(s->cg);
	s->live = false;
}

/*
 * From lru_gen: the memcg id of cgroup @cg ("/name") and the newest
 * generation (max_seq) of its lruvec on @node; -1 if not found.
 */
static long lru_gen_find(const char *cg, int node, int *memcg)
{
	char line[256], path[128];
	long seq = -1;
	bool in = false;
	int id, cur = -1;
	unsigned long v;
	FILE *f = fopen(LRU_GEN, "re");

	if (!f)
		die("real: %s: %s", LRU_GEN, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "memcg %d %127s", &id, path) == 2) {
			if (in)
				break;
			in = !strcmp(path, cg);
			if (in)
				*memcg = id;
		} else if (in && sscanf(line, " node %d", &cur) == 1) {
			continue;
		} else if (in && cur == node && sscanf(line, " %lu", &v) == 1) {
			seq = v;	/* the last line is max_seq */
		}
	}
	fclose(f);
	return seq;
}

/* One aging pass: ns of the write(), or -1 if it did not run (@seq_out). */
static long long mglru_once(const char *who, const char *cg, int node, bool strict)
{
	char cmd[96];
	long seq, seq2;
	int fd, n, id = -1;
	__u64 t;
	ssize_t w;

	seq = lru_gen_find(cg, node, &id);
	if (seq < 0)
		die("real: %s: no lruvec of %s in %s", who, cg, LRU_GEN);
	n = snprintf(cmd, sizeof(cmd), "+ %d %d %ld 1 1\n", id, node, seq);
	fd = open(LRU_GEN, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		die("real: open %s: %s", LRU_GEN, strerror(errno));
	t = now_ns();
	w = write(fd, cmd, n);
	t = now_ns() - t;
	close(fd);
	if (w != n) {
		if (!strict)
			return -1;
		die("real: %s: '%.*s' -> %zd (%s)", who, n - 1, cmd, w,
		    w < 0 ? strerror(errno) : "short");
	}
	/* The pass ran: the lruvec has a new generation. */
	seq2 = lru_gen_find(cg, node, &id);
	if (seq2 != seq + 1) {
		if (!strict)
			return -1;
		die("real: %s: max_seq %ld -> %ld, no aging pass", who, seq, seq2);
	}
	return t;
}

double mglru_pass(const char *who, const char *cg, int node)
{
	return mglru_once(who, cg, node, true) / 1e6;
}

bool mglru_pass_try(struct rsub *s)
{
	return mglru_once(s->name, s->cg + strlen(CG_ROOT), s->node, false) >= 0;
}
