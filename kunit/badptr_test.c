// SPDX-License-Identifier: GPL-2.0
/*
 * pymm_badptr: pointers pymm must refuse.  pymm_free(), pymm_realloc() and
 * pymm_usable_size() of a pointer pymm never returned (kmalloc'd, stack,
 * global, a never-carved slot, a free pool, a foreign page that looks like
 * a pool), of a pointer into the middle of a block, and a double free of
 * the block most recently freed into its pool.  Each is counted in the
 * summary's err_* row, and nothing changes: the blocks involved keep their
 * contents and stay usable, the classes counters do not move.
 *
 * Every such call may WARN (once per kind and load), so it is wrapped in
 * the pymm-expect-warn markers.
 */
#include <linux/gfp.h>
#include <linux/slab.h>

#include "pymm_test.h"

/* Error counters and block counts, before and after a refused call. */
struct snap {
	struct tl_summary s;
	struct pt_classes *c;
};

static void snap_take(struct kunit *test, struct snap *sn)
{
	if (!sn->c) {
		sn->c = kunit_kzalloc(test, sizeof(*sn->c), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, sn->c);
	}
	pt_read_summary(test, &sn->s);
	pt_read_classes(test, sn->c);
}

/*
 * @after differs from @before only by @n[i] in error counter i (indexed
 * from TL_ERR_INVALID): no class counter, block count or byte count moved.
 */
static void expect_only_errors(struct kunit *test, const struct snap *before,
			       const struct snap *after, const int n[4])
{
	unsigned int i;

	for (i = 0; i < TL_NR_SUM; i++) {
		long long d = i >= TL_ERR_INVALID ? n[i - TL_ERR_INVALID] : 0;

		KUNIT_EXPECT_EQ_MSG(test, after->s.v[i], before->s.v[i] + d,
				    "summary %s", tl_sum_names[i]);
	}
	for (i = 0; i < PYMM_NR_CLASSES; i++) {
		const struct pt_class_row *x = &before->c->c[i];
		const struct pt_class_row *y = &after->c->c[i];

		KUNIT_EXPECT_EQ_MSG(test, y->allocs, x->allocs, "class %u", i);
		KUNIT_EXPECT_EQ_MSG(test, y->frees, x->frees, "class %u", i);
		KUNIT_EXPECT_EQ_MSG(test, y->pools, x->pools, "class %u", i);
	}
}

static const int invalid1[4] = { 1, 0, 0, 0 };

/*
 * One call each that pymm must refuse as "not a live block", each in an
 * expect-WARN window of its own.
 */
static void refused_free(const void *p)
{
	tl_expect_warn_begin("invalid=1");
	pymm_free(p);
	tl_expect_warn_end();
}

static size_t refused_usable_size(const void *p)
{
	size_t usable;

	tl_expect_warn_begin("invalid=1");
	usable = pymm_usable_size(p);
	tl_expect_warn_end();
	return usable;
}

static void *refused_realloc(void *p, size_t size)
{
	void *q;

	tl_expect_warn_begin("invalid=1");
	q = pymm_realloc(p, size, GFP_KERNEL);
	tl_expect_warn_end();
	return q;
}

/* All three entry points refuse @p: err_invalid += 3. */
static void refuse_everywhere(struct kunit *test, const void *p)
{
	size_t usable;
	void *q;

	refused_free(p);
	usable = refused_usable_size(p);
	q = refused_realloc((void *)p, 64);
	KUNIT_EXPECT_EQ(test, usable, 0);
	KUNIT_EXPECT_NULL(test, q);
	if (q)
		pymm_free(q);
}

static void kmalloc_pointer_is_refused_and_left_alone(struct kunit *test)
{
	static const size_t sizes[] = { 64, 1024, PAGE_SIZE };
	static const int invalid3[4] = { 3, 0, 0, 0 };
	struct snap s0 = {}, s1 = {};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		u8 *k = kmalloc(sizes[i], GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, k);
		pt_fill_pattern(k, sizes[i], i);
		snap_take(test, &s0);
		refuse_everywhere(test, k);
		snap_take(test, &s1);
		expect_only_errors(test, &s0, &s1, invalid3);
		/* Not freed behind our back, not written to. */
		KUNIT_EXPECT_EQ_MSG(test, pt_check_pattern(k, sizes[i], i), -1,
				    "kmalloc(%zu) was touched", sizes[i]);
		KUNIT_EXPECT_EQ(test, ksize(k), kmalloc_size_roundup(sizes[i]));
		kfree(k);
	}
}

