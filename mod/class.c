// SPDX-License-Identifier: GPL-2.0
/*
 * Size classes: blocks handed out from pools, under the class lock.
 *
 * A request of n bytes (1 <= n <= PYMM_SMALL_MAX) is served by class
 * (n - 1) / 8, whose blocks are (class + 1) * 8 bytes.  Each class owns
 * the pools it allocates from; usedpools lists those that have both used and
 * free blocks, so the pool to allocate from is the list head, found in O(1):
 *
 *   pymm_classes[i].usedpools <-> pool <-> pool <-> ...
 *                                  |
 *                                  +-> freeblock -> block -> block -> NULL
 *
 * A pool that is no CPU's current pool (cpu.c) moves between three states,
 * always under its class lock:
 *   used  (0 < nused < capacity)  on usedpools
 *   full  (nused == capacity)     off usedpools; a free puts it back first
 *   empty (nused == 0)            given back to its arena (arena.c)
 * A CPU takes its current pool from the head of usedpools (or a fresh one
 * from the arenas) and puts it back here when it has used it up.  While it
 * is owned, frees from other CPUs go onto its shared list (freeblock) here,
 * and the owner takes that list over when its private one runs dry.
 *
 * This file is the whole allocator in debug mode, which has no per-CPU
 * pools, and the slow path of the per-CPU one otherwise.  It counts
 * nothing: cpu.c, which calls it, keeps the per-CPU counters.
 *
 * A block is taken from the pool's free list if it has one, otherwise carved
 * from the never-used tail of the page at nextoffset; pages are never touched
 * beyond what has been handed out.
 *
 * Free-list links are encoded (pymm_link_code()), so that a free can tell
 * from the block's first word alone whether the block is on one of its
 * pool's free lists: the shared one here, or its owner's private one, which
 * this CPU cannot walk.  That catches every double free of a block that is
 * on a free list, on any CPU, without debug mode.
 */
#include <linux/export.h>
#include <linux/kmemleak.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/string.h>

#include "arena.h"
#include "class.h"
#include "debug.h"
#include "pymm_kasan.h"
#include "report.h"

struct pymm_class pymm_classes[PYMM_NR_CLASSES];

/* Free-list links are stored xor'ed with it: see pymm_link_code(). */
unsigned long pymm_link_secret __read_mostly;

void pymm_classes_init(void)
{
	unsigned int i;

	/* Top bits 01: no canonical address; bit 0: 0 decodes to no block. */
	pymm_link_secret = get_random_long();
	pymm_link_secret &= ~BIT(BITS_PER_LONG - 1);
	pymm_link_secret |= BIT(BITS_PER_LONG - 2) | 1;

	for (i = 0; i < PYMM_NR_CLASSES; i++) {
		struct pymm_class *cls = &pymm_classes[i];

		spin_lock_init(&cls->lock);
		INIT_LIST_HEAD(&cls->usedpools);
		cls->size = (i + 1) * PYMM_ALIGN;
		cls->first = pymm_debug ? PYMM_RZ : 0;
		cls->stride = cls->size + 2 * cls->first;
		cls->capacity = PAGE_SIZE / cls->stride;
		/* Exact for every offset below PAGE_SIZE: see pymm_slot(). */
		cls->recip = DIV_ROUND_UP_ULL(1ULL << 32, cls->stride);
	}
}

/*
 * Take a pool for @cls from the arenas, growing them if needed.  Called and
 * returns with cls->lock held; drops it around the page allocation.  Returns
 * the pool to allocate from (now on usedpools), or NULL.
 */
static struct pymm_pool *pymm_class_refill(struct pymm_class *cls,
					   gfp_t gfp, unsigned long *flags)
{
	unsigned int szidx = cls - pymm_classes;
	struct pymm_pool *pool;
	int err;

	for (;;) {
		pool = pymm_pool_get(szidx);
		if (pool)
			break;
		spin_unlock_irqrestore(&cls->lock, *flags);
		err = pymm_arena_grow(pymm_meta_gfp(gfp));
		spin_lock_irqsave(&cls->lock, *flags);
		/* Another thread may have refilled the class meanwhile. */
		pool = list_first_entry_or_null(&cls->usedpools,
						struct pymm_pool, link);
		if (pool)
			return pool;
		if (err)
			return NULL;
	}
	list_add(&pool->link, &cls->usedpools);
	cls->npools++;
	return pool;
}

/*
 * What every small block goes through on its way out, with no lock held:
 * KASAN opens exactly @size bytes (the rounding slack becomes a redzone),
 * debug mode frames it, __GFP_ZERO or init_on_alloc zeroes it, and kmemleak
 * starts tracking it.
 */
