// SPDX-License-Identifier: GPL-2.0
/*
 * secmmu-demo: rmap modes and SECMMU_AGE.
 *
 * One fresh VM per rmap mode (SECMMU_ENABLE_CAP before the memslot), the
 * same 16 pages and the same accesses in each: view 0 maps all of them,
 * view 1 aliases pages 4-7, so those gfns have two SPTEs.  TEST / CLEAR /
 * TEST answer the same in every mode; FAST_ONLY shows what the mode can
 * answer without mmu_lock: nothing in LOCKED, the single-SPTE gfns in
 * SINGLE_LOCKLESS, everything in LOCK_BIT.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "demo.h"

#define NPAGES		16
#define GFN		0x200
#define ALIAS		4		/* pages ALIAS.. are aliased */
#define NALIAS		4
#define VIEW		1
#define VGFN		0x1000		/* view 1 gfn of page ALIAS */
#define NTOUCHED	14		/* pages 14, 15 stay unmapped */

#define MASK(n)		((1ULL << (n)) - 1)
#define M_MAPPED	MASK(NTOUCHED)
#define M_MULTI		(MASK(NALIAS) << ALIAS)
#define M_SINGLE	(M_MAPPED & ~M_MULTI)

/* Read again after the CLEAR; page 5 through its alias. */
static const unsigned int again[] = { 1, 5, 6, 9 };
#define M_AGAIN		(1ULL << 1 | 1ULL << 5 | 1ULL << 6 | 1ULL << 9)

static const char * const mode_name[SECMMU_RMAP_NR_MODES] = {
	[SECMMU_RMAP_LOCKED]		= "LOCKED",
	[SECMMU_RMAP_SINGLE_LOCKLESS]	= "SINGLE_LOCKLESS",
	[SECMMU_RMAP_LOCK_BIT]		= "LOCK_BIT",
	[SECMMU_RMAP_TABLE_WALK]	= "TABLE_WALK",
};

static const enum secmmu_stat rmap_ids[] = {
	SECMMU_STAT_RMAP_LOCKLESS, SECMMU_STAT_RMAP_MULTI_SKIPPED,
	SECMMU_STAT_RMAP_LOCK_FALLBACKS, SECMMU_STAT_RMAP_BIT_LOCKS,
	SECMMU_STAT_AGE_PAGES, SECMMU_STAT_AGE_YOUNG,
};

/* One 8-byte read of page @i through @view. */
static int touch(int vcpu, unsigned int view, unsigned int i)
{
	__u64 gfn = view ? VGFN + i - ALIAS : GFN + i, v;

	return smu_read(vcpu, view, SMU_GPA(gfn), &v, sizeof(v), NULL);
}

/*
 * SECMMU_AGE over the 16 pages; check young (and fast failed) exactly and
 * print them as a page map.  Returns the fast-failed bitmap.
 */
static __u64 age(int vm, __u32 flags, __u64 want_young, __u64 want_failed,
		 const char *what)
{
	__u64 young = ~0ULL, failed = ~0ULL;
	struct secmmu_age a;
	char m[NPAGES + 1], f[NPAGES + 1];
	bool fast = flags & SECMMU_AGE_FAST_ONLY;
	int ret;

	ret = smu_age(vm, flags, GFN, NPAGES, &young, &failed, &a);
	if (ret) {
		check(false, "%-22s %s", what, strerror(-ret));
		return 0;
	}
	young &= MASK(NPAGES);
	failed &= MASK(NPAGES);
	if (!fast)
		failed = 0;
	check(young == want_young && a.nr_young == (__u64)
	      __builtin_popcountll(want_young) && failed == want_failed &&
	      a.nr_fast_failed == (__u64)__builtin_popcountll(want_failed),
	      "%-22s %s  young %llu%s%s", what,
	      page_map(m, young, NPAGES, 'Y'), (unsigned long long)a.nr_young,
	      fast ? ", fast failed " : "",
	      fast ? page_map(f, failed, NPAGES, 'F') : "");
	if (young != want_young)
		printf("         %-22s %s  (expected young)\n", "",
		       page_map(m, want_young, NPAGES, 'Y'));
	if (failed != want_failed)
		printf("         %-22s %s  (expected fast failed)\n", "",
		       page_map(m, want_failed, NPAGES, 'F'));
	return failed;
}

