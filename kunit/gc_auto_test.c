// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: automatic collection (suite gc_auto).
 *
 * Heaps start with CPython's thresholds (700, 10, 10).  pymm_obj_new()
 * queues a collection to the heap's worker when gen0 holds more objects
 * than threshold 0, and so does pymm_set_threshold(); the worker picks the generation as
 * CPython's collect_generations() does: the oldest whose count exceeds its
 * threshold, gen2 only if the objects moved into it since the last full
 * collection (long_lived_pending) are at least a quarter of those that
 * survived it (long_lived_total).
 *
 * Garbage is made with gc_self_cycle(), under the heap lock, so that a
 * collection queued by an allocation never sees a half-built object.  The
 * worker's collections are observed through the heap's gc file.
 */
#include <kunit/test.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/smp.h>

#include "gc_util.h"

static unsigned long gc_total_collections(const struct gc_stats *st)
{
	return st->gen[0].collections + st->gen[1].collections +
	       st->gen[2].collections;
}

/*
 * Let the heap's worker run what was queued so far, then: did the heap's
 * collections, in all generations, exceed @before?
 */
static bool gc_wait_collection(struct kunit *test, const char *name,
			       unsigned long before, struct gc_stats *st)
{
	struct gc_ctx *ctx = test->priv;

	pymm_test_heap_work(ctx->heap, true);
	gc_read_stats(test, name, st);
	return gc_total_collections(st) > before;
}

/* Let the heap's worker run anything queued, before "nothing ran". */
static void gc_quiesce(struct gc_ctx *ctx)
{
	pymm_test_heap_work(ctx->heap, true);
}

static void gc_garbage(struct kunit *test, struct gc_ctx *ctx, int n)
{
	while (n--)
		gc_self_cycle(test, ctx->heap, &gc_node_type, ctx->counts, 0);
}

static void gc_auto_gen0_runs_when_allocations_exceed_700(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_counts *c = ctx->counts;
	struct gc_stats st;

	gc_garbage(test, ctx, 700);
	gc_quiesce(ctx);
	gc_read_stats(test, ctx->name, &st);
	KUNIT_EXPECT_EQ(test, st.gen[0].threshold, 700);
	KUNIT_EXPECT_EQ(test, st.gen[0].count, 700);
	KUNIT_EXPECT_EQ(test, st.gen[0].objects, 700);
	KUNIT_EXPECT_EQ(test, gc_total_collections(&st), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 0);

	gc_garbage(test, ctx, 1);
	KUNIT_ASSERT_TRUE(test, gc_wait_collection(test, ctx->name, 0, &st));
	KUNIT_EXPECT_EQ(test, st.gen[0].collections, 1);
	KUNIT_EXPECT_EQ(test, st.gen[0].collected, 701);
	KUNIT_EXPECT_EQ(test, st.gen[0].count, 0);
	KUNIT_EXPECT_EQ(test, st.gen[0].objects, 0);
	KUNIT_EXPECT_EQ(test, st.gen[1].objects, 0);
	KUNIT_EXPECT_EQ(test, st.gen[1].count, 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 701);
	/* Never where the object was allocated: in the heap's worker. */
	KUNIT_EXPECT_PTR_NE(test, c->release_task, current);
}

static void gc_auto_counts_allocations_net_of_deallocations(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_counts *c = ctx->counts;
	struct gc_node **held;
	struct gc_stats st;
	int i;

	held = kunit_kcalloc(test, 600, sizeof(*held), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, held);
	for (i = 0; i < 600; i++)
		held[i] = gc_new(test, ctx->heap, &gc_node_type, c, i);
	for (i = 0; i < 300; i++)
		pymm_put(held[i]);		/* freed by refcount */
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 300);
	gc_garbage(test, ctx, 400);		/* 1000 made, 700 net */
	gc_quiesce(ctx);
	gc_read_stats(test, ctx->name, &st);
	KUNIT_EXPECT_EQ(test, st.gen[0].count, 700);
	KUNIT_EXPECT_EQ(test, gc_total_collections(&st), 0);

	gc_garbage(test, ctx, 1);
	KUNIT_ASSERT_TRUE(test, gc_wait_collection(test, ctx->name, 0, &st));
	KUNIT_EXPECT_EQ(test, st.gen[0].collections, 1);
	KUNIT_EXPECT_EQ(test, st.gen[0].collected, 401);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 701);
	/* The held ones survived into gen1. */
	KUNIT_EXPECT_EQ(test, st.gen[1].objects, 300);
	for (i = 300; i < 600; i++) {
		KUNIT_EXPECT_EQ(test, held[i]->magic, GC_MAGIC);
		pymm_put(held[i]);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 1001);
}