static u64 global_word = 0x1122334455667788ULL;

static void stack_and_global_addresses_are_refused(struct kunit *test)
{
	static const int invalid2[4] = { 2, 0, 0, 0 };
	u64 local = 0x8877665544332211ULL;
	struct snap s0 = {}, s1 = {};

	snap_take(test, &s0);
	refused_free(&local);
	refused_free(&global_word);
	snap_take(test, &s1);
	expect_only_errors(test, &s0, &s1, invalid2);
	KUNIT_EXPECT_EQ(test, local, 0x8877665544332211ULL);
	KUNIT_EXPECT_EQ(test, global_word, 0x1122334455667788ULL);
}

/* The slot after the only block of a fresh pool was never handed out. */
static void never_carved_slot_of_a_pool_is_refused(struct kunit *test)
{
	static const int invalid3[4] = { 3, 0, 0, 0 };
	struct pt_blocks *bag = pt_blocks_new(test, 4096);
	struct snap s0 = {}, s1 = {};
	unsigned int cls = 12, stride = pt_stride(test, cls);
	u8 *x, *y;

	pt_drain_class(test, bag, cls);
	x = pt_blocks_alloc(test, bag, pt_class_size(cls), GFP_KERNEL);
	KUNIT_ASSERT_EQ(test, pt_offset(x), pt_first(test));
	pt_fill_pattern(x, pt_class_size(cls), 3);

	snap_take(test, &s0);
	refuse_everywhere(test, x + stride);
	snap_take(test, &s1);
	expect_only_errors(test, &s0, &s1, invalid3);
	KUNIT_EXPECT_EQ(test, pt_check_pattern(x, pt_class_size(cls), 3), -1);
	KUNIT_EXPECT_EQ(test, pymm_usable_size(x), pt_class_size(cls));
	/* The pool is intact: the refused slot is simply carved next. */
	y = pt_blocks_alloc(test, bag, pt_class_size(cls), GFP_KERNEL);
	KUNIT_EXPECT_PTR_EQ(test, y, x + stride);
	pt_blocks_free_all(bag);
}

/* A pointer into a pool that went back to its (still live) arena. */
static void pointer_into_a_free_pool_is_refused(struct kunit *test)
{
	static const int invalid3[4] = { 3, 0, 0, 0 };
	struct pt_blocks *bag = pt_blocks_new(test, 4096);
	struct snap s0 = {}, s1 = {};
	u8 *x, before[16], after[16];

	x = pt_pool_with_anchor(test, bag, 40);
	/* x was its pool's only block: the pool is free now. */
	pt_blocks_free(bag, bag->n - 1);
	pt_peek(before, x, sizeof(before));

	snap_take(test, &s0);
	refuse_everywhere(test, x);
	snap_take(test, &s1);
	expect_only_errors(test, &s0, &s1, invalid3);
	pt_peek(after, x, sizeof(after));
	KUNIT_EXPECT_MEMEQ(test, after, before, sizeof(before));
	pt_blocks_free_all(bag);
}

/*
 * A foreign page filled with a copy of a real pool page, words that point
 * into the real page rebased into the copy (free-list links are encoded, so
 * they are copied as they are): it looks like a pool but is not one.  Nothing in
 * it may be freed, sized or written, and the real pool must be untouched.
 */
