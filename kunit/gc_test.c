// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: refcounted objects and explicit collections (suite gc_collect).
 *
 * Every case gets a heap of its own with automatic collection off
 * (thresholds 0), so that only the collections it asks for run, and ends
 * with a check that every pymm block it used is back (gc_ctx_exit()).
 * What is asserted is behaviour seen through the API: what pymm_collect()
 * returns, which callbacks ran how often and in which task, refcounts, and
 * which objects are still intact.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/prandom.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/string.h>

#include "gc_util.h"

/* Two nodes referencing each other; returns @a, references held on both. */
static void gc_pair(struct kunit *test, struct pymm_heap *heap,
		    const struct pymm_type *type, struct gc_counts *c,
		    struct gc_node **a, struct gc_node **b, u32 id)
{
	*a = gc_new(test, heap, type, c, id);
	*b = gc_new(test, heap, type, c, id + 1);
	gc_set_ref(heap, *a, 0, *b);
	gc_set_ref(heap, *b, 0, *a);
}

static void gc_self_cycle_is_collected(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_counts *c = ctx->counts;

	gc_self_cycle(test, ctx->heap, &gc_node_type, c, 0);
	/* Its own reference keeps it: refcounting alone does not free it. */
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 0);
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 0), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 1);
	/* clear() may be called more than once. */
	KUNIT_EXPECT_GE(test, atomic_read(&c->cleared), 1);
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 2), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 1);
}

static void gc_two_object_cycle_is_collected(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_counts *c = ctx->counts;
	struct gc_node *a, *b;

	gc_pair(test, ctx->heap, &gc_node_type, c, &a, &b, 0);
	pymm_put(a);
	pymm_put(b);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 0);
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 0), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 2);
}

/*
 * Rings of 3, 4 and 5 nodes referencing each other in a cycle of cycles,
 * and a ring of 6 hanging off the last: 18 nodes, all garbage.
 */
static void gc_cycles_linked_to_cycles_are_collected(struct kunit *test)
{
	static const unsigned int sizes[] = { 3, 4, 5, 6 };
	struct gc_ctx *ctx = test->priv;
	struct gc_counts *c = gc_counts_new(test, 18);
	struct gc_node *ring[4];
	unsigned int i, id = 0;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		gc_ring(test, ctx->heap, &gc_node_type, c, sizes[i], id,
			&ring[i]);
		id += sizes[i];
	}
	gc_set_ref(ctx->heap, ring[0], 1, ring[1]);
	gc_set_ref(ctx->heap, ring[1], 1, ring[2]);
	gc_set_ref(ctx->heap, ring[2], 1, ring[0]);
	gc_set_ref(ctx->heap, ring[2], 2, ring[3]);
	for (i = 0; i < ARRAY_SIZE(ring); i++)
		pymm_put(ring[i]);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 0);
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 0), 18);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 18);
	for (i = 0; i < 18; i++)
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&c->rel_by_id[i]), 1,
				    "node %u", i);
}

static void gc_externally_held_cycle_survives_until_last_put(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_counts *c = ctx->counts;
	struct gc_node *a, *b;
	int g;

	gc_pair(test, ctx->heap, &gc_node_type, c, &a, &b, 0);
	pymm_put(b);
	/* a is held by the test, b through a: neither is garbage. */
	for (g = 0; g < 3; g++)
		KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, g), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->cleared), 0);
	KUNIT_EXPECT_EQ(test, a->magic, GC_MAGIC);
	KUNIT_EXPECT_EQ(test, b->magic, GC_MAGIC);
	KUNIT_EXPECT_PTR_EQ(test, a->ref[0], (void *)b);
	KUNIT_EXPECT_PTR_EQ(test, b->ref[0], (void *)a);
	KUNIT_EXPECT_EQ(test, pymm_refcount(a), 2);
	KUNIT_EXPECT_EQ(test, pymm_refcount(b), 1);

	pymm_put(a);
	/* Now only the cycle holds them; they are in gen2 after the above. */
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 0);
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 2), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 2);
}

static void gc_survivors_are_promoted_one_generation(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_node *x;
	struct gc_stats st;

	x = gc_new(test, ctx->heap, &gc_node_type, ctx->counts, 0);
	gc_read_stats(test, ctx->name, &st);
	KUNIT_EXPECT_EQ(test, st.gen[0].objects, 1);

	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 0), 0);
	gc_read_stats(test, ctx->name, &st);
	KUNIT_EXPECT_EQ(test, st.gen[0].objects, 0);
	KUNIT_EXPECT_EQ(test, st.gen[1].objects, 1);

	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 1), 0);
	gc_read_stats(test, ctx->name, &st);
	KUNIT_EXPECT_EQ(test, st.gen[1].objects, 0);
	KUNIT_EXPECT_EQ(test, st.gen[2].objects, 1);

	/* The oldest generation keeps its survivors. */
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 2), 0);
	gc_read_stats(test, ctx->name, &st);
	KUNIT_EXPECT_EQ(test, st.gen[2].objects, 1);
	KUNIT_EXPECT_EQ(test, st.gen[0].objects + st.gen[1].objects, 0);
	pymm_put(x);
}

/* A young collection does not look at older generations. */
static void gc_young_collection_leaves_older_garbage(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_counts *c = ctx->counts;
	struct gc_node *a, *b;

	gc_pair(test, ctx->heap, &gc_node_type, c, &a, &b, 0);
	pymm_put(b);
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 0), 0);	/* to gen1 */
	pymm_put(a);
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 0), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 0);
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 1), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 2);
}

static void gc_freeze_hides_garbage_until_unfreeze(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_counts *c = ctx->counts;
	struct gc_stats st;
	struct gc_node *x;
	int i;

	for (i = 0; i < 10; i++)
		gc_self_cycle(test, ctx->heap, &gc_node_type, c, i);
	x = gc_new(test, ctx->heap, &gc_node_type, c, 10);
	pymm_freeze(ctx->heap);
	gc_read_stats(test, ctx->name, &st);
	KUNIT_EXPECT_EQ(test, st.permanent, 11);
	KUNIT_EXPECT_EQ(test, st.gen[0].objects, 0);

	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, i), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 0);

	/* New objects are not frozen. */
	gc_self_cycle(test, ctx->heap, &gc_node_type, c, 11);
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 0), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 1);

	pymm_unfreeze(ctx->heap);
	gc_read_stats(test, ctx->name, &st);
	KUNIT_EXPECT_EQ(test, st.permanent, 0);
	KUNIT_EXPECT_EQ(test, st.gen[2].objects, 11);
	/* Unfrozen objects are in the oldest generation. */
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 1), 0);
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 2), 10);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 11);
	KUNIT_EXPECT_EQ(test, x->magic, GC_MAGIC);
	pymm_put(x);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 12);
}