void pymm_block_handout(struct pymm_class *cls, void *block, size_t size,
			gfp_t gfp)
{
	pymm_kasan_unpoison(block, cls->size, cls->size);
	if (want_init_on_alloc(gfp))
		memset(block, 0, cls->size);
	pymm_kasan_unpoison(block, size, cls->size);
	kmemleak_alloc(block, cls->size, 1, gfp);
}

/*
 * What every small block goes through on its way back, before it is linked
 * into a free list: kmemleak forgets it, and init_on_free or debug mode
 * overwrite it.  KASAN poisons it once it is linked.
 */
void pymm_block_takeback(struct pymm_class *cls, const void *block)
{
	kmemleak_free(block);
	if (static_branch_unlikely(&pymm_debug_key)) {
		pymm_kasan_unpoison(block, cls->size, cls->size);
		pymm_debug_poison(cls, (void *)block);
	} else if (want_init_on_free()) {
		pymm_kasan_unpoison(block, cls->size, cls->size);
		memset((void *)block, 0, cls->size);
	}
}

/**
 * pymm_class_alloc - allocate a block of @cls under its lock
 * @cls: the class
 * @size: the requested size, for KASAN
 * @gfp: the caller's flags
 *
 * The allocator of debug mode: the pool at the head of usedpools gives the
 * block.  The caller counts it.
 *
 * Return: the block, or NULL.
 */
void *pymm_class_alloc(struct pymm_class *cls, size_t size, gfp_t gfp)
{
	struct pymm_pool *pool;
	unsigned long flags;
	bool recycled;
	void *block;

	spin_lock_irqsave(&cls->lock, flags);
	pool = list_first_entry_or_null(&cls->usedpools, struct pymm_pool, link);
	if (unlikely(!pool)) {
		pool = pymm_class_refill(cls, gfp, &flags);
		if (!pool) {
			spin_unlock_irqrestore(&cls->lock, flags);
			return NULL;
		}
	}
	block = pool->freeblock;
	recycled = block;
	if (likely(block)) {
		pool->freeblock = pymm_free_link(cls, block);
		if (static_branch_unlikely(&pymm_debug_key))
			pymm_debug_check_next(cls, pool);
	} else {
		block = pymm_pool_addr(pool) + pool->nextoffset + cls->first;
		WRITE_ONCE(pool->nextoffset, pool->nextoffset + cls->stride);
	}
	if (unlikely(++pool->nused == cls->capacity))
		list_del_init(&pool->link);
	else if (static_branch_unlikely(&pymm_debug_key) && !pool->freeblock &&
		 pool->nextoffset + cls->stride > PAGE_SIZE)
		/* Debug dropped a damaged free list: nothing left to carve. */
		list_del_init(&pool->link);
	spin_unlock_irqrestore(&cls->lock, flags);

	if (static_branch_unlikely(&pymm_debug_key)) {
		pymm_kasan_unpoison(block, cls->size, cls->size);
		pymm_debug_alloc(cls, block, recycled);
	}
	pymm_block_handout(cls, block, size, gfp);
	return block;
}

/**
 * pymm_pool_class - the class a pool belongs to, or NULL
 * @pool: any pool descriptor
 *
 * Read without the class lock, so pymm_pool_check() confirms it under the
 * lock: for a pool holding a live block it cannot change, for anything else
 * it may.
 *
 * Return: the class, or NULL for a free pool.
 */
struct pymm_class *pymm_pool_class(struct pymm_pool *pool)
{
	unsigned int szidx = READ_ONCE(pool->szidx);

	return szidx < PYMM_NR_CLASSES ? &pymm_classes[szidx] : NULL;
}

/**
 * pymm_pool_check - is @p a live block of @pool, a pool of @cls?
 * @cls: the class
 * @pool: the pool @p lies in
 * @p: the pointer
 *
 * A pointer that survives this is a block start below nextoffset that is
 * on none of the pool's free lists (pymm_block_is_free(): the shared list
 * and the private list of the CPU that owns the pool, whichever CPU that
 * is).  Debug mode, which has only the shared list, checks the red zones
 * instead and, if needed, walks the whole list.  Called with the class lock
 * held.
 *
 * Return: 0 or a pymm_error.
 */
static int pymm_pool_check(struct pymm_class *cls, struct pymm_pool *pool,
			   const void *p)
{
	unsigned int off = pymm_page_offset(p);
	unsigned int slot = pymm_slot(cls, off) * cls->stride;
	/* An owner carving meanwhile only moves it up, past @p's slot. */
	unsigned int end = READ_ONCE(pool->nextoffset);

	if (pool->szidx != cls - pymm_classes || slot >= end)
		return PYMM_ERR_INVALID;
	if (off != slot + cls->first)
		return PYMM_ERR_MIDDLE;
	if (static_branch_unlikely(&pymm_debug_key))
		return pymm_debug_check_free(cls, pool, p);
	if (pymm_block_is_free(cls, p, end))
		return PYMM_ERR_DOUBLE_FREE;
	return 0;
}

