// SPDX-License-Identifier: GPL-2.0
/*
 * secmmu-bench series access: the vCPU access cost per 4 KiB touch.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <linux/secmmu_dirty_ring.h>

#include "secmmu_util.h"
#include "bench.h"

static void copy_pages(void *dst, const void *src, size_t npages, bool to_region)
{
	size_t i;

	for (i = 0; i < npages; i++) {
		if (to_region)
			memcpy((char *)dst + i * PAGE, src, PAGE);
		else
			memcpy(dst, (const char *)src + i * PAGE, PAGE);
		__asm__ volatile("" ::: "memory");
	}
}

#define ACCESS_BOUNCE_PARAM	"/sys/module/secmmu/parameters/access_bounce"

/*
 * vCPU access cost per 4 KiB: hits (direct copy, and through the bounce
 * page with access_bounce=1, interleaved), first touches.
 */
void series_access(void)
{
	size_t len = (size_t)cfg.acc_mb << 20, np = len / PAGE;
	double base_r[MAX_SAMPLES], base_w[MAX_SAMPLES];
	double hit_r[MAX_SAMPLES], hit_w[MAX_SAMPLES], ft[MAX_SAMPLES];
	double ft_w[MAX_SAMPLES], faults[MAX_SAMPLES], faults_w[MAX_SAMPLES];
	double bnc_r[MAX_SAMPLES], bnc_w[MAX_SAMPLES];
	struct secmmu_stats a, b;
	struct ops rd, wr;
	unsigned int r, k;
	bool bounce;
	char *mem, *buf;
	struct vm vm;
	__u64 t;

	printf("\n== access: %zu pages (%u MiB), 4 KiB per touch, %u reps ==\n",
	       np, cfg.acc_mb, cfg.reps);
	mem = region(len, true);
	buf = aligned_alloc(PAGE, PAGE);
	memset(buf, 0x11, PAGE);
	vm_open(&vm, -1);
	CHECK(smu_set_memslot(vm.fd, 0, 0, GFN0, np, mem));
	ops_build(&rd, 0, GFN0, np, PAGE, false, buf);
	ops_build(&wr, 0, GFN0, np, PAGE, true, buf);

	ops_run(vm.vcpu[0], &rd);		/* warm: everything mapped */
	/* Direct copy vs the bounce page: the module parameter, interleaved. */
	bounce = !smu_write_file(ACCESS_BOUNCE_PARAM, "0");
	for (r = 0; r < cfg.reps; r++) {
		t = now_ns();
		copy_pages(buf, mem, np, false);
		base_r[r] = (double)(now_ns() - t) / np;

		for (k = 0; k < 2; k++) {
			/* Alternate which goes first: ABBA over two reps. */
			bool b_now = bounce && ((k ^ r) & 1);

			if (bounce)
				CHECK(smu_write_file(ACCESS_BOUNCE_PARAM, b_now ? "1" : "0"));
			if (!bounce && k)
				break;
			t = now_ns();
			ops_run(vm.vcpu[0], &rd);
			(b_now ? bnc_r : hit_r)[r] = (double)(now_ns() - t) / np;

			t = now_ns();
			ops_run(vm.vcpu[0], &wr);
			(b_now ? bnc_w : hit_w)[r] = (double)(now_ns() - t) / np;
		}
		if (bounce)
			CHECK(smu_write_file(ACCESS_BOUNCE_PARAM, "0"));

		/* Secondary fault only: the host pages stay resident. */
		CHECK(smu_del_memslot(vm.fd, 0));
		CHECK(smu_set_memslot(vm.fd, 0, 0, GFN0, np, mem));
		snap(vm.fd, &a);
		t = now_ns();
		ops_run(vm.vcpu[0], &rd);
		ft[r] = (double)(now_ns() - t) / np;
		snap(vm.fd, &b);
		faults[r] = DELTA(&a, &b, SECMMU_STAT_FAULTS) / np;

		/* Host fault + secondary fault vs the process's own. */
		madvise(mem, len, MADV_DONTNEED);
		t = now_ns();
		copy_pages(mem, buf, np, true);
		base_w[r] = (double)(now_ns() - t) / np;
		madvise(mem, len, MADV_DONTNEED);
		snap(vm.fd, &a);
		t = now_ns();
		ops_run(vm.vcpu[0], &wr);
		ft_w[r] = (double)(now_ns() - t) / np;
		snap(vm.fd, &b);
		faults_w[r] = DELTA(&a, &b, SECMMU_STAT_FAULTS) / np;
	}
	emit("access", "hit", "baseline", "ns/page", base_r, r,
	     "\"label\":\"memcpy 4 KiB from resident page\",\"pages\":%zu", np);
	emit("access", "hit", "secmmu", "ns/page", hit_r, r,
	     "\"label\":\"vCPU read 4 KiB, SPTE present\",\"pages\":%zu", np);
	emit("access", "hit write", "baseline", "ns/page", base_r, r,
	     "\"label\":\"memcpy 4 KiB from resident page\",\"pages\":%zu", np);
	emit("access", "hit write", "secmmu", "ns/page", hit_w, r,
	     "\"label\":\"vCPU write 4 KiB, SPTE present\",\"pages\":%zu", np);
	if (bounce) {
		emit("access", "hit, bounce page", "baseline", "ns/page", base_r, r,
		     "\"label\":\"memcpy 4 KiB from resident page\",\"pages\":%zu", np);
		emit("access", "hit, bounce page", "secmmu", "ns/page", bnc_r, r,
		     "\"label\":\"vCPU read 4 KiB, SPTE present, access_bounce=1\","
		     "\"pages\":%zu,\"direct\":\"hit\"", np);
		emit("access", "hit write, bounce page", "baseline", "ns/page", base_r, r,
		     "\"label\":\"memcpy 4 KiB from resident page\",\"pages\":%zu", np);
		emit("access", "hit write, bounce page", "secmmu", "ns/page", bnc_w, r,
		     "\"label\":\"vCPU write 4 KiB, SPTE present, access_bounce=1\","
		     "\"pages\":%zu,\"direct\":\"hit write\"", np);
	}
	emit("access", "first touch", "baseline", "ns/page", base_r, r,
	     "\"label\":\"memcpy 4 KiB from resident page\",\"pages\":%zu", np);
	emit("access", "first touch", "secmmu", "ns/page", ft, r,
	     "\"label\":\"vCPU read 4 KiB, secondary fault (host page resident)\","
	     "\"pages\":%zu,\"faults_per_page\":%.3f", np, median(faults, r));
	emit("access", "first touch, host fault", "baseline", "ns/page", base_w, r,
	     "\"label\":\"memcpy 4 KiB into discarded page (host fault)\",\"pages\":%zu",
	     np);
	emit("access", "first touch, host fault", "secmmu", "ns/page", ft_w, r,
	     "\"label\":\"vCPU write 4 KiB into discarded page (host + secondary fault)\","
	     "\"pages\":%zu,\"faults_per_page\":%.3f", np, median(faults_w, r));

	ops_free(&rd);
	ops_free(&wr);
	vm_close(&vm);
	munmap(mem, len);
	free(buf);
}
