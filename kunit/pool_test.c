// SPDX-License-Identifier: GPL-2.0
/*
 * pymm_pool: blocks within one-page pools.  Freed blocks come back first
 * (LIFO per pool), a fresh pool is carved at increasing addresses with the
 * stride of its class, a pool holds PAGE_SIZE / stride blocks, a pool that
 * was full goes back to the front of its class's usedpools when a block is
 * freed into it, and a pool that empties goes back to its arena.
 *
 * pymm_arena: pools within 64-page, naturally aligned arenas.  New pools
 * come from the arena with the fewest free pools, the arena list stays
 * sorted when pools are freed in any order, an empty arena is cached (at
 * most one) or freed, and the shrinker frees the cached one and gives back
 * the free pools of live arenas (unless release_free_pools=0).  arenas_min
 * arenas are never given back.
 *
 * Every case first drains the class it works in (uses up its free blocks)
 * so that it starts from a known state whatever earlier cases left.
 */
#include <linux/slab.h>

#include "pymm_test.h"

/* Class 63 (512-byte blocks) fills pools with the fewest blocks. */
#define BIG_CLASS	(PYMM_NR_CLASSES - 1)
#define BIG_SIZE	PYMM_SMALL_MAX

static const unsigned int some_classes[] = { 0, 6, 31, BIG_CLASS };

static void freed_block_is_reused_first(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(some_classes); i++) {
		size_t size = pt_class_size(some_classes[i]);
		void *a, *b, *c;

		a = pymm_malloc(size, GFP_KERNEL);
		b = pymm_malloc(size, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, a);
		KUNIT_ASSERT_NOT_NULL(test, b);
		pymm_free(b);
		c = pymm_malloc(size, GFP_KERNEL);
		KUNIT_EXPECT_PTR_EQ_MSG(test, c, b, "class %u", some_classes[i]);
		pymm_free(c);
		pymm_free(a);
	}
}

static void freed_blocks_are_reused_in_lifo_order(struct kunit *test)
{
	struct pt_blocks *bag = pt_blocks_new(test, 4096);
	unsigned int cls = 4, i, start;
	void *b[5], *got[3];

	pt_drain_class(test, bag, cls);
	start = bag->n;
	for (i = 0; i < ARRAY_SIZE(b); i++) {
		b[i] = pt_blocks_alloc(test, bag, pt_class_size(cls), GFP_KERNEL);
		KUNIT_ASSERT_EQ(test, pt_page(b[i]), pt_page(b[0]));
	}
	/* b[0] keeps the pool alive. */
	pt_blocks_free(bag, start + 1);
	pt_blocks_free(bag, start + 3);
	pt_blocks_free(bag, start + 2);
	for (i = 0; i < ARRAY_SIZE(got); i++) {
		got[i] = pymm_malloc(pt_class_size(cls), GFP_KERNEL);
		pt_blocks_add(test, bag, got[i]);
	}
	KUNIT_EXPECT_PTR_EQ(test, got[0], b[2]);
	KUNIT_EXPECT_PTR_EQ(test, got[1], b[3]);
	KUNIT_EXPECT_PTR_EQ(test, got[2], b[1]);
	pt_blocks_free_all(bag);
}

/*
 * After draining, the next cap blocks fill one fresh pool: same page, at
 * first + i * stride; block cap + 1 starts another pool.
 */
static void fresh_pool_is_carved_at_increasing_addresses(struct kunit *test)
{
	struct pt_blocks *bag = pt_blocks_new(test, 8192);
	unsigned int i, k;

	for (k = 0; k < ARRAY_SIZE(some_classes); k++) {
		unsigned int cls = some_classes[k];
		unsigned int cap = pt_capacity(test, cls);
		unsigned int stride = pt_stride(test, cls);
		unsigned int start;
		u8 *first, *next;

		pt_drain_class(test, bag, cls);
		start = bag->n;
		for (i = 0; i < cap; i++)
			pt_blocks_alloc(test, bag, pt_class_size(cls), GFP_KERNEL);
		first = bag->p[start];
		KUNIT_EXPECT_EQ_MSG(test, pt_offset(first), pt_first(test),
				    "class %u", cls);
		for (i = 1; i < cap; i++)
			KUNIT_EXPECT_PTR_EQ_MSG(test, (u8 *)bag->p[start + i],
						first + i * stride,
						"class %u block %u", cls, i);
		next = pt_blocks_alloc(test, bag, pt_class_size(cls), GFP_KERNEL);
		KUNIT_EXPECT_NE_MSG(test, pt_page(next), pt_page(first),
				    "class %u: pool holds more than %u blocks",
				    cls, cap);
		KUNIT_EXPECT_EQ(test, pt_offset(next), pt_first(test));
		pt_blocks_free_all(bag);
	}
}

