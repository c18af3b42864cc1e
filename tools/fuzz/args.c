// SPDX-License-Identifier: GPL-2.0
/*
 * secmmu-fuzz: the objects the steps share (VM and vCPU fds, the regions
 * behind memslots, dirty rings) and the pickers of arguments among them.
 */

#include "fuzz.h"

static pthread_mutex_t tab_mutex = PTHREAD_MUTEX_INITIALIZER;
__thread uint64_t my_wait_ns;	/* blocked in lock_tab() */

void lock_tab(void)
{
	uint64_t t0;

	if (!pthread_mutex_trylock(&tab_mutex))
		return;
	t0 = now_ns();
	pthread_mutex_lock(&tab_mutex);
	my_wait_ns += now_ns() - t0;
}

void unlock_tab(void)
{
	pthread_mutex_unlock(&tab_mutex);
}

int vm_fd[MAX_VMS] = { -1, -1, -1, -1 };
int vcpu_fd[MAX_VMS][8];
struct region regions[MAX_REGIONS];
int nthreads = 4;
pthread_t threads[MAX_THREADS];
struct region rings[MAX_RINGS];

/*
 * A slot of @slots: mostly a live one (a step that finds no fd makes no
 * call), sometimes any.  The fd pickers are lock-free: the fd may be
 * closed and its number reused right after the pick either way.  Writers
 * store the slots under the table lock.
 */
unsigned int pick_slot(struct rng *r, const int *slots, unsigned int n)
{
	unsigned int i, start = below(r, n);

	if (chance(r, 10))
		return start;
	for (i = 0; i < n; i++)
		if (__atomic_load_n(&slots[(start + i) % n], __ATOMIC_RELAXED) >= 0)
			return (start + i) % n;
	return start;
}

static int pick_fd(struct rng *r, const int *slots, unsigned int n)
{
	return __atomic_load_n(&slots[pick_slot(r, slots, n)], __ATOMIC_RELAXED);
}

int pick_vm(struct rng *r)
{
	return pick_fd(r, vm_fd, MAX_VMS);
}

int pick_vcpu(struct rng *r)
{
	return pick_fd(r, &vcpu_fd[0][0], MAX_VMS * 8);
}

struct region pick_region(struct rng *r)
{
	struct region g;

	lock_tab();
	g = regions[below(r, MAX_REGIONS)];
	unlock_tab();
	return g;
}

bool in_region(uint64_t hva, uint64_t npages)
{
	bool in = false;
	int i;

	if (npages > (1ULL << 40))
		return false;
	lock_tab();
	for (i = 0; i < MAX_REGIONS && !in; i++) {
		uint64_t lo = (uintptr_t)regions[i].addr;

		in = regions[i].addr && hva >= lo &&
		     hva + npages * PAGE <= lo + regions[i].len;
	}
	unlock_tab();
	return in;
}

/*
 * A user pointer: good (inside @good), NULL, kernel, unmapped, unaligned.
 * @good must be heap memory the kernel may scribble on (never a struct on
 * the stack: an _IOWR ioctl writes its whole struct back).
 */
uint64_t some_ptr(struct rng *r, void *good, size_t good_len)
{
	struct region g;

	switch (below(r, 16)) {
	case 0: return 0;
	case 1: return 0xffff888000000000ULL + below(r, 1 << 20);
	case 2: return 0x1000;
	case 3: return ~0ULL - below(r, 4096);
	case 4: return (uint64_t)(uintptr_t)good + good_len - below(r, 16);
	case 5:
		g = pick_region(r);
		return (uint64_t)(uintptr_t)g.addr + below(r, g.len + 1);
	case 6: return 0x00007ffffffff000ULL;
	default: return (uint64_t)(uintptr_t)good + below(r, 64);
	}
}

uint64_t some_gfn(struct rng *r)
{
	switch (below(r, 8)) {
	case 0: return edge(r, 1ULL << SECMMU_GFN_BITS);
	case 1: return (1ULL << SECMMU_GFN_BITS) - below(r, 4096);
	case 2: return below(r, 1 << 22);
	default: return below(r, 8) * 0x1000 + below(r, 0x1100);
	}
}
