// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPU fds: their creation, file operations (the dirty ring's mmap),
 * and their ioctls' handlers (the dispatcher: ioctl_call.h).
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/vmalloc.h>

#include "dirty_log.h"
#include "ioctl_call.h"
#include "ioctl_vcpu.h"
#include "secmmu_probes.h"
#include "trace.h"
#include "vcpu.h"
#include "vm.h"

/* @op checked, and its user buffer as an iterator. */
static int user_iter(const struct secmmu_access_op *op, struct iov_iter *iter)
{
	void __user *buf = u64_to_user_ptr(op->buf);

	if (!access_ok(buf, op->len))
		return -EFAULT;
	if (!op->len || op->len > SECMMU_MAX_ACCESS_LEN ||
	    op->view >= SECMMU_MAX_VIEWS || (op->flags & ~SECMMU_ACCESS_WRITE))
		return -EINVAL;
	iov_iter_ubuf(iter, (op->flags & SECMMU_ACCESS_WRITE) ? ITER_SOURCE : ITER_DEST,
		      buf, op->len);
	return 0;
}

static long secmmu_vcpu_ioctl_access(struct secmmu_vcpu *vcpu, struct secmmu_ioctl_call *c)
{
	struct secmmu_access *a = c->karg;
	struct secmmu_exit exit;
	struct iov_iter iter;
	int ret;

	if (a->pad || a->reserved[0] || a->reserved[1])
		return -EINVAL;
	ret = user_iter(&a->op, &iter);
	if (ret)
		return ret;
	if (mutex_lock_killable(&vcpu->mutex))
		return -EINTR;
	ret = secmmu_vcpu_access(vcpu, &a->op, &iter, &exit, &a->done);
	mutex_unlock(&vcpu->mutex);
	if (ret == -EINVAL)
		return ret;
	a->exit_reason = exit.reason;
	a->exit_gpa = exit.gpa;
	c->report = true;		/* @done tells the progress */
	return ret;
}

#define BATCH_CHUNK	32

static long secmmu_vcpu_ioctl_batch(struct secmmu_vcpu *vcpu, struct secmmu_ioctl_call *c)
{
	struct secmmu_access_op ops[BATCH_CHUNK];
	struct secmmu_access_batch *b = c->karg;
	struct secmmu_access_op __user *uops = u64_to_user_ptr(b->ops);
	struct secmmu_exit exit = {};
	int ret = 0, idx;

	if (!b->nr || b->nr > SECMMU_MAX_BATCH || b->flags ||
	    b->reserved[0] || b->reserved[1])
		return -EINVAL;
	if (mutex_lock_killable(&vcpu->mutex))
		return -EINTR;
	b->done = 0;	/* what a previous call left there means nothing */
	while (b->done < b->nr && !ret && exit.reason == SECMMU_EXIT_NONE) {
		u32 i, n = min_t(u32, b->nr - b->done, BATCH_CHUNK);

		if (copy_from_user(ops, uops + b->done, n * sizeof(ops[0]))) {
			ret = -EFAULT;
			break;
		}
		/* One SRCU section per chunk, not per op. */
		idx = srcu_read_lock(&vcpu->vm->srcu);
		for (i = 0; i < n; i++) {
			struct iov_iter iter;
			u64 done;

			ret = user_iter(&ops[i], &iter);
			if (!ret)
				ret = secmmu_vcpu_access_op(vcpu, &ops[i], &iter, &exit, &done);
			if (ret || exit.reason != SECMMU_EXIT_NONE)
				break;
			b->done++;
		}
		srcu_read_unlock(&vcpu->vm->srcu, idx);
		if (!ret && exit.reason == SECMMU_EXIT_NONE && signal_pending(current) &&
		    b->done < b->nr)
			ret = -EINTR;
		cond_resched();
	}
	mutex_unlock(&vcpu->mutex);
	b->exit_reason = exit.reason;
	b->exit_gpa = exit.gpa;
	c->report = true;		/* @done tells the progress */
	return ret;
}

static int harvest_copy_out(void *ctx, const struct secmmu_dirty_gfn *out, u32 n)
{
	struct secmmu_dirty_gfn __user **uout = ctx;

	if (copy_to_user(*uout, out, n * sizeof(*out)))
		return -EFAULT;
	*uout += n;
	return 0;
}

