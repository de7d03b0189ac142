// SPDX-License-Identifier: GPL-2.0
/*
 * The KUnit layer of the test helpers (see pymm_test.h), above
 * mod/testlib.c: the mm lent to a case's kthread for files read and
 * written as read(2)/write(2) do, pymm's debugfs files (classes, arenas,
 * summary) parsed or the test failed, the module's mode, a bag of blocks
 * that is freed whatever way a test ends, draining a size class, filling
 * whole arenas, the shrinkers and the fault-injection probe.  No test
 * cases live here.
 */
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "pymm_test.h"

#define PT_BUF_SIZE	(64 * 1024)

/*
 * A user address space lent to the calling kthread (a KUnit case has
 * none), for pt_unlend_mm() to take back; NULL if the task has its own.
 */
static struct mm_struct *pt_lend_mm(void)
{
	struct mm_struct *mm;

	if (current->mm)
		return NULL;
	if (!(current->flags & PF_KTHREAD))
		return ERR_PTR(-EINVAL);
	if (!PYMM_KUNIT_USER_MM)	/* see compat.h */
		return ERR_PTR(-EOPNOTSUPP);
	mm = mm_alloc();
	if (!mm)
		return ERR_PTR(-ENOMEM);
	mm->task_size = TASK_SIZE;
	arch_pick_mmap_layout(mm, &current->signal->rlim[RLIMIT_STACK]);
	kthread_use_mm(mm);
	return mm;
}

static void pt_unlend_mm(struct mm_struct *mm)
{
	if (!mm)
		return;
	kthread_unuse_mm(mm);
	mmput(mm);
}

/**
 * pt_read_user - read a file as read(2) does
 * @path: the file
 * @buf: the buffer, NUL-terminated on success
 * @size: its size
 *
 * Context: process context; a kthread is lent an mm for the call.
 * Return: the length read, or a negative errno.
 */
ssize_t pt_read_user(const char *path, char *buf, size_t size)
{
	struct mm_struct *mm = pt_lend_mm();
	ssize_t ret;

	if (IS_ERR(mm))
		return PTR_ERR(mm);
	ret = tl_read_file(path, buf, size, TL_USER_BUF);
	pt_unlend_mm(mm);
	return ret;
}

/**
 * pt_write_user - write a string to a file as write(2) does
 * @path: the file
 * @s: the string
 *
 * Context: process context; a kthread is lent an mm for the call.
 * Return: 0 if all of it was taken, else the file's error.
 */
int pt_write_user(const char *path, const char *s)
{
	struct mm_struct *mm = pt_lend_mm();
	int ret;

	if (IS_ERR(mm))
		return PTR_ERR(mm);
	ret = tl_write_file(path, s, TL_USER_BUF);
	pt_unlend_mm(mm);
	return ret;
}

/* Read @path into a buffer freed when the test ends. */
static char *pt_slurp(struct kunit *test, const char *path)
{
	char *buf = kunit_kmalloc(test, PT_BUF_SIZE, GFP_KERNEL);
	ssize_t len;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	len = tl_read_file(path, buf, PT_BUF_SIZE, 0);
	KUNIT_ASSERT_GE_MSG(test, len, 0, "cannot read %s", path);
	return buf;
}

static int pt_mode = -1;

bool pt_debug(struct kunit *test)
{
	char buf[8];
	ssize_t len;

	if (pt_mode >= 0)
		return pt_mode;
	len = tl_read_file(PT_DEBUG_PARAM, buf, sizeof(buf), 0);
	KUNIT_ASSERT_GT_MSG(test, len, 0, "cannot read %s", PT_DEBUG_PARAM);
	KUNIT_ASSERT_TRUE_MSG(test, buf[0] == 'Y' || buf[0] == 'N',
			      "%s: unexpected '%s'", PT_DEBUG_PARAM, buf);
	pt_mode = buf[0] == 'Y';
	return pt_mode;
}

unsigned int pt_stride(struct kunit *test, unsigned int cls)
{
	return pt_class_size(cls) + (pt_debug(test) ? 2 * PT_RZ : 0);
}

unsigned int pt_first(struct kunit *test)
{
	return pt_debug(test) ? PT_RZ : 0;
}

