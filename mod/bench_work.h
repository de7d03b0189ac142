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

#include <linux/cache.h>
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
 * The producer/consumer of the SMP section: blocks allocated on one CPU,
 * handed to another through a single-producer single-consumer ring of
 * pointers (no lock: each index is written by one side only) and freed
 * there.  The sizes cycle through a batch's (@b->size), and each block
 * carries the marks of its index in the batch, checked where it is freed.
 */
#define BW_RING_SIZE	1024	/* a power of two */

struct bw_ring {
	unsigned long head ____cacheline_aligned_in_smp;	/* producer's */
	unsigned long tail ____cacheline_aligned_in_smp;	/* consumer's */
	void *slot[BW_RING_SIZE] ____cacheline_aligned_in_smp;
};

void bw_ring_init(struct bw_ring *r);
/* Allocate @n blocks with @a and push each into @r; *@failed counts NULLs. */
void bw_produce(struct bw_ring *r, const struct bw_batch *b, enum bw_alloc a,
		unsigned long n, unsigned long *failed);
/* Pop @n blocks from @r and free them; *@failed counts damaged blocks. */
void bw_consume(struct bw_ring *r, const struct bw_batch *b, enum bw_alloc a,
		unsigned long n, unsigned long *failed);
/* The same @n blocks on one CPU: each allocated, marked, checked, freed. */
void bw_pair_each(const struct bw_batch *b, enum bw_alloc a, unsigned long n,
		  unsigned long *failed);

/*
 * Binary trees whose children hold a strong reference to their parent:
 * every tree is a cycle only the collector reclaims.
 */
struct bw_node {
	struct bw_node *left, *right, *parent;
};

extern const struct pymm_type bw_node_type;
/* Its callbacks, for a type of the same node with another release(). */
int bw_node_traverse(void *obj, pymm_visit_fn visit, void *arg);
void bw_node_clear(void *obj);

/* A tree of depth @depth (2^(depth+1) - 1 nodes); NULL if out of memory. */
struct bw_node *bw_tree(struct pymm_heap *heap, unsigned int depth);
unsigned long bw_tree_nodes(unsigned int depth);

#endif /* _PYMM_BENCH_WORK_H */
