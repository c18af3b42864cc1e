// SPDX-License-Identifier: GPL-2.0
/*
 * The secmmu selftest library: memory (mappings, fill patterns,
 * pagemap, page flags, residency).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "secmmu_util.h"

void *smu_mmap_anon(size_t len)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

void *smu_mmap_aligned(size_t len, size_t align)
{
	char *p = mmap(NULL, len + align, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t start, end;

	if (p == MAP_FAILED)
		return p;
	start = ((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1);
	end = start + len;
	if (start > (uintptr_t)p)
		munmap(p, start - (uintptr_t)p);
	if ((uintptr_t)p + len + align > end)
		munmap((void *)end, (uintptr_t)p + len + align - end);
	return (void *)start;
}

static inline uint64_t smu_mix(uint64_t seed, uint64_t k)
{
	uint64_t x = (seed ^ 0x5bd1e9955bd1e995ULL) + k * 0x9e3779b97f4a7c15ULL;

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 29;
	return x;
}

static inline uint8_t smu_pat_byte(uint64_t seed, size_t off)
{
	return smu_mix(seed, off >> 3) >> ((off & 7) * 8);
}

void smu_fill_off(void *p, size_t len, uint64_t seed, size_t off)
{
	uint8_t *b = p;
	size_t i = 0;

	while (i < len && ((off + i) & 7))
		b[i] = smu_pat_byte(seed, off + i), i++;
	for (; i + 8 <= len; i += 8) {
		uint64_t w = smu_mix(seed, (off + i) >> 3);

		memcpy(b + i, &w, 8);
	}
	for (; i < len; i++)
		b[i] = smu_pat_byte(seed, off + i);
}

long smu_check_off(const void *p, size_t len, uint64_t seed, size_t off)
{
	const uint8_t *b = p;
	size_t i = 0;

	while (i < len && ((off + i) & 7)) {
		if (b[i] != smu_pat_byte(seed, off + i))
			return i;
		i++;
	}
	for (; i + 8 <= len; i += 8) {
		uint64_t w = smu_mix(seed, (off + i) >> 3);

		if (memcmp(b + i, &w, 8)) {
			size_t j;

			for (j = i; j < i + 8; j++)
				if (b[j] != smu_pat_byte(seed, off + j))
					return j;
		}
	}
	for (; i < len; i++)
		if (b[i] != smu_pat_byte(seed, off + i))
			return i;
	return -1;
}

bool smu_is_zero(const void *p, size_t len)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

uint64_t smu_pagemap(const void *addr)
{
	uint64_t ent = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	off_t off = ((uintptr_t)addr / SMU_PAGE_SIZE) * sizeof(ent);

	if (fd < 0)
		return 0;
	if (pread(fd, &ent, sizeof(ent), off) != sizeof(ent))
		ent = 0;
	close(fd);
	return ent;
}

int smu_kpf_of(const void *addr, uint64_t *flags)
{
	uint64_t pm = smu_pagemap(addr), pfn = pm & SMU_PM_PFN_MASK;
	int fd, ret = 0;

	if (!(pm & SMU_PM_PRESENT) || !pfn)
		return -ENOENT;
	fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (pread(fd, flags, sizeof(*flags), pfn * sizeof(*flags)) !=
	    sizeof(*flags))
		ret = -EIO;
	close(fd);
	return ret;
}

bool smu_kpf_available(void)
{
	return !access("/proc/kpageflags", R_OK);
}

long smu_resident(const void *p, size_t npages, unsigned char *vec)
{
	unsigned char *v = vec ? vec : malloc(npages);
	long n;

	if (!v)
		return -ENOMEM;
	if (mincore((void *)p, npages * SMU_PAGE_SIZE, v))
		n = -errno;
	else
		n = smu_vec_count(v, 0, npages);
	if (!vec)
		free(v);
	return n;
}

size_t smu_vec_count(const unsigned char *vec, size_t first, size_t count)
{
	size_t i, n = 0;

	for (i = first; i < first + count; i++)
		n += vec[i] & 1;
	return n;
}

long smu_swapped(const void *p, size_t npages, uint64_t *pm)
{
	size_t i, len = npages * sizeof(*pm);
	long n = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (pread(fd, pm, len, (uintptr_t)p / SMU_PAGE_SIZE * sizeof(*pm)) !=
	    (ssize_t)len) {
		close(fd);
		return -EIO;
	}
	close(fd);
	for (i = 0; i < npages; i++)
		n += !!(pm[i] & SMU_PM_SWAPPED);
	return n;
}

long smu_proc_anon_huge_kb(int pid, unsigned long addr)
{
	unsigned long start, end;
	char line[512], path[48];
	bool in = false;
	long kb, ret = -1;
	FILE *f;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	else
		snprintf(path, sizeof(path), "/proc/self/smaps");
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			in = addr >= start && addr < end;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1) {
			ret = kb;
			break;
		}
	}
	fclose(f);
	return ret;
}

long smu_anon_huge_kb(const void *addr)
{
	return smu_proc_anon_huge_kb(0, (uintptr_t)addr);
}
