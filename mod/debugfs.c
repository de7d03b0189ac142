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
 *                     of pools (pymm_class_npools()): O(1), with no walk
 *                     over pools; and for summary pymm_arena_lock, held to
 *                     read the arena counters.
 *   arenas            pymm_arena_lock is held while the arena lists are
 *                     copied into a buffer (pymm_arena_snapshot()):
 *                     O(number of arenas), a few ns each.  The block fast
 *                     path never takes that lock; only a class taking or
 *                     returning a whole pool waits.
 *
 * This file takes no lock itself: the layers below hand it copies.
 */
#include <linux/debugfs.h>
#include <linux/minmax.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "arena.h"
#include "class.h"
#include "cpu.h"
#include "debug.h"
#include "debugfs.h"
#include "large.h"
#include "report.h"

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

	pymm_class_counts(i, &c);
	st->npools = pymm_class_npools(i);
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

static int arenas_show(struct seq_file *m, void *v)
{
	struct pymm_arena_row *rows;
	unsigned int n, i;

	seq_puts(m, "base pools free\n");
	rows = pymm_arena_snapshot(&n);
	if (!rows)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		seq_printf(m, "%p %u %u\n", rows[i].base, rows[i].npools,
			   rows[i].nfree);
	kvfree(rows);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(arenas);

static int summary_show(struct seq_file *m, void *v)
{
	u64 inuse_bytes = 0, requested = 0, rounded = 0;
	struct pymm_large_stats large;
	struct pymm_arena_stats ar;
	struct pymm_class_stats st;
	unsigned long blocks = 0;
	unsigned int i;

	for (i = 0; i < PYMM_NR_CLASSES; i++) {
		unsigned int size = pymm_classes[i].size;

		pymm_class_stats(i, &st);
		blocks += st.inuse;
		inuse_bytes += (u64)st.inuse * size;
		requested += st.requested;
		rounded += (u64)st.allocs * size;
	}
	pymm_arena_read_stats(&ar);

	seq_puts(m, "name value\n");
	seq_printf(m, "arenas %lu\n", ar.now);
	seq_printf(m, "arenas_allocated %lu\n", ar.allocated);
	seq_printf(m, "arenas_freed %lu\n", ar.freed);
	seq_printf(m, "arenas_cached %d\n", ar.cached);
	seq_printf(m, "pages %lu\n", ar.pages);
	seq_printf(m, "blocks_inuse %lu\n", blocks);
	seq_printf(m, "bytes_inuse %llu\n", inuse_bytes);
	seq_printf(m, "bytes_held %lu\n", ar.pages * PAGE_SIZE);
	seq_printf(m, "bytes_requested %llu\n", requested);
	seq_printf(m, "bytes_rounded %llu\n", rounded);
	pymm_large_read_stats(&large);
	seq_printf(m, "large_allocs %ld\n", large.count);
	seq_printf(m, "large_bytes %ld\n", large.bytes);
	seq_printf(m, "debug %d\n", pymm_debug);
	for (i = PYMM_ERR_INVALID; i < PYMM_NR_ERRORS; i++)
		seq_printf(m, "%s %ld\n", pymm_error_name(i),
			   pymm_error_count(i));
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
