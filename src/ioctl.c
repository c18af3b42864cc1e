// SPDX-License-Identifier: GPL-2.0
/*
 * The VM fd, /dev/secmmu: its file operations, capabilities, and its
 * ioctls' handlers (the dispatcher: ioctl_call.c).
 */
#include <linux/capability.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/uaccess.h>

#include "aging.h"
#include "coherence.h"
#include "dirty_log.h"
#include "ioctl.h"
#include "ioctl_call.h"
#include "ioctl_vcpu.h"
#include "mmu.h"
#include "rmap.h"
#include "spte.h"
#include "vm.h"

/* CHECK_CAP's answers that are the same for every VM. */
static const long fixed_caps[] = {
	[SECMMU_CAP_API_VERSION]	= SECMMU_API_VERSION,
	[SECMMU_CAP_MAX_MEMSLOTS]	= SECMMU_MAX_MEMSLOTS,
	[SECMMU_CAP_MAX_SLOT_PAGES]	= SECMMU_MAX_SLOT_PAGES,
	[SECMMU_CAP_MAX_VIEWS]		= SECMMU_MAX_VIEWS,
	[SECMMU_CAP_MAX_VIEW_RANGES]	= SECMMU_MAX_VIEW_RANGES,
	[SECMMU_CAP_MAX_VCPUS]		= SECMMU_MAX_VCPUS,
	[SECMMU_CAP_ACCESS_BATCH]	= SECMMU_MAX_BATCH,
	[SECMMU_CAP_GFN_BITS]		= SECMMU_GFN_BITS,
	[SECMMU_CAP_STATS]		= SECMMU_STATS_VERSION,
	[SECMMU_CAP_GET_SPTE]		= 1,
	[SECMMU_CAP_RMAP_MODES]		= BIT(SECMMU_RMAP_NR_MODES) - 1,
	[SECMMU_CAP_AGE]		= SECMMU_MAX_AGE_PAGES,
	[SECMMU_CAP_DIRTY_LOG]		= 1,
	[SECMMU_CAP_DIRTY_RING]		= SECMMU_DIRTY_RING_MAX,
};

long secmmu_check_cap(struct secmmu_vm *vm, unsigned long cap)
{
	switch (cap) {
	case SECMMU_CAP_RMAP_MODE:
		return READ_ONCE(vm->rmap_mode);
	case SECMMU_CAP_PROT_POLICY:
		return READ_ONCE(vm->prot_policy);
	case SECMMU_CAP_HUGE_LEAVES:
		return READ_ONCE(vm->huge_leaves);
	case SECMMU_CAP_COHERENCE:
		return READ_ONCE(vm->coherence);
	case SECMMU_CAP_COHERENCE_STYLES:
		return secmmu_coherence_styles();
	default:
		return cap < ARRAY_SIZE(fixed_caps) ? fixed_caps[cap] : 0;
	}
}

static long vm_api_version(struct secmmu_vm *vm, struct secmmu_ioctl_call *c)
{
	return SECMMU_API_VERSION;
}

static long vm_check_cap(struct secmmu_vm *vm, struct secmmu_ioctl_call *c)
{
	return secmmu_check_cap(vm, c->arg);
}

static long vm_enable_cap(struct secmmu_vm *vm, struct secmmu_ioctl_call *c)
{
	const struct secmmu_enable_cap *cap = c->karg;

	if (cap->flags || cap->reserved[0] || cap->reserved[1] ||
	    cap->args[1] || cap->args[2] || cap->args[3])
		return -EINVAL;
	if (cap->cap == SECMMU_CAP_PROT_POLICY) {
		if (cap->args[0] >= SECMMU_PROT_NR_POLICIES)
			return -EINVAL;
	} else if (cap->cap == SECMMU_CAP_RMAP_MODE) {
		if (cap->args[0] >= SECMMU_RMAP_NR_MODES)
			return -EINVAL;
	} else if (cap->cap == SECMMU_CAP_COHERENCE) {
		int ret = secmmu_coherence_check(cap->args[0]);

		if (ret)
			return ret;
	} else if (cap->cap != SECMMU_CAP_HUGE_LEAVES || cap->args[0] > 1) {
		return -EINVAL;
	}
	return secmmu_vm_enable_cap(vm, cap->cap, cap->args[0]);
}

