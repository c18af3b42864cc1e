// SPDX-License-Identifier: GPL-2.0
/*
 * SECMMU_ACCESS and SECMMU_ACCESS_BATCH through view 0: data both ways,
 * spans, exits, errors, accessed/dirty bits and exact stat deltas.
 */
#include <pthread.h>

#include "secmmu_test.h"

#define NPAGES	8
#define GFN	0x100

FIXTURE(acc) {
	struct smu_env e;
};

SMU_COHERENCE_VARIANTS(acc);

FIXTURE_SETUP(acc)
{
	smu_env_setup_coherence(_metadata, &self->e, NPAGES, GFN,
				variant->coherence);
}

FIXTURE_TEARDOWN(acc)
{
	smu_env_teardown(&self->e);
}

TEST_F(acc, roundtrip)
{
	char val[PAGE], buf[PAGE];
	int vcpu = self->e.vcpu;

	/* vCPU write -> process. */
	smu_fill(val, PAGE, 1);
	smu_t_rw(_metadata, vcpu, 0, SMU_GPA(GFN + 2), val, PAGE, true);
	EXPECT_EQ(0, memcmp(self->e.mem + 2 * PAGE, val, PAGE));
	/* Process -> vCPU read, on a page the vCPU already maps. */
	smu_fill(self->e.mem + 2 * PAGE, PAGE, 2);
	smu_t_rw(_metadata, vcpu, 0, SMU_GPA(GFN + 2), buf, PAGE, false);
	EXPECT_EQ(-1, smu_check(buf, PAGE, 2));
	/* Small unaligned accesses. */
	smu_t_rw(_metadata, vcpu, 0, SMU_GPA(GFN + 2) + 4093, buf, 3, false);
	EXPECT_EQ(-1, smu_check_off(buf, 3, 2, 4093));
	smu_t_rw(_metadata, vcpu, 0, SMU_GPA(GFN + 5) + 1, "xyz", 3, true);
	EXPECT_EQ(0, memcmp(self->e.mem + 5 * PAGE + 1, "xyz", 3));
	EXPECT_EQ(0, self->e.mem[5 * PAGE]);
	EXPECT_EQ(0, self->e.mem[5 * PAGE + 4]);
}

TEST_F(acc, span_pages)
{
	const size_t off = 100, len = 2 * PAGE + 50;
	char *val = malloc(len), *buf = malloc(len);
	struct secmmu_access a;

	ASSERT_NE(NULL, val);
	ASSERT_NE(NULL, buf);
	smu_fill(val, len, 3);
	ASSERT_EQ(0, smu_write(self->e.vcpu, 0, SMU_GPA(GFN + 1) + off, val,
			       len, &a));
	EXPECT_EQ(SECMMU_EXIT_NONE, a.exit_reason);
	EXPECT_EQ(len, a.done);
	EXPECT_EQ(0, memcmp(self->e.mem + PAGE + off, val, len));
	EXPECT_TRUE(smu_is_zero(self->e.mem + PAGE, off));
	EXPECT_TRUE(smu_is_zero(self->e.mem + PAGE + off + len, 10));
	memset(buf, 0, len);
	smu_t_rw(_metadata, self->e.vcpu, 0, SMU_GPA(GFN + 1) + off, buf, len,
		 false);
	EXPECT_EQ(0, memcmp(buf, val, len));
	free(val);
	free(buf);
}

TEST_F(acc, span_memslots)
{
	char *m2, val[64], buf[64];

	/* Slot 1 right after slot 0, backed by a separate mapping. */
	m2 = smu_mmap_anon(4 * PAGE);
	ASSERT_NE(MAP_FAILED, m2);
	ASSERT_EQ(0, smu_set_memslot(self->e.vm, 1, 0, GFN + NPAGES, 4, m2));
	smu_fill(val, sizeof(val), 4);
	smu_t_rw(_metadata, self->e.vcpu, 0, SMU_GPA(GFN + NPAGES) - 20, val,
		 64, true);
	EXPECT_EQ(0, memcmp(self->e.mem + NPAGES * PAGE - 20, val, 20));
	EXPECT_EQ(0, memcmp(m2, val + 20, 44));
	smu_t_rw(_metadata, self->e.vcpu, 0, SMU_GPA(GFN + NPAGES) - 20, buf,
		 64, false);
	EXPECT_EQ(0, memcmp(buf, val, 64));
	munmap(m2, 4 * PAGE);
}

