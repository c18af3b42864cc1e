// SPDX-License-Identifier: GPL-2.0
/*
 * Views: view 0 translates gfn to gfn; views 1.. translate their own gfns
 * onto memslot gfns through sorted, non-overlapping ranges.
 */
#include <linux/errno.h>
#include <linux/minmax.h>
#include <linux/overflow.h>
#include <linux/string.h>

#include "layout.h"

/* Is [start, start + n) below @limit (and not wrapping)? */
bool secmmu_range_ok(u64 start, u64 n, u64 limit)
{
	u64 end;

	return !check_add_overflow(start, n, &end) && end <= limit;
}

/* May @req (npages != 0) be added to @v?  0 or the documented errno. */
int secmmu_view_check(const struct secmmu_view *v,
		      const struct secmmu_view_range *req)
{
	u32 i;

	if (!secmmu_range_ok(req->view_gfn, req->npages, SECMMU_GFN_LIMIT) ||
	    !secmmu_range_ok(req->target_gfn, req->npages, SECMMU_GFN_LIMIT))
		return -ERANGE;
	for (i = 0; i < v->nr_ranges; i++) {
		const struct secmmu_view_range *r = &v->ranges[i];

		if (req->view_gfn < r->view_gfn + r->npages &&
		    r->view_gfn < req->view_gfn + req->npages)
			return -EEXIST;
	}
	if (v->nr_ranges == SECMMU_MAX_VIEW_RANGES)
		return -ENOSPC;
	return 0;
}

void secmmu_view_insert(struct secmmu_view *v, const struct secmmu_view_range *r)
{
	u32 i = v->nr_ranges;

	while (i && v->ranges[i - 1].view_gfn > r->view_gfn) {
		v->ranges[i] = v->ranges[i - 1];
		i--;
	}
	v->ranges[i] = *r;
	v->nr_ranges++;
}

/* Index of the range starting exactly at @view_gfn, or -ENOENT. */
int secmmu_view_find_start(const struct secmmu_view *v, u64 view_gfn)
{
	u32 i;

	for (i = 0; i < v->nr_ranges; i++)
		if (v->ranges[i].view_gfn == view_gfn)
			return i;
	return -ENOENT;
}

void secmmu_view_remove(struct secmmu_view *v, int idx)
{
	memmove(&v->ranges[idx], &v->ranges[idx + 1],
		(v->nr_ranges - idx - 1) * sizeof(v->ranges[0]));
	v->nr_ranges--;
	memset(&v->ranges[v->nr_ranges], 0, sizeof(v->ranges[0]));
}

bool secmmu_view_translate_n(const struct secmmu_layout *l, u32 view,
			     u64 gfn, u64 n, u64 *target)
{
	const struct secmmu_view *v = &l->views[view];
	const struct secmmu_view_range *r;
	u32 lo = 0, hi;

	if (!view) {
		*target = gfn;
		return true;
	}
	hi = v->nr_ranges;
	while (lo < hi) {		/* first range starting after gfn */
		u32 mid = (lo + hi) / 2;

		if (v->ranges[mid].view_gfn <= gfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return false;
	r = &v->ranges[lo - 1];
	/* All of [gfn, gfn + n) inside this one range. */
	if (gfn - r->view_gfn >= r->npages || r->npages - (gfn - r->view_gfn) < n)
		return false;
	*target = r->target_gfn + (gfn - r->view_gfn);
	return true;
}

bool secmmu_view_translate(const struct secmmu_layout *l, u32 view,
			   u64 gfn, u64 *target)
{
	return secmmu_view_translate_n(l, view, gfn, 1, target);
}

struct secmmu_alias *secmmu_alias_start(struct secmmu_alias *a)
{
	a->view = 0;
	a->range = 0;
	return a;
}

bool secmmu_alias_next(const struct secmmu_layout *l, u64 start, u64 end,
		       struct secmmu_alias *a)
{
	if (start >= end)
		return false;
	if (!a->view && !a->range) {
		a->range = 1;		/* view 0: the identity, once */
		a->gfn = start;
		a->view_gfn = start;
		a->n = end - start;
		return true;
	}
	if (!a->view) {
		a->view = 1;
		a->range = 0;
	}
	for (; a->view < SECMMU_MAX_VIEWS; a->view++, a->range = 0) {
		const struct secmmu_view *v = &l->views[a->view];

		while (a->range < v->nr_ranges) {
			const struct secmmu_view_range *r = &v->ranges[a->range++];
			u64 lo = max(start, r->target_gfn);
			u64 hi = min(end, r->target_gfn + r->npages);

			if (lo >= hi)
				continue;
			a->gfn = lo;
			a->view_gfn = r->view_gfn + (lo - r->target_gfn);
			a->n = hi - lo;
			return true;
		}
	}
	return false;
}
