// SPDX-License-Identifier: GPL-2.0
/*
 * secmmu object lifetimes: fds used from another mm (fork) fail with -EIO,
 * process exit while a vCPU is busy, VM fd closed before the vCPU fd, and
 * vCPU id rules.
 */
#include <pthread.h>
#include <sys/socket.h>

#include "secmmu_test.h"

#define NPAGES	16
#define GFN	0x100

FIXTURE(life) {
	struct smu_env e;
};

FIXTURE_SETUP(life)
{
	smu_env_setup(_metadata, &self->e, NPAGES, GFN);
}

FIXTURE_TEARDOWN(life)
{
	smu_env_teardown(&self->e);
}

/* Child side of fork_child_eio: one bit per unexpected result. */
static int child_ioctls(int vm, int vcpu, void *mem)
{
	struct secmmu_stats st;
	struct secmmu_spte_info info;
	char buf[8] = { 1 };
	int bad = 0;

	if (smu_ioctl_val(vm, SECMMU_GET_API_VERSION, 0) != -EIO)
		bad |= 1 << 0;
	if (smu_check_cap(vm, SECMMU_CAP_MAX_VCPUS) != -EIO)
		bad |= 1 << 1;
	if (smu_set_memslot(vm, 1, 0, 0x1000, 1, mem) != -EIO)
		bad |= 1 << 2;
	if (smu_get_stats(vm, &st) != -EIO)
		bad |= 1 << 3;
	if (smu_create_vcpu(vm, 5) != -EIO)
		bad |= 1 << 4;
	if (smu_get_spte(vm, 0, GFN, &info) != -EIO)
		bad |= 1 << 5;
	if (smu_set_view(vm, 1, 0x1000, 1, GFN) != -EIO)
		bad |= 1 << 6;
	if (smu_write(vcpu, 0, SMU_GPA(GFN), buf, sizeof(buf), NULL) != -EIO)
		bad |= 1 << 7;
	if (smu_read(vcpu, 0, SMU_GPA(GFN), buf, sizeof(buf), NULL) != -EIO)
		bad |= 1 << 8;
	if (smu_del_memslot(vm, 0) != -EIO)
		bad |= 1 << 9;
	return bad;
}

TEST_F(life, fork_child_eio)
{
	char buf[8], val[8];
	int status;
	pid_t pid;

	memset(val, 0x42, sizeof(val));
	smu_t_rw(_metadata, self->e.vcpu, 0, SMU_GPA(GFN), val, 8, true);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(child_ioctls(self->e.vm, self->e.vcpu, self->e.mem));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("child ioctl mask 0x%x did not fail with EIO",
		       WEXITSTATUS(status));

	/* The parent's fds still work and the child changed nothing. */
	EXPECT_EQ(SECMMU_API_VERSION,
		  smu_ioctl_val(self->e.vm, SECMMU_GET_API_VERSION, 0));
	smu_t_rw(_metadata, self->e.vcpu, 0, SMU_GPA(GFN), buf, 8, false);
	EXPECT_EQ(0, memcmp(buf, val, 8));
	EXPECT_EQ(-ENOENT, smu_del_memslot(self->e.vm, 1));
	EXPECT_EQ(-ENOENT, smu_del_view(self->e.vm, 1, 0x1000));
	/* vCPU 5 was not created by the child. */
	{
		int fd = smu_create_vcpu(self->e.vm, 5);

		EXPECT_LE(0, fd);
		if (fd >= 0)
			close(fd);
	}
	EXPECT_EQ(0, smu_del_memslot(self->e.vm, 0));
}

struct busy_ctx {
	int vcpu;
	char *mem;
	volatile unsigned long *count;
};

static void *busy_thread(void *arg)
{
	struct busy_ctx *c = arg;
	char buf[PAGE];
	unsigned long i;

	for (i = 0;; i++) {
		__u64 gpa = SMU_GPA(GFN + i % NPAGES);

		memset(buf, (int)i, sizeof(buf));
		smu_write(c->vcpu, 0, gpa, buf, sizeof(buf), NULL);
		smu_read(c->vcpu, 0, gpa, buf, sizeof(buf), NULL);
		__atomic_add_fetch(c->count, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static int send_fds(int sock, int *fds, int n)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 2)];
	struct msghdr msg = { 0 };
	struct cmsghdr *cm;
	char dummy = 'x';
	struct iovec iov = { &dummy, 1 };

	memset(cbuf, 0, sizeof(cbuf));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf;
	msg.msg_controllen = CMSG_SPACE(sizeof(int) * n);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * n);
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fds(int sock, int *fds, int n)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 2)];
	struct msghdr msg = { 0 };
	struct cmsghdr *cm;
	char dummy;
	struct iovec iov = { &dummy, 1 };

	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf;
	msg.msg_controllen = CMSG_SPACE(sizeof(int) * n);
	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS ||
	    cm->cmsg_len != CMSG_LEN(sizeof(int) * n))
		return -1;
	memcpy(fds, CMSG_DATA(cm), sizeof(int) * n);
	return 0;
}