TEST_F(acc, unbacked)
{
	char val[2 * PAGE], buf[2 * PAGE];
	struct secmmu_access a;
	const __u64 gpa = SMU_GPA(GFN + NPAGES - 1) + 100;

	smu_fill(val, sizeof(val), 5);
	/* Write running off the end of the memslot. */
	ASSERT_EQ(0, smu_write(self->e.vcpu, 0, gpa, val, sizeof(val), &a));
	EXPECT_EQ(SECMMU_EXIT_UNBACKED, a.exit_reason);
	EXPECT_EQ(SMU_GPA(GFN + NPAGES), a.exit_gpa);
	EXPECT_EQ(PAGE - 100, a.done);
	EXPECT_EQ(0, memcmp(self->e.mem + (NPAGES - 1) * PAGE + 100, val,
			    PAGE - 100));
	/* Read the same way. */
	ASSERT_EQ(0, smu_read(self->e.vcpu, 0, gpa, buf, sizeof(buf), &a));
	EXPECT_EQ(SECMMU_EXIT_UNBACKED, a.exit_reason);
	EXPECT_EQ(SMU_GPA(GFN + NPAGES), a.exit_gpa);
	EXPECT_EQ(PAGE - 100, a.done);
	EXPECT_EQ(0, memcmp(buf, val, PAGE - 100));
	/* Starting unbacked: nothing done. */
	ASSERT_EQ(0, smu_read(self->e.vcpu, 0, SMU_GPA(GFN) - 8, buf, 16,
			      &a));
	EXPECT_EQ(SECMMU_EXIT_UNBACKED, a.exit_reason);
	EXPECT_EQ(SMU_GPA(GFN) - 8, a.exit_gpa);
	EXPECT_EQ(0, a.done);
	ASSERT_EQ(0, smu_write(self->e.vcpu, 0, 0x123456789000ULL, val, 16,
			       &a));
	EXPECT_EQ(SECMMU_EXIT_UNBACKED, a.exit_reason);
	EXPECT_EQ(0x123456789000ULL, a.exit_gpa);
	EXPECT_EQ(0, a.done);
}

TEST_F(acc, readonly)
{
	char *m2, val[PAGE], buf[PAGE];
	struct secmmu_access a;
	const __u64 gpa = SMU_GPA(GFN + NPAGES) - 10;

	m2 = smu_mmap_anon(2 * PAGE);
	ASSERT_NE(MAP_FAILED, m2);
	smu_fill(m2, 2 * PAGE, 6);
	ASSERT_EQ(0, smu_set_memslot(self->e.vm, 1, SECMMU_MEM_READONLY,
				     GFN + NPAGES, 2, m2));
	smu_fill(val, PAGE, 7);
	/* 10 bytes land in slot 0, then the read-only slot stops it. */
	ASSERT_EQ(0, smu_write(self->e.vcpu, 0, gpa, val, 100, &a));
	EXPECT_EQ(SECMMU_EXIT_READONLY, a.exit_reason);
	EXPECT_EQ(SMU_GPA(GFN + NPAGES), a.exit_gpa);
	EXPECT_EQ(10, a.done);
	EXPECT_EQ(0, memcmp(self->e.mem + NPAGES * PAGE - 10, val, 10));
	EXPECT_EQ(-1, smu_check(m2, 2 * PAGE, 6));
	/* Read works and maps the page read-only. */
	smu_t_rw(_metadata, self->e.vcpu, 0, SMU_GPA(GFN + NPAGES + 1), buf,
		 PAGE, false);
	EXPECT_EQ(-1, smu_check_off(buf, PAGE, 6, PAGE));
	EXPECT_EQ(SECMMU_SPTE_PRESENT,
		  smu_spte_flags(self->e.vm, 0, GFN + NPAGES + 1) &
		  (SECMMU_SPTE_PRESENT | SECMMU_SPTE_WRITABLE));
	ASSERT_EQ(0, smu_write(self->e.vcpu, 0, SMU_GPA(GFN + NPAGES + 1) + 1,
			       val, 1, &a));
	EXPECT_EQ(SECMMU_EXIT_READONLY, a.exit_reason);
	EXPECT_EQ(SMU_GPA(GFN + NPAGES + 1) + 1, a.exit_gpa);
	EXPECT_EQ(0, a.done);
	EXPECT_EQ(-1, smu_check(m2, 2 * PAGE, 6));
	munmap(m2, 2 * PAGE);
}

