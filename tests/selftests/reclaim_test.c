// SPDX-License-Identifier: GPL-2.0
/*
 * Real reclaim sees vCPU accesses: pages a vCPU keeps reading (and the
 * process never touches) survive proactive reclaim, cold ones are swapped
 * out.  Only secmmu's aging hooks (clear_flush_young / clear_young /
 * test_young) can tell reclaim which pages are hot: the vCPU reads through
 * SPTEs, which never set the accessed bit of the process's own PTEs.
 *
 *   memcg_reclaim  memory.reclaim of a cgroup v2 memcg (with swap), in
 *                  rounds with vCPU reads of the hot half in between.  On
 *                  6.1 this is the classic active/inactive LRU
 *                  (folio_referenced -> clear_flush_young); on 6.12 MGLRU.
 *   mglru_debugfs  MGLRU aging and eviction driven through
 *                  /sys/kernel/debug/lru_gen ("+ memcg nid max_seq 1 1",
 *                  "- memcg nid max_seq-2 200 nr"); MGLRU is switched on
 *                  for the test if the kernel has it but it is off.
 *
 * The hot half is the first half of the buffer, faulted in first: an LRU
 * that ignored secmmu would evict it first.  Every page is mapped by an
 * SPTE (the vCPU reads all pages once), so the hooks must also answer
 * "not young" correctly for the cold half.  Both cases print the counts
 * (kept vs reclaimed per half, swap, hook calls and young answers) as TAP
 * diagnostics, check that no swapped-out page keeps an SPTE, and check
 * every byte afterwards through the vCPU and through the process.
 */
#include <stdarg.h>
#include <sys/stat.h>

#include "secmmu_test.h"

#define SIZE		(64UL << 20)
#define NPAGES		(SIZE / PAGE)
#define HOT		(NPAGES / 2)	/* pages [0, HOT) are hot */
#define GFN		0x100000
#define SEED		0xa9e5eedULL
#define CHUNK		(1UL << 20)

/*
 * memory.reclaim: rounds of this many bytes, the hot half read before
 * each, until a quarter of all pages is out (blind to which half: the
 * kernels over-reclaim differently) or RECLAIM_ROUNDS.
 */
#define RECLAIM_ROUNDS	12
#define RECLAIM_BYTES	"4M"
#define RECLAIM_TARGET	(NPAGES / 4)
/* MGLRU: rounds of age + evict, at most this many pages per node and round. */
#define MGLRU_ROUNDS	6
#define MGLRU_EVICT	2048

FIXTURE(reclaim) {
	struct smu_env e;
	char cg[96];		/* absolute */
	char cg_rel[64];	/* as cgroup_path() prints it */
	bool in_cg;
	char lru_gen_saved[32];
	bool lru_gen_changed;
	unsigned char *vec;
	uint64_t *pm;
	struct smu_snap st0;
};

FIXTURE_SETUP(reclaim)
{
	smu_env_setup(_metadata, &self->e, 0, GFN);
	snprintf(self->cg_rel, sizeof(self->cg_rel), "/secmmu-reclaim-%d",
		 getpid());
	snprintf(self->cg, sizeof(self->cg), SMU_CG_ROOT "%s", self->cg_rel);
	self->in_cg = false;
	self->lru_gen_changed = false;
	self->vec = malloc(NPAGES);
	self->pm = malloc(NPAGES * sizeof(*self->pm));
	ASSERT_NE(NULL, self->vec);
	ASSERT_NE(NULL, self->pm);
}

FIXTURE_TEARDOWN(reclaim)
{
	/* Unmap first: the memory must not be left charged to the memcg. */
	smu_env_teardown(&self->e);
	if (self->in_cg)
		smu_cg_leave(self->cg);
	if (self->lru_gen_changed)
		smu_write_file(SMU_LRU_GEN_ENABLED, self->lru_gen_saved);
	free(self->vec);
	free(self->pm);
}

static void msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void msg(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ksft_print_msg("%s\n", buf);
}

/* Skip reasons common to both cases; NULL if the rig can do it. */
static const char *cant_reclaim(void)
{
	if (!smu_has_swap())
		return "no swap (nothing to swap anon pages out to)";
	if (!smu_has_memcg())
		return "no cgroup v2 memory controller";
	return NULL;
}

/*
 * Join the memcg, THEN allocate and fill (memory faulted before joining
 * stays charged to the old memcg), map it as slot 0 and let the vCPU read
 * every page once so that both halves are mapped by SPTEs.
 */
