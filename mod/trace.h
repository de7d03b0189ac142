/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pymm's trace events, TRACE_SYSTEM pymm, in the style of the kernel's
 * kmem events: usable with ftrace (/sys/kernel/tracing/events/pymm/),
 * trace-cmd (-e pymm) and perf (-e 'pymm:*').  Off, each call site is a
 * static-key no-op; the arguments are evaluated only when the event is on.
 *
 *   gc_start     a collection starts: the heap, the oldest generation it
 *                collects, whether it is an increment, the objects gathered
 *   gc_end       it ends: the same, the objects it freed and those that
 *                survived being cleared, the objects it looked at, its pause
 *   arena_alloc  an arena taken from the page allocator (arena.c)
 *   arena_free   an arena counted as given back (arena.c); the arenas freed
 *                at unload are not traced
 *   shrink       one scan of pymm's shrinker (shrink.c)
 *   bad_pointer  a refused pointer (report.c), whatever its kind
 *
 * Out of tree, after the kernel's samples/trace_events: trace.c is the one
 * file that defines CREATE_TRACE_POINTS and is built with -I of this
 * directory (mod/Kbuild), so that <trace/define_trace.h> finds this file
 * again as ./trace.h.  trace.c also exports each tracepoint, so that
 * another module (the KUnit suite pymm_trace) can attach a probe with
 * register_trace_<event>().  A file that calls trace_<event>() includes
 * this header only.
 *
 * A string field is copied with pymm_assign_str() (compat.h): the
 * arguments of __assign_str() changed in 6.10.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM pymm

#if !defined(_PYMM_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _PYMM_TRACE_H

#include <linux/tracepoint.h>
#include <linux/types.h>

#include "compat.h"

/* A collection starts, its generations gathered into one set. */
TRACE_EVENT(gc_start,
	    TP_PROTO(const char *heap, int gen, bool incremental,
		     unsigned long objects),
	    TP_ARGS(heap, gen, incremental, objects),
	    TP_STRUCT__entry(__string(heap, heap)
			     __field(int, gen)
			     __field(bool, incremental)
			     __field(unsigned long, objects)),
	    TP_fast_assign(pymm_assign_str(heap, heap);
			   __entry->gen = gen;
			   __entry->incremental = incremental;
			   __entry->objects = objects;),
	    TP_printk("heap=%s gen=%d incremental=%s objects=%lu",
		      __get_str(heap), __entry->gen,
		      __entry->incremental ? "true" : "false", __entry->objects)
);

/* The collection is over, its garbage destroyed. */
TRACE_EVENT(gc_end,
	    TP_PROTO(const char *heap, int gen, bool incremental,
		     unsigned long collected, unsigned long uncollectable,
		     unsigned long visited, u64 pause_ns),
	    TP_ARGS(heap, gen, incremental, collected, uncollectable, visited,
		    pause_ns),
	    TP_STRUCT__entry(__string(heap, heap)
			     __field(int, gen)
			     __field(bool, incremental)
			     __field(unsigned long, collected)
			     __field(unsigned long, uncollectable)
			     __field(unsigned long, visited)
			     __field(u64, pause_ns)),
	    TP_fast_assign(pymm_assign_str(heap, heap);
			   __entry->gen = gen;
			   __entry->incremental = incremental;
			   __entry->collected = collected;
			   __entry->uncollectable = uncollectable;
			   __entry->visited = visited;
			   __entry->pause_ns = pause_ns;),
	    TP_printk("heap=%s gen=%d incremental=%s collected=%lu uncollectable=%lu visited=%lu pause_ns=%llu",
		      __get_str(heap), __entry->gen,
		      __entry->incremental ? "true" : "false", __entry->collected,
		      __entry->uncollectable, __entry->visited,
		      (unsigned long long)__entry->pause_ns)
);