static void gc_finalize_runs_once_on_put_path(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_counts *c = gc_counts_new(test, 2);
	struct gc_node *x, *y;

	x = gc_new(test, ctx->heap, &gc_fin_type, c, 0);
	y = gc_new(test, ctx->heap, &gc_fin_type, c, 1);
	gc_set_ref(ctx->heap, x, 0, y);
	pymm_put(y);
	pymm_put(x);
	/* x died at once (this task may sleep), and took y with it. */
	KUNIT_EXPECT_EQ(test, atomic_read(&c->fin_by_id[0]), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->fin_by_id[1]), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->rel_by_id[0]), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->rel_by_id[1]), 1);
	KUNIT_EXPECT_PTR_EQ(test, c->release_task, current);
	KUNIT_EXPECT_EQ(test, c->release_refcount, 0);
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 2), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->finalized), 2);
}

static void gc_finalize_runs_once_on_collector_path(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_counts *c = gc_counts_new(test, 5);
	struct gc_node *first;
	int i;

	gc_ring(test, ctx->heap, &gc_fin_type, c, 5, 0, &first);
	pymm_put(first);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->finalized), 0);
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 0), 5);
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 2), 0);
	for (i = 0; i < 5; i++) {
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&c->fin_by_id[i]), 1,
				    "node %d", i);
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&c->rel_by_id[i]), 1,
				    "node %d", i);
	}
}

/*
 * finalize() stores a new reference: the object lives on, with what it
 * references; the next last put frees it without finalizing it again.
 */
static void gc_put_path_resurrection_keeps_object(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_counts *c = gc_counts_new(test, 2);
	struct gc_node *x, *y;
	void *grave = NULL;

	x = gc_new(test, ctx->heap, &gc_fin_type, c, 0);
	y = gc_new(test, ctx->heap, &gc_node_type, c, 1);
	gc_set_ref(ctx->heap, x, 0, y);
	pymm_put(y);
	x->resurrect_to = &grave;
	pymm_put(x);

	KUNIT_ASSERT_PTR_EQ(test, grave, (void *)x);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->finalized), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->cleared), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 0);
	KUNIT_EXPECT_EQ(test, pymm_refcount(x), 1);
	KUNIT_EXPECT_EQ(test, x->magic, GC_MAGIC);
	KUNIT_EXPECT_PTR_EQ(test, x->ref[0], (void *)y);
	KUNIT_EXPECT_EQ(test, y->magic, GC_MAGIC);
	KUNIT_EXPECT_EQ(test, pymm_refcount(y), 1);
	/* Still tracked and alive for the collector too. */
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 2), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 0);

	pymm_put(grave);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->finalized), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->rel_by_id[0]), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->rel_by_id[1]), 1);
}

/*
 * A cycle whose finalizer resurrects one member: nothing of it, nor what
 * it reaches, is cleared or freed; finalizers do not run a second time.
 */
static void gc_collector_resurrection_keeps_what_it_reaches(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_counts *c = gc_counts_new(test, 3);
	struct gc_node *a, *b, *tail;
	struct gc_stats st;
	void *grave = NULL;

	gc_pair(test, ctx->heap, &gc_fin_type, c, &a, &b, 0);
	tail = gc_new(test, ctx->heap, &gc_node_type, c, 2);
	gc_set_ref(ctx->heap, b, 1, tail);
	pymm_put(tail);
	a->resurrect_to = &grave;
	pymm_put(a);
	pymm_put(b);

	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 0), 0);
	KUNIT_ASSERT_PTR_EQ(test, grave, (void *)a);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->fin_by_id[0]), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->fin_by_id[1]), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->cleared), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 0);
	KUNIT_EXPECT_PTR_EQ(test, a->ref[0], (void *)b);
	KUNIT_EXPECT_PTR_EQ(test, b->ref[0], (void *)a);
	KUNIT_EXPECT_PTR_EQ(test, b->ref[1], (void *)tail);
	KUNIT_EXPECT_EQ(test, tail->magic, GC_MAGIC);
	/* The survivors were promoted like any other. */
	gc_read_stats(test, ctx->name, &st);
	KUNIT_EXPECT_EQ(test, st.gen[1].objects, 3);

	/* Still held by grave: no second finalization. */
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 2), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->finalized), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 0);

	pymm_put(grave);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 0);
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 2), 3);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->finalized), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->rel_by_id[0]), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->rel_by_id[1]), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->rel_by_id[2]), 1);
}

/*
 * finalize() stores the object in a live object's field, under the heap
 * lock: on the collector path the cycle survives, on the put path the
 * object does; neither is finalized again when it finally dies.
 */
static void gc_resurrection_into_a_live_object_keeps_it(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_counts *c = gc_counts_new(test, 4);
	struct gc_node *root, *a, *b, *x;

	root = gc_new(test, ctx->heap, &gc_node_type, c, 0);
	gc_pair(test, ctx->heap, &gc_fin_type, c, &a, &b, 1);
	a->lock_heap = ctx->heap;
	a->resurrect_into = root;
	pymm_put(a);
	pymm_put(b);
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 0), 0);
	KUNIT_EXPECT_PTR_EQ(test, root->ref[0], (void *)a);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->finalized), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->cleared), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 0);
	KUNIT_EXPECT_PTR_EQ(test, a->ref[0], (void *)b);
	KUNIT_EXPECT_PTR_EQ(test, b->ref[0], (void *)a);

	/* Put path: x stores itself in root->ref[0], dropping a. */
	x = gc_new(test, ctx->heap, &gc_fin_type, c, 3);
	x->lock_heap = ctx->heap;
	x->resurrect_into = root;
	pymm_put(x);
	KUNIT_EXPECT_PTR_EQ(test, root->ref[0], (void *)x);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->finalized), 3);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 0);
	KUNIT_EXPECT_EQ(test, x->magic, GC_MAGIC);

	/* a and b are garbage again; x dies with root. */
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 2), 2);
	pymm_put(root);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->finalized), 3);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 4);
}

/*
 * A finalizer that breaks its own cycle: both die by refcount inside the
 * collection, before pymm_collect() returns, each finalized and released
 * once.
 */
static void gc_finalizer_breaking_its_cycle_frees_it_once(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_counts *c = gc_counts_new(test, 2);
	struct gc_node *a, *b;
	long n;

	gc_pair(test, ctx->heap, &gc_fin_type, c, &a, &b, 0);
	a->lock_heap = ctx->heap;
	a->clear_in_finalize = true;
	b->lock_heap = ctx->heap;
	b->clear_in_finalize = true;
	pymm_put(a);
	pymm_put(b);
	n = pymm_collect(ctx->heap, 0);
	kunit_info(test, "pymm_collect() returned %ld\n", n);
	KUNIT_EXPECT_GE(test, n, 0);
	KUNIT_EXPECT_LE(test, n, 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->fin_by_id[0]), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->fin_by_id[1]), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->rel_by_id[0]), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->rel_by_id[1]), 1);
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 2), 0);
}

#define GC_MIXED_NODES	300

