// SPDX-License-Identifier: GPL-2.0
/*
 * The shrinker: what pymm gives back when the kernel asks (memory pressure
 * or drop_caches).
 *
 * In normal operation memory goes back one whole arena at a time (arena.c).
 * Asked, pymm gives back all it can, in this order: the CPUs hand back
 * their current pools that have nothing in use (cpu.c), which may empty
 * arenas; the page of every free pool of an arena still in use goes back
 * alone (arena.c's trim; release_free_pools=0 turns that off); and the
 * cached arena goes.  Pools with blocks in use and the arenas_min arenas
 * count for nothing: nothing of them can go.
 *
 * This file only decides what to ask of the layers below; they take their
 * own locks.  It is called with no pymm lock held.
 */
#include <linux/minmax.h>
#include <linux/moduleparam.h>

#include "arena.h"
#include "compat.h"
#include "cpu.h"
#include "shrink.h"
#include "trace.h"

static struct shrinker *pymm_shrinker;

static bool pymm_release_free_pools = true;
module_param_named(release_free_pools, pymm_release_free_pools, bool, 0644);
MODULE_PARM_DESC(release_free_pools,
		 "The shrinker also gives back the free pools of arenas still in use, one page each (default: on; 0: only whole arenas)");

/*
 * What the shrinker can give back, in pages: the cached arena, the free
 * pools of the arenas in use (unless release_free_pools=0), and the CPUs'
 * current pools that have nothing in use.  Cheap: a few racy reads and a
 * walk over the CPUs' current pools, no lock, no IPI.  The core scans half
 * of what is counted, so a lone page is counted as two (a count of 1 would
 * never be scanned).
 */
static unsigned long pymm_shrink_count(struct shrinker *shrinker,
				       struct shrink_control *sc)
{
	unsigned long n = pymm_cpu_count_idle();

	/* racy: an estimate */
	n += pymm_arena_count_free(READ_ONCE(pymm_release_free_pools));
	return n ? max(n, 2UL) : SHRINK_EMPTY;
}

#if IS_ENABLED(CONFIG_KUNIT)
/**
 * pymm_test_shrink_count - what pymm's shrinker counts now
 *
 * For pymm's KUnit suites only (namespace EXPORTED_FOR_KUNIT_TESTING).
 *
 * Return: the shrinker's count_objects(): pages it could give back, or
 * SHRINK_EMPTY.
 */
unsigned long pymm_test_shrink_count(void)
{
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL };

	return pymm_shrink_count(pymm_shrinker, &sc);
}
EXPORT_SYMBOL_NS_GPL(pymm_test_shrink_count, EXPORTED_FOR_KUNIT_TESTING);
#endif

/*
 * Give back all that can be: the CPUs' current pools with nothing in use,
 * then every free pool of the arenas in use (unless release_free_pools=0),
 * then the cached arena.  Traced as pymm:shrink, with the pages of each.
 * Return: pages given back, or SHRINK_STOP.
 */
static unsigned long pymm_shrink_scan(struct shrinker *shrinker,
				      struct shrink_control *sc)
{
	unsigned long flushed, trimmed = 0, cached, freed;

	flushed = pymm_cpu_flush_idle();
	if (READ_ONCE(pymm_release_free_pools))
		trimmed = pymm_arena_trim();
	cached = pymm_arena_drop_cache();
	freed = flushed + trimmed + cached;
	trace_shrink(sc->nr_scanned, freed, flushed, trimmed, cached);
	return freed ? freed : SHRINK_STOP;
}

/**
 * pymm_shrink_init - register the shrinker
 *
 * Return: 0 or -ENOMEM.
 */
int pymm_shrink_init(void)
{
	int ret;

	pymm_shrinker = shrinker_alloc(0, "pymm");
	if (!pymm_shrinker)
		return -ENOMEM;
	pymm_shrinker->count_objects = pymm_shrink_count;
	pymm_shrinker->scan_objects = pymm_shrink_scan;
	/* Free pools and a cached arena are pure cache: give them back at
	 * any reclaim, in one go.
	 */
	pymm_shrinker->seeks = 0;
	pymm_shrinker->batch = 1;
	ret = pymm_shrinker_register(pymm_shrinker);
	if (ret) {
		shrinker_free(pymm_shrinker);
		pymm_shrinker = NULL;
	}
	return ret;
}

/* Unload: no scan runs once this returns. */
void pymm_shrink_exit(void)
{
	shrinker_free(pymm_shrinker);
}
