// SPDX-License-Identifier: GPL-2.0
/*
 * pymm_debugfs: /sys/kernel/debug/pymm/{classes,arenas,summary} parsed and
 * checked against the live state.  Headers and row names as README.md
 * documents them; classes rows and the total row move by what the test
 * allocated and freed, counted by the test, and a class with no free block
 * left shows none; summary moves by the blocks and bytes the test holds
 * and asked for, agrees with arenas (arena count, pages, the cached
 * arena), tracks requested and rounded bytes and
 * large blocks, and reports the module's mode; arenas rows show the free
 * pools of the arena a new pool came from.
 */
#include <linux/slab.h>

#include "pymm_test.h"

static void all_files_have_documented_headers_and_rows(struct kunit *test)
{
	struct pt_arenas *a = pt_arenas_alloc(test);
	struct pt_classes *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct tl_summary s;
	char *buf;
	ssize_t len;

	KUNIT_ASSERT_NOT_NULL(test, c);
	/* The readers assert header lines and row formats. */
	pt_read_summary(test, &s);
	pt_read_classes(test, c);
	pt_read_arenas(test, a);
	KUNIT_EXPECT_EQ(test, a->n, s.v[TL_ARENAS]);

	/* Raw check of the first lines, independent of the parsers. */
	buf = kunit_kmalloc(test, 64 * 1024, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	len = tl_read_file(TL_DEBUGFS "classes", buf, 64 * 1024, 0);
	KUNIT_ASSERT_GT(test, len, 0);
	KUNIT_EXPECT_EQ(test, strncmp(buf, "class size pools inuse free allocs frees\n", 41), 0);
	len = tl_read_file(TL_DEBUGFS "arenas", buf, 64 * 1024, 0);
	KUNIT_ASSERT_GT(test, len, 0);
	KUNIT_EXPECT_EQ(test, strncmp(buf, "base pools free\n", 16), 0);
	len = tl_read_file(TL_DEBUGFS "summary", buf, 64 * 1024, 0);
	KUNIT_ASSERT_GT(test, len, 0);
	KUNIT_EXPECT_EQ(test, strncmp(buf, "name value\narenas ", 18), 0);
	KUNIT_EXPECT_EQ(test, buf[len - 1], '\n');
}

static void classes_rows_follow_allocations(struct kunit *test)
{
	struct pt_blocks *bag = pt_blocks_new(test, 256);
	struct pt_classes *c0, *c1, *c2;
	unsigned int cls = 13, n = 37, i, cap = pt_capacity(test, cls);

	c0 = kunit_kzalloc(test, sizeof(*c0), GFP_KERNEL);
	c1 = kunit_kzalloc(test, sizeof(*c1), GFP_KERNEL);
	c2 = kunit_kzalloc(test, sizeof(*c2), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c0);
	KUNIT_ASSERT_NOT_NULL(test, c1);
	KUNIT_ASSERT_NOT_NULL(test, c2);

	/* Pools compared with no CPU holding a current pool of the class. */
	pt_drop_slab(test);
	pt_read_classes(test, c0);
	for (i = 0; i < n; i++)
		pt_blocks_alloc(test, bag, pt_class_size(cls), GFP_KERNEL);
	pt_read_classes(test, c1);
	KUNIT_EXPECT_TRUE(test, c1->c[cls].present);
	KUNIT_EXPECT_EQ(test, c1->c[cls].size, pt_class_size(cls));
	KUNIT_EXPECT_EQ(test, c1->c[cls].inuse, c0->c[cls].inuse + n);
	KUNIT_EXPECT_EQ(test, c1->c[cls].allocs, c0->c[cls].allocs + n);
	KUNIT_EXPECT_EQ(test, c1->c[cls].frees, c0->c[cls].frees);
	KUNIT_EXPECT_EQ(test, c1->c[cls].free,
			c1->c[cls].pools * cap - c1->c[cls].inuse);
	KUNIT_EXPECT_GE(test, c1->c[cls].pools, DIV_ROUND_UP(n, cap));
	KUNIT_EXPECT_EQ(test, c1->total.allocs, c0->total.allocs + n);
	KUNIT_EXPECT_EQ(test, c1->total.inuse, c0->total.inuse + n);

	pt_blocks_free_all(bag);
	pt_drop_slab(test);
	pt_read_classes(test, c2);
	KUNIT_EXPECT_EQ(test, c2->c[cls].inuse, c0->c[cls].inuse);
	KUNIT_EXPECT_EQ(test, c2->c[cls].frees, c0->c[cls].frees + n);
	KUNIT_EXPECT_EQ(test, c2->c[cls].allocs, c0->c[cls].allocs + n);
	KUNIT_EXPECT_EQ(test, c2->c[cls].pools, c0->c[cls].pools);
	KUNIT_EXPECT_EQ(test, c2->total.frees, c0->total.frees + n);
}

/*
 * What hold_some_blocks() did, counted by the test itself: per class the
 * blocks allocated, freed and held, and the bytes asked for.
 */
struct held {
	unsigned int allocs[PYMM_NR_CLASSES];
	unsigned int frees[PYMM_NR_CLASSES];
	unsigned int held[PYMM_NR_CLASSES];
	long long requested;
};

static size_t held_size(unsigned int i)
{
	return 1 + (i * 37) % (PYMM_SMALL_MAX + 200);
}

/* Hold blocks in many classes so that the rows have something to say. */
static struct pt_blocks *hold_some_blocks(struct kunit *test, struct held *h)
{
	struct pt_blocks *bag = pt_blocks_new(test, 4096);
	unsigned int i;

	memset(h, 0, sizeof(*h));
	for (i = 0; i < 3000; i++) {
		size_t size = held_size(i);

		pt_blocks_alloc(test, bag, size, GFP_KERNEL);
		if (size > PYMM_SMALL_MAX)
			continue;
		h->allocs[pt_size_class(size)]++;
		h->held[pt_size_class(size)]++;
		h->requested += size;
	}
	/* Free some, so that pools are partly used. */
	for (i = 0; i < bag->n; i += 3) {
		size_t size = held_size(i);

		pt_blocks_free(bag, i);
		if (size > PYMM_SMALL_MAX)
			continue;
		h->frees[pt_size_class(size)]++;
		h->held[pt_size_class(size)]--;
	}
	return bag;
}

/*
 * Every row and the total moved by what the test did, and a class whose
 * every free block the test took shows none free; a fresh pool then shows
 * its capacity less what the test took from it.
 */
static void classes_columns_follow_what_the_test_did(struct kunit *test)
{
	struct held *h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);
	struct pt_classes *c0 = kunit_kzalloc(test, sizeof(*c0), GFP_KERNEL);
	struct pt_classes *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct pt_blocks *bag, *drained = pt_blocks_new(test, 4096);
	unsigned int cls, dcls = 21, cap = pt_capacity(test, dcls);
	unsigned long pools, allocs = 0, frees = 0, held = 0;
	unsigned int i;
	void *fresh[3];

	KUNIT_ASSERT_NOT_NULL(test, h);
	KUNIT_ASSERT_NOT_NULL(test, c0);
	KUNIT_ASSERT_NOT_NULL(test, c);
	pt_read_classes(test, c0);
	bag = hold_some_blocks(test, h);
	pt_read_classes(test, c);
	KUNIT_EXPECT_GT(test, c->nrows, 0);
	for (cls = 0; cls < PYMM_NR_CLASSES; cls++) {
		const struct pt_class_row *r = &c->c[cls], *r0 = &c0->c[cls];

		allocs += h->allocs[cls];
		frees += h->frees[cls];
		held += h->held[cls];
		if (!h->allocs[cls])
			continue;
		KUNIT_EXPECT_TRUE_MSG(test, r->present, "class %u", cls);
		KUNIT_EXPECT_EQ(test, r->size, pt_class_size(cls));
		KUNIT_EXPECT_EQ_MSG(test, r->allocs - r0->allocs, h->allocs[cls],
				    "class %u", cls);
		KUNIT_EXPECT_EQ_MSG(test, r->frees - r0->frees, h->frees[cls],
				    "class %u", cls);
		KUNIT_EXPECT_EQ_MSG(test, r->inuse - r0->inuse, h->held[cls],
				    "class %u", cls);
		KUNIT_EXPECT_GE_MSG(test, r->pools,
				    DIV_ROUND_UP(h->held[cls], pt_capacity(test, cls)),
				    "class %u", cls);
	}
	KUNIT_EXPECT_EQ(test, c->total.allocs - c0->total.allocs, allocs);
	KUNIT_EXPECT_EQ(test, c->total.frees - c0->total.frees, frees);
	KUNIT_EXPECT_EQ(test, c->total.inuse - c0->total.inuse, held);
	pt_blocks_free_all(bag);

	/* With no free block left in the class, three come from a fresh pool. */
	pt_drain_class(test, drained, dcls);
	pt_read_classes(test, c);
	pools = c->c[dcls].pools;
	for (i = 0; i < 3; i++)
		fresh[i] = pt_blocks_alloc(test, drained, pt_class_size(dcls),
					   GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, pt_offset(fresh[0]), pt_first(test));
	KUNIT_EXPECT_EQ(test, pt_page(fresh[1]), pt_page(fresh[0]));
	KUNIT_EXPECT_EQ(test, pt_page(fresh[2]), pt_page(fresh[0]));
	for (i = 0; i + 3 < drained->n; i++)
		KUNIT_EXPECT_NE(test, pt_page(drained->p[i]), pt_page(fresh[0]));
	pt_read_classes(test, c);
	KUNIT_EXPECT_EQ(test, c->c[dcls].pools, pools + 1);
	KUNIT_EXPECT_EQ(test, c->c[dcls].inuse - c0->c[dcls].inuse, drained->n);
	KUNIT_EXPECT_EQ(test, c->c[dcls].free, cap - 3);
	pt_blocks_free_all(drained);
}

