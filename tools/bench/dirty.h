/* SPDX-License-Identifier: GPL-2.0 */
/*
 * secmmu-bench: the dirty collection methods (dirtylib.c) shared by the
 * series dirty and dirtyscale.
 */
#ifndef SECMMU_BENCH_DIRTY_H
#define SECMMU_BENCH_DIRTY_H

#include <linux/secmmu_dirty_ring.h>

#include "bench.h"

#define DIRTY_RING	SECMMU_DIRTY_RING_MAX
#define DIRTY_ROUND	(DIRTY_RING - SECMMU_DIRTY_RING_RSVD)

enum { DM_GLOBAL, DM_PER_RING, DM_KHARVEST, DM_SHUFFLED, DM_BITMAP, DM_NR };
extern const char *const dm_name[DM_NR];
extern const char *const dm_label[DM_NR];

struct dvm {
	struct vm vm;
	struct secmmu_dirty_gfn *ring;	/* vCPU 0's, or NULL: bitmap */
	__u32 idx;			/* userspace harvest cursor */
};

struct dsample {			/* one method, one fraction, all reps */
	double ns_dirty[MAX_SAMPLES], us[MAX_SAMPLES];
	double push[MAX_SAMPLES], wbase[MAX_SAMPLES];
	double logged[MAX_SAMPLES], fast[MAX_SAMPLES], faults[MAX_SAMPLES];
	double resets[MAX_SAMPLES], reprot[MAX_SAMPLES], flushes[MAX_SAMPLES];
	double calls[MAX_SAMPLES];
	unsigned int rounds;
	bool ok;
};

int cmp_u32(const void *a, const void *b);
void pick_pages(__u32 *perm, size_t np, size_t k, __u64 seed);
void dvm_open(struct dvm *d, bool ring, char *mem, char *twin, size_t np);
void dvm_close(struct dvm *d);
void dirty_sample(struct dvm *d, int m, char *mem, size_t np,
		  const __u32 *perm, size_t k, unsigned int r,
		  struct dsample *s, struct secmmu_access_op *op,
		  struct secmmu_access_op *top,
		  __u64 *bitmap, struct secmmu_dirty_gfn *ent,
		  __u32 *pages, __u32 *sorted);
void dsample_mismatch(const char *series, const char *kase,
		      const struct dsample *s, size_t k);

#endif
