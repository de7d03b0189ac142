// SPDX-License-Identifier: GPL-2.0
/*
 * Generic KASAN shadow for pymm's blocks (built only with
 * CONFIG_KASAN_GENERIC; see pymm_kasan.h for what is poisoned when).
 *
 * Generic KASAN keeps one shadow byte per 8-byte granule: 0 means all 8
 * bytes are accessible, 1..7 that only the first so many are, and values
 * with the top bit set name why none are.  6.12 exports no poisoning
 * function to modules, but kasan_mem_to_shadow() is inline, so pymm writes
 * the shadow bytes itself, from functions KASAN does not instrument.
 * Blocks are 8-byte aligned and class sizes multiples of 8, so every block
 * starts on a granule.
 */
#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/kasan.h>

#include "pymm_kasan.h"

#define PYMM_GRANULE	BIT(KASAN_SHADOW_SCALE_SHIFT)

static __no_sanitize_address void pymm_shadow_fill(u8 *shadow, size_t n,
						   u8 value)
{
	while (n--)
		WRITE_ONCE(*shadow++, value);
}

/**
 * pymm_kasan_poison - make [@addr, @addr + @size) inaccessible
 * @addr: granule-aligned
 * @size: a multiple of the granule
 * @value: PYMM_KASAN_FREE or PYMM_KASAN_REDZONE
 */
void pymm_kasan_poison(const void *addr, size_t size, u8 value)
{
	pymm_shadow_fill(kasan_mem_to_shadow(addr), size / PYMM_GRANULE, value);
}

/**
 * pymm_kasan_unpoison - make the first @size of @total bytes accessible
 * @addr: granule-aligned block
 * @size: bytes that may be used
 * @total: the block's whole size, a multiple of the granule; what lies past
 *	@size is a redzone
 */
void pymm_kasan_unpoison(const void *addr, size_t size, size_t total)
{
	u8 *shadow = kasan_mem_to_shadow(addr);
	size_t full = size / PYMM_GRANULE;
	size_t n = total / PYMM_GRANULE;

	pymm_shadow_fill(shadow, full, 0);
	if (size % PYMM_GRANULE) {
		pymm_shadow_fill(shadow + full, 1, size % PYMM_GRANULE);
		full++;
	}
	pymm_shadow_fill(shadow + full, n - full, PYMM_KASAN_REDZONE);
}

/**
 * pymm_kasan_read_link - read the free-list link inside a poisoned block
 * @link: the link
 *
 * Return: the next free block.
 */
__no_sanitize_address void *pymm_kasan_read_link(void *const *link)
{
	return READ_ONCE(*link);
}

/**
 * pymm_kasan_write_link - write the free-list link inside a poisoned block
 * @link: the link
 * @next: the next free block
 */
__no_sanitize_address void pymm_kasan_write_link(void **link, void *next)
{
	WRITE_ONCE(*link, next);
}
