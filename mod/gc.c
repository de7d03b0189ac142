// SPDX-License-Identifier: GPL-2.0
/*
 * The generational cycle collector, and freeze and unfreeze: the middle of
 * the object layers (see object.h), calling object.c only; heap.c calls it
 * through gc.h.
 *
 * It owns the generations' statistics and counts, the long-lived counts,
 * and a collection's private lists: an object on one has gen ==
 * PYMM_GEN_COLLECTING and is counted in heap->ncollecting, and only this
 * file moves it on or off, under the heap lock.
 *
 * Locking: a collection runs under collect_lock (its caller's), holds
 * drain_lock as the heap's drainer throughout, so that the deaths it causes
 * are queued and destroyed before it returns, and holds the heap lock while
 * it decides (steps 1-4 and 7), dropping it only around each finalizer;
 * gen_lock is taken briefly each time objects move between a generation and
 * a private list.  Freeze and unfreeze take collect_lock, the heap lock and
 * gen_lock, in that order.
 *
 * A collection of generation g merges generations 0..g into a private list
 * and, holding the heap lock so that no edge changes:
 *   1. update_refs:  gc_refs = refcount for each object;
 *   2. subtract:     every reference from an object of the set to another
 *                    one (found with traverse()) is subtracted, leaving in
 *                    gc_refs only the references from outside the set;
 *   3. move_unreachable: objects with gc_refs > 0 are reachable, and so is
 *                    everything reachable from them; the rest is moved to
 *                    the unreachable list;
 *   4. survivors move to generation g + 1 (gen2 stays gen2).
 * Then for the unreachable objects:
 *   5. finalize() runs once per object, without the heap lock (a
 *      finalizer may take it, and may resurrect);
 *   6. if any finalizer ran, steps 1-3 are redone over them, so that what
 *      was resurrected, and what it reaches, survives;
 *   7. each remaining object is held by a temporary reference and clear()
 *      breaks its references;
 *   8. the temporary references are dropped: objects that reach zero are
 *      destroyed (their finalizer does not run again); any that do not
 *      were kept alive by something clear() left, and are counted as
 *      uncollectable.
 *
 * Objects die only through their refcount, here as anywhere: the collector
 * never frees an object someone still references.  Other tasks may get and
 * put throughout: a new reference to an object of the set can only come
 * from a reference that was already counted, or from an edge read under the
 * heap lock, which the collector holds while it decides.  An object whose
 * refcount already reached zero is left to its destroyer.
 *
 * Automatic collection follows CPython (whose default thresholds heap.c
 * gives a new heap): gen0 when it holds more than gen0's threshold objects,
 * gen1 once gen1's threshold of gen0 collections have happened since its
 * last, gen2 once gen2's threshold of gen1 collections have, and only while
 * the objects moved into gen2 since the last full collection exceed a
 * quarter of those that survived it.  (CPython's own test is count >
 * threshold for every generation, one collection later for gen1 and gen2.)
 * CPython counts gen0 as allocations minus deallocations; pymm counts the
 * objects in gen0, which is the same number when only gen0 objects die, but
 * cannot be cancelled by deaths of the previous collection's garbage while
 * a client allocates on another CPU or between preemptions: garbage never
 * sits in gen0 above the threshold without a collection queued.  It runs in
 * the heap's worker, never where an object is allocated.
 */
#include <linux/export.h>
#include <linux/sched.h>
#include <linux/timekeeping.h>

#include "object.h"
#include "gc.h"
#include "trace.h"

/* pymm_obj.state: refcount was zero at update_refs, its destroyer owns it. */
#define PYMM_DYING	BIT(1)

/* @child if it is an object of the collection under way in @heap. */
static struct pymm_obj *pymm_in_set(struct pymm_heap *heap, void *child)
{
	struct pymm_obj *c;

	if (!child)
		return NULL;
	c = pymm_hdr(child);
	if (c->heap != heap || c->gen != PYMM_GEN_COLLECTING ||
	    (c->state & PYMM_DYING))
		return NULL;
	return c;
}

