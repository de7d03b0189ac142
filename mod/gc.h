/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cycle collector: what gc.c exposes to heap.c, the layer above it
 * (see object.h for the layers).  pymm_collect(), pymm_freeze() and
 * pymm_unfreeze() are public (pymm.h); these two serve the heap's worker
 * and its settings.
 */
#ifndef _PYMM_GC_H
#define _PYMM_GC_H

struct pymm_heap;

void pymm_collect_auto(struct pymm_heap *heap);
void pymm_collect_kick(struct pymm_heap *heap);

#endif /* _PYMM_GC_H */
