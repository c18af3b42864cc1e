// SPDX-License-Identifier: GPL-2.0
/*
 * The alias walk and the host address range walk (walk.h).
 */
#include "walk.h"
#include "vm.h"

/* Start the table walk of the next alias that has a root and entries. */
static bool walk_alias(struct secmmu_walk *w, int min_level, bool leaves_only)
{
	while (w->l && secmmu_alias_next(w->l, w->start, w->end, &w->a)) {
		u64 __rcu *root = w->vm->roots[w->a.view];

		if (!root)
			continue;
		secmmu_iter_start(&w->it, root, min_level, w->a.view_gfn,
				  w->a.view_gfn + w->a.n, leaves_only);
		if (w->it.valid)
			return true;
	}
	return false;
}

struct secmmu_walk *secmmu_walk_start(struct secmmu_walk *w, struct secmmu_vm *vm,
				      const struct secmmu_layout *l, u64 start,
				      u64 end, int min_level, bool leaves_only)
{
	w->vm = vm;
	w->l = l;
	w->start = start;
	w->end = end;
	secmmu_alias_start(&w->a);
	w->valid = walk_alias(w, min_level, leaves_only);
	return w;
}

struct secmmu_walk *secmmu_walk_view(struct secmmu_walk *w, struct secmmu_vm *vm,
				     u32 view, u64 start, u64 end, int min_level)
{
	w->vm = vm;
	w->l = NULL;
	w->a = (struct secmmu_alias){ .view = view, .gfn = start,
				      .view_gfn = start, .n = end - start };
	w->valid = vm->roots[view] &&
		   secmmu_iter_start(&w->it, vm->roots[view], min_level, start,
				     end, false)->valid;
	return w;
}

void secmmu_walk_next(struct secmmu_walk *w)
{
	secmmu_iter_next(&w->it);
	if (!w->it.valid)
		w->valid = walk_alias(w, w->it.min_level, w->it.leaves_only);
}
