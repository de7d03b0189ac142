// SPDX-License-Identifier: GPL-2.0
/*
 * pymm_torture.ko (torture.c, torture_alloc.c, torture_obj.c): looks for
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
 * This file owns the parameters, the counters and the run: the threads,
 * the shrinker and hotplug threads, and the final checks.  Every thread is
 * stopped, every timer cancelled and every block and object given back
 * before the counters are read for the last time.
 */
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uio.h>

#include "torture.h"

unsigned int tt_duration = 30;
module_param_named(duration, tt_duration, uint, 0444);
MODULE_PARM_DESC(duration, "seconds the run lasts (insmod blocks that long)");

unsigned int tt_nthreads = 2;
module_param_named(nthreads, tt_nthreads, uint, 0444);
MODULE_PARM_DESC(nthreads, "allocator kthreads and object mutators per online CPU");

unsigned int tt_parts = TT_PART_ALL;
module_param_named(parts, tt_parts, uint, 0444);
MODULE_PARM_DESC(parts, "bit mask: 1 alloc, 2 irq, 4 objects, 8 inject, 16 shrink, 32 hotplug, 64 autogc");

static ulong tt_seed;
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
MODULE_PARM_DESC(autogc_ms, "95% of a round's garbage must be reclaimed within this");

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
	{ "objects", TT_OP_OBJ_NEW, TT_OP_AUTOGC_ROUND },
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

/*
 * The harness (scripts/check-report.py) fails a run on any WARN outside
 * these two lines.  @kinds names the reports the one bad call inside may
 * make, in the harness's terms: "double_free=1", "middle<=1 invalid<=1".
 */
void tt_expect_warn_begin(const char *kinds)
{
	pr_info("pymm-expect-warn begin %s\n", kinds);
}

void tt_expect_warn_end(void)
{
	pr_info("pymm-expect-warn end\n");
}

/* summary is a seq_file without ->read_iter: read it as read(2) would. */
static ssize_t tt_read_seq(const char *path, char *buf, size_t size)
{
	struct iov_iter iter;
	struct kiocb kiocb;
	struct seq_file *m;
	struct kvec kv;
	struct file *f;
	ssize_t ret = 0;
	size_t len = 0;

	f = filp_open(path, O_RDONLY, 0);
	if (IS_ERR(f))
		return PTR_ERR(f);
	m = f->private_data;
	if (f->f_op->read_iter || !m || m->file != f) {
		filp_close(f, NULL);
		return -EINVAL;
	}
	init_sync_kiocb(&kiocb, f);
	while (len + 1 < size) {
		kv.iov_base = buf + len;
		kv.iov_len = size - 1 - len;
		iov_iter_kvec(&iter, ITER_DEST, &kv, 1, kv.iov_len);
		ret = seq_read_iter(&kiocb, &iter);
		if (ret <= 0)
			break;
		len += ret;
	}
	filp_close(f, NULL);
	if (ret < 0)
		return ret;
	buf[len] = '\0';
	return len;
}

#define TT_SUMMARY	"/sys/kernel/debug/pymm/summary"

/**
 * tt_read_summary - read the rows of pymm's debugfs summary we check
 * @s: filled in
 *
 * Context: process context.
 * Return: 0, or a negative errno (and @s is not to be used).
 */
