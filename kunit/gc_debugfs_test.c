// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: a heap's debugfs files and where its memory goes (suite
 * gc_debugfs).
 *
 * /sys/kernel/debug/pymm/heaps/<name>/ has gc (statistics, parsed against
 * the exact format heap.c prints), collect, threshold, enabled and freeze.
 * They are read and written as read(2) and write(2) do (see gc_util.h).
 * Every object is one pymm block (a large one past PYMM_SMALL_MAX), so
 * pymm's summary counts them: the last case follows blocks_inuse and
 * large_allocs through a workload.  Heaps have the default thresholds
 * (700, 10, 10); no case allocates enough to reach the first.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/string.h>

#include "gc_util.h"

static void gc_path(struct gc_ctx *ctx, const char *file, char *buf,
		    size_t size)
{
	gc_heap_path(buf, size, ctx->name, file);
}

static void gc_expect_file(struct kunit *test, const char *path,
			   const char *want)
{
	char buf[128];
	ssize_t len = pt_read_user(path, buf, sizeof(buf));

	KUNIT_ASSERT_GT_MSG(test, len, 0, "reading %s: %zd", path, len);
	KUNIT_EXPECT_STREQ_MSG(test, buf, want, "contents of %s", path);
}

static void gc_file_of_new_heap_reads_exactly(struct kunit *test)
{
	static const char want[] =
		GC_STATS_HEADER "\n"
		"0 0 700 0 0 0 0 0 0\n"
		"1 0 10 0 0 0 0 0 0\n"
		"2 0 10 0 0 0 0 0 0\n"
		"permanent 0 - - - - - - -\n"
		"long_lived_total 0\n"
		"long_lived_pending 0\n"
		"incremental 1\n"
		"increments 0\n"
		"passes 0\n"
		"max_hold_ns 0\n"
		"max_hold_run_ns 0\n"
		"backlog 0\n"
		"backlog_peak 0\n"
		"paced 0\n"
		"paced_ns 0\n";
	struct gc_ctx *ctx = test->priv;
	char path[96], buf[512];
	struct gc_stats st;

	gc_path(ctx, "gc", path, sizeof(path));
	/* Both ways of reading it agree. */
	KUNIT_ASSERT_GT(test, pt_read_user(path, buf, sizeof(buf)), 0);
	KUNIT_EXPECT_STREQ(test, buf, want);
	KUNIT_ASSERT_GT(test, tl_read_file(path, buf, sizeof(buf), 0), 0);
	KUNIT_EXPECT_STREQ(test, buf, want);
	KUNIT_EXPECT_EQ(test, gc_parse_stats(buf, &st), 0);
	KUNIT_EXPECT_EQ(test, st.gen[0].threshold, 700);
	KUNIT_EXPECT_EQ(test, st.gen[1].threshold, 10);
	KUNIT_EXPECT_EQ(test, st.gen[2].threshold, 10);
	/* The parser is strict: a changed header or row is refused. */
	buf[0] = 'G';
	KUNIT_EXPECT_EQ(test, gc_parse_stats(buf, &st), -EINVAL);
}

static void gc_file_objects_column_counts_each_generation(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_counts *c = ctx->counts;
	struct gc_node *n[8];
	struct gc_stats st;
	int i;

	for (i = 0; i < 5; i++)
		n[i] = gc_new(test, ctx->heap, &gc_node_type, c, i);
	gc_read_stats(test, ctx->name, &st);
	KUNIT_EXPECT_EQ(test, st.gen[0].objects, 5);
	KUNIT_EXPECT_EQ(test, st.gen[0].count, 5);

	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 0), 0);
	for (i = 5; i < 8; i++)
		n[i] = gc_new(test, ctx->heap, &gc_node_type, c, i);
	gc_read_stats(test, ctx->name, &st);
	KUNIT_EXPECT_EQ(test, st.gen[0].objects, 3);
	KUNIT_EXPECT_EQ(test, st.gen[1].objects, 5);
	KUNIT_EXPECT_EQ(test, st.gen[0].count, 3);

	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 1), 0);
	gc_read_stats(test, ctx->name, &st);
	KUNIT_EXPECT_EQ(test, st.gen[0].objects + st.gen[1].objects, 0);
	KUNIT_EXPECT_EQ(test, st.gen[2].objects, 8);

	pymm_freeze(ctx->heap);
	gc_read_stats(test, ctx->name, &st);
	KUNIT_EXPECT_EQ(test, st.gen[2].objects, 0);
	KUNIT_EXPECT_EQ(test, st.permanent, 8);
	pymm_unfreeze(ctx->heap);

	/* Deaths by refcount leave their list at once. */
	pymm_put(n[0]);
	gc_read_stats(test, ctx->name, &st);
	KUNIT_EXPECT_EQ(test, st.permanent, 0);
	KUNIT_EXPECT_EQ(test, st.gen[2].objects, 7);
	for (i = 1; i < 8; i++)
		pymm_put(n[i]);
	gc_read_stats(test, ctx->name, &st);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, st.gen[i].objects, 0);
}

