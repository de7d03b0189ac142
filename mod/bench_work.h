/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The workloads of `make bench` (mod/bench_work.c), shared by pymm_bench.ko,
 * which times them, and the KUnit smoke suite (kunit/bench_test.c), which
 * runs them small and checks only that they are correct.
 *
 * Every workload reports failures (allocations that returned NULL, blocks
 * that lost their contents, objects not reclaimed) through its return value
 * or a counter, never by timing.
 */
#ifndef _PYMM_BENCH_WORK_H
#define _PYMM_BENCH_WORK_H

#include <linux/slab.h>
#include <linux/types.h>

#include <pymm.h>

enum bw_alloc {
	BW_PYMM,
	BW_KMALLOC,
	BW_CACHE,	/* a kmem_cache of exactly the size measured */
	BW_NR_ALLOC,
};

extern const char * const bw_alloc_names[BW_NR_ALLOC];

/*
 * @n alloc+free pairs of @size with @a (LIFO: each block is the one just
 * freed).  Returns the elapsed ns; *@failed counts NULL allocations.
 */
u64 bw_pairs(enum bw_alloc a, struct kmem_cache *cache, size_t size,
	     unsigned long n, unsigned long *failed);

/* A batch: sizes 1..512 and the order in which its blocks are freed. */
struct bw_batch {
	unsigned int n;
	u16 *size;
	u32 *order;
	void **slot;
};

int bw_batch_init(struct bw_batch *b, unsigned int n, u32 seed);
void bw_batch_free(struct bw_batch *b);

/*
 * @reps times: allocate the batch's blocks (pymm or kmalloc), write a byte
 * at each end, then free them in the batch's order.  Returns elapsed ns;
 * *@failed counts NULL allocations and damaged blocks.
 */
u64 bw_batch_run(const struct bw_batch *b, enum bw_alloc a, unsigned int reps,
		 unsigned long *failed);

/* Allocate all of a batch and keep it (for the footprint). */
int bw_batch_hold(const struct bw_batch *b, enum bw_alloc a);
/* Free the blocks of the first @permille of the batch's order. */
void bw_batch_release(const struct bw_batch *b, enum bw_alloc a,
		      unsigned int permille);

/*
 * Binary trees whose children hold a strong reference to their parent:
 * every tree is a cycle only the collector reclaims.
 */
struct bw_node {
	struct bw_node *left, *right, *parent;
};

extern const struct pymm_type bw_node_type;

/* A tree of depth @depth (2^(depth+1) - 1 nodes); NULL if out of memory. */
struct bw_node *bw_tree(struct pymm_heap *heap, unsigned int depth);
unsigned long bw_tree_nodes(unsigned int depth);

#endif /* _PYMM_BENCH_WORK_H */
