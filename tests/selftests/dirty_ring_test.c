// SPDX-License-Identifier: GPL-2.0
/*
 * Per-vCPU dirty rings: SECMMU_ENABLE_DIRTY_RING and mmap errors, push
 * order and contents, one record per page until reset, per-ring and global
 * reset counts, the exact ring-full threshold, SECMMU_HARVEST, and rings
 * corrupted by userspace (-EBADMSG, SECMMU_STAT_DIRTY_RING_ERRORS, recovery).
 */
#include <pthread.h>
#include <sched.h>

#include "secmmu_test.h"

#define RING	SECMMU_DIRTY_RING_MIN
#define SOFT	(RING - SECMMU_DIRTY_RING_RSVD)	/* pushes before "full" */
#define NPAGES	1024
#define GFN	0x1000
#define SLOT	3

static const __u32 DIRTY = SECMMU_DIRTY_GFN_F_DIRTY;
static const __u32 RESET = SECMMU_DIRTY_GFN_F_RESET;

/* Write 8 bytes at the start of page @pg of the slot at @gfn. */
static void wr(struct __test_metadata *_metadata, int vcpu, __u64 gfn,
	       __u64 pg)
{
	__u64 v = 0x5eed0000 + pg;

	smu_t_rw(_metadata, vcpu, 0, SMU_GPA(gfn + pg) + 8, &v, sizeof(v),
		 true);
}

/* The entry @idx is DIRTY with @slot / @off. */
static void expect_ent(struct __test_metadata *_metadata, struct smu_ring *r,
		       __u32 idx, __u32 flags, __u32 slot, __u64 off)
{
	struct secmmu_dirty_gfn *e = smu_ring_ent(r, idx);

	EXPECT_EQ(flags, smu_ring_flags(r, idx)) TH_LOG("entry %u", idx);
	EXPECT_EQ(slot, e->slot) TH_LOG("entry %u", idx);
	EXPECT_EQ(off, e->offset) TH_LOG("entry %u", idx);
}

/*
 * A VM with RING-entry rings, vCPU 0 with its ring mapped, and slot SLOT:
 * NPAGES of zeroed anonymous memory at GFN, logging dirty pages.
 */
FIXTURE(ring) {
	int vm, vcpu;
	char *mem;
	struct smu_ring r;
};

FIXTURE_SETUP(ring)
{
	self->vm = -1;
	self->vcpu = -1;
	self->mem = MAP_FAILED;
	self->r.g = MAP_FAILED;
	smu_quiesce();
	self->vm = smu_t_open_vm(_metadata);
	ASSERT_EQ(0, smu_enable_ring(self->vm, RING));
	self->vcpu = smu_t_vcpu(_metadata, self->vm, 0);
	self->r.g = smu_mmap_ring(self->vcpu, RING);
	ASSERT_NE(MAP_FAILED, self->r.g) TH_LOG("mmap ring: %s",
						strerror(errno));
	self->r.n = RING;
	self->r.idx = 0;
	self->mem = smu_mmap_anon(NPAGES * PAGE);
	ASSERT_NE(MAP_FAILED, self->mem);
	memset(self->mem, 0, NPAGES * PAGE);
	ASSERT_EQ(0, smu_set_memslot(self->vm, SLOT, SECMMU_MEM_LOG_DIRTY, GFN,
				     NPAGES, self->mem));
	/* A fresh ring is all free. */
	ASSERT_EQ(0, smu_ring_busy(&self->r));
}

FIXTURE_TEARDOWN(ring)
{
	if (self->r.g != MAP_FAILED)
		munmap(self->r.g, SMU_RING_BYTES(RING));
	if (self->vcpu >= 0)
		close(self->vcpu);
	if (self->vm >= 0)
		close(self->vm);
	if (self->mem != MAP_FAILED)
		munmap(self->mem, NPAGES * PAGE);
}

TEST(caps)
{
	int vm = smu_t_open_vm(_metadata);

	EXPECT_EQ(SECMMU_DIRTY_RING_MAX,
		  smu_check_cap(vm, SECMMU_CAP_DIRTY_RING));
	EXPECT_EQ(1, smu_check_cap(vm, SECMMU_CAP_DIRTY_LOG));
	close(vm);
}

TEST(enable_after_vcpu)
{
	int vm = smu_t_open_vm(_metadata);
	int vcpu = smu_t_vcpu(_metadata, vm, 0);

	EXPECT_EQ(-EBUSY, smu_enable_ring(vm, RING));
	EXPECT_EQ(-EBUSY, smu_enable_ring(vm, SECMMU_DIRTY_RING_MAX));
	/* Still no rings. */
	EXPECT_EQ(-EINVAL, smu_reset_rings(vm));
	EXPECT_EQ(-EINVAL, smu_reset_ring(vcpu));
	close(vcpu);
	close(vm);
}

TEST(enable_twice)
{
	int vm = smu_t_open_vm(_metadata);
	struct secmmu_dirty_gfn *g;
	int vcpu;

	ASSERT_EQ(0, smu_enable_ring(vm, 512));
	EXPECT_EQ(-EBUSY, smu_enable_ring(vm, 512));
	EXPECT_EQ(-EBUSY, smu_enable_ring(vm, 1024));
	/* The first size stays: a 512-entry ring maps, 1024 does not. */
	vcpu = smu_t_vcpu(_metadata, vm, 0);
	g = smu_mmap_ring(vcpu, 1024);
	EXPECT_EQ(MAP_FAILED, g);
	EXPECT_EQ(EINVAL, errno);
	g = smu_mmap_ring(vcpu, 512);
	ASSERT_NE(MAP_FAILED, g);
	munmap(g, SMU_RING_BYTES(512));
	/* Nothing pushed yet: resets find nothing. */
	EXPECT_EQ(0, smu_reset_rings(vm));
	EXPECT_EQ(0, smu_reset_ring(vcpu));
	close(vcpu);
	close(vm);
}

TEST(enable_bad_size)
{
	static const unsigned long bad[] = {
		0, 1, 2, 64, SECMMU_DIRTY_RING_MIN / 2,
		SECMMU_DIRTY_RING_MIN - 1, SECMMU_DIRTY_RING_MIN + 1, 384,
		3 * SECMMU_DIRTY_RING_MIN, SECMMU_DIRTY_RING_MAX - 1,
		SECMMU_DIRTY_RING_MAX + 1, 2UL * SECMMU_DIRTY_RING_MAX,
		1UL << 31, 1UL << 32, (1UL << 32) | SECMMU_DIRTY_RING_MIN,
		~0UL,
	};
	int vm = smu_t_open_vm(_metadata), vcpu;
	struct secmmu_dirty_gfn *g;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		EXPECT_EQ(-EINVAL, smu_enable_ring(vm, bad[i]))
			TH_LOG("entries %lu", bad[i]);
	/* The failures changed nothing: the largest size still works. */
	ASSERT_EQ(0, smu_enable_ring(vm, SECMMU_DIRTY_RING_MAX));
	vcpu = smu_t_vcpu(_metadata, vm, 0);
	g = smu_mmap_ring(vcpu, SECMMU_DIRTY_RING_MAX);
	ASSERT_NE(MAP_FAILED, g) TH_LOG("mmap: %s", strerror(errno));
	g[SECMMU_DIRTY_RING_MAX - 1].flags = 0;
	EXPECT_EQ(0, g[0].flags);
	munmap(g, SMU_RING_BYTES(SECMMU_DIRTY_RING_MAX));
	close(vcpu);
	close(vm);
}

