// SPDX-License-Identifier: GPL-2.0
/*
 * pymm_freelist: the free lists of pools (mod/class.c, mod/cpu.c).
 *
 * A free of a block that is on one of its pool's free lists is a double
 * free, at any depth and on any CPU: on the private list of the CPU that
 * owns the pool (freed again there, or on another CPU), or on the pool's
 * shared list.  pymm_free(), pymm_usable_size() and pymm_realloc() refuse
 * it, count it in err_double_free, and the block is handed out once
 * afterwards.  A live block whose first word is 0 or a pointer is freed
 * normally.  A damaged private list (a cycle) is cut, not walked forever,
 * when its pool is handed back.  The pool of the smallest class is carved
 * up to the end of its page, and no further.
 *
 * The cases that need a second CPU run their steps on CPUs 0 and 1 with
 * work_on_cpu() and skip on a uniprocessor (UML); the others run on the
 * CPU they started on.  Every call expected to WARN is wrapped in the
 * pymm-expect-warn markers.
 */
#include <linux/cpumask.h>
#include <linux/workqueue.h>

#include "pymm_test.h"

#define FL_CLASS	3	/* 32-byte blocks */
#define FL_MAX		(PAGE_SIZE / PYMM_ALIGN)

/* What a step run on a given CPU works on. */
struct fl_step {
	size_t size;
	unsigned int n;
	void *blk[FL_MAX];
	size_t usable[4];
	void *moved[4];
};

static struct fl_step *fl_step_new(struct kunit *test)
{
	struct fl_step *st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, st);
	st->size = pt_class_size(FL_CLASS);
	return st;
}

static long fl_alloc_step(void *arg)
{
	struct fl_step *st = arg;
	unsigned int i;

	for (i = 0; i < st->n; i++) {
		st->blk[i] = pymm_malloc(st->size, GFP_KERNEL);
		if (!st->blk[i])
			return -ENOMEM;
	}
	return 0;
}

/* Free blk[0], blk[1], ... in that order. */
static long fl_free_step(void *arg)
{
	struct fl_step *st = arg;
	unsigned int i;

	for (i = 0; i < st->n; i++)
		pymm_free(st->blk[i]);
	return 0;
}

/* pymm_usable_size() and a moving pymm_realloc() of each of blk[]. */
static long fl_size_step(void *arg)
{
	struct fl_step *st = arg;
	unsigned int i;

	for (i = 0; i < st->n; i++) {
		st->usable[i] = pymm_usable_size(st->blk[i]);
		st->moved[i] = pymm_realloc(st->blk[i], 2 * st->size,
					    GFP_KERNEL);
	}
	return 0;
}

static void fl_on_cpu(struct kunit *test, unsigned int cpu,
		      long (*fn)(void *), struct fl_step *st)
{
	KUNIT_ASSERT_EQ(test, work_on_cpu(cpu, fn, st), 0);
}

static void fl_needs_two(struct kunit *test)
{
	if (num_online_cpus() < 2 || !cpu_online(0) || !cpu_online(1))
		kunit_skip(test, "needs CPUs 0 and 1 online");
}

static void fl_needs_current_pools(struct kunit *test)
{
	if (pt_debug(test))
		kunit_skip(test, "debug mode has no per-CPU current pools");
}

/*
 * Hand every CPU's current pools back.  For one current pool alone the
 * shrinker core calls no scan (pymm's shrinker has seeks = 0, and then it
 * scans freeable / 2 objects), so this CPU takes one of another class.
 */
static void fl_flush(struct kunit *test)
{
	pymm_free(pymm_malloc(pt_class_size(FL_CLASS + 1), GFP_KERNEL));
	pt_drop_slab(test);
}

static unsigned long fl_frees(struct kunit *test)
{
	struct pt_classes *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	unsigned long frees;

	KUNIT_ASSERT_NOT_NULL(test, c);
	pt_read_classes(test, c);
	frees = c->c[FL_CLASS].frees;
	kunit_kfree(test, c);
	return frees;
}