static void setup_memory(struct __test_metadata *_metadata,
			 FIXTURE_DATA(reclaim) *self)
{
	struct smu_env *e = &self->e;
	int ret;

	ret = smu_cg_enter(self->cg);
	ASSERT_EQ(0, ret) TH_LOG("joining %s: %s", self->cg, strerror(-ret));
	self->in_cg = true;

	e->npages = NPAGES;
	e->mem = smu_mmap_anon(SIZE);
	ASSERT_NE(MAP_FAILED, e->mem);
	/* Per-page LRU decisions: no THP (EINVAL: a kernel without THP, e.g. -rt). */
	if (madvise(e->mem, SIZE, MADV_NOHUGEPAGE))
		ASSERT_EQ(EINVAL, errno);
	/* Hot half first: it is the oldest on the LRU. */
	smu_fill(e->mem, SIZE, SEED);
	ASSERT_EQ(0, smu_set_memslot(e->vm, 0, 0, GFN, NPAGES, e->mem));
	ASSERT_EQ(0, smu_touch_stride(e->vcpu, 0, GFN, NPAGES, 1));
	ASSERT_EQ(NPAGES, smu_t_stat(_metadata, e->vm, SECMMU_STAT_MAPPED));
	ASSERT_EQ(0, smu_snap(e->vm, &self->st0));
}

static void touch_hot(struct __test_metadata *_metadata, struct smu_env *e)
{
	int ret = smu_touch_stride(e->vcpu, 0, GFN, HOT, 1);

	ASSERT_EQ(0, ret) TH_LOG("vCPU read of the hot half: %d", ret);
}

struct counts {
	long hot_kept, cold_kept, hot_swapped, cold_swapped, mapped_swapped;
};

/*
 * Residency right after the last reclaim, before anything touches the
 * memory again: mincore() (a swapped-out anon page is not resident) and
 * pagemap (swapped bit).  A swapped-out page must have no SPTE.
 */
static void measure(struct __test_metadata *_metadata,
		    FIXTURE_DATA(reclaim) *self, struct counts *c)
{
	struct smu_env *e = &self->e;
	long i;

	ASSERT_LE(0, smu_resident(e->mem, NPAGES, self->vec));
	ASSERT_LE(0, smu_swapped(e->mem, NPAGES, self->pm));
	c->hot_kept = smu_vec_count(self->vec, 0, HOT);
	c->cold_kept = smu_vec_count(self->vec, HOT, NPAGES - HOT);
	c->hot_swapped = c->cold_swapped = c->mapped_swapped = 0;
	for (i = 0; i < (long)NPAGES; i++) {
		if (!(self->pm[i] & SMU_PM_SWAPPED))
			continue;
		if (i < (long)HOT)
			c->hot_swapped++;
		else
			c->cold_swapped++;
		if (smu_spte_flags(e->vm, 0, GFN + i) & SECMMU_SPTE_PRESENT)
			c->mapped_swapped++;
	}
}

