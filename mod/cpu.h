/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cpu.c, layer 3, on top of class.c: the per-CPU current pools.
 *
 * api.c allocates and frees small blocks here, the fast path.  shrink.c and
 * main.c hand current pools back.  debugfs.c and main.c read the per-CPU
 * counters, summed.  The per-CPU state itself stays inside cpu.c: no other
 * file reaches it.
 */
#ifndef _PYMM_CPU_H
#define _PYMM_CPU_H

#include <linux/gfp_types.h>
#include <linux/types.h>

void *pymm_small_alloc(size_t size, gfp_t gfp);
bool pymm_small_free(const void *p);
unsigned long pymm_cpu_count_idle(void);
unsigned long pymm_cpu_flush_idle(void);
int pymm_cpu_init(void);
void pymm_cpu_exit(void);

/* A class's counters, summed over the CPUs (pymm_class_counts()). */
struct pymm_counts {
	unsigned long allocs;
	unsigned long frees;
	u64 requested;
};

void pymm_class_counts(unsigned int idx, struct pymm_counts *st);
unsigned long pymm_class_inuse(unsigned int idx);

#endif /* _PYMM_CPU_H */
