/* SPDX-License-Identifier: GPL-2.0 */
/*
 * class.c, layer 3, on top of arena.c: the size classes.
 *
 * cpu.c takes its current pools from a class and hands them back under the
 * class lock, which it takes itself; it also sends debug mode's blocks, and
 * the frees into pools that are not its own, here.  api.c checks a block
 * and gets its size here.  debugfs.c reads the class table (size and
 * capacity are fixed at load) and pymm_class_npools().
 */
#ifndef _PYMM_CLASS_H
#define _PYMM_CLASS_H

#include <linux/gfp_types.h>
#include <linux/types.h>

#include "pymm_internal.h"

extern struct pymm_class pymm_classes[PYMM_NR_CLASSES];

void pymm_classes_init(void);
void *pymm_class_alloc(struct pymm_class *cls, size_t size, gfp_t gfp);
int pymm_class_free(struct pymm_class *cls, struct pymm_pool *pool,
		    const void *p, struct pymm_arena **empty);
struct pymm_class *pymm_pool_class(struct pymm_pool *pool);
void pymm_block_handout(struct pymm_class *cls, void *block, size_t size,
			gfp_t gfp);
void pymm_block_takeback(struct pymm_class *cls, const void *block);
unsigned int pymm_small_size(struct pymm_arena *arena, const void *p,
			     const char *caller);
unsigned long pymm_class_npools(unsigned int idx);

#endif /* _PYMM_CLASS_H */