/*
 * Blocks @from.. of @bag are distinct, and each of @freed[0..@n) is among
 * them exactly once.  A duplicate is reported and dropped from the bag, so
 * that it is not freed twice at the end.
 */
static void fl_expect_once(struct kunit *test, struct pt_blocks *bag,
			   unsigned int from, void *const *freed,
			   unsigned int n)
{
	unsigned int i, j, seen;

	for (i = from; i < bag->n; i++)
		for (j = from; j < i; j++)
			if (bag->p[i] && bag->p[i] == bag->p[j]) {
				KUNIT_FAIL(test, "block %p handed out twice",
					   bag->p[i]);
				bag->p[i] = NULL;
			}
	for (i = 0; i < n; i++) {
		seen = 0;
		for (j = from; j < bag->n; j++)
			seen += bag->p[j] == freed[i];
		KUNIT_EXPECT_EQ_MSG(test, seen, 1, "freed block %u (%p)", i,
				    freed[i]);
	}
}

/*
 * Allocate, on @cpu (or here for -1), as many blocks of FL_CLASS as a pool
 * holds, into @bag: more than the free blocks the test left in its pool.
 */
static void fl_alloc_pool(struct kunit *test, struct pt_blocks *bag, int cpu)
{
	struct fl_step *st = fl_step_new(test);
	unsigned int i;

	st->n = pt_capacity(test, FL_CLASS);
	if (cpu < 0)
		KUNIT_ASSERT_EQ(test, fl_alloc_step(st), 0);
	else
		fl_on_cpu(test, cpu, fl_alloc_step, st);
	for (i = 0; i < st->n; i++)
		pt_blocks_add(test, bag, st->blk[i]);
}

/*
 * The double-free window: @fn (fl_free_step() or fl_size_step()) on the
 * free blocks @a then @b, on @cpu (here for -1), between the expect-WARN
 * markers.  Each call is refused and counted in err_double_free: a free
 * frees nothing, a size is 0 and a realloc moves nothing (what it returns
 * goes into @bag all the same).
 */
static void fl_expect_refused(struct kunit *test, struct pt_blocks *bag,
			      int cpu, long (*fn)(void *), void *a, void *b)
{
	struct fl_step *st = fl_step_new(test);
	bool sizing = fn == fl_size_step;
	unsigned long f0 = 0;
	long long e0, e1;
	unsigned int i;

	st->blk[0] = a;
	st->blk[1] = b;
	st->n = 2;
	e0 = pt_summary(test, TL_ERR_DOUBLE_FREE);
	if (!sizing)
		f0 = fl_frees(test);
	tl_expect_warn_begin("double_free=2");
	if (cpu < 0)
		fn(st);
	else
		fl_on_cpu(test, cpu, fn, st);
	tl_expect_warn_end();
	e1 = pt_summary(test, TL_ERR_DOUBLE_FREE);
	if (sizing) {
		for (i = 0; i < st->n; i++) {
			KUNIT_EXPECT_EQ(test, st->usable[i], 0);
			KUNIT_EXPECT_NULL(test, st->moved[i]);
			pt_blocks_add(test, bag, st->moved[i]);
		}
	} else {
		KUNIT_EXPECT_EQ(test, fl_frees(test), f0);
	}
	/* fl_size_step() makes two calls per block. */
	KUNIT_EXPECT_EQ(test, e1, e0 + (sizing ? 2 : 1) * st->n);
}

/*
 * A pool's worth of blocks, allocated on @cpu (here for -1), hands each of
 * @blk[0..@n) out exactly once; then all of @bag is freed.
 */
static void fl_expect_each_once(struct kunit *test, struct pt_blocks *bag,
				int cpu, void *const *blk, unsigned int n)
{
	unsigned int start = bag->n;

	fl_alloc_pool(test, bag, cpu);
	fl_expect_once(test, bag, start, blk, n);
	pt_blocks_free_all(bag);
}

/*
 * Four blocks of a fresh pool, freed in order (3 then heads the list):
 * onto this CPU's private list of its current pool, or in debug mode onto
 * the pool's shared list.  A fifth block, the last in @bag, stays live, so
 * that the pool does not go back to its arena in debug mode.
 */