/*
 * A random graph of nodes with and without finalizers: trees, shared
 * nodes, cycles.  Each node is released exactly once, finalizers run
 * exactly once, whether the node died by refcount or by collection.
 */
static void gc_release_runs_once_per_freed_object(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_counts *c = gc_counts_new(test, GC_MIXED_NODES);
	struct gc_node **nodes;
	struct rnd_state rnd;
	int i, j, by_refcount;
	long collected;

	nodes = kunit_kcalloc(test, GC_MIXED_NODES, sizeof(*nodes), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, nodes);
	prandom_seed_state(&rnd, 1234);
	for (i = 0; i < GC_MIXED_NODES; i++)
		nodes[i] = gc_new(test, ctx->heap, i % 3 ? &gc_node_type :
				  &gc_fin_type, c, i);
	for (i = 0; i < GC_MIXED_NODES; i++) {
		int nrefs = prandom_u32_state(&rnd) % (GC_NODE_REFS + 1);

		for (j = 0; j < nrefs; j++) {
			/* Mostly forward edges (trees), some back (cycles). */
			u32 r = prandom_u32_state(&rnd);
			int to = r % 8 ? i + 1 + r % 16 : (int)(r % GC_MIXED_NODES);

			if (to < GC_MIXED_NODES)
				gc_set_ref(ctx->heap, nodes[i], j, nodes[to]);
		}
	}
	for (i = 0; i < GC_MIXED_NODES; i++)
		pymm_put(nodes[i]);
	by_refcount = atomic_read(&c->released);
	collected = pymm_collect(ctx->heap, 0);
	kunit_info(test, "%d freed by refcount, %ld by the collector\n",
		   by_refcount, collected);
	KUNIT_EXPECT_GT(test, by_refcount, 0);
	KUNIT_EXPECT_GT(test, collected, 0);
	KUNIT_EXPECT_EQ(test, by_refcount + collected, GC_MIXED_NODES);
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 2), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), GC_MIXED_NODES);
	for (i = 0; i < GC_MIXED_NODES; i++) {
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&c->rel_by_id[i]), 1,
				    "node %d", i);
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&c->fin_by_id[i]),
				    i % 3 ? 0 : 1, "node %d", i);
	}
}

#define GC_ROOTED_NODES	400
#define GC_ROOTED_ROUNDS	5

/*
 * Random graphs with random external roots: a collection releases exactly
 * the nodes that no root reaches, computed here independently by a
 * breadth-first walk over the edges the test made.
 */
static void gc_collect_releases_exactly_the_unreachable(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_counts *c;
	struct gc_node **nodes;
	int (*edge)[GC_NODE_REFS];
	bool *root, *reach;
	int *queue, head, tail, i, j, round, nreach;
	struct rnd_state rnd;

	nodes = kunit_kcalloc(test, GC_ROOTED_NODES, sizeof(*nodes), GFP_KERNEL);
	edge = kunit_kcalloc(test, GC_ROOTED_NODES, sizeof(*edge), GFP_KERNEL);
	root = kunit_kcalloc(test, GC_ROOTED_NODES, sizeof(*root), GFP_KERNEL);
	reach = kunit_kcalloc(test, GC_ROOTED_NODES, sizeof(*reach), GFP_KERNEL);
	queue = kunit_kcalloc(test, GC_ROOTED_NODES, sizeof(*queue), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, nodes && edge && root && reach && queue);
	prandom_seed_state(&rnd, 4321);

	for (round = 0; round < GC_ROOTED_ROUNDS; round++) {
		c = gc_counts_new(test, GC_ROOTED_NODES);
		for (i = 0; i < GC_ROOTED_NODES; i++)
			nodes[i] = gc_new(test, ctx->heap, &gc_node_type, c, i);
		for (i = 0; i < GC_ROOTED_NODES; i++) {
			for (j = 0; j < GC_NODE_REFS; j++) {
				u32 r = prandom_u32_state(&rnd);

				edge[i][j] = r % 3 ? -1 : (int)(r % GC_ROOTED_NODES);
				if (edge[i][j] >= 0)
					gc_set_ref(ctx->heap, nodes[i], j,
						   nodes[edge[i][j]]);
			}
			root[i] = prandom_u32_state(&rnd) % 16 == 0;
			reach[i] = root[i];
		}
		/* What the roots reach, by the test's own account. */
		head = 0;
		tail = 0;
		for (i = 0; i < GC_ROOTED_NODES; i++)
			if (root[i])
				queue[tail++] = i;
		while (head < tail) {
			i = queue[head++];
			for (j = 0; j < GC_NODE_REFS; j++) {
				int to = edge[i][j];

				if (to >= 0 && !reach[to]) {
					reach[to] = true;
					queue[tail++] = to;
				}
			}
		}
		nreach = tail;
		/* Drop every reference but the roots'. */
		for (i = 0; i < GC_ROOTED_NODES; i++)
			if (!root[i])
				pymm_put(nodes[i]);
		pymm_collect(ctx->heap, 2);
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&c->released),
				    GC_ROOTED_NODES - nreach, "round %d", round);
		for (i = 0; i < GC_ROOTED_NODES; i++) {
			KUNIT_EXPECT_EQ_MSG(test, atomic_read(&c->rel_by_id[i]),
					    reach[i] ? 0 : 1,
					    "round %d node %d reachable %d",
					    round, i, reach[i]);
			if (reach[i])
				KUNIT_EXPECT_EQ(test, nodes[i]->magic, GC_MAGIC);
		}
		/* Then the roots go, and everything with them. */
		for (i = 0; i < GC_ROOTED_NODES; i++)
			if (root[i])
				pymm_put(nodes[i]);
		pymm_collect(ctx->heap, 2);
		KUNIT_EXPECT_EQ(test, atomic_read(&c->released), GC_ROOTED_NODES);
	}
}

/*
 * A refcount pushed past INT_MAX by pymm_get() saturates (refcount_t
 * reports it, once per boot) instead of wrapping: the object is then
 * leaked rather than freed early, puts leave it saturated, and the
 * collector treats it as reachable.  The test sets the count back
 * afterwards so that the object can be freed.
 */
static void gc_refcount_overflow_saturates_and_leaks_safely(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_counts *c = ctx->counts;
	struct gc_node *x;

	x = gc_new(test, ctx->heap, &gc_node_type, c, 0);
	gc_set_ref(ctx->heap, x, 0, x);		/* a cycle, for the collector */
	pymm_test_set_refcount(x, INT_MAX);
	tl_expect_warn_begin("refcount_saturated=1 refcount_underflow=1");
	pymm_get(x);
	KUNIT_EXPECT_EQ(test, pymm_refcount(x), (unsigned int)REFCOUNT_SATURATED);
	pymm_put(x);
	tl_expect_warn_end();
	KUNIT_EXPECT_EQ(test, pymm_refcount(x), (unsigned int)REFCOUNT_SATURATED);
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 2), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 0);
	KUNIT_EXPECT_EQ(test, x->magic, GC_MAGIC);

	/* Undo the saturation: one reference from the cycle, one ours. */
	pymm_test_set_refcount(x, 2);
	pymm_put(x);
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 2), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 1);
}