TEST_F(ring, mmap_errors)
{
	const size_t len = SMU_RING_BYTES(RING);
	const int rw = PROT_READ | PROT_WRITE;
	void *p = NULL, *q = NULL;
	__u64 v = 7;
	int r;

	EXPECT_EQ(-EINVAL, smu_mmap_raw(self->vcpu, len, rw, MAP_SHARED, 0, &p));
	EXPECT_EQ(-EINVAL, smu_mmap_raw(self->vcpu, len, rw, MAP_SHARED,
					SMU_RING_OFFSET - PAGE, &p));
	EXPECT_EQ(-EINVAL, smu_mmap_raw(self->vcpu, len, rw, MAP_SHARED,
					SMU_RING_OFFSET + PAGE, &p));
	EXPECT_EQ(-EINVAL, smu_mmap_raw(self->vcpu, len + PAGE, rw, MAP_SHARED,
					SMU_RING_OFFSET, &p));
	EXPECT_EQ(-EINVAL, smu_mmap_raw(self->vcpu, 2 * len, rw, MAP_SHARED,
					SMU_RING_OFFSET, &p));
	EXPECT_EQ(-EINVAL, smu_mmap_raw(self->vcpu, len, rw, MAP_PRIVATE,
					SMU_RING_OFFSET, &p));
	EXPECT_EQ(-EINVAL, smu_mmap_raw(self->vcpu, len, PROT_READ, MAP_SHARED,
					SMU_RING_OFFSET, &p));
	/*
	 * Never executable.  secmmu says -EINVAL; newer kernels (7.2) say
	 * -EPERM before asking it: their pseudo file systems, anon inodes'
	 * too, are SB_I_NOEXEC, and do_mmap() refuses PROT_EXEC there.
	 */
	r = smu_mmap_raw(self->vcpu, len, rw | PROT_EXEC, MAP_SHARED,
			 SMU_RING_OFFSET, &p);
	EXPECT_TRUE(r == -EINVAL || r == -EPERM)
		TH_LOG("PROT_EXEC ring mapping: %d, want -EINVAL or -EPERM", r);
	/* A second correct mapping aliases the first. */
	ASSERT_EQ(0, smu_mmap_raw(self->vcpu, len, rw, MAP_SHARED,
				  SMU_RING_OFFSET, &q));
	smu_t_rw(_metadata, self->vcpu, 0, SMU_GPA(GFN + 17), &v, sizeof(v),
		 true);
	EXPECT_EQ(DIRTY, smu_ring_flags(&self->r, 0));
	EXPECT_EQ(DIRTY, ((struct secmmu_dirty_gfn *)q)[0].flags);
	EXPECT_EQ(SLOT, ((struct secmmu_dirty_gfn *)q)[0].slot);
	EXPECT_EQ(17, ((struct secmmu_dirty_gfn *)q)[0].offset);
	/* Nor can mprotect() make it executable later. */
	EXPECT_EQ(-1, mprotect(q, len, rw | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(0, mprotect(q, len, PROT_READ));
	EXPECT_EQ(SLOT, ((struct secmmu_dirty_gfn *)q)[0].slot);
	munmap(q, len);
}

TEST_F(ring, push_order)
{
	static const __u64 seq[] = { 5, 2, 9, 0, NPAGES - 1, 7 };
	char *m7 = smu_mmap_anon(4 * PAGE), *m8 = smu_mmap_anon(4 * PAGE);
	struct smu_snap s0, s1;
	char buf[16];
	unsigned int i;
	__u32 idx = 0;

	ASSERT_NE(MAP_FAILED, m7);
	ASSERT_NE(MAP_FAILED, m8);
	memset(m7, 0, 4 * PAGE);
	memset(m8, 0, 4 * PAGE);
	ASSERT_EQ(0, smu_set_memslot(self->vm, 7, SECMMU_MEM_LOG_DIRTY, 0x8000,
				     4, m7));
	ASSERT_EQ(0, smu_set_memslot(self->vm, 8, 0, 0x9000, 4, m8));
	/* View 1: 2 pages aliasing slot pages 30, 31. */
	ASSERT_EQ(0, smu_set_view(self->vm, 1, 0x20000, 2, GFN + 30));
	ASSERT_EQ(0, smu_snap(self->vm, &s0));

	for (i = 0; i < ARRAY_SIZE(seq); i++)
		wr(_metadata, self->vcpu, GFN, seq[i]);
	/* A write spanning pages 20 and 21: two entries, in order. */
	memset(buf, 0xab, sizeof(buf));
	smu_t_rw(_metadata, self->vcpu, 0, SMU_GPA(GFN + 21) - 8, buf, 16,
		 true);
	/* A slot that does not log: nothing. */
	wr(_metadata, self->vcpu, 0x9000, 1);
	/* Through the alias view: recorded as the memslot page. */
	smu_t_rw(_metadata, self->vcpu, 1, SMU_GPA(0x20001) + 100, buf, 8,
		 true);
	/* Reads record nothing; a read then a write records the write. */
	smu_t_rw(_metadata, self->vcpu, 0, SMU_GPA(GFN + 41), buf, 8, false);
	smu_t_rw(_metadata, self->vcpu, 0, SMU_GPA(GFN + 40), buf, 8, false);
	wr(_metadata, self->vcpu, GFN, 40);
	/* Another logging slot. */
	wr(_metadata, self->vcpu, 0x8000, 2);
	ASSERT_EQ(0, smu_snap(self->vm, &s1));

	for (i = 0; i < ARRAY_SIZE(seq); i++)
		expect_ent(_metadata, &self->r, idx++, DIRTY, SLOT, seq[i]);
	expect_ent(_metadata, &self->r, idx++, DIRTY, SLOT, 20);
	expect_ent(_metadata, &self->r, idx++, DIRTY, SLOT, 21);
	expect_ent(_metadata, &self->r, idx++, DIRTY, SLOT, 31);
	expect_ent(_metadata, &self->r, idx++, DIRTY, SLOT, 40);
	expect_ent(_metadata, &self->r, idx++, DIRTY, 7, 2);
	EXPECT_EQ(idx, smu_ring_busy(&self->r));
	EXPECT_TRUE(secmmu_dirty_gfn_is_free(smu_ring_ent(&self->r, idx)));
	EXPECT_EQ(idx, smu_delta(&s0, &s1, SECMMU_STAT_DIRTY_LOGGED));
	EXPECT_EQ(0, smu_delta(&s0, &s1, SECMMU_STAT_DIRTY_RING_FULL));
	/* The data went where it should. */
	EXPECT_EQ(0x5eed0000 + NPAGES - 1,
		  *(__u64 *)(self->mem + (NPAGES - 1) * PAGE + 8));
	EXPECT_EQ((char)0xab, self->mem[31 * PAGE + 100]);
	EXPECT_EQ(0x5eed0001, *(__u64 *)(m8 + PAGE + 8));
	munmap(m7, 4 * PAGE);
	munmap(m8, 4 * PAGE);
}

TEST_F(ring, once_until_reset)
{
	struct secmmu_dirty_gfn out[4];
	struct smu_snap s0, s1;

	ASSERT_EQ(0, smu_snap(self->vm, &s0));
	wr(_metadata, self->vcpu, GFN, 3);
	wr(_metadata, self->vcpu, GFN, 4);
	wr(_metadata, self->vcpu, GFN, 3);
	smu_t_rw(_metadata, self->vcpu, 0, SMU_GPA(GFN + 3) + 2000, "x", 1,
		 true);
	wr(_metadata, self->vcpu, GFN, 4);
	expect_ent(_metadata, &self->r, 0, DIRTY, SLOT, 3);
	expect_ent(_metadata, &self->r, 1, DIRTY, SLOT, 4);
	EXPECT_EQ(2, smu_ring_busy(&self->r));

	/* Harvested but not reset: the page is still not recorded again. */
	ASSERT_EQ(2, smu_ring_harvest(&self->r, out, 4));
	EXPECT_EQ(SLOT, out[0].slot);
	EXPECT_EQ(3, out[0].offset);
	EXPECT_EQ(SLOT, out[1].slot);
	EXPECT_EQ(4, out[1].offset);
	expect_ent(_metadata, &self->r, 0, RESET, SLOT, 3);
	expect_ent(_metadata, &self->r, 1, RESET, SLOT, 4);
	wr(_metadata, self->vcpu, GFN, 3);
	EXPECT_EQ(2, smu_ring_busy(&self->r));

	EXPECT_EQ(2, smu_reset_ring(self->vcpu));
	EXPECT_EQ(0, smu_ring_busy(&self->r));
	EXPECT_EQ(0, smu_reset_ring(self->vcpu));

	/* Reset re-protected them: written again, recorded again. */
	wr(_metadata, self->vcpu, GFN, 4);
	wr(_metadata, self->vcpu, GFN, 3);
	wr(_metadata, self->vcpu, GFN, 4);
	expect_ent(_metadata, &self->r, 2, DIRTY, SLOT, 4);
	expect_ent(_metadata, &self->r, 3, DIRTY, SLOT, 3);
	EXPECT_EQ(2, smu_ring_busy(&self->r));
	ASSERT_EQ(0, smu_snap(self->vm, &s1));
	EXPECT_EQ(4, smu_delta(&s0, &s1, SECMMU_STAT_DIRTY_LOGGED));
	EXPECT_EQ(2, smu_delta(&s0, &s1, SECMMU_STAT_DIRTY_RESETS));
	EXPECT_EQ(0, smu_delta(&s0, &s1, SECMMU_STAT_DIRTY_RING_ERRORS));
}

/*
 * Present writable mappings are write-protected by LOG_DIRTY; the first
 * write makes one writable again without a fault, and a reset protects it
 * again.  Exact fault counts: retried when an invalidation disturbs a run.
 */
TEST_F(ring, wp_present)
{
	char *m = smu_mmap_anon(4 * PAGE);
	int attempt;

	ASSERT_NE(MAP_FAILED, m);
	memset(m, 0, 4 * PAGE);
	for (attempt = 0; attempt < 5; attempt++) {
		__u64 wp0, wp1, wp2, wp_rst, wp_other;
		struct smu_snap s0, s1, s2;
		int i, rst;

		ASSERT_EQ(0, smu_set_memslot(self->vm, 5, 0, 0x7000, 4, m));
		for (i = 0; i < 4; i++)
			wr(_metadata, self->vcpu, 0x7000, i);
		wp0 = smu_spte_flags(self->vm, 0, 0x7001);
		ASSERT_EQ(0, smu_ring_busy(&self->r));
		ASSERT_EQ(0, smu_set_memslot(self->vm, 5, SECMMU_MEM_LOG_DIRTY,
					     0x7000, 4, m));
		wp1 = smu_spte_flags(self->vm, 0, 0x7001);
		ASSERT_EQ(0, smu_snap(self->vm, &s0));
		wr(_metadata, self->vcpu, 0x7000, 1);
		ASSERT_EQ(0, smu_snap(self->vm, &s1));
		wp2 = smu_spte_flags(self->vm, 0, 0x7001);
		wp_other = smu_spte_flags(self->vm, 0, 0x7002);
		ASSERT_EQ(1, smu_ring_harvest(&self->r, NULL, RING));
		rst = smu_reset_rings(self->vm);
		ASSERT_EQ(0, smu_snap(self->vm, &s2));
		wp_rst = smu_spte_flags(self->vm, 0, 0x7001);
		ASSERT_EQ(1, rst);
		EXPECT_TRUE(secmmu_dirty_gfn_is_free(smu_ring_ent(&self->r,
								  self->r.idx - 1)));
		ASSERT_EQ(0, smu_del_memslot(self->vm, 5));
		if (s2.v[SECMMU_STAT_INVALIDATIONS] !=
		    s0.v[SECMMU_STAT_INVALIDATIONS]) {
			TH_LOG("attempt %d disturbed by an invalidation",
			       attempt);
			continue;
		}
		EXPECT_EQ(SECMMU_SPTE_PRESENT | SECMMU_SPTE_WRITABLE,
			  wp0 & (SECMMU_SPTE_PRESENT | SECMMU_SPTE_WRITABLE));
		EXPECT_EQ(SECMMU_SPTE_PRESENT,
			  wp1 & (SECMMU_SPTE_PRESENT | SECMMU_SPTE_WRITABLE));
		EXPECT_EQ(SECMMU_SPTE_PRESENT | SECMMU_SPTE_WRITABLE,
			  wp2 & (SECMMU_SPTE_PRESENT | SECMMU_SPTE_WRITABLE));
		EXPECT_EQ(SECMMU_SPTE_PRESENT,
			  wp_other & (SECMMU_SPTE_PRESENT |
				      SECMMU_SPTE_WRITABLE));
		EXPECT_EQ(SECMMU_SPTE_PRESENT,
			  wp_rst & (SECMMU_SPTE_PRESENT | SECMMU_SPTE_WRITABLE));
		EXPECT_EQ(0, smu_delta(&s0, &s1, SECMMU_STAT_FAULTS));
		EXPECT_EQ(1, smu_delta(&s0, &s1, SECMMU_STAT_DIRTY_FAST_PATH));
		EXPECT_EQ(1, smu_delta(&s0, &s1, SECMMU_STAT_DIRTY_LOGGED));
		EXPECT_EQ(1, smu_delta(&s1, &s2, SECMMU_STAT_DIRTY_RESETS));
		EXPECT_EQ(1, smu_delta(&s1, &s2,
				       SECMMU_STAT_DIRTY_REPROTECTED));
		break;
	}
	EXPECT_LT(attempt, 5);
	munmap(m, 4 * PAGE);
}

/* Two vCPUs with known numbers of dirty pages: per-ring vs global resets. */
TEST(reset_counts)
{
	int vm = smu_t_open_vm(_metadata), v[2], i;
	struct smu_ring r[2];
	struct smu_snap s0, s1;
	char *mem;

	ASSERT_EQ(0, smu_enable_ring(vm, RING));
	for (i = 0; i < 2; i++) {
		v[i] = smu_t_vcpu(_metadata, vm, i);
		r[i].g = smu_mmap_ring(v[i], RING);
		ASSERT_NE(MAP_FAILED, r[i].g);
		r[i].n = RING;
		r[i].idx = 0;
	}
	mem = smu_mmap_anon(64 * PAGE);
	ASSERT_NE(MAP_FAILED, mem);
	memset(mem, 0, 64 * PAGE);
	ASSERT_EQ(0, smu_set_memslot(vm, 0, SECMMU_MEM_LOG_DIRTY, GFN, 64,
				     mem));
	ASSERT_EQ(0, smu_snap(vm, &s0));

	/* Round 1: vCPU 0 dirties 0..4, vCPU 1 dirties 10..16. */
	for (i = 0; i <= 4; i++)
		wr(_metadata, v[0], GFN, i);
	for (i = 10; i <= 16; i++)
		wr(_metadata, v[1], GFN, i);
	/* Already dirty (in vCPU 0's ring): not recorded again. */
	wr(_metadata, v[1], GFN, 2);
	for (i = 0; i <= 4; i++)
		expect_ent(_metadata, &r[0], i, DIRTY, 0, i);
	for (i = 0; i <= 6; i++)
		expect_ent(_metadata, &r[1], i, DIRTY, 0, 10 + i);
	EXPECT_EQ(5, smu_ring_busy(&r[0]));
	EXPECT_EQ(7, smu_ring_busy(&r[1]));
	/* Nothing harvested: nothing to reset. */
	EXPECT_EQ(0, smu_reset_ring(v[0]));
	EXPECT_EQ(0, smu_reset_rings(vm));
	/* Part of ring 0. */
	EXPECT_EQ(3, smu_ring_harvest(&r[0], NULL, 3));
	EXPECT_EQ(0, smu_reset_ring(v[1]));
	EXPECT_EQ(3, smu_reset_ring(v[0]));
	EXPECT_EQ(2, smu_ring_harvest(&r[0], NULL, RING));
	EXPECT_EQ(7, smu_ring_harvest(&r[1], NULL, RING));
	EXPECT_EQ(2, smu_reset_ring(v[0]));
	EXPECT_EQ(7, smu_reset_ring(v[1]));
	EXPECT_EQ(0, smu_reset_ring(v[0]));
	EXPECT_EQ(0, smu_reset_ring(v[1]));
	EXPECT_EQ(0, smu_reset_rings(vm));
	EXPECT_EQ(0, smu_ring_busy(&r[0]));
	EXPECT_EQ(0, smu_ring_busy(&r[1]));

	/* Round 2: 3 + 4 pages, one global reset. */
	for (i = 0; i <= 2; i++)
		wr(_metadata, v[0], GFN, i);
	for (i = 20; i <= 23; i++)
		wr(_metadata, v[1], GFN, i);
	for (i = 0; i <= 2; i++)
		expect_ent(_metadata, &r[0], 5 + i, DIRTY, 0, i);
	for (i = 0; i <= 3; i++)
		expect_ent(_metadata, &r[1], 7 + i, DIRTY, 0, 20 + i);
	EXPECT_EQ(3, smu_ring_harvest(&r[0], NULL, RING));
	EXPECT_EQ(4, smu_ring_harvest(&r[1], NULL, RING));
	EXPECT_EQ(7, smu_reset_rings(vm));
	EXPECT_EQ(0, smu_reset_rings(vm));
	EXPECT_EQ(0, smu_reset_ring(v[1]));

	/* Round 3: a per-ring reset, then the global one finds the rest. */
	wr(_metadata, v[0], GFN, 30);
	wr(_metadata, v[0], GFN, 31);
	wr(_metadata, v[1], GFN, 32);
	EXPECT_EQ(2, smu_ring_harvest(&r[0], NULL, RING));
	EXPECT_EQ(1, smu_ring_harvest(&r[1], NULL, RING));
	EXPECT_EQ(2, smu_reset_ring(v[0]));
	EXPECT_EQ(1, smu_reset_rings(vm));
	EXPECT_EQ(0, smu_ring_busy(&r[0]));
	EXPECT_EQ(0, smu_ring_busy(&r[1]));

	ASSERT_EQ(0, smu_snap(vm, &s1));
	EXPECT_EQ(22, smu_delta(&s0, &s1, SECMMU_STAT_DIRTY_LOGGED));
	EXPECT_EQ(22, smu_delta(&s0, &s1, SECMMU_STAT_DIRTY_RESETS));
	EXPECT_EQ(0, smu_delta(&s0, &s1, SECMMU_STAT_DIRTY_RING_ERRORS));
	for (i = 0; i < 2; i++) {
		munmap(r[i].g, SMU_RING_BYTES(RING));
		close(v[i]);
	}
	close(vm);
	munmap(mem, 64 * PAGE);
}

/* Expect a write of page @pg to exit DIRTY_RING_FULL having done nothing. */
static void expect_full(struct __test_metadata *_metadata, int vcpu,
			char *mem, __u64 pg)
{
	struct secmmu_access a;
	__u64 v = 0xf011;

	ASSERT_EQ(0, smu_write(vcpu, 0, SMU_GPA(GFN + pg) + 8, &v, sizeof(v),
			       &a));
	EXPECT_EQ(SECMMU_EXIT_DIRTY_RING_FULL, a.exit_reason)
		TH_LOG("page %llu", (unsigned long long)pg);
	EXPECT_EQ(0, a.done);
	EXPECT_EQ(SMU_GPA(GFN + pg) + 8, a.exit_gpa);
	EXPECT_EQ(0, *(__u64 *)(mem + pg * PAGE + 8));
}

TEST_F(ring, full_exact)
{
	struct secmmu_access_op ops[260];
	struct secmmu_access_batch b;
	struct smu_snap s0, s1;
	__u64 vals[260];
	__u32 i;

	ASSERT_EQ(0, smu_snap(self->vm, &s0));
	/* Exactly RING - RSVD pages dirty, then full. */
	for (i = 0; i < SOFT; i++)
		wr(_metadata, self->vcpu, GFN, i);
	EXPECT_EQ(SOFT, smu_ring_busy(&self->r));
	expect_full(_metadata, self->vcpu, self->mem, SOFT);
	expect_full(_metadata, self->vcpu, self->mem, SOFT + 1);
	EXPECT_EQ(SOFT, smu_ring_busy(&self->r));
	ASSERT_EQ(0, smu_snap(self->vm, &s1));
	EXPECT_EQ(2, smu_delta(&s0, &s1, SECMMU_STAT_DIRTY_RING_FULL));
	EXPECT_EQ(SOFT, smu_delta(&s0, &s1, SECMMU_STAT_DIRTY_LOGGED));
	/* Harvested but not reset: still full. */
	EXPECT_EQ(100, smu_ring_harvest(&self->r, NULL, 100));
	expect_full(_metadata, self->vcpu, self->mem, SOFT);
	/* Resetting 100 lets exactly 100 more in, wrapping the ring. */
	EXPECT_EQ(100, smu_reset_ring(self->vcpu));
	for (i = 0; i < 100; i++)
		wr(_metadata, self->vcpu, GFN, SOFT + i);
	expect_full(_metadata, self->vcpu, self->mem, SOFT + 100);
	for (i = 0; i < 100; i++)
		expect_ent(_metadata, &self->r, SOFT + i, DIRTY, SLOT,
			   SOFT + i);
	EXPECT_EQ(SOFT, smu_ring_busy(&self->r));
	/* Empty it: then a batch stops at the same threshold. */
	EXPECT_EQ(SOFT, smu_ring_harvest(&self->r, NULL, RING));
	EXPECT_EQ(SOFT, smu_reset_rings(self->vm));
	EXPECT_EQ(0, smu_ring_busy(&self->r));
	for (i = 0; i < 260; i++) {
		vals[i] = i;
		smu_op(&ops[i], 0, SMU_GPA(GFN + 500 + i), &vals[i], 8, true);
	}
	ASSERT_EQ(0, smu_batch(self->vcpu, ops, 260, &b));
	EXPECT_EQ(SECMMU_EXIT_DIRTY_RING_FULL, b.exit_reason);
	EXPECT_EQ(SOFT, b.done);
	EXPECT_EQ(SMU_GPA(GFN + 500 + SOFT), b.exit_gpa);
	EXPECT_EQ(SOFT - 1, *(__u64 *)(self->mem + (500 + SOFT - 1) * PAGE));
	EXPECT_EQ(0, *(__u64 *)(self->mem + (500 + SOFT) * PAGE));
	for (i = 0; i < SOFT; i++)
		expect_ent(_metadata, &self->r, SOFT + 100 + i, DIRTY,
			   SLOT, 500 + i);
	ASSERT_EQ(0, smu_snap(self->vm, &s1));
	EXPECT_EQ(5, smu_delta(&s0, &s1, SECMMU_STAT_DIRTY_RING_FULL));
	EXPECT_EQ(2 * SOFT + 100,
		  smu_delta(&s0, &s1, SECMMU_STAT_DIRTY_LOGGED));
	EXPECT_EQ(SOFT + 100, smu_delta(&s0, &s1, SECMMU_STAT_DIRTY_RESETS));
}

TEST_F(ring, kernel_harvest)
{
	struct secmmu_dirty_gfn out[16];
	struct secmmu_harvest h;
	int i;

	for (i = 10; i < 16; i++)
		wr(_metadata, self->vcpu, GFN, i);
	memset(out, 0xff, sizeof(out));
	ASSERT_EQ(4, smu_kharvest(self->vcpu, out, 4));
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(SLOT, out[i].slot);
		EXPECT_EQ(10 + i, out[i].offset);
		expect_ent(_metadata, &self->r, i, RESET, SLOT, 10 + i);
	}
	/* Nothing written past max. */
	EXPECT_EQ(~0U, out[4].slot);
	expect_ent(_metadata, &self->r, 4, DIRTY, SLOT, 14);
	expect_ent(_metadata, &self->r, 5, DIRTY, SLOT, 15);
	ASSERT_EQ(2, smu_kharvest(self->vcpu, out, 16));
	EXPECT_EQ(14, out[0].offset);
	EXPECT_EQ(15, out[1].offset);
	expect_ent(_metadata, &self->r, 4, RESET, SLOT, 14);
	expect_ent(_metadata, &self->r, 5, RESET, SLOT, 15);
	EXPECT_EQ(0, smu_kharvest(self->vcpu, out, 16));
	EXPECT_EQ(6, smu_reset_ring(self->vcpu));
	EXPECT_EQ(0, smu_ring_busy(&self->r));
	/* Again after the reset, with the global reset. */
	wr(_metadata, self->vcpu, GFN, 10);
	ASSERT_EQ(1, smu_kharvest(self->vcpu, out, 16));
	EXPECT_EQ(SLOT, out[0].slot);
	EXPECT_EQ(10, out[0].offset);
	EXPECT_EQ(1, smu_reset_rings(self->vm));
	/* Reserved fields. */
	memset(&h, 0, sizeof(h));
	h.entries = (__u64)(uintptr_t)out;
	h.max = 16;
	h.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, smu_ioctl(self->vcpu, SECMMU_HARVEST, &h));
	/*
	 * A bad buffer with an entry pending: -EFAULT, and the dirty record
	 * must not be lost (else a later reset re-protects a page nobody
	 * copies: the lossless guarantee breaks).
	 */
	wr(_metadata, self->vcpu, GFN, 11);
	EXPECT_EQ(-EFAULT, smu_kharvest(self->vcpu, (void *)8, 16));
	EXPECT_EQ(DIRTY, smu_ring_flags(&self->r, 7))
		TH_LOG("the entry was consumed by the failed SECMMU_HARVEST");
	EXPECT_EQ(1, smu_kharvest(self->vcpu, out, 16));
	EXPECT_EQ(11, out[0].offset);
}