/* For all 64 classes: a fresh pool shows capacity - 1 free blocks. */
static void pool_holds_page_size_over_stride_blocks(struct kunit *test)
{
	struct pt_blocks *bag = pt_blocks_new(test, 16384);
	struct pt_classes *before, *after;
	unsigned int cls;

	before = kunit_kzalloc(test, sizeof(*before), GFP_KERNEL);
	after = kunit_kzalloc(test, sizeof(*after), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, before);
	KUNIT_ASSERT_NOT_NULL(test, after);

	for (cls = 0; cls < PYMM_NR_CLASSES; cls++)
		pt_drain_class(test, bag, cls);
	pt_read_classes(test, before);
	for (cls = 0; cls < PYMM_NR_CLASSES; cls++)
		pt_blocks_alloc(test, bag, pt_class_size(cls), GFP_KERNEL);
	pt_read_classes(test, after);
	for (cls = 0; cls < PYMM_NR_CLASSES; cls++) {
		KUNIT_EXPECT_EQ_MSG(test, after->c[cls].pools,
				    before->c[cls].pools + 1, "class %u", cls);
		KUNIT_EXPECT_EQ_MSG(test, after->c[cls].free,
				    pt_capacity(test, cls) - 1, "class %u", cls);
	}
	pt_blocks_free_all(bag);
}

/*
 * A pool that was full goes to the front of usedpools when a block is freed
 * into it, so it is the next pool the class allocates from: at once in
 * debug mode, which allocates from the head of usedpools, and otherwise
 * once this CPU's current pool is used up.
 */
static void full_pool_rejoins_usedpools_at_front(struct kunit *test)
{
	static const unsigned int classes[] = { 9, BIG_CLASS };
	struct pt_blocks *bag = pt_blocks_new(test, 4096);
	unsigned int k, i;

	for (k = 0; k < ARRAY_SIZE(classes); k++) {
		unsigned int cls = classes[k], cap = pt_capacity(test, cls);
		unsigned int rest = pt_debug(test) ? 0 : cap - 1;
		size_t size = pt_class_size(cls);
		unsigned int start;
		u8 *y, *x, *again, *next;

		pt_drain_class(test, bag, cls);
		/* Pool P1 full, pool P2 with one block. */
		start = bag->n;
		for (i = 0; i < cap; i++)
			pt_blocks_alloc(test, bag, size, GFP_KERNEL);
		y = pt_blocks_alloc(test, bag, size, GFP_KERNEL);
		KUNIT_ASSERT_NE(test, pt_page(y), pt_page(bag->p[start]));

		/* A block freed into full P1 puts P1 first. */
		x = bag->p[start + 2];
		pt_blocks_free(bag, start + 2);
		/* What is left of P2 as the current pool, then x. */
		for (i = 1; i <= rest; i++) {
			next = pt_blocks_alloc(test, bag, size, GFP_KERNEL);
			KUNIT_ASSERT_PTR_EQ_MSG(test, next,
						y + i * pt_stride(test, cls),
						"class %u", cls);
		}
		again = pymm_malloc(size, GFP_KERNEL);
		KUNIT_EXPECT_PTR_EQ_MSG(test, again, x, "class %u", cls);
		pt_blocks_add(test, bag, again);
		/* P1 is full again: allocation goes on in P2, or a fresh pool. */
		next = pt_blocks_alloc(test, bag, size, GFP_KERNEL);
		if (rest)
			KUNIT_EXPECT_EQ_MSG(test, pt_offset(next), pt_first(test),
					    "class %u", cls);
		else
			KUNIT_EXPECT_PTR_EQ_MSG(test, next,
						y + pt_stride(test, cls),
						"class %u", cls);
		pt_blocks_free_all(bag);
	}
}

