/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sections of pymm_bench.ko that have a file of their own
 * (bench_pause.c): the figure lines they print, as bench.c does, and what
 * they give bench.c.
 */
#ifndef _PYMM_BENCH_H
#define _PYMM_BENCH_H

#include <linux/printk.h>
#include <linux/types.h>

/*
 * One figure: "pymm_bench: csv,<section>,<name>,<param>,<alloc>,<value>,
 * <unit>", @milli the value in thousandths ("12.345").  Here rather than in
 * bench.c, so that the sections call nothing up in bench.c.
 */
static inline void pb_csv(const char *section, const char *name,
			  unsigned long param, const char *alloc, u64 milli,
			  const char *unit)
{
	pr_info("pymm_bench: csv,%s,%s,%lu,%s,%llu.%03llu,%s\n", section, name,
		param, alloc, milli / 1000, milli % 1000, unit);
}

/* The pause section (bench_pause.c); *@failed counts what went wrong. */
void pb_pause(unsigned long *failed);

#endif /* _PYMM_BENCH_H */
