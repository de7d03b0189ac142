// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU current pools: the allocator's fast path.
 *
 * CPython's usedpools[class] names the pool that every allocation of the
 * class comes from.  With several CPUs, each CPU has that pool of its own:
 * its current pool, which it alone allocates from.
 *
 *   CPU n, class i (struct pymm_cpu_class)        the pool (struct pymm_pool)
 *   +----------+                                  +------------------------+
 *   | pool     |--------------------------------->| owned = 1, off lists   |
 *   | freelist |-> blk -> blk -> NULL  (private)  | freeblock -> blk -> .. |
 *   | nfree    |                                  |   (shared: frees from  |
 *   +----------+                                  |    other CPUs)         |
 *                                                 | nextoffset (carving)   |
 *                                                 +------------------------+
 *
 * A block freed on the CPU that owns its pool goes onto the CPU's private
 * free list; one freed anywhere else goes onto the pool's shared list under
 * the class lock (class.c).  Either way it is back on its pool's free list.
 * Allocation pops the private list, else carves the pool, both under the
 * CPU's own local lock (pymm_cpu.lock) and no shared lock.  Only when both
 * are used up does the CPU take the class lock: it takes over the shared
 * list if other CPUs have freed into the pool, and otherwise hands the pool
 * back (it is full) and takes a new current pool from the head of
 * usedpools, or a fresh one from the arenas (arena.c).
 *
 * Accounting: while a pool is owned, its nused counts the owner's private
 * blocks (on the private list or not yet carved) as used, so that the
 * class lock's holders never need the owner's state: nused is capacity
 * minus the blocks on the shared list.  Handing the pool back subtracts the
 * private blocks again.  An owned pool is on no list and is never given
 * back to its arena, however many blocks are free in it, until it is
 * handed back: by unload and CPU hotplug (every current pool), and by the
 * shrinker (those with nothing in use, the only ones whose return gives
 * memory back; only the CPUs owning one are asked).  A CPU hands its pools
 * back itself, in a work item bound to it (there is no IPI: see
 * pymm_flush_work), and the arenas that empties are given back by the
 * caller once every CPU is done.
 *
 * Locking: pymm_cpu.lock, a local_lock_t, guards a CPU's state.  On
 * !PREEMPT_RT it disables interrupts, so the fast path may be entered from
 * any context, hardirq included; on PREEMPT_RT it is a per-CPU sleeping
 * lock, and pymm may be called wherever a spinlock_t may be taken (see
 * README, "Calling contexts").  Nested inside it: the class lock, then the
 * arena lock (pymm_internal.h).  No page is allocated or freed under it.
 *
 * Double frees: a block on the private list of another CPU cannot be
 * looked for there, so free-list links are encoded and a block handed out
 * has its first word cleared (pymm_link_code()): a free of a block on any
 * of its pool's free lists is seen from the block alone, on any CPU.  The
 * private list's walk when the pool is handed back is bounded by nfree, and
 * a damaged list is cut and reported (pymm_cpu_cut()).
 *
 * Debug mode has no current pools: every block goes through class.c, where
 * red zones and the whole free list can be checked under the lock.
 *
 * Statistics: each CPU counts the blocks it hands out and takes back, and
 * the bytes asked for, in its own struct pymm_cpu_class, debug mode and
 * frees into another CPU's pool included; pymm_class_counts() sums them.
 * The per-CPU state is this file's alone.
 */
#include <linux/bitmap.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/llist.h>
#include <linux/local_lock.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/smp.h>
#include <linux/workqueue.h>

#include "arena.h"
#include "class.h"
#include "cpu.h"
#include "debug.h"
#include "pymm_kasan.h"
#include "report.h"

/**
 * struct pymm_cpu_class - one CPU's state for one size class
 * @freelist:	private free list of @pool: blocks freed on this CPU
 * @pool:	this CPU's current pool of the class, or NULL
 * @nfree:	blocks on @freelist
 * @allocs:	blocks of the class handed out on this CPU since load
 * @frees:	blocks of the class given back on this CPU since load
 * @requested:	sum of the sizes asked for in those allocations
 *
 * Only its CPU touches it, under its CPU's pymm_cpu.lock; debugfs reads
 * the counters without synchronisation.
 */
