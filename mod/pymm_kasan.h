/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Teaching generic KASAN about pymm's blocks.
 *
 * Pools carve pages themselves, so KASAN's slab hooks never see pymm's
 * blocks.  pymm writes KASAN's shadow itself, as mm/ does for its caches:
 *
 *   arena pages when taken      poisoned as redzone: never handed out
 *   a block being handed out    its requested bytes accessible, the rest of
 *                               its class size a redzone (the rounding slack)
 *   a block being freed         poisoned as freed memory
 *   pymm_usable_size()          the whole class size accessible, as ksize()
 *
 * There are no pool headers to poison: pool metadata lives outside the
 * pages.  pymm's own accesses to poisoned memory (the free-list link inside
 * a free block, debug mode's red zones and poison checks) go through
 * unchecked helpers or run with KASAN reports disabled.  So does the read
 * of a block's first word when it is freed (is it already free?), which
 * may lie past the bytes a small request opened.
 *
 * Without CONFIG_KASAN_GENERIC every hook is an empty inline.
 */
#ifndef _PYMM_KASAN_H
#define _PYMM_KASAN_H

#include <linux/compiler.h>
#include <linux/kasan.h>
#include <linux/types.h>

/* Shadow values, as mm/kasan/kasan.h defines them for slab objects. */
#define PYMM_KASAN_FREE		0xFB	/* KASAN_SLAB_FREE */
#define PYMM_KASAN_REDZONE	0xFC	/* KASAN_SLAB_REDZONE */

#ifdef CONFIG_KASAN_GENERIC

void pymm_kasan_poison(const void *addr, size_t size, u8 value);
void pymm_kasan_unpoison(const void *addr, size_t size, size_t total);
void *pymm_kasan_read_link(void *const *link);
void pymm_kasan_write_link(void **link, void *next);

#else

static inline void pymm_kasan_poison(const void *addr, size_t size, u8 value)
{
}

static inline void pymm_kasan_unpoison(const void *addr, size_t size,
				       size_t total)
{
}

static inline void *pymm_kasan_read_link(void *const *link)
{
	return READ_ONCE(*link);
}

static inline void pymm_kasan_write_link(void **link, void *next)
{
	WRITE_ONCE(*link, next);
}

#endif /* CONFIG_KASAN_GENERIC */

#endif /* _PYMM_KASAN_H */
