// SPDX-License-Identifier: GPL-2.0
/*
 * secmmu-real-kvm: KVM's subject of the bench series realinval, realdirty
 * and realvcpu (tools/bench/real*.c), a small program on KVM's selftest
 * library, built from the kernel-under-test's tree by
 * scripts/kvm-selftests.sh.
 *
 * One VM, one vCPU.  The guest code writes one word of every STRIDE-th
 * page of a range, then exits with GUEST_SYNC; the host picks the range
 * and the stride (globals synced into the guest) before every run.  Two
 * ranges, identity-mapped (GVA = GPA) up to MAXMIB each:
 *
 *   slot 1 at 4 GiB  realinval: memory mapped afresh for every sample
 *   slot 2 at 8 GiB  realdirty, realvcpu: one region kept for the run
 *
 * With "thp" on the command line both ranges are THP (2 MiB aligned,
 * MADV_HUGEPAGE: KVM maps 2 MiB leaves where the host has them) instead
 * of 4 KiB pages (MADV_NOHUGEPAGE).
 *
 * With "ring" on the command line the VM has a dirty ring (the selftests'
 * vm_enable_dirty_ring(), 65536 entries) instead of the dirty bitmap; the
 * bitmap VM has KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, so that getting the log
 * and clearing it (re-protecting) are two calls, timed apart.
 *
 * The parent (tools/bench/real.c) starts it with its memcg and NUMA policy
 * set and drives it with one command per line on stdin; one answer line
 * on fd 3 each:
 *
 *   start                 -> "ready"
 *   inval OP MIB          -> "NS KB"  mmap MIB, the process writes every
 *                                   page, memslot 1, the vCPU writes every
 *                                   page; then timed: OP (0 munmap,
 *                                   1 MADV_DONTNEED, 2 mprotect read-only);
 *                                   untimed: memslot deleted, unmapped;
 *                                   KB: the region's AnonHugePages
 *   mem MIB [log]         -> "ok"   memslot 2 over MIB, every page
 *                                   written by the process and the vCPU;
 *                                   then with "log", dirty logging on (all
 *                                   write-protected, nothing dirty)
 *   vcpu MS [ZAPDIV]      -> "PAGES NS ZAPPED"  vCPU passes over memslot
 *                                   2 for MS ms: pages written, ns taken;
 *                                   with ZAPDIV, before every pass the
 *                                   process zaps the next 1/ZAPDIV of the
 *                                   memslot (MADV_DONTNEED, in turn), so
 *                                   that the guest faults on those pages
 *                                   (KVM's fault path, under its mmu_lock,
 *                                   and the host's): pages zapped
 *   dirty STRIDE          -> "GET_NS CLEAR_NS FOUND"  the vCPU writes every
 *                                   STRIDE-th page of memslot 2; timed
 *                                   apart: get (bitmap: KVM_GET_DIRTY_LOG
 *                                   and a scan of its bits; ring: harvest
 *                                   of the mmapped ring), clear (bitmap:
 *                                   KVM_CLEAR_DIRTY_LOG of those bits;
 *                                   ring: KVM_RESET_DIRTY_RINGS)
 *   q or EOF              -> exit 0
 *
 * usage: secmmu-real-kvm MAXMIB [ring|bitmap] [thp]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"
#include "unaged.h"

#define RK_PAGE		4096ULL
#define RK_INV_SLOT	1
#define RK_INV_GPA	(4ULL << 30)
#define RK_MEM_SLOT	2
#define RK_MEM_GPA	(8ULL << 30)
#define RK_RING		65536
#define RK_HUGE		(2ULL << 20)

static uint64_t g_gva, g_pages, g_stride = 1;

static void guest_code(void)
{
	uint64_t i;

	for (;;) {
		for (i = 0; i < READ_ONCE(g_pages); i += READ_ONCE(g_stride))
			*(volatile uint64_t *)(READ_ONCE(g_gva) + i * RK_PAGE) = i + 1;
		GUEST_SYNC(0);
	}
}

static FILE *reply;
static struct kvm_vm *vm;
static struct kvm_vcpu *vcpu;
static bool ring, thp;
static char *mem;		/* memslot 2 */
static uint64_t mem_pages;
static uint64_t *bitmap;
static uint32_t ring_idx;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* One guest pass over @pages pages from @gva, every @stride-th. */
static void guest_pass(uint64_t gva, uint64_t pages, uint64_t stride)
{
	struct ucall uc;

	g_gva = gva;
	g_pages = pages;
	g_stride = stride;
	sync_global_to_guest(vm, g_gva);
	sync_global_to_guest(vm, g_pages);
	sync_global_to_guest(vm, g_stride);
	vcpu_run(vcpu);
	TEST_ASSERT(get_ucall(vcpu, &uc) == UCALL_SYNC,
		    "vCPU exit %s, ucall %lu", exit_reason_str(vcpu->run->exit_reason),
		    uc.cmd);
}

