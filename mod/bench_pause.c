// SPDX-License-Identifier: GPL-2.0
/*
 * pymm_bench.ko's pause section (bench.c calls pb_pause(), sections bit 32):
 * how long the automatic collection of the old generation makes others
 * wait for the heap lock, incremental passes (pymm_set_incremental(), the
 * default) against monolithic gen2 collections, and what each costs in
 * reclamation time and garbage backlog.  Printed figures, not a timed test.
 *
 * The scenario, once with increments on and once off, each on a heap of
 * its own with the default thresholds (700/10/10 and the 25% rule: the
 * heap's worker decides every collection, none is asked for):
 *
 *   - pause_trees (64) binary trees of depth pause_depth (13: 16,383
 *     nodes, 1,048,512 objects in all), each node holding its two children
 *     and its parent, so that each tree is one cycle-rich component; the
 *     bench holds one reference to each root.  A first pymm_collect(heap,
 *     2) puts them all in the old generation, then the collector's
 *     statistics start afresh (pymm_gc_stats_reset()).
 *   - A mutator kthread runs pause_steps (64) steps: it drops pause_drop
 *     (4) trees, then builds them again, so that the live count stays
 *     between 60 and 64 trees.  A tree is built in subtrees of 127 nodes,
 *     each under one hold of the heap lock, which it then links under
 *     another: the mutator's own holds stay short (a few tens of us), so
 *     that the waits measured are the collector's.
 *   - A probe kthread, SCHED_FIFO (sched_set_fifo_low(): its wait is then
 *     the lock's, not the fair scheduler's), sleeps pause_probe_us (100 us,
 *     usleep_range()), takes pymm_lock(), and records how long it waited
 *     for it in a histogram of 16 buckets per power of two (p50 and p99 are
 *     their bucket's upper bound: at most 1/16 above the sample; the max
 *     is exact).  During the turnover it also samples the garbage backlog:
 *     the nodes of the trees dropped so far not yet released (the type's
 *     release() counts them), against the live count (nodes allocated and
 *     not dropped).
 *   - At the end of the turnover the mutator drops every remaining tree:
 *     the reclamation time runs from then until the last node of the
 *     scenario is released, with automatic collection only.  Nothing
 *     collects the old generation until the rule above calls for it, so the
 *     program goes on meanwhile: the mutator turns over trees of another
 *     type ("ballast", not counted) as it did the others, pause_trees of
 *     them built, then pause_drop dropped and built again at a time; the
 *     ballast objects it allocated before the last release are printed
 *     beside the time.  After pause_timeout_s (60 s) without the last
 *     release it gives up, and that is a failure (the timeout also
 *     bounds the turnover).
 *   - The collector's longest hold of the heap lock is pymm_gc_stats()'
 *     max_hold_ns over the turnover and the reclamation.
 *
 * The reference: the same trees built on a heap without automatic
 * collection, all dropped, and one pymm_collect(heap, 2) timed until it
 * returns (all destroyed); the median of 3.  And the floor under an
 * increment's hold: one tree alone, nothing else running, one increment
 * over it, live and then dropped (pp_tree_hold()).
 *
 * Figures (section "pause", param the objects of the trees, allocator the
 * mode: incremental, monolithic, or full for the reference):
 *   hold_max          the collector's longest hold of the heap lock, us
 *   hold_run_max      the longest during which it was never switched out
 *                     (max_hold_run_ns): no other task ran in it; the
 *                     probe, which preempts every pause_probe_us, bounds
 *                     it
 *   wait_p50, wait_p99, wait_max   the probe's wait for the lock, us
 *   samples           the probe's samples
 *   probe_gap_max     the longest time from one sample's end to the next
 *                     one's start, its sleep included: long if the probe
 *                     could not run at all (a section without preemption,
 *                     or the host's own scheduling of UML)
 *   reclaim           from the last drop to the last release, ms
 *   reclaim_alloc     ballast objects allocated meanwhile
 *   throttled         how long the mutator waited, in all, because the
 *                     garbage (trees' and ballast's) was above 3 times the
 *                     trees' objects: a collector that falls behind shows
 *                     here and in the backlog, not as an OOM, ms
 *   backlog_peak      the largest backlog sampled, objects
 *   backlog_live      the live count in that sample
 *   backlog_ratio     the largest backlog / live of any sample
 *   gen2_collections, passes, increments   what the collector ran, in the
 *                     turnover and the reclamation (passes count as gen2's)
 *   gc_backlog_peak   pymm_gc_stats()' backlog_peak: the most garbage one
 *                     gen2 collection or pass found
 *   young_collections gen0 and gen1 collections run meanwhile
 *   paced, paced_ms   allocations that waited for the heap's worker
 *                     (pymm_obj_new()'s pacing), and their wait in all
 *   reclaim (full)    the reference pymm_collect(heap, 2), ms
 *   tree_hold_live, tree_hold_dead (param: the tree's objects)   the
 *                     longest hold of one increment over one tree alone,
 *                     live and dropped, us
 * and one line "pymm_bench: pause model=... cpus=..." with the preemption
 * model and the parameters.
 */
