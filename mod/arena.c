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
 *
 * In normal operation memory goes back one whole arena at a time, as in
 * CPython.  When the kernel asks (the shrinker, shrink.c: memory pressure
 * or drop_caches), pymm gives back all it can: the CPUs hand back their
 * current pools that have nothing in use (cpu.c), which may empty arenas,
 * the page of every free pool of an arena still in use goes back alone
 * (pymm_arena_trim(); release_free_pools=0 turns that off), and the cached
 * arena goes (pymm_arena_drop_cache()).  A trimmed pool is gone for the
 * rest of its arena's life, and the arena goes back once the pools it
 * still holds are free.  Arena pages are split when allocated
 * (split_page()), so that each can be freed alone.
 *
 * arenas_min=N reserves N whole arenas, allocated when it is set (at load,
 * or when the parameter is written): they hand out pools like any other
 * but are never given back, whole or in part, and stay on the usable list
 * when all their pools are free.  Writing a smaller N unreserves arenas,
 * which then follow the rules above.
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
 *
 * The lock, the lists and the counters are this file's alone: debugfs.c
 * reads them through pymm_arena_snapshot() and pymm_arena_read_stats().
 * Where an arena is counted in or out, under the lock, it fires the trace
 * event pymm:arena_alloc or pymm:arena_free (trace.h); the arenas freed at
 * unload are not counted, nor traced.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/llist.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "arena.h"
#include "pymm_kasan.h"
#include "report.h"
#include "trace.h"

static DEFINE_SPINLOCK(pymm_arena_lock);
static LIST_HEAD(pymm_usable_arenas);
static LIST_HEAD(pymm_full_arenas);
static struct pymm_arena *pymm_cached_arena;
static unsigned long pymm_arenas_allocated;
static unsigned long pymm_arenas_freed;
static unsigned long pymm_arenas_now;
static unsigned long pymm_pages_held;

static struct pymm_arena *nfp2lasta[PYMM_ARENA_POOLS + 1];
static unsigned long pymm_page_magic __read_mostly;

/* Free pools of the unreserved arenas on the usable list: what a trim
 * gives back.  Under pymm_arena_lock.
 */
static unsigned long pymm_pools_trimmable;

/* The reserved arenas (arenas_min), under pymm_arena_lock. */
static LIST_HEAD(pymm_reserved_arenas);
static unsigned int pymm_arenas_reserved;

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

/*
 * Count @arena as given back, and trace it (pymm:arena_free); called with
 * pymm_arena_lock held.
 */
static void pymm_count_freed(struct pymm_arena *arena)
{
	pymm_arenas_now--;
	pymm_arenas_freed++;
	pymm_pages_held -= arena->npresent;
	trace_arena_free(arena->base, arena->npresent, pymm_arenas_now,
			 arena->reserved);
}