static void pymm_update_refs(struct list_head *set)
{
	struct pymm_obj *o;

	list_for_each_entry(o, set, gc_link) {
		/* A saturated refcount stays far above zero: such an object
		 * is leaked on purpose, and must look reachable.
		 */
		o->gen = PYMM_GEN_COLLECTING;
		o->gc_refs = min_t(unsigned int, refcount_read(&o->ref),
				   INT_MAX / 2);
		o->state = o->gc_refs ? 0 : PYMM_DYING;
	}
}

static int pymm_visit_decref(void *child, void *arg)
{
	struct pymm_obj *c = pymm_in_set(arg, child);

	if (c)
		c->gc_refs--;
	return 0;
}

static void pymm_subtract_refs(struct pymm_heap *heap, struct list_head *set)
{
	struct pymm_obj *o;

	list_for_each_entry(o, set, gc_link)
		if (!(o->state & PYMM_DYING))
			o->type->traverse(pymm_body(o), pymm_visit_decref, heap);
}

struct pymm_reach {
	struct pymm_heap *heap;
	struct list_head *reachable;
};

static int pymm_visit_reachable(void *child, void *arg)
{
	struct pymm_reach *r = arg;
	struct pymm_obj *c = pymm_in_set(r->heap, child);

	if (!c)
		return 0;
	if (c->state & PYMM_UNREACHABLE) {
		/* Tentatively unreachable: back to be scanned again. */
		list_move_tail(&c->gc_link, r->reachable);
		c->state &= ~PYMM_UNREACHABLE;
		c->gc_refs = 1;
	} else if (!c->gc_refs) {
		/* Not scanned yet: mark it reachable for when it is. */
		c->gc_refs = 1;
	}
	return 0;
}

/*
 * Leave in @set what is reachable from outside it and move the rest to
 * @unreachable.  Objects appended to @set while it is walked are walked too.
 * An object that stays is moved to generation @dest as it is passed (it
 * leaves the collection, so pymm_in_set() ignores it from then on, as it
 * would have found nothing left to do with it), which spares
 * pymm_splice() a walk.  Returns how many stay.
 */
static unsigned long pymm_move_unreachable(struct pymm_heap *heap,
					   struct list_head *set,
					   struct list_head *unreachable,
					   unsigned int dest)
{
	struct pymm_reach r = { .heap = heap, .reachable = set };
	struct pymm_obj *o, *next;
	unsigned long stay = 0;

	o = list_first_entry(set, struct pymm_obj, gc_link);
	while (&o->gc_link != set) {
		if (o->gc_refs > 0 || (o->state & PYMM_DYING)) {
			if (!(o->state & PYMM_DYING))
				o->type->traverse(pymm_body(o),
						  pymm_visit_reachable, &r);
			next = list_next_entry(o, gc_link);
			o->gen = dest;
			stay++;
		} else {
			next = list_next_entry(o, gc_link);
			list_move_tail(&o->gc_link, unreachable);
			o->state |= PYMM_UNREACHABLE;
		}
		o = next;
	}
	return stay;
}

/* Objects of @set whose refcount was zero at update_refs. */
static unsigned long pymm_count_dying(struct list_head *set)
{
	unsigned long n = 0;
	struct pymm_obj *o;

	list_for_each_entry(o, set, gc_link)
		if (o->state & PYMM_DYING)
			n++;
	return n;
}

/*
 * Steps 1-3 over @set: what stays in @set is reachable, and its objects'
 * gen is already @dest.  Returns how many stay.
 */
static unsigned long pymm_find_unreachable(struct pymm_heap *heap,
					   struct list_head *set,
					   struct list_head *unreachable,
					   unsigned int dest)
{
	pymm_update_refs(set);
	pymm_subtract_refs(heap, set);
	return pymm_move_unreachable(heap, set, unreachable, dest);
}

/*
 * Put the @n objects of a private list, whose gen is @gen already, on
 * generation @gen's list.  Called with the heap lock held: nothing else
 * looks at gen of objects on private lists.
 */
static void pymm_splice(struct pymm_heap *heap, struct list_head *list,
			unsigned int gen, unsigned long n)
{
	unsigned long flags;

	spin_lock_irqsave(&heap->gen_lock, flags);
	list_splice_tail_init(list, &heap->gens[gen].objects);
	heap->gens[gen].nobjs += n;
	heap->ncollecting -= n;
	spin_unlock_irqrestore(&heap->gen_lock, flags);
}

