// SPDX-License-Identifier: GPL-2.0
/*
 * secmmu-bench: the dirty-tracking collection methods that the series
 * dirty and dirtyscale share.  Declared in dirty.h.
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
#include "dirty.h"


const char *const dm_name[DM_NR] = {
	[DM_GLOBAL]	= "ring_global",
	[DM_PER_RING]	= "ring_per_ring",
	[DM_KHARVEST]	= "kharvest",
	[DM_SHUFFLED]	= "ring_shuffled",
	[DM_BITMAP]	= "bitmap",
};

const char *const dm_label[DM_NR] = {
	[DM_GLOBAL]	= "mmapped ring harvest + SECMMU_RESET_DIRTY_RINGS",
	[DM_PER_RING]	= "mmapped ring harvest + SECMMU_RESET_DIRTY_RING",
	[DM_KHARVEST]	= "SECMMU_HARVEST + SECMMU_RESET_DIRTY_RING",
	[DM_SHUFFLED]	= "as ring_global, pages written in random order",
	[DM_BITMAP]	= "SECMMU_GET_DIRTY_LOG + bit scan + SECMMU_CLEAR_DIRTY_LOG",
};

static __u64 rng_next(__u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/* Pick @k distinct pages of @np into @perm[0..k) (partial Fisher-Yates). */
void pick_pages(__u32 *perm, size_t np, size_t k, __u64 seed)
{
	size_t i;

	for (i = 0; i < np; i++)
		perm[i] = i;
	for (i = 0; i < k; i++) {
		size_t j = i + rng_next(&seed) % (np - i);
		__u32 t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
}

void dvm_open(struct dvm *d, bool ring, char *mem, char *twin,
	      size_t np)
{
	__u64 word = 0;
	struct ops o;

	d->vm.fd = smu_open_vm();
	CHECK(d->vm.fd);
	d->ring = NULL;
	d->idx = 0;
	if (ring)
		CHECK(smu_ioctl_val(d->vm.fd, SECMMU_ENABLE_DIRTY_RING, DIRTY_RING));
	d->vm.vcpu[0] = smu_create_vcpu(d->vm.fd, 0);
	CHECK(d->vm.vcpu[0]);
	d->vm.vcpu[1] = smu_create_vcpu(d->vm.fd, 1);
	CHECK(d->vm.vcpu[1]);
	if (ring) {
		d->ring = mmap(NULL, DIRTY_RING * sizeof(*d->ring),
			       PROT_READ | PROT_WRITE, MAP_SHARED, d->vm.vcpu[0],
			       (off_t)SECMMU_DIRTY_RING_PGOFF * PAGE);
		if (d->ring == MAP_FAILED)
			die("mmap dirty ring: %s", strerror(errno));
	}
	CHECK(smu_set_memslot(d->vm.fd, 0, 0, GFN0, np, mem));
	/* Write faults: every leaf host-writable, so logging takes the fast path. */
	ops_build(&o, 0, GFN0, np, sizeof(word), true, &word);
	ops_run(d->vm.vcpu[0], &o);
	ops_free(&o);
	if (!twin)		/* no push baseline (series dirtyscale) */
		return;
	CHECK(smu_set_memslot(d->vm.fd, 1, 0, GFN1, np, twin));
	ops_build(&o, 0, GFN1, np, sizeof(word), true, &word);
	ops_run(d->vm.vcpu[0], &o);
	ops_free(&o);
}

void dvm_close(struct dvm *d)
{
	if (d->ring)
		munmap(d->ring, DIRTY_RING * sizeof(*d->ring));
	vm_close(&d->vm);
}

/* Timed: harvest the mmapped ring of vCPU 0 into @out; returns the count. */
static size_t harvest_user(struct dvm *d, struct secmmu_dirty_gfn *out)
{
	size_t n = 0;

	while (secmmu_dirty_ring_harvest_one(d->ring, DIRTY_RING, &d->idx,
					     &out[n]))
		n++;
	return n;
}

static size_t harvest_kernel(struct dvm *d, struct secmmu_dirty_gfn *out)
{
	struct secmmu_harvest h = {
		.entries = (__u64)(uintptr_t)out,
		.max = DIRTY_RING,
	};

	/* One call: the kernel stops early only when the ring has no more. */
	CHECK(smu_ioctl(d->vm.vcpu[0], SECMMU_HARVEST, &h));
	d->idx += h.count;	/* keep the userspace cursor in step */
	return h.count;
}

/*
 * Timed: one collection of @d by @m; the dirty pages go to @pages.
 * Returns the pages found, counts the reset/clear ioctls in *@calls.
 */
static size_t dirty_collect(struct dvm *d, int m, size_t np, __u64 *bitmap,
			    struct secmmu_dirty_gfn *ent, __u32 *pages,
			    double *calls)
{
	struct secmmu_dirty_log log = {
		.slot = 0, .first_page = 0, .num_pages = np,
		.bitmap = (__u64)(uintptr_t)bitmap,
	};
	size_t n, i, w;
	long r;

	if (m == DM_BITMAP) {
		CHECK(smu_ioctl(d->vm.fd, SECMMU_GET_DIRTY_LOG, &log));
		for (n = 0, w = 0; w < (np + 63) / 64; w++) {
			__u64 v = bitmap[w];

			while (v) {
				pages[n++] = w * 64 + __builtin_ctzll(v);
				v &= v - 1;
			}
		}
		CHECK(smu_ioctl(d->vm.fd, SECMMU_CLEAR_DIRTY_LOG, &log));
		*calls += 1;
		return n;
	}
	n = m == DM_KHARVEST ? harvest_kernel(d, ent) : harvest_user(d, ent);
	for (i = 0; i < n; i++)
		pages[i] = ent[i].offset;
	if (m == DM_GLOBAL || m == DM_SHUFFLED)
		r = smu_ioctl_val(d->vm.fd, SECMMU_RESET_DIRTY_RINGS, 0);
	else
		r = smu_ioctl_val(d->vm.vcpu[0], SECMMU_RESET_DIRTY_RING, 0);
	CHECK(r);
	if ((size_t)r != n)
		die("dirty: %s reset %ld entries, harvested %zu", dm_name[m], r, n);
	*calls += 1;
	return n;
}

/* Time the @n write ops @op on vCPU 0; ns. */
static double dirty_writes(struct dvm *d, struct secmmu_access_op *op, size_t n)
{
	struct ops part = { op, n };
	__u64 t = now_ns();

	ops_run(d->vm.vcpu[0], &part);
	return now_ns() - t;
}

/*
 * One sample of method @m over the @k pages @perm[0..k) (ascending unless
 * shuffled); fills rep @r of @s.  @top NULL: no twin slot, no push
 * baseline (wbase 0).
 */
void dirty_sample(struct dvm *d, int m, char *mem, size_t np,
		  const __u32 *perm, size_t k, unsigned int r,
		  struct dsample *s, struct secmmu_access_op *op,
		  struct secmmu_access_op *top,
		  __u64 *bitmap, struct secmmu_dirty_gfn *ent,
		  __u32 *pages, __u32 *sorted)
{
	size_t round = m == DM_BITMAP ? k : DIRTY_ROUND, off, n, found = 0, i;
	double coll = 0, push = 0, wbase = 0, calls = 0;
	struct secmmu_stats a, b, c;
	__u64 word = 0x5eed, t;

	for (i = 0; i < k; i++) {
		smu_op(&op[i], 0, SMU_GPA(GFN0 + perm[i]), &word, sizeof(word),
		       true);
		if (top)
			smu_op(&top[i], 0, SMU_GPA(GFN1 + perm[i]), &word,
			       sizeof(word), true);
	}
	CHECK(smu_set_memslot(d->vm.fd, 0, SECMMU_MEM_LOG_DIRTY, GFN0, np, mem));
	snap(d->vm.fd, &a);
	memset(&c, 0, sizeof(c));
	s->rounds = 0;
	for (off = 0; off < k; off += n) {
		struct secmmu_stats x, y;
		size_t got;

		n = k - off < round ? k - off : round;
		/* Alternate the order: neither pass is always first. */
		if (!top) {
			push += dirty_writes(d, op + off, n);
		} else if (r % 2) {
			push += dirty_writes(d, op + off, n);
			wbase += dirty_writes(d, top + off, n);
		} else {
			wbase += dirty_writes(d, top + off, n);
			push += dirty_writes(d, op + off, n);
		}
		snap(d->vm.fd, &x);
		t = now_ns();
		got = dirty_collect(d, m, np, bitmap, ent, pages + found, &calls);
		coll += now_ns() - t;
		snap(d->vm.fd, &y);
		for (i = 0; i < SECMMU_STAT_NR; i++)
			c.val[i] += y.val[i] - x.val[i];
		found += got;
		s->rounds++;
	}
	snap(d->vm.fd, &b);
	CHECK(smu_set_memslot(d->vm.fd, 0, 0, GFN0, np, mem));

	/* The collection found exactly the pages written. */
	memcpy(sorted, perm, k * sizeof(*perm));
	qsort(sorted, k, sizeof(*sorted), cmp_u32);
	qsort(pages, found, sizeof(*pages), cmp_u32);
	if (found != k || memcmp(sorted, pages, k * sizeof(*pages)))
		s->ok = false;

	s->ns_dirty[r] = coll / k;
	s->us[r] = coll / 1e3;
	s->push[r] = push / k;
	s->wbase[r] = wbase / k;
	/* Stats of the writes (a..b minus the collections), and collections. */
	s->logged[r] = DELTA(&a, &b, SECMMU_STAT_DIRTY_LOGGED) -
		       c.val[SECMMU_STAT_DIRTY_LOGGED];
	s->fast[r] = DELTA(&a, &b, SECMMU_STAT_DIRTY_FAST_PATH) -
		     c.val[SECMMU_STAT_DIRTY_FAST_PATH];
	s->faults[r] = DELTA(&a, &b, SECMMU_STAT_FAULTS) -
		       c.val[SECMMU_STAT_FAULTS];
	s->resets[r] = c.val[SECMMU_STAT_DIRTY_RESETS];
	s->reprot[r] = c.val[SECMMU_STAT_DIRTY_REPROTECTED];
	s->flushes[r] = c.val[SECMMU_STAT_REMOTE_FLUSHES];
	s->calls[r] = calls;
	if (s->logged[r] != k || s->fast[r] != k || s->faults[r] ||
	    s->reprot[r] != k || s->flushes[r] != calls ||
	    s->resets[r] != (m == DM_BITMAP ? 0 : k))
		s->ok = false;
}

/* A sample whose pages or counters did not check out: its first rep. */
void dsample_mismatch(const char *series, const char *kase,
		      const struct dsample *s, size_t k)
{
	printf("   %s %s: MISMATCH (pages found, or stats deltas: logged %.0f "
	       "fast %.0f faults %.0f resets %.0f reprotected %.0f flushes %.0f "
	       "calls %.0f, dirty %zu)\n", series, kase, s->logged[0], s->fast[0],
	       s->faults[0], s->resets[0], s->reprot[0], s->flushes[0],
	       s->calls[0], k);
}
