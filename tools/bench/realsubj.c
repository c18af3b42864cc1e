// SPDX-License-Identifier: GPL-2.0
/*
 * The subject processes of the series realinval, realdirty and realvcpu
 * that are not KVM: secmmu-bench re-executed as
 *
 *   secmmu-bench --real-subject KIND MAXMIB
 *
 * KIND: none, twin (nothing else maps the memory), floor (/dev/secmmu_floor
 * open: the empty notifier), secmmuN (a secmmu VM in rmap mode N), dbitmap
 * and dring (a secmmu VM in the default rmap mode, dirty bitmap or dirty
 * ring); KIND-thp: the same over THP (2 MiB aligned, MADV_HUGEPAGE; a
 * secmmu VM with SECMMU_CAP_HUGE_LEAVES, so that it maps 2 MiB leaves as
 * KVM does) instead of 4 KiB pages.  Commands and answers: the protocol
 * of KVM's subject,
 * tools/bench/kvm/real-kvm.c, with secmmu's vCPU (SECMMU_ACCESS_BATCH
 * writes of one word per page) in the place of KVM's guest; without a
 * secondary MMU, the process writes the pages itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include <linux/secmmu_dirty_ring.h>

#include "bench.h"
#include "real.h"

#define RS_INV_GFN	GFN0		/* realinval's memslot 1 */
#define RS_MEM_GFN	GFN1		/* the kept range: memslot 2 */
#define RS_RING		SECMMU_DIRTY_RING_MAX
#define RS_HUGE		(2UL << 20)

static FILE *reply;
static int vm = -1, vcpu = -1;
static char *mem;			/* memslot 2 */
static size_t mem_np;
static struct ops mem_ops;		/* one write per page of memslot 2 */
static __u64 *bitmap;
static struct secmmu_dirty_gfn *ring;
static __u32 ring_idx;
static __u64 word;
static bool thp;

