/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What secmmu-bench.c shares with the series kept in files of their own
 * (realage.c).  Records and helpers: see secmmu-bench.c.
 */
#ifndef SECMMU_BENCH_H
#define SECMMU_BENCH_H

#include <stdbool.h>
#include <linux/types.h>

#define BENCH_MAX_SAMPLES	64

extern const char *const mode_name[];

void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
__u64 now_ns(void);
double median(const double *v, int n);
void emit(const char *series, const char *kase, const char *role,
	  const char *unit, const double *v, int n, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
void emit_skip(const char *series, const char *why);

/* realage.c: the series, and the subject processes it re-executes. */
void series_realage_run(bool quick, unsigned int size_mb, unsigned int reps);
int realage_subject(const char *kind, const char *mib);

#endif