/*
 * Three garbage self-cycles and a pair whose clear() keeps its references
 * (uncollectable: still alive after being cleared), then the pair again,
 * now clearable.
 */
static void gc_file_counters_follow_collections(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_counts *c = ctx->counts;
	struct gc_node *a, *b;
	struct gc_stats st;
	int i;

	for (i = 0; i < 3; i++)
		gc_self_cycle(test, ctx->heap, &gc_node_type, c, i);
	a = gc_new(test, ctx->heap, &gc_node_type, c, 3);
	b = gc_new(test, ctx->heap, &gc_node_type, c, 4);
	a->stubborn = true;
	b->stubborn = true;
	gc_set_ref(ctx->heap, a, 0, b);
	gc_set_ref(ctx->heap, b, 0, a);
	pymm_put(a);
	pymm_put(b);

	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 0), 3);
	gc_read_stats(test, ctx->name, &st);
	KUNIT_EXPECT_EQ(test, st.gen[0].collections, 1);
	KUNIT_EXPECT_EQ(test, st.gen[0].collected, 3);
	KUNIT_EXPECT_EQ(test, st.gen[0].uncollectable, 2);
	/* Under emulation the clock may be too coarse to see a tiny pause. */
	KUNIT_EXPECT_EQ(test, st.gen[0].total_pause_ns, st.gen[0].last_pause_ns);
	KUNIT_EXPECT_EQ(test, st.gen[0].count, 0);
	KUNIT_EXPECT_EQ(test, st.gen[1].count, 1);
	KUNIT_EXPECT_EQ(test, st.gen[1].objects, 2);
	KUNIT_EXPECT_EQ(test, st.gen[1].collections, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 3);
	KUNIT_EXPECT_EQ(test, a->magic + b->magic, 2 * GC_MAGIC);

	/* They are alive (each holds the other): make them clearable. */
	pymm_lock(ctx->heap);
	a->stubborn = false;
	b->stubborn = false;
	pymm_unlock(ctx->heap);
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 1), 2);
	gc_read_stats(test, ctx->name, &st);
	KUNIT_EXPECT_EQ(test, st.gen[1].collections, 1);
	KUNIT_EXPECT_EQ(test, st.gen[1].collected, 2);
	KUNIT_EXPECT_EQ(test, st.gen[1].uncollectable, 0);
	KUNIT_EXPECT_EQ(test, st.gen[1].count, 0);
	KUNIT_EXPECT_EQ(test, st.gen[2].count, 1);
	/* A gen1 collection is counted in gen1's row only. */
	KUNIT_EXPECT_EQ(test, st.gen[0].collections, 1);
	KUNIT_EXPECT_EQ(test, st.gen[0].collected, 3);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 5);

	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 2), 0);
	gc_read_stats(test, ctx->name, &st);
	KUNIT_EXPECT_EQ(test, st.gen[2].collections, 1);
	KUNIT_EXPECT_EQ(test, st.gen[2].count, 0);
	KUNIT_EXPECT_EQ(test, st.gen[1].count, 0);
}