static void fl_four_freed(struct kunit *test, struct pt_blocks *bag,
			  void *blk[4])
{
	unsigned int i, start;
	void *anchor;

	fl_flush(test);
	pt_drain_class(test, bag, FL_CLASS);
	start = bag->n;
	for (i = 0; i < 4; i++) {
		blk[i] = pt_blocks_alloc(test, bag, pt_class_size(FL_CLASS),
					 GFP_KERNEL);
		KUNIT_ASSERT_EQ(test, pt_page(blk[i]), pt_page(blk[0]));
	}
	anchor = pt_blocks_alloc(test, bag, pt_class_size(FL_CLASS), GFP_KERNEL);
	KUNIT_ASSERT_EQ(test, pt_page(anchor), pt_page(blk[0]));
	for (i = 0; i < 4; i++)
		pt_blocks_free(bag, start + i);
}

/*
 * Blocks 1 (in the middle) and 0 (the tail) of a private list are freed
 * again on the same CPU: both refused.  Unrefused, the first would make a
 * cycle of the list and hand blocks out twice.
 */
static void double_free_deep_in_private_list_is_caught(struct kunit *test)
{
	struct pt_blocks *bag = pt_blocks_new(test, 4096);
	void *blk[4];

	fl_four_freed(test, bag, blk);
	fl_expect_refused(test, bag, -1, fl_free_step, blk[1], blk[0]);
	fl_expect_each_once(test, bag, -1, blk, 4);
}

/*
 * Blocks freed into a pool that is no CPU's current pool wait on its
 * shared list; freeing again one that does not head it is refused too.
 */
static void double_free_deep_in_shared_list_is_caught(struct kunit *test)
{
	unsigned int cap = pt_capacity(test, FL_CLASS), i, start;
	struct pt_blocks *bag = pt_blocks_new(test, 4096);
	void *blk[3];

	fl_flush(test);
	pt_drain_class(test, bag, FL_CLASS);
	start = bag->n;
	/* A whole fresh pool: used up, so its CPU handed it back, full. */
	for (i = 0; i < cap; i++)
		pt_blocks_alloc(test, bag, pt_class_size(FL_CLASS), GFP_KERNEL);
	KUNIT_ASSERT_EQ(test, pt_page(bag->p[bag->n - 1]),
			pt_page(bag->p[start]));
	for (i = 0; i < 3; i++) {
		blk[i] = bag->p[start + 5 * i];
		pt_blocks_free(bag, start + 5 * i);
	}
	fl_expect_refused(test, bag, -1, fl_free_step, blk[1], blk[0]);
	fl_expect_each_once(test, bag, -1, blk, 3);
}

/* pymm_usable_size() and pymm_realloc() of a free block not at the head. */
static void size_and_realloc_of_a_free_block_deep_in_a_list_are_refused(struct kunit *test)
{
	struct pt_blocks *bag = pt_blocks_new(test, 4096);
	void *blk[4];

	fl_four_freed(test, bag, blk);
	fl_expect_refused(test, bag, -1, fl_size_step, blk[2], blk[0]);
	fl_expect_each_once(test, bag, -1, blk, 4);
}

/*
 * Four blocks of a fresh pool allocated and freed on CPU 0: in normal mode
 * they are on CPU 0's private list, 3 at its head.  A fifth stays live.
 */
static void fl_four_freed_on_cpu0(struct kunit *test, struct pt_blocks *bag,
				  void *blk[4])
{
	struct fl_step *st = fl_step_new(test);
	unsigned int i;

	fl_flush(test);
	pt_drain_class(test, bag, FL_CLASS);
	st->n = 5;
	fl_on_cpu(test, 0, fl_alloc_step, st);
	for (i = 0; i < 5; i++)
		KUNIT_ASSERT_EQ(test, pt_page(st->blk[i]), pt_page(st->blk[0]));
	pt_blocks_add(test, bag, st->blk[4]);
	st->n = 4;
	fl_on_cpu(test, 0, fl_free_step, st);
	memcpy(blk, st->blk, 4 * sizeof(*blk));
}