/* The rmap counters of one walk over the NTOUCHED mapped pages. */
static void expect_walk(__u32 mode, bool fast, const struct secmmu_stats *s0,
			const struct secmmu_stats *s1)
{
	__u64 lockless = delta(s0, s1, SECMMU_STAT_RMAP_LOCKLESS);
	__u64 skipped = delta(s0, s1, SECMMU_STAT_RMAP_MULTI_SKIPPED);
	__u64 fallbacks = delta(s0, s1, SECMMU_STAT_RMAP_LOCK_FALLBACKS);
	__u64 bit_locks = delta(s0, s1, SECMMU_STAT_RMAP_BIT_LOCKS);
	unsigned int nsingle = __builtin_popcountll(M_SINGLE);
	bool ok;

	show_deltas(s0, s1, rmap_ids, ARRAY_SIZE(rmap_ids));
	switch (mode) {
	case SECMMU_RMAP_LOCKED:
		ok = !lockless && !bit_locks;
		check(ok, "%s: no lockless walk, no lock bit (all under "
		      "mmu_lock)", fast ? "fast" : "plain");
		break;
	case SECMMU_RMAP_SINGLE_LOCKLESS:
		ok = lockless == nsingle && !bit_locks &&
		     skipped == (fast ? NALIAS : 0) &&
		     fallbacks == (fast ? 0 : NALIAS);
		check(ok, "%s: %u single-SPTE gfns lockless, the %u aliased "
		      "%s", fast ? "fast" : "plain", nsingle, NALIAS,
		      fast ? "skipped" : "under mmu_lock");
		break;
	case SECMMU_RMAP_TABLE_WALK:
		ok = !lockless && !bit_locks && !skipped && !fallbacks;
		check(ok, "%s: no rmap walk at all (each view's table is "
		      "walked, lockless)", fast ? "fast" : "plain");
		break;
	default:
		ok = lockless + bit_locks == NTOUCHED && bit_locks >= NALIAS &&
		     !skipped && !fallbacks;
		check(ok, "%s: every mapped gfn lockless or under its lock bit "
		      "(aliased ones under the bit)", fast ? "fast" : "plain");
		break;
	}
}

