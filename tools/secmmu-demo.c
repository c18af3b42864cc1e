// SPDX-License-Identifier: GPL-2.0
/*
 * secmmu-demo: a readable tour of /dev/secmmu.
 *
 * Mirrors a process buffer into a VM, reads and writes it through a vCPU,
 * then unmaps, discards and write-protects parts of it and shows what the
 * secondary MMU (SPTEs and counters) did about each.  Then the capabilities
 * that came later, each in its own file under demo/: the rmap modes and
 * SECMMU_AGE, real reclaim asking the aging hooks, and dirty tracking with
 * the bitmap and the per-vCPU rings.  Exits non-zero on any unexpected
 * result.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "secmmu_util.h"
#include "demo/demo.h"

#define NPAGES	4
#define GFN	0x100

int failures;

void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("  [%s] ", ok ? " ok " : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!ok)
		failures++;
}

const char *err_sfx(int ret)
{
	static char s[64];

	if (!ret)
		return "";
	snprintf(s, sizeof(s), " (%s)", strerror(ret < 0 ? -ret : ret));
	return s;
}

void section(const char *title)
{
	printf("\n== %s ==\n", title);
}

const char *spte_str(__u64 f, char *s)
{
	if (f == ~0ULL)
		return strcpy(s, "error");
	snprintf(s, 16, "%c%c%c%c", f & SECMMU_SPTE_PRESENT ? 'P' : '-',
		 f & SECMMU_SPTE_WRITABLE ? 'W' : '-',
		 f & SECMMU_SPTE_ACCESSED ? 'A' : '-',
		 f & SECMMU_SPTE_DIRTY ? 'D' : '-');
	return s;
}

static void show_sptes(int vm)
{
	struct secmmu_spte_info info;
	char s[16];
	int i;

	printf("  gfn     spte  level\n");
	for (i = 0; i < NPAGES; i++) {
		if (smu_get_spte(vm, 0, GFN + i, &info)) {
			printf("  0x%llx  error\n", (unsigned long long)GFN + i);
			failures++;
			continue;
		}
		printf("  0x%llx  %s  %u\n", (unsigned long long)GFN + i,
		       spte_str(info.flags, s), info.level);
	}
}

static void show_stats(int vm, const struct secmmu_stats *before)
{
	struct secmmu_stats st;
	unsigned int i;

	if (smu_get_stats(vm, &st)) {
		check(false, "SECMMU_GET_STATS");
		return;
	}
	printf("  %-24s %10s %8s\n", "counter", "value", "delta");
	for (i = 0; i < st.nr && i < SECMMU_STAT_NR; i++) {
		long long d = st.val[i] - (before ? before->val[i] : 0);

		if (!st.val[i] && !d)
			continue;
		printf("  %-24s %10llu %+8lld\n", smu_stat_name(i),
		       (unsigned long long)st.val[i], d);
	}
}

void show_deltas(const struct secmmu_stats *before,
		 const struct secmmu_stats *after,
		 const enum secmmu_stat *ids, unsigned int n)
{
	unsigned int i, col = 0;
	char item[64];
	int len;

	for (i = 0; i < n; i++) {
		len = snprintf(item, sizeof(item), "%s %+lld",
			       smu_stat_name(ids[i]),
			       (long long)delta(before, after, ids[i]));
		if (col && col + 2 + len > 76) {
			printf("\n");
			col = 0;
		}
		printf("%s%s", col ? ", " : "  ", item);
		col += 2 + len;
	}
	if (col)
		printf("\n");
}

const char *page_map(char *s, __u64 bm, unsigned int n, char set)
{
	unsigned int i;

	for (i = 0; i < n && i < 64; i++)
		s[i] = bm >> i & 1 ? set : '.';
	s[i] = 0;
	return s;
}

static __u64 stat_of(int vm, enum secmmu_stat s)
{
	return smu_stat(vm, s);
}

int main(void)
{
	static const struct { unsigned long cap; const char *name; } caps[] = {
		{ SECMMU_CAP_API_VERSION,	"api_version" },
		{ SECMMU_CAP_MAX_MEMSLOTS,	"max_memslots" },
		{ SECMMU_CAP_MAX_SLOT_PAGES,	"max_slot_pages" },
		{ SECMMU_CAP_MAX_VIEWS,		"max_views" },
		{ SECMMU_CAP_MAX_VIEW_RANGES,	"max_view_ranges" },
		{ SECMMU_CAP_MAX_VCPUS,		"max_vcpus" },
		{ SECMMU_CAP_ACCESS_BATCH,	"access_batch" },
		{ SECMMU_CAP_GFN_BITS,		"gfn_bits" },
		{ SECMMU_CAP_STATS,		"stats" },
		{ SECMMU_CAP_GET_SPTE,		"get_spte" },
		{ SECMMU_CAP_RMAP_MODES,	"rmap_modes" },
		{ SECMMU_CAP_RMAP_MODE,		"rmap_mode" },
		{ SECMMU_CAP_AGE,		"age" },
		{ SECMMU_CAP_DIRTY_LOG,		"dirty_log" },
		{ SECMMU_CAP_DIRTY_RING,	"dirty_ring" },
		{ SECMMU_CAP_PROT_POLICY,	"prot_policy" },
		{ SECMMU_CAP_HUGE_LEAVES,	"huge_leaves" },
	};
	long long numa_balancing;
	struct secmmu_stats st0;
	char buf[64], *mem;
	int vm, vcpu, ret;
	unsigned int i;
	__u64 f;

	section("device");
	vm = smu_open_vm();
	if (vm < 0) {
		fprintf(stderr, "open %s: %s\n", SMU_DEV_PATH, strerror(-vm));
		return 1;
	}
	ret = smu_ioctl_val(vm, SECMMU_GET_API_VERSION, 0);
	printf("  API version %d (header %d)\n", ret, SECMMU_API_VERSION);
	check(ret == SECMMU_API_VERSION, "API version matches the header");
	for (i = 0; i < ARRAY_SIZE(caps); i++)
		printf("  cap %-16s %d\n", caps[i].name,
		       smu_check_cap(vm, caps[i].cap));

	section("mirror a process buffer");
	mem = smu_mmap_anon(NPAGES * PAGE);
	if (mem == MAP_FAILED)
		return 1;
	for (i = 0; i < NPAGES; i++)
		snprintf(mem + i * PAGE, 64, "process wrote page %u", i);
	ret = smu_set_memslot(vm, 0, 0, GFN, NPAGES, mem);
	check(!ret, "memslot 0: gfn 0x%x..0x%x -> %p", GFN, GFN + NPAGES - 1,
	      (void *)mem);
	vcpu = smu_create_vcpu(vm, 0);
	check(vcpu >= 0, "vCPU 0 created (fd %d)", vcpu);
	if (ret || vcpu < 0)
		return 1;
	smu_get_stats(vm, &st0);

	for (i = 0; i < NPAGES; i++) {
		memset(buf, 0, sizeof(buf));
		ret = smu_read(vcpu, 0, SMU_GPA(GFN + i), buf, 63, NULL);
		printf("  vCPU reads gpa 0x%llx: \"%s\"\n",
		       (unsigned long long)SMU_GPA(GFN + i), buf);
		check(!ret && !strcmp(buf, mem + i * PAGE),
		      "vCPU sees the process's bytes");
	}
	snprintf(buf, sizeof(buf), "the vCPU wrote this");
	ret = smu_write(vcpu, 0, SMU_GPA(GFN + 1), buf, strlen(buf) + 1, NULL);
	printf("  process reads page 1: \"%s\"\n", mem + PAGE);
	check(!ret && !strcmp(mem + PAGE, buf), "process sees the vCPU write");
	show_sptes(vm);
	show_stats(vm, &st0);

	section("munmap page 3");
	smu_get_stats(vm, &st0);
	munmap(mem + 3 * PAGE, PAGE);
	f = smu_spte_flags(vm, 0, GFN + 3);
	check(f == 0, "SPTE of gfn 0x%x zapped", GFN + 3);
	ret = smu_read(vcpu, 0, SMU_GPA(GFN + 3), buf, 8, NULL);
	check(ret == -EFAULT, "vCPU read of the unmapped page: %s",
	      strerror(-ret));
	show_sptes(vm);
	show_stats(vm, &st0);

	section("MADV_DONTNEED page 1");
	smu_get_stats(vm, &st0);
	madvise(mem + PAGE, PAGE, MADV_DONTNEED);
	check(smu_spte_flags(vm, 0, GFN + 1) == 0, "SPTE of gfn 0x%x zapped",
	      GFN + 1);
	memset(buf, 0x55, sizeof(buf));
	ret = smu_read(vcpu, 0, SMU_GPA(GFN + 1), buf, sizeof(buf), NULL);
	check(!ret && smu_is_zero(buf, sizeof(buf)),
	      "vCPU now reads zeros, like the process");
	show_sptes(vm);
	show_stats(vm, &st0);

	section("mprotect(PROT_READ) page 0");
	smu_get_stats(vm, &st0);
	smu_write(vcpu, 0, SMU_GPA(GFN), "x", 1, NULL);
	mprotect(mem, PAGE, PROT_READ);
	f = smu_spte_flags(vm, 0, GFN);
	check(!(f & SECMMU_SPTE_WRITABLE), "SPTE of gfn 0x%x not writable", GFN);
	ret = smu_write(vcpu, 0, SMU_GPA(GFN), "y", 1, NULL);
	check(ret == -EFAULT, "vCPU write refused: %s", strerror(-ret));
	ret = smu_read(vcpu, 0, SMU_GPA(GFN), buf, 1, NULL);
	check(!ret && buf[0] == 'x' && mem[0] == 'x',
	      "vCPU read still works and sees 'x'");
	show_sptes(vm);
	show_stats(vm, &st0);

	/*
	 * NUMA balancing would zap SPTEs behind the exact counts below (the
	 * QEMU rig has two nodes): off for the rest, restored at the end.
	 */
	numa_balancing = smu_read_ll("/proc/sys/kernel/numa_balancing");
	if (numa_balancing > 0)
		smu_quiesce();
	demo_aging();
	demo_reclaim();
	demo_dirty_log();
	demo_dirty_ring();
	if (numa_balancing > 0) {
		snprintf(buf, sizeof(buf), "%lld", numa_balancing);
		smu_write_file("/proc/sys/kernel/numa_balancing", buf);
	}

	section("summary");
	check(stat_of(vm, SECMMU_STAT_MAPPED) ==
	      (__u64)smu_count_present(vm, 0, GFN, NPAGES),
	      "stat 'mapped' equals the present SPTEs");
	close(vcpu);
	close(vm);
	munmap(mem, 3 * PAGE);
	printf("\n%s: %d unexpected result(s)\n",
	       failures ? "FAIL" : "OK", failures);
	return failures ? 1 : 0;
}
