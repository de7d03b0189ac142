/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arena.c, layer 3: arenas and their free pools.
 *
 * class.c and cpu.c take pools from the arenas and give them back, and grow
 * the arenas when none is left; api.c and cpu.c recognise a block by the
 * arena its page is in.  shrink.c gives back what the arenas hold free, and
 * debugfs.c reads a snapshot.  pymm_arena_lock, the arena lists and the
 * counters stay inside arena.c: these functions take the lock themselves.
 */
#ifndef _PYMM_ARENA_H
#define _PYMM_ARENA_H

#include <linux/gfp_types.h>
#include <linux/types.h>

#include "pymm_internal.h"

struct pymm_arena *pymm_arena_lookup(const void *p);
struct pymm_pool *pymm_pool_get(unsigned int szidx);
struct pymm_arena *pymm_pool_put(struct pymm_pool *pool);
int pymm_arena_grow(gfp_t gfp);
void pymm_arena_release(struct pymm_arena *arena);
int pymm_arenas_init(void);
unsigned long pymm_arenas_exit(void);

/* For the shrinker (shrink.c). */
unsigned long pymm_arena_count_free(bool pools);
unsigned long pymm_arena_trim(void);
unsigned long pymm_arena_drop_cache(void);

/* For debugfs.c: one row of "arenas", and the counters of "summary". */
struct pymm_arena_row {
	void *base;
	unsigned int npools;
	unsigned int nfree;
};

struct pymm_arena_stats {
	unsigned long now;
	unsigned long allocated;
	unsigned long freed;
	unsigned long pages;
	bool cached;
};

struct pymm_arena_row *pymm_arena_snapshot(unsigned int *n);
void pymm_arena_read_stats(struct pymm_arena_stats *st);

#endif /* _PYMM_ARENA_H */