/*
 * A copy that fails after earlier chunks were delivered: the delivered
 * entries are reported (count), the rest stay DIRTY for the next call.
 */
TEST_F(ring, kernel_harvest_partial)
{
	enum { N = 40, CHUNK = 32 };	/* CHUNK: the kernel's copy-out unit */
	size_t fit = CHUNK * sizeof(struct secmmu_dirty_gfn);
	struct secmmu_dirty_gfn *out, rest[N];
	char *buf;
	int i;

	for (i = 0; i < N; i++)
		wr(_metadata, self->vcpu, GFN, i);
	/* Room for exactly one chunk, then a page that faults. */
	buf = smu_mmap_anon(2 * PAGE);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, mprotect(buf + PAGE, PAGE, PROT_NONE));
	out = (struct secmmu_dirty_gfn *)(buf + PAGE - fit);
	EXPECT_EQ(CHUNK, smu_kharvest(self->vcpu, out, N))
		TH_LOG("delivered entries must be counted, not lost in -EFAULT");
	for (i = 0; i < N; i++)
		expect_ent(_metadata, &self->r, i, i < CHUNK ? RESET : DIRTY,
			   SLOT, i);
	for (i = 0; i < CHUNK; i++)
		EXPECT_EQ(i, out[i].offset);
	ASSERT_EQ(N - CHUNK, smu_kharvest(self->vcpu, rest, N));
	for (i = 0; i < N - CHUNK; i++)
		EXPECT_EQ(CHUNK + i, rest[i].offset);
	/* Nothing delivered at all is still -EFAULT. */
	wr(_metadata, self->vcpu, GFN, N);
	EXPECT_EQ(-EFAULT, smu_kharvest(self->vcpu, (void *)(buf + PAGE), N));
	EXPECT_EQ(DIRTY, smu_ring_flags(&self->r, N));
	munmap(buf, 2 * PAGE);
}

