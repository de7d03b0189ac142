// SPDX-License-Identifier: GPL-2.0
/*
 * Heaps: the public heap API, the heap's worker, and its debugfs directory;
 * the top of the object layers (see object.h), calling gc.c and object.c.
 *
 * It owns the creation and the destruction of heaps, their settings (the
 * thresholds, the enabled switch), pymm_lock(), the worker function and
 * the debugfs files.  Each heap has a work item on pymm's workqueue
 * (object.c queues it) that destroys the objects whose last reference was
 * dropped where callbacks could not run, and runs the automatic
 * collections that pymm_obj_new() asks for.
 *
 * A heap's lifetime: pymm_heap_create(), then pymm_heap_destroy(), which
 * collects what it can and reports what is still referenced.  Such objects
 * become orphans (see object.c) and the heap's struct lives on until the
 * last of them is freed; object.c counts them in heap->nobjs, plus one
 * for the heap itself, and frees the struct.
 *
 * Locking: this file has no lock of its own.  It takes the heap's locks
 * through object.h's helpers, gc.c and object.c, and gen_lock alone for a
 * consistent snapshot of the generations' lengths in the gc file.
 *
 * debugfs, /sys/kernel/debug/pymm/heaps/<name>/:
 *   gc         per generation: objects, threshold, count, collections,
 *              collected, uncollectable, last and total pause; then
 *              long_lived_total and long_lived_pending, then the
 *              collector's watch (gc.c): incremental, increments, passes,
 *              max_hold_ns, max_hold_run_ns, backlog, backlog_peak; then
 *              the allocations
 *              paced (object.c) and how long they waited, paced_ns
 *   pauses     the histogram of collections and increments by duration
 *   incremental  automatic gen2 collections as increments (1) or not (0)
 *   collect    write a generation number to collect it
 *   threshold  the three thresholds; write three numbers
 *   enabled    automatic collection on (1) or off (0)
 *   freeze     write 1 to freeze, 0 to unfreeze
 */
#include <linux/ctype.h>
#include <linux/debugfs.h>
#include <linux/export.h>
#include <linux/fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/rcuwait.h>

#include "debugfs.h"
#include "object.h"
#include "gc.h"

static const unsigned int pymm_default_threshold[PYMM_NR_GENS] = {
	700, 10, 10
};

static void pymm_heap_work(struct work_struct *work)
{
	struct pymm_heap *heap = container_of(work, struct pymm_heap, work);

	pymm_heap_drain(heap, true);
	pymm_collect_auto(heap);
}

/* The heap's mutexes are never taken again after this. */
static void pymm_heap_unregister_keys(struct pymm_heap *heap)
{
	int i;

	for (i = 0; i < PYMM_HEAP_NR_KEYS; i++)
		lockdep_unregister_key(&heap->keys[i]);
}

static void pymm_heap_debugfs(struct pymm_heap *heap);

/**
 * pymm_heap_create - create a GC domain
 * @name: unique among live heaps, at most 31 characters, no '/'; names its
 *	debugfs directory
 *
 * The heap starts with CPython's thresholds (700, 10, 10) and automatic
 * collection enabled.
 *
 * Context: process context.
 * Return: the heap, or ERR_PTR(-EINVAL) for a bad name, -EEXIST if the
 * name is taken, -ENOMEM.
 */
struct pymm_heap *pymm_heap_create(const char *name)
{
	struct pymm_heap *heap;
	int i, err;

