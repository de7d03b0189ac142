/* SPDX-License-Identifier: GPL-2.0 */
/*
 * debugfs.c, layer 5: /sys/kernel/debug/pymm.
 *
 * main.c creates and removes the files; heap.c puts a directory per heap
 * under pymm_debugfs_heaps.
 */
#ifndef _PYMM_DEBUGFS_H
#define _PYMM_DEBUGFS_H

struct dentry;

extern struct dentry *pymm_debugfs_heaps;

void pymm_debugfs_init(void);
void pymm_debugfs_exit(void);

#endif /* _PYMM_DEBUGFS_H */