/* SECMMU_HARVEST is for harnesses that never mmap the ring. */
TEST(harvest_no_mmap)
{
	int vm = smu_t_open_vm(_metadata), vcpu, i;
	struct secmmu_dirty_gfn out[8];
	char *mem;

	ASSERT_EQ(0, smu_enable_ring(vm, RING));
	vcpu = smu_t_vcpu(_metadata, vm, 0);
	mem = smu_mmap_anon(8 * PAGE);
	ASSERT_NE(MAP_FAILED, mem);
	memset(mem, 0, 8 * PAGE);
	ASSERT_EQ(0, smu_set_memslot(vm, 2, SECMMU_MEM_LOG_DIRTY, GFN, 8, mem));
	for (i = 7; i >= 0; i -= 2)
		wr(_metadata, vcpu, GFN, i);
	ASSERT_EQ(4, smu_kharvest(vcpu, out, 8));
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(2, out[i].slot);
		EXPECT_EQ(7 - 2 * i, out[i].offset);
	}
	EXPECT_EQ(4, smu_reset_ring(vcpu));
	wr(_metadata, vcpu, GFN, 7);
	ASSERT_EQ(1, smu_kharvest(vcpu, out, 8));
	EXPECT_EQ(7, out[0].offset);
	EXPECT_EQ(1, smu_reset_rings(vm));
	close(vcpu);
	close(vm);
	munmap(mem, 8 * PAGE);
}