	if (!name || !*name || strlen(name) >= sizeof(heap->name) ||
	    strchr(name, '/'))
		return ERR_PTR(-EINVAL);
	heap = kzalloc(sizeof(*heap), GFP_KERNEL);
	if (!heap)
		return ERR_PTR(-ENOMEM);
	strscpy(heap->name, name, sizeof(heap->name));
	for (i = 0; i < PYMM_HEAP_NR_KEYS; i++)
		lockdep_register_key(&heap->keys[i]);
	__mutex_init(&heap->collect_lock, "pymm_heap->collect_lock",
		     &heap->keys[0]);
	__mutex_init(&heap->drain_lock, "pymm_heap->drain_lock", &heap->keys[1]);
	__mutex_init(&heap->lock, "pymm_heap->lock", &heap->keys[2]);
	spin_lock_init(&heap->gen_lock);
	for (i = 0; i < PYMM_NR_LISTS; i++)
		INIT_LIST_HEAD(&heap->gens[i].objects);
	for (i = 0; i < PYMM_NR_GENS; i++)
		heap->gens[i].threshold = pymm_default_threshold[i];
	heap->old_pending = PYMM_GEN_OLD;
	heap->incremental = true;
	heap->incr_work = PYMM_INCR_WORK;
	heap->enabled = true;
	init_llist_head(&heap->dead_list);
	rcuwait_init(&heap->dying_wait);
	init_waitqueue_head(&heap->pace_wait);
	INIT_WORK(&heap->work, pymm_heap_work);

	err = pymm_heap_link(heap);
	if (err) {
		pymm_heap_unregister_keys(heap);
		kfree(heap);
		return ERR_PTR(err);
	}
	pymm_heap_debugfs(heap);
	return heap;
}
EXPORT_SYMBOL_GPL(pymm_heap_create);

/**
 * pymm_heap_destroy - collect a heap and give it up
 * @heap: the heap; NULL and error pointers are ignored
 *
 * Stops automatic collection, unfreezes and collects everything, and
 * reports the objects still referenced: those are never freed behind their
 * owners' backs.  They become orphans: dropping their last reference later
 * frees their memory, but calls none of their callbacks.  Every object
 * that dies before the heap is marked orphaned, or by the put of one of
 * its callbacks during the final drain, gets its callbacks before this
 * returns; a last put on another CPU that races the call is either waited
 * for (callbacks run here) or frees an orphan.  When this returns, no
 * callback of the heap's objects runs any more and none is queued, so the
 * module that defined their types may be unloaded, and no task still uses
 * the heap.
 *
 * The caller must not use the heap, nor its objects other than those it
 * knowingly keeps, during or after the call.
 *
 * Context: process context.
 */
void pymm_heap_destroy(struct pymm_heap *heap)
{
	long left;

	if (IS_ERR_OR_NULL(heap))
		return;
	debugfs_remove_recursive(heap->debugfs);
	WRITE_ONCE(heap->enabled, false);
	cancel_work_sync(&heap->work);
	pymm_unfreeze(heap);
	/*
	 * An object on the dead list still holds its references, so a
	 * collection sees what it points to as referenced from outside, and
	 * destroying it later can leave a cycle that is garbage.  Drain
	 * first, and collect again as long as a collection found garbage:
	 * its deaths can free more cycles.
	 */
	do {
		pymm_heap_drain(heap, true);
	} while (pymm_collect(heap, PYMM_NR_GENS - 1) > 0);

	/*
	 * The cut: a last put that finds orphaned false is waited for, and
	 * what it pushed is drained here with callbacks; any later one frees
	 * an orphan (see pymm_obj_dead() for the barriers).  Deaths that the
	 * drain's own callbacks cause are pushed and drained too, and so is
	 * what the worker was draining: loop until nothing is left.
	 */
	WRITE_ONCE(heap->orphaned, true);
	/* Pairs with pymm_obj_dead()'s: orphaned, then dying. */
	smp_mb();
	if (atomic_read(&heap->dying))
		pymm_test_destroy_waits(heap);
	rcuwait_wait_event(&heap->dying_wait, !atomic_read(&heap->dying),
			   TASK_UNINTERRUPTIBLE);
	do {
		pymm_heap_drain(heap, true);
		cancel_work_sync(&heap->work);
	} while (!llist_empty(&heap->dead_list));

	left = atomic_long_read(&heap->nobjs) - 1;
	if (left)
		pr_warn("pymm: heap %s destroyed with %ld objects still referenced; they are kept, without callbacks\n",
			heap->name, left);
	pymm_heap_unregister_keys(heap);
	pymm_heap_put(heap);
}
EXPORT_SYMBOL_GPL(pymm_heap_destroy);