struct pymm_cpu_class {
	void *freelist;
	struct pymm_pool *pool;
	unsigned int nfree;
	unsigned long allocs;
	unsigned long frees;
	u64 requested;
};

/**
 * struct pymm_cpu - one CPU's state
 * @lock:	serialises the CPU's users of @cls: on !PREEMPT_RT it disables
 *		interrupts (and is checked by lockdep), on PREEMPT_RT it is a
 *		per-CPU sleeping lock and the holder cannot migrate
 * @cls:	the state of each size class
 */
struct pymm_cpu {
	local_lock_t lock;
	struct pymm_cpu_class cls[PYMM_NR_CLASSES];
};

static DEFINE_PER_CPU_ALIGNED(struct pymm_cpu, pymm_cpu) = {
	.lock = INIT_LOCAL_LOCK(lock),
};

/* @cpu's state for class @i. */
static struct pymm_cpu_class *pymm_cpu_class(unsigned int cpu, unsigned int i)
{
	return &per_cpu_ptr(&pymm_cpu, cpu)->cls[i];
}

/* Current pools of all CPUs: the shrinker's count skips its walk at 0. */
static atomic_long_t pymm_pools_owned;

/* This CPU's state for class @cls; pymm_cpu.lock must be held. */
static inline struct pymm_cpu_class *pymm_this_cpu(struct pymm_class *cls)
{
	return this_cpu_ptr(&pymm_cpu.cls[cls - pymm_classes]);
}

static enum cpuhp_state pymm_cpuhp_state;

/* One hand-back of current pools (pymm_cpu_flush()). */
struct pymm_flush {
	bool all;			/* or only those with nothing in use */
	struct llist_head release;	/* arenas to give back afterwards */
};

/* Blocks of @pool that were never carved. */
static unsigned int pymm_uncarved(struct pymm_class *cls,
				  struct pymm_pool *pool)
{
	return cls->capacity - pymm_slot(cls, pool->nextoffset);
}

/* Slots seen by pymm_cpu_cut(), one bit per block of the smallest class. */
static DEFINE_SPINLOCK(pymm_cut_lock);
static DECLARE_BITMAP(pymm_cut_seen, PAGE_SIZE / PYMM_ALIGN);

/*
 * @pc's private list is damaged: cut it after its longest prefix of
 * distinct blocks of the pool, at most nfree of them, and report it.  The
 * blocks cut off stay counted as in use, so none of them is handed out
 * twice, and the pool never goes back to its arena under a block someone
 * may hold.  Return: the list's new tail (NULL: the list is now empty),
 * and the number of blocks left on it in *@n.
 */
static void *pymm_cpu_cut(struct pymm_class *cls, struct pymm_cpu_class *pc,
			  unsigned int *n)
{
	struct pymm_pool *pool = pc->pool;
	void *page = pymm_pool_addr(pool), *block = pc->freelist, *tail = NULL;

	*n = 0;
	spin_lock(&pymm_cut_lock);
	bitmap_zero(pymm_cut_seen, cls->capacity);
	while (*n < pc->nfree &&
	       pymm_pool_has_block(cls, block, page, pool->nextoffset) &&
	       !__test_and_set_bit(pymm_slot(cls, block - page), pymm_cut_seen)) {
		tail = block;
		block = pymm_free_link(cls, block);
		(*n)++;
	}
	spin_unlock(&pymm_cut_lock);
	if (tail)
		pymm_set_free_link(cls, tail, NULL);
	else
		pc->freelist = NULL;
	pymm_report_cut(cls - pymm_classes, page, *n, pc->nfree);
	return tail;
}

/*
 * The tail of @pc's private list, which holds pc->nfree blocks; *@n is set
 * to the blocks on it.  The walk is bounded: a list that does not end after
 * exactly nfree blocks of the pool (a cycle, a link out of the pool, an
 * early end: memory corruption) is cut by pymm_cpu_cut() first.
 */
