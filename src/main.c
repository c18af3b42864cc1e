// SPDX-License-Identifier: GPL-2.0
/*
 * secmmu: a software secondary MMU driven from userspace.
 *
 * The module and its misc device, /dev/secmmu, whose file operations are
 * the ioctl layer's (ioctl.c).
 */
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/rcupdate.h>

#include "coherence.h"
#include "inject.h"
#include "ioctl.h"
#include "pt_id.h"
#include "rmap.h"

static ushort mode = 0600;
module_param(mode, ushort, 0444);
MODULE_PARM_DESC(mode, "File mode of /dev/secmmu (default 0600)");

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
	secmmu_coherence_init();
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