/* Move the objects of a private list to generation @gen. */
static unsigned long pymm_settle(struct pymm_heap *heap,
				 struct list_head *list, unsigned int gen)
{
	struct pymm_obj *o;
	unsigned long n = 0;

	list_for_each_entry(o, list, gc_link) {
		o->gen = gen;
		n++;
	}
	pymm_splice(heap, list, gen, n);
	return n;
}

/*
 * Take generations @from..@to onto the private list @set.  Called with the
 * heap lock held, as every change to a private list is.  Return: the
 * objects taken.
 */
static unsigned long pymm_gather(struct pymm_heap *heap, int from, int to,
				 struct list_head *set)
{
	unsigned long flags, n = 0;
	int i;

	spin_lock_irqsave(&heap->gen_lock, flags);
	for (i = from; i <= to; i++) {
		list_splice_tail_init(&heap->gens[i].objects, set);
		n += heap->gens[i].nobjs;
		heap->gens[i].nobjs = 0;
	}
	heap->ncollecting += n;
	spin_unlock_irqrestore(&heap->gen_lock, flags);
	return n;
}

/*
 * Step 5: run each pending finalizer once, heap lock dropped around it.
 * Everything ends up on @finalized.  Returns whether the lock was dropped.
 */
static bool pymm_finalize(struct pymm_heap *heap, struct list_head *unreachable,
			  struct list_head *finalized)
{
	bool dropped = false;
	struct pymm_obj *o;

	while (!list_empty(unreachable)) {
		o = list_first_entry(unreachable, struct pymm_obj, gc_link);
		list_move_tail(&o->gc_link, finalized);
		if (!o->type->finalize ||
		    test_bit(PYMM_OBJ_FINALIZED, &o->aflags) ||
		    !refcount_inc_not_zero(&o->ref))
			continue;
		if (test_and_set_bit(PYMM_OBJ_FINALIZED, &o->aflags)) {
			pymm_put(pymm_body(o));	/* its destroyer got there */
			continue;
		}
		pymm_gc_unlock(heap);
		dropped = true;
		o->type->finalize(pymm_body(o));
		pymm_put(pymm_body(o));
		pymm_gc_lock(heap);
	}
	return dropped;
}

/*
 * Steps 7-8.  Called with the heap lock held and drain_lock held with
 * drainer == current; returns with the heap lock dropped.  Objects are
 * held through their dead node while the list is gone.
 */
static void pymm_delete_garbage(struct pymm_heap *heap,
				struct list_head *garbage, unsigned int dest,
				unsigned long *collected,
				unsigned long *uncollectable)
{
	struct llist_node *held = NULL, *dying = NULL, *node;
	struct pymm_obj *o, *next;

	list_for_each_entry(o, garbage, gc_link) {
		if (!refcount_inc_not_zero(&o->ref)) {
			(*collected)++;		/* dying: its destroyer frees it */
			continue;
		}
		o->dead.next = held;
		held = &o->dead;
	}
	for (node = held; node; node = node->next) {
		o = llist_entry(node, struct pymm_obj, dead);
		o->type->clear(pymm_body(o));
	}
	pymm_settle(heap, garbage, dest);
	pymm_gc_unlock(heap);

	llist_for_each_entry_safe(o, next, held, dead) {
		if (refcount_dec_and_test(&o->ref)) {
			o->dead.next = dying;
			dying = &o->dead;
			(*collected)++;
		} else {
			(*uncollectable)++;
		}
	}
	pymm_obj_destroy_list(heap, llist_reverse_order(dying));
}

/*
 * CPython's gc_collect_main() counts as the collection of @g starts: the
 * next generation's count goes up and the collected ones start again from
 * zero.  (Gen0's progress is its length: objects allocated during the
 * collection are in gen0 after it.)
 */
static void pymm_count(struct pymm_heap *heap, int g)
{
	int i;

	if (g + 1 < PYMM_NR_GENS)
		WRITE_ONCE(heap->gens[g + 1].count, heap->gens[g + 1].count + 1);
	for (i = 1; i <= g; i++)
		WRITE_ONCE(heap->gens[i].count, 0);
}

