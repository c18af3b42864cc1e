/* SPDX-License-Identifier: GPL-2.0 */
/*
 * secmmu-demo: the report helpers shared by its sections (secmmu-demo.c)
 * and the sections that live in their own file, one concept each:
 *
 *   aging.c    rmap modes and SECMMU_AGE (TEST / CLEAR / FAST_ONLY)
 *   reclaim.c  memory.reclaim of a memcg asks secmmu's aging hooks
 *   dirty.c    dirty tracking: the bitmap and the per-vCPU rings
 */
#ifndef SECMMU_DEMO_H
#define SECMMU_DEMO_H

#include <stdbool.h>
#include "secmmu_util.h"

#define PAGE		SMU_PAGE_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Unexpected results so far; main() exits non-zero if any. */
extern int failures;

/* "  [ ok ] ..." or "  [FAIL] ..." (counted). */
void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "" for 0, else " (strerror)"; one use per printf (static buffer). */
const char *err_sfx(int ret);
/* "\n== title ==" */
void section(const char *title);

/* "PWAD" style SPTE flags into @s (16 bytes). */
const char *spte_str(__u64 f, char *s);

/*
 * Print the deltas @after - @before of the @n counters @ids on as few
 * lines as fit, "name +delta" each.
 */
void show_deltas(const struct secmmu_stats *before,
		 const struct secmmu_stats *after,
		 const enum secmmu_stat *ids, unsigned int n);
static inline __u64 delta(const struct secmmu_stats *before,
			  const struct secmmu_stats *after,
			  enum secmmu_stat i)
{
	return after->val[i] - before->val[i];
}

/*
 * A page map: one character per page of @bm's first @n bits (at most 64),
 * @set for a set bit and '.' for a clear one, into @s (n + 1 bytes).
 */
const char *page_map(char *s, __u64 bm, unsigned int n, char set);

/* The sections. */
void demo_aging(void);
void demo_reclaim(void);
void demo_dirty_log(void);
void demo_dirty_ring(void);

#endif /* SECMMU_DEMO_H */
