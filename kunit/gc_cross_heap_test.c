// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: garbage of two heaps referencing each other (suite gc_cross_heap).
 *
 * A collection of heap A clears A's garbage with A's lock held; a clear()
 * that drops the last reference to an object of heap B must not destroy it
 * there, or it would take B's lock inside A's, and with the heaps swapped
 * A's inside B's: lockdep would report the inversion even from this
 * single-threaded case.  pymm hands such a death to B's worker instead, so
 * the test waits for it.
 *
 * Keep this suite last in the module: should lockdep report, it stops
 * checking for the rest of the boot.
 */
#include <kunit/test.h>
#include <linux/delay.h>

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

/* Wait up to 5 s for a deferred release; true if it happened. */
static bool gc_wait_released(atomic_t *released, int want)
{
	int i;

	for (i = 0; i < 250 && atomic_read(released) != want; i++)
		msleep(20);
	return atomic_read(released) == want;
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

	/* B's object dies of A's collection, in B's worker; and back. */
	KUNIT_EXPECT_EQ(test, pymm_collect(ha, 0), 1);
	KUNIT_EXPECT_TRUE(test, gc_wait_released(&c->rel_by_id[1], 1));
	KUNIT_EXPECT_EQ(test, pymm_collect(hb, 0), 1);
	KUNIT_EXPECT_TRUE(test, gc_wait_released(&c->rel_by_id[3], 1));
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