static void *pymm_cpu_tail(struct pymm_class *cls, struct pymm_cpu_class *pc,
			   unsigned int *n)
{
	struct pymm_pool *pool = pc->pool;
	void *page = pymm_pool_addr(pool), *block = pc->freelist, *tail = NULL;
	unsigned int i;

	for (i = 0; i < pc->nfree &&
	     pymm_pool_has_block(cls, block, page, pool->nextoffset); i++) {
		tail = block;
		block = pymm_free_link(cls, block);
	}
	*n = i;
	if (i == pc->nfree && !block)
		return tail;
	return pymm_cpu_cut(cls, pc, n);
}

/*
 * Hand @pc's current pool back to its class.  Called with the class lock
 * held and, unless @pc belongs to a dead CPU, on @pc's CPU with interrupts
 * off.  Return: an arena to release once the locks are dropped, or NULL.
 */
static struct pymm_arena *pymm_cpu_release(struct pymm_class *cls,
					   struct pymm_cpu_class *pc)
{
	struct pymm_pool *pool = pc->pool;
	unsigned int nfree = 0;
	void *tail;

	/* The private list goes in front of the shared one. */
	if (pc->freelist) {
		tail = pymm_cpu_tail(cls, pc, &nfree);
		if (tail) {
			pymm_set_free_link(cls, tail, pool->freeblock);
			pool->freeblock = pc->freelist;
		}
	}
	pool->nused -= nfree + pymm_uncarved(cls, pool);
	pool->owned = 0;
	pc->pool = NULL;
	pc->freelist = NULL;
	pc->nfree = 0;
	atomic_long_dec(&pymm_pools_owned);

	if (!pool->nused) {
		cls->npools--;
		return pymm_pool_put(pool);
	}
	if (pool->nused < cls->capacity)
		list_add(&pool->link, &cls->usedpools);
	return NULL;
}

/*
 * Move @pool's shared free list to @pc's private one: its carved blocks
 * not in use become @pc's, so nused counts every block as used.  Called
 * with the class lock held.
 */
static void pymm_cpu_take_shared(struct pymm_class *cls,
				 struct pymm_cpu_class *pc,
				 struct pymm_pool *pool)
{
	pc->freelist = pool->freeblock;
	pc->nfree = pymm_slot(cls, pool->nextoffset) - pool->nused;
	pool->freeblock = NULL;
	pool->nused = cls->capacity;
}

/* Make @pool @pc's current pool.  Called with the class lock held. */
static void pymm_cpu_own(struct pymm_class *cls, struct pymm_cpu_class *pc,
			 struct pymm_pool *pool)
{
	pool->owned = 1;
	pc->pool = pool;
	pymm_cpu_take_shared(cls, pc, pool);
	atomic_long_inc(&pymm_pools_owned);
}

/*
 * Pop @pc's private list, or carve its current pool (which has a block).
 * The block's first word is cleared, so that a free does not take it for
 * a free block (pymm_block_is_free()) whatever the client leaves in it.
 */
static void *pymm_cpu_next(struct pymm_class *cls, struct pymm_cpu_class *pc)
{
	struct pymm_pool *pool = pc->pool;
	void *block = pc->freelist;
	unsigned int off;

	if (likely(block)) {
		pc->freelist = pymm_free_link(cls, block);
		pc->nfree--;
	} else {
		off = pool->nextoffset;
		/* Published for pymm_pool_check() on other CPUs. */
		WRITE_ONCE(pool->nextoffset, off + cls->stride);
		block = pymm_pool_addr(pool) + off;
	}
	pymm_kasan_write_link(pymm_link(cls, block), NULL);
	return block;
}

/* Has @pc's current pool no private block left, carved or not? */
static bool pymm_cpu_used_up(struct pymm_class *cls, struct pymm_cpu_class *pc)
{
	return !pc->freelist && pc->pool->nextoffset + cls->stride > PAGE_SIZE;
}

/*
 * @pc's current pool has just given its last private block.  Take over
 * what other CPUs freed into it, or hand it back: it is full then.  Called
 * on @pc's CPU under its pymm_cpu.lock.
 */