static void gc_auto_zero_threshold_disables_collection(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_counts *c = ctx->counts;
	struct gc_stats st;

	pymm_set_threshold(ctx->heap, 0, 10, 10);
	gc_garbage(test, ctx, 1000);
	gc_quiesce(ctx);
	gc_read_stats(test, ctx->name, &st);
	KUNIT_EXPECT_EQ(test, st.gen[0].threshold, 0);
	KUNIT_EXPECT_EQ(test, st.gen[0].objects, 1000);
	KUNIT_EXPECT_EQ(test, gc_total_collections(&st), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 0);

	/* Back on, with gen0 over 700: collected without another allocation. */
	pymm_set_threshold(ctx->heap, 700, 10, 10);
	KUNIT_ASSERT_TRUE(test, gc_wait_collection(test, ctx->name, 0, &st));
	KUNIT_EXPECT_EQ(test, st.gen[0].collections, 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 1000);
}

/*
 * gen1 is collected once its count, the gen0 collections since its last
 * collection, reaches threshold 1 (10): the 11th automatic collection,
 * after 10 of gen0.  (CPython's count > threshold would wait for the 12th.)
 */
static void gc_auto_gen1_runs_after_10_gen0_collections(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_counts *c = ctx->counts;
	struct gc_stats st;
	struct gc_node *x;
	bool done;
	int round;

	pymm_set_threshold(ctx->heap, 50, 10, 10);
	x = gc_new(test, ctx->heap, &gc_node_type, c, 1);
	for (round = 1; round <= 11; round++) {
		gc_garbage(test, ctx, round == 1 ? 50 : 51);
		done = gc_wait_collection(test, ctx->name, round - 1, &st);
		KUNIT_ASSERT_TRUE_MSG(test, done, "round %d", round);
		KUNIT_ASSERT_EQ(test, gc_total_collections(&st), round);
		if (round <= 10) {
			KUNIT_EXPECT_EQ_MSG(test, st.gen[0].collections, round,
					    "round %d", round);
			KUNIT_EXPECT_EQ_MSG(test, st.gen[1].count, round,
					    "round %d", round);
			KUNIT_EXPECT_EQ(test, st.gen[1].collections, 0);
			KUNIT_EXPECT_EQ(test, st.gen[1].objects, 1);
		}
	}
	/* Round 11 collected gen1 (and gen0 with it). */
	KUNIT_EXPECT_EQ(test, st.gen[0].collections, 10);
	KUNIT_EXPECT_EQ(test, st.gen[1].collections, 1);
	KUNIT_EXPECT_EQ(test, st.gen[1].count, 0);
	KUNIT_EXPECT_EQ(test, st.gen[2].count, 1);
	KUNIT_EXPECT_EQ(test, st.gen[2].collections, 0);
	KUNIT_EXPECT_EQ(test, st.gen[1].collected, 51);
	/* x moved on to gen2. */
	KUNIT_EXPECT_EQ(test, st.gen[1].objects, 0);
	KUNIT_EXPECT_EQ(test, st.gen[2].objects, 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 50 + 10 * 51);
	pymm_put(x);
}

/*
 * The worker may come after many thresholds' worth of allocations (here
 * held off by a zero threshold): its gen0 collection then counts toward
 * gen1 as the 20 that CPython would have run, and the gen1 collection
 * that follows counts 20 / 10 toward gen2.  With increments on (the
 * default) the late collection is taken in slices, each one pause in the
 * histogram, and is still one collection.
 */