/*
 * pymm_get() on an object whose refcount is 0 (inside its release()):
 * refcount_t reports "addition on 0; use-after-free" (a WARN_ONCE, so only
 * the first time after boot) and saturates; pymm frees the object anyway.
 */
static void gc_get_on_dead_object_saturates_refcount(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_counts *c = ctx->counts;
	struct gc_node *x;

	x = gc_new(test, ctx->heap, &gc_node_type, c, 0);
	x->get_in_release = true;
	pymm_put(x);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 1);
	KUNIT_EXPECT_EQ(test, c->release_refcount, 0);
	KUNIT_EXPECT_EQ(test, c->refcount_after_get,
			(unsigned int)REFCOUNT_SATURATED);
	/* gc_ctx_exit() checks that its block was freed all the same. */
}

static void gc_collect_from_callback_or_under_lock_is_edeadlk(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_counts *c = ctx->counts;
	struct gc_node *x;
	long ret;

	x = gc_new(test, ctx->heap, &gc_node_type, c, 0);
	x->collect_heap = ctx->heap;
	c->collect_ret = 1;
	pymm_put(x);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 1);
	KUNIT_EXPECT_EQ(test, c->collect_ret, -EDEADLK);

	tl_expect_warn_begin("collect_deadlock=1 pymm_collect() under pymm_lock()");
	pymm_lock(ctx->heap);
	ret = pymm_collect(ctx->heap, 0);
	pymm_unlock(ctx->heap);
	tl_expect_warn_end();
	KUNIT_EXPECT_EQ(test, ret, -EDEADLK);
}

/*
 * pymm_freeze() and pymm_unfreeze() take collect_lock and the heap lock: from
 * a collection's callback (collect_lock held) or under pymm_lock() they used
 * to deadlock (issue 10, bug 4).  Now they refuse, as pymm_collect() does.
 */
static void gc_freeze_from_callback_or_under_lock_is_edeadlk(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_counts *c = ctx->counts;
	struct gc_node *x;
	int ret;

	/* Garbage whose finalize() runs in the collector. */
	x = gc_new(test, ctx->heap, &gc_fin_type, c, 0);
	x->freeze_heap = ctx->heap;
	gc_set_ref(ctx->heap, x, 0, x);
	pymm_put(x);
	c->freeze_ret = 1;
	c->unfreeze_ret = 1;
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 0), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->finalized), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 1);
	KUNIT_EXPECT_EQ(test, c->freeze_ret, -EDEADLK);
	KUNIT_EXPECT_EQ(test, c->unfreeze_ret, -EDEADLK);

	x = gc_new(test, ctx->heap, &gc_node_type, c, 1);
	tl_expect_warn_begin("freeze_deadlock=1 pymm_freeze() under pymm_lock()");
	pymm_lock(ctx->heap);
	ret = pymm_freeze(ctx->heap);
	pymm_unlock(ctx->heap);
	tl_expect_warn_end();
	KUNIT_EXPECT_EQ(test, ret, -EDEADLK);
	tl_expect_warn_begin("freeze_deadlock=1 pymm_unfreeze() under pymm_lock()");
	pymm_lock(ctx->heap);
	ret = pymm_unfreeze(ctx->heap);
	pymm_unlock(ctx->heap);
	tl_expect_warn_end();
	KUNIT_EXPECT_EQ(test, ret, -EDEADLK);

	/* Nothing moved; outside the lock both work. */
	KUNIT_EXPECT_EQ(test, pymm_freeze(ctx->heap), 0);
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 2), 0);
	KUNIT_EXPECT_EQ(test, pymm_unfreeze(ctx->heap), 0);
	pymm_put(x);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 2);
}

static void gc_collect_rejects_bad_generation(struct kunit *test)
{
	static const int bad[] = { -1, 3, 4, INT_MAX, INT_MIN };
	struct gc_ctx *ctx = test->priv;
	struct gc_stats st;
	int i;

	gc_self_cycle(test, ctx->heap, &gc_node_type, ctx->counts, 0);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test, pymm_collect(ctx->heap, bad[i]),
				    -EINVAL, "generation %d", bad[i]);
	gc_read_stats(test, ctx->name, &st);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, st.gen[i].collections, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->counts->released), 0);
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 2), 1);
}

static void gc_heap_create_rejects_bad_and_taken_names(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	char name[40];
	struct pymm_heap *h;

	KUNIT_EXPECT_PTR_EQ(test, pymm_heap_create(ctx->name),
			    ERR_PTR(-EEXIST));
	KUNIT_EXPECT_PTR_EQ(test, pymm_heap_create(NULL), ERR_PTR(-EINVAL));
	KUNIT_EXPECT_PTR_EQ(test, pymm_heap_create(""), ERR_PTR(-EINVAL));
	KUNIT_EXPECT_PTR_EQ(test, pymm_heap_create("a/b"), ERR_PTR(-EINVAL));
	/* At most 31 characters. */
	memset(name, 'x', 32);
	name[32] = '\0';
	KUNIT_EXPECT_PTR_EQ(test, pymm_heap_create(name), ERR_PTR(-EINVAL));
	/* Exactly 31: this heap's name, then filler. */
	memset(name, 'y', 31);
	name[31] = '\0';
	memcpy(name, ctx->name, min_t(size_t, strlen(ctx->name), 16));
	KUNIT_ASSERT_EQ(test, strlen(name), 31);
	h = pymm_heap_create(name);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, h);
	pymm_heap_destroy(h);
	/* A destroyed heap's name is free again. */
	h = pymm_heap_create(name);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, h);
	pymm_heap_destroy(h);
	/* The rejected attempts did not disturb the heap of that name. */
	gc_self_cycle(test, ctx->heap, &gc_node_type, ctx->counts, 0);
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 0), 1);
}