static void emptied_pool_goes_back_to_its_arena(struct kunit *test)
{
	struct pt_blocks *bag = pt_blocks_new(test, 4096);
	struct pt_arenas *a0 = pt_arenas_alloc(test);
	struct pt_arenas *a1 = pt_arenas_alloc(test);
	struct pt_classes *c0, *c1;
	unsigned int cls = 50;
	int r0, r1;
	void *x;

	c0 = kunit_kzalloc(test, sizeof(*c0), GFP_KERNEL);
	c1 = kunit_kzalloc(test, sizeof(*c1), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c0);
	KUNIT_ASSERT_NOT_NULL(test, c1);

	x = pt_pool_with_anchor(test, bag, cls);
	pt_read_classes(test, c0);
	pt_read_arenas(test, a0);
	pt_blocks_free(bag, bag->n - 1);
	pt_read_classes(test, c1);
	pt_read_arenas(test, a1);

	KUNIT_EXPECT_EQ(test, c1->c[cls].pools, c0->c[cls].pools - 1);
	KUNIT_EXPECT_EQ(test, c1->c[cls].free,
			c0->c[cls].free - (pt_capacity(test, cls) - 1));
	KUNIT_EXPECT_EQ(test, c1->total.pools, c0->total.pools - 1);
	r0 = pt_arena_find(a0, pt_arena_base(x));
	r1 = pt_arena_find(a1, pt_arena_base(x));
	KUNIT_ASSERT_GE(test, r0, 0);
	KUNIT_ASSERT_GE(test, r1, 0);
	KUNIT_EXPECT_EQ(test, a1->rows[r1].free, a0->rows[r0].free + 1);
	pt_blocks_free_all(bag);
}

static struct kunit_case pymm_pool_cases[] = {
	KUNIT_CASE(freed_block_is_reused_first),
	KUNIT_CASE(freed_blocks_are_reused_in_lifo_order),
	KUNIT_CASE(fresh_pool_is_carved_at_increasing_addresses),
	KUNIT_CASE(pool_holds_page_size_over_stride_blocks),
	KUNIT_CASE(full_pool_rejoins_usedpools_at_front),
	KUNIT_CASE(emptied_pool_goes_back_to_its_arena),
	{}
};

static struct kunit_suite pymm_pool_suite = {
	.name = "pymm_pool",
	.init = pt_pin_cpu,
	.test_cases = pymm_pool_cases,
};

/* arenas */

static struct pt_fill *fill_new(struct kunit *test, unsigned int nr)
{
	struct pt_fill *fill = kunit_kzalloc(test, sizeof(*fill), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, fill);
	fill->blocks = pt_blocks_new(test, 16384);
	pt_fill_arenas(test, fill, BIG_CLASS, nr);
	return fill;
}

static bool summary_cached(struct kunit *test)
{
	struct tl_summary s;

	pt_read_summary(test, &s);
	return s.v[TL_ARENAS_CACHED];
}

/* Whole pools of one class cover exactly base .. base + 63 pages. */
static void arena_is_64_naturally_aligned_pages(struct kunit *test)
{
	struct pt_arenas *a = pt_arenas_alloc(test);
	struct pt_fill *fill = fill_new(test, 1);
	unsigned int i;
	int r;

	for (i = 0; i < PT_ARENA_POOLS; i++) {
		void *p = fill->blocks->p[fill->pool[0][i]];

		KUNIT_EXPECT_EQ(test, pt_page(p), fill->base[0] + i * PAGE_SIZE);
	}
	pt_read_arenas(test, a);
	r = pt_arena_find(a, fill->base[0]);
	KUNIT_ASSERT_GE_MSG(test, r, 0, "no arenas row for the aligned base");
	KUNIT_EXPECT_EQ(test, a->rows[r].pools, PT_ARENA_POOLS);
	KUNIT_EXPECT_EQ(test, a->rows[r].free, 0);
	pt_blocks_free_all(fill->blocks);
}

/* Pool indexes freed in each arena, in a scattered order. */
static const unsigned int scatter[] = { 5, 63, 0, 17, 32, 9, 41, 22, 50 };

static void arenas_stay_sorted_by_free_pools_after_mixed_frees(struct kunit *test)
{
	/* Arena to free a pool from at each step: 0 x5, 1 x2, 2 x9. */
	static const u8 steps[] = { 2, 0, 1, 2, 0, 2, 1, 0, 2, 0, 2, 2, 0, 2, 2, 2 };
	static const unsigned int want[] = { 5, 2, 9 };
	struct pt_arenas *a = pt_arenas_alloc(test);
	struct pt_fill *fill = fill_new(test, 3);
	unsigned int done[3] = { 0 }, i, k;
	int r[3];

	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		unsigned int ar = steps[i];

		pt_fill_free_pool(fill, ar, scatter[done[ar]++]);
		pt_read_arenas(test, a);
		pt_check_arena_order(test, a, summary_cached(test));
		for (k = 0; k < 3; k++) {
			int row = pt_arena_find(a, fill->base[k]);

			KUNIT_ASSERT_GE(test, row, 0);
			KUNIT_EXPECT_EQ_MSG(test, a->rows[row].free, done[k],
					    "step %u arena %u", i, k);
		}
	}
	for (k = 0; k < 3; k++) {
		KUNIT_ASSERT_EQ(test, done[k], want[k]);
		r[k] = pt_arena_find(a, fill->base[k]);
	}
	/* 2 free, then 5, then 9. */
	KUNIT_EXPECT_LT(test, r[1], r[0]);
	KUNIT_EXPECT_LT(test, r[0], r[2]);
	pt_blocks_free_all(fill->blocks);
}

