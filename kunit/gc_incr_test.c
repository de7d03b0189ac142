// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: incremental collection of the old generation (suite gc_incr).
 *
 * Increments run one at a time through pymm_collect_increment(), with a
 * small work so that a pass takes many of them, on random rooted graphs
 * that the test relinks between increments: each increment must free only
 * objects unreachable from the roots at the time, and two passes after the
 * last change must have freed every one of them.  Then the pass's
 * bookkeeping (a pass counts as gen2's collection, a full collection ends
 * it, the worker runs passes when the thresholds call for gen2), the pause
 * histogram, the longest hold, the backlog and the `incremental` switch.
 *
 * The heap of each test has automatic collection off (gc_ctx_init()), but
 * for the worker's case, which makes its own.
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/delay.h>
#include <linux/prandom.h>
#include <linux/slab.h>

#include "gc_util.h"

#define GI_NODES	1024	/* ids: the graph's nodes, made and remade */
#define GI_ROOTS	8
#define GI_STEPS	300

struct gi_graph {
	struct kunit *test;
	struct pymm_heap *heap;
	struct gc_counts *c;
	struct gc_node *roots[GI_ROOTS];
	u32 next_id;
	struct rnd_state rnd;
	/* filled by gi_reach(): nodes reachable from the roots */
	unsigned long *seen;
	struct gc_node **reach;
	unsigned int nreach;
};

static u32 gi_rand(struct gi_graph *g, u32 n)
{
	return n ? prandom_u32_state(&g->rnd) % n : 0;
}

/* The nodes reachable from the roots, under the heap lock. */
static void gi_reach(struct gi_graph *g)
{
	unsigned int i, j;
	struct gc_node *n;

	bitmap_zero(g->seen, GI_NODES);
	g->nreach = 0;
	pymm_lock(g->heap);
	for (i = 0; i < GI_ROOTS; i++) {
		n = g->roots[i];
		if (n && !__test_and_set_bit(n->id, g->seen))
			g->reach[g->nreach++] = n;
	}
	for (i = 0; i < g->nreach; i++) {
		for (j = 0; j < GC_NODE_REFS; j++) {
			n = g->reach[i]->ref[j];
			if (n && !__test_and_set_bit(n->id, g->seen))
				g->reach[g->nreach++] = n;
		}
	}
	pymm_unlock(g->heap);
}

/*
 * A new node, linked from a node gi_reach() found reachable (or made a
 * root); nothing may have changed since, or that node may be gone.
 */
static void gi_grow(struct gi_graph *g)
{
	struct gc_node *n;

	if (g->next_id >= GI_NODES)
		return;
	n = gc_new(g->test, g->heap, &gc_node_type, g->c, g->next_id++);
	if (g->nreach)
		gc_set_ref(g->heap, g->reach[gi_rand(g, g->nreach)],
			   gi_rand(g, GC_NODE_REFS), n);
	else
		swap(g->roots[0], n);
	pymm_put(n);
}

/*
 * One random change among the reachable nodes: an edge to another one or
 * to nothing, a root dropped or moved, a new node.  Nodes it cuts off
 * become garbage, often in cycles.
 */
static void gi_mutate(struct gi_graph *g)
{
	struct gc_node *a, *b, *old;
	unsigned int r;

	gi_reach(g);
	if (!g->nreach) {
		gi_grow(g);
		return;
	}
	a = g->reach[gi_rand(g, g->nreach)];
	b = g->reach[gi_rand(g, g->nreach)];
	switch (gi_rand(g, 10)) {
	case 0:
		gc_set_ref(g->heap, a, gi_rand(g, GC_NODE_REFS), NULL);
		break;
	case 1:
		r = gi_rand(g, GI_ROOTS);
		old = g->roots[r];
		g->roots[r] = gi_rand(g, 2) ? pymm_get(b) : NULL;
		pymm_put(old);
		break;
	case 2:
	case 3:
		gi_grow(g);
		break;
	default:
		gc_set_ref(g->heap, a, gi_rand(g, GC_NODE_REFS), b);
		break;
	}
}