/*
 * Dirty pages @first..@first+3, harvest them; returns the ring index of
 * the first.
 */
static __u32 dirty4(struct __test_metadata *_metadata, FIXTURE_DATA(ring) *self,
		    __u64 first)
{
	__u32 base = self->r.idx;
	int i;

	for (i = 0; i < 4; i++)
		wr(_metadata, self->vcpu, GFN, first + i);
	EXPECT_EQ(4, smu_ring_harvest(&self->r, NULL, 4));
	return base;
}

static __u64 errs(struct __test_metadata *_metadata, int vm)
{
	return smu_t_stat(_metadata, vm, SECMMU_STAT_DIRTY_RING_ERRORS);
}

static bool writable(int vm, __u64 gfn)
{
	return smu_spte_flags(vm, 0, gfn) & SECMMU_SPTE_WRITABLE;
}

/* Garbage flags in a harvested entry stop the reset there. */
TEST_F(ring, corrupt_flags)
{
	static const __u32 bad[] = { 0x80, DIRTY | RESET, 0xffffffff, 4 };
	unsigned int k;

	for (k = 0; k < ARRAY_SIZE(bad); k++) {
		__u64 first = 10 * k, e0 = errs(_metadata, self->vm);
		__u32 base = dirty4(_metadata, self, first);
		struct secmmu_dirty_gfn *e = smu_ring_ent(&self->r, base + 2);

		e->flags = bad[k];
		EXPECT_EQ(2, smu_reset_ring(self->vcpu))
			TH_LOG("flags %#x", bad[k]);
		EXPECT_EQ(e0 + 1, errs(_metadata, self->vm));
		EXPECT_TRUE(secmmu_dirty_gfn_is_free(smu_ring_ent(&self->r, base)));
		EXPECT_TRUE(secmmu_dirty_gfn_is_free(smu_ring_ent(&self->r,
								  base + 1)));
		EXPECT_FALSE(writable(self->vm, GFN + first));
		EXPECT_FALSE(writable(self->vm, GFN + first + 1));
		EXPECT_EQ(-EBADMSG, smu_reset_ring(self->vcpu));
		EXPECT_EQ(e0 + 2, errs(_metadata, self->vm));
		EXPECT_EQ(-EBADMSG, smu_reset_rings(self->vm));
		EXPECT_EQ(e0 + 3, errs(_metadata, self->vm));
		/* Pages past the corruption were not re-protected. */
		EXPECT_TRUE(writable(self->vm, GFN + first + 3));
		/* Corrected: the rest resets and the ring works again. */
		e->flags = RESET;
		EXPECT_EQ(2, smu_reset_ring(self->vcpu));
		EXPECT_EQ(0, smu_ring_busy(&self->r));
		EXPECT_EQ(e0 + 3, errs(_metadata, self->vm));
		EXPECT_FALSE(writable(self->vm, GFN + first + 3));
		wr(_metadata, self->vcpu, GFN, first + 3);
		expect_ent(_metadata, &self->r, base + 4, DIRTY, SLOT,
			   first + 3);
		EXPECT_EQ(1, smu_ring_harvest(&self->r, NULL, 1));
		EXPECT_EQ(1, smu_reset_rings(self->vm));
	}
}

