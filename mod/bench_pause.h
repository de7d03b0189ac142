/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pymm_bench.ko's pause section (bench_pause.c), which bench.c runs.
 */
#ifndef _PYMM_BENCH_PAUSE_H
#define _PYMM_BENCH_PAUSE_H

/* The pause section; *@failed counts what went wrong. */
void pb_pause(unsigned long *failed);

#endif /* _PYMM_BENCH_PAUSE_H */