static void pymm_cpu_retire(struct pymm_class *cls, struct pymm_cpu_class *pc)
{
	struct pymm_pool *pool = pc->pool;
	struct pymm_arena *empty = NULL;

	spin_lock(&cls->lock);
	if (pool->freeblock) {
		pymm_cpu_take_shared(cls, pc, pool);
	} else {
		/* Full: it goes on no list, and no arena is emptied. */
		empty = pymm_cpu_release(cls, pc);
	}
	spin_unlock(&cls->lock);
	if (WARN_ON_ONCE(empty))
		pymm_arena_release(empty);
}

/*
 * Give this CPU a current pool of @cls: the head of usedpools, or a fresh
 * pool from the arenas, which are grown if needed.  Called and returns with
 * pymm_cpu.lock held, but drops it (and so may move to another CPU) around
 * growing the arenas.  Gives up once growing failed and no pool turned up
 * since.  Return: this CPU's state, now with a current pool, or NULL.
 */
static struct pymm_cpu_class *pymm_cpu_refill(struct pymm_class *cls,
					      gfp_t gfp, unsigned long *flags)
{
	struct pymm_cpu_class *pc;
	struct pymm_pool *pool;
	int err = 0;

	for (;;) {
		pc = pymm_this_cpu(cls);
		if (pc->pool)	/* refilled while interrupts were on */
			return pc;
		spin_lock(&cls->lock);
		pool = list_first_entry_or_null(&cls->usedpools,
						struct pymm_pool, link);
		if (pool) {
			list_del_init(&pool->link);
		} else {
			pool = pymm_pool_get(cls - pymm_classes);
			if (pool)
				cls->npools++;
		}
		if (pool)
			pymm_cpu_own(cls, pc, pool);
		spin_unlock(&cls->lock);
		if (pool)
			return pc;
		if (err)
			return NULL;
		local_unlock_irqrestore(&pymm_cpu.lock, *flags);
		err = pymm_arena_grow(pymm_meta_gfp(gfp));
		local_lock_irqsave(&pymm_cpu.lock, *flags);
	}
}

/*
 * Debug mode's allocation: class.c gives the block, under the class lock,
 * and this CPU counts it before anyone can free it.
 */
static void *pymm_cpu_class_alloc(struct pymm_class *cls, size_t size,
				  gfp_t gfp)
{
	struct pymm_cpu_class *pc;
	unsigned long flags;
	void *block;

	block = pymm_class_alloc(cls, size, gfp);
	if (!block)
		return NULL;
	local_lock_irqsave(&pymm_cpu.lock, flags);
	pc = pymm_this_cpu(cls);
	pc->allocs++;
	pc->requested += size;
	local_unlock_irqrestore(&pymm_cpu.lock, flags);
	return block;
}

/**
 * pymm_small_alloc - allocate a block of at most PYMM_SMALL_MAX bytes
 * @size: 1..PYMM_SMALL_MAX
 * @gfp: the caller's flags
 *
 * Return: the block, or NULL.
 */
void *pymm_small_alloc(size_t size, gfp_t gfp)
{
	struct pymm_class *cls = &pymm_classes[pymm_size_to_class(size)];
	struct pymm_cpu_class *pc;
	unsigned long flags;
	void *block;

	if (static_branch_unlikely(&pymm_debug_key))
		return pymm_cpu_class_alloc(cls, size, gfp);

	local_lock_irqsave(&pymm_cpu.lock, flags);
	pc = pymm_this_cpu(cls);
	if (unlikely(!pc->freelist && !pc->pool)) {
		pc = pymm_cpu_refill(cls, gfp, &flags);
		if (unlikely(!pc)) {
			local_unlock_irqrestore(&pymm_cpu.lock, flags);
			return NULL;
		}
	}
	block = pymm_cpu_next(cls, pc);
	/* A current pool always has a block to give: see pymm_cpu_retire(). */
	if (unlikely(!pc->freelist) && pymm_cpu_used_up(cls, pc))
		pymm_cpu_retire(cls, pc);
	pc->allocs++;
	pc->requested += size;
	local_unlock_irqrestore(&pymm_cpu.lock, flags);

	pymm_block_handout(cls, block, size, gfp);
	return block;
}

/*
 * Is @p a live block of @pc's current pool?  The pool cannot change hands
 * under us (pymm_cpu.lock is held and only this CPU hands it back), and its
 * nextoffset moves only here.  A block on this CPU's private list or on the
 * pool's shared list, at any depth, is a double free.
 */
