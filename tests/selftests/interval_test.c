// SPDX-License-Identifier: GPL-2.0
/*
 * The interval coherence styles (SECMMU_CAP_COHERENCE), what only they
 * promise:
 *   - the cap: every bad value its own errno, nothing changed by it;
 *     fixed by the first memslot; styles the kernel lacks refused with
 *     -EOPNOTSUPP and absent from SECMMU_CAP_COHERENCE_STYLES;
 *   - an invalidation reaches exactly the memslots whose host range it
 *     overlaps (SECMMU_STAT_INVALIDATIONS counts one per memslot reached),
 *     and zaps exactly the pages it covers; the notifier style, for
 *     contrast, hears every invalidation of the mm;
 *   - deleting a memslot removes its interval notifier: its old range is
 *     no longer heard, and a new memslot there is.
 * The coherence, access, huge and dirty selftests run in every style too.
 */
#include <sys/utsname.h>

#include "secmmu_test.h"

#define NPAGES	8
#define GFN_A	0x100
#define GFN_B	0x200

static int enable_raw(int vm, __u32 cap, __u64 arg0, __u64 arg1)
{
	struct secmmu_enable_cap ec = {
		.cap = cap,
		.args = { arg0, arg1 },
	};

	return smu_ioctl(vm, SECMMU_ENABLE_CAP, &ec);
}

/*
 * Debian's kernels (release "...-amd64"), the KASAN debug kernel
 * ("-secmmu-debug") and the mainline one ("-secmmu-ml") have
 * CONFIG_HMM_MIRROR (scripts/debug-kernel-{kasan,ml}.config), so the
 * interval style must be there; the other allnoconfig debug kernels
 * (KCSAN, PREEMPT_RT) lack it, and then it must be refused as the UAPI
 * says.
 */
static bool interval_expected(void)
{
	static const char * const with_hmm[] = {
		"-amd64", "-secmmu-debug", "-secmmu-ml",
	};
	struct utsname u;
	unsigned int i;

	if (uname(&u))
		return false;
	for (i = 0; i < ARRAY_SIZE(with_hmm); i++)
		if (strstr(u.release, with_hmm[i]))
			return true;
	return false;
}

static bool has_interval(void)
{
	int styles, vm = smu_open_vm();

	if (vm < 0)
		return false;
	styles = smu_check_cap(vm, SECMMU_CAP_COHERENCE_STYLES);
	close(vm);
	return styles > 0 && (styles & 1 << SECMMU_COHERENCE_INTERVAL);
}