unsigned int pt_capacity(struct kunit *test, unsigned int cls)
{
	return PAGE_SIZE / pt_stride(test, cls);
}

void pt_fmt_base(char *buf, size_t size, unsigned long base)
{
	snprintf(buf, size, "%p", (void *)base);
}

void pt_read_summary(struct kunit *test, struct tl_summary *s)
{
	char *buf = pt_slurp(test, TL_SUMMARY);
	const char *bad;

	KUNIT_ASSERT_EQ_MSG(test, tl_parse_summary(buf, s, &bad), 0,
			    "summary: bad row '%s'", bad ?: "(rows missing)");
	kunit_kfree(test, buf);
}

long long pt_summary(struct kunit *test, enum tl_sum row)
{
	struct tl_summary s;

	pt_read_summary(test, &s);
	return s.v[row];
}

void pt_read_classes(struct kunit *test, struct pt_classes *c)
{
	char *buf = pt_slurp(test, TL_DEBUGFS "classes");
	char *cur = buf, *line;
	bool total = false;
	int last = -1, n;

	memset(c, 0, sizeof(*c));
	line = tl_next_line(&cur);
	KUNIT_ASSERT_NOT_NULL(test, line);
	KUNIT_ASSERT_STREQ(test, line, "class size pools inuse free allocs frees");
	while ((line = tl_next_line(&cur))) {
		struct pt_class_row r = { .present = true };
		unsigned int cls;

		KUNIT_ASSERT_FALSE_MSG(test, total,
				       "classes: row after total: '%s'", line);
		if (!strncmp(line, "total ", 6)) {
			n = sscanf(line, "total - %lu %lu %lu %lu %lu", &r.pools,
				   &r.inuse, &r.free, &r.allocs, &r.frees);
			KUNIT_ASSERT_EQ_MSG(test, n, 5,
					    "classes: bad total '%s'", line);
			c->total = r;
			total = true;
			continue;
		}
		n = sscanf(line, "%u %lu %lu %lu %lu %lu %lu", &cls, &r.size,
			   &r.pools, &r.inuse, &r.free, &r.allocs, &r.frees);
		KUNIT_ASSERT_EQ_MSG(test, n, 7, "classes: bad row '%s'", line);
		KUNIT_ASSERT_LT(test, cls, PYMM_NR_CLASSES);
		KUNIT_ASSERT_GT_MSG(test, (int)cls, last,
				    "classes: rows out of order at '%s'", line);
		last = cls;
		c->c[cls] = r;
		c->nrows++;
	}
	KUNIT_ASSERT_TRUE_MSG(test, total, "classes: no total row");
	kunit_kfree(test, buf);
}

struct pt_arenas *pt_arenas_alloc(struct kunit *test)
{
	struct pt_arenas *a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, a);
	return a;
}

void pt_read_arenas(struct kunit *test, struct pt_arenas *a)
{
	char *buf = pt_slurp(test, TL_DEBUGFS "arenas");
	char *cur = buf, *line;
	int n;

	a->n = 0;
	line = tl_next_line(&cur);
	KUNIT_ASSERT_NOT_NULL(test, line);
	KUNIT_ASSERT_STREQ(test, line, "base pools free");
	while ((line = tl_next_line(&cur))) {
		struct pt_arena_row *r;

		KUNIT_ASSERT_LT(test, a->n, PT_MAX_ARENAS);
		r = &a->rows[a->n++];
		n = sscanf(line, "%23s %u %u", r->base, &r->pools, &r->free);
		KUNIT_ASSERT_EQ_MSG(test, n, 3, "arenas: bad row '%s'", line);
		KUNIT_ASSERT_LE(test, r->free, r->pools);
	}
	kunit_kfree(test, buf);
}

long long pt_arenas_pages(const struct pt_arenas *a)
{
	long long pages = 0;
	unsigned int i;

	for (i = 0; i < a->n; i++)
		pages += a->rows[i].pools;
	return pages;
}

unsigned int pt_arenas_free_pools(const struct pt_arenas *a)
{
	unsigned int i, free = 0;

	for (i = 0; i < a->n; i++)
		free += a->rows[i].free;
	return free;
}

