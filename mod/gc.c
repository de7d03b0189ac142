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
 * it decides (steps 1-4, dropping it only around each finalizer) and for
 * each batch of clears in step 7 (pymm_delete_garbage()); gen_lock is taken
 * briefly each time objects move between a generation and a private list.
 * Freeze and unfreeze take collect_lock, the heap lock and gen_lock, in
 * that order.
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
 *   4. survivors move to generation g + 1 (gen2's pending space for gen1
 *      and gen2).
 * Then for the unreachable objects:
 *   5. finalize() runs once per object, without the heap lock (a
 *      finalizer may take it, and may resurrect);
 *   6. if any finalizer ran, steps 1-3 are redone over them, so that what
 *      was resurrected, and what it reaches, survives;
 *   7. each remaining object is held by a temporary reference and clear()
 *      breaks its references, PYMM_DESTROY_BATCH objects to a hold of the
 *      heap lock;
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
 *
 * Increments.  A full collection holds the heap lock for the whole set,
 * about 20 ns per object without debugging: 20 ms for a million.  So when
 * the rule above calls for gen2 and increments are on (the default), the
 * worker runs a pass instead: increments, each a complete collection of
 * steps 1-8 over a slice of the young and the old generations, with the
 * heap lock and collect_lock dropped and cond_resched() between them.  The
 * old generation has two spaces, pending and visited (object.h): a slice is
 * taken from the heads of gen1, gen0 and then the pending space, object by
 * object, each with its closure in those (everything the set reaches
 * through traverse() that is young or still pending), until the
 * increment's work (objects taken plus references followed) reaches
 * heap->incr_work, and at least one old object.  A garbage cycle that
 * touches the set is then wholly inside it, so no write barrier is needed:
 * edges may change freely between increments, and what an increment frees
 * nobody outside its set referenced.  Survivors go to the visited space;
 * garbage that garbage outside the set referenced survives with them, and
 * waits for a later pass (a chain of k garbage components can take k).  When
 * the pending space is empty the pass ends, the spaces swap (no walk), and
 * it counts as gen2's collection: gen2's last pause is its longest
 * increment, long_lived_total the old generation after it.  What bounds an
 * increment is incr_work plus the closure of its last object: a connected
 * component larger than that (one tree of a million objects) is one
 * increment, as long as a full collection of it.  pymm_collect(heap, 2)
 * stays a full collection of both spaces, and ends a pass under way.
 */
#include <linux/bitops.h>
#include <linux/export.h>
#include <linux/math64.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "object.h"
#include "gc.h"
#include "trace.h"

/* pymm_obj.state: refcount was zero at update_refs, its destroyer owns it. */
#define PYMM_DYING	BIT(1)

/* pymm_slice() from the young generations alone: no gen is ever this. */
#define PYMM_NO_SPACE	UINT_MAX

/* The collector's context switches: this task's own, so stable here. */
static unsigned long pymm_switches(void)
{
	return current->nvcsw + current->nivcsw;
}

/*
 * The collector takes the heap lock through these: they time each hold,
 * and apart those during which it was never switched out (the time it was
 * preempted, while holding the lock, is others' work).
 */
static void pymm_hold(struct pymm_heap *heap)
{
	pymm_gc_lock(heap);
	heap->watch.hold_start = ktime_get_ns();
	heap->watch.hold_switches = pymm_switches();
}

static void pymm_unhold(struct pymm_heap *heap)
{
	struct pymm_gc_watch *w = &heap->watch;
	u64 held = ktime_get_ns() - w->hold_start;

	if (held > w->max_hold_ns)
		WRITE_ONCE(w->max_hold_ns, held);
	if (held > w->max_hold_run_ns && pymm_switches() == w->hold_switches)
		WRITE_ONCE(w->max_hold_run_ns, held);
	pymm_gc_unlock(heap);
}

/* The old space an incremental pass has visited: not the pending one. */
static unsigned int pymm_old_visited(struct pymm_heap *heap)
{
	return heap->old_pending == PYMM_GEN_OLD ? PYMM_GEN_OLD2 : PYMM_GEN_OLD;
}

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

