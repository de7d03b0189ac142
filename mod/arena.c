// SPDX-License-Identifier: GPL-2.0
/*
 * Arenas: runs of pools taken from, and given back to, the page allocator.
 *
 * An arena is an order-PYMM_ARENA_ORDER block of pages (256 KiB, 64 pools).
 * A pool that belongs to no class is "free" in its arena's freemask.
 * Arenas with at least one free pool sit on pymm_usable_arenas, sorted by
 * nfreepools, fewest first, so that pools are taken from the fullest arena
 * and the emptiest ones drain and can be given back:
 *
 *   usable:  [nfp 1] -> [nfp 1] -> [nfp 3] -> [nfp 3] -> [nfp 7] -> ...
 *                          ^                     ^          ^
 *                    nfp2lasta[1]          nfp2lasta[3]  nfp2lasta[7]
 *   full:    arenas with no free pool, in no particular order
 *   cached:  at most one arena with every pool free
 *
 * nfp2lasta[n] is the last arena on the usable list with n free pools, or
 * NULL.  As in CPython's obmalloc, it makes every reorder O(1): pools are
 * only taken from the head (whose nfreepools is the smallest, so it stays
 * first), and an arena that gains a pool moves to just after nfp2lasta[n].
 *
 * An arena whose pools are all free leaves the list: it becomes the cached
 * arena if there is none, and otherwise goes back to the page allocator.
 * The shrinker hands the CPUs' current pools back (cpu.c), which may empty
 * arenas, and frees the cached arena under memory pressure.
 *
 * Memory goes back one whole arena at a time, as in CPython.  Only with
 * the release_free_pools parameter (off by default) does the shrinker also
 * give back the page of every free pool of an arena still in use
 * (pymm_arena_trim()); such a pool is gone for the rest of its arena's
 * life, and the arena goes back once the pools it still holds are free.
 * Arena pages are split when allocated (split_page()), so that each can be
 * freed alone.
 *
 * When an order-PYMM_ARENA_ORDER block cannot be had cheaply, the arena is
 * a single page instead: one pool is all the caller needs, and failing a
 * small allocation because 64 contiguous pages are not free would be wrong.
 * The high-order attempt uses __GFP_NORETRY so it never triggers heavy
 * compaction or the OOM killer on behalf of a 8-byte request.
 *
 * Every pool page carries its arena in its struct page, so pymm_free()
 * recognises its own blocks in O(1) without reading the pages themselves:
 * page->private holds the arena and page->index the arena xor a random
 * word drawn at load, a pair no page pymm did not tag carries by chance
 * (a slab page keeps its freelist and counters there).  The pages are
 * pymm's own, from alloc_pages(), unmapped and on no LRU, so nothing else
 * reads those fields.  An arena is untagged before its pages are freed,
 * and its struct is freed after an RCU grace period, so a lookup that
 * races with the release reads a valid (all-free) descriptor.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/random.h>
#include <linux/shrinker.h>
#include <linux/slab.h>

#include "pymm_internal.h"
#include "pymm_kasan.h"

DEFINE_SPINLOCK(pymm_arena_lock);
LIST_HEAD(pymm_usable_arenas);
LIST_HEAD(pymm_full_arenas);
struct pymm_arena *pymm_cached_arena;
unsigned long pymm_arenas_allocated;
unsigned long pymm_arenas_freed;
unsigned long pymm_arenas_now;
unsigned long pymm_pages_held;

static struct pymm_arena *nfp2lasta[PYMM_ARENA_POOLS + 1];
static struct shrinker *pymm_shrinker;
static unsigned long pymm_page_magic __read_mostly;

/**
 * pymm_arena_lookup - the arena a pointer lies in
 * @p: any pointer
 *
 * Must be called under rcu_read_lock() or with interrupts off; the arena
 * stays readable until that ends.
 *
 * Return: the arena, or NULL if @p is not in a pymm pool page.
 */
struct pymm_arena *pymm_arena_lookup(const void *p)
{
	struct page *page;
	unsigned long arena;

	if (unlikely(!virt_addr_valid(p)))
		return NULL;
	page = virt_to_page(p);
	arena = READ_ONCE(page->private);
	if (!arena || READ_ONCE(page->index) != (arena ^ pymm_page_magic))
		return NULL;
	return (struct pymm_arena *)arena;
}

/* Tag page @i of @arena with it (@set) or untag it. */
static void pymm_page_tag(struct pymm_arena *arena, unsigned int i, bool set)
{
	struct page *page = virt_to_page(arena->base) + i;
	unsigned long tag = set ? (unsigned long)arena : 0;

	WRITE_ONCE(page->index, set ? tag ^ pymm_page_magic : 0);
	WRITE_ONCE(page->private, tag);
}

