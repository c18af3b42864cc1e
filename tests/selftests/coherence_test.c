// SPDX-License-Identifier: GPL-2.0
/*
 * Coherence with ordinary mm operations: munmap, MADV_DONTNEED, mprotect,
 * mremap and fork/COW must zap the SPTEs so the vCPU never sees (or writes)
 * a page the process no longer maps.
 */
#include "secmmu_test.h"

#define NPAGES	8
#define GFN	0x100

FIXTURE(coh) {
	struct smu_env e;
};

SMU_COHERENCE_VARIANTS(coh);

FIXTURE_SETUP(coh)
{
	smu_env_setup_coherence(_metadata, &self->e, NPAGES, GFN,
				variant->coherence);
}

FIXTURE_TEARDOWN(coh)
{
	smu_env_teardown(&self->e);
}

/* Write seed's pattern to every page through the vCPU; all present. */
static void vcpu_fill(struct __test_metadata *_metadata, struct smu_env *e,
		      uint64_t seed)
{
	char *buf = malloc(e->npages * PAGE);

	ASSERT_NE(NULL, buf);
	smu_fill(buf, e->npages * PAGE, seed);
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(e->gfn), buf, e->npages * PAGE,
		 true);
	free(buf);
	ASSERT_EQ(e->npages, smu_count_present(e->vm, 0, e->gfn, e->npages));
	ASSERT_EQ(-1, smu_check(e->mem, e->npages * PAGE, seed));
}

TEST_F(coh, munmap)
{
	struct smu_env *e = &self->e;
	__u64 unmap0 = smu_t_stat(_metadata, e->vm, SECMMU_STAT_INVAL_UNMAP);
	char buf[16];

	vcpu_fill(_metadata, e, 1);
	ASSERT_EQ(0, munmap(e->mem + 2 * PAGE, 3 * PAGE));
	EXPECT_EQ(0, smu_count_present(e->vm, 0, GFN + 2, 3));
	EXPECT_EQ(2, smu_count_present(e->vm, 0, GFN, 2));
	EXPECT_EQ(3, smu_count_present(e->vm, 0, GFN + 5, 3));
	EXPECT_EQ(NPAGES - 3, smu_t_stat(_metadata, e->vm, SECMMU_STAT_MAPPED));
	EXPECT_LT(unmap0, smu_t_stat(_metadata, e->vm,
				     SECMMU_STAT_INVAL_UNMAP));
	EXPECT_EQ(-EFAULT, smu_read(e->vcpu, 0, SMU_GPA(GFN + 3), buf, 16,
				    NULL));
	EXPECT_EQ(-EFAULT, smu_write(e->vcpu, 0, SMU_GPA(GFN + 4), buf, 16,
				     NULL));
	EXPECT_EQ(0, smu_count_present(e->vm, 0, GFN + 2, 3));
	/* The rest still reads the old data. */
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN + 5), buf, 16, false);
	EXPECT_EQ(-1, smu_check_off(buf, 16, 1, 5 * PAGE));
	/* A fresh mapping at the same address is seen (zeros). */
	ASSERT_EQ(e->mem + 2 * PAGE, mmap(e->mem + 2 * PAGE, 3 * PAGE,
					  PROT_READ | PROT_WRITE,
					  MAP_PRIVATE | MAP_ANONYMOUS |
					  MAP_FIXED, -1, 0));
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN + 3), buf, 16, false);
	EXPECT_TRUE(smu_is_zero(buf, 16));
}

