// SPDX-License-Identifier: GPL-2.0
/*
 * pymm_alloc: the basic contract of pymm_malloc(), pymm_zalloc(),
 * pymm_free() and pymm_usable_size(): which class a size maps to, block
 * alignment and usable size, the kmalloc path above 512 bytes, size 0,
 * NULL and ZERO_SIZE_PTR, zeroing, refused zone modifiers, and that many
 * live blocks are distinct, disjoint and keep their contents.
 *
 * pymm_realloc: NULL and 0 arguments, in-place growth and shrinking,
 * moves across classes and to and from large sizes, contents kept and
 * __GFP_ZERO tails.
 */
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "pymm_test.h"

static const size_t small_sizes[] = { 1, 8, 9, 511, 512 };

static void size_desc(const size_t *size, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "size %zu", *size);
}

KUNIT_ARRAY_PARAM(small_sizes, small_sizes, size_desc);

/* 1, 8, 9, 511, 512: rounded up to a multiple of 8, 8-aligned, whole. */
static void small_size_rounds_up_to_its_class(struct kunit *test)
{
	size_t size = *(const size_t *)test->param_value;
	size_t want = round_up(size, PYMM_ALIGN);
	unsigned int cls = pt_size_class(size);
	struct pt_classes *before, *after;
	u8 *p;

	before = kunit_kzalloc(test, sizeof(*before), GFP_KERNEL);
	after = kunit_kzalloc(test, sizeof(*after), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, before);
	KUNIT_ASSERT_NOT_NULL(test, after);

	pt_read_classes(test, before);
	p = pymm_malloc(size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	KUNIT_EXPECT_EQ(test, (unsigned long)p % PYMM_ALIGN, 0);
	KUNIT_EXPECT_EQ(test, pymm_usable_size(p), want);
	KUNIT_EXPECT_EQ(test, pt_class_size(cls), want);
	/* The whole usable size is ours. */
	pt_fill_pattern(p, want, size);
	KUNIT_EXPECT_EQ(test, pt_check_pattern(p, want, size), -1);
	pt_read_classes(test, after);
	pymm_free(p);

	KUNIT_EXPECT_EQ(test, after->c[cls].allocs, before->c[cls].allocs + 1);
	KUNIT_EXPECT_EQ(test, after->c[cls].inuse, before->c[cls].inuse + 1);
	KUNIT_EXPECT_EQ(test, after->c[cls].size, want);
	KUNIT_EXPECT_EQ(test, after->total.allocs, before->total.allocs + 1);
}

static void size_513_is_served_by_kmalloc(struct kunit *test)
{
	struct tl_summary s0, s1, s2;
	size_t usable;
	void *p;

	pt_read_summary(test, &s0);
	p = pymm_malloc(513, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	usable = pymm_usable_size(p);
	KUNIT_EXPECT_EQ(test, usable, ksize(p));
	KUNIT_EXPECT_EQ(test, usable, kmalloc_size_roundup(513));
	KUNIT_EXPECT_GE(test, usable, 513);
	KUNIT_EXPECT_EQ(test, (unsigned long)p % PYMM_ALIGN, 0);
	pt_fill_pattern(p, usable, 5);
	pt_read_summary(test, &s1);
	KUNIT_EXPECT_EQ(test, pt_check_pattern(p, usable, 5), -1);
	pymm_free(p);
	pt_read_summary(test, &s2);

	KUNIT_EXPECT_EQ(test, s1.v[TL_LARGE_ALLOCS], s0.v[TL_LARGE_ALLOCS] + 1);
	KUNIT_EXPECT_EQ(test, s1.v[TL_LARGE_BYTES],
			s0.v[TL_LARGE_BYTES] + (long long)usable);
	/* No small block was involved. */
	KUNIT_EXPECT_EQ(test, s1.v[TL_BYTES_ROUNDED], s0.v[TL_BYTES_ROUNDED]);
	KUNIT_EXPECT_EQ(test, s1.v[TL_BLOCKS_INUSE], s0.v[TL_BLOCKS_INUSE]);
	KUNIT_EXPECT_EQ(test, s2.v[TL_LARGE_ALLOCS], s0.v[TL_LARGE_ALLOCS]);
	KUNIT_EXPECT_EQ(test, s2.v[TL_LARGE_BYTES], s0.v[TL_LARGE_BYTES]);
}

/* 8k + 1 and 8k + 8 both land in class k, for all 64 classes. */
static void every_class_boundary_maps_to_its_class(struct kunit *test)
{
	struct pt_blocks *b = pt_blocks_new(test, 2 * PYMM_NR_CLASSES);
	struct pt_classes *before, *after;
	unsigned int cls;

	before = kunit_kzalloc(test, sizeof(*before), GFP_KERNEL);
	after = kunit_kzalloc(test, sizeof(*after), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, before);
	KUNIT_ASSERT_NOT_NULL(test, after);

	pt_read_classes(test, before);
	for (cls = 0; cls < PYMM_NR_CLASSES; cls++) {
		size_t lo = cls * PYMM_ALIGN + 1, hi = pt_class_size(cls);
		void *a = pt_blocks_alloc(test, b, lo, GFP_KERNEL);
		void *z = pt_blocks_alloc(test, b, hi, GFP_KERNEL);

		KUNIT_EXPECT_EQ_MSG(test, pymm_usable_size(a), hi, "size %zu", lo);
		KUNIT_EXPECT_EQ_MSG(test, pymm_usable_size(z), hi, "size %zu", hi);
		KUNIT_EXPECT_EQ(test, (unsigned long)a % PYMM_ALIGN, 0);
		KUNIT_EXPECT_EQ(test, (unsigned long)z % PYMM_ALIGN, 0);
	}
	pt_read_classes(test, after);
	for (cls = 0; cls < PYMM_NR_CLASSES; cls++) {
		KUNIT_EXPECT_TRUE(test, after->c[cls].present);
		KUNIT_EXPECT_EQ_MSG(test, after->c[cls].allocs,
				    before->c[cls].allocs + 2, "class %u", cls);
		KUNIT_EXPECT_EQ_MSG(test, after->c[cls].inuse,
				    before->c[cls].inuse + 2, "class %u", cls);
		KUNIT_EXPECT_EQ(test, after->c[cls].size, pt_class_size(cls));
	}
	pt_blocks_free_all(b);
	pt_read_classes(test, after);
	for (cls = 0; cls < PYMM_NR_CLASSES; cls++)
		KUNIT_EXPECT_EQ_MSG(test, after->c[cls].frees,
				    before->c[cls].frees + 2, "class %u", cls);
}

static void zero_size_returns_zero_size_ptr(struct kunit *test)
{
	struct tl_summary s0, s1;

	pt_read_summary(test, &s0);
	KUNIT_EXPECT_PTR_EQ(test, pymm_malloc(0, GFP_KERNEL), ZERO_SIZE_PTR);
	KUNIT_EXPECT_PTR_EQ(test, pymm_zalloc(0, GFP_KERNEL), ZERO_SIZE_PTR);
	KUNIT_EXPECT_PTR_EQ(test, pymm_malloc(0, GFP_ATOMIC), ZERO_SIZE_PTR);
	pt_read_summary(test, &s1);
	KUNIT_EXPECT_EQ(test, s1.v[TL_BYTES_ROUNDED], s0.v[TL_BYTES_ROUNDED]);
	KUNIT_EXPECT_EQ(test, s1.v[TL_LARGE_ALLOCS], s0.v[TL_LARGE_ALLOCS]);
}

static void free_of_null_and_zero_size_ptr_does_nothing(struct kunit *test)
{
	struct tl_summary s0, s1;
	int i;

	pt_read_summary(test, &s0);
	pymm_free(NULL);
	pymm_free(ZERO_SIZE_PTR);
	pt_read_summary(test, &s1);
	for (i = 0; i < TL_NR_SUM; i++)
		KUNIT_EXPECT_EQ_MSG(test, s1.v[i], s0.v[i], "%s", tl_sum_names[i]);
}

static void usable_size_of_null_and_zero_size_ptr_is_zero(struct kunit *test)
{
	struct tl_summary s0, s1;
	int i;

	pt_read_summary(test, &s0);
	KUNIT_EXPECT_EQ(test, pymm_usable_size(NULL), 0);
	KUNIT_EXPECT_EQ(test, pymm_usable_size(ZERO_SIZE_PTR), 0);
	pt_read_summary(test, &s1);
	for (i = TL_ERR_INVALID; i < TL_NR_SUM; i++)
		KUNIT_EXPECT_EQ_MSG(test, s1.v[i], s0.v[i], "%s", tl_sum_names[i]);
}

static const size_t zero_sizes[] = { 1, 24, 100, 512, 700, 3000 };

KUNIT_ARRAY_PARAM(zero_sizes, zero_sizes, size_desc);

/*
 * Dirty a block of the size's class and free it, so that the zeroed
 * allocation most likely gets the same memory back (LIFO), then check the
 * whole usable size, not just the requested bytes.
 */
static void check_zeroed(struct kunit *test, bool zalloc)
{
	size_t size = *(const size_t *)test->param_value, usable, i;
	u8 *p, *dirty;

	p = pymm_malloc(size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	memset(p, 0xa5, pymm_usable_size(p));
	pymm_free(p);
	dirty = p;

	if (zalloc)
		p = pymm_zalloc(size, GFP_KERNEL);
	else
		p = pymm_malloc(size, GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	/*
	 * pymm's free lists are LIFO: the dirty block comes back (kmalloc,
	 * for large blocks, promises no such thing).
	 */
	if (size <= PYMM_SMALL_MAX)
		KUNIT_EXPECT_PTR_EQ(test, p, dirty);
	usable = pymm_usable_size(p);
	KUNIT_EXPECT_GE(test, usable, size);
	for (i = 0; i < usable; i++)
		if (p[i])
			break;
	KUNIT_EXPECT_EQ_MSG(test, i, usable, "byte %zu is %#x", i,
			    i < usable ? p[i] : 0);
	pymm_free(p);
}

static void zalloc_zeroes_whole_usable_size(struct kunit *test)
{
	check_zeroed(test, true);
}

static void gfp_zero_zeroes_whole_usable_size(struct kunit *test)
{
	check_zeroed(test, false);
}

struct pt_rec {
	void *p;
	size_t usable;
	unsigned int seed;
};

static int pt_rec_cmp(const void *a, const void *b)
{
	const struct pt_rec *x = a, *y = b;

	if (x->p == y->p)
		return 0;
	return x->p < y->p ? -1 : 1;
}

#define MANY	10000

/* 10000 live blocks of mixed sizes: distinct, disjoint, contents intact. */
static void many_blocks_are_distinct_disjoint_and_intact(struct kunit *test)
{
	struct pt_blocks *b = pt_blocks_new(test, MANY);
	struct tl_summary s0, s1;
	struct rnd_state rnd;
	struct pt_rec *rec;
	unsigned int i, bad = 0, large = 0;

	rec = kvcalloc(MANY, sizeof(*rec), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, rec);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, pt_kvfree_action,
							rec), 0);
	prandom_seed_state(&rnd, 0x9e3779b97f4a7c15ULL);

	pt_read_summary(test, &s0);
	for (i = 0; i < MANY; i++) {
		u32 r = prandom_u32_state(&rnd);
		/* One in 16 is large (up to 4 KiB), the rest small. */
		size_t size = r % 16 ? 1 + (r >> 8) % PYMM_SMALL_MAX :
				       PYMM_SMALL_MAX + 1 + (r >> 8) % 3584;

		rec[i].p = pt_blocks_alloc(test, b, size, GFP_KERNEL);
		rec[i].usable = pymm_usable_size(rec[i].p);
		rec[i].seed = i;
		large += size > PYMM_SMALL_MAX;
		KUNIT_ASSERT_GE(test, rec[i].usable, size);
		KUNIT_EXPECT_EQ(test, (unsigned long)rec[i].p % PYMM_ALIGN, 0);
		pt_fill_pattern(rec[i].p, rec[i].usable, i);
	}
	pt_read_summary(test, &s1);
	KUNIT_EXPECT_EQ(test, s1.v[TL_BLOCKS_INUSE] + s1.v[TL_LARGE_ALLOCS],
			s0.v[TL_BLOCKS_INUSE] + s0.v[TL_LARGE_ALLOCS] + MANY);
	KUNIT_EXPECT_EQ(test, s1.v[TL_LARGE_ALLOCS],
			s0.v[TL_LARGE_ALLOCS] + large);

	/* Every block still holds what was written into it... */
	for (i = 0; i < MANY; i++)
		if (pt_check_pattern(rec[i].p, rec[i].usable, rec[i].seed) >= 0)
			bad++;
	KUNIT_EXPECT_EQ_MSG(test, bad, 0, "%u blocks lost their contents", bad);

	/* ... and ends before the next one starts. */
	sort(rec, MANY, sizeof(*rec), pt_rec_cmp, NULL);
	bad = 0;
	for (i = 1; i < MANY; i++) {
		if (rec[i - 1].p + rec[i - 1].usable > rec[i].p) {
			if (!bad++)
				KUNIT_FAIL(test, "%p+%zu overlaps %p",
					   rec[i - 1].p, rec[i - 1].usable,
					   rec[i].p);
		}
	}
	KUNIT_EXPECT_EQ(test, bad, 0);

	pt_blocks_free_all(b);
	pt_read_summary(test, &s1);
	KUNIT_EXPECT_EQ(test, s1.v[TL_BLOCKS_INUSE], s0.v[TL_BLOCKS_INUSE]);
	KUNIT_EXPECT_EQ(test, s1.v[TL_LARGE_ALLOCS], s0.v[TL_LARGE_ALLOCS]);
	KUNIT_EXPECT_EQ(test, s1.v[TL_LARGE_BYTES], s0.v[TL_LARGE_BYTES]);
}

/*
 * A block and its neighbours in the pool keep their bytes while the class
 * and others go through a few thousand allocations and frees.
 */
static void contents_survive_other_allocations(struct kunit *test)
{
	struct pt_blocks *b = pt_blocks_new(test, 4096);
	struct rnd_state rnd;
	unsigned int i, round;
	u8 *keep[3];

	prandom_seed_state(&rnd, 7);
	for (i = 0; i < ARRAY_SIZE(keep); i++) {
		keep[i] = pymm_malloc(48, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, keep[i]);
		pt_fill_pattern(keep[i], 48, 100 + i);
	}
	for (round = 0; round < 4; round++) {
		for (i = 0; i < 1000; i++) {
			u32 r = prandom_u32_state(&rnd);
			/* Half of them in the same class as keep[]. */
			size_t size = r & 1 ? 41 + (r >> 1) % 8 :
					      1 + (r >> 1) % 1024;
			u8 *p = pt_blocks_alloc(test, b, size, GFP_KERNEL);

			memset(p, 0xff, size);
		}
		/* Free every other block, keep the rest until the end. */
		for (i = round & 1; i < b->n; i += 2)
			pt_blocks_free(b, i);
		for (i = 0; i < ARRAY_SIZE(keep); i++)
			KUNIT_EXPECT_EQ_MSG(test,
					    pt_check_pattern(keep[i], 48, 100 + i),
					    -1, "round %u block %u", round, i);
	}
	pt_blocks_free_all(b);
	for (i = 0; i < ARRAY_SIZE(keep); i++) {
		KUNIT_EXPECT_EQ(test, pt_check_pattern(keep[i], 48, 100 + i), -1);
		KUNIT_EXPECT_EQ(test, pymm_usable_size(keep[i]), 48);
		pymm_free(keep[i]);
	}
}

/* __GFP_DMA, __GFP_DMA32 and __GFP_HIGHMEM: NULL and nothing allocated. */
static void zone_modifiers_are_refused(struct kunit *test)
{
	static const gfp_t zones[] = { __GFP_DMA, __GFP_DMA32, __GFP_HIGHMEM };
	struct tl_summary s0, s1;
	unsigned int i;
	void *p[4];

	pt_read_summary(test, &s0);
	for (i = 0; i < ARRAY_SIZE(zones); i++) {
		gfp_t gfp = GFP_KERNEL | zones[i];

		tl_expect_warn_begin("gfp=4");
		p[0] = pymm_malloc(32, gfp);
		p[1] = pymm_malloc(2000, gfp);
		p[2] = pymm_zalloc(32, gfp);
		p[3] = pymm_realloc(NULL, 32, gfp);
		tl_expect_warn_end();
		KUNIT_EXPECT_NULL(test, p[0]);
		KUNIT_EXPECT_NULL(test, p[1]);
		KUNIT_EXPECT_NULL(test, p[2]);
		KUNIT_EXPECT_NULL(test, p[3]);
		/* Just in case: do not leak what should not exist. */
		pymm_free(p[0]);
		pymm_free(p[1]);
		pymm_free(p[2]);
		pymm_free(p[3]);
	}
	pt_read_summary(test, &s1);
	KUNIT_EXPECT_EQ(test, s1.v[TL_BYTES_ROUNDED], s0.v[TL_BYTES_ROUNDED]);
	KUNIT_EXPECT_EQ(test, s1.v[TL_LARGE_ALLOCS], s0.v[TL_LARGE_ALLOCS]);
}

static struct kunit_case pymm_alloc_cases[] = {
	KUNIT_CASE_PARAM(small_size_rounds_up_to_its_class,
			 small_sizes_gen_params),
	KUNIT_CASE(size_513_is_served_by_kmalloc),
	KUNIT_CASE(every_class_boundary_maps_to_its_class),
	KUNIT_CASE(zero_size_returns_zero_size_ptr),
	KUNIT_CASE(free_of_null_and_zero_size_ptr_does_nothing),
	KUNIT_CASE(usable_size_of_null_and_zero_size_ptr_is_zero),
	KUNIT_CASE_PARAM(zalloc_zeroes_whole_usable_size, zero_sizes_gen_params),
	KUNIT_CASE_PARAM(gfp_zero_zeroes_whole_usable_size,
			 zero_sizes_gen_params),
	KUNIT_CASE(many_blocks_are_distinct_disjoint_and_intact),
	KUNIT_CASE(contents_survive_other_allocations),
	KUNIT_CASE(zone_modifiers_are_refused),
	{}
};

static struct kunit_suite pymm_alloc_suite = {
	.name = "pymm_alloc",
	.init = pt_pin_cpu,
	.test_cases = pymm_alloc_cases,
};

/* realloc */

static void realloc_of_null_acts_as_malloc(struct kunit *test)
{
	void *p = pymm_realloc(NULL, 40, GFP_KERNEL);
	void *q = pymm_realloc(ZERO_SIZE_PTR, 700, GFP_KERNEL);

	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, p);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, q);
	KUNIT_EXPECT_EQ(test, pymm_usable_size(p), 40);
	KUNIT_EXPECT_EQ(test, pymm_usable_size(q), kmalloc_size_roundup(700));
	pymm_free(p);
	pymm_free(q);
	KUNIT_EXPECT_PTR_EQ(test, pymm_realloc(NULL, 0, GFP_KERNEL),
			    ZERO_SIZE_PTR);
}