TEST_F(acc, unmapped_hva)
{
	char *m2, buf[16];
	struct secmmu_access a;
	__u64 faults;

	m2 = smu_mmap_anon(4 * PAGE);
	ASSERT_NE(MAP_FAILED, m2);
	ASSERT_EQ(0, munmap(m2, 4 * PAGE));
	ASSERT_EQ(0, smu_set_memslot(self->e.vm, 1, 0, 0x900, 4, m2));
	faults = smu_t_stat(_metadata, self->e.vm, SECMMU_STAT_SPTES_INSTALLED);
	EXPECT_EQ(-EFAULT, smu_read(self->e.vcpu, 0, SMU_GPA(0x901), buf, 16,
				    &a));
	EXPECT_EQ(-EFAULT, smu_write(self->e.vcpu, 0, SMU_GPA(0x901), buf, 16,
				     &a));
	EXPECT_EQ(0, smu_spte_flags(self->e.vm, 0, 0x901));
	EXPECT_EQ(faults, smu_t_stat(_metadata, self->e.vm,
				     SECMMU_STAT_SPTES_INSTALLED));
	EXPECT_EQ(0, smu_t_stat(_metadata, self->e.vm, SECMMU_STAT_MAPPED));
}

TEST_F(acc, prot_read_mapping)
{
	char *m2, buf[16], val[16];
	struct secmmu_access a;

	m2 = smu_mmap_anon(2 * PAGE);
	ASSERT_NE(MAP_FAILED, m2);
	smu_fill(m2, 2 * PAGE, 8);
	ASSERT_EQ(0, mprotect(m2, 2 * PAGE, PROT_READ));
	ASSERT_EQ(0, smu_set_memslot(self->e.vm, 1, 0, 0x900, 2, m2));
	memset(val, 0xee, sizeof(val));
	EXPECT_EQ(-EFAULT, smu_write(self->e.vcpu, 0, SMU_GPA(0x900), val, 16,
				     &a));
	EXPECT_EQ(-1, smu_check(m2, 2 * PAGE, 8));
	smu_t_rw(_metadata, self->e.vcpu, 0, SMU_GPA(0x901) + 3, buf, 16,
		 false);
	EXPECT_EQ(-1, smu_check_off(buf, 16, 8, PAGE + 3));
	EXPECT_EQ(0, smu_spte_flags(self->e.vm, 0, 0x901) &
		     SECMMU_SPTE_WRITABLE);
	/* Still refused when the page is already mapped for reading. */
	EXPECT_EQ(-EFAULT, smu_write(self->e.vcpu, 0, SMU_GPA(0x901), val, 16,
				     &a));
	EXPECT_EQ(-1, smu_check(m2, 2 * PAGE, 8));
	munmap(m2, 2 * PAGE);
}

TEST_F(acc, bad_buf)
{
	char *gone;
	struct secmmu_access a;
	void *bad[] = { (void *)16, (void *)0xffff888000000000ULL, NULL };
	unsigned int i;

	gone = smu_mmap_anon(PAGE);
	ASSERT_NE(MAP_FAILED, gone);
	munmap(gone, PAGE);
	bad[2] = gone;
	smu_fill(self->e.mem, PAGE, 9);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(-EFAULT, smu_read(self->e.vcpu, 0, SMU_GPA(GFN),
					    bad[i], 16, &a)) TH_LOG("%u", i);
		EXPECT_EQ(-EFAULT, smu_write(self->e.vcpu, 0, SMU_GPA(GFN),
					     bad[i], 16, &a)) TH_LOG("%u", i);
	}
	EXPECT_EQ(-1, smu_check(self->e.mem, PAGE, 9));
	/* A struct pointer that is bad. */
	EXPECT_EQ(-EFAULT, smu_ioctl(self->e.vcpu, SECMMU_ACCESS, (void *)16));
	EXPECT_EQ(-EFAULT, smu_ioctl(self->e.vcpu, SECMMU_ACCESS_BATCH,
				     gone));
}

