// SPDX-License-Identifier: GPL-2.0
/*
 * Stress: two vCPU threads read pages through the secondary MMU while a
 * chaos thread keeps replacing, zapping, protecting and migrating them via
 * munmap+mmap(MAP_FIXED), MADV_DONTNEED, mprotect and move_pages.
 *
 * Every 8-byte word of page p holds (gen << 16 | p).  After replacing a
 * page the chaos thread writes generation gen + 1 through its pointer and
 * then publishes it in pub[p].  seq[p] is odd while an operation on page p
 * is in progress.  A vCPU read of page p must then:
 *   - never see a word of another page or a generation older than pub[p]
 *     as loaded before the read started (a stale, already-zapped page);
 *   - if seq[p] did not move during the read, be exactly generation pub[p]
 *     in every word and not fail;
 *   - otherwise consist of zero words (a fresh page not yet written) and
 *     words of generation >= that snapshot, or fail with -EFAULT (the page
 *     was unmapped at that moment).
 */
#include <pthread.h>
#include <time.h>

#include "secmmu_test.h"

#ifndef MPOL_MF_MOVE
#define MPOL_MF_MOVE	(1 << 1)
#endif

#define NP		32
#define GFN		0x200
#define NREADERS	2
#define WORDS		(PAGE / 8)
#define RUN_NS		3000000000ULL	/* at least */
#define MAX_RUN_NS	15000000000ULL	/* at most, */
#define MIN_OPS		200		/* until this many chaos ops */

struct shared {
	char *mem;
	int vm;
	int nodes;
	uint64_t pub[NP];
	uint64_t seq[NP];
	int stop;
	/* results */
	unsigned long ops[4];
	unsigned long chaos_errors;
	char chaos_err[128];
};

