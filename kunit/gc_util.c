// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers of the object and cycle-collector KUnit suites: the test node
 * types and their counting callbacks, the per-test context (a heap of its
 * own, checked for leaks of pymm blocks at the end), graph builders, and
 * the parser of a heap's gc file.  See gc_util.h.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "gc_util.h"

#define GC_SEQ_BUF	4096

static atomic_t gc_heap_seq = ATOMIC_INIT(0);

/* Callbacks must run where they may sleep. */
static void gc_check_context(struct gc_counts *c)
{
	if (!in_task() || irqs_disabled() ||
	    (IS_ENABLED(CONFIG_PREEMPT_COUNT) && !preemptible()))
		atomic_inc(&c->atomic_callbacks);
}

static int gc_node_traverse(void *obj, pymm_visit_fn visit, void *arg)
{
	struct gc_node *n = obj;

	return tl_visit_refs(n->ref, GC_NODE_REFS, visit, arg);
}

static void gc_node_clear(void *obj)
{
	struct gc_node *n = obj;

	if (n->counts)
		atomic_inc(&n->counts->cleared);
	if (!n->stubborn)
		tl_put_refs(n->ref, GC_NODE_REFS);
}

static void gc_node_finalize(void *obj)
{
	void *dropped[GC_NODE_REFS + 1] = { NULL };
	struct gc_node *n = obj, *into;
	struct gc_counts *c = n->counts;
	void **slot;
	int i;

	if (c) {
		gc_check_context(c);
		if (c->fin_by_id && n->id < c->nids)
			atomic_inc(&c->fin_by_id[n->id]);
	}
	if (n->lock_heap) {
		pymm_lock(n->lock_heap);
		into = n->resurrect_into;
		if (into) {
			n->resurrect_into = NULL;
			dropped[GC_NODE_REFS] = into->ref[0];
			into->ref[0] = pymm_get(n);
		}
		for (i = 0; n->clear_in_finalize && i < GC_NODE_REFS; i++) {
			dropped[i] = n->ref[i];
			n->ref[i] = NULL;
		}
		pymm_unlock(n->lock_heap);
		for (i = 0; i <= GC_NODE_REFS; i++)
			pymm_put(dropped[i]);
	}
	if (n->freeze_heap && c) {
		/* Not allowed from a callback: WARN_ONCE and -EDEADLK. */
		tl_expect_warn_begin("freeze_deadlock=2 pymm_freeze() in finalize()");
		c->freeze_ret = pymm_freeze(n->freeze_heap);
		c->unfreeze_ret = pymm_unfreeze(n->freeze_heap);
		tl_expect_warn_end();
	}
	slot = n->resurrect_to;
	if (slot) {
		n->resurrect_to = NULL;
		*slot = pymm_get(n);
	}
	if (c) {
		/* Waiters on the count see what finalize() did. */
		smp_mb__before_atomic();
		atomic_inc(&c->finalized);
	}
}

static void gc_node_release(void *obj)
{
	struct gc_node *n = obj;
	struct gc_counts *c = n->counts;

	if (!c)
		return;
	gc_check_context(c);
	if (n->magic != GC_MAGIC)
		atomic_inc(&c->bad_magic);
	n->magic = GC_DEAD;
	c->release_task = current;
	c->release_refcount = pymm_refcount(n);
	if (n->lock_heap) {
		pymm_lock(n->lock_heap);
		pymm_unlock(n->lock_heap);
	}
	if (n->get_in_release) {
		/* refcount_t: "addition on 0; use-after-free", saturates */
		tl_expect_warn_begin("refcount_add_on_0=1 pymm_get() in release()");
		pymm_get(n);
		c->refcount_after_get = pymm_refcount(n);
		tl_expect_warn_end();
	}
	if (n->collect_heap) {
		/* Not allowed from a callback: WARN_ONCE and -EDEADLK. */
		tl_expect_warn_begin("collect_deadlock=1 pymm_collect() in release()");
		c->collect_ret = pymm_collect(n->collect_heap, 0);
		tl_expect_warn_end();
	}
	if (c->rel_by_id && n->id < c->nids)
		atomic_inc(&c->rel_by_id[n->id]);
	/* Waiters on the count see what release() did. */
	smp_mb__before_atomic();
	atomic_inc(&c->released);
}