static void gc_file_long_lived_rows_follow_collections(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_node *n[11];
	struct gc_stats st;
	int i;

	for (i = 0; i < 8; i++)
		n[i] = gc_new(test, ctx->heap, &gc_node_type, ctx->counts, i);
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 2), 0);
	gc_read_stats(test, ctx->name, &st);
	KUNIT_EXPECT_EQ(test, st.long_lived_total, 8);
	KUNIT_EXPECT_EQ(test, st.long_lived_pending, 0);

	for (i = 8; i < 11; i++)
		n[i] = gc_new(test, ctx->heap, &gc_node_type, ctx->counts, i);
	/* A gen0 collection moves survivors to gen1 only. */
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 0), 0);
	gc_read_stats(test, ctx->name, &st);
	KUNIT_EXPECT_EQ(test, st.long_lived_pending, 0);
	/* A gen1 collection moves them into gen2: pending. */
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 1), 0);
	gc_read_stats(test, ctx->name, &st);
	KUNIT_EXPECT_EQ(test, st.long_lived_pending, 3);
	KUNIT_EXPECT_EQ(test, st.long_lived_total, 8);
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 2), 0);
	gc_read_stats(test, ctx->name, &st);
	KUNIT_EXPECT_EQ(test, st.long_lived_pending, 0);
	KUNIT_EXPECT_EQ(test, st.long_lived_total, 11);

	for (i = 0; i < 11; i++)
		pymm_put(n[i]);
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 2), 0);
	gc_read_stats(test, ctx->name, &st);
	KUNIT_EXPECT_EQ(test, st.long_lived_total, 0);
}

static void gc_collect_file_runs_the_generation_written(struct kunit *test)
{
	static const char * const bad[] = { "3", "-1", "x", "", "0 1" };
	struct gc_ctx *ctx = test->priv;
	struct gc_counts *c = ctx->counts;
	struct gc_node *a, *b;
	struct gc_stats st;
	char path[96];
	int i;

	gc_path(ctx, "collect", path, sizeof(path));
	gc_self_cycle(test, ctx->heap, &gc_node_type, c, 0);
	gc_self_cycle(test, ctx->heap, &gc_node_type, c, 1);
	/* A cycle held until it is in gen1, then dropped. */
	a = gc_new(test, ctx->heap, &gc_node_type, c, 2);
	b = gc_new(test, ctx->heap, &gc_node_type, c, 3);
	gc_set_ref(ctx->heap, a, 0, b);
	gc_set_ref(ctx->heap, b, 0, a);
	pymm_put(b);

	KUNIT_EXPECT_EQ(test, pt_write_user(path, "0"), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 2);
	pymm_put(a);
	KUNIT_EXPECT_EQ(test, pt_write_user(path, "0\n"), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 2);
	KUNIT_EXPECT_EQ(test, pt_write_user(path, "1"), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 4);
	KUNIT_EXPECT_EQ(test, pt_write_user(path, "2\n"), 0);
	gc_read_stats(test, ctx->name, &st);
	KUNIT_EXPECT_EQ(test, st.gen[0].collections, 2);
	KUNIT_EXPECT_EQ(test, st.gen[0].collected, 2);
	KUNIT_EXPECT_EQ(test, st.gen[1].collections, 1);
	KUNIT_EXPECT_EQ(test, st.gen[1].collected, 2);
	KUNIT_EXPECT_EQ(test, st.gen[2].collections, 1);

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test, pt_write_user(path, bad[i]), -EINVAL,
				    "writing \"%s\"", bad[i]);
	gc_read_stats(test, ctx->name, &st);
	KUNIT_EXPECT_EQ(test, st.gen[0].collections, 2);
	KUNIT_EXPECT_EQ(test, st.gen[1].collections, 1);
	KUNIT_EXPECT_EQ(test, st.gen[2].collections, 1);
}

