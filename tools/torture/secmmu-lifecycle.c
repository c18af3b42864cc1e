// SPDX-License-Identifier: GPL-2.0
/*
 * secmmu-lifecycle: object lifetime under abuse.
 *
 *   kill9     kill -9 of a process in the middle of a large
 *             SECMMU_ACCESS_BATCH and of a large SECMMU_AGE (several rounds);
 *             the process must die within a bounded time
 *   eintr     a non-fatal signal during a large batch: 0 or -EINTR with
 *             done <= nr
 *   vmclose   close of the VM fd while vCPU fds live (and while a vCPU
 *             thread is inside SECMMU_ACCESS)
 *   rmmod     (-m KO) module unload refused while any fd is open (VM fd,
 *             vCPU fd only, an fd inherited by a child) and succeeding after
 *             all close; the module is loaded again from KO afterwards
 *
 * usage: secmmu-lifecycle [-r ROUNDS] [-m SECMMU_KO]
 * Prints "ok"/"FAIL" per check; exit 0 when nothing failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/secmmu.h>

#define PAGE		4096UL
#define SLOT_PAGES	4096UL			/* 16 MiB */
#define BIG_PAGES	SECMMU_MAX_AGE_PAGES	/* 8 GiB of address space */

static int failures, checks;

static void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	checks++;
	if (!ok)
		failures++;
	printf("secmmu-lifecycle: %s: ", ok ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

struct vm {
	int fd, vcpu;
	char *mem;
	struct secmmu_access_op *ops;
	uint32_t nops;
};

/* A VM with a 16 MiB memslot (slot 0, gfn 0x1000) and one vCPU. */
static int make_vm(struct vm *v)
{
	struct secmmu_memslot ms = { 0 };

	v->fd = open("/dev/secmmu", O_RDWR | O_CLOEXEC);
	if (v->fd < 0)
		return -errno;
	v->mem = mmap(NULL, SLOT_PAGES * PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (v->mem == MAP_FAILED)
		return -errno;
	ms.base_gfn = 0x1000;
	ms.npages = SLOT_PAGES;
	ms.userspace_addr = (uintptr_t)v->mem;
	if (ioctl(v->fd, SECMMU_SET_MEMSLOT, &ms))
		return -errno;
	v->vcpu = ioctl(v->fd, SECMMU_CREATE_VCPU, 0);
	return v->vcpu < 0 ? -errno : 0;
}

/* SECMMU_MAX_BATCH ops of 64 KiB each, alternately read and write: ~4 GiB. */
static void make_ops(struct vm *v, char *buf)
{
	uint32_t i;

	v->nops = SECMMU_MAX_BATCH;
	v->ops = calloc(v->nops, sizeof(*v->ops));
	for (i = 0; i < v->nops; i++) {
		v->ops[i].gpa = (0x1000 + (i * 16) % (SLOT_PAGES - 16)) * PAGE;
		v->ops[i].buf = (uintptr_t)buf;
		v->ops[i].len = 16 * PAGE;
		v->ops[i].flags = i & 1 ? SECMMU_ACCESS_WRITE : 0;
	}
}

static int batch(struct vm *v, struct secmmu_access_batch *b)
{
	memset(b, 0, sizeof(*b));
	b->ops = (uintptr_t)v->ops;
	b->nr = v->nops;
	return ioctl(v->vcpu, SECMMU_ACCESS_BATCH, b) ? -errno : 0;
}

/* The child for kill -9: a big batch loop and a big AGE loop in threads. */
static void *age_loop(void *arg)
{
	struct vm *v = arg;
	struct secmmu_memslot ms = { 0 };
	struct secmmu_age a;
	char *big;

	big = mmap(NULL, BIG_PAGES * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (big == MAP_FAILED)
		return NULL;
	memset(big, 1, 64 * PAGE);
	ms.slot = 1;
	ms.base_gfn = 0x1000000;
	ms.npages = BIG_PAGES;
	ms.userspace_addr = (uintptr_t)big;
	if (ioctl(v->fd, SECMMU_SET_MEMSLOT, &ms))
		return NULL;
	for (;;) {
		memset(&a, 0, sizeof(a));
		a.flags = SECMMU_AGE_CLEAR;
		a.start = 0x1000000;
		a.npages = BIG_PAGES;
		ioctl(v->fd, SECMMU_AGE, &a);
		a.flags = SECMMU_AGE_CLEAR | SECMMU_AGE_HVA;
		a.start = (uintptr_t)big;
		ioctl(v->fd, SECMMU_AGE, &a);
	}
	return NULL;
}

static void kill9_child(void)
{
	static char buf[16 * PAGE];
	struct secmmu_access_batch b;
	struct vm v;
	pthread_t t;

	if (make_vm(&v))
		_exit(10);
	make_ops(&v, buf);
	pthread_create(&t, NULL, age_loop, &v);
	for (;;)
		batch(&v, &b);
}

static void test_kill9(int rounds)
{
	int r, st;

	for (r = 0; r < rounds; r++) {
		uint64_t t0;
		pid_t pid = fork(), w;

		if (pid == 0)
			kill9_child();
		usleep(50000 + (r * 137 % 10) * 50000);
		kill(pid, SIGKILL);
		t0 = now_ms();
		while ((w = waitpid(pid, &st, WNOHANG)) == 0 && now_ms() - t0 < 60000)
			usleep(10000);
		check(w == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
		      "kill9 round %d: killed in a big batch + big AGE, reaped in %llu ms",
		      r, (unsigned long long)(now_ms() - t0));
		if (w != pid)
			return;		/* stuck in the kernel: no point going on */
	}
}

static void on_usr1(int sig)
{
	(void)sig;
}

struct eintr_arg {
	struct vm *v;
	struct secmmu_access_batch b;
	int ret;
};

static void *eintr_thread(void *arg)
{
	struct eintr_arg *ea = arg;

	ea->ret = batch(ea->v, &ea->b);
	return NULL;
}

static void test_eintr(void)
{
	static char buf[16 * PAGE];
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct eintr_arg ea = { 0 };
	pthread_t t;
	struct vm v;

	sigaction(SIGUSR1, &sa, NULL);
	if (make_vm(&v)) {
		check(false, "eintr: VM setup");
		return;
	}
	make_ops(&v, buf);
	ea.v = &v;
	pthread_create(&t, NULL, eintr_thread, &ea);
	usleep(200000);
	pthread_kill(t, SIGUSR1);
	pthread_join(t, NULL);
	check((ea.ret == 0 && ea.b.done == ea.b.nr) ||
	      (ea.ret == -EINTR && ea.b.done < ea.b.nr),
	      "eintr: signal during a %u-op batch: ret %d, done %u", ea.b.nr,
	      ea.ret, ea.b.done);
	close(v.vcpu);
	close(v.fd);
	munmap(v.mem, SLOT_PAGES * PAGE);
	free(v.ops);
}

struct spin_arg {
	int vcpu;
	volatile int stop;
	unsigned long ok, eio, other;
};

static void *spin_access(void *arg)
{
	struct spin_arg *sa = arg;
	char buf[PAGE];
	struct secmmu_access a;

	while (!sa->stop) {
		memset(&a, 0, sizeof(a));
		a.op.gpa = 0x1000 * PAGE;
		a.op.buf = (uintptr_t)buf;
		a.op.len = PAGE;
		if (!ioctl(sa->vcpu, SECMMU_ACCESS, &a))
			sa->ok++;
		else if (errno == EIO)
			sa->eio++;
		else
			sa->other++;
	}
	return NULL;
}

static void test_vmclose(void)
{
	struct spin_arg sa = { 0 };
	struct secmmu_access a;
	char buf[PAGE];
	pthread_t t;
	struct vm v;
	int ret;

	if (make_vm(&v)) {
		check(false, "vmclose: VM setup");
		return;
	}
	sa.vcpu = v.vcpu;
	pthread_create(&t, NULL, spin_access, &sa);
	usleep(100000);
	close(v.fd);			/* the vCPU fd (and a thread in it) lives on */
	usleep(100000);
	munmap(v.mem, SLOT_PAGES * PAGE);	/* and the memory goes */
	usleep(100000);
	sa.stop = 1;
	pthread_join(t, NULL);
	memset(&a, 0, sizeof(a));
	a.op.gpa = 0x1000 * PAGE;
	a.op.buf = (uintptr_t)buf;
	a.op.len = PAGE;
	ret = ioctl(v.vcpu, SECMMU_ACCESS, &a) ? -errno : 0;
	printf("secmmu-lifecycle: vmclose: VM fd closed under a running vCPU: accesses ok %lu, EIO %lu, other errors %lu\n",
	       sa.ok, sa.eio, sa.other);
	check(ret < 0, "vmclose: access after the VM fd closed and the memory unmapped fails (%d)", ret);
	close(v.vcpu);
}

/* ---- module unload ---------------------------------------------- */

static const char *ko;

static int run(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static bool loaded(void)
{
	return !access("/sys/module/secmmu", F_OK);
}

static void try_rmmod_refused(const char *what)
{
	int rc = run("rmmod secmmu 2>/dev/null");

	check(rc != 0 && loaded(), "rmmod: refused while %s (rmmod exit %d)", what, rc);
	if (!loaded())
		run(ko);
}

static void test_rmmod(void)
{
	char cmd[512];
	struct vm v;
	int p[2], st;
	pid_t pid;

	snprintf(cmd, sizeof(cmd), "insmod %s", ko);
	ko = strdup(cmd);
	if (make_vm(&v)) {
		check(false, "rmmod: VM setup");
		return;
	}
	try_rmmod_refused("a VM fd and a vCPU fd are open");
	close(v.fd);
	try_rmmod_refused("only a vCPU fd is open");
	close(v.vcpu);

	/* an fd inherited by a child that outlives the parent's copy */
	v.fd = open("/dev/secmmu", O_RDWR);
	if (pipe(p))
		return;
	pid = fork();
	if (pid == 0) {
		char c;

		close(p[1]);
		if (read(p[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(p[0]);
	close(v.fd);
	try_rmmod_refused("a child holds an inherited VM fd");
	close(p[1]);
	waitpid(pid, &st, 0);
	munmap(v.mem, SLOT_PAGES * PAGE);

	check(run("rmmod secmmu") == 0 && !loaded(),
	      "rmmod: succeeds once every fd is closed");
	check(run(ko) == 0 && loaded(), "rmmod: %s again", ko);
}

int main(int argc, char **argv)
{
	int c, rounds = 3;

	while ((c = getopt(argc, argv, "r:m:")) != -1) {
		switch (c) {
		case 'r': rounds = atoi(optarg); break;
		case 'm': ko = optarg; break;
		default:
			fprintf(stderr, "usage: %s [-r ROUNDS] [-m SECMMU_KO]\n", argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_eintr();
	test_vmclose();
	test_kill9(rounds);
	if (ko)
		test_rmmod();
	printf("secmmu-lifecycle: %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