static int pymm_cpu_check(struct pymm_class *cls, struct pymm_cpu_class *pc,
			  const void *p)
{
	unsigned int off = pymm_page_offset(p);
	unsigned int slot = pymm_slot(cls, off) * cls->stride;
	unsigned int end = pc->pool->nextoffset;

	if (unlikely(slot >= end))
		return PYMM_ERR_INVALID;
	if (unlikely(off != slot))
		return PYMM_ERR_MIDDLE;
	if (unlikely(pymm_block_is_free(cls, p, end)))
		return PYMM_ERR_DOUBLE_FREE;
	return 0;
}

/*
 * A free holds pymm_cpu.lock from the arena lookup on, and that must be an
 * RCU read-side critical section: an arena that is released meanwhile stays
 * readable (all free) until the end.  On !PREEMPT_RT the lock disables
 * interrupts, which is one; on PREEMPT_RT it is not, so the free says so.
 */
static __always_inline void pymm_free_lock(unsigned long *flags)
{
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		rcu_read_lock();
	local_lock_irqsave(&pymm_cpu.lock, *flags);
}

static __always_inline void pymm_free_unlock(unsigned long *flags)
{
	local_unlock_irqrestore(&pymm_cpu.lock, *flags);
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		rcu_read_unlock();
}

/**
 * pymm_small_free - give a block back to its pool, if it is in one
 * @p: any pointer but NULL and ZERO_SIZE_PTR
 *
 * Return: false if @p is in no arena; true if it was freed, or refused and
 * reported (which leaves every pool untouched).
 */
bool pymm_small_free(const void *p)
{
	struct pymm_arena *arena, *empty;
	struct pymm_cpu_class *pc;
	struct pymm_pool *pool;
	struct pymm_class *cls;
	unsigned long flags;
	int err;

	pymm_free_lock(&flags);
	arena = pymm_arena_lookup(p);
	if (unlikely(!arena)) {
		pymm_free_unlock(&flags);
		return false;
	}
	pool = pymm_arena_pool(arena, p);
	cls = pymm_pool_class(pool);
	if (unlikely(!cls)) {
		pymm_free_unlock(&flags);
		pymm_report(PYMM_ERR_INVALID, p, -1, "pymm_free");
		return true;
	}
	pc = pymm_this_cpu(cls);
	if (static_branch_unlikely(&pymm_debug_key) || pc->pool != pool) {
		/* Another CPU's pool, or none's: its shared list. */
		err = pymm_class_free(cls, pool, p, &empty);
		if (!pymm_refused(err))
			pc->frees++;
		pymm_free_unlock(&flags);
		if (empty)
			pymm_arena_release(empty);
		goto out;
	}
	err = pymm_cpu_check(cls, pc, p);
	if (likely(!err)) {
		pymm_block_takeback(cls, p);
		pymm_set_free_link(cls, (void *)p, pc->freelist);
		pymm_kasan_poison(p, cls->size, PYMM_KASAN_FREE);
		pc->freelist = (void *)p;
		pc->nfree++;
		pc->frees++;
	}
	pymm_free_unlock(&flags);
out:
	if (unlikely(err))
		pymm_report(err, p, cls - pymm_classes, "pymm_free");
	return true;
}

/*
 * Has @pc's current pool nothing in use, so that handing it back would give
 * it back to its arena?  While the pool is owned, nused is its capacity
 * minus its shared list, so the blocks in use are nused minus the private
 * ones (listed or never carved).  Exact on @pc's CPU with pymm_cpu.lock
 * and the class lock held; elsewhere a racy hint, under rcu_read_lock() so
 * that the pool's arena stays readable even if it is being released.
 */
static bool pymm_cpu_idle(struct pymm_class *cls, struct pymm_cpu_class *pc)
{
	unsigned int nused, nfree, off;
	struct pymm_pool *pool;

	pool = data_race(READ_ONCE(pc->pool));	/* racy: see above */
	if (!pool)
		return false;
	nused = data_race(pool->nused);		/* racy: see above */
	nfree = data_race(pc->nfree);		/* racy: see above */
	off = READ_ONCE(pool->nextoffset);
	return nused == nfree + cls->capacity - pymm_slot(cls, off);
}