/*
 * The summary moved by what the test did (blocks and bytes in use, bytes
 * asked for and rounded up), and agrees with the arenas file, read from
 * other state: the pages and arenas listed, the one empty (cached) arena.
 */
static void summary_agrees_with_the_test_and_arenas(struct kunit *test)
{
	struct held *h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);
	struct pt_arenas *a = pt_arenas_alloc(test);
	long long blocks = 0, bytes = 0, rounded = 0, pages = 0;
	unsigned int cls, i, empty = 0;
	struct tl_summary s0, s;
	struct pt_blocks *bag;

	KUNIT_ASSERT_NOT_NULL(test, h);
	pt_read_summary(test, &s0);
	bag = hold_some_blocks(test, h);
	pt_read_summary(test, &s);
	pt_read_arenas(test, a);
	for (cls = 0; cls < PYMM_NR_CLASSES; cls++) {
		blocks += h->held[cls];
		bytes += (long long)h->held[cls] * pt_class_size(cls);
		rounded += (long long)h->allocs[cls] * pt_class_size(cls);
	}
	for (i = 0; i < a->n; i++) {
		pages += a->rows[i].pools;
		empty += a->rows[i].free == a->rows[i].pools;
	}
	KUNIT_EXPECT_EQ(test, s.v[TL_BLOCKS_INUSE] - s0.v[TL_BLOCKS_INUSE], blocks);
	KUNIT_EXPECT_EQ(test, s.v[TL_BYTES_INUSE] - s0.v[TL_BYTES_INUSE], bytes);
	KUNIT_EXPECT_EQ(test, s.v[TL_BYTES_ROUNDED] - s0.v[TL_BYTES_ROUNDED], rounded);
	KUNIT_EXPECT_EQ(test, s.v[TL_BYTES_REQUESTED] - s0.v[TL_BYTES_REQUESTED],
			h->requested);
	KUNIT_EXPECT_EQ(test, s.v[TL_PAGES], pages);
	KUNIT_EXPECT_EQ(test, s.v[TL_ARENAS], a->n);
	KUNIT_EXPECT_GE(test, s.v[TL_ARENAS_ALLOCATED], s.v[TL_ARENAS]);
	KUNIT_EXPECT_TRUE(test, s.v[TL_ARENAS_CACHED] == 0 ||
			  s.v[TL_ARENAS_CACHED] == 1);
	/* The cached arena is the one empty arena; no other is empty. */
	KUNIT_EXPECT_EQ(test, empty, s.v[TL_ARENAS_CACHED]);
	pt_check_arena_order(test, a, s.v[TL_ARENAS_CACHED]);
	pt_blocks_free_all(bag);
}

