// SPDX-License-Identifier: GPL-2.0
/*
 * The secmmu selftest library: the system (files, NUMA, swap,
 * cgroup v2, MGLRU).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "secmmu_util.h"

int smu_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(val);
	ssize_t n;
	int err = 0;

	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	close(fd);
	return err;
}

long long smu_read_ll(const char *path)
{
	long long v = -1;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

long long smu_read_key(const char *path, const char *key)
{
	char line[256], name[128];
	long long v, ret = -1;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%127[^:\t ]%*[:\t ]%lld", name, &v) == 2 &&
		    !strcmp(name, key)) {
			ret = v;
			break;
		}
	}
	fclose(f);
	return ret;
}

int smu_nr_nodes(void)
{
	char path[64];
	int n;

	for (n = 1; n < 64; n++) {
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d",
			 n);
		if (access(path, F_OK))
			break;
	}
	return n;
}

void smu_quiesce(void)
{
	/* Best effort: absent without CONFIG_NUMA_BALANCING. */
	smu_write_file("/proc/sys/kernel/numa_balancing", "0");
}

bool smu_has_swap(void)
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

long long smu_swap_used_kb(void)
{
	long long total = smu_read_key("/proc/meminfo", "SwapTotal");
	long long free_kb = smu_read_key("/proc/meminfo", "SwapFree");

	if (total < 0 || free_kb < 0)
		return -1;
	return total - free_kb;
}

bool smu_has_memcg(void)
{
	char line[256] = "";
	FILE *f = fopen("/sys/fs/cgroup/cgroup.controllers", "re");

	if (!f)
		return false;
	if (!fgets(line, sizeof(line), f))
		line[0] = 0;
	fclose(f);
	return strstr(line, "memory");
}

int smu_cg_enter(const char *cg)
{
	char path[256], pid[16];

	/* Already enabled is fine; a real problem shows up below. */
	smu_write_file(SMU_CG_ROOT "/cgroup.subtree_control", "+memory");
	if (mkdir(cg, 0755) && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	snprintf(pid, sizeof(pid), "%d", getpid());
	return smu_write_file(path, pid);
}

void smu_cg_leave(const char *cg)
{
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", getpid());
	smu_write_file(SMU_CG_ROOT "/cgroup.procs", pid);
	rmdir(cg);
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
int smu_lru_gen_find(const char *path, struct smu_lru_memcg *out)
{
	char line[512], p[256];
	FILE *f = fopen(SMU_LRU_GEN, "re");
	bool mine = false;
	struct smu_lru_node *node = NULL;

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
			if (out->nr_nodes < SMU_MAX_NODES) {
				node = &out->node[out->nr_nodes++];
				node->nid = nid;
				node->nr_gens = 0;
			}
			continue;
		}
		if (node && sscanf(line, " %lu %lu %lu %lu", &seq, &age, &anon,
				   &file) == 4 && node->nr_gens < SMU_MAX_GENS) {
			node->seq[node->nr_gens] = seq;
			node->anon[node->nr_gens] = anon;
			node->file[node->nr_gens] = file;
			node->nr_gens++;
		}
	}
	fclose(f);
	return out->id >= 0 ? out->id : -ENOENT;
}

int smu_lru_gen_cmd(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return smu_write_file(SMU_LRU_GEN, buf);
}
