// SPDX-License-Identifier: GPL-2.0
/*
 * pymm.ko: load and unload, the top of the layers (see pymm_internal.h).
 *
 * Load switches debug mode on if asked (debug.c), sets up the size classes
 * for that mode (class.c), allocates the arenas_min arenas (arena.c),
 * sets up CPU hotplug and the flush's workqueue (cpu.c), registers the
 * shrinker (shrink.c), then the heaps (heap.c) and the debugfs files.
 * Unload hands every CPU's current pools back with CPU hotplug held off,
 * frees every arena that has nothing live in it and reports (and keeps)
 * memory a client leaked, counted here:
 * clients hold a module reference through the symbols they use, so by the
 * time pymm can be unloaded nobody can free those blocks any more.  The
 * module parameters live with what they set: debug in debug.c, arenas_min
 * in arena.c, release_free_pools in shrink.c.
 */
#include <linux/module.h>

#include "arena.h"
#include "class.h"
#include "cpu.h"
#include "debug.h"
#include "debugfs.h"
#include "large.h"
#include "object.h"
#include "report.h"
#include "shrink.h"

static int __init pymm_init(void)
{
	int err;

	pymm_debug_init();
	pymm_classes_init();
	err = pymm_arenas_init();
	if (err)
		return err;
	err = pymm_cpu_init();
	if (err)
		goto arenas;
	err = pymm_shrink_init();
	if (err)
		goto cpu;
	err = pymm_heaps_init();
	if (err)
		goto shrink;
	pymm_debugfs_init();
	pymm_report_loaded(PYMM_ARENA_SIZE, pymm_debug);
	return 0;

shrink:
	pymm_shrink_exit();
cpu:
	pymm_cpu_exit();
arenas:
	pymm_arenas_exit();
	return err;
}

/* Small blocks still in use, summed over the classes. */
static unsigned long pymm_blocks_inuse(void)
{
	unsigned long blocks = 0;
	unsigned int i;

	for (i = 0; i < PYMM_NR_CLASSES; i++)
		blocks += pymm_class_inuse(i);
	return blocks;
}

static void __exit pymm_exit(void)
{
	unsigned long blocks, pages;

	pymm_heaps_exit();
	pymm_debugfs_exit();
	pymm_shrink_exit();
	pymm_cpu_exit();
	blocks = pymm_blocks_inuse();
	pages = pymm_arenas_exit();
	if (pages)
		pymm_report_leak(blocks, pages);
	pymm_large_exit();
}

module_init(pymm_init);
module_exit(pymm_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("CPython's small-object allocator: blocks, pools and arenas");