/* @arena, on the usable list, gained (@n > 0) or lost free pools. */
static void pymm_trimmable_add(struct pymm_arena *arena, long n)
{
	if (!arena->reserved)
		pymm_pools_trimmable += n;
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
		pymm_trimmable_add(arena, arena->nfreepools);
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
	pymm_trimmable_add(arena, -1);
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
 * An arena that empties is cached or given back, unless it is reserved.
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
	pymm_trimmable_add(arena, 1);
	if (arena->nfreepools == arena->npresent && !arena->reserved) {
		pymm_usable_unlink(arena);
		pymm_trimmable_add(arena, -(long)arena->nfreepools);
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

/*
 * A new arena, tagged, on no list and not counted yet.  With @whole, an
 * order-PYMM_ARENA_ORDER block or nothing; otherwise the block if it can be
 * had cheaply, else a single page.
 */
static struct pymm_arena *pymm_arena_new(gfp_t gfp, bool whole)
{
	unsigned int order = PYMM_ARENA_ORDER;
	struct pymm_arena *arena;
	struct page *page;
	unsigned int i;

	if (whole)
		page = alloc_pages(gfp | __GFP_NOWARN, order);
	else
		page = alloc_pages((gfp & ~__GFP_NOFAIL) | __GFP_NORETRY |
				   __GFP_NOWARN, order);
	if (!page) {
		if (whole)
			return NULL;
		order = 0;
		page = alloc_pages(gfp, order);
		if (!page)
			return NULL;
	}
	arena = kmalloc(struct_size(arena, pools, 1U << order), gfp);
	if (!arena) {
		__free_pages(page, order);
		return NULL;
	}
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
	arena->reserved = false;
	INIT_LIST_HEAD(&arena->reserve_link);
	for (i = 0; i < arena->npools; i++) {
		struct pymm_pool *pool = &arena->pools[i];

		INIT_LIST_HEAD(&pool->link);
		pool->szidx = PYMM_POOL_FREE;
		pool->idx = i;
		pool->owned = 0;
	}
	pymm_arena_tag(arena, true);
	return arena;
}

/*
 * Count a new arena in, and trace it (pymm:arena_alloc); called with
 * pymm_arena_lock held, @arena->reserved already set.
 */
static void pymm_count_new(struct pymm_arena *arena)
{
	pymm_arenas_now++;
	pymm_arenas_allocated++;
	pymm_pages_held += arena->npools;
	trace_arena_alloc(arena->base, arena->npools, pymm_arenas_now,
			  arena->reserved);
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
	struct pymm_arena *arena = pymm_arena_new(gfp, false);
	unsigned long flags;

	if (!arena)
		return -ENOMEM;
	spin_lock_irqsave(&pymm_arena_lock, flags);
	pymm_count_new(arena);
	if (list_empty(&pymm_usable_arenas) && !pymm_cached_arena) {
		pymm_usable_add_empty(arena);
		pymm_trimmable_add(arena, arena->nfreepools);
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
}

/* Pages untagged per hold of pymm_arena_lock in pymm_arena_trim(). */
#define PYMM_TRIM_BATCH		PYMM_ARENA_POOLS

/*
 * Give back every free pool of @arena, an unreserved arena on the usable
 * list: untag the pages and put them on @pages, and move the arena to the
 * full list.  Called with pymm_arena_lock held.  Return: pages taken.
 */
static unsigned int pymm_arena_trim_one(struct pymm_arena *arena,
					struct list_head *pages)
{
	unsigned int i, n = 0;
	struct page *page;

	pymm_usable_unlink(arena);
	pymm_trimmable_add(arena, -(long)arena->nfreepools);
	while (arena->freemask) {
		i = __ffs64(arena->freemask);
		arena->freemask &= ~BIT_ULL(i);
		arena->present &= ~BIT_ULL(i);
		pymm_page_tag(arena, i, false);
		page = virt_to_page(arena->base) + i;
		list_add(&page->lru, pages);
		n++;
	}
	arena->nfreepools = 0;
	arena->npresent -= n;
	pymm_pages_held -= n;
	/* Some pool of it is in use: pymm_arena_trim() skips free arenas. */
	list_add(&arena->link, &pymm_full_arenas);
	return n;
}

/**
 * pymm_arena_trim - give back every free pool of the arenas in use
 *
 * The shrinker (shrink.c) calls this unless release_free_pools=0.  A free
 * pool's page goes back to the page allocator and the pool is gone from its
 * arena for good: the arena holds fewer pages, and goes back itself once
 * the pools it still holds are all free.  Afterwards no unreserved arena in
 * use has a free pool.  The arena lock is dropped after every
 * PYMM_TRIM_BATCH pages or so, and at most as many arenas as there were at
 * the start are trimmed, so that frees meanwhile cannot keep it going.
 * Context: process context (it may reschedule), no pymm lock held.
 *
 * Return: pages given back.
 */
unsigned long pymm_arena_trim(void)
{
	unsigned long budget = READ_ONCE(pymm_arenas_now);
	struct pymm_arena *arena, *next;
	unsigned long flags, n = 0;
	struct page *page, *tmp;
	unsigned int batch;
	LIST_HEAD(pages);
	bool more;

	do {
		batch = 0;
		more = false;
		spin_lock_irqsave(&pymm_arena_lock, flags);
		/* Trimmed arenas leave the list: each batch starts at the head. */
		list_for_each_entry_safe(arena, next, &pymm_usable_arenas,
					 link) {
			/*
			 * A wholly free arena on this list was just grown for
			 * an allocation that has not taken its pool yet:
			 * trimming it would leave an arena of no pages that
			 * never goes back.
			 */
			if (arena->reserved ||
			    arena->nfreepools == arena->npresent)
				continue;
			if (batch >= PYMM_TRIM_BATCH || !budget) {
				more = budget != 0;
				break;
			}
			batch += pymm_arena_trim_one(arena, &pages);
			budget--;
		}
		spin_unlock_irqrestore(&pymm_arena_lock, flags);

		/* No block lives in a free pool: nobody can be using these. */
		list_for_each_entry_safe(page, tmp, &pages, lru) {
			list_del(&page->lru);
			__free_page(page);
			n++;
		}
		if (more)
			cond_resched();
	} while (more);
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

/**
 * pymm_arena_drop_cache - give the cached arena back to the page allocator
 *
 * Context: process context, no pymm lock held.
 *
 * Return: the pages it held, or 0 if there was none.
 */
unsigned long pymm_arena_drop_cache(void)
{
	struct pymm_arena *arena = pymm_uncache();
	unsigned long pages;

	if (!arena)
		return 0;
	pages = arena->npresent;
	pymm_arena_release(arena);
	return pages;
}

/**
 * pymm_arena_count_free - what the arenas could give back, in pages
 * @pools: count the free pools of the arenas in use too
 *
 * The cached arena, and with @pools the free pools of the unreserved
 * arenas in use (what pymm_arena_trim() gives back).  Cheap: a few racy
 * reads, no lock.
 *
 * Return: an estimate.
 */
unsigned long pymm_arena_count_free(bool pools)
{
	struct pymm_arena *cached;
	unsigned long n = 0;

	rcu_read_lock();	/* a cached arena is freed after a grace period */
	cached = READ_ONCE(pymm_cached_arena);
	if (cached)	/* racy: an estimate */
		n += data_race(cached->npresent);
	rcu_read_unlock();
	if (pools)	/* racy: an estimate */
		n += data_race(pymm_pools_trimmable);
	return n;
}

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

/**
 * pymm_arena_snapshot - a copy of every arena's row, for debugfs
 * @n: set to the number of rows
 *
 * The usable arenas in their order, then the cached one, then the full
 * ones.  pymm_arena_lock is held while the lists are copied: O(number of
 * arenas), a few ns each.  Room is left for 16 arenas added after the
 * buffer was sized; any more are left out.  Context: process context, no
 * pymm lock held.
 *
 * Return: the rows, to be freed with kvfree(), or NULL if out of memory.
 */
struct pymm_arena_row *pymm_arena_snapshot(unsigned int *n)
{
	struct pymm_arena_row *rows;
	unsigned long flags;
	unsigned int max;

	/* Arenas may be added between sizing the buffer and filling it. */
	max = READ_ONCE(pymm_arenas_now) + 16;
	rows = kvmalloc_array(max, sizeof(*rows), GFP_KERNEL);
	if (!rows)
		return NULL;

	spin_lock_irqsave(&pymm_arena_lock, flags);
	*n = pymm_copy_arenas(&pymm_usable_arenas, rows, max);
	if (pymm_cached_arena && *n < max) {
		rows[*n].base = pymm_cached_arena->base;
		rows[*n].npools = pymm_cached_arena->npresent;
		rows[*n].nfree = pymm_cached_arena->nfreepools;
		(*n)++;
	}
	*n += pymm_copy_arenas(&pymm_full_arenas, rows + *n, max - *n);
	spin_unlock_irqrestore(&pymm_arena_lock, flags);
	return rows;
}

/**
 * pymm_arena_read_stats - the arena counters, read together under the lock
 * @st: filled with them
 */
void pymm_arena_read_stats(struct pymm_arena_stats *st)
{
	unsigned long flags;

	spin_lock_irqsave(&pymm_arena_lock, flags);
	st->now = pymm_arenas_now;
	st->allocated = pymm_arenas_allocated;
	st->freed = pymm_arenas_freed;
	st->pages = pymm_pages_held;
	st->cached = pymm_cached_arena;
	spin_unlock_irqrestore(&pymm_arena_lock, flags);
}

/* Serialises changes of the reserve, and tells whether pymm is up. */
static DEFINE_MUTEX(pymm_reserve_lock);
static bool pymm_arenas_up;
static unsigned int pymm_arenas_min;

/*
 * @arena is reserved no more: it follows the common rules from now on.
 * Called with pymm_arena_lock held.  Return: an arena to release with
 * pymm_arena_release() once the lock is dropped, or NULL.
 */
static struct pymm_arena *pymm_unreserve(struct pymm_arena *arena)
{
	list_del_init(&arena->reserve_link);
	arena->reserved = false;
	pymm_arenas_reserved--;
	if (arena->nfreepools < arena->npresent) {
		/* In use: full, or usable with free pools to trim. */
		pymm_trimmable_add(arena, arena->nfreepools);
		return NULL;
	}
	/* All free: as if its last pool had just come back. */
	pymm_usable_unlink(arena);
	if (!pymm_cached_arena) {
		pymm_cached_arena = arena;
		return NULL;
	}
	pymm_count_freed(arena);
	return arena;
}

/*
 * Make the reserve @n arenas: allocate whole arenas, or unreserve some.
 * Called with pymm_reserve_lock held, pymm up.  Return: 0, or -ENOMEM with
 * the reserve as it was.
 */
static int pymm_reserve(unsigned int n)
{
	unsigned int was = pymm_arenas_reserved;
	struct pymm_arena *arena, *gone;
	unsigned long flags;

	lockdep_assert_held(&pymm_reserve_lock);
	while (pymm_arenas_reserved < n) {
		arena = pymm_arena_new(GFP_KERNEL | __GFP_RETRY_MAYFAIL, true);
		if (!arena) {
			pymm_reserve(was);
			return -ENOMEM;
		}
		spin_lock_irqsave(&pymm_arena_lock, flags);
		arena->reserved = true;
		pymm_count_new(arena);
		list_add(&arena->reserve_link, &pymm_reserved_arenas);
		pymm_arenas_reserved++;
		pymm_usable_add_empty(arena);
		spin_unlock_irqrestore(&pymm_arena_lock, flags);
	}
	while (pymm_arenas_reserved > n) {
		spin_lock_irqsave(&pymm_arena_lock, flags);
		arena = list_first_entry(&pymm_reserved_arenas,
					 struct pymm_arena, reserve_link);
		gone = pymm_unreserve(arena);
		spin_unlock_irqrestore(&pymm_arena_lock, flags);
		if (gone)
			pymm_arena_release(gone);
	}
	return 0;
}

/* Arenas never to reserve: a quarter of the memory. */
static unsigned long pymm_arenas_min_max(void)
{
	return totalram_pages() / 4 / PYMM_ARENA_POOLS;
}

static int pymm_arenas_min_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;
	int err;

	err = kstrtouint(val, 0, &n);
	if (err)
		return err;
	if (n > pymm_arenas_min_max()) {
		pymm_report_reserve_refused(n, pymm_arenas_min_max());
		return -EINVAL;
	}
	mutex_lock(&pymm_reserve_lock);
	/* Before load, pymm_arenas_init() reserves them. */
	if (pymm_arenas_up)
		err = pymm_reserve(n);
	if (!err)
		pymm_arenas_min = n;
	mutex_unlock(&pymm_reserve_lock);
	return err;
}

static const struct kernel_param_ops pymm_arenas_min_ops = {
	.set = pymm_arenas_min_set,
	.get = param_get_uint,
};

module_param_cb(arenas_min, &pymm_arenas_min_ops, &pymm_arenas_min, 0644);
MODULE_PARM_DESC(arenas_min,
		 "Whole arenas allocated at load (or when written) and never given back (default: 0)");

/* Load: draw the page tag, then allocate the arenas_min arenas. */
int pymm_arenas_init(void)
{
	int err;

	pymm_page_magic = get_random_long() | 1;
	mutex_lock(&pymm_reserve_lock);
	err = pymm_reserve(pymm_arenas_min);
	if (!err)
		pymm_arenas_up = true;
	mutex_unlock(&pymm_reserve_lock);
	if (err) {
		pymm_report_reserve_failed(pymm_arenas_min);
		pymm_arenas_exit();
	}
	return err;
}

/*
 * Unload: free every arena with nothing live in it, reserved or not.  An
 * arena that still holds live blocks was leaked by a client; its pages are
 * kept, never freed under a pointer someone may still hold, and counted
 * for the caller to report.  Return: the pages kept.
 */
unsigned long pymm_arenas_exit(void)
{
	struct pymm_arena *arena, *next;
	unsigned long leaked = 0;

	mutex_lock(&pymm_reserve_lock);
	pymm_arenas_up = false;
	mutex_unlock(&pymm_reserve_lock);
	pymm_arena_drop_cache();

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
	rcu_barrier();
	return leaked;
}
