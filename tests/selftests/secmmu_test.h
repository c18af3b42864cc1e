/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Harness glue shared by the secmmu selftests: includes the kselftest
 * harness and provides asserting setup helpers.  Include exactly once,
 * from the test's .c file.
 */
#ifndef SECMMU_TEST_H
#define SECMMU_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "secmmu_util.h"

#define PAGE		SMU_PAGE_SIZE

/* A VM, one vCPU (id 0) and one anonymous memslot (slot 0). */
struct smu_env {
	int vm;
	int vcpu;
	char *mem;
	size_t npages;
	__u64 gfn;
};

static inline int smu_t_open_vm(struct __test_metadata *_metadata)
{
	int vm = smu_open_vm();

	if (vm < 0)
		TH_LOG("open(%s): %s (is secmmu.ko loaded?)", SMU_DEV_PATH,
		       strerror(-vm));
	ASSERT_LE(0, vm);
	return vm;
}

static inline int smu_t_vcpu(struct __test_metadata *_metadata, int vm,
			     unsigned long id)
{
	int fd = smu_create_vcpu(vm, id);

	ASSERT_LE(0, fd) TH_LOG("CREATE_VCPU(%lu): %s", id, strerror(-fd));
	return fd;
}

/*
 * Open a VM and vCPU 0; map @npages of prefaulted anonymous memory (zero
 * filled) as slot 0 at @gfn.  npages == 0 makes no memslot.
 */
static inline void smu_env_setup(struct __test_metadata *_metadata,
				 struct smu_env *e, size_t npages, __u64 gfn)
{
	memset(e, 0, sizeof(*e));
	e->vm = -1;
	e->vcpu = -1;
	smu_quiesce();
	e->vm = smu_t_open_vm(_metadata);
	e->vcpu = smu_t_vcpu(_metadata, e->vm, 0);
	e->npages = npages;
	e->gfn = gfn;
	if (!npages)
		return;
	e->mem = smu_mmap_anon(npages * PAGE);
	ASSERT_NE(MAP_FAILED, e->mem);
	memset(e->mem, 0, npages * PAGE);
	ASSERT_EQ(0, smu_set_memslot(e->vm, 0, 0, gfn, npages, e->mem));
}

static inline void smu_env_teardown(struct smu_env *e)
{
	if (e->vcpu >= 0)
		close(e->vcpu);
	if (e->vm >= 0)
		close(e->vm);
	if (e->mem && e->mem != MAP_FAILED)
		munmap(e->mem, e->npages * PAGE);
}

/*
 * One variant of fixture @f per rmap mode (SECMMU_CAP_RMAP_MODE), named
 * after it, with the mode in variant->mode: in place of FIXTURE_VARIANT(f)
 * and its FIXTURE_VARIANT_ADD()s.
 */
#define SMU_RMAP_MODE_VARIANTS(f)					\
	FIXTURE_VARIANT(f) {						\
		__u32 mode;						\
	};								\
	FIXTURE_VARIANT_ADD(f, locked) {				\
		.mode = SECMMU_RMAP_LOCKED,				\
	};								\
	FIXTURE_VARIANT_ADD(f, single_lockless) {			\
		.mode = SECMMU_RMAP_SINGLE_LOCKLESS,			\
	};								\
	FIXTURE_VARIANT_ADD(f, lock_bit) {				\
		.mode = SECMMU_RMAP_LOCK_BIT,				\
	};								\
	FIXTURE_VARIANT_ADD(f, table_walk) {				\
		.mode = SECMMU_RMAP_TABLE_WALK,				\
	}

/*
 * One variant of fixture @f per coherence style, named after it, with the
 * SECMMU_CAP_COHERENCE value in variant->coherence: in place of
 * FIXTURE_VARIANT(f) and its FIXTURE_VARIANT_ADD()s.
 */
