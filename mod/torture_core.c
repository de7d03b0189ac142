// SPDX-License-Identifier: GPL-2.0
/*
 * pymm_torture.ko, the lowest layer: what every part shares.  The
 * parameters, the counters of operations and errors (tt_count(),
 * tt_error()) and their report, the registry of kthreads (tt_spawn(), all
 * stopped at once by tt_stop_threads()), and the helpers of a thread's
 * life: its random numbers, naps that end when it is to stop, and moves
 * between CPUs.  It calls nothing of the files above it (torture_obj.c,
 * torture_alloc.c, torture.c); see torture_core.h for the layering.
 */
#include <linux/cpumask.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "torture_core.h"

unsigned int tt_duration = 30;
module_param_named(duration, tt_duration, uint, 0444);
MODULE_PARM_DESC(duration, "seconds the run lasts (insmod blocks that long)");

unsigned int tt_nthreads = 2;
module_param_named(nthreads, tt_nthreads, uint, 0444);
MODULE_PARM_DESC(nthreads, "allocator kthreads and object mutators per online CPU");

unsigned int tt_parts = TT_PART_ALL;
module_param_named(parts, tt_parts, uint, 0444);
MODULE_PARM_DESC(parts, "bit mask: 1 alloc, 2 irq, 4 objects, 8 inject, 16 shrink, 32 hotplug, 64 autogc");

ulong tt_seed;
module_param_named(seed, tt_seed, ulong, 0444);
MODULE_PARM_DESC(seed, "random seed; 0 picks one (printed at start)");

unsigned int tt_timer_us = 1000;
module_param_named(timer_us, tt_timer_us, uint, 0444);
MODULE_PARM_DESC(timer_us, "period of each CPU's hrtimer and timer_list users");

unsigned int tt_heaps = 4;
module_param_named(heaps, tt_heaps, uint, 0444);
MODULE_PARM_DESC(heaps, "heaps mutated at the same time (1..16)");

unsigned int tt_heap_ms = 300;
module_param_named(heap_ms, tt_heap_ms, uint, 0444);
MODULE_PARM_DESC(heap_ms, "a heap is destroyed and created again this often");

unsigned int tt_inject = 0x3f;
module_param_named(inject, tt_inject, uint, 0444);
MODULE_PARM_DESC(inject, "bad input, bit mask: 1 double free, 2 double free on another CPU, 4 double free not at the head of a free list, 8 large double free, 16 middle pointer, 32 foreign pointer");

unsigned int tt_inject_ms = 20;
module_param_named(inject_ms, tt_inject_ms, uint, 0444);
MODULE_PARM_DESC(inject_ms, "one bad input this often");

unsigned int tt_shrink_ms = 250;
module_param_named(shrink_ms, tt_shrink_ms, uint, 0444);
MODULE_PARM_DESC(shrink_ms, "drop_caches this often");

unsigned int tt_hotplug_ms = 1000;
module_param_named(hotplug_ms, tt_hotplug_ms, uint, 0444);
MODULE_PARM_DESC(hotplug_ms, "a CPU goes offline and back this often");

unsigned int tt_autogc_objs = 20000;
module_param_named(autogc_objs, tt_autogc_objs, uint, 0444);
MODULE_PARM_DESC(autogc_objs, "garbage self-cycles per automatic collection round");

unsigned int tt_autogc_ms = 2000;
module_param_named(autogc_ms, tt_autogc_ms, uint, 0444);
MODULE_PARM_DESC(autogc_ms, "95% of a round's garbage should be reclaimed within this (else counted late)");

unsigned int tt_autogc_stall_ms = 30000;
module_param_named(autogc_stall_ms, tt_autogc_stall_ms, uint, 0444);
MODULE_PARM_DESC(autogc_stall_ms, "95% of a round's garbage must be reclaimed within this (else an error)");

atomic_long_t tt_ops[TT_NR_OPS];
static atomic_long_t tt_errs[TT_NR_ERRS];

/* Each line of counts at the end: a title and its first and last op. */
static const struct {
	const char *title;
	enum tt_op first, last;
} tt_lines[] = {
	{ "alloc", TT_OP_MALLOC, TT_OP_ATOMIC_FAIL },
	{ "irq", TT_OP_HARDIRQ, TT_OP_SOFTIRQ },
	{ "system", TT_OP_SHRINK, TT_OP_ONLINE },
	{ "objects", TT_OP_OBJ_NEW, TT_OP_AUTOGC_LATE },
	{ "inject", TT_OP_INJ_DFREE, TT_OP_INJ_FOREIGN },
};

