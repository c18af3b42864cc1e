// SPDX-License-Identifier: GPL-2.0
/*
 * Zapping a leaf whose A bit is set does not mark the folio accessed
 * (src/mmu.c: "Folios are not marked accessed on zap: aging asks us").
 * secmmu answers reclaim's aging hooks instead; marking on zap would make
 * every invalidation (mprotect, memslot changes, ...) promote the folios
 * the vCPU once touched.
 *
 * Observable: PG_referenced, /proc/kpageflags bit KPF_REFERENCED of the pfn
 * that /proc/self/pagemap gives (root).  folio_mark_accessed() sets it
 * first, with the classic LRU and with MGLRU alike, and MADV_COLD clears it
 * without zapping any leaf (no invalidation).  GUP-fast, secmmu's fault
 * path, sets it too (folio_set_referenced()), so it is cleared again after
 * the vCPU's faults, before the zap.  Each case first
 * proves the observable works on the running kernel: a read of the pages
 * through /proc/self/mem (GUP with FOLL_TOUCH, i.e. mark_page_accessed())
 * must set the bit and MADV_COLD must clear it, else the case SKIPs.  (The
 * idle/young page flags are no observable on Debian's kernels: they have no
 * CONFIG_IDLE_PAGE_TRACKING, and kpageflags never shows PG_young.)
 *
 * Then the vCPU reads half the pages and writes the other half (leaves with
 * A, and A|D), the folios are checked not referenced, the leaves are zapped
 * and the folios must still not be referenced.  Zap paths: the notifier
 * (mprotect), memslot deletion, a memslot turned READONLY, and removal of
 * a view range.
 *
 * The test pins itself to one CPU: MADV_COLD deactivates through a per-CPU
 * batch that clears PG_referenced when it is drained; it is drained (by
 * the MADV_COLD of an empty page, which drains this CPU's batches first)
 * before the zap, so a later drain cannot hide a mark made by the zap.
 */
#include <sched.h>

#include "secmmu_test.h"

#define NPAGES	8
#define GFN	0x3000
#define VGFN	0x9000

FIXTURE(za) {
	struct smu_env e;
	char *empty;		/* one never-populated page */
	int memfd;
};

FIXTURE_SETUP(za)
{
	cpu_set_t cpus;

	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(cpus), &cpus));
	smu_env_setup(_metadata, &self->e, 0, GFN);
	self->memfd = -1;
	self->empty = smu_mmap_anon(PAGE);
	ASSERT_NE(MAP_FAILED, self->empty);
	self->e.mem = smu_mmap_anon(NPAGES * PAGE);
	ASSERT_NE(MAP_FAILED, self->e.mem);
	self->e.npages = NPAGES;
	/* EINVAL: a kernel without THP, e.g. -rt. */
	if (madvise(self->e.mem, NPAGES * PAGE, MADV_NOHUGEPAGE))
		ASSERT_EQ(EINVAL, errno);
	memset(self->e.mem, 0x5a, NPAGES * PAGE);
	ASSERT_EQ(0, smu_set_memslot(self->e.vm, 0, 0, GFN, NPAGES,
				     self->e.mem));
	self->memfd = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->memfd);
}

FIXTURE_TEARDOWN(za)
{
	smu_env_teardown(&self->e);
	if (self->empty != MAP_FAILED)
		munmap(self->empty, PAGE);
	if (self->memfd >= 0)
		close(self->memfd);
}

/* Bitmask of the pages whose folio is PG_referenced. */
static unsigned int referenced(struct __test_metadata *_metadata, char *mem)
{
	unsigned int i, mask = 0;
	uint64_t fl;
	int ret;

	for (i = 0; i < NPAGES; i++) {
		ret = smu_kpf_of(mem + i * PAGE, &fl);
		ASSERT_EQ(0, ret) TH_LOG("kpageflags of page %u: %s", i,
					 strerror(-ret));
		if (KPF_BIT(fl, KPF_REFERENCED))
			mask |= 1U << i;
	}
	return mask;
}

/* MADV_COLD the range, then drain this CPU's deactivation batch. */
static void cool(struct __test_metadata *_metadata, FIXTURE_DATA(za) *self)
{
	ASSERT_EQ(0, madvise(self->e.mem, NPAGES * PAGE, MADV_COLD));
	ASSERT_EQ(0, madvise(self->empty, PAGE, MADV_COLD));
}

/*
 * The observable works here: GUP with FOLL_TOUCH marks the folios accessed,
 * MADV_COLD unmarks them.  False (after logging why) if not.
 */