#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/timekeeping.h>

#include <pymm.h>

#include "bench_csv.h"
#include "bench_pause.h"
#include "bench_work.h"

static unsigned int pause_trees = 64;
module_param(pause_trees, uint, 0444);
MODULE_PARM_DESC(pause_trees, "pause: trees held live");

static unsigned int pause_depth = 13;
module_param(pause_depth, uint, 0444);
MODULE_PARM_DESC(pause_depth, "pause: depth of a tree (2^(depth+1) - 1 nodes)");

static unsigned int pause_steps = 64;
module_param(pause_steps, uint, 0444);
MODULE_PARM_DESC(pause_steps, "pause: turnover steps, each dropping and rebuilding pause_drop trees");

static unsigned int pause_drop = 4;
module_param(pause_drop, uint, 0444);
MODULE_PARM_DESC(pause_drop, "pause: trees dropped per step");

static unsigned int pause_probe_us = 100;
module_param(pause_probe_us, uint, 0444);
MODULE_PARM_DESC(pause_probe_us, "pause: the probe's sleep between two takes of the heap lock");

static unsigned int pause_timeout_s = 60;
module_param(pause_timeout_s, uint, 0444);
MODULE_PARM_DESC(pause_timeout_s, "pause: longest wait for the reclamation");

/* A subtree of 2^(PP_CHUNK+1) - 1 nodes per hold of the heap lock. */
#define PP_CHUNK	6
#define PP_MAX_DEPTH	20
#define PP_REF_ROUNDS	3
/* The mutator waits while the garbage exceeds so many times the trees. */
#define PP_GARBAGE_MAX	3

/* Histogram: values below PP_SUB exactly, then PP_SUB per power of two. */
#define PP_SUB_BITS	4
#define PP_SUB		BIT(PP_SUB_BITS)
#define PP_BUCKETS	((64 - PP_SUB_BITS + 1) * PP_SUB)

enum pp_phase { PP_SETUP, PP_TURNOVER, PP_RECLAIM };

struct pp_run {
	struct pymm_heap *heap;
	unsigned long tree_nodes;
	struct bw_node **roots;		/* pause_trees, the mutator's */
	struct bw_node **ballast;	/* pause_trees, the mutator's */
	enum pp_phase phase;
	unsigned long failed;		/* the mutator's */
	/* The trees' nodes: allocated, in dropped trees, released. */
	atomic_long_t alloc, dropped, released;
	atomic_long_t ballast_alloc, ballast_released;
	long target;			/* released when all is reclaimed */
	u64 t_drop, t_done;
	u64 throttled;			/* ns the mutator waited for it */
	long reclaim_alloc;
	bool timed_out;
	struct completion done;
	/* The probe's. */
	unsigned long *hist;
	unsigned long samples;
	u64 wait_max, gap_max;
	long backlog_peak, backlog_live, ratio_backlog, ratio_live;
};

/* The scenario under way: release() has no other way to find it. */
static struct pp_run *pp_cur;

static void pp_release_tree(void *obj)
{
	struct pp_run *run = READ_ONCE(pp_cur);
	long n = atomic_long_inc_return(&run->released);

	if (n == READ_ONCE(run->target))
		WRITE_ONCE(run->t_done, ktime_get_ns());
}

static void pp_release_ballast(void *obj)
{
	atomic_long_inc(&READ_ONCE(pp_cur)->ballast_released);
}

static const struct pymm_type pp_tree_type = {
	.name = "bench_pause_node",
	.size = sizeof(struct bw_node),
	.traverse = bw_node_traverse,
	.clear = bw_node_clear,
	.release = pp_release_tree,
};