TEST_F(acc, bad_len)
{
	char *big = malloc(SECMMU_MAX_ACCESS_LEN + PAGE);
	struct secmmu_access a;
	char *m2;
	const size_t n = SECMMU_MAX_ACCESS_LEN / PAGE + 1;

	ASSERT_NE(NULL, big);
	EXPECT_EQ(-EINVAL, smu_read(self->e.vcpu, 0, SMU_GPA(GFN), big, 0,
				    &a));
	EXPECT_EQ(-EINVAL, smu_write(self->e.vcpu, 0, SMU_GPA(GFN), big, 0,
				     &a));
	EXPECT_EQ(-EINVAL, smu_read(self->e.vcpu, 0, SMU_GPA(GFN), big,
				    SECMMU_MAX_ACCESS_LEN + 1, &a));
	EXPECT_EQ(-EINVAL, smu_read(self->e.vcpu, 0, SMU_GPA(GFN), big,
				    ~0U, &a));
	/* Exactly SECMMU_MAX_ACCESS_LEN works. */
	m2 = smu_mmap_anon(n * PAGE);
	ASSERT_NE(MAP_FAILED, m2);
	ASSERT_EQ(0, smu_set_memslot(self->e.vm, 1, 0, 0x10000, n, m2));
	smu_fill(big, SECMMU_MAX_ACCESS_LEN, 10);
	smu_t_rw(_metadata, self->e.vcpu, 0, SMU_GPA(0x10000) + 1, big,
		 SECMMU_MAX_ACCESS_LEN, true);
	EXPECT_EQ(-1, smu_check(m2 + 1, SECMMU_MAX_ACCESS_LEN, 10));
	EXPECT_EQ(0, m2[0]);
	munmap(m2, n * PAGE);
	free(big);
}

TEST_F(acc, accessed_dirty)
{
	struct secmmu_spte_info info;
	char buf[8];
	__u64 f;
	uint64_t pm;

	/* Nothing mapped yet: only the root table. */
	ASSERT_EQ(0, smu_get_spte(self->e.vm, 0, GFN, &info));
	EXPECT_EQ(0, info.flags);
	EXPECT_EQ(4, info.level);
	EXPECT_EQ(0, info.pfn);

	memset(self->e.mem, 1, NPAGES * PAGE);
	smu_t_rw(_metadata, self->e.vcpu, 0, SMU_GPA(GFN + 1), buf, 8, false);
	f = smu_spte_flags(self->e.vm, 0, GFN + 1);
	EXPECT_EQ(SECMMU_SPTE_PRESENT | SECMMU_SPTE_ACCESSED,
		  f & (SECMMU_SPTE_PRESENT | SECMMU_SPTE_ACCESSED |
		       SECMMU_SPTE_DIRTY));

	smu_t_rw(_metadata, self->e.vcpu, 0, SMU_GPA(GFN + 2), buf, 8, true);
	ASSERT_EQ(0, smu_get_spte(self->e.vm, 0, GFN + 2, &info));
	EXPECT_EQ(SECMMU_SPTE_PRESENT | SECMMU_SPTE_WRITABLE |
		  SECMMU_SPTE_ACCESSED | SECMMU_SPTE_DIRTY,
		  info.flags & (SECMMU_SPTE_PRESENT | SECMMU_SPTE_WRITABLE |
				SECMMU_SPTE_ACCESSED | SECMMU_SPTE_DIRTY));
	EXPECT_GT(4, info.level);
	/* pfn is only reported to CAP_SYS_ADMIN: compare with pagemap. */
	pm = smu_pagemap(self->e.mem + 2 * PAGE);
	if (geteuid() == 0 && (pm & SMU_PM_PFN_MASK)) {
		EXPECT_EQ(pm & SMU_PM_PFN_MASK, info.pfn);
	}

	/* The neighbour was never touched by the vCPU. */
	EXPECT_EQ(0, smu_spte_flags(self->e.vm, 0, GFN + 3));
	/* A write after a read upgrades to writable and dirty. */
	smu_t_rw(_metadata, self->e.vcpu, 0, SMU_GPA(GFN + 1), buf, 8, true);
	EXPECT_EQ(SECMMU_SPTE_PRESENT | SECMMU_SPTE_WRITABLE |
		  SECMMU_SPTE_ACCESSED | SECMMU_SPTE_DIRTY,
		  smu_spte_flags(self->e.vm, 0, GFN + 1) &
		  (SECMMU_SPTE_PRESENT | SECMMU_SPTE_WRITABLE |
		   SECMMU_SPTE_ACCESSED | SECMMU_SPTE_DIRTY));
}