/* Statistics, and the long-lived counts, once @g has been collected. */
static void pymm_account(struct pymm_heap *heap, int g, unsigned long survivors,
			 unsigned long collected, unsigned long uncollectable,
			 u64 pause)
{
	struct pymm_gen *gen = &heap->gens[g];

	WRITE_ONCE(gen->collections, gen->collections + 1);
	WRITE_ONCE(gen->collected, gen->collected + collected);
	WRITE_ONCE(gen->uncollectable, gen->uncollectable + uncollectable);
	WRITE_ONCE(gen->last_pause_ns, pause);
	WRITE_ONCE(gen->total_pause_ns, gen->total_pause_ns + pause);

	if (g == PYMM_NR_GENS - 2) {
		WRITE_ONCE(heap->long_lived_pending,
			   heap->long_lived_pending + survivors);
	} else if (g == PYMM_NR_GENS - 1) {
		WRITE_ONCE(heap->long_lived_pending, 0);
		WRITE_ONCE(heap->long_lived_total,
			   READ_ONCE(heap->gens[g].nobjs));
	}
}

/*
 * Collect generations 0..@g of @heap, with collect_lock held.
 * Return: the number of unreachable objects freed.
 */
static long pymm_collect_locked(struct pymm_heap *heap, int g)
{
	unsigned int dest = min(g + 1, PYMM_NR_GENS - 1);
	unsigned long survivors, n, objects, collected = 0, uncollectable = 0;
	LIST_HEAD(set);
	LIST_HEAD(unreachable);
	LIST_HEAD(finalized);
	LIST_HEAD(garbage);
	u64 start = ktime_get_ns(), pause;

	pymm_count(heap, g);
	pymm_drain_begin(heap);
	pymm_gc_lock(heap);

	objects = pymm_gather(heap, 0, g, &set);
	trace_gc_start(heap->name, g, false, objects);
	survivors = pymm_find_unreachable(heap, &set, &unreachable, dest);
	pymm_splice(heap, &set, dest, survivors);

	if (pymm_finalize(heap, &unreachable, &finalized)) {
		/* Step 6: what a finalizer resurrected survives. */
		n = pymm_find_unreachable(heap, &finalized, &garbage, dest);
		/* Garbage whose finalizer broke its cycle is dying already. */
		collected = pymm_count_dying(&finalized);
		pymm_splice(heap, &finalized, dest, n);
		survivors += n - collected;
	} else {
		list_splice_init(&finalized, &garbage);
	}
	pymm_delete_garbage(heap, &garbage, dest, &collected, &uncollectable);

	pymm_drain_end(heap);
	/* Deaths the collection caused, destroyed before returning. */
	pymm_heap_drain(heap, true);

	pause = ktime_get_ns() - start;
	pymm_account(heap, g, survivors, collected, uncollectable, pause);
	trace_gc_end(heap->name, g, false, collected, uncollectable, objects,
		     pause);
	return collected;
}

/**
 * pymm_collect - run a collection now
 * @heap: the heap
 * @generation: 0, 1 or 2: collect generations 0..@generation
 *
 * Synchronous: returns once the garbage found has been destroyed.
 *
 * Context: process context; not from a callback of @heap, not with the heap
 * lock held.
 * Return: the number of unreachable objects freed, or -EINVAL for a bad
 * generation, -EDEADLK if called with the heap's lock held or from inside
 * its destroy loop.
 */
long pymm_collect(struct pymm_heap *heap, int generation)
{
	long n;

	if (generation < 0 || generation >= PYMM_NR_GENS)
		return -EINVAL;
	if (WARN_ONCE(current == READ_ONCE(heap->lock_owner) ||
		      current == READ_ONCE(heap->drainer),
		      "pymm: %s(%s) from under its own lock or callback\n",
		      __func__, heap->name))
		return -EDEADLK;
	mutex_lock(&heap->collect_lock);
	n = pymm_collect_locked(heap, generation);
	mutex_unlock(&heap->collect_lock);
	return n;
}
EXPORT_SYMBOL_GPL(pymm_collect);

/* Objects in gen0 now. */
static unsigned long pymm_gen0_nobjs(struct pymm_heap *heap)
{
	unsigned long flags, n;

	spin_lock_irqsave(&heap->gen_lock, flags);
	n = heap->gens[0].nobjs;
	spin_unlock_irqrestore(&heap->gen_lock, flags);
	return n;
}

