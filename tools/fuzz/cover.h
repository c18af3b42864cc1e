/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KCOV feedback for secmmu-fuzz: which of secmmu's basic blocks (PCs) and
 * edges between them (consecutive PCs of one step) a step reached.  Only
 * secmmu.ko is instrumented on the KASAN debug kernel, so every PC is the
 * module's.  Coverage is per thread (KCOV traces the task that enabled
 * it), the maps are shared by all threads.
 */
#ifndef SECMMU_FUZZ_COVER_H
#define SECMMU_FUZZ_COVER_H

#include <stdbool.h>
#include <stdint.h>

struct cover {
	unsigned long *area;	/* area[0]: PCs recorded; then the PCs */
	int fd;
	uint64_t ns;		/* time spent reading and hashing */
	unsigned long overflows;	/* steps that filled the area */
};

/* Is /sys/kernel/debug/kcov there? */
bool cover_available(void);
/* Trace the calling thread from now on; 0 or -errno. */
int cover_start(struct cover *c);
/* Forget what was recorded (before a step). */
void cover_reset(struct cover *c);
/* Hash the step's PCs into the maps; returns how many edges were new. */
unsigned long cover_collect(struct cover *c);
/* Distinct PCs and edges reached so far, by every thread. */
void cover_totals(unsigned long *pcs, unsigned long *edges);
void cover_stop(struct cover *c);

#endif
