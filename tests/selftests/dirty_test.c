// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty propagation for shared file mappings (memfd and a tmpfs file):
 * bytes written by the vCPU must reach the file once the mapping is gone,
 * and a dirty SPTE zapped over a clean folio must mark it dirty
 * (SECMMU_STAT_DIRTY_PROPAGATED counts exactly those).  A MAP_PRIVATE file
 * mapping must never write to the file.
 */
#include <sys/mount.h>
#include <sys/stat.h>

#include "secmmu_test.h"

#define NPAGES	16
#define GFN	0x400
#define KPF_DIRTY	4

FIXTURE(dirty) {
	struct smu_env e;
	char path[64];
	int fd;
	char mnt[64];
	int zram;
};

SMU_COHERENCE_VARIANTS(dirty);

FIXTURE_SETUP(dirty)
{
	if (!smu_env_setup_coherence(_metadata, &self->e, 0, GFN,
				     variant->coherence))
		return;
	self->fd = -1;
	self->path[0] = 0;
	self->mnt[0] = 0;
	self->zram = -1;
}

FIXTURE_TEARDOWN(dirty)
{
	char id[16];

	smu_env_teardown(&self->e);
	if (self->fd >= 0)
		close(self->fd);
	if (self->path[0])
		unlink(self->path);
	if (self->mnt[0]) {
		umount2(self->mnt, 0);
		rmdir(self->mnt);
	}
	if (self->zram >= 0) {
		snprintf(id, sizeof(id), "%d", self->zram);
		smu_write_file("/sys/class/zram-control/hot_remove", id);
	}
}

/* Pages of @mem (mapped) whose folio is clean now; -1 if unknown. */
static long clean_folios(char *mem, size_t n)
{
	int fd = open("/proc/kpageflags", O_RDONLY);
	long clean = 0;
	size_t i;

	if (fd < 0)
		return -1;
	for (i = 0; i < n; i++) {
		uint64_t pm = smu_pagemap(mem + i * PAGE), fl;

		if (!(pm & SMU_PM_PFN_MASK) ||
		    pread(fd, &fl, 8, (pm & SMU_PM_PFN_MASK) * 8) != 8) {
			clean = -1;
			break;
		}
		if (!(fl & (1ULL << KPF_DIRTY)))
			clean++;
	}
	close(fd);
	return clean;
}

/*
 * Map @fd shared, write a pattern through the vCPU only, unmap, and read
 * the file back.
 */
static void shared_write_back(struct __test_metadata *_metadata,
			      struct smu_env *e, int fd, uint64_t seed)
{
	char *buf = malloc(NPAGES * PAGE);
	__u64 d0, d1;
	long clean;

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, ftruncate(fd, NPAGES * PAGE));
	e->mem = mmap(NULL, NPAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		      fd, 0);
	ASSERT_NE(MAP_FAILED, e->mem);
	e->npages = NPAGES;
	ASSERT_EQ(0, smu_set_memslot(e->vm, 0, 0, GFN, NPAGES, e->mem));

	smu_fill(buf, NPAGES * PAGE, seed);
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN), buf, NPAGES * PAGE,
		 true);
	EXPECT_EQ(NPAGES, smu_count_present(e->vm, 0, GFN, NPAGES));
	EXPECT_EQ(SECMMU_SPTE_DIRTY, smu_spte_flags(e->vm, 0, GFN + 3) &
				     SECMMU_SPTE_DIRTY);

	clean = clean_folios(e->mem, NPAGES);
	d0 = smu_t_stat(_metadata, e->vm, SECMMU_STAT_DIRTY_PROPAGATED);
	ASSERT_EQ(0, munmap(e->mem, NPAGES * PAGE));
	e->mem = NULL;
	d1 = smu_t_stat(_metadata, e->vm, SECMMU_STAT_DIRTY_PROPAGATED);
	EXPECT_EQ(0, smu_count_present(e->vm, 0, GFN, NPAGES));
	EXPECT_EQ(0, smu_t_stat(_metadata, e->vm, SECMMU_STAT_MAPPED));
	TH_LOG("clean folios before munmap: %ld, dirty_propagated +%llu",
	       clean, (unsigned long long)(d1 - d0));
	if (clean >= 0) {
		EXPECT_EQ((__u64)clean, d1 - d0);
	}

	memset(buf, 0, NPAGES * PAGE);
	ASSERT_EQ((ssize_t)(NPAGES * PAGE), pread(fd, buf, NPAGES * PAGE, 0));
	EXPECT_EQ(-1, smu_check(buf, NPAGES * PAGE, seed));
	free(buf);
}

