// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty bitmaps of LOG_DIRTY memslots: SECMMU_GET_DIRTY_LOG shows exactly
 * the written pages, SECMMU_CLEAR_DIRTY_LOG re-protects exactly the cleared
 * ones, argument errors, READONLY slots and toggling LOG_DIRTY.
 */
#include "secmmu_test.h"

#define NPAGES	256
#define WORDS	SMU_BM_WORDS(NPAGES)
#define GFN	0x1000
#define SLOT	0

FIXTURE(log) {
	struct smu_env e;
};

FIXTURE_SETUP(log)
{
	smu_env_setup(_metadata, &self->e, NPAGES, GFN);
	ASSERT_EQ(0, smu_set_memslot(self->e.vm, SLOT, SECMMU_MEM_LOG_DIRTY,
				     GFN, NPAGES, self->e.mem));
}

FIXTURE_TEARDOWN(log)
{
	smu_env_teardown(&self->e);
}

static void wr(struct __test_metadata *_metadata, int vcpu, __u64 gfn,
	       __u64 pg)
{
	__u64 v = 0xd1d1d1d100000000ULL + pg;

	smu_t_rw(_metadata, vcpu, 0, SMU_GPA(gfn + pg) + 16, &v, sizeof(v),
		 true);
}

/* The bitmap of @num pages from @first equals exactly the pages @pg[]. */
static void expect_bits(struct __test_metadata *_metadata, int vm, __u32 slot,
			__u64 first, __u64 num, const __u64 *pg, size_t n)
{
	__u64 got[WORDS + 1], want[WORDS + 1];
	size_t i;

	ASSERT_LE(SMU_BM_WORDS(num), WORDS);
	memset(got, 0, sizeof(got));
	memset(want, 0, sizeof(want));
	for (i = 0; i < n; i++)
		smu_bm_set(want, pg[i] - first);
	ASSERT_EQ(0, smu_get_log(vm, slot, first, num, got));
	for (i = 0; i < num; i++)
		EXPECT_EQ(smu_bm_test(want, i), smu_bm_test(got, i))
			TH_LOG("slot %u page %llu", slot,
			       (unsigned long long)(first + i));
}

static bool writable(int vm, __u64 gfn)
{
	return smu_spte_flags(vm, 0, gfn) & SECMMU_SPTE_WRITABLE;
}

TEST_F(log, exact_pages)
{
	static const __u64 w[] = { 0, 5, 63, 64, 100, 200, NPAGES - 1 };
	static const __u64 all[] = { 0, 5, 63, 64, 100, 101, 200, NPAGES - 1 };
	static const __u64 mid[] = { 64, 100, 101 };
	static const __u64 low[] = { 0, 5, 63, 64 };
	__u64 bm[4], logged;
	char buf[32];
	unsigned int i;

	logged = smu_t_stat(_metadata, self->e.vm, SECMMU_STAT_DIRTY_LOGGED);
	expect_bits(_metadata, self->e.vm, SLOT, 0, NPAGES, NULL, 0);
	for (i = 0; i < ARRAY_SIZE(w); i++)
		wr(_metadata, self->e.vcpu, GFN, w[i]);
	/* Spanning 100 and 101; reads of 10, 11 record nothing. */
	memset(buf, 1, sizeof(buf));
	smu_t_rw(_metadata, self->e.vcpu, 0, SMU_GPA(GFN + 101) - 16, buf, 32,
		 true);
	smu_t_rw(_metadata, self->e.vcpu, 0, SMU_GPA(GFN + 11) - 16, buf, 32,
		 false);
	/* Written again: nothing new. */
	wr(_metadata, self->e.vcpu, GFN, 5);
	expect_bits(_metadata, self->e.vm, SLOT, 0, NPAGES, all,
		    ARRAY_SIZE(all));
	/* GET does not clear. */
	expect_bits(_metadata, self->e.vm, SLOT, 0, NPAGES, all,
		    ARRAY_SIZE(all));
	expect_bits(_metadata, self->e.vm, SLOT, 64, 128, mid,
		    ARRAY_SIZE(mid));
	EXPECT_EQ(logged + ARRAY_SIZE(all),
		  smu_t_stat(_metadata, self->e.vm, SECMMU_STAT_DIRTY_LOGGED));

	/* 70 pages: two words are written, the third is not touched. */
	memset(bm, 0xa5, sizeof(bm));
	ASSERT_EQ(0, smu_get_log(self->e.vm, SLOT, 0, 70, bm));
	for (i = 0; i < 70; i++)
		EXPECT_EQ(i == 0 || i == 5 || i == 63 || i == 64,
			  smu_bm_test(bm, i)) TH_LOG("page %u", i);
	EXPECT_EQ(0xa5a5a5a5a5a5a5a5ULL, bm[2]);
	EXPECT_EQ(0xa5a5a5a5a5a5a5a5ULL, bm[3]);
	expect_bits(_metadata, self->e.vm, SLOT, 0, 65, low, ARRAY_SIZE(low));
}

