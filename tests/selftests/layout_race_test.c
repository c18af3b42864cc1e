// SPDX-License-Identifier: GPL-2.0
/*
 * A layout change racing munmap of its backing (issue 23, item 2): here a
 * view range removal, whose stale leaves a vCPU could still reach.  (A
 * memslot delete leaves none a vCPU reaches: an access looks the gfn up
 * in the new layout first; its race - a resumed zap dirtying freed folios,
 * emptied rmap heads - is KUnit's yield_slot_delete_munmap, which stops
 * the zap at a yield.  Here it never ran inside the zap on 6.1, in 24
 * rounds, and a case that cannot reach its window tests nothing.)
 *
 * A memslot delete or a view range removal publishes the new layout, then
 * zaps the old mappings, letting mmu_lock and the CPU go now and then.  An
 * munmap() of the backing that runs in such a break must still zap every
 * leaf of the old mapping before it returns, or vCPUs keep reaching pages
 * the kernel has freed.  So: once munmap() has returned, every vCPU access
 * to the old mapping must fail.
 *
 * The zap lets mmu_lock go at every leaf here (fault injection,
 * inject_zap_yield=1, set for the test: whether it yields on its own
 * depends on the scheduler, and on 6.1 it never did in 8 rounds), and the
 * unmapping thread runs on the other CPU: when it sees the zap under way
 * (SPTES_ZAPPED moved) and the first of the last CHECKED leaves not zapped
 * yet (GET_SPTE), it munmaps those CHECKED pages, and its invalidation
 * takes mmu_lock in one of the zap's breaks; then it accesses them, long
 * before the zap (which goes up in gfns, a break at every leaf) gets
 * there.  A round where it got there counts as a hit; the test needs one.
 */
#include <pthread.h>
#include <sched.h>

#include "secmmu_test.h"

#define NPAGES		16384		/* 64 MiB */
#define GFN		0x100000
#define VIEW		1
#define VIEW_GFN	0x4000000	/* 512-aligned: the zap frees tables */
#define CHECKED		64		/* last pages accessed after munmap */
#define ROUNDS		24
#define HITS		2
#define BATCH		4096

struct round {
	int vm, vcpu;
	char *mem;
	__u32 probe_view;	/* the view whose last leaf tells the zap's progress */
	__u64 probe_gfn;
	__u64 zapped0;
	volatile int in_change;
	volatile int go;
	/* out */
	int unmapped;		/* munmap() returned 0 */
	int hit;		/* it ran inside the change's zap */
	int reached;		/* vCPU accesses that reached memory after it */
	int errors;		/* ioctls that failed unexpectedly */
};

#define ZAP_YIELD	"/sys/module/secmmu/parameters/inject_zap_yield"