/* Step 1 for @o, which joins the set. */
static void pymm_update_ref(struct pymm_obj *o)
{
	/* A saturated refcount stays far above zero: such an object is
	 * leaked on purpose, and must look reachable.
	 */
	o->gen = PYMM_GEN_COLLECTING;
	o->gc_refs = min_t(unsigned int, refcount_read(&o->ref), INT_MAX / 2);
	o->state = o->gc_refs ? 0 : PYMM_DYING;
}

static void pymm_update_refs(struct list_head *set)
{
	struct pymm_obj *o;

	list_for_each_entry(o, set, gc_link)
		pymm_update_ref(o);
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
					   unsigned int dest,
					   unsigned long *nfinal)
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
			if (o->type->finalize &&
			    !test_bit(PYMM_OBJ_FINALIZED, &o->aflags))
				(*nfinal)++;
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
					   unsigned int dest,
					   unsigned long *nfinal)
{
	pymm_update_refs(set);
	pymm_subtract_refs(heap, set);
	return pymm_move_unreachable(heap, set, unreachable, dest, nfinal);
}

/*
 * Put the @n objects of a private list, whose gen is @gen already, on
 * generation @gen's list.  Called with the heap lock held, so that nothing
 * else looks at gen of objects on private lists, or for garbage that no
 * other task can reach (pymm_delete_garbage()).
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
 * Take generations @from..@to onto the private list @set, both spaces of
 * the old generation for PYMM_GEN_OLD.  Called with the heap lock held, as
 * every change to a private list is.  Return: the objects taken.
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
		if (i != PYMM_GEN_OLD)
			continue;
		list_splice_tail_init(&heap->gens[PYMM_GEN_OLD2].objects, set);
		n += heap->gens[PYMM_GEN_OLD2].nobjs;
		heap->gens[PYMM_GEN_OLD2].nobjs = 0;
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
		pymm_unhold(heap);
		dropped = true;
		o->type->finalize(pymm_body(o));
		pymm_put(pymm_body(o));
		pymm_hold(heap);
	}
	return dropped;
}

/*
 * Steps 7-8.  Called with the heap lock held and drain_lock held with
 * drainer == current; returns with the heap lock dropped.  No object of
 * @garbage was dying when the set was counted (those stay, for their
 * destroyer), nothing outside it references one, and no finalizer will
 * run on one again: no other task can reach, get or put them, so the walks
 * need no lock.  The clears run under the heap lock, as struct pymm_type
 * promises, PYMM_DESTROY_BATCH to a hold, so that a long list of garbage
 * does not make one long hold.  Objects are held through their dead node
 * while the list is gone.
 */
