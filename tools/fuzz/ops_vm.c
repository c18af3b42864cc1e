// SPDX-License-Identifier: GPL-2.0
/*
 * secmmu-fuzz operations: VMs and vCPUs (open, create, close), the API
 * version and capabilities, memslots, views, SPTEs, stats and aging.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

void do_open_vm(struct thread *t)
{
	int fd = open("/dev/secmmu", O_RDWR | (chance(&t->rng, 50) ? O_CLOEXEC : 0));
	int i = below(&t->rng, MAX_VMS), old, j;
	int oldv[8];

	note(OP_OPEN_VM, fd < 0 ? -errno : 0);
	if (fd < 0)
		return;
	vlog(t, "open_vm -> %d (slot %d)", fd, i);
	/* A coherence style for it (SECMMU_CAP_COHERENCE), some refused. */
	if (chance(&t->rng, 50)) {
		struct secmmu_enable_cap ec = {
			.cap = SECMMU_CAP_COHERENCE,
			.args[0] = below(&t->rng, SECMMU_COHERENCE_NR_STYLES) |
				   (chance(&t->rng, 30) ? SECMMU_COHERENCE_AGING : 0),
		};
		long ret = xioctl(fd, SECMMU_ENABLE_CAP, (unsigned long)&ec);

		vlog(t, "enable_cap(%d, coherence %llu) -> %ld", fd,
		     (unsigned long long)ec.args[0], ret);
		note(OP_ENABLE_CAP, ret);
	}
	lock_tab();
	old = vm_fd[i];
	__atomic_store_n(&vm_fd[i], fd, __ATOMIC_RELAXED);
	for (j = 0; j < 8; j++) {
		oldv[j] = vcpu_fd[i][j];
		__atomic_store_n(&vcpu_fd[i][j], -1, __ATOMIC_RELAXED);
	}
	unlock_tab();
	/* Replaced fds are closed: the old VM dies (vCPUs first or not). */
	if (chance(&t->rng, 50) && old >= 0)
		close(old), old = -1;
	for (j = 0; j < 8; j++)
		if (oldv[j] >= 0)
			close(oldv[j]);
	if (old >= 0)
		close(old);
}

void do_close_vm(struct thread *t)
{
	int i = pick_slot(&t->rng, vm_fd, MAX_VMS), fd;

	lock_tab();
	fd = vm_fd[i];
	__atomic_store_n(&vm_fd[i], -1, __ATOMIC_RELAXED);
	unlock_tab();
	if (fd < 0)
		return;
	/* The vCPU fds stay open: they outlive their VM fd. */
	vlog(t, "close_vm %d", fd);
	note(OP_CLOSE_VM, close(fd) ? -errno : 0);
}

void do_create_vcpu(struct thread *t)
{
	int vm = pick_vm(&t->rng);
	unsigned long id = chance(&t->rng, 80) ? below(&t->rng, 10) :
			   edge(&t->rng, SECMMU_MAX_VCPUS);
	long fd;
	int i, j, old = -1;

	if (vm < 0)
		return;
	fd = xioctl(vm, SECMMU_CREATE_VCPU, id);
	vlog(t, "create_vcpu(vm %d, id %lu) -> %ld", vm, id, fd);
	note(OP_CREATE_VCPU, fd < 0 ? fd : 0);
	if (fd < 0)
		return;
	lock_tab();
	for (i = 0; i < MAX_VMS; i++)
		if (vm_fd[i] == vm)
			break;
	if (i == MAX_VMS) {
		unlock_tab();
		close(fd);
		return;
	}
	j = below(&t->rng, 8);
	old = vcpu_fd[i][j];
	__atomic_store_n(&vcpu_fd[i][j], fd, __ATOMIC_RELAXED);
	unlock_tab();
	if (old >= 0)
		close(old);
}