TEST_F(acc, batch)
{
	enum { N = 100 };
	struct secmmu_access_op ops[N];
	struct secmmu_access_batch b;
	__u64 vals[N], rd[N];
	unsigned int i;

	for (i = 0; i < N; i++) {
		vals[i] = 0x1000000000ULL * i + 0x77;
		smu_op(&ops[i], 0, SMU_GPA(GFN + i % NPAGES) + 8 * (i / NPAGES),
		       &vals[i], 8, true);
	}
	ASSERT_EQ(0, smu_batch(self->e.vcpu, ops, N, &b));
	EXPECT_EQ(N, b.done);
	EXPECT_EQ(SECMMU_EXIT_NONE, b.exit_reason);
	for (i = 0; i < N; i++) {
		EXPECT_EQ(0, memcmp(self->e.mem + (i % NPAGES) * PAGE +
				    8 * (i / NPAGES), &vals[i], 8));
	}
	/* Read back in reverse order, through view 1 for odd ops. */
	ASSERT_EQ(0, smu_set_view(self->e.vm, 1, 0x7000, NPAGES, GFN));
	memset(rd, 0, sizeof(rd));
	for (i = 0; i < N; i++) {
		unsigned int j = N - 1 - i;

		smu_op(&ops[i], j & 1, SMU_GPA((j & 1 ? 0x7000 : GFN) +
					       j % NPAGES) + 8 * (j / NPAGES),
		       &rd[j], 8, false);
	}
	ASSERT_EQ(0, smu_batch(self->e.vcpu, ops, N, &b));
	EXPECT_EQ(N, b.done);
	EXPECT_EQ(0, memcmp(rd, vals, sizeof(vals)));
}

/*
 * A struct the kernel filled in (done, exit_reason, exit_gpa) can be issued
 * again as it is: the out fields are ignored on input.
 */
TEST_F(acc, batch_reissue)
{
	enum { N = 4 };
	struct secmmu_access_op ops[N];
	struct secmmu_access_batch b;
	__u64 v[N];
	unsigned int i;

	for (i = 0; i < N; i++) {
		v[i] = 0xabc0 + i;
		smu_op(&ops[i], 0, SMU_GPA(GFN + i), &v[i], 8, true);
	}
	ASSERT_EQ(0, smu_batch(self->e.vcpu, ops, N, &b));
	ASSERT_EQ(N, b.done);
	for (i = 0; i < N; i++)
		v[i] = 0xdef0 + i;
	ASSERT_EQ(0, smu_ioctl(self->e.vcpu, SECMMU_ACCESS_BATCH, &b));
	EXPECT_EQ(N, b.done);
	EXPECT_EQ(SECMMU_EXIT_NONE, b.exit_reason);
	for (i = 0; i < N; i++)
		EXPECT_EQ(0xdef0 + i, *(__u64 *)(self->e.mem + i * PAGE));

	/* Also after an exit: stale exit_reason and exit_gpa, done < nr. */
	smu_op(&ops[2], 0, SMU_GPA(0x7fff0), &v[2], 8, true);
	ASSERT_EQ(0, smu_batch(self->e.vcpu, ops, N, &b));
	ASSERT_EQ(2, b.done);
	ASSERT_EQ(SECMMU_EXIT_UNBACKED, b.exit_reason);
	smu_op(&ops[2], 0, SMU_GPA(GFN + 2), &v[2], 8, true);
	v[0] = 0x1234;
	ASSERT_EQ(0, smu_ioctl(self->e.vcpu, SECMMU_ACCESS_BATCH, &b));
	EXPECT_EQ(N, b.done);
	EXPECT_EQ(SECMMU_EXIT_NONE, b.exit_reason);
	EXPECT_EQ(0, b.exit_gpa);
	EXPECT_EQ(0x1234, *(__u64 *)self->e.mem) TH_LOG("the batch resumed at @done");
}