static void pymm_delete_garbage(struct pymm_heap *heap,
				struct list_head *garbage, unsigned int dest,
				unsigned long *collected,
				unsigned long *uncollectable)
{
	struct llist_node *held = NULL, *dying = NULL, *node;
	struct pymm_obj *o, *next;
	unsigned long n = 0;

	pymm_unhold(heap);
	/* pymm_settle() in the same walk. */
	list_for_each_entry(o, garbage, gc_link) {
		o->gen = dest;
		n++;
		if (!refcount_inc_not_zero(&o->ref)) {
			(*collected)++;		/* dying: its destroyer frees it */
			continue;
		}
		o->dead.next = held;
		held = &o->dead;
	}
	pymm_splice(heap, garbage, dest, n);
	n = 0;
	for (node = held; node; node = node->next) {
		if (!(n % PYMM_DESTROY_BATCH)) {
			if (n) {
				pymm_unhold(heap);
				cond_resched();
			}
			pymm_hold(heap);
		}
		o = llist_entry(node, struct pymm_obj, dead);
		o->type->clear(pymm_body(o));
		n++;
	}
	if (n)
		pymm_unhold(heap);

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

/* Objects in gen0 now. */
static unsigned long pymm_gen0_nobjs(struct pymm_heap *heap)
{
	unsigned long flags, n;

	spin_lock_irqsave(&heap->gen_lock, flags);
	n = heap->gens[0].nobjs;
	spin_unlock_irqrestore(&heap->gen_lock, flags);
	return n;
}

/*
 * CPython's gc_collect_main() counts as the collection of @g starts: the
 * next generation's count goes up and the collected ones start again from
 * zero.  (Gen0's progress is its length: objects allocated during the
 * collection are in gen0 after it.)  CPython collects gen0 in the
 * allocation that crosses its threshold; the worker may come later, after
 * k thresholds' worth of allocations, and then its collection counts as
 * the k that CPython would have run (gen1's likewise, by its own count):
 * otherwise a worker falling behind would make gen1 and gen2 rarer the
 * more it falls behind.
 */
static void pymm_count(struct pymm_heap *heap, int g)
{
	unsigned int t = heap->gens[g].threshold;
	unsigned long k = 1;
	int i;

	if (g == 0 && t)
		k = pymm_gen0_nobjs(heap) / t;
	else if (g == 1 && t)
		k = heap->gens[1].count / t;
	k = clamp(k, 1UL, (unsigned long)INT_MAX);
	if (g + 1 < PYMM_NR_GENS)
		WRITE_ONCE(heap->gens[g + 1].count,
			   min_t(unsigned long, heap->gens[g + 1].count + k,
				 INT_MAX));
	for (i = 1; i <= g; i++)
		WRITE_ONCE(heap->gens[i].count, 0);
}

/* Objects in the old generation, both spaces. */
static unsigned long pymm_old_nobjs(struct pymm_heap *heap)
{
	return READ_ONCE(heap->gens[PYMM_GEN_OLD].nobjs) +
	       READ_ONCE(heap->gens[PYMM_GEN_OLD2].nobjs);
}

/*
 * Statistics, and the long-lived counts, once @g has been collected (for
 * gen2, by one collection or by a pass: @last is then its longest
 * increment and @total their sum).
 */
static void pymm_account(struct pymm_heap *heap, int g, unsigned long survivors,
			 unsigned long collected, unsigned long uncollectable,
			 u64 last, u64 total)
{
	struct pymm_gen *gen = &heap->gens[g];

	WRITE_ONCE(gen->collections, gen->collections + 1);
	WRITE_ONCE(gen->collected, gen->collected + collected);
	WRITE_ONCE(gen->uncollectable, gen->uncollectable + uncollectable);
	WRITE_ONCE(gen->last_pause_ns, last);
	WRITE_ONCE(gen->total_pause_ns, gen->total_pause_ns + total);

	if (g == PYMM_NR_GENS - 2) {
		WRITE_ONCE(heap->long_lived_pending,
			   heap->long_lived_pending + survivors);
	} else if (g == PYMM_GEN_OLD) {
		WRITE_ONCE(heap->long_lived_pending, 0);
		WRITE_ONCE(heap->long_lived_total, pymm_old_nobjs(heap));
	}
}

/* One collection or increment of @ns in the histogram. */
static void pymm_watch_pause(struct pymm_heap *heap, u64 ns)
{
	u64 us = div_u64(ns, NSEC_PER_USEC);
	unsigned int b = min_t(unsigned int, fls64(us), PYMM_PAUSE_BUCKETS - 1);

	WRITE_ONCE(heap->watch.pauses[b], heap->watch.pauses[b] + 1);
}

/* A gen2 collection or a pass found @n unreachable objects. */
static void pymm_watch_backlog(struct pymm_heap *heap, unsigned long n)
{
	WRITE_ONCE(heap->watch.backlog, n);
	if (n > heap->watch.backlog_peak)
		WRITE_ONCE(heap->watch.backlog_peak, n);
}

struct pymm_gc_result {
	unsigned long objects;		/* in the set */
	unsigned long survivors;
	unsigned long collected;
	unsigned long uncollectable;
};

/*
 * Steps 1-8 over @set, survivors to @dest; steps 1 and 2 are done already
 * if @counted (pymm_slice() did them).  Called with the heap lock held
 * (through pymm_hold()) and drain_lock as the drainer; returns with the
 * heap lock dropped.
 */
static void pymm_collect_set(struct pymm_heap *heap, struct list_head *set,
			     unsigned int dest, bool counted,
			     struct pymm_gc_result *r)
{
	LIST_HEAD(unreachable);
	LIST_HEAD(finalized);
	LIST_HEAD(garbage);
	unsigned long n, nfinal = 0;

	if (counted)
		r->survivors = pymm_move_unreachable(heap, set, &unreachable,
						     dest, &nfinal);
	else
		r->survivors = pymm_find_unreachable(heap, set, &unreachable,
						     dest, &nfinal);
	pymm_splice(heap, set, dest, r->survivors);

	/* With no finalizer to run, no walk for step 5. */
	if (nfinal && pymm_finalize(heap, &unreachable, &finalized)) {
		/* Step 6: what a finalizer resurrected survives. */
		n = pymm_find_unreachable(heap, &finalized, &garbage, dest,
					  &nfinal);
		/* Garbage whose finalizer broke its cycle is dying already. */
		r->collected = pymm_count_dying(&finalized);
		pymm_splice(heap, &finalized, dest, n);
		r->survivors += n - r->collected;
	} else {
		list_splice_init(&finalized, &garbage);
		list_splice_init(&unreachable, &garbage);
	}
	pymm_delete_garbage(heap, &garbage, dest, &r->collected,
			    &r->uncollectable);
}

/*
 * Collect generations 0..@g of @heap, with collect_lock held; gen2 is
 * both old spaces, and ends any pass under way.
 * Return: the number of unreachable objects freed.
 */
static long pymm_collect_locked(struct pymm_heap *heap, int g)
{
	unsigned int dest = g ? heap->old_pending : 1;
	struct pymm_gc_result r = {};
	u64 start = ktime_get_ns(), pause;
	LIST_HEAD(set);

	pymm_count(heap, g);
	pymm_drain_begin(heap);
	pymm_hold(heap);
	r.objects = pymm_gather(heap, 0, g, &set);
	trace_gc_start(heap->name, g, false, r.objects);
	pymm_collect_set(heap, &set, dest, false, &r);
	pymm_drain_end(heap);
	/* Deaths the collection caused, destroyed before returning. */
	pymm_heap_drain(heap, true);
	pymm_pace_wake(heap);

	pause = ktime_get_ns() - start;
	pymm_account(heap, g, r.survivors, r.collected, r.uncollectable,
		     pause, pause);
	pymm_watch_pause(heap, pause);
	if (g == PYMM_GEN_OLD) {
		WRITE_ONCE(heap->in_pass, false);
		pymm_watch_backlog(heap, r.collected + r.uncollectable);
	}
	trace_gc_end(heap->name, g, false, r.collected, r.uncollectable,
		     r.objects, pause);
	return r.collected;
}

/*
 * A slice: the set of one increment, or of one part of a young collection
 * taken in parts.  Its objects come from the pending old space (if @from
 * is one) and from the young generations up to @young, with what the set
 * reaches in those.
 */
struct pymm_slice {
	struct pymm_heap *heap;
	struct list_head *set;
	unsigned int from;	/* the pending space, or PYMM_NO_SPACE */
	int young;		/* the oldest young generation taken */
	unsigned long taken;	/* objects taken from the pending space */
	unsigned long young_taken;	/* from the young generations */
	unsigned long work;	/* objects taken + references followed */
};

/* Take @o from the pending space: its count is settled once for all. */
static void pymm_slice_take(struct pymm_slice *s, struct pymm_obj *o)
{
	list_move_tail(&o->gc_link, s->set);
	pymm_update_ref(o);
	s->taken++;
	s->work++;
}

/* Take @o, or if NULL the first object of the oldest young one with any. */
static bool pymm_slice_take_young(struct pymm_slice *s, struct pymm_obj *o)
{
	struct pymm_heap *heap = s->heap;
	unsigned long flags;
	int g;

	spin_lock_irqsave(&heap->gen_lock, flags);
	for (g = s->young; !o && g >= 0; g--)
		o = list_first_entry_or_null(&heap->gens[g].objects,
					     struct pymm_obj, gc_link);
	if (o) {
		list_move_tail(&o->gc_link, s->set);
		heap->gens[o->gen].nobjs--;
		heap->ncollecting++;
		pymm_update_ref(o);
		s->young_taken++;
		s->work++;
	}
	spin_unlock_irqrestore(&heap->gen_lock, flags);
	return o;
}

static int pymm_visit_take(void *child, void *arg)
{
	struct pymm_slice *s = arg;
	struct pymm_obj *c;

	s->work++;
	if (!child)
		return 0;
	c = pymm_hdr(child);
	if (c->heap != s->heap)
		return 0;
	if (c->gen == s->from)
		pymm_slice_take(s, c);
	else if (c->gen <= s->young)
		pymm_slice_take_young(s, c);
	/* Step 2 as the edge is followed: each object is traversed once. */
	if (c->gen == PYMM_GEN_COLLECTING && !(c->state & PYMM_DYING))
		c->gc_refs--;
	return 0;
}

/*
 * Build a slice: objects from the head of the pending space (if any), then
 * from the heads of the young generations, oldest first, each time with
 * everything the set reaches in those (its closure: a cycle that touches
 * the set lies wholly inside it), until @work is done, doing steps 1 and
 * 2 as it goes (each object is traversed once, all under one hold of the
 * heap lock, as pymm_find_unreachable() does them); with a pending
 * space, at least one object of it however much the young ones cost, or
 * a pass might never end.  The closure always completes, so one connected
 * component larger than @work is one slice.  Objects left out wait for the
 * next slice; their references into the set count as from outside it,
 * which only keeps more alive.  With the heap lock and collect_lock held,
 * under which an object's gen stays as it is: pymm_obj_new() adds to gen0
 * under gen_lock alone, so young objects move under gen_lock; only the
 * collector, under both, and a destroyer, under the heap lock, touch the
 * old spaces' lists, so old ones move without it, and their count changes
 * under it once for all.
 * Return: the objects in the set.
 */
static unsigned long pymm_slice(struct pymm_heap *heap, struct list_head *set,
				unsigned int from, int young,
				unsigned long work)
{
	struct pymm_slice s = {
		.heap = heap, .set = set, .from = from, .young = young,
	};
	struct list_head *pending = from != PYMM_NO_SPACE ?
				    &heap->gens[from].objects : NULL;
	struct list_head *cur = set;
	unsigned long flags;
	struct pymm_obj *o;

	for (;;) {
		while (cur->next != set) {
			cur = cur->next;
			o = list_entry(cur, struct pymm_obj, gc_link);
			/* Dead already: its destroyer owns its edges. */
			if (!(o->state & PYMM_DYING))
				o->type->traverse(pymm_body(o), pymm_visit_take,
						  &s);
		}
		/* At least one old object, then old ones while work is left. */
		if (pending && !list_empty(pending) &&
		    (!s.taken || s.work < work)) {
			o = list_first_entry(pending, struct pymm_obj, gc_link);
			pymm_slice_take(&s, o);
		} else if (s.work >= work ||
			   !pymm_slice_take_young(&s, NULL)) {
			break;
		}
	}
	if (pending) {
		spin_lock_irqsave(&heap->gen_lock, flags);
		heap->gens[from].nobjs -= s.taken;
		heap->ncollecting += s.taken;
		spin_unlock_irqrestore(&heap->gen_lock, flags);
	}
	return s.young_taken + s.taken;
}

/* Objects in generations 0..@g now. */
static unsigned long pymm_young_nobjs(struct pymm_heap *heap, int g)
{
	unsigned long flags, n = 0;
	int i;

	spin_lock_irqsave(&heap->gen_lock, flags);
	for (i = 0; i <= g; i++)
		n += heap->gens[i].nobjs;
	spin_unlock_irqrestore(&heap->gen_lock, flags);
	return n;
}

/*
 * The worker's collection of generations 0..@g (0 or 1) with increments
 * on, with collect_lock held: in slices of heap->incr_work from those
 * generations alone (pymm_slice()), each a complete collection under a
 * hold of its own, until as many objects as they held at the start have
 * been taken (what the client allocates meanwhile waits for the next).
 * The worker may come late, after many thresholds' worth of allocations,
 * and a single set would then make one long hold.  It counts as one
 * collection of @g.  Survivors go to @g + 1: for gen1, the pending space,
 * or the visited one during a pass, which has no need to visit them.
 */
static void pymm_collect_young_locked(struct pymm_heap *heap, int g)
{
	unsigned int dest = !g ? 1 : heap->in_pass ? pymm_old_visited(heap) :
			    heap->old_pending;
	unsigned long left = pymm_young_nobjs(heap, g);
	struct pymm_gc_result r = {}, part;
	u64 start = ktime_get_ns(), t0;
	LIST_HEAD(set);

	pymm_count(heap, g);
	trace_gc_start(heap->name, g, true, left);
	while (left) {
		memset(&part, 0, sizeof(part));
		t0 = ktime_get_ns();
		pymm_drain_begin(heap);
		pymm_hold(heap);
		part.objects = pymm_slice(heap, &set, PYMM_NO_SPACE, g,
					  READ_ONCE(heap->incr_work));
		pymm_collect_set(heap, &set, dest, true, &part);
		pymm_drain_end(heap);
		pymm_heap_drain(heap, true);
		pymm_pace_wake(heap);
		pymm_watch_pause(heap, ktime_get_ns() - t0);
		if (!part.objects)
			break;
		r.objects += part.objects;
		r.survivors += part.survivors;
		r.collected += part.collected;
		r.uncollectable += part.uncollectable;
		left -= min(left, part.objects);
		cond_resched();
	}
	t0 = ktime_get_ns() - start;
	pymm_account(heap, g, r.survivors, r.collected, r.uncollectable,
		     t0, t0);
	trace_gc_end(heap->name, g, true, r.collected, r.uncollectable,
		     r.objects, t0);
}

/* A pass starts: counted as gen2's collection starts (pymm_count()). */
static void pymm_pass_begin(struct pymm_heap *heap)
{
	struct pymm_gc_watch *w = &heap->watch;

	pymm_count(heap, PYMM_GEN_OLD);
	WRITE_ONCE(heap->in_pass, true);
	w->pass_collected = 0;
	w->pass_uncollectable = 0;
	w->pass_max_pause_ns = 0;
	w->pass_pause_ns = 0;
}

/* Every old object visited: the spaces swap, and it counts as gen2's. */
static void pymm_pass_end(struct pymm_heap *heap)
{
	struct pymm_gc_watch *w = &heap->watch;

	heap->old_pending = pymm_old_visited(heap);
	WRITE_ONCE(heap->in_pass, false);
	WRITE_ONCE(w->passes, w->passes + 1);
	pymm_account(heap, PYMM_GEN_OLD, 0, w->pass_collected,
		     w->pass_uncollectable, w->pass_max_pause_ns,
		     w->pass_pause_ns);
	pymm_watch_backlog(heap, w->pass_collected + w->pass_uncollectable);
}

/*
 * One increment of the pass under way (one begins if none is), with
 * collect_lock held.  Survivors go to the visited space.  Sets *@done when
 * it visited the last pending object, which ends the pass.
 * Return: the number of unreachable objects freed.
 */
static long pymm_increment_locked(struct pymm_heap *heap, unsigned long work,
				  bool *done)
{
	struct pymm_gc_watch *w = &heap->watch;
	struct pymm_gc_result r = {};
	u64 start = ktime_get_ns(), pause;
	LIST_HEAD(set);

	if (!heap->in_pass)
		pymm_pass_begin(heap);
	pymm_drain_begin(heap);
	pymm_hold(heap);
	r.objects = pymm_slice(heap, &set, heap->old_pending, 1, work);
	/* Nothing adds to the pending space without collect_lock. */
	*done = list_empty(&heap->gens[heap->old_pending].objects);
	trace_gc_start(heap->name, PYMM_GEN_OLD, true, r.objects);
	pymm_collect_set(heap, &set, pymm_old_visited(heap), true, &r);
	pymm_drain_end(heap);
	pymm_heap_drain(heap, true);
	pymm_pace_wake(heap);

	pause = ktime_get_ns() - start;
	pymm_watch_pause(heap, pause);
	WRITE_ONCE(w->increments, w->increments + 1);
	w->pass_collected += r.collected;
	w->pass_uncollectable += r.uncollectable;
	w->pass_pause_ns += pause;
	w->pass_max_pause_ns = max(w->pass_max_pause_ns, pause);
	trace_gc_end(heap->name, PYMM_GEN_OLD, true, r.collected,
		     r.uncollectable, r.objects, pause);
	if (*done)
		pymm_pass_end(heap);
	return r.collected;
}

/*
 * Would taking collect_lock deadlock?  Under pymm_lock(), or in a callback
 * (the destroy loop, a collection), it could already be this task's.  A
 * macro, so that each caller warns once of its own.
 */
#define pymm_gc_refused(heap, fn) ({					\
	struct pymm_heap *__h = (heap);					\
									\
	WARN_ONCE(current == READ_ONCE(__h->lock_owner) ||		\
		  current == READ_ONCE(__h->drainer),			\
		  "pymm: %s(%s) from under its own lock or callback\n",	\
		  fn, __h->name);					\
})