/* Tag the pages @arena still holds with it (@set) or untag them. */
static void pymm_arena_tag(struct pymm_arena *arena, bool set)
{
	unsigned int i;

	for (i = 0; i < arena->npools; i++)
		if (arena->present & BIT_ULL(i))
			pymm_page_tag(arena, i, set);
}

/* Free the pages @arena still holds (split at allocation), then @arena. */
static void pymm_arena_free(struct pymm_arena *arena)
{
	unsigned int i;

	for (i = 0; i < arena->npools; i++)
		if (arena->present & BIT_ULL(i))
			__free_page(virt_to_page(arena->base) + i);
	kfree_rcu(arena, rcu);
}

/* Count @arena as given back; called with pymm_arena_lock held. */
static void pymm_count_freed(struct pymm_arena *arena)
{
	pymm_arenas_now--;
	pymm_arenas_freed++;
	pymm_pages_held -= arena->npresent;
}

/* The arena before @arena on the usable list, or NULL at the head. */
static struct pymm_arena *pymm_usable_prev(struct pymm_arena *arena)
{
	if (arena->link.prev == &pymm_usable_arenas)
		return NULL;
	return list_prev_entry(arena, link);
}

/* Take @arena off the usable list, keeping nfp2lasta right. */
static void pymm_usable_unlink(struct pymm_arena *arena)
{
	unsigned int nf = arena->nfreepools;

	if (nfp2lasta[nf] == arena) {
		struct pymm_arena *prev = pymm_usable_prev(arena);

		nfp2lasta[nf] = prev && prev->nfreepools == nf ? prev : NULL;
	}
	list_del_init(&arena->link);
}

/*
 * Put an arena whose pools are all free onto the usable list.  Its
 * nfreepools is the largest possible for its size, so a full-size arena
 * goes last and a one-page arena goes first.
 */
static void pymm_usable_add_empty(struct pymm_arena *arena)
{
	unsigned int nf = arena->nfreepools;

	if (nf == PYMM_ARENA_POOLS) {
		list_add_tail(&arena->link, &pymm_usable_arenas);
		nfp2lasta[nf] = arena;
	} else {
		list_add(&arena->link, &pymm_usable_arenas);
		if (!nfp2lasta[nf])
			nfp2lasta[nf] = arena;
	}
}

/* @arena gained a free pool. */
static void pymm_usable_inc(struct pymm_arena *arena)
{
	unsigned int nf = arena->nfreepools;
	struct pymm_arena *lastnf;

	if (!nf) {
		/* Was full: one free pool is the fewest, so it goes first. */
		list_move(&arena->link, &pymm_usable_arenas);
		arena->nfreepools = 1;
		if (!nfp2lasta[1])
			nfp2lasta[1] = arena;
		return;
	}
	lastnf = nfp2lasta[nf];
	if (lastnf == arena) {
		struct pymm_arena *prev = pymm_usable_prev(arena);

		nfp2lasta[nf] = prev && prev->nfreepools == nf ? prev : NULL;
	}
	arena->nfreepools = ++nf;
	if (!nfp2lasta[nf])
		nfp2lasta[nf] = arena;
	/* Right after the last arena that still has nf - 1 free pools. */
	if (lastnf != arena)
		list_move(&arena->link, &lastnf->link);
}

/**
 * pymm_pool_get - take a free pool for a size class
 * @szidx: the class
 *
 * Takes the pool from the arena with the fewest free pools, falling back to
 * the cached arena.  Called with the class lock held.
 *
 * Return: the pool, initialised and empty, or NULL if no arena has one.
 */
struct pymm_pool *pymm_pool_get(unsigned int szidx)
{
	struct pymm_arena *arena;
	struct pymm_pool *pool;
	unsigned int nf;

	spin_lock(&pymm_arena_lock);
	arena = list_first_entry_or_null(&pymm_usable_arenas,
					 struct pymm_arena, link);
	if (!arena && pymm_cached_arena) {
		arena = pymm_cached_arena;
		pymm_cached_arena = NULL;
		pymm_usable_add_empty(arena);
	}
	if (!arena) {
		spin_unlock(&pymm_arena_lock);
		return NULL;
	}
	/* The head has the fewest free pools; with one fewer it stays first. */
	nf = arena->nfreepools;
	if (nfp2lasta[nf] == arena)
		nfp2lasta[nf] = NULL;
	if (nf > 1)
		nfp2lasta[nf - 1] = arena;
	arena->nfreepools = nf - 1;
	if (nf == 1)
		list_move(&arena->link, &pymm_full_arenas);

	pool = &arena->pools[__ffs64(arena->freemask)];
	arena->freemask &= ~BIT_ULL(pool->idx);
	pool->szidx = szidx;
	pool->nused = 0;
	pool->nextoffset = 0;
	pool->freeblock = NULL;
	spin_unlock(&pymm_arena_lock);
	return pool;
}