/* Which generation CPython's collect_generations() would collect, or -1. */
static int pymm_auto_generation(struct pymm_heap *heap)
{
	int i;

	for (i = PYMM_NR_GENS - 1; i >= 0; i--) {
		struct pymm_gen *gen = &heap->gens[i];
		unsigned long count = i ? gen->count : pymm_gen0_nobjs(heap);

		/* gen0 once it holds more objects than its threshold, gen1
		 * and gen2 once their count of collections of the generation
		 * below reaches theirs.
		 */
		if (!gen->threshold ||
		    (i ? count < gen->threshold : count <= gen->threshold))
			continue;
		/* gen2 only while pending exceeds a quarter of long-lived. */
		if (i == PYMM_NR_GENS - 1 &&
		    4 * heap->long_lived_pending <= heap->long_lived_total)
			continue;
		return i;
	}
	return -1;
}

/**
 * pymm_collect_auto - the worker's collection, when thresholds say so
 * @heap: the heap
 */
void pymm_collect_auto(struct pymm_heap *heap)
{
	int g;

	mutex_lock(&heap->collect_lock);
	if (READ_ONCE(heap->enabled) && heap->gens[0].threshold) {
		g = pymm_auto_generation(heap);
		if (g >= 0)
			pymm_collect_locked(heap, g);
	}
	mutex_unlock(&heap->collect_lock);
}

/**
 * pymm_collect_kick - queue an automatic collection if gen0 is over its
 *	threshold
 * @heap: the heap
 *
 * For when the threshold or the enabled switch changes: pymm_obj_new()
 * checks each allocation itself.
 *
 * Context: any context.
 */
void pymm_collect_kick(struct pymm_heap *heap)
{
	unsigned int t0 = READ_ONCE(heap->gens[0].threshold);

	if (t0 && READ_ONCE(heap->enabled) && pymm_gen0_nobjs(heap) > t0)
		pymm_heap_queue(heap);
}

/*
 * Move every object of generations @from..@to into generation @into.
 * Refused where collect_lock or the heap lock could already be this task's:
 * under pymm_lock(), or in a callback (the destroy loop, a collection).
 */
static int pymm_regen(struct pymm_heap *heap, int from, int to, int into,
		      const char *fn)
{
	LIST_HEAD(set);

	if (WARN_ONCE(current == READ_ONCE(heap->lock_owner) ||
		      current == READ_ONCE(heap->drainer),
		      "pymm: %s(%s) from under its own lock or callback\n",
		      fn, heap->name))
		return -EDEADLK;
	mutex_lock(&heap->collect_lock);
	pymm_gc_lock(heap);
	pymm_gather(heap, from, to, &set);
	pymm_settle(heap, &set, into);
	pymm_gc_unlock(heap);
	mutex_unlock(&heap->collect_lock);
	return 0;
}

/**
 * pymm_freeze - move every tracked object to the permanent generation
 * @heap: the heap
 *
 * Frozen objects are never collected, until pymm_unfreeze().
 *
 * Context: process context; not from a callback of @heap, not with the heap
 * lock held.
 * Return: 0, or -EDEADLK if called with the heap's lock held or from inside
 * its destroy loop or a collection (a callback).
 */
int pymm_freeze(struct pymm_heap *heap)
{
	return pymm_regen(heap, 0, PYMM_NR_GENS - 1, PYMM_GEN_PERM, __func__);
}
EXPORT_SYMBOL_GPL(pymm_freeze);

/**
 * pymm_unfreeze - move the permanent generation back into the oldest one
 * @heap: the heap
 *
 * Context: process context; not from a callback of @heap, not with the heap
 * lock held.
 * Return: 0, or -EDEADLK if called with the heap's lock held or from inside
 * its destroy loop or a collection (a callback).
 */
int pymm_unfreeze(struct pymm_heap *heap)
{
	return pymm_regen(heap, PYMM_GEN_PERM, PYMM_GEN_PERM, PYMM_NR_GENS - 1,
			  __func__);
}
EXPORT_SYMBOL_GPL(pymm_unfreeze);