static bool observable(struct __test_metadata *_metadata,
		       FIXTURE_DATA(za) *self)
{
	char buf[PAGE];
	unsigned int i, m;

	if (!smu_kpf_available()) {
		TH_LOG("no /proc/kpageflags (needs root)");
		return false;
	}
	for (i = 0; i < NPAGES; i++) {
		off_t off = (off_t)(uintptr_t)(self->e.mem + i * PAGE);

		if (pread(self->memfd, buf, PAGE, off) != PAGE) {
			TH_LOG("/proc/self/mem: %s", strerror(errno));
			return false;
		}
	}
	m = referenced(_metadata, self->e.mem);
	if (m != (1U << NPAGES) - 1) {
		TH_LOG("after a FOLL_TOUCH read, referenced mask 0x%x", m);
		return false;
	}
	cool(_metadata, self);
	m = referenced(_metadata, self->e.mem);
	if (m) {
		TH_LOG("after MADV_COLD, referenced mask 0x%x", m);
		return false;
	}
	return true;
}

/*
 * The vCPU reads pages [0, NPAGES/2) and writes the rest through @view at
 * @gfn: every leaf present and accessed, none of the folios referenced.
 */
static void vcpu_touch(struct __test_metadata *_metadata,
		       FIXTURE_DATA(za) *self, __u16 view, __u64 gfn)
{
	struct smu_env *e = &self->e;
	char buf[64];
	unsigned int i;
	__u64 f;

	memset(buf, 0xa5, sizeof(buf));
	for (i = 0; i < NPAGES; i++)
		smu_t_rw(_metadata, e->vcpu, view, SMU_GPA(gfn + i) + 256, buf,
			 sizeof(buf), i >= NPAGES / 2);
	for (i = 0; i < NPAGES; i++) {
		f = smu_spte_flags(e->vm, view, gfn + i);
		ASSERT_EQ(SECMMU_SPTE_PRESENT | SECMMU_SPTE_ACCESSED,
			  f & (SECMMU_SPTE_PRESENT | SECMMU_SPTE_ACCESSED))
			TH_LOG("view %u gfn 0x%llx: flags 0x%llx", view,
			       (unsigned long long)(gfn + i),
			       (unsigned long long)f);
		if (i >= NPAGES / 2)
			ASSERT_TRUE(f & SECMMU_SPTE_DIRTY);
	}
	/*
	 * GUP-fast set PG_referenced when the vCPU faulted: clear it (no
	 * leaf is zapped by that) so that the zap is judged alone.
	 */
	cool(_metadata, self);
	ASSERT_EQ(0, referenced(_metadata, e->mem));
	ASSERT_EQ(NPAGES, smu_count_present(e->vm, view, gfn, NPAGES));
}

/* After the zap: no leaf left, no folio referenced. */
static void judge(struct __test_metadata *_metadata, FIXTURE_DATA(za) *self,
		  __u16 view, __u64 gfn, const char *how)
{
	unsigned int m;

	ASSERT_EQ(0, smu_count_present(self->e.vm, view, gfn, NPAGES));
	m = referenced(_metadata, self->e.mem);
	EXPECT_EQ(0, m)
		TH_LOG("%s zapped accessed leaves and marked folios accessed: "
		       "referenced mask 0x%x", how, m);
}

TEST_F(za, mprotect)
{
	if (!observable(_metadata, self))
		SKIP(return, "PG_referenced is not observable here");
	vcpu_touch(_metadata, self, 0, GFN);
	ASSERT_EQ(0, mprotect(self->e.mem, NPAGES * PAGE, PROT_READ));
	judge(_metadata, self, 0, GFN, "mprotect");
}

TEST_F(za, memslot_delete)
{
	if (!observable(_metadata, self))
		SKIP(return, "PG_referenced is not observable here");
	vcpu_touch(_metadata, self, 0, GFN);
	ASSERT_EQ(0, smu_del_memslot(self->e.vm, 0));
	judge(_metadata, self, 0, GFN, "memslot deletion");
}

TEST_F(za, memslot_readonly)
{
	if (!observable(_metadata, self))
		SKIP(return, "PG_referenced is not observable here");
	vcpu_touch(_metadata, self, 0, GFN);
	ASSERT_EQ(0, smu_set_memslot(self->e.vm, 0, SECMMU_MEM_READONLY, GFN,
				     NPAGES, self->e.mem));
	judge(_metadata, self, 0, GFN, "READONLY memslot");
}

TEST_F(za, view_range_removal)
{
	if (!observable(_metadata, self))
		SKIP(return, "PG_referenced is not observable here");
	ASSERT_EQ(0, smu_set_view(self->e.vm, 1, VGFN, NPAGES, GFN));
	vcpu_touch(_metadata, self, 1, VGFN);
	ASSERT_EQ(0, smu_del_view(self->e.vm, 1, VGFN));
	judge(_metadata, self, 1, VGFN, "view range removal");
}

TEST_HARNESS_MAIN
