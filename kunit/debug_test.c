// SPDX-License-Identifier: GPL-2.0
/*
 * pymm_debug: debug mode (pymm.ko debug=1).  Fresh blocks are filled with
 * POISON_INUSE and freed ones with POISON_FREE; writes past the end (tail
 * red zone) or before the start (head red zone) of a block are reported
 * when it is freed or sized, a write into a freed block when it is handed
 * out again, an overwritten free-list link when it is followed, and every
 * double free is caught, not only of the block freed last.  Each report
 * counts in err_corruption or err_double_free, the damage is repaired and
 * the allocator goes on correctly.
 *
 * Cases that need debug mode skip when pymm.ko was loaded without it; the
 * last case checks, in both modes, that writing anywhere inside the usable
 * size is never taken for corruption.
 */
#include <linux/poison.h>
#include <linux/slab.h>

#include "pymm_test.h"

static void need_debug(struct kunit *test)
{
	if (!pt_debug(test))
		kunit_skip(test, "needs pymm.ko loaded with debug=1 (red zones, poisoning)");
}

static long long err_count(struct kunit *test, enum tl_sum which)
{
	struct tl_summary s;

	pt_read_summary(test, &s);
	return s.v[which];
}

static void fresh_block_is_filled_with_poison_inuse(struct kunit *test)
{
	u8 *p, *q;

	need_debug(test);
	p = pymm_malloc(100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	/* The whole class size is poisoned: claim it before reading it. */
	KUNIT_EXPECT_EQ(test, pymm_usable_size(p), 104);
	KUNIT_EXPECT_NULL(test, memchr_inv(p, POISON_INUSE, 104));
	memset(p, 0, 104);
	pymm_free(p);
	/* Recycled (most likely the same block): poisoned again. */
	q = pymm_malloc(100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_EQ(test, pymm_usable_size(q), 104);
	KUNIT_EXPECT_NULL(test, memchr_inv(q, POISON_INUSE, 104));
	pymm_free(q);
}

static void freed_block_is_filled_with_poison_free(struct kunit *test)
{
	struct pt_blocks *bag = pt_blocks_new(test, 4096);
	unsigned int start;
	u8 *p, seen[200];

	need_debug(test);
	pt_drain_class(test, bag, pt_size_class(200));
	start = bag->n;
	pt_blocks_alloc(test, bag, 200, GFP_KERNEL);	/* keeps the pool */
	p = pt_blocks_alloc(test, bag, 200, GFP_KERNEL);
	KUNIT_ASSERT_EQ(test, pt_page(p), pt_page(bag->p[start]));
	memset(p, 0x11, 200);
	pt_blocks_free(bag, start + 1);
	pt_peek(seen, p, 200);
	KUNIT_EXPECT_NULL(test, memchr_inv(seen, POISON_FREE, 200));
	pt_blocks_free_all(bag);
}

/*
 * Allocate anchor + p in one pool of @size, damage p with @damage, free
 * it: one err_corruption, the block freed all the same, and repaired (it
 * comes back clean, with no further report).
 */
static void check_damage_reported_at_free(struct kunit *test, size_t size,
					  void (*damage)(u8 *p, size_t size))
{
	struct pt_blocks *bag = pt_blocks_new(test, 4096);
	unsigned int cls = pt_size_class(size), start;
	struct pt_classes *c0, *c1;
	long long e0, e1;
	u8 *p, *q;

	c0 = kunit_kzalloc(test, sizeof(*c0), GFP_KERNEL);
	c1 = kunit_kzalloc(test, sizeof(*c1), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c0);
	KUNIT_ASSERT_NOT_NULL(test, c1);
	pt_drain_class(test, bag, cls);
	start = bag->n;
	pt_blocks_alloc(test, bag, size, GFP_KERNEL);
	p = pt_blocks_alloc(test, bag, size, GFP_KERNEL);
	KUNIT_ASSERT_EQ(test, pt_page(p), pt_page(bag->p[start]));
	damage(p, size);

	pt_read_classes(test, c0);
	e0 = err_count(test, TL_ERR_CORRUPTION);
	tl_expect_warn_begin("corruption=1");
	pt_blocks_free(bag, start + 1);
	tl_expect_warn_end();
	e1 = err_count(test, TL_ERR_CORRUPTION);
	pt_read_classes(test, c1);
	KUNIT_EXPECT_EQ(test, e1, e0 + 1);
	KUNIT_EXPECT_EQ(test, c1->c[cls].frees, c0->c[cls].frees + 1);
	KUNIT_EXPECT_EQ(test, c1->c[cls].inuse, c0->c[cls].inuse - 1);

	q = pt_blocks_alloc(test, bag, size, GFP_KERNEL);
	KUNIT_EXPECT_PTR_EQ(test, q, p);
	KUNIT_EXPECT_NULL(test, memchr_inv(q, POISON_INUSE, size));
	pt_blocks_free_all(bag);
	KUNIT_EXPECT_EQ(test, err_count(test, TL_ERR_CORRUPTION), e1);
}

static void overflow_one_byte(u8 *p, size_t size)
{
	pt_poke(p + size, 0, 1);
}

static void overflow_whole_tail(u8 *p, size_t size)
{
	pt_poke(p + size, 0x33, PT_RZ);
}

static void underflow_one_byte(u8 *p, size_t size)
{
	pt_poke(p - 1, 0, 1);
}

static void tail_red_zone_overflow_is_reported_at_free(struct kunit *test)
{
	need_debug(test);
	check_damage_reported_at_free(test, 24, overflow_one_byte);
	check_damage_reported_at_free(test, 512, overflow_whole_tail);
}

static void head_red_zone_underflow_is_reported_at_free(struct kunit *test)
{
	need_debug(test);
	check_damage_reported_at_free(test, 32, underflow_one_byte);
}

static void red_zone_damage_is_reported_by_usable_size(struct kunit *test)
{
	long long e0, e1;
	size_t usable;
	u8 *p;

	need_debug(test);
	p = pymm_malloc(40, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	pt_poke(p + 40, 0x77, 1);
	e0 = err_count(test, TL_ERR_CORRUPTION);
	tl_expect_warn_begin("corruption=1");
	usable = pymm_usable_size(p);
	tl_expect_warn_end();
	e1 = err_count(test, TL_ERR_CORRUPTION);
	KUNIT_EXPECT_EQ(test, usable, 40);
	KUNIT_EXPECT_EQ(test, e1, e0 + 1);
	/* Repaired: freeing it reports nothing more. */
	pymm_free(p);
	KUNIT_EXPECT_EQ(test, err_count(test, TL_ERR_CORRUPTION), e1);
}

static void write_after_free_is_reported_at_next_allocation(struct kunit *test)
{
	struct pt_blocks *bag = pt_blocks_new(test, 4096);
	unsigned int cls = 8, start;
	long long e0, e1;
	u8 *p, *q;

	need_debug(test);
	pt_drain_class(test, bag, cls);
	start = bag->n;
	pt_blocks_alloc(test, bag, 72, GFP_KERNEL);
	p = pt_blocks_alloc(test, bag, 72, GFP_KERNEL);
	KUNIT_ASSERT_EQ(test, pt_page(p), pt_page(bag->p[start]));
	pt_blocks_free(bag, start + 1);
	pt_poke(p + 10, 0x42, 1);

	e0 = err_count(test, TL_ERR_CORRUPTION);
	tl_expect_warn_begin("corruption=1");
	q = pymm_malloc(72, GFP_KERNEL);
	tl_expect_warn_end();
	pt_blocks_add(test, bag, q);
	e1 = err_count(test, TL_ERR_CORRUPTION);
	KUNIT_EXPECT_PTR_EQ(test, q, p);
	KUNIT_EXPECT_EQ(test, e1, e0 + 1);
	/* Handed out all the same, poisoned as a fresh block. */
	KUNIT_EXPECT_NULL(test, memchr_inv(q, POISON_INUSE, 72));
	pt_blocks_free_all(bag);
	KUNIT_EXPECT_EQ(test, err_count(test, TL_ERR_CORRUPTION), e1);
}

/* Not the block freed last: normal mode cannot see it, debug mode must. */
static void any_double_free_is_caught(struct kunit *test)
{
	struct pt_blocks *bag = pt_blocks_new(test, 4096);
	struct pt_classes *c0, *c1;
	unsigned int cls = 3, start;
	long long e0, e1;
	void *p, *q, *got[3];
	unsigned int i;

	need_debug(test);
	c0 = kunit_kzalloc(test, sizeof(*c0), GFP_KERNEL);
	c1 = kunit_kzalloc(test, sizeof(*c1), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c0);
	KUNIT_ASSERT_NOT_NULL(test, c1);
	pt_drain_class(test, bag, cls);
	start = bag->n;
	pt_blocks_alloc(test, bag, 32, GFP_KERNEL);
	p = pt_blocks_alloc(test, bag, 32, GFP_KERNEL);
	q = pt_blocks_alloc(test, bag, 32, GFP_KERNEL);
	KUNIT_ASSERT_EQ(test, pt_page(q), pt_page(bag->p[start]));
	pt_blocks_free(bag, start + 1);
	pt_blocks_free(bag, start + 2);

	pt_read_classes(test, c0);
	e0 = err_count(test, TL_ERR_DOUBLE_FREE);
	tl_expect_warn_begin("double_free=1");
	pymm_free(p);
	tl_expect_warn_end();
	e1 = err_count(test, TL_ERR_DOUBLE_FREE);
	pt_read_classes(test, c1);
	KUNIT_EXPECT_EQ(test, e1, e0 + 1);
	KUNIT_EXPECT_EQ(test, c1->c[cls].frees, c0->c[cls].frees);

	/* The free list is still q, p, then fresh slots. */
	for (i = 0; i < ARRAY_SIZE(got); i++) {
		got[i] = pymm_malloc(32, GFP_KERNEL);
		pt_blocks_add(test, bag, got[i]);
	}
	KUNIT_EXPECT_PTR_EQ(test, got[0], q);
	KUNIT_EXPECT_PTR_EQ(test, got[1], p);
	KUNIT_EXPECT_PTR_NE(test, got[2], p);
	KUNIT_EXPECT_PTR_NE(test, got[2], q);
	pt_blocks_free_all(bag);
}

/*
 * A free block's link (its head red zone) is overwritten: the allocation
 * that follows it reports the damage, drops the rest of that pool's free
 * list, and hands out no wild pointer, then or later.
 */
static void overwritten_free_list_link_is_reported(struct kunit *test)
{
	struct pt_blocks *bag = pt_blocks_new(test, 4096);
	unsigned int cls = PYMM_NR_CLASSES - 1, cap, start, i;
	size_t size = pt_class_size(cls);
	long long e0, e1;
	u8 *p4, *q, *next;
	unsigned long pool;

	need_debug(test);
	cap = pt_capacity(test, cls);
	pt_drain_class(test, bag, cls);
	start = bag->n;
	for (i = 0; i < cap; i++)
		pt_blocks_alloc(test, bag, size, GFP_KERNEL);
	pool = pt_page(bag->p[start]);
	KUNIT_ASSERT_EQ(test, pt_page(bag->p[start + cap - 1]), pool);
	p4 = bag->p[start + 4];
	pt_blocks_free(bag, start + 2);
	pt_blocks_free(bag, start + 4);
	pt_poke(p4 - PT_RZ, 0x41, sizeof(u64));

	e0 = err_count(test, TL_ERR_CORRUPTION);
	tl_expect_warn_begin("corruption=1");
	q = pymm_malloc(size, GFP_KERNEL);
	tl_expect_warn_end();
	pt_blocks_add(test, bag, q);
	e1 = err_count(test, TL_ERR_CORRUPTION);
	KUNIT_EXPECT_PTR_EQ(test, q, p4);
	KUNIT_EXPECT_EQ(test, e1, e0 + 1);

	/*
	 * The pool has no usable free block left and nothing to carve: the
	 * next block must come from another pool, whole and in its page.
	 */
	next = pt_blocks_alloc(test, bag, size, GFP_KERNEL);
	KUNIT_EXPECT_NE(test, pt_page(next), pool);
	KUNIT_EXPECT_EQ(test, pt_offset(next), pt_first(test));
	KUNIT_EXPECT_LE(test, pt_offset(next) + size + PT_RZ, PAGE_SIZE);
	pt_blocks_free_all(bag);
	KUNIT_EXPECT_EQ(test, err_count(test, TL_ERR_CORRUPTION), e1);
}

/* Both modes: any byte pattern within the usable size is fine. */
static void writes_within_usable_size_are_not_corruption(struct kunit *test)
{
	static const u8 fills[] = { 0x00, 0xff, POISON_FREE, POISON_INUSE, 0xfb };
	struct tl_summary s0, s1;
	unsigned int cls, i;

	pt_read_summary(test, &s0);
	for (cls = 0; cls < PYMM_NR_CLASSES; cls++) {
		for (i = 0; i < ARRAY_SIZE(fills); i++) {
			size_t size = pt_class_size(cls);
			u8 *p = pymm_malloc(size, GFP_KERNEL);

			KUNIT_ASSERT_NOT_NULL(test, p);
			memset(p, fills[i], size);
			pymm_free(p);
		}
	}
	pt_read_summary(test, &s1);
	for (i = TL_ERR_INVALID; i < TL_NR_SUM; i++)
		KUNIT_EXPECT_EQ_MSG(test, s1.v[i], s0.v[i], "%s", tl_sum_names[i]);
}

static struct kunit_case pymm_debug_cases[] = {
	KUNIT_CASE(fresh_block_is_filled_with_poison_inuse),
	KUNIT_CASE(freed_block_is_filled_with_poison_free),
	KUNIT_CASE(tail_red_zone_overflow_is_reported_at_free),
	KUNIT_CASE(head_red_zone_underflow_is_reported_at_free),
	KUNIT_CASE(red_zone_damage_is_reported_by_usable_size),
	KUNIT_CASE(write_after_free_is_reported_at_next_allocation),
	KUNIT_CASE(any_double_free_is_caught),
	KUNIT_CASE(overwritten_free_list_link_is_reported),
	KUNIT_CASE(writes_within_usable_size_are_not_corruption),
	{}
};

static struct kunit_suite pymm_debug_suite = {
	.name = "pymm_debug",
	.init = pt_pin_cpu,
	.test_cases = pymm_debug_cases,
};

kunit_test_suites(&pymm_debug_suite);
