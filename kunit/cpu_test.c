// SPDX-License-Identifier: GPL-2.0
/*
 * pymm_cpu: each CPU's current pool (mod/cpu.c).
 *
 * A CPU allocates from a pool of its own and frees into it without a lock;
 * blocks of that pool freed on other CPUs wait on the pool's shared list
 * until the owner has used up its own.  The shrinker hands back the current
 * pools that have nothing in use, and counts nothing for the others; a CPU
 * going offline, and unload, hand every current pool back.  The cases that
 * need a second CPU run their steps on CPUs 0 and 1 with work_on_cpu() and
 * skip on a uniprocessor (UML); debug mode has no current pools, so the
 * suite skips there.
 */
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/shrinker.h>
#include <linux/workqueue.h>

#include "pymm_test.h"

#define CPU_CLASS	20

struct cpu_step {
	struct kunit *test;
	struct pt_blocks *bag;
	unsigned int from, n;	/* blocks of the bag a step works on */
	void *got[PAGE_SIZE / 8];
	unsigned int ngot;
};

static struct pt_classes *cpu_classes(struct kunit *test)
{
	struct pt_classes *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	return c;
}

static void cpu_needs_current_pools(struct kunit *test)
{
	if (pt_debug(test))
		kunit_skip(test, "debug mode has no per-CPU current pools");
}

static void cpu_needs_two(struct kunit *test)
{
	cpu_needs_current_pools(test);
	if (num_online_cpus() < 2 || !cpu_online(0) || !cpu_online(1))
		kunit_skip(test, "needs CPUs 0 and 1 online");
}

/* A block freed on its own CPU stays in the current pool, even when the
 * pool is then unused, until the shrinker hands the pool back: it has
 * nothing in use, so its return gives memory back.
 */
static void current_pool_is_kept_until_the_shrinker_hands_it_back(struct kunit *test)
{
	struct pt_blocks *bag = pt_blocks_new(test, 4096);
	struct pt_classes *c0, *c1, *c2;
	void *x;

	cpu_needs_current_pools(test);
	c0 = cpu_classes(test);
	c1 = cpu_classes(test);
	c2 = cpu_classes(test);

	pt_drain_class(test, bag, CPU_CLASS);
	pt_read_classes(test, c0);
	/* A fresh pool with one block, freed at once: the pool stays. */
	x = pymm_malloc(pt_class_size(CPU_CLASS), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, x);
	KUNIT_EXPECT_EQ(test, pt_offset(x), 0);
	pymm_free(x);
	pt_read_classes(test, c1);
	KUNIT_EXPECT_EQ(test, c1->c[CPU_CLASS].pools, c0->c[CPU_CLASS].pools + 1);
	KUNIT_EXPECT_EQ(test, c1->c[CPU_CLASS].inuse, c0->c[CPU_CLASS].inuse);
	KUNIT_EXPECT_EQ(test, c1->c[CPU_CLASS].free,
			pt_capacity(test, CPU_CLASS));

	/* Handed back with nothing in use, it goes back to its arena. */
	pt_run_shrinkers(test);
	pt_read_classes(test, c2);
	KUNIT_EXPECT_EQ(test, c2->c[CPU_CLASS].pools, c0->c[CPU_CLASS].pools);
	KUNIT_EXPECT_EQ(test, c2->c[CPU_CLASS].free, 0);
	pt_blocks_free_all(bag);
}

/*
 * A current pool with a block in use gives nothing back when it is handed
 * back.  With nothing else to give (no cached arena, no free pool), the
 * shrinker counts nothing, although this CPU owns pools: reclaim then
 * interrupts no CPU.
 */