DECLARE_EVENT_CLASS(pymm_arena,
		    TP_PROTO(const void *base, unsigned int pages, unsigned long arenas,
			     bool reserved),
		    TP_ARGS(base, pages, arenas, reserved),
		    TP_STRUCT__entry(__field(const void *, base)
				     __field(unsigned int, pages)
				     __field(unsigned long, arenas)
				     __field(bool, reserved)),
		    TP_fast_assign(__entry->base = base;
				   __entry->pages = pages;
				   __entry->arenas = arenas;
				   __entry->reserved = reserved;),
		    TP_printk("base=%p pages=%u arenas=%lu reserved=%s", __entry->base,
			      __entry->pages, __entry->arenas,
			      __entry->reserved ? "true" : "false")
);

/*
 * An arena taken from the page allocator: its first page, its pages (64,
 * or 1 for a single-page arena), the arenas held afterwards, and whether
 * it is one of the arenas_min arenas.
 */
DEFINE_EVENT(pymm_arena, arena_alloc,
	     TP_PROTO(const void *base, unsigned int pages, unsigned long arenas,
		      bool reserved),
	     TP_ARGS(base, pages, arenas, reserved));

/*
 * An arena counted as given back (its pages go back right after, with no
 * pymm lock held): the pages it still held, fewer than it was made with if
 * the shrinker gave free pools back, and the arenas held afterwards.
 */
DEFINE_EVENT(pymm_arena, arena_free,
	     TP_PROTO(const void *base, unsigned int pages, unsigned long arenas,
		      bool reserved),
	     TP_ARGS(base, pages, arenas, reserved));

/*
 * One scan of pymm's shrinker: what the kernel counts as scanned (the
 * nr_to_scan it asked for: pymm gives back all it can, whatever that is),
 * and the pages given back, in all (the scan's return value, 0 where it
 * returned SHRINK_STOP) and by source: arenas emptied by the CPUs' hand-back
 * of their idle current pools, free pools of arenas in use, the cached
 * arena.
 */
TRACE_EVENT(shrink,
	    TP_PROTO(unsigned long scanned, unsigned long freed,
		     unsigned long flushed, unsigned long trimmed,
		     unsigned long cached),
	    TP_ARGS(scanned, freed, flushed, trimmed, cached),
	    TP_STRUCT__entry(__field(unsigned long, scanned)
			     __field(unsigned long, freed)
			     __field(unsigned long, flushed)
			     __field(unsigned long, trimmed)
			     __field(unsigned long, cached)),
	    TP_fast_assign(__entry->scanned = scanned;
			   __entry->freed = freed;
			   __entry->flushed = flushed;
			   __entry->trimmed = trimmed;
			   __entry->cached = cached;),
	    TP_printk("scanned=%lu freed=%lu flushed=%lu trimmed=%lu cached=%lu",
		      __entry->scanned, __entry->freed, __entry->flushed,
		      __entry->trimmed, __entry->cached)
);

/*
 * A refused pointer, each time (the WARN is once per kind and load): its
 * kind as README's "Error reports" and check-report.py name it (invalid,
 * middle, double_free, corruption), the size class of the pool it points
 * into or -1, the pointer, and the API function it was given to.
 */
TRACE_EVENT(bad_pointer,
	    TP_PROTO(const char *kind, int class, const void *ptr,
		     const char *func),
	    TP_ARGS(kind, class, ptr, func),
	    TP_STRUCT__entry(__string(kind, kind)
			     __field(int, class)
			     __field(const void *, ptr)
			     __string(func, func)),
	    TP_fast_assign(pymm_assign_str(kind, kind);
			   __entry->class = class;
			   __entry->ptr = ptr;
			   pymm_assign_str(func, func);),
	    TP_printk("kind=%s class=%d ptr=%p func=%s", __get_str(kind),
		      __entry->class, __entry->ptr, __get_str(func))
);

#endif /* _PYMM_TRACE_H */

/* Outside the guard: <trace/define_trace.h> reads this file again. */
#undef TRACE_INCLUDE_PATH
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_PATH .
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