static void gc_obj_new_is_zeroed_and_holds_one_reference(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_counts *c = ctx->counts;
	struct gc_stats st;
	struct gc_big *big;
	struct gc_node *n, *dirty = NULL;
	int i;

	/*
	 * Dirty blocks, then take them again: the free lists are LIFO, so on
	 * one CPU each new object is the one just released.
	 */
	KUNIT_ASSERT_EQ(test, set_cpus_allowed_ptr(current,
						   cpumask_of(raw_smp_processor_id())),
			0);
	for (i = 0; i < 8; i++) {
		n = pymm_obj_new(ctx->heap, &gc_node_type, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, n);
		if (dirty)
			KUNIT_EXPECT_PTR_EQ(test, n, dirty);
		dirty = n;
		KUNIT_EXPECT_NULL(test, memchr_inv(n, 0, sizeof(*n)));
		KUNIT_EXPECT_EQ(test, pymm_refcount(n), 1);
		gc_read_stats(test, ctx->name, &st);
		KUNIT_EXPECT_EQ(test, st.gen[0].objects, 1);
		memset(n, 0xa5, sizeof(*n));
		n->counts = c;
		n->magic = GC_MAGIC;
		memset(n->ref, 0, sizeof(n->ref));
		n->resurrect_to = NULL;
		n->lock_heap = NULL;
		n->collect_heap = NULL;
		n->stubborn = false;
		n->get_in_release = false;
		pymm_put(n);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 8);
	for (i = 0; i < 4; i++) {
		big = pymm_obj_new(ctx->heap, &gc_big_type, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, big);
		KUNIT_EXPECT_NULL(test, memchr_inv(big, 0, sizeof(*big)));
		KUNIT_EXPECT_EQ(test, pymm_refcount(big), 1);
		memset(big->payload, 0x5a, sizeof(big->payload));
		big->node.magic = GC_MAGIC;
		big->node.counts = c;
		pymm_put(big);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 12);
}

static void gc_obj_new_rejects_incomplete_type(struct kunit *test)
{
	static const struct pymm_type no_clear = {
		.name = "gc_no_clear",
		.size = 16,
	};
	struct gc_ctx *ctx = test->priv;
	void *p;

	tl_expect_warn_begin("bad_type=1 pymm_obj_new() with a bad type");
	p = pymm_obj_new(ctx->heap, &no_clear, GFP_KERNEL);
	tl_expect_warn_end();
	KUNIT_EXPECT_NULL(test, p);
	pymm_put(p);	/* NULL: a no-op */
}

/* The last put under the heap's lock only queues the object. */
static void gc_last_put_under_heap_lock_is_deferred(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_counts *c = ctx->counts;
	struct gc_node *x;

	x = gc_new(test, ctx->heap, &gc_fin_type, c, 0);
	/* Its callbacks take the heap lock: they must not run here. */
	x->lock_heap = ctx->heap;
	pymm_lock(ctx->heap);
	pymm_put(x);
	/*
	 * Queued to the heap's worker (which, if it already runs, waits for
	 * the lock in finalize()): nothing ran here.
	 */
	KUNIT_EXPECT_NE(test, pymm_test_heap_work(ctx->heap, false), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->finalized), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 0);
	pymm_unlock(ctx->heap);
	pymm_test_heap_work(ctx->heap, true);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->finalized), 1);
	KUNIT_EXPECT_PTR_NE(test, c->release_task, current);
}

/* finalize() and release() may take the heap lock, on both paths. */
static void gc_callbacks_may_take_the_heap_lock(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_counts *c = ctx->counts;
	struct gc_node *a, *b, *x;

	gc_pair(test, ctx->heap, &gc_fin_type, c, &a, &b, 0);
	a->lock_heap = ctx->heap;
	b->lock_heap = ctx->heap;
	pymm_put(a);
	pymm_put(b);
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 0), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->finalized), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 2);

	x = gc_new(test, ctx->heap, &gc_fin_type, c, 2);
	x->lock_heap = ctx->heap;
	pymm_put(x);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->finalized), 3);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 3);
	KUNIT_EXPECT_PTR_EQ(test, c->release_task, current);
}

/* Objects of a hardirq timer: allocated GFP_ATOMIC, got and put there. */
struct gc_irq {
	struct hrtimer timer;
	struct pymm_heap *heap;
	struct gc_counts *counts;
	struct gc_node *given;		/* a reference for the timer to drop */
	struct gc_node *made[8];
	int nmade;
	bool hardirq;
	struct completion done;
};

static enum hrtimer_restart gc_irq_fn(struct hrtimer *t)
{
	struct gc_irq *irq = container_of(t, struct gc_irq, timer);
	struct gc_node *n;
	int i;

	irq->hardirq = in_hardirq();
	for (i = 0; i < ARRAY_SIZE(irq->made); i++) {
		n = pymm_obj_new(irq->heap, &gc_fin_type, GFP_ATOMIC);
		if (!n)
			break;
		n->magic = GC_MAGIC;
		n->id = i;
		n->counts = irq->counts;
		pymm_put(pymm_get(n));
		irq->made[i] = n;
	}
	irq->nmade = i;
	/* Two die here, in hardirq: destroyed later, in process context. */
	pymm_put(irq->made[0]);
	irq->made[0] = NULL;
	pymm_put(irq->given);
	irq->given = NULL;
	complete(&irq->done);
	return HRTIMER_NORESTART;
}

static void gc_objects_from_hardirq_context_work(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_counts *c = ctx->counts;
	struct gc_irq *irq;
	int i;

	irq = kunit_kzalloc(test, sizeof(*irq), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, irq);
	irq->heap = ctx->heap;
	irq->counts = c;
	irq->given = gc_new(test, ctx->heap, &gc_fin_type, c, 100);
	init_completion(&irq->done);
	/* Soft: it allocates (on !PREEMPT_RT it still runs in hardirq). */
	hrtimer_init(&irq->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	irq->timer.function = gc_irq_fn;
	hrtimer_start(&irq->timer, ms_to_ktime(1), HRTIMER_MODE_REL);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&irq->done, 5 * HZ));
	hrtimer_cancel(&irq->timer);

	KUNIT_EXPECT_EQ(test, irq->hardirq, !IS_ENABLED(CONFIG_PREEMPT_RT));
	KUNIT_ASSERT_EQ(test, irq->nmade, ARRAY_SIZE(irq->made));
	KUNIT_EXPECT_TRUE(test, gc_wait_atomic(&c->released, 2, 5000));
	KUNIT_EXPECT_EQ(test, atomic_read(&c->finalized), 2);
	KUNIT_EXPECT_PTR_NE(test, c->release_task, current);

	/* The others are ordinary objects: a cycle of them is collected. */
	for (i = 1; i < ARRAY_SIZE(irq->made); i++) {
		KUNIT_EXPECT_EQ(test, irq->made[i]->magic, GC_MAGIC);
		KUNIT_EXPECT_EQ(test, pymm_refcount(irq->made[i]), 1);
	}
	for (i = 1; i < ARRAY_SIZE(irq->made); i++)
		gc_set_ref(ctx->heap, irq->made[i], 0,
			   irq->made[i % (ARRAY_SIZE(irq->made) - 1) + 1]);
	for (i = 1; i < ARRAY_SIZE(irq->made); i++)
		pymm_put(irq->made[i]);
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 0),
			ARRAY_SIZE(irq->made) - 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released),
			ARRAY_SIZE(irq->made) + 1);
}

/*
 * References between two heaps count as external on both sides: a cycle
 * through both heaps is never freed by either heap's collector, and the
 * garbage of one heap that references the other frees only what it should.
 * Every death of a heap-B object here happens with heap A's lock held or
 * none (the other order is gc_cross_heap's business).
 */