static const char * const tt_op_names[TT_NR_OPS] = {
	[TT_OP_MALLOC] = "malloc",
	[TT_OP_ZALLOC] = "zalloc",
	[TT_OP_REALLOC] = "realloc",
	[TT_OP_FREE] = "free",
	[TT_OP_FREE_XCPU] = "free_other_cpu",
	[TT_OP_USABLE] = "usable_size",
	[TT_OP_HANDOFF] = "handoff",
	[TT_OP_IRQS_OFF] = "irqs_off",
	[TT_OP_ATOMIC_FAIL] = "atomic_fail",
	[TT_OP_HARDIRQ] = "hardirq",
	[TT_OP_SOFTIRQ] = "softirq",
	[TT_OP_SHRINK] = "drop_caches",
	[TT_OP_OFFLINE] = "cpu_offline",
	[TT_OP_ONLINE] = "cpu_online",
	[TT_OP_OBJ_NEW] = "obj_new",
	[TT_OP_MUTATE] = "mutate",
	[TT_OP_HOLD] = "hold",
	[TT_OP_IRQ_GETPUT] = "hardirq_get_put",
	[TT_OP_DROP_HARDIRQ] = "put_hardirq",
	[TT_OP_DROP_SOFTIRQ] = "put_softirq",
	[TT_OP_DROP_TASK] = "put_task",
	[TT_OP_COLLECT] = "collect",
	[TT_OP_FREEZE] = "freeze",
	[TT_OP_THRESHOLD] = "threshold",
	[TT_OP_HEAP_CYCLE] = "heap_cycle",
	[TT_OP_RELEASE] = "release",
	[TT_OP_ORPHAN] = "orphan",
	[TT_OP_AUTOGC_ROUND] = "autogc_round",
	[TT_OP_AUTOGC_LATE] = "autogc_late",
	[TT_OP_INJ_DFREE] = "double_free",
	[TT_OP_INJ_DFREE_XCPU] = "double_free_other_cpu",
	[TT_OP_INJ_DFREE_OLDER] = "double_free_older",
	[TT_OP_INJ_DFREE_LARGE] = "double_free_large",
	[TT_OP_INJ_MIDDLE] = "middle",
	[TT_OP_INJ_FOREIGN] = "foreign",
};

static const char * const tt_err_names[TT_NR_ERRS] = {
	[TT_ERR_STAMP] = "stamp",
	[TT_ERR_DUP] = "duplicate",
	[TT_ERR_ALLOC_FAIL] = "alloc_fail",
	[TT_ERR_ALIGN] = "align",
	[TT_ERR_ZERO] = "zero",
	[TT_ERR_USABLE] = "usable_size",
	[TT_ERR_REALLOC] = "realloc",
	[TT_ERR_CB_AFTER_DESTROY] = "callback_after_destroy",
	[TT_ERR_CB_CONTEXT] = "callback_context",
	[TT_ERR_BAD_MAGIC] = "bad_magic",
	[TT_ERR_DOUBLE_RELEASE] = "double_release",
	[TT_ERR_DOUBLE_FINALIZE] = "double_finalize",
	[TT_ERR_REACHABLE_FREED] = "reachable_released",
	[TT_ERR_NOT_RELEASED] = "not_released",
	[TT_ERR_HEAP] = "heap_create",
	[TT_ERR_COLLECT] = "collect",
	[TT_ERR_AUTOGC] = "autogc_stall",
	[TT_ERR_INJ_COUNT] = "err_counter",
	[TT_ERR_INJ_RET] = "refused_call_result",
	[TT_ERR_INJ_DAMAGE] = "bad_input_damage",
	[TT_ERR_LEAK] = "leak",
	[TT_ERR_DEBUGFS] = "debugfs",
	[TT_ERR_HOTPLUG] = "hotplug",
};

/* Errors printed per kind; the rest are only counted. */
#define TT_ERR_PRINT	5

void tt_error(enum tt_err err, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	if (atomic_long_inc_return(&tt_errs[err]) > TT_ERR_PRINT)
		return;
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_err("pymm_torture: error %s: %pV\n", tt_err_names[err], &vaf);
	va_end(args);
}

long tt_errors(enum tt_err err)
{
	return atomic_long_read(&tt_errs[err]);
}

