// SPDX-License-Identifier: GPL-2.0
/*
 * Workloads of `make bench`; see bench_work.h.  Built into pymm_bench.ko,
 * and into pymm_kunit.ko through kunit/bench_work.c.
 *
 * The timed loops hold nothing but the allocator calls: sizes and orders
 * are drawn before the clock starts, and the result of an allocation is
 * hidden from the optimiser so that an alloc+free pair is never elided.
 */
#include <linux/compiler.h>
#include <linux/delay.h>
#include <linux/ktime.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include <asm/barrier.h>
#include <asm/processor.h>

#include "bench_work.h"

const char * const bw_alloc_names[BW_NR_ALLOC] = {
	[BW_PYMM]	= "pymm",
	[BW_KMALLOC]	= "kmalloc",
	[BW_CACHE]	= "kmem_cache",
};

static noinline u64 bw_pairs_pymm(size_t size, unsigned long n,
				  unsigned long *failed)
{
	u64 t0 = ktime_get_ns();
	unsigned long i;
	void *p;

	for (i = 0; i < n; i++) {
		p = pymm_malloc(size, GFP_KERNEL);
		OPTIMIZER_HIDE_VAR(p);
		if (unlikely(!p))
			(*failed)++;
		pymm_free(p);
	}
	return ktime_get_ns() - t0;
}

static noinline u64 bw_pairs_kmalloc(size_t size, unsigned long n,
				     unsigned long *failed)
{
	u64 t0 = ktime_get_ns();
	unsigned long i;
	void *p;

	for (i = 0; i < n; i++) {
		p = kmalloc(size, GFP_KERNEL);
		OPTIMIZER_HIDE_VAR(p);
		if (unlikely(!p))
			(*failed)++;
		kfree(p);
	}
	return ktime_get_ns() - t0;
}

static noinline u64 bw_pairs_cache(struct kmem_cache *cache, unsigned long n,
				   unsigned long *failed)
{
	u64 t0 = ktime_get_ns();
	unsigned long i;
	void *p;

	for (i = 0; i < n; i++) {
		p = kmem_cache_alloc(cache, GFP_KERNEL);
		OPTIMIZER_HIDE_VAR(p);
		if (unlikely(!p))
			(*failed)++;
		else
			kmem_cache_free(cache, p);
	}
	return ktime_get_ns() - t0;
}

u64 bw_pairs(enum bw_alloc a, struct kmem_cache *cache, size_t size,
	     unsigned long n, unsigned long *failed)
{
	switch (a) {
	case BW_PYMM:
		return bw_pairs_pymm(size, n, failed);
	case BW_KMALLOC:
		return bw_pairs_kmalloc(size, n, failed);
	default:
		return bw_pairs_cache(cache, n, failed);
	}
}

int bw_batch_init(struct bw_batch *b, unsigned int n, u32 seed)
{
	struct rnd_state rnd;
	unsigned int i, j;

	b->n = n;
	b->size = vmalloc_array(n, sizeof(*b->size));
	b->order = vmalloc_array(n, sizeof(*b->order));
	b->slot = vzalloc(array_size(n, sizeof(*b->slot)));
	if (!b->size || !b->order || !b->slot) {
		bw_batch_free(b);
		return -ENOMEM;
	}
	prandom_seed_state(&rnd, seed);
	for (i = 0; i < n; i++) {
		b->size[i] = 1 + prandom_u32_state(&rnd) % PYMM_SMALL_MAX;
		b->order[i] = i;
	}
	/* Fisher-Yates: free in a uniformly random order. */
	for (i = n - 1; i > 0; i--) {
		j = prandom_u32_state(&rnd) % (i + 1);
		swap(b->order[i], b->order[j]);
	}
	return 0;
}

void bw_batch_free(struct bw_batch *b)
{
	vfree(b->size);
	vfree(b->order);
	vfree(b->slot);
	b->size = NULL;
	b->order = NULL;
	b->slot = NULL;
}

static void *bw_alloc(enum bw_alloc a, size_t size)
{
	return a == BW_PYMM ? pymm_malloc(size, GFP_KERNEL) :
			      kmalloc(size, GFP_KERNEL);
}