static void gc_threshold_file_round_trips_and_rejects_bad_input(struct kunit *test)
{
	static const char * const bad[] = {
		"5 6", "a b c", "1 2 3 4", "1 2 3 x", "", "-1 2 3",
	};
	struct gc_ctx *ctx = test->priv;
	struct gc_stats st;
	char path[96], longer[80];
	int i;

	gc_path(ctx, "threshold", path, sizeof(path));
	gc_expect_file(test, path, "gen0 gen1 gen2\n700 10 10\n");
	KUNIT_EXPECT_EQ(test, pt_write_user(path, "5 6 7"), 0);
	gc_expect_file(test, path, "gen0 gen1 gen2\n5 6 7\n");
	gc_read_stats(test, ctx->name, &st);
	KUNIT_EXPECT_EQ(test, st.gen[0].threshold, 5);
	KUNIT_EXPECT_EQ(test, st.gen[1].threshold, 6);
	KUNIT_EXPECT_EQ(test, st.gen[2].threshold, 7);

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_EQ_MSG(test, pt_write_user(path, bad[i]), -EINVAL,
				    "writing \"%s\"", bad[i]);
		gc_expect_file(test, path, "gen0 gen1 gen2\n5 6 7\n");
	}
	/* Valid, but longer than the file takes (63 bytes). */
	snprintf(longer, sizeof(longer), "%-70s", "1 2 3");
	KUNIT_EXPECT_EQ(test, pt_write_user(path, longer), -EINVAL);
	gc_expect_file(test, path, "gen0 gen1 gen2\n5 6 7\n");
	/* As echo(1) writes it, and as the API sets it. */
	KUNIT_EXPECT_EQ(test, pt_write_user(path, "0 0 0\n"), 0);
	gc_expect_file(test, path, "gen0 gen1 gen2\n0 0 0\n");
	pymm_set_threshold(ctx->heap, 700, 10, 10);
	gc_expect_file(test, path, "gen0 gen1 gen2\n700 10 10\n");
}

/*
 * Numbers that do not fit an unsigned int are refused, and the thresholds
 * stay as they were: sscanf()'s %u used to keep the low 32 bits, so
 * "4294967296 10 10" set t0 to 0 and turned automatic collection off
 * (issue 10, bug 9).
 */
static void gc_threshold_file_refuses_numbers_that_do_not_fit(struct kunit *test)
{
	static const char * const big[] = {
		"4294967296 10 10", "10 4294967296 10", "10 10 4294967297\n",
		"18446744073709551616 10 10", "99999999999999999999 1 1",
	};
	struct gc_ctx *ctx = test->priv;
	struct gc_stats st;
	char path[96];
	int i;

	gc_path(ctx, "threshold", path, sizeof(path));
	KUNIT_EXPECT_EQ(test, pt_write_user(path, "700 10 10"), 0);
	for (i = 0; i < ARRAY_SIZE(big); i++) {
		KUNIT_EXPECT_EQ_MSG(test, pt_write_user(path, big[i]), -ERANGE,
				    "writing \"%s\"", big[i]);
		gc_expect_file(test, path, "gen0 gen1 gen2\n700 10 10\n");
	}
	/* The largest that fits is taken as it is. */
	KUNIT_EXPECT_EQ(test, pt_write_user(path, "4294967295 1 2\n"), 0);
	gc_expect_file(test, path, "gen0 gen1 gen2\n4294967295 1 2\n");
	gc_read_stats(test, ctx->name, &st);
	KUNIT_EXPECT_EQ(test, st.gen[0].threshold, 4294967295UL);
	pymm_set_threshold(ctx->heap, 700, 10, 10);
}

static void gc_enabled_file_switches_automatic_collection(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_counts *c = ctx->counts;
	struct gc_stats st;
	char path[96];
	int i;

	gc_path(ctx, "enabled", path, sizeof(path));
	gc_expect_file(test, path, "enabled\n1\n");
	KUNIT_EXPECT_EQ(test, pt_write_user(path, "0"), 0);
	gc_expect_file(test, path, "enabled\n0\n");
	KUNIT_EXPECT_EQ(test, pt_write_user(path, "maybe"), -EINVAL);
	gc_expect_file(test, path, "enabled\n0\n");

	for (i = 0; i < 701; i++)
		gc_self_cycle(test, ctx->heap, &gc_node_type, c, i);
	/* Whatever the allocations queued has run. */
	pymm_test_heap_work(ctx->heap, true);
	gc_read_stats(test, ctx->name, &st);
	KUNIT_EXPECT_EQ(test, st.gen[0].count, 701);
	KUNIT_EXPECT_EQ(test, st.gen[0].collections, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 0);
	/* Manual collections still work. */
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 0), 701);

	KUNIT_EXPECT_EQ(test, pt_write_user(path, "1\n"), 0);
	gc_expect_file(test, path, "enabled\n1\n");
	for (i = 0; i < 701; i++)
		gc_self_cycle(test, ctx->heap, &gc_node_type, c, i);
	KUNIT_EXPECT_TRUE(test, gc_wait_atomic(&c->released, 1402, 5000));
	gc_read_stats(test, ctx->name, &st);
	KUNIT_EXPECT_EQ(test, st.gen[0].collections, 2);
}