TEST_F(dirty, memfd)
{
	self->fd = memfd_create("secmmu-dirty", MFD_CLOEXEC);
	ASSERT_LE(0, self->fd);
	shared_write_back(_metadata, &self->e, self->fd, 1);
}

TEST_F(dirty, tmpfs_file)
{
	snprintf(self->path, sizeof(self->path), "/tmp/secmmu-dirty-%d",
		 getpid());
	self->fd = open(self->path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
			0600);
	ASSERT_LE(0, self->fd);
	shared_write_back(_metadata, &self->e, self->fd, 2);
	/* Also through a fresh descriptor. */
	{
		char buf[PAGE];
		int fd2 = open(self->path, O_RDONLY | O_CLOEXEC);

		ASSERT_LE(0, fd2);
		ASSERT_EQ((ssize_t)PAGE, pread(fd2, buf, PAGE, 7 * PAGE));
		EXPECT_EQ(-1, smu_check_off(buf, PAGE, 2, 7 * PAGE));
		close(fd2);
	}
}

/* The process writes, the vCPU reads, then the vCPU writes: one page. */
TEST_F(dirty, shared_both_ways)
{
	struct smu_env *e = &self->e;
	char buf[PAGE];

	self->fd = memfd_create("secmmu-both", MFD_CLOEXEC);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, ftruncate(self->fd, NPAGES * PAGE));
	e->mem = mmap(NULL, NPAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		      self->fd, 0);
	ASSERT_NE(MAP_FAILED, e->mem);
	e->npages = NPAGES;
	ASSERT_EQ(0, smu_set_memslot(e->vm, 0, 0, GFN, NPAGES, e->mem));
	smu_fill(buf, PAGE, 3);
	ASSERT_EQ((ssize_t)PAGE, pwrite(self->fd, buf, PAGE, 2 * PAGE));
	memset(buf, 0, PAGE);
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN + 2), buf, PAGE, false);
	EXPECT_EQ(-1, smu_check(buf, PAGE, 3));
	/* Hole punch drops the page: the vCPU must see zeros. */
	ASSERT_EQ(0, fallocate(self->fd, FALLOC_FL_PUNCH_HOLE |
			       FALLOC_FL_KEEP_SIZE, 2 * PAGE, PAGE));
	EXPECT_EQ(0, smu_spte_flags(e->vm, 0, GFN + 2));
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN + 2), buf, PAGE, false);
	EXPECT_TRUE(smu_is_zero(buf, PAGE));
	/* Truncation: the vCPU gets -EFAULT (SIGBUS for the process). */
	ASSERT_EQ(0, ftruncate(self->fd, 2 * PAGE));
	EXPECT_EQ(0, smu_count_present(e->vm, 0, GFN + 2, NPAGES - 2));
	EXPECT_EQ(-EFAULT, smu_read(e->vcpu, 0, SMU_GPA(GFN + 5), buf, 8,
				    NULL));
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN + 1), buf, 8, false);
}

TEST_F(dirty, private_file_mapping)
{
	struct smu_env *e = &self->e;
	char *buf = malloc(NPAGES * PAGE);

	ASSERT_NE(NULL, buf);
	self->fd = memfd_create("secmmu-private", MFD_CLOEXEC);
	ASSERT_LE(0, self->fd);
	smu_fill(buf, NPAGES * PAGE, 4);
	ASSERT_EQ((ssize_t)(NPAGES * PAGE), pwrite(self->fd, buf,
						   NPAGES * PAGE, 0));
	e->mem = mmap(NULL, NPAGES * PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE, self->fd, 0);
	ASSERT_NE(MAP_FAILED, e->mem);
	e->npages = NPAGES;
	ASSERT_EQ(0, smu_set_memslot(e->vm, 0, 0, GFN, NPAGES, e->mem));
	/* Read maps the page cache page; a write must COW it. */
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN), buf, NPAGES * PAGE,
		 false);
	EXPECT_EQ(-1, smu_check(buf, NPAGES * PAGE, 4));
	smu_fill(buf, NPAGES * PAGE, 5);
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN), buf, NPAGES * PAGE,
		 true);
	EXPECT_EQ(-1, smu_check(e->mem, NPAGES * PAGE, 5));
	ASSERT_EQ(0, munmap(e->mem, NPAGES * PAGE));
	e->mem = NULL;
	ASSERT_EQ((ssize_t)(NPAGES * PAGE), pread(self->fd, buf,
						  NPAGES * PAGE, 0));
	EXPECT_EQ(-1, smu_check(buf, NPAGES * PAGE, 4));
	free(buf);
}

