// SPDX-License-Identifier: GPL-2.0
/*
 * pymm_bench.ko (bench.c + bench_work.c, and testlib.c through
 * bench_testlib.c for pymm's files): the measurements of `make bench`
 * (scripts/bench.sh).
 *
 * At load it runs every section and prints one line per figure,
 *
 *   pymm_bench: csv,<section>,<case>,<param>,<allocator>,<value>,<unit>
 *
 * which scripts/bench-report.py turns into results/bench.csv, a table and
 * a plot; then it fails the load with -EAGAIN on purpose, so that nothing
 * stays behind (like a self-test module).
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
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>
#include <linux/vmstat.h>

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

static unsigned int sections = 15;
module_param(sections, uint, 0444);
MODULE_PARM_DESC(sections, "bit mask: 1 fastpath, 2 mixed, 4 footprint, 8 gc");

static unsigned long pb_failed;

#define PB_MAX_ROUNDS	15

static const unsigned int pb_sizes[] = {
	8, 16, 24, 32, 48, 64, 72, 96, 128, 200, 256, 264, 384, 512
};

/* Figures in thousandths: "12.345". */
static void pb_csv(const char *section, const char *name, unsigned long param,
		   const char *alloc, u64 milli, const char *unit)
{
	pr_info("pymm_bench: csv,%s,%s,%lu,%s,%llu.%03llu,%s\n", section, name,
		param, alloc, milli / 1000, milli % 1000, unit);
}

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

static int __init pymm_bench_init(void)
{
	rounds = clamp(rounds, 1U, PB_MAX_ROUNDS);
	pairs = max(pairs, 1UL);
	live = max(live, 1000U);
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
	pr_info("pymm_bench: done failures=%lu\n", pb_failed);
	/* Nothing to keep loaded. */
	return -EAGAIN;
}
module_init(pymm_bench_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pymm benchmarks against kmalloc and kmem_cache");