static void gc_auto_a_late_collection_counts_every_threshold_it_covers(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_counts *c = ctx->counts;
	struct pymm_gc_stats before, after;
	unsigned long slices = 0;
	struct gc_stats st;
	int i;

	pymm_set_threshold(ctx->heap, 0, 10, 10);
	gc_garbage(test, ctx, 20 * 700);
	pymm_gc_stats(ctx->heap, &before);
	pymm_set_threshold(ctx->heap, 700, 10, 10);
	KUNIT_ASSERT_TRUE(test, gc_wait_collection(test, ctx->name, 0, &st));
	KUNIT_EXPECT_EQ(test, st.gen[0].collections, 1);
	KUNIT_EXPECT_EQ(test, st.gen[0].collected, 20 * 700);
	KUNIT_EXPECT_EQ(test, st.gen[1].count, 20);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 20 * 700);
	pymm_gc_stats(ctx->heap, &after);
	for (i = 0; i < PYMM_GC_PAUSE_BUCKETS; i++)
		slices += after.pauses[i] - before.pauses[i];
	/* 14,000 self-cycles, 2 units of work each, 8,192 a slice. */
	KUNIT_EXPECT_GE(test, slices, 20 * 700 * 2 / 8192);

	gc_garbage(test, ctx, 701);
	KUNIT_ASSERT_TRUE(test, gc_wait_collection(test, ctx->name, 1, &st));
	KUNIT_EXPECT_EQ(test, st.gen[1].collections, 1);
	KUNIT_EXPECT_EQ(test, st.gen[1].count, 0);
	KUNIT_EXPECT_EQ(test, st.gen[2].count, 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 21 * 700 + 1);
}

/* A task holding the heap lock, so that the worker cannot collect. */
struct gc_holder {
	struct pymm_heap *heap;
	struct completion held, release;
};

static int gc_hold_lock(void *arg)
{
	struct gc_holder *h = arg;

	pymm_lock(h->heap);
	complete(&h->held);
	wait_for_completion(&h->release);
	pymm_unlock(h->heap);
	return 0;
}

#define GC_PACE_T0	10
#define GC_PACE_N	100

/*
 * A worker that cannot keep up (here it waits for the heap lock, which
 * another task holds): each allocation that may sleep, once gen0 holds
 * more than 8 times its threshold, waits for it, but only so long, and an
 * allocation under pymm_lock() never does (the worker would be waiting
 * for it).
 */
static void gc_auto_allocations_wait_for_a_worker_fallen_behind(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_holder *h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);
	struct pymm_gc_stats before, after;
	struct task_struct *t;
	struct gc_node **held;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, h);
	held = kunit_kcalloc(test, 2 * GC_PACE_N, sizeof(*held), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, held);
	h->heap = ctx->heap;
	init_completion(&h->held);
	init_completion(&h->release);
	pymm_set_threshold(ctx->heap, GC_PACE_T0, 10, 10);
	t = kthread_run(gc_hold_lock, h, "gc_pace_holder");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	wait_for_completion(&h->held);

	pymm_gc_stats(ctx->heap, &before);
	for (i = 0; i < GC_PACE_N; i++)
		held[i] = gc_new(test, ctx->heap, &gc_node_type, ctx->counts,
				 i);
	pymm_gc_stats(ctx->heap, &after);
	/* Allocations 81 to 100 each waited, and each gave up. */
	KUNIT_EXPECT_EQ(test, after.paced - before.paced,
			GC_PACE_N - 8 * GC_PACE_T0);
	KUNIT_EXPECT_GE(test, after.paced_ns - before.paced_ns,
			(u64)(GC_PACE_N - 8 * GC_PACE_T0) * 10 * NSEC_PER_MSEC);
	complete(&h->release);

	/* Under pymm_lock(), never. */
	pymm_set_threshold(ctx->heap, 0, 10, 10);
	pymm_test_heap_work(ctx->heap, true);
	pymm_set_threshold(ctx->heap, GC_PACE_T0, 10, 10);
	pymm_gc_stats(ctx->heap, &before);
	pymm_lock(ctx->heap);
	for (i = GC_PACE_N; i < 2 * GC_PACE_N; i++) {
		held[i] = pymm_obj_new(ctx->heap, &gc_node_type, GFP_KERNEL);
		if (held[i])
			held[i]->magic = GC_MAGIC;
	}
	pymm_unlock(ctx->heap);
	pymm_gc_stats(ctx->heap, &after);
	KUNIT_EXPECT_EQ(test, after.paced, before.paced);
	for (i = 0; i < 2 * GC_PACE_N; i++)
		pymm_put(held[i]);
	pymm_test_heap_work(ctx->heap, true);
}

