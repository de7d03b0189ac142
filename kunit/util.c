// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers for the pymm KUnit suites: reading and parsing pymm's debugfs
 * files (classes, arenas, summary), the module's mode, a bag of blocks that
 * is freed whatever way a test ends, draining a size class, filling whole
 * arenas, and the fault-injection probe.  No test cases live here.
 */
#include <linux/cpumask.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uio.h>

#include "pymm_test.h"

#define PT_BUF_SIZE	(64 * 1024)

const char * const pt_sum_names[PT_NR_SUM] = {
	[PT_ARENAS]		= "arenas",
	[PT_ARENAS_ALLOCATED]	= "arenas_allocated",
	[PT_ARENAS_FREED]	= "arenas_freed",
	[PT_ARENAS_CACHED]	= "arenas_cached",
	[PT_PAGES]		= "pages",
	[PT_BLOCKS_INUSE]	= "blocks_inuse",
	[PT_BYTES_INUSE]	= "bytes_inuse",
	[PT_BYTES_HELD]		= "bytes_held",
	[PT_BYTES_REQUESTED]	= "bytes_requested",
	[PT_BYTES_ROUNDED]	= "bytes_rounded",
	[PT_LARGE_ALLOCS]	= "large_allocs",
	[PT_LARGE_BYTES]	= "large_bytes",
	[PT_DEBUG]		= "debug",
	[PT_ERR_INVALID]	= "err_invalid",
	[PT_ERR_MIDDLE]		= "err_middle",
	[PT_ERR_DOUBLE_FREE]	= "err_double_free",
	[PT_ERR_CORRUPTION]	= "err_corruption",
};

/*
 * kernel_read() wants ->read_iter.  debugfs show files only have
 * ->read = seq_read(), but their private_data is the seq_file, so read them
 * through seq_read_iter() as read(2) would.
 */
static ssize_t pt_read_some(struct file *f, char *buf, size_t len,
			    loff_t *pos)
{
	struct kvec kv = { .iov_base = buf, .iov_len = len };
	struct seq_file *m = f->private_data;
	struct iov_iter iter;
	struct kiocb kiocb;
	ssize_t ret;

	if (f->f_op->read_iter)
		return kernel_read(f, buf, len, pos);
	if (!m || m->file != f)
		return -EINVAL;
	init_sync_kiocb(&kiocb, f);
	kiocb.ki_pos = *pos;
	iov_iter_kvec(&iter, ITER_DEST, &kv, 1, len);
	ret = seq_read_iter(&kiocb, &iter);
	if (ret > 0)
		*pos = kiocb.ki_pos;
	return ret;
}

ssize_t pt_read_file(const char *path, char *buf, size_t size)
{
	struct file *f;
	loff_t pos = 0;
	size_t len = 0;
	ssize_t ret = 0;

	f = filp_open(path, O_RDONLY, 0);
	if (IS_ERR(f))
		return PTR_ERR(f);
	while (len + 1 < size) {
		ret = pt_read_some(f, buf + len, size - 1 - len, &pos);
		if (ret <= 0)
			break;
		len += ret;
	}
	filp_close(f, NULL);
	if (ret < 0)
		return ret;
	if (len + 1 >= size)
		return -EFBIG;
	buf[len] = '\0';
	return len;
}

int pt_write_file(const char *path, const char *s)
{
	size_t len = strlen(s);
	struct file *f;
	loff_t pos = 0;
	ssize_t ret;

	f = filp_open(path, O_WRONLY, 0);
	if (IS_ERR(f))
		return PTR_ERR(f);
	ret = kernel_write(f, s, len, &pos);
	filp_close(f, NULL);
	if (ret < 0)
		return ret;
	return ret == len ? 0 : -EIO;
}

/* Read @path into a buffer freed when the test ends. */
static char *pt_slurp(struct kunit *test, const char *path)
{
	char *buf = kunit_kmalloc(test, PT_BUF_SIZE, GFP_KERNEL);
	ssize_t len;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	len = pt_read_file(path, buf, PT_BUF_SIZE);
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
	len = pt_read_file(PT_DEBUG_PARAM, buf, sizeof(buf));
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

/* Next line of *@cur, or NULL at the end (a final empty line is dropped). */
static char *pt_line(char **cur)
{
	char *line;

	if (!*cur || !**cur)
		return NULL;
	line = strsep(cur, "\n");
	return line;
}

void pt_read_summary(struct kunit *test, struct pt_summary *s)
{
	char *buf = pt_slurp(test, PT_DEBUGFS "summary");
	char *cur = buf, *line, name[32];
	unsigned int i = 0;
	long long v;
	int n;

	line = pt_line(&cur);
	KUNIT_ASSERT_NOT_NULL(test, line);
	KUNIT_ASSERT_STREQ(test, line, "name value");
	while ((line = pt_line(&cur))) {
		n = sscanf(line, "%31s %lld", name, &v);
		KUNIT_ASSERT_EQ_MSG(test, n, 2, "summary: bad row '%s'", line);
		KUNIT_ASSERT_LT_MSG(test, i, PT_NR_SUM,
				    "summary: extra row '%s'", line);
		KUNIT_ASSERT_STREQ(test, name, pt_sum_names[i]);
		s->v[i++] = v;
	}
	KUNIT_ASSERT_EQ_MSG(test, i, PT_NR_SUM, "summary: rows missing");
	kunit_kfree(test, buf);
}

void pt_read_classes(struct kunit *test, struct pt_classes *c)
{
	char *buf = pt_slurp(test, PT_DEBUGFS "classes");
	char *cur = buf, *line;
	bool total = false;
	int last = -1, n;

	memset(c, 0, sizeof(*c));
	line = pt_line(&cur);
	KUNIT_ASSERT_NOT_NULL(test, line);
	KUNIT_ASSERT_STREQ(test, line, "class size pools inuse free allocs frees");
	while ((line = pt_line(&cur))) {
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
	char *buf = pt_slurp(test, PT_DEBUGFS "arenas");
	char *cur = buf, *line;
	int n;

	a->n = 0;
	line = pt_line(&cur);
	KUNIT_ASSERT_NOT_NULL(test, line);
	KUNIT_ASSERT_STREQ(test, line, "base pools free");
	while ((line = pt_line(&cur))) {
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
	KUNIT_ASSERT_EQ(test, pt_write_file("/proc/sys/vm/drop_caches", "2"), 0);
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
	static const enum pt_sum same[] = {
		PT_BLOCKS_INUSE, PT_BYTES_INUSE, PT_LARGE_ALLOCS, PT_LARGE_BYTES,
		PT_ERR_INVALID, PT_ERR_MIDDLE, PT_ERR_DOUBLE_FREE,
		PT_ERR_CORRUPTION,
	};
	struct pt_settled *now = kunit_kzalloc(test, sizeof(*now), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, now);
	pt_settle(test, now);
	for (i = 0; i < ARRAY_SIZE(same); i++)
		KUNIT_EXPECT_EQ_MSG(test, now->s.v[same[i]], b->s.v[same[i]],
				    "%s", pt_sum_names[same[i]]);
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

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for pymm");