/*
 * A page recorded again before it is cleared sets no new bit and counts
 * once: zapped (MADV_DONTNEED), its next write records from the fault path
 * while its bit is still set.  (Two vCPUs faulting one page do the same.)
 */
TEST_F(log, rerecord_counts_once)
{
	static const __u64 p9[] = { 9 };
	__u64 logged;

	logged = smu_t_stat(_metadata, self->e.vm, SECMMU_STAT_DIRTY_LOGGED);
	wr(_metadata, self->e.vcpu, GFN, 9);
	EXPECT_EQ(logged + 1,
		  smu_t_stat(_metadata, self->e.vm, SECMMU_STAT_DIRTY_LOGGED));
	ASSERT_EQ(0, madvise(self->e.mem + 9 * SMU_PAGE_SIZE,
			     SMU_PAGE_SIZE, MADV_DONTNEED));
	EXPECT_EQ(0, smu_spte_flags(self->e.vm, 0, GFN + 9) &
		     SECMMU_SPTE_PRESENT);
	wr(_metadata, self->e.vcpu, GFN, 9);
	EXPECT_TRUE(writable(self->e.vm, GFN + 9));
	EXPECT_EQ(logged + 1,
		  smu_t_stat(_metadata, self->e.vm, SECMMU_STAT_DIRTY_LOGGED));
	expect_bits(_metadata, self->e.vm, SLOT, 0, NPAGES, p9, 1);
}

