// SPDX-License-Identifier: GPL-2.0
/*
 * The dirty tracking guarantee, migration style: two vCPU threads keep
 * writing changing data to random pages of a LOG_DIRTY memslot while a
 * collector thread harvests, resets and copies every reported page (read
 * through the process pointer after the reset) into a shadow buffer that
 * started as a full copy taken after logging was enabled.  After the
 * writers stop and a final harvest + reset + copy, the shadow must equal
 * the source byte for byte.
 *
 * Variants: mmapped rings harvested with <linux/secmmu_dirty_ring.h> and
 * reset globally or per ring, the kernel harvester (SECMMU_HARVEST), and the
 * bitmap (GET_DIRTY_LOG + CLEAR_DIRTY_LOG); rings of SECMMU_DIRTY_RING_MIN
 * entries (the writers hit SECMMU_EXIT_DIRTY_RING_FULL and wait for the
 * collector's reset) and of 4096 (more than the slot's pages: never full).
 */
#include <pthread.h>
#include <stdarg.h>

#include "secmmu_test.h"

#define NPAGES		1024
#define GFN		0x10000
#define SLOT		1
#define NWRITERS	2
#define ITERS		4000		/* writes per writer */
#define CHUNK		256		/* bytes per write, CHUNK aligned */
#define KBATCH		128		/* SECMMU_HARVEST entries per call */
#define SYNC_EVERY	256		/* writes between waits for a round */

enum mode { M_RING_GLOBAL, M_RING_PERRING, M_KHARVEST, M_BITMAP };

struct ctx {
	enum mode mode;
	__u32 entries;
	int vm;
	int vcpu[NWRITERS];
	struct smu_ring ring[NWRITERS];
	char *src, *shadow;
	unsigned char *todo;		/* per page: copy after the reset */

	pthread_mutex_t lock;
	pthread_cond_t cond;		/* resets, full exits, done, abort */
	unsigned int reset_gen[NWRITERS];
	int full_seen, writers_done, abort;
	bool sync;			/* writers wait for rounds */
	__u64 rounds_done;
	char err[256];

	/* results */
	__u64 seq;			/* global write sequence */
	__u64 full_exits[NWRITERS];
	__u64 harvested;		/* entries or bits collected */
	__u64 copied, rounds;
};

struct writer_arg {
	struct ctx *c;
	int id;
};

static void fail(struct ctx *c, const char *fmt, ...)
	__attribute__((__format__(printf, 2, 3)));

static void fail(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&c->lock);
	if (!c->abort) {
		va_start(ap, fmt);
		vsnprintf(c->err, sizeof(c->err), fmt, ap);
		va_end(ap);
		c->abort = 1;
	}
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

static bool aborted(struct ctx *c)
{
	return __atomic_load_n(&c->abort, __ATOMIC_ACQUIRE);
}

