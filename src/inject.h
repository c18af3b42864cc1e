/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault injection, for tests: reach the windows that a zap's yield and a
 * lost SPTE cmpxchg open, and the error paths of failed allocations.  All
 * off by default; module parameters (inject.c, README "Fault injection")
 * turn each point on, at load or at run time through
 * /sys/module/secmmu/parameters/:
 *
 *   inject_zap_yield=N    a zap that may yield (SECMMU_ZAP_YIELD) drops
 *                         mmu_lock at every check once N leaves went since
 *                         its last yield (1: after every leaf), whether or
 *                         not anyone waits for the lock or the CPU
 *   inject_cmpxchg_pct=P  P% (0-99) of SPTE cmpxchgs but aging's fail as if
 *                         a racer had won: *old is reloaded, the entry left
 *                         as it is, and the caller's retry runs (a fault's
 *                         leaf or table install, a vCPU's A/D update and
 *                         dirty fast path, write protection, the KEEP mark
 *                         all try again)
 *   inject_age_pct=P      P% (0-100) of aging's A-bit clears fail the same
 *                         way: the leaf is answered young and keeps A, as
 *                         when a vCPU set A/D meanwhile (so tests that age
 *                         with no vCPU running and expect exact answers
 *                         fail: age_test, age_exact_test, huge_test's and
 *                         rmap_test's aging cases)
 *   inject_alloc_pct=P    P% (0-100) of the VM's allocations fail
 *   inject_alloc_nth=N    the Nth allocation after the write fails (once)
 *
 * Decisions are deterministic: a Weyl sequence (the count of decisions
 * times the golden ratio) per point, no random state.  Every injected
 * event is counted; <debugfs>/secmmu/inject shows "name value events" per
 * point, so a run can prove that injection happened (scripts/initramfs-init
 * fails one that asked for it and saw none).
 *
 * Off, each point costs one static branch (a nop): the key is on only
 * while some parameter is non-zero.
 */
#ifndef _SECMMU_INJECT_H
#define _SECMMU_INJECT_H

#include <linux/atomic.h>
#include <linux/compiler.h>
#include <linux/jump_label.h>
#include <linux/types.h>

DECLARE_STATIC_KEY_FALSE(secmmu_inject_on);

bool __secmmu_inject_zap_yield(unsigned int work);
bool __secmmu_inject_cmpxchg(void);
bool __secmmu_inject_age(void);
bool __secmmu_inject_alloc(void);

void secmmu_inject_init(void);
void secmmu_inject_exit(void);

#if IS_ENABLED(CONFIG_SECMMU_KUNIT_TEST)
/* For KUnit: set parameter @name as its setter does; its events. */
int secmmu_inject_set(const char *name, const char *val);
u64 secmmu_inject_events(const char *name);
#endif

/* True when a zap that zapped @work leaves since its last yield must yield. */
static __always_inline bool secmmu_inject_zap_yield(unsigned int work)
{
	return static_branch_unlikely(&secmmu_inject_on) &&
	       __secmmu_inject_zap_yield(work);
}

/* True when this allocation must fail. */
static __always_inline bool secmmu_inject_alloc_fail(void)
{
	return static_branch_unlikely(&secmmu_inject_on) && __secmmu_inject_alloc();
}

/* @expr, an allocation returning a pointer, or NULL when injection says so. */
#define secmmu_inject_alloc(expr)	(secmmu_inject_alloc_fail() ? NULL : (expr))

/*
 * Every cmpxchg of an SPTE goes through these: try_cmpxchg64() (or its
 * release form), or a failure as if a racer had changed the entry.
 */
static __always_inline bool secmmu_spte_try_cmpxchg(u64 *sptep, u64 *old, u64 new)
{
	if (static_branch_unlikely(&secmmu_inject_on) && __secmmu_inject_cmpxchg()) {
		*old = READ_ONCE(*sptep);
		return false;
	}
	return try_cmpxchg64(sptep, old, new);
}

static __always_inline bool
secmmu_spte_try_cmpxchg_release(u64 *sptep, u64 *old, u64 new)
{
	if (static_branch_unlikely(&secmmu_inject_on) && __secmmu_inject_cmpxchg()) {
		*old = READ_ONCE(*sptep);
		return false;
	}
	return try_cmpxchg64_release(sptep, old, new);
}

/* Aging's A-bit clear (aging.c): its own point, inject_age_pct. */
static __always_inline bool secmmu_age_try_cmpxchg(u64 *sptep, u64 *old, u64 new)
{
	if (static_branch_unlikely(&secmmu_inject_on) && __secmmu_inject_age()) {
		*old = READ_ONCE(*sptep);
		return false;
	}
	return try_cmpxchg64(sptep, old, new);
}

#endif /* _SECMMU_INJECT_H */
