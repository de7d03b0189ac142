// SPDX-License-Identifier: GPL-2.0
/*
 * pymm_bench.ko (bench.c + bench_work.c + bench_pause.c, and testlib.c
 * through bench_testlib.c for pymm's files): the measurements of `make
 * bench` (scripts/bench.sh).
 *
 * At load it runs every section and prints one line per figure,
 *
 *   pymm_bench: csv,<section>,<case>,<param>,<allocator>,<value>,<unit>
 *
 * which scripts/bench-report.py turns into results/bench.csv, a table and
 * a plot; then it stays loaded, holding nothing, until scripts/init.sh
 * unloads it.  (It used to fail its load with -EAGAIN, like a self-test
 * module, but busybox's insmod, the qemu guests', retries a failed
 * finit_module() with init_module(), which ran every section twice.)
 *
 * Method.  UML's clock ticks in 256 ns, so only whole loops are timed, each
 * of at least a million operations after a warm-up.  The allocators of a
 * section take turns in every round (ABAB, the order reversed every other
 * round), and the median of the rounds is printed.  Every speed is printed
 * beside kmalloc's and a kmem_cache's from the same boot; only ratios mean
 * anything.
 *
 *   calib      the parts of a fast path: interrupts off and on, a spinlock
 *              with interrupts off, an RCU read section, pymm_usable_size()
 *   fastpath   alloc+free pairs, LIFO, per size: pymm, kmalloc, and a
 *              kmem_cache of exactly that size; ns per pair
 *   mixed      100,000 blocks of sizes uniform in 1..512 allocated, then
 *              freed in a random order, 10 times per timed loop; ns per op
 *   footprint  1,000,000 live blocks of sizes uniform in 1..512: pages held
 *              (pymm: its arena pages plus the slab pages of its metadata;
 *              kmalloc: the slab page counters' delta), then after freeing a
 *              random 90%, then after each allocator's shrink, and for
 *              pymm first with release_free_pools=0 (whole arenas only)
 *   gc         binary trees with parent pointers (each tree a cycle) of
 *              depth 4..16: ns per node to build, and to reclaim by a full
 *              collection; a full collection over 1,000,000 live objects, ns
 *              per object; a gen0 collection of 700 objects beside them
 *   smp        only with 2 CPUs online (else one line says it is skipped):
 *              kthreads bound to the first two online CPUs, released
 *              together (a completion, then a spinning barrier), each
 *              timing its own loop; a 2-CPU figure is the wall time from
 *              the first start to the last end.  Every loop runs for pymm
 *              and for kmalloc, in turns, smp_pairs pairs per thread:
 *                tput_1cpu, tput_2cpu   batches of smp_batch blocks of
 *                    sizes uniform in 1..512, allocated then freed in a
 *                    random order; Mops/s (an op is an alloc or a free),
 *                    the 2-CPU figure the sum of both CPUs'
 *                pc_local    alloc+free of each block on CPU0; ns/block
 *                pc_remote   blocks allocated on CPU0, handed over through
 *                    a lock-free ring (bw_produce) and freed on CPU1;
 *                    ns/block (wall time / blocks)
 *                mixed_1cpu, mixed_2cpu   the mixed batch on CPU0, and on
 *                    both at once (each its own batch); ns per op per CPU
 *   pause      (bench_pause.c, which says how) 64 trees of 16,383 nodes
 *              turned over 4 at a time by a mutator kthread, the old
 *              generation collected automatically, incremental and then
 *              monolithic: the collector's longest hold of the heap lock,
 *              a probe kthread's wait for the lock every 100 us (p50, p99,
 *              max), the time from the last drop until everything is
 *              released, against one pymm_collect(heap, 2), and the
 *              garbage backlog against the live count; not medians: one
 *              run of each
 */
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>
#include <linux/vmstat.h>

#include "bench_csv.h"
#include "bench_pause.h"
#include "bench_work.h"
#include "testlib.h"

static unsigned long pairs = 1000000;
module_param(pairs, ulong, 0444);
MODULE_PARM_DESC(pairs, "alloc+free pairs per timed fast-path loop");