static void *writer(void *p)
{
	struct writer_arg *wa = p;
	struct ctx *c = wa->c;
	uint64_t rnd = 0x9e3779b97f4a7c15ULL * (wa->id + 1);
	__u64 buf[CHUNK / 8], target;
	int it, j;

	for (it = 0; it < ITERS && !aborted(c); it++) {
		__u64 pg = smu_rand(&rnd) % NPAGES;
		__u64 off = smu_rand(&rnd) % (PAGE / CHUNK) * CHUNK;
		__u64 gpa = SMU_GPA(GFN + pg) + off;
		uint64_t fill;

		/*
		 * Without full exits to pace them, make sure collection
		 * rounds run while the writers write: every SYNC_EVERY
		 * writes, wait for a round that started after this point.
		 */
		if (c->sync && it && !(it % SYNC_EVERY)) {
			pthread_mutex_lock(&c->lock);
			target = c->rounds_done + 2;
			while (c->rounds_done < target && !c->abort)
				pthread_cond_wait(&c->cond, &c->lock);
			pthread_mutex_unlock(&c->lock);
		}
		buf[0] = __atomic_add_fetch(&c->seq, 1, __ATOMIC_RELAXED);
		buf[1] = (__u64)wa->id << 32 | pg;
		fill = buf[0] * 0x100000001b3ULL + 1;
		for (j = 2; j < CHUNK / 8; j++)
			buf[j] = smu_rand(&fill);

		for (;;) {
			struct secmmu_access a;
			unsigned int gen;
			int ret;

			gen = __atomic_load_n(&c->reset_gen[wa->id],
					      __ATOMIC_ACQUIRE);
			ret = smu_write(c->vcpu[wa->id], 0, gpa, buf, CHUNK,
					&a);
			if (ret) {
				fail(c, "writer %d: write: %s", wa->id,
				     strerror(-ret));
				return NULL;
			}
			if (a.exit_reason == SECMMU_EXIT_NONE &&
			    a.done == CHUNK)
				break;
			if (a.exit_reason != SECMMU_EXIT_DIRTY_RING_FULL ||
			    c->mode == M_BITMAP || a.done || a.exit_gpa != gpa) {
				fail(c, "writer %d: exit %u done %llu gpa %#llx (want %#llx)",
				     wa->id, a.exit_reason,
				     (unsigned long long)a.done,
				     (unsigned long long)a.exit_gpa,
				     (unsigned long long)gpa);
				return NULL;
			}
			/* Full: wait for the collector to reset, then retry. */
			pthread_mutex_lock(&c->lock);
			c->full_exits[wa->id]++;
			c->full_seen = 1;
			pthread_cond_broadcast(&c->cond);
			while (c->reset_gen[wa->id] == gen && !c->abort)
				pthread_cond_wait(&c->cond, &c->lock);
			pthread_mutex_unlock(&c->lock);
			if (aborted(c))
				return NULL;
		}
	}
	return NULL;
}

/* Note one reported page; false (and the ctx failed) if it is invalid. */
static bool note(struct ctx *c, __u32 slot, __u64 off)
{
	if (slot != SLOT || off >= NPAGES) {
		fail(c, "collector: entry slot %u offset %llu", slot,
		     (unsigned long long)off);
		return false;
	}
	c->todo[off] = 1;
	c->harvested++;
	return true;
}