/* A RESET entry naming a page that is not in a memslot. */
TEST_F(ring, corrupt_slot_offset)
{
	static const struct { __u32 slot; __u64 off; } bad[] = {
		{ SLOT, NPAGES }, { SLOT, NPAGES + 64 }, { SLOT, ~0ULL },
		{ SLOT, 1ULL << 63 }, { 31, 0 }, { SECMMU_MAX_MEMSLOTS, 0 },
		{ ~0U, 0 },
	};
	unsigned int k;

	for (k = 0; k < ARRAY_SIZE(bad); k++) {
		__u64 first = 10 * k, e0 = errs(_metadata, self->vm);
		__u32 base = dirty4(_metadata, self, first);
		struct secmmu_dirty_gfn *e = smu_ring_ent(&self->r, base + 1);

		e->slot = bad[k].slot;
		e->offset = bad[k].off;
		EXPECT_EQ(1, smu_reset_ring(self->vcpu))
			TH_LOG("slot %u offset %#llx", bad[k].slot,
			       (unsigned long long)bad[k].off);
		EXPECT_EQ(e0 + 1, errs(_metadata, self->vm));
		EXPECT_EQ(-EBADMSG, smu_reset_rings(self->vm));
		EXPECT_EQ(e0 + 2, errs(_metadata, self->vm));
		EXPECT_TRUE(writable(self->vm, GFN + first + 2));
		e->slot = SLOT;
		e->offset = first + 1;
		EXPECT_EQ(3, smu_reset_rings(self->vm));
		EXPECT_EQ(0, smu_ring_busy(&self->r));
		EXPECT_FALSE(writable(self->vm, GFN + first + 1));
		EXPECT_FALSE(writable(self->vm, GFN + first + 2));
		wr(_metadata, self->vcpu, GFN, first + 1);
		expect_ent(_metadata, &self->r, base + 4, DIRTY, SLOT,
			   first + 1);
		EXPECT_EQ(1, smu_ring_harvest(&self->r, NULL, 1));
		EXPECT_EQ(1, smu_reset_ring(self->vcpu));
	}
	/* A slot that exists, but another one than pushed: still valid. */
	{
		char *m = smu_mmap_anon(2 * PAGE);
		__u32 base;

		ASSERT_NE(MAP_FAILED, m);
		ASSERT_EQ(0, smu_set_memslot(self->vm, 9, SECMMU_MEM_LOG_DIRTY,
					     0x9000, 2, m));
		base = dirty4(_metadata, self, 200);
		smu_ring_ent(&self->r, base)->slot = 9;
		smu_ring_ent(&self->r, base)->offset = 1;
		EXPECT_EQ(4, smu_reset_ring(self->vcpu));
		munmap(m, 2 * PAGE);
	}
}

/* A RESET entry after one still DIRTY. */
TEST_F(ring, corrupt_order)
{
	__u64 e0 = errs(_metadata, self->vm);
	int i;

	for (i = 0; i < 4; i++)
		wr(_metadata, self->vcpu, GFN, i);
	ASSERT_EQ(1, smu_ring_harvest(&self->r, NULL, 1));
	smu_ring_ent(&self->r, 2)->flags = RESET;	/* skipping entry 1 */
	EXPECT_EQ(1, smu_reset_ring(self->vcpu));
	EXPECT_EQ(e0 + 1, errs(_metadata, self->vm));
	EXPECT_EQ(-EBADMSG, smu_reset_ring(self->vcpu));
	EXPECT_EQ(e0 + 2, errs(_metadata, self->vm));
	EXPECT_EQ(DIRTY, smu_ring_flags(&self->r, 1));
	/* Harvest 1 properly (2 is already RESET), then 3. */
	ASSERT_EQ(1, smu_ring_harvest(&self->r, NULL, 1));
	self->r.idx = 3;
	ASSERT_EQ(1, smu_ring_harvest(&self->r, NULL, 4));
	EXPECT_EQ(3, smu_reset_ring(self->vcpu));
	EXPECT_EQ(e0 + 2, errs(_metadata, self->vm));
	EXPECT_EQ(0, smu_ring_busy(&self->r));
	wr(_metadata, self->vcpu, GFN, 2);
	expect_ent(_metadata, &self->r, 4, DIRTY, SLOT, 2);
}

/*
 * RESET entries the kernel never pushed (past the push index) are not
 * reset: the ring's accounting stays exact.
 */