/*
 * p heads CPU 0's private list; p is freed again on CPU 1, and so is a
 * block deeper in that list.  Both are refused, and CPU 0 hands each of
 * the four blocks out once.
 */
static void double_free_on_another_cpu_is_caught(struct kunit *test)
{
	struct pt_blocks *bag = pt_blocks_new(test, 4096);
	void *blk[4];

	fl_needs_two(test);
	fl_four_freed_on_cpu0(test, bag, blk);
	fl_expect_refused(test, bag, 1, fl_free_step, blk[3], blk[1]);
	fl_expect_each_once(test, bag, 0, blk, 4);
}

/* The same blocks, sized and reallocated on CPU 1: refused. */
static void size_and_realloc_on_another_cpu_of_a_free_block_are_refused(struct kunit *test)
{
	struct pt_blocks *bag = pt_blocks_new(test, 4096);
	void *blk[4];

	fl_needs_two(test);
	fl_four_freed_on_cpu0(test, bag, blk);
	fl_expect_refused(test, bag, 1, fl_size_step, blk[3], blk[1]);
	fl_expect_each_once(test, bag, 0, blk, 4);
}

/*
 * A live block's first word is where a free block keeps its link: whatever
 * the client leaves there (nothing, 0, a pointer to itself or to a free or
 * live block of its pool, all ones), its free is no double free.
 */
static void live_blocks_are_freed_whatever_their_first_word(struct kunit *test)
{
	struct pt_blocks *bag = pt_blocks_new(test, 4096);
	unsigned int start, i;
	long long e0, e1;
	unsigned long f0;
	void **b[6];

	fl_flush(test);
	pt_drain_class(test, bag, FL_CLASS);
	start = bag->n;
	for (i = 0; i < 6; i++)
		b[i] = pt_blocks_alloc(test, bag, pt_class_size(FL_CLASS),
				       GFP_KERNEL);
	/* b[0] keeps what pymm left; b[5] is freed first. */
	pt_blocks_free(bag, start + 5);
	*b[1] = NULL;
	*b[2] = b[2];
	*b[3] = b[5];
	*b[4] = (void *)~0UL;
	e0 = pt_summary(test, TL_ERR_DOUBLE_FREE);
	f0 = fl_frees(test);
	for (i = 0; i < 5; i++)
		pt_blocks_free(bag, start + i);
	e1 = pt_summary(test, TL_ERR_DOUBLE_FREE);
	KUNIT_EXPECT_EQ(test, e1, e0);
	KUNIT_EXPECT_EQ(test, fl_frees(test), f0 + 5);

	/* The same blocks again, straight off the free list. */
	for (i = 0; i < 6; i++)
		b[i] = pt_blocks_alloc(test, bag, pt_class_size(FL_CLASS),
				       GFP_KERNEL);
	*b[1] = b[0];
	for (i = 0; i < 6; i++)
		pt_blocks_free(bag, bag->n - 6 + i);
	KUNIT_EXPECT_EQ(test, pt_summary(test, TL_ERR_DOUBLE_FREE), e0);
	KUNIT_EXPECT_EQ(test, fl_frees(test), f0 + 11);
	pt_blocks_free_all(bag);
}

/*
 * A private list made into a cycle (its tail linked back to its head, as
 * an undetected double free or a use after free could) is cut when the
 * pool is handed back, instead of being walked forever with interrupts
 * off: reported as corruption, and since every block was still on it,
 * nothing is lost: the pool goes back to its arena and its blocks are
 * handed out once each.
 */
