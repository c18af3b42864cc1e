// SPDX-License-Identifier: GPL-2.0
/*
 * secmmu-fuzz operations: chaos under the VMs: mmap, munmap, mremap,
 * mprotect and MADV_DONTNEED of the memory behind the memslots, fork (a
 * foreign mm using the fds) and signals (EINTR paths).
 */
#include <errno.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "fuzz.h"

void do_mmap(struct thread *t)
{
	struct rng *r = &t->rng;
	size_t len = (1 + below(r, chance(r, 90) ? 64 : 1024)) * PAGE;
	int i = below(r, MAX_REGIONS);
	char *p, *old;
	size_t oldlen;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	note(OP_MMAP, p == MAP_FAILED ? -errno : 0);
	if (p == MAP_FAILED)
		return;
	if (chance(r, 30))
		madvise(p, len, MADV_HUGEPAGE);
	lock_tab();
	old = regions[i].addr;
	oldlen = regions[i].len;
	regions[i].addr = p;
	regions[i].len = len;
	if (old)
		munmap(old, oldlen);
	unlock_tab();
}

void do_munmap(struct thread *t)
{
	struct rng *r = &t->rng;
	int i = below(r, MAX_REGIONS);
	struct region g;
	size_t off, len;

	/*
	 * Under tab_lock: a region another thread already replaced may have
	 * its addresses reused (by a ring mmap, which this process touches).
	 */
	lock_tab();
	g = regions[i];
	if (!g.addr) {
		unlock_tab();
		return;
	}
	if (chance(r, 50)) {
		regions[i].addr = NULL;
		regions[i].len = 0;
		note(OP_MUNMAP, munmap(g.addr, g.len) ? -errno : 0);
		unlock_tab();
		return;
	}
	/*
	 * Punch a hole and fill it again with fresh zero pages, at once and
	 * always: a hole left open could take a ring mmap that later region
	 * operations (mprotect, MADV_DONTNEED) would hit.  A PROT_NONE fill
	 * leaves the slot partly unusable instead.
	 */
	off = below(r, g.len / PAGE) * PAGE;
	len = (1 + below(r, (g.len - off) / PAGE)) * PAGE;
	note(OP_MUNMAP, munmap(g.addr + off, len) ? -errno : 0);
	mmap(g.addr + off, len, chance(r, 70) ? PROT_READ | PROT_WRITE : PROT_NONE,
	     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	unlock_tab();
}

void do_mremap(struct thread *t)
{
	struct rng *r = &t->rng;
	int i = below(r, MAX_REGIONS);
	struct region g;
	size_t nlen;
	char *p;

	lock_tab();
	g = regions[i];
	if (!g.addr) {
		unlock_tab();
		return;
	}
	nlen = chance(r, 50) ? g.len : (1 + below(r, 128)) * PAGE;
	p = mremap(g.addr, g.len, nlen, MREMAP_MAYMOVE |
		   (chance(r, 30) && nlen == g.len ? 0 : 0));
	if (p != MAP_FAILED) {
		/* moved away and maybe back: the old range is now empty */
		regions[i].addr = p;
		regions[i].len = nlen;
	}
	unlock_tab();
	note(OP_MREMAP, p == MAP_FAILED ? -errno : 0);
}

void do_mprotect_dontneed(struct thread *t)
{
	struct rng *r = &t->rng;
	int i = below(r, MAX_REGIONS);
	struct region g;
	size_t off, len;
	int prot;

	lock_tab();	/* see do_munmap() */
	g = regions[i];
	if (!g.addr) {
		unlock_tab();
		return;
	}
	off = below(r, g.len / PAGE) * PAGE;
	len = (1 + below(r, (g.len - off) / PAGE)) * PAGE;
	if (chance(r, 50)) {
		note(OP_DONTNEED, madvise(g.addr + off, len, MADV_DONTNEED) ?
		     -errno : 0);
	} else {
		prot = below(r, 4) == 0 ? PROT_NONE : chance(r, 30) ? PROT_READ :
		       PROT_READ | PROT_WRITE;
		note(OP_MPROTECT, mprotect(g.addr + off, len, prot) ? -errno : 0);
	}
	unlock_tab();
}

/* A child (another mm) uses the inherited fds: every ioctl is -EIO. */
void do_fork(struct thread *t)
{
	struct rng *r = &t->rng;
	int vm = pick_vm(r), vcpu = pick_vcpu(r), st;
	pid_t pid;

	if (vm < 0 && vcpu < 0)
		return;
	pid = fork();
	if (pid < 0) {
		note(OP_FORK, -errno);
		return;
	}
	if (pid == 0) {
		/* (t->buf is not in the child: must_map()) */
		struct secmmu_access a = { 0 };
		struct secmmu_stats s;
		char data[8];
		int bad = 0;

		if (vm >= 0 && ioctl(vm, SECMMU_GET_STATS, &s) == 0)
			bad = 1;
		if (vm >= 0 && ioctl(vm, SECMMU_CREATE_VCPU, 63) >= 0)
			bad = 1;
		a.op.len = sizeof(data);
		a.op.buf = (uintptr_t)data;
		if (vcpu >= 0 && ioctl(vcpu, SECMMU_ACCESS, &a) == 0)
			bad = 1;
		if (chance(r, 50) && vm >= 0)
			close(vm);	/* the child's copy only */
		_exit(bad ? 3 : 0);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 3)
		anomaly("a forked child (another mm) used a VM successfully");
	note(OP_FORK, 0);
}

void do_signal(struct thread *t)
{
	int i = below(&t->rng, nthreads);

	note(OP_SIGNAL, pthread_kill(threads[i], SIGUSR1) ? -EINVAL : 0);
}