TEST_F(log, clear_subset)
{
	static const __u64 d[] = { 1, 2, 3, 70, 71 };
	static const __u64 after1[] = { 1, 3, 71 };
	static const __u64 after2[] = { 1, 2, 3, 70, 71 };
	static const __u64 after3[] = { 1, 2, 3, 70 };
	__u64 bm[WORDS], logged, inval, reprot;
	int vm = self->e.vm, vcpu = self->e.vcpu;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(d); i++)
		wr(_metadata, vcpu, GFN, d[i]);
	for (i = 0; i < ARRAY_SIZE(d); i++)
		EXPECT_TRUE(writable(vm, GFN + d[i]));
	inval = smu_t_stat(_metadata, vm, SECMMU_STAT_INVALIDATIONS);
	reprot = smu_t_stat(_metadata, vm, SECMMU_STAT_DIRTY_REPROTECTED);
	/* Clear 2 and 70, plus 150 which is not dirty. */
	memset(bm, 0, sizeof(bm));
	smu_bm_set(bm, 2);
	smu_bm_set(bm, 70);
	smu_bm_set(bm, 150);
	ASSERT_EQ(0, smu_clear_log(vm, SLOT, 0, NPAGES, bm));
	if (inval == smu_t_stat(_metadata, vm, SECMMU_STAT_INVALIDATIONS))
		EXPECT_EQ(reprot + 2,
			  smu_t_stat(_metadata, vm,
				     SECMMU_STAT_DIRTY_REPROTECTED));
	expect_bits(_metadata, vm, SLOT, 0, NPAGES, after1, ARRAY_SIZE(after1));
	EXPECT_FALSE(writable(vm, GFN + 2));
	EXPECT_FALSE(writable(vm, GFN + 70));
	EXPECT_TRUE(writable(vm, GFN + 1));
	EXPECT_TRUE(writable(vm, GFN + 71));
	EXPECT_EQ(SECMMU_SPTE_PRESENT,
		  smu_spte_flags(vm, 0, GFN + 2) & SECMMU_SPTE_PRESENT);

	/* A cleared page records again; an uncleared one does not. */
	logged = smu_t_stat(_metadata, vm, SECMMU_STAT_DIRTY_LOGGED);
	wr(_metadata, vcpu, GFN, 1);
	wr(_metadata, vcpu, GFN, 71);
	EXPECT_EQ(logged, smu_t_stat(_metadata, vm, SECMMU_STAT_DIRTY_LOGGED));
	wr(_metadata, vcpu, GFN, 2);
	wr(_metadata, vcpu, GFN, 70);
	EXPECT_EQ(logged + 2,
		  smu_t_stat(_metadata, vm, SECMMU_STAT_DIRTY_LOGGED));
	expect_bits(_metadata, vm, SLOT, 0, NPAGES, after2, ARRAY_SIZE(after2));
	EXPECT_TRUE(writable(vm, GFN + 2));

	/* A range starting at 64: bit 7 is page 71. */
	memset(bm, 0, sizeof(bm));
	smu_bm_set(bm, 7);
	ASSERT_EQ(0, smu_clear_log(vm, SLOT, 64, 64, bm));
	expect_bits(_metadata, vm, SLOT, 0, NPAGES, after3, ARRAY_SIZE(after3));
	EXPECT_FALSE(writable(vm, GFN + 71));
	EXPECT_TRUE(writable(vm, GFN + 70));
	/* An empty bitmap clears nothing. */
	memset(bm, 0, sizeof(bm));
	ASSERT_EQ(0, smu_clear_log(vm, SLOT, 0, NPAGES, bm));
	expect_bits(_metadata, vm, SLOT, 0, NPAGES, after3, ARRAY_SIZE(after3));
}