static const struct pymm_type pp_ballast_type = {
	.name = "bench_pause_ballast",
	.size = sizeof(struct bw_node),
	.traverse = bw_node_traverse,
	.clear = bw_node_clear,
	.release = pp_release_ballast,
};

/* One tree being built: its type, and the nodes allocated so far. */
struct pp_build {
	struct pp_run *run;
	const struct pymm_type *type;
	unsigned long made;
};

static struct bw_node *pp_new(struct pp_build *b)
{
	struct bw_node *n = pymm_obj_new(b->run->heap, b->type, GFP_KERNEL);

	if (n) {
		b->made++;
		atomic_long_inc(b->type == &pp_tree_type ? &b->run->alloc :
				&b->run->ballast_alloc);
	}
	return n;
}

/* @child's new reference moves into @n, @child takes one on @n. */
static void pp_link(struct bw_node *n, struct bw_node *l, struct bw_node *r)
{
	n->left = l;
	n->right = r;
	l->parent = pymm_get(n);
	r->parent = pymm_get(n);
}

/* Give @n two subtrees of @depth - 1, heap locked; depth <= PP_CHUNK. */
static int pp_grow(struct pp_build *b, struct bw_node *n, unsigned int depth)
{
	struct bw_node *l, *r;

	if (!depth)
		return 0;
	l = pp_new(b);
	r = pp_new(b);
	if (!l || !r) {
		pymm_put(l);
		pymm_put(r);
		return -ENOMEM;
	}
	pp_link(n, l, r);
	if (pp_grow(b, l, depth - 1))
		return -ENOMEM;
	return pp_grow(b, r, depth - 1);
}

/*
 * A tree of @depth: subtrees of depth PP_CHUNK each built under one hold of
 * the heap lock, the nodes above them linked one per hold.  NULL if out of
 * memory (what was built is garbage, for the collector).
 */
static struct bw_node *pp_tree(struct pp_build *b, unsigned int depth)
{
	struct pymm_heap *heap = b->run->heap;
	struct bw_node *n, *l, *r = NULL;
	int err;

	if (depth <= PP_CHUNK) {
		n = pp_new(b);
		if (!n)
			return NULL;
		pymm_lock(heap);
		err = pp_grow(b, n, depth);
		pymm_unlock(heap);
		if (err) {
			pymm_put(n);
			return NULL;
		}
		return n;
	}
	l = pp_tree(b, depth - 1);
	if (l)
		r = pp_tree(b, depth - 1);
	n = r ? pp_new(b) : NULL;
	if (!n) {
		pymm_put(l);
		pymm_put(r);
		return NULL;
	}
	pymm_lock(heap);
	pp_link(n, l, r);
	pymm_unlock(heap);
	cond_resched();
	return n;
}

/* Build the tree of @slot; a failure's nodes count as dropped. */
static void pp_plant(struct pp_run *run, unsigned int slot)
{
	struct pp_build b = { .run = run, .type = &pp_tree_type };

	run->roots[slot] = pp_tree(&b, pause_depth);
	if (!run->roots[slot]) {
		run->failed++;
		atomic_long_add(b.made, &run->dropped);
	}
}

/* Objects dead and not yet released: the trees' and the ballast's. */
static long pp_garbage(struct pp_run *run)
{
	long live_ballast = 0;
	unsigned int i;

	for (i = 0; i < pause_trees; i++)
		if (run->ballast[i])
			live_ballast += run->tree_nodes;
	return atomic_long_read(&run->dropped) -
	       atomic_long_read(&run->released) +
	       atomic_long_read(&run->ballast_alloc) -
	       atomic_long_read(&run->ballast_released) - live_ballast;
}

/*
 * The mutator waits while the garbage is above PP_GARBAGE_MAX times the
 * trees' objects, so that a collector that falls behind shows in the
 * figures (throttled, backlog) rather than as an OOM.  False once
 * @deadline (jiffies) has passed.
 */
static bool pp_throttle(struct pp_run *run, unsigned long deadline)
{
	long limit = PP_GARBAGE_MAX * pause_trees * run->tree_nodes;
	u64 t0 = ktime_get_ns();
	bool ok = true;

	while (pp_garbage(run) > limit) {
		if (time_after(jiffies, deadline)) {
			ok = false;
			break;
		}
		usleep_range(1000, 2000);
	}
	run->throttled += ktime_get_ns() - t0;
	return ok;
}

