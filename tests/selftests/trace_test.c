// SPDX-License-Identifier: GPL-2.0
/*
 * Tracepoints (src/trace.h): enabled through tracefs, a small workload
 * (faults, a munmap-free invalidation, SECMMU_AGE, dirty ring pushes up to
 * the soft limit, a harvest and a reset) must record exactly as many
 * events as the matching SECMMU_GET_STATS counters grew by.
 */
#include <sys/mount.h>

#include "secmmu_test.h"

#define TRACEFS		"/sys/kernel/tracing"
#define NPAGES		512
#define GFN		0x7000
#define RING		SECMMU_DIRTY_RING_MIN

FIXTURE(tr) {
	int vm, vcpu;
	char *mem;
	bool traced;
};

static int trace_write(const char *file, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), TRACEFS "/%s", file);
	return smu_write_file(path, val);
}

FIXTURE_SETUP(tr)
{
	self->vm = self->vcpu = -1;
	self->mem = MAP_FAILED;
	if (access(TRACEFS "/trace", F_OK))
		mount("tracefs", TRACEFS, "tracefs", 0, NULL);
	if (access(TRACEFS "/events/secmmu/enable", F_OK))
		SKIP(return, "no " TRACEFS "/events/secmmu (tracefs, secmmu loaded?)");
	smu_quiesce();
	self->vm = smu_t_open_vm(_metadata);
	ASSERT_EQ(0, smu_ioctl_val(self->vm, SECMMU_ENABLE_DIRTY_RING, RING));
	self->vcpu = smu_t_vcpu(_metadata, self->vm, 0);
	self->mem = smu_mmap_anon(NPAGES * PAGE);
	ASSERT_NE(MAP_FAILED, self->mem);
	memset(self->mem, 1, NPAGES * PAGE);
	ASSERT_EQ(0, smu_set_memslot(self->vm, 0, SECMMU_MEM_LOG_DIRTY, GFN, NPAGES,
				     self->mem));
	ASSERT_EQ(0, trace_write("events/secmmu/enable", "0"));
	ASSERT_EQ(0, trace_write("trace", ""));
	self->traced = true;
}

FIXTURE_TEARDOWN(tr)
{
	if (self->traced)
		trace_write("events/secmmu/enable", "0");
	if (self->vcpu >= 0)
		close(self->vcpu);
	if (self->vm >= 0)
		close(self->vm);
	if (self->mem != MAP_FAILED)
		munmap(self->mem, NPAGES * PAGE);
}

/* How many lines of the trace are event @ev (": ev: " in the line). */
static long count_event(const char *ev)
{
	char line[512], pat[64];
	long n = 0;
	FILE *f;

	snprintf(pat, sizeof(pat), " %s: ", ev);
	f = fopen(TRACEFS "/trace", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, pat) != NULL;
	fclose(f);
	return n;
}

TEST_F(tr, events_match_stats)
{
	struct secmmu_stats s0, s1;
	struct secmmu_harvest h = {};
	struct secmmu_dirty_gfn out[64];
	struct secmmu_access a;
	unsigned int i, writes = 0;
	char c = 0;

	ASSERT_EQ(0, smu_get_stats(self->vm, &s0));
	ASSERT_EQ(0, trace_write("events/secmmu/enable", "1"));

	/* Faults: read half the pages, then an invalidation over them. */
	for (i = 0; i < 16; i++)
		smu_t_rw(_metadata, self->vcpu, 0, SMU_GPA(GFN + i), &c, 1, false);
	ASSERT_EQ(0, mprotect(self->mem, 16 * PAGE, PROT_READ));
	ASSERT_EQ(0, mprotect(self->mem, 16 * PAGE, PROT_READ | PROT_WRITE));
	/* Aging, twice. */
	ASSERT_EQ(0, smu_age(self->vm, SECMMU_AGE_CLEAR, GFN, NPAGES, NULL, NULL, NULL));
	ASSERT_EQ(0, smu_age(self->vm, SECMMU_AGE_TEST, GFN, 16, NULL, NULL, NULL));
	/* Writes until the ring is full. */
	for (i = 0; i < NPAGES; i++) {
		ASSERT_EQ(0, smu_write(self->vcpu, 0, SMU_GPA(GFN + i), &c, 1, &a));
		if (a.exit_reason == SECMMU_EXIT_DIRTY_RING_FULL)
			break;
		ASSERT_EQ(SECMMU_EXIT_NONE, a.exit_reason);
		writes++;
	}
	EXPECT_EQ(RING - SECMMU_DIRTY_RING_RSVD, writes);
	/* Harvest some in the kernel, reset them. */
	h.entries = (__u64)(uintptr_t)out;
	h.max = 64;
	ASSERT_EQ(0, smu_ioctl(self->vcpu, SECMMU_HARVEST, &h));
	EXPECT_EQ(64, h.count);
	EXPECT_EQ(64, smu_ioctl_val(self->vm, SECMMU_RESET_DIRTY_RINGS, 0));

	ASSERT_EQ(0, trace_write("events/secmmu/enable", "0"));
	ASSERT_EQ(0, smu_get_stats(self->vm, &s1));

#define D(x)	((long)(s1.val[SECMMU_STAT_##x] - s0.val[SECMMU_STAT_##x]))
	EXPECT_EQ(D(FAULTS), count_event("secmmu_fault"));
	EXPECT_LT(0, D(FAULTS));
	EXPECT_EQ(D(INVALIDATIONS), count_event("secmmu_invalidate_start"));
	EXPECT_EQ(D(INVALIDATIONS), count_event("secmmu_invalidate_end"));
	EXPECT_LT(0, D(INVALIDATIONS));
	EXPECT_EQ(2, count_event("secmmu_age"));
	EXPECT_EQ(D(DIRTY_LOGGED), count_event("secmmu_ring_push"));
	EXPECT_EQ(RING - SECMMU_DIRTY_RING_RSVD, D(DIRTY_LOGGED));
	EXPECT_EQ(D(DIRTY_RING_FULL), count_event("secmmu_ring_full"));
	EXPECT_EQ(1, D(DIRTY_RING_FULL));
	EXPECT_EQ(1, count_event("secmmu_harvest"));
	EXPECT_EQ(1, count_event("secmmu_ring_reset"));
	EXPECT_EQ(64, D(DIRTY_RESETS));
#undef D
}

TEST_HARNESS_MAIN
