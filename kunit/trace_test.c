// SPDX-License-Identifier: GPL-2.0
/*
 * pymm_trace: pymm's trace events (mod/trace.h) fire where they should,
 * with the fields of what really happened.  An arena made and given back
 * gives one arena_alloc and one arena_free naming it and its pages; a
 * shrink gives one shrink event per scan whose pages add up to what pymm
 * gave back; a refused pointer gives bad_pointer with its kind, class,
 * pointer and API function; a full collection is framed by one gc_start
 * and one gc_end whose counts are the collection's.
 *
 * Each case attaches a probe to every event (register_trace_<event>(),
 * the tracepoints being exported by mod/trace.c) and detaches them when it
 * ends, waiting for probes in flight (tracepoint_synchronize_unregister()).
 * Probes run where the event fires, with preemption off, possibly under
 * pymm's locks with interrupts off: they only copy the fields into a
 * record under a raw spinlock (a spinlock_t sleeps on PREEMPT_RT).  Events
 * from elsewhere (another heap, another arena) are told apart by their
 * fields, not by the task.
 */
#include <kunit/test.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include "gc_util.h"
#include "../mod/trace.h"

/* Class 63 (512-byte blocks) fills pools with the fewest blocks. */
#define TT_BIG_CLASS	(PYMM_NR_CLASSES - 1)
#define TT_MAX		64

struct tt_arena_ev {
	bool alloc;
	const void *base;
	unsigned int pages;
	unsigned long arenas;
	bool reserved;
};

struct tt_shrink_ev {
	unsigned long scanned, freed, flushed, trimmed, cached;
};

struct tt_bad_ev {
	char kind[16];
	int class;
	const void *ptr;
	char func[32];
};

struct tt_gc_ev {
	bool end;
	int gen;
	bool incremental;
	unsigned long objects, collected, uncollectable, visited;
	u64 pause_ns;
};

/* What the probes saw; @heap selects the gc events kept. */
struct tt_rec {
	raw_spinlock_t lock;
	char heap[32];
	unsigned int narena, nshrink, nbad, ngc, lost;
	struct tt_arena_ev arena[TT_MAX];
	struct tt_shrink_ev shrink[TT_MAX];
	struct tt_bad_ev bad[TT_MAX];
	struct tt_gc_ev gc[TT_MAX];
};

/* A slot of one of @rec's arrays, or NULL (counted lost) when it is full. */
static void *tt_slot(struct tt_rec *rec, void *array, size_t size,
		     unsigned int *n)
{
	if (*n == TT_MAX) {
		rec->lost++;
		return NULL;
	}
	return (char *)array + size * (*n)++;
}

static void tt_arena(struct tt_rec *rec, bool alloc, const void *base,
		     unsigned int pages, unsigned long arenas, bool reserved)
{
	struct tt_arena_ev *ev;
	unsigned long flags;

	raw_spin_lock_irqsave(&rec->lock, flags);
	ev = tt_slot(rec, rec->arena, sizeof(*ev), &rec->narena);
	if (ev)
		*ev = (struct tt_arena_ev){ .alloc = alloc, .base = base,
			.pages = pages, .arenas = arenas,
			.reserved = reserved };
	raw_spin_unlock_irqrestore(&rec->lock, flags);
}

static void tt_probe_arena_alloc(void *data, const void *base,
				 unsigned int pages, unsigned long arenas,
				 bool reserved)
{
	tt_arena(data, true, base, pages, arenas, reserved);
}

static void tt_probe_arena_free(void *data, const void *base,
				unsigned int pages, unsigned long arenas,
				bool reserved)
{
	tt_arena(data, false, base, pages, arenas, reserved);
}

