/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The object layer: what object.c exposes to gc.c and heap.c.
 *
 * The object layers, lowest first; no file calls a function of a file
 * above it:
 *   object.c  objects, their references and their destruction, the dead
 *             list, pymm's workqueue, and heap lifetime: the list of heap
 *             structs and the count that keeps each alive (this header)
 *   gc.c      the cycle collector, freeze and unfreeze (gc.h)
 *   heap.c    the public heap API, the heap's worker and its debugfs files
 * All three sit above the allocator, whose pymm_zalloc() and pymm_free()
 * hold the objects.
 *
 * An object is one pymm block: a hidden header, then the caller's bytes.
 *
 *   +------------------+----------------------------+
 *   | struct pymm_obj  |  caller's object           |
 *   +------------------+----------------------------+
 *                      ^ what pymm_obj_new() returns
 *
 * Every live object is tracked on exactly one list of its heap:
 *   gens[0..1]    the young generations; new objects go to gens[0]
 *   gens[2], gens[OLD2]  the old generation, in two spaces: pending and
 *                 visited (heap->old_pending says which is which); an
 *                 incremental pass moves what it has visited from the
 *                 first to the second, and swaps them when it is done
 *   gens[PERM]    the permanent generation (pymm_freeze())
 *   a collection's private lists, while one runs (gen == PYMM_GEN_COLLECTING)
 *
 * Locks of a heap, outermost first:
 *   collect_lock  (mutex) one collection, freeze or unfreeze at a time
 *   drain_lock    (mutex) one task destroys dead objects at a time
 *   lock          (mutex) pymm_lock(): the edges between objects, and the
 *                 collector's private lists
 *   gen_lock      (spinlock, irq-safe) list membership and the counters;
 *                 pymm_obj_new() takes only this one, wherever it may
 *                 allocate (on PREEMPT_RT, not in hard interrupt context)
 * An object's gc_link changes only under gen_lock; on a private list of the
 * collector, also only under lock.  The exception: an increment moves
 * objects from the pending old space to its private list under lock and
 * collect_lock without gen_lock (the space's count changes under gen_lock
 * once for all), as only the collector, under both, and a destroyer, under
 * lock, touch the old spaces' lists.  pymm_heaps_lock (object.c) guards the
 * list of heap structs and is taken with no heap lock held.
 *
 * Death: the put that drops the last reference pushes the object on the
 * heap's lock-free dead list.  Dead objects are destroyed one after the
 * other by a loop (the trashcan), in the putting task when it may sleep and
 * no task holds any heap's lock or runs any heap's loop, otherwise in the
 * heap's worker; a put that kills an object from inside that loop only
 * pushes it.  So destruction never recurses, callbacks always run in process
 * context, and no task ever takes one heap's locks inside another's: heaps
 * may reference each other's objects.
 *
 * Destroy: pymm_heap_destroy() sets orphaned, then waits for heap->dying,
 * the last puts under way that found orphaned false, then drains until
 * the dead list stays empty.  Every death before that point gets its
 * callbacks; every later one (but those of its own drain loop) frees an
 * orphan, at once where it could sleep, otherwise in a work item.  No CPU
 * touches the heap once destroy has dropped its reference, except through
 * an orphan that keeps it alive, and a last put's wake of the destroyer,
 * which the heap's RCU-delayed free covers.
 *
 * pymm_get() and pymm_put() take no lock unless the context could sleep:
 * elsewhere a put only pushes, queues work (whose lock is raw) and wakes
 * through an rcuwait.  So they may be called in any context, on
 * PREEMPT_RT too, hard interrupts included.
 */
#ifndef _PYMM_OBJECT_H
#define _PYMM_OBJECT_H

#include <linux/llist.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/rcuwait.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <pymm.h>

#define PYMM_NR_GENS		3		/* collected generations */
#define PYMM_GEN_OLD		2		/* the old generation, ... */
#define PYMM_GEN_PERM		3		/* the permanent generation */
#define PYMM_GEN_OLD2		4		/* ... and its other space */
#define PYMM_NR_LISTS		5		/* lists in pymm_heap.gens */
#define PYMM_GEN_COLLECTING	5		/* on a collection's lists */
#define PYMM_GEN_NONE		6		/* untracked: being destroyed */

/* Pause histogram buckets: < 1 us, then [2^(k-1), 2^k) us, then more. */
#define PYMM_PAUSE_BUCKETS	PYMM_GC_PAUSE_BUCKETS

/* An increment's work by default: objects taken plus references followed. */
#define PYMM_INCR_WORK		8192
/*
 * An allocation that may sleep waits, at most PYMM_PACE_MS, while gen0
 * holds more than PYMM_PACE times its threshold, PYMM_PACE_PASS times
 * during a pass (object.c, pymm_pace()).
 */
#define PYMM_PACE		8
#define PYMM_PACE_PASS		2
#define PYMM_PACE_MS		10

/* Dead objects cleared per hold of the heap lock. */
#define PYMM_DESTROY_BATCH	64

/* pymm_obj.state bits, used by the collector under heap->lock. */
#define PYMM_UNREACHABLE	BIT(0)