static void pp_drop(struct pp_run *run, unsigned int slot)
{
	struct bw_node *root = run->roots[slot];

	if (!root)
		return;
	run->roots[slot] = NULL;
	atomic_long_add(run->tree_nodes, &run->dropped);
	pymm_put(root);
}

/*
 * After the last drop: the program goes on, with ballast trees turned over
 * as the trees were (pause_trees of them, pause_drop at a time once they
 * are all built), until every tree node is released.
 */
static void pp_wait_reclaim(struct pp_run *run)
{
	unsigned long deadline = jiffies + pause_timeout_s * HZ;
	struct pp_build b = { .run = run, .type = &pp_ballast_type };
	unsigned int slot = 0, i;

	while (atomic_long_read(&run->released) < run->target) {
		if (time_after(jiffies, deadline) ||
		    !pp_throttle(run, deadline)) {
			run->timed_out = true;
			return;
		}
		for (i = 0; i < pause_drop; i++) {
			pymm_put(run->ballast[slot]);	/* NULL at first */
			run->ballast[slot] = pp_tree(&b, pause_depth);
			if (!run->ballast[slot])
				run->failed++;
			slot = (slot + 1) % pause_trees;
		}
	}
	/* The last release's task writes the time just after its count. */
	while (!READ_ONCE(run->t_done))
		usleep_range(10, 20);
	run->reclaim_alloc = atomic_long_read(&run->ballast_alloc);
}

static int pp_mutator(void *arg)
{
	unsigned long deadline = jiffies + pause_timeout_s * HZ;
	struct pp_run *run = arg;
	unsigned int step, i, slot = 0;

	for (step = 0; step < pause_steps; step++) {
		if (!pp_throttle(run, deadline)) {
			run->timed_out = true;
			break;
		}
		for (i = 0; i < pause_drop; i++)
			pp_drop(run, (slot + i) % pause_trees);
		for (i = 0; i < pause_drop; i++)
			pp_plant(run, (slot + i) % pause_trees);
		slot = (slot + pause_drop) % pause_trees;
	}
	/* No tree node is allocated from now on: all must be released. */
	WRITE_ONCE(run->target, atomic_long_read(&run->alloc));
	WRITE_ONCE(run->phase, PP_RECLAIM);
	run->t_drop = ktime_get_ns();
	for (i = 0; i < pause_trees; i++)
		pp_drop(run, i);
	pp_wait_reclaim(run);
	complete(&run->done);
	return 0;
}

static unsigned int pp_bucket(u64 v)
{
	unsigned int e;

	if (v < PP_SUB)
		return v;
	e = fls64(v) - 1 - PP_SUB_BITS;
	return (e + 1) * PP_SUB + (unsigned int)((v >> e) - PP_SUB);
}

/* The smallest value above bucket @b's. */
static u64 pp_bucket_end(unsigned int b)
{
	unsigned int e;

	if (b < PP_SUB)
		return b + 1;
	e = b / PP_SUB - 1;
	return (u64)(PP_SUB + b % PP_SUB + 1) << e;
}

/* The @permille-th permille of the probe's waits (bucket's upper end). */
static u64 pp_percentile(const struct pp_run *run, unsigned int permille)
{
	unsigned long want, sum = 0;
	unsigned int b;

	if (!run->samples)
		return 0;
	want = DIV_ROUND_UP(run->samples * permille, 1000);
	for (b = 0; b < PP_BUCKETS; b++) {
		sum += run->hist[b];
		if (sum >= want)
			return min(pp_bucket_end(b), run->wait_max);
	}
	return run->wait_max;
}

/* Backlog and live count now, during the turnover. */
static void pp_sample_backlog(struct pp_run *run)
{
	long released = atomic_long_read(&run->released);
	long dropped = atomic_long_read(&run->dropped);
	long alive = atomic_long_read(&run->alloc) - dropped;
	long backlog = dropped - released;

	if (backlog > run->backlog_peak) {
		run->backlog_peak = backlog;
		run->backlog_live = alive;
	}
	/* backlog / alive > ratio_backlog / ratio_live? */
	if (alive > 0 && (!run->ratio_live ||
			  (s64)backlog * run->ratio_live >
			  (s64)run->ratio_backlog * alive)) {
		run->ratio_backlog = backlog;
		run->ratio_live = alive;
	}
}