int pt_arena_find(const struct pt_arenas *a, unsigned long base)
{
	char want[24];
	unsigned int i;

	pt_fmt_base(want, sizeof(want), base);
	for (i = 0; i < a->n; i++)
		if (!strcmp(a->rows[i].base, want))
			return i;
	return -1;
}

void pt_check_arena_order(struct kunit *test, const struct pt_arenas *a,
			  bool cached)
{
	unsigned int i, k = 0, usable;

	/* Arenas with free pools first, then the full ones. */
	while (k < a->n && a->rows[k].free)
		k++;
	for (i = k; i < a->n; i++)
		KUNIT_EXPECT_EQ_MSG(test, a->rows[i].free, 0,
				    "arenas: row %u (%s) has free pools after a full arena",
				    i, a->rows[i].base);
	usable = k;
	if (cached) {
		KUNIT_ASSERT_GT_MSG(test, k, 0, "arenas: cached arena not listed");
		usable = k - 1;
		KUNIT_EXPECT_EQ_MSG(test, a->rows[usable].free,
				    a->rows[usable].pools,
				    "arenas: cached arena %s is not empty",
				    a->rows[usable].base);
	}
	for (i = 1; i < usable; i++)
		KUNIT_EXPECT_LE_MSG(test, a->rows[i - 1].free, a->rows[i].free,
				    "arenas: rows %u and %u not sorted by free pools",
				    i - 1, i);
}

static void pt_blocks_release(void *data)
{
	struct pt_blocks *b = data;

	pt_blocks_free_all(b);
	kvfree(b->p);
	kfree(b);
}

struct pt_blocks *pt_blocks_new(struct kunit *test, unsigned int max)
{
	struct pt_blocks *b = kzalloc(sizeof(*b), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, b);
	b->max = max;
	b->p = kvcalloc(max, sizeof(*b->p), GFP_KERNEL);
	if (!b->p) {
		kfree(b);
		KUNIT_FAIL_AND_ABORT(test, "no memory for %u block pointers", max);
	}
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, pt_blocks_release,
							b), 0);
	return b;
}

void pt_blocks_add(struct kunit *test, struct pt_blocks *b, void *p)
{
	if (!p)
		return;
	if (b->n >= b->max)
		pymm_free(p);
	KUNIT_ASSERT_LT_MSG(test, b->n, b->max, "block bag full");
	b->p[b->n++] = p;
}

