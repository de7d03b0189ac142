/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pymm - CPython's small-object allocator, in the kernel.
 *
 * Requests of at most PYMM_SMALL_MAX bytes are rounded up to a multiple of
 * PYMM_ALIGN and served from one-page pools of same-sized blocks, carved
 * from 256 KiB arenas.  Larger requests go to kmalloc().  Every block is
 * given back with pymm_free(), which needs no size.
 *
 * Context: with GFP_ATOMIC (or GFP_NOWAIT) every function here may be called
 * from any context, hardirq included.  With GFP_KERNEL the caller must be
 * allowed to sleep.  Zone modifiers (__GFP_DMA, __GFP_DMA32, __GFP_HIGHMEM)
 * are rejected: pymm serves ordinary kernel memory only.
 */
#ifndef _PYMM_H
#define _PYMM_H

#include <linux/gfp.h>
#include <linux/types.h>

/* Block alignment and size-class granularity. */
#define PYMM_ALIGN		8
/* Largest request served from pools; larger ones go to kmalloc(). */
#define PYMM_SMALL_MAX		512
/* Number of size classes: 8, 16, ..., 512 bytes. */
#define PYMM_NR_CLASSES		(PYMM_SMALL_MAX / PYMM_ALIGN)

void *pymm_malloc(size_t size, gfp_t gfp);
void *pymm_zalloc(size_t size, gfp_t gfp);
void *pymm_realloc(void *p, size_t new_size, gfp_t gfp);
void pymm_free(const void *p);
size_t pymm_usable_size(const void *p);

/*
 * Refcounted container objects and a generational cycle collector.
 *
 * A heap is a GC domain: its own generations, lock, thresholds and
 * statistics.  Objects are allocated from pymm's pools with a hidden header,
 * start with one reference, and are tracked in generation 0.  Reference
 * counting frees most of them; the collector frees the cycles.
 *
 * Concurrency contract:
 * - pymm_get() and pymm_put() may be called from any context, hardirq
 *   included, with or without the heap lock held, and from inside any type
 *   callback.
 * - The strong references between objects (what traverse() visits) change
 *   only under pymm_lock(), which is a sleeping lock.  A pointer read from an
 *   object's field is only safe to pymm_get() under pymm_lock().
 * - pymm_collect() is synchronous for its heap; objects of other heaps that
 *   it kills die in their own heap's worker.
 * - The last pymm_put() never sleeps where the caller cannot: when the
 *   caller may sleep and no task holds any heap's lock, the object is
 *   destroyed at once; otherwise (atomic context, a heap lock held, a
 *   collection running) destruction is deferred to the heap's worker.
 *   Either way the object's callbacks run in process context.  Objects may
 *   reference objects of other heaps.
 * - traverse() and clear() are called with the heap lock held; finalize()
 *   and release() without it, so they may take it.  No callback may call
 *   pymm_collect(), pymm_freeze(), pymm_unfreeze() or pymm_heap_destroy()
 *   (on its own heap the first three return -EDEADLK, as they do under
 *   pymm_lock()).
 * - A collection runs while other threads get, put and relink under
 *   pymm_lock(); it never frees anything reachable.
 * - Destruction never recurses, whatever the length of a chain.
 */
struct pymm_heap;

typedef int (*pymm_visit_fn)(void *obj, void *arg);

/**
 * struct pymm_type - what pymm needs to know about a kind of object
 * @name: for reports
 * @size: bytes of the caller's object
 * @traverse: call @visit on every object this one holds a strong reference
 *	to (NULL ones may be skipped); stop and return its value if non-zero
 * @clear: drop every strong reference this object holds (pymm_put() the
 *	target and set the field to NULL); may be called more than once
 * @finalize: optional; runs at most once, before the object is cleared; may
 *	resurrect the object by storing a new reference to it
 * @release: optional; non-GC cleanup just before the memory is freed
 */
struct pymm_type {
	const char *name;
	size_t size;
	int (*traverse)(void *obj, pymm_visit_fn visit, void *arg);
	void (*clear)(void *obj);
	void (*finalize)(void *obj);
	void (*release)(void *obj);
};

struct pymm_heap *pymm_heap_create(const char *name);
void pymm_heap_destroy(struct pymm_heap *heap);
void *pymm_obj_new(struct pymm_heap *heap, const struct pymm_type *type,
		   gfp_t gfp);
void *pymm_get(void *obj);
void pymm_put(void *obj);
unsigned int pymm_refcount(const void *obj);
void pymm_lock(struct pymm_heap *heap);
void pymm_unlock(struct pymm_heap *heap);
long pymm_collect(struct pymm_heap *heap, int generation);
void pymm_set_threshold(struct pymm_heap *heap, unsigned int t0,
			unsigned int t1, unsigned int t2);
int pymm_freeze(struct pymm_heap *heap);
int pymm_unfreeze(struct pymm_heap *heap);

/* Pause histogram: < 1 us, then [2^(k-1), 2^k) us for k = 1..15, then more. */
#define PYMM_GC_PAUSE_BUCKETS	17

/**
 * struct pymm_gc_stats - what a heap's collector did (pymm_gc_stats())
 * @pauses:	collections and increments, by duration (see above)
 * @max_hold_ns: the longest hold of the heap's lock by the collector
 * @max_hold_run_ns: the longest such hold during which the collector was
 *		never switched out (its own work, without the time other tasks
 *		ran while it held the lock)
 * @increments:	increments run
 * @passes:	incremental passes over the old generation completed
 * @collections: full collections of each generation, passes counting as
 *		gen2's
 * @collected:	objects freed, by generation
 * @backlog:	unreachable objects found by the last gen2 collection or
 *		pass: the garbage that had waited for it
 * @backlog_peak: the largest @backlog
 * @paced:	allocations that waited for the heap's worker, which had
 *		fallen behind (see pymm_obj_new())
 * @paced_ns:	how long they waited, in all
 * @old_objects: objects in the old generation now
 * @incremental: automatic gen2 collections run as increments
 */
struct pymm_gc_stats {
	unsigned long pauses[PYMM_GC_PAUSE_BUCKETS];
	u64 max_hold_ns;
	u64 max_hold_run_ns;
	unsigned long increments;
	unsigned long passes;
	unsigned long collections[3];
	unsigned long collected[3];
	unsigned long backlog;
	unsigned long backlog_peak;
	unsigned long paced;
	u64 paced_ns;
	unsigned long old_objects;
	bool incremental;
};

void pymm_set_incremental(struct pymm_heap *heap, bool on);
long pymm_collect_increment(struct pymm_heap *heap, unsigned long work,
			    bool *pass_done);
void pymm_gc_stats(struct pymm_heap *heap, struct pymm_gc_stats *st);
void pymm_gc_stats_reset(struct pymm_heap *heap);

#if IS_ENABLED(CONFIG_KUNIT)
/* For pymm's own KUnit suites only (namespace EXPORTED_FOR_KUNIT_TESTING). */
void pymm_test_set_refcount(void *obj, unsigned int n);
void pymm_test_set_free_link(void *block, void *next);
int pymm_test_cpu_restart(void (*window)(void *arg), void *arg);
void pymm_test_flush_cpus(void);
unsigned long pymm_test_shrink_count(void);

/* See pymm_test_set_hooks() in mod/object.c. */
struct pymm_test_hooks {
	void (*dead)(void *obj);
	void (*destroy_wait)(struct pymm_heap *heap);
};

void pymm_test_set_hooks(const struct pymm_test_hooks *hooks);
unsigned int pymm_test_heap_work(struct pymm_heap *heap, bool flush);
#endif

#endif /* _PYMM_H */
