// SPDX-License-Identifier: GPL-2.0
/*
 * Long zaps yield: an invalidation or a memslot delete that zaps hundreds
 * of thousands of leaves (here every page of a slot mapped by 57 aliases)
 * lets mmu_lock go and reschedules when another task wants the CPU, so it
 * neither stalls that CPU (soft lockups, RCU stalls) nor starves vCPUs.
 * The zapping thread shares its CPU with a busy thread; SECMMU_STAT_
 * ZAP_YIELDS must grow, and every leaf must still be zapped exactly once.
 * A protection change that keeps the leaves (PROT_POLICY) walks them all
 * too, and must yield the same way.
 */
#include <pthread.h>
#include <sched.h>
#include <sys/utsname.h>

#include "secmmu_test.h"

#define NPAGES		4096		/* 16 MiB */
#define GFN		0x100000
#define NVIEW_RANGES	8		/* per alias view */
#define ALIASES		(1 + (SECMMU_MAX_VIEWS - 1) * NVIEW_RANGES)
#define BATCH		4096
#define NUMA_BALANCING	"/proc/sys/kernel/numa_balancing"

static volatile int stop;

static void *spin(void *arg)
{
	cpu_set_t cpus;

	(void)arg;
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
	while (!stop)
		;
	return NULL;
}

/* Map every page of the slot through every alias (one byte read each). */
static void fault_all(struct __test_metadata *_metadata, int vm, int vcpu)
{
	static struct secmmu_access_op ops[BATCH];
	struct secmmu_access_batch b;
	__u32 v, r, i;
	char byte;

	for (v = 0; v < SECMMU_MAX_VIEWS; v++) {
		for (r = 0; r < (v ? NVIEW_RANGES : 1); r++) {
			__u64 base = v ? 0x10000000ULL * v + 0x100000ULL * r : GFN;

			for (i = 0; i < NPAGES; i++)
				smu_op(&ops[i], v, SMU_GPA(base + i), &byte, 1, false);
			ASSERT_EQ(0, smu_batch(vcpu, ops, NPAGES, &b));
			ASSERT_EQ(NPAGES, b.done);
		}
	}
	EXPECT_EQ((__u64)ALIASES * NPAGES,
		  smu_t_stat(_metadata, vm, SECMMU_STAT_MAPPED))
		TH_LOG("something else invalidated the slot meanwhile");
}

/* @mode: an rmap mode, or -1 for the default. */
static void setup(struct __test_metadata *_metadata, int *vm, int *vcpu,
		  char **mem, int mode)
{
	__u32 v, r;

	*vm = smu_t_open_vm(_metadata);
	if (mode >= 0)
		ASSERT_EQ(0, smu_set_rmap_mode(*vm, mode));
	*vcpu = smu_t_vcpu(_metadata, *vm, 0);
	*mem = smu_mmap_anon(NPAGES * PAGE);
	ASSERT_NE(MAP_FAILED, *mem);
	/* No khugepaged collapse invalidating the slot under the test. */
	madvise(*mem, NPAGES * PAGE, MADV_NOHUGEPAGE);
	memset(*mem, 1, NPAGES * PAGE);
	ASSERT_EQ(0, smu_set_memslot(*vm, 0, 0, GFN, NPAGES, *mem));
	for (v = 1; v < SECMMU_MAX_VIEWS; v++)
		for (r = 0; r < NVIEW_RANGES; r++)
			ASSERT_EQ(0, smu_set_view(*vm, v, 0x10000000ULL * v +
						  0x100000ULL * r, NPAGES, GFN));
	fault_all(_metadata, *vm, *vcpu);
}

static bool preempt_rt(void)
{
	struct utsname u;

	return !uname(&u) && strstr(u.version, "PREEMPT_RT");
}