/**
 * pymm_class_free - give a block back to its pool's shared free list
 * @cls: the class of @pool, from pymm_pool_class()
 * @pool: the pool @p lies in
 * @p: the block
 * @empty: set to an arena the caller must release with pymm_arena_release()
 *	once the per-CPU lock is dropped, or NULL
 *
 * The free of debug mode, and of a block whose pool is not this CPU's
 * current pool.  A pool that was full goes back to the front of usedpools,
 * and one that empties goes back to its arena, unless a CPU owns it.  Called
 * under cpu.c's per-CPU local lock (on !PREEMPT_RT: with interrupts off);
 * takes the class lock.
 *
 * Return: 0, or the pymm_error the caller must report.  A refused pointer
 * (pymm_refused()) leaves every pool untouched; a damaged red zone
 * (PYMM_ERR_CORRUPTION) is reported and the block freed all the same: the
 * caller counts a free unless the pointer was refused.
 */
int pymm_class_free(struct pymm_class *cls, struct pymm_pool *pool,
		    const void *p, struct pymm_arena **empty)
{
	int err;

	*empty = NULL;
	spin_lock(&cls->lock);
	err = pymm_pool_check(cls, pool, p);
	if (unlikely(pymm_refused(err))) {
		spin_unlock(&cls->lock);
		return err;
	}
	pymm_block_takeback(cls, p);
	pymm_set_free_link(cls, (void *)p, pool->freeblock);
	pymm_kasan_poison(p, cls->size, PYMM_KASAN_FREE);
	pool->freeblock = (void *)p;
	pool->nused--;
	if (pool->owned) {
		/* Its owner takes the shared list over when it needs it. */
	} else if (unlikely(pool->nused == cls->capacity - 1)) {
		list_add(&pool->link, &cls->usedpools);
	} else if (unlikely(!pool->nused)) {
		list_del(&pool->link);
		cls->npools--;
		*empty = pymm_pool_put(pool);
	}
	spin_unlock(&cls->lock);
	return err;
}

/**
 * pymm_small_size - usable size of a small block, after checking it
 * @arena: the arena @p lies in, looked up under rcu_read_lock()
 * @p: the block
 * @caller: API function name for the report
 *
 * Return: the class size, or 0 (reported) if @p is not a live block.
 */
unsigned int pymm_small_size(struct pymm_arena *arena, const void *p,
			     const char *caller)
{
	struct pymm_pool *pool = pymm_arena_pool(arena, p);
	struct pymm_class *cls;
	unsigned long flags;
	int err;

	cls = pymm_pool_class(pool);
	if (unlikely(!cls)) {
		pymm_report(PYMM_ERR_INVALID, p, -1, caller);
		return 0;
	}
	spin_lock_irqsave(&cls->lock, flags);
	err = pymm_pool_check(cls, pool, p);
	spin_unlock_irqrestore(&cls->lock, flags);
	if (unlikely(err)) {
		pymm_report(err, p, cls - pymm_classes, caller);
		if (pymm_refused(err))
			return 0;
	}
	/* Like ksize(): the caller may now use the whole block. */
	pymm_kasan_unpoison(p, cls->size, cls->size);
	return cls->size;
}

/**
 * pymm_class_npools - pools that belong to a class now
 * @idx: the class
 *
 * Takes the class lock to read one count: O(1), for debugfs.
 *
 * Return: the number of pools.
 */
unsigned long pymm_class_npools(unsigned int idx)
{
	struct pymm_class *cls = &pymm_classes[idx];
	unsigned long flags, n;

	spin_lock_irqsave(&cls->lock, flags);
	n = cls->npools;
	spin_unlock_irqrestore(&cls->lock, flags);
	return n;
}

#if IS_ENABLED(CONFIG_KUNIT)
/**
 * pymm_test_set_free_link - link a free block to another, for KUnit only
 * @block: a small block on a free list
 * @next: the block it is to link to, or NULL
 *
 * Lets pymm's tests damage a free list as a use after free might (make a
 * cycle, say), which pymm's double-free checks no longer let a client do,
 * to check that the walks of a free list are bounded and repair it.
 * Exported only to modules importing EXPORTED_FOR_KUNIT_TESTING.
 */
void pymm_test_set_free_link(void *block, void *next)
{
	struct pymm_class *cls = NULL;
	struct pymm_arena *arena;

	rcu_read_lock();
	arena = pymm_arena_lookup(block);
	if (arena)
		cls = pymm_pool_class(pymm_arena_pool(arena, block));
	if (!WARN_ON_ONCE(!cls))
		pymm_set_free_link(cls, block, next);
	rcu_read_unlock();
}
EXPORT_SYMBOL_NS_GPL(pymm_test_set_free_link, EXPORTED_FOR_KUNIT_TESTING);
#endif