/*
 * Hand back @cpu's current pools: every one (@fl->all), or only those with
 * nothing in use, the only ones whose return gives memory back.  Called on
 * @cpu under its pymm_cpu.lock (pymm_cpu_flush_work()), or for a CPU that
 * is dead.  Arenas emptied by it go onto @fl->release, for
 * pymm_cpu_flush_done(): no page is freed under the per-CPU lock.
 */
static void pymm_cpu_flush(unsigned int cpu, struct pymm_flush *fl)
{
	struct pymm_arena *empty;
	unsigned int i;

	for (i = 0; i < PYMM_NR_CLASSES; i++) {
		struct pymm_cpu_class *pc = pymm_cpu_class(cpu, i);
		struct pymm_class *cls = &pymm_classes[i];
		unsigned long flags;

		if (!pc->pool || (!fl->all && !pymm_cpu_idle(cls, pc)))
			continue;
		spin_lock_irqsave(&cls->lock, flags);
		empty = NULL;
		if (fl->all || pymm_cpu_idle(cls, pc))
			empty = pymm_cpu_release(cls, pc);
		spin_unlock_irqrestore(&cls->lock, flags);
		if (empty)
			llist_add(&empty->release, &fl->release);
	}
}

/*
 * A flush of the online CPUs runs as one work item per CPU, bound to it, as
 * SLUB flushes its per-CPU slabs: a CPU's pools can only be handed back
 * under its pymm_cpu.lock, which on PREEMPT_RT is a sleeping lock that an
 * IPI cannot take.  pymm_flush_lock makes one flush at a time own the work
 * items; cpus_read_lock() keeps each item on its CPU.
 */
struct pymm_flush_work {
	struct work_struct work;
	struct pymm_flush *fl;
};

static DEFINE_PER_CPU(struct pymm_flush_work, pymm_flush_works);
static DEFINE_MUTEX(pymm_flush_lock);
static struct workqueue_struct *pymm_flush_wq;

static void pymm_cpu_flush_work(struct work_struct *work)
{
	struct pymm_flush_work *fw = container_of(work, struct pymm_flush_work,
						  work);
	unsigned long flags;

	local_lock_irqsave(&pymm_cpu.lock, flags);
	pymm_cpu_flush(smp_processor_id(), fw->fl);
	local_unlock_irqrestore(&pymm_cpu.lock, flags);
}

/*
 * Flush every online CPU for which @want says so, each on itself, and wait
 * for them.  Called with cpus_read_lock() and pymm_flush_lock held.
 */
static void pymm_cpu_flush_online(struct pymm_flush *fl,
				  bool (*want)(unsigned int cpu))
{
	unsigned int cpu;

	for_each_online_cpu(cpu) {
		struct pymm_flush_work *fw = per_cpu_ptr(&pymm_flush_works, cpu);

		fw->fl = want(cpu) ? fl : NULL;
		if (!fw->fl)
			continue;
		INIT_WORK(&fw->work, pymm_cpu_flush_work);
		queue_work_on(cpu, pymm_flush_wq, &fw->work);
	}
	for_each_online_cpu(cpu) {
		struct pymm_flush_work *fw = per_cpu_ptr(&pymm_flush_works, cpu);

		if (fw->fl)
			flush_work(&fw->work);
	}
}

/* Give back the arenas the flush emptied.  Return: their pages. */
static unsigned long pymm_cpu_flush_done(struct pymm_flush *fl)
{
	struct pymm_arena *arena, *next;
	unsigned long pages = 0;

	llist_for_each_entry_safe(arena, next, llist_del_all(&fl->release),
				  release) {
		pages += arena->npresent;
		pymm_arena_release(arena);
	}
	return pages;
}

/* Does @cpu own a current pool with nothing in use?  A racy hint. */
static bool pymm_cpu_has_idle(unsigned int cpu)
{
	unsigned int i;
	bool idle = false;

	rcu_read_lock();
	for (i = 0; i < PYMM_NR_CLASSES && !idle; i++)
		idle = pymm_cpu_idle(&pymm_classes[i], pymm_cpu_class(cpu, i));
	rcu_read_unlock();
	return idle;
}