static long vm_set_memslot(struct secmmu_vm *vm, struct secmmu_ioctl_call *c)
{
	const struct secmmu_memslot *req = c->karg;

	if (req->slot >= SECMMU_MAX_MEMSLOTS || req->reserved[0] || req->reserved[1])
		return -EINVAL;
	return secmmu_vm_set_memslot(vm, req);
}

static long vm_set_view(struct secmmu_vm *vm, struct secmmu_ioctl_call *c)
{
	const struct secmmu_view_mapping *req = c->karg;

	if (!req->view || req->view >= SECMMU_MAX_VIEWS || req->flags ||
	    req->reserved[0] || req->reserved[1])
		return -EINVAL;
	if (!req->npages && req->target_gfn)
		return -EINVAL;
	return secmmu_vm_set_view_mapping(vm, req);
}

static long vm_get_spte(struct secmmu_vm *vm, struct secmmu_ioctl_call *c)
{
	struct secmmu_spte_info *info = c->karg;
	u64 spte;
	int level;

	if (info->view >= SECMMU_MAX_VIEWS || info->level || info->flags ||
	    info->pfn || info->reserved[0] || info->reserved[1])
		return -EINVAL;
	if (info->gfn >= SECMMU_GFN_LIMIT)
		return -ERANGE;

	spte = secmmu_spte_lookup(vm, info->view, info->gfn, &level);
	info->level = level;
	info->flags = spte & SPTE_UAPI_MASK;
	info->pfn = capable(CAP_SYS_ADMIN) && spte_present(spte) ?
		    spte_pfn_of(spte, level, info->gfn) : 0;
	return 0;
}

static long vm_get_stats(struct secmmu_vm *vm, struct secmmu_ioctl_call *c)
{
	secmmu_stats_fill(vm, c->karg);
	return 0;
}

static int age_check(const struct secmmu_age *a)
{
	u32 known = SECMMU_AGE_TEST | SECMMU_AGE_CLEAR | SECMMU_AGE_FAST_ONLY |
		    SECMMU_AGE_LOOKAROUND | SECMMU_AGE_HVA;
	u32 op = a->flags & (SECMMU_AGE_TEST | SECMMU_AGE_CLEAR);
	u64 words = DIV_ROUND_UP(a->npages, 64);

	if ((a->flags & ~known) || a->reserved[0] || a->reserved[1])
		return -EINVAL;
	if (op != SECMMU_AGE_TEST && op != SECMMU_AGE_CLEAR)
		return -EINVAL;
	if ((a->flags & SECMMU_AGE_LOOKAROUND) && (a->flags & SECMMU_AGE_HVA))
		return -EINVAL;
	if (!a->npages)
		return -EINVAL;
	if (a->npages > SECMMU_MAX_AGE_PAGES)
		return -E2BIG;
	if ((a->flags & SECMMU_AGE_HVA) &&
	    (!PAGE_ALIGNED(a->start) || a->start >= TASK_SIZE ||
	     a->npages > (TASK_SIZE - a->start) >> PAGE_SHIFT))
		return -EINVAL;
	/* Zeroing the bitmaps now finds a bad pointer before anything is aged. */
	if ((a->young && clear_user(u64_to_user_ptr(a->young), words * 8)) ||
	    (a->fast_failed && clear_user(u64_to_user_ptr(a->fast_failed), words * 8)))
		return -EFAULT;
	return 0;
}

static int copy_bits(u64 uptr, u64 first_page, const unsigned long *bits, u64 n)
{
	if (!uptr)
		return 0;
	return copy_to_user(u64_to_user_ptr(uptr) + first_page / 8, bits,
			    DIV_ROUND_UP(n, 64) * 8) ? -EFAULT : 0;
}

/* secmmu_age()'s bitmaps of one chunk, out to @ctx's user arrays. */
static int age_copy_out(void *ctx, u64 done, const unsigned long *young,
			const unsigned long *failed, u64 n)
{
	const struct secmmu_age *a = ctx;
	int ret = copy_bits(a->young, done, young, n);

	if (!ret)
		ret = copy_bits(a->fast_failed, done, failed, n);
	return ret;
}

static long vm_age(struct secmmu_vm *vm, struct secmmu_ioctl_call *c)
{
	struct secmmu_age *a = c->karg;
	int ret = age_check(a);

	if (!ret)
		ret = secmmu_age(vm, a, age_copy_out, a);
	c->report = ret == -EINTR;	/* the progress made is reported */
	return ret;
}

static long vm_create_vcpu(struct secmmu_vm *vm, struct secmmu_ioctl_call *c)
{
	return secmmu_vcpu_create_fd(vm, c->arg);
}

