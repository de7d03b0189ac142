// SPDX-License-Identifier: GPL-2.0
/*
 * Debug mode (debug=1): red zones and poisoning, after PYTHONMALLOC=debug
 * and slub_debug.
 *
 * Every slot of a pool is the block framed by two red zones:
 *
 *   |<- 8 ->|<------- class size ------->|<- 8 ->|
 *   +-------+----------------------------+-------+
 *   | head  |           block            | tail  |
 *   +-------+----------------------------+-------+
 *   live:  PYMM_LIVE   POISON_INUSE (0x5a) until   PYMM_RZ_BYTE x 8
 *                      the caller writes it
 *   free:  next free   POISON_FREE (0x6b)          PYMM_RZ_BYTE x 8
 *          block (encoded: pymm_link_code())
 *
 * Checks:
 *   free     head must be PYMM_LIVE.  If it is not, the block is looked for
 *            on its pool's free list: found means a double free, otherwise
 *            the head red zone was overwritten.  The tail red zone must be
 *            intact (no overflow).
 *   alloc    a recycled block must still hold POISON_FREE and an intact
 *            tail (nothing wrote to it after it was freed), and the next
 *            free-list link must point into the same pool.
 * A damaged red zone is reported with the block and its class, repaired,
 * and the operation goes on, so one bug gives one report.
 *
 * Mode is chosen at load time (debug=1, a parameter of this file: the
 * layout depends on it) and switched on pymm_debug_key, so that without
 * debug=1 the fast path pays one patched jump.  Damage is said through
 * report.c, never formatted here.
 */
#include <linux/kasan.h>
#include <linux/moduleparam.h>
#include <linux/poison.h>
#include <linux/string.h>

#include "debug.h"
#include "report.h"

#define PYMM_LIVE	0x50594d4d4c495645ULL	/* "PYMMLIVE", not a pointer */
#define PYMM_RZ_BYTE	0xfb

bool pymm_debug;
module_param_named(debug, pymm_debug, bool, 0444);
MODULE_PARM_DESC(debug, "Red zones and poisoning on every small block (default: off)");

DEFINE_STATIC_KEY_FALSE(pymm_debug_key);

/**
 * pymm_debug_init - switch debug mode on at load if debug=1 was given
 *
 * Before the size classes are set up: their layout depends on the mode.
 */
void pymm_debug_init(void)
{
	if (pymm_debug)
		static_branch_enable(&pymm_debug_key);
}

static u64 *pymm_head(const void *block)
{
	return (u64 *)(block - PYMM_RZ);
}

static void *pymm_tail(struct pymm_class *cls, const void *block)
{
	return (void *)block + cls->size;
}

static bool pymm_tail_ok(struct pymm_class *cls, const void *block)
{
	return !memchr_inv(pymm_tail(cls, block), PYMM_RZ_BYTE, PYMM_RZ);
}

/* Is @p the start of a carved block of @pool? */
static bool pymm_is_block(struct pymm_class *cls, struct pymm_pool *pool,
			  const void *p)
{
	return pymm_pool_has_block(cls, p, pymm_pool_addr(pool),
				   pool->nextoffset);
}

static void pymm_frame(struct pymm_class *cls, void *block)
{
	*pymm_head(block) = PYMM_LIVE;
	memset(pymm_tail(cls, block), PYMM_RZ_BYTE, PYMM_RZ);
}

/**
 * pymm_debug_alloc - check and frame a block about to be handed out
 * @cls: its class
 * @block: the block, off the free list or freshly carved
 * @recycled: it came off the free list, so it must still be poisoned
 */
void pymm_debug_alloc(struct pymm_class *cls, void *block, bool recycled)
{
	/* The red zones are KASAN redzones too: only the client is checked. */
	kasan_disable_current();
	if (recycled && (memchr_inv(block, POISON_FREE, cls->size) ||
			 !pymm_tail_ok(cls, block)))
		pymm_report(PYMM_ERR_CORRUPTION, block, pymm_class_index(cls),
			    "pymm_malloc (written after free)");
	pymm_frame(cls, block);
	memset(block, POISON_INUSE, cls->size);
	kasan_enable_current();
}

/**
 * pymm_debug_check_next - check the free-list link just followed
 * @cls: the class, locked
 * @pool: the pool whose freeblock was just advanced
 *
 * A link that does not point at a block of this pool was overwritten: the
 * rest of the list cannot be trusted and is dropped, so those blocks stay
 * unusable until the pool empties, and pymm hands out no wild pointer.
 */
void pymm_debug_check_next(struct pymm_class *cls, struct pymm_pool *pool)
{
	void *next = pool->freeblock;

	if (!next || pymm_is_block(cls, pool, next))
		return;
	pool->freeblock = NULL;
	pymm_report(PYMM_ERR_CORRUPTION, pymm_pool_addr(pool),
		    pymm_class_index(cls), "pymm_malloc (free list overwritten)");
}

/**
 * pymm_debug_check_free - check the red zones of a block being freed
 * @cls: its class, locked
 * @pool: its pool
 * @block: a block start below nextoffset
 *
 * Return: 0; PYMM_ERR_DOUBLE_FREE if @block is on the free list;
 * PYMM_ERR_CORRUPTION if a red zone was damaged (it has been repaired and
 * the block may be freed).
 */
int pymm_debug_check_free(struct pymm_class *cls, struct pymm_pool *pool,
			  const void *block)
{
	int err = 0;

	kasan_disable_current();
	if (*pymm_head(block) != PYMM_LIVE) {
		void *free = pool->freeblock;
		unsigned int n;

		err = PYMM_ERR_CORRUPTION;
		for (n = 0; free && n < cls->capacity; n++) {
			if (free == block) {
				err = PYMM_ERR_DOUBLE_FREE;
				break;
			}
			if (!pymm_is_block(cls, pool, free))
				break;
			free = pymm_free_link(cls, free);
		}
	}
	if (err != PYMM_ERR_DOUBLE_FREE && !pymm_tail_ok(cls, block))
		err = PYMM_ERR_CORRUPTION;
	if (err == PYMM_ERR_CORRUPTION)
		pymm_frame(cls, (void *)block);
	kasan_enable_current();
	return err;
}

/**
 * pymm_debug_poison - poison a block that is being freed
 * @cls: its class
 * @block: the block
 */
void pymm_debug_poison(struct pymm_class *cls, void *block)
{
	memset(block, POISON_FREE, cls->size);
}