const struct pymm_type gc_node_type = {
	.name = "gc_node",
	.size = sizeof(struct gc_node),
	.traverse = gc_node_traverse,
	.clear = gc_node_clear,
	.release = gc_node_release,
};

const struct pymm_type gc_fin_type = {
	.name = "gc_fin_node",
	.size = sizeof(struct gc_node),
	.traverse = gc_node_traverse,
	.clear = gc_node_clear,
	.finalize = gc_node_finalize,
	.release = gc_node_release,
};

KUNIT_DEFINE_ACTION_WRAPPER(gc_kvfree_action, kvfree, const void *);

/* kvcalloc() freed when the test ends, or fail the test. */
static void *gc_kvcalloc(struct kunit *test, size_t n, size_t size)
{
	void *p = kvcalloc(n, size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, gc_kvfree_action,
							p), 0);
	return p;
}

const struct pymm_type gc_big_type = {
	.name = "gc_big",
	.size = sizeof(struct gc_big),
	.traverse = gc_node_traverse,
	.clear = gc_node_clear,
	.release = gc_node_release,
};

/**
 * gc_counts_new - counters for a test's nodes, freed with the test
 * @test: the test
 * @nids: length of the per-id arrays, 0 for none
 */
struct gc_counts *gc_counts_new(struct kunit *test, unsigned int nids)
{
	struct gc_counts *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct gc_ctx *ctx = test->priv;

	KUNIT_ASSERT_NOT_NULL(test, c);
	if (ctx) {
		KUNIT_ASSERT_LT(test, ctx->nr_counts, GC_MAX_COUNTS);
		ctx->all_counts[ctx->nr_counts++] = c;
	}
	if (nids) {
		c->fin_by_id = gc_kvcalloc(test, nids, sizeof(atomic_t));
		c->rel_by_id = gc_kvcalloc(test, nids, sizeof(atomic_t));
		c->nids = nids;
	}
	return c;
}

/**
 * gc_heap_new - a heap under a name no other test uses
 * @test: the test
 * @name: receives the name
 * @size: size of @name
 */
struct pymm_heap *gc_heap_new(struct kunit *test, char *name, size_t size)
{
	struct pymm_heap *heap;

	snprintf(name, size, "gc-%d", atomic_inc_return(&gc_heap_seq));
	heap = pymm_heap_create(name);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, heap);
	return heap;
}

static int gc_ctx_init_common(struct kunit *test, bool automatic)
{
	struct gc_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	test->priv = ctx;
	ctx->counts = gc_counts_new(test, 0);
	ctx->blocks_before = pt_summary(test, TL_BLOCKS_INUSE);
	ctx->large_before = pt_summary(test, TL_LARGE_ALLOCS);
	ctx->heap = gc_heap_new(test, ctx->name, sizeof(ctx->name));
	/* Collections only when the test asks, so counters are exact. */
	if (!automatic)
		pymm_set_threshold(ctx->heap, 0, 0, 0);
	return 0;
}

/* Suite .init: a heap with automatic collection off. */
int gc_ctx_init(struct kunit *test)
{
	return gc_ctx_init_common(test, false);
}

/* Suite .init: a heap with the default thresholds (700, 10, 10). */
int gc_ctx_init_auto(struct kunit *test)
{
	return gc_ctx_init_common(test, true);
}

/*
 * Suite .exit: destroy the heap (unless the test did), then check that
 * callbacks ran in process context and every pymm block is back.
 */
void gc_ctx_exit(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct tl_summary s;
	struct gc_counts *c;
	int i;

	if (!ctx)
		return;
	pymm_heap_destroy(ctx->heap);
	ctx->heap = NULL;
	for (i = 0; i < ctx->nr_counts; i++) {
		c = ctx->all_counts[i];
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&c->atomic_callbacks), 0,
				    "callbacks that ran in atomic context");
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&c->bad_magic), 0,
				    "objects released with a bad magic");
	}
	if (tl_read_summary(&s)) {
		KUNIT_FAIL(test, "cannot read " TL_SUMMARY);
		return;
	}
	KUNIT_EXPECT_EQ_MSG(test, s.v[TL_BLOCKS_INUSE], ctx->blocks_before,
			    "pymm blocks in use before and after the test");
	KUNIT_EXPECT_EQ_MSG(test, s.v[TL_LARGE_ALLOCS], ctx->large_before,
			    "large blocks in use before and after the test");
}