static unsigned int rounds = 5;
module_param(rounds, uint, 0444);
MODULE_PARM_DESC(rounds, "rounds per figure; the median is printed");

static unsigned int live = 1000000;
module_param(live, uint, 0444);
MODULE_PARM_DESC(live, "live blocks for the footprint, objects for the gc pause");

static unsigned int sections = 63;
module_param(sections, uint, 0444);
MODULE_PARM_DESC(sections, "bit mask: 1 fastpath, 2 mixed, 4 footprint, 8 gc, 16 smp, 32 pause");

static unsigned long smp_pairs = 1000000;
module_param(smp_pairs, ulong, 0444);
MODULE_PARM_DESC(smp_pairs, "smp: alloc+free pairs per CPU per timed loop");

static unsigned int smp_batch = 64;
module_param(smp_batch, uint, 0444);
MODULE_PARM_DESC(smp_batch, "smp: blocks per batch of the throughput loops");

static unsigned long pb_failed;

#define PB_MAX_ROUNDS	15

static const unsigned int pb_sizes[] = {
	8, 16, 24, 32, 48, 64, 72, 96, 128, 200, 256, 264, 384, 512
};

static int pb_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u64 pb_median(u64 *v, unsigned int n)
{
	sort(v, n, sizeof(*v), pb_cmp_u64, NULL);
	return v[n / 2];
}

/* Allocator of turn @i in round @r: ABC, then CBA, ... */
static unsigned int pb_turn(unsigned int r, unsigned int i, unsigned int n)
{
	return r % 2 ? n - 1 - i : i;
}

static void pb_fastpath(void)
{
	u64 ns[BW_NR_ALLOC][PB_MAX_ROUNDS];
	unsigned int s, r, i, a;
	char name[32];

	for (s = 0; s < ARRAY_SIZE(pb_sizes); s++) {
		size_t size = pb_sizes[s];
		struct kmem_cache *cache;

		snprintf(name, sizeof(name), "pymm_bench_%zu", size);
		cache = kmem_cache_create(name, size, 0, 0, NULL);
		if (!cache) {
			pb_failed++;
			continue;
		}
		for (a = 0; a < BW_NR_ALLOC; a++)
			bw_pairs(a, cache, size, 10000, &pb_failed);
		for (r = 0; r < rounds; r++) {
			for (i = 0; i < BW_NR_ALLOC; i++) {
				a = pb_turn(r, i, BW_NR_ALLOC);
				ns[a][r] = bw_pairs(a, cache, size, pairs,
						    &pb_failed);
				cond_resched();
			}
		}
		kmem_cache_destroy(cache);
		for (a = 0; a < BW_NR_ALLOC; a++)
			pb_csv("fastpath", "pair", size, bw_alloc_names[a],
			       div64_u64(pb_median(ns[a], rounds) * 1000, pairs),
			       "ns");
	}
}

/*
 * What the fast paths are made of, in the same units: an empty loop, an
 * interrupt-off section, a spinlock with interrupts off, an RCU read
 * section, and pymm_usable_size() (page lookup, class lock, block check:
 * a free without the free list).
 */
static DEFINE_SPINLOCK(pb_lock);

static noinline u64 pb_calib_one(unsigned int what, void *block)
{
	unsigned long i, flags;
	u64 t0 = ktime_get_ns();
	size_t sum = 0;

	for (i = 0; i < pairs; i++) {
		switch (what) {
		case 1:
			local_irq_save(flags);
			local_irq_restore(flags);
			break;
		case 2:
			spin_lock_irqsave(&pb_lock, flags);
			spin_unlock_irqrestore(&pb_lock, flags);
			break;
		case 3:
			rcu_read_lock();
			rcu_read_unlock();
			break;
		case 4:
			sum += pymm_usable_size(block);
			break;
		default:
			barrier();
		}
	}
	if (what == 4 && sum != (size_t)pairs * 64)
		pb_failed++;
	return ktime_get_ns() - t0;
}