#define GC_LONG_LIVED	40

/*
 * gen2's count exceeds its threshold, but it is collected automatically
 * only once long_lived_pending reaches a quarter of long_lived_total:
 * here not at 0 or 9 pending for 40 total, and at 11.  (Exactly a quarter
 * is left alone here: see the report.)
 */
static void gc_auto_gen2_waits_for_a_quarter_of_long_lived(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_counts *c = ctx->counts;
	struct gc_node **held;
	struct gc_stats st;
	unsigned long total;
	int i, nheld = 0;

	pymm_set_threshold(ctx->heap, 50, 10, 10);
	held = kunit_kcalloc(test, GC_LONG_LIVED + 11, sizeof(*held),
			     GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, held);
	for (; nheld < GC_LONG_LIVED; nheld++)
		held[nheld] = gc_new(test, ctx->heap, &gc_node_type, c, nheld);
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 2), 0);
	for (i = 0; i < 11; i++)
		KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 1), 0);
	gc_read_stats(test, ctx->name, &st);
	KUNIT_EXPECT_EQ(test, st.gen[2].objects, GC_LONG_LIVED);
	KUNIT_EXPECT_EQ(test, st.long_lived_total, GC_LONG_LIVED);
	KUNIT_EXPECT_EQ(test, st.long_lived_pending, 0);
	KUNIT_EXPECT_GT(test, st.gen[2].count, st.gen[2].threshold);
	KUNIT_EXPECT_EQ(test, st.gen[2].collections, 1);

	/* pending 0: gen0 instead. */
	total = gc_total_collections(&st);
	gc_garbage(test, ctx, 51);
	KUNIT_ASSERT_TRUE(test, gc_wait_collection(test, ctx->name, total, &st));
	KUNIT_EXPECT_EQ(test, st.gen[0].collections, 1);
	KUNIT_EXPECT_EQ(test, st.gen[2].collections, 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 51);

	/* 9 survivors of a gen1 collection: 9 < 40 / 4, gen0 again. */
	for (; nheld < GC_LONG_LIVED + 9; nheld++)
		held[nheld] = gc_new(test, ctx->heap, &gc_node_type, c, nheld);
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 1), 0);
	gc_read_stats(test, ctx->name, &st);
	KUNIT_EXPECT_EQ(test, st.long_lived_pending, 9);
	KUNIT_EXPECT_GT(test, st.gen[2].count, st.gen[2].threshold);
	total = gc_total_collections(&st);
	gc_garbage(test, ctx, 51);
	KUNIT_ASSERT_TRUE(test, gc_wait_collection(test, ctx->name, total, &st));
	KUNIT_EXPECT_EQ(test, st.gen[0].collections, 2);
	KUNIT_EXPECT_EQ(test, st.gen[2].collections, 1);
	KUNIT_EXPECT_EQ(test, st.long_lived_pending, 9);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 102);

	/* 11 pending > 40 / 4: now gen2. */
	for (; nheld < GC_LONG_LIVED + 11; nheld++)
		held[nheld] = gc_new(test, ctx->heap, &gc_node_type, c, nheld);
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 1), 0);
	gc_read_stats(test, ctx->name, &st);
	KUNIT_EXPECT_EQ(test, st.long_lived_pending, 11);
	total = gc_total_collections(&st);
	gc_garbage(test, ctx, 51);
	KUNIT_ASSERT_TRUE(test, gc_wait_collection(test, ctx->name, total, &st));
	KUNIT_EXPECT_EQ(test, st.gen[2].collections, 2);
	KUNIT_EXPECT_EQ(test, st.gen[0].collections, 2);
	KUNIT_EXPECT_EQ(test, st.gen[2].collected, 51);
	KUNIT_EXPECT_EQ(test, st.gen[2].count, 0);
	KUNIT_EXPECT_EQ(test, st.long_lived_pending, 0);
	KUNIT_EXPECT_EQ(test, st.long_lived_total, GC_LONG_LIVED + 11);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 153);

	for (i = 0; i < nheld; i++)
		pymm_put(held[i]);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 153 + nheld);
}

