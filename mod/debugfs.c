// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs statistics: /sys/kernel/debug/pymm/{classes,arenas,summary}.
 *
 * Every file is whitespace-separated columns under a header row, so a
 * script can parse it; README.md documents each column.
 *
 * Statistics are lazy: the fast path keeps only two counters per class
 * (allocs, frees) and the sum of requested sizes, in its own CPU's state
 * (cpu.c), and a reader adds the CPUs up.  Everything else (blocks in use,
 * free blocks, bytes) is derived here.  The sums are exact when the
 * allocator is quiet; while it is busy they may be off by the operations in
 * flight, so a class's blocks in use are clamped to what its pools can hold.
 *
 * How long a reader can stall the allocator:
 *   classes, summary  no lock but the class lock, held to read one count
 *                     of pools: O(1), with no walk over pools.
 *   arenas            pymm_arena_lock is held while the arena lists are
 *                     copied into a buffer: O(number of arenas), a few ns
 *                     each.  The block fast path never takes that lock; only
 *                     a class taking or returning a whole pool waits.
 */
#include <linux/debugfs.h>
#include <linux/minmax.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "pymm_internal.h"

static struct dentry *pymm_debugfs_root;
struct dentry *pymm_debugfs_heaps;

struct pymm_class_stats {
	unsigned long npools;
	unsigned long allocs;
	unsigned long frees;
	unsigned long inuse;
	u64 requested;
};

static void pymm_class_stats(unsigned int i, struct pymm_class_stats *st)
{
	struct pymm_class *cls = &pymm_classes[i];
	struct pymm_counts c;
	unsigned long flags;

	pymm_class_counts(i, &c);
	spin_lock_irqsave(&cls->lock, flags);
	st->npools = cls->npools;
	spin_unlock_irqrestore(&cls->lock, flags);
	st->allocs = c.allocs;
	st->frees = c.frees;
	st->requested = c.requested;
	st->inuse = c.allocs > c.frees ? c.allocs - c.frees : 0;
	st->inuse = min(st->inuse, st->npools * cls->capacity);
}