TEST_F(acc, batch_stops)
{
	struct secmmu_access_op ops[8];
	struct secmmu_access_batch b;
	char v[8] = "ABCDEFGH", *gone;
	unsigned int i;

	for (i = 0; i < 8; i++)
		smu_op(&ops[i], 0, SMU_GPA(GFN + i), &v[i], 1, true);
	/* Op 5 is unbacked: ops 0..4 done, 6 and 7 not. */
	ops[5].gpa = SMU_GPA(0x9999) + 5;
	ASSERT_EQ(0, smu_batch(self->e.vcpu, ops, 8, &b));
	EXPECT_EQ(5, b.done);
	EXPECT_EQ(SECMMU_EXIT_UNBACKED, b.exit_reason);
	EXPECT_EQ(SMU_GPA(0x9999) + 5, b.exit_gpa);
	for (i = 0; i < 8; i++) {
		EXPECT_EQ(i < 5 ? v[i] : 0, self->e.mem[i * PAGE])
			TH_LOG("op %u", i);
	}

	/* Read-only slot: exit READONLY at op 2. */
	memset(self->e.mem, 0, NPAGES * PAGE);
	ASSERT_EQ(0, smu_set_memslot(self->e.vm, 0, SECMMU_MEM_READONLY, GFN,
				     NPAGES, self->e.mem));
	smu_op(&ops[5], 0, SMU_GPA(GFN + 5), &v[5], 1, true);
	for (i = 0; i < 2; i++)
		ops[i].flags = 0;
	ASSERT_EQ(0, smu_batch(self->e.vcpu, ops, 8, &b));
	EXPECT_EQ(2, b.done);
	EXPECT_EQ(SECMMU_EXIT_READONLY, b.exit_reason);
	EXPECT_EQ(SMU_GPA(GFN + 2), b.exit_gpa);
	EXPECT_TRUE(smu_is_zero(self->e.mem, NPAGES * PAGE));
	ASSERT_EQ(0, smu_set_memslot(self->e.vm, 0, 0, GFN, NPAGES,
				     self->e.mem));

	/* An op with a bad buffer fails the batch after the ops before. */
	for (i = 0; i < 8; i++)
		smu_op(&ops[i], 0, SMU_GPA(GFN + i), &v[i], 1, true);
	gone = smu_mmap_anon(PAGE);
	ASSERT_NE(MAP_FAILED, gone);
	munmap(gone, PAGE);
	ops[3].buf = (__u64)(uintptr_t)gone;
	EXPECT_EQ(-EFAULT, smu_batch(self->e.vcpu, ops, 8, &b));
	for (i = 0; i < 8; i++) {
		EXPECT_EQ(i < 3 ? v[i] : 0, self->e.mem[i * PAGE])
			TH_LOG("op %u", i);
	}

	/* Bad batch parameters. */
	EXPECT_EQ(-EINVAL, smu_batch(self->e.vcpu, ops, 0, &b));
	EXPECT_EQ(-EINVAL, smu_batch(self->e.vcpu, ops, SECMMU_MAX_BATCH + 1,
				     &b));
	smu_op(&ops[0], 0, SMU_GPA(GFN), v, 0, false);
	EXPECT_EQ(-EINVAL, smu_batch(self->e.vcpu, ops, 1, &b));
	EXPECT_EQ(-EFAULT, smu_batch(self->e.vcpu, (void *)gone, 1, &b));
}

struct sig_ctx {
	pthread_t target;
	int stop;
};

static void sig_nop(int sig)
{
	(void)sig;
}

static void *sig_storm(void *arg)
{
	struct sig_ctx *c = arg;

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		pthread_kill(c->target, SIGUSR1);
		usleep(200);
	}
	return NULL;
}

/*
 * A pending signal stops an access with -EINTR; @done tells exactly how far
 * it got: bytes before it are written, bytes after it are not.
 */
TEST_F(acc, eintr_progress)
{
	const size_t len = SECMMU_MAX_ACCESS_LEN, n = len / PAGE;
	struct sigaction sa = { .sa_handler = sig_nop };
	struct sig_ctx c = { .target = pthread_self() };
	struct secmmu_access a;
	pthread_t th;
	char *m2, *buf;
	int ret = 0, tries, full = 0;

	m2 = smu_mmap_anon(len);
	ASSERT_NE(MAP_FAILED, m2);
	buf = malloc(len);
	ASSERT_NE(NULL, buf);
	smu_fill(buf, len, 12);
	ASSERT_EQ(0, smu_set_memslot(self->e.vm, 1, 0, 0x10000, n, m2));
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));	/* no SA_RESTART */
	ASSERT_EQ(0, pthread_create(&th, NULL, sig_storm, &c));
	for (tries = 0; tries < 200; tries++) {
		/* Every page must fault again: slow enough to be hit. */
		ASSERT_EQ(0, madvise(m2, len, MADV_DONTNEED));
		memset(&a, 0, sizeof(a));
		ret = smu_write(self->e.vcpu, 0, SMU_GPA(0x10000), buf, len,
				&a);
		if (ret == -EINTR)
			break;
		ASSERT_EQ(0, ret);
		ASSERT_EQ(SECMMU_EXIT_NONE, a.exit_reason);
		ASSERT_EQ(len, a.done);
		full++;
	}
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	if (ret != -EINTR)
		SKIP(return, "no access was interrupted in %d tries", tries);
	TH_LOG("interrupted after %llu bytes (%d full runs before)",
	       (unsigned long long)a.done, full);
	ASSERT_GT(len, a.done);
	EXPECT_EQ(-1, smu_check(m2, a.done, 12));
	EXPECT_TRUE(smu_is_zero(m2 + a.done, len - a.done));
	munmap(m2, len);
	free(buf);
}