static void shrinker_counts_nothing_for_current_pools_in_use(struct kunit *test)
{
	struct pt_blocks *bag = pt_blocks_new(test, 4096);
	size_t size = pt_class_size(CPU_CLASS);
	void *x, *y;

	cpu_needs_current_pools(test);
	/* No CPU owns a pool, and the class's next block starts a pool. */
	pt_drop_slab(test);
	pt_drain_class(test, bag, CPU_CLASS);
	x = pt_blocks_alloc(test, bag, size, GFP_KERNEL);
	KUNIT_ASSERT_EQ(test, pt_offset(x), 0);
	/* The rest of the arena x's pool came from, and any cached arena. */
	pt_run_shrinkers(test);
	y = pt_blocks_alloc(test, bag, size, GFP_KERNEL);
	KUNIT_EXPECT_PTR_EQ(test, y, x + pt_stride(test, CPU_CLASS));

	KUNIT_EXPECT_EQ(test, pymm_test_shrink_count(), SHRINK_EMPTY);
	pt_blocks_free_all(bag);
}

static long cpu_alloc_step(void *arg)
{
	struct cpu_step *st = arg;
	unsigned int i;

	for (i = 0; i < st->n; i++) {
		st->got[i] = pymm_malloc(pt_class_size(CPU_CLASS), GFP_KERNEL);
		if (!st->got[i])
			return -ENOMEM;
	}
	st->ngot = st->n;
	return 0;
}

static long cpu_free_step(void *arg)
{
	struct cpu_step *st = arg;
	unsigned int i;

	for (i = 0; i < st->n; i++)
		pt_blocks_free(st->bag, st->from + i);
	return 0;
}

/* Allocate @n blocks on @cpu into @st->got, and record them in the bag. */
static void cpu_alloc_on(struct kunit *test, struct cpu_step *st,
			 unsigned int cpu, unsigned int n)
{
	unsigned int i;

	st->n = n;
	KUNIT_ASSERT_EQ(test, work_on_cpu(cpu, cpu_alloc_step, st), 0);
	for (i = 0; i < n; i++)
		pt_blocks_add(test, st->bag, st->got[i]);
}

/*
 * CPU 0's current pool is used but for one never-carved block; CPU 1
 * frees three of its blocks.  They stay in the pool (its free count grows,
 * its pools do not move), and once CPU 0 has carved its last block it takes
 * them over: they are its next three allocations, most recently freed first.
 */
static void other_cpus_frees_are_taken_over_by_the_owner(struct kunit *test)
{
	struct cpu_step *st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	unsigned int cap = pt_capacity(test, CPU_CLASS), start, i;
	struct pt_classes *c0, *c1;
	void *freed[3];

	cpu_needs_two(test);
	KUNIT_ASSERT_NOT_NULL(test, st);
	c0 = cpu_classes(test);
	c1 = cpu_classes(test);
	st->test = test;
	st->bag = pt_blocks_new(test, 4096);

	/* No CPU has a current pool of the class, and it has no free block. */
	pt_drop_slab(test);
	pt_drain_class(test, st->bag, CPU_CLASS);
	start = st->bag->n;
	cpu_alloc_on(test, st, 0, cap - 1);
	for (i = 1; i < cap - 1; i++)
		KUNIT_ASSERT_EQ(test, pt_page(st->bag->p[start + i]),
				pt_page(st->bag->p[start]));
	pt_read_classes(test, c0);

	for (i = 0; i < 3; i++)
		freed[i] = st->bag->p[start + 2 * i + 1];
	st->from = start + 1;
	st->n = 1;
	for (i = 0; i < 3; i++) {
		KUNIT_ASSERT_EQ(test, work_on_cpu(1, cpu_free_step, st), 0);
		st->from += 2;
	}
	pt_read_classes(test, c1);
	KUNIT_EXPECT_EQ(test, c1->c[CPU_CLASS].pools, c0->c[CPU_CLASS].pools);
	KUNIT_EXPECT_EQ(test, c1->c[CPU_CLASS].free, c0->c[CPU_CLASS].free + 3);

	/* The last never-carved block, then the three, newest first. */
	cpu_alloc_on(test, st, 0, 4);
	KUNIT_EXPECT_PTR_EQ(test, st->got[0],
			    (void *)st->bag->p[start] +
			    (cap - 1) * pt_stride(test, CPU_CLASS));
	KUNIT_EXPECT_PTR_EQ(test, st->got[1], freed[2]);
	KUNIT_EXPECT_PTR_EQ(test, st->got[2], freed[1]);
	KUNIT_EXPECT_PTR_EQ(test, st->got[3], freed[0]);
	/* Full now: the next block comes from a fresh pool. */
	cpu_alloc_on(test, st, 0, 1);
	KUNIT_EXPECT_EQ(test, pt_offset(st->got[0]), 0);
	pt_blocks_free_all(st->bag);
}