static void pb_calibrate(void)
{
	static const char * const names[] = {
		"empty_loop", "irq_off_on", "spin_lock_irqsave", "rcu_read_lock",
		"pymm_usable_size",
	};
	u64 ns[ARRAY_SIZE(names)][PB_MAX_ROUNDS];
	void *block = pymm_malloc(64, GFP_KERNEL);
	unsigned int r, w;

	if (!block) {
		pb_failed++;
		return;
	}
	for (r = 0; r < rounds; r++)
		for (w = 0; w < ARRAY_SIZE(names); w++)
			ns[w][r] = pb_calib_one(w, block);
	pymm_free(block);
	for (w = 0; w < ARRAY_SIZE(names); w++)
		pb_csv("calib", names[w], 64, "kernel",
		       div64_u64(pb_median(ns[w], rounds) * 1000, pairs), "ns");
}

#define PB_BATCH	100000
#define PB_BATCH_REPS	10

static void pb_mixed(void)
{
	static const enum bw_alloc who[] = { BW_PYMM, BW_KMALLOC };
	u64 ns[ARRAY_SIZE(who)][PB_MAX_ROUNDS];
	unsigned long ops = 2UL * PB_BATCH * PB_BATCH_REPS;
	struct bw_batch b;
	unsigned int r, i, a;

	if (bw_batch_init(&b, PB_BATCH, 42)) {
		pb_failed++;
		return;
	}
	for (i = 0; i < ARRAY_SIZE(who); i++)
		bw_batch_run(&b, who[i], 1, &pb_failed);
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < ARRAY_SIZE(who); i++) {
			a = pb_turn(r, i, ARRAY_SIZE(who));
			ns[a][r] = bw_batch_run(&b, who[a], PB_BATCH_REPS,
						&pb_failed);
			cond_resched();
		}
	}
	bw_batch_free(&b);
	for (a = 0; a < ARRAY_SIZE(who); a++)
		pb_csv("mixed", "op", PB_BATCH, bw_alloc_names[who[a]],
		       div64_u64(pb_median(ns[a], rounds) * 1000, ops), "ns");
}

static unsigned long pb_slab_pages(void)
{
	return global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B) +
	       global_node_page_state_pages(NR_SLAB_RECLAIMABLE_B);
}

/* Pages the allocator holds: pymm's arenas and its metadata, or slab's. */
static long pb_pages(enum bw_alloc a)
{
	long pages = pb_slab_pages();
	struct tl_summary s;

	if (a == BW_PYMM)
		pages += tl_read_summary(&s) ? -1 : s.v[TL_PAGES];
	return pages;
}

static void pb_write(const char *path, const char *s)
{
	if (tl_write_file(path, s, 0) < 0)
		pb_failed++;
}

#define PB_RELEASE_PARAM	TL_PARAM("release_free_pools")

/* Each allocator's shrink: the shrinkers (pymm's) and kmalloc's caches. */
static void pb_shrink(void)
{
	unsigned int i;

	pb_write(TL_DROP_CACHES, "2");
	for (i = 0; i <= KMALLOC_SHIFT_HIGH; i++)
		if (kmalloc_caches[KMALLOC_NORMAL][i])
			kmem_cache_shrink(kmalloc_caches[KMALLOC_NORMAL][i]);
}

/* The first character of a module parameter's value, or 0. */
static char pb_read_param(const char *path)
{
	char buf[16];

	return tl_read_file(path, buf, sizeof(buf), 0) > 0 ? buf[0] : 0;
}

