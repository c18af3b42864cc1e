// SPDX-License-Identifier: GPL-2.0
/*
 * KCSAN canary: the data-race rig's proof that it can fail.  Loading this
 * module runs a writer and a reader kthread on one plain, unmarked word for
 * CANARY_MS; a KCSAN kernel must report "BUG: KCSAN: data-race in
 * canary_read [secmmu_race_canary] / canary_write [secmmu_race_canary]".
 * scripts/initramfs-init loads it before secmmu.ko and fails the run when
 * no such report appears; the report scan (scripts/kcsan-scan.awk) does not
 * count the canary's own reports.
 *
 * The module's name must not contain "kcsan_" nor "tsan_": KCSAN leaves
 * frames whose "%ps" does out of its reports as its own runtime's, and so
 * hid every frame of this module while it was called secmmu_kcsan_canary.
 *
 * Never built into secmmu.ko nor installed by DKMS.
 */
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>

#define CANARY_MS	1000

static unsigned long canary_word;	/* racy on purpose */

static noinline void canary_write(unsigned long v)
{
	canary_word = v;
}

static noinline unsigned long canary_read(void)
{
	return canary_word;
}

static int canary_writer(void *arg)
{
	unsigned long end = jiffies + msecs_to_jiffies(CANARY_MS), v = 0;

	while (time_before(jiffies, end)) {
		canary_write(++v);
		cond_resched();
	}
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

static int canary_reader(void *arg)
{
	unsigned long end = jiffies + msecs_to_jiffies(CANARY_MS), sum = 0;

	while (time_before(jiffies, end)) {
		sum += canary_read();
		cond_resched();
	}
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return sum == 1;	/* keeps the reads */
}

static int __init canary_init(void)
{
	struct task_struct *w, *r;

	w = kthread_create(canary_writer, NULL, "race-canary-w");
	if (IS_ERR(w))
		return PTR_ERR(w);
	r = kthread_create(canary_reader, NULL, "race-canary-r");
	if (IS_ERR(r)) {
		kthread_stop(w);
		return PTR_ERR(r);
	}
	if (num_online_cpus() > 1) {
		kthread_bind(w, 0);
		kthread_bind(r, 1);
	}
	wake_up_process(w);
	wake_up_process(r);
	msleep(CANARY_MS + 100);
	kthread_stop(w);
	kthread_stop(r);
	pr_info("secmmu_race_canary: done\n");
	return 0;
}

static void __exit canary_exit(void)
{
}

module_init(canary_init);
module_exit(canary_exit);
MODULE_DESCRIPTION("secmmu KCSAN rig canary: one deliberate data race");
MODULE_LICENSE("GPL");