static int pp_probe(void *arg)
{
	struct pp_run *run = arg;
	u64 t0, wait, last = ktime_get_ns();

	sched_set_fifo_low(current);
	while (!kthread_should_stop()) {
		usleep_range(pause_probe_us, pause_probe_us + pause_probe_us / 8);
		t0 = ktime_get_ns();
		run->gap_max = max(run->gap_max, t0 - last);
		pymm_lock(run->heap);
		wait = ktime_get_ns() - t0;
		pymm_unlock(run->heap);
		run->hist[pp_bucket(wait)]++;
		run->samples++;
		run->wait_max = max(run->wait_max, wait);
		if (READ_ONCE(run->phase) == PP_TURNOVER)
			pp_sample_backlog(run);
		last = ktime_get_ns();
	}
	return 0;
}

/* A kthread running @fn(@run), held until kthread_stop(); NULL if none. */
static struct task_struct *pp_start(int (*fn)(void *), struct pp_run *run,
				    const char *what)
{
	struct task_struct *t = kthread_create(fn, run, "pymm_pause/%s", what);

	if (IS_ERR(t))
		return NULL;
	get_task_struct(t);
	wake_up_process(t);
	return t;
}

static void pp_stop(struct task_struct *t)
{
	kthread_stop(t);
	put_task_struct(t);
}

static int pp_init(struct pp_run *run, bool automatic)
{
	memset(run, 0, sizeof(*run));
	run->tree_nodes = (2UL << pause_depth) - 1;
	init_completion(&run->done);
	run->roots = kcalloc(pause_trees, sizeof(*run->roots), GFP_KERNEL);
	run->ballast = kcalloc(pause_trees, sizeof(*run->ballast), GFP_KERNEL);
	run->hist = kcalloc(PP_BUCKETS, sizeof(*run->hist), GFP_KERNEL);
	run->heap = pymm_heap_create("bench_pause");
	if (IS_ERR(run->heap))
		run->heap = NULL;
	if (!run->roots || !run->ballast || !run->hist || !run->heap)
		return -ENOMEM;
	if (!automatic)
		pymm_set_threshold(run->heap, 0, 0, 0);
	WRITE_ONCE(pp_cur, run);
	return 0;
}

/*
 * Drop what is left, collect it, and check that every object of the run
 * was released; then the heap goes.  Return: the failures found.
 */
static unsigned long pp_fini(struct pp_run *run)
{
	unsigned long failed = run->failed;
	unsigned int i;

	if (run->heap) {
		for (i = 0; run->roots && i < pause_trees; i++)
			pp_drop(run, i);
		for (i = 0; run->ballast && i < pause_trees; i++)
			pymm_put(run->ballast[i]);
		if (pymm_collect(run->heap, 2) < 0)
			failed++;
		if (atomic_long_read(&run->released) !=
		    atomic_long_read(&run->alloc) ||
		    atomic_long_read(&run->ballast_released) !=
		    atomic_long_read(&run->ballast_alloc)) {
			pr_info("pymm_bench: pause: %ld of %ld nodes, %ld of %ld ballast released\n",
				atomic_long_read(&run->released),
				atomic_long_read(&run->alloc),
				atomic_long_read(&run->ballast_released),
				atomic_long_read(&run->ballast_alloc));
			failed++;
		}
		pymm_heap_destroy(run->heap);
	}
	WRITE_ONCE(pp_cur, NULL);
	kfree(run->roots);
	kfree(run->ballast);
	kfree(run->hist);
	return failed;
}

static int pp_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* The reference: one pymm_collect(heap, 2) of the dropped trees, in ns. */
static u64 pp_reference(struct pp_run *run, unsigned long *failed)
{
	u64 ns[PP_REF_ROUNDS], t;
	unsigned int r, i;
	long got;

	for (r = 0; r < PP_REF_ROUNDS; r++) {
		for (i = 0; i < pause_trees; i++)
			pp_plant(run, i);
		for (i = 0; i < pause_trees; i++)
			pp_drop(run, i);
		t = ktime_get_ns();
		got = pymm_collect(run->heap, 2);
		ns[r] = ktime_get_ns() - t;
		if (got != (long)(pause_trees * run->tree_nodes))
			(*failed)++;
	}
	sort(ns, PP_REF_ROUNDS, sizeof(*ns), pp_cmp_u64, NULL);
	return ns[PP_REF_ROUNDS / 2];
}

