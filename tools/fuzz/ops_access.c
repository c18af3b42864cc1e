// SPDX-License-Identifier: GPL-2.0
/*
 * secmmu-fuzz operations: accesses and batches, unknown ioctl numbers and
 * ioctls on the wrong fd.
 */
#include <string.h>

#include "fuzz.h"

void random_op(struct thread *t, struct secmmu_access_op *op, bool small)
{
	struct rng *r = &t->rng;

	op->view = chance(r, 80) ? 0 : chance(r, 90) ?
		   below(r, SECMMU_MAX_VIEWS) : edge(r, 0xffff);
	op->gpa = chance(r, 85) ? (below(r, 8) * 0x1000 + below(r, 0x400)) * PAGE +
		  (chance(r, 20) ? below(r, PAGE) : 0) :
		  edge(r, 1ULL << (SECMMU_GFN_BITS + 12));
	if (small)
		op->len = chance(r, 95) ? 1 + below(r, 64) : edge(r, 64);
	else
		op->len = chance(r, 60) ? 1 + below(r, 2 * PAGE) :
			  chance(r, 50) ? edge(r, SECMMU_MAX_ACCESS_LEN) :
			  SECMMU_MAX_ACCESS_LEN;
	op->buf = chance(r, 95) ? (uintptr_t)t->buf :
		  some_ptr(r, t->buf, BUF_SIZE);
	/* a len past the buffer end would be a (legitimate) -EFAULT */
	if (op->buf == (uintptr_t)t->buf && op->len > BUF_SIZE)
		op->len = BUF_SIZE;
	op->flags = chance(r, 40) ? SECMMU_ACCESS_WRITE : 0;
	if (chance(r, 3))
		op->flags |= 1U << below(r, 16);
}

void do_access(struct thread *t)
{
	struct secmmu_access a;
	struct rng *r = &t->rng;
	int fd = chance(r, 97) ? pick_vcpu(r) : pick_vm(r);
	long ret;

	if (fd < 0)
		return;
	memset(&a, 0, sizeof(a));
	random_op(t, &a.op, false);
	a.pad = junk(r, 3);
	a.reserved[below(r, 2)] = junk(r, 3);
	a.exit_reason = junk(r, 5);
	ret = xioctl(fd, SECMMU_ACCESS, chance(r, 3) ?
		     some_ptr(r, t->buf, BUF_SIZE - PAGE) : (unsigned long)&a);
	vlog(t, "access(%d, view %u gpa %#llx len %u fl %#x) -> %ld exit %u",
	     fd, a.op.view, (unsigned long long)a.op.gpa, a.op.len, a.op.flags,
	     ret, a.exit_reason);
	if (ret == 0 && a.exit_reason)
		note_exit(OP_ACCESS, a.exit_reason);
	else
		note(OP_ACCESS, ret);
}

#define BATCH_FRESH	64

void do_batch(struct thread *t)
{
	struct secmmu_access_batch b;
	struct rng *r = &t->rng;
	int fd = chance(r, 97) ? pick_vcpu(r) : pick_vm(r);
	uint32_t nr, i;
	bool small;
	long ret;

	if (fd < 0)
		return;
	memset(&b, 0, sizeof(b));
	nr = chance(r, 80) ? 1 + below(r, 64) : edge(r, SECMMU_MAX_BATCH);
	b.nr = nr;
	if (nr > SECMMU_MAX_BATCH)
		nr = SECMMU_MAX_BATCH + 1;
	/*
	 * Big batches use small ops: bounded work even on TCG.  Only the
	 * first BATCH_FRESH ops and a few others are drawn anew: the rest
	 * keep the small ops earlier batches (and main()) left there.  The
	 * kernel stops at the first op that exits or fails, mostly early,
	 * and drawing 65536 ops took more than the call itself.
	 */
	small = nr > BATCH_FRESH;
	for (i = 0; i < nr && i < BATCH_FRESH; i++)
		random_op(t, &t->ops[i], small);
	for (i = 0; nr > BATCH_FRESH && i < 8; i++)
		random_op(t, &t->ops[BATCH_FRESH + below(r, nr - BATCH_FRESH)], true);
	b.ops = chance(r, 95) ? (uintptr_t)t->ops :
		some_ptr(r, t->ops, (SECMMU_MAX_BATCH + 1) * sizeof(*t->ops));
	b.flags = junk(r, 3);
	b.reserved[below(r, 2)] = junk(r, 3);
	b.done = junk(r, 5);
	ret = xioctl(fd, SECMMU_ACCESS_BATCH, chance(r, 2) ?
		     some_ptr(r, t->buf, BUF_SIZE - PAGE) : (unsigned long)&b);
	vlog(t, "batch(%d, nr %u) -> %ld done %u exit %u", fd, b.nr, ret,
	     b.done, b.exit_reason);
	if (ret == 0 && b.exit_reason)
		note_exit(OP_BATCH, b.exit_reason);
	else
		note(OP_BATCH, ret);
}

static const uint32_t known_nr[] = {
	0x00, 0x01, 0x02, 0x10, 0x11, 0x12, 0x13, 0x14, 0x20, 0x30, 0x31,
};

void do_unknown_ioctl(struct thread *t)
{
	struct rng *r = &t->rng;
	int fd = chance(r, 50) ? pick_vm(r) : pick_vcpu(r);
	unsigned long req;
	long ret;

	if (fd < 0)
		return;
	switch (below(r, 4)) {
	case 0:	/* unused numbers of our type, any direction and size */
		req = _IOC(below(r, 4), SECMMUIO, 0x40 + below(r, 0xc0),
			   below(r, 1 << 14));
		break;
	case 1:	/* known numbers, wrong size or direction */
		req = _IOC(below(r, 4), SECMMUIO, known_nr[below(r, 11)],
			   below(r, 512));
		break;
	case 2:	/* another type */
		req = _IOC(below(r, 4), below(r, 256), below(r, 256),
			   below(r, 1 << 14));
		break;
	default:
		req = rnd(r) & 0xffffffff;
		break;
	}
	/* stay away from generic fd ioctls that change the fd (FIOCLEX..) */
	if (((req >> 8) & 0xff) == 'T' || ((req >> 8) & 0xff) == 0x54 ||
	    ((req >> 8) & 0xff) == 'f')
		req = _IO(SECMMUIO, 0xff);
	ret = xioctl(fd, req, some_ptr(r, t->buf, BUF_SIZE - (1 << 14)));
	vlog(t, "ioctl(%d, %#lx) -> %ld", fd, req, ret);
	/* no anomaly check: numbers unknown today may be taken tomorrow */
	note(OP_UNKNOWN_IOCTL, ret);
}

void do_wrong_fd(struct thread *t)
{
	static const unsigned long vm_reqs[] = {
		SECMMU_SET_MEMSLOT, SECMMU_SET_VIEW_MAPPING, SECMMU_GET_SPTE,
		SECMMU_AGE, SECMMU_CREATE_VCPU, SECMMU_ENABLE_CAP,
	};
	struct rng *r = &t->rng;
	int fd = pick_vcpu(r);
	long ret;

	if (fd < 0)
		return;
	memset(t->buf, 0, 256);
	ret = xioctl(fd, vm_reqs[below(r, 6)], chance(r, 50) ? 1 :
		     (unsigned long)t->buf);
	note(OP_WRONG_FD_IOCTL, ret);
}