static void pb_footprint(void)
{
	static const enum bw_alloc who[] = { BW_PYMM, BW_KMALLOC };
	static const char * const stage[] = { "live", "after_free_90", "after_shrink" };
	long base, held[ARRAY_SIZE(stage)];
	char release[2] = "";
	struct bw_batch b;
	unsigned int i, k;

	if (bw_batch_init(&b, live, 7)) {
		pb_failed++;
		return;
	}
	for (i = 0; i < ARRAY_SIZE(who); i++) {
		pb_shrink();
		base = pb_pages(who[i]);
		if (bw_batch_hold(&b, who[i])) {
			pb_failed++;
			bw_batch_release(&b, who[i], 1000);
			continue;
		}
		held[0] = pb_pages(who[i]) - base;
		bw_batch_release(&b, who[i], 900);
		held[1] = pb_pages(who[i]) - base;
		if (who[i] == BW_PYMM) {
			/* Not pymm's default: only whole arenas given back. */
			release[0] = pb_read_param(PB_RELEASE_PARAM);
			pb_write(PB_RELEASE_PARAM, "0");
			pb_shrink();
			pb_csv("footprint", "after_shrink_arenas", live,
			       bw_alloc_names[who[i]],
			       (pb_pages(who[i]) - base) * 1000ULL, "pages");
			if (release[0])
				pb_write(PB_RELEASE_PARAM, release);
			else
				pb_failed++;
		}
		pb_shrink();
		held[2] = pb_pages(who[i]) - base;
		/* The rest (released slots are NULL). */
		bw_batch_release(&b, who[i], 1000);
		for (k = 0; k < ARRAY_SIZE(stage); k++)
			pb_csv("footprint", stage[k], live,
			       bw_alloc_names[who[i]], held[k] * 1000ULL,
			       "pages");
	}
	bw_batch_free(&b);
}

#define PB_GC_MIN_DEPTH	4
#define PB_GC_MAX_DEPTH	16
#define PB_GEN0		700

/* Trees of @depth until @want nodes: returns how many, roots in @roots. */
static unsigned int pb_forest(struct pymm_heap *heap, unsigned int depth,
			      unsigned long want, struct bw_node **roots,
			      unsigned int max)
{
	unsigned int n = 0;

	while (n < max && n * bw_tree_nodes(depth) < want) {
		roots[n] = bw_tree(heap, depth);
		if (!roots[n]) {
			pb_failed++;
			break;
		}
		n++;
		cond_resched();
	}
	return n;
}

static void pb_put_all(struct bw_node **roots, unsigned int n)
{
	while (n--)
		pymm_put(roots[n]);
}

/* Build and reclaim trees of each depth: ns per node, each way. */
static void pb_gc_trees(struct pymm_heap *heap, struct bw_node **roots,
			unsigned int max)
{
	u64 build[PB_MAX_ROUNDS], reclaim[PB_MAX_ROUNDS], t;
	unsigned int depth, r, n;
	unsigned long nodes;
	long got;

	for (depth = PB_GC_MIN_DEPTH; depth <= PB_GC_MAX_DEPTH; depth += 2) {
		nodes = 0;
		for (r = 0; r < rounds; r++) {
			t = ktime_get_ns();
			n = pb_forest(heap, depth, live, roots, max);
			build[r] = ktime_get_ns() - t;
			nodes = n * bw_tree_nodes(depth);
			pb_put_all(roots, n);
			t = ktime_get_ns();
			got = pymm_collect(heap, 2);
			reclaim[r] = ktime_get_ns() - t;
			if (got != nodes)
				pb_failed++;
		}
		if (!nodes)
			continue;
		pb_csv("gc", "build", depth, "pymm",
		       div64_u64(pb_median(build, rounds) * 1000, nodes), "ns/node");
		pb_csv("gc", "reclaim", depth, "pymm",
		       div64_u64(pb_median(reclaim, rounds) * 1000, nodes), "ns/node");
	}
}

/* Collections over @live live objects: full, and gen0 beside them. */
static void pb_gc_pauses(struct pymm_heap *heap, struct bw_node **roots,
			 unsigned int max)
{
	u64 full[PB_MAX_ROUNDS], young[PB_MAX_ROUNDS], t;
	struct bw_node **yn;
	unsigned long nodes;
	unsigned int n, r, i;

	yn = kvmalloc_array(PB_GEN0, sizeof(*yn), GFP_KERNEL);
	if (!yn) {
		pb_failed++;
		return;
	}
	n = pb_forest(heap, PB_GC_MAX_DEPTH, live, roots, max);
	nodes = n * bw_tree_nodes(PB_GC_MAX_DEPTH);
	for (r = 0; r < rounds; r++) {
		t = ktime_get_ns();
		if (pymm_collect(heap, 2) != 0)
			pb_failed++;
		full[r] = ktime_get_ns() - t;
		/* 700 young objects, live, then a gen0 collection. */
		for (i = 0; i < PB_GEN0; i++)
			yn[i] = pymm_obj_new(heap, &bw_node_type, GFP_KERNEL);
		t = ktime_get_ns();
		if (pymm_collect(heap, 0) != 0)
			pb_failed++;
		young[r] = ktime_get_ns() - t;
		for (i = 0; i < PB_GEN0; i++)
			pymm_put(yn[i]);
		cond_resched();
	}
	pb_put_all(roots, n);
	if (pymm_collect(heap, 2) != nodes)
		pb_failed++;
	kvfree(yn);
	if (!nodes)
		return;
	pb_csv("gc", "full_pause", nodes, "pymm",
	       div64_u64(pb_median(full, rounds) * 1000, nodes), "ns/object");
	pb_csv("gc", "gen0_pause", PB_GEN0, "pymm",
	       pb_median(young, rounds) * 1000, "ns");
}