/* Run a busybox applet; true when it exited 0. */
static bool run(const char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return false;
	if (!pid) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       !WEXITSTATUS(status);
}

/*
 * A real block-backed file system (ext2 on a fresh zram device): written
 * back pages are write-protected (the SPTEs must follow), written again
 * only through the vCPU, then dropped from the page cache after unmap and
 * fsync.  A lost dirty bit would bring back the first pattern from disk.
 */
TEST_F(dirty, ext2_writeback)
{
	struct smu_env *e = &self->e;
	char dev[32], path[96], *buf;
	long long id;
	unsigned int i;

	if (geteuid())
		SKIP(return, "needs root");
	id = smu_read_ll("/sys/class/zram-control/hot_add");
	if (id < 0)
		SKIP(return, "no zram hot_add");
	self->zram = id;
	snprintf(path, sizeof(path), "/sys/block/zram%lld/disksize", id);
	ASSERT_EQ(0, smu_write_file(path, "16M"));
	snprintf(dev, sizeof(dev), "/dev/zram%lld", id);
	{
		/* zram has 4 KiB logical blocks. */
		const char *const mkfs[] = { "mke2fs", "-q", "-b", "4096", dev,
					     NULL };

		if (!run(mkfs))
			SKIP(return, "mke2fs %s failed or missing", dev);
	}
	snprintf(self->mnt, sizeof(self->mnt), "/tmp/secmmu-ext2-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->mnt));
	if (mount(dev, self->mnt, "ext2", 0, NULL) &&
	    mount(dev, self->mnt, "ext4", 0, NULL)) {
		int err = errno;

		rmdir(self->mnt);
		self->mnt[0] = 0;
		SKIP(return, "cannot mount ext2/ext4: %s", strerror(err));
	}

	buf = malloc(NPAGES * PAGE);
	ASSERT_NE(NULL, buf);
	snprintf(path, sizeof(path), "%s/f", self->mnt);
	self->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, ftruncate(self->fd, NPAGES * PAGE));
	e->mem = mmap(NULL, NPAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		      self->fd, 0);
	ASSERT_NE(MAP_FAILED, e->mem);
	e->npages = NPAGES;
	ASSERT_EQ(0, smu_set_memslot(e->vm, 0, 0, GFN, NPAGES, e->mem));

	smu_fill(buf, NPAGES * PAGE, 7);
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN), buf, NPAGES * PAGE,
		 true);
	/* Writeback write-protects the pages: no writable SPTE survives. */
	ASSERT_EQ(0, fsync(self->fd));
	for (i = 0; i < NPAGES; i++) {
		EXPECT_EQ(0, smu_spte_flags(e->vm, 0, GFN + i) &
			     SECMMU_SPTE_WRITABLE) TH_LOG("page %u", i);
	}

	/* Second pattern, through the vCPU only. */
	smu_fill(buf, NPAGES * PAGE, 8);
	smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN), buf, NPAGES * PAGE,
		 true);
	ASSERT_EQ(0, munmap(e->mem, NPAGES * PAGE));
	e->mem = NULL;
	ASSERT_EQ(0, fsync(self->fd));
	sync();
	ASSERT_EQ(0, smu_write_file("/proc/sys/vm/drop_caches", "3"));
	memset(buf, 0, NPAGES * PAGE);
	ASSERT_EQ((ssize_t)(NPAGES * PAGE), pread(self->fd, buf,
						  NPAGES * PAGE, 0));
	EXPECT_EQ(-1, smu_check(buf, NPAGES * PAGE, 8));
	close(self->fd);
	self->fd = -1;
	free(buf);
}

TEST_HARNESS_MAIN