/* Released nodes not reachable before the increment, and none that was. */
static void gi_expect_released_only_garbage(struct gi_graph *g,
					    unsigned long *was_released)
{
	unsigned int id;
	int rel;

	for (id = 0; id < g->next_id; id++) {
		rel = atomic_read(&g->c->rel_by_id[id]);
		KUNIT_EXPECT_LE_MSG(g->test, rel, 1, "node %u released twice",
				    id);
		if (rel && !test_bit(id, was_released))
			KUNIT_EXPECT_FALSE_MSG(g->test, test_bit(id, g->seen),
					       "node %u released while reachable",
					       id);
		if (rel)
			__set_bit(id, was_released);
	}
}

static void gi_setup(struct kunit *test, struct gi_graph *g)
{
	struct gc_ctx *ctx = test->priv;
	unsigned int i;

	g->test = test;
	g->heap = ctx->heap;
	g->c = gc_counts_new(test, GI_NODES);
	g->seen = kunit_kcalloc(test, BITS_TO_LONGS(GI_NODES),
				sizeof(long), GFP_KERNEL);
	g->reach = kunit_kcalloc(test, GI_NODES, sizeof(*g->reach),
				 GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, g->seen);
	KUNIT_ASSERT_NOT_NULL(test, g->reach);
	prandom_seed_state(&g->rnd, 0x9c0ffee);
	for (i = 0; i < GI_ROOTS; i++)
		g->roots[i] = gc_new(test, g->heap, &gc_node_type, g->c,
				     g->next_id++);
	for (i = 0; i < 500; i++) {
		gi_reach(g);	/* what is reachable, so alive, now */
		gi_grow(g);
	}
	for (i = 0; i < 100; i++)
		gi_mutate(g);
	/* Into the old generation, where increments visit them. */
	pymm_collect(g->heap, 1);
	pymm_collect(g->heap, 1);
}

static void gi_teardown(struct gi_graph *g)
{
	unsigned int i;

	for (i = 0; i < GI_ROOTS; i++)
		pymm_put(g->roots[i]);
}

static void increments_free_exactly_the_unreachable_while_graphs_are_relinked(struct kunit *test)
{
	struct gi_graph *g = kunit_kzalloc(test, sizeof(*g), GFP_KERNEL);
	unsigned long *was_released;
	unsigned int step, id, passes = 0, garbage = 0;
	long freed;
	struct pymm_gc_stats st;
	bool done;
	long n;

	KUNIT_ASSERT_NOT_NULL(test, g);
	was_released = kunit_kcalloc(test, BITS_TO_LONGS(GI_NODES),
				     sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, was_released);
	gi_setup(test, g);
	pymm_gc_stats(g->heap, &st);
	KUNIT_EXPECT_GT(test, st.old_objects, 40);

	for (step = 0; step < GI_STEPS; step++) {
		gi_mutate(g);
		gi_mutate(g);
		gi_reach(g);
		n = pymm_collect_increment(g->heap, 40, &done);
		KUNIT_EXPECT_GE(test, n, 0);
		gi_expect_released_only_garbage(g, was_released);
		passes += done;
	}
	KUNIT_EXPECT_GE_MSG(test, passes, 2, "passes in %d increments",
			    GI_STEPS);

	/*
	 * No more changes: passes until one frees nothing free every
	 * unreachable node.  Each pass frees at least the garbage that no
	 * other garbage references, so a chain of k garbage components takes
	 * at most k passes (and the pass under way may have visited some).
	 */
	gi_reach(g);
	for (passes = 0; passes < 20; passes++) {
		freed = 0;
		done = false;
		while (!done)
			freed += pymm_collect_increment(g->heap, 40, &done);
		if (!freed && passes)
			break;
	}
	kunit_info(test, "%u passes after the last change\n", passes + 1);
	KUNIT_EXPECT_LT(test, passes, 20);
	gi_expect_released_only_garbage(g, was_released);
	for (id = 0; id < g->next_id; id++) {
		if (test_bit(id, g->seen))
			continue;
		garbage++;
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&g->c->rel_by_id[id]), 1,
				    "unreachable node %u not freed",
				    id);
	}
	kunit_info(test, "%u nodes, %u reachable, %u freed as garbage\n",
		   g->next_id, g->nreach, garbage);
	KUNIT_EXPECT_GT(test, garbage, 50);
	/* A full collection finds nothing left. */
	KUNIT_EXPECT_EQ(test, pymm_collect(g->heap, 2), 0);
	gi_teardown(g);
}