/**
 * pymm_collect - run a collection now
 * @heap: the heap
 * @generation: 0, 1 or 2: collect generations 0..@generation
 *
 * Synchronous: returns once the garbage found has been destroyed.  Gen2 is
 * a full collection, never increments: it ends an incremental pass under
 * way, as gc.collect() does in CPython.
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
	if (pymm_gc_refused(heap, __func__))
		return -EDEADLK;
	mutex_lock(&heap->collect_lock);
	n = pymm_collect_locked(heap, generation);
	mutex_unlock(&heap->collect_lock);
	return n;
}
EXPORT_SYMBOL_GPL(pymm_collect);

/**
 * pymm_collect_increment - run one increment of the old generation's pass
 * @heap: the heap
 * @work: what the increment aims at (objects taken from the old generation
 *	plus references followed), 0 for the heap's default; the closure of
 *	what it takes always completes, so one connected component is one
 *	increment however large
 * @pass_done: if not NULL, set to whether this increment ended the pass
 *
 * The increment collects a slice of the old generation, then young objects
 * with the work it leaves, with everything they reach among the young and
 * the not yet visited old objects; a pass begins if none is under way, and
 * ends once every old object has been visited.  For a client that schedules its
 * own increments: the heap's worker runs them itself when the thresholds
 * call for gen2 and increments are on (pymm_set_incremental()).
 *
 * Context: process context; not from a callback of @heap, not with the heap
 * lock held.
 * Return: the number of unreachable objects freed, or -EDEADLK if called
 * with the heap's lock held or from inside its destroy loop.
 */