TEST(cap_values)
{
	int styles, vm = smu_t_open_vm(_metadata);
	char *mem;

	styles = smu_check_cap(vm, SECMMU_CAP_COHERENCE_STYLES);
	ASSERT_LT(0, styles);
	ASSERT_TRUE(styles & 1 << SECMMU_COHERENCE_NOTIFIER);
	EXPECT_EQ(SECMMU_COHERENCE_NOTIFIER, smu_check_cap(vm, SECMMU_CAP_COHERENCE));
	if (!(styles & 1 << SECMMU_COHERENCE_INTERVAL)) {
		ASSERT_FALSE(interval_expected());
		EXPECT_EQ(-EOPNOTSUPP, smu_enable_cap(vm, SECMMU_CAP_COHERENCE,
						      SECMMU_COHERENCE_INTERVAL));
		EXPECT_EQ(-EOPNOTSUPP, smu_enable_cap(vm, SECMMU_CAP_COHERENCE,
						      SECMMU_COHERENCE_INTERVAL |
						      SECMMU_COHERENCE_AGING));
		EXPECT_EQ(SECMMU_COHERENCE_NOTIFIER,
			  smu_check_cap(vm, SECMMU_CAP_COHERENCE));
		close(vm);
		SKIP(return, "no interval notifier style (CONFIG_HMM_MIRROR off)");
	}

	ASSERT_EQ(0, smu_enable_cap(vm, SECMMU_CAP_COHERENCE,
				    SECMMU_COHERENCE_INTERVAL | SECMMU_COHERENCE_AGING));
	EXPECT_EQ(SECMMU_COHERENCE_INTERVAL | SECMMU_COHERENCE_AGING,
		  smu_check_cap(vm, SECMMU_CAP_COHERENCE));

	/* Each bad value: its errno, and the value set before stays. */
	EXPECT_EQ(-EINVAL, smu_enable_cap(vm, SECMMU_CAP_COHERENCE,
					  SECMMU_COHERENCE_NR_STYLES));
	EXPECT_EQ(-EINVAL, smu_enable_cap(vm, SECMMU_CAP_COHERENCE,
					  SECMMU_COHERENCE_INTERVAL | 1 << 9));
	EXPECT_EQ(-EINVAL, smu_enable_cap(vm, SECMMU_CAP_COHERENCE,
					  1ULL << 32 | SECMMU_COHERENCE_INTERVAL));
	EXPECT_EQ(-EINVAL, smu_enable_cap(vm, SECMMU_CAP_COHERENCE,
					  SECMMU_COHERENCE_NOTIFIER | SECMMU_COHERENCE_AGING));
	EXPECT_EQ(-EINVAL, enable_raw(vm, SECMMU_CAP_COHERENCE,
				      SECMMU_COHERENCE_INTERVAL, 1));
	if (styles & 1 << SECMMU_COHERENCE_INTERVAL_TWO_PASS) {
		TH_LOG("this kernel has the two-pass interval notifier");
	} else {
		EXPECT_EQ(-EOPNOTSUPP, smu_enable_cap(vm, SECMMU_CAP_COHERENCE,
						      SECMMU_COHERENCE_INTERVAL_TWO_PASS));
		EXPECT_EQ(-EOPNOTSUPP, smu_enable_cap(vm, SECMMU_CAP_COHERENCE,
						      SECMMU_COHERENCE_INTERVAL_TWO_PASS |
						      SECMMU_COHERENCE_AGING));
	}
	EXPECT_EQ(SECMMU_COHERENCE_INTERVAL | SECMMU_COHERENCE_AGING,
		  smu_check_cap(vm, SECMMU_CAP_COHERENCE));

	/* Back and forth before the first memslot; then fixed. */
	ASSERT_EQ(0, smu_enable_cap(vm, SECMMU_CAP_COHERENCE, SECMMU_COHERENCE_NOTIFIER));
	ASSERT_EQ(0, smu_enable_cap(vm, SECMMU_CAP_COHERENCE, SECMMU_COHERENCE_INTERVAL));
	mem = smu_mmap_anon(NPAGES * PAGE);
	ASSERT_NE(MAP_FAILED, mem);
	ASSERT_EQ(0, smu_set_memslot(vm, 0, 0, GFN_A, NPAGES, mem));
	EXPECT_EQ(-EBUSY, smu_enable_cap(vm, SECMMU_CAP_COHERENCE,
					 SECMMU_COHERENCE_NOTIFIER));
	EXPECT_EQ(-EBUSY, smu_enable_cap(vm, SECMMU_CAP_COHERENCE,
					 SECMMU_COHERENCE_INTERVAL));
	EXPECT_EQ(SECMMU_COHERENCE_INTERVAL, smu_check_cap(vm, SECMMU_CAP_COHERENCE));
	/* Deleting the last memslot does not make it settable again. */
	ASSERT_EQ(0, smu_del_memslot(vm, 0));
	EXPECT_EQ(-EBUSY, smu_enable_cap(vm, SECMMU_CAP_COHERENCE,
					 SECMMU_COHERENCE_NOTIFIER));
	close(vm);
	munmap(mem, NPAGES * PAGE);
}

/*
 * The process exits with the VM open and its leaves mapped: the mm's
 * release reaches each memslot's interval notifier (MMU_NOTIFY_RELEASE),
 * then the last fput removes them from the dead mm.  A splat or a hang
 * fails the run (the QEMU rig reads the console).
 */
TEST(exit_with_live_vm)
{
	unsigned int i, coherence[] = {
		SECMMU_COHERENCE_INTERVAL,
		SECMMU_COHERENCE_INTERVAL | SECMMU_COHERENCE_AGING,
	};
	int status;

	if (!has_interval())
		SKIP(return, "no interval notifier style (CONFIG_HMM_MIRROR off)");
	for (i = 0; i < 2; i++) {
		pid_t pid = fork();

		ASSERT_LE(0, pid);
		if (!pid) {
			int vm = smu_open_vm(), vcpu;
			char *mem = smu_mmap_anon(NPAGES * PAGE), buf[PAGE];

			if (vm < 0 || mem == MAP_FAILED ||
			    smu_enable_cap(vm, SECMMU_CAP_COHERENCE, coherence[i]) ||
			    smu_set_memslot(vm, 0, 0, GFN_A, NPAGES, mem) ||
			    smu_set_memslot(vm, 1, 0, GFN_B, NPAGES, mem))
				_exit(2);
			vcpu = smu_create_vcpu(vm, 0);
			memset(buf, 3, sizeof(buf));
			if (vcpu < 0 ||
			    smu_write(vcpu, 0, SMU_GPA(GFN_A), buf, PAGE, NULL) ||
			    smu_read(vcpu, 0, SMU_GPA(GFN_B + 1), buf, PAGE, NULL))
				_exit(3);
			_exit(0);	/* fds and mm still live */
		}
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		EXPECT_TRUE(WIFEXITED(status));
		EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("coherence %u", coherence[i]);
	}
}