static void summary_tracks_requested_and_rounded_bytes(struct kunit *test)
{
	struct tl_summary s0, s1;
	void *p[4];

	pt_read_summary(test, &s0);
	p[0] = pymm_malloc(1, GFP_KERNEL);
	p[1] = pymm_malloc(100, GFP_KERNEL);
	p[2] = pymm_malloc(500, GFP_KERNEL);
	p[3] = pymm_malloc(1000, GFP_KERNEL);	/* large: not counted */
	pt_read_summary(test, &s1);
	KUNIT_EXPECT_EQ(test, s1.v[TL_BYTES_REQUESTED],
			s0.v[TL_BYTES_REQUESTED] + 601);
	KUNIT_EXPECT_EQ(test, s1.v[TL_BYTES_ROUNDED],
			s0.v[TL_BYTES_ROUNDED] + 8 + 104 + 504);
	KUNIT_EXPECT_EQ(test, s1.v[TL_BYTES_INUSE],
			s0.v[TL_BYTES_INUSE] + 8 + 104 + 504);
	KUNIT_EXPECT_EQ(test, s1.v[TL_BLOCKS_INUSE], s0.v[TL_BLOCKS_INUSE] + 3);
	pymm_free(p[0]);
	pymm_free(p[1]);
	pymm_free(p[2]);
	pymm_free(p[3]);
	pt_read_summary(test, &s1);
	KUNIT_EXPECT_EQ(test, s1.v[TL_BYTES_INUSE], s0.v[TL_BYTES_INUSE]);
	/* Requested and rounded are since load: freeing does not lower them. */
	KUNIT_EXPECT_EQ(test, s1.v[TL_BYTES_REQUESTED],
			s0.v[TL_BYTES_REQUESTED] + 601);
}