TEST_F(log, errors)
{
	static const __u64 bad_first[] = { 1, 32, 63, 65, 100 };
	static const struct { __u64 first, num; } bad_range[] = {
		{ 0, NPAGES + 1 }, { 192, 65 }, { NPAGES, 1 }, { NPAGES, 64 },
		{ 64, ~0ULL }, { 1ULL << 62, 64 }, { ~0ULL - 63, 64 },
	};
	struct secmmu_dirty_log l;
	__u64 bm[WORDS + 1];
	unsigned int i;
	char *m;

	memset(bm, 0, sizeof(bm));
	for (i = 0; i < ARRAY_SIZE(bad_first); i++) {
		EXPECT_EQ(-EINVAL, smu_get_log(self->e.vm, SLOT, bad_first[i],
					       64, bm));
		EXPECT_EQ(-EINVAL, smu_clear_log(self->e.vm, SLOT,
						 bad_first[i], 64, bm));
	}
	for (i = 0; i < ARRAY_SIZE(bad_range); i++) {
		EXPECT_EQ(-EINVAL, smu_get_log(self->e.vm, SLOT,
					       bad_range[i].first,
					       bad_range[i].num, bm))
			TH_LOG("first %llu num %llu",
			       (unsigned long long)bad_range[i].first,
			       (unsigned long long)bad_range[i].num);
		EXPECT_EQ(-EINVAL, smu_clear_log(self->e.vm, SLOT,
						 bad_range[i].first,
						 bad_range[i].num, bm));
	}
	/* The last word of the slot is fine. */
	EXPECT_EQ(0, smu_get_log(self->e.vm, SLOT, 192, 64, bm));
	/* No such slot. */
	EXPECT_EQ(-ENOENT, smu_get_log(self->e.vm, 5, 0, 64, bm));
	EXPECT_EQ(-ENOENT, smu_clear_log(self->e.vm, 5, 0, 64, bm));
	EXPECT_EQ(-ENOENT, smu_get_log(self->e.vm, SECMMU_MAX_MEMSLOTS - 1, 0,
				       64, bm));
	/* A slot that never logged. */
	m = smu_mmap_anon(64 * PAGE);
	ASSERT_NE(MAP_FAILED, m);
	ASSERT_EQ(0, smu_set_memslot(self->e.vm, 1, 0, 0x8000, 64, m));
	EXPECT_EQ(-EINVAL, smu_get_log(self->e.vm, 1, 0, 64, bm));
	EXPECT_EQ(-EINVAL, smu_clear_log(self->e.vm, 1, 0, 64, bm));
	/* Flags and reserved fields. */
	memset(&l, 0, sizeof(l));
	l.slot = SLOT;
	l.num_pages = 64;
	l.bitmap = (__u64)(uintptr_t)bm;
	EXPECT_EQ(0, smu_ioctl(self->e.vm, SECMMU_GET_DIRTY_LOG, &l));
	l.flags = 1;
	EXPECT_EQ(-EINVAL, smu_ioctl(self->e.vm, SECMMU_GET_DIRTY_LOG, &l));
	EXPECT_EQ(-EINVAL, smu_ioctl(self->e.vm, SECMMU_CLEAR_DIRTY_LOG, &l));
	l.flags = 0;
	l.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, smu_ioctl(self->e.vm, SECMMU_GET_DIRTY_LOG, &l));
	EXPECT_EQ(-EINVAL, smu_ioctl(self->e.vm, SECMMU_CLEAR_DIRTY_LOG, &l));
	/* A bad bitmap pointer. */
	EXPECT_EQ(-EFAULT, smu_get_log(self->e.vm, SLOT, 0, 64, (__u64 *)8));
	EXPECT_EQ(-EFAULT, smu_clear_log(self->e.vm, SLOT, 0, 64, (__u64 *)8));
	/* Rings are not enabled on this VM. */
	EXPECT_EQ(-EINVAL, smu_reset_rings(self->e.vm));
	munmap(m, 64 * PAGE);
}

/* A slot whose size is not a multiple of 64 pages. */
TEST_F(log, odd_size)
{
	static const __u64 d[] = { 64, 99 };
	__u64 bm[2];
	char *m = smu_mmap_anon(100 * PAGE);

	ASSERT_NE(MAP_FAILED, m);
	memset(m, 0, 100 * PAGE);
	ASSERT_EQ(0, smu_set_memslot(self->e.vm, 3, SECMMU_MEM_LOG_DIRTY,
				     0x4000, 100, m));
	wr(_metadata, self->e.vcpu, 0x4000, 64);
	wr(_metadata, self->e.vcpu, 0x4000, 99);
	expect_bits(_metadata, self->e.vm, 3, 0, 100, d, 2);
	expect_bits(_metadata, self->e.vm, 3, 64, 36, d, 2);
	EXPECT_EQ(-EINVAL, smu_get_log(self->e.vm, 3, 64, 37, bm));
	EXPECT_EQ(-EINVAL, smu_get_log(self->e.vm, 3, 0, 101, bm));
	/* The other slot saw nothing. */
	expect_bits(_metadata, self->e.vm, SLOT, 0, NPAGES, NULL, 0);
	munmap(m, 100 * PAGE);
}

/*
 * A slot of more bitmap words than the kernel moves at once (it copies
 * words in chunks): every word lands at its own place, the tail is masked
 * in whichever chunk holds it, nothing past the last word is written, and
 * a clear re-protects exactly its pages across chunks.
 */
#define BIG_PAGES	(64 * 70 + 37)
#define BIG_WORDS	SMU_BM_WORDS(BIG_PAGES)
#define BIG_GFN		0x10000