static void report(struct __test_metadata *_metadata,
		   FIXTURE_DATA(reclaim) *self, const char *what,
		   const struct counts *c)
{
	struct smu_snap st1;
	const struct smu_snap *st0 = &self->st0;
	char path[160];

	ASSERT_EQ(0, smu_snap(self->e.vm, &st1));
	msg("%s: hot  kept %ld / %lu, reclaimed %lu (swapped %ld)", what,
	    c->hot_kept, HOT, HOT - c->hot_kept, c->hot_swapped);
	msg("%s: cold kept %ld / %lu, reclaimed %lu (swapped %ld)", what,
	    c->cold_kept, NPAGES - HOT, NPAGES - HOT - c->cold_kept,
	    c->cold_swapped);
	msg("%s: secmmu hooks: clear_flush_young %llu, clear_young %llu, "
	    "test_young %llu; young answers %llu of %llu pages examined; "
	    "flushes elided %llu", what,
	    (unsigned long long)smu_delta(st0, &st1,
					  SECMMU_STAT_AGE_CLEAR_FLUSH_YOUNG),
	    (unsigned long long)smu_delta(st0, &st1,
					  SECMMU_STAT_AGE_CLEAR_YOUNG),
	    (unsigned long long)smu_delta(st0, &st1,
					  SECMMU_STAT_AGE_TEST_YOUNG),
	    (unsigned long long)smu_delta(st0, &st1, SECMMU_STAT_AGE_YOUNG),
	    (unsigned long long)smu_delta(st0, &st1, SECMMU_STAT_AGE_PAGES),
	    (unsigned long long)smu_delta(st0, &st1,
					  SECMMU_STAT_AGE_FLUSH_ELIDED));
	msg("%s: secmmu: sptes zapped %llu, invalidations %llu, faults %llu, "
	    "mapped now %llu; rmap lockless %llu, lock fallbacks %llu",
	    what,
	    (unsigned long long)smu_delta(st0, &st1, SECMMU_STAT_SPTES_ZAPPED),
	    (unsigned long long)smu_delta(st0, &st1,
					  SECMMU_STAT_INVALIDATIONS),
	    (unsigned long long)smu_delta(st0, &st1, SECMMU_STAT_FAULTS),
	    (unsigned long long)st1.v[SECMMU_STAT_MAPPED],
	    (unsigned long long)smu_delta(st0, &st1,
					  SECMMU_STAT_RMAP_LOCKLESS),
	    (unsigned long long)smu_delta(st0, &st1,
					  SECMMU_STAT_RMAP_LOCK_FALLBACKS));
	snprintf(path, sizeof(path), "%s/memory.stat", self->cg);
	msg("%s: memcg: pgscan %lld pgsteal %lld pgactivate %lld "
	    "pgdeactivate %lld; swap used %lld kB", what,
	    smu_read_key(path, "pgscan"), smu_read_key(path, "pgsteal"),
	    smu_read_key(path, "pgactivate"),
	    smu_read_key(path, "pgdeactivate"), smu_swap_used_kb());

	/* Coherence: reclaim unmapped what it swapped out. */
	EXPECT_EQ(0, c->mapped_swapped)
		TH_LOG("%ld swapped-out pages still have an SPTE",
		       c->mapped_swapped);
	/* Something was reclaimed at all (else the comparison is empty). */
	EXPECT_LT(0, (long)NPAGES - c->hot_kept - c->cold_kept)
		TH_LOG("nothing was reclaimed");
	/* The property: vCPU-hot pages are kept, cold ones go. */
	EXPECT_GT(c->hot_kept, c->cold_kept + (long)HOT / 4)
		TH_LOG("hot kept %ld, cold kept %ld: reclaim did not see the "
		       "vCPU accesses", c->hot_kept, c->cold_kept);
	/* ... and it was secmmu that told reclaim. */
	EXPECT_LT(0, smu_delta(st0, &st1, SECMMU_STAT_AGE_CLEAR_FLUSH_YOUNG) +
		     smu_delta(st0, &st1, SECMMU_STAT_AGE_CLEAR_YOUNG) +
		     smu_delta(st0, &st1, SECMMU_STAT_AGE_TEST_YOUNG))
		TH_LOG("no aging hook was called");
	EXPECT_LT(0, smu_delta(st0, &st1, SECMMU_STAT_AGE_YOUNG))
		TH_LOG("the aging hooks never answered young");
}

/* Every byte, through the vCPU (swapping back in) and the process. */
static void verify(struct __test_metadata *_metadata, struct smu_env *e)
{
	char *buf = malloc(CHUNK);
	size_t off;
	long bad;

	ASSERT_NE(NULL, buf);
	for (off = 0; off < SIZE; off += CHUNK) {
		smu_t_rw(_metadata, e->vcpu, 0, SMU_GPA(GFN) + off, buf, CHUNK,
			 false);
		bad = smu_check_off(buf, CHUNK, SEED, off);
		ASSERT_EQ(-1, bad) TH_LOG("vCPU: byte 0x%lx", off + bad);
	}
	free(buf);
	bad = smu_check(e->mem, SIZE, SEED);
	ASSERT_EQ(-1, bad) TH_LOG("process: byte 0x%lx", bad);
}

TEST_F_TIMEOUT(reclaim, memcg_reclaim, 600)
{
	char path[160], val[64] = "";
	struct counts c;
	const char *why = cant_reclaim();
	int i, ret, again = 0;
	FILE *f;

	if (why)
		SKIP(return, "%s", why);
	/* Which LRU the kernel runs (informational). */
	f = fopen(SMU_LRU_GEN_ENABLED, "re");
	if (f) {
		if (!fgets(val, sizeof(val), f))
			val[0] = 0;
		fclose(f);
		val[strcspn(val, "\n")] = 0;
	}
	msg("kernel LRU: %s", val[0] ? (strtoul(val, NULL, 0) ? "MGLRU" :
					"classic (MGLRU off)") :
	    "classic (no MGLRU)");

	setup_memory(_metadata, self);
	snprintf(path, sizeof(path), "%s/memory.reclaim", self->cg);
	if (access(path, W_OK))
		SKIP(return, "no memory.reclaim in this kernel");

	for (i = 0; i < RECLAIM_ROUNDS; i++) {
		long resident;

		touch_hot(_metadata, &self->e);
		ret = smu_write_file(path, RECLAIM_BYTES);
		/* -EAGAIN: less than asked could be reclaimed. */
		if (ret == -EAGAIN)
			again++;
		else
			ASSERT_EQ(0, ret) TH_LOG("memory.reclaim: %s",
						 strerror(-ret));
		resident = smu_resident(self->e.mem, NPAGES, NULL);
		ASSERT_LE(0, resident);
		if ((long)NPAGES - resident >= (long)RECLAIM_TARGET) {
			i++;
			break;
		}
	}
	measure(_metadata, self, &c);
	msg("memory.reclaim: %d rounds of %s (%d short with EAGAIN)", i,
	    RECLAIM_BYTES, again);
	report(_metadata, self, "memory.reclaim", &c);
	verify(_metadata, &self->e);
}