static void tt_probe_shrink(void *data, unsigned long scanned,
			    unsigned long freed, unsigned long flushed,
			    unsigned long trimmed, unsigned long cached)
{
	struct tt_rec *rec = data;
	struct tt_shrink_ev *ev;
	unsigned long flags;

	raw_spin_lock_irqsave(&rec->lock, flags);
	ev = tt_slot(rec, rec->shrink, sizeof(*ev), &rec->nshrink);
	if (ev)
		*ev = (struct tt_shrink_ev){ .scanned = scanned,
			.freed = freed, .flushed = flushed,
			.trimmed = trimmed, .cached = cached };
	raw_spin_unlock_irqrestore(&rec->lock, flags);
}

static void tt_probe_bad_pointer(void *data, const char *kind, int class,
				 const void *ptr, const char *func)
{
	struct tt_rec *rec = data;
	struct tt_bad_ev *ev;
	unsigned long flags;

	raw_spin_lock_irqsave(&rec->lock, flags);
	ev = tt_slot(rec, rec->bad, sizeof(*ev), &rec->nbad);
	if (ev) {
		strscpy(ev->kind, kind ? kind : "", sizeof(ev->kind));
		ev->class = class;
		ev->ptr = ptr;
		strscpy(ev->func, func ? func : "", sizeof(ev->func));
	}
	raw_spin_unlock_irqrestore(&rec->lock, flags);
}

/* A gc event of the case's heap: a start (!@end) or an end. */
static void tt_gc(struct tt_rec *rec, const char *heap,
		  const struct tt_gc_ev *e)
{
	struct tt_gc_ev *ev;
	unsigned long flags;

	raw_spin_lock_irqsave(&rec->lock, flags);
	if (rec->heap[0] && !strcmp(heap, rec->heap)) {
		ev = tt_slot(rec, rec->gc, sizeof(*ev), &rec->ngc);
		if (ev)
			*ev = *e;
	}
	raw_spin_unlock_irqrestore(&rec->lock, flags);
}

static void tt_probe_gc_start(void *data, const char *heap, int gen,
			      bool incremental, unsigned long objects)
{
	struct tt_gc_ev e = { .gen = gen, .incremental = incremental,
			      .objects = objects };

	tt_gc(data, heap, &e);
}

static void tt_probe_gc_end(void *data, const char *heap, int gen,
			    bool incremental, unsigned long collected,
			    unsigned long uncollectable, unsigned long visited,
			    u64 pause_ns)
{
	struct tt_gc_ev e = { .end = true, .gen = gen,
			      .incremental = incremental,
			      .collected = collected,
			      .uncollectable = uncollectable,
			      .visited = visited, .pause_ns = pause_ns };

	tt_gc(data, heap, &e);
}

/* Detach every probe, then wait until none runs any more. */
static void tt_detach(void *data)
{
	unregister_trace_gc_start(tt_probe_gc_start, data);
	unregister_trace_gc_end(tt_probe_gc_end, data);
	unregister_trace_arena_alloc(tt_probe_arena_alloc, data);
	unregister_trace_arena_free(tt_probe_arena_free, data);
	unregister_trace_shrink(tt_probe_shrink, data);
	unregister_trace_bad_pointer(tt_probe_bad_pointer, data);
	tracepoint_synchronize_unregister();
}

/*
 * A record, with a probe on every pymm event, detached when the test ends
 * (also after a failed assertion); gc events only of @heap (NULL: none).
 */
static struct tt_rec *tt_attach(struct kunit *test, const char *heap)
{
	struct tt_rec *rec = kunit_kzalloc(test, sizeof(*rec), GFP_KERNEL);
	int err;

	if (!IS_ENABLED(CONFIG_TRACEPOINTS))
		kunit_skip(test, "no CONFIG_TRACEPOINTS: pymm has no trace events");
	KUNIT_ASSERT_NOT_NULL(test, rec);
	raw_spin_lock_init(&rec->lock);
	if (heap)
		strscpy(rec->heap, heap, sizeof(rec->heap));
	/* Registered and unregistered as one: a failed register is a no-op
	 * to unregister.
	 */
	err = register_trace_gc_start(tt_probe_gc_start, rec);
	err = err ?: register_trace_gc_end(tt_probe_gc_end, rec);
	err = err ?: register_trace_arena_alloc(tt_probe_arena_alloc, rec);
	err = err ?: register_trace_arena_free(tt_probe_arena_free, rec);
	err = err ?: register_trace_shrink(tt_probe_shrink, rec);
	err = err ?: register_trace_bad_pointer(tt_probe_bad_pointer, rec);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, tt_detach, rec),
			0);
	KUNIT_ASSERT_EQ_MSG(test, err, 0, "register_trace_*() failed");
	return rec;
}