TEST_F(ring, corrupt_forged)
{
	struct smu_snap s0, s1;
	__u32 i;

	ASSERT_EQ(0, smu_snap(self->vm, &s0));
	wr(_metadata, self->vcpu, GFN, 0);
	wr(_metadata, self->vcpu, GFN, 1);
	ASSERT_EQ(2, smu_ring_harvest(&self->r, NULL, RING));
	for (i = 2; i < 10; i++) {
		smu_ring_ent(&self->r, i)->slot = SLOT;
		smu_ring_ent(&self->r, i)->offset = 100 + i;
		smu_ring_ent(&self->r, i)->flags = RESET;
	}
	EXPECT_EQ(2, smu_reset_ring(self->vcpu));
	ASSERT_EQ(0, smu_snap(self->vm, &s1));
	EXPECT_EQ(2, smu_delta(&s0, &s1, SECMMU_STAT_DIRTY_RESETS));
	for (i = 2; i < 10; i++)
		memset(smu_ring_ent(&self->r, i), 0, sizeof(struct secmmu_dirty_gfn));
	/* The next push goes to entry 2, and full comes at exactly SOFT. */
	for (i = 0; i < SOFT; i++)
		wr(_metadata, self->vcpu, GFN, 2 + i);
	expect_ent(_metadata, &self->r, 2, DIRTY, SLOT, 2);
	expect_ent(_metadata, &self->r, 2 + SOFT - 1, DIRTY, SLOT, 1 + SOFT);
	expect_full(_metadata, self->vcpu, self->mem, 2 + SOFT);
}

/* A ring full of garbage: nothing crashes, and a repaired ring works. */
TEST_F(ring, corrupt_garbage)
{
	struct secmmu_dirty_gfn saved[3];
	uint64_t seed = 0x1234567;
	__u64 e0 = errs(_metadata, self->vm);
	__u32 i;
	int ret;

	for (i = 0; i < 3; i++)
		wr(_metadata, self->vcpu, GFN, 50 + i);
	ASSERT_EQ(3, smu_ring_harvest(&self->r, saved, 3));
	for (i = 0; i < RING; i++) {
		self->r.g[i].flags = smu_rand(&seed);
		self->r.g[i].slot = smu_rand(&seed);
		self->r.g[i].offset = smu_rand(&seed);
	}
	self->r.g[0].flags = 0xdeadbeef;
	EXPECT_EQ(-EBADMSG, smu_reset_ring(self->vcpu));
	EXPECT_EQ(-EBADMSG, smu_reset_rings(self->vm));
	EXPECT_EQ(e0 + 2, errs(_metadata, self->vm));
	/* A vCPU with a garbage ring still accesses memory. */
	smu_t_rw(_metadata, self->vcpu, 0, SMU_GPA(GFN + 50), &seed, 8, false);
	/* Every entry RESET with random contents: bounded, no crash. */
	for (i = 0; i < RING; i++)
		self->r.g[i].flags = RESET;
	ret = smu_reset_ring(self->vcpu);
	EXPECT_TRUE(ret == -EBADMSG || (ret >= 0 && ret <= 3))
		TH_LOG("reset of random RESET entries: %d", ret);
	/* Repair: the 3 real entries RESET as harvested, the rest free. */
	memset(self->r.g, 0, SMU_RING_BYTES(RING));
	for (i = 0; i < 3; i++) {
		self->r.g[i] = saved[i];
		self->r.g[i].flags = RESET;
	}
	if (ret == -EBADMSG) {
		EXPECT_EQ(3, smu_reset_ring(self->vcpu));
	} else {
		/* Entries it did reset are gone; reset the others. */
		for (i = 0; i < (__u32)ret; i++)
			self->r.g[i].flags = 0;
		EXPECT_EQ(3 - ret, smu_reset_ring(self->vcpu));
	}
	EXPECT_EQ(0, smu_ring_busy(&self->r));
	wr(_metadata, self->vcpu, GFN, 51);
	expect_ent(_metadata, &self->r, 3, DIRTY, SLOT, 51);
	EXPECT_EQ(1, smu_ring_busy(&self->r));
}

TEST_F(ring, log_dirty_off)
{
	wr(_metadata, self->vcpu, GFN, 1);
	ASSERT_EQ(0, smu_set_memslot(self->vm, SLOT, 0, GFN, NPAGES,
				     self->mem));
	wr(_metadata, self->vcpu, GFN, 2);
	wr(_metadata, self->vcpu, GFN, 3);
	EXPECT_EQ(1, smu_ring_busy(&self->r));
	expect_ent(_metadata, &self->r, 0, DIRTY, SLOT, 1);
	/* Back on: the pages written meanwhile are protected again. */
	ASSERT_EQ(0, smu_set_memslot(self->vm, SLOT, SECMMU_MEM_LOG_DIRTY, GFN,
				     NPAGES, self->mem));
	wr(_metadata, self->vcpu, GFN, 2);
	EXPECT_EQ(2, smu_ring_busy(&self->r));
	expect_ent(_metadata, &self->r, 1, DIRTY, SLOT, 2);
	EXPECT_EQ(2, smu_ring_harvest(&self->r, NULL, RING));
	EXPECT_EQ(2, smu_reset_rings(self->vm));
}

TEST_F(ring, readonly)
{
	char *m = smu_mmap_anon(4 * PAGE);
	struct secmmu_access a;
	struct smu_snap s0, s1;
	__u64 v = 1;

	ASSERT_NE(MAP_FAILED, m);
	memset(m, 0, 4 * PAGE);
	ASSERT_EQ(0, smu_set_memslot(self->vm, 9,
				     SECMMU_MEM_LOG_DIRTY | SECMMU_MEM_READONLY,
				     0x9000, 4, m));
	ASSERT_EQ(0, smu_snap(self->vm, &s0));
	ASSERT_EQ(0, smu_write(self->vcpu, 0, SMU_GPA(0x9001), &v, 8, &a));
	EXPECT_EQ(SECMMU_EXIT_READONLY, a.exit_reason);
	EXPECT_EQ(0, a.done);
	EXPECT_EQ(SMU_GPA(0x9001), a.exit_gpa);
	ASSERT_EQ(0, smu_read(self->vcpu, 0, SMU_GPA(0x9001), &v, 8, &a));
	EXPECT_EQ(SECMMU_EXIT_NONE, a.exit_reason);
	ASSERT_EQ(0, smu_snap(self->vm, &s1));
	EXPECT_EQ(0, smu_ring_busy(&self->r));
	EXPECT_EQ(0, smu_delta(&s0, &s1, SECMMU_STAT_DIRTY_LOGGED));
	EXPECT_TRUE(smu_is_zero(m, 4 * PAGE));
	munmap(m, 4 * PAGE);
}

/*
 * An entry the kernel pushed for a memslot that was deleted before the
 * reset names an invalid slot, but userspace did not corrupt it: deleting
 * a memslot while logging is legal.  The reset must free it (there is
 * nothing left to protect) and go on; it must not count a ring error,
 * fail with -EBADMSG, or wedge the ring until userspace forges the entry.
 */
TEST_F(ring, slot_deleted_pending)
{
	char *m = smu_mmap_anon(8 * PAGE);
	__u64 e0 = errs(_metadata, self->vm);

	ASSERT_NE(MAP_FAILED, m);
	memset(m, 0, 8 * PAGE);
	ASSERT_EQ(0, smu_set_memslot(self->vm, 6, SECMMU_MEM_LOG_DIRTY,
				     0x9000, 8, m));
	wr(_metadata, self->vcpu, 0x9000, 3);
	wr(_metadata, self->vcpu, GFN, 5);
	ASSERT_EQ(2, smu_ring_harvest(&self->r, NULL, RING));
	ASSERT_EQ(0, smu_del_memslot(self->vm, 6));
	ASSERT_EQ(2, smu_reset_ring(self->vcpu));
	EXPECT_EQ(e0, errs(_metadata, self->vm));
	EXPECT_EQ(0, smu_ring_busy(&self->r));
	EXPECT_FALSE(writable(self->vm, GFN + 5));
	wr(_metadata, self->vcpu, GFN, 5);
	expect_ent(_metadata, &self->r, 2, DIRTY, SLOT, 5);
	munmap(m, 8 * PAGE);
}