static bool pymm_cpu_any(unsigned int cpu)
{
	return true;
}

/**
 * pymm_cpu_count_idle - current pools that have nothing in use
 *
 * The shrinker's count of what handing current pools back would give back:
 * a racy walk over the online CPUs' current pools, with no lock, no write
 * and no interruption of any CPU.  A pool with a block in use is not
 * counted: handing it back frees nothing.
 *
 * Return: the number of such pools.
 */
unsigned long pymm_cpu_count_idle(void)
{
	unsigned long n = 0;
	unsigned int cpu, i;

	if (!atomic_long_read(&pymm_pools_owned))
		return 0;
	rcu_read_lock();
	for_each_online_cpu(cpu)
		for (i = 0; i < PYMM_NR_CLASSES; i++)
			n += pymm_cpu_idle(&pymm_classes[i],
					   pymm_cpu_class(cpu, i));
	rcu_read_unlock();
	return n;
}

/**
 * pymm_cpu_flush_idle - hand back the current pools that have nothing in use
 *
 * The shrinker's flush: only the CPUs that own such a pool run a work item
 * (pymm_cpu_flush_online()), each hands those pools back, and the arenas
 * that empties are given back here, once every CPU is done.  Pools with
 * blocks in use stay where they are: handing them back would free nothing.
 * Reclaim may run with CPU hotplug's lock held for writing, or inside
 * another flush, so this only tries those locks, and skips the per-CPU
 * pools for this round if either is taken.
 * Context: process context, may sleep; no pymm lock held.
 *
 * Return: pages of the arenas given back.
 */
unsigned long pymm_cpu_flush_idle(void)
{
	struct pymm_flush fl = { .all = false };

	if (static_branch_unlikely(&pymm_debug_key))
		return 0;
	if (!cpus_read_trylock())
		return 0;
	if (!mutex_trylock(&pymm_flush_lock)) {
		cpus_read_unlock();
		return 0;
	}
	init_llist_head(&fl.release);
	pymm_cpu_flush_online(&fl, pymm_cpu_has_idle);
	mutex_unlock(&pymm_flush_lock);
	cpus_read_unlock();
	return pymm_cpu_flush_done(&fl);
}

/*
 * Hand every CPU's current pools back to their classes.  Afterwards the
 * pools with nothing in use are back in their arenas and an arena with
 * nothing in use is cached or freed, as if no CPU had a current pool.
 * Runs on every online CPU (a work item each), then directly on every
 * other possible CPU: those are dead, and were flushed when they went down
 * unless the hotplug state was gone by then (unload).  Called with
 * cpus_read_lock() held, so that no CPU changes state meanwhile.
 */
static void pymm_cpu_flush_all(void)
{
	struct pymm_flush fl = { .all = true };
	unsigned int cpu;

	/* cpus_read_lock() is held (lockdep_assert_cpus_held() is not
	 * exported to modules).
	 */
	init_llist_head(&fl.release);
	mutex_lock(&pymm_flush_lock);
	pymm_cpu_flush_online(&fl, pymm_cpu_any);
	mutex_unlock(&pymm_flush_lock);
	for_each_possible_cpu(cpu)
		if (!cpu_online(cpu))
			pymm_cpu_flush(cpu, &fl);
	pymm_cpu_flush_done(&fl);
}

static int pymm_cpu_dead(unsigned int cpu)
{
	struct pymm_flush fl = { .all = true };

	init_llist_head(&fl.release);
	pymm_cpu_flush(cpu, &fl);
	pymm_cpu_flush_done(&fl);
	return 0;
}

/* CPU hotplug: a CPU that goes down hands its current pools back. */
static int pymm_cpu_hotplug_init(void)
{
	int ret;

	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "mm/pymm:dead",
					NULL, pymm_cpu_dead);
	if (ret < 0)
		return ret;
	pymm_cpuhp_state = ret;
	return 0;
}