long pymm_collect_increment(struct pymm_heap *heap, unsigned long work,
			    bool *pass_done)
{
	bool done;
	long n;

	if (pymm_gc_refused(heap, __func__))
		return -EDEADLK;
	mutex_lock(&heap->collect_lock);
	n = pymm_increment_locked(heap, work ?: READ_ONCE(heap->incr_work),
				  &done);
	mutex_unlock(&heap->collect_lock);
	if (pass_done)
		*pass_done = done;
	return n;
}
EXPORT_SYMBOL_GPL(pymm_collect_increment);

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

/* During a pass: gen0 or gen1 if the thresholds call for them, or -1. */
static int pymm_young_due(struct pymm_heap *heap)
{
	struct pymm_gen *g1 = &heap->gens[1];

	if (pymm_gen0_nobjs(heap) <= heap->gens[0].threshold)
		return -1;
	return g1->threshold && g1->count >= g1->threshold;
}

/**
 * pymm_collect_auto - the worker's collection, when thresholds say so
 * @heap: the heap
 *
 * With increments on, gen0 and gen1 are collected in slices
 * (pymm_collect_young_locked()), and gen2 is a pass: increments until every
 * old object has been visited, collect_lock and the heap lock dropped
 * between them and the CPU offered (cond_resched()), with the young
 * collections that the thresholds call for meanwhile between them (the
 * first increment takes young objects too, with the work its old slice
 * leaves).  A pass
 * left unfinished (the heap disabled meanwhile) goes on at the next call;
 * one whose increments were turned off meanwhile ends in a full collection.
 */
