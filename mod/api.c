// SPDX-License-Identifier: GPL-2.0
/*
 * The exported allocator API (include/pymm.h), on top of the allocator's
 * layers.
 *
 * Dispatch: a request of 1..PYMM_SMALL_MAX bytes goes to a size class
 * (cpu.c, class.c), a larger one to kmalloc (large.c), 0 bytes gets
 * ZERO_SIZE_PTR as from kmalloc().  A pointer is recognised by looking its
 * page up in the arena map (arena.c); if it is in no arena it must be a
 * live large block.
 *
 * A pointer that is neither is refused and reported (report.c: one
 * WARN_ONCE per kind of error, every occurrence counted in debugfs
 * "summary"), and nothing is changed.
 *
 * Calling contexts are kmalloc()'s: on !PREEMPT_RT any context, hard
 * interrupts included, given a @gfp that does not sleep; on PREEMPT_RT,
 * where pymm's locks sleep, only where a spinlock_t may be taken.  Every
 * entry point checks the latter on every call (pymm_check_context()), not
 * only on the paths that reach a lock.
 */
#include <linux/export.h>
#include <linux/preempt.h>
#include <linux/minmax.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "arena.h"
#include "class.h"
#include "cpu.h"
#include "large.h"
#include "pymm_kasan.h"
#include "report.h"

/*
 * On PREEMPT_RT: not in hard interrupt context, with interrupts off or
 * under a raw spinlock, all of which leave the task not preemptible.  A
 * spinlock_t or local_lock holder, RCU reader or softirq is preemptible
 * there, and may call pymm.
 */
#define pymm_check_context()						\
do {									\
	if (IS_ENABLED(CONFIG_PREEMPT_RT) && unlikely(!preemptible()))	\
		pymm_report_rt_context(__func__);			\
} while (0)

static bool pymm_gfp_ok(gfp_t gfp)
{
	if (likely(!(gfp & (__GFP_DMA | __GFP_DMA32 | __GFP_HIGHMEM))))
		return true;
	pymm_report_gfp(gfp);
	return false;
}

/**
 * pymm_malloc - allocate memory
 * @size: bytes wanted
 * @gfp: allocation flags, as for kmalloc()
 *
 * Requests of at most %PYMM_SMALL_MAX bytes are rounded up to a multiple of
 * %PYMM_ALIGN and served from pymm's pools; larger ones from kmalloc().
 * Blocks are %PYMM_ALIGN-byte aligned.  As with kmalloc(), a @size of 0
 * returns %ZERO_SIZE_PTR, which may be freed but not dereferenced.
 * %__GFP_ZERO zeroes the block.  Zone modifiers are refused with a warning.
 *
 * Context: any context if @gfp does not allow sleeping; on PREEMPT_RT, not
 * in hard interrupt context, with interrupts off or under a raw spinlock.
 * Return: the block, %ZERO_SIZE_PTR, or NULL if memory could not be had.
 */
void *pymm_malloc(size_t size, gfp_t gfp)
{
	might_alloc(gfp);
	pymm_check_context();
	if (unlikely(!pymm_gfp_ok(gfp)))
		return NULL;
	if (unlikely(!size))
		return ZERO_SIZE_PTR;
	if (likely(size <= PYMM_SMALL_MAX))
		return pymm_small_alloc(size, gfp);
	return pymm_large_alloc(size, gfp);
}
EXPORT_SYMBOL_GPL(pymm_malloc);

/**
 * pymm_zalloc - allocate zeroed memory
 * @size: bytes wanted
 * @gfp: allocation flags, as for kmalloc()
 *
 * pymm_malloc() with %__GFP_ZERO.
 *
 * Context: any context if @gfp does not allow sleeping; on PREEMPT_RT, not
 * in hard interrupt context, with interrupts off or under a raw spinlock.
 * Return: the zeroed block, %ZERO_SIZE_PTR, or NULL.
 */
void *pymm_zalloc(size_t size, gfp_t gfp)
{
	return pymm_malloc(size, gfp | __GFP_ZERO);
}
EXPORT_SYMBOL_GPL(pymm_zalloc);

