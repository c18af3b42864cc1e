// SPDX-License-Identifier: GPL-2.0
/*
 * SECMMU_CAP_PROT_POLICY: what protection invalidations do to the leaves.
 *
 * Under ZAP (the default) every MMU_NOTIFY_PROTECTION_VMA zaps.  Under
 * KEEP_NUMA_HINT only a change that leaves a private VMA readable and
 * writable keeps them (NUMA hinting; here also an mprotect() that adds
 * PROT_EXEC, the same shape seen from the notifier); mprotect() to
 * read-only or none, shared mappings and userfaultfd write protection
 * still take effect on vCPU accesses.  With NUMA balancing on (two nodes),
 * data stays right and hinting invalidations are kept.
 */
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <time.h>

#include "secmmu_test.h"

#define NPAGES	16
#define GFN	0x5000

FIXTURE(pp) {
	struct smu_env e;
};

FIXTURE_SETUP(pp)
{
	smu_env_setup(_metadata, &self->e, 0, GFN);
}

FIXTURE_TEARDOWN(pp)
{
	smu_env_teardown(&self->e);
}

static void map_slot(struct __test_metadata *_metadata, struct smu_env *e,
		     int flags)
{
	e->npages = NPAGES;
	e->mem = mmap(NULL, NPAGES * PAGE, PROT_READ | PROT_WRITE,
		      flags | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, e->mem);
	smu_fill(e->mem, NPAGES * PAGE, 31);
	ASSERT_EQ(0, smu_set_memslot(e->vm, 0, 0, GFN, NPAGES, e->mem));
}

/* The vCPU reads every page: NPAGES leaves. */
static void map_all(struct __test_metadata *_metadata, struct smu_env *e)
{
	char buf[PAGE];
	unsigned int i;

	for (i = 0; i < NPAGES; i++) {
		smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN + i), buf, PAGE, false);
		EXPECT_EQ(-1, smu_check_off(buf, PAGE, 31, i * PAGE));
	}
	ASSERT_EQ(NPAGES, smu_count_present(e->vm, 0, GFN, NPAGES));
}

static __u64 kept(struct __test_metadata *_metadata, struct smu_env *e)
{
	return smu_t_stat(_metadata, e->vm, SECMMU_STAT_PROT_KEPT);
}

TEST_F(pp, caps_and_errnos)
{
	struct secmmu_enable_cap ec = { .cap = SECMMU_CAP_PROT_POLICY };

	EXPECT_EQ(SECMMU_PROT_ZAP, smu_check_cap(self->e.vm, SECMMU_CAP_PROT_POLICY));
	ec.args[0] = SECMMU_PROT_NR_POLICIES;
	EXPECT_EQ(-EINVAL, smu_ioctl(self->e.vm, SECMMU_ENABLE_CAP, &ec));
	ec.args[0] = SECMMU_PROT_KEEP_NUMA_HINT;
	ec.args[1] = 1;
	EXPECT_EQ(-EINVAL, smu_ioctl(self->e.vm, SECMMU_ENABLE_CAP, &ec));
	EXPECT_EQ(SECMMU_PROT_ZAP, smu_check_cap(self->e.vm, SECMMU_CAP_PROT_POLICY));
	/* Any time, also with memslots and leaves. */
	map_slot(_metadata, &self->e, MAP_PRIVATE);
	map_all(_metadata, &self->e);
	EXPECT_EQ(0, smu_enable_cap(self->e.vm, SECMMU_CAP_PROT_POLICY,
				    SECMMU_PROT_KEEP_NUMA_HINT));
	EXPECT_EQ(SECMMU_PROT_KEEP_NUMA_HINT,
		  smu_check_cap(self->e.vm, SECMMU_CAP_PROT_POLICY));
}

/* A change that keeps read and write: kept under KEEP, zapped under ZAP. */
TEST_F(pp, upgrade_kept_only_when_asked)
{
	struct smu_env *e = &self->e;
	__u64 k0, f0, a0;

	map_slot(_metadata, e, MAP_PRIVATE);
	map_all(_metadata, e);
	k0 = kept(_metadata, e);
	ASSERT_EQ(0, mprotect(e->mem, NPAGES * PAGE, PROT_READ | PROT_WRITE | PROT_EXEC));
	EXPECT_EQ(0, smu_count_present(e->vm, 0, GFN, NPAGES));
	EXPECT_EQ(k0, kept(_metadata, e));

	ASSERT_EQ(0, smu_enable_cap(e->vm, SECMMU_CAP_PROT_POLICY,
				    SECMMU_PROT_KEEP_NUMA_HINT));
	map_all(_metadata, e);
	ASSERT_EQ(0, mprotect(e->mem, NPAGES * PAGE, PROT_READ | PROT_WRITE));
	EXPECT_EQ(NPAGES, smu_count_present(e->vm, 0, GFN, NPAGES));
	EXPECT_LT(k0, kept(_metadata, e));

	/* Each kept leaf's first access is a fault avoided, once. */
	f0 = smu_t_stat(_metadata, e->vm, SECMMU_STAT_FAULTS);
	a0 = smu_t_stat(_metadata, e->vm, SECMMU_STAT_PROT_FAULTS_AVOIDED);
	map_all(_metadata, e);
	map_all(_metadata, e);
	EXPECT_EQ(f0, smu_t_stat(_metadata, e->vm, SECMMU_STAT_FAULTS));
	EXPECT_EQ(a0 + NPAGES,
		  smu_t_stat(_metadata, e->vm, SECMMU_STAT_PROT_FAULTS_AVOIDED));
}