static long secmmu_vcpu_ioctl_harvest(struct secmmu_vcpu *vcpu, struct secmmu_ioctl_call *c)
{
	struct secmmu_dirty_gfn out[SECMMU_HARVEST_CHUNK];
	struct secmmu_dirty_gfn __user *uout;
	struct secmmu_harvest *h = c->karg;
	int n;

	if (h->count || h->reserved[0] || h->reserved[1] || !vcpu->ring.entries)
		return -EINVAL;
	uout = u64_to_user_ptr(h->entries);
	if (!access_ok(uout, (u64)h->max * sizeof(*uout)))
		return -EFAULT;
	while (h->count < h->max) {
		/* Entries turn RESET only once they are in the user's array. */
		n = secmmu_dirty_ring_harvest(&vcpu->ring, out, h->max - h->count,
					      harvest_copy_out, &uout);
		if (n < 0) {
			/* Entries already delivered are RESET: report them. */
			if (!h->count)
				return n;
			break;
		}
		h->count += n;
		if (n < SECMMU_HARVEST_CHUNK || signal_pending(current))
			break;
		cond_resched();
	}
	trace_secmmu_harvest(h->count);
	return 0;
}

static long vcpu_reset_ring(struct secmmu_vcpu *vcpu, struct secmmu_ioctl_call *c)
{
	if (!vcpu->ring.entries)
		return -EINVAL;
	return secmmu_dirty_reset_rings(vcpu->vm, vcpu);
}

static const struct secmmu_ioctl vcpu_ioctls[] = {
	{ SECMMU_ACCESS,		.vcpu = secmmu_vcpu_ioctl_access },
	{ SECMMU_ACCESS_BATCH,		.vcpu = secmmu_vcpu_ioctl_batch },
	{ SECMMU_RESET_DIRTY_RING,	.vcpu = vcpu_reset_ring },
	{ SECMMU_HARVEST,		.vcpu = secmmu_vcpu_ioctl_harvest },
};

static long secmmu_vcpu_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	struct secmmu_vcpu *vcpu = file->private_data;

	return secmmu_ioctl_dispatch(vcpu_ioctls, ARRAY_SIZE(vcpu_ioctls),
				     vcpu->vm, vcpu, cmd, arg);
}

/* The dirty ring, shared with userspace: see "Dirty tracking" in the UAPI. */
static int secmmu_vcpu_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct secmmu_vcpu *vcpu = file->private_data;
	unsigned long size = vma->vm_end - vma->vm_start;
	unsigned long want = VM_SHARED | VM_READ | VM_WRITE;

	if (!vcpu->ring.entries || vma->vm_pgoff != SECMMU_DIRTY_RING_PGOFF ||
	    size > PAGE_ALIGN(vcpu->ring.size * sizeof(struct secmmu_dirty_gfn)) ||
	    (vma->vm_flags & want) != want || (vma->vm_flags & VM_EXEC))
		return -EINVAL;
	/* Nor can mprotect() make it executable later. */
#ifdef SECMMU_HAVE_VM_FLAGS_SET
	vm_flags_clear(vma, VM_MAYEXEC);
#else
	vma->vm_flags &= ~VM_MAYEXEC;
#endif
	return remap_vmalloc_range(vma, vcpu->ring.entries, 0);
}

static int secmmu_vcpu_release(struct inode *inode, struct file *file)
{
	struct secmmu_vcpu *vcpu = file->private_data;

	secmmu_vm_put(vcpu->vm);
	return 0;
}

static const struct file_operations secmmu_vcpu_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= secmmu_vcpu_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= secmmu_vcpu_mmap,
	.release	= secmmu_vcpu_release,
	.llseek		= noop_llseek,
};

/* SECMMU_CREATE_VCPU.  Published to flushers before its fd exists. */
int secmmu_vcpu_create_fd(struct secmmu_vm *vm, unsigned long id)
{
	struct secmmu_vcpu *vcpu;
	struct file *file;
	int fd;

	if (id >= SECMMU_MAX_VCPUS)
		return -EINVAL;

	mutex_lock(&vm->slots_lock);
	secmmu_for_each_vcpu(vcpu, vm) {
		if (vcpu->id == id) {
			fd = -EEXIST;
			goto out;
		}
	}
	vcpu = secmmu_vcpu_create(vm, id);
	if (!vcpu) {
		fd = -ENOMEM;
		goto out;
	}
	fd = get_unused_fd_flags(O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		secmmu_vcpu_free(vcpu);
		goto out;
	}
	file = anon_inode_getfile("secmmu-vcpu", &secmmu_vcpu_fops, vcpu, O_RDWR);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		secmmu_vcpu_free(vcpu);
		fd = PTR_ERR(file);
		goto out;
	}
	secmmu_vm_get(vm);
	secmmu_vcpu_publish(vcpu);
	fd_install(fd, file);
out:
	mutex_unlock(&vm->slots_lock);
	return fd;
}
