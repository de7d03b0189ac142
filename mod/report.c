// SPDX-License-Identifier: GPL-2.0
/*
 * Reports: every message the allocator prints, and its error counters.
 *
 * The allocator's files find problems; this file says them.  A refused
 * pointer (pymm_report()) gets one WARN_ONCE per kind of error, naming the
 * pointer, the API function it was given to and what is wrong with it, and
 * every occurrence is counted (debugfs "summary" shows the counters under
 * pymm_error_name()).  The harness matches these texts (WARN_KINDS and
 * "pymm: LEAK" in scripts/check-report.py): they do not change lightly.
 *
 * Every refused pointer also fires the trace event pymm:bad_pointer
 * (trace.h), named by its kind as the harness names it.
 *
 * Nothing here takes a lock or calls another pymm file but the tracepoint
 * of trace.c, which takes none: a report may be made with any pymm lock
 * held and interrupts off.
 */
#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/printk.h>

#include <pymm.h>

#include "report.h"
#include "trace.h"

static atomic_long_t pymm_errors[PYMM_NR_ERRORS];

static const char * const pymm_error_names[PYMM_NR_ERRORS] = {
	[PYMM_ERR_INVALID]	= "err_invalid",
	[PYMM_ERR_MIDDLE]	= "err_middle",
	[PYMM_ERR_DOUBLE_FREE]	= "err_double_free",
	[PYMM_ERR_CORRUPTION]	= "err_corruption",
};

/* The kinds of the trace event: README's and check-report.py's names. */
static const char * const pymm_error_kinds[PYMM_NR_ERRORS] = {
	[PYMM_ERR_INVALID]	= "invalid",
	[PYMM_ERR_MIDDLE]	= "middle",
	[PYMM_ERR_DOUBLE_FREE]	= "double_free",
	[PYMM_ERR_CORRUPTION]	= "corruption",
};

/**
 * pymm_report - report a refused pointer
 * @err: what is wrong with it
 * @p: the pointer
 * @szidx: the size class of the pool it points into, or -1
 * @what: the API function that was given it
 */
void pymm_report(enum pymm_error err, const void *p, int szidx,
		 const char *what)
{
	unsigned int size = szidx >= 0 ? (szidx + 1) * PYMM_ALIGN : 0;

	atomic_long_inc(&pymm_errors[err]);
	trace_bad_pointer(pymm_error_kinds[err], szidx, p, what);
	switch (err) {
	case PYMM_ERR_INVALID:
		WARN_ONCE(1, "pymm: %s(%p): not a live block pymm returned (class %d)\n",
			  what, p, szidx);
		break;
	case PYMM_ERR_MIDDLE:
		WARN_ONCE(1, "pymm: %s(%p): points into the middle of a block (class %d, %u-byte blocks)\n",
			  what, p, szidx, size);
		break;
	case PYMM_ERR_DOUBLE_FREE:
		WARN_ONCE(1, "pymm: %s(%p): double free (class %d, %u-byte blocks)\n",
			  what, p, szidx, size);
		break;
	case PYMM_ERR_CORRUPTION:
		WARN_ONCE(1, "pymm: %s(%p): red zone or poison overwritten (class %d, %u-byte blocks)\n",
			  what, p, szidx, size);
		break;
	default:
		break;
	}
}

/**
 * pymm_report_cut - report a CPU's private free list found damaged
 * @szidx: the size class of the pool
 * @page: the pool's page
 * @kept: blocks left on the list after the cut
 * @nfree: blocks the list should have held
 */
void pymm_report_cut(int szidx, const void *page, unsigned int kept,
		     unsigned int nfree)
{
	pr_err("pymm: class %d: a CPU's free list of pool %p is damaged: kept %u of %u blocks\n",
	       szidx, page, kept, nfree);
	pymm_report(PYMM_ERR_CORRUPTION, page, szidx,
		    "pymm_cpu_release (private free list damaged)");
}

/**
 * pymm_report_gfp - report allocation flags pymm refuses (zone modifiers)
 * @gfp: the flags
 */
void pymm_report_gfp(gfp_t gfp)
{
	WARN_ONCE(1, "pymm: zone modifiers are not supported (gfp %pGg)\n",
		  &gfp);
}

/**
 * pymm_report_rt_context - report a call PREEMPT_RT does not allow
 * @fn: the API function called
 */
void pymm_report_rt_context(const char *fn)
{
	WARN_ONCE(1, "pymm: %s() called where PREEMPT_RT forbids it (hard interrupt, interrupts or preemption off)\n",
		  fn);
}

/**
 * pymm_report_reserve_refused - report an arenas_min refused as too large
 * @n: the value written
 * @max: the largest value accepted
 */
void pymm_report_reserve_refused(unsigned int n, unsigned long max)
{
	pr_warn("pymm: arenas_min=%u refused: more than a quarter of memory (at most %lu)\n",
		n, max);
}

/**
 * pymm_report_reserve_failed - report that load could not reserve arenas_min
 * @n: arenas_min
 */
void pymm_report_reserve_failed(unsigned int n)
{
	pr_err("pymm: cannot allocate arenas_min=%u arenas\n", n);
}

/**
 * pymm_report_leak - report small blocks a client left live at unload
 * @blocks: small blocks still in use
 * @pages: pages of the arenas that hold them, kept
 */
void pymm_report_leak(unsigned long blocks, unsigned long pages)
{
	pr_err("pymm: LEAK: %lu blocks still live at unload; keeping their %lu pages\n",
	       blocks, pages);
}

/**
 * pymm_report_large_leak - report large blocks a client left live at unload
 * @n: large blocks still live, kept
 */
void pymm_report_large_leak(long n)
{
	pr_err("pymm: LEAK: %ld large blocks still live at unload; keeping them\n",
	       n);
}

/**
 * pymm_report_loaded - say that pymm.ko is up (the harness looks for it)
 * @arena_size: bytes per arena
 * @debug: debug mode is on
 */
void pymm_report_loaded(unsigned long arena_size, bool debug)
{
	pr_info("pymm: %u size classes up to %u bytes, %lu KiB arenas%s\n",
		PYMM_NR_CLASSES, PYMM_SMALL_MAX, arena_size >> 10,
		debug ? ", debug mode" : "");
}

/**
 * pymm_error_name - the name debugfs shows an error counter under
 * @err: PYMM_ERR_INVALID up to PYMM_NR_ERRORS - 1
 *
 * Return: "err_invalid" and so on.
 */
const char *pymm_error_name(enum pymm_error err)
{
	return pymm_error_names[err];
}

/**
 * pymm_error_count - how many times an error was reported since load
 * @err: PYMM_ERR_INVALID up to PYMM_NR_ERRORS - 1
 *
 * Return: the count.
 */
long pymm_error_count(enum pymm_error err)
{
	return atomic_long_read(&pymm_errors[err]);
}