static void pb_gc(void)
{
	struct pymm_heap *heap = pymm_heap_create("bench");
	unsigned int max = live / bw_tree_nodes(PB_GC_MIN_DEPTH) + 2;
	struct bw_node **roots;

	if (IS_ERR(heap)) {
		pb_failed++;
		return;
	}
	roots = kvmalloc_array(max, sizeof(*roots), GFP_KERNEL);
	if (roots) {
		/* Collections only when asked, so that each is timed. */
		pymm_set_threshold(heap, 0, 0, 0);
		pb_gc_trees(heap, roots, max);
		pb_gc_pauses(heap, roots, max);
		kvfree(roots);
	} else {
		pb_failed++;
	}
	pymm_heap_destroy(heap);
}

/* The SMP section. */
enum pb_smp_loop {
	PB_TPUT_1,
	PB_TPUT_2,
	PB_PC_LOCAL,
	PB_PC_REMOTE,
	PB_MIXED_1,
	PB_MIXED_2,
	PB_NR_SMP_LOOPS,
};

static const char * const pb_smp_names[PB_NR_SMP_LOOPS] = {
	[PB_TPUT_1]	= "tput_1cpu",
	[PB_TPUT_2]	= "tput_2cpu",
	[PB_PC_LOCAL]	= "pc_local",
	[PB_PC_REMOTE]	= "pc_remote",
	[PB_MIXED_1]	= "mixed_1cpu",
	[PB_MIXED_2]	= "mixed_2cpu",
};

/* What each thread of a timed loop does. */
enum pb_smp_work { PB_W_BATCH, PB_W_PAIR, PB_W_PRODUCE, PB_W_CONSUME };

struct pb_smp_run;

struct pb_smp_thread {
	struct pb_smp_run *run;
	struct task_struct *task;
	enum pb_smp_work work;
	const struct bw_batch *b;
	unsigned int reps;		/* PB_W_BATCH */
	unsigned long n;		/* the others: blocks */
	u64 t0, t1;
	unsigned long failed;
};

struct pb_smp_run {
	struct completion go, done;
	atomic_t ready, left;
	unsigned int nr;
	enum bw_alloc a;
	struct bw_ring *ring;
	struct pb_smp_thread t[2];
};

static int pb_smp_thread_fn(void *arg)
{
	struct pb_smp_thread *t = arg;
	struct pb_smp_run *run = t->run;

	wait_for_completion(&run->go);
	/* Start together: the wake-ups of a completion are serial. */
	atomic_inc(&run->ready);
	while (atomic_read(&run->ready) < run->nr)
		cpu_relax();
	t->t0 = ktime_get_ns();
	switch (t->work) {
	case PB_W_BATCH:
		bw_batch_run(t->b, run->a, t->reps, &t->failed);
		break;
	case PB_W_PAIR:
		bw_pair_each(t->b, run->a, t->n, &t->failed);
		break;
	case PB_W_PRODUCE:
		bw_produce(run->ring, t->b, run->a, t->n, &t->failed);
		break;
	case PB_W_CONSUME:
		bw_consume(run->ring, t->b, run->a, t->n, &t->failed);
		break;
	}
	t->t1 = ktime_get_ns();
	if (atomic_dec_and_test(&run->left))
		complete(&run->done);
	return 0;
}

