// SPDX-License-Identifier: GPL-2.0
/*
 * pymm_torture.ko (torture.c, torture_alloc.c, torture_obj.c,
 * torture_core.c and the test helpers of testlib.h): looks for
 * concurrency and lifetime bugs in pymm the way locktorture and rcutorture
 * look for them in the kernel's primitives: many kthreads on every CPU,
 * hrtimer and timer_list users, the shrinkers and CPU hotplug, all at once
 * for a fixed time, every result checked, and statistics at the end.
 *
 * The run happens at insmod and blocks it for duration= seconds.  At the
 * end the module prints
 *
 *   pymm_torture: N ops, M errors
 *
 * then one line of counts per kind ("pymm_torture: alloc: ...", "irq:",
 * "system:", "objects:", "inject:", "errors:").  An error is any
 * inconsistency the torture found (a block's stamp changed, a block handed
 * out twice, a callback after its heap's destroy returned, a release seen
 * twice or never, an err_* counter that moved by other than what was
 * injected, blocks still in use at the end, ...); the first few of each
 * kind are also printed as "pymm_torture: error <kind>: ..." lines.  The
 * verdict is that line: once the run is over the load succeeds whatever M
 * is (rmmod pymm_torture afterwards; it holds nothing).  Failing it would
 * run everything twice under busybox, whose insmod retries a failed
 * finit_module() with init_module().  Only a run that cannot start fails
 * the load.
 *
 * This file is the top layer (see torture_core.h): init and exit, and the run
 * it orchestrates: the parts started and stopped, the shrinker and hotplug
 * threads, and the final checks.  Every thread is stopped, every timer
 * cancelled and every block and object given back before the counters
 * are read for the last time.
 */
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/sched.h>

#include "torture_core.h"

#define TT_RELEASE_POOLS	TL_PARAM("release_free_pools")

static char tt_release_pools_saved[4];

/*
 * The shrinkers, as the kernel runs them under pressure: drop_caches, with
 * release_free_pools switched on and off at random.
 */
static int tt_shrink_thread(void *arg)
{
	struct rnd_state rnd;
	int err;

	tt_rnd_init(&rnd, 1000);
	/* 4 does nothing but silence the log line of every later write. */
	tl_write_file(TL_DROP_CACHES, "4", 0);
	while (!kthread_should_stop()) {
		tt_nap(tt_shrink_ms / 2 + tt_rand(&rnd, tt_shrink_ms + 1));
		if (kthread_should_stop())
			break;
		if (tt_release_pools_saved[0])
			tl_write_file(TT_RELEASE_POOLS,
				      tt_rand(&rnd, 2) ? "1" : "0", 0);
		err = tl_write_file(TL_DROP_CACHES, "2", 0);
		if (!err)
			tt_count(TT_OP_SHRINK);
	}
	return 0;
}

/* One CPU other than the first online one goes offline and comes back. */
static int tt_hotplug_thread(void *arg)
{
	struct rnd_state rnd;
	unsigned int cpu, n;
	int err, tries;

	tt_rnd_init(&rnd, 1001);
	while (!kthread_should_stop()) {
		tt_nap(tt_hotplug_ms / 2 + tt_rand(&rnd, tt_hotplug_ms + 1));
		if (kthread_should_stop())
			break;
		n = num_online_cpus();
		if (n < 2)
			continue;
		cpu = cpumask_nth(1 + tt_rand(&rnd, n - 1), cpu_online_mask);
		if (cpu >= nr_cpu_ids || remove_cpu(cpu))
			continue;
		tt_count(TT_OP_OFFLINE);
		msleep(10 + tt_rand(&rnd, 100));
		for (tries = 0; tries < 10; tries++) {
			err = add_cpu(cpu);
			if (!err)
				break;
			msleep(100);
		}
		if (err)
			tt_error(TT_ERR_HOTPLUG, "CPU %u did not come back: %d",
				 cpu, err);
		else
			tt_count(TT_OP_ONLINE);
	}
	return 0;
}