void *pt_blocks_alloc(struct kunit *test, struct pt_blocks *b, size_t size,
		      gfp_t gfp)
{
	void *p;

	KUNIT_ASSERT_LT_MSG(test, b->n, b->max, "block bag full");
	p = pymm_malloc(size, gfp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL_MSG(test, p, "pymm_malloc(%zu) failed",
					 size);
	b->p[b->n++] = p;
	return p;
}

void pt_blocks_free(struct pt_blocks *b, unsigned int i)
{
	pymm_free(b->p[i]);
	b->p[i] = NULL;
}

void pt_blocks_free_all(struct pt_blocks *b)
{
	unsigned int i;

	for (i = 0; i < b->n; i++)
		pt_blocks_free(b, i);
	b->n = 0;
}

int pt_pin_cpu(struct kunit *test)
{
	/* Each case runs in a kthread of its own, which exits with it. */
	return set_cpus_allowed_ptr(current,
				    cpumask_of(raw_smp_processor_id()));
}

unsigned int pt_drain_class(struct kunit *test, struct pt_blocks *b,
			    unsigned int cls)
{
	struct pt_classes *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	unsigned long i, n;

	KUNIT_ASSERT_NOT_NULL(test, c);
	/* Free blocks of other CPUs' current pools are not this CPU's. */
	if (num_online_cpus() > 1)
		pt_drop_slab(test);
	pt_read_classes(test, c);
	n = c->c[cls].free;
	for (i = 0; i < n; i++)
		pt_blocks_alloc(test, b, pt_class_size(cls), GFP_KERNEL);
	pt_read_classes(test, c);
	KUNIT_ASSERT_EQ_MSG(test, c->c[cls].free, 0,
			    "class %u still has free blocks after draining", cls);
	kunit_kfree(test, c);
	return n;
}

struct pt_fill_cand {
	unsigned long base;
	unsigned int count;
	unsigned int pool[PT_ARENA_POOLS];
};

#define PT_FILL_CANDS	64

void pt_fill_arenas(struct kunit *test, struct pt_fill *fill,
		    unsigned int cls, unsigned int nr)
{
	struct pt_arenas *a = pt_arenas_alloc(test);
	struct pt_blocks *b = fill->blocks;
	struct pt_fill_cand *cand;
	unsigned int ncand = 0, npools, limit, i, j;

	KUNIT_ASSERT_LE(test, nr, ARRAY_SIZE(fill->base));
	cand = kunit_kcalloc(test, PT_FILL_CANDS, sizeof(*cand), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, cand);
	fill->cls = cls;
	fill->cap = pt_capacity(test, cls);
	fill->nr = 0;

	/* Every free pool may come first, then nr fresh arenas. */
	pt_read_arenas(test, a);
	limit = (nr + 1) * PT_ARENA_POOLS;
	for (i = 0; i < a->n; i++)
		limit += a->rows[i].free;
	pt_drain_class(test, b, cls);

	for (npools = 0; fill->nr < nr; npools++) {
		unsigned int start = b->n, idx;
		struct pt_fill_cand *ca = NULL;
		unsigned long page, base;

		KUNIT_ASSERT_LT_MSG(test, npools, limit,
				    "no %u whole arenas after %u pools", nr,
				    npools);
		for (j = 0; j < fill->cap; j++)
			pt_blocks_alloc(test, b, pt_class_size(cls), GFP_KERNEL);
		page = pt_page(b->p[start]);
		KUNIT_ASSERT_EQ(test, pt_offset(b->p[start]), pt_first(test));
		for (j = 1; j < fill->cap; j++)
			KUNIT_ASSERT_EQ(test, pt_page(b->p[start + j]), page);
		base = pt_arena_base((void *)page);
		idx = (page - base) >> PAGE_SHIFT;
		for (i = 0; i < ncand; i++)
			if (cand[i].base == base)
				ca = &cand[i];
		if (!ca) {
			KUNIT_ASSERT_LT(test, ncand, PT_FILL_CANDS);
			ca = &cand[ncand++];
			ca->base = base;
		}
		ca->pool[idx] = start;
		if (++ca->count == PT_ARENA_POOLS) {
			fill->base[fill->nr] = base;
			memcpy(fill->pool[fill->nr], ca->pool, sizeof(ca->pool));
			fill->nr++;
		}
	}
	kunit_kfree(test, cand);
}

void pt_fill_free_pool(struct pt_fill *fill, unsigned int a, unsigned int idx)
{
	unsigned int j, start = fill->pool[a][idx];

	for (j = 0; j < fill->cap; j++)
		pt_blocks_free(fill->blocks, start + j);
}

/*
 * Fill pools of @cls until two consecutive ones are in the same arena:
 * the earlier one is full, the later one has one block.
 */
void *pt_pool_with_anchor(struct kunit *test, struct pt_blocks *bag,
			  unsigned int cls)
{
	unsigned int cap = pt_capacity(test, cls), tries, i;
	size_t size = pt_class_size(cls);
	unsigned long prev = 0;

	pt_drain_class(test, bag, cls);
	for (tries = 0; tries < 2 * PT_ARENA_POOLS; tries++) {
		void *x = pt_blocks_alloc(test, bag, size, GFP_KERNEL);

		KUNIT_ASSERT_EQ(test, pt_offset(x), pt_first(test));
		if (prev && pt_arena_base((void *)prev) == pt_arena_base(x)) {
			/* Not this CPU's current pool any more: see pymm_test.h. */
			pt_drop_slab(test);
			return x;
		}
		prev = pt_page(x);
		for (i = 1; i < cap; i++)
			pt_blocks_alloc(test, bag, size, GFP_KERNEL);
	}
	KUNIT_FAIL_AND_ABORT(test, "no two consecutive pools in one arena");
	return NULL;
}

void pt_kvfree_action(void *p)
{
	kvfree(p);
}

void pt_require_fault_injection(struct kunit *test)
{
	struct page *page;
	void *p;

	if (!IS_ENABLED(CONFIG_FAULT_INJECTION))
		kunit_skip(test, "fault injection not armed (no CONFIG_FAULT_INJECTION)");
	pt_make_it_fail(true);
	page = alloc_page(GFP_KERNEL | __GFP_NOWARN);
	p = kmalloc(64, GFP_KERNEL | __GFP_NOWARN);
	pt_make_it_fail(false);
	if (page)
		__free_page(page);
	kfree(p);
	if (page || p)
		kunit_skip(test, "fault injection not armed (%s succeeded under make_it_fail)",
			   page ? "alloc_page" : "kmalloc");
}

void pt_run_shrinkers(struct kunit *test)
{
	KUNIT_ASSERT_EQ(test, tl_write_file(TL_DROP_CACHES, "2", 0), 0);
}

void pt_drop_slab(struct kunit *test)
{
	pymm_test_flush_cpus();
	pt_run_shrinkers(test);
}

/*
 * drop_caches, made sure to reach pymm's shrinker: with seeks 0 the kernel
 * scans half of what a shrinker counts, so one lone current pool (a count
 * of 1) is never handed back.  A block of each of two classes, allocated
 * and freed first, makes the count at least 2; the scan then hands every
 * CPU's current pools back, these two included.
 */
static void pt_hand_back_all(struct kunit *test)
{
	void *p = pymm_malloc(8, GFP_KERNEL);
	void *q = pymm_malloc(PYMM_SMALL_MAX, GFP_KERNEL);

	pymm_free(p);
	pymm_free(q);
	KUNIT_EXPECT_TRUE(test, p && q);
	pt_drop_slab(test);
}

void pt_settle(struct kunit *test, struct pt_settled *b)
{
	struct pt_classes *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct pt_arenas *a = pt_arenas_alloc(test);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, c);
	pt_hand_back_all(test);
	pt_read_summary(test, &b->s);
	pt_read_classes(test, c);
	pt_read_arenas(test, a);
	for (i = 0; i < PYMM_NR_CLASSES; i++) {
		b->pools[i] = c->c[i].pools;
		b->inuse[i] = c->c[i].inuse;
	}
	b->pages = pt_arenas_pages(a);
	b->arenas = a->n;
	kunit_kfree(test, a);
	kunit_kfree(test, c);
}