struct reader {
	struct shared *sh;
	int vcpu;
	unsigned long reads, relaxed, efaults, mismatches, errors;
	char first[200];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void write_gen(uint64_t *page, unsigned int p, uint64_t gen)
{
	unsigned int i;

	for (i = 0; i < WORDS; i++)
		__atomic_store_n(&page[i], gen << 16 | p, __ATOMIC_RELAXED);
}

static void chaos_fail(struct shared *sh, const char *what, int p)
{
	if (!sh->chaos_errors++)
		snprintf(sh->chaos_err, sizeof(sh->chaos_err),
			 "%s page %d: %s", what, p, strerror(errno));
}

static void *chaos(void *arg)
{
	struct shared *sh = arg;
	uint64_t s = 0x9e3779b97f4a7c15ULL, start = now_ns();
	unsigned long n = 0;

	for (;; n++) {
		uint64_t t = now_ns() - start;

		if (t >= MAX_RUN_NS || (t >= RUN_NS && n >= MIN_OPS))
			break;
		unsigned int p = rnd(&s) % NP, op = rnd(&s) % 4;
		char *page = sh->mem + p * PAGE;
		uint64_t gen = sh->pub[p];
		int node, status;
		void *pg = page;

		if (op == 3 && sh->nodes < 2)
			op = 2;
		__atomic_add_fetch(&sh->seq[p], 1, __ATOMIC_SEQ_CST);
		switch (op) {
		case 0:		/* replace the page */
			if (munmap(page, PAGE))
				chaos_fail(sh, "munmap", p);
			if (mmap(page, PAGE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
				 0) != page)
				chaos_fail(sh, "mmap", p);
			write_gen((uint64_t *)page, p, gen + 1);
			__atomic_store_n(&sh->pub[p], gen + 1, __ATOMIC_RELEASE);
			break;
		case 1:		/* zap to zeros */
			if (madvise(page, PAGE, MADV_DONTNEED))
				chaos_fail(sh, "madvise", p);
			write_gen((uint64_t *)page, p, gen + 1);
			__atomic_store_n(&sh->pub[p], gen + 1, __ATOMIC_RELEASE);
			break;
		case 2:		/* write-protect and back */
			if (mprotect(page, PAGE, PROT_READ) ||
			    mprotect(page, PAGE, PROT_READ | PROT_WRITE))
				chaos_fail(sh, "mprotect", p);
			break;
		case 3:		/* migrate to the other node */
			if (syscall(__NR_move_pages, 0, 1, &pg, NULL, &status,
				    0))
				chaos_fail(sh, "move_pages query", p);
			node = status < 0 ? 0 : !status;
			if (syscall(__NR_move_pages, 0, 1, &pg, &node, &status,
				    MPOL_MF_MOVE) < 0)
				chaos_fail(sh, "move_pages", p);
			break;
		}
		__atomic_add_fetch(&sh->seq[p], 1, __ATOMIC_SEQ_CST);
		sh->ops[op]++;
	}
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void reader_bad(struct reader *r, unsigned int p, const char *fmt,
		       unsigned long a, unsigned long b)
{
	char msg[120];

	r->mismatches++;
	if (r->first[0])
		return;
	snprintf(msg, sizeof(msg), fmt, a, b);
	snprintf(r->first, sizeof(r->first), "page %u: %s", p, msg);
}

static void *reader(void *arg)
{
	struct reader *r = arg;
	struct shared *sh = r->sh;
	uint64_t s = 0x1234567 + r->vcpu, buf[WORDS];

	while (!__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE)) {
		unsigned int p = rnd(&s) % NP, i;
		uint64_t s1, s2, snap;
		bool quiet;
		int ret;

		s1 = __atomic_load_n(&sh->seq[p], __ATOMIC_SEQ_CST);
		snap = __atomic_load_n(&sh->pub[p], __ATOMIC_ACQUIRE);
		ret = smu_read(r->vcpu, 0, SMU_GPA(GFN + p), buf, PAGE, NULL);
		s2 = __atomic_load_n(&sh->seq[p], __ATOMIC_SEQ_CST);
		quiet = s1 == s2 && !(s1 & 1);
		r->reads++;
		if (!quiet)
			r->relaxed++;
		if (ret == -EFAULT && !quiet) {
			r->efaults++;
			continue;
		}
		if (ret) {
			r->errors++;
			reader_bad(r, p, "read failed: %ld (quiet %lu)",
				   ret, quiet);
			continue;
		}
		for (i = 0; i < WORDS; i++) {
			uint64_t w = buf[i];

			if (quiet && w != (snap << 16 | p)) {
				reader_bad(r, p, "quiet word %lx, expected gen %lu",
					   w, snap);
				break;
			}
			if (!w)
				continue;
			if ((w & 0xffff) != p) {
				reader_bad(r, p, "word %lx from page %lu", w,
					   w & 0xffff);
				break;
			}
			if ((w >> 16) < snap) {
				reader_bad(r, p, "stale gen %lu < published %lu",
					   w >> 16, snap);
				break;
			}
		}
	}
	return NULL;
}

FIXTURE(stress) {
	struct smu_env e;
};

FIXTURE_SETUP(stress)
{
	smu_env_setup(_metadata, &self->e, NP, GFN);
}

FIXTURE_TEARDOWN(stress)
{
	smu_env_teardown(&self->e);
}

TEST_F_TIMEOUT(stress, readers_vs_chaos, 120)
{
	struct smu_env *e = &self->e;
	struct shared *sh = calloc(1, sizeof(*sh));
	struct reader rd[NREADERS];
	pthread_t th[NREADERS + 1];
	uint64_t buf[WORDS];
	__u64 inval0;
	unsigned int p, i;

	ASSERT_NE(NULL, sh);
	sh->mem = e->mem;
	sh->vm = e->vm;
	sh->nodes = smu_nr_nodes();
	for (p = 0; p < NP; p++) {
		sh->pub[p] = 1;
		write_gen((uint64_t *)(e->mem + p * PAGE), p, 1);
	}
	inval0 = smu_t_stat(_metadata, e->vm, SECMMU_STAT_INVALIDATIONS);
	memset(rd, 0, sizeof(rd));
	for (i = 0; i < NREADERS; i++) {
		rd[i].sh = sh;
		rd[i].vcpu = smu_t_vcpu(_metadata, e->vm, i + 1);
		ASSERT_EQ(0, pthread_create(&th[i], NULL, reader, &rd[i]));
	}
	ASSERT_EQ(0, pthread_create(&th[NREADERS], NULL, chaos, sh));
	for (i = 0; i <= NREADERS; i++) {
		ASSERT_EQ(0, pthread_join(th[i], NULL));
	}

	TH_LOG("chaos ops: remap %lu dontneed %lu mprotect %lu migrate %lu",
	       sh->ops[0], sh->ops[1], sh->ops[2], sh->ops[3]);
	EXPECT_EQ(0, sh->chaos_errors) TH_LOG("%s", sh->chaos_err);
	EXPECT_LT(0, sh->ops[0] + sh->ops[1] + sh->ops[2] + sh->ops[3]);
	for (i = 0; i < NREADERS; i++) {
		TH_LOG("reader %u: %lu reads (%lu racing, %lu efault), %lu bad",
		       i, rd[i].reads, rd[i].relaxed, rd[i].efaults,
		       rd[i].mismatches);
		EXPECT_LT(0, rd[i].reads);
		EXPECT_EQ(0, rd[i].mismatches) TH_LOG("%s", rd[i].first);
		EXPECT_EQ(0, rd[i].errors);
		close(rd[i].vcpu);
	}
	EXPECT_LT(inval0, smu_t_stat(_metadata, e->vm,
				     SECMMU_STAT_INVALIDATIONS));

	/* Quiet now: every page reads back exactly its published gen. */
	for (p = 0; p < NP; p++) {
		smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN + p), buf, PAGE,
			 false);
		for (i = 0; i < WORDS; i++)
			if (buf[i] != (sh->pub[p] << 16 | p))
				break;
		EXPECT_EQ(WORDS, i) TH_LOG("page %u word %u: %lx, gen %lu", p,
					   i, buf[i < WORDS ? i : 0],
					   sh->pub[p]);
		EXPECT_EQ(0, memcmp(buf, e->mem + p * PAGE, PAGE));
	}
	free(sh);
}

TEST_HARNESS_MAIN