/* Usable size of @p, 0 (reported) if it is not a live block. */
static size_t pymm_block_size(const void *p, const char *caller)
{
	struct pymm_arena *arena;
	size_t size;
	int err = 0;

	rcu_read_lock();
	arena = pymm_arena_lookup(p);
	if (arena) {
		size = pymm_small_size(arena, p, caller);
		rcu_read_unlock();
		return size;
	}
	rcu_read_unlock();
	size = pymm_large_size(p, &err);
	if (err)
		pymm_report(err, p, -1, caller);
	return size;
}

/**
 * pymm_free - free memory from pymm_malloc() and friends
 * @p: the block, %ZERO_SIZE_PTR or NULL (both ignored)
 *
 * A small block goes back to its pool, a large one to kfree().  A pointer
 * pymm did not return, one into the middle of a block, or a block freed
 * twice (caught whenever it is on one of its pool's free lists, on any
 * CPU: see pymm_link_code()) is reported and left alone.
 *
 * Context: any context; on PREEMPT_RT, not in hard interrupt context, with
 * interrupts off or under a raw spinlock.
 */
void pymm_free(const void *p)
{
	int err;

	pymm_check_context();
	if (unlikely(ZERO_OR_NULL_PTR(p)))
		return;
	if (likely(pymm_small_free(p)))
		return;
	err = pymm_large_free(p);
	if (unlikely(err))
		pymm_report(err, p, -1, "pymm_free");
}
EXPORT_SYMBOL_GPL(pymm_free);

/**
 * pymm_usable_size - bytes that may be used in a block
 * @p: a live block, %ZERO_SIZE_PTR or NULL
 *
 * Context: any context; on PREEMPT_RT, not in hard interrupt context, with
 * interrupts off or under a raw spinlock.
 * Return: the size of @p's class for a small block, ksize() for a large
 * one, 0 for NULL and %ZERO_SIZE_PTR, and 0 (with a report) for a pointer
 * that is not a live pymm block.
 */
size_t pymm_usable_size(const void *p)
{
	pymm_check_context();
	if (ZERO_OR_NULL_PTR(p))
		return 0;
	return pymm_block_size(p, "pymm_usable_size");
}
EXPORT_SYMBOL_GPL(pymm_usable_size);

/**
 * pymm_realloc - resize a block
 * @p: a live block, or NULL (or %ZERO_SIZE_PTR) to allocate afresh
 * @new_size: bytes wanted; 0 frees @p and returns %ZERO_SIZE_PTR
 * @gfp: allocation flags, as for kmalloc()
 *
 * The contents are kept up to the smaller of the old usable size and
 * @new_size.  The block is kept in place when @new_size fits and does not
 * waste much: a small block that shrinks by less than a quarter (strictly,
 * as in CPython: 64 bytes asked for 48 move), a large one that stays above
 * %PYMM_SMALL_MAX.  With %__GFP_ZERO the bytes past @new_size up to the
 * usable size are zeroed, and a new block's bytes past the copied contents
 * are zero.
 *
 * Context: any context if @gfp does not allow sleeping; on PREEMPT_RT, not
 * in hard interrupt context, with interrupts off or under a raw spinlock.
 * Return: the block, which may have moved; NULL if memory could not be had
 * or @p is not a live block (reported), in which case @p is untouched.
 */
void *pymm_realloc(void *p, size_t new_size, gfp_t gfp)
{
	size_t old;
	void *q;

	pymm_check_context();
	if (ZERO_OR_NULL_PTR(p))
		return pymm_malloc(new_size, gfp);
	old = pymm_block_size(p, "pymm_realloc");
	if (!old)
		return NULL;
	if (!new_size) {
		pymm_free(p);
		return ZERO_SIZE_PTR;
	}
	if (new_size <= old &&
	    (4 * new_size > 3 * old || new_size > PYMM_SMALL_MAX)) {
		if (gfp & __GFP_ZERO)
			memset(p + new_size, 0, old - new_size);
		if (old <= PYMM_SMALL_MAX)
			pymm_kasan_unpoison(p, new_size, old);
		return p;
	}
	q = pymm_malloc(new_size, gfp);
	if (!q)
		return NULL;
	memcpy(q, p, min(old, new_size));
	pymm_free(p);
	return q;
}
EXPORT_SYMBOL_GPL(pymm_realloc);