/* A copy of what @rec holds now, for the case to look at unlocked. */
static struct tt_rec *tt_snapshot(struct kunit *test, struct tt_rec *rec)
{
	struct tt_rec *copy = kunit_kmalloc(test, sizeof(*copy), GFP_KERNEL);
	unsigned long flags;

	KUNIT_ASSERT_NOT_NULL(test, copy);
	raw_spin_lock_irqsave(&rec->lock, flags);
	*copy = *rec;
	raw_spin_unlock_irqrestore(&rec->lock, flags);
	KUNIT_EXPECT_EQ_MSG(test, copy->lost, 0, "events lost: more than %d",
			    TT_MAX);
	return copy;
}

/* Index of the first arena event of @alloc kind for @base after @from. */
static int tt_find_arena(const struct tt_rec *r, bool alloc, const void *base,
			 int from)
{
	unsigned int i;

	for (i = from + 1; i < r->narena; i++)
		if (r->arena[i].alloc == alloc && r->arena[i].base == base)
			return i;
	return -1;
}

/* One whole arena of the big class, every block of it in @fill->blocks. */
static struct pt_fill *tt_fill_arena(struct kunit *test)
{
	struct pt_fill *fill = kunit_kzalloc(test, sizeof(*fill), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, fill);
	fill->blocks = pt_blocks_new(test, 16384);
	pt_fill_arenas(test, fill, TT_BIG_CLASS, 1);
	return fill;
}

static void arena_events_name_the_arena_made_and_given_back(struct kunit *test)
{
	struct pt_fill *fill;
	struct tt_rec *rec, *r;
	struct tl_summary s;
	const void *base;
	int a, f;

	/* No arena is cached and no CPU has a current pool: the arena the
	 * fill owns whole is one it made.
	 */
	pt_drop_slab(test);
	rec = tt_attach(test, NULL);
	fill = tt_fill_arena(test);
	base = (const void *)fill->base[0];
	r = tt_snapshot(test, rec);
	a = tt_find_arena(r, true, base, -1);
	KUNIT_ASSERT_GE_MSG(test, a, 0, "no arena_alloc for the arena made");
	KUNIT_EXPECT_EQ(test, r->arena[a].pages, PT_ARENA_POOLS);
	KUNIT_EXPECT_FALSE(test, r->arena[a].reserved);
	KUNIT_EXPECT_GE(test, r->arena[a].arenas, 1);
	KUNIT_EXPECT_EQ(test, tt_find_arena(r, true, base, a), -1);
	KUNIT_EXPECT_EQ(test, tt_find_arena(r, false, base, -1), -1);

	/* Emptied, it is cached or given back; the shrinker drops the cache. */
	pt_blocks_free_all(fill->blocks);
	pt_drop_slab(test);
	pt_read_summary(test, &s);
	r = tt_snapshot(test, rec);
	f = tt_find_arena(r, false, base, a);
	KUNIT_ASSERT_GE_MSG(test, f, 0, "no arena_free for the arena emptied");
	KUNIT_EXPECT_EQ(test, r->arena[f].pages, PT_ARENA_POOLS);
	KUNIT_EXPECT_FALSE(test, r->arena[f].reserved);
	KUNIT_EXPECT_EQ(test, tt_find_arena(r, false, base, f), -1);
	/* The last event counted the arenas pymm holds now. */
	KUNIT_EXPECT_EQ(test, (long long)r->arena[r->narena - 1].arenas,
			s.v[TL_ARENAS]);
}

