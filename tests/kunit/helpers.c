// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the secmmu KUnit suites. */
#include <kunit/resource.h>
#include <linux/kthread.h>
#include <linux/slab.h>

#include "mmu.h"
#include "pgtable.h"
#include "rmap.h"
#include "secmmu_kunit.h"
#include "vcpu.h"

KUNIT_DEFINE_ACTION_WRAPPER(bare_vm_free, secmmu_vm_free, struct secmmu_vm *);

struct secmmu_vm *secmmu_kunit_bare_vm(struct kunit *test)
{
	struct secmmu_vm *vm = secmmu_vm_alloc();

	KUNIT_ASSERT_NOT_NULL(test, vm);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, bare_vm_free, vm));
	return vm;
}

struct secmmu_vcpu *secmmu_kunit_vcpu(struct kunit *test, struct secmmu_vm *vm)
{
	struct secmmu_vcpu *vcpu;

	mutex_lock(&vm->slots_lock);
	vcpu = secmmu_vcpu_create(vm, 0);
	if (vcpu)
		secmmu_vcpu_publish(vcpu);
	mutex_unlock(&vm->slots_lock);
	KUNIT_ASSERT_NOT_NULL(test, vcpu);
	return vcpu;
}

int secmmu_kunit_mmu_install(struct secmmu_vm *vm, u32 view, u64 gfn, u64 pfn,
			     bool writable, struct secmmu_pt_cache *cache,
			     unsigned long *head, bool shared)
{
	struct secmmu_map m = { .view = view, .gfn = gfn, .pfn = pfn, .level = 1,
				.writable = writable, .head = head };

	return secmmu_mmu_map(vm, &m, cache, shared);
}

static void install(struct kunit *test, struct secmmu_vm *vm, u32 view,
		    u64 gfn, u64 pfn, unsigned long *head)
{
	struct secmmu_pt_cache cache = {};
	int ret;

	KUNIT_ASSERT_EQ(test, 0, secmmu_pt_cache_topup(vm, &cache));
	read_lock(&vm->mmu_lock);
	ret = secmmu_kunit_mmu_install(vm, view, gfn, pfn, false, &cache, head, true);
	read_unlock(&vm->mmu_lock);
	secmmu_pt_cache_free(vm, &cache);
	KUNIT_ASSERT_EQ(test, 0, ret);
}

void secmmu_kunit_install(struct kunit *test, struct secmmu_vm *vm, u32 view,
			  u64 gfn, u64 pfn)
{
	install(test, vm, view, gfn, pfn, NULL);
}

struct secmmu_vm *secmmu_kunit_slot_vm(struct kunit *test, u64 npages, u32 mode)
{
	struct secmmu_vm *vm = secmmu_kunit_bare_vm(test);
	struct secmmu_layout *l = rcu_dereference_protected(vm->layout, true);
	struct secmmu_view_range r = { .view_gfn = 0, .npages = npages };
	u32 v;

	vm->rmap_mode = mode;
	l->slots[0] = (struct secmmu_slot){ .base_gfn = 0, .npages = npages,
					    .hva = 0x100000 };
	l->slots_ever_used |= BIT(0);
	if (mode != SECMMU_RMAP_TABLE_WALK) {	/* no rmap there, as in vm.c */
		l->slots[0].rmap = kvcalloc(npages, sizeof(unsigned long),
					    GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, l->slots[0].rmap);
	}
	for (v = 1; v < SECMMU_MAX_VIEWS; v++)
		secmmu_view_insert(&l->views[v], &r);
	return vm;
}

unsigned long *secmmu_kunit_head(struct secmmu_vm *vm, u64 gfn)
{
	return secmmu_rmap_head(rcu_dereference_protected(vm->layout, true), gfn);
}

void secmmu_kunit_map(struct kunit *test, struct secmmu_vm *vm, u32 view,
		      u64 gfn, u64 pfn)
{
	install(test, vm, view, gfn, pfn, secmmu_kunit_head(vm, gfn));
}

bool secmmu_kunit_zap(struct secmmu_vm *vm, u32 view, u64 start, u64 end,
		      bool free_tables)
{
	bool flush;

	write_lock(&vm->mmu_lock);
	flush = secmmu_zap_view_range(vm, secmmu_layout_locked(vm), view, start,
				      end, free_tables);
	write_unlock(&vm->mmu_lock);
	return flush;
}

/*
 * The two-CPU race (secmmu_kunit_race_start()).  @round is written by the
 * test thread only, @done and @errors by the racers; @t[] is set before a
 * racer is woken and read by race_stop(), in the test thread or in the
 * KUnit cleanup after it.
 */
struct secmmu_kunit_race {
	struct secmmu_vm *vm;
	secmmu_kunit_race_fn fn;
	struct task_struct *t[2];
	int round;			/* bumped by the test: go */
	atomic_t done;			/* racers finished this round */
	atomic_t errors;		/* summed results of @fn */
};

/* Each round: @fn once, with this racer's table cache. */
static int racer(void *arg)
{
	struct secmmu_kunit_race *r = arg;
	struct secmmu_pt_cache cache = {};
	int seen = 0;

	while (!kthread_should_stop()) {
		if (READ_ONCE(r->round) == seen) {
			cond_resched();
			continue;
		}
		seen = READ_ONCE(r->round);
		atomic_add(r->fn(r->vm, &cache), &r->errors);
		atomic_inc(&r->done);
	}
	secmmu_pt_cache_free(r->vm, &cache);
	return 0;
}

/* Stop the racers started so far (each finishes its round first). */
static void race_stop(void *arg)
{
	struct secmmu_kunit_race *r = arg;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(r->t); i++) {
		if (r->t[i])
			kthread_stop(r->t[i]);
		r->t[i] = NULL;
	}
}

struct secmmu_kunit_race *secmmu_kunit_race_start(struct kunit *test,
						  struct secmmu_vm *vm,
						  secmmu_kunit_race_fn fn,
						  const char *name)
{
	struct secmmu_kunit_race *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->vm = vm;
	r->fn = fn;
	/* Registered after @r's allocation: run (LIFO) before it is freed. */
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, race_stop, r));
	for (i = 0; i < ARRAY_SIZE(r->t); i++) {
		struct task_struct *t = kthread_create(racer, r, "%s/%u", name, i);

		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
		if (num_online_cpus() > 1)
			kthread_bind(t, i);
		r->t[i] = t;
		wake_up_process(t);
	}
	return r;
}

void secmmu_kunit_race_round(struct secmmu_kunit_race *r)
{
	atomic_set(&r->done, 0);
	WRITE_ONCE(r->round, READ_ONCE(r->round) + 1);
}

bool secmmu_kunit_race_busy(struct secmmu_kunit_race *r)
{
	return atomic_read(&r->done) < ARRAY_SIZE(r->t);
}

unsigned int secmmu_kunit_race_errors(struct secmmu_kunit_race *r)
{
	return atomic_read(&r->errors);
}

void secmmu_kunit_race_stop(struct kunit *test, struct secmmu_kunit_race *r)
{
	kunit_release_action(test, race_stop, r);
}
