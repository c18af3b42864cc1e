// SPDX-License-Identifier: GPL-2.0
/*
 * Swap-out through a cgroup v2 memory.reclaim: pages written by the vCPU
 * (dirty SPTEs) are swapped out, their SPTEs zapped, and every byte is still
 * there afterwards through the process and through the vCPU.
 */
#include <sys/stat.h>

#include "secmmu_test.h"

#define SIZE		(32UL << 20)
#define NPAGES		(SIZE / PAGE)
#define GFN		0x10000
#define CHUNK		(1UL << 20)

FIXTURE(swap) {
	struct smu_env e;
	char cg[64];
	bool in_cg;
};

FIXTURE_SETUP(swap)
{
	smu_env_setup(_metadata, &self->e, 0, GFN);
	snprintf(self->cg, sizeof(self->cg), SMU_CG_ROOT "/secmmu-%d", getpid());
	self->in_cg = false;
}

FIXTURE_TEARDOWN(swap)
{
	smu_env_teardown(&self->e);
	if (self->in_cg)
		smu_cg_leave(self->cg);
}

static void cg_path(char *out, size_t n, const char *cg, const char *file)
{
	snprintf(out, n, "%s/%s", cg, file);
}

/*
 * Reclaim the cgroup; every swapped-out page must have no SPTE.  Returns
 * the number of swapped-out pages.
 */
static long reclaim_and_check(struct __test_metadata *_metadata,
			      struct smu_env *e, const char *cg)
{
	char path[128];
	uint64_t *pm;
	long i, swapped = 0, bad = 0;
	int fd;

	cg_path(path, sizeof(path), cg, "memory.reclaim");
	/* -EAGAIN when less than asked could be reclaimed: fine. */
	smu_write_file(path, "64M");

	pm = malloc(NPAGES * sizeof(*pm));
	ASSERT_NE(NULL, pm);
	fd = open("/proc/self/pagemap", O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)(NPAGES * sizeof(*pm)),
		  pread(fd, pm, NPAGES * sizeof(*pm),
			(uintptr_t)e->mem / PAGE * sizeof(*pm)));
	close(fd);
	for (i = 0; i < (long)NPAGES; i++) {
		if (!(pm[i] & SMU_PM_SWAPPED))
			continue;
		swapped++;
		if (smu_spte_flags(e->vm, 0, GFN + i) & SECMMU_SPTE_PRESENT)
			bad++;
	}
	free(pm);
	EXPECT_EQ(0, bad) TH_LOG("%ld swapped-out pages still mapped", bad);
	TH_LOG("swapped out %ld of %lu pages, VmSwap %lld kB, mapped %llu",
	       swapped, NPAGES, smu_read_key("/proc/self/status", "VmSwap"),
	       (unsigned long long)smu_t_stat(_metadata, e->vm,
					      SECMMU_STAT_MAPPED));
	return swapped;
}

static void vcpu_write_pattern(struct __test_metadata *_metadata,
			       struct smu_env *e, uint64_t seed, char *buf)
{
	size_t off;

	for (off = 0; off < SIZE; off += CHUNK) {
		smu_fill_off(buf, CHUNK, seed, off);
		smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN) + off, buf, CHUNK,
			 true);
	}
}

static void verify_vcpu(struct __test_metadata *_metadata, struct smu_env *e,
			uint64_t seed, char *buf)
{
	size_t off;

	for (off = 0; off < SIZE; off += CHUNK) {
		long bad;

		smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN) + off, buf, CHUNK,
			 false);
		bad = smu_check_off(buf, CHUNK, seed, off);
		ASSERT_EQ(-1, bad) TH_LOG("vCPU: byte 0x%lx", off + bad);
	}
}

static void verify_process(struct __test_metadata *_metadata,
			   struct smu_env *e, uint64_t seed)
{
	long bad = smu_check(e->mem, SIZE, seed);

	ASSERT_EQ(-1, bad) TH_LOG("process: byte 0x%lx", bad);
}

TEST_F_TIMEOUT(swap, reclaim_cgroup, 240)
{
	struct smu_env *e = &self->e;
	char path[128], *buf;
	long swapped;

	if (!smu_has_swap())
		SKIP(return, "no swap");
	if (!smu_has_memcg())
		SKIP(return, "no cgroup v2 memory controller");
	self->in_cg = true;
	ASSERT_EQ(0, smu_cg_enter(self->cg));
	cg_path(path, sizeof(path), self->cg, "memory.reclaim");
	if (access(path, W_OK))
		SKIP(return, "no memory.reclaim");

	/* Charged to the new cgroup from here on. */
	buf = malloc(CHUNK);
	ASSERT_NE(NULL, buf);
	e->npages = NPAGES;
	e->mem = smu_mmap_anon(SIZE);
	ASSERT_NE(MAP_FAILED, e->mem);
	memset(e->mem, 1, SIZE);
	ASSERT_EQ(0, smu_set_memslot(e->vm, 0, 0, GFN, NPAGES, e->mem));

	/* Round 1: vCPU writes, swap out, vCPU reads first. */
	vcpu_write_pattern(_metadata, e, 1, buf);
	EXPECT_EQ(NPAGES, smu_t_stat(_metadata, e->vm, SECMMU_STAT_MAPPED));
	swapped = reclaim_and_check(_metadata, e, self->cg);
	if (!swapped)
		SKIP(return, "memory.reclaim swapped nothing out");
	verify_vcpu(_metadata, e, 1, buf);
	verify_process(_metadata, e, 1);

	/*
	 * Round 2: the pages were just swapped in by reads (possibly clean
	 * in the swap cache); only the vCPU dirties them.  Losing the dirty
	 * bit at zap would bring back round 1's data.
	 */
	vcpu_write_pattern(_metadata, e, 2, buf);
	swapped = reclaim_and_check(_metadata, e, self->cg);
	EXPECT_LT(0, swapped);
	verify_process(_metadata, e, 2);
	verify_vcpu(_metadata, e, 2, buf);
	free(buf);
}

TEST_HARNESS_MAIN
