// SPDX-License-Identifier: GPL-2.0
/*
 * The fast-only aging notifier was proposed upstream but never merged; its
 * last shape (2024) had the aging hooks OR MMU_NOTIFY_WAS_FAST into their
 * answer when it was found without locks.  A kernel carrying it gets that
 * flag from us.
 */
#include <linux/mmu_notifier.h>

static const int probe __maybe_unused = MMU_NOTIFY_WAS_FAST;