void do_close_vcpu(struct thread *t)
{
	int k = pick_slot(&t->rng, &vcpu_fd[0][0], MAX_VMS * 8);
	int i = k / 8, j = k % 8, fd;

	lock_tab();
	fd = vcpu_fd[i][j];
	__atomic_store_n(&vcpu_fd[i][j], -1, __ATOMIC_RELAXED);
	unlock_tab();
	if (fd < 0)
		return;
	vlog(t, "close_vcpu %d", fd);
	note(OP_CLOSE_VCPU, close(fd) ? -errno : 0);
}

void do_version_cap(struct thread *t)
{
	int vm = chance(&t->rng, 90) ? pick_vm(&t->rng) : pick_vcpu(&t->rng);
	unsigned long cap;
	long ret;

	if (vm < 0)
		return;
	if (chance(&t->rng, 30)) {
		ret = xioctl(vm, SECMMU_GET_API_VERSION, rnd(&t->rng));
		note(OP_API_VERSION, ret);
		return;
	}
	cap = chance(&t->rng, 80) ? below(&t->rng, 20) : edge(&t->rng, 64);
	ret = xioctl(vm, SECMMU_CHECK_CAP, cap);
	vlog(t, "check_cap(%d, %lu) -> %ld", vm, cap, ret);
	note(OP_CHECK_CAP, ret);
}

void do_enable_cap(struct thread *t)
{
	struct secmmu_enable_cap ec;
	struct rng *r = &t->rng;
	int vm = pick_vm(r);
	long ret;
	bool bad;

	if (vm < 0)
		return;
	memset(&ec, 0, sizeof(ec));
	if (chance(r, 20)) {
		ec.cap = SECMMU_CAP_COHERENCE;
		ec.args[0] = chance(r, 80) ? below(r, SECMMU_COHERENCE_NR_STYLES + 1) |
			     (chance(r, 30) ? SECMMU_COHERENCE_AGING : 0) : edge(r, 4);
	} else {
		ec.cap = chance(r, 80) ? SECMMU_CAP_RMAP_MODE : edge(r, 16);
		ec.args[0] = chance(r, 80) ? below(r, SECMMU_RMAP_NR_MODES + 1) :
			     edge(r, 4);
	}
	ec.flags = junk(r, 10);
	if (chance(r, 10))
		ec.args[1 + below(r, 3)] = rnd(r);
	ec.reserved[below(r, 2)] = junk(r, 10);
	bad = ec.flags || ec.reserved[0] || ec.reserved[1];
	ret = xioctl(vm, SECMMU_ENABLE_CAP, chance(r, 5) ?
		     some_ptr(r, t->buf, BUF_SIZE - PAGE) : (unsigned long)&ec);
	vlog(t, "enable_cap(%d, cap %u, arg %llu) -> %ld", vm, ec.cap,
	     (unsigned long long)ec.args[0], ret);
	note(OP_ENABLE_CAP, ret);
	if (bad && ret == 0)
		anomaly("ENABLE_CAP accepted nonzero flags/reserved");
}

