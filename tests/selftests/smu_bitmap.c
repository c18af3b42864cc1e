// SPDX-License-Identifier: GPL-2.0
/*
 * The secmmu selftest library: __u64 bitmaps.
 */
#include <stdio.h>
#include <string.h>

#include "secmmu_util.h"

size_t smu_bm_weight(const __u64 *bm, size_t n)
{
	size_t i, w = 0;

	for (i = 0; i < n / 64; i++)
		w += __builtin_popcountll(bm[i]);
	if (n % 64)
		w += __builtin_popcountll(bm[n / 64] &
					  ((1ULL << (n % 64)) - 1));
	return w;
}

long smu_bm_first_diff(const __u64 *a, const __u64 *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (smu_bm_test(a, i) != smu_bm_test(b, i))
			return i;
	return -1;
}

void smu_bm_format(char *out, size_t len, const __u64 *bm, size_t n)
{
	size_t i = 0, pos = 0;

	if (!len)
		return;
	out[0] = 0;
	while (i < n) {
		size_t j;
		int k;

		if (!smu_bm_test(bm, i)) {
			i++;
			continue;
		}
		for (j = i; j + 1 < n && smu_bm_test(bm, j + 1); j++)
			;
		if (j == i)
			k = snprintf(out + pos, len - pos, "%s%zu",
				     pos ? "," : "", i);
		else
			k = snprintf(out + pos, len - pos, "%s%zu-%zu",
				     pos ? "," : "", i, j);
		if (k < 0 || (size_t)k >= len - pos) {
			/* Truncated: mark it. */
			if (len > 4)
				strcpy(out + len - 4, "...");
			return;
		}
		pos += k;
		i = j + 1;
	}
	if (!pos)
		snprintf(out, len, "(none)");
}