#define D(x) (s1.val[SECMMU_STAT_##x] - s0.val[SECMMU_STAT_##x])

static bool disturbed(struct __test_metadata *_metadata,
		      const struct secmmu_stats *s0,
		      const struct secmmu_stats *s1)
{
	unsigned int i;

	if (s1->val[SECMMU_STAT_INVALIDATIONS] ==
	    s0->val[SECMMU_STAT_INVALIDATIONS])
		return false;
	for (i = SECMMU_STAT_INVAL_UNMAP; i <= SECMMU_STAT_INVAL_OTHER; i++)
		if (s1->val[i] != s0->val[i])
			TH_LOG("disturbed: %s +%llu", smu_stat_name(i),
			       (unsigned long long)(s1->val[i] - s0->val[i]));
	return true;
}

/*
 * Exact counter deltas for a quiet, single-threaded scenario.  Anything
 * else that invalidates part of this mm meanwhile (compaction, khugepaged)
 * shows up in SECMMU_STAT_INVALIDATIONS: such a run is disturbed and
 * repeated, never judged.  Returns false when disturbed.
 */
static bool stats_scenario(struct __test_metadata *_metadata,
			   struct smu_env *e, char *buf)
{
	struct secmmu_stats s0, s1;
	struct secmmu_access a;
	int vm = e->vm;

	/*
	 * A fresh memslot over freshly allocated, prefaulted memory (new
	 * folios: a zap in an earlier attempt dirtied the old ones).
	 */
	smu_del_memslot(vm, 0);		/* 0, or -ENOENT after a retry */
	munmap(e->mem, NPAGES * PAGE);
	e->mem = smu_mmap_anon(NPAGES * PAGE);
	ASSERT_NE(MAP_FAILED, e->mem);
	memset(e->mem, 0x5a, NPAGES * PAGE);
	ASSERT_EQ(0, smu_set_memslot(vm, 0, 0, GFN, NPAGES, e->mem));
	ASSERT_EQ(0, smu_get_stats(vm, &s0));
	EXPECT_EQ(0, s0.val[SECMMU_STAT_MAPPED]);

	smu_fill(buf, NPAGES * PAGE, 11);
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN), buf, NPAGES * PAGE,
		 true);
	ASSERT_EQ(0, smu_get_stats(vm, &s1));
	if (disturbed(_metadata, &s0, &s1))
		return false;
	EXPECT_EQ(NPAGES, D(FAULTS));
	EXPECT_EQ(0, D(FAULT_RETRIES));
	EXPECT_EQ(NPAGES, D(SPTES_INSTALLED));
	EXPECT_EQ(0, D(SPTES_ZAPPED));
	EXPECT_EQ(NPAGES, s1.val[SECMMU_STAT_MAPPED]);
	EXPECT_EQ(1, D(ACCESS_OPS));
	EXPECT_EQ(NPAGES * PAGE, D(ACCESS_BYTES));
	EXPECT_EQ(0, D(DIRTY_PROPAGATED));
	EXPECT_EQ(0, D(RELEASES));

	/* Reading it all again faults nothing in. */
	s0 = s1;
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN) + 1, buf,
		 NPAGES * PAGE - 2, false);
	ASSERT_EQ(0, smu_get_stats(vm, &s1));
	if (disturbed(_metadata, &s0, &s1))
		return false;
	EXPECT_EQ(0, D(FAULTS));
	EXPECT_EQ(0, D(SPTES_INSTALLED));
	EXPECT_EQ(NPAGES, s1.val[SECMMU_STAT_MAPPED]);
	EXPECT_EQ(1, D(ACCESS_OPS));
	EXPECT_EQ(NPAGES * PAGE - 2, D(ACCESS_BYTES));

	/* Exits and errors complete no op. */
	s0 = s1;
	ASSERT_EQ(0, smu_read(e->vcpu, 0, SMU_GPA(0x9000), buf, 8, &a));
	ASSERT_EQ(SECMMU_EXIT_UNBACKED, a.exit_reason);
	ASSERT_EQ(-EINVAL, smu_read(e->vcpu, 0, SMU_GPA(GFN), buf, 0, &a));
	ASSERT_EQ(0, smu_get_stats(vm, &s1));
	EXPECT_EQ(0, D(ACCESS_OPS));
	EXPECT_EQ(0, D(ACCESS_BYTES));
	EXPECT_EQ(0, D(FAULTS));

	/* Deleting the memslot zaps exactly the mapped SPTEs. */
	s0 = s1;
	ASSERT_EQ(0, smu_del_memslot(vm, 0));
	ASSERT_EQ(0, smu_get_stats(vm, &s1));
	if (disturbed(_metadata, &s0, &s1))
		return false;
	EXPECT_EQ(NPAGES, D(SPTES_ZAPPED));
	EXPECT_EQ(0, s1.val[SECMMU_STAT_MAPPED]);
	/* The written SPTEs were dirty, the anon folios were not. */
	EXPECT_EQ(NPAGES, D(DIRTY_PROPAGATED));
	return true;
}
#undef D