/* pymm_obj.aflags bits, atomic. */
#define PYMM_OBJ_FINALIZED	0

/**
 * struct pymm_obj - the header in front of every object
 * @gc_link:	entry in a generation or a collection's list
 * @dead:	entry in the heap's dead list once the refcount hit zero; the
 *		collector borrows it while it holds a reference
 * @type:	the caller's type
 * @heap:	the heap it belongs to
 * @ref:	references
 * @gc_refs:	the collector's scratch count, under heap->lock
 * @gen:	which list @gc_link is on, under gen_lock
 * @state:	collector marks, under heap->lock
 * @aflags:	PYMM_OBJ_FINALIZED
 */
struct pymm_obj {
	struct list_head gc_link;
	struct llist_node dead;
	const struct pymm_type *type;
	struct pymm_heap *heap;
	refcount_t ref;
	int gc_refs;
	u8 gen;
	u8 state;
	unsigned long aflags;
};

/**
 * struct pymm_gen - one generation of a heap
 * @objects:	objects on it
 * @nobjs:	length of @objects
 * @threshold:	when it is collected automatically; 0 never
 * @count:	progress toward @threshold, for gen1 and gen2: collections of
 *		the generation below since this one's last (gen0's progress
 *		is @nobjs itself)
 * @collections: collections of this generation
 * @collected:	objects freed by them
 * @uncollectable: unreachable objects that survived being cleared
 * @last_pause_ns: duration of the last collection
 * @total_pause_ns: sum of them
 *
 * @objects and @nobjs are under gen_lock; the rest under collect_lock,
 * read by debugfs with READ_ONCE().
 */
struct pymm_gen {
	struct list_head objects;
	unsigned long nobjs;
	unsigned int threshold;
	unsigned int count;
	unsigned long collections;
	unsigned long collected;
	unsigned long uncollectable;
	u64 last_pause_ns;
	u64 total_pause_ns;
};

/**
 * struct pymm_gc_watch - what a heap's collector did, for debugfs and
 *	pymm_gc_stats(); written under collect_lock, read with READ_ONCE()
 * @pauses:	histogram of collections and increments by duration
 * @max_hold_ns: longest hold of the heap lock by the collector
 * @max_hold_run_ns: longest such hold during which the collector was never
 *		switched out: its own work, without others' time
 * @hold_start:	when the collector took the heap lock (under it)
 * @hold_switches: the collector's context switches then (under it)
 * @increments:	increments run
 * @passes:	incremental passes completed
 * @pass_collected: objects freed by the increments of the pass under way
 * @pass_uncollectable: uncollectable ones found by them
 * @pass_max_pause_ns: its longest increment
 * @pass_pause_ns: the sum of its increments
 * @backlog:	objects found unreachable by the last complete pass or full
 *		collection: garbage that had been waiting for it
 * @backlog_peak: the largest @backlog
 * @paced:	allocations that waited for the worker (pymm_pace())
 * @paced_ns:	how long they waited, in all
 */
struct pymm_gc_watch {
	unsigned long pauses[PYMM_PAUSE_BUCKETS];
	u64 max_hold_ns;
	u64 max_hold_run_ns;
	u64 hold_start;
	unsigned long hold_switches;
	unsigned long increments;
	unsigned long passes;
	unsigned long pass_collected;
	unsigned long pass_uncollectable;
	u64 pass_max_pause_ns;
	u64 pass_pause_ns;
	unsigned long backlog;
	unsigned long backlog_peak;
	atomic_long_t paced;
	atomic64_t paced_ns;
};

/*
 * Counted, not ARRAY_SIZE(): without CONFIG_LOCKDEP a lock_class_key is
 * empty, and sizeof(keys) / sizeof(keys[0]) would divide by zero.
 */
#define PYMM_HEAP_NR_KEYS	3

/**
 * struct pymm_heap - a GC domain
 * @name:	unique; names its debugfs directory
 * @collect_lock: see the lock order above
 * @drain_lock:	see the lock order above
 * @lock:	pymm_lock()
 * @keys:	lockdep classes of the three mutexes, per heap, so that one
 *		heap's callbacks may use another heap
 * @lock_owner:	task holding @lock, or NULL
 * @drainer:	task running the destroy loop, or NULL
 * @gen_lock:	see the lock order above
 * @gens:	generations 0..2, the permanent one and the old generation's
 *		second space (see the top of this file)
 * @old_pending: PYMM_GEN_OLD or PYMM_GEN_OLD2: the old space an incremental
 *		pass has still to visit; the other holds what it visited.
 *		Under collect_lock.
 * @in_pass:	an incremental pass of the old generation is under way;
 *		under collect_lock
 * @incremental: automatic collections of the old generation run as
 *		increments (the default); off, as one collection
 * @incr_work:	the work an increment aims at: objects taken plus
 *		references followed while its set is built
 * @watch:	what the collector did
 * @ncollecting: objects on a collection's private lists
 * @long_lived_total: objects in gen2 after the last full collection
 * @long_lived_pending: objects moved into gen2 since then
 * @enabled:	automatic collection on
 * @dead_list:	objects whose refcount hit zero, waiting for the loop
 * @work:	drains @dead_list and runs automatic collections: heap.c's
 *		worker, queued through pymm_heap_queue()
 * @nobjs:	live objects, plus one for the heap itself until
 *		pymm_heap_destroy(); the heap struct lives while it is not zero
 * @dying:	pymm_obj_dead() calls under way that found @orphaned false;
 *		pymm_heap_destroy() waits for them to finish
 * @dying_wait:	where pymm_heap_destroy() waits, its only waiter
 * @pace_wait:	where allocations wait for the worker (pymm_pace())
 * @orphaned:	pymm_heap_destroy() has begun its final drain: from then on
 *		only its drain loop pushes dead objects, every other death is
 *		an orphan's, freed without callbacks
 * @debugfs:	heaps/<name>/
 * @node:	entry in object.c's list of heap structs, under pymm_heaps_lock
 * @rcu:	the struct is freed after a grace period (pymm_dead_done())
 */