static int find_memcg(struct __test_metadata *_metadata,
		      FIXTURE_DATA(reclaim) *self, struct smu_lru_memcg *m)
{
	int id = smu_lru_gen_find(self->cg_rel, m);

	if (id < 0)
		TH_LOG("%s not in %s: %s", self->cg_rel, SMU_LRU_GEN,
		       strerror(-id));
	return id;
}

static void log_gens(const char *what, const struct smu_lru_memcg *m)
{
	int n, g;

	for (n = 0; n < m->nr_nodes; n++) {
		const struct smu_lru_node *nd = &m->node[n];
		char line[256];
		size_t pos = 0;

		for (g = 0; g < nd->nr_gens && pos < sizeof(line); g++)
			pos += snprintf(line + pos, sizeof(line) - pos,
					" %lu:%lu", nd->seq[g], nd->anon[g]);
		msg("%s: memcg %d node %d gens (seq:anon)%s", what, m->id,
		    nd->nid, nd->nr_gens ? line : " none");
	}
}

TEST_F_TIMEOUT(reclaim, mglru_debugfs, 600)
{
	struct smu_lru_memcg m;
	struct counts c;
	const char *why = cant_reclaim();
	char val[32] = "";
	int r, n, ret, id;
	long evict_cmds = 0;
	FILE *f;

	if (why)
		SKIP(return, "%s", why);
	if (access(SMU_LRU_GEN, W_OK))
		SKIP(return, "no %s (kernel without CONFIG_LRU_GEN or no "
		     "debugfs)", SMU_LRU_GEN);
	f = fopen(SMU_LRU_GEN_ENABLED, "re");
	if (!f)
		SKIP(return, "no %s", SMU_LRU_GEN_ENABLED);
	if (!fgets(val, sizeof(val), f))
		val[0] = 0;
	fclose(f);
	val[strcspn(val, "\n")] = 0;
	if (!strtoul(val, NULL, 0)) {
		snprintf(self->lru_gen_saved, sizeof(self->lru_gen_saved),
			 "%s", val);
		ret = smu_write_file(SMU_LRU_GEN_ENABLED, "y");
		if (ret)
			SKIP(return, "MGLRU is off and enabling it failed: %s",
			     strerror(-ret));
		self->lru_gen_changed = true;
		msg("MGLRU was off (%s): enabled it for this test", val);
	} else {
		msg("MGLRU on (%s)", val);
	}

	setup_memory(_metadata, self);
	id = find_memcg(_metadata, self, &m);
	ASSERT_LE(0, id);
	log_gens("start", &m);

	for (r = 0; r < MGLRU_ROUNDS; r++) {
		touch_hot(_metadata, &self->e);
		/* Age: a new youngest generation; the walk promotes young pages. */
		ASSERT_LE(0, find_memcg(_metadata, self, &m));
		for (n = 0; n < m.nr_nodes; n++) {
			const struct smu_lru_node *nd = &m.node[n];

			if (!nd->nr_gens)
				continue;
			ret = smu_lru_gen_cmd("+ %d %d %lu 1 1", id, nd->nid,
					      nd->seq[nd->nr_gens - 1]);
			ASSERT_EQ(0, ret) TH_LOG("aging node %d seq %lu: %s",
						 nd->nid,
						 nd->seq[nd->nr_gens - 1],
						 strerror(-ret));
		}
		/* Evict what is older than the two youngest generations. */
		ASSERT_LE(0, find_memcg(_metadata, self, &m));
		for (n = 0; n < m.nr_nodes; n++) {
			const struct smu_lru_node *nd = &m.node[n];
			unsigned long max;

			if (nd->nr_gens < 3)
				continue;
			max = nd->seq[nd->nr_gens - 1];
			ret = smu_lru_gen_cmd("- %d %d %lu 200 %d", id,
					      nd->nid, max - 2, MGLRU_EVICT);
			ASSERT_EQ(0, ret) TH_LOG("evicting node %d seq %lu: %s",
						 nd->nid, max - 2,
						 strerror(-ret));
			evict_cmds++;
		}
	}
	measure(_metadata, self, &c);
	ASSERT_LE(0, find_memcg(_metadata, self, &m));
	log_gens("end", &m);
	msg("lru_gen: %d rounds of aging, %ld evictions of up to %d pages",
	    MGLRU_ROUNDS, evict_cmds, MGLRU_EVICT);
	report(_metadata, self, "lru_gen", &c);
	verify(_metadata, &self->e);
}

TEST_HARNESS_MAIN
