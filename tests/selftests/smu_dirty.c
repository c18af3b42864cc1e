// SPDX-License-Identifier: GPL-2.0
/*
 * The secmmu selftest library: dirty rings (enable, mmap, reset, harvest)
 * and dirty logs.
 */
#include <errno.h>
#include <sys/mman.h>

#include "secmmu_util.h"

int smu_enable_ring(int vm, unsigned long entries)
{
	return smu_ioctl_val(vm, SECMMU_ENABLE_DIRTY_RING, entries);
}

int smu_mmap_raw(int vcpu, size_t len, int prot, int flags, off_t off,
		 void **out)
{
	void *p = mmap(NULL, len, prot, flags, vcpu, off);

	if (p == MAP_FAILED)
		return -errno;
	*out = p;
	return 0;
}

struct secmmu_dirty_gfn *smu_mmap_ring(int vcpu, __u32 entries)
{
	return mmap(NULL, SMU_RING_BYTES(entries), PROT_READ | PROT_WRITE,
		    MAP_SHARED, vcpu, SMU_RING_OFFSET);
}

int smu_reset_rings(int vm)
{
	return smu_ioctl_val(vm, SECMMU_RESET_DIRTY_RINGS, 0);
}

int smu_reset_ring(int vcpu)
{
	return smu_ioctl_val(vcpu, SECMMU_RESET_DIRTY_RING, 0);
}

int smu_kharvest(int vcpu, struct secmmu_dirty_gfn *out, __u32 max)
{
	struct secmmu_harvest h = {
		.entries = (__u64)(uintptr_t)out,
		.max = max,
	};
	int ret = smu_ioctl(vcpu, SECMMU_HARVEST, &h);

	return ret < 0 ? ret : (int)h.count;
}

__u32 smu_ring_harvest(struct smu_ring *r, struct secmmu_dirty_gfn *out,
		       __u32 max)
{
	struct secmmu_dirty_gfn tmp;
	__u32 i;

	for (i = 0; i < max; i++)
		if (!secmmu_dirty_ring_harvest_one(r->g, r->n, &r->idx,
						   out ? &out[i] : &tmp))
			break;
	return i;
}

__u32 smu_ring_flags(struct smu_ring *r, __u32 idx)
{
	return __atomic_load_n(&smu_ring_ent(r, idx)->flags, __ATOMIC_ACQUIRE);
}

__u32 smu_ring_busy(struct smu_ring *r)
{
	__u32 i, n = 0;

	for (i = 0; i < r->n; i++)
		n += !secmmu_dirty_gfn_is_free(&r->g[i]);
	return n;
}

static int smu_log_ioctl(int vm, unsigned long req, __u32 slot, __u64 first,
			 __u64 num, __u64 *bm)
{
	struct secmmu_dirty_log l = {
		.slot = slot,
		.first_page = first,
		.num_pages = num,
		.bitmap = (__u64)(uintptr_t)bm,
	};

	return smu_ioctl(vm, req, &l);
}

int smu_get_log(int vm, __u32 slot, __u64 first, __u64 num, __u64 *bm)
{
	return smu_log_ioctl(vm, SECMMU_GET_DIRTY_LOG, slot, first, num, bm);
}

int smu_clear_log(int vm, __u32 slot, __u64 first, __u64 num, __u64 *bm)
{
	return smu_log_ioctl(vm, SECMMU_CLEAR_DIRTY_LOG, slot, first, num, bm);
}
