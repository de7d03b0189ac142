/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pymm internals: the layers of pymm.ko's allocator, and the memory layout
 * and data structures that all of them share.
 *
 * Layers, lowest first: each file's role, then the locks it owns.  A file
 * calls functions of lower layers, and of the files before it in its own
 * layer, never of one after it.  Each file that others call has a header
 * of its own name (report.h, debug.h, arena.h, ...) saying what it exposes
 * and why.  This header holds what every layer from 2 up shares: the data
 * structures, with the lock of each field, and inline helpers, which call
 * only kasan.c.
 *
 *   0  trace.c    the trace events (trace.h), for every layer; calls
 *                 nothing of pymm.  No lock.
 *   1  report.c   every message the allocator prints; the error counters
 *                 and their debugfs names.  No lock.
 *   2  kasan.c    KASAN shadow of the blocks (pymm_kasan.h).  No lock.
 *      debug.c    debug mode (debug=1): red zones and poison, checked for
 *                 class.c under its class lock.  No lock of its own.
 *   3  arena.c    arenas and their free pools, from and back to the page
 *                 allocator; arenas_min.  pymm_reserve_lock, pymm_arena_lock.
 *      large.c    blocks above PYMM_SMALL_MAX, from kmalloc().  The xarray
 *                 lock of pymm_large.
 *      class.c    size classes: the blocks of pools; the slow path, and all
 *                 of debug mode.  pymm_class.lock, one per class.
 *      cpu.c      per-CPU current pools: the fast path; the per-CPU
 *                 counters; the flush of current pools, by per-CPU work
 *                 items.  pymm_flush_lock, pymm_cpu.lock, pymm_cut_lock.
 *   4  api.c      the exported API (include/pymm.h): dispatch by size, and
 *                 recognising a pointer.  No lock.
 *   5  debugfs.c  /sys/kernel/debug/pymm: classes, arenas, summary, and the
 *                 heaps directory.  No lock: the layers below hand it copies.
 *      shrink.c   the shrinker: hands idle current pools back, trims free
 *                 pools, drops the cached arena.  No lock.
 *   6  object.c, gc.c, heap.c (object.h): objects and their cycle collector,
 *                 clients of the API; heap.c fills debugfs's heaps
 *                 directory.  Their locks are listed in object.h.
 *   7  main.c     load and unload, layer by layer; the unload leak count.
 *
 * Memory layout (PAGE_SIZE 4 KiB, one pool per page):
 *
 *   arena: 2^PYMM_ARENA_ORDER pages from the page allocator, naturally aligned
 *   +--------+--------+--------+-- ... --+--------+
 *   | pool 0 | pool 1 | pool 2 |         | pool 63|      256 KiB
 *   +--------+--------+--------+-- ... --+--------+
 *        |
 *        v   pool: one page of blocks of one size class, no header in it
 *   +-------+-------+-------+-------+------------------+------+
 *   | block | block | block | block |  never used yet  | tail |
 *   +-------+-------+-------+-------+------------------+------+
 *   ^ offset 0                      ^ nextoffset        PAGE_SIZE % stride
 *
 * All metadata lives outside the pages, in struct pymm_arena and its
 * pymm_pool array, so a page holds PAGE_SIZE / stride blocks and a stray
 * pointer into a page never makes pymm trust that page's bytes.  The only
 * thing pymm keeps inside its pages is the free-block lists: the first word
 * of a free block links it to the next free block of the same pool, encoded
 * (see pymm_free_link()), and the first word of a block handed out is 0 when
 * it leaves pymm, so a free can tell a free block from a live one.
 *
 * In debug mode each slot is [8-byte head red zone][block][8-byte tail red
 * zone], so the stride is size + 16 and the block starts 8 bytes into its
 * slot (see debug.c).
 *
 * Each CPU owns at most one pool per class, its current pool (cpu.c): it
 * allocates from it and frees into it under its own local lock and no shared
 * lock.
 *
 * Locking, outermost first:
 *   pymm_reserve_lock (mutex, arena.c) changes of arenas_min; allocates
 *                     arenas, so no spinlock is held around it.
 *   pymm_flush_lock   (mutex, cpu.c) the per-CPU flush work items; taken
 *                     under cpus_read_lock(), only tried by the shrinker.
 *   pymm_cpu.lock     (local_lock_t, one per CPU) the CPU's current pools,
 *                     their private free lists and carving, the CPU's
 *                     counters.  Never held while pages are allocated.
 *   pymm_class.lock   (one per size class) the class's pools, their shared
 *                     free lists and nused, and the class's usedpools list.
 *   pymm_arena_lock   (global) arena lists and ordering, free-pool masks,
 *                     the cached arena, arena counters.  Taken only when a
 *                     pool changes hands, never per block.
 *   pymm_cut_lock     (cpu.c) the scratch bitmap of a damaged private
 *                     list's repair, taken under a class lock.
 *   xarray lock       (pymm_large) taken with no other pymm lock
 *                     held.
 * On !PREEMPT_RT every one of these but the mutexes is taken with
 * interrupts disabled: pymm serves hardirq callers there.  On PREEMPT_RT
 * pymm_cpu.lock and the spinlocks are sleeping locks (no raw_spinlock_t
 * anywhere), so the allocator's entry points may be called wherever a
 * spinlock_t may be taken, and not in hard interrupt context (README,
 * "Calling contexts").
 */