static void new_pool_comes_from_arena_with_fewest_free_pools(struct kunit *test)
{
	struct pt_arenas *a = pt_arenas_alloc(test);
	struct pt_fill *fill = fill_new(test, 2);
	char base[24];
	unsigned int i, head_free;
	void *p;
	int r;

	/* Arena 0 gets 4 free pools, arena 1 gets 1. */
	for (i = 0; i < 4; i++)
		pt_fill_free_pool(fill, 0, scatter[i]);
	pt_fill_free_pool(fill, 1, scatter[4]);
	pt_read_arenas(test, a);
	KUNIT_ASSERT_GT(test, a->n, 0);
	head_free = a->rows[0].free;
	KUNIT_EXPECT_EQ(test, head_free, 1);
	r = pt_arena_find(a, fill->base[1]);
	KUNIT_ASSERT_GE(test, r, 0);
	KUNIT_EXPECT_EQ(test, a->rows[r].free, 1);

	/* The class has no free block: this takes a pool from the head. */
	p = pt_blocks_alloc(test, fill->blocks, BIG_SIZE, GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, pt_offset(p), pt_first(test));
	pt_fmt_base(base, sizeof(base), pt_arena_base(p));
	KUNIT_EXPECT_STREQ(test, base, a->rows[0].base);
	pt_read_arenas(test, a);
	r = pt_arena_find(a, pt_arena_base(p));
	KUNIT_ASSERT_GE(test, r, 0);
	KUNIT_EXPECT_EQ(test, a->rows[r].free, head_free - 1);
	pt_blocks_free_all(fill->blocks);
}

static void empty_arena_is_cached_and_a_second_one_freed(struct kunit *test)
{
	struct pt_arenas *a = pt_arenas_alloc(test);
	struct pt_fill *fill = fill_new(test, 2);
	struct tl_summary s0, s1, s2;
	unsigned int i;
	int r;

	pt_read_summary(test, &s0);
	for (i = 0; i < PT_ARENA_POOLS; i++)
		pt_fill_free_pool(fill, 0, i);
	pt_read_summary(test, &s1);
	pt_read_arenas(test, a);
	KUNIT_EXPECT_EQ(test, s1.v[TL_ARENAS_CACHED], 1);
	r = pt_arena_find(a, fill->base[0]);
	if (!s0.v[TL_ARENAS_CACHED]) {
		/* Arena 0 is the cached one: kept, listed, all pools free. */
		KUNIT_EXPECT_EQ(test, s1.v[TL_ARENAS_FREED], s0.v[TL_ARENAS_FREED]);
		KUNIT_EXPECT_EQ(test, s1.v[TL_ARENAS], s0.v[TL_ARENAS]);
		KUNIT_EXPECT_EQ(test, s1.v[TL_PAGES], s0.v[TL_PAGES]);
		KUNIT_ASSERT_GE(test, r, 0);
		KUNIT_EXPECT_EQ(test, a->rows[r].free, PT_ARENA_POOLS);
	} else {
		KUNIT_EXPECT_EQ(test, s1.v[TL_ARENAS_FREED],
				s0.v[TL_ARENAS_FREED] + 1);
		KUNIT_EXPECT_EQ(test, r, -1);
	}
	pt_check_arena_order(test, a, true);

	/* A second empty arena is given back: at most one is kept. */
	for (i = 0; i < PT_ARENA_POOLS; i++)
		pt_fill_free_pool(fill, 1, i);
	pt_read_summary(test, &s2);
	pt_read_arenas(test, a);
	KUNIT_EXPECT_EQ(test, s2.v[TL_ARENAS_CACHED], 1);
	KUNIT_EXPECT_EQ(test, s2.v[TL_ARENAS_FREED], s1.v[TL_ARENAS_FREED] + 1);
	KUNIT_EXPECT_EQ(test, s2.v[TL_ARENAS], s1.v[TL_ARENAS] - 1);
	KUNIT_EXPECT_EQ(test, s2.v[TL_PAGES], s1.v[TL_PAGES] - PT_ARENA_POOLS);
	KUNIT_EXPECT_EQ(test, pt_arena_find(a, fill->base[1]), -1);
	pt_check_arena_order(test, a, true);
	pt_blocks_free_all(fill->blocks);
}