/*
 * Run @run's threads, thread i bound to @cpus[i], all started together;
 * returns the wall time from the first start to the last end, in ns, or 0
 * if a thread could not be made.
 */
static u64 pb_smp_go(struct pb_smp_run *run, const unsigned int *cpus)
{
	u64 t0 = U64_MAX, t1 = 0;
	unsigned int i, made;

	init_completion(&run->go);
	init_completion(&run->done);
	atomic_set(&run->ready, 0);
	atomic_set(&run->left, run->nr);
	if (run->ring)
		bw_ring_init(run->ring);
	for (made = 0; made < run->nr; made++) {
		struct pb_smp_thread *t = &run->t[made];
		struct task_struct *task;

		t->run = run;
		t->failed = 0;
		task = kthread_create(pb_smp_thread_fn, t, "pymm_bench/%u",
				      cpus[made]);
		if (IS_ERR(task))
			break;
		/* Held until kthread_stop(): the thread may have exited. */
		get_task_struct(task);
		kthread_bind(task, cpus[made]);
		t->task = task;
	}
	if (made < run->nr) {
		/* Never woken: kthread_stop() ends them before they run. */
		for (i = 0; i < made; i++) {
			kthread_stop(run->t[i].task);
			put_task_struct(run->t[i].task);
		}
		pb_failed++;
		return 0;
	}
	for (i = 0; i < run->nr; i++)
		wake_up_process(run->t[i].task);
	complete_all(&run->go);
	wait_for_completion(&run->done);
	for (i = 0; i < run->nr; i++) {
		struct pb_smp_thread *t = &run->t[i];

		kthread_stop(t->task);
		put_task_struct(t->task);
		pb_failed += t->failed;
		t0 = min(t0, t->t0);
		t1 = max(t1, t->t1);
	}
	return t1 - t0;
}

struct pb_smp_data {
	unsigned int cpus[2];
	struct bw_batch small[2], big[2];
	struct bw_ring *ring;
};

/* One timed loop of @l with @a, its counts divided by @div (warm-up). */
static u64 pb_smp_loop(struct pb_smp_data *d, enum pb_smp_loop l,
		       enum bw_alloc a, unsigned int div)
{
	unsigned int reps = DIV_ROUND_UP(smp_pairs / div, smp_batch);
	struct pb_smp_run run = { .a = a, .nr = 1 };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		run.t[i].work = PB_W_BATCH;
		run.t[i].b = &d->small[i];
		run.t[i].reps = reps;
		run.t[i].n = smp_pairs / div;
	}
	switch (l) {
	case PB_TPUT_2:
		run.nr = 2;
		break;
	case PB_PC_LOCAL:
		run.t[0].work = PB_W_PAIR;
		break;
	case PB_PC_REMOTE:
		run.nr = 2;
		run.ring = d->ring;
		run.t[0].work = PB_W_PRODUCE;
		run.t[1].work = PB_W_CONSUME;
		run.t[1].b = &d->small[0];
		break;
	case PB_MIXED_2:
		run.nr = 2;
		fallthrough;
	case PB_MIXED_1:
		for (i = 0; i < 2; i++) {
			run.t[i].b = &d->big[i];
			run.t[i].reps = max(PB_BATCH_REPS / div, 1U);
		}
		break;
	default:
		break;
	}
	return pb_smp_go(&run, d->cpus);
}

/* The figure of loop @l from its median wall time @ns, in thousandths. */
static void pb_smp_print(enum pb_smp_loop l, enum bw_alloc a, u64 ns)
{
	unsigned long small_ops = 2 * DIV_ROUND_UP(smp_pairs, smp_batch) *
				  smp_batch;
	unsigned long mixed_ops = 2UL * PB_BATCH * PB_BATCH_REPS;
	const char *name = pb_smp_names[l];

	ns = max(ns, 1ULL);
	switch (l) {
	case PB_TPUT_1:
	case PB_TPUT_2:
		/* Mops/s in thousandths: ops * 1e6 / ns. */
		pb_csv("smp", name, smp_batch, bw_alloc_names[a],
		       div64_u64((u64)small_ops * (l == PB_TPUT_2 ? 2 : 1) *
				 1000000, ns), "Mops/s");
		break;
	case PB_PC_LOCAL:
	case PB_PC_REMOTE:
		pb_csv("smp", name, smp_pairs, bw_alloc_names[a],
		       div64_u64(ns * 1000, smp_pairs), "ns/block");
		break;
	default:
		pb_csv("smp", name, PB_BATCH, bw_alloc_names[a],
		       div64_u64(ns * 1000, mixed_ops), "ns/op");
		break;
	}
}

