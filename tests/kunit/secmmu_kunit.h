/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the secmmu KUnit suites. */
#ifndef _SECMMU_KUNIT_H
#define _SECMMU_KUNIT_H

#include <kunit/test.h>

#include "vm.h"

/* A VM with no mm (tables, layout, stats only), freed when the test ends. */
struct secmmu_vm *secmmu_kunit_bare_vm(struct kunit *test);

/* vCPU 0 of @vm, created and published as the ioctl does (slots_lock). */
struct secmmu_vcpu *secmmu_kunit_vcpu(struct kunit *test, struct secmmu_vm *vm);

/*
 * A bare VM whose layout has memslot 0 = gfns [0, @npages) (with its rmap,
 * at a made-up hva: nothing faults) and views 1..SECMMU_MAX_VIEWS-1 each
 * aliasing those gfns at the same view gfns.
 */
struct secmmu_vm *secmmu_kunit_slot_vm(struct kunit *test, u64 npages, u32 mode);

/* The rmap head of gfn @gfn in such a VM. */
unsigned long *secmmu_kunit_head(struct secmmu_vm *vm, u64 gfn);

/* Install a clean leaf in a slot VM, with its rmap entry. */
void secmmu_kunit_map(struct kunit *test, struct secmmu_vm *vm, u32 view,
		      u64 gfn, u64 pfn);

/* secmmu_mmu_map() of a 4 KiB leaf (no layout: no leaf in the way). */
int secmmu_kunit_mmu_install(struct secmmu_vm *vm, u32 view, u64 gfn, u64 pfn,
			     bool writable, struct secmmu_pt_cache *cache,
			     unsigned long *head, bool shared);

/* Install a read-only leaf (clean: zapping it never touches the page). */
void secmmu_kunit_install(struct kunit *test, struct secmmu_vm *vm, u32 view,
			  u64 gfn, u64 pfn);

/* Zap under mmu_lock; returns whether a flush is owed. */
bool secmmu_kunit_zap(struct secmmu_vm *vm, u32 view, u64 start, u64 end,
		      bool free_tables);

/*
 * Two-CPU race: two kthreads (bound to CPUs 0 and 1 when there are two)
 * each run @fn once per round, with a table cache of their own (freed when
 * they stop), while the test thread does its part.  @fn returns the number
 * of its calls that failed.  The racers are stopped by
 * secmmu_kunit_race_stop() or, when an assertion ends the test first, by
 * a KUnit action; either way before @vm is freed.
 *
 *	r = secmmu_kunit_race_start(test, vm, fn, "secmmu-x");
 *	while (...) {
 *		secmmu_kunit_race_round(r);
 *		while (secmmu_kunit_race_busy(r))
 *			(race them);
 *		(check the round);
 *	}
 *	secmmu_kunit_race_stop(test, r);
 */
struct secmmu_kunit_race;
struct secmmu_pt_cache;
typedef unsigned int (*secmmu_kunit_race_fn)(struct secmmu_vm *vm,
					     struct secmmu_pt_cache *cache);

struct secmmu_kunit_race *secmmu_kunit_race_start(struct kunit *test,
						  struct secmmu_vm *vm,
						  secmmu_kunit_race_fn fn,
						  const char *name);
/* Start a round: each racer runs @fn once. */
void secmmu_kunit_race_round(struct secmmu_kunit_race *r);
/* Is a racer still in this round? */
bool secmmu_kunit_race_busy(struct secmmu_kunit_race *r);
/* Failed calls of @fn so far, summed over the rounds and racers. */
unsigned int secmmu_kunit_race_errors(struct secmmu_kunit_race *r);
/* Stop the racers now (they finish their round first). */
void secmmu_kunit_race_stop(struct kunit *test, struct secmmu_kunit_race *r);

#endif /* _SECMMU_KUNIT_H */