static void expect_big(struct __test_metadata *_metadata, int vm, __u64 first,
		       const __u64 *pg, size_t n)
{
	__u64 num = BIG_PAGES - first, got[BIG_WORDS + 1], i;
	size_t k;

	memset(got, 0xa5, sizeof(got));
	ASSERT_EQ(0, smu_get_log(vm, 3, first, num, got));
	EXPECT_EQ(0xa5a5a5a5a5a5a5a5ULL, got[SMU_BM_WORDS(num)]);
	for (i = 0; i < num; i++) {
		bool want = false;

		for (k = 0; k < n; k++)
			want |= pg[k] == first + i;
		EXPECT_EQ(want, smu_bm_test(got, i))
			TH_LOG("first %llu page %llu", (unsigned long long)first,
			       (unsigned long long)(first + i));
	}
}

TEST_F(log, chunks)
{
	static const __u64 d[] = { 0, 63, 2047, 2048, 2111, 4095, 4096, 4159,
				   BIG_PAGES - 1 };
	static const __u64 left[] = { 0, 63, 2048, 4095, 4159 };
	__u64 bm[BIG_WORDS], *fault;
	char *m = smu_mmap_anon(BIG_PAGES * PAGE), *two;
	size_t i;

	ASSERT_NE(MAP_FAILED, m);
	ASSERT_EQ(0, smu_set_memslot(self->e.vm, 3, SECMMU_MEM_LOG_DIRTY,
				     BIG_GFN, BIG_PAGES, m));
	for (i = 0; i < ARRAY_SIZE(d); i++)
		wr(_metadata, self->e.vcpu, BIG_GFN, d[i]);
	expect_big(_metadata, self->e.vm, 0, d, ARRAY_SIZE(d));
	expect_big(_metadata, self->e.vm, 64, d, ARRAY_SIZE(d));
	expect_big(_metadata, self->e.vm, 64 * 37, d, ARRAY_SIZE(d));

	/* A clear across chunks: exactly its pages lose W and their bits. */
	memset(bm, 0, sizeof(bm));
	smu_bm_set(bm, 2047);
	smu_bm_set(bm, 2111);
	smu_bm_set(bm, 4096);
	smu_bm_set(bm, BIG_PAGES - 1);
	ASSERT_EQ(0, smu_clear_log(self->e.vm, 3, 0, BIG_PAGES, bm));
	expect_big(_metadata, self->e.vm, 0, left, ARRAY_SIZE(left));
	for (i = 0; i < ARRAY_SIZE(d); i++) {
		bool cleared = smu_bm_test(bm, d[i]);

		EXPECT_EQ(!cleared, writable(self->e.vm, BIG_GFN + d[i]))
			TH_LOG("page %llu", (unsigned long long)d[i]);
	}

	/*
	 * A bitmap whose words past the 40th are not readable: -EFAULT for
	 * both, and a page whose word could not be read is still dirty.
	 */
	two = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, two);
	ASSERT_EQ(0, mprotect(two + PAGE, PAGE, PROT_NONE));
	fault = (__u64 *)(two + PAGE) - 40;
	memset(fault, 0xff, 40 * sizeof(*fault));
	EXPECT_EQ(-EFAULT, smu_get_log(self->e.vm, 3, 0, BIG_PAGES, fault));
	EXPECT_EQ(-EFAULT, smu_clear_log(self->e.vm, 3, 0, BIG_PAGES, fault));
	memset(bm, 0, sizeof(bm));
	ASSERT_EQ(0, smu_get_log(self->e.vm, 3, 0, BIG_PAGES, bm));
	EXPECT_TRUE(smu_bm_test(bm, 4095));
	EXPECT_TRUE(smu_bm_test(bm, 4159));
	munmap(two, 2 * PAGE);
	munmap(m, BIG_PAGES * PAGE);
}

