// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers for the aging selftests; see age_util.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "age_util.h"

size_t age_bm_weight(const __u64 *bm, size_t n)
{
	size_t i, w = 0;

	for (i = 0; i < n / 64; i++)
		w += __builtin_popcountll(bm[i]);
	if (n % 64)
		w += __builtin_popcountll(bm[n / 64] &
					  ((1ULL << (n % 64)) - 1));
	return w;
}

long age_bm_first_diff(const __u64 *a, const __u64 *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (age_bm_test(a, i) != age_bm_test(b, i))
			return i;
	return -1;
}

void age_bm_format(char *out, size_t len, const __u64 *bm, size_t n)
{
	size_t i = 0, pos = 0;

	if (!len)
		return;
	out[0] = 0;
	while (i < n) {
		size_t j;
		int k;

		if (!age_bm_test(bm, i)) {
			i++;
			continue;
		}
		for (j = i; j + 1 < n && age_bm_test(bm, j + 1); j++)
			;
		if (j == i)
			k = snprintf(out + pos, len - pos, "%s%zu",
				     pos ? "," : "", i);
		else
			k = snprintf(out + pos, len - pos, "%s%zu-%zu",
				     pos ? "," : "", i, j);
		if (k < 0 || (size_t)k >= len - pos) {
			/* Truncated: mark it. */
			if (len > 4)
				strcpy(out + len - 4, "...");
			return;
		}
		pos += k;
		i = j + 1;
	}
	if (!pos)
		snprintf(out, len, "(none)");
}

int age_set_rmap_mode(int vm, __u64 mode)
{
	struct secmmu_enable_cap ec;

	memset(&ec, 0, sizeof(ec));
	ec.cap = SECMMU_CAP_RMAP_MODE;
	ec.args[0] = mode;
	return smu_ioctl(vm, SECMMU_ENABLE_CAP, &ec);
}

int age_ioctl(int vm, struct secmmu_age *a)
{
	return smu_ioctl(vm, SECMMU_AGE, a);
}

int age_range(int vm, __u32 flags, __u64 start, __u64 npages, __u64 *young,
	      __u64 *fast_failed, struct secmmu_age *res)
{
	struct secmmu_age a;
	int ret;

	memset(&a, 0, sizeof(a));
	a.flags = flags;
	a.start = start;
	a.npages = npages;
	a.young = (__u64)(uintptr_t)young;
	a.fast_failed = (__u64)(uintptr_t)fast_failed;
	ret = age_ioctl(vm, &a);
	if (res)
		*res = a;
	return ret;
}

int age_touch_gfns(int vcpu, __u16 view, const __u64 *gfns, size_t n)
{
	struct secmmu_access_batch b;
	struct secmmu_access_op *ops;
	size_t i, off;
	__u64 sink;
	int ret = 0;

	if (!n)
		return 0;
	ops = calloc(n < SECMMU_MAX_BATCH ? n : SECMMU_MAX_BATCH,
		     sizeof(*ops));
	if (!ops)
		return -ENOMEM;
	for (off = 0; off < n && !ret; off += SECMMU_MAX_BATCH) {
		size_t nr = n - off < SECMMU_MAX_BATCH ? n - off :
			    SECMMU_MAX_BATCH;

		for (i = 0; i < nr; i++)
			smu_op(&ops[i], view, SMU_GPA(gfns[off + i]), &sink,
			       sizeof(sink), false);
		ret = smu_batch(vcpu, ops, nr, &b);
		if (!ret && (b.done != nr || b.exit_reason != SECMMU_EXIT_NONE))
			ret = 1;
	}
	free(ops);
	return ret;
}

int age_touch_stride(int vcpu, __u16 view, __u64 gfn, size_t n,
		     size_t stride)
{
	__u64 *gfns = malloc((n ? n : 1) * sizeof(*gfns));
	size_t i;
	int ret;

	if (!gfns)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		gfns[i] = gfn + i * stride;
	ret = age_touch_gfns(vcpu, view, gfns, n);
	free(gfns);
	return ret;
}

int age_snap(int vm, struct age_stats *s)
{
	struct secmmu_stats st;
	int ret = smu_get_stats(vm, &st);

	if (ret)
		return ret;
	if (st.nr < SECMMU_STAT_NR)
		return -ERANGE;
	memcpy(s->v, st.val, sizeof(s->v));
	return 0;
}