static void shrinker_frees_the_cached_arena(struct kunit *test)
{
	struct pt_arenas *a = pt_arenas_alloc(test);
	struct pt_fill *fill = fill_new(test, 1);
	struct tl_summary s0, s1, s2;
	unsigned int i, pools = 0;

	/* Nothing is cached, and no CPU has a current pool. */
	pt_drop_slab(test);
	/* An arena is made empty: afterwards one is cached. */
	for (i = 0; i < PT_ARENA_POOLS; i++)
		pt_fill_free_pool(fill, 0, i);
	pt_blocks_free_all(fill->blocks);
	pt_read_summary(test, &s0);
	KUNIT_ASSERT_EQ(test, s0.v[TL_ARENAS_CACHED], 1);
	pt_read_arenas(test, a);
	pt_check_arena_order(test, a, true);
	/* The cached arena is the last one with free pools. */
	for (i = 0; i < a->n && a->rows[i].free; i++)
		pools = a->rows[i].pools;

	pt_drop_slab(test);
	pt_read_summary(test, &s1);
	KUNIT_EXPECT_EQ(test, s1.v[TL_ARENAS_CACHED], 0);
	KUNIT_EXPECT_EQ(test, s1.v[TL_ARENAS_FREED], s0.v[TL_ARENAS_FREED] + 1);
	KUNIT_EXPECT_EQ(test, s1.v[TL_ARENAS], s0.v[TL_ARENAS] - 1);
	KUNIT_EXPECT_EQ(test, s1.v[TL_PAGES], s0.v[TL_PAGES] - pools);
	pt_read_arenas(test, a);
	KUNIT_EXPECT_EQ(test, a->n, s1.v[TL_ARENAS]);
	pt_check_arena_order(test, a, false);

	/* Nothing cached: another shrink frees nothing. */
	pt_drop_slab(test);
	pt_read_summary(test, &s2);
	KUNIT_EXPECT_EQ(test, s2.v[TL_ARENAS_FREED], s1.v[TL_ARENAS_FREED]);
	KUNIT_EXPECT_EQ(test, s2.v[TL_ARENAS], s1.v[TL_ARENAS]);
}

#define PT_RELEASE_PARAM	TL_PARAM("release_free_pools")
#define PT_ARENAS_MIN_PARAM	TL_PARAM("arenas_min")

static void release_param_on(void *unused)
{
	tl_write_file(PT_RELEASE_PARAM, "1", 0);
}

/* Free pools 0..@n - 1 of each of the @nr arenas of @fill. */
static void free_first_pools(struct pt_fill *fill, unsigned int nr,
			     unsigned int n)
{
	unsigned int k, i;

	for (k = 0; k < nr; k++)
		for (i = 0; i < n; i++)
			pt_fill_free_pool(fill, k, i);
}

/*
 * By default a shrink gives back the free pools of live arenas, one page
 * each, 120 of them here: more than the trim takes in one hold of the
 * arena lock.  An arena, smaller from then on, still goes back once it
 * empties.
 */