/**
 * gc_new - a node, or fail the test
 * @test: the test
 * @heap: its heap
 * @type: &gc_node_type or &gc_fin_type
 * @counts: where its callbacks count
 * @id: its id
 *
 * Return: the node, holding one reference.
 */
struct gc_node *gc_new(struct kunit *test, struct pymm_heap *heap,
		       const struct pymm_type *type, struct gc_counts *counts,
		       u32 id)
{
	struct gc_node *n = pymm_obj_new(heap, type, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, n);
	n->magic = GC_MAGIC;
	n->id = id;
	n->counts = counts;
	return n;
}

/**
 * gc_set_ref - point a node's slot at an object, or at nothing
 * @heap: the heap of @from
 * @from: the node
 * @slot: which reference
 * @to: the new target (a new reference is taken), or NULL
 *
 * The old target is put after the heap lock is dropped, so that it is
 * destroyed at once if that was its last reference.
 */
void gc_set_ref(struct pymm_heap *heap, struct gc_node *from, int slot,
		void *to)
{
	void *old;

	pymm_lock(heap);
	old = from->ref[slot];
	from->ref[slot] = to ? pymm_get(to) : NULL;
	pymm_unlock(heap);
	pymm_put(old);
}

/**
 * gc_self_cycle - a garbage node that references itself
 * @test: the test
 * @heap: the heap
 * @type: the node's type
 * @counts: its counters
 * @id: its id
 *
 * Made under the heap lock, so that no collection sees it before it is
 * garbage (an automatic one may be queued by this very allocation).
 *
 * Return: the node, for identification only: no reference is held.
 */
void *gc_self_cycle(struct kunit *test, struct pymm_heap *heap,
		    const struct pymm_type *type, struct gc_counts *counts,
		    u32 id)
{
	struct gc_node *n;

	pymm_lock(heap);
	n = pymm_obj_new(heap, type, GFP_KERNEL);
	if (n) {
		n->magic = GC_MAGIC;
		n->id = id;
		n->counts = counts;
		n->ref[0] = pymm_get(n);
		pymm_put(n);
	}
	pymm_unlock(heap);
	KUNIT_ASSERT_NOT_NULL(test, n);
	return n;
}

/**
 * gc_ring - a ring of nodes, each referencing the next through ref[0]
 * @test: the test
 * @heap: the heap
 * @type: the nodes' type
 * @counts: their counters
 * @n: how many nodes, at least 1
 * @first_id: id of the first node; the others follow
 * @first: receives the first node, with a reference held by the caller
 *
 * The nodes are created and linked under the heap lock, a batch at a time,
 * so a concurrent collection sees either none or all of a batch linked.
 *
 * Return: @n.
 */
unsigned int gc_ring(struct kunit *test, struct pymm_heap *heap,
		     const struct pymm_type *type, struct gc_counts *counts,
		     unsigned int n, u32 first_id, struct gc_node **first)
{
	struct gc_node *head, *prev, *next;
	unsigned int i;

	head = gc_new(test, heap, type, counts, first_id);
	prev = head;
	pymm_lock(heap);
	for (i = 1; i < n; i++) {
		next = pymm_obj_new(heap, type, GFP_KERNEL);
		if (!next)
			break;
		next->magic = GC_MAGIC;
		next->id = first_id + i;
		next->counts = counts;
		/* The new reference moves into prev; head holds the rest. */
		prev->ref[0] = next;
		prev = next;
		if (!(i % 1024)) {
			pymm_unlock(heap);
			cond_resched();
			pymm_lock(heap);
		}
	}
	prev->ref[0] = pymm_get(head);
	pymm_unlock(heap);
	*first = head;
	KUNIT_ASSERT_EQ_MSG(test, i, n, "out of memory after %u nodes", i);
	return n;
}

/**
 * gc_wait_atomic - wait until a counter reaches a value
 * @v: the counter
 * @want: the value
 * @ms: how long to wait at most
 *
 * Return: whether it did.
 */