void pymm_collect_auto(struct pymm_heap *heap)
{
	bool done;
	int g;

	mutex_lock(&heap->collect_lock);
	if (!READ_ONCE(heap->enabled) || !heap->gens[0].threshold)
		goto out;
	if (!heap->in_pass) {
		g = pymm_auto_generation(heap);
		if (g < 0)
			goto out;
		if (!READ_ONCE(heap->incremental)) {
			pymm_collect_locked(heap, g);
			goto out;
		}
		if (g < PYMM_GEN_OLD) {
			pymm_collect_young_locked(heap, g);
			goto out;
		}
	}
	for (;;) {
		if (!READ_ONCE(heap->incremental)) {
			pymm_collect_locked(heap, PYMM_GEN_OLD);
			break;
		}
		pymm_increment_locked(heap, READ_ONCE(heap->incr_work), &done);
		if (done || !READ_ONCE(heap->enabled))
			break;
		mutex_unlock(&heap->collect_lock);
		cond_resched();
		mutex_lock(&heap->collect_lock);
		if (!heap->in_pass)	/* a full collection ended it */
			break;
		/* The young collections the thresholds call for go on. */
		g = pymm_young_due(heap);
		if (g >= 0)
			pymm_collect_young_locked(heap, g);
	}
out:
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
 * Move every object of generations @from..@to into generation @into, the
 * pending old space for PYMM_GEN_OLD; taking the old generation ends a
 * pass under way.  Refused (pymm_gc_refused()) where collect_lock could
 * already be this task's.
 */
static int pymm_regen(struct pymm_heap *heap, int from, int to, int into,
		      const char *fn)
{
	LIST_HEAD(set);

	if (pymm_gc_refused(heap, fn))
		return -EDEADLK;
	mutex_lock(&heap->collect_lock);
	if (into == PYMM_GEN_OLD)
		into = heap->old_pending;
	if (from <= PYMM_GEN_OLD && to >= PYMM_GEN_OLD)
		WRITE_ONCE(heap->in_pass, false);
	pymm_hold(heap);
	pymm_gather(heap, from, to, &set);
	pymm_settle(heap, &set, into);
	pymm_unhold(heap);
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
	return pymm_regen(heap, PYMM_GEN_PERM, PYMM_GEN_PERM, PYMM_GEN_OLD,
			  __func__);
}
EXPORT_SYMBOL_GPL(pymm_unfreeze);

/**
 * pymm_set_incremental - run automatic gen2 collections as increments
 * @heap: the heap
 * @on: true (a new heap's setting) for increments, false for one full
 *	collection each time, as before, for comparison
 *
 * Turned off during a pass, the pass ends in a full collection at the
 * worker's next turn.
 *
 * Context: any context.
 */
void pymm_set_incremental(struct pymm_heap *heap, bool on)
{
	WRITE_ONCE(heap->incremental, on);
	pymm_collect_kick(heap);
}
EXPORT_SYMBOL_GPL(pymm_set_incremental);

/**
 * pymm_gc_stats - what a heap's collector did
 * @heap: the heap
 * @st: filled in; each figure is read on its own, not all at one instant
 *
 * Context: any context.
 */
void pymm_gc_stats(struct pymm_heap *heap, struct pymm_gc_stats *st)
{
	struct pymm_gc_watch *w = &heap->watch;
	unsigned long flags;
	int i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < PYMM_PAUSE_BUCKETS; i++)
		st->pauses[i] = READ_ONCE(w->pauses[i]);
	st->max_hold_ns = READ_ONCE(w->max_hold_ns);
	st->max_hold_run_ns = READ_ONCE(w->max_hold_run_ns);
	st->increments = READ_ONCE(w->increments);
	st->passes = READ_ONCE(w->passes);
	for (i = 0; i < PYMM_NR_GENS; i++) {
		st->collections[i] = READ_ONCE(heap->gens[i].collections);
		st->collected[i] = READ_ONCE(heap->gens[i].collected);
	}
	st->backlog = READ_ONCE(w->backlog);
	st->backlog_peak = READ_ONCE(w->backlog_peak);
	st->paced = atomic_long_read(&w->paced);
	st->paced_ns = atomic64_read(&w->paced_ns);
	spin_lock_irqsave(&heap->gen_lock, flags);
	st->old_objects = heap->gens[PYMM_GEN_OLD].nobjs +
			  heap->gens[PYMM_GEN_OLD2].nobjs;
	spin_unlock_irqrestore(&heap->gen_lock, flags);
	st->incremental = READ_ONCE(heap->incremental);
}
EXPORT_SYMBOL_GPL(pymm_gc_stats);

/**
 * pymm_gc_stats_reset - start the pause histogram, the longest hold and
 *	the backlog afresh
 * @heap: the heap
 *
 * The counts of increments and passes, and the generations' figures, go
 * on.
 *
 * Context: process context; not from a callback of @heap, not with the heap
 * lock held (refused with a warning).
 */
void pymm_gc_stats_reset(struct pymm_heap *heap)
{
	struct pymm_gc_watch *w = &heap->watch;
	int i;

	if (pymm_gc_refused(heap, __func__))
		return;
	mutex_lock(&heap->collect_lock);
	for (i = 0; i < PYMM_PAUSE_BUCKETS; i++)
		WRITE_ONCE(w->pauses[i], 0);
	WRITE_ONCE(w->max_hold_ns, 0);
	WRITE_ONCE(w->max_hold_run_ns, 0);
	WRITE_ONCE(w->backlog, 0);
	WRITE_ONCE(w->backlog_peak, 0);
	mutex_unlock(&heap->collect_lock);
}
EXPORT_SYMBOL_GPL(pymm_gc_stats_reset);