static void gc_freeze_file_freezes_and_unfreezes(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_counts *c = ctx->counts;
	struct gc_stats st;
	char path[96];
	int i;

	gc_path(ctx, "freeze", path, sizeof(path));
	for (i = 0; i < 3; i++)
		gc_self_cycle(test, ctx->heap, &gc_node_type, c, i);
	KUNIT_EXPECT_EQ(test, pt_write_user(path, "1"), 0);
	gc_read_stats(test, ctx->name, &st);
	KUNIT_EXPECT_EQ(test, st.permanent, 3);
	KUNIT_EXPECT_EQ(test, st.gen[0].objects, 0);
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 2), 0);
	KUNIT_EXPECT_EQ(test, pt_write_user(path, "2"), -EINVAL);
	gc_read_stats(test, ctx->name, &st);
	KUNIT_EXPECT_EQ(test, st.permanent, 3);

	KUNIT_EXPECT_EQ(test, pt_write_user(path, "0\n"), 0);
	gc_read_stats(test, ctx->name, &st);
	KUNIT_EXPECT_EQ(test, st.permanent, 0);
	KUNIT_EXPECT_EQ(test, st.gen[2].objects, 3);
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 2), 3);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 3);
}

static void gc_heap_files_come_and_go_with_the_heap(struct kunit *test)
{
	static const char * const files[] = {
		"gc", "collect", "threshold", "enabled", "freeze", "pauses",
		"incremental",
	};
	struct pymm_heap *h;
	struct file *f;
	char name[32], path[96];
	int i;

	h = gc_heap_new(test, name, sizeof(name));
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		gc_heap_path(path, sizeof(path), name, files[i]);
		f = filp_open(path, O_RDONLY | O_PATH, 0);
		KUNIT_EXPECT_FALSE_MSG(test, IS_ERR(f), "%s", path);
		if (!IS_ERR(f))
			filp_close(f, NULL);
	}
	pymm_heap_destroy(h);
	gc_heap_path(path, sizeof(path), name, "");
	f = filp_open(path, O_RDONLY | O_PATH, 0);
	KUNIT_EXPECT_PTR_EQ(test, f, ERR_PTR(-ENOENT));
	if (!IS_ERR(f))
		filp_close(f, NULL);
}

/*
 * Expect these block counts, waiting up to 5 s: a death is handed to the
 * heap's worker while any collection runs, such as the automatic one that
 * a burst of allocations queues.
 */
static void gc_expect_blocks(struct kunit *test, unsigned long blocks,
			     unsigned long large, const char *when)
{
	struct tl_summary s;
	long long b, l;
	int i;

	for (i = 0; i < 250; i++) {
		pt_read_summary(test, &s);
		b = s.v[TL_BLOCKS_INUSE];
		l = s.v[TL_LARGE_ALLOCS];
		if (b == blocks && l == large)
			break;
		msleep(20);
	}
	KUNIT_EXPECT_EQ_MSG(test, b, blocks, "blocks_inuse %s", when);
	KUNIT_EXPECT_EQ_MSG(test, l, large, "large_allocs %s", when);
}