/* Two memslots, A and B, and memory no memslot maps (C), all touched. */
FIXTURE(two) {
	struct smu_env e;
	char *b;
	char *c;
};

SMU_COHERENCE_VARIANTS(two);

/* With the aging hooks beside: they must not invalidate (counts stay exact). */
FIXTURE_VARIANT_ADD(two, interval_aging) {
	.coherence = SECMMU_COHERENCE_INTERVAL | SECMMU_COHERENCE_AGING,
};

FIXTURE_SETUP(two)
{
	struct smu_env *e = &self->e;
	char buf[PAGE];
	unsigned int i;

	if (!smu_env_setup_coherence(_metadata, e, NPAGES, GFN_A,
				     variant->coherence))
		return;
	self->b = smu_mmap_anon(NPAGES * PAGE);
	self->c = smu_mmap_anon(NPAGES * PAGE);
	ASSERT_NE(MAP_FAILED, self->b);
	ASSERT_NE(MAP_FAILED, self->c);
	memset(self->c, 1, NPAGES * PAGE);
	ASSERT_EQ(0, smu_set_memslot(e->vm, 1, 0, GFN_B, NPAGES, self->b));
	smu_fill(buf, PAGE, 7);
	for (i = 0; i < NPAGES; i++) {
		smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN_A + i), buf, PAGE, true);
		smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN_B + i), buf, PAGE, true);
	}
	ASSERT_EQ(2 * NPAGES, smu_t_stat(_metadata, e->vm, SECMMU_STAT_MAPPED));
}

FIXTURE_TEARDOWN(two)
{
	smu_env_teardown(&self->e);
	if (self->b && self->b != MAP_FAILED)
		munmap(self->b, NPAGES * PAGE);
	if (self->c && self->c != MAP_FAILED)
		munmap(self->c, NPAGES * PAGE);
}

static bool interval(const FIXTURE_VARIANT(two) *variant)
{
	return variant->coherence != SECMMU_COHERENCE_NOTIFIER;
}

/*
 * Run @op: in the interval styles it must be heard by exactly
 * @interval_count memslots, in the notifier style at least once.
 */