/* @n garbage rings of 3 and @held held rings, all in the old generation. */
static struct gc_node **gi_rings(struct kunit *test, unsigned int n,
				 unsigned int held)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_node **first, *garbage;
	unsigned int i;

	first = kunit_kcalloc(test, held + 1, sizeof(*first), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, first);
	for (i = 0; i < n + held; i++) {
		gc_ring(test, ctx->heap, &gc_node_type, ctx->counts, 3, 3 * i,
			i < held ? &first[i] : &garbage);
		if (i >= held)
			pymm_put(garbage);
	}
	return first;
}

static void gi_put_rings(struct gc_node **first, unsigned int held)
{
	unsigned int i;

	for (i = 0; i < held; i++)
		pymm_put(first[i]);
}

static void a_pass_counts_as_one_gen2_collection(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct pymm_gc_stats before, after;
	struct gc_node **held;
	unsigned int increments = 0;
	struct gc_stats st;
	bool done = false;
	long freed = 0;

	held = gi_rings(test, 0, 40);
	pymm_collect(ctx->heap, 2);	/* all 120 old, nothing pending */
	gi_put_rings(held, 20);		/* 20 rings of garbage in gen2 */
	pymm_gc_stats(ctx->heap, &before);
	while (!done) {
		freed += pymm_collect_increment(ctx->heap, 10, &done);
		increments++;
	}
	pymm_gc_stats(ctx->heap, &after);
	KUNIT_EXPECT_EQ(test, freed, 60);
	KUNIT_EXPECT_GT(test, increments, 3);
	KUNIT_EXPECT_EQ(test, after.increments - before.increments, increments);
	KUNIT_EXPECT_EQ(test, after.passes - before.passes, 1);
	KUNIT_EXPECT_EQ(test, after.collections[2] - before.collections[2], 1);
	KUNIT_EXPECT_EQ(test, after.collected[2] - before.collected[2], 60);
	KUNIT_EXPECT_EQ(test, after.backlog, 60);
	KUNIT_EXPECT_EQ(test, after.old_objects, 60);
	gc_read_stats(test, ctx->name, &st);
	KUNIT_EXPECT_EQ(test, st.gen[2].objects, 60);
	KUNIT_EXPECT_EQ(test, st.long_lived_total, 60);
	KUNIT_EXPECT_EQ(test, st.long_lived_pending, 0);
	KUNIT_EXPECT_EQ(test, st.passes, after.passes);
	KUNIT_EXPECT_EQ(test, st.increments, after.increments);
	KUNIT_EXPECT_EQ(test, st.backlog, 60);
	gi_put_rings(held + 20, 20);
}

static void a_full_collection_ends_a_pass_and_frees_both_spaces(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct pymm_gc_stats before, after;
	struct gc_node **held;
	bool done;

	held = gi_rings(test, 0, 30);
	pymm_collect(ctx->heap, 2);
	pymm_gc_stats(ctx->heap, &before);
	/* Part of the old generation visited, part still pending. */
	pymm_collect_increment(ctx->heap, 10, &done);
	KUNIT_ASSERT_FALSE(test, done);
	gi_put_rings(held, 30);
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 2), 90);
	pymm_gc_stats(ctx->heap, &after);
	KUNIT_EXPECT_EQ(test, after.passes, before.passes);
	KUNIT_EXPECT_EQ(test, after.collections[2] - before.collections[2], 1);
	KUNIT_EXPECT_EQ(test, after.old_objects, 0);
	KUNIT_EXPECT_EQ(test, after.backlog, 90);
	/* A new pass, over nothing: it ends at once. */
	KUNIT_EXPECT_EQ(test, pymm_collect_increment(ctx->heap, 0, &done), 0);
	KUNIT_EXPECT_TRUE(test, done);
}

/*
 * A client allocating between increments: young objects whose references
 * alone use up an increment's work must not keep the pass from visiting
 * the old generation.
 */