/*
 * The floor under an increment's hold: one tree alone in the old
 * generation, nothing else running (no mutator, no probe), one increment
 * over it (its closure is the whole tree), live and then dropped; the
 * collector's longest hold each time, median of PP_REF_ROUNDS.
 */
static void pp_tree_hold(unsigned long *failed)
{
	struct pp_run *run = kzalloc(sizeof(*run), GFP_KERNEL);
	u64 live[PP_REF_ROUNDS], dead[PP_REF_ROUNDS];
	struct pymm_gc_stats st;
	unsigned int r;
	bool done;

	if (!run || pp_init(run, false)) {
		(*failed)++;
		goto out;
	}
	for (r = 0; r < PP_REF_ROUNDS; r++) {
		pp_plant(run, 0);
		pymm_collect(run->heap, 2);	/* into the old generation */
		pymm_gc_stats_reset(run->heap);
		if (pymm_collect_increment(run->heap, 0, &done) != 0 || !done)
			(*failed)++;
		pymm_gc_stats(run->heap, &st);
		live[r] = st.max_hold_ns;
		pp_drop(run, 0);
		pymm_gc_stats_reset(run->heap);
		if (pymm_collect_increment(run->heap, 0, &done) !=
		    (long)run->tree_nodes)
			(*failed)++;
		pymm_gc_stats(run->heap, &st);
		dead[r] = st.max_hold_ns;
	}
	sort(live, PP_REF_ROUNDS, sizeof(*live), pp_cmp_u64, NULL);
	sort(dead, PP_REF_ROUNDS, sizeof(*dead), pp_cmp_u64, NULL);
	pb_csv("pause", "tree_hold_live", run->tree_nodes, "incremental",
	       live[PP_REF_ROUNDS / 2], "us");
	pb_csv("pause", "tree_hold_dead", run->tree_nodes, "incremental",
	       dead[PP_REF_ROUNDS / 2], "us");
out:
	if (run)
		*failed += pp_fini(run);
	kfree(run);
}

static void pp_print(const struct pp_run *run, const char *mode,
		     const struct pymm_gc_stats *st,
		     const struct pymm_gc_stats *st0)
{
	unsigned long objs = pause_trees * run->tree_nodes;

	pb_csv("pause", "hold_max", objs, mode, st->max_hold_ns, "us");
	pb_csv("pause", "hold_run_max", objs, mode, st->max_hold_run_ns, "us");
	pb_csv("pause", "wait_p50", objs, mode, pp_percentile(run, 500), "us");
	pb_csv("pause", "wait_p99", objs, mode, pp_percentile(run, 990), "us");
	pb_csv("pause", "wait_max", objs, mode, run->wait_max, "us");
	pb_csv("pause", "samples", objs, mode, run->samples * 1000ULL,
	       "samples");
	pb_csv("pause", "probe_gap_max", objs, mode, run->gap_max, "us");
	if (!run->timed_out) {
		pb_csv("pause", "reclaim", objs, mode,
		       div_u64(run->t_done - run->t_drop, 1000), "ms");
		pb_csv("pause", "reclaim_alloc", objs, mode,
		       run->reclaim_alloc * 1000ULL, "objects");
	}
	pb_csv("pause", "throttled", objs, mode, div_u64(run->throttled, 1000),
	       "ms");
	pb_csv("pause", "backlog_peak", objs, mode,
	       run->backlog_peak * 1000ULL, "objects");
	pb_csv("pause", "backlog_live", objs, mode,
	       run->backlog_live * 1000ULL, "objects");
	pb_csv("pause", "backlog_ratio", objs, mode,
	       run->ratio_live ? div64_s64(run->ratio_backlog * 1000LL,
					   run->ratio_live) : 0, "ratio");
	pb_csv("pause", "gen2_collections", objs, mode,
	       (st->collections[2] - st0->collections[2]) * 1000ULL,
	       "collections");
	pb_csv("pause", "passes", objs, mode,
	       (st->passes - st0->passes) * 1000ULL, "passes");
	pb_csv("pause", "increments", objs, mode,
	       (st->increments - st0->increments) * 1000ULL, "increments");
	pb_csv("pause", "gc_backlog_peak", objs, mode,
	       st->backlog_peak * 1000ULL, "objects");
	pb_csv("pause", "young_collections", objs, mode,
	       (st->collections[0] + st->collections[1] -
		st0->collections[0] - st0->collections[1]) * 1000ULL,
	       "collections");
	pb_csv("pause", "paced", objs, mode,
	       (st->paced - st0->paced) * 1000ULL, "allocations");
	pb_csv("pause", "paced_ms", objs, mode,
	       div_u64(st->paced_ns - st0->paced_ns, 1000), "ms");
}

