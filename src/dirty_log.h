/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Dirty logging (dirty_log.c): write protection of LOG_DIRTY memslots,
 * recording of first writes (vCPU ring or memslot bitmap), the bitmap and
 * ring-reset ioctls.
 */
#ifndef _SECMMU_DIRTY_LOG_H
#define _SECMMU_DIRTY_LOG_H

#include <linux/types.h>

struct secmmu_vm;
struct secmmu_vcpu;
struct secmmu_slot;
struct secmmu_layout;
struct secmmu_dirty_log;

bool secmmu_dirty_wp_slot(struct secmmu_vm *vm, const struct secmmu_slot *slot);
void secmmu_dirty_record(struct secmmu_vcpu *vcpu, const struct secmmu_layout *l,
			 const struct secmmu_slot *slot, u64 gfn);
void secmmu_dirty_record_view(struct secmmu_vcpu *vcpu,
			      const struct secmmu_layout *found, u32 view, u64 gfn);
void secmmu_dirty_fast_path(struct secmmu_vcpu *vcpu, u32 view, u64 gfn);

long secmmu_dirty_enable_ring(struct secmmu_vm *vm, unsigned long entries);
long secmmu_dirty_reset_rings(struct secmmu_vm *vm, struct secmmu_vcpu *only);
/*
 * Bitmap words [@w, @w + @n) of a dirty log ioctl out to (GET) or in from
 * (CLEAR) @ctx, from or to @v[0, @n); nonzero if the copy failed.
 */
typedef int (*secmmu_log_words_t)(void *ctx, u64 w, u64 *v, u32 n);
long secmmu_dirty_log(struct secmmu_vm *vm, const struct secmmu_dirty_log *d,
		      bool clear, secmmu_log_words_t words, void *ctx);

#endif /* _SECMMU_DIRTY_LOG_H */