/*
 * Child: its own VM and a thread hammering a vCPU; the process exits while
 * the thread is inside SECMMU_ACCESS.  With @sock >= 0 it first hands its VM
 * and vCPU fds to the parent, so they outlive the mm.
 */
static void busy_child(int sock)
{
	static volatile unsigned long count;
	struct busy_ctx c;
	pthread_t th;
	int vm, fds[2];

	vm = smu_open_vm();
	if (vm < 0)
		_exit(10);
	c.mem = smu_mmap_anon(NPAGES * PAGE);
	if (c.mem == MAP_FAILED)
		_exit(11);
	if (smu_set_memslot(vm, 0, 0, GFN, NPAGES, c.mem))
		_exit(12);
	c.vcpu = smu_create_vcpu(vm, 0);
	if (c.vcpu < 0)
		_exit(13);
	c.count = &count;
	if (pthread_create(&th, NULL, busy_thread, &c))
		_exit(14);
	while (__atomic_load_n(&count, __ATOMIC_RELAXED) < 50)
		sched_yield();
	if (sock >= 0) {
		fds[0] = vm;
		fds[1] = c.vcpu;
		if (send_fds(sock, fds, 2))
			_exit(15);
	}
	/* exit_group() with the thread still accessing. */
	_exit(0);
}

static void exit_while_busy(struct __test_metadata *_metadata,
			    struct smu_env *e, bool pass)
{
	int sv[2] = { -1, -1 }, fds[2], status, vm, vcpu;
	char buf[8], val[8];
	pid_t pid;