/* The walk that took the yields since @y0 let the CPU or mmu_lock go. */
static void check_yielded(struct __test_metadata *_metadata, int vm, __u64 y0,
			  const char *what)
{
	__u64 y = smu_t_stat(_metadata, vm, SECMMU_STAT_ZAP_YIELDS) - y0;

	TH_LOG("%s: %llu yields", what, (unsigned long long)y);
	/* On PREEMPT_RT the walk lets mmu_lock go every 4096 leaves. */
	if (preempt_rt()) {
		EXPECT_LE((__u64)ALIASES * NPAGES / 4096 / 2, y)
			TH_LOG("%s held mmu_lock throughout (PREEMPT_RT)", what);
	} else {
		EXPECT_LT(0, y) TH_LOG("%s never let the CPU or mmu_lock go", what);
	}
}

static void check_yields(struct __test_metadata *_metadata, int vm,
			 __u64 y0, __u64 z0, const char *what)
{
	__u64 z = smu_t_stat(_metadata, vm, SECMMU_STAT_SPTES_ZAPPED) - z0;

	TH_LOG("%s: %llu leaves zapped", what, (unsigned long long)z);
	EXPECT_EQ((__u64)ALIASES * NPAGES, z) TH_LOG("%s", what);
	EXPECT_EQ(0, smu_t_stat(_metadata, vm, SECMMU_STAT_MAPPED));
	check_yielded(_metadata, vm, y0, what);
}

/* munmap() the whole slot's memory: every leaf zapped, yielding. */
static void munmap_yields(struct __test_metadata *_metadata, int vm, char *mem,
			  const char *what)
{
	__u64 y0 = smu_t_stat(_metadata, vm, SECMMU_STAT_ZAP_YIELDS);
	__u64 z0 = smu_t_stat(_metadata, vm, SECMMU_STAT_SPTES_ZAPPED);

	ASSERT_EQ(0, munmap(mem, NPAGES * PAGE));
	check_yields(_metadata, vm, y0, z0, what);
}

/*
 * Run on CPU 0, beside spin(), with NUMA hinting off: it would zap leaves
 * behind the counts.  Returns what numa_hint_restore() puts back.
 */
static long pin_no_numa_hint(struct __test_metadata *_metadata)
{
	cpu_set_t cpus;
	long nb;

	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(cpus), &cpus));
	nb = smu_read_ll(NUMA_BALANCING);
	if (nb > 0)
		smu_write_file(NUMA_BALANCING, "0");
	return nb;
}

static void numa_hint_restore(long nb)
{
	if (nb > 0)
		smu_write_file(NUMA_BALANCING, "1");
}

FIXTURE(zy) {
	int unused;
};

FIXTURE_SETUP(zy)
{
	self->unused = 0;
}

FIXTURE_TEARDOWN(zy)
{
}

TEST_F_TIMEOUT(zy, munmap_and_delete, 900)
{
	__u64 y0, z0;
	long nb;
	pthread_t t;
	int vm, vcpu;
	char *mem;

	nb = pin_no_numa_hint(_metadata);
	setup(_metadata, &vm, &vcpu, &mem, -1);

	stop = 0;
	ASSERT_EQ(0, pthread_create(&t, NULL, spin, NULL));
	munmap_yields(_metadata, vm, mem, "munmap");

	/* The same through a memslot delete (tables freed too). */
	mem = smu_mmap_anon(NPAGES * PAGE);
	ASSERT_NE(MAP_FAILED, mem);
	madvise(mem, NPAGES * PAGE, MADV_NOHUGEPAGE);
	memset(mem, 2, NPAGES * PAGE);
	ASSERT_EQ(0, smu_del_memslot(vm, 0));
	ASSERT_EQ(0, smu_set_memslot(vm, 0, 0, GFN, NPAGES, mem));
	fault_all(_metadata, vm, vcpu);
	y0 = smu_t_stat(_metadata, vm, SECMMU_STAT_ZAP_YIELDS);
	z0 = smu_t_stat(_metadata, vm, SECMMU_STAT_SPTES_ZAPPED);
	ASSERT_EQ(0, smu_del_memslot(vm, 0));
	check_yields(_metadata, vm, y0, z0, "memslot delete");
	/* Every chain freed: only the vCPU's spare descriptor is left. */
	EXPECT_GE(1, smu_t_stat(_metadata, vm, SECMMU_STAT_RMAP_DESCS));

	stop = 1;
	pthread_join(t, NULL);
	numa_hint_restore(nb);
	munmap(mem, NPAGES * PAGE);
	close(vcpu);
	close(vm);
}