static long vm_enable_ring(struct secmmu_vm *vm, struct secmmu_ioctl_call *c)
{
	unsigned long entries = c->arg;

	if (entries < SECMMU_DIRTY_RING_MIN || entries > SECMMU_DIRTY_RING_MAX ||
	    !is_power_of_2(entries))
		return -EINVAL;
	return secmmu_dirty_enable_ring(vm, entries);
}

static long vm_reset_rings(struct secmmu_vm *vm, struct secmmu_ioctl_call *c)
{
	return secmmu_dirty_reset_rings(vm, NULL);
}

/*
 * The bitmap words cross a word at a time under one user access window:
 * no per-word might_fault() or access_ok(), and no byte-wise string copy
 * (QEMU's TCG runs rep movsb a byte per iteration).
 */
static int log_words_out(void *ctx, u64 w, u64 *v, u32 n)
{
	const struct secmmu_dirty_log *d = ctx;
	u64 __user *p = (u64 __user *)u64_to_user_ptr(d->bitmap) + w;
	u32 i;

	if (!user_write_access_begin(p, n * sizeof(*p)))
		return -EFAULT;
	for (i = 0; i < n; i++)
		unsafe_put_user(v[i], p + i, fault);
	user_write_access_end();
	return 0;
fault:
	user_write_access_end();
	return -EFAULT;
}

static int log_words_in(void *ctx, u64 w, u64 *v, u32 n)
{
	const struct secmmu_dirty_log *d = ctx;
	const u64 __user *p = (const u64 __user *)u64_to_user_ptr(d->bitmap) + w;
	u32 i;

	if (!user_read_access_begin(p, n * sizeof(*p)))
		return -EFAULT;
	for (i = 0; i < n; i++)
		unsafe_get_user(v[i], p + i, fault);
	user_read_access_end();
	return 0;
fault:
	user_read_access_end();
	return -EFAULT;
}

/* SECMMU_GET_DIRTY_LOG and SECMMU_CLEAR_DIRTY_LOG. */
static long vm_dirty_log(struct secmmu_vm *vm, struct secmmu_ioctl_call *c)
{
	struct secmmu_dirty_log *d = c->karg;
	bool clear = c->cmd == SECMMU_CLEAR_DIRTY_LOG;

	if (d->flags || d->reserved[0] || d->reserved[1])
		return -EINVAL;
	return secmmu_dirty_log(vm, d, clear, clear ? log_words_in : log_words_out, d);
}

static const struct secmmu_ioctl vm_ioctls[] = {
	{ SECMMU_GET_API_VERSION,	vm_api_version },
	{ SECMMU_CHECK_CAP,		vm_check_cap },
	{ SECMMU_ENABLE_CAP,		vm_enable_cap },
	{ SECMMU_SET_MEMSLOT,		vm_set_memslot },
	{ SECMMU_SET_VIEW_MAPPING,	vm_set_view },
	{ SECMMU_GET_SPTE,		vm_get_spte },
	{ SECMMU_GET_STATS,		vm_get_stats },
	{ SECMMU_AGE,			vm_age },
	{ SECMMU_CREATE_VCPU,		vm_create_vcpu },
	{ SECMMU_ENABLE_DIRTY_RING,	vm_enable_ring },
	{ SECMMU_RESET_DIRTY_RINGS,	vm_reset_rings },
	{ SECMMU_GET_DIRTY_LOG,		vm_dirty_log },
	{ SECMMU_CLEAR_DIRTY_LOG,	vm_dirty_log },
};

static int secmmu_open(struct inode *inode, struct file *file)
{
	struct secmmu_vm *vm;

	if (!current->mm)
		return -EINVAL;
	vm = secmmu_vm_create(current->mm);
	if (IS_ERR(vm))
		return PTR_ERR(vm);
	file->private_data = vm;
	return 0;
}

static int secmmu_release(struct inode *inode, struct file *file)
{
	secmmu_vm_put(file->private_data);
	return 0;
}

static long secmmu_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return secmmu_ioctl_dispatch(vm_ioctls, ARRAY_SIZE(vm_ioctls),
				     file->private_data, NULL, cmd, arg);
}

const struct file_operations secmmu_fops = {
	.owner		= THIS_MODULE,
	.open		= secmmu_open,
	.release	= secmmu_release,
	.unlocked_ioctl	= secmmu_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};