#define SMU_COHERENCE_VARIANTS(f)					\
	FIXTURE_VARIANT(f) {						\
		__u64 coherence;					\
	};								\
	FIXTURE_VARIANT_ADD(f, notifier) {				\
		.coherence = SECMMU_COHERENCE_NOTIFIER,			\
	};								\
	FIXTURE_VARIANT_ADD(f, interval) {				\
		.coherence = SECMMU_COHERENCE_INTERVAL,			\
	};								\
	FIXTURE_VARIANT_ADD(f, interval_two_pass) {			\
		.coherence = SECMMU_COHERENCE_INTERVAL_TWO_PASS,	\
	}

/*
 * Give VM @vm (no memslot yet) coherence @coherence.  False after a SKIP:
 * a style this kernel lacks, which must then be refused with -EOPNOTSUPP
 * and reported absent by SECMMU_CAP_COHERENCE_STYLES.
 */
static inline bool smu_t_coherence(struct __test_metadata *_metadata, int vm,
				   __u64 coherence)
{
	unsigned int style = coherence & SECMMU_COHERENCE_STYLE_MASK;
	int ret = smu_enable_cap(vm, SECMMU_CAP_COHERENCE, coherence);

	if (ret == -EOPNOTSUPP) {
		EXPECT_EQ(0, smu_check_cap(vm, SECMMU_CAP_COHERENCE_STYLES) &
			     (1 << style));
		EXPECT_EQ(SECMMU_COHERENCE_NOTIFIER,
			  smu_check_cap(vm, SECMMU_CAP_COHERENCE));
		SKIP(return false, "coherence style %u: not in this kernel",
		     style);
	}
	EXPECT_EQ(0, ret);
	EXPECT_EQ(coherence, (__u64)smu_check_cap(vm, SECMMU_CAP_COHERENCE));
	return ret == 0;
}

/*
 * smu_env_setup() in coherence @coherence: the VM gets the style before
 * its memslot.  False after a SKIP.
 */
static inline bool smu_env_setup_coherence(struct __test_metadata *_metadata,
					   struct smu_env *e, size_t npages,
					   __u64 gfn, __u64 coherence)
{
	smu_env_setup(_metadata, e, 0, gfn);
	if (!smu_t_coherence(_metadata, e->vm, coherence))
		return false;
	e->npages = npages;
	if (!npages)
		return true;
	e->mem = smu_mmap_anon(npages * PAGE);
	EXPECT_NE(MAP_FAILED, e->mem);
	if (e->mem == MAP_FAILED)
		return false;
	memset(e->mem, 0, npages * PAGE);
	EXPECT_EQ(0, smu_set_memslot(e->vm, 0, 0, gfn, npages, e->mem));
	return !_metadata->exit_code;
}

/* Read one stat, asserting the ioctl works. */
static inline __u64 smu_t_stat(struct __test_metadata *_metadata, int vm,
			       enum secmmu_stat idx)
{
	struct secmmu_stats st;

	ASSERT_EQ(0, smu_get_stats(vm, &st));
	/* uapi_test checks st.nr == SECMMU_STAT_NR exactly. */
	ASSERT_LT((__u32)idx, st.nr);
	return st.val[idx];
}

/* Access that must complete with SECMMU_EXIT_NONE. */
static inline void smu_t_rw(struct __test_metadata *_metadata, int vcpu,
			    __u16 view, __u64 gpa, void *buf, __u32 len,
			    bool write)
{
	struct secmmu_access a;
	int ret = smu_access(vcpu, view, gpa, buf, len, write, &a);

	ASSERT_EQ(0, ret) TH_LOG("%s gpa 0x%llx len %u: %s",
				 write ? "write" : "read",
				 (unsigned long long)gpa, len, strerror(-ret));
	ASSERT_EQ((__u32)SECMMU_EXIT_NONE, a.exit_reason)
		TH_LOG("%s gpa 0x%llx: exit %u at 0x%llx",
		       write ? "write" : "read", (unsigned long long)gpa,
		       a.exit_reason, (unsigned long long)a.exit_gpa);
	ASSERT_EQ(len, a.done);
}

#endif /* SECMMU_TEST_H */