static void pin_cpu(int cpu)
{
	cpu_set_t cpus;

	CPU_ZERO(&cpus);
	CPU_SET(cpu, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
}

/* The unmapper's CPU: the other one where there are two. */
static int other_cpu(void)
{
	return sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 1 : 0;
}

static void fault_view(struct __test_metadata *_metadata, int vcpu, __u32 view,
		       __u64 base)
{
	static struct secmmu_access_op ops[BATCH];
	struct secmmu_access_batch b;
	__u64 i, j;
	char byte;

	for (i = 0; i < NPAGES; i += BATCH) {
		for (j = 0; j < BATCH; j++)
			smu_op(&ops[j], view, SMU_GPA(base + i + j), &byte, 1, false);
		ASSERT_EQ(0, smu_batch(vcpu, ops, BATCH, &b));
		ASSERT_EQ(BATCH, b.done);
	}
}

/* Accesses to the last CHECKED pages of @view's mapping: how many worked. */
static int reach(struct round *r, __u32 view, __u64 base)
{
	struct secmmu_access a;
	int i, n = 0, ret;
	char byte;

	for (i = NPAGES - CHECKED; i < NPAGES; i++) {
		ret = smu_read(r->vcpu, view, SMU_GPA(base + i), &byte, 1, &a);
		if (ret && ret != -EFAULT)
			r->errors++;
		else if (!ret && a.exit_reason == SECMMU_EXIT_NONE && a.done)
			n++;
	}
	return n;
}

static void *unmapper(void *arg)
{
	struct round *r = arg;
	__u64 flags;

	pin_cpu(other_cpu());
	while (!r->go)
		;
	while (r->in_change && smu_stat(r->vm, SECMMU_STAT_SPTES_ZAPPED) == r->zapped0)
		;
	if (!r->in_change)
		return NULL;		/* the change ran in one go */
	flags = smu_spte_flags(r->vm, r->probe_view, r->probe_gfn);
	r->hit = flags != ~0ULL && (flags & SECMMU_SPTE_PRESENT);
	r->unmapped = !munmap(r->mem + (NPAGES - CHECKED) * PAGE, CHECKED * PAGE);
	if (r->unmapped)
		r->reached = reach(r, 0, GFN) + reach(r, VIEW, VIEW_GFN);
	return NULL;
}

/*
 * One round: slot 0 over fresh memory, aliased by VIEW, every page mapped
 * in both; then remove the view range, with
 * the unmapper waiting for a break in its zap.
 */
static void one_round(struct __test_metadata *_metadata, struct round *r)
{
	pthread_t t;
	int ret;

	memset(r, 0, sizeof(*r));
	r->vm = smu_t_open_vm(_metadata);
	r->vcpu = smu_t_vcpu(_metadata, r->vm, 0);
	r->mem = smu_mmap_anon(NPAGES * PAGE);
	ASSERT_NE(MAP_FAILED, r->mem);
	madvise(r->mem, NPAGES * PAGE, MADV_NOHUGEPAGE);
	memset(r->mem, 0x5a, NPAGES * PAGE);
	ASSERT_EQ(0, smu_set_memslot(r->vm, 0, 0, GFN, NPAGES, r->mem));
	ASSERT_EQ(0, smu_set_view(r->vm, VIEW, VIEW_GFN, NPAGES, GFN));
	fault_view(_metadata, r->vcpu, 0, GFN);
	fault_view(_metadata, r->vcpu, VIEW, VIEW_GFN);
	ASSERT_EQ(2 * NPAGES, smu_t_stat(_metadata, r->vm, SECMMU_STAT_MAPPED));

	/* The zap goes up in gfns: the last CHECKED leaves go last. */
	r->probe_view = VIEW;
	r->probe_gfn = VIEW_GFN + NPAGES - CHECKED;
	r->zapped0 = smu_t_stat(_metadata, r->vm, SECMMU_STAT_SPTES_ZAPPED);
	r->in_change = 1;
	ASSERT_EQ(0, pthread_create(&t, NULL, unmapper, r));
	r->go = 1;
	ret = smu_del_view(r->vm, VIEW, VIEW_GFN);
	r->in_change = 0;
	pthread_join(t, NULL);

	EXPECT_EQ(0, ret);
	EXPECT_EQ(0, r->errors);
	EXPECT_EQ(0, r->reached)
		TH_LOG("%s: %d vCPU accesses reached memory after munmap returned",
		       "view removal", r->reached);
	munmap(r->mem, (r->unmapped ? NPAGES - CHECKED : NPAGES) * PAGE);
	EXPECT_EQ(0, smu_count_present(r->vm, r->probe_view, r->probe_gfn, CHECKED));
	close(r->vcpu);
	close(r->vm);
}

static void race(struct __test_metadata *_metadata)
{
	struct round r;
	int i, hits = 0;
	long long yield0;
	char buf[24];

	yield0 = smu_read_ll(ZAP_YIELD);
	ASSERT_LE(0, yield0) TH_LOG("no %s", ZAP_YIELD);
	ASSERT_EQ(0, smu_write_file(ZAP_YIELD, "1"));
	smu_quiesce();
	pin_cpu(0);
	for (i = 0; i < ROUNDS && hits < HITS && !_metadata->exit_code; i++) {
		one_round(_metadata, &r);
		hits += r.hit;
	}
	snprintf(buf, sizeof(buf), "%lld", yield0);
	EXPECT_EQ(0, smu_write_file(ZAP_YIELD, buf));
	TH_LOG("%d rounds, %d with munmap inside the zap", i, hits);
	EXPECT_LT(0, hits) TH_LOG("munmap never ran inside the zap");
}

FIXTURE(lr) {
	int unused;
};

FIXTURE_SETUP(lr)
{
	self->unused = 0;
}

FIXTURE_TEARDOWN(lr)
{
}

TEST_F_TIMEOUT(lr, view_remove_vs_munmap, 600)
{
	race(_metadata);
}

TEST_HARNESS_MAIN
