/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sections of pymm_bench.ko that have a file of their own
 * (bench_pause.c): what bench.c gives them, its figure lines, and what they
 * give bench.c.
 */
#ifndef _PYMM_BENCH_H
#define _PYMM_BENCH_H

#include <linux/types.h>

/*
 * One figure: "pymm_bench: csv,<section>,<name>,<param>,<alloc>,<value>,
 * <unit>", @milli the value in thousandths.
 */
void pb_csv(const char *section, const char *name, unsigned long param,
	    const char *alloc, u64 milli, const char *unit);

/* The pause section (bench_pause.c); *@failed counts what went wrong. */
void pb_pause(unsigned long *failed);

#endif /* _PYMM_BENCH_H */