int tt_read_summary(struct tt_summary *s)
{
	static const struct {
		const char *name;
		size_t off;
	} rows[] = {
		{ "blocks_inuse", offsetof(struct tt_summary, blocks_inuse) },
		{ "large_allocs", offsetof(struct tt_summary, large_allocs) },
		{ "err_invalid", offsetof(struct tt_summary, err_invalid) },
		{ "err_middle", offsetof(struct tt_summary, err_middle) },
		{ "err_double_free", offsetof(struct tt_summary, err_double_free) },
		{ "err_corruption", offsetof(struct tt_summary, err_corruption) },
	};
	char *buf, *line, *cur, *val;
	unsigned int i, found = 0;
	ssize_t len;
	long v;

	buf = kmalloc(2048, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	len = tt_read_seq(TT_SUMMARY, buf, 2048);
	if (len < 0) {
		kfree(buf);
		return len;
	}
	cur = buf;
	while ((line = strsep(&cur, "\n"))) {
		val = strchr(line, ' ');
		if (!val)
			continue;
		*val++ = '\0';
		for (i = 0; i < ARRAY_SIZE(rows); i++) {
			if (strcmp(line, rows[i].name) || kstrtol(val, 10, &v))
				continue;
			*(long *)((char *)s + rows[i].off) = v;
			found |= BIT(i);
		}
	}
	kfree(buf);
	return found == BIT(ARRAY_SIZE(rows)) - 1 ? 0 : -EPROTO;
}

/* Write @s to a sysctl or sysfs file. */
static int tt_write_file(const char *path, const char *s)
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

static ssize_t tt_read_file(const char *path, char *buf, size_t size)
{
	struct file *f;
	loff_t pos = 0;
	ssize_t ret;

	f = filp_open(path, O_RDONLY, 0);
	if (IS_ERR(f))
		return PTR_ERR(f);
	ret = kernel_read(f, buf, size - 1, &pos);
	filp_close(f, NULL);
	if (ret >= 0)
		buf[ret] = '\0';
	return ret;
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

static void tt_stop_threads(void)
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

void tt_wander(struct rnd_state *rnd)
{
	unsigned int n = num_online_cpus(), cpu;

	if (n < 2 || tt_rand(rnd, 8))
		return;
	cpu = cpumask_nth(tt_rand(rnd, n), cpu_online_mask);
	/* Fails harmlessly if the CPU went offline meanwhile. */
	if (cpu < nr_cpu_ids)
		set_cpus_allowed_ptr(current, cpumask_of(cpu));
}

/* Sleep @ms, waking early when the thread is to stop. */
void tt_nap(unsigned int ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);

	while (!kthread_should_stop() && time_before(jiffies, end))
		schedule_timeout_interruptible(min_t(unsigned long, HZ / 10,
						     end - jiffies) ?: 1);
}

#define TT_DROP_CACHES	"/proc/sys/vm/drop_caches"
#define TT_RELEASE_POOLS "/sys/module/pymm/parameters/release_free_pools"

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
	tt_write_file(TT_DROP_CACHES, "4");
	while (!kthread_should_stop()) {
		tt_nap(tt_shrink_ms / 2 + tt_rand(&rnd, tt_shrink_ms + 1));
		if (kthread_should_stop())
			break;
		if (tt_release_pools_saved[0])
			tt_write_file(TT_RELEASE_POOLS,
				      tt_rand(&rnd, 2) ? "1" : "0");
		err = tt_write_file(TT_DROP_CACHES, "2");
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

static void tt_print_counts(void)
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

/* Everything the torture allocated must be back: wait for the workers. */
static void tt_check_leaks(const struct tt_summary *start)
{
	struct tt_summary now;
	int i, err = 0;

	for (i = 0; i < 50; i++) {
		err = tt_read_summary(&now);
		if (err)
			break;
		if (now.blocks_inuse == start->blocks_inuse &&
		    now.large_allocs == start->large_allocs)
			return;
		msleep(100);
	}
	if (err)
		tt_error(TT_ERR_DEBUGFS, "cannot read %s: %d", TT_SUMMARY, err);
	else
		tt_error(TT_ERR_LEAK,
			 "blocks_inuse %ld, large_allocs %ld at the end; %ld and %ld at the start",
			 now.blocks_inuse, now.large_allocs,
			 start->blocks_inuse, start->large_allocs);
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
		if (tt_read_file(TT_RELEASE_POOLS, tt_release_pools_saved,
				 sizeof(tt_release_pools_saved)) <= 0)
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
		tt_write_file(TT_RELEASE_POOLS, tt_release_pools_saved);
}

static int __init tt_init(void)
{
	struct tt_summary start;
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
	err = tt_read_summary(&start);
	if (err) {
		pr_err("pymm_torture: cannot read %s (%d): is pymm.ko loaded and debugfs mounted?\n",
		       TT_SUMMARY, err);
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
					tt_sum(tt_ops, TT_NR_OPS),
					tt_sum(tt_errs, TT_NR_ERRS));
			}
		}
	}
	tt_stop();
	tt_check_leaks(&start);

	ops = tt_sum(tt_ops, TT_NR_OPS);
	errs = tt_sum(tt_errs, TT_NR_ERRS);
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