static void pb_smp(void)
{
	static const enum bw_alloc who[] = { BW_PYMM, BW_KMALLOC };
	u64 (*ns)[ARRAY_SIZE(who)][PB_MAX_ROUNDS];
	struct pb_smp_data *d;
	unsigned int r, i, a, l;
	bool ok = false;

	if (num_online_cpus() < 2) {
		pr_info("pymm_bench: smp skipped: %u CPU online, it needs 2\n",
			num_online_cpus());
		return;
	}
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	ns = kcalloc(PB_NR_SMP_LOOPS, sizeof(*ns), GFP_KERNEL);
	if (!d || !ns)
		goto out;
	d->ring = kzalloc(sizeof(*d->ring), GFP_KERNEL);
	if (!d->ring)
		goto out;
	d->cpus[0] = cpumask_first(cpu_online_mask);
	d->cpus[1] = cpumask_next(d->cpus[0], cpu_online_mask);
	for (i = 0; i < 2; i++) {
		if (bw_batch_init(&d->small[i], smp_batch, 100 + i) ||
		    bw_batch_init(&d->big[i], PB_BATCH, 200 + i))
			goto out;
	}
	pr_info("pymm_bench: smp cpus=%u,%u online=%u pairs=%lu batch=%u rounds=%u\n",
		d->cpus[0], d->cpus[1], num_online_cpus(), smp_pairs,
		smp_batch, rounds);
	/* Warm-up: every loop once, small. */
	for (l = 0; l < PB_NR_SMP_LOOPS; l++)
		for (i = 0; i < ARRAY_SIZE(who); i++)
			pb_smp_loop(d, l, who[i], 8);
	for (r = 0; r < rounds; r++) {
		for (l = 0; l < PB_NR_SMP_LOOPS; l++) {
			for (i = 0; i < ARRAY_SIZE(who); i++) {
				a = pb_turn(r, i, ARRAY_SIZE(who));
				ns[l][a][r] = pb_smp_loop(d, l, who[a], 1);
			}
		}
		cond_resched();
	}
	for (l = 0; l < PB_NR_SMP_LOOPS; l++)
		for (a = 0; a < ARRAY_SIZE(who); a++)
			pb_smp_print(l, who[a], pb_median(ns[l][a], rounds));
	ok = true;
out:
	if (!ok)
		pb_failed++;
	if (d) {
		for (i = 0; i < 2; i++) {
			bw_batch_free(&d->small[i]);
			bw_batch_free(&d->big[i]);
		}
		kfree(d->ring);
	}
	kfree(d);
	kfree(ns);
}

static int __init pymm_bench_init(void)
{
	rounds = clamp(rounds, 1U, PB_MAX_ROUNDS);
	pairs = max(pairs, 1UL);
	live = max(live, 1000U);
	smp_pairs = max(smp_pairs, 1000UL);
	smp_batch = clamp(smp_batch, 1U, 65536U);
	pr_info("pymm_bench: start pairs=%lu rounds=%u live=%u\n", pairs,
		rounds, live);
	if (sections & 1) {
		pb_calibrate();
		pb_fastpath();
	}
	if (sections & 2)
		pb_mixed();
	if (sections & 4)
		pb_footprint();
	if (sections & 8)
		pb_gc();
	if (sections & 16)
		pb_smp();
	if (sections & 32)
		pb_pause(&pb_failed);
	pr_info("pymm_bench: done failures=%lu\n", pb_failed);
	return 0;
}
module_init(pymm_bench_init);

/* Everything was freed before the load returned. */
static void __exit pymm_bench_exit(void)
{
}
module_exit(pymm_bench_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pymm benchmarks against kmalloc and kmem_cache");