/*
 * Blocks allocated on CPU 0 and freed on CPU 1 are counted on different
 * CPUs; the classes file adds them up exactly once the class is quiet, and
 * handing back CPU 0's pool returns every emptied pool to its arena.
 */
static void counters_of_all_cpus_add_up(struct kunit *test)
{
	struct cpu_step *st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	unsigned int n = 3 * pt_capacity(test, CPU_CLASS) / 2;
	struct pt_classes *c0, *c1, *c2;

	cpu_needs_two(test);
	KUNIT_ASSERT_NOT_NULL(test, st);
	c0 = cpu_classes(test);
	c1 = cpu_classes(test);
	c2 = cpu_classes(test);
	st->test = test;
	st->bag = pt_blocks_new(test, 4096);

	pt_drop_slab(test);
	pt_read_classes(test, c0);
	cpu_alloc_on(test, st, 0, n);
	pt_read_classes(test, c1);
	KUNIT_EXPECT_EQ(test, c1->c[CPU_CLASS].allocs,
			c0->c[CPU_CLASS].allocs + n);
	KUNIT_EXPECT_EQ(test, c1->c[CPU_CLASS].inuse,
			c0->c[CPU_CLASS].inuse + n);

	st->from = 0;
	st->n = st->bag->n;
	KUNIT_ASSERT_EQ(test, work_on_cpu(1, cpu_free_step, st), 0);
	pt_drop_slab(test);
	pt_read_classes(test, c2);
	KUNIT_EXPECT_EQ(test, c2->c[CPU_CLASS].frees,
			c0->c[CPU_CLASS].frees + n);
	KUNIT_EXPECT_EQ(test, c2->c[CPU_CLASS].inuse, c0->c[CPU_CLASS].inuse);
	KUNIT_EXPECT_EQ(test, c2->c[CPU_CLASS].pools, c0->c[CPU_CLASS].pools);
}

static long cpu_alloc_free_step(void *arg)
{
	void *p = pymm_malloc(pt_class_size(CPU_CLASS), GFP_KERNEL);

	if (!p)
		return -ENOMEM;
	pymm_free(p);
	return 0;
}

/*
 * CPU 1 is left with a current pool that has nothing in use; when CPU 1
 * goes offline, the pool goes back to its arena.
 */
static void current_pool_of_an_offlined_cpu_is_handed_back(struct kunit *test)
{
	struct pt_classes *c0, *c1, *c2;
	int err;

	cpu_needs_two(test);
	if (!IS_ENABLED(CONFIG_HOTPLUG_CPU))
		kunit_skip(test, "needs CONFIG_HOTPLUG_CPU");
	/* Off CPU 1, which is about to go. */
	KUNIT_ASSERT_EQ(test, set_cpus_allowed_ptr(current, cpumask_of(0)), 0);
	c0 = cpu_classes(test);
	c1 = cpu_classes(test);
	c2 = cpu_classes(test);

	pt_drop_slab(test);
	pt_read_classes(test, c0);
	KUNIT_ASSERT_EQ(test, work_on_cpu(1, cpu_alloc_free_step, NULL), 0);
	pt_read_classes(test, c1);
	KUNIT_ASSERT_EQ(test, c1->c[CPU_CLASS].pools, c0->c[CPU_CLASS].pools + 1);

	err = remove_cpu(1);
	if (err)
		kunit_skip(test, "CPU 1 cannot go offline (%d)", err);
	pt_read_classes(test, c2);
	KUNIT_EXPECT_EQ(test, add_cpu(1), 0);
	KUNIT_EXPECT_EQ(test, c2->c[CPU_CLASS].pools, c0->c[CPU_CLASS].pools);
	KUNIT_EXPECT_EQ(test, c2->c[CPU_CLASS].inuse, c0->c[CPU_CLASS].inuse);
}

struct offline_window {
	struct work_struct work;
	struct completion done;
	int err;
	bool inside;
};