static void shrink_event_counts_the_pages_the_scan_gave_back(struct kunit *test)
{
	unsigned long freed = 0, trimmed = 0, cached = 0;
	struct pt_fill *fill;
	struct tl_summary s0, s1;
	struct tt_rec *rec, *r;
	unsigned int i;

	pt_drop_slab(test);
	fill = kunit_kzalloc(test, sizeof(*fill), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fill);
	fill->blocks = pt_blocks_new(test, 16384);
	pt_fill_arenas(test, fill, TT_BIG_CLASS, 2);
	/* Arena 0 empties (cached, or given back if one is), arena 1 keeps
	 * 10 free pools for the shrinker to trim.
	 */
	for (i = 0; i < PT_ARENA_POOLS; i++)
		pt_fill_free_pool(fill, 0, i);
	for (i = 0; i < 10; i++)
		pt_fill_free_pool(fill, 1, i);

	pt_read_summary(test, &s0);
	rec = tt_attach(test, NULL);
	pt_run_shrinkers(test);
	pt_read_summary(test, &s1);
	r = tt_snapshot(test, rec);
	KUNIT_ASSERT_GE_MSG(test, r->nshrink, 1, "no shrink event");
	for (i = 0; i < r->nshrink; i++) {
		const struct tt_shrink_ev *e = &r->shrink[i];

		KUNIT_EXPECT_GE_MSG(test, e->scanned, 1, "scan %u", i);
		KUNIT_EXPECT_EQ_MSG(test, e->freed,
				    e->flushed + e->trimmed + e->cached,
				    "scan %u", i);
		freed += e->freed;
		trimmed += e->trimmed;
		cached += e->cached;
	}
	/* Every page pymm gave back, and nothing else, was in an event. */
	KUNIT_EXPECT_EQ(test, (long long)freed,
			s0.v[TL_PAGES] - s1.v[TL_PAGES]);
	KUNIT_EXPECT_GE(test, trimmed, 10);
	if (s0.v[TL_ARENAS_CACHED])
		KUNIT_EXPECT_GE(test, cached, PT_ARENA_POOLS);
	KUNIT_EXPECT_EQ(test, s1.v[TL_ARENAS_CACHED], 0);
	pt_blocks_free_all(fill->blocks);
}

/* The one bad_pointer event @r holds; fails the test if not one. */
static const struct tt_bad_ev *tt_one_bad(struct kunit *test,
					  const struct tt_rec *r)
{
	KUNIT_ASSERT_EQ(test, r->nbad, 1);
	return &r->bad[0];
}

static void bad_pointer_event_names_the_kind_class_and_caller(struct kunit *test)
{
	struct pt_blocks *bag = pt_blocks_new(test, 4096);
	const struct tt_bad_ev *e;
	struct tt_rec *rec;
	unsigned int start;
	u8 *k, *p, *t;

	k = kunit_kmalloc(test, 64, GFP_KERNEL);	/* kfree()d by KUnit */
	KUNIT_ASSERT_NOT_NULL(test, k);
	p = pt_blocks_alloc(test, bag, 64, GFP_KERNEL);
	/* A block freed twice: its pool kept by a second block. */
	pt_drain_class(test, bag, 2);
	start = bag->n;
	pt_blocks_alloc(test, bag, 24, GFP_KERNEL);
	t = pt_blocks_alloc(test, bag, 24, GFP_KERNEL);
	KUNIT_ASSERT_EQ(test, pt_page(t), pt_page(bag->p[start]));

	/* Not pymm's: no class. */
	rec = tt_attach(test, NULL);
	tl_expect_warn_begin("invalid=1");
	pymm_free(k);
	tl_expect_warn_end();
	e = tt_one_bad(test, tt_snapshot(test, rec));
	KUNIT_EXPECT_STREQ(test, e->kind, "invalid");
	KUNIT_EXPECT_EQ(test, e->class, -1);
	KUNIT_EXPECT_PTR_EQ(test, e->ptr, (const void *)k);
	KUNIT_EXPECT_STREQ(test, e->func, "pymm_free");

	/* Into a 64-byte block: class 7. */
	rec = tt_attach(test, NULL);
	tl_expect_warn_begin("middle=1");
	KUNIT_EXPECT_EQ(test, pymm_usable_size(p + 8), 0);
	tl_expect_warn_end();
	e = tt_one_bad(test, tt_snapshot(test, rec));
	KUNIT_EXPECT_STREQ(test, e->kind, "middle");
	KUNIT_EXPECT_EQ(test, e->class, (int)pt_size_class(64));
	KUNIT_EXPECT_PTR_EQ(test, e->ptr, (const void *)(p + 8));
	KUNIT_EXPECT_STREQ(test, e->func, "pymm_usable_size");

	/* A 24-byte block freed twice: class 2. */
	pt_blocks_free(bag, start + 1);
	rec = tt_attach(test, NULL);
	tl_expect_warn_begin("double_free=1");
	pymm_free(t);
	tl_expect_warn_end();
	e = tt_one_bad(test, tt_snapshot(test, rec));
	KUNIT_EXPECT_STREQ(test, e->kind, "double_free");
	KUNIT_EXPECT_EQ(test, e->class, 2);
	KUNIT_EXPECT_PTR_EQ(test, e->ptr, (const void *)t);
	KUNIT_EXPECT_STREQ(test, e->func, "pymm_free");
	pt_blocks_free_all(bag);
}