static void cycle_in_a_private_list_is_cut_when_its_pool_goes_back(struct kunit *test)
{
	struct pt_blocks *bag = pt_blocks_new(test, 4096);
	struct pt_classes *c0, *c1;
	unsigned int start;
	long long e0, e1;
	void *blk[4];

	fl_needs_current_pools(test);
	c0 = kunit_kzalloc(test, sizeof(*c0), GFP_KERNEL);
	c1 = kunit_kzalloc(test, sizeof(*c1), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c0);
	KUNIT_ASSERT_NOT_NULL(test, c1);

	fl_four_freed(test, bag, blk);
	/* The pool's last block in use joins the list: its head. */
	pt_blocks_free(bag, bag->n - 1);
	/* anchor -> 3 -> 2 -> 1 -> 0 -> 3 -> ... */
	pymm_test_set_free_link(blk[0], blk[3]);
	pt_read_classes(test, c0);
	e0 = pt_summary(test, TL_ERR_CORRUPTION);
	tl_expect_warn_begin("corruption=1");
	fl_flush(test);
	tl_expect_warn_end();
	e1 = pt_summary(test, TL_ERR_CORRUPTION);
	pt_read_classes(test, c1);
	KUNIT_EXPECT_EQ(test, e1, e0 + 1);
	/* Its only blocks in use were the four: the pool went back. */
	KUNIT_EXPECT_EQ(test, c1->c[FL_CLASS].pools, c0->c[FL_CLASS].pools - 1);
	KUNIT_EXPECT_EQ(test, c1->c[FL_CLASS].inuse, c0->c[FL_CLASS].inuse);

	start = bag->n;
	fl_alloc_pool(test, bag, -1);
	fl_expect_once(test, bag, start, blk, 0);
	pt_blocks_free_all(bag);
}

/*
 * The smallest class fills its page exactly (normal mode): its pool's
 * nextoffset reaches PAGE_SIZE, the largest offset there is, which a u16
 * could not hold with 64 KiB pages.  Every slot is handed out once, in
 * order, and the next block comes from another page.
 */
static void smallest_class_is_carved_to_the_end_of_its_page(struct kunit *test)
{
	unsigned int stride = pt_stride(test, 0), cap = pt_capacity(test, 0);
	struct pt_blocks *bag = pt_blocks_new(test, 16384);
	unsigned int i, start;
	unsigned long page;
	void *next;

	fl_flush(test);
	pt_drain_class(test, bag, 0);
	start = bag->n;
	KUNIT_EXPECT_LE(test, (unsigned long)cap * stride, PAGE_SIZE);
	KUNIT_EXPECT_GT(test, (unsigned long)(cap + 1) * stride, PAGE_SIZE);
	if (!pt_debug(test))
		KUNIT_EXPECT_EQ(test, (unsigned long)cap * stride, PAGE_SIZE);
	for (i = 0; i < cap; i++)
		pt_blocks_alloc(test, bag, 1, GFP_KERNEL);
	page = pt_page(bag->p[start]);
	for (i = 0; i < cap; i++) {
		KUNIT_ASSERT_EQ(test, pt_page(bag->p[start + i]), page);
		KUNIT_ASSERT_EQ(test, pt_offset(bag->p[start + i]),
				pt_first(test) + i * stride);
	}
	next = pt_blocks_alloc(test, bag, 1, GFP_KERNEL);
	KUNIT_EXPECT_NE(test, pt_page(next), page);
	KUNIT_EXPECT_EQ(test, pt_offset(next), pt_first(test));
	pt_blocks_free_all(bag);
}

static struct kunit_case pymm_freelist_cases[] = {
	KUNIT_CASE(double_free_deep_in_private_list_is_caught),
	KUNIT_CASE(double_free_deep_in_shared_list_is_caught),
	KUNIT_CASE(size_and_realloc_of_a_free_block_deep_in_a_list_are_refused),
	KUNIT_CASE(double_free_on_another_cpu_is_caught),
	KUNIT_CASE(size_and_realloc_on_another_cpu_of_a_free_block_are_refused),
	KUNIT_CASE(live_blocks_are_freed_whatever_their_first_word),
	KUNIT_CASE(cycle_in_a_private_list_is_cut_when_its_pool_goes_back),
	KUNIT_CASE(smallest_class_is_carved_to_the_end_of_its_page),
	{}
};

static struct kunit_suite pymm_freelist_suite = {
	.name = "pymm_freelist",
	.init = pt_pin_cpu,
	.test_cases = pymm_freelist_cases,
};

kunit_test_suites(&pymm_freelist_suite);