static void a_pass_ends_while_young_objects_fill_each_increment(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_node **held, *young[40];
	unsigned int i;
	bool done = false;

	held = gi_rings(test, 0, 10);
	pymm_collect(ctx->heap, 2);	/* 30 old objects, all pending */
	for (i = 0; i < ARRAY_SIZE(young) && !done; i++) {
		gc_ring(test, ctx->heap, &gc_node_type, ctx->counts, 5,
			1000 + 5 * i, &young[i]);
		pymm_collect_increment(ctx->heap, 1, &done);
	}
	KUNIT_EXPECT_TRUE_MSG(test, done, "no pass ended in %u increments",
			      i);
	gi_put_rings(young, i);
	gi_put_rings(held, 10);
}

/*
 * An increment takes its old slice first, then young objects with the work
 * left: an old ring over the work leaves every young object young, and a
 * large work takes them all, freeing exactly the garbage among them.
 */
static void an_increment_takes_young_objects_only_with_the_work_left(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_node *ring, *held[5];
	struct gc_stats st;
	bool done;
	int i;

	gc_ring(test, ctx->heap, &gc_node_type, ctx->counts, 100, 0, &ring);
	pymm_collect(ctx->heap, 2);	/* 100 old objects, all pending */
	for (i = 0; i < 50; i++)
		gc_self_cycle(test, ctx->heap, &gc_node_type, ctx->counts,
			      100 + i);
	for (i = 0; i < ARRAY_SIZE(held); i++)
		held[i] = gc_new(test, ctx->heap, &gc_node_type, ctx->counts,
				 200 + i);

	KUNIT_EXPECT_EQ(test, pymm_collect_increment(ctx->heap, 10, &done), 0);
	KUNIT_EXPECT_TRUE(test, done);
	gc_read_stats(test, ctx->name, &st);
	KUNIT_EXPECT_EQ(test, st.gen[0].objects, 55);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->counts->released), 0);

	KUNIT_EXPECT_EQ(test, pymm_collect_increment(ctx->heap, 1000, &done),
			50);
	gc_read_stats(test, ctx->name, &st);
	KUNIT_EXPECT_EQ(test, st.gen[0].objects, 0);
	KUNIT_EXPECT_EQ(test, st.gen[2].objects, 100 + ARRAY_SIZE(held));
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->counts->released), 50);
	for (i = 0; i < ARRAY_SIZE(held); i++)
		pymm_put(held[i]);
	pymm_put(ring);
}

/*
 * The clears of a collection's garbage run under the heap lock, but not
 * all under one hold: with 2,048 objects whose clear() takes 20 us, 41 ms
 * in all, the longest hold stays under half of that.
 */
#define GI_SLOW_N	2048
#define GI_SLOW_US	20

static struct pymm_type gi_slow_type;

static void gi_slow_clear(void *obj)
{
	udelay(GI_SLOW_US);
	gc_node_type.clear(obj);
}

/*
 * A hold during which the collector sleeps (here in traverse(), which may)
 * counts in max_hold_ns, and not in max_hold_run_ns, which keeps only the
 * holds it ran through without being switched out.
 */
#define GI_NAP_MS	20

static struct pymm_type gi_nap_type;

static int gi_nap_traverse(void *obj, pymm_visit_fn visit, void *arg)
{
	msleep(GI_NAP_MS);
	return gc_node_type.traverse(obj, visit, arg);
}

static void a_hold_the_collector_sleeps_through_is_not_its_run_hold(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct pymm_gc_stats st;
	struct gc_node *n;

	gi_nap_type = gc_node_type;
	gi_nap_type.name = "gi_nap";
	gi_nap_type.traverse = gi_nap_traverse;
	n = gc_new(test, ctx->heap, &gi_nap_type, ctx->counts, 0);
	pymm_gc_stats_reset(ctx->heap);
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 2), 0);
	pymm_gc_stats(ctx->heap, &st);
	KUNIT_EXPECT_GE(test, st.max_hold_ns, GI_NAP_MS * NSEC_PER_MSEC);
	KUNIT_EXPECT_LT(test, st.max_hold_run_ns, GI_NAP_MS * NSEC_PER_MSEC);
	pymm_put(n);
}