/* Threads, stopped in the reverse order of their creation. */
#define TT_MAX_THREADS	256
static struct task_struct *tt_tasks[TT_MAX_THREADS];
static unsigned int tt_ntasks;

/**
 * tt_spawn - start a torture kthread
 * @fn: its function; it must run until kthread_should_stop()
 * @arg: its argument
 * @cpu: the CPU to start on (it may move later), or -1
 * @name: its name, with @idx
 * @idx: its index
 *
 * Return: 0 or a negative errno.
 */
int tt_spawn(int (*fn)(void *), void *arg, int cpu, const char *name,
	     int idx)
{
	struct task_struct *t;

	if (tt_ntasks >= TT_MAX_THREADS)
		return -ENOSPC;
	t = kthread_create(fn, arg, "tt_%s/%d", name, idx);
	if (IS_ERR(t))
		return PTR_ERR(t);
	if (cpu >= 0)
		set_cpus_allowed_ptr(t, cpumask_of(cpu));
	tt_tasks[tt_ntasks++] = t;
	wake_up_process(t);
	return 0;
}

void tt_stop_threads(void)
{
	while (tt_ntasks)
		kthread_stop(tt_tasks[--tt_ntasks]);
}

void tt_rnd_init(struct rnd_state *rnd, unsigned int idx)
{
	prandom_seed_state(rnd, tt_seed + (u64)idx * 0x9e3779b97f4a7c15ULL);
}

int tt_other_cpu(struct rnd_state *rnd, int cpu)
{
	unsigned int n = num_online_cpus(), i, other;

	if (n < 2)
		return cpu;
	for (i = 0; i < 4; i++) {
		other = cpumask_nth(tt_rand(rnd, n), cpu_online_mask);
		if (other < nr_cpu_ids && other != cpu)
			return other;
	}
	return cpu;
}

/*
 * Move the calling thread to @cpu, and leave it free to run anywhere from
 * there.  No torture thread stays pinned to one CPU: on PREEMPT_RT, where
 * every spinlock_t disables migration, a task pinned to a CPU that the
 * hotplug thread takes down while it is inside migrate_disable() trips a
 * WARN in the scheduler (affine_move_task(), seen on 6.12.118-rt) when it
 * enables migration again.  Return: the error of the move (the CPU went
 * offline meanwhile), harmless.
 */
int tt_move_to(unsigned int cpu)
{
	int err = set_cpus_allowed_ptr(current, cpumask_of(cpu));

	set_cpus_allowed_ptr(current, cpu_possible_mask);
	return err;
}

void tt_wander(struct rnd_state *rnd)
{
	unsigned int n = num_online_cpus(), cpu;

	if (n < 2 || tt_rand(rnd, 8))
		return;
	cpu = cpumask_nth(tt_rand(rnd, n), cpu_online_mask);
	if (cpu < nr_cpu_ids)
		tt_move_to(cpu);
}

/* Sleep @ms, waking early when the thread is to stop. */
void tt_nap(unsigned int ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);

	while (!kthread_should_stop() && time_before(jiffies, end))
		schedule_timeout_interruptible(min_t(unsigned long, HZ / 10,
						     end - jiffies) ?: 1);
}

void tt_print_counts(void)
{
	char *buf = kmalloc(1024, GFP_KERNEL);
	unsigned int i, len;
	enum tt_op op;

	if (!buf)
		return;
	for (i = 0; i < ARRAY_SIZE(tt_lines); i++) {
		len = 0;
		for (op = tt_lines[i].first; op <= tt_lines[i].last; op++)
			len += scnprintf(buf + len, 1024 - len, " %s=%ld",
					 tt_op_names[op],
					 atomic_long_read(&tt_ops[op]));
		pr_info("pymm_torture: %s:%s\n", tt_lines[i].title, buf);
	}
	len = 0;
	for (i = 0; i < TT_NR_ERRS; i++)
		len += scnprintf(buf + len, 1024 - len, " %s=%ld",
				 tt_err_names[i], atomic_long_read(&tt_errs[i]));
	pr_info("pymm_torture: errors:%s\n", buf);
	kfree(buf);
}

static long tt_sum(atomic_long_t *v, unsigned int n)
{
	long sum = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		sum += atomic_long_read(&v[i]);
	return sum;
}

long tt_ops_total(void)
{
	return tt_sum(tt_ops, TT_NR_OPS);
}

long tt_errors_total(void)
{
	return tt_sum(tt_errs, TT_NR_ERRS);
}
