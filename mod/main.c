// SPDX-License-Identifier: GPL-2.0
/*
 * pymm.ko: module parameters, load and unload.
 *
 * Load sets up the size classes for the chosen mode, allocates the
 * arenas_min arenas and registers the shrinker (arena.c), sets up CPU
 * hotplug (cpu.c) and creates the debugfs files.  Unload hands every
 * CPU's current pools back with CPU hotplug held off, frees every arena
 * that has nothing live in it and reports (and keeps) memory a client
 * leaked: clients hold a module reference through the symbols they use, so
 * by the time pymm can be unloaded nobody can free those blocks any more.
 */
#include <linux/module.h>

#include "pymm_internal.h"
#include "object.h"

bool pymm_debug;
module_param_named(debug, pymm_debug, bool, 0444);
MODULE_PARM_DESC(debug, "Red zones and poisoning on every small block (default: off)");

static int __init pymm_init(void)
{
	int err;

	if (pymm_debug)
		static_branch_enable(&pymm_debug_key);
	pymm_classes_init();
	err = pymm_arenas_init();
	if (err)
		return err;
	err = pymm_cpu_init();
	if (err) {
		pymm_arenas_exit();
		return err;
	}
	err = pymm_heaps_init();
	if (err) {
		pymm_cpu_exit();
		pymm_arenas_exit();
		return err;
	}
	pymm_debugfs_init();
	pr_info("pymm: %u size classes up to %u bytes, %lu KiB arenas%s\n",
		PYMM_NR_CLASSES, PYMM_SMALL_MAX, PYMM_ARENA_SIZE >> 10,
		pymm_debug ? ", debug mode" : "");
	return 0;
}

static void __exit pymm_exit(void)
{
	pymm_heaps_exit();
	pymm_debugfs_exit();
	pymm_cpu_exit();
	pymm_arenas_exit();
	pymm_large_exit();
}

module_init(pymm_init);
module_exit(pymm_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("CPython's small-object allocator: blocks, pools and arenas");