static void gc_cross_heap_references_are_external(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_counts *c = gc_counts_new(test, 6);
	struct pymm_heap *hb;
	struct gc_node *a0, *a1, *a2, *b0, *b1, *b2;
	char name[32];
	int g;

	hb = gc_heap_new(test, name, sizeof(name));
	pymm_set_threshold(hb, 0, 0, 0);

	/* a0 <-> b0 across the heaps; the test keeps a0. */
	a0 = gc_new(test, ctx->heap, &gc_node_type, c, 0);
	b0 = gc_new(test, hb, &gc_node_type, c, 3);
	gc_set_ref(ctx->heap, a0, 0, b0);
	gc_set_ref(hb, b0, 0, a0);
	/* a1 <-> a2, garbage in heap A, a1 referencing b1 in heap B. */
	gc_pair(test, ctx->heap, &gc_node_type, c, &a1, &a2, 1);
	b1 = gc_new(test, hb, &gc_node_type, c, 4);
	gc_set_ref(ctx->heap, a1, 1, b1);
	/* b2 in heap B holds a member of that cycle, a2. */
	b2 = gc_new(test, hb, &gc_node_type, c, 5);
	gc_set_ref(hb, b2, 0, a2);
	pymm_put(b0);
	pymm_put(a1);
	pymm_put(a2);
	pymm_put(b1);
	/* a0 and b0 are held only by each other now. */
	pymm_put(a0);

	for (g = 0; g < 3; g++) {
		KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, g), 0);
		KUNIT_EXPECT_EQ(test, pymm_collect(hb, g), 0);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 0);
	KUNIT_EXPECT_EQ(test, a0->magic + b0->magic + b1->magic, 3 * GC_MAGIC);

	/* Drop b2: the a1-a2 cycle is garbage of heap A, b1 dies with it. */
	pymm_put(b2);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->rel_by_id[5]), 1);
	KUNIT_EXPECT_EQ(test, pymm_collect(hb, 2), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 1);
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 2), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->rel_by_id[1]), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->rel_by_id[2]), 1);
	KUNIT_EXPECT_TRUE(test, gc_wait_atomic(&c->rel_by_id[4], 1, 5000));
	/* The cross-heap cycle a0 <-> b0 is still intact. */
	KUNIT_EXPECT_EQ(test, atomic_read(&c->rel_by_id[0]), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->rel_by_id[3]), 0);
	KUNIT_EXPECT_PTR_EQ(test, a0->ref[0], (void *)b0);
	KUNIT_EXPECT_PTR_EQ(test, b0->ref[0], (void *)a0);

	/* Take a0 back, cut b0 -> a0: then a0's last put frees both. */
	pymm_lock(hb);
	pymm_get(b0->ref[0]);
	pymm_unlock(hb);
	gc_set_ref(hb, b0, 0, NULL);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 4);
	/* a0 dies here; b0, of the other heap, in that heap's worker. */
	pymm_put(a0);
	KUNIT_EXPECT_TRUE(test, gc_wait_atomic(&c->released, 6, 5000));
	KUNIT_EXPECT_EQ(test, atomic_read(&c->rel_by_id[0]), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->rel_by_id[3]), 1);
	pymm_heap_destroy(hb);
}

static void gc_heap_destroy_collects_garbage(struct kunit *test)
{
	struct gc_counts *c = gc_counts_new(test, 0);
	struct gc_node *first, *x;
	struct pymm_heap *h;
	char name[32];
	int i;

	h = gc_heap_new(test, name, sizeof(name));
	pymm_set_threshold(h, 0, 0, 0);
	for (i = 0; i < 10; i++)
		gc_self_cycle(test, h, &gc_node_type, c, i);
	gc_ring(test, h, &gc_fin_type, c, 20, 10, &first);
	pymm_put(first);
	x = gc_new(test, h, &gc_node_type, c, 30);
	gc_set_ref(h, x, 0, x);
	pymm_put(x);
	/* Frozen garbage too: destroy unfreezes. */
	pymm_freeze(h);
	gc_self_cycle(test, h, &gc_node_type, c, 31);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 0);
	pymm_heap_destroy(h);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 32);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->finalized), 20);
}

/*
 * Objects still referenced when their heap is destroyed stay valid; their
 * last put frees their memory without calling any callback.
 */
static void gc_heap_destroy_keeps_referenced_objects_as_orphans(struct kunit *test)
{
	struct gc_counts *c = gc_counts_new(test, 0);
	unsigned long before, after;
	struct pymm_heap *h, *h2;
	struct gc_node *x;
	char name[32];
	int cleared;

	h = gc_heap_new(test, name, sizeof(name));
	pymm_set_threshold(h, 0, 0, 0);
	x = gc_new(test, h, &gc_fin_type, c, 0);
	gc_self_cycle(test, h, &gc_node_type, c, 1);
	/* pr_warn()s "... still referenced ...": not a WARN. */
	pymm_heap_destroy(h);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->finalized), 0);
	KUNIT_EXPECT_EQ(test, x->magic, GC_MAGIC);
	KUNIT_EXPECT_EQ(test, pymm_refcount(x), 1);
	pymm_put(pymm_get(x));
	KUNIT_EXPECT_EQ(test, pymm_refcount(x), 1);

	/* Its name can be taken while the orphan lives. */
	h2 = pymm_heap_create(name);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, h2);
	pymm_heap_destroy(h2);

	cleared = atomic_read(&c->cleared);
	before = pt_summary(test, TL_BLOCKS_INUSE);
	pymm_put(x);
	after = pt_summary(test, TL_BLOCKS_INUSE);
	KUNIT_EXPECT_EQ(test, before - after, 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->finalized), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->cleared), cleared);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 1);
}

struct gc_hard_put {
	struct hrtimer timer;
	struct gc_node *obj;
	bool hardirq;
	struct completion done;
};

static enum hrtimer_restart gc_hard_put_fn(struct hrtimer *t)
{
	struct gc_hard_put *hp = container_of(t, struct gc_hard_put, timer);

	hp->hardirq = in_hardirq();
	pymm_put(hp->obj);
	complete(&hp->done);
	return HRTIMER_NORESTART;
}

/*
 * Drop a reference to @obj in a HARD hrtimer: hard interrupt context on
 * every kernel, PREEMPT_RT included, where lockdep (with
 * PROVE_RAW_LOCK_NESTING) reports any spinlock_t or local_lock taken.
 */
static void gc_put_in_hard_irq(struct kunit *test, struct gc_node *obj)
{
	struct gc_hard_put *hp = kunit_kzalloc(test, sizeof(*hp), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, hp);
	hp->obj = obj;
	init_completion(&hp->done);
	hrtimer_init(&hp->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	hp->timer.function = gc_hard_put_fn;
	hrtimer_start(&hp->timer, ms_to_ktime(1), HRTIMER_MODE_REL_HARD);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&hp->done, 5 * HZ));
	hrtimer_cancel(&hp->timer);
	KUNIT_EXPECT_TRUE(test, hp->hardirq);
}