static void summary_tracks_large_blocks(struct kunit *test)
{
	struct tl_summary s0, s1, s2;
	void *p, *q;

	pt_read_summary(test, &s0);
	p = pymm_malloc(3000, GFP_KERNEL);
	q = pymm_malloc(600, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, q);
	pt_read_summary(test, &s1);
	KUNIT_EXPECT_EQ(test, s1.v[TL_LARGE_ALLOCS], s0.v[TL_LARGE_ALLOCS] + 2);
	KUNIT_EXPECT_EQ(test, s1.v[TL_LARGE_BYTES],
			s0.v[TL_LARGE_BYTES] + (long long)(ksize(p) + ksize(q)));
	pymm_free(p);
	pt_read_summary(test, &s2);
	KUNIT_EXPECT_EQ(test, s2.v[TL_LARGE_ALLOCS], s0.v[TL_LARGE_ALLOCS] + 1);
	KUNIT_EXPECT_EQ(test, s2.v[TL_LARGE_BYTES],
			s0.v[TL_LARGE_BYTES] + (long long)ksize(q));
	pymm_free(q);
	pt_read_summary(test, &s2);
	KUNIT_EXPECT_EQ(test, s2.v[TL_LARGE_ALLOCS], s0.v[TL_LARGE_ALLOCS]);
	KUNIT_EXPECT_EQ(test, s2.v[TL_LARGE_BYTES], s0.v[TL_LARGE_BYTES]);
}

