// SPDX-License-Identifier: GPL-2.0
/* The ioctl layer's dispatcher (ioctl_call.h), for VM and vCPU fds. */
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "inject.h"
#include "ioctl_call.h"
#include "vm.h"

/* Before the handler: the struct in; NULL @c->karg for _IO commands. */
static int copy_in(struct secmmu_ioctl_call *c, union secmmu_ioctl_arg *u)
{
	unsigned int cmd = c->cmd, size = _IOC_SIZE(cmd);

	c->karg = NULL;
	c->report = false;
	if (_IOC_DIR(cmd) == _IOC_NONE)
		return 0;
	c->karg = size <= sizeof(*u) ? u :
		  secmmu_inject_alloc(kzalloc(size, GFP_KERNEL));
	if (!c->karg)
		return -ENOMEM;
	if ((_IOC_DIR(cmd) & _IOC_WRITE) &&
	    copy_from_user(c->karg, (void __user *)c->arg, size))
		return -EFAULT;
	return 0;
}

/* After it: the struct out if it succeeded or reports progress. */
static long copy_out(struct secmmu_ioctl_call *c, union secmmu_ioctl_arg *u, long ret)
{
	if (c->karg && (_IOC_DIR(c->cmd) & _IOC_READ) && (ret >= 0 || c->report) &&
	    copy_to_user((void __user *)c->arg, c->karg, _IOC_SIZE(c->cmd)))
		ret = -EFAULT;
	if (c->karg != u)
		kfree(c->karg);
	return ret;
}

long secmmu_ioctl_dispatch(const struct secmmu_ioctl *cmds, unsigned int n,
			   struct secmmu_vm *vm, struct secmmu_vcpu *vcpu,
			   unsigned int cmd, unsigned long arg)
{
	struct secmmu_ioctl_call c = { .cmd = cmd, .arg = arg };
	union secmmu_ioctl_arg u;
	unsigned int i;
	long ret;

	if (current->mm != vm->mm)
		return -EIO;
	for (i = 0; i < n; i++)
		if (cmds[i].cmd == cmd)
			break;
	if (i == n)
		return -ENOTTY;
	ret = copy_in(&c, &u);
	if (!ret)
		ret = vcpu ? cmds[i].vcpu(vcpu, &c) : cmds[i].vm(vm, &c);
	return copy_out(&c, &u, ret);
}