/* Each object is one block; every block comes back, whatever freed it. */
static void gc_memory_returns_to_the_allocator(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_counts *c = ctx->counts;
	unsigned long b0 = ctx->blocks_before, l0 = ctx->large_before;
	struct gc_node *n[100], *first, *last, *orphan;
	struct gc_big *big[5];
	struct pymm_heap *h;
	void *grave = NULL;
	char name[32];
	int i;

	for (i = 0; i < 100; i++)
		n[i] = gc_new(test, ctx->heap, &gc_fin_type, c, i);
	for (i = 0; i < 5; i++) {
		big[i] = pymm_obj_new(ctx->heap, &gc_big_type, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, big[i]);
		big[i]->node.magic = GC_MAGIC;
		big[i]->node.counts = c;
	}
	gc_expect_blocks(test, b0 + 100, l0 + 5, "after allocation");

	/* Cycles through small and large objects, a resurrection. */
	for (i = 0; i < 100; i++)
		gc_set_ref(ctx->heap, n[i], 0, n[(i + 1) % 100]);
	for (i = 0; i < 5; i++) {
		gc_set_ref(ctx->heap, &big[i]->node, 0, n[i * 20]);
		gc_set_ref(ctx->heap, n[i * 20], 1, big[i]);
	}
	n[50]->resurrect_to = &grave;
	for (i = 0; i < 100; i++)
		pymm_put(n[i]);
	for (i = 0; i < 5; i++)
		pymm_put(big[i]);
	gc_expect_blocks(test, b0 + 100, l0 + 5, "before collecting");
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 0), 0);
	KUNIT_ASSERT_NOT_NULL(test, grave);
	pymm_put(grave);
	KUNIT_EXPECT_EQ(test, pymm_collect(ctx->heap, 2), 105);
	gc_expect_blocks(test, b0, l0, "after collecting");

	/* A long chain freed by refcount. */
	gc_ring(test, ctx->heap, &gc_node_type, c, 1000, 0, &first);
	gc_expect_blocks(test, b0 + 1000, l0, "with a ring of 1000");
	pymm_lock(ctx->heap);
	for (last = first; last->ref[0] != first; last = last->ref[0])
		;
	last->ref[0] = NULL;		/* the ring is now a chain */
	pymm_unlock(ctx->heap);
	pymm_put(first);		/* the reference last held */
	gc_expect_blocks(test, b0 + 1000, l0, "with a chain of 1000");
	pymm_put(first);
	gc_expect_blocks(test, b0, l0, "after the chain");

	/* Orphans of a destroyed heap. */
	h = gc_heap_new(test, name, sizeof(name));
	orphan = gc_new(test, h, &gc_node_type, c, 0);
	big[0] = pymm_obj_new(h, &gc_big_type, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, big[0]);
	pymm_heap_destroy(h);
	gc_expect_blocks(test, b0 + 1, l0 + 1, "with orphans");
	pymm_put(orphan);
	pymm_put(big[0]);
	gc_expect_blocks(test, b0, l0, "after the orphans");
}

/* Files are read and written with a user mm lent to the case: compat.h. */
static int gc_debugfs_init(struct kunit *test)
{
	int ret = gc_ctx_init_auto(test);

	if (!ret && !PYMM_KUNIT_USER_MM)
		kunit_skip(test, "no user mm for a KUnit module before 6.11");
	return ret;
}

static struct kunit_case gc_debugfs_cases[] = {
	KUNIT_CASE(gc_file_of_new_heap_reads_exactly),
	KUNIT_CASE(gc_file_objects_column_counts_each_generation),
	KUNIT_CASE(gc_file_counters_follow_collections),
	KUNIT_CASE(gc_file_long_lived_rows_follow_collections),
	KUNIT_CASE(gc_collect_file_runs_the_generation_written),
	KUNIT_CASE(gc_threshold_file_round_trips_and_rejects_bad_input),
	KUNIT_CASE(gc_threshold_file_refuses_numbers_that_do_not_fit),
	KUNIT_CASE(gc_enabled_file_switches_automatic_collection),
	KUNIT_CASE(gc_freeze_file_freezes_and_unfreezes),
	KUNIT_CASE(gc_heap_files_come_and_go_with_the_heap),
	KUNIT_CASE(gc_memory_returns_to_the_allocator),
	{}
};

static struct kunit_suite gc_debugfs_suite = {
	.name = "gc_debugfs",
	.init = gc_debugfs_init,
	.exit = gc_ctx_exit,
	.test_cases = gc_debugfs_cases,
};

kunit_test_suites(&gc_debugfs_suite);