/* The mapping keeps the ring alive after both fds are closed. */
TEST(ring_outlives_fds)
{
	int vm = smu_t_open_vm(_metadata), vcpu;
	struct secmmu_dirty_gfn *g;
	char *mem;

	ASSERT_EQ(0, smu_enable_ring(vm, RING));
	vcpu = smu_t_vcpu(_metadata, vm, 0);
	g = smu_mmap_ring(vcpu, RING);
	ASSERT_NE(MAP_FAILED, g);
	mem = smu_mmap_anon(4 * PAGE);
	ASSERT_NE(MAP_FAILED, mem);
	memset(mem, 0, 4 * PAGE);
	ASSERT_EQ(0, smu_set_memslot(vm, 1, SECMMU_MEM_LOG_DIRTY, GFN, 4, mem));
	wr(_metadata, vcpu, GFN, 2);
	close(vcpu);
	close(vm);
	EXPECT_EQ(DIRTY, g[0].flags);
	EXPECT_EQ(1, g[0].slot);
	EXPECT_EQ(2, g[0].offset);
	g[0].flags = RESET;
	g[RING - 1].offset = 1;
	EXPECT_EQ(0, munmap(g, SMU_RING_BYTES(RING)));
	munmap(mem, 4 * PAGE);
}

/*
 * The global reset from one thread while another thread harvests the same
 * ring (the UAPI allows it; it only loses the "never re-protects a page
 * still being harvested" property).  A harvester that marks entry k and
 * then k + 1 RESET while a reset, having stopped at k still DIRTY, looks
 * further is a legal interleaving, not a corrupted ring: no reset may
 * fail with -EBADMSG and SECMMU_STAT_DIRTY_RING_ERRORS must stay 0.
 */
#define CR_RING		4096
#define CR_PAGES	2048
#define CR_WRITES	65536
#define CR_BATCH	512

struct cr_ctx {
	int vm, vcpu;
	struct smu_ring r;
	int writer_done, harvester_done, err;
	__u64 harvested, fulls;
};

/*
 * Batches of writes to fresh pages: each leaves up to CR_BATCH DIRTY
 * entries for the harvester to chew through while resets run, which is
 * when the interleaving above happens.
 */
static void *cr_writer(void *p)
{
	static struct secmmu_access_op ops[CR_BATCH];
	static __u64 vals[CR_BATCH];
	struct cr_ctx *c = p;
	struct secmmu_access_batch b;
	__u64 i = 0, k;

	while (i < CR_WRITES) {
		for (k = 0; k < CR_BATCH; k++) {
			vals[k] = i + k;
			smu_op(&ops[k], 0,
			       SMU_GPA(GFN + (i + k) % CR_PAGES) + 8,
			       &vals[k], 8, true);
		}
		if (smu_batch(c->vcpu, ops, CR_BATCH, &b)) {
			__atomic_store_n(&c->err, 1, __ATOMIC_RELEASE);
			break;
		}
		if (b.exit_reason == SECMMU_EXIT_DIRTY_RING_FULL) {
			c->fulls++;
			sched_yield();
		} else if (b.exit_reason != SECMMU_EXIT_NONE) {
			__atomic_store_n(&c->err, 1, __ATOMIC_RELEASE);
			break;
		}
		i += b.done;
	}
	__atomic_store_n(&c->writer_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void *cr_harvester(void *p)
{
	struct cr_ctx *c = p;
	struct secmmu_dirty_gfn e;
	int last = 0;

	for (;;) {
		if (secmmu_dirty_ring_harvest_one(c->r.g, c->r.n, &c->r.idx,
						  &e)) {
			if (e.slot != 0 || e.offset >= CR_PAGES)
				__atomic_store_n(&c->err, 2, __ATOMIC_RELEASE);
			c->harvested++;
			continue;
		}
		if (last)
			break;
		/* One more pass after the writer stopped pushing. */
		last = __atomic_load_n(&c->writer_done, __ATOMIC_ACQUIRE);
		if (!last)
			sched_yield();
	}
	__atomic_store_n(&c->harvester_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

FIXTURE(cr) {
};

FIXTURE_SETUP(cr)
{
}

FIXTURE_TEARDOWN(cr)
{
}

TEST_F_TIMEOUT(cr, concurrent_global_reset, 180)
{
	struct cr_ctx c = { 0 };
	long resets = 0, badmsg = 0, other = 0, ret;
	pthread_t wt, ht;
	struct smu_snap s0, s1;
	char *mem;

	c.vm = smu_t_open_vm(_metadata);
	ASSERT_EQ(0, smu_enable_ring(c.vm, CR_RING));
	c.vcpu = smu_t_vcpu(_metadata, c.vm, 0);
	c.r.g = smu_mmap_ring(c.vcpu, CR_RING);
	ASSERT_NE(MAP_FAILED, c.r.g);
	c.r.n = CR_RING;
	mem = smu_mmap_anon(CR_PAGES * PAGE);
	ASSERT_NE(MAP_FAILED, mem);
	memset(mem, 0, CR_PAGES * PAGE);
	ASSERT_EQ(0, smu_set_memslot(c.vm, 0, SECMMU_MEM_LOG_DIRTY, GFN,
				     CR_PAGES, mem));
	ASSERT_EQ(0, smu_snap(c.vm, &s0));
	ASSERT_EQ(0, pthread_create(&wt, NULL, cr_writer, &c));
	ASSERT_EQ(0, pthread_create(&ht, NULL, cr_harvester, &c));
	for (;;) {
		int done = __atomic_load_n(&c.harvester_done,
					   __ATOMIC_ACQUIRE);

		ret = smu_reset_rings(c.vm);
		if (ret >= 0)
			resets += ret;
		else if (ret == -EBADMSG)
			badmsg++;
		else
			other++;
		if (done)
			break;
	}
	pthread_join(wt, NULL);
	pthread_join(ht, NULL);
	ASSERT_EQ(0, smu_snap(c.vm, &s1));
	TH_LOG("%llu harvested, %ld reset, %llu full exits, %ld -EBADMSG",
	       (unsigned long long)c.harvested, resets,
	       (unsigned long long)c.fulls, badmsg);
	ASSERT_EQ(0, c.err);
	EXPECT_EQ(0, other);
	EXPECT_EQ(0, badmsg);
	EXPECT_EQ(0, smu_delta(&s0, &s1, SECMMU_STAT_DIRTY_RING_ERRORS));
	EXPECT_EQ(c.harvested, (__u64)resets);
	EXPECT_EQ(c.harvested, smu_delta(&s0, &s1, SECMMU_STAT_DIRTY_LOGGED));
	EXPECT_EQ(0, smu_ring_busy(&c.r));
	munmap(c.r.g, SMU_RING_BYTES(CR_RING));
	close(c.vcpu);
	close(c.vm);
	munmap(mem, CR_PAGES * PAGE);
}

TEST_HARNESS_MAIN