/* mprotect() to read-only, or none, takes effect on the vCPU. */
TEST_F(pp, downgrade_honoured)
{
	struct smu_env *e = &self->e;
	struct secmmu_access a;
	char buf[8] = "denied";
	__u64 k0;

	map_slot(_metadata, e, MAP_PRIVATE);
	ASSERT_EQ(0, smu_enable_cap(e->vm, SECMMU_CAP_PROT_POLICY,
				    SECMMU_PROT_KEEP_NUMA_HINT));
	/* Writable leaves first. */
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN), buf, sizeof(buf), true);
	k0 = kept(_metadata, e);

	ASSERT_EQ(0, mprotect(e->mem, NPAGES * PAGE, PROT_READ));
	EXPECT_EQ(0, smu_count_present(e->vm, 0, GFN, NPAGES));
	EXPECT_EQ(-EFAULT, smu_write(e->vcpu, 0, SMU_GPA(GFN) + 16, buf, sizeof(buf), &a));
	EXPECT_EQ(0, memcmp(e->mem, "denied", 7));
	EXPECT_NE(0, memcmp(e->mem + 16, "denied", 7));
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN), buf, sizeof(buf), false);

	ASSERT_EQ(0, mprotect(e->mem, NPAGES * PAGE, PROT_NONE));
	EXPECT_EQ(0, smu_count_present(e->vm, 0, GFN, NPAGES));
	EXPECT_EQ(-EFAULT, smu_read(e->vcpu, 0, SMU_GPA(GFN), buf, sizeof(buf), &a));
	EXPECT_EQ(k0, kept(_metadata, e));
}

/* Shared mappings may be write-protected for dirty tracking: zapped. */
TEST_F(pp, shared_zapped)
{
	struct smu_env *e = &self->e;
	__u64 k0;

	map_slot(_metadata, e, MAP_SHARED);
	ASSERT_EQ(0, smu_enable_cap(e->vm, SECMMU_CAP_PROT_POLICY,
				    SECMMU_PROT_KEEP_NUMA_HINT));
	map_all(_metadata, e);
	k0 = kept(_metadata, e);
	ASSERT_EQ(0, mprotect(e->mem, NPAGES * PAGE, PROT_READ | PROT_WRITE | PROT_EXEC));
	EXPECT_EQ(0, smu_count_present(e->vm, 0, GFN, NPAGES));
	EXPECT_EQ(k0, kept(_metadata, e));
}

struct uffd_ctx {
	int uffd;
	char *addr;
	int wp_faults;
	int errors;
};

/* Waits for one write-protect fault, checks it, resolves it. */
static void *uffd_handler(void *arg)
{
	struct uffd_ctx *c = arg;
	struct pollfd pfd = { .fd = c->uffd, .events = POLLIN };
	struct uffd_msg msg;

	if (poll(&pfd, 1, 20000) != 1 || read(c->uffd, &msg, sizeof(msg)) != sizeof(msg)) {
		c->errors++;
		return NULL;
	}
	if (msg.event == UFFD_EVENT_PAGEFAULT &&
	    (msg.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP) &&
	    msg.arg.pagefault.address == (uintptr_t)c->addr) {
		struct uffdio_writeprotect wp = {
			.range = { .start = (uintptr_t)c->addr, .len = PAGE },
			.mode = 0,
		};

		c->wp_faults++;
		if (ioctl(c->uffd, UFFDIO_WRITEPROTECT, &wp))
			c->errors++;
	} else {
		c->errors++;
	}
	return NULL;
}

