// SPDX-License-Identifier: GPL-2.0
/* The benchmark workloads, built into pymm_kunit.ko for bench_test.c. */
#include "../mod/bench_work.c"