bool gc_wait_atomic(atomic_t *v, int want, unsigned int ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);

	while (atomic_read(v) < want) {
		if (time_after(jiffies, end))
			return atomic_read(v) >= want;
		usleep_range(1000, 2000);
	}
	return true;
}

/* Path of @file in heap @heap's debugfs directory. */
int gc_heap_path(char *buf, size_t size, const char *heap, const char *file)
{
	return snprintf(buf, size, TL_DEBUGFS "heaps/%s/%s", heap, file);
}

/* The gc file's last rows, in order: "NAME value". */
static const char * const gc_watch_rows[] = {
	"incremental", "increments", "passes", "max_hold_ns",
	"max_hold_run_ns", "backlog",
	"backlog_peak", "paced", "paced_ns",
};

/**
 * gc_parse_stats - parse a heap's gc file
 * @text: its contents, modified in place
 * @st: the values
 *
 * The format must be exactly what heap.c prints: the header row, rows 0, 1
 * and 2 with nine columns, "permanent N" and seven dashes, then
 * long_lived_total and long_lived_pending, then the collector's watch
 * (gc_watch_rows, in order), and nothing else.
 *
 * Return: 0, or -EINVAL naming nothing: the format is wrong.
 */
int gc_parse_stats(const char *text, struct gc_stats *st)
{
	unsigned long long *watch[] = {
		&st->incremental, &st->increments, &st->passes,
		&st->max_hold_ns, &st->max_hold_run_ns, &st->backlog,
		&st->backlog_peak,
		&st->paced, &st->paced_ns,
	};
	char *copy = kstrdup(text, GFP_KERNEL), *s = copy, *line;
	int i, g, end, ret = -EINVAL;

	if (!copy)
		return -ENOMEM;
	memset(st, 0, sizeof(*st));
	line = tl_next_line(&s);
	if (!line || strcmp(line, GC_STATS_HEADER))
		goto out;
	for (i = 0; i < 3; i++) {
		struct gc_gen_row *r = &st->gen[i];

		line = tl_next_line(&s);
		end = 0;
		if (!line ||
		    sscanf(line, "%d %lu %lu %lu %lu %lu %lu %llu %llu%n", &g,
			   &r->objects, &r->threshold, &r->count,
			   &r->collections, &r->collected, &r->uncollectable,
			   &r->last_pause_ns, &r->total_pause_ns, &end) != 9 ||
		    g != i || line[end])
			goto out;
	}
	line = tl_next_line(&s);
	end = 0;
	if (!line || sscanf(line, "permanent %lu - - - - - - -%n",
			    &st->permanent, &end) != 1 || !end || line[end])
		goto out;
	line = tl_next_line(&s);
	end = 0;
	if (!line || sscanf(line, "long_lived_total %lu%n",
			    &st->long_lived_total, &end) != 1 || line[end])
		goto out;
	line = tl_next_line(&s);
	end = 0;
	if (!line || sscanf(line, "long_lived_pending %lu%n",
			    &st->long_lived_pending, &end) != 1 || line[end])
		goto out;
	for (i = 0; i < ARRAY_SIZE(gc_watch_rows); i++) {
		end = strlen(gc_watch_rows[i]);
		line = tl_next_line(&s);
		if (!line || strncmp(line, gc_watch_rows[i], end) ||
		    line[end] != ' ' || kstrtoull(line + end + 1, 10, watch[i]))
			goto out;
	}
	if (tl_next_line(&s))
		goto out;
	ret = 0;
out:
	kfree(copy);
	return ret;
}

/* Read and parse heap @heap's gc file, or fail the test. */
void gc_read_stats(struct kunit *test, const char *heap, struct gc_stats *st)
{
	char path[96];
	char *buf = kunit_kmalloc(test, GC_SEQ_BUF, GFP_KERNEL);
	ssize_t len;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	gc_heap_path(path, sizeof(path), heap, "gc");
	len = tl_read_file(path, buf, GC_SEQ_BUF, 0);
	KUNIT_ASSERT_GT_MSG(test, len, 0, "cannot read %s: %zd", path, len);
	KUNIT_ASSERT_EQ_MSG(test, gc_parse_stats(buf, st), 0,
			    "%s has a bad format:\n%s", path, buf);
	kunit_kfree(test, buf);
}