/*
 * A last put in hard interrupt context takes no lock, on PREEMPT_RT too:
 * an object of a live heap is destroyed later, with its callbacks, in
 * process context; an orphan's memory is freed later by a work item.  The
 * orphan's used to be freed in place, under its heap's gen_lock (a
 * spinlock_t: "Invalid wait context" with PROVE_RAW_LOCK_NESTING).
 */
static void gc_last_put_in_hard_irq_takes_no_lock(struct kunit *test)
{
	struct gc_counts *c = gc_counts_new(test, 0);
	unsigned long before, end;
	struct pymm_heap *h;
	struct gc_node *x;
	char name[32];

	h = gc_heap_new(test, name, sizeof(name));
	pymm_set_threshold(h, 0, 0, 0);
	x = gc_new(test, h, &gc_fin_type, c, 0);
	gc_put_in_hard_irq(test, x);
	KUNIT_EXPECT_TRUE(test, gc_wait_atomic(&c->released, 1, 5000));
	KUNIT_EXPECT_EQ(test, atomic_read(&c->finalized), 1);
	KUNIT_EXPECT_PTR_NE(test, c->release_task, current);

	x = gc_new(test, h, &gc_fin_type, c, 1);
	pymm_heap_destroy(h);		/* x is an orphan now */
	before = pt_summary(test, TL_BLOCKS_INUSE);
	gc_put_in_hard_irq(test, x);
	end = jiffies + 5 * HZ;
	while (pt_summary(test, TL_BLOCKS_INUSE) != before - 1 &&
	       time_before(jiffies, end))
		usleep_range(1000, 2000);
	KUNIT_EXPECT_EQ(test, pt_summary(test, TL_BLOCKS_INUSE), before - 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->finalized), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 1);
}

static int gc_nop_traverse(void *obj, pymm_visit_fn visit, void *arg)
{
	return 0;
}

static void gc_nop_clear(void *obj)
{
}

/*
 * sizeof(header) + type->size used to wrap: SIZE_MAX asked for a 64-byte
 * block and returned a pointer past its end (issue 10, bug 9).  The type's
 * callbacks never touch the object, so the old code's result can be put.
 */
static void gc_obj_new_refuses_a_size_that_wraps(struct kunit *test)
{
	/* The first wraps to less than a header (the old code served it);
	 * the others are more than kmalloc() serves.
	 */
	static const size_t sizes[] = { SIZE_MAX, SIZE_MAX / 2 + 1,
					KMALLOC_MAX_SIZE };
	struct gc_ctx *ctx = test->priv;
	struct pymm_type huge = {
		.name = "gc_huge",
		.traverse = gc_nop_traverse,
		.clear = gc_nop_clear,
	};
	struct gc_stats st;
	void *obj;
	int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		huge.size = sizes[i];
		tl_expect_warn_begin("obj_too_big=1 pymm_obj_new() of %zu bytes",
				     sizes[i]);
		obj = pymm_obj_new(ctx->heap, &huge, GFP_KERNEL | __GFP_NOWARN);
		tl_expect_warn_end();
		KUNIT_EXPECT_NULL_MSG(test, obj, "type size %zu", sizes[i]);
		pymm_put(obj);
	}
	gc_read_stats(test, ctx->name, &st);
	KUNIT_EXPECT_EQ(test, st.gen[0].objects, 0);
}

/*
 * A last put racing pymm_heap_destroy() (issue 10, bugs 1 and 6).  The put
 * runs in a kthread and is held, by pymm's test hook, after it found the
 * heap not orphaned and before it pushed the object.  It is let go when
 * destroy says it waits for it (the destroy_wait hook), or else once
 * destroy has returned.  Either way, when destroy returns every callback
 * must have run, and none may run afterwards.  The old code never waited:
 * it returned at once, and the put then ran the callbacks of a destroyed
 * heap.
 */
struct gc_race {
	void *target;
	struct pymm_heap *heap;
	/* a heap whose lock the putter holds, or NULL */
	struct pymm_heap *busy;
	struct completion paused, go, done;
	struct task_struct *task;
	bool destroy_waited;
};

static struct gc_race *gc_race_now;

/* In the put: hold it until the test lets it go (at most 10 s). */
static void gc_race_dead(void *obj)
{
	struct gc_race *r = READ_ONCE(gc_race_now);

	if (!r || obj != r->target)
		return;
	complete(&r->paused);
	wait_for_completion_timeout(&r->go, msecs_to_jiffies(10000));
}

/* In destroy, about to wait for the puts it raced: let ours go. */
static void gc_race_destroy_wait(struct pymm_heap *heap)
{
	struct gc_race *r = READ_ONCE(gc_race_now);

	if (!r || heap != r->heap)
		return;
	r->destroy_waited = true;
	complete(&r->go);
}

static const struct pymm_test_hooks gc_race_hooks = {
	.dead = gc_race_dead,
	.destroy_wait = gc_race_destroy_wait,
};

static int gc_race_putter(void *arg)
{
	struct gc_race *r = arg;

	if (r->busy)
		pymm_lock(r->busy);	/* the put is then deferred */
	pymm_put(r->target);
	if (r->busy)
		pymm_unlock(r->busy);
	complete(&r->done);
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

/*
 * Put @target (its last reference) in a kthread, destroy @heap while the put
 * is held in its window, and return the releases of @c counted when
 * destroy returned.
 */
static int gc_race_destroy(struct kunit *test, struct pymm_heap *heap,
			   void *target, struct pymm_heap *busy,
			   struct gc_counts *c)
{
	struct gc_race r = { .target = target, .heap = heap, .busy = busy };
	bool paused, done;
	int at_return;

	init_completion(&r.paused);
	init_completion(&r.go);
	init_completion(&r.done);
	WRITE_ONCE(gc_race_now, &r);
	pymm_test_set_hooks(&gc_race_hooks);
	r.task = kthread_run(gc_race_putter, &r, "gc_race_put");
	if (IS_ERR(r.task)) {
		pymm_test_set_hooks(NULL);
		WRITE_ONCE(gc_race_now, NULL);
		KUNIT_FAIL(test, "kthread_run: %ld", PTR_ERR(r.task));
		return -1;
	}
	paused = wait_for_completion_timeout(&r.paused,
					     msecs_to_jiffies(5000));
	pymm_heap_destroy(heap);
	at_return = atomic_read(&c->released);
	complete(&r.go);
	done = wait_for_completion_timeout(&r.done, msecs_to_jiffies(5000));
	kthread_stop(r.task);
	pymm_test_set_hooks(NULL);
	WRITE_ONCE(gc_race_now, NULL);
	KUNIT_EXPECT_TRUE(test, paused);
	KUNIT_EXPECT_TRUE(test, done);
	KUNIT_EXPECT_TRUE_MSG(test, r.destroy_waited,
			      "pymm_heap_destroy() waited for the put");
	return at_return;
}

static void gc_last_put_racing_destroy_runs_callbacks_before_it_returns(struct kunit *test)
{
	struct gc_counts *c = gc_counts_new(test, 0);
	struct pymm_heap *h;
	struct gc_node *x;
	char name[32];
	int at_return;

	h = gc_heap_new(test, name, sizeof(name));
	pymm_set_threshold(h, 0, 0, 0);
	x = gc_new(test, h, &gc_fin_type, c, 0);
	at_return = gc_race_destroy(test, h, x, NULL, c);
	KUNIT_EXPECT_EQ_MSG(test, at_return, 1,
			    "releases run when pymm_heap_destroy() returned");
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&c->released) - at_return, 0,
			    "releases run after pymm_heap_destroy() returned");
	KUNIT_EXPECT_EQ(test, atomic_read(&c->finalized), 1);
}