static void realloc_to_zero_frees_and_returns_zero_size_ptr(struct kunit *test)
{
	struct tl_summary s0, s1;
	void *p, *q;

	pt_read_summary(test, &s0);
	p = pymm_malloc(64, GFP_KERNEL);
	q = pymm_malloc(1500, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_PTR_EQ(test, pymm_realloc(p, 0, GFP_KERNEL), ZERO_SIZE_PTR);
	KUNIT_EXPECT_PTR_EQ(test, pymm_realloc(q, 0, GFP_KERNEL), ZERO_SIZE_PTR);
	pt_read_summary(test, &s1);
	KUNIT_EXPECT_EQ(test, s1.v[TL_BLOCKS_INUSE], s0.v[TL_BLOCKS_INUSE]);
	KUNIT_EXPECT_EQ(test, s1.v[TL_LARGE_ALLOCS], s0.v[TL_LARGE_ALLOCS]);
	KUNIT_EXPECT_EQ(test, s1.v[TL_LARGE_BYTES], s0.v[TL_LARGE_BYTES]);
	KUNIT_EXPECT_EQ(test, s1.v[TL_ERR_INVALID], s0.v[TL_ERR_INVALID]);
}

/* realloc(p, n) == p, contents kept, for each (old, new) pair. */
static void expect_in_place(struct kunit *test, size_t old, size_t new)
{
	size_t keep = min(old, new);
	void *p, *q;

	p = pymm_malloc(old, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	pt_fill_pattern(p, old, old);
	q = pymm_realloc(p, new, GFP_KERNEL);
	KUNIT_EXPECT_PTR_EQ_MSG(test, q, p, "%zu -> %zu moved", old, new);
	if (!q) {
		pymm_free(p);
		return;
	}
	KUNIT_EXPECT_EQ(test, pt_check_pattern(q, keep, old), -1);
	KUNIT_EXPECT_GE(test, pymm_usable_size(q), new);
	pymm_free(q);
}

static void realloc_growth_within_usable_size_stays_in_place(struct kunit *test)
{
	expect_in_place(test, 10, 16);
	expect_in_place(test, 1, 8);
	expect_in_place(test, 505, 512);
	/* kmalloc-1k block: growth up to ksize() does not move. */
	expect_in_place(test, 600, kmalloc_size_roundup(600));
}

static void realloc_small_shrink_by_under_a_quarter_stays(struct kunit *test)
{
	expect_in_place(test, 64, 49);
	expect_in_place(test, 512, 385);
	expect_in_place(test, 104, 80);
	/* Large blocks that stay above 512 bytes never move. */
	expect_in_place(test, 4000, 600);
}

/* realloc(p, n) moves; contents kept up to min(old usable, n). */
static void expect_moved(struct kunit *test, size_t old, size_t new,
			 gfp_t gfp)
{
	struct tl_summary s0, s1;
	size_t old_usable;
	void *p, *q;

	p = pymm_malloc(old, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	old_usable = pymm_usable_size(p);
	pt_fill_pattern(p, old_usable, old);
	pt_read_summary(test, &s0);
	q = pymm_realloc(p, new, gfp);
	KUNIT_ASSERT_NOT_NULL_MSG(test, q, "%zu -> %zu failed", old, new);
	pt_read_summary(test, &s1);
	KUNIT_EXPECT_PTR_NE_MSG(test, q, p, "%zu -> %zu stayed", old, new);
	KUNIT_EXPECT_EQ_MSG(test, pt_check_pattern(q, min(old_usable, new), old),
			    -1, "%zu -> %zu lost contents", old, new);
	if (new <= PYMM_SMALL_MAX)
		KUNIT_EXPECT_EQ(test, pymm_usable_size(q), round_up(new, 8));
	else
		KUNIT_EXPECT_EQ(test, pymm_usable_size(q),
				kmalloc_size_roundup(new));
	/* The old block was freed: one live block before and after. */
	KUNIT_EXPECT_EQ(test, s1.v[TL_BLOCKS_INUSE] + s1.v[TL_LARGE_ALLOCS],
			s0.v[TL_BLOCKS_INUSE] + s0.v[TL_LARGE_ALLOCS]);
	KUNIT_EXPECT_EQ(test, s1.v[TL_LARGE_ALLOCS] - s0.v[TL_LARGE_ALLOCS],
			(new > PYMM_SMALL_MAX) - (old > PYMM_SMALL_MAX));
	pymm_free(q);
}

static void realloc_shrink_by_over_a_quarter_moves(struct kunit *test)
{
	expect_moved(test, 64, 40, GFP_KERNEL);
	expect_moved(test, 512, 100, GFP_KERNEL);
}

static void realloc_across_classes_moves_and_keeps_contents(struct kunit *test)
{
	expect_moved(test, 16, 100, GFP_KERNEL);
	expect_moved(test, 100, 300, GFP_KERNEL);
	expect_moved(test, 8, 512, GFP_KERNEL);
}

static void realloc_small_to_large_moves_and_keeps_contents(struct kunit *test)
{
	expect_moved(test, 300, 2000, GFP_KERNEL);
	expect_moved(test, 512, 513, GFP_KERNEL);
}

static void realloc_large_to_small_moves_and_keeps_contents(struct kunit *test)
{
	expect_moved(test, 2000, 100, GFP_KERNEL);
	expect_moved(test, 513, 512, GFP_KERNEL);
}

static void realloc_large_to_larger_moves_and_keeps_contents(struct kunit *test)
{
	expect_moved(test, 1000, 5000, GFP_KERNEL);
}

static void realloc_with_gfp_zero_zeroes_past_new_size(struct kunit *test)
{
	u8 *p, *q;
	size_t i;

	p = pymm_malloc(100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0xff, 104);
	/* In place: bytes from 80 up to the usable size become zero. */
	q = pymm_realloc(p, 80, GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_PTR_EQ(test, q, p);
	KUNIT_EXPECT_NULL(test, memchr_inv(q, 0xff, 80));
	/* The tail is past the requested size: claim it before reading. */
	KUNIT_EXPECT_EQ(test, pymm_usable_size(q), 104);
	KUNIT_EXPECT_NULL(test, memchr_inv(q + 80, 0, 24));
	/* Moved: the copied 104 bytes, then zeroes to the usable size. */
	p = pymm_realloc(q, 300, GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, p);
	if (p == q) {
		pymm_free(p);
		KUNIT_FAIL_AND_ABORT(test, "104 -> 300 did not move");
	}
	KUNIT_EXPECT_EQ(test, pymm_usable_size(p), 304);
	KUNIT_EXPECT_NULL(test, memchr_inv(p, 0xff, 80));
	for (i = 80; i < 304; i++)
		if (p[i])
			break;
	KUNIT_EXPECT_EQ(test, i, 304);
	pymm_free(p);
}

static struct kunit_case pymm_realloc_cases[] = {
	KUNIT_CASE(realloc_of_null_acts_as_malloc),
	KUNIT_CASE(realloc_to_zero_frees_and_returns_zero_size_ptr),
	KUNIT_CASE(realloc_growth_within_usable_size_stays_in_place),
	KUNIT_CASE(realloc_small_shrink_by_under_a_quarter_stays),
	KUNIT_CASE(realloc_shrink_by_over_a_quarter_moves),
	KUNIT_CASE(realloc_across_classes_moves_and_keeps_contents),
	KUNIT_CASE(realloc_small_to_large_moves_and_keeps_contents),
	KUNIT_CASE(realloc_large_to_small_moves_and_keeps_contents),
	KUNIT_CASE(realloc_large_to_larger_moves_and_keeps_contents),
	KUNIT_CASE(realloc_with_gfp_zero_zeroes_past_new_size),
	{}
};

static struct kunit_suite pymm_realloc_suite = {
	.name = "pymm_realloc",
	.init = pt_pin_cpu,
	.test_cases = pymm_realloc_cases,
};

kunit_test_suites(&pymm_alloc_suite, &pymm_realloc_suite);
