// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection points (inject.h has what each does).  A point's value
 * is written by its module parameter's setter, which the kernel serialises
 * (kernel_param_lock, or the single-threaded parse at load), and read
 * without a lock by the hot paths; its decision count and its events are
 * atomics.
 */
#include <linux/debugfs.h>
#include <linux/hash.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/moduleparam.h>
#include <linux/seq_file.h>

#include "inject.h"

DEFINE_STATIC_KEY_FALSE(secmmu_inject_on);

struct inject_point {
	const char *name;	/* its module parameter */
	unsigned int max;	/* largest value the parameter takes */
	unsigned int val;	/* the parameter; 0: off */
	u64 thresh;		/* percentages: val% of 2^32 */
	atomic_t seq;		/* decisions taken since val was written */
	atomic64_t events;	/* injected events since load */
};

enum { INJ_ZAP_YIELD, INJ_CMPXCHG, INJ_AGE, INJ_ALLOC_PCT, INJ_ALLOC_NTH, INJ_NR };

static struct inject_point points[INJ_NR] = {
	[INJ_ZAP_YIELD] = { .name = "inject_zap_yield", .max = UINT_MAX },
	/* 100% would make the retry loops spin for ever. */
	[INJ_CMPXCHG]   = { .name = "inject_cmpxchg_pct", .max = 99 },
	[INJ_AGE]       = { .name = "inject_age_pct", .max = 100 },
	[INJ_ALLOC_PCT] = { .name = "inject_alloc_pct", .max = 100 },
	[INJ_ALLOC_NTH] = { .name = "inject_alloc_nth", .max = UINT_MAX },
};

static bool hit(struct inject_point *p)
{
	atomic64_inc(&p->events);
	return true;
}

/* The point's next decision: true for val% of them, evenly spread. */
static bool weyl(struct inject_point *p)
{
	u32 n;

	if (!READ_ONCE(p->val))
		return false;
	n = atomic_inc_return(&p->seq);
	return (u32)(n * GOLDEN_RATIO_32) < READ_ONCE(p->thresh) && hit(p);
}

bool __secmmu_inject_zap_yield(unsigned int work)
{
	struct inject_point *p = &points[INJ_ZAP_YIELD];
	unsigned int n = READ_ONCE(p->val);

	return n && work >= n && hit(p);
}

bool __secmmu_inject_cmpxchg(void)
{
	return weyl(&points[INJ_CMPXCHG]);
}

bool __secmmu_inject_age(void)
{
	return weyl(&points[INJ_AGE]);
}

bool __secmmu_inject_alloc(void)
{
	struct inject_point *p = &points[INJ_ALLOC_NTH];
	unsigned int n = READ_ONCE(p->val);

	if (n && (u32)atomic_inc_return(&p->seq) == n)
		return hit(p);
	return weyl(&points[INJ_ALLOC_PCT]);
}

static int inject_set(const char *val, const struct kernel_param *kp)
{
	struct inject_point *p = kp->arg;
	bool on = false;
	unsigned int v;
	int i, ret;

	ret = kstrtouint(val, 0, &v);
	if (ret)
		return ret;
	if (v > p->max)
		return -EINVAL;
	atomic_set(&p->seq, 0);
	WRITE_ONCE(p->thresh, div_u64((u64)v << 32, 100));
	WRITE_ONCE(p->val, v);
	for (i = 0; i < INJ_NR; i++)
		on |= READ_ONCE(points[i].val) != 0;
	if (on)
		static_branch_enable(&secmmu_inject_on);
	else
		static_branch_disable(&secmmu_inject_on);
	return 0;
}

static int inject_get(char *buf, const struct kernel_param *kp)
{
	const struct inject_point *p = kp->arg;

	return scnprintf(buf, PAGE_SIZE, "%u\n", READ_ONCE(p->val));
}

static const struct kernel_param_ops inject_ops = {
	.set = inject_set,
	.get = inject_get,
};

module_param_cb(inject_zap_yield, &inject_ops, &points[INJ_ZAP_YIELD], 0644);
MODULE_PARM_DESC(inject_zap_yield,
		 "Fault injection: yielding zaps drop mmu_lock every N leaves (default 0: off)");
module_param_cb(inject_cmpxchg_pct, &inject_ops, &points[INJ_CMPXCHG], 0644);
MODULE_PARM_DESC(inject_cmpxchg_pct,
		 "Fault injection: percent of SPTE cmpxchgs but aging's failed as lost races, 0-99 (default 0)");
module_param_cb(inject_age_pct, &inject_ops, &points[INJ_AGE], 0644);
MODULE_PARM_DESC(inject_age_pct,
		 "Fault injection: percent of aging's A-bit clears failed as lost races, 0-100 (default 0)");
module_param_cb(inject_alloc_pct, &inject_ops, &points[INJ_ALLOC_PCT], 0644);
MODULE_PARM_DESC(inject_alloc_pct,
		 "Fault injection: percent of the VMs' allocations failed, 0-100 (default 0)");
module_param_cb(inject_alloc_nth, &inject_ops, &points[INJ_ALLOC_NTH], 0644);
MODULE_PARM_DESC(inject_alloc_nth,
		 "Fault injection: fail the Nth allocation after this is set (default 0: off)");

#if IS_ENABLED(CONFIG_SECMMU_KUNIT_TEST)
static struct inject_point *point_named(const char *name)
{
	int i;

	for (i = 0; i < INJ_NR; i++)
		if (!strcmp(points[i].name, name))
			return &points[i];
	return NULL;
}

int secmmu_inject_set(const char *name, const char *val)
{
	struct kernel_param kp = { .name = name, .arg = point_named(name) };

	return kp.arg ? inject_set(val, &kp) : -ENOENT;
}

u64 secmmu_inject_events(const char *name)
{
	struct inject_point *p = point_named(name);

	return p ? atomic64_read(&p->events) : 0;
}
#endif

/* <debugfs>/secmmu/inject: "parameter value events", one point a line. */
static int inject_show(struct seq_file *m, void *v)
{
	int i;

	for (i = 0; i < INJ_NR; i++)
		seq_printf(m, "%s %u %lld\n", points[i].name,
			   READ_ONCE(points[i].val),
			   atomic64_read(&points[i].events));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(inject);

static struct dentry *inject_dir;

void secmmu_inject_init(void)
{
	inject_dir = debugfs_create_dir("secmmu", NULL);
	debugfs_create_file("inject", 0444, inject_dir, NULL, &inject_fops);
}

void secmmu_inject_exit(void)
{
	debugfs_remove_recursive(inject_dir);
}
