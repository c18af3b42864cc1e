// SPDX-License-Identifier: GPL-2.0
/*
 * secmmu: a software secondary MMU driven from userspace.
 *
 * The misc device /dev/secmmu: every open() is a VM bound to the opener's
 * mm (vm.c); capability queries are answered here.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>

#include "inject.h"
#include "ioctl.h"
#include "pt_id.h"
#include "rmap.h"
#include "vm.h"

static ushort mode = 0600;
module_param(mode, ushort, 0444);
MODULE_PARM_DESC(mode, "File mode of /dev/secmmu (default 0600)");

long secmmu_check_cap(struct secmmu_vm *vm, unsigned long cap)
{
	switch (cap) {
	case SECMMU_CAP_API_VERSION:
		return SECMMU_API_VERSION;
	case SECMMU_CAP_MAX_MEMSLOTS:
		return SECMMU_MAX_MEMSLOTS;
	case SECMMU_CAP_MAX_SLOT_PAGES:
		return SECMMU_MAX_SLOT_PAGES;
	case SECMMU_CAP_MAX_VIEWS:
		return SECMMU_MAX_VIEWS;
	case SECMMU_CAP_MAX_VIEW_RANGES:
		return SECMMU_MAX_VIEW_RANGES;
	case SECMMU_CAP_MAX_VCPUS:
		return SECMMU_MAX_VCPUS;
	case SECMMU_CAP_ACCESS_BATCH:
		return SECMMU_MAX_BATCH;
	case SECMMU_CAP_GFN_BITS:
		return SECMMU_GFN_BITS;
	case SECMMU_CAP_STATS:
		return SECMMU_STATS_VERSION;
	case SECMMU_CAP_GET_SPTE:
		return 1;
	case SECMMU_CAP_RMAP_MODES:
		return BIT(SECMMU_RMAP_NR_MODES) - 1;
	case SECMMU_CAP_RMAP_MODE:
		return READ_ONCE(vm->rmap_mode);
	case SECMMU_CAP_AGE:
		return SECMMU_MAX_AGE_PAGES;
	case SECMMU_CAP_DIRTY_LOG:
		return 1;
	case SECMMU_CAP_DIRTY_RING:
		return SECMMU_DIRTY_RING_MAX;
	case SECMMU_CAP_PROT_POLICY:
		return READ_ONCE(vm->prot_policy);
	case SECMMU_CAP_HUGE_LEAVES:
		return READ_ONCE(vm->huge_leaves);
	default:
		return 0;
	}
}

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
	return secmmu_vm_dispatch(file->private_data, cmd, arg);
}

static const struct file_operations secmmu_fops = {
	.owner		= THIS_MODULE,
	.open		= secmmu_open,
	.release	= secmmu_release,
	.unlocked_ioctl	= secmmu_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice secmmu_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "secmmu",
	.fops	= &secmmu_fops,
};

static int __init secmmu_init(void)
{
	int ret = secmmu_rmap_init();

	if (ret)
		return ret;
	secmmu_inject_init();
	secmmu_misc.mode = mode;
	ret = misc_register(&secmmu_misc);
	if (ret) {
		secmmu_inject_exit();
		secmmu_rmap_exit();
	}
	return ret;
}

static void __exit secmmu_exit(void)
{
	misc_deregister(&secmmu_misc);
	/* Table pages still waiting for a grace period. */
	rcu_barrier();
	secmmu_pt_id_exit();
	secmmu_rmap_exit();
	secmmu_inject_exit();
}

module_init(secmmu_init);
module_exit(secmmu_exit);

MODULE_DESCRIPTION("secmmu: a software secondary MMU driven from userspace");
MODULE_LICENSE("GPL");