/* userfaultfd write protection must lose W: the vCPU's write is reported. */
TEST_F(pp, uffd_wp_reports_vcpu_write)
{
	struct smu_env *e = &self->e;
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_PAGEFAULT_FLAG_WP };
	struct uffdio_register reg = {};
	struct uffdio_writeprotect wp = {};
	struct uffd_ctx c = {};
	char buf[8] = "wp-seen";
	pthread_t th;
	__u64 k0;

	map_slot(_metadata, e, MAP_PRIVATE);
	ASSERT_EQ(0, smu_enable_cap(e->vm, SECMMU_CAP_PROT_POLICY,
				    SECMMU_PROT_KEEP_NUMA_HINT));
	c.uffd = syscall(__NR_userfaultfd, O_CLOEXEC);
	if (c.uffd < 0)
		SKIP(return, "userfaultfd: %s", strerror(errno));
	if (ioctl(c.uffd, UFFDIO_API, &api) ||
	    !(api.features & UFFD_FEATURE_PAGEFAULT_FLAG_WP)) {
		close(c.uffd);
		SKIP(return, "no userfaultfd write protection on this kernel");
	}
	reg.range.start = (uintptr_t)e->mem;
	reg.range.len = NPAGES * PAGE;
	reg.mode = UFFDIO_REGISTER_MODE_WP;
	if (ioctl(c.uffd, UFFDIO_REGISTER, &reg)) {
		close(c.uffd);
		SKIP(return, "UFFDIO_REGISTER_MODE_WP: %s", strerror(errno));
	}
	/* Writable leaves, then protect: the leaves must lose W. */
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN + 2), buf, sizeof(buf), true);
	k0 = kept(_metadata, e);
	wp.range = reg.range;
	wp.mode = UFFDIO_WRITEPROTECT_MODE_WP;
	ASSERT_EQ(0, ioctl(c.uffd, UFFDIO_WRITEPROTECT, &wp));
	EXPECT_EQ(k0, kept(_metadata, e));
	EXPECT_EQ(0, smu_count_present(e->vm, 0, GFN + 2, 1));

	c.addr = e->mem + 2 * PAGE;
	ASSERT_EQ(0, pthread_create(&th, NULL, uffd_handler, &c));
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN + 2), buf, sizeof(buf), true);
	pthread_join(th, NULL);
	EXPECT_EQ(1, c.wp_faults);
	EXPECT_EQ(0, c.errors);
	EXPECT_EQ(0, memcmp(e->mem + 2 * PAGE, "wp-seen", 8));
	close(c.uffd);
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

#define NUMA_SYSCTL	"/proc/sys/kernel/numa_balancing"
#define NUMA_DELAY	"/sys/kernel/debug/sched/numa_balancing/scan_delay_ms"
#define NUMA_PERIOD	"/sys/kernel/debug/sched/numa_balancing/scan_period_min_ms"

/*
 * NUMA balancing on: the process keeps touching its pages while the vCPU
 * keeps reading and checking them.  Data stays right under both policies;
 * under KEEP_NUMA_HINT the hinting invalidations are kept.
 */
TEST_F_TIMEOUT(pp, numa_balancing, 120)
{
	struct smu_env *e = &self->e;
	long long old = smu_read_ll(NUMA_SYSCTL);
	unsigned int pass, i, bad = 0;
	__u64 prot0, k0, start;
	char buf[PAGE];
	int policy;

	if (smu_nr_nodes() < 2 || old < 0)
		SKIP(return, "needs 2 NUMA nodes and numa_balancing");
	ASSERT_EQ(0, smu_write_file(NUMA_SYSCTL, "1"));
	smu_write_file(NUMA_DELAY, "0");
	smu_write_file(NUMA_PERIOD, "10");
	map_slot(_metadata, e, MAP_PRIVATE);
	for (policy = SECMMU_PROT_ZAP; policy <= SECMMU_PROT_KEEP_NUMA_HINT; policy++) {
		ASSERT_EQ(0, smu_enable_cap(e->vm, SECMMU_CAP_PROT_POLICY, policy));
		prot0 = smu_t_stat(_metadata, e->vm, SECMMU_STAT_INVAL_PROTECTION_VMA);
		k0 = kept(_metadata, e);
		start = now_ns();
		for (pass = 0; now_ns() - start < 4000000000ULL; pass++) {
			for (i = 0; i < NPAGES; i++)
				e->mem[i * PAGE + 8] = (char)pass;
			for (i = 0; i < NPAGES; i++) {
				smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN + i), buf, PAGE,
					 false);
				bad += buf[8] != (char)pass;
			}
			if (policy == SECMMU_PROT_KEEP_NUMA_HINT && pass > 100 &&
			    kept(_metadata, e) > k0)
				break;
		}
		TH_LOG("policy %d: %u passes, %llu protection invalidations, %llu kept",
		       policy, pass,
		       smu_t_stat(_metadata, e->vm, SECMMU_STAT_INVAL_PROTECTION_VMA) - prot0,
		       kept(_metadata, e) - k0);
		EXPECT_EQ(0, bad);
		if (policy == SECMMU_PROT_ZAP) {
			EXPECT_EQ(k0, kept(_metadata, e));
		} else if (smu_t_stat(_metadata, e->vm,
				      SECMMU_STAT_INVAL_PROTECTION_VMA) > prot0) {
			EXPECT_LT(k0, kept(_metadata, e));
		}
	}
	smu_write_file(NUMA_SYSCTL, old ? "1" : "0");
}

TEST_HARNESS_MAIN