/*
 * A client that makes self-cycles and then waits, without allocating:
 * whatever the interleaving with the worker's collections, garbage never
 * sits above gen0's threshold with no collection queued.  Deaths of one
 * collection's garbage while the client goes on allocating must not hide
 * the new objects from the threshold (issue 10, bug 3: with gen0's count
 * "allocations minus deaths", rounds left 7,000 of 20,000 waiting for an
 * explicit collection).  The client stays on one CPU; the worker may run
 * on another, and the two contend for the heap lock.
 *
 * The self-cycles are made under the heap lock, so no collection ever sees
 * one that is not garbage yet: once the worker is done, what still waits is
 * gen0, at most its threshold (700), i.e. at least 96.5% of a round is
 * reclaimed, more than the 95% asked for.  Each round must get there
 * within 1 s of its end.  That is a real machine's bound: where one
 * pymm_collect() of a round's 20,000, measured first in the same boot,
 * takes longer than 0.5 s (qemu TCG with KASAN and lockdep: 2.4-2.9 s), a
 * round gets twice that, or as long as it took to make if that was longer
 * (TCG's pace varies by 3x from round to round): the worker keeps pace
 * with the client, round after round.
 */
#define GC_ROUND_CYCLES		20000
#define GC_THRESHOLD0		700
#define GC_ROUND_MS		1000
/* Self-cycles made per hold of the heap lock. */
#define GC_BATCH		100

static unsigned int gc_rounds = 100;
module_param(gc_rounds, uint, 0444);
MODULE_PARM_DESC(gc_rounds,
		 "rounds of 20,000 self-cycles in gc_auto's pace case (default 100; 0 skips it)");

/* @n self-cycles, made under one hold of the heap lock. */
static void gc_self_cycles(struct kunit *test, struct gc_ctx *ctx,
			   unsigned int n)
{
	struct gc_node *node;
	unsigned int i;

	pymm_lock(ctx->heap);
	for (i = 0; i < n; i++) {
		node = pymm_obj_new(ctx->heap, &gc_node_type, GFP_KERNEL);
		if (!node)
			break;
		node->magic = GC_MAGIC;
		node->counts = ctx->counts;
		node->ref[0] = pymm_get(node);
		pymm_put(node);
	}
	pymm_unlock(ctx->heap);
	KUNIT_ASSERT_EQ(test, i, n);
}

/* One round of GC_ROUND_CYCLES self-cycles; return how long it took, in ms. */
static unsigned long gc_round(struct kunit *test, struct gc_ctx *ctx)
{
	unsigned long start = jiffies;
	unsigned int i;

	for (i = 0; i < GC_ROUND_CYCLES; i += GC_BATCH)
		gc_self_cycles(test, ctx, GC_BATCH);
	return jiffies_to_msecs(jiffies - start);
}

