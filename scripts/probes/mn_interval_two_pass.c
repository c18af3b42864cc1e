// SPDX-License-Identifier: GPL-2.0
/*
 * The two-pass interval notifier (Linux 7.2): invalidate_start() may hand
 * back a struct mmu_interval_notifier_finish, whose invalidate_finish()
 * runs once every notifier of the invalidation has had its first pass.
 * Gives SECMMU_COHERENCE_INTERVAL_TWO_PASS.
 */
#include <linux/mmu_notifier.h>

static void probe_finish(struct mmu_interval_notifier_finish *finish)
{
}

static const struct mmu_interval_notifier_ops probe __maybe_unused = {
	.invalidate_finish = probe_finish,
};