/* @np pages, every one written: 4 KiB pages, or THP (2 MiB aligned). */
static char *rs_region(size_t np)
{
	size_t i, len = np * PAGE, pad = thp ? RS_HUGE : 0;
	char *m = mmap(NULL, len + pad, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *p = m;

	if (m == MAP_FAILED)
		die("real subject: mmap: %s", strerror(errno));
	if (thp) {
		/* Only the aligned part stays mapped: munmap(p, len) ends it. */
		p = (char *)(((uintptr_t)m + RS_HUGE - 1) & ~(RS_HUGE - 1));
		if (p > m)
			munmap(m, p - m);
		if (p + len < m + len + pad)
			munmap(p + len, m + len + pad - (p + len));
	}
	madvise(p, len, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	for (i = 0; i < np; i++)
		*(volatile __u64 *)(p + i * PAGE) = i;
	return p;
}

/* Every @stride-th page of @np from @gfn (at @p) written once by the vCPU. */
static void vcpu_writes(__u64 gfn, char *p, size_t np, size_t stride)
{
	struct ops o;
	size_t i, n = (np + stride - 1) / stride;

	if (vcpu < 0) {
		for (i = 0; i < np; i += stride)
			*(volatile __u64 *)(p + i * PAGE) = i + 1;
		return;
	}
	o.n = n;
	o.op = calloc(n, sizeof(*o.op));
	if (!o.op)
		die("calloc");
	for (i = 0; i < n; i++)
		smu_op(&o.op[i], 0, SMU_GPA(gfn + i * stride), &word,
		       sizeof(word), true);
	ops_run(vcpu, &o);
	ops_free(&o);
}

static void cmd_inval(int op, unsigned long mib)
{
	size_t np = mib << 8, len = np * PAGE;
	char *p = rs_region(np);
	long kb;
	__u64 t;
	int r;

	if (vm >= 0) {
		CHECK(smu_set_memslot(vm, 1, 0, RS_INV_GFN, np, p));
		vcpu_writes(RS_INV_GFN, p, np, 1);
	}
	kb = smu_anon_huge_kb(p);
	t = now_ns();
	r = op == 0 ? munmap(p, len) : op == 1 ? madvise(p, len, MADV_DONTNEED) :
		mprotect(p, len, PROT_READ);
	t = now_ns() - t;
	if (r)
		die("real subject: inval op %d: %s", op, strerror(errno));
	if (vm >= 0)
		CHECK(smu_del_memslot(vm, 1));
	if (op)
		munmap(p, len);
	fprintf(reply, "%llu %ld\n", (unsigned long long)t, kb);
}

static void cmd_mem(unsigned long mib, bool log)
{
	size_t i;

	if (mem)
		die("real subject: mem twice");
	mem_np = mib << 8;
	mem = rs_region(mem_np);
	bitmap = calloc((mem_np + 63) / 64, 8);
	if (!bitmap)
		die("calloc");
	if (vm >= 0) {
		CHECK(smu_set_memslot(vm, 2, 0, RS_MEM_GFN, mem_np, mem));
		mem_ops.n = mem_np;
		mem_ops.op = calloc_unaged(mem_np, sizeof(*mem_ops.op));
		for (i = 0; i < mem_np; i++)
			smu_op(&mem_ops.op[i], 0, SMU_GPA(RS_MEM_GFN + i), &word,
			       sizeof(word), true);
		ops_run(vcpu, &mem_ops);
		/* Logging from here on: every page write-protected, none dirty. */
		if (log)
			CHECK(smu_set_memslot(vm, 2, SECMMU_MEM_LOG_DIRTY, RS_MEM_GFN,
					      mem_np, mem));
	}
	fprintf(reply, "ok\n");
}

/*
 * vCPU passes over memslot 2 for @ms; with @zapdiv, before every pass the
 * next 1/@zapdiv of it zapped (MADV_DONTNEED), so that the pass faults.
 */
static void cmd_vcpu(unsigned long ms, unsigned long zapdiv)
{
	__u64 t0 = now_ns(), t, pages = 0, zapped = 0;
	size_t i, next = 0, zap = zapdiv ? mem_np / zapdiv : 0;

	if (!mem)
		die("real subject: vcpu before mem");
	do {
		if (zap) {
			if (next + zap > mem_np)
				next = 0;
			if (madvise(mem + next * PAGE, zap * PAGE, MADV_DONTNEED))
				die("real subject: MADV_DONTNEED: %s", strerror(errno));
			next += zap;
			zapped += zap;
		}
		if (vcpu >= 0)
			ops_run(vcpu, &mem_ops);
		else
			for (i = 0; i < mem_np; i++)
				*(volatile __u64 *)(mem + i * PAGE) = i;
		pages += mem_np;
		t = now_ns() - t0;
	} while (t < ms * 1000000ULL);
	fprintf(reply, "%llu %llu %llu\n", (unsigned long long)pages,
		(unsigned long long)t, (unsigned long long)zapped);
}

/*
 * The get's scan of the bitmap, as KVM's subject does it: its selftests'
 * Makefile builds for -march=x86-64-v2, so there __builtin_popcountll()
 * is one popcnt instruction.  Built for QEMU's default CPU, ours would be
 * a libgcc call per word; the real* boots run -cpu max, which has popcnt,
 * so the scan is the same instruction on both sides there.
 */
static inline __attribute__((always_inline)) __u64
count_bits_loop(const __u64 *b, size_t words)
{
	__u64 n = 0;
	size_t w;

	for (w = 0; w < words; w++)
		n += __builtin_popcountll(b[w]);
	return n;
}

#if defined(__x86_64__)
/* The loop inlined where popcnt may be used. */
__attribute__((target("popcnt")))
static __u64 count_bits_popcnt(const __u64 *b, size_t words)
{
	return count_bits_loop(b, words);
}
#endif

static __u64 count_bits(const __u64 *b, size_t words)
{
#if defined(__x86_64__)
	if (__builtin_cpu_supports("popcnt"))
		return count_bits_popcnt(b, words);
#endif
	return count_bits_loop(b, words);
}

static void cmd_dirty(unsigned long stride)
{
	struct secmmu_dirty_log log = {
		.slot = 2, .first_page = 0, .num_pages = mem_np,
		.bitmap = (__u64)(uintptr_t)bitmap,
	};
	struct secmmu_dirty_gfn e;
	__u64 t, get, clear, found = 0;
	long r;

	if (!mem || vm < 0)
		die("real subject: dirty without a secmmu memslot");
	vcpu_writes(RS_MEM_GFN, mem, mem_np, stride);
	if (ring) {
		t = now_ns();
		while (secmmu_dirty_ring_harvest_one(ring, RS_RING, &ring_idx, &e))
			found++;
		get = now_ns() - t;
		t = now_ns();
		r = smu_ioctl_val(vm, SECMMU_RESET_DIRTY_RINGS, 0);
		clear = now_ns() - t;
		CHECK(r);
	} else {
		t = now_ns();
		CHECK(smu_ioctl(vm, SECMMU_GET_DIRTY_LOG, &log));
		found = count_bits(bitmap, (mem_np + 63) / 64);
		get = now_ns() - t;
		t = now_ns();
		CHECK(smu_ioctl(vm, SECMMU_CLEAR_DIRTY_LOG, &log));
		clear = now_ns() - t;
	}
	fprintf(reply, "%llu %llu %llu\n", (unsigned long long)get,
		(unsigned long long)clear, (unsigned long long)found);
}

int real_subject(const char *kind, const char *maxmib)
{
	unsigned long a, b;
	char line[128], cmd[16], base[16];
	int floor = -1, mode = -1;
	size_t kl;

	(void)maxmib;
	/* KIND-thp: the same subject over THP. */
	kl = strlen(kind);
	thp = kl > 4 && !strcmp(kind + kl - 4, "-thp");
	snprintf(base, sizeof(base), "%.*s", thp ? (int)(kl - 4) : (int)kl, kind);
	kind = base;
	reply = fdopen(3, "w");
	if (!reply)
		return 2;
	setvbuf(reply, NULL, _IOLBF, 0);
	if (!strcmp(kind, "floor")) {
		floor = open(FLOOR_DEV, O_RDWR | O_CLOEXEC);
		if (floor < 0)
			die("real subject: open %s: %s", FLOOR_DEV, strerror(errno));
	}
	if (!strncmp(kind, "secmmu", 6))
		mode = kind[6] - '0';
	if (mode >= 0 || !strcmp(kind, "dbitmap") || !strcmp(kind, "dring")) {
		vm = smu_open_vm();
		CHECK(vm);
		if (mode >= 0)
			CHECK(smu_enable_cap(vm, SECMMU_CAP_RMAP_MODE, mode));
		if (thp)
			CHECK(smu_enable_cap(vm, SECMMU_CAP_HUGE_LEAVES, 1));
		if (!strcmp(kind, "dring"))
			CHECK(smu_ioctl_val(vm, SECMMU_ENABLE_DIRTY_RING, RS_RING));
		vcpu = smu_create_vcpu(vm, 0);
		CHECK(vcpu);
		if (!strcmp(kind, "dring")) {
			ring = mmap(NULL, RS_RING * sizeof(*ring), PROT_READ | PROT_WRITE,
				    MAP_SHARED, vcpu, (off_t)SECMMU_DIRTY_RING_PGOFF * PAGE);
			if (ring == MAP_FAILED)
				die("real subject: mmap dirty ring: %s", strerror(errno));
		}
	}
	fprintf(reply, "ready\n");
	while (fgets(line, sizeof(line), stdin)) {
		int n = sscanf(line, "%15s %lu %lu", cmd, &a, &b);

		if (n < 1 || !strcmp(cmd, "q"))
			break;
		if (!strcmp(cmd, "inval") && n == 3)
			cmd_inval(a, b);
		else if (!strcmp(cmd, "mem") && n >= 2)
			cmd_mem(a, strstr(line, "log") != NULL);
		else if (!strcmp(cmd, "vcpu") && n >= 2)
			cmd_vcpu(a, n == 3 ? b : 0);
		else if (!strcmp(cmd, "dirty") && n == 2)
			cmd_dirty(a);
		else
			die("real subject: bad command '%s'", line);
	}
	return 0;
}
