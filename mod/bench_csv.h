/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The figure line every section of pymm_bench.ko prints, bench-report.py's
 * input: "pymm_bench: csv,<section>,<name>,<param>,<alloc>,<value>,<unit>".
 */
#ifndef _PYMM_BENCH_CSV_H
#define _PYMM_BENCH_CSV_H

#include <linux/printk.h>
#include <linux/types.h>

/* One figure, @milli the value in thousandths ("12.345"). */
static inline void pb_csv(const char *section, const char *name,
			  unsigned long param, const char *alloc, u64 milli,
			  const char *unit)
{
	pr_info("pymm_bench: csv,%s,%s,%lu,%s,%llu.%03llu,%s\n", section, name,
		param, alloc, milli / 1000, milli % 1000, unit);
}

#endif /* _PYMM_BENCH_CSV_H */
