// SPDX-License-Identifier: GPL-2.0
/*
 * Aging races zaps.  A thread keeps clearing A bits (SECMMU_AGE CLEAR, no
 * lock in every mode but LOCKED), vCPU 1 keeps reading a few pages
 * (setting A again, re-faulting what was zapped) and the process keeps
 * writing and MADV_DONTNEED-ing them.  Aging changes a leaf only with
 * cmpxchg against the value it read (src/aging.c), so a zap's xchg in
 * between wins; a plain store would bring the zapped leaf back, mapping a
 * page the process no longer has, behind the rmap's and MAPPED's back (the
 * next zap then finds a leaf no rmap lists: a WARN, and MAPPED drifts).
 * Every 256 rounds, with vCPU 1 paused: the leaves present are exactly
 * MAPPED, and vCPU 0 reads what the process reads.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "secmmu_test.h"

#define NPAGES		4		/* few: every zap meets the ager */
#define GFN		0x2000
#define MIN_ROUNDS	2000
#define RUN_NS		2000000000ULL	/* at least, */
#define MAX_RUN_NS	10000000000ULL	/* and at most (debug kernels) */

FIXTURE(ar) {
	struct smu_env e;
	pthread_t ager, reader;
	int vcpu1;
	atomic_bool stop;
	atomic_bool pause;		/* vCPU 1: stop reading ... */
	atomic_bool paused;		/* ... and say so */
	atomic_ulong sweeps, reads;
	int ager_err, reader_err;
};

SMU_RMAP_MODE_VARIANTS(ar);

FIXTURE_SETUP(ar)
{
	struct smu_env *e = &self->e;

	smu_env_setup(_metadata, e, 0, GFN);
	ASSERT_EQ(0, smu_set_rmap_mode(e->vm, variant->mode));
	e->npages = NPAGES;
	e->mem = smu_mmap_anon(NPAGES * PAGE);
	ASSERT_NE(MAP_FAILED, e->mem);
	/* EINVAL: a kernel without THP, e.g. -rt. */
	if (madvise(e->mem, NPAGES * PAGE, MADV_NOHUGEPAGE))
		ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(0, smu_set_memslot(e->vm, 0, 0, GFN, NPAGES, e->mem));
	self->vcpu1 = smu_t_vcpu(_metadata, e->vm, 1);
}

FIXTURE_TEARDOWN(ar)
{
	if (self->vcpu1 > 0)
		close(self->vcpu1);
	smu_env_teardown(&self->e);
}

/* vCPU 1: one byte of every page, in a batch, over and over. */
static void *reader(void *arg)
{
	FIXTURE_DATA(ar) *self = arg;
	struct secmmu_access_op ops[NPAGES];
	char buf[NPAGES];
	unsigned int i;

	for (i = 0; i < NPAGES; i++)
		smu_op(&ops[i], 0, SMU_GPA(GFN + i), &buf[i], 1, false);
	while (!atomic_load(&self->stop)) {
		struct secmmu_access_batch b;
		int ret;

		if (atomic_load(&self->pause)) {
			atomic_store(&self->paused, true);
			usleep(100);
			continue;
		}
		atomic_store(&self->paused, false);
		ret = smu_batch(self->vcpu1, ops, NPAGES, &b);
		if (ret || b.exit_reason != SECMMU_EXIT_NONE) {
			self->reader_err = ret ? ret : -(int)b.exit_reason;
			break;
		}
		atomic_fetch_add(&self->reads, 1);
	}
	atomic_store(&self->paused, true);
	return NULL;
}

static void pause_reader(FIXTURE_DATA(ar) *self)
{
	atomic_store(&self->pause, true);
	while (!atomic_load(&self->paused))
		;
}

static void *ager(void *arg)
{
	FIXTURE_DATA(ar) *self = arg;

	while (!atomic_load(&self->stop)) {
		int ret = smu_age(self->e.vm, SECMMU_AGE_CLEAR, GFN, NPAGES,
				  NULL, NULL, NULL);

		if (ret) {
			self->ager_err = ret;
			break;
		}
		atomic_fetch_add(&self->sweeps, 1);
	}
	return NULL;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Problems seen with vCPU 1 paused: leaves != MAPPED, stale reads. */
static unsigned int check(struct __test_metadata *_metadata,
			  FIXTURE_DATA(ar) *self)
{
	struct smu_env *e = &self->e;
	unsigned int i, bad = 0;
	long present;
	char c;

	pause_reader(self);
	present = smu_count_present(e->vm, 0, GFN, NPAGES);
	bad += present != (long)smu_t_stat(_metadata, e->vm, SECMMU_STAT_MAPPED);
	for (i = 0; i < NPAGES; i++) {
		smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN + i), &c, 1, false);
		bad += c != e->mem[i * PAGE];
	}
	if (bad)
		TH_LOG("%ld leaves present, MAPPED %llu", present,
		       smu_t_stat(_metadata, e->vm, SECMMU_STAT_MAPPED));
	atomic_store(&self->paused, false);
	atomic_store(&self->pause, false);
	return bad;
}

TEST_F_TIMEOUT(ar, zap_during_aging, 120)
{
	struct smu_env *e = &self->e;
	__u64 start = now_ns();
	unsigned int round, i, bad = 0;

	ASSERT_EQ(0, pthread_create(&self->ager, NULL, ager, self));
	ASSERT_EQ(0, pthread_create(&self->reader, NULL, reader, self));
	for (round = 1; (round < MIN_ROUNDS || now_ns() - start < RUN_NS) &&
	     now_ns() - start < MAX_RUN_NS; round++) {
		for (i = 0; i < NPAGES; i++)
			e->mem[i * PAGE] = (char)round | 1;
		ASSERT_EQ(0, madvise(e->mem, NPAGES * PAGE, MADV_DONTNEED));
		if (!(round % 256))
			bad += check(_metadata, self);
		if (bad || self->reader_err || self->ager_err)
			break;
	}
	bad += check(_metadata, self);
	atomic_store(&self->stop, true);
	pthread_join(self->reader, NULL);
	pthread_join(self->ager, NULL);
	TH_LOG("%u rounds, %lu sweeps, %lu vCPU 1 passes", round,
	       atomic_load(&self->sweeps), atomic_load(&self->reads));
	EXPECT_EQ(0, self->ager_err);
	EXPECT_EQ(0, self->reader_err);
	EXPECT_EQ(0, bad) TH_LOG("round %u", round);
	ASSERT_EQ(0, madvise(e->mem, NPAGES * PAGE, MADV_DONTNEED));
	EXPECT_EQ(0, smu_count_present(e->vm, 0, GFN, NPAGES));
	EXPECT_EQ(0, smu_t_stat(_metadata, e->vm, SECMMU_STAT_MAPPED));
}

TEST_HARNESS_MAIN