	if (pass) {
		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	}
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		busy_child(sv[1]);
	if (pass) {
		ASSERT_EQ(0, recv_fds(sv[0], fds, 2));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("child status 0x%x", status);
	ASSERT_EQ(0, WEXITSTATUS(status));

	memset(val, 1, sizeof(val));
	if (pass) {
		/* The VM outlives its mm: every access is -EIO. */
		EXPECT_EQ(-EIO, smu_write(fds[1], 0, SMU_GPA(GFN), val, 8,
					  NULL));
		EXPECT_EQ(-EIO, smu_read(fds[1], 0, SMU_GPA(GFN), buf, 8,
					 NULL));
		EXPECT_EQ(-EIO, smu_ioctl_val(fds[0], SECMMU_GET_API_VERSION,
					      0));
		EXPECT_EQ(0, close(fds[0]));
		EXPECT_EQ(-EIO, smu_read(fds[1], 0, SMU_GPA(GFN), buf, 8,
					 NULL));
		EXPECT_EQ(0, close(fds[1]));
		close(sv[0]);
		close(sv[1]);
	}

	/* A new VM works. */
	vm = smu_t_open_vm(_metadata);
	vcpu = smu_t_vcpu(_metadata, vm, 0);
	ASSERT_EQ(0, smu_set_memslot(vm, 0, 0, GFN, NPAGES, e->mem));
	smu_t_rw(_metadata, vcpu, 0, SMU_GPA(GFN) + 3, val, 8, true);
	EXPECT_EQ(0, memcmp(e->mem + 3, val, 8));
	close(vcpu);
	close(vm);
}

TEST_F(life, exit_while_accessing)
{
	exit_while_busy(_metadata, &self->e, false);
}

TEST_F(life, exit_while_accessing_fds_survive)
{
	exit_while_busy(_metadata, &self->e, true);
}

/*
 * The VM lives until its last fd is closed: after close(vm fd) the vCPU
 * keeps working, and stays coherent with the mm.
 */
TEST_F(life, close_vm_fd_first)
{
	char buf[PAGE], val[PAGE];
	struct secmmu_access a;

	smu_fill(val, PAGE, 1);
	smu_t_rw(_metadata, self->e.vcpu, 0, SMU_GPA(GFN + 1), val, PAGE,
		 true);
	ASSERT_EQ(0, close(self->e.vm));
	self->e.vm = -1;

	smu_t_rw(_metadata, self->e.vcpu, 0, SMU_GPA(GFN + 1), buf, PAGE,
		 false);
	EXPECT_EQ(0, memcmp(buf, val, PAGE));
	EXPECT_EQ(0, memcmp(self->e.mem + PAGE, val, PAGE));
	smu_fill(self->e.mem + 2 * PAGE, PAGE, 2);
	smu_t_rw(_metadata, self->e.vcpu, 0, SMU_GPA(GFN + 2), buf, PAGE,
		 false);
	EXPECT_EQ(-1, smu_check(buf, PAGE, 2));

	/* The notifier is still registered: munmap is seen. */
	ASSERT_EQ(0, munmap(self->e.mem, NPAGES * PAGE));
	self->e.mem = NULL;
	EXPECT_EQ(-EFAULT, smu_read(self->e.vcpu, 0, SMU_GPA(GFN + 1), buf,
				    PAGE, &a));
	/* Unbacked gpas still exit normally. */
	EXPECT_EQ(0, smu_read(self->e.vcpu, 0, SMU_GPA(GFN + NPAGES), buf, 8,
			      &a));
	EXPECT_EQ(SECMMU_EXIT_UNBACKED, a.exit_reason);
	EXPECT_EQ(0, close(self->e.vcpu));
	self->e.vcpu = -1;
}

TEST_F(life, vcpu_ids)
{
	int fds[SECMMU_MAX_VCPUS];
	int i, fd;

	/* vCPU 0 exists (fixture). */
	EXPECT_EQ(-EEXIST, smu_create_vcpu(self->e.vm, 0));
	EXPECT_EQ(-EINVAL, smu_create_vcpu(self->e.vm, SECMMU_MAX_VCPUS));
	EXPECT_EQ(-EINVAL, smu_create_vcpu(self->e.vm, 1UL << 32));
	EXPECT_EQ(-EINVAL, smu_create_vcpu(self->e.vm, ~0UL));

	fds[0] = -1;
	for (i = 1; i < SECMMU_MAX_VCPUS; i++) {
		fds[i] = smu_create_vcpu(self->e.vm, i);
		ASSERT_LE(0, fds[i]) TH_LOG("vcpu %d: %s", i,
					    strerror(-fds[i]));
	}
	fd = fds[SECMMU_MAX_VCPUS - 1];
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(-EEXIST, smu_create_vcpu(self->e.vm, SECMMU_MAX_VCPUS - 1));
	/* Every vCPU works. */
	for (i = 1; i < SECMMU_MAX_VCPUS; i++) {
		char c = i;

		smu_t_rw(_metadata, fds[i], 0, SMU_GPA(GFN) + i, &c, 1, true);
		EXPECT_EQ(i, self->e.mem[i]);
	}
	/* Closing a vCPU fd does not free its id. */
	close(fds[7]);
	EXPECT_EQ(-EEXIST, smu_create_vcpu(self->e.vm, 7));
	for (i = 1; i < SECMMU_MAX_VCPUS; i++)
		if (i != 7)
			close(fds[i]);
}

/* Two VMs of one process are independent. */
TEST_F(life, two_vms)
{
	int vm2, vcpu2;
	char buf[8], val[8];
	struct secmmu_access a;

	vm2 = smu_t_open_vm(_metadata);
	vcpu2 = smu_t_vcpu(_metadata, vm2, 0);
	/* No memslot in vm2: unbacked. */
	ASSERT_EQ(0, smu_read(vcpu2, 0, SMU_GPA(GFN), buf, 8, &a));
	EXPECT_EQ(SECMMU_EXIT_UNBACKED, a.exit_reason);
	EXPECT_EQ(SMU_GPA(GFN), a.exit_gpa);
	EXPECT_EQ(0, a.done);
	/* Same gfn, different memory. */
	ASSERT_EQ(0, smu_set_memslot(vm2, 0, 0, GFN, 1,
				     self->e.mem + 4 * PAGE));
	memset(val, 9, sizeof(val));
	smu_t_rw(_metadata, vcpu2, 0, SMU_GPA(GFN), val, 8, true);
	EXPECT_EQ(9, self->e.mem[4 * PAGE]);
	EXPECT_EQ(0, self->e.mem[0]);
	/* Unmapping in vm2 leaves vm1's slot alone. */
	ASSERT_EQ(0, smu_del_memslot(vm2, 0));
	smu_t_rw(_metadata, self->e.vcpu, 0, SMU_GPA(GFN + 4), buf, 8, false);
	EXPECT_EQ(0, memcmp(buf, val, 8));
	EXPECT_EQ(0, smu_t_stat(_metadata, vm2, SECMMU_STAT_MAPPED));
	close(vcpu2);
	close(vm2);
}

TEST_HARNESS_MAIN