static void check_lookalike(struct kunit *test, u8 *fake)
{
	struct pt_blocks *bag = pt_blocks_new(test, 4096);
	unsigned int cls = 5, size = pt_class_size(cls);
	unsigned int stride = pt_stride(test, cls), first = pt_first(test);
	struct snap s0 = {}, s1 = {};
	unsigned int i, start, n = 0;
	int errs[4] = { 0 };
	u8 *real, *copy;
	void *got[3];

	copy = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, copy);
	pt_drain_class(test, bag, cls);
	start = bag->n;
	for (i = 0; i < 10; i++)
		pt_fill_pattern(pt_blocks_alloc(test, bag, size, GFP_KERNEL),
				size, i);
	real = (u8 *)pt_page(bag->p[start]);
	pt_blocks_free(bag, start + 2);
	pt_blocks_free(bag, start + 5);
	pt_blocks_free(bag, start + 7);

	pt_peek(fake, real, PAGE_SIZE);
	for (i = 0; i + sizeof(long) <= PAGE_SIZE; i += sizeof(long)) {
		unsigned long *w = (unsigned long *)(fake + i);

		if (*w >= (unsigned long)real &&
		    *w < (unsigned long)real + PAGE_SIZE)
			*w += fake - real;
	}
	memcpy(copy, fake, PAGE_SIZE);

	snap_take(test, &s0);
	for (i = 0; i < 10; i++) {
		u8 *p = fake + first + i * stride;
		void *q;

		refused_free(p);
		KUNIT_EXPECT_EQ(test, refused_usable_size(p), 0);
		q = refused_realloc(p, 2 * size);
		KUNIT_EXPECT_NULL(test, q);
		pymm_free(q);
		n += 3;
	}
	/* Its first byte, like a pool's, and a large-block size. */
	refused_free(fake);
	KUNIT_EXPECT_EQ(test, refused_usable_size(fake + 1024), 0);
	n += 2;
	snap_take(test, &s1);
	errs[0] = n;
	expect_only_errors(test, &s0, &s1, errs);
	KUNIT_EXPECT_MEMEQ(test, fake, copy, PAGE_SIZE);

	/* The real pool: its free list is still 7, 5, 2. */
	for (i = 0; i < ARRAY_SIZE(got); i++) {
		got[i] = pymm_malloc(size, GFP_KERNEL);
		pt_blocks_add(test, bag, got[i]);
	}
	KUNIT_EXPECT_PTR_EQ(test, got[0], real + first + 7 * stride);
	KUNIT_EXPECT_PTR_EQ(test, got[1], real + first + 5 * stride);
	KUNIT_EXPECT_PTR_EQ(test, got[2], real + first + 2 * stride);
	for (i = 0; i < 10; i++)
		if (i != 2 && i != 5 && i != 7)
			KUNIT_EXPECT_EQ(test,
					pt_check_pattern(bag->p[start + i], size, i),
					-1);
	pt_blocks_free_all(bag);
}

static void lookalike_page_from_page_allocator_is_refused(struct kunit *test)
{
	struct page *page = alloc_page(GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, page);
	check_lookalike(test, page_address(page));
	__free_page(page);
}

static void lookalike_kmalloc_page_is_refused_not_kfreed(struct kunit *test)
{
	u8 *fake = kmalloc(PAGE_SIZE, GFP_KERNEL);
	struct tl_summary s0, s1;

	KUNIT_ASSERT_NOT_NULL(test, fake);
	KUNIT_EXPECT_EQ(test, pt_offset(fake), 0);
	pt_read_summary(test, &s0);
	check_lookalike(test, fake);
	pt_read_summary(test, &s1);
	/* pymm did not take it for one of its large blocks either. */
	KUNIT_EXPECT_EQ(test, s1.v[TL_LARGE_ALLOCS], s0.v[TL_LARGE_ALLOCS]);
	KUNIT_EXPECT_EQ(test, s1.v[TL_LARGE_BYTES], s0.v[TL_LARGE_BYTES]);
	KUNIT_EXPECT_EQ(test, ksize(fake), PAGE_SIZE);
	kfree(fake);
}