static void bump(struct ctx *c, int i)
{
	pthread_mutex_lock(&c->lock);
	if (i < 0) {
		for (i = 0; i < NWRITERS; i++)
			c->reset_gen[i]++;
	} else {
		c->reset_gen[i]++;
	}
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

/* Copy every noted page, after its reset. */
static void copy_todo(struct ctx *c)
{
	size_t pg;

	for (pg = 0; pg < NPAGES; pg++) {
		if (!c->todo[pg])
			continue;
		c->todo[pg] = 0;
		memcpy(c->shadow + pg * PAGE, c->src + pg * PAGE, PAGE);
		c->copied++;
	}
}

/* Harvest ring @i into todo; returns the count or -1 on failure. */
static long harvest(struct ctx *c, int i)
{
	struct secmmu_dirty_gfn e[KBATCH];
	long n = 0;
	int k, got;

	if (c->mode != M_KHARVEST) {
		while (secmmu_dirty_ring_harvest_one(c->ring[i].g, c->entries,
						     &c->ring[i].idx, e)) {
			if (!note(c, e[0].slot, e[0].offset))
				return -1;
			n++;
		}
		return n;
	}
	do {
		got = smu_kharvest(c->vcpu[i], e, KBATCH);
		if (got < 0 || got > KBATCH) {
			fail(c, "SECMMU_HARVEST: %d", got);
			return -1;
		}
		for (k = 0; k < got; k++)
			if (!note(c, e[k].slot, e[k].offset))
				return -1;
		n += got;
	} while (got);
	return n;
}

static bool reset_check(struct ctx *c, const char *what, int ret, long want)
{
	if (ret != want) {
		fail(c, "collector: %s returned %d, %ld entries harvested",
		     what, ret, want);
		return false;
	}
	return true;
}

/* One harvest + reset + copy pass; false on failure. */
static bool round_once(struct ctx *c)
{
	__u64 bm[SMU_BM_WORDS(NPAGES)];
	long n[NWRITERS], sum = 0;
	size_t pg;
	int i, ret;

	c->rounds++;
	switch (c->mode) {
	case M_RING_GLOBAL:
		for (i = 0; i < NWRITERS; i++) {
			n[i] = harvest(c, i);
			if (n[i] < 0)
				return false;
			sum += n[i];
		}
		ret = smu_reset_rings(c->vm);
		if (!reset_check(c, "RESET_DIRTY_RINGS", ret, sum))
			return false;
		bump(c, -1);
		copy_todo(c);
		return true;
	case M_RING_PERRING:
	case M_KHARVEST:
		for (i = 0; i < NWRITERS; i++) {
			n[i] = harvest(c, i);
			if (n[i] < 0)
				return false;
			ret = smu_reset_ring(c->vcpu[i]);
			if (!reset_check(c, "RESET_DIRTY_RING", ret, n[i]))
				return false;
			bump(c, i);
			copy_todo(c);
		}
		return true;
	case M_BITMAP:
		ret = smu_get_log(c->vm, SLOT, 0, NPAGES, bm);
		if (!ret)
			ret = smu_clear_log(c->vm, SLOT, 0, NPAGES, bm);
		if (ret) {
			fail(c, "collector: GET/CLEAR_DIRTY_LOG: %s",
			     strerror(-ret));
			return false;
		}
		for (pg = 0; pg < NPAGES; pg++)
			if (smu_bm_test(bm, pg))
				note(c, SLOT, pg);
		copy_todo(c);
		return true;
	}
	return false;
}

static void *collector(void *p)
{
	struct ctx *c = p;

	/*
	 * With a tiny ring, start only once a writer found its ring full, so
	 * that the full path is always exercised.
	 */
	if (c->entries == SECMMU_DIRTY_RING_MIN) {
		pthread_mutex_lock(&c->lock);
		while (!c->full_seen && !c->writers_done && !c->abort)
			pthread_cond_wait(&c->cond, &c->lock);
		pthread_mutex_unlock(&c->lock);
	}
	while (!__atomic_load_n(&c->writers_done, __ATOMIC_ACQUIRE)) {
		if (aborted(c) || !round_once(c))
			return NULL;
		pthread_mutex_lock(&c->lock);
		c->rounds_done++;
		pthread_cond_broadcast(&c->cond);
		pthread_mutex_unlock(&c->lock);
	}
	/* The writers are joined: the final pass. */
	if (!aborted(c))
		round_once(c);
	return NULL;
}

FIXTURE(lossless) {
	struct ctx c;
};

FIXTURE_VARIANT(lossless) {
	enum mode mode;
	__u32 entries;
};

FIXTURE_VARIANT_ADD(lossless, ring_global_tiny) {
	.mode = M_RING_GLOBAL, .entries = SECMMU_DIRTY_RING_MIN,
};

FIXTURE_VARIANT_ADD(lossless, ring_global_large) {
	.mode = M_RING_GLOBAL, .entries = 4096,
};

FIXTURE_VARIANT_ADD(lossless, ring_perring_tiny) {
	.mode = M_RING_PERRING, .entries = SECMMU_DIRTY_RING_MIN,
};

FIXTURE_VARIANT_ADD(lossless, ring_perring_large) {
	.mode = M_RING_PERRING, .entries = 4096,
};

FIXTURE_VARIANT_ADD(lossless, kharvest_tiny) {
	.mode = M_KHARVEST, .entries = SECMMU_DIRTY_RING_MIN,
};

FIXTURE_VARIANT_ADD(lossless, kharvest_large) {
	.mode = M_KHARVEST, .entries = 4096,
};

FIXTURE_VARIANT_ADD(lossless, bitmap) {
	.mode = M_BITMAP, .entries = 0,
};

FIXTURE_SETUP(lossless)
{
	struct ctx *c = &self->c;
	int i;

	memset(c, 0, sizeof(*c));
	c->mode = variant->mode;
	c->entries = variant->entries;
	/* Tiny rings pace the writers by full exits instead. */
	c->sync = c->entries != SECMMU_DIRTY_RING_MIN;
	c->vm = -1;
	for (i = 0; i < NWRITERS; i++) {
		c->vcpu[i] = -1;
		c->ring[i].g = MAP_FAILED;
	}
	c->src = MAP_FAILED;
	c->shadow = MAP_FAILED;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	smu_quiesce();

	c->vm = smu_t_open_vm(_metadata);
	if (c->entries)
		ASSERT_EQ(0, smu_enable_ring(c->vm, c->entries));
	for (i = 0; i < NWRITERS; i++) {
		c->vcpu[i] = smu_t_vcpu(_metadata, c->vm, i);
		if (c->mode != M_RING_GLOBAL && c->mode != M_RING_PERRING)
			continue;
		c->ring[i].g = smu_mmap_ring(c->vcpu[i], c->entries);
		ASSERT_NE(MAP_FAILED, c->ring[i].g);
		c->ring[i].n = c->entries;
	}
	c->src = smu_mmap_anon(NPAGES * PAGE);
	ASSERT_NE(MAP_FAILED, c->src);
	c->shadow = smu_mmap_anon(NPAGES * PAGE);
	ASSERT_NE(MAP_FAILED, c->shadow);
	c->todo = calloc(NPAGES, 1);
	ASSERT_NE(NULL, c->todo);
}

FIXTURE_TEARDOWN(lossless)
{
	struct ctx *c = &self->c;
	int i;

	for (i = 0; i < NWRITERS; i++) {
		if (c->ring[i].g != MAP_FAILED)
			munmap(c->ring[i].g, SMU_RING_BYTES(c->entries));
		if (c->vcpu[i] >= 0)
			close(c->vcpu[i]);
	}
	if (c->vm >= 0)
		close(c->vm);
	if (c->src != MAP_FAILED)
		munmap(c->src, NPAGES * PAGE);
	if (c->shadow != MAP_FAILED)
		munmap(c->shadow, NPAGES * PAGE);
	free(c->todo);
}

static void dump_page(struct __test_metadata *_metadata, const char *what,
		      const char *p, size_t off)
{
	const __u64 *h = (const __u64 *)(p + off / CHUNK * CHUNK);

	TH_LOG("  %s: chunk at +%zu: seq %llu writer %llu page %llu",
	       what, off / CHUNK * CHUNK, (unsigned long long)h[0],
	       (unsigned long long)(h[1] >> 32),
	       (unsigned long long)(h[1] & 0xffffffff));
}

TEST_F_TIMEOUT(lossless, migrate, 300)
{
	struct ctx *c = &self->c;
	struct writer_arg wa[NWRITERS];
	pthread_t wt[NWRITERS], ct;
	struct secmmu_dirty_gfn rest[KBATCH];
	struct smu_snap s0, s1;
	__u64 fulls = 0, bm[SMU_BM_WORDS(NPAGES)];
	size_t pg, diff = 0, first = ~(size_t)0;
	int i;

	/* Source contents, half of them mapped writable by a vCPU. */
	smu_fill(c->src, NPAGES * PAGE, 0x1055);
	ASSERT_EQ(0, smu_set_memslot(c->vm, SLOT, 0, GFN, NPAGES, c->src));
	for (pg = 0; pg < NPAGES; pg += 2)
		smu_t_rw(_metadata, c->vcpu[pg / 2 % NWRITERS], 0,
			 SMU_GPA(GFN + pg), c->src + pg * PAGE, PAGE, true);
	/* Start logging, then take the initial full copy. */
	ASSERT_EQ(0, smu_set_memslot(c->vm, SLOT, SECMMU_MEM_LOG_DIRTY, GFN,
				     NPAGES, c->src));
	memcpy(c->shadow, c->src, NPAGES * PAGE);
	if (c->mode == M_BITMAP) {
		ASSERT_EQ(0, smu_get_log(c->vm, SLOT, 0, NPAGES, bm));
		for (pg = 0; pg < SMU_BM_WORDS(NPAGES); pg++)
			ASSERT_EQ(0, bm[pg]);
	}
	for (i = 0; i < NWRITERS; i++)
		if (c->ring[i].g != MAP_FAILED)
			ASSERT_EQ(0, smu_ring_busy(&c->ring[i]));
	ASSERT_EQ(0, smu_snap(c->vm, &s0));

	ASSERT_EQ(0, pthread_create(&ct, NULL, collector, c));
	for (i = 0; i < NWRITERS; i++) {
		wa[i].c = c;
		wa[i].id = i;
		ASSERT_EQ(0, pthread_create(&wt[i], NULL, writer, &wa[i]));
	}
	for (i = 0; i < NWRITERS; i++)
		pthread_join(wt[i], NULL);
	pthread_mutex_lock(&c->lock);
	__atomic_store_n(&c->writers_done, 1, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
	pthread_join(ct, NULL);
	ASSERT_EQ(0, c->abort) TH_LOG("%s", c->err);
	ASSERT_EQ(0, smu_snap(c->vm, &s1));

	for (i = 0; i < NWRITERS; i++)
		fulls += c->full_exits[i];
	TH_LOG("%llu writes, %llu rounds, %llu records, %llu copies, %llu/%llu full exits",
	       (unsigned long long)c->seq, (unsigned long long)c->rounds,
	       (unsigned long long)c->harvested,
	       (unsigned long long)c->copied,
	       (unsigned long long)c->full_exits[0],
	       (unsigned long long)c->full_exits[1]);

	/* The guarantee. */
	for (pg = 0; pg < NPAGES; pg++) {
		if (!memcmp(c->shadow + pg * PAGE, c->src + pg * PAGE, PAGE))
			continue;
		if (!diff++)
			first = pg;
	}
	EXPECT_EQ(0, diff) {
		const char *a = c->src + first * PAGE;
		const char *b = c->shadow + first * PAGE;
		size_t off = 0;

		while (a[off] == b[off])
			off++;
		TH_LOG("%zu pages differ; first: page %zu byte %zu", diff,
		       first, off);
		dump_page(_metadata, "source", a, off);
		dump_page(_metadata, "shadow", b, off);
	}

	EXPECT_EQ((__u64)NWRITERS * ITERS, c->seq);
	if (c->sync)
		EXPECT_LE(ITERS / SYNC_EVERY, c->rounds);
	EXPECT_LT(0, c->harvested);
	/* Every record was collected exactly once. */
	EXPECT_EQ(c->harvested, s1.v[SECMMU_STAT_DIRTY_LOGGED] -
				s0.v[SECMMU_STAT_DIRTY_LOGGED]);
	EXPECT_EQ(fulls, s1.v[SECMMU_STAT_DIRTY_RING_FULL] -
			 s0.v[SECMMU_STAT_DIRTY_RING_FULL]);
	EXPECT_EQ(0, s1.v[SECMMU_STAT_DIRTY_RING_ERRORS] -
		     s0.v[SECMMU_STAT_DIRTY_RING_ERRORS]);
	if (c->entries == SECMMU_DIRTY_RING_MIN) {
		EXPECT_LT(0, fulls);
	} else {
		/* The bitmap, or more entries than pages: never full. */
		EXPECT_EQ(0, fulls);
	}
	if (c->mode == M_BITMAP) {
		ASSERT_EQ(0, smu_get_log(c->vm, SLOT, 0, NPAGES, bm));
		for (pg = 0; pg < SMU_BM_WORDS(NPAGES); pg++)
			EXPECT_EQ(0, bm[pg]);
	} else {
		EXPECT_EQ(c->harvested, s1.v[SECMMU_STAT_DIRTY_RESETS] -
					s0.v[SECMMU_STAT_DIRTY_RESETS]);
		for (i = 0; i < NWRITERS; i++) {
			if (c->ring[i].g != MAP_FAILED) {
				EXPECT_EQ(0, smu_ring_busy(&c->ring[i]));
			} else {
				EXPECT_EQ(0, smu_kharvest(c->vcpu[i], rest,
							  KBATCH));
			}
		}
		EXPECT_EQ(0, smu_reset_rings(c->vm));
	}
}

TEST_HARNESS_MAIN
