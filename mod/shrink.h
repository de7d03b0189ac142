/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shrink.c, layer 5: pymm's shrinker, registered and freed by main.c.
 */
#ifndef _PYMM_SHRINK_H
#define _PYMM_SHRINK_H

int pymm_shrink_init(void);
void pymm_shrink_exit(void);

#endif /* _PYMM_SHRINK_H */
