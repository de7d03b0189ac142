/* SPDX-License-Identifier: GPL-2.0 */
/*
 * large.c, layer 3: requests above PYMM_SMALL_MAX, served by kmalloc().
 *
 * api.c allocates, frees and sizes large blocks here; debugfs.c reads the
 * counters; main.c calls pymm_large_exit() at unload, which reports the
 * blocks a client left live.  The xarray and the counters stay inside.
 */
#ifndef _PYMM_LARGE_H
#define _PYMM_LARGE_H

#include <linux/gfp_types.h>
#include <linux/types.h>

/* The live large blocks, for debugfs "summary". */
struct pymm_large_stats {
	long count;
	long bytes;
};

void *pymm_large_alloc(size_t size, gfp_t gfp);
int pymm_large_free(const void *p);
size_t pymm_large_size(const void *p, int *err);
void pymm_large_read_stats(struct pymm_large_stats *st);
void pymm_large_exit(void);

#endif /* _PYMM_LARGE_H */