TEST(rings_replace_bitmap)
{
	int vm = smu_t_open_vm(_metadata), vcpu;
	__u64 bm[1] = { 0 };
	char *m;

	ASSERT_EQ(0, smu_enable_ring(vm, SECMMU_DIRTY_RING_MIN));
	vcpu = smu_t_vcpu(_metadata, vm, 0);
	m = smu_mmap_anon(64 * PAGE);
	ASSERT_NE(MAP_FAILED, m);
	memset(m, 0, 64 * PAGE);
	ASSERT_EQ(0, smu_set_memslot(vm, 0, SECMMU_MEM_LOG_DIRTY, GFN, 64, m));
	wr(_metadata, vcpu, GFN, 3);
	EXPECT_EQ(-EINVAL, smu_get_log(vm, 0, 0, 64, bm));
	EXPECT_EQ(-EINVAL, smu_clear_log(vm, 0, 0, 64, bm));
	EXPECT_EQ(0, bm[0]);
	close(vcpu);
	close(vm);
	munmap(m, 64 * PAGE);
}

TEST_F(log, readonly)
{
	struct secmmu_access a;
	__u64 v = 42, logged;
	char *m = smu_mmap_anon(64 * PAGE);

	ASSERT_NE(MAP_FAILED, m);
	memset(m, 0, 64 * PAGE);
	ASSERT_EQ(0, smu_set_memslot(self->e.vm, 2,
				     SECMMU_MEM_LOG_DIRTY | SECMMU_MEM_READONLY,
				     0x8000, 64, m));
	logged = smu_t_stat(_metadata, self->e.vm, SECMMU_STAT_DIRTY_LOGGED);
	ASSERT_EQ(0, smu_write(self->e.vcpu, 0, SMU_GPA(0x8005) + 8, &v, 8,
			       &a));
	EXPECT_EQ(SECMMU_EXIT_READONLY, a.exit_reason);
	EXPECT_EQ(0, a.done);
	EXPECT_EQ(SMU_GPA(0x8005) + 8, a.exit_gpa);
	/* Reads work and record nothing either. */
	smu_t_rw(_metadata, self->e.vcpu, 0, SMU_GPA(0x8005), &v, 8, false);
	EXPECT_EQ(0, v);
	expect_bits(_metadata, self->e.vm, 2, 0, 64, NULL, 0);
	expect_bits(_metadata, self->e.vm, SLOT, 0, NPAGES, NULL, 0);
	EXPECT_EQ(logged,
		  smu_t_stat(_metadata, self->e.vm, SECMMU_STAT_DIRTY_LOGGED));
	EXPECT_TRUE(smu_is_zero(m, 64 * PAGE));
	/* READONLY dropped (LOG_DIRTY kept): the write now lands, logged. */
	ASSERT_EQ(0, smu_set_memslot(self->e.vm, 2, SECMMU_MEM_LOG_DIRTY,
				     0x8000, 64, m));
	wr(_metadata, self->e.vcpu, 0x8000, 5);
	{
		static const __u64 five[] = { 5 };

		expect_bits(_metadata, self->e.vm, 2, 0, 64, five, 1);
	}
	munmap(m, 64 * PAGE);
}

TEST_F(log, toggle)
{
	static const __u64 p4[] = { 4 };
	int vm = self->e.vm, vcpu = self->e.vcpu;
	__u64 bm[WORDS], logged;

	wr(_metadata, vcpu, GFN, 4);
	ASSERT_EQ(0, smu_set_memslot(vm, SLOT, 0, GFN, NPAGES, self->e.mem));
	logged = smu_t_stat(_metadata, vm, SECMMU_STAT_DIRTY_LOGGED);
	wr(_metadata, vcpu, GFN, 5);
	wr(_metadata, vcpu, GFN, 7);
	wr(_metadata, vcpu, GFN, 4);
	EXPECT_EQ(logged, smu_t_stat(_metadata, vm, SECMMU_STAT_DIRTY_LOGGED));
	/* The bitmap keeps its bits. */
	expect_bits(_metadata, vm, SLOT, 0, NPAGES, p4, 1);
	EXPECT_TRUE(writable(vm, GFN + 5));
	/* On again: present mappings are protected again. */
	ASSERT_EQ(0, smu_set_memslot(vm, SLOT, SECMMU_MEM_LOG_DIRTY, GFN,
				     NPAGES, self->e.mem));
	EXPECT_FALSE(writable(vm, GFN + 5));
	EXPECT_FALSE(writable(vm, GFN + 7));
	wr(_metadata, vcpu, GFN, 5);
	wr(_metadata, vcpu, GFN, 6);
	ASSERT_EQ(0, smu_get_log(vm, SLOT, 0, NPAGES, bm));
	EXPECT_TRUE(smu_bm_test(bm, 5));
	EXPECT_TRUE(smu_bm_test(bm, 6));
	EXPECT_FALSE(smu_bm_test(bm, 7));
	EXPECT_FALSE(smu_bm_test(bm, 8));
	EXPECT_EQ(logged + 2,
		  smu_t_stat(_metadata, vm, SECMMU_STAT_DIRTY_LOGGED));
}