static void shrink_gives_back_the_free_pools_of_live_arenas(struct kunit *test)
{
	struct pt_arenas *a = pt_arenas_alloc(test);
	struct pt_fill *fill = fill_new(test, 3);
	struct tl_summary s0, s1;
	unsigned int k;
	int r;

	free_first_pools(fill, 3, 40);
	pt_read_arenas(test, a);
	for (k = 0; k < 3; k++) {
		r = pt_arena_find(a, fill->base[k]);
		KUNIT_ASSERT_GE(test, r, 0);
		KUNIT_EXPECT_EQ(test, a->rows[r].pools, PT_ARENA_POOLS);
		KUNIT_EXPECT_EQ(test, a->rows[r].free, 40);
	}

	pt_read_summary(test, &s0);
	pt_drop_slab(test);
	pt_read_summary(test, &s1);
	pt_read_arenas(test, a);
	for (k = 0; k < 3; k++) {
		r = pt_arena_find(a, fill->base[k]);
		KUNIT_ASSERT_GE(test, r, 0);
		KUNIT_EXPECT_EQ(test, a->rows[r].pools, PT_ARENA_POOLS - 40);
		KUNIT_EXPECT_EQ(test, a->rows[r].free, 0);
	}
	KUNIT_EXPECT_LE(test, s1.v[TL_PAGES], s0.v[TL_PAGES] - 3 * 40);
	KUNIT_EXPECT_EQ(test, s1.v[TL_BLOCKS_INUSE], s0.v[TL_BLOCKS_INUSE]);
	pt_check_arena_order(test, a, false);

	/* The pools arena 0 kept, freed: it empties, and goes like any. */
	pt_read_summary(test, &s0);
	for (k = 40; k < PT_ARENA_POOLS; k++)
		pt_fill_free_pool(fill, 0, k);
	pt_read_summary(test, &s1);
	pt_read_arenas(test, a);
	r = pt_arena_find(a, fill->base[0]);
	if (r >= 0) {
		KUNIT_EXPECT_EQ(test, s1.v[TL_ARENAS_CACHED], 1);
		KUNIT_EXPECT_EQ(test, a->rows[r].free, PT_ARENA_POOLS - 40);
	} else {
		KUNIT_EXPECT_EQ(test, s1.v[TL_ARENAS_FREED],
				s0.v[TL_ARENAS_FREED] + 1);
	}
	KUNIT_EXPECT_EQ(test, s1.v[TL_PAGES] +
			(r >= 0 ? 0 : PT_ARENA_POOLS - 40), s0.v[TL_PAGES]);
	pt_blocks_free_all(fill->blocks);
}

/*
 * With release_free_pools=0 no page of a live arena goes back: memory goes
 * back one whole arena at a time, even when the kernel asks.
 */
static void release_free_pools_0_gives_back_only_whole_arenas(struct kunit *test)
{
	struct pt_arenas *a = pt_arenas_alloc(test);
	struct pt_fill *fill = fill_new(test, 1);
	struct tl_summary s0, s1;
	unsigned int i;
	int r;

	KUNIT_ASSERT_EQ(test, tl_write_file(PT_RELEASE_PARAM, "0", 0), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, release_param_on,
							NULL), 0);
	/* Every other pool freed: a live arena with 32 free pools. */
	for (i = 0; i < PT_ARENA_POOLS; i += 2)
		pt_fill_free_pool(fill, 0, i);
	pt_drop_slab(test);
	pt_read_arenas(test, a);
	r = pt_arena_find(a, fill->base[0]);
	KUNIT_ASSERT_GE(test, r, 0);
	KUNIT_EXPECT_EQ(test, a->rows[r].pools, PT_ARENA_POOLS);
	KUNIT_EXPECT_EQ(test, a->rows[r].free, PT_ARENA_POOLS / 2);

	/* Its last pools freed, it goes whole (or is the cached arena). */
	pt_read_summary(test, &s0);
	for (i = 1; i < PT_ARENA_POOLS; i += 2)
		pt_fill_free_pool(fill, 0, i);
	pt_drop_slab(test);
	pt_read_summary(test, &s1);
	pt_read_arenas(test, a);
	KUNIT_EXPECT_EQ(test, pt_arena_find(a, fill->base[0]), -1);
	KUNIT_EXPECT_EQ(test, s1.v[TL_ARENAS_CACHED], 0);
	KUNIT_EXPECT_EQ(test, s1.v[TL_ARENAS],
			s0.v[TL_ARENAS] - 1 - s0.v[TL_ARENAS_CACHED]);
	pt_blocks_free_all(fill->blocks);
}

static unsigned int arenas_min_read(struct kunit *test)
{
	unsigned int n;
	char buf[16];

	KUNIT_ASSERT_GT(test, tl_read_file(PT_ARENAS_MIN_PARAM, buf,
					   sizeof(buf), 0), 0);
	KUNIT_ASSERT_EQ(test, kstrtouint(strim(buf), 10, &n), 0);
	return n;
}

static void arenas_min_restore(void *arg)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%u", *(unsigned int *)arg);
	tl_write_file(PT_ARENAS_MIN_PARAM, buf, 0);
}

#define PT_MAX_WHOLE	64

/* Copy the bases of the rows of @a whose pools are all there and all free
 * into @base (at most PT_MAX_WHOLE).  Return: how many rows there are.
 */