#ifndef _PYMM_INTERNAL_H
#define _PYMM_INTERNAL_H

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/gfp.h>
#include <linux/limits.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include <pymm.h>

#include "pymm_kasan.h"

#define PYMM_ARENA_ORDER	6
#define PYMM_ARENA_POOLS	BIT(PYMM_ARENA_ORDER)
#define PYMM_ARENA_SIZE		(PAGE_SIZE << PYMM_ARENA_ORDER)

/* pymm_pool.szidx of a pool that belongs to no size class. */
#define PYMM_POOL_FREE		0xff

/* Debug mode: red zone bytes on each side of a block. */
#define PYMM_RZ			8

/**
 * struct pymm_pool - descriptor of one pool (one page of an arena)
 * @link:	entry in usedpools of its class while it has free blocks and
 *		blocks in use; unlinked while full or free
 * @freeblock:	first free block; each free block's first word (the head red
 *		zone in debug mode) links it to the next one (pymm_free_link()),
 *		NULL ends the list
 * @nused:	blocks not on @freeblock's list and not left to carve: the
 *		blocks handed out, or while @owned, @capacity minus the blocks
 *		on @freeblock's list (the owner's private blocks count as used)
 * @nextoffset:	offset of the first never-used slot; slots are carved lazily.
 *		It reaches PAGE_SIZE when the stride divides the page, so it is
 *		a u32: a u16 wraps to 0 with 64 KiB pages (arm64, ppc64)
 * @szidx:	size class index, or PYMM_POOL_FREE
 * @idx:	index of this pool in its arena
 * @owned:	the current pool of a CPU (cpu.c): on no list, and its
 *		@nextoffset is advanced by that CPU alone
 *
 * Everything but @idx is protected by the lock of class @szidx while the pool
 * belongs to a class, and by pymm_arena_lock while it is free; @nextoffset of
 * an owned pool by its owner with interrupts off (others only read it).
 */
struct pymm_pool {
	struct list_head link;
	void *freeblock;
	u32 nextoffset;
	u16 nused;
	u8 szidx;
	u8 idx;
	u8 owned;
};

/*
 * The limits of the pool layout, for any PAGE_SIZE (4 KiB up to 64 KiB):
 * nextoffset holds PAGE_SIZE itself; nused holds the capacity of the
 * smallest class; idx holds every pool of an arena; and pymm_slot()'s
 * reciprocal is exact for every offset up to PAGE_SIZE and every stride.
 */
static_assert((typeof_member(struct pymm_pool, nextoffset))PAGE_SIZE ==
	      PAGE_SIZE, "pymm_pool.nextoffset cannot hold PAGE_SIZE");
static_assert(PAGE_SIZE / PYMM_ALIGN <= U16_MAX,
	      "pymm_pool.nused cannot count the blocks of an 8-byte class");
