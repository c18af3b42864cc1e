// SPDX-License-Identifier: GPL-2.0
/*
 * The one place secmmu's ioctls are dispatched, for the VM fd and the vCPU
 * fds.  It refuses callers from another mm (-EIO), finds the command by its
 * full number (size and direction included: anything else is -ENOTTY, and
 * a VM command on a vCPU fd too), copies the argument struct in before the
 * handler (_IOW) and out after it (_IOR) when the handler succeeded or
 * reported progress (secmmu_ioctl_call.report: results the UAPI defines
 * for an error, e.g. an access's @done on -EINTR).  A failed copy out is
 * -EFAULT.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "dirty_log.h"
#include "inject.h"
#include "ioctl.h"
#include "vcpu.h"
#include "vm.h"

static long vm_api_version(struct secmmu_vm *vm, struct secmmu_ioctl_call *c)
{
	return SECMMU_API_VERSION;
}

static long vm_check_cap(struct secmmu_vm *vm, struct secmmu_ioctl_call *c)
{
	return secmmu_check_cap(vm, c->arg);
}

static long vm_create_vcpu(struct secmmu_vm *vm, struct secmmu_ioctl_call *c)
{
	return secmmu_vcpu_create_fd(vm, c->arg);
}

static long vm_enable_ring(struct secmmu_vm *vm, struct secmmu_ioctl_call *c)
{
	return secmmu_dirty_enable_ring(vm, c->arg);
}

static long vm_reset_rings(struct secmmu_vm *vm, struct secmmu_ioctl_call *c)
{
	return secmmu_dirty_reset_rings(vm, NULL);
}

static const struct {
	unsigned int cmd;
	long (*fn)(struct secmmu_vm *vm, struct secmmu_ioctl_call *c);
} vm_ioctls[] = {
	{ SECMMU_GET_API_VERSION,	vm_api_version },
	{ SECMMU_CHECK_CAP,		vm_check_cap },
	{ SECMMU_ENABLE_CAP,		secmmu_vm_ioctl_enable_cap },
	{ SECMMU_SET_MEMSLOT,		secmmu_vm_ioctl_set_memslot },
	{ SECMMU_SET_VIEW_MAPPING,	secmmu_vm_ioctl_set_view },
	{ SECMMU_GET_SPTE,		secmmu_vm_ioctl_get_spte },
	{ SECMMU_GET_STATS,		secmmu_vm_ioctl_get_stats },
	{ SECMMU_AGE,			secmmu_vm_ioctl_age },
	{ SECMMU_CREATE_VCPU,		vm_create_vcpu },
	{ SECMMU_ENABLE_DIRTY_RING,	vm_enable_ring },
	{ SECMMU_RESET_DIRTY_RINGS,	vm_reset_rings },
	{ SECMMU_GET_DIRTY_LOG,		secmmu_vm_ioctl_dirty_log },
	{ SECMMU_CLEAR_DIRTY_LOG,	secmmu_vm_ioctl_clear_dirty_log },
};

static long vcpu_reset_ring(struct secmmu_vcpu *vcpu, struct secmmu_ioctl_call *c)
{
	if (!vcpu->ring.entries)
		return -EINVAL;
	return secmmu_dirty_reset_rings(vcpu->vm, vcpu);
}

static const struct {
	unsigned int cmd;
	long (*fn)(struct secmmu_vcpu *vcpu, struct secmmu_ioctl_call *c);
} vcpu_ioctls[] = {
	{ SECMMU_ACCESS,		secmmu_vcpu_ioctl_access },
	{ SECMMU_ACCESS_BATCH,		secmmu_vcpu_ioctl_batch },
	{ SECMMU_RESET_DIRTY_RING,	vcpu_reset_ring },
	{ SECMMU_HARVEST,		secmmu_vcpu_ioctl_harvest },
};

/* Room for every argument struct but the stats, which are allocated. */
union ioctl_arg {
	struct secmmu_enable_cap cap;
	struct secmmu_memslot memslot;
	struct secmmu_view_mapping view;
	struct secmmu_spte_info spte;
	struct secmmu_age age;
	struct secmmu_dirty_log log;
	struct secmmu_access access;
	struct secmmu_access_batch batch;
	struct secmmu_harvest harvest;
};

/* Before the handler: the struct in; NULL @c->karg for _IO commands. */
static int copy_in(struct secmmu_ioctl_call *c, union ioctl_arg *u,
		   unsigned int cmd)
{
	unsigned int size = _IOC_SIZE(cmd);

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
static long copy_out(struct secmmu_ioctl_call *c, union ioctl_arg *u,
		     unsigned int cmd, long ret)
{
	if (c->karg && (_IOC_DIR(cmd) & _IOC_READ) && (ret >= 0 || c->report) &&
	    copy_to_user((void __user *)c->arg, c->karg, _IOC_SIZE(cmd)))
		ret = -EFAULT;
	if (c->karg != u)
		kfree(c->karg);
	return ret;
}

long secmmu_vm_dispatch(struct secmmu_vm *vm, unsigned int cmd, unsigned long arg)
{
	struct secmmu_ioctl_call c = { .arg = arg };
	union ioctl_arg u;
	unsigned int i;
	long ret;

	if (current->mm != vm->mm)
		return -EIO;
	for (i = 0; i < ARRAY_SIZE(vm_ioctls); i++)
		if (vm_ioctls[i].cmd == cmd)
			break;
	if (i == ARRAY_SIZE(vm_ioctls))
		return -ENOTTY;
	ret = copy_in(&c, &u, cmd);
	if (!ret)
		ret = vm_ioctls[i].fn(vm, &c);
	return copy_out(&c, &u, cmd, ret);
}

long secmmu_vcpu_dispatch(struct secmmu_vcpu *vcpu, unsigned int cmd,
			  unsigned long arg)
{
	struct secmmu_ioctl_call c = { .arg = arg };
	union ioctl_arg u;
	unsigned int i;
	long ret;

	if (current->mm != vcpu->vm->mm)
		return -EIO;
	for (i = 0; i < ARRAY_SIZE(vcpu_ioctls); i++)
		if (vcpu_ioctls[i].cmd == cmd)
			break;
	if (i == ARRAY_SIZE(vcpu_ioctls))
		return -ENOTTY;
	ret = copy_in(&c, &u, cmd);
	if (!ret)
		ret = vcpu_ioctls[i].fn(vcpu, &c);
	return copy_out(&c, &u, cmd, ret);
}