static void clearing_much_garbage_drops_the_heap_lock_between_batches(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct pymm_gc_stats st;
	struct gc_node *first;

	gi_slow_type = gc_node_type;
	gi_slow_type.name = "gi_slow";
	gi_slow_type.clear = gi_slow_clear;
	gc_ring(test, ctx->heap, &gi_slow_type, ctx->counts, GI_SLOW_N, 0,
		&first);
	pymm_put(first);
	pymm_gc_stats_reset(ctx->heap);
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 2), GI_SLOW_N);
	pymm_gc_stats(ctx->heap, &st);
	kunit_info(test, "longest hold %llu us\n", st.max_hold_ns / 1000);
	KUNIT_EXPECT_LT(test, st.max_hold_ns,
			GI_SLOW_N * GI_SLOW_US * NSEC_PER_USEC / 2);
}

static void the_worker_runs_gen2_as_a_pass_unless_increments_are_off(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct pymm_gc_stats before, after;
	struct gc_node **keep;
	int round, i;

	keep = kunit_kcalloc(test, 100, sizeof(*keep), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, keep);
	pymm_set_threshold(ctx->heap, 10, 1, 1);
	for (round = 0; round < 2; round++) {
		pymm_set_incremental(ctx->heap, !round);
		pymm_gc_stats(ctx->heap, &before);
		/*
		 * Gen0 over 10, then gen1 after 1 gen0 collection, then gen2
		 * once the survivors moved to gen2 (one in four, held) are a
		 * quarter of those there.
		 */
		for (i = 0; i < 200; i++) {
			if (i % 4)
				gc_self_cycle(test, ctx->heap, &gc_node_type,
					      ctx->counts, i);
			else
				keep[50 * round + i / 4] =
					gc_new(test, ctx->heap, &gc_node_type,
					       ctx->counts, i);
			if (!(i % 11))
				pymm_test_heap_work(ctx->heap, true);
		}
		pymm_test_heap_work(ctx->heap, true);
		pymm_gc_stats(ctx->heap, &after);
		KUNIT_EXPECT_GT(test, after.collections[2],
				before.collections[2]);
		if (!round) {
			KUNIT_EXPECT_GT(test, after.passes, before.passes);
			KUNIT_EXPECT_GE(test, after.increments - before.increments,
					after.passes - before.passes);
		} else {
			KUNIT_EXPECT_EQ(test, after.passes, before.passes);
			KUNIT_EXPECT_EQ(test, after.increments,
					before.increments);
		}
		KUNIT_EXPECT_FALSE(test, after.incremental == !!round);
	}
	pymm_set_threshold(ctx->heap, 0, 0, 0);
	for (i = 0; i < 100; i++)
		pymm_put(keep[i]);
}

static unsigned long gi_pauses_sum(const struct pymm_gc_stats *st)
{
	unsigned long sum = 0;
	int i;

	for (i = 0; i < PYMM_GC_PAUSE_BUCKETS; i++)
		sum += st->pauses[i];
	return sum;
}

