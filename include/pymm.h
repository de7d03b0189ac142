/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pymm - CPython's small-object allocator, in the kernel.
 *
 * Requests of at most PYMM_SMALL_MAX bytes are rounded up to a multiple of
 * PYMM_ALIGN and served from one-page pools of same-sized blocks, carved
 * from 256 KiB arenas.  Larger requests go to kmalloc().  Every block is
 * given back with pymm_free(), which needs no size.
 *
 * Context: with GFP_ATOMIC (or GFP_NOWAIT) every function here may be called
 * from any context, hardirq included.  With GFP_KERNEL the caller must be
 * allowed to sleep.  Zone modifiers (__GFP_DMA, __GFP_DMA32, __GFP_HIGHMEM)
 * are rejected: pymm serves ordinary kernel memory only.
 */
#ifndef _PYMM_H
#define _PYMM_H

#include <linux/gfp.h>
#include <linux/types.h>

/* Block alignment and size-class granularity. */
#define PYMM_ALIGN		8
/* Largest request served from pools; larger ones go to kmalloc(). */
#define PYMM_SMALL_MAX		512
/* Number of size classes: 8, 16, ..., 512 bytes. */
#define PYMM_NR_CLASSES		(PYMM_SMALL_MAX / PYMM_ALIGN)

void *pymm_malloc(size_t size, gfp_t gfp);
void *pymm_zalloc(size_t size, gfp_t gfp);
void *pymm_realloc(void *p, size_t new_size, gfp_t gfp);
void pymm_free(const void *p);
size_t pymm_usable_size(const void *p);

#endif /* _PYMM_H */
