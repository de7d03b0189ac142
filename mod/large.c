// SPDX-License-Identifier: GPL-2.0
/*
 * Large blocks: requests above PYMM_SMALL_MAX, served by kmalloc().
 *
 * pymm_free() takes no size, so pymm must recognise its large blocks among
 * every other pointer in the kernel, and must never kfree() one it did not
 * hand out.  pymm_large records each live large block in an xarray keyed by
 * its address divided by 512: every large block is longer than 512 bytes and
 * live blocks do not overlap, so no two live blocks start in the same
 * 512-byte window and the key is unique.  The entry encodes the block's
 * exact address, so a pointer into the middle of a block never matches.  It
 * is stored as an xarray value, not as a pointer, so that kmemleak does not
 * count pymm's index as a reference: a client that leaks a large block is
 * still reported.
 */
#include <linux/slab.h>
#include <linux/xarray.h>

#include "large.h"
#include "pymm_internal.h"
#include "pymm_kasan.h"
#include "report.h"

#define PYMM_LARGE_SHIFT	9	/* ilog2(PYMM_SMALL_MAX) */

static DEFINE_XARRAY_FLAGS(pymm_large, XA_FLAGS_LOCK_IRQ);
static atomic_long_t pymm_large_count;
static atomic_long_t pymm_large_bytes;

static unsigned long pymm_large_key(const void *p)
{
	return ((unsigned long)p - PAGE_OFFSET) >> PYMM_LARGE_SHIFT;
}

static void *pymm_large_entry(const void *p)
{
	return xa_mk_value((unsigned long)p - PAGE_OFFSET);
}

static const void *pymm_large_block(const void *entry)
{
	return (void *)(xa_to_value(entry) + PAGE_OFFSET);
}

void *pymm_large_alloc(size_t size, gfp_t gfp)
{
	unsigned long flags;
	void *p, *old;

	p = kmalloc(size, gfp);
	if (!p)
		return NULL;
	xa_lock_irqsave(&pymm_large, flags);
	old = __xa_store(&pymm_large, pymm_large_key(p), pymm_large_entry(p),
			 pymm_meta_gfp(gfp));
	xa_unlock_irqrestore(&pymm_large, flags);
	if (xa_is_err(old)) {
		kfree(p);
		return NULL;
	}
	WARN_ON_ONCE(old);
	atomic_long_inc(&pymm_large_count);
	atomic_long_add(ksize(p), &pymm_large_bytes);
	return p;
}

/* Which error a pointer that is not a live large block amounts to. */
static int pymm_large_error(const void *p, const void *entry)
{
	/* A block starting earlier in the same window covers @p. */
	if (entry && pymm_large_block(entry) < p)
		return PYMM_ERR_MIDDLE;
	return PYMM_ERR_INVALID;
}

/**
 * pymm_large_free - kfree() a large block
 * @p: a pointer that is in no pymm arena
 *
 * A large block freed twice is indistinguishable from a pointer pymm never
 * returned: both are "not a live block" and reported as PYMM_ERR_INVALID.
 *
 * Return: 0, or the pymm_error @p amounts to; nothing is freed then.
 */
int pymm_large_free(const void *p)
{
	unsigned long flags;
	void *old;
	size_t size;

	xa_lock_irqsave(&pymm_large, flags);
	old = __xa_cmpxchg(&pymm_large, pymm_large_key(p), pymm_large_entry(p),
			   NULL, 0);
	xa_unlock_irqrestore(&pymm_large, flags);
	if (old != pymm_large_entry(p))
		return pymm_large_error(p, old);

	/* Winning the cmpxchg made the block ours alone. */
	size = ksize(p);
	atomic_long_dec(&pymm_large_count);
	atomic_long_sub(size, &pymm_large_bytes);
	kfree(p);
	return 0;
}

/**
 * pymm_large_size - usable size of a large block
 * @p: a pointer that is in no pymm arena
 * @err: set to the pymm_error when @p is not a live large block
 *
 * The caller may use all of it: since 6.x ksize() no longer tells KASAN so,
 * and pymm does, as it does for small blocks.
 *
 * Return: ksize(@p), or 0.
 */
size_t pymm_large_size(const void *p, int *err)
{
	void *entry = xa_load(&pymm_large, pymm_large_key(p));
	size_t size;

	if (entry != pymm_large_entry(p)) {
		*err = pymm_large_error(p, entry);
		return 0;
	}
	size = ksize(p);
	pymm_kasan_unpoison(p, size, size);
	return size;
}

/**
 * pymm_large_read_stats - the live large blocks and their bytes
 * @st: filled with them (two racy reads: each exact, not both at once)
 */
void pymm_large_read_stats(struct pymm_large_stats *st)
{
	st->count = atomic_long_read(&pymm_large_count);
	st->bytes = atomic_long_read(&pymm_large_bytes);
}

/* Unload: large blocks still live were leaked by a client; keep them. */
void pymm_large_exit(void)
{
	long n = atomic_long_read(&pymm_large_count);

	if (n)
		pymm_report_large_leak(n);
	xa_destroy(&pymm_large);
}