/*
 * @pages of anonymous memory, every page written: 4 KiB pages, or with
 * "thp" 2 MiB aligned and MADV_HUGEPAGE (the head of a larger mapping,
 * the slack unmapped, so that munmap of the region unmaps it all).
 */
static char *host_region(uint64_t pages)
{
	uint64_t i, len = pages * RK_PAGE, pad = thp ? RK_HUGE : 0;
	char *m = mmap(NULL, len + pad, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *p = m;

	TEST_ASSERT(m != MAP_FAILED, "mmap %lu pages", pages);
	if (thp) {
		p = (char *)(((uintptr_t)m + RK_HUGE - 1) & ~(RK_HUGE - 1));
		if (p > m)
			munmap(m, p - m);
		if (p + len < m + len + pad)
			munmap(p + len, m + len + pad - (p + len));
	}
	madvise(p, len, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	for (i = 0; i < pages; i++)
		*(volatile uint64_t *)(p + i * RK_PAGE) = i;
	return p;
}

/* AnonHugePages of our mapping at @p, in KiB (-1: not found). */
static long huge_kb(const void *p)
{
	unsigned long a = (uintptr_t)p, start, end;
	char line[512];
	bool in = false;
	long kb, ret = -1;
	FILE *f = fopen("/proc/self/smaps", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			in = a >= start && a < end;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1) {
			ret = kb;
			break;
		}
	}
	fclose(f);
	return ret;
}

static void cmd_inval(int op, uint64_t mib)
{
	uint64_t pages = mib << 8, t, len = pages * RK_PAGE;
	char *p = host_region(pages);
	long kb;
	int r;

	vm_set_user_memory_region(vm, RK_INV_SLOT, 0, RK_INV_GPA, len, p);
	guest_pass(RK_INV_GPA, pages, 1);
	kb = huge_kb(p);
	t = now_ns();
	r = op == 0 ? munmap(p, len) : op == 1 ? madvise(p, len, MADV_DONTNEED) :
		mprotect(p, len, PROT_READ);
	t = now_ns() - t;
	TEST_ASSERT(!r, "inval op %d", op);
	vm_set_user_memory_region(vm, RK_INV_SLOT, 0, RK_INV_GPA, 0, NULL);
	if (op)
		munmap(p, len);
	fprintf(reply, "%lu %ld\n", t, kb);
}

static void cmd_mem(uint64_t mib, bool log)
{
	TEST_ASSERT(!mem, "mem twice");
	mem_pages = mib << 8;
	mem = host_region(mem_pages);
	vm_set_user_memory_region(vm, RK_MEM_SLOT, 0, RK_MEM_GPA,
				  mem_pages * RK_PAGE, mem);
	bitmap = calloc((mem_pages + 63) / 64, 8);
	TEST_ASSERT(bitmap, "calloc");
	guest_pass(RK_MEM_GPA, mem_pages, 1);
	/* Logging from here on: every page write-protected, none dirty. */
	if (log)
		vm_set_user_memory_region(vm, RK_MEM_SLOT, KVM_MEM_LOG_DIRTY_PAGES,
					  RK_MEM_GPA, mem_pages * RK_PAGE, mem);
	fprintf(reply, "ok\n");
}

static void cmd_vcpu(uint64_t ms, uint64_t zapdiv)
{
	uint64_t t0 = now_ns(), t, pages = 0, zapped = 0, next = 0;
	uint64_t zap = zapdiv ? mem_pages / zapdiv : 0;

	TEST_ASSERT(mem, "vcpu before mem");
	do {
		if (zap) {
			if (next + zap > mem_pages)
				next = 0;
			TEST_ASSERT(!madvise(mem + next * RK_PAGE, zap * RK_PAGE,
					     MADV_DONTNEED), "MADV_DONTNEED");
			next += zap;
			zapped += zap;
		}
		guest_pass(RK_MEM_GPA, mem_pages, 1);
		pages += mem_pages;
		t = now_ns() - t0;
	} while (t < ms * 1000000ULL);
	fprintf(reply, "%lu %lu %lu\n", pages, t, zapped);
}

/* Harvest vCPU 0's ring: entries of memslot 2 counted, all marked reset. */
static uint64_t ring_harvest(void)
{
	struct kvm_dirty_gfn *gfns = vcpu_map_dirty_ring(vcpu), *e;
	uint64_t n = 0;

	for (;;) {
		e = &gfns[ring_idx % RK_RING];
		if (!(__atomic_load_n(&e->flags, __ATOMIC_ACQUIRE) & KVM_DIRTY_GFN_F_DIRTY))
			break;
		TEST_ASSERT(e->slot == RK_MEM_SLOT && e->offset < mem_pages,
			    "ring entry slot %u offset %lu", e->slot, (uint64_t)e->offset);
		__atomic_store_n(&e->flags, KVM_DIRTY_GFN_F_RESET, __ATOMIC_RELEASE);
		ring_idx++;
		n++;
	}
	return n;
}

static void cmd_dirty(uint64_t stride)
{
	uint64_t t, get, clear, found = 0, w, words = (mem_pages + 63) / 64;

	TEST_ASSERT(mem, "dirty before mem");
	guest_pass(RK_MEM_GPA, mem_pages, stride);
	if (ring) {
		t = now_ns();
		found = ring_harvest();
		get = now_ns() - t;
		t = now_ns();
		kvm_vm_reset_dirty_ring(vm);
		clear = now_ns() - t;
	} else {
		t = now_ns();
		kvm_vm_get_dirty_log(vm, RK_MEM_SLOT, bitmap);
		for (w = 0; w < words; w++)
			found += __builtin_popcountll(bitmap[w]);
		get = now_ns() - t;
		t = now_ns();
		kvm_vm_clear_dirty_log(vm, RK_MEM_SLOT, bitmap, 0, mem_pages);
		clear = now_ns() - t;
	}
	fprintf(reply, "%lu %lu %lu\n", get, clear, found);
}

int main(int argc, char **argv)
{
	uint64_t maxmib, maxpages, a, b;
	char line[128], word[16];

	maxmib = argc < 2 ? 0 : strtoull(argv[1], NULL, 0);
	if (!maxmib) {
		fprintf(stderr, "usage: secmmu-real-kvm MAXMIB [ring|bitmap] [thp]\n");
		return 2;
	}
	ring = argc > 2 && !strcmp(argv[2], "ring");
	thp = argc > 3 && !strcmp(argv[3], "thp");
	reply = fdopen(3, "w");
	TEST_ASSERT(reply, "fd 3 (answers) is not open");
	setvbuf(reply, NULL, _IOLBF, 0);

	maxpages = maxmib << 8;
	/*
	 * Slot 0 holds the page tables of both ranges.  The library's third
	 * argument is the memory to be mapped (it sizes slot 0 for that
	 * memory's page tables), not a count of page-table pages: 2 * (pages
	 * / 512) + 64 ran out at 256 MiB ("No guest physical page available").
	 */
	vm = __vm_create(VM_SHAPE_DEFAULT, 1, 2 * maxpages);
	if (ring) {
		TEST_REQUIRE(kvm_has_cap(KVM_CAP_DIRTY_LOG_RING) ||
			     kvm_has_cap(KVM_CAP_DIRTY_LOG_RING_ACQ_REL));
		vm_enable_dirty_ring(vm, RK_RING * sizeof(struct kvm_dirty_gfn));
	} else {
		vm_enable_cap(vm, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2,
			      KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE);
	}
	vcpu = vm_vcpu_add(vm, 0, guest_code);
	virt_map(vm, RK_INV_GPA, RK_INV_GPA, maxpages);
	virt_map(vm, RK_MEM_GPA, RK_MEM_GPA, maxpages);
	lock_slot0(vm);
	fprintf(reply, "ready\n");

	while (fgets(line, sizeof(line), stdin)) {
		int n = sscanf(line, "%15s %lu %lu", word, &a, &b);

		if (n < 1 || !strcmp(word, "q"))
			break;
		if (!strcmp(word, "inval") && n == 3)
			cmd_inval(a, b);
		else if (!strcmp(word, "mem") && n >= 2)
			cmd_mem(a, strstr(line, "log") != NULL);
		else if (!strcmp(word, "vcpu") && n >= 2)
			cmd_vcpu(a, n == 3 ? b : 0);
		else if (!strcmp(word, "dirty") && n == 2)
			cmd_dirty(a);
		else
			TEST_FAIL("bad command '%s'", line);
	}
	kvm_vm_free(vm);
	return 0;
}