static void gc_auto_reclaims_each_round_of_20000_to_700_within_1s(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_counts *c = ctx->counts;
	unsigned int round, left, failed = 0, worst = 0, worst_round = 0;
	unsigned long made = 0, make_ms, max_make_ms = 0, end, waited;
	unsigned long reclaim_ms, max_reclaim_ms = 0;
	unsigned long bound_ms, round_ms = 0, collect_ms;
	int cpu;

	if (!gc_rounds)
		kunit_skip(test, "gc_rounds=0");
	cpu = raw_smp_processor_id();
	KUNIT_ASSERT_EQ(test, set_cpus_allowed_ptr(current, cpumask_of(cpu)),
			0);

	/* This machine's speed: one round collected by the client itself. */
	pymm_set_threshold(ctx->heap, 0, 10, 10);
	make_ms = gc_round(test, ctx);
	end = jiffies;
	KUNIT_ASSERT_EQ(test, pymm_collect(ctx->heap, 0), GC_ROUND_CYCLES);
	collect_ms = jiffies_to_msecs(jiffies - end);
	made += GC_ROUND_CYCLES;
	KUNIT_ASSERT_EQ(test, atomic_read(&c->released), made);
	pymm_set_threshold(ctx->heap, GC_THRESHOLD0, 10, 10);
	bound_ms = max_t(unsigned long, GC_ROUND_MS, 2 * collect_ms);
	kunit_info(test, "one round made in %lu ms, collected by pymm_collect() in %lu ms: bound %lu ms\n",
		   make_ms, collect_ms, bound_ms);
	for (round = 0; round < gc_rounds; round++) {
		make_ms = gc_round(test, ctx);
		made += GC_ROUND_CYCLES;
		max_make_ms = max(max_make_ms, make_ms);
		round_ms = max(bound_ms, make_ms);
		/* Wait for the worker, up to the bound, then judge the round. */
		waited = jiffies;
		end = waited + msecs_to_jiffies(round_ms);
		while (made - atomic_read(&c->released) > GC_THRESHOLD0 &&
		       time_before(jiffies, end))
			usleep_range(500, 1000);
		left = made - atomic_read(&c->released);
		reclaim_ms = jiffies_to_msecs(jiffies - waited);
		max_reclaim_ms = max(max_reclaim_ms, reclaim_ms);
		if (left > worst) {
			worst = left;
			worst_round = round;
		}
		/*
		 * Stop at the first round that fails: a collector that falls
		 * behind would otherwise pile up garbage for the rest of the
		 * rounds, and the final collection of it could outlast the
		 * case's timeout.
		 */
		if (left > GC_THRESHOLD0) {
			failed++;
			break;
		}
	}
	kunit_info(test, "%u of %u rounds of %d self-cycles on CPU %d (of %u) in the bound: at most %u still waiting after a round (round %u); slowest round made in %lu ms, reclaimed in %lu ms\n",
		   round, gc_rounds, GC_ROUND_CYCLES, cpu, num_online_cpus(),
		   worst, worst_round, max_make_ms, max_reclaim_ms);
	KUNIT_EXPECT_EQ_MSG(test, failed, 0,
			    "a round with more than %d self-cycles still waiting %lu ms after: round %u, %u",
			    GC_THRESHOLD0, round_ms, worst_round, worst);
	KUNIT_EXPECT_EQ(test, set_cpus_allowed_ptr(current, cpu_possible_mask),
			0);
	pymm_collect(ctx->heap, 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), made);
}

static struct kunit_case gc_auto_cases[] = {
	KUNIT_CASE(gc_auto_gen0_runs_when_allocations_exceed_700),
	KUNIT_CASE(gc_auto_counts_allocations_net_of_deallocations),
	KUNIT_CASE(gc_auto_zero_threshold_disables_collection),
	KUNIT_CASE(gc_auto_gen1_runs_after_10_gen0_collections),
	KUNIT_CASE(gc_auto_gen2_waits_for_a_quarter_of_long_lived),
	KUNIT_CASE(gc_auto_a_late_collection_counts_every_threshold_it_covers),
	KUNIT_CASE(gc_auto_allocations_wait_for_a_worker_fallen_behind),
	KUNIT_CASE_SLOW(gc_auto_reclaims_each_round_of_20000_to_700_within_1s),
	{}
};

static struct kunit_suite gc_auto_suite = {
	.name = "gc_auto",
	.init = gc_ctx_init_auto,
	.exit = gc_ctx_exit,
	.test_cases = gc_auto_cases,
};

kunit_test_suites(&gc_auto_suite);