static void the_pause_histogram_counts_each_collection_and_increment(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct pymm_gc_stats st;
	char path[96], *buf, *s, *line;
	unsigned long lo, hi, count, sum = 0;
	int i, n, end;
	bool done;

	gi_rings(test, 50, 0);
	pymm_gc_stats_reset(ctx->heap);
	pymm_gc_stats(ctx->heap, &st);
	KUNIT_EXPECT_EQ(test, gi_pauses_sum(&st), 0);
	KUNIT_EXPECT_EQ(test, st.max_hold_ns, 0);
	KUNIT_EXPECT_EQ(test, st.max_hold_run_ns, 0);
	pymm_collect(ctx->heap, 0);
	pymm_collect(ctx->heap, 1);
	pymm_collect(ctx->heap, 2);
	pymm_collect_increment(ctx->heap, 0, &done);
	pymm_collect_increment(ctx->heap, 0, &done);
	pymm_gc_stats(ctx->heap, &st);
	KUNIT_EXPECT_EQ(test, gi_pauses_sum(&st), 5);
	KUNIT_EXPECT_GT(test, st.max_hold_ns, 0);
	KUNIT_EXPECT_LE(test, st.max_hold_run_ns, st.max_hold_ns);
	KUNIT_EXPECT_EQ(test, st.backlog_peak, 0);

	/* The file: a header, then 17 rows of log2 buckets that add up. */
	buf = kunit_kzalloc(test, 1024, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	gc_heap_path(path, sizeof(path), ctx->name, "pauses");
	KUNIT_ASSERT_GT(test, tl_read_file(path, buf, 1024, 0), 0);
	s = buf;
	line = tl_next_line(&s);
	KUNIT_ASSERT_NOT_NULL(test, line);
	KUNIT_EXPECT_STREQ(test, line, "lo_us hi_us pauses");
	for (i = 0; i < PYMM_GC_PAUSE_BUCKETS; i++) {
		line = tl_next_line(&s);
		KUNIT_ASSERT_NOT_NULL(test, line);
		end = 0;
		if (i < PYMM_GC_PAUSE_BUCKETS - 1) {
			n = sscanf(line, "%lu %lu %lu%n", &lo, &hi, &count,
				   &end);
			KUNIT_ASSERT_EQ(test, n, 3);
			KUNIT_EXPECT_EQ(test, lo, i ? 1UL << (i - 1) : 0);
			KUNIT_EXPECT_EQ(test, hi, 1UL << i);
		} else {
			n = sscanf(line, "32768 - %lu%n", &count, &end);
			KUNIT_ASSERT_EQ(test, n, 1);
		}
		KUNIT_EXPECT_EQ(test, (int)strlen(line), end);
		KUNIT_EXPECT_EQ(test, count, st.pauses[i]);
		sum += count;
	}
	KUNIT_EXPECT_NULL(test, tl_next_line(&s));
	KUNIT_EXPECT_EQ(test, sum, 5);
}

static void the_incremental_file_reads_and_switches(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct pymm_gc_stats st;
	char path[96], buf[32];

	gc_heap_path(path, sizeof(path), ctx->name, "incremental");
	KUNIT_ASSERT_GT(test, pt_read_user(path, buf, sizeof(buf)), 0);
	KUNIT_EXPECT_STREQ(test, buf, "incremental\n1\n");
	KUNIT_EXPECT_EQ(test, pt_write_user(path, "0\n"), 0);
	pymm_gc_stats(ctx->heap, &st);
	KUNIT_EXPECT_FALSE(test, st.incremental);
	KUNIT_ASSERT_GT(test, pt_read_user(path, buf, sizeof(buf)), 0);
	KUNIT_EXPECT_STREQ(test, buf, "incremental\n0\n");
	KUNIT_EXPECT_EQ(test, pt_write_user(path, "perhaps"), -EINVAL);
	KUNIT_ASSERT_GT(test, pt_read_user(path, buf, sizeof(buf)), 0);
	KUNIT_EXPECT_STREQ(test, buf, "incremental\n0\n");
	pymm_set_incremental(ctx->heap, true);
	KUNIT_ASSERT_GT(test, pt_read_user(path, buf, sizeof(buf)), 0);
	KUNIT_EXPECT_STREQ(test, buf, "incremental\n1\n");
}

static struct kunit_case gc_incr_cases[] = {
	KUNIT_CASE(increments_free_exactly_the_unreachable_while_graphs_are_relinked),
	KUNIT_CASE(a_pass_counts_as_one_gen2_collection),
	KUNIT_CASE(a_full_collection_ends_a_pass_and_frees_both_spaces),
	KUNIT_CASE(a_pass_ends_while_young_objects_fill_each_increment),
	KUNIT_CASE(an_increment_takes_young_objects_only_with_the_work_left),
	KUNIT_CASE(clearing_much_garbage_drops_the_heap_lock_between_batches),
	KUNIT_CASE(a_hold_the_collector_sleeps_through_is_not_its_run_hold),
	KUNIT_CASE(the_worker_runs_gen2_as_a_pass_unless_increments_are_off),
	KUNIT_CASE(the_pause_histogram_counts_each_collection_and_increment),
	KUNIT_CASE(the_incremental_file_reads_and_switches),
	{}
};

static struct kunit_suite gc_incr_suite = {
	.name = "gc_incr",
	.init = gc_ctx_init,
	.exit = gc_ctx_exit,
	.test_cases = gc_incr_cases,
};

kunit_test_suites(&gc_incr_suite);