static void bw_free(enum bw_alloc a, void *p)
{
	if (a == BW_PYMM)
		pymm_free(p);
	else
		kfree(p);
}

/* The first and last byte of block i hold bits of i. */
static void bw_mark(u8 *p, unsigned int i, size_t size)
{
	p[size - 1] = i >> 8;
	p[0] = i;
}

static bool bw_marked(const u8 *p, unsigned int i, size_t size)
{
	return p[0] == (u8)i && (size == 1 || p[size - 1] == (u8)(i >> 8));
}

u64 bw_batch_run(const struct bw_batch *b, enum bw_alloc a, unsigned int reps,
		 unsigned long *failed)
{
	unsigned int r, i, k;
	u64 t0 = ktime_get_ns();
	u8 *p;

	for (r = 0; r < reps; r++) {
		for (i = 0; i < b->n; i++) {
			p = bw_alloc(a, b->size[i]);
			if (unlikely(!p))
				(*failed)++;
			else
				bw_mark(p, i, b->size[i]);
			b->slot[i] = p;
		}
		for (i = 0; i < b->n; i++) {
			k = b->order[i];
			p = b->slot[k];
			if (unlikely(p && !bw_marked(p, k, b->size[k])))
				(*failed)++;
			bw_free(a, p);
		}
	}
	return ktime_get_ns() - t0;
}

int bw_batch_hold(const struct bw_batch *b, enum bw_alloc a)
{
	unsigned int i;

	for (i = 0; i < b->n; i++) {
		b->slot[i] = bw_alloc(a, b->size[i]);
		if (!b->slot[i])
			return -ENOMEM;
		bw_mark(b->slot[i], i, b->size[i]);
		if (!(i % 4096))
			cond_resched();
	}
	return 0;
}

void bw_batch_release(const struct bw_batch *b, enum bw_alloc a,
		      unsigned int permille)
{
	unsigned int i, k, n = (u64)b->n * permille / 1000;

	for (i = 0; i < n; i++) {
		k = b->order[i];
		bw_free(a, b->slot[k]);
		b->slot[k] = NULL;
		if (!(i % 4096))
			cond_resched();
	}
}

void bw_ring_init(struct bw_ring *r)
{
	r->head = 0;
	r->tail = 0;
}

/*
 * The producer publishes its head every BW_RING_PUBLISH blocks (and at the
 * end), not every block, so that the ring's own cache-line traffic stays
 * small beside the allocators'.
 */
#define BW_RING_MASK	(BW_RING_SIZE - 1)
#define BW_RING_PUBLISH	32

/*
 * Wait for the other side: spin a little, then sleep.  Under qemu TCG a
 * guest CPU is a host thread, and on a busy host the two may not run at
 * once: a side that spun on a full or empty ring would keep its host CPU
 * from the other side for a whole host time slice, and the figure would
 * measure the host's scheduler.  A sleeping guest CPU halts and lets it go.
 */
#define BW_RING_SPINS	256

static void bw_ring_wait(unsigned int *spins)
{
	if (++*spins < BW_RING_SPINS) {
		cpu_relax();
	} else {
		*spins = 0;
		usleep_range(10, 20);
	}
}

void bw_produce(struct bw_ring *r, const struct bw_batch *b, enum bw_alloc a,
		unsigned long n, unsigned long *failed)
{
	unsigned long head = r->head, tail, i;
	unsigned int k = 0, spins = 0;
	u8 *p;

	/* Acquire: the consumer is done with the slots it has passed. */
	tail = smp_load_acquire(&r->tail);
	for (i = 0; i < n; i++) {
		p = bw_alloc(a, b->size[k]);
		if (unlikely(!p))
			(*failed)++;
		else
			bw_mark(p, k, b->size[k]);
		if (++k == b->n)
			k = 0;
		while (head - tail >= BW_RING_SIZE) {
			/* Full: release all of it to the consumer, and wait. */
			smp_store_release(&r->head, head);
			bw_ring_wait(&spins);
			/* Acquire: as above. */
			tail = smp_load_acquire(&r->tail);
		}
		r->slot[head & BW_RING_MASK] = p;
		head++;
		if (!(head % BW_RING_PUBLISH)) {
			/* Release: the slots (and the blocks' marks) before head. */
			smp_store_release(&r->head, head);
		}
	}
	/* Release: as above, the rest. */
	smp_store_release(&r->head, head);
}