void do_set_memslot(struct thread *t)
{
	struct secmmu_memslot ms;
	struct rng *r = &t->rng;
	struct region g = pick_region(r);
	int vm = pick_vm(r);
	long ret;
	bool bad;

	if (vm < 0)
		return;
	memset(&ms, 0, sizeof(ms));
	ms.slot = chance(r, 90) ? below(r, 8) : edge(r, SECMMU_MAX_MEMSLOTS);
	ms.flags = chance(r, 60) ? 0 : chance(r, 40) ? SECMMU_MEM_READONLY :
		   chance(r, 80) ? SECMMU_MEM_LOG_DIRTY : (uint32_t)rnd(r);
	ms.base_gfn = chance(r, 80) ? below(r, 8) * 0x1000 + below(r, 4) * 0x100 :
		      some_gfn(r);
	if (g.addr && chance(r, 85)) {
		size_t off = below(r, g.len / PAGE) * PAGE;

		ms.userspace_addr = (uintptr_t)g.addr + off;
		ms.npages = chance(r, 95) ? 1 + below(r, (g.len - off) / PAGE) :
			    edge(r, SECMMU_MAX_SLOT_PAGES);
		if (chance(r, 5))
			ms.userspace_addr += 1 + below(r, PAGE - 1);
	} else {
		ms.userspace_addr = some_ptr(r, t->buf, BUF_SIZE);
		/* up to 8 GiB: its rmap alone is 16 MiB to zero */
		ms.npages = chance(r, 60) ? 1 + below(r, 1024) :
			    edge(r, SECMMU_MAX_SLOT_PAGES);
	}
	/*
	 * A writable memslot over memory that is not a fuzz region (the
	 * static binary's data at 0x400000 lies inside 0x1000 + 8 GiB, other
	 * threads' stacks next to their buffers) would let random vCPU writes
	 * scribble over this process: such slots are always read-only.
	 */
	if (!in_region(ms.userspace_addr, ms.npages))
		ms.flags |= SECMMU_MEM_READONLY;
	ms.reserved[below(r, 2)] = junk(r, 5);
	bad = ms.reserved[0] || ms.reserved[1];
	ret = xioctl(vm, SECMMU_SET_MEMSLOT, (unsigned long)&ms);
	vlog(t, "set_memslot(%d, slot %u fl %#x gfn %#llx n %llu hva %#llx) -> %ld",
	     vm, ms.slot, ms.flags, (unsigned long long)ms.base_gfn,
	     (unsigned long long)ms.npages,
	     (unsigned long long)ms.userspace_addr, ret);
	note(OP_SET_MEMSLOT, ret);
	if (bad && ret == 0)
		anomaly("SET_MEMSLOT accepted nonzero reserved");
}

void do_del_memslot(struct thread *t)
{
	struct secmmu_memslot ms;
	struct rng *r = &t->rng;
	int vm = pick_vm(r);
	long ret;

	if (vm < 0)
		return;
	memset(&ms, 0, sizeof(ms));
	ms.slot = chance(r, 95) ? below(r, 8) : edge(r, SECMMU_MAX_MEMSLOTS);
	if (chance(r, 5))
		ms.base_gfn = rnd(r);
	if (chance(r, 5))
		ms.flags = 1U << below(r, 32);
	ret = xioctl(vm, SECMMU_SET_MEMSLOT, (unsigned long)&ms);
	vlog(t, "del_memslot(%d, %u) -> %ld", vm, ms.slot, ret);
	note(OP_DEL_MEMSLOT, ret);
}

void do_set_view(struct thread *t)
{
	struct secmmu_view_mapping vmap;
	struct rng *r = &t->rng;
	int vm = pick_vm(r);
	long ret;

	if (vm < 0)
		return;
	memset(&vmap, 0, sizeof(vmap));
	vmap.view = chance(r, 85) ? 1 + below(r, SECMMU_MAX_VIEWS - 1) :
		    edge(r, SECMMU_MAX_VIEWS);
	vmap.view_gfn = chance(r, 80) ? below(r, 0x100) * 0x10 : some_gfn(r);
	vmap.npages = chance(r, 20) ? 0 : chance(r, 80) ? 1 + below(r, 0x400) :
		      edge(r, 1ULL << SECMMU_GFN_BITS);
	vmap.target_gfn = vmap.npages && chance(r, 80) ?
		below(r, 8) * 0x1000 + below(r, 0x100) : some_gfn(r);
	vmap.flags = junk(r, 5);
	vmap.reserved[below(r, 2)] = junk(r, 5);
	ret = xioctl(vm, SECMMU_SET_VIEW_MAPPING, chance(r, 3) ?
		     some_ptr(r, t->buf, BUF_SIZE - PAGE) : (unsigned long)&vmap);
	vlog(t, "set_view(%d, view %u vgfn %#llx n %llu tgfn %#llx) -> %ld", vm,
	     vmap.view, (unsigned long long)vmap.view_gfn,
	     (unsigned long long)vmap.npages,
	     (unsigned long long)vmap.target_gfn, ret);
	note(OP_SET_VIEW, ret);
}

