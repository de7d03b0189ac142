// SPDX-License-Identifier: GPL-2.0
/*
 * pymm_faultinj: pymm when the page allocator and kmalloc fail.  The
 * harness arms fail_page_alloc and failslab for tasks that set
 * make_it_fail; a case sets it only around the pymm calls it wants failed.
 *
 * Small allocations are served from existing free pools, then return NULL
 * (no arena is made, nothing leaks); large allocations, zallocs and
 * reallocs return NULL and leave the old block alone; allocation works
 * again once the failure is lifted.  With only the order-6 page request
 * failing (fail_nth), pymm falls back to a one-page arena.
 */
#include <linux/sched.h>
#include <linux/slab.h>

#include "pymm_test.h"

#define BIG_CLASS	(PYMM_NR_CLASSES - 1)
#define BIG_SIZE	PYMM_SMALL_MAX

struct gfp_param {
	gfp_t gfp;
	const char *name;
};

static const struct gfp_param gfp_params[] = {
	{ GFP_KERNEL | __GFP_NOWARN, "GFP_KERNEL" },
	{ GFP_ATOMIC | __GFP_NOWARN, "GFP_ATOMIC" },
};

/* KUNIT_ARRAY_PARAM_DESC() would do, from 6.6 on. */
static void gfp_param_desc(const struct gfp_param *param, char *desc)
{
	strscpy(desc, param->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(gfp_params, gfp_params, gfp_param_desc);

/*
 * Every free pool in every arena (the cached one included) can serve the
 * class without the page allocator; after exactly that many blocks pymm
 * must return NULL, not grow.
 */
static void small_allocations_use_free_pools_then_fail(struct kunit *test)
{
	const struct gfp_param *param = test->param_value;
	struct pt_blocks *bag = pt_blocks_new(test, 32768);
	struct pt_arenas *a = pt_arenas_alloc(test);
	unsigned int cap, expect, start, i;
	struct tl_summary s0, s1, s2;
	unsigned long inuse0;
	void *x;

	pt_require_fault_injection(test);
	cap = pt_capacity(test, BIG_CLASS);
	pt_read_summary(test, &s0);
	inuse0 = s0.v[TL_BLOCKS_INUSE];
	pt_drain_class(test, bag, BIG_CLASS);
	pt_read_arenas(test, a);
	expect = pt_arenas_free_pools(a) * cap;
	KUNIT_ASSERT_LT(test, bag->n + expect, bag->max);
	pt_read_summary(test, &s0);

	start = bag->n;
	pt_make_it_fail(true);
	for (i = 0; i <= expect; i++) {
		x = pymm_malloc(BIG_SIZE, param->gfp);
		if (!x)
			break;
		bag->p[bag->n++] = x;
	}
	pt_make_it_fail(false);

	KUNIT_EXPECT_EQ(test, bag->n - start, expect);
	KUNIT_EXPECT_NULL(test, x);
	pt_read_summary(test, &s1);
	KUNIT_EXPECT_EQ(test, s1.v[TL_ARENAS_ALLOCATED], s0.v[TL_ARENAS_ALLOCATED]);
	KUNIT_EXPECT_EQ(test, s1.v[TL_ARENAS], s0.v[TL_ARENAS]);
	KUNIT_EXPECT_EQ(test, s1.v[TL_PAGES], s0.v[TL_PAGES]);
	KUNIT_EXPECT_EQ(test, s1.v[TL_BLOCKS_INUSE],
			s0.v[TL_BLOCKS_INUSE] + expect);
	pt_read_arenas(test, a);
	KUNIT_EXPECT_EQ(test, pt_arenas_free_pools(a), 0);

	/* Lifted: the same request succeeds (with a new arena). */
	x = pt_blocks_alloc(test, bag, BIG_SIZE, param->gfp);
	KUNIT_EXPECT_EQ(test, pt_offset(x), pt_first(test));
	pt_read_summary(test, &s2);
	KUNIT_EXPECT_EQ(test, s2.v[TL_ARENAS_ALLOCATED],
			s0.v[TL_ARENAS_ALLOCATED] + 1);

	pt_blocks_free_all(bag);
	pt_read_summary(test, &s2);
	KUNIT_EXPECT_EQ(test, s2.v[TL_BLOCKS_INUSE], inuse0);
	KUNIT_EXPECT_EQ(test, s2.v[TL_ERR_INVALID], s0.v[TL_ERR_INVALID]);
}

static void large_allocations_return_null(struct kunit *test)
{
	struct tl_summary s0, s1;
	void *p[3];
	unsigned int i;

	pt_require_fault_injection(test);
	pt_read_summary(test, &s0);
	pt_make_it_fail(true);
	p[0] = pymm_malloc(3000, GFP_KERNEL | __GFP_NOWARN);
	p[1] = pymm_zalloc(600, GFP_KERNEL | __GFP_NOWARN);
	/* Above the largest kmalloc cache: straight to the page allocator. */
	p[2] = pymm_malloc(100000, GFP_KERNEL | __GFP_NOWARN);
	pt_make_it_fail(false);
	for (i = 0; i < ARRAY_SIZE(p); i++) {
		KUNIT_EXPECT_NULL_MSG(test, p[i], "allocation %u", i);
		pymm_free(p[i]);
	}
	pt_read_summary(test, &s1);
	KUNIT_EXPECT_EQ(test, s1.v[TL_LARGE_ALLOCS], s0.v[TL_LARGE_ALLOCS]);
	KUNIT_EXPECT_EQ(test, s1.v[TL_LARGE_BYTES], s0.v[TL_LARGE_BYTES]);
	KUNIT_EXPECT_EQ(test, s1.v[TL_ERR_INVALID], s0.v[TL_ERR_INVALID]);
}

static void failed_realloc_returns_null_and_keeps_block(struct kunit *test)
{
	static const size_t from[] = { 100, 2000 }, to[] = { 5000, 9000 };
	struct tl_summary s0, s1;
	unsigned int i;
	void *p[2], *q[2];

	pt_require_fault_injection(test);
	for (i = 0; i < 2; i++) {
		p[i] = pymm_malloc(from[i], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
		pt_fill_pattern(p[i], from[i], i);
	}
	pt_read_summary(test, &s0);
	pt_make_it_fail(true);
	for (i = 0; i < 2; i++)
		q[i] = pymm_realloc(p[i], to[i], GFP_KERNEL | __GFP_NOWARN);
	pt_make_it_fail(false);
	pt_read_summary(test, &s1);
	for (i = 0; i < 2; i++) {
		KUNIT_EXPECT_NULL(test, q[i]);
		if (q[i]) {
			pymm_free(q[i]);
			continue;
		}
		KUNIT_EXPECT_EQ(test, pt_check_pattern(p[i], from[i], i), -1);
		KUNIT_EXPECT_GE(test, pymm_usable_size(p[i]), from[i]);
		pymm_free(p[i]);
	}
	KUNIT_EXPECT_EQ(test, s1.v[TL_BLOCKS_INUSE], s0.v[TL_BLOCKS_INUSE]);
	KUNIT_EXPECT_EQ(test, s1.v[TL_LARGE_ALLOCS], s0.v[TL_LARGE_ALLOCS]);
	KUNIT_EXPECT_EQ(test, s1.v[TL_LARGE_BYTES], s0.v[TL_LARGE_BYTES]);
}

/*
 * Use up every free pool, then fail only the next page allocation (the
 * order-6 arena request): the new arena is a single page.
 */
static void one_page_arena_when_order_6_fails(struct kunit *test)
{
	struct pt_blocks *bag = pt_blocks_new(test, 32768);
	struct pt_arenas *a = pt_arenas_alloc(test);
	unsigned int cap, n, i, nth;
	struct tl_summary s0, s1, s2;
	void *x;
	int r;

	cap = pt_capacity(test, BIG_CLASS);
	pt_drain_class(test, bag, BIG_CLASS);
	pt_read_arenas(test, a);
	n = pt_arenas_free_pools(a) * cap;
	KUNIT_ASSERT_LT(test, bag->n + n, bag->max);
	for (i = 0; i < n; i++)
		pt_blocks_alloc(test, bag, BIG_SIZE, GFP_KERNEL);
	pt_read_arenas(test, a);
	KUNIT_ASSERT_EQ(test, pt_arenas_free_pools(a), 0);
	pt_read_summary(test, &s0);

	if (!IS_ENABLED(CONFIG_FAULT_INJECTION))
		kunit_skip(test, "needs CONFIG_FAULT_INJECTION (fail_nth)");
	pt_set_fail_nth(1);
	x = pymm_malloc(BIG_SIZE, GFP_KERNEL | __GFP_NOWARN);
	nth = pt_fail_nth();
	pt_set_fail_nth(0);
	pt_blocks_add(test, bag, x);
	if (nth)
		kunit_skip(test, "no page allocation failure injected (CONFIG_FAIL_PAGE_ALLOC?)");
	KUNIT_ASSERT_NOT_NULL(test, x);
	KUNIT_EXPECT_EQ(test, pt_offset(x), pt_first(test));

	pt_read_summary(test, &s1);
	KUNIT_EXPECT_EQ(test, s1.v[TL_ARENAS_ALLOCATED],
			s0.v[TL_ARENAS_ALLOCATED] + 1);
	KUNIT_EXPECT_EQ(test, s1.v[TL_ARENAS], s0.v[TL_ARENAS] + 1);
	KUNIT_EXPECT_EQ(test, s1.v[TL_PAGES], s0.v[TL_PAGES] + 1);
	pt_read_arenas(test, a);
	r = pt_arena_find(a, pt_page(x));
	KUNIT_ASSERT_GE_MSG(test, r, 0, "no arenas row based at the block's page");
	KUNIT_EXPECT_EQ(test, a->rows[r].pools, 1);
	KUNIT_EXPECT_EQ(test, a->rows[r].free, 0);

	/* Emptied, it is cached like any arena (none was cached).  Its pool is
	 * used up first, so that it is no CPU's current pool.
	 */
	KUNIT_ASSERT_EQ(test, s1.v[TL_ARENAS_CACHED], 0);
	for (i = 1; i < cap; i++)
		KUNIT_ASSERT_EQ(test, pt_page(pt_blocks_alloc(test, bag, BIG_SIZE,
							      GFP_KERNEL)),
				pt_page(x));
	for (i = 0; i < cap; i++)
		pt_blocks_free(bag, bag->n - 1 - i);
	pt_read_summary(test, &s2);
	KUNIT_EXPECT_EQ(test, s2.v[TL_ARENAS_CACHED], 1);
	pt_read_arenas(test, a);
	r = pt_arena_find(a, pt_page(x));
	KUNIT_ASSERT_GE(test, r, 0);
	KUNIT_EXPECT_EQ(test, a->rows[r].free, 1);
	pt_check_arena_order(test, a, true);
	pt_blocks_free_all(bag);
}

static struct kunit_case pymm_faultinj_cases[] = {
	KUNIT_CASE_PARAM(small_allocations_use_free_pools_then_fail,
			 gfp_params_gen_params),
	KUNIT_CASE(large_allocations_return_null),
	KUNIT_CASE(failed_realloc_returns_null_and_keeps_block),
	KUNIT_CASE(one_page_arena_when_order_6_fails),
	{}
};

static struct kunit_suite pymm_faultinj_suite = {
	.name = "pymm_faultinj",
	.init = pt_pin_cpu,
	.test_cases = pymm_faultinj_cases,
};

kunit_test_suites(&pymm_faultinj_suite);