TEST_F(coh, madv_dontneed)
{
	struct smu_env *e = &self->e;
	__u64 clear0 = smu_t_stat(_metadata, e->vm, SECMMU_STAT_INVAL_CLEAR);
	char buf[PAGE];
	unsigned int i;

	vcpu_fill(_metadata, e, 2);
	ASSERT_EQ(0, madvise(e->mem, NPAGES * PAGE, MADV_DONTNEED));
	EXPECT_EQ(0, smu_count_present(e->vm, 0, GFN, NPAGES));
	EXPECT_EQ(0, smu_t_stat(_metadata, e->vm, SECMMU_STAT_MAPPED));
	EXPECT_LT(clear0, smu_t_stat(_metadata, e->vm,
				     SECMMU_STAT_INVAL_CLEAR));
	for (i = 0; i < NPAGES; i++) {
		smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN + i), buf, PAGE,
			 false);
		EXPECT_TRUE(smu_is_zero(buf, PAGE)) TH_LOG("page %u", i);
	}
	EXPECT_TRUE(smu_is_zero(e->mem, NPAGES * PAGE));
	/* And writes land in the new pages. */
	smu_fill(buf, PAGE, 3);
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN + 1), buf, PAGE, true);
	EXPECT_EQ(-1, smu_check(e->mem + PAGE, PAGE, 3));
}

TEST_F(coh, mprotect)
{
	struct smu_env *e = &self->e;
	char buf[PAGE], val[PAGE];
	unsigned int i;

	vcpu_fill(_metadata, e, 4);
	ASSERT_EQ(0, mprotect(e->mem, NPAGES * PAGE, PROT_READ));
	for (i = 0; i < NPAGES; i++) {
		EXPECT_EQ(0, smu_spte_flags(e->vm, 0, GFN + i) &
			     SECMMU_SPTE_WRITABLE) TH_LOG("page %u", i);
	}
	smu_fill(val, PAGE, 5);
	EXPECT_EQ(-EFAULT, smu_write(e->vcpu, 0, SMU_GPA(GFN + 1), val, PAGE,
				     NULL));
	EXPECT_EQ(-1, smu_check(e->mem, NPAGES * PAGE, 4));
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN + 1), buf, PAGE, false);
	EXPECT_EQ(-1, smu_check_off(buf, PAGE, 4, PAGE));
	EXPECT_EQ(0, smu_spte_flags(e->vm, 0, GFN + 1) & SECMMU_SPTE_WRITABLE);
	/* Writing is refused even with the page mapped read-only. */
	EXPECT_EQ(-EFAULT, smu_write(e->vcpu, 0, SMU_GPA(GFN + 1), val, 1,
				     NULL));

	/* PROT_NONE: reads fail too. */
	ASSERT_EQ(0, mprotect(e->mem, NPAGES * PAGE, PROT_NONE));
	EXPECT_EQ(0, smu_count_present(e->vm, 0, GFN, NPAGES));
	EXPECT_EQ(-EFAULT, smu_read(e->vcpu, 0, SMU_GPA(GFN + 1), buf, 8,
				    NULL));

	ASSERT_EQ(0, mprotect(e->mem, NPAGES * PAGE, PROT_READ | PROT_WRITE));
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN + 1), val, PAGE, true);
	EXPECT_EQ(0, memcmp(e->mem + PAGE, val, PAGE));
	EXPECT_EQ(-1, smu_check(e->mem, PAGE, 4));
}

TEST_F(coh, mremap)
{
	struct smu_env *e = &self->e;
	char *dst, *buf;

	vcpu_fill(_metadata, e, 6);
	/* Reserve a destination, then move the pages there. */
	dst = smu_mmap_anon(NPAGES * PAGE);
	ASSERT_NE(MAP_FAILED, dst);
	ASSERT_EQ(dst, mremap(e->mem, NPAGES * PAGE, NPAGES * PAGE,
			      MREMAP_MAYMOVE | MREMAP_FIXED, dst));
	EXPECT_EQ(0, smu_count_present(e->vm, 0, GFN, NPAGES));
	EXPECT_EQ(-1, smu_check(dst, NPAGES * PAGE, 6));

	buf = malloc(NPAGES * PAGE);
	ASSERT_NE(NULL, buf);
	/* The old slot now points at nothing. */
	EXPECT_EQ(-EFAULT, smu_read(e->vcpu, 0, SMU_GPA(GFN), buf, 8, NULL));
	/* A memslot over the new address sees the data. */
	ASSERT_EQ(0, smu_set_memslot(e->vm, 1, 0, 0x800, NPAGES, dst));
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(0x800), buf, NPAGES * PAGE,
		 false);
	EXPECT_EQ(-1, smu_check(buf, NPAGES * PAGE, 6));
	/* And writes go to the moved pages. */
	smu_fill(buf, PAGE, 7);
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(0x803), buf, PAGE, true);
	EXPECT_EQ(-1, smu_check(dst + 3 * PAGE, PAGE, 7));
	/* Mapping the old address again gives zeros through slot 0. */
	ASSERT_EQ(e->mem, mmap(e->mem, NPAGES * PAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
			       0));
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN), buf, PAGE, false);
	EXPECT_TRUE(smu_is_zero(buf, PAGE));
	munmap(dst, NPAGES * PAGE);
	free(buf);
}