void pt_expect_settled(struct kunit *test, const struct pt_settled *b)
{
	static const enum tl_sum same[] = {
		TL_BLOCKS_INUSE, TL_BYTES_INUSE, TL_LARGE_ALLOCS, TL_LARGE_BYTES,
		TL_ERR_INVALID, TL_ERR_MIDDLE, TL_ERR_DOUBLE_FREE,
		TL_ERR_CORRUPTION,
	};
	struct pt_settled *now = kunit_kzalloc(test, sizeof(*now), GFP_KERNEL);
	unsigned int i, tries;

	KUNIT_ASSERT_NOT_NULL(test, now);
	/*
	 * The shrinker skips the flush of current pools when another reclaim
	 * holds the flush lock (kswapd, say): it never waits.  So one
	 * drop_caches may leave an arena that such a flush empties a moment
	 * later; the shrinkers run again, up to 20 times, 50 ms apart.
	 */
	for (tries = 0; tries < 20; tries++) {
		if (tries)
			msleep(50);
		pt_settle(test, now);
		if (now->pages == b->pages && now->arenas == b->arenas)
			break;
	}
	if (tries)
		kunit_info(test, "ran the shrinkers %u times to settle\n",
			   min(tries + 1, 20U));
	for (i = 0; i < ARRAY_SIZE(same); i++)
		KUNIT_EXPECT_EQ_MSG(test, now->s.v[same[i]], b->s.v[same[i]],
				    "%s", tl_sum_names[same[i]]);
	for (i = 0; i < PYMM_NR_CLASSES; i++) {
		KUNIT_EXPECT_EQ_MSG(test, now->inuse[i], b->inuse[i],
				    "class %u blocks in use", i);
		KUNIT_EXPECT_EQ_MSG(test, now->pools[i], b->pools[i],
				    "class %u pools after the shrinkers", i);
	}
	KUNIT_EXPECT_EQ_MSG(test, now->pages, b->pages,
			    "pages held after the shrinkers");
	KUNIT_EXPECT_EQ_MSG(test, now->arenas, b->arenas,
			    "arenas after the shrinkers");
	kunit_kfree(test, now);
}

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for pymm");