static void gc_events_frame_a_full_collection(struct kunit *test)
{
	struct gc_node *first;
	struct gc_ctx *ctx;
	struct tt_rec *rec, *r;
	long collected;

	KUNIT_ASSERT_EQ(test, gc_ctx_init(test), 0);
	ctx = test->priv;
	/* 11 objects in two rings, garbage once their first is put. */
	gc_ring(test, ctx->heap, &gc_node_type, ctx->counts, 5, 0, &first);
	pymm_put(first);
	gc_ring(test, ctx->heap, &gc_node_type, ctx->counts, 6, 5, &first);
	pymm_put(first);

	rec = tt_attach(test, ctx->name);
	collected = pymm_collect(ctx->heap, 2);
	r = tt_snapshot(test, rec);
	KUNIT_EXPECT_EQ(test, collected, 11);
	KUNIT_ASSERT_EQ_MSG(test, r->ngc, 2, "gc events of heap %s", ctx->name);
	KUNIT_EXPECT_FALSE(test, r->gc[0].end);
	KUNIT_EXPECT_EQ(test, r->gc[0].gen, 2);
	KUNIT_EXPECT_FALSE(test, r->gc[0].incremental);
	KUNIT_EXPECT_GE(test, r->gc[0].objects, 11);
	KUNIT_EXPECT_TRUE(test, r->gc[1].end);
	KUNIT_EXPECT_EQ(test, r->gc[1].gen, 2);
	KUNIT_EXPECT_FALSE(test, r->gc[1].incremental);
	KUNIT_EXPECT_EQ(test, r->gc[1].collected, collected);
	KUNIT_EXPECT_EQ(test, r->gc[1].uncollectable, 0);
	KUNIT_EXPECT_GE(test, r->gc[1].visited, 11);
	KUNIT_EXPECT_GE(test, r->gc[1].visited, r->gc[0].objects);
	KUNIT_EXPECT_GT(test, r->gc[1].pause_ns, 0);
}

static struct kunit_case pymm_trace_cases[] = {
	KUNIT_CASE(arena_events_name_the_arena_made_and_given_back),
	KUNIT_CASE(shrink_event_counts_the_pages_the_scan_gave_back),
	KUNIT_CASE(bad_pointer_event_names_the_kind_class_and_caller),
	KUNIT_CASE(gc_events_frame_a_full_collection),
	{}
};

static struct kunit_suite pymm_trace_suite = {
	.name = "pymm_trace",
	.init = pt_pin_cpu,
	.exit = gc_ctx_exit,
	.test_cases = pymm_trace_cases,
};

kunit_test_suites(&pymm_trace_suite);