/* Child of the fork tests: exits 0 iff its pages still hold @seed. */
static void child_check(int rfd, char *mem, size_t len, uint64_t seed)
{
	char c;

	if (read(rfd, &c, 1) != 1)
		_exit(2);
	_exit(smu_check(mem, len, seed) == -1 ? 0 : 1);
}

/*
 * After fork the pages are shared copy-on-write: the parent's vCPU writes
 * must go to the parent's own copy (not the shared page the child sees) and
 * the parent's later pointer writes must be seen by its vCPU.
 */
TEST_F(coh, fork_cow_parent_writes)
{
	struct smu_env *e = &self->e;
	char val[PAGE], buf[PAGE];
	int p[2], status;
	pid_t pid;

	vcpu_fill(_metadata, e, 8);
	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		child_check(p[0], e->mem, NPAGES * PAGE, 8);

	/* vCPU write right after fork, without touching the pointer. */
	smu_fill(val, PAGE, 9);
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN), val, PAGE, true);
	EXPECT_EQ(0, memcmp(e->mem, val, PAGE));
	/* Pointer write; the vCPU sees the parent's new copy. */
	smu_fill(e->mem + PAGE, PAGE, 10);
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN + 1), buf, PAGE, false);
	EXPECT_EQ(-1, smu_check(buf, PAGE, 10));
	/* vCPU read first (maps the shared page), then pointer write. */
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN + 2), buf, PAGE, false);
	EXPECT_EQ(-1, smu_check_off(buf, PAGE, 8, 2 * PAGE));
	smu_fill(e->mem + 2 * PAGE, PAGE, 11);
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN + 2), buf, PAGE, false);
	EXPECT_EQ(-1, smu_check(buf, PAGE, 11));

	ASSERT_EQ(1, write(p[1], "x", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("child saw the parent's post-fork writes");
	close(p[0]);
	close(p[1]);
}

TEST_F(coh, fork_cow_child_writes)
{
	struct smu_env *e = &self->e;
	char buf[PAGE];
	int p[2], q[2], status;
	pid_t pid;

	vcpu_fill(_metadata, e, 12);
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, pipe(q));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char c;

		/* The child writes every page through its pointer. */
		smu_fill(e->mem, NPAGES * PAGE, 13);
		if (write(q[1], "x", 1) != 1)
			_exit(3);
		if (read(p[0], &c, 1) != 1)
			_exit(2);
		_exit(smu_check(e->mem, NPAGES * PAGE, 13) == -1 ? 0 : 1);
	}
	ASSERT_EQ(1, read(q[0], buf, 1));
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN), buf, PAGE, false);
	EXPECT_EQ(-1, smu_check(buf, PAGE, 12));
	EXPECT_EQ(-1, smu_check(e->mem, NPAGES * PAGE, 12));
	/* Parent's vCPU writes stay out of the child's copies. */
	smu_fill(buf, PAGE, 14);
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN + 5), buf, PAGE, true);
	EXPECT_EQ(-1, smu_check(e->mem + 5 * PAGE, PAGE, 14));
	ASSERT_EQ(1, write(p[1], "x", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* Once the child is gone the parent's pages are still its own. */
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN + 6), buf, PAGE, false);
	EXPECT_EQ(-1, smu_check_off(buf, PAGE, 12, 6 * PAGE));
}

TEST_HARNESS_MAIN