static int classes_show(struct seq_file *m, void *v)
{
	unsigned long pools = 0, inuse = 0, free = 0, allocs = 0, frees = 0;
	struct pymm_class_stats st;
	unsigned int i;

	seq_puts(m, "class size pools inuse free allocs frees\n");
	for (i = 0; i < PYMM_NR_CLASSES; i++) {
		unsigned long used, avail;

		pymm_class_stats(i, &st);
		if (!st.npools && !st.allocs)
			continue;
		used = st.inuse;
		avail = st.npools * pymm_classes[i].capacity - used;
		seq_printf(m, "%u %u %lu %lu %lu %lu %lu\n", i,
			   pymm_classes[i].size, st.npools, used, avail,
			   st.allocs, st.frees);
		pools += st.npools;
		inuse += used;
		free += avail;
		allocs += st.allocs;
		frees += st.frees;
	}
	seq_printf(m, "total - %lu %lu %lu %lu %lu\n",
		   pools, inuse, free, allocs, frees);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(classes);

struct pymm_arena_row {
	void *base;
	unsigned int npools;
	unsigned int nfree;
};

/* Copy up to @max arenas of @head into @rows; returns how many. */
static unsigned int pymm_copy_arenas(struct list_head *head,
				     struct pymm_arena_row *rows,
				     unsigned int max)
{
	struct pymm_arena *arena;
	unsigned int n = 0;

	list_for_each_entry(arena, head, link) {
		if (n == max)
			break;
		rows[n].base = arena->base;
		rows[n].npools = arena->npresent;
		rows[n].nfree = arena->nfreepools;
		n++;
	}
	return n;
}

static int arenas_show(struct seq_file *m, void *v)
{
	struct pymm_arena_row *rows;
	unsigned int max, n, i;
	unsigned long flags;

	seq_puts(m, "base pools free\n");
	/* Arenas may be added between sizing the buffer and filling it. */
	max = READ_ONCE(pymm_arenas_now) + 16;
	rows = kvmalloc_array(max, sizeof(*rows), GFP_KERNEL);
	if (!rows)
		return -ENOMEM;

	spin_lock_irqsave(&pymm_arena_lock, flags);
	n = pymm_copy_arenas(&pymm_usable_arenas, rows, max);
	if (pymm_cached_arena && n < max) {
		rows[n].base = pymm_cached_arena->base;
		rows[n].npools = pymm_cached_arena->npresent;
		rows[n].nfree = pymm_cached_arena->nfreepools;
		n++;
	}
	n += pymm_copy_arenas(&pymm_full_arenas, rows + n, max - n);
	spin_unlock_irqrestore(&pymm_arena_lock, flags);

	for (i = 0; i < n; i++)
		seq_printf(m, "%p %u %u\n", rows[i].base, rows[i].npools,
			   rows[i].nfree);
	kvfree(rows);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(arenas);

static const char * const pymm_error_names[PYMM_NR_ERRORS] = {
	[PYMM_ERR_INVALID]	= "err_invalid",
	[PYMM_ERR_MIDDLE]	= "err_middle",
	[PYMM_ERR_DOUBLE_FREE]	= "err_double_free",
	[PYMM_ERR_CORRUPTION]	= "err_corruption",
};

static int summary_show(struct seq_file *m, void *v)
{
	unsigned long now, allocated, freed, pages, blocks = 0;
	u64 inuse_bytes = 0, requested = 0, rounded = 0;
	struct pymm_class_stats st;
	unsigned long flags;
	bool cached;
	unsigned int i;

	for (i = 0; i < PYMM_NR_CLASSES; i++) {
		unsigned int size = pymm_classes[i].size;

		pymm_class_stats(i, &st);
		blocks += st.inuse;
		inuse_bytes += (u64)st.inuse * size;
		requested += st.requested;
		rounded += (u64)st.allocs * size;
	}
	spin_lock_irqsave(&pymm_arena_lock, flags);
	now = pymm_arenas_now;
	allocated = pymm_arenas_allocated;
	freed = pymm_arenas_freed;
	pages = pymm_pages_held;
	cached = pymm_cached_arena;
	spin_unlock_irqrestore(&pymm_arena_lock, flags);

	seq_puts(m, "name value\n");
	seq_printf(m, "arenas %lu\n", now);
	seq_printf(m, "arenas_allocated %lu\n", allocated);
	seq_printf(m, "arenas_freed %lu\n", freed);
	seq_printf(m, "arenas_cached %d\n", cached);
	seq_printf(m, "pages %lu\n", pages);
	seq_printf(m, "blocks_inuse %lu\n", blocks);
	seq_printf(m, "bytes_inuse %llu\n", inuse_bytes);
	seq_printf(m, "bytes_held %lu\n", pages * PAGE_SIZE);
	seq_printf(m, "bytes_requested %llu\n", requested);
	seq_printf(m, "bytes_rounded %llu\n", rounded);
	seq_printf(m, "large_allocs %ld\n", atomic_long_read(&pymm_large_count));
	seq_printf(m, "large_bytes %ld\n", atomic_long_read(&pymm_large_bytes));
	seq_printf(m, "debug %d\n", pymm_debug);
	for (i = PYMM_ERR_INVALID; i < PYMM_NR_ERRORS; i++)
		seq_printf(m, "%s %ld\n", pymm_error_names[i],
			   atomic_long_read(&pymm_errors[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(summary);

void pymm_debugfs_init(void)
{
	pymm_debugfs_root = debugfs_create_dir("pymm", NULL);
	pymm_debugfs_heaps = debugfs_create_dir("heaps", pymm_debugfs_root);
	debugfs_create_file("classes", 0444, pymm_debugfs_root, NULL,
			    &classes_fops);
	debugfs_create_file("arenas", 0444, pymm_debugfs_root, NULL,
			    &arenas_fops);
	debugfs_create_file("summary", 0444, pymm_debugfs_root, NULL,
			    &summary_fops);
}

void pymm_debugfs_exit(void)
{
	debugfs_remove_recursive(pymm_debugfs_root);
}