static_assert((typeof_member(struct pymm_pool, idx))(PYMM_ARENA_POOLS - 1) ==
	      PYMM_ARENA_POOLS - 1, "pymm_pool.idx cannot index every pool");
static_assert((u64)PAGE_SIZE * (PYMM_SMALL_MAX + 2 * PYMM_RZ) < (1ULL << 32),
	      "pymm_slot() is not exact for pages this large");

/**
 * struct pymm_arena - one contiguous, naturally aligned run of pools
 * @link:	entry in pymm_usable_arenas (it has a free pool), or in
 *		pymm_full_arenas; unlinked while it is the cached arena
 * @base:	address of pool 0
 * @freemask:	bit i set when pool i belongs to no class
 * @present:	bit i set while the arena holds page i; the shrinker gives a
 *		free pool's page back alone unless release_free_pools=0
 * @nfreepools:	number of bits set in @freemask
 * @npools:	pools the arena was made of: PYMM_ARENA_POOLS, or 1 when the
 *		page allocator could not give an order-PYMM_ARENA_ORDER block
 * @npresent:	number of bits set in @present
 * @reserved:	one of the arenas_min arenas: never given back, whole or in
 *		part, and kept on the usable list when all its pools are free
 * @reserve_link: entry in the list of reserved arenas
 * @release:	entry in a list of emptied arenas to give back once a flush
 *		of the CPUs' current pools is over (cpu.c)
 * @rcu:	the struct is freed after a grace period, so a lookup that raced
 *		with the arena's release still reads a valid (all-free) struct
 * @pools:	one descriptor per pool
 *
 * @link, @freemask, @present, @nfreepools, @npresent, @reserved and
 * @reserve_link are protected by pymm_arena_lock.
 */
struct pymm_arena {
	struct list_head link;
	void *base;
	u64 freemask;
	u64 present;
	unsigned int nfreepools;
	unsigned int npools;
	unsigned int npresent;
	bool reserved;
	struct list_head reserve_link;
	struct llist_node release;
	struct rcu_head rcu;
	struct pymm_pool pools[];
};

/**
 * struct pymm_class - one size class
 * @lock:	protects everything below and the pools of this class
 * @usedpools:	pools with both used and free blocks; allocation takes the
 *		first; a pool that was full is put back first
 * @size:	block size in bytes
 * @stride:	distance between blocks: @size, or @size + 2 * PYMM_RZ in debug
 * @first:	offset of the first block in a pool: 0, or PYMM_RZ in debug
 * @capacity:	blocks per pool
 * @recip:	reciprocal of @stride, to turn an offset into a slot index
 * @npools:	pools that belong to this class
 *
 * The class's counters of blocks handed out and given back are per CPU
 * (cpu.c), so that the fast path writes only its own CPU's cache lines.
 */
struct pymm_class {
	spinlock_t lock;		/* see @lock above */
	struct list_head usedpools;
	unsigned int size;
	unsigned int stride;
	unsigned int first;
	unsigned int capacity;
	u32 recip;
	unsigned long npools;
} ____cacheline_aligned_in_smp;

/*
 * The index of @cls in pymm_classes[] (class.c), from its size alone, so
 * that the layers below class.c can name a class in a report.
 */
static inline int pymm_class_index(const struct pymm_class *cls)
{
	return (cls->size - 1) / PYMM_ALIGN;
}

/*
 * The flags pymm passes on when it allocates pages or metadata for a
 * caller: how hard to try and whether it may sleep, nothing about zeroing,
 * zones or accounting of the caller's block.
 */
#define PYMM_GFP_META	(__GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HIGH | \
			 __GFP_NOWARN | __GFP_NORETRY | __GFP_RETRY_MAYFAIL | \
			 __GFP_NOFAIL | __GFP_NOMEMALLOC | __GFP_MEMALLOC)

static inline gfp_t pymm_meta_gfp(gfp_t gfp)
{
	return gfp & PYMM_GFP_META;
}

static inline unsigned int pymm_size_to_class(size_t size)
{
	return (size - 1) / PYMM_ALIGN;
}

/* Byte offset of @p inside its page. */
static inline unsigned int pymm_page_offset(const void *p)
{
	return (unsigned long)p & ~PAGE_MASK;
}