int pymm_cpu_init(void)
{
	int ret;

	/* A rescuer: the shrinker waits for its work items. */
	pymm_flush_wq = alloc_workqueue("pymm_flush", WQ_MEM_RECLAIM, 0);
	if (!pymm_flush_wq)
		return -ENOMEM;
	ret = pymm_cpu_hotplug_init();
	if (ret)
		destroy_workqueue(pymm_flush_wq);
	return ret;
}

/*
 * Unload's hand-back: the hotplug state goes and every CPU's current pools
 * are handed back, in one section that no CPU can go down or come up in
 * (a CPU that went down between the two would keep its pools: a false
 * LEAK at unload, and pages never freed).  @window, for KUnit only, runs
 * between the two steps.
 */
static void pymm_cpu_stop(void (*window)(void *arg), void *arg)
{
	cpus_read_lock();
	cpuhp_remove_state_nocalls_cpuslocked(pymm_cpuhp_state);
	if (window)
		window(arg);
	if (!static_branch_unlikely(&pymm_debug_key))
		pymm_cpu_flush_all();
	cpus_read_unlock();
}

/*
 * Unload: no client is left, so nothing allocates any more, and the
 * shrinker is gone (shrink.c is a layer above).
 */
void pymm_cpu_exit(void)
{
	pymm_cpu_stop(NULL, NULL);
	destroy_workqueue(pymm_flush_wq);
}

#if IS_ENABLED(CONFIG_KUNIT)
/**
 * pymm_test_cpu_restart - run unload's hand-back, then set up hotplug again
 * @window: called between the removal of the hotplug state and the
 *	hand-back, where unload could race with CPU hotplug
 * @arg: passed to @window
 *
 * For pymm's KUnit suites only (namespace EXPORTED_FOR_KUNIT_TESTING).
 * Context: process context, no pymm lock held.
 *
 * Return: 0, or the error of setting the hotplug state up again.
 */
int pymm_test_cpu_restart(void (*window)(void *arg), void *arg)
{
	pymm_cpu_stop(window, arg);
	return pymm_cpu_hotplug_init();
}
EXPORT_SYMBOL_NS_GPL(pymm_test_cpu_restart, EXPORTED_FOR_KUNIT_TESTING);

/**
 * pymm_test_flush_cpus - hand every CPU's current pools back
 *
 * What unload does: the pools with blocks in use too, which the shrinker
 * leaves alone.  For pymm's KUnit suites only (namespace
 * EXPORTED_FOR_KUNIT_TESTING), which start from a state where no CPU holds
 * free blocks of its own.  Context: process context, no pymm lock held.
 */
void pymm_test_flush_cpus(void)
{
	cpus_read_lock();
	if (!static_branch_unlikely(&pymm_debug_key))
		pymm_cpu_flush_all();
	cpus_read_unlock();
}
EXPORT_SYMBOL_NS_GPL(pymm_test_flush_cpus, EXPORTED_FOR_KUNIT_TESTING);
#endif

/**
 * pymm_class_counts - the counters of a class, summed over the CPUs
 * @idx: the class
 * @st: filled with blocks handed out, given back and bytes requested
 *
 * Lazy and lock-free: each CPU counts its own operations, and a reader adds
 * them up.  Exact when the class is quiet; while it is busy, a block may be
 * counted as given back on one CPU before its allocation on another is
 * seen.  The frees are read first, so that a free seen implies its
 * allocation is seen too, and allocs >= frees.
 */
void pymm_class_counts(unsigned int idx, struct pymm_counts *st)
{
	unsigned int cpu;

	st->allocs = 0;
	st->frees = 0;
	st->requested = 0;
	for_each_possible_cpu(cpu)
		st->frees += READ_ONCE(pymm_cpu_class(cpu, idx)->frees);
	smp_rmb();	/* the frees above before the allocations below */
	for_each_possible_cpu(cpu) {
		struct pymm_cpu_class *pc = pymm_cpu_class(cpu, idx);

		st->allocs += READ_ONCE(pc->allocs);
		st->requested += READ_ONCE(pc->requested);
	}
}

/* Blocks of class @idx in use now (see pymm_class_counts()). */
unsigned long pymm_class_inuse(unsigned int idx)
{
	struct pymm_counts st;

	pymm_class_counts(idx, &st);
	return st.allocs - st.frees;
}