/* Everything the torture allocated must be back: wait for the workers. */
static void tt_check_leaks(const struct tl_summary *start)
{
	struct tl_summary now;
	int i, err = 0;

	for (i = 0; i < 50; i++) {
		err = tl_read_summary(&now);
		if (err)
			break;
		if (now.v[TL_BLOCKS_INUSE] == start->v[TL_BLOCKS_INUSE] &&
		    now.v[TL_LARGE_ALLOCS] == start->v[TL_LARGE_ALLOCS])
			return;
		msleep(100);
	}
	if (err)
		tt_error(TT_ERR_DEBUGFS, "cannot read %s: %d", TL_SUMMARY, err);
	else
		tt_error(TT_ERR_LEAK,
			 "blocks_inuse %lld, large_allocs %lld at the end; %lld and %lld at the start",
			 now.v[TL_BLOCKS_INUSE], now.v[TL_LARGE_ALLOCS],
			 start->v[TL_BLOCKS_INUSE], start->v[TL_LARGE_ALLOCS]);
}

static int tt_start(void)
{
	int err;

	tt_alloc_init();
	tt_obj_init();
	if (tt_parts & TT_PART_ALLOC) {
		err = tt_alloc_start();
		if (err)
			return err;
	}
	if (tt_parts & TT_PART_IRQ)
		tt_timers_start();
	if (tt_parts & (TT_PART_OBJ | TT_PART_AUTOGC)) {
		err = tt_obj_start();
		if (err)
			return err;
	}
	if (tt_parts & TT_PART_INJECT) {
		err = tt_inject_start();
		if (err)
			return err;
	}
	if (tt_parts & TT_PART_SHRINK) {
		if (tl_read_file(TT_RELEASE_POOLS, tt_release_pools_saved,
				 sizeof(tt_release_pools_saved), 0) <= 0)
			tt_release_pools_saved[0] = '\0';
		err = tt_spawn(tt_shrink_thread, NULL, -1, "shrink", 0);
		if (err)
			return err;
	}
	if ((tt_parts & TT_PART_HOTPLUG) && IS_ENABLED(CONFIG_HOTPLUG_CPU) &&
	    num_online_cpus() > 1) {
		err = tt_spawn(tt_hotplug_thread, NULL, -1, "hotplug", 0);
		if (err)
			return err;
	}
	return 0;
}

static void tt_stop(void)
{
	tt_stop_threads();
	if (tt_parts & TT_PART_IRQ)
		tt_timers_stop();
	if (tt_parts & TT_PART_ALLOC)
		tt_alloc_stop();
	if (tt_parts & (TT_PART_OBJ | TT_PART_AUTOGC))
		tt_obj_stop();
	if (tt_release_pools_saved[0])
		tl_write_file(TT_RELEASE_POOLS, tt_release_pools_saved, 0);
}

static int __init tt_init(void)
{
	struct tl_summary start;
	ktime_t end, next;
	long ops, errs;
	int err;

	if (!tt_seed)
		tt_seed = get_random_u64() ?: 1;
	tt_heaps = clamp(tt_heaps, 1U, 16U);
	tt_nthreads = clamp(tt_nthreads, 1U, 16U);
	tt_timer_us = max(tt_timer_us, 100U);
	pr_info("pymm_torture: start: duration=%u s, cpus=%u, nthreads=%u, parts=%#x, inject=%#x, heaps=%u, seed=%lu\n",
		tt_duration, num_online_cpus(), tt_nthreads, tt_parts,
		tt_inject, tt_heaps, tt_seed);
	err = tl_read_summary(&start);
	if (err) {
		pr_err("pymm_torture: cannot read %s (%d): is pymm.ko loaded and debugfs mounted?\n",
		       TL_SUMMARY, err);
		return err;
	}

	err = tt_start();
	if (err) {
		pr_err("pymm_torture: cannot start: %d\n", err);
		tt_error(TT_ERR_HEAP, "start failed: %d", err);
	} else {
		/* The clocksource, not jiffies: ticks get lost under qemu TCG. */
		end = ktime_add_ms(ktime_get(), (u64)tt_duration * MSEC_PER_SEC);
		next = ktime_add_ms(ktime_get(), 30 * MSEC_PER_SEC);
		while (ktime_before(ktime_get(), end)) {
			msleep_interruptible(100);
			if (ktime_after(ktime_get(), next)) {
				next = ktime_add_ms(next, 30 * MSEC_PER_SEC);
				pr_info("pymm_torture: progress: %ld ops, %ld errors so far\n",
					tt_ops_total(), tt_errors_total());
			}
		}
	}
	tt_stop();
	tt_check_leaks(&start);

	ops = tt_ops_total();
	errs = tt_errors_total();
	pr_info("pymm_torture: %ld ops, %ld errors\n", ops, errs);
	tt_print_counts();
	return 0;
}
module_init(tt_init);

static void __exit tt_exit(void)
{
}
module_exit(tt_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pymm torture test: finds races and lifetime bugs in pymm");