/* Where the free-list link of @block is kept: its first word, or in debug
 * mode the head red zone just before it.
 */
static inline void **pymm_link(struct pymm_class *cls, const void *block)
{
	return (void **)(block - cls->first);
}

/* Index of the slot that byte offset @off of a pool page falls in.  With
 * recip = ceil(2^32 / stride), off * recip / 2^32 exceeds off / stride by
 * less than off / 2^32 <= PAGE_SIZE / 2^32, which is below the 1/stride gap
 * to the next integer as long as PAGE_SIZE * stride < 2^32: for 64 KiB
 * pages and the largest debug stride (528) it is 2^-16 < 1/528 (asserted
 * above).  off * recip stays below 2^16 * 2^29.
 */
static inline unsigned int pymm_slot(struct pymm_class *cls, unsigned int off)
{
	return ((u64)off * cls->recip) >> 32;
}

/*
 * Encoded free lists, after mimalloc and snmalloc.  The link word of a free
 * block holds next ^ block ^ pymm_link_secret, a random word drawn at load
 * whose top two bits are 01 and whose bit 0 is set (class.c).  The first
 * word of a block handed out is set to 0 (pymm_cpu_next()), so a free can
 * tell whether its block is already on a free list: decoded, a free block's
 * word is NULL or a block start of the same pool (below nextoffset); a live
 * block's word decodes to that only if the client's data equals one of at
 * most capacity + 1 values that depend on the secret.  0, pointers and
 * small integers never do on 64-bit: 0 decodes to an odd address, and a
 * word with the secret's top bits is no canonical address.
 *
 * The links are read and written with KASAN's checks off: a free block is
 * poisoned, and a live one may be open for fewer than 8 bytes.
 */
extern unsigned long pymm_link_secret;

static inline void *pymm_link_code(const void *block, const void *next)
{
	return (void *)((unsigned long)next ^ (unsigned long)block ^
			pymm_link_secret);
}

/* The next free block after free block @block, or NULL (decoded). */
static inline void *pymm_free_link(struct pymm_class *cls, const void *block)
{
	return pymm_link_code(block, pymm_kasan_read_link(pymm_link(cls, block)));
}

/* Link free block @block to @next (encoded). */
static inline void pymm_set_free_link(struct pymm_class *cls, void *block,
				      const void *next)
{
	pymm_kasan_write_link(pymm_link(cls, block), pymm_link_code(block, next));
}

/*
 * Is @p a carved block start of the pool at @page, whose nextoffset the
 * caller read as @end?  NULL is none.
 */
static inline bool pymm_pool_has_block(struct pymm_class *cls, const void *p,
				       const void *page, unsigned int end)
{
	unsigned long off = (unsigned long)p - (unsigned long)page;

	return off < end && pymm_slot(cls, off) * cls->stride + cls->first == off;
}

/*
 * Is @p, a carved block start of a pool whose nextoffset is @end, on one of
 * the pool's free lists (see pymm_link_code() for how sure that is)?  A
 * block on a free list is always seen as free.  One load of the word the
 * free is about to write anyway, and a compare, when it is not free.
 */
static inline bool pymm_block_is_free(struct pymm_class *cls, const void *p,
				      unsigned int end)
{
	void *next = pymm_free_link(cls, p);
	const void *page = (const void *)((unsigned long)p & PAGE_MASK);

	if (likely(next && (unsigned long)next - (unsigned long)page >= end))
		return false;
	return !next || pymm_pool_has_block(cls, next, page, end);
}

static inline struct pymm_pool *pymm_arena_pool(struct pymm_arena *arena,
						const void *p)
{
	return &arena->pools[(p - arena->base) >> PAGE_SHIFT];
}

static inline struct pymm_arena *pymm_pool_arena(struct pymm_pool *pool)
{
	return container_of(pool - pool->idx, struct pymm_arena, pools[0]);
}

static inline void *pymm_pool_addr(struct pymm_pool *pool)
{
	return pymm_pool_arena(pool)->base + ((size_t)pool->idx << PAGE_SHIFT);
}

#endif /* _PYMM_INTERNAL_H */
