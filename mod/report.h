/* SPDX-License-Identifier: GPL-2.0 */
/*
 * report.c, the lowest layer: every message pymm.ko's allocator prints, the
 * error counters, and the names debugfs shows them under.
 *
 * Exposed to every layer above, which detects a problem and says which one
 * with a call here, and never formats a message itself (as mm/kfence's
 * core.c leaves all output to its report.c).  Takes no pymm lock, calls no
 * other pymm file, and may be called with any pymm lock held.
 */
#ifndef _PYMM_REPORT_H
#define _PYMM_REPORT_H

#include <linux/gfp_types.h>
#include <linux/types.h>

/* Why a pointer was refused; indexes the error counters. */
enum pymm_error {
	PYMM_OK,		/* not an error: a live block */
	PYMM_ERR_INVALID,	/* pymm never returned it */
	PYMM_ERR_MIDDLE,	/* points inside a block */
	PYMM_ERR_DOUBLE_FREE,	/* the block is already free */
	PYMM_ERR_CORRUPTION,	/* debug: red zone or free poison damaged */
	PYMM_NR_ERRORS,
};

/*
 * Was the pointer refused, and every pool left untouched?  A damaged red
 * zone (PYMM_ERR_CORRUPTION) is reported, repaired and the operation done.
 */
static inline bool pymm_refused(int err)
{
	return err && err != PYMM_ERR_CORRUPTION;
}

void pymm_report(enum pymm_error err, const void *p, int szidx,
		 const char *what);
void pymm_report_cut(int szidx, const void *page, unsigned int kept,
		     unsigned int nfree);
void pymm_report_gfp(gfp_t gfp);
void pymm_report_rt_context(const char *fn);
void pymm_report_reserve_refused(unsigned int n, unsigned long max);
void pymm_report_reserve_failed(unsigned int n);
void pymm_report_leak(unsigned long blocks, unsigned long pages);
void pymm_report_large_leak(long n);
void pymm_report_loaded(unsigned long arena_size, bool debug);

const char *pymm_error_name(enum pymm_error err);
long pymm_error_count(enum pymm_error err);

#endif /* _PYMM_REPORT_H */
