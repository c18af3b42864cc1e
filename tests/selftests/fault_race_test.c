// SPDX-License-Identifier: GPL-2.0
/*
 * Faults run in parallel (src/fault.c: mmu_lock for read, installs by
 * cmpxchg).  Two vCPU threads, released together, fault the same fresh
 * pages in the same order through two views (alias degree 2: every rmap
 * head becomes a chain), one writing where the other reads, in every rmap
 * mode.  After each round:
 *   - every read saw the page's value and every access completed;
 *   - each leaf exists once: MAPPED and SPTES_INSTALLED grew by exactly
 *     pages x views (a leaf installed twice counts twice);
 *   - deleting the memslot leaves nothing mapped;
 * and at the end, with every vCPU's stock of spare table pages refilled,
 * the VM holds its roots, the upper tables the zaps keep and the spares,
 * nothing more (a table lost to a racing link would leak).
 * Races actually seen are counted (SECMMU_STAT_FAULT_INSTALL_RACES) and
 * logged, not asserted: how often two CPUs collide is timing.
 */
#include <pthread.h>
#include <time.h>

#include "secmmu_test.h"

#define NPAGES		1024		/* two leaf tables per view */
#define GFN		0x40000
#define VGFN1		0x80000		/* view 1 maps the slot here */
#define NVIEWS		2
#define MIN_ROUNDS	6
#define MAX_ROUNDS	40
#define RUN_NS		2000000000ULL
/*
 * Tables a memslot deletion keeps per view: the level-3 and level-2 ones
 * above the slot (only tables whose whole span is zapped are freed).
 */
#define KEPT_TABLES	2
#define SPARES		3		/* per vCPU, full after a fault */
#define SPARE_GFN	0x1000		/* slot 1: one page, for refill() */

FIXTURE(fr) {
	int vm;
	int vcpu[2];
	__u64 roots;		/* TABLES before any fault */
	__u64 *mem;
	pthread_barrier_t go;
	unsigned int round;
};

SMU_RMAP_MODE_VARIANTS(fr);

FIXTURE_SETUP(fr)
{
	int i;

	self->vm = -1;
	self->vcpu[0] = self->vcpu[1] = -1;
	smu_quiesce();
	self->vm = smu_t_open_vm(_metadata);
	ASSERT_EQ(0, smu_set_rmap_mode(self->vm, variant->mode));
	self->roots = smu_t_stat(_metadata, self->vm, SECMMU_STAT_TABLES);
	for (i = 0; i < 2; i++)
		self->vcpu[i] = smu_t_vcpu(_metadata, self->vm, i);
	self->mem = smu_mmap_anon(NPAGES * PAGE);
	ASSERT_NE(MAP_FAILED, self->mem);
	/* EINVAL: a kernel without THP, e.g. -rt. */
	if (madvise(self->mem, NPAGES * PAGE, MADV_NOHUGEPAGE))
		ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(0, pthread_barrier_init(&self->go, NULL, 2));
}

FIXTURE_TEARDOWN(fr)
{
	int i;

	for (i = 0; i < 2; i++)
		if (self->vcpu[i] >= 0)
			close(self->vcpu[i]);
	if (self->vm >= 0)
		close(self->vm);
	if (self->mem != MAP_FAILED)
		munmap(self->mem, NPAGES * PAGE);
	pthread_barrier_destroy(&self->go);
}

static __u64 value(unsigned int round, unsigned int i)
{
	return (__u64)round << 32 | i;
}

struct racer {
	FIXTURE_DATA(fr) *f;
	int id;
	unsigned long errors, mismatches;
	char first[160];
};