#if IS_ENABLED(CONFIG_KUNIT)
/**
 * pymm_test_heap_work - look at, and wait for, a heap's worker, for KUnit only
 * @heap: a heap
 * @flush: wait until the work queued so far has run
 *
 * Lets pymm's tests assert that a collection or a drain was queued, or
 * that nothing happened, without sleeping for a fixed time.  Exported only
 * to modules importing EXPORTED_FOR_KUNIT_TESTING.
 *
 * Context: process context; with @flush, none of the heap's locks held.
 * Return: work_busy() of the heap's work before any flush: non-zero while
 * it is queued or running.
 */
unsigned int pymm_test_heap_work(struct pymm_heap *heap, bool flush)
{
	unsigned int busy = work_busy(&heap->work);

	if (flush)
		flush_work(&heap->work);
	return busy;
}
EXPORT_SYMBOL_NS_GPL(pymm_test_heap_work, EXPORTED_FOR_KUNIT_TESTING);
#endif

/**
 * pymm_lock - take a heap's lock
 * @heap: the heap
 *
 * The strong references between the heap's objects change only under it,
 * and an object pointer read from another object is only safe to
 * pymm_get() under it.  A collection holds it while it decides what is
 * garbage.
 *
 * Context: process context; may sleep.
 */
void pymm_lock(struct pymm_heap *heap)
{
	pymm_gc_lock(heap);
}
EXPORT_SYMBOL_GPL(pymm_lock);

/**
 * pymm_unlock - release a heap's lock
 * @heap: the heap
 */
void pymm_unlock(struct pymm_heap *heap)
{
	pymm_gc_unlock(heap);
}
EXPORT_SYMBOL_GPL(pymm_unlock);

/**
 * pymm_set_threshold - set the automatic collection thresholds
 * @heap: the heap
 * @t0: gen0 is collected when it holds more objects than this; 0 turns
 *	automatic collection off altogether
 * @t1: gen1 is collected after this many gen0 collections; 0 never
 * @t2: gen2 is collected after this many gen1 collections (and only when
 *	a quarter of the long-lived objects are new); 0 never
 *
 * If gen0 already holds more than @t0 objects, a collection is queued now.
 *
 * Context: any context.
 */
void pymm_set_threshold(struct pymm_heap *heap, unsigned int t0,
			unsigned int t1, unsigned int t2)
{
	WRITE_ONCE(heap->gens[0].threshold, t0);
	WRITE_ONCE(heap->gens[1].threshold, t1);
	WRITE_ONCE(heap->gens[2].threshold, t2);
	pymm_collect_kick(heap);
}
EXPORT_SYMBOL_GPL(pymm_set_threshold);