TEST_F(acc, stats_exact)
{
	char *buf = malloc(NPAGES * PAGE);
	int tries;

	ASSERT_NE(NULL, buf);
	for (tries = 0; tries < 5; tries++) {
		if (stats_scenario(_metadata, &self->e, buf))
			break;
		TH_LOG("attempt %d disturbed by an invalidation, again", tries);
	}
	EXPECT_GT(5, tries);
	free(buf);
}

/*
 * The copy goes directly between the guest page and the buffer, and falls
 * back to a bounce page for a piece whose buffer would fault: reads into,
 * and writes from, buffers whose pages are not populated yet, across the
 * boundary inside one piece (the direct copy stops half way: what it did
 * must be undone, or the bounced copy lands at the wrong offset).
 * SECMMU_STAT_ACCESS_BOUNCED counts the fallbacks, exactly.
 */
TEST_F(acc, direct_and_bounced)
{
	const size_t half = PAGE / 2;
	char *buf = smu_mmap_anon(4 * PAGE);
	__u64 b0;

	ASSERT_NE(MAP_FAILED, buf);
	smu_fill(self->e.mem, NPAGES * PAGE, 21);
	/* Populated buffer: direct both ways. */
	buf[0] = 1;
	b0 = smu_t_stat(_metadata, self->e.vm, SECMMU_STAT_ACCESS_BOUNCED);
	smu_t_rw(_metadata, self->e.vcpu, 0, SMU_GPA(GFN), buf, PAGE, false);
	EXPECT_EQ(-1, smu_check(buf, PAGE, 21));
	smu_fill(buf, PAGE, 22);
	smu_t_rw(_metadata, self->e.vcpu, 0, SMU_GPA(GFN + 1), buf, PAGE, true);
	EXPECT_EQ(-1, smu_check(self->e.mem + PAGE, PAGE, 22));
	EXPECT_EQ(b0, smu_t_stat(_metadata, self->e.vm, SECMMU_STAT_ACCESS_BOUNCED));

	/* A read into page 1 (populated) and page 2 (not): one fallback. */
	buf[PAGE] = 1;
	smu_t_rw(_metadata, self->e.vcpu, 0, SMU_GPA(GFN + 2), buf + PAGE + half,
		 PAGE, false);
	EXPECT_EQ(-1, smu_check_off(buf + PAGE + half, PAGE, 21, 2 * PAGE));
	EXPECT_EQ(b0 + 1, smu_t_stat(_metadata, self->e.vm, SECMMU_STAT_ACCESS_BOUNCED));

	/* A write from page 3 (not populated: reads as zero) after page 2. */
	smu_fill(buf + 2 * PAGE + half, half, 23);
	smu_t_rw(_metadata, self->e.vcpu, 0, SMU_GPA(GFN + 3), buf + 2 * PAGE + half,
		 PAGE, true);
	EXPECT_EQ(-1, smu_check(self->e.mem + 3 * PAGE, half, 23));
	EXPECT_TRUE(smu_is_zero(self->e.mem + 3 * PAGE + half, half));
	EXPECT_EQ(b0 + 2, smu_t_stat(_metadata, self->e.vm, SECMMU_STAT_ACCESS_BOUNCED));
	munmap(buf, 4 * PAGE);
}

TEST_HARNESS_MAIN