struct pymm_heap {
	char name[32];
	struct mutex collect_lock;	/* see @collect_lock above */
	struct mutex drain_lock;	/* see @drain_lock above */
	struct mutex lock;		/* see @lock above */
	struct lock_class_key keys[PYMM_HEAP_NR_KEYS];
	struct task_struct *lock_owner;
	struct task_struct *drainer;
	spinlock_t gen_lock;		/* see @gen_lock above */
	struct pymm_gen gens[PYMM_NR_LISTS];
	u8 old_pending;
	bool in_pass;
	bool incremental;
	unsigned long incr_work;
	struct pymm_gc_watch watch;
	unsigned long ncollecting;
	unsigned long long_lived_total;
	unsigned long long_lived_pending;
	bool enabled;
	struct llist_head dead_list;
	struct work_struct work;
	atomic_long_t nobjs;
	atomic_t dying;
	struct rcuwait dying_wait;
	wait_queue_head_t pace_wait;
	bool orphaned;
	struct dentry *debugfs;
	struct list_head node;
	struct rcu_head rcu;
};

static inline struct pymm_obj *pymm_hdr(const void *obj)
{
	return (struct pymm_obj *)obj - 1;
}

static inline void *pymm_body(struct pymm_obj *o)
{
	return o + 1;
}

/*
 * Tasks holding some heap's lock or running some heap's destroy loop.  A
 * last put destroys inline only when it is zero: pymm cannot tell whether
 * the putting task is one of them (it has no per-task state), and if it is,
 * destroying would take a second heap's locks inside the first's.
 */
extern atomic_t pymm_heaps_busy;

/* Take the heap lock and count this task busy; pymm_lock() is this. */
static inline void pymm_gc_lock(struct pymm_heap *heap)
{
	mutex_lock(&heap->lock);
	atomic_inc(&pymm_heaps_busy);
	WRITE_ONCE(heap->lock_owner, current);
}

static inline void pymm_gc_unlock(struct pymm_heap *heap)
{
	WRITE_ONCE(heap->lock_owner, NULL);
	atomic_dec(&pymm_heaps_busy);
	mutex_unlock(&heap->lock);
}

/* Holding drain_lock, become @heap's drainer: its deaths are only queued. */
static inline void pymm_drainer_set(struct pymm_heap *heap)
{
	atomic_inc(&pymm_heaps_busy);
	WRITE_ONCE(heap->drainer, current);
}

/*
 * Take @heap's drain_lock and become its drainer, until pymm_drain_end();
 * pymm_drain_trybegin() does the same unless another task holds the lock.
 */
static inline void pymm_drain_begin(struct pymm_heap *heap)
{
	mutex_lock(&heap->drain_lock);
	pymm_drainer_set(heap);
}

static inline bool pymm_drain_trybegin(struct pymm_heap *heap)
{
	if (!mutex_trylock(&heap->drain_lock))
		return false;
	pymm_drainer_set(heap);
	return true;
}

static inline void pymm_drain_end(struct pymm_heap *heap)
{
	WRITE_ONCE(heap->drainer, NULL);
	atomic_dec(&pymm_heaps_busy);
	mutex_unlock(&heap->drain_lock);
}

/* The worker took gen0 down: wake allocations waiting in pymm_pace(). */
static inline void pymm_pace_wake(struct pymm_heap *heap)
{
	if (wq_has_sleeper(&heap->pace_wait))
		wake_up_all(&heap->pace_wait);
}

/* object.c: heap lifetime */
int pymm_heap_link(struct pymm_heap *heap);
void pymm_heap_put(struct pymm_heap *heap);
int pymm_heaps_init(void);
void pymm_heaps_exit(void);

/* object.c: destruction, and the heap's work */
void pymm_heap_queue(struct pymm_heap *heap);
void pymm_obj_destroy_list(struct pymm_heap *heap, struct llist_node *list);
void pymm_heap_drain(struct pymm_heap *heap, bool wait);
#if IS_ENABLED(CONFIG_KUNIT)
void pymm_test_destroy_waits(struct pymm_heap *heap);
#else
static inline void pymm_test_destroy_waits(struct pymm_heap *heap)
{
}
#endif

#endif /* _PYMM_OBJECT_H */