static unsigned int whole_free_arenas(const struct pt_arenas *a,
				      char (*base)[24])
{
	unsigned int i, n = 0;

	for (i = 0; i < a->n; i++) {
		if (a->rows[i].pools != PT_ARENA_POOLS ||
		    a->rows[i].free != PT_ARENA_POOLS)
			continue;
		if (base && n < PT_MAX_WHOLE)
			strscpy(base[n], a->rows[i].base, sizeof(base[n]));
		n++;
	}
	return n;
}

/* Row of the arena whose base prints as @base, or -1. */
static int find_base(const struct pt_arenas *a, const char *base)
{
	unsigned int i;

	for (i = 0; i < a->n; i++)
		if (!strcmp(a->rows[i].base, base))
			return i;
	return -1;
}

/*
 * arenas_min held since load (the harness loads pymm without it, but the
 * case holds for any value); two more, written at run time, are two whole
 * arenas allocated at once.  They hand out pools like any arena, but no
 * shrink gives back any page of them, used or all free; unreserved again,
 * they go like any empty arena.
 */
static void arenas_min_arenas_are_never_given_back(struct kunit *test)
{
	struct pt_blocks *drained = pt_blocks_new(test, 4096);
	struct pt_blocks *bag = pt_blocks_new(test, 4096);
	struct pt_arenas *a = pt_arenas_alloc(test);
	unsigned int cap = pt_capacity(test, BIG_CLASS), i, n0, *was;
	struct tl_summary s0, s1, s2;
	char (*base0)[24], (*base)[24], buf[16], mine[2][24];
	unsigned int nmine = 0;
	int r;

	was = kunit_kzalloc(test, sizeof(*was), GFP_KERNEL);
	base0 = kunit_kcalloc(test, PT_MAX_WHOLE, sizeof(*base0), GFP_KERNEL);
	base = kunit_kcalloc(test, PT_MAX_WHOLE, sizeof(*base), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, was);
	KUNIT_ASSERT_NOT_NULL(test, base0);
	KUNIT_ASSERT_NOT_NULL(test, base);
	*was = arenas_min_read(test);
	KUNIT_ASSERT_LE(test, *was + 2, PT_MAX_WHOLE);

	/* No cached arena; all free are the reserved arenas alone. */
	pt_drop_slab(test);
	pt_read_summary(test, &s0);
	KUNIT_EXPECT_GE(test, s0.v[TL_ARENAS], *was);
	KUNIT_EXPECT_GE(test, s0.v[TL_PAGES], *was * PT_ARENA_POOLS);
	pt_read_arenas(test, a);
	n0 = whole_free_arenas(a, base0);
	KUNIT_ASSERT_LE(test, n0, *was);

	snprintf(buf, sizeof(buf), "%u", *was + 2);
	KUNIT_ASSERT_EQ(test, tl_write_file(PT_ARENAS_MIN_PARAM, buf, 0), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							arenas_min_restore,
							was), 0);
	pt_read_summary(test, &s1);
	KUNIT_EXPECT_EQ(test, s1.v[TL_ARENAS], s0.v[TL_ARENAS] + 2);
	KUNIT_EXPECT_EQ(test, s1.v[TL_ARENAS_ALLOCATED],
			s0.v[TL_ARENAS_ALLOCATED] + 2);
	KUNIT_EXPECT_EQ(test, s1.v[TL_PAGES], s0.v[TL_PAGES] + 2 * PT_ARENA_POOLS);
	pt_read_arenas(test, a);
	KUNIT_ASSERT_EQ(test, whole_free_arenas(a, base), n0 + 2);
	for (i = 0; i < n0 + 2; i++) {
		unsigned int k;

		for (k = 0; k < n0 && strcmp(base[i], base0[k]); k++)
			;
		if (k == n0 && nmine < 2)
			strscpy(mine[nmine++], base[i], sizeof(mine[0]));
	}
	KUNIT_ASSERT_EQ(test, nmine, 2);

	/* All free, they stay through a shrink. */
	pt_drop_slab(test);
	pt_read_summary(test, &s2);
	KUNIT_EXPECT_EQ(test, s2.v[TL_ARENAS], s1.v[TL_ARENAS]);
	KUNIT_EXPECT_EQ(test, s2.v[TL_PAGES], s1.v[TL_PAGES]);

	/*
	 * 66 pools: no unreserved arena has a free pool, so all come from
	 * reserved ones, and none of their free pools goes at a shrink.
	 */
	pt_drain_class(test, drained, BIG_CLASS);
	pt_read_summary(test, &s1);
	for (i = 0; i < 66 * cap; i++)
		pt_blocks_alloc(test, bag, BIG_SIZE, GFP_KERNEL);
	pt_drop_slab(test);
	pt_read_summary(test, &s2);
	pt_read_arenas(test, a);
	KUNIT_EXPECT_EQ(test, s2.v[TL_ARENAS], s1.v[TL_ARENAS]);
	KUNIT_EXPECT_EQ(test, s2.v[TL_ARENAS_ALLOCATED],
			s1.v[TL_ARENAS_ALLOCATED]);
	KUNIT_EXPECT_EQ(test, s2.v[TL_PAGES], s1.v[TL_PAGES]);
	for (i = 0; i < 2; i++) {
		r = find_base(a, mine[i]);
		KUNIT_ASSERT_GE(test, r, 0);
		KUNIT_EXPECT_EQ(test, a->rows[r].pools, PT_ARENA_POOLS);
	}

	/* All free again, they stay. */
	pt_blocks_free_all(bag);
	pt_drop_slab(test);
	pt_read_summary(test, &s2);
	pt_read_arenas(test, a);
	KUNIT_EXPECT_EQ(test, s2.v[TL_ARENAS], s1.v[TL_ARENAS]);
	KUNIT_EXPECT_EQ(test, s2.v[TL_PAGES], s1.v[TL_PAGES]);
	KUNIT_EXPECT_EQ(test, whole_free_arenas(a, NULL), n0 + 2);
	for (i = 0; i < 2; i++)
		KUNIT_EXPECT_GE(test, find_base(a, mine[i]), 0);

	/* Two unreserved, they go like any empty arena. */
	arenas_min_restore(was);
	pt_drop_slab(test);
	pt_read_summary(test, &s2);
	KUNIT_EXPECT_EQ(test, s2.v[TL_ARENAS], s1.v[TL_ARENAS] - 2);
	KUNIT_EXPECT_EQ(test, s2.v[TL_PAGES], s1.v[TL_PAGES] - 2 * PT_ARENA_POOLS);
	KUNIT_EXPECT_EQ(test, s2.v[TL_ARENAS_FREED], s1.v[TL_ARENAS_FREED] + 2);
	KUNIT_EXPECT_EQ(test, arenas_min_read(test), *was);
}