static void age_mode(__u32 mode, __u64 *fast_failed)
{
	__u64 want_failed, want_young, sptes = 0;
	struct secmmu_stats s0, s1;
	int vm, vcpu = -1, ret;
	unsigned int i;
	char *mem;

	printf("\n  -- SECMMU_RMAP_%s --\n", mode_name[mode]);
	vm = smu_open_vm();
	if (vm < 0) {
		check(false, "open %s: %s", SMU_DEV_PATH, strerror(-vm));
		return;
	}
	mem = smu_mmap_anon(NPAGES * PAGE);
	if (mem == MAP_FAILED) {
		check(false, "mmap: %s", strerror(errno));
		close(vm);
		return;
	}
	for (i = 0; i < NPAGES; i++)
		snprintf(mem + i * PAGE, 32, "page %u", i);
	ret = smu_enable_cap(vm, SECMMU_CAP_RMAP_MODE, mode);
	ret = ret ?: smu_set_memslot(vm, 0, 0, GFN, NPAGES, mem);
	ret = ret ?: smu_set_view(vm, VIEW, VGFN, NALIAS, GFN + ALIAS);
	if (!ret) {
		vcpu = smu_create_vcpu(vm, 0);
		ret = vcpu < 0 ? vcpu : 0;
	}
	for (i = 0; !ret && i < NTOUCHED; i++)
		ret = touch(vcpu, 0, i);
	for (i = ALIAS; !ret && i < ALIAS + NALIAS; i++)
		ret = touch(vcpu, VIEW, i);
	check(!ret && smu_check_cap(vm, SECMMU_CAP_RMAP_MODE) == (int)mode &&
	      smu_stat(vm, SECMMU_STAT_MAPPED) == NTOUCHED + NALIAS,
	      "mode %s set, %u SPTEs after the reads%s", mode_name[mode],
	      NTOUCHED + NALIAS, err_sfx(ret));
	if (ret)
		goto out;

	printf("  %-29s 0123456789abcdef\n", "page");
	for (i = 0; i < NPAGES; i++)
		sptes |= (__u64)(!!(smu_spte_flags(vm, 0, GFN + i) &
				     SECMMU_SPTE_PRESENT) +
			 (i >= ALIAS && i < ALIAS + NALIAS &&
			  smu_spte_flags(vm, VIEW, VGFN + i - ALIAS) &
			  SECMMU_SPTE_PRESENT)) << (2 * i);
	printf("  %-29s ", "SPTEs (views 0 + 1)");
	for (i = 0; i < NPAGES; i++)
		putchar(sptes >> (2 * i) & 3 ? '0' + (sptes >> (2 * i) & 3) :
			'.');
	printf("\n");

	age(vm, SECMMU_AGE_TEST, M_MAPPED, 0, "TEST (fresh: young)");
	age(vm, SECMMU_AGE_CLEAR, M_MAPPED, 0, "CLEAR");
	age(vm, SECMMU_AGE_TEST, 0, 0, "TEST");
	for (i = 0; !ret && i < ARRAY_SIZE(again); i++)
		ret = touch(vcpu, again[i] == 5 ? VIEW : 0, again[i]);
	check(!ret, "vCPU reads pages 1, 5 (through view 1), 6, 9");

	smu_get_stats(vm, &s0);
	age(vm, SECMMU_AGE_TEST, M_AGAIN, 0, "TEST");
	smu_get_stats(vm, &s1);
	expect_walk(mode, false, &s0, &s1);

	switch (mode) {
	case SECMMU_RMAP_LOCKED:
		want_failed = M_MAPPED;
		break;
	case SECMMU_RMAP_SINGLE_LOCKLESS:
		want_failed = M_MULTI;
		break;
	default:
		want_failed = 0;
		break;
	}
	want_young = M_AGAIN & ~want_failed;
	smu_get_stats(vm, &s0);
	*fast_failed = age(vm, SECMMU_AGE_TEST | SECMMU_AGE_FAST_ONLY,
			   want_young, want_failed, "TEST|FAST_ONLY");
	smu_get_stats(vm, &s1);
	expect_walk(mode, true, &s0, &s1);
	age(vm, SECMMU_AGE_CLEAR | SECMMU_AGE_FAST_ONLY, want_young,
	    want_failed, "CLEAR|FAST_ONLY");
	/* Fast-failed pages were not aged: exactly they stay young. */
	age(vm, SECMMU_AGE_TEST, M_AGAIN & want_failed,
	    0, "TEST (failed not aged)");
out:
	if (vcpu >= 0)
		close(vcpu);
	close(vm);
	munmap(mem, NPAGES * PAGE);
}

void demo_aging(void)
{
	__u64 failed[SECMMU_RMAP_NR_MODES] = { 0 };
	char m[NPAGES + 1];
	int vm, modes, max;
	__u32 mode;

	section("rmap modes and aging (SECMMU_AGE)");
	vm = smu_open_vm();
	if (vm < 0) {
		check(false, "open %s: %s", SMU_DEV_PATH, strerror(-vm));
		return;
	}
	modes = smu_check_cap(vm, SECMMU_CAP_RMAP_MODES);
	max = smu_check_cap(vm, SECMMU_CAP_AGE);
	check(modes == (1 << SECMMU_RMAP_NR_MODES) - 1 &&
	      smu_check_cap(vm, SECMMU_CAP_RMAP_MODE) == SECMMU_RMAP_LOCKED,
	      "modes 0x%x (LOCKED, SINGLE_LOCKLESS, LOCK_BIT, TABLE_WALK), "
	      "default LOCKED; SECMMU_AGE up to %d pages", modes, max);
	close(vm);
	printf("  a fresh VM per mode: memslot 0 = 16 pages at gfn 0x%x, view %u "
	       "gfn 0x%x.. aliases\n  pages %u-%u (2 SPTEs each); the vCPU "
	       "reads pages 0-%u, 14-15 stay unmapped.\n", GFN, VIEW, VGFN,
	       ALIAS, ALIAS + NALIAS - 1, NTOUCHED - 1);
	printf("  Y = young, F = fast failed (FAST_ONLY could not answer "
	       "without mmu_lock)\n");

	for (mode = 0; mode < SECMMU_RMAP_NR_MODES; mode++)
		age_mode(mode, &failed[mode]);

	printf("\n  FAST_ONLY, fast failed per mode   0123456789abcdef\n");
	for (mode = 0; mode < SECMMU_RMAP_NR_MODES; mode++)
		printf("  %-33s %s  %d\n", mode_name[mode],
		       page_map(m, failed[mode], NPAGES, 'F'),
		       __builtin_popcountll(failed[mode]));
}
