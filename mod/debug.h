/* SPDX-License-Identifier: GPL-2.0 */
/*
 * debug.c, layer 2: debug mode, its parameter and its static key.
 *
 * class.c calls the checks with the class lock held; cpu.c and class.c test
 * pymm_debug_key to route every block through class.c; class.c reads
 * pymm_debug once at load for the layout, debugfs.c to show it.
 */
#ifndef _PYMM_DEBUG_H
#define _PYMM_DEBUG_H

#include <linux/jump_label.h>

#include "pymm_internal.h"

extern bool pymm_debug;
DECLARE_STATIC_KEY_FALSE(pymm_debug_key);

void pymm_debug_init(void);
void pymm_debug_alloc(struct pymm_class *cls, void *block, bool recycled);
void pymm_debug_check_next(struct pymm_class *cls, struct pymm_pool *pool);
int pymm_debug_check_free(struct pymm_class *cls, struct pymm_pool *pool,
			  const void *block);
void pymm_debug_poison(struct pymm_class *cls, void *block);

#endif /* _PYMM_DEBUG_H */