static void offline_cpu1(struct work_struct *work)
{
	struct offline_window *ow = container_of(work, struct offline_window,
						 work);

	ow->err = remove_cpu(1);
	complete(&ow->done);
}

/*
 * Between unload's removal of its hotplug state and its hand-back of the
 * current pools: take CPU 1 down, from CPU 0.  Where unload holds off
 * hotplug through both steps, as it must, the offline cannot finish here;
 * it gets five seconds (plenty for an offline, even under TCG), then
 * finishes once the hand-back is done.
 */
static void offline_in_window(void *arg)
{
	struct offline_window *ow = arg;

	queue_work_on(0, system_wq, &ow->work);
	ow->inside = wait_for_completion_timeout(&ow->done, 5 * HZ);
}

/*
 * Bug 8: unload removed its hotplug state, then handed back the current
 * pools of the online CPUs only, with CPU hotplug free to run in between.
 * A CPU taken down there kept its current pools: a false LEAK at unload
 * and pages never freed.  CPU 1 owns a pool with nothing in use and goes
 * down in that window; afterwards no CPU may still own it.
 */
static void unload_hands_back_the_pools_of_a_cpu_going_down_meanwhile(struct kunit *test)
{
	struct offline_window *ow = kunit_kzalloc(test, sizeof(*ow), GFP_KERNEL);
	struct pt_classes *c0, *c1, *c2;
	int err;

	cpu_needs_two(test);
	if (!IS_ENABLED(CONFIG_HOTPLUG_CPU))
		kunit_skip(test, "needs CONFIG_HOTPLUG_CPU");
	KUNIT_ASSERT_NOT_NULL(test, ow);
	INIT_WORK(&ow->work, offline_cpu1);
	init_completion(&ow->done);
	/* Off CPU 1, which is about to go. */
	KUNIT_ASSERT_EQ(test, set_cpus_allowed_ptr(current, cpumask_of(0)), 0);
	c0 = cpu_classes(test);
	c1 = cpu_classes(test);
	c2 = cpu_classes(test);

	pt_drop_slab(test);
	pt_read_classes(test, c0);
	KUNIT_ASSERT_EQ(test, work_on_cpu(1, cpu_alloc_free_step, NULL), 0);
	pt_read_classes(test, c1);
	KUNIT_ASSERT_EQ(test, c1->c[CPU_CLASS].pools, c0->c[CPU_CLASS].pools + 1);

	err = pymm_test_cpu_restart(offline_in_window, ow);
	/* ow is the test's: the offline must be over before any return. */
	flush_work(&ow->work);
	KUNIT_ASSERT_EQ(test, err, 0);
	if (ow->err)
		kunit_skip(test, "CPU 1 cannot go offline (%d)", ow->err);
	kunit_info(test, "CPU 1 went down %s the window\n",
		   ow->inside ? "inside" : "after");
	pt_read_classes(test, c2);
	KUNIT_EXPECT_EQ(test, add_cpu(1), 0);
	KUNIT_EXPECT_FALSE(test, ow->inside);
	KUNIT_EXPECT_EQ(test, c2->c[CPU_CLASS].pools, c0->c[CPU_CLASS].pools);
	KUNIT_EXPECT_EQ(test, c2->c[CPU_CLASS].inuse, c0->c[CPU_CLASS].inuse);
}

static struct kunit_case pymm_cpu_cases[] = {
	KUNIT_CASE(current_pool_is_kept_until_the_shrinker_hands_it_back),
	KUNIT_CASE(other_cpus_frees_are_taken_over_by_the_owner),
	KUNIT_CASE(counters_of_all_cpus_add_up),
	KUNIT_CASE(current_pool_of_an_offlined_cpu_is_handed_back),
	KUNIT_CASE(shrinker_counts_nothing_for_current_pools_in_use),
	KUNIT_CASE_SLOW(unload_hands_back_the_pools_of_a_cpu_going_down_meanwhile),
	{}
};

static struct kunit_suite pymm_cpu_suite = {
	.name = "pymm_cpu",
	.init = pt_pin_cpu,
	.test_cases = pymm_cpu_cases,
};

kunit_test_suites(&pymm_cpu_suite);