void bw_consume(struct bw_ring *r, const struct bw_batch *b, enum bw_alloc a,
		unsigned long n, unsigned long *failed)
{
	unsigned long tail = r->tail, end = tail + n, head;
	unsigned int k = 0, spins = 0;
	u8 *p;

	while (tail != end) {
		/* Acquire: pairs with bw_produce()'s release of head. */
		head = smp_load_acquire(&r->head);
		if (head == tail) {
			bw_ring_wait(&spins);
			continue;
		}
		for (; tail != head; tail++) {
			p = r->slot[tail & BW_RING_MASK];
			if (unlikely(p && !bw_marked(p, k, b->size[k])))
				(*failed)++;
			bw_free(a, p);
			if (++k == b->n)
				k = 0;
		}
		/* Release: the slots before tail may be reused. */
		smp_store_release(&r->tail, tail);
	}
}

void bw_pair_each(const struct bw_batch *b, enum bw_alloc a, unsigned long n,
		  unsigned long *failed)
{
	unsigned long i;
	unsigned int k = 0;
	u8 *p;

	for (i = 0; i < n; i++) {
		p = bw_alloc(a, b->size[k]);
		if (unlikely(!p)) {
			(*failed)++;
		} else {
			bw_mark(p, k, b->size[k]);
			if (unlikely(!bw_marked(p, k, b->size[k])))
				(*failed)++;
		}
		bw_free(a, p);
		if (++k == b->n)
			k = 0;
	}
}

int bw_node_traverse(void *obj, pymm_visit_fn visit, void *arg)
{
	struct bw_node *n = obj;
	int ret;

	if (n->left) {
		ret = visit(n->left, arg);
		if (ret)
			return ret;
	}
	if (n->right) {
		ret = visit(n->right, arg);
		if (ret)
			return ret;
	}
	return n->parent ? visit(n->parent, arg) : 0;
}

void bw_node_clear(void *obj)
{
	struct bw_node *n = obj;
	void *l = n->left, *r = n->right, *p = n->parent;

	n->left = NULL;
	n->right = NULL;
	n->parent = NULL;
	pymm_put(l);
	pymm_put(r);
	pymm_put(p);
}

const struct pymm_type bw_node_type = {
	.name = "bench_node",
	.size = sizeof(struct bw_node),
	.traverse = bw_node_traverse,
	.clear = bw_node_clear,
};

unsigned long bw_tree_nodes(unsigned int depth)
{
	return (2UL << depth) - 1;
}

static struct bw_node *bw_node_new(struct pymm_heap *heap)
{
	return pymm_obj_new(heap, &bw_node_type, GFP_KERNEL);
}

/*
 * Give @n two subtrees of @depth - 1, heap locked (edges change only under
 * it).  The new reference to a child moves into its parent; the child
 * takes one on the parent.  Recursion is on depth, at most 16 or so.
 */
static int bw_grow(struct pymm_heap *heap, struct bw_node *n,
		   unsigned int depth)
{
	struct bw_node *l, *r;

	if (!depth)
		return 0;
	l = bw_node_new(heap);
	r = bw_node_new(heap);
	if (!l || !r) {
		pymm_put(l);
		pymm_put(r);
		return -ENOMEM;
	}
	n->left = l;
	n->right = r;
	l->parent = pymm_get(n);
	r->parent = pymm_get(n);
	if (bw_grow(heap, l, depth - 1))
		return -ENOMEM;
	return bw_grow(heap, r, depth - 1);
}

struct bw_node *bw_tree(struct pymm_heap *heap, unsigned int depth)
{
	struct bw_node *root = bw_node_new(heap);
	int err;

	if (!root)
		return NULL;
	pymm_lock(heap);
	err = bw_grow(heap, root, depth);
	pymm_unlock(heap);
	if (err) {
		pymm_put(root);	/* the collector takes what was built */
		return NULL;
	}
	return root;
}