static void middle_of_small_block_is_refused(struct kunit *test)
{
	static const int middle5[4] = { 0, 5, 0, 0 };
	struct snap s0 = {}, s1 = {};
	size_t usable;
	u8 *p;
	void *q;

	p = pymm_malloc(64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	pt_fill_pattern(p, 64, 9);
	snap_take(test, &s0);
	tl_expect_warn_begin("middle=5");
	pymm_free(p + 8);
	pymm_free(p + 1);
	pymm_free(p + 63);
	usable = pymm_usable_size(p + 32);
	q = pymm_realloc(p + 16, 100, GFP_KERNEL);
	tl_expect_warn_end();
	snap_take(test, &s1);
	KUNIT_EXPECT_EQ(test, usable, 0);
	KUNIT_EXPECT_NULL(test, q);
	pymm_free(q);
	expect_only_errors(test, &s0, &s1, middle5);
	KUNIT_EXPECT_EQ(test, pt_check_pattern(p, 64, 9), -1);
	KUNIT_EXPECT_EQ(test, pymm_usable_size(p), 64);
	pymm_free(p);
	snap_take(test, &s1);
	KUNIT_EXPECT_EQ(test, s1.c->c[7].frees, s0.c->c[7].frees + 1);
}

static void middle_of_large_block_is_refused(struct kunit *test)
{
	static const int middle3[4] = { 0, 3, 0, 0 };
	struct snap s0 = {}, s1 = {};
	size_t usable;
	u8 *p;
	void *q;

	p = pymm_malloc(2000, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	pt_fill_pattern(p, 2000, 4);
	snap_take(test, &s0);
	tl_expect_warn_begin("middle=3");
	pymm_free(p + 16);
	usable = pymm_usable_size(p + 8);
	q = pymm_realloc(p + 256, 3000, GFP_KERNEL);
	tl_expect_warn_end();
	snap_take(test, &s1);
	KUNIT_EXPECT_EQ(test, usable, 0);
	KUNIT_EXPECT_NULL(test, q);
	pymm_free(q);
	expect_only_errors(test, &s0, &s1, middle3);
	KUNIT_EXPECT_EQ(test, pt_check_pattern(p, 2000, 4), -1);
	KUNIT_EXPECT_EQ(test, pymm_usable_size(p), kmalloc_size_roundup(2000));
	pymm_free(p);
	snap_take(test, &s1);
	KUNIT_EXPECT_EQ(test, s1.s.v[TL_LARGE_ALLOCS], s0.s.v[TL_LARGE_ALLOCS] - 1);
}

static void double_free_of_last_freed_block_is_caught(struct kunit *test)
{
	static const int double1[4] = { 0, 0, 1, 0 };
	struct pt_blocks *bag = pt_blocks_new(test, 4096);
	struct snap s0 = {}, s1 = {};
	unsigned int cls = 2, start;
	void *t, *again, *next;

	pt_drain_class(test, bag, cls);
	start = bag->n;
	pt_blocks_alloc(test, bag, 24, GFP_KERNEL);	/* keeps the pool */
	t = pt_blocks_alloc(test, bag, 24, GFP_KERNEL);
	KUNIT_ASSERT_EQ(test, pt_page(t), pt_page(bag->p[start]));
	pt_blocks_free(bag, start + 1);

	snap_take(test, &s0);
	tl_expect_warn_begin("double_free=1");
	pymm_free(t);
	tl_expect_warn_end();
	snap_take(test, &s1);
	expect_only_errors(test, &s0, &s1, double1);

	/* t is on the free list once: it comes back once. */
	again = pymm_malloc(24, GFP_KERNEL);
	pt_blocks_add(test, bag, again);
	next = pymm_malloc(24, GFP_KERNEL);
	pt_blocks_add(test, bag, next);
	KUNIT_EXPECT_PTR_EQ(test, again, t);
	KUNIT_EXPECT_PTR_NE(test, next, t);
	pt_blocks_free_all(bag);
}

/* A large block freed twice is "not a live block": err_invalid. */
static void double_free_of_large_block_is_refused(struct kunit *test)
{
	struct snap s0 = {}, s1 = {};
	void *p;

	p = pymm_malloc(3000, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	pymm_free(p);
	snap_take(test, &s0);
	refused_free(p);
	snap_take(test, &s1);
	expect_only_errors(test, &s0, &s1, invalid1);
}

static struct kunit_case pymm_badptr_cases[] = {
	KUNIT_CASE(kmalloc_pointer_is_refused_and_left_alone),
	KUNIT_CASE(stack_and_global_addresses_are_refused),
	KUNIT_CASE(never_carved_slot_of_a_pool_is_refused),
	KUNIT_CASE(pointer_into_a_free_pool_is_refused),
	KUNIT_CASE(lookalike_page_from_page_allocator_is_refused),
	KUNIT_CASE(lookalike_kmalloc_page_is_refused_not_kfreed),
	KUNIT_CASE(middle_of_small_block_is_refused),
	KUNIT_CASE(middle_of_large_block_is_refused),
	KUNIT_CASE(double_free_of_last_freed_block_is_caught),
	KUNIT_CASE(double_free_of_large_block_is_refused),
	{}
};

static struct kunit_suite pymm_badptr_suite = {
	.name = "pymm_badptr",
	.init = pt_pin_cpu,
	.test_cases = pymm_badptr_cases,
};

kunit_test_suites(&pymm_badptr_suite);
