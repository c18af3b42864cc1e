// SPDX-License-Identifier: GPL-2.0
/*
 * secmmu_floor: the cheapest possible secondary MMU, as a measuring floor.
 *
 * Opening /dev/secmmu_floor registers an mmu_notifier on the opener's mm;
 * closing the file unregisters it.  The aging ops answer "not young" (0)
 * and the invalidation ops do nothing, so what the kernel's own aging and
 * invalidation pay with this notifier registered, beside the same work on
 * an mm without one, is the cost of the notifier dispatch itself: the
 * "empty notifier" floor of the bench series realage (tools/bench).
 *
 * Locking: none.  Each open file owns one notifier; mmu_notifier_register()
 * takes its own reference on the mm (mm_count), dropped by
 * mmu_notifier_unregister() at the file's release, which also waits for
 * the notifier's callbacks to return.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mmu_notifier.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "secmmu_probes.h"

/* Newer kernels' aging ops return bool (scripts/probes/mn_aging_bool.c). */
#ifdef SECMMU_HAVE_MN_AGING_BOOL
#define floor_age_t	bool
#else
#define floor_age_t	int
#endif

static floor_age_t floor_clear_flush_young(struct mmu_notifier *mn,
					   struct mm_struct *mm,
					   unsigned long start,
					   unsigned long end)
{
	return 0;
}

static floor_age_t floor_clear_young(struct mmu_notifier *mn,
				     struct mm_struct *mm,
				     unsigned long start, unsigned long end)
{
	return 0;
}

static floor_age_t floor_test_young(struct mmu_notifier *mn,
				    struct mm_struct *mm,
				    unsigned long address)
{
	return 0;
}

static int floor_invalidate_range_start(struct mmu_notifier *mn,
					const struct mmu_notifier_range *range)
{
	return 0;
}

static void floor_invalidate_range_end(struct mmu_notifier *mn,
				       const struct mmu_notifier_range *range)
{
}

static void floor_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
}

static const struct mmu_notifier_ops floor_mn_ops = {
	.release		= floor_release,
	.clear_flush_young	= floor_clear_flush_young,
	.clear_young		= floor_clear_young,
	.test_young		= floor_test_young,
	.invalidate_range_start	= floor_invalidate_range_start,
	.invalidate_range_end	= floor_invalidate_range_end,
};

static int floor_open(struct inode *inode, struct file *file)
{
	struct mmu_notifier *mn;
	int ret;

	if (!current->mm)
		return -EINVAL;
	mn = kzalloc(sizeof(*mn), GFP_KERNEL_ACCOUNT);
	if (!mn)
		return -ENOMEM;
	mn->ops = &floor_mn_ops;
	ret = mmu_notifier_register(mn, current->mm);
	if (ret) {
		kfree(mn);
		return ret;
	}
	file->private_data = mn;
	return 0;
}

static int floor_file_release(struct inode *inode, struct file *file)
{
	struct mmu_notifier *mn = file->private_data;

	mmu_notifier_unregister(mn, mn->mm);
	kfree(mn);
	return 0;
}

static const struct file_operations floor_fops = {
	.owner		= THIS_MODULE,
	.open		= floor_open,
	.release	= floor_file_release,
	.llseek		= noop_llseek,
};

static struct miscdevice floor_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "secmmu_floor",
	.fops	= &floor_fops,
	.mode	= 0600,
};

module_misc_device(floor_dev);

MODULE_DESCRIPTION("secmmu bench floor: an mmu_notifier that does nothing");
MODULE_LICENSE("GPL");