/* Mappings made before logging started are write-protected by it. */
TEST_F(log, protects_present)
{
	static const __u64 p2[] = { 2 };
	char *m = smu_mmap_anon(4 * PAGE);
	int i;

	ASSERT_NE(MAP_FAILED, m);
	memset(m, 0, 4 * PAGE);
	ASSERT_EQ(0, smu_set_memslot(self->e.vm, 3, 0, 0x4000, 4, m));
	for (i = 0; i < 4; i++)
		wr(_metadata, self->e.vcpu, 0x4000, i);
	ASSERT_EQ(0, smu_set_memslot(self->e.vm, 3, SECMMU_MEM_LOG_DIRTY,
				     0x4000, 4, m));
	expect_bits(_metadata, self->e.vm, 3, 0, 4, NULL, 0);
	wr(_metadata, self->e.vcpu, 0x4000, 2);
	expect_bits(_metadata, self->e.vm, 3, 0, 4, p2, 1);
	munmap(m, 4 * PAGE);
}

/* Writes through an alias view and across two logging slots. */
TEST_F(log, alias_and_span)
{
	static const __u64 s0[] = { 30, NPAGES - 1 };
	static const __u64 s4[] = { 0 };
	char buf[64], *m = smu_mmap_anon(8 * PAGE);

	ASSERT_NE(MAP_FAILED, m);
	memset(m, 0, 8 * PAGE);
	ASSERT_EQ(0, smu_set_memslot(self->e.vm, 4, SECMMU_MEM_LOG_DIRTY,
				     GFN + NPAGES, 8, m));
	ASSERT_EQ(0, smu_set_view(self->e.vm, 2, 0x30000, 4, GFN + 28));
	memset(buf, 7, sizeof(buf));
	smu_t_rw(_metadata, self->e.vcpu, 2, SMU_GPA(0x30002) + 8, buf, 8,
		 true);
	smu_t_rw(_metadata, self->e.vcpu, 0, SMU_GPA(GFN + NPAGES) - 32, buf,
		 64, true);
	expect_bits(_metadata, self->e.vm, SLOT, 0, NPAGES, s0, 2);
	expect_bits(_metadata, self->e.vm, 4, 0, 8, s4, 1);
	EXPECT_EQ(7, self->e.mem[30 * PAGE + 8]);
	EXPECT_EQ(7, m[31]);
	munmap(m, 8 * PAGE);
}

/* A deleted and re-created slot starts with an empty bitmap. */
TEST_F(log, recreate)
{
	__u64 bm[1] = { 0 };

	wr(_metadata, self->e.vcpu, GFN, 9);
	ASSERT_EQ(0, smu_del_memslot(self->e.vm, SLOT));
	EXPECT_EQ(-ENOENT, smu_get_log(self->e.vm, SLOT, 0, 64, bm));
	ASSERT_EQ(0, smu_set_memslot(self->e.vm, SLOT, SECMMU_MEM_LOG_DIRTY,
				     GFN, NPAGES, self->e.mem));
	expect_bits(_metadata, self->e.vm, SLOT, 0, NPAGES, NULL, 0);
	wr(_metadata, self->e.vcpu, GFN, 9);
	{
		static const __u64 p9[] = { 9 };

		expect_bits(_metadata, self->e.vm, SLOT, 0, NPAGES, p9, 1);
	}
}

TEST_HARNESS_MAIN
