// SPDX-License-Identifier: GPL-2.0
/*
 * Memory a VM allocates on a process's behalf is charged to the process's
 * memory cgroup: the dirty rings (up to SECMMU_DIRTY_RING_MAX entries per
 * vCPU) and the per-CPU counters, so a cgroup's limit bounds what its
 * processes can make the kernel pin through /dev/secmmu.
 */
#include <sys/stat.h>

#include "secmmu_test.h"

#define NR_VCPUS	8
#define NR_VMS		256

FIXTURE(charge) {
	char cg[64];
	bool in_cg;
};

FIXTURE_SETUP(charge)
{
	self->in_cg = false;
	snprintf(self->cg, sizeof(self->cg), SMU_CG_ROOT "/secmmu-charge-%d",
		 getpid());
	if (!smu_has_memcg())
		SKIP(return, "no cgroup v2 memory controller");
	self->in_cg = true;
	ASSERT_EQ(0, smu_cg_enter(self->cg));
}

FIXTURE_TEARDOWN(charge)
{
	if (self->in_cg)
		smu_cg_leave(self->cg);
}

static long cg_read(const char *cg, const char *file, const char *key)
{
	char path[128], line[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		size_t n = key ? strlen(key) : 0;

		if (!key) {
			v = atol(line);
			break;
		}
		if (!strncmp(line, key, n) && line[n] == ' ') {
			v = atol(line + n + 1);
			break;
		}
	}
	fclose(f);
	return v;
}

TEST_F(charge, dirty_rings)
{
	long before, after, ring = SECMMU_DIRTY_RING_MAX *
				   sizeof(struct secmmu_dirty_gfn);
	int vm = smu_t_open_vm(_metadata), vcpu[NR_VCPUS], i;

	ASSERT_EQ(0, smu_ioctl_val(vm, SECMMU_ENABLE_DIRTY_RING,
				   SECMMU_DIRTY_RING_MAX));
	before = cg_read(self->cg, "memory.current", NULL);
	ASSERT_LT(0, before);
	for (i = 0; i < NR_VCPUS; i++)
		vcpu[i] = smu_t_vcpu(_metadata, vm, i);
	after = cg_read(self->cg, "memory.current", NULL);
	TH_LOG("memory.current +%ld KiB for %d rings of %ld KiB",
	       (after - before) >> 10, NR_VCPUS, ring >> 10);
	/* Slack for the memcg's per-CPU charge batching (64 pages). */
	EXPECT_LE(NR_VCPUS * ring - (256L << 10), after - before);
	for (i = 0; i < NR_VCPUS; i++)
		close(vcpu[i]);
	close(vm);
}

TEST_F(charge, percpu_counters)
{
	long before, after = 0, want;
	int vms[NR_VMS], i, tries;

	want = (long)NR_VMS * sysconf(_SC_NPROCESSORS_CONF) *
	       SECMMU_STAT_NR * sizeof(__u64);
	before = cg_read(self->cg, "memory.stat", "percpu");
	ASSERT_LE(0, before);
	for (i = 0; i < NR_VMS; i++)
		vms[i] = smu_t_open_vm(_metadata);
	/* memory.stat is flushed lazily (at most every 2 s). */
	for (tries = 0; tries < 50; tries++) {
		after = cg_read(self->cg, "memory.stat", "percpu");
		if (after - before >= want)
			break;
		usleep(100 * 1000);
	}
	TH_LOG("percpu +%ld bytes for %d VMs (counters: %ld)", after - before,
	       NR_VMS, want);
	EXPECT_LE(want, after - before);
	for (i = 0; i < NR_VMS; i++)
		close(vms[i]);
}

TEST_HARNESS_MAIN
