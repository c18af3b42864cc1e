// SPDX-License-Identifier: GPL-2.0
/* Newer mainline: the mmu_notifier aging ops return bool instead of int. */
#include <linux/mmu_notifier.h>

static bool probe(struct mmu_notifier *mn, struct mm_struct *mm,
		  unsigned long start, unsigned long end)
{
	return false;
}

static const struct mmu_notifier_ops ops __maybe_unused = {
	.clear_young = probe,
};