/* A new pool shows in its arena's row; a new arena is all pools (one in
 * use may have fewer, after a shrink gave its free pools back).
 */
static void arenas_row_follows_new_pool(struct kunit *test)
{
	struct pt_blocks *bag = pt_blocks_new(test, 4096);
	struct pt_arenas *a0 = pt_arenas_alloc(test);
	struct pt_arenas *a1 = pt_arenas_alloc(test);
	struct tl_summary s0, s1;
	unsigned int cls = 44;
	int r0, r1;
	void *x;

	pt_drain_class(test, bag, cls);
	pt_read_summary(test, &s0);
	pt_read_arenas(test, a0);
	x = pt_blocks_alloc(test, bag, pt_class_size(cls), GFP_KERNEL);
	pt_read_summary(test, &s1);
	pt_read_arenas(test, a1);
	KUNIT_ASSERT_EQ(test, pt_offset(x), pt_first(test));
	r0 = pt_arena_find(a0, pt_arena_base(x));
	r1 = pt_arena_find(a1, pt_arena_base(x));
	KUNIT_ASSERT_GE(test, r1, 0);
	if (r0 >= 0) {
		KUNIT_EXPECT_EQ(test, a1->rows[r1].pools, a0->rows[r0].pools);
		KUNIT_EXPECT_EQ(test, a1->rows[r1].free, a0->rows[r0].free - 1);
		KUNIT_EXPECT_EQ(test, s1.v[TL_ARENAS_ALLOCATED],
				s0.v[TL_ARENAS_ALLOCATED]);
	} else {
		/* No free pool anywhere: a new arena was made for it. */
		KUNIT_EXPECT_EQ(test, a1->rows[r1].pools, PT_ARENA_POOLS);
		KUNIT_EXPECT_EQ(test, a1->rows[r1].free, PT_ARENA_POOLS - 1);
		KUNIT_EXPECT_EQ(test, s1.v[TL_ARENAS_ALLOCATED],
				s0.v[TL_ARENAS_ALLOCATED] + 1);
	}
	/* The pool came from the head of the list. */
	if (a0->n && a0->rows[0].free)
		KUNIT_EXPECT_EQ(test, r0, 0);
	KUNIT_EXPECT_EQ(test, s1.v[TL_PAGES], pt_arenas_pages(a1));
	pt_blocks_free_all(bag);
}

static void summary_debug_row_matches_module_parameter(struct kunit *test)
{
	struct tl_summary s;

	pt_read_summary(test, &s);
	KUNIT_EXPECT_EQ(test, s.v[TL_DEBUG], pt_debug(test) ? 1 : 0);
}

static struct kunit_case pymm_debugfs_cases[] = {
	KUNIT_CASE(all_files_have_documented_headers_and_rows),
	KUNIT_CASE(classes_rows_follow_allocations),
	KUNIT_CASE(classes_columns_follow_what_the_test_did),
	KUNIT_CASE(summary_agrees_with_the_test_and_arenas),
	KUNIT_CASE(summary_tracks_requested_and_rounded_bytes),
	KUNIT_CASE(summary_tracks_large_blocks),
	KUNIT_CASE(arenas_row_follows_new_pool),
	KUNIT_CASE(summary_debug_row_matches_module_parameter),
	{}
};

static struct kunit_suite pymm_debugfs_suite = {
	.name = "pymm_debugfs",
	.init = pt_pin_cpu,
	.test_cases = pymm_debugfs_cases,
};

kunit_test_suites(&pymm_debugfs_suite);