/* The scenario, with increments on or off. */
static void pp_scenario(bool incremental, unsigned long *failed)
{
	const char *mode = incremental ? "incremental" : "monolithic";
	struct pymm_gc_stats *st = kcalloc(2, sizeof(*st), GFP_KERNEL);
	struct task_struct *probe = NULL, *mutator = NULL;
	struct pp_run *run = kzalloc(sizeof(*run), GFP_KERNEL);
	unsigned int i;

	if (!st || !run || pp_init(run, true))
		goto out;
	pymm_set_incremental(run->heap, incremental);
	for (i = 0; i < pause_trees; i++)
		pp_plant(run, i);
	/* All of it in the old generation, then the figures start afresh. */
	if (pymm_collect(run->heap, 2) != 0)
		(*failed)++;
	pymm_gc_stats_reset(run->heap);
	pymm_gc_stats(run->heap, &st[0]);
	WRITE_ONCE(run->phase, PP_TURNOVER);
	probe = pp_start(pp_probe, run, "probe");
	mutator = probe ? pp_start(pp_mutator, run, "mutator") : NULL;
	if (!mutator)
		goto out;
	wait_for_completion(&run->done);
	pp_stop(mutator);
	pp_stop(probe);
	probe = NULL;
	pymm_gc_stats(run->heap, &st[1]);
	if (run->timed_out) {
		pr_info("pymm_bench: pause %s: timed out (%u s) in the turnover or the reclamation (%ld of %ld released)\n",
			mode, pause_timeout_s, atomic_long_read(&run->released),
			run->target);
		(*failed)++;
	}
	pp_print(run, mode, &st[1], &st[0]);
	*failed += pp_fini(run);
	kfree(run);
	kfree(st);
	return;
out:
	(*failed)++;
	if (probe)
		pp_stop(probe);
	if (run)
		*failed += pp_fini(run);
	kfree(run);
	kfree(st);
}

static const char *pp_model(void)
{
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		return "PREEMPT_RT";
	if (preempt_model_full())
		return "PREEMPT";
	if (preempt_model_voluntary())
		return "PREEMPT_VOLUNTARY";
	return "PREEMPT_NONE";
}

/**
 * pb_pause - the pause section of pymm_bench.ko (see the top of this file)
 * @failed: incremented for each thing that went wrong
 */
void pb_pause(unsigned long *failed)
{
	struct pp_run *run;
	u64 ref;

	pause_trees = clamp(pause_trees, 1U, 1024U);
	pause_depth = clamp(pause_depth, 1U, (unsigned int)PP_MAX_DEPTH);
	pause_drop = clamp(pause_drop, 1U, pause_trees);
	pause_probe_us = clamp(pause_probe_us, 10U, 100000U);
	pause_timeout_s = max(pause_timeout_s, 1U);
	pr_info("pymm_bench: pause model=%s cpus=%u trees=%u nodes=%lu steps=%u drop=%u probe_us=%u\n",
		pp_model(), num_online_cpus(), pause_trees,
		(2UL << pause_depth) - 1, pause_steps, pause_drop,
		pause_probe_us);

	run = kzalloc(sizeof(*run), GFP_KERNEL);
	if (!run || pp_init(run, false)) {
		(*failed)++;
	} else {
		ref = pp_reference(run, failed);
		pb_csv("pause", "reclaim", pause_trees * run->tree_nodes,
		       "full", div_u64(ref, 1000), "ms");
	}
	if (run)
		*failed += pp_fini(run);
	kfree(run);

	pp_tree_hold(failed);
	pp_scenario(true, failed);
	pp_scenario(false, failed);
}