/*
 * X's death is deferred (the putter holds another heap's lock) and
 * destroyed in a drain after orphaned was set; X's clear() drops the last
 * reference to Y.  Y died before destroy returned: it gets its callbacks
 * too (the old code freed it as an orphan, without clear() or release()).
 */
static void gc_deaths_during_destroys_final_drain_get_callbacks(struct kunit *test)
{
	struct gc_counts *c = gc_counts_new(test, 2);
	struct pymm_heap *h, *busy;
	char name[32], bname[32];
	struct gc_node *x, *y;
	int at_return;

	h = gc_heap_new(test, name, sizeof(name));
	pymm_set_threshold(h, 0, 0, 0);
	busy = gc_heap_new(test, bname, sizeof(bname));
	x = gc_new(test, h, &gc_node_type, c, 0);
	y = gc_new(test, h, &gc_fin_type, c, 1);
	gc_set_ref(h, x, 0, y);
	pymm_put(y);			/* x holds the last reference */
	at_return = gc_race_destroy(test, h, x, busy, c);
	pymm_heap_destroy(busy);
	KUNIT_EXPECT_EQ_MSG(test, at_return, 2,
			    "releases run when pymm_heap_destroy() returned");
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&c->released) - at_return, 0,
			    "releases run after pymm_heap_destroy() returned");
	KUNIT_EXPECT_EQ(test, atomic_read(&c->rel_by_id[0]), 1);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&c->rel_by_id[1]), 1,
			    "releases of Y, killed by X's clear()");
	KUNIT_EXPECT_EQ(test, atomic_read(&c->fin_by_id[1]), 1);
}

/*
 * A last put under the heap lock is left to the worker.  If destroy
 * cancels that work and collects before the dead object is drained, the
 * dead object still holds a cycle, which then looks referenced and
 * survives: destroy must drain first, and collect again while that frees
 * something (issue 10; seen first by pymm_torture).  On one CPU the
 * worker cannot run before destroy cancels it, which is the window.
 */
static void gc_destroy_collects_a_cycle_held_by_a_deferred_death(struct kunit *test)
{
	struct gc_counts *c = gc_counts_new(test, 2);
	struct gc_node *x, *y;
	struct pymm_heap *h;
	char name[32];

	h = gc_heap_new(test, name, sizeof(name));
	pymm_set_threshold(h, 0, 0, 0);
	x = gc_new(test, h, &gc_node_type, c, 0);
	y = gc_new(test, h, &gc_node_type, c, 1);
	gc_set_ref(h, y, 0, y);		/* y: a self-cycle */
	gc_set_ref(h, x, 0, y);		/* held from outside by x alone */
	pymm_put(y);
	pymm_lock(h);
	pymm_put(x);			/* the last one: left to the worker */
	pymm_unlock(h);
	pymm_heap_destroy(h);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&c->rel_by_id[0]), 1,
			    "x released when pymm_heap_destroy() returned");
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&c->rel_by_id[1]), 1,
			    "y (garbage once x died) released when pymm_heap_destroy() returned");
}

static struct kunit_case gc_collect_cases[] = {
	KUNIT_CASE(gc_self_cycle_is_collected),
	KUNIT_CASE(gc_two_object_cycle_is_collected),
	KUNIT_CASE(gc_cycles_linked_to_cycles_are_collected),
	KUNIT_CASE(gc_externally_held_cycle_survives_until_last_put),
	KUNIT_CASE(gc_survivors_are_promoted_one_generation),
	KUNIT_CASE(gc_young_collection_leaves_older_garbage),
	KUNIT_CASE(gc_freeze_hides_garbage_until_unfreeze),
	KUNIT_CASE(gc_finalize_runs_once_on_put_path),
	KUNIT_CASE(gc_finalize_runs_once_on_collector_path),
	KUNIT_CASE(gc_put_path_resurrection_keeps_object),
	KUNIT_CASE(gc_collector_resurrection_keeps_what_it_reaches),
	KUNIT_CASE(gc_resurrection_into_a_live_object_keeps_it),
	KUNIT_CASE(gc_finalizer_breaking_its_cycle_frees_it_once),
	KUNIT_CASE(gc_release_runs_once_per_freed_object),
	KUNIT_CASE(gc_collect_releases_exactly_the_unreachable),
	KUNIT_CASE(gc_refcount_overflow_saturates_and_leaks_safely),
	KUNIT_CASE(gc_get_on_dead_object_saturates_refcount),
	KUNIT_CASE(gc_collect_from_callback_or_under_lock_is_edeadlk),
	KUNIT_CASE(gc_freeze_from_callback_or_under_lock_is_edeadlk),
	KUNIT_CASE(gc_collect_rejects_bad_generation),
	KUNIT_CASE(gc_heap_create_rejects_bad_and_taken_names),
	KUNIT_CASE(gc_obj_new_is_zeroed_and_holds_one_reference),
	KUNIT_CASE(gc_obj_new_rejects_incomplete_type),
	KUNIT_CASE(gc_last_put_under_heap_lock_is_deferred),
	KUNIT_CASE(gc_callbacks_may_take_the_heap_lock),
	KUNIT_CASE(gc_objects_from_hardirq_context_work),
	KUNIT_CASE(gc_cross_heap_references_are_external),
	KUNIT_CASE(gc_heap_destroy_collects_garbage),
	KUNIT_CASE(gc_heap_destroy_keeps_referenced_objects_as_orphans),
	KUNIT_CASE(gc_last_put_in_hard_irq_takes_no_lock),
	KUNIT_CASE(gc_obj_new_refuses_a_size_that_wraps),
	KUNIT_CASE(gc_last_put_racing_destroy_runs_callbacks_before_it_returns),
	KUNIT_CASE(gc_deaths_during_destroys_final_drain_get_callbacks),
	KUNIT_CASE(gc_destroy_collects_a_cycle_held_by_a_deferred_death),
	{}
};

static struct kunit_suite gc_collect_suite = {
	.name = "gc_collect",
	.init = gc_ctx_init,
	.exit = gc_ctx_exit,
	.test_cases = gc_collect_cases,
};

kunit_test_suites(&gc_collect_suite);