bool age_has_swap(void)
{
	char line[256];
	int n = 0;
	FILE *f = fopen("/proc/swaps", "re");

	while (f && fgets(line, sizeof(line), f))
		n++;
	if (f)
		fclose(f);
	return n > 1;
}

long long age_swap_used_kb(void)
{
	long long total = smu_read_key("/proc/meminfo", "SwapTotal");
	long long free_kb = smu_read_key("/proc/meminfo", "SwapFree");

	if (total < 0 || free_kb < 0)
		return -1;
	return total - free_kb;
}

int age_cg_enter(const char *cg)
{
	char path[256], pid[16];

	/* Already enabled is fine; a real problem shows up below. */
	smu_write_file(AGE_CG_ROOT "/cgroup.subtree_control", "+memory");
	if (mkdir(cg, 0755) && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	snprintf(pid, sizeof(pid), "%d", getpid());
	return smu_write_file(path, pid);
}

void age_cg_leave(const char *cg)
{
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", getpid());
	smu_write_file(AGE_CG_ROOT "/cgroup.procs", pid);
	rmdir(cg);
}

long age_resident(const void *p, size_t npages, unsigned char *vec)
{
	unsigned char *v = vec ? vec : malloc(npages);
	long n;

	if (!v)
		return -ENOMEM;
	if (mincore((void *)p, npages * SMU_PAGE_SIZE, v)) {
		n = -errno;
	} else {
		n = age_vec_count(v, 0, npages);
	}
	if (!vec)
		free(v);
	return n;
}

size_t age_vec_count(const unsigned char *vec, size_t first, size_t count)
{
	size_t i, n = 0;

	for (i = first; i < first + count; i++)
		n += vec[i] & 1;
	return n;
}

long age_swapped(const void *p, size_t npages, uint64_t *pm)
{
	size_t i, len = npages * sizeof(*pm);
	long n = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (pread(fd, pm, len, (uintptr_t)p / SMU_PAGE_SIZE * sizeof(*pm)) !=
	    (ssize_t)len) {
		close(fd);
		return -EIO;
	}
	close(fd);
	for (i = 0; i < npages; i++)
		n += !!(pm[i] & SMU_PM_SWAPPED);
	return n;
}

/*
 * The file looks like this (one "memcg" line per memcg, generation lines
 * "seq age_ms nr_anon nr_file" per node):
 *
 *   memcg    27 /x
 *    node     0
 *            2      12345          0          0
 *            3        678      16384          0
 */
int age_lru_gen_find(const char *path, struct age_lru_memcg *out)
{
	char line[512], p[256];
	FILE *f = fopen(AGE_LRU_GEN, "re");
	bool mine = false;
	struct age_lru_node *node = NULL;

	memset(out, 0, sizeof(*out));
	out->id = -1;
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long seq, age, anon, file;
		int id, nid;

		if (sscanf(line, "memcg %d %255s", &id, p) >= 1) {
			if (mine)
				break;
			/* The root memcg has an empty path. */
			if (sscanf(line, "memcg %d %255s", &id, p) != 2)
				p[0] = 0;
			mine = !strcmp(p, path);
			if (mine)
				out->id = id;
			node = NULL;
			continue;
		}
		if (!mine)
			continue;
		if (sscanf(line, " node %d", &nid) == 1) {
			node = NULL;
			if (out->nr_nodes < AGE_MAX_NODES) {
				node = &out->node[out->nr_nodes++];
				node->nid = nid;
				node->nr_gens = 0;
			}
			continue;
		}
		if (node && sscanf(line, " %lu %lu %lu %lu", &seq, &age, &anon,
				   &file) == 4 && node->nr_gens < AGE_MAX_GENS) {
			node->seq[node->nr_gens] = seq;
			node->anon[node->nr_gens] = anon;
			node->file[node->nr_gens] = file;
			node->nr_gens++;
		}
	}
	fclose(f);
	return out->id >= 0 ? out->id : -ENOENT;
}

int age_lru_gen_cmd(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return smu_write_file(AGE_LRU_GEN, buf);
}