static int gc_show(struct seq_file *m, void *v)
{
	struct pymm_heap *heap = m->private;
	struct pymm_gc_watch *w = &heap->watch;
	unsigned long nobjs[PYMM_NR_LISTS];
	unsigned long flags;
	int i;

	spin_lock_irqsave(&heap->gen_lock, flags);
	for (i = 0; i < PYMM_NR_LISTS; i++)
		nobjs[i] = heap->gens[i].nobjs;
	spin_unlock_irqrestore(&heap->gen_lock, flags);
	/* Gen2 is both old spaces. */
	nobjs[PYMM_GEN_OLD] += nobjs[PYMM_GEN_OLD2];

	seq_puts(m, "gen objects threshold count collections collected uncollectable last_pause_ns total_pause_ns\n");
	for (i = 0; i < PYMM_NR_GENS; i++) {
		struct pymm_gen *gen = &heap->gens[i];
		unsigned long count = i ? READ_ONCE(gen->count) : nobjs[0];

		seq_printf(m, "%d %lu %u %lu %lu %lu %lu %llu %llu\n", i,
			   nobjs[i], READ_ONCE(gen->threshold), count,
			   READ_ONCE(gen->collections),
			   READ_ONCE(gen->collected),
			   READ_ONCE(gen->uncollectable),
			   READ_ONCE(gen->last_pause_ns),
			   READ_ONCE(gen->total_pause_ns));
	}
	seq_printf(m, "permanent %lu - - - - - - -\n", nobjs[PYMM_GEN_PERM]);
	seq_printf(m, "long_lived_total %lu\n", READ_ONCE(heap->long_lived_total));
	seq_printf(m, "long_lived_pending %lu\n",
		   READ_ONCE(heap->long_lived_pending));
	seq_printf(m, "incremental %d\n", READ_ONCE(heap->incremental));
	seq_printf(m, "increments %lu\n", READ_ONCE(w->increments));
	seq_printf(m, "passes %lu\n", READ_ONCE(w->passes));
	seq_printf(m, "max_hold_ns %llu\n", READ_ONCE(w->max_hold_ns));
	seq_printf(m, "max_hold_run_ns %llu\n", READ_ONCE(w->max_hold_run_ns));
	seq_printf(m, "backlog %lu\n", READ_ONCE(w->backlog));
	seq_printf(m, "backlog_peak %lu\n", READ_ONCE(w->backlog_peak));
	seq_printf(m, "paced %ld\n", atomic_long_read(&w->paced));
	seq_printf(m, "paced_ns %lld\n", (s64)atomic64_read(&w->paced_ns));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(gc);

/* The pause histogram: one row per bucket, from (lo_us) and below (hi_us). */
static int pauses_show(struct seq_file *m, void *v)
{
	struct pymm_heap *heap = m->private;
	int i;

	seq_puts(m, "lo_us hi_us pauses\n");
	for (i = 0; i < PYMM_PAUSE_BUCKETS - 1; i++)
		seq_printf(m, "%u %u %lu\n", i ? 1U << (i - 1) : 0, 1U << i,
			   READ_ONCE(heap->watch.pauses[i]));
	seq_printf(m, "%u - %lu\n", 1U << (i - 1),
		   READ_ONCE(heap->watch.pauses[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pauses);

/* Copy a short user write into @buf, NUL-terminated. */
static int pymm_user_string(char *buf, size_t size, const char __user *ubuf,
			    size_t count)
{
	if (count >= size)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	return 0;
}

static ssize_t collect_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	struct pymm_heap *heap = file->private_data;
	long n;
	int gen;
	int err;

	err = kstrtoint_from_user(ubuf, count, 0, &gen);
	if (err)
		return err;
	n = pymm_collect(heap, gen);
	return n < 0 ? n : count;
}

static const struct file_operations collect_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = collect_write,
	.llseek = noop_llseek,
};

static ssize_t threshold_read(struct file *file, char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	struct pymm_heap *heap = file->private_data;
	char buf[64];
	int len;

	len = scnprintf(buf, sizeof(buf), "gen0 gen1 gen2\n%u %u %u\n",
			READ_ONCE(heap->gens[0].threshold),
			READ_ONCE(heap->gens[1].threshold),
			READ_ONCE(heap->gens[2].threshold));
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

/*
 * Exactly PYMM_NR_GENS decimal numbers separated by white space, each of
 * which must fit an unsigned int: sscanf()'s %u would silently keep the low
 * 32 bits of 4294967296 (0, which turns automatic collection off).
 * Returns 0, -EINVAL for anything else, -ERANGE for a number too big.
 */
static int pymm_parse_thresholds(char *buf, unsigned int *t)
{
	char *p = buf, *tok;
	int i, err;

	for (i = 0; i < PYMM_NR_GENS; i++) {
		tok = skip_spaces(p);
		for (p = tok; *p && !isspace(*p); p++)
			;
		if (*p)
			*p++ = '\0';
		if (!*tok || !isdigit(*tok))
			return -EINVAL;
		err = kstrtouint(tok, 10, &t[i]);
		if (err)
			return err;
	}
	return *skip_spaces(p) ? -EINVAL : 0;
}

static ssize_t threshold_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	struct pymm_heap *heap = file->private_data;
	unsigned int t[PYMM_NR_GENS];
	char buf[64];
	int err;

	err = pymm_user_string(buf, sizeof(buf), ubuf, count);
	if (!err)
		err = pymm_parse_thresholds(buf, t);
	if (err)
		return err;
	pymm_set_threshold(heap, t[0], t[1], t[2]);
	return count;
}

static const struct file_operations threshold_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = threshold_read,
	.write = threshold_write,
	.llseek = default_llseek,
};

/* A switch file: a header row, @name, then 1 or 0. */
static ssize_t pymm_switch_read(char __user *ubuf, size_t count, loff_t *ppos,
				const char *name, bool on)
{
	char buf[32];
	int len;

	len = scnprintf(buf, sizeof(buf), "%s\n%d\n", name, on);
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

/* Write a switch file: any kstrtobool() word, handed to @set. */
static ssize_t pymm_switch_write(struct file *file, const char __user *ubuf,
				 size_t count,
				 void (*set)(struct pymm_heap *heap, bool on))
{
	bool on;
	int err;

	err = kstrtobool_from_user(ubuf, count, &on);
	if (err)
		return err;
	set(file->private_data, on);
	return count;
}

static ssize_t enabled_read(struct file *file, char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	struct pymm_heap *heap = file->private_data;

	return pymm_switch_read(ubuf, count, ppos, "enabled",
				READ_ONCE(heap->enabled));
}

static void pymm_set_enabled(struct pymm_heap *heap, bool on)
{
	WRITE_ONCE(heap->enabled, on);
	pymm_collect_kick(heap);
}

static ssize_t enabled_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	return pymm_switch_write(file, ubuf, count, pymm_set_enabled);
}

static const struct file_operations enabled_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = enabled_read,
	.write = enabled_write,
	.llseek = default_llseek,
};