/**
 * pymm_pool_put - give an empty pool back to its arena
 * @pool: a pool with no block in use, already off its class's usedpools
 *
 * Called with the class lock held.
 *
 * Return: an arena that must be released with pymm_arena_release() once the
 * caller has dropped its locks, or NULL.
 */
struct pymm_arena *pymm_pool_put(struct pymm_pool *pool)
{
	struct pymm_arena *arena = pymm_pool_arena(pool);

	spin_lock(&pymm_arena_lock);
	pool->szidx = PYMM_POOL_FREE;
	arena->freemask |= BIT_ULL(pool->idx);
	pymm_usable_inc(arena);
	if (arena->nfreepools == arena->npresent) {
		pymm_usable_unlink(arena);
		if (!pymm_cached_arena) {
			pymm_cached_arena = arena;
			arena = NULL;
		} else {
			pymm_count_freed(arena);
		}
	} else {
		arena = NULL;
	}
	spin_unlock(&pymm_arena_lock);
	return arena;
}

/**
 * pymm_arena_release - give an arena's pages back to the page allocator
 * @arena: an arena already off every list and counted as freed
 *
 * Called with no pymm lock held.
 */
void pymm_arena_release(struct pymm_arena *arena)
{
	pymm_arena_tag(arena, false);
	pymm_arena_free(arena);
}

/**
 * pymm_arena_grow - add a new arena to the usable list
 * @gfp: the caller's allocation flags, already masked by pymm_meta_gfp()
 *
 * If another task made a pool available while this one allocated, the new
 * arena becomes the cache, or goes back, rather than linger empty.
 *
 * Called with no pymm lock held; sleeps only if @gfp allows it.
 *
 * Return: 0 or -ENOMEM.
 */
int pymm_arena_grow(gfp_t gfp)
{
	unsigned int order = PYMM_ARENA_ORDER;
	struct pymm_arena *arena;
	unsigned long flags;
	struct page *page;
	unsigned int i;

	page = alloc_pages((gfp & ~__GFP_NOFAIL) | __GFP_NORETRY | __GFP_NOWARN,
			   order);
	if (!page) {
		order = 0;
		page = alloc_pages(gfp, order);
		if (!page)
			return -ENOMEM;
	}
	arena = kmalloc(struct_size(arena, pools, 1U << order), gfp);
	if (!arena)
		goto free_pages;
	/* Each page can then be given back alone (pymm_arena_trim()). */
	split_page(page, order);
	arena->base = page_address(page);
	arena->npools = 1U << order;
	pymm_kasan_poison(arena->base, PAGE_SIZE << order, PYMM_KASAN_REDZONE);
	arena->nfreepools = arena->npools;
	arena->npresent = arena->npools;
	arena->freemask = arena->npools == 64 ? ~0ULL :
			  BIT_ULL(arena->npools) - 1;
	arena->present = arena->freemask;
	for (i = 0; i < arena->npools; i++) {
		struct pymm_pool *pool = &arena->pools[i];

		INIT_LIST_HEAD(&pool->link);
		pool->szidx = PYMM_POOL_FREE;
		pool->idx = i;
		pool->owned = 0;
	}
	pymm_arena_tag(arena, true);

	spin_lock_irqsave(&pymm_arena_lock, flags);
	pymm_arenas_now++;
	pymm_arenas_allocated++;
	pymm_pages_held += arena->npools;
	if (list_empty(&pymm_usable_arenas) && !pymm_cached_arena) {
		pymm_usable_add_empty(arena);
		arena = NULL;
	} else if (!pymm_cached_arena) {
		/* Another task grew meanwhile: keep this one as the cache. */
		pymm_cached_arena = arena;
		arena = NULL;
	} else {
		pymm_count_freed(arena);
	}
	spin_unlock_irqrestore(&pymm_arena_lock, flags);
	if (arena)
		pymm_arena_release(arena);
	return 0;

free_pages:
	__free_pages(page, order);
	return -ENOMEM;
}

bool pymm_release_free_pools;
module_param_named(release_free_pools, pymm_release_free_pools, bool, 0644);
MODULE_PARM_DESC(release_free_pools,
		 "The shrinker also gives back the free pools of arenas still in use, one page each (default: off, only whole arenas)");

/**
 * pymm_arena_trim - give back every free pool of the arenas in use
 *
 * Off by default (CPython's rule, and pymm's: memory goes back one whole
 * arena at a time); with release_free_pools=1 the shrinker calls this.  A
 * free pool's page goes back to the page allocator and the pool is gone
 * from its arena for good: the arena holds fewer pages, and goes back
 * itself once the pools it still holds are all free.  Afterwards every
 * arena in use has no free pool, so the usable list is empty.
 *
 * Return: pages given back.
 */
