// SPDX-License-Identifier: GPL-2.0
/*
 * pymm_bench_smoke: every workload of `make bench` (mod/bench_work.c), run
 * small under `make check`.  It asserts what the workloads must do, never
 * how fast: no allocation fails, no block loses its marks, every block
 * comes back, and the trees are reclaimed by the collector and only by it.
 */
#include <linux/slab.h>

#include "../mod/bench_work.h"
#include "pymm_test.h"

static void fastpath_pairs_return_every_block(struct kunit *test)
{
	static const size_t sizes[] = { 8, 72, 264, 512 };
	unsigned long failed = 0;
	struct kmem_cache *cache;
	struct pt_settled s0;
	unsigned int i, a;

	pt_settle(test, &s0);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		cache = kmem_cache_create("pymm_bench_smoke", sizes[i], 0, 0,
					  NULL);
		KUNIT_ASSERT_NOT_NULL(test, cache);
		for (a = 0; a < BW_NR_ALLOC; a++)
			bw_pairs(a, cache, sizes[i], 1000, &failed);
		kmem_cache_destroy(cache);
	}
	KUNIT_EXPECT_EQ(test, failed, 0);
	pt_expect_settled(test, &s0);
}

static void mixed_batch_keeps_marks_and_returns_every_block(struct kunit *test)
{
	unsigned long failed = 0;
	struct pt_settled s0;
	struct bw_batch b;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, bw_batch_init(&b, 5000, 1), 0);
	for (i = 0; i < b.n; i++) {
		KUNIT_EXPECT_GE(test, b.size[i], 1);
		KUNIT_EXPECT_LE(test, b.size[i], PYMM_SMALL_MAX);
	}
	pt_settle(test, &s0);
	bw_batch_run(&b, BW_PYMM, 3, &failed);
	bw_batch_run(&b, BW_KMALLOC, 3, &failed);
	bw_batch_free(&b);
	KUNIT_EXPECT_EQ(test, failed, 0);
	pt_expect_settled(test, &s0);
}

static void footprint_hold_and_release_in_steps(struct kunit *test)
{
	struct pt_settled s0;
	struct tl_summary s1;
	struct bw_batch b;

	KUNIT_ASSERT_EQ(test, bw_batch_init(&b, 20000, 2), 0);
	pt_settle(test, &s0);
	KUNIT_ASSERT_EQ(test, bw_batch_hold(&b, BW_PYMM), 0);
	pt_read_summary(test, &s1);
	KUNIT_EXPECT_EQ(test, s1.v[TL_BLOCKS_INUSE], s0.s.v[TL_BLOCKS_INUSE] + 20000);
	bw_batch_release(&b, BW_PYMM, 900);
	pt_read_summary(test, &s1);
	KUNIT_EXPECT_EQ(test, s1.v[TL_BLOCKS_INUSE], s0.s.v[TL_BLOCKS_INUSE] + 2000);
	bw_batch_release(&b, BW_PYMM, 1000);
	KUNIT_ASSERT_EQ(test, bw_batch_hold(&b, BW_KMALLOC), 0);
	bw_batch_release(&b, BW_KMALLOC, 1000);
	bw_batch_free(&b);
	pt_expect_settled(test, &s0);
}

static void trees_are_reclaimed_only_by_the_collector(struct kunit *test)
{
	struct pymm_heap *heap = pymm_heap_create("bench-smoke");
	struct bw_node *roots[4];
	unsigned long nodes = 0;
	struct pt_settled s0;
	unsigned int depth, i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, heap);
	pt_settle(test, &s0);
	pymm_set_threshold(heap, 0, 0, 0);
	for (depth = 4; depth <= 10; depth += 2) {
		for (i = 0; i < ARRAY_SIZE(roots); i++) {
			roots[i] = bw_tree(heap, depth);
			KUNIT_ASSERT_NOT_NULL(test, roots[i]);
		}
		nodes = ARRAY_SIZE(roots) * bw_tree_nodes(depth);
		/* Live: a full collection frees nothing. */
		KUNIT_EXPECT_EQ(test, pymm_collect(heap, 2), 0);
		for (i = 0; i < ARRAY_SIZE(roots); i++)
			pymm_put(roots[i]);
		/* Every tree is a cycle: only the collector frees it. */
		KUNIT_EXPECT_EQ(test, pymm_collect(heap, 2), nodes);
	}
	pymm_heap_destroy(heap);
	pt_expect_settled(test, &s0);
}

static struct kunit_case pymm_bench_smoke_cases[] = {
	KUNIT_CASE(fastpath_pairs_return_every_block),
	KUNIT_CASE(mixed_batch_keeps_marks_and_returns_every_block),
	KUNIT_CASE(footprint_hold_and_release_in_steps),
	KUNIT_CASE(trees_are_reclaimed_only_by_the_collector),
	{}
};

static struct kunit_suite pymm_bench_smoke_suite = {
	.name = "pymm_bench_smoke",
	.test_cases = pymm_bench_smoke_cases,
};

kunit_test_suites(&pymm_bench_smoke_suite);