void do_get_spte(struct thread *t)
{
	struct secmmu_spte_info si;
	struct rng *r = &t->rng;
	int vm = pick_vm(r);
	long ret;

	if (vm < 0)
		return;
	memset(&si, 0, sizeof(si));
	si.view = chance(r, 90) ? below(r, SECMMU_MAX_VIEWS) : edge(r, 8);
	si.gfn = chance(r, 70) ? below(r, 8) * 0x1000 + below(r, 0x400) :
		 some_gfn(r);
	si.reserved[below(r, 2)] = junk(r, 5);
	if (chance(r, 5))
		si.flags = rnd(r);
	ret = xioctl(vm, SECMMU_GET_SPTE, chance(r, 5) ?
		     some_ptr(r, t->buf, BUF_SIZE - PAGE) : (unsigned long)&si);
	note(OP_GET_SPTE, ret);
}

void do_get_stats(struct thread *t)
{
	struct rng *r = &t->rng;
	int fd = chance(r, 90) ? pick_vm(r) : pick_vcpu(r);
	long ret;

	if (fd < 0)
		return;
	ret = xioctl(fd, SECMMU_GET_STATS, chance(r, 10) ?
		     some_ptr(r, t->buf, BUF_SIZE - sizeof(struct secmmu_stats)) :
		     (unsigned long)t->buf);
	note(OP_GET_STATS, ret);
}

void do_age(struct thread *t)
{
	struct secmmu_age a;
	struct rng *r = &t->rng;
	int vm = pick_vm(r);
	long ret;

	if (vm < 0)
		return;
	memset(&a, 0, sizeof(a));
	a.flags = chance(r, 50) ? SECMMU_AGE_CLEAR : SECMMU_AGE_TEST;
	if (chance(r, 30))
		a.flags |= SECMMU_AGE_FAST_ONLY;
	if (chance(r, 30))
		a.flags |= SECMMU_AGE_LOOKAROUND;
	if (chance(r, 10))
		a.flags = rnd(r) & 0x3f;
	if (chance(r, 3))
		a.flags |= 1U << below(r, 32);
	if (chance(r, 15)) {
		struct region g = pick_region(r);

		a.flags |= SECMMU_AGE_HVA;
		a.start = (uintptr_t)g.addr + below(r, g.len / PAGE + 1) * PAGE;
		if (chance(r, 10))
			a.start += below(r, PAGE);
	} else {
		a.start = chance(r, 80) ? below(r, 8) * 0x1000 + below(r, 0x100) :
			  some_gfn(r);
	}
	/* a walk of up to 2^21 pages costs 100 small ones under KASAN */
	a.npages = chance(r, 95) ? 1 + below(r, 0x800) :
		   edge(r, SECMMU_MAX_AGE_PAGES);
	a.young = chance(r, 70) ? (uintptr_t)t->bitmap :
		  chance(r, 50) ? 0 : some_ptr(r, t->bitmap, BITMAP_BYTES);
	a.fast_failed = chance(r, 50) ? (uintptr_t)t->bitmap2 :
			chance(r, 50) ? 0 : some_ptr(r, t->bitmap2, BITMAP_BYTES);
	a.out_flags = junk(r, 3);
	a.done = junk(r, 3);
	a.reserved[below(r, 2)] = junk(r, 5);
	ret = xioctl(vm, SECMMU_AGE, (unsigned long)&a);
	vlog(t, "age(%d, fl %#x start %#llx n %llu) -> %ld", vm, a.flags,
	     (unsigned long long)a.start, (unsigned long long)a.npages, ret);
	note(OP_AGE, ret);
}