static unsigned long pymm_arena_trim(void)
{
	struct pymm_arena *arena, *next;
	unsigned long flags, n = 0;
	struct page *page, *tmp;
	LIST_HEAD(pages);
	unsigned int i;

	spin_lock_irqsave(&pymm_arena_lock, flags);
	list_for_each_entry_safe(arena, next, &pymm_usable_arenas, link) {
		while (arena->freemask) {
			i = __ffs64(arena->freemask);
			arena->freemask &= ~BIT_ULL(i);
			arena->present &= ~BIT_ULL(i);
			arena->nfreepools--;
			arena->npresent--;
			pymm_pages_held--;
			pymm_page_tag(arena, i, false);
			page = virt_to_page(arena->base) + i;
			list_add(&page->lru, &pages);
			n++;
		}
		/* Some pool of it is in use, or it would not be on this list. */
		list_move(&arena->link, &pymm_full_arenas);
	}
	for (i = 0; i <= PYMM_ARENA_POOLS; i++)
		nfp2lasta[i] = NULL;
	spin_unlock_irqrestore(&pymm_arena_lock, flags);

	/* No block lives in a free pool: nobody can be using these pages. */
	list_for_each_entry_safe(page, tmp, &pages, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
	return n;
}

/* Detach the cached arena and count it as freed; NULL if there is none. */
static struct pymm_arena *pymm_uncache(void)
{
	struct pymm_arena *arena;
	unsigned long flags;

	spin_lock_irqsave(&pymm_arena_lock, flags);
	arena = pymm_cached_arena;
	if (arena) {
		pymm_cached_arena = NULL;
		pymm_count_freed(arena);
	}
	spin_unlock_irqrestore(&pymm_arena_lock, flags);
	return arena;
}

/*
 * What the shrinker can give back: the cached arena, and whatever the CPUs'
 * current pools hold (handing them back may empty pools and arenas).
 */
static unsigned long pymm_shrink_count(struct shrinker *shrinker,
				       struct shrink_control *sc)
{
	unsigned long n = atomic_long_read(&pymm_pools_owned);

	if (READ_ONCE(pymm_cached_arena))
		n += PYMM_ARENA_POOLS;
	if (READ_ONCE(pymm_release_free_pools) &&
	    !list_empty_careful(&pymm_usable_arenas))
		n += PYMM_ARENA_POOLS;
	return n ? n : SHRINK_EMPTY;
}

static unsigned long pymm_shrink_scan(struct shrinker *shrinker,
				      struct shrink_control *sc)
{
	unsigned long before = READ_ONCE(pymm_arenas_freed);
	struct pymm_arena *arena;
	unsigned long freed;

	pymm_cpu_flush_all();
	freed = READ_ONCE(pymm_release_free_pools) ? pymm_arena_trim() : 0;
	arena = pymm_uncache();
	if (arena)
		pymm_arena_release(arena);
	/* Pages given back, the flush's own releases included. */
	freed += (READ_ONCE(pymm_arenas_freed) - before) * PYMM_ARENA_POOLS;
	return freed ? freed : SHRINK_STOP;
}

int pymm_arenas_init(void)
{
	pymm_page_magic = get_random_long() | 1;
	pymm_shrinker = shrinker_alloc(0, "pymm");
	if (!pymm_shrinker)
		return -ENOMEM;
	pymm_shrinker->count_objects = pymm_shrink_count;
	pymm_shrinker->scan_objects = pymm_shrink_scan;
	/* A cached arena is pure cache: free it at any reclaim, in one go. */
	pymm_shrinker->seeks = 0;
	pymm_shrinker->batch = 1;
	shrinker_register(pymm_shrinker);
	return 0;
}

/*
 * Unload: free every arena with nothing live in it.  An arena that still
 * holds live blocks was leaked by a client; its pages are reported and kept,
 * never freed under a pointer someone may still hold.
 */
void pymm_arenas_exit(void)
{
	struct pymm_arena *arena, *next;
	unsigned long leaked = 0, blocks = 0;
	unsigned int i;

	shrinker_free(pymm_shrinker);
	arena = pymm_uncache();
	if (arena)
		pymm_arena_release(arena);

	for (i = 0; i < PYMM_NR_CLASSES; i++)
		blocks += pymm_class_inuse(i);

	list_splice_init(&pymm_full_arenas, &pymm_usable_arenas);
	list_for_each_entry_safe(arena, next, &pymm_usable_arenas, link) {
		list_del(&arena->link);
		pymm_arena_tag(arena, false);
		if (arena->nfreepools == arena->npresent) {
			pymm_arena_free(arena);
		} else {
			leaked += arena->npresent;
			kfree_rcu(arena, rcu);
		}
	}
	if (leaked)
		pr_err("pymm: LEAK: %lu blocks still live at unload; keeping their %lu pages\n",
		       blocks, leaked);
	rcu_barrier();
}
