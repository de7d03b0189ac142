// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: garbage of two heaps referencing each other (suite gc_cross_heap).
 *
 * A collection of heap A clears A's garbage with A's lock held; a clear()
 * that drops the last reference to an object of heap B destroys it at once,
 * taking B's lock inside A's.  The same with the heaps swapped takes A's
 * lock inside B's: two tasks collecting A and B at the same time can
 * deadlock, and lockdep reports the inversion from this single-threaded
 * case.  Nothing here uses pymm_lock(): pymm's own collections nest the
 * locks.
 *
 * Keep this suite last in the module: once lockdep has reported, it stops
 * checking for the rest of the boot.
 */
#include <kunit/test.h>

#include "gc_util.h"

/* A garbage self-cycle of @heap holding the only reference to @other. */
static void gc_cycle_holding(struct kunit *test, struct pymm_heap *heap,
			     struct gc_counts *c, u32 id, struct gc_node *other)
{
	struct gc_node *n = gc_new(test, heap, &gc_node_type, c, id);

	gc_set_ref(heap, n, 0, n);
	gc_set_ref(heap, n, 1, other);
	pymm_put(other);
	pymm_put(n);
}

static void gc_heaps_referencing_each_other_collect_without_lock_inversion(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct gc_counts *c = gc_counts_new(test, 4);
	struct pymm_heap *ha = ctx->heap, *hb;
	char name[32];

	hb = gc_heap_new(test, name, sizeof(name));
	pymm_set_threshold(hb, 0, 0, 0);
	gc_cycle_holding(test, ha, c, 0, gc_new(test, hb, &gc_node_type, c, 1));
	gc_cycle_holding(test, hb, c, 2, gc_new(test, ha, &gc_node_type, c, 3));
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 0);

	/* B's object dies inside A's collection, A's inside B's. */
	KUNIT_EXPECT_EQ(test, pymm_collect(ha, 0), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->rel_by_id[1]), 1);
	KUNIT_EXPECT_EQ(test, pymm_collect(hb, 0), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->rel_by_id[3]), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->released), 4);
	pymm_heap_destroy(hb);
}

static struct kunit_case gc_cross_heap_cases[] = {
	KUNIT_CASE(gc_heaps_referencing_each_other_collect_without_lock_inversion),
	{}
};

static struct kunit_suite gc_cross_heap_suite = {
	.name = "gc_cross_heap",
	.init = gc_ctx_init,
	.exit = gc_ctx_exit,
	.test_cases = gc_cross_heap_cases,
};

kunit_test_suites(&gc_cross_heap_suite);