/*
 * The same munmap in TABLE_WALK mode: no rmap heads to empty, so the zap
 * is one walk over the slot that yields as it goes (mmu.c:
 * secmmu_zap_gfn_range()), where the rmap modes yield between chunks.
 */
TEST_F_TIMEOUT(zy, munmap_table_walk, 900)
{
	long nb;
	pthread_t t;
	int vm, vcpu;
	char *mem;

	nb = pin_no_numa_hint(_metadata);
	setup(_metadata, &vm, &vcpu, &mem, SECMMU_RMAP_TABLE_WALK);
	stop = 0;
	ASSERT_EQ(0, pthread_create(&t, NULL, spin, NULL));
	munmap_yields(_metadata, vm, mem, "munmap, table walk");
	stop = 1;
	pthread_join(t, NULL);
	numa_hint_restore(nb);
	close(vcpu);
	close(vm);
}

/*
 * The same for a protection change that keeps the leaves
 * (SECMMU_PROT_KEEP_NUMA_HINT): marking each kept leaf walks them all
 * under mmu_lock like a zap, and yields like one.  Every leaf is still
 * marked once: each one's next access is a fault avoided.
 */
TEST_F_TIMEOUT(zy, protection_keep, 900)
{
	__u64 y0, z0, k0, f0, a0;
	long nb;
	pthread_t t;
	int vm, vcpu;
	char *mem;

	nb = pin_no_numa_hint(_metadata);
	setup(_metadata, &vm, &vcpu, &mem, -1);
	ASSERT_EQ(0, smu_enable_cap(vm, SECMMU_CAP_PROT_POLICY,
				    SECMMU_PROT_KEEP_NUMA_HINT));

	stop = 0;
	ASSERT_EQ(0, pthread_create(&t, NULL, spin, NULL));
	y0 = smu_t_stat(_metadata, vm, SECMMU_STAT_ZAP_YIELDS);
	z0 = smu_t_stat(_metadata, vm, SECMMU_STAT_SPTES_ZAPPED);
	k0 = smu_t_stat(_metadata, vm, SECMMU_STAT_PROT_KEPT);
	ASSERT_EQ(0, mprotect(mem, NPAGES * PAGE, PROT_READ | PROT_WRITE | PROT_EXEC));
	EXPECT_LT(k0, smu_t_stat(_metadata, vm, SECMMU_STAT_PROT_KEPT));
	EXPECT_EQ(z0, smu_t_stat(_metadata, vm, SECMMU_STAT_SPTES_ZAPPED));
	EXPECT_EQ((__u64)ALIASES * NPAGES, smu_t_stat(_metadata, vm, SECMMU_STAT_MAPPED));
	check_yielded(_metadata, vm, y0, "keeping a protection change");
	stop = 1;
	pthread_join(t, NULL);

	f0 = smu_t_stat(_metadata, vm, SECMMU_STAT_FAULTS);
	a0 = smu_t_stat(_metadata, vm, SECMMU_STAT_PROT_FAULTS_AVOIDED);
	fault_all(_metadata, vm, vcpu);
	EXPECT_EQ(f0, smu_t_stat(_metadata, vm, SECMMU_STAT_FAULTS));
	EXPECT_EQ(a0 + (__u64)ALIASES * NPAGES,
		  smu_t_stat(_metadata, vm, SECMMU_STAT_PROT_FAULTS_AVOIDED));

	numa_hint_restore(nb);
	close(vcpu);
	close(vm);
	munmap(mem, NPAGES * PAGE);
}

TEST_HARNESS_MAIN
