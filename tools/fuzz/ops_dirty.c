// SPDX-License-Identifier: GPL-2.0
/*
 * secmmu-fuzz operations: dirty tracking: rings (enable, reset, harvest,
 * mmap of the ring, userspace harvest, corrupted entries) and dirty
 * bitmaps.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "fuzz.h"

void do_enable_ring(struct thread *t)
{
	struct rng *r = &t->rng;
	int vm = pick_vm(r);
	unsigned long n;

	if (vm < 0)
		return;
	n = chance(r, 70) ? (unsigned long)SECMMU_DIRTY_RING_MIN << below(r, 9) :
	    edge(r, SECMMU_DIRTY_RING_MAX);
	note(OP_ENABLE_RING, xioctl(vm, SECMMU_ENABLE_DIRTY_RING, n));
}

void do_reset_ring(struct thread *t)
{
	struct rng *r = &t->rng;
	int fd;

	if (chance(r, 50)) {
		fd = pick_vm(r);
		if (fd >= 0)
			note(OP_RESET_RINGS, xioctl(fd, SECMMU_RESET_DIRTY_RINGS,
						    rnd(r)));
		return;
	}
	fd = pick_vcpu(r);
	if (fd >= 0)
		note(OP_RESET_RING, xioctl(fd, SECMMU_RESET_DIRTY_RING, rnd(r)));
}

void do_harvest(struct thread *t)
{
	struct secmmu_harvest h;
	struct rng *r = &t->rng;
	int fd = pick_vcpu(r);

	if (fd < 0)
		return;
	memset(&h, 0, sizeof(h));
	h.max = chance(r, 80) ? below(r, 4096) : edge(r, SECMMU_DIRTY_RING_MAX);
	if (h.max > BUF_SIZE / sizeof(struct secmmu_dirty_gfn))
		h.entries = some_ptr(r, t->buf, 64);
	else
		h.entries = chance(r, 90) ? (uintptr_t)t->buf :
			    some_ptr(r, t->buf, BUF_SIZE);
	h.count = junk(r, 5);
	h.reserved[below(r, 2)] = junk(r, 5);
	note(OP_HARVEST, xioctl(fd, SECMMU_HARVEST, (unsigned long)&h));
}

void do_dirty_log(struct thread *t)
{
	struct secmmu_dirty_log dl;
	struct rng *r = &t->rng;
	int vm = pick_vm(r);
	bool clear = chance(r, 40);

	if (vm < 0)
		return;
	memset(&dl, 0, sizeof(dl));
	dl.slot = chance(r, 90) ? below(r, 8) : edge(r, SECMMU_MAX_MEMSLOTS);
	dl.first_page = chance(r, 80) ? below(r, 16) * 64 : edge(r, 1 << 21);
	dl.num_pages = chance(r, 80) ? 1 + below(r, 1024) :
		       edge(r, SECMMU_MAX_SLOT_PAGES);
	dl.bitmap = dl.num_pages / 8 < BITMAP_BYTES && chance(r, 90) ?
		    (uintptr_t)t->bitmap : some_ptr(r, t->bitmap, BITMAP_BYTES);
	dl.flags = junk(r, 5);
	dl.reserved[below(r, 2)] = junk(r, 5);
	if (clear)
		memset(t->bitmap, 0xff, 1024);
	note(clear ? OP_CLEAR_DIRTY_LOG : OP_GET_DIRTY_LOG,
	     xioctl(vm, clear ? SECMMU_CLEAR_DIRTY_LOG : SECMMU_GET_DIRTY_LOG,
		    (unsigned long)&dl));
}

void do_ring_mmap(struct thread *t)
{
	struct rng *r = &t->rng;
	int fd = chance(r, 95) ? pick_vcpu(r) : pick_vm(r);
	int i = below(r, MAX_RINGS), prot, flags;
	size_t len;
	off_t off;
	void *p;

	if (fd < 0)
		return;
	len = chance(r, 80) ? ((size_t)SECMMU_DIRTY_RING_MIN << below(r, 9)) *
	      sizeof(struct secmmu_dirty_gfn) : edge(r, 1 << 22);
	off = chance(r, 90) ? (off_t)(SECMMU_DIRTY_RING_PGOFF * PAGE) :
	      (off_t)(edge(r, 256) * PAGE);
	prot = chance(r, 90) ? PROT_READ | PROT_WRITE :
	       (int)(below(r, 8) & (PROT_READ | PROT_WRITE | PROT_EXEC));
	flags = chance(r, 90) ? MAP_SHARED : MAP_PRIVATE;
	p = mmap(NULL, len, prot, flags, fd, off);
	note(OP_RING_MMAP, p == MAP_FAILED ? -errno : 0);
	if (p == MAP_FAILED)
		return;
	if (prot != (PROT_READ | PROT_WRITE) || flags != MAP_SHARED) {
		munmap(p, len);		/* only rw shared maps are scribbled on */
		return;
	}
	lock_tab();
	if (rings[i].addr)
		munmap(rings[i].addr, rings[i].len);
	rings[i].addr = p;
	rings[i].len = len;
	unlock_tab();
}

void do_ring_touch(struct thread *t)
{
	struct rng *r = &t->rng;
	int i = below(r, MAX_RINGS);
	struct secmmu_dirty_gfn *e;
	size_t n, k;

	lock_tab();
	if (!rings[i].addr) {
		unlock_tab();
		return;
	}
	if (chance(r, 30)) {
		note(OP_RING_MUNMAP, munmap(rings[i].addr, rings[i].len) ? -errno : 0);
		rings[i].addr = NULL;
		unlock_tab();
		return;
	}
	/* harvest like userspace would, and sometimes corrupt the ring */
	e = (void *)rings[i].addr;
	n = rings[i].len / sizeof(*e);
	for (k = 0; k < n && k < 4096; k++) {
		uint32_t f = __atomic_load_n(&e[k].flags, __ATOMIC_ACQUIRE);

		if (f == SECMMU_DIRTY_GFN_F_DIRTY)
			__atomic_store_n(&e[k].flags, SECMMU_DIRTY_GFN_F_RESET,
					 __ATOMIC_RELEASE);
	}
	if (chance(r, 30)) {
		k = below(r, n);
		switch (below(r, 4)) {
		case 0: e[k].flags = rnd(r); break;
		case 1: e[k].slot = chance(r, 50) ? rnd(r) : below(r, 40); break;
		case 2: e[k].offset = edge(r, SECMMU_MAX_SLOT_PAGES); break;
		default: e[k].flags = SECMMU_DIRTY_GFN_F_RESET; break;
		}
	}
	note(OP_RING_SCRIBBLE, 0);
	unlock_tab();
}