/* What is not a number, or would take over a quarter of memory, is refused
 * and changes nothing.
 */
static void arenas_min_refuses_bad_values(struct kunit *test)
{
	unsigned int was = arenas_min_read(test);
	struct tl_summary s0, s1;

	pt_read_summary(test, &s0);
	KUNIT_EXPECT_EQ(test, tl_write_file(PT_ARENAS_MIN_PARAM, "-1", 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, tl_write_file(PT_ARENAS_MIN_PARAM, "many", 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, tl_write_file(PT_ARENAS_MIN_PARAM, "4294967296", 0),
			-ERANGE);
	KUNIT_EXPECT_EQ(test, tl_write_file(PT_ARENAS_MIN_PARAM, "4000000000", 0),
			-EINVAL);
	pt_read_summary(test, &s1);
	KUNIT_EXPECT_EQ(test, s1.v[TL_ARENAS_ALLOCATED],
			s0.v[TL_ARENAS_ALLOCATED]);
	KUNIT_EXPECT_EQ(test, arenas_min_read(test), was);
}

static struct kunit_case pymm_arena_cases[] = {
	KUNIT_CASE(arena_is_64_naturally_aligned_pages),
	KUNIT_CASE(arenas_stay_sorted_by_free_pools_after_mixed_frees),
	KUNIT_CASE(new_pool_comes_from_arena_with_fewest_free_pools),
	KUNIT_CASE(empty_arena_is_cached_and_a_second_one_freed),
	KUNIT_CASE(shrinker_frees_the_cached_arena),
	KUNIT_CASE(shrink_gives_back_the_free_pools_of_live_arenas),
	KUNIT_CASE(release_free_pools_0_gives_back_only_whole_arenas),
	KUNIT_CASE(arenas_min_arenas_are_never_given_back),
	KUNIT_CASE(arenas_min_refuses_bad_values),
	{}
};

static struct kunit_suite pymm_arena_suite = {
	.name = "pymm_arena",
	.init = pt_pin_cpu,
	.test_cases = pymm_arena_cases,
};

kunit_test_suites(&pymm_pool_suite, &pymm_arena_suite);