#define EXPECT_HEARD(interval_count, op)				\
	do {								\
		__u64 __n0 = smu_t_stat(_metadata, self->e.vm,		\
					SECMMU_STAT_INVALIDATIONS);	\
		op;							\
		__u64 __n = smu_t_stat(_metadata, self->e.vm,		\
				       SECMMU_STAT_INVALIDATIONS) - __n0; \
		if (interval(variant)) {				\
			EXPECT_EQ((__u64)(interval_count), __n)		\
				TH_LOG("%s", #op);			\
		} else {						\
			EXPECT_LE(1ULL, __n) TH_LOG("%s", #op);		\
		}							\
	} while (0)

TEST_F(two, unslotted_memory_not_heard)
{
	EXPECT_HEARD(0, ASSERT_EQ(0, madvise(self->c, NPAGES * PAGE, MADV_DONTNEED)));
	EXPECT_HEARD(0, ASSERT_EQ(0, mprotect(self->c, NPAGES * PAGE, PROT_READ)));
	EXPECT_HEARD(0, ASSERT_EQ(0, munmap(self->c, NPAGES * PAGE)));
	self->c = NULL;
	EXPECT_EQ(2 * NPAGES, smu_t_stat(_metadata, self->e.vm, SECMMU_STAT_MAPPED));
}

TEST_F(two, madv_dontneed_reaches_its_memslot)
{
	struct smu_env *e = &self->e;

	EXPECT_HEARD(1, ASSERT_EQ(0, madvise(e->mem + 2 * PAGE, 3 * PAGE,
					     MADV_DONTNEED)));
	EXPECT_EQ(0, smu_count_present(e->vm, 0, GFN_A + 2, 3));
	EXPECT_EQ(2, smu_count_present(e->vm, 0, GFN_A, 2));
	EXPECT_EQ(3, smu_count_present(e->vm, 0, GFN_A + 5, 3));
	EXPECT_EQ(NPAGES, smu_count_present(e->vm, 0, GFN_B, NPAGES));
	EXPECT_EQ(2 * NPAGES - 3, smu_t_stat(_metadata, e->vm, SECMMU_STAT_MAPPED));
}

TEST_F(two, mprotect_reaches_its_memslot)
{
	struct smu_env *e = &self->e;
	unsigned int i;

	EXPECT_HEARD(1, ASSERT_EQ(0, mprotect(self->b + PAGE, PAGE, PROT_READ)));
	EXPECT_EQ(0, smu_count_present(e->vm, 0, GFN_B + 1, 1));
	EXPECT_EQ(NPAGES - 1, smu_count_present(e->vm, 0, GFN_B, NPAGES));
	for (i = 0; i < NPAGES; i++)
		EXPECT_NE(0, smu_spte_flags(e->vm, 0, GFN_A + i) &
			     SECMMU_SPTE_WRITABLE) TH_LOG("A page %u", i);
}

TEST_F(two, munmap_across_both)
{
	struct smu_env *e = &self->e;

	/* A and B are two mappings: one munmap over each is heard once. */
	EXPECT_HEARD(1, ASSERT_EQ(0, munmap(e->mem + (NPAGES - 1) * PAGE, PAGE)));
	EXPECT_HEARD(1, ASSERT_EQ(0, munmap(self->b, PAGE)));
	EXPECT_EQ(2 * NPAGES - 2, smu_t_stat(_metadata, e->vm, SECMMU_STAT_MAPPED));
	EXPECT_EQ(0, smu_count_present(e->vm, 0, GFN_A + NPAGES - 1, 1));
	EXPECT_EQ(0, smu_count_present(e->vm, 0, GFN_B, 1));
}

TEST_F(two, deleted_memslot_not_heard)
{
	struct smu_env *e = &self->e;
	char buf[PAGE];

	ASSERT_EQ(0, smu_del_memslot(e->vm, 1));
	EXPECT_EQ(NPAGES, smu_t_stat(_metadata, e->vm, SECMMU_STAT_MAPPED));
	/* Its old range: no notifier left there. */
	EXPECT_HEARD(0, ASSERT_EQ(0, madvise(self->b, NPAGES * PAGE, MADV_DONTNEED)));
	/* A new memslot over it is heard again, once. */
	ASSERT_EQ(0, smu_set_memslot(e->vm, 2, 0, GFN_B, NPAGES, self->b));
	smu_fill(buf, PAGE, 9);
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN_B), buf, PAGE, true);
	EXPECT_HEARD(1, ASSERT_EQ(0, madvise(self->b, PAGE, MADV_DONTNEED)));
	EXPECT_EQ(0, smu_count_present(e->vm, 0, GFN_B, 1));
	/* Deleting A, then all: nothing hears anything. */
	ASSERT_EQ(0, smu_del_memslot(e->vm, 0));
	ASSERT_EQ(0, smu_del_memslot(e->vm, 2));
	EXPECT_EQ(0, smu_t_stat(_metadata, e->vm, SECMMU_STAT_MAPPED));
	EXPECT_HEARD(0, ASSERT_EQ(0, madvise(e->mem, NPAGES * PAGE, MADV_DONTNEED)));
	EXPECT_HEARD(0, ASSERT_EQ(0, madvise(self->b, NPAGES * PAGE, MADV_DONTNEED)));
}

/* Two memslots over the same host pages: both hear, each zaps its own. */
TEST_F(two, aliased_memslots_both_heard)
{
	struct smu_env *e = &self->e;
	char buf[PAGE];

	ASSERT_EQ(0, smu_set_memslot(e->vm, 2, 0, 0x300, NPAGES, e->mem));
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(0x300 + 1), buf, PAGE, false);
	EXPECT_EQ(-1, smu_check(buf, PAGE, 7));
	EXPECT_HEARD(2, ASSERT_EQ(0, madvise(e->mem + PAGE, PAGE, MADV_DONTNEED)));
	EXPECT_EQ(0, smu_count_present(e->vm, 0, 0x300 + 1, 1));
	EXPECT_EQ(0, smu_count_present(e->vm, 0, GFN_A + 1, 1));
	EXPECT_EQ(NPAGES - 1, smu_count_present(e->vm, 0, GFN_A, NPAGES));
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(0x300 + 1), buf, PAGE, false);
	EXPECT_TRUE(smu_is_zero(buf, PAGE));
}

TEST_HARNESS_MAIN
