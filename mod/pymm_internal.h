/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pymm internals shared by the files of pymm.ko.
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
 * allocates from it and frees into it with interrupts off and no lock.
 *
 * Locking, outermost first:
 *   per-CPU state     (interrupts off) the CPU's current pools, their
 *                     private free lists and carving, the CPU's counters.
 *   pymm_class.lock   (one per size class) the class's pools, their shared
 *                     free lists and nused, and the class's usedpools list.
 *   pymm_arena_lock   (global) arena lists and ordering, free-pool masks,
 *                     the cached arena, arena counters.  Taken only when a
 *                     pool changes hands, never per block.
 *   xarray lock       (pymm_large) taken with no other pymm lock
 *                     held.
 * All of them are taken with interrupts disabled: pymm serves hardirq callers.
 */
#ifndef _PYMM_INTERNAL_H
#define _PYMM_INTERNAL_H

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/jump_label.h>
#include <linux/limits.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/xarray.h>

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
 * (struct pymm_cpu_class), so that the fast path writes only its own CPU's
 * cache lines.
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

/**
 * struct pymm_cpu_class - one CPU's state for one size class (cpu.c)
 * @freelist:	private free list of @pool: blocks freed on this CPU
 * @pool:	this CPU's current pool of the class, or NULL
 * @nfree:	blocks on @freelist
 * @allocs:	blocks of the class handed out on this CPU since load
 * @frees:	blocks of the class given back on this CPU since load
 * @requested:	sum of the sizes asked for in those allocations
 *
 * Only its CPU touches it, with interrupts off; debugfs reads the counters
 * without synchronisation.
 */
struct pymm_cpu_class {
	void *freelist;
	struct pymm_pool *pool;
	unsigned int nfree;
	unsigned long allocs;
	unsigned long frees;
	u64 requested;
};

DECLARE_PER_CPU_ALIGNED(struct pymm_cpu_class,
			pymm_cpu_classes[PYMM_NR_CLASSES]);

extern struct pymm_class pymm_classes[PYMM_NR_CLASSES];
extern bool pymm_debug;

/* Why a pointer was refused; indexes pymm_errors[]. */
enum pymm_error {
	PYMM_OK,		/* not an error: a live block */
	PYMM_ERR_INVALID,	/* pymm never returned it */
	PYMM_ERR_MIDDLE,	/* points inside a block */
	PYMM_ERR_DOUBLE_FREE,	/* the block is already free */
	PYMM_ERR_CORRUPTION,	/* debug: red zone or free poison damaged */
	PYMM_NR_ERRORS,
};

extern atomic_long_t pymm_errors[PYMM_NR_ERRORS];

void pymm_report(enum pymm_error err, const void *p, int szidx,
		 const char *what);

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

/* This CPU's state for class @cls; interrupts must be off. */
static inline struct pymm_cpu_class *pymm_this_cpu(struct pymm_class *cls)
{
	return this_cpu_ptr(&pymm_cpu_classes[cls - pymm_classes]);
}

/* class.c: blocks within pools, under the class lock */
void pymm_classes_init(void);
void *pymm_class_alloc(struct pymm_class *cls, size_t size, gfp_t gfp);
int pymm_class_free(struct pymm_class *cls, struct pymm_pool *pool,
		    const void *p, struct pymm_arena **empty);
struct pymm_class *pymm_pool_class(struct pymm_pool *pool);
int pymm_pool_check(struct pymm_class *cls, struct pymm_pool *pool,
		    const void *p);
void pymm_block_handout(struct pymm_class *cls, void *block, size_t size,
			gfp_t gfp);
void pymm_block_takeback(struct pymm_class *cls, const void *block);
unsigned int pymm_small_size(struct pymm_arena *arena, const void *p,
			     const char *caller);

/* cpu.c: the per-CPU current pools, the allocator's fast path */
void *pymm_small_alloc(size_t size, gfp_t gfp);
bool pymm_small_free(const void *p);
unsigned long pymm_cpu_count_idle(void);
unsigned long pymm_cpu_flush_idle(void);

struct pymm_counts {
	unsigned long allocs;
	unsigned long frees;
	u64 requested;
};

void pymm_class_counts(unsigned int idx, struct pymm_counts *st);
unsigned long pymm_class_inuse(unsigned int idx);
extern atomic_long_t pymm_pools_owned;
int pymm_cpu_init(void);
void pymm_cpu_exit(void);

/* arena.c: arenas and pools */
extern spinlock_t pymm_arena_lock;
extern struct list_head pymm_usable_arenas;
extern struct list_head pymm_full_arenas;
extern struct pymm_arena *pymm_cached_arena;
extern unsigned long pymm_arenas_allocated;
extern unsigned long pymm_arenas_freed;
extern unsigned long pymm_arenas_now;
extern unsigned long pymm_pages_held;
extern bool pymm_release_free_pools;

struct pymm_arena *pymm_arena_lookup(const void *p);
struct pymm_pool *pymm_pool_get(unsigned int szidx);
struct pymm_arena *pymm_pool_put(struct pymm_pool *pool);
int pymm_arena_grow(gfp_t gfp);
void pymm_arena_release(struct pymm_arena *arena);
int pymm_arenas_init(void);
void pymm_arenas_exit(void);

static inline struct pymm_arena *pymm_pool_arena(struct pymm_pool *pool)
{
	return container_of(pool - pool->idx, struct pymm_arena, pools[0]);
}

static inline void *pymm_pool_addr(struct pymm_pool *pool)
{
	return pymm_pool_arena(pool)->base + ((size_t)pool->idx << PAGE_SHIFT);
}

/* large.c: requests above PYMM_SMALL_MAX */
extern atomic_long_t pymm_large_count;
extern atomic_long_t pymm_large_bytes;

void *pymm_large_alloc(size_t size, gfp_t gfp);
int pymm_large_free(const void *p);
size_t pymm_large_size(const void *p, int *err);
void pymm_large_exit(void);

/* debug.c: red zones and poisoning, used only under pymm_debug_key */
DECLARE_STATIC_KEY_FALSE(pymm_debug_key);
void pymm_debug_alloc(struct pymm_class *cls, void *block, bool recycled);
void pymm_debug_check_next(struct pymm_class *cls, struct pymm_pool *pool);
int pymm_debug_check_free(struct pymm_class *cls, struct pymm_pool *pool,
			  const void *block);
void pymm_debug_poison(struct pymm_class *cls, void *block);

/* debugfs.c */
extern struct dentry *pymm_debugfs_heaps;
void pymm_debugfs_init(void);
void pymm_debugfs_exit(void);

#endif /* _PYMM_INTERNAL_H */
