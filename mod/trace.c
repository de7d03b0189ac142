// SPDX-License-Identifier: GPL-2.0
/*
 * pymm's trace events (trace.h): the one file that creates them, and their
 * exports.
 *
 * CREATE_TRACE_POINTS here, and nowhere else, makes <trace/define_trace.h>
 * read trace.h again and emit the tracepoints, their ftrace and perf
 * glue, and their tracefs entries (events/pymm/).  This file is built with
 * -I of its own directory (mod/Kbuild, as the kernel's samples/trace_events
 * are) so that define_trace.h finds trace.h.
 *
 * Each tracepoint is exported to GPL modules: the KUnit suite pymm_trace,
 * a module of its own, attaches probes with register_trace_<event>().
 * Only pymm's own files fire them.
 *
 * A bottom layer: it calls nothing of pymm, and the callers (report.c,
 * arena.c, shrink.c, gc.c) take no lock for it.  A tracepoint that is off
 * costs its caller a patched jump; one that is on runs its probes with
 * preemption disabled, in whatever context the caller is.
 */
#define CREATE_TRACE_POINTS
#include "trace.h"

EXPORT_TRACEPOINT_SYMBOL_GPL(gc_start);
EXPORT_TRACEPOINT_SYMBOL_GPL(gc_end);
EXPORT_TRACEPOINT_SYMBOL_GPL(arena_alloc);
EXPORT_TRACEPOINT_SYMBOL_GPL(arena_free);
EXPORT_TRACEPOINT_SYMBOL_GPL(shrink);
EXPORT_TRACEPOINT_SYMBOL_GPL(bad_pointer);