static ssize_t incremental_read(struct file *file, char __user *ubuf,
				size_t count, loff_t *ppos)
{
	struct pymm_heap *heap = file->private_data;

	return pymm_switch_read(ubuf, count, ppos, "incremental",
				READ_ONCE(heap->incremental));
}

static ssize_t incremental_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	return pymm_switch_write(file, ubuf, count, pymm_set_incremental);
}

static const struct file_operations incremental_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = incremental_read,
	.write = incremental_write,
	.llseek = default_llseek,
};

static ssize_t freeze_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	struct pymm_heap *heap = file->private_data;
	bool on;
	int err;

	err = kstrtobool_from_user(ubuf, count, &on);
	if (err)
		return err;
	err = on ? pymm_freeze(heap) : pymm_unfreeze(heap);
	return err ? err : count;
}

static const struct file_operations freeze_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = freeze_write,
	.llseek = noop_llseek,
};

static void pymm_heap_debugfs(struct pymm_heap *heap)
{
	struct dentry *dir = debugfs_create_dir(heap->name, pymm_debugfs_heaps);

	heap->debugfs = dir;
	debugfs_create_file("gc", 0444, dir, heap, &gc_fops);
	debugfs_create_file("collect", 0200, dir, heap, &collect_fops);
	debugfs_create_file("threshold", 0644, dir, heap, &threshold_fops);
	debugfs_create_file("enabled", 0644, dir, heap, &enabled_fops);
	debugfs_create_file("freeze", 0200, dir, heap, &freeze_fops);
	debugfs_create_file("pauses", 0444, dir, heap, &pauses_fops);
	debugfs_create_file("incremental", 0644, dir, heap, &incremental_fops);
}