/* Page i, view v: one writes the page's value where the other reads it. */
static void *racer(void *arg)
{
	struct racer *r = arg;
	unsigned int round = r->f->round, i, v;

	pthread_barrier_wait(&r->f->go);
	for (i = 0; i < NPAGES; i++) {
		for (v = 0; v < NVIEWS; v++) {
			/* Own word of the page: the vCPUs race on leaves, not data. */
			__u64 gpa = ((v ? VGFN1 : GFN) + i) * PAGE + 8 * r->id;
			bool write = (i + v + r->id) & 1;
			__u64 want = value(round, i), got = want;
			struct secmmu_access a;
			int ret;

			ret = smu_access(r->f->vcpu[r->id], v, gpa, &got,
					 sizeof(got), write, &a);
			if (ret || a.exit_reason != SECMMU_EXIT_NONE) {
				if (!r->errors++)
					snprintf(r->first, sizeof(r->first),
						 "page %u view %u %s: ret %d exit %u",
						 i, v, write ? "write" : "read",
						 ret, a.exit_reason);
			} else if (got != want) {
				if (!r->mismatches++ && !r->errors)
					snprintf(r->first, sizeof(r->first),
						 "page %u view %u: read %llx want %llx",
						 i, v, got, want);
			}
		}
	}
	return NULL;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* vCPU @id faults slot 1's page (zapped first). */
static void refill(struct __test_metadata *_metadata, FIXTURE_DATA(fr) *self,
		   int id)
{
	__u64 faults = smu_t_stat(_metadata, self->vm, SECMMU_STAT_FAULTS), v;

	ASSERT_EQ(0, madvise(self->mem, PAGE, MADV_DONTNEED));
	smu_t_rw(_metadata, self->vcpu[id], 0, SPARE_GFN * PAGE, &v, sizeof(v),
		 false);
	ASSERT_EQ(faults + 1, smu_t_stat(_metadata, self->vm, SECMMU_STAT_FAULTS));
}

TEST_F_TIMEOUT(fr, same_pages_two_vcpus, 300)
{
	__u64 start = now_ns(), races = 0;
	unsigned int i, round;

	for (round = 1; round <= MAX_ROUNDS; round++) {
		struct racer r[2] = { { .f = self, .id = 0 }, { .f = self, .id = 1 } };
		__u64 mapped, installed0;
		pthread_t th[2];

		if (round > MIN_ROUNDS && now_ns() - start > RUN_NS)
			break;
		self->round = round;
		for (i = 0; i < NPAGES; i++) {
			self->mem[i * PAGE / 8] = value(round, i);
			self->mem[i * PAGE / 8 + 1] = value(round, i);
		}
		ASSERT_EQ(0, smu_set_memslot(self->vm, 0, 0, GFN, NPAGES, self->mem));
		ASSERT_EQ(0, smu_set_view(self->vm, 1, VGFN1, NPAGES, GFN));
		installed0 = smu_t_stat(_metadata, self->vm, SECMMU_STAT_SPTES_INSTALLED);

		for (i = 0; i < 2; i++)
			ASSERT_EQ(0, pthread_create(&th[i], NULL, racer, &r[i]));
		for (i = 0; i < 2; i++)
			pthread_join(th[i], NULL);
		for (i = 0; i < 2; i++) {
			EXPECT_EQ(0, r[i].errors + r[i].mismatches)
				TH_LOG("round %u vCPU %u: %lu errors, %lu mismatches, first: %s",
				       round, i, r[i].errors, r[i].mismatches, r[i].first);
		}

		mapped = smu_t_stat(_metadata, self->vm, SECMMU_STAT_MAPPED);
		EXPECT_EQ((__u64)NPAGES * NVIEWS, mapped) TH_LOG("round %u", round);
		EXPECT_EQ((__u64)NPAGES * NVIEWS,
			  smu_t_stat(_metadata, self->vm, SECMMU_STAT_SPTES_INSTALLED) -
			  installed0) TH_LOG("round %u", round);

		ASSERT_EQ(0, smu_del_view(self->vm, 1, VGFN1));
		ASSERT_EQ(0, smu_del_memslot(self->vm, 0));
		EXPECT_EQ(0, smu_t_stat(_metadata, self->vm, SECMMU_STAT_MAPPED))
			TH_LOG("round %u", round);
		if (_metadata->exit_code != KSFT_PASS)
			break;
	}
	races = smu_t_stat(_metadata, self->vm, SECMMU_STAT_FAULT_INSTALL_RACES);
	TH_LOG("%u rounds, %llu install races, %llu slow faults", round - 1, races,
	       smu_t_stat(_metadata, self->vm, SECMMU_STAT_FAULT_SLOW));

	/*
	 * Refill both vCPUs' spares: a fault tops them up before it links
	 * anything, and a fault into tables that exist links nothing.  Slot
	 * 1's page links a level-2 and a leaf table in view 0 on its first
	 * fault; MADV_DONTNEED zaps the leaf but keeps the tables.
	 */
	ASSERT_EQ(0, smu_set_memslot(self->vm, 1, 0, SPARE_GFN, 1, self->mem));
	refill(_metadata, self, 0);
	refill(_metadata, self, 0);
	refill(_metadata, self, 1);
	EXPECT_EQ(self->roots + NVIEWS * KEPT_TABLES + 2 + 2 * SPARES,
		  smu_t_stat(_metadata, self->vm, SECMMU_STAT_TABLES));
}

TEST_HARNESS_MAIN
