/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the object and cycle-collector KUnit suites (gc_*.c).
 *
 * Test objects: struct gc_node, of two types that differ only in having a
 * finalizer.  A node holds up to GC_NODE_REFS strong references; its
 * callbacks count themselves in the struct gc_counts it points to (per id
 * too, when the test asks), and can be told to resurrect the node, to keep
 * its references when cleared, and so on.
 *
 * Per test: struct gc_ctx, made by gc_ctx_init() (a suite's .init) with a
 * heap of its own under a unique name, and checked by gc_ctx_exit() (the
 * suite's .exit): the heap is destroyed, every callback ran in process
 * context, and every pymm block in use before the test is back.
 *
 * debugfs: the heap's files implement ->read/->write only, which
 * kernel_read()/kernel_write() refuse.  They are read and written as
 * read(2)/write(2) do, with pt_read_user() and pt_write_user() of
 * pymm_test.h.  The seq_file ones (gc, summary) can also be read into a
 * kernel buffer, which needs no mm (tl_read_file()).  gc_parse_stats()
 * parses a heap's gc file.
 *
 * The helpers every suite shares (the file reader and writer, the summary,
 * the expect-WARN markers) come from pymm_test.h and mod/testlib.h.
 */
#ifndef _GC_UTIL_H
#define _GC_UTIL_H

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/types.h>

#include <pymm.h>

#include "pymm_test.h"

#define GC_MAGIC		0x67636e64U	/* "gcnd" */
#define GC_DEAD			0x64656164U	/* "dead" */
#define GC_NODE_REFS		4

/* Counted by the callbacks of the nodes that point to it. */
struct gc_counts {
	atomic_t finalized;
	atomic_t cleared;
	atomic_t released;
	/* callbacks that found themselves in atomic context */
	atomic_t atomic_callbacks;
	/* released nodes whose magic was not GC_MAGIC */
	atomic_t bad_magic;
	/* optional per-id counts, @nids long */
	atomic_t *fin_by_id;
	atomic_t *rel_by_id;
	unsigned int nids;
	/* the task that ran the last release() */
	struct task_struct *release_task;
	/* refcount seen by the last release() */
	unsigned int release_refcount;
	/* node->get_in_release: refcount after pymm_get() in release() */
	unsigned int refcount_after_get;
	/* node->collect_heap: what pymm_collect() returned in release() */
	long collect_ret;
	/* node->freeze_heap: what pymm_freeze() and pymm_unfreeze() returned
	 * in finalize()
	 */
	int freeze_ret;
	int unfreeze_ret;
};

struct gc_node {
	u32 magic;
	u32 id;
	struct gc_counts *counts;
	void *ref[GC_NODE_REFS];
	/* finalize() stores a new reference to the node here, once */
	void **resurrect_to;
	/* clear() keeps the references */
	bool stubborn;
	/* release() calls pymm_get() on the node (refcount 0) */
	bool get_in_release;
	/* finalize() and release() take and drop this heap's lock */
	struct pymm_heap *lock_heap;
	/* finalize(), under lock_heap's lock: store the node in ->ref[0] */
	struct gc_node *resurrect_into;
	/* finalize(), under lock_heap's lock: drop all references */
	bool clear_in_finalize;
	/* release() calls pymm_collect() on this heap */
	struct pymm_heap *collect_heap;
	/* finalize() calls pymm_freeze() and pymm_unfreeze() on this heap */
	struct pymm_heap *freeze_heap;
	/* free for the test */
	unsigned long data;
};

/* A node with a payload that makes it a large (kmalloc) block. */
struct gc_big {
	struct gc_node node;
	u8 payload[2 * PYMM_SMALL_MAX];
};

extern const struct pymm_type gc_node_type;
extern const struct pymm_type gc_fin_type;
extern const struct pymm_type gc_big_type;

#define GC_MAX_COUNTS	8

/* Per-test context, in test->priv. */
struct gc_ctx {
	struct pymm_heap *heap;
	char name[32];
	struct gc_counts *counts;
	/* every gc_counts of the test, checked at its end */
	struct gc_counts *all_counts[GC_MAX_COUNTS];
	int nr_counts;
	long long blocks_before;
	long long large_before;
};

/* Rows of heaps/<name>/gc. */
struct gc_gen_row {
	unsigned long objects;
	unsigned long threshold;
	unsigned long count;
	unsigned long collections;
	unsigned long collected;
	unsigned long uncollectable;
	unsigned long long last_pause_ns;
	unsigned long long total_pause_ns;
};

struct gc_stats {
	struct gc_gen_row gen[3];
	unsigned long permanent;
	unsigned long long_lived_total;
	unsigned long long_lived_pending;
	/* the collector's watch */
	unsigned long long incremental;
	unsigned long long increments;
	unsigned long long passes;
	unsigned long long max_hold_ns;
	unsigned long long max_hold_run_ns;
	unsigned long long backlog;
	unsigned long long backlog_peak;
	unsigned long long paced;
	unsigned long long paced_ns;
};

#define GC_STATS_HEADER "gen objects threshold count collections collected uncollectable last_pause_ns total_pause_ns"

int gc_ctx_init(struct kunit *test);
int gc_ctx_init_auto(struct kunit *test);
void gc_ctx_exit(struct kunit *test);
struct gc_counts *gc_counts_new(struct kunit *test, unsigned int nids);
struct pymm_heap *gc_heap_new(struct kunit *test, char *name, size_t size);

struct gc_node *gc_new(struct kunit *test, struct pymm_heap *heap,
		       const struct pymm_type *type, struct gc_counts *counts,
		       u32 id);
void gc_set_ref(struct pymm_heap *heap, struct gc_node *from, int slot,
		void *to);
void *gc_self_cycle(struct kunit *test, struct pymm_heap *heap,
		    const struct pymm_type *type, struct gc_counts *counts,
		    u32 id);
unsigned int gc_ring(struct kunit *test, struct pymm_heap *heap,
		     const struct pymm_type *type, struct gc_counts *counts,
		     unsigned int n, u32 first_id, struct gc_node **first);
bool gc_wait_atomic(atomic_t *v, int want, unsigned int ms);

int gc_heap_path(char *buf, size_t size, const char *heap, const char *file);
int gc_parse_stats(const char *text, struct gc_stats *st);
void gc_read_stats(struct kunit *test, const char *heap, struct gc_stats *st);

#endif /* _GC_UTIL_H */
